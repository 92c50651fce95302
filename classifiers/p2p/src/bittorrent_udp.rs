//! BitTorrent over UDP, three protocols that share one socket in practice:
//!
//! - uTP (BEP 29): a 20-byte header, `type << 4 | version` with version 1
//!   and type ST_DATA 0 … ST_SYN 4, an extension byte (0 none, 1 selective
//!   ACK, 2 extension bits), a 16-bit connection id, timestamps, window,
//!   `seq_nr` and `ack_nr`. The answer to an ST_SYN is an ST_STATE with the
//!   SYN's connection id whose `ack_nr` is the SYN's `seq_nr`. A lone SYN
//!   must have no extension, a zero timestamp difference and `ack_nr` 0
//!   (nothing received yet), as BEP 29 specifies.
//! - The DHT (BEP 5, KRPC): every message is a bencoded dictionary whose
//!   keys are sorted (BEP 3 "keys must be strings and appear in sorted
//!   order"): a query starts `d1:ad2:id20:`, a response `d1:rd2:id20:` (or
//!   with the BEP 42 `ip` key first, `d2:ip6:`), an error `d1:eli`.
//! - The UDP tracker protocol (BEP 15): a connect request is 16 bytes, the
//!   protocol id 0x41727101980, action 0 and a transaction id; the response
//!   is action 0, that transaction id and a connection id (16 bytes).
//!
//! A flow is BitTorrent_UDP when each direction that sent something opens
//! with one of these (a DHT query answered by a uTP ST_STATE happens on a
//! peer's single port).

use flowsieve_sdk::prelude::*;

pub(crate) const TRACKER_MAGIC: [u8; 8] = [0, 0, 4, 0x17, 0x27, 0x10, 0x19, 0x80];
const DHT_PREFIXES: [&[u8]; 4] = [b"d1:ad2:id20:", b"d1:rd2:id20:", b"d2:ip6:", b"d1:eli"];
const ST_STATE: u8 = 2;
const ST_SYN: u8 = 4;

/// Necessary conditions: one direction starts a uTP header of a known type,
/// a KRPC dictionary, or (client) a tracker connect request.
pub(crate) fn leads() -> Vec<Lead> {
    let mut leads: Vec<Lead> = (0..=ST_SYN).map(|t| either(&[t << 4 | 1])).collect();
    leads.extend(DHT_PREFIXES.iter().map(|p| either(p)));
    leads.push(client(&TRACKER_MAGIC));
    leads
}

struct Utp {
    kind: u8,
    conn_id: u16,
    seq: u16,
    ack: u16,
}

fn size(side: &Side) -> usize {
    (side.first_payload_len as usize).max(side.prefix.len())
}

/// A uTP header; `len`: its datagram's size.
fn utp(p: &[u8], len: usize) -> Option<Utp> {
    let (b0, ext) = (*p.first()?, *p.get(1)?);
    let kind = b0 >> 4;
    if b0 & 0x0f != 1 || kind > ST_SYN || ext > 2 || len < 20 {
        return None;
    }
    Some(Utp {
        kind,
        conn_id: be_u16(p, 2)?,
        seq: be_u16(p, 16)?,
        ack: be_u16(p, 18)?,
    })
}

fn dht(p: &[u8]) -> bool {
    DHT_PREFIXES.iter().any(|d| p.starts_with(d))
}

/// A connect request (client) or its response (server), with the
/// transaction id each carries.
fn tracker_request(p: &[u8], len: usize) -> Option<&[u8]> {
    (len == 16 && p.starts_with(&TRACKER_MAGIC) && be_u32(p, 8) == Some(0)).then(|| &p[12..16])
}

fn tracker_response(p: &[u8], len: usize, txn: &[u8]) -> bool {
    len == 16 && be_u32(p, 0) == Some(0) && p.get(4..8) == Some(txn)
}

pub(crate) fn matches(flow: &FlowView) -> bool {
    let (c, s) = (&flow.client.prefix, &flow.server.prefix);
    let (cl, sl) = (size(&flow.client), size(&flow.server));
    if c.is_empty() && s.is_empty() {
        return false;
    }
    if let Some(txn) = tracker_request(c, cl) {
        return s.is_empty() || tracker_response(s, sl, txn);
    }
    // A uTP connection set-up: SYN, answered by STATE.
    if let Some(syn) = utp(c, cl).filter(|u| u.kind == ST_SYN) {
        return match utp(s, sl) {
            Some(st) => st.kind == ST_STATE && st.conn_id == syn.conn_id && st.ack == syn.seq,
            None if s.is_empty() => {
                cl == 20 && c[1] == 0 && be_u32(c, 8) == Some(0) && syn.ack == 0
            }
            None => dht(s),
        };
    }
    // Otherwise every direction that spoke must be KRPC, or uTP with the
    // other direction KRPC (a peer's one port carries both).
    let side_ok = |p: &[u8], n: usize, other: &[u8]| dht(p) || (utp(p, n).is_some() && dht(other));
    (c.is_empty() || side_ok(c, cl, s)) && (s.is_empty() || side_ok(s, sl, c))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use flowsieve_sdk::testing::udp;

    // bittorrent_utp.pcap, 127.0.0.1:49861 -> 127.0.0.1:33333: ST_SYN
    // (connection id 0x4567, seq 0x23c6) and the ST_STATE that acks it.
    pub(crate) const SYN: &[u8] =
        b"\x41\x00\x45\x67\xed\x63\x92\x96\x00\x00\x00\x00\x00\x10\x00\x00\x23\xc6\x00\x00";
    const STATE: &[u8] =
        b"\x21\x00\x45\x67\xed\x63\x93\x41\x00\x00\x00\x00\x00\x10\x00\x00\x45\x67\x23\xc6";
    // bittorrent_utp.pcap, 82.243.113.43:64969 -> 192.168.1.5:40959: a DHT
    // get_peers query (first 48 bytes of 104) answered, on the same ports,
    // by a uTP ST_STATE with an extension (30 bytes).
    pub(crate) const GET_PEERS: &[u8] = b"d1:ad2:id20:\xf7\xf6\x00\x7c\xea\x13\x50\x6e\x51\x4d\xe7\xec\xbc\x94\xf2\xae\x51\x71\x15\xf8\x39:info_hash20:\xf7\xf6\x01\xd8";
    const STATE_EXT: &[u8] = b"\x21\x02\x53\x02\x06\xff\x3f\x5f\x7f\xff\xff\xff\x00\x00\xf0\x00\x49\xc7\xe7\xf5\x00\x08\x00\x00\x00\x00\x00\x00\x00\x00";
    // bittorrent_udp.pcap (tests/tools/record/bittorrent_udp.sh), aria2c's
    // DHT ping 127.0.0.1:16891 -> 16881 and the answer.
    const PING: &[u8] = b"d1:ad2:id20:gN\x01j0\xd2P\xea\xed\xe2\xd2Ds\xa66\xb1\xa1\xce\xee\xa7e1:q4:ping1:t4:\xee\xfa2-1:v4:A2\x00\x031:y1:qe";
    const PONG: &[u8] = b"d1:rd2:id20:\x08}\xa2\xbf\x1d\x87V\x0e\xc1\xba%\xab\xa6Z\xf7\x8f\x8c\x00\x05(e1:t4:\xee\xfa2-1:v4:A2\x00\x031:y1:re";
    // Same capture, aria2c 127.0.0.1:16881 -> opentracker 127.0.0.1:16969:
    // connect request and response.
    pub(crate) const CONNECT: &[u8] =
        b"\x00\x00\x04\x17\x27\x10\x19\x80\x00\x00\x00\x00\xc6\xe9\x3e\x06";
    const CONNECTED: &[u8] = b"\x00\x00\x00\x00\xc6\xe9\x3e\x06\x8e\x53\xd1\x1c\xf6\x3a\xdc\x71";

    fn with_len(mut f: FlowView, c: u32, s: u32) -> FlowView {
        f.client.first_payload_len = c;
        f.server.first_payload_len = s;
        f
    }

    #[test]
    fn utp() {
        assert!(
            matches(&udp(49861, 33333, SYN, STATE))
                && crate::offered(crate::BITTORRENT_UDP, &udp(49861, 33333, SYN, STATE))
        );
        assert!(
            matches(&udp(49861, 33333, SYN, b""))
                && crate::offered(crate::BITTORRENT_UDP, &udp(49861, 33333, SYN, b""))
        );
        assert!(
            matches(&with_len(udp(64969, 40959, GET_PEERS, STATE_EXT), 104, 30))
                && crate::offered(
                    crate::BITTORRENT_UDP,
                    &with_len(udp(64969, 40959, GET_PEERS, STATE_EXT), 104, 30)
                )
        );
    }

    #[test]
    fn dht_and_tracker() {
        assert!(
            matches(&udp(16891, 16881, PING, PONG))
                && crate::offered(crate::BITTORRENT_UDP, &udp(16891, 16881, PING, PONG))
        );
        assert!(
            matches(&udp(16891, 16881, PING, b""))
                && crate::offered(crate::BITTORRENT_UDP, &udp(16891, 16881, PING, b""))
        );
        assert!(
            matches(&udp(16881, 16969, CONNECT, CONNECTED))
                && crate::offered(
                    crate::BITTORRENT_UDP,
                    &udp(16881, 16969, CONNECT, CONNECTED)
                )
        );
        assert!(
            matches(&udp(16881, 16969, CONNECT, b""))
                && crate::offered(crate::BITTORRENT_UDP, &udp(16881, 16969, CONNECT, b""))
        );
    }

    #[test]
    fn not_bittorrent_udp() {
        // A STATE acking another sequence number; a lone "SYN" with data in
        // its ack field; a tracker answer for another transaction; the
        // sip.pcap RTP packet (0x80: version 2 RTP, not uTP); a DNS query.
        let mut other = STATE.to_vec();
        other[19] ^= 1;
        assert!(!matches(&udp(49861, 33333, SYN, &other)));
        let mut syn = SYN.to_vec();
        syn[19] = 7;
        assert!(!matches(&udp(49861, 33333, &syn, b"")));
        let mut answer = CONNECTED.to_vec();
        answer[7] ^= 1;
        assert!(!matches(&udp(16881, 16969, CONNECT, &answer)));
        let rtp =
            b"\x80\x08\x6f\xae\x00\x00\x04\xd8\x37\x96\xcb\x71\xd5\xd5\xd5\xd5\xd5\xd5\xd5\xd5";
        assert!(!matches(&udp(30000, 40392, rtp, b"")));
        let dns = b"\xbe\xef\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07example\x03com\x00\x00\x01\x00\x01";
        assert!(!matches(&udp(40000, 53, dns, b"")));
    }
}
