//! TLS inside OpenVPN's control channel (UDP datagrams or TCP with a 2-byte
//! length prefix per packet).
//!
//! Packet layout (OpenVPN 2.x `ssl_pkt.h`): `opcode << 3 | key_id`, 8-byte
//! session id, an optional tls-auth header (HMAC of 16/20/28/32/48/64 bytes,
//! 4-byte packet id, 4-byte net time), the ack array (1-byte count, 4 bytes
//! per id, then the 8-byte remote session id when the count is > 0), the
//! 4-byte message packet-id and the payload (P_ACK_V1 stops after the acks).
//! The P_CONTROL_V1 payloads of each direction, in message packet-id order,
//! form a TLS byte stream that is fed to [`TlsParser`].
//!
//! The tls-auth HMAC size is not announced: it is inferred from the first
//! hard-reset packet, whose layout (no payload, message packet-id 0, no or one
//! ack) fixes it. tls-crypt / tls-crypt-v2 encrypt everything after the
//! packet id: detected, and the flow is given up (no metadata).

use crate::tls::TlsParser;
use crate::{Direction, TlsConfig, TlsMetadata};

const P_CONTROL_HARD_RESET_CLIENT_V1: u8 = 1;
const P_CONTROL_HARD_RESET_SERVER_V1: u8 = 2;
const P_CONTROL_SOFT_RESET_V1: u8 = 3;
const P_CONTROL_V1: u8 = 4;
const P_ACK_V1: u8 = 5;
const P_CONTROL_HARD_RESET_CLIENT_V2: u8 = 7;
const P_CONTROL_HARD_RESET_SERVER_V2: u8 = 8;
const P_CONTROL_HARD_RESET_CLIENT_V3: u8 = 10;
const P_CONTROL_WKC_V1: u8 = 11;

const SESSION_ID_LEN: usize = 8;
/// tls-auth HMAC sizes (MD5, SHA1, SHA224, SHA256, SHA384, SHA512); 0 = none.
const AUTH_SIZES: [usize; 7] = [0, 16, 20, 28, 32, 48, 64];
/// tls-crypt: packet id + net time + 32-byte HMAC tag, then ciphertext.
const TLS_CRYPT_HEADER: usize = 8 + 32;
/// Acks per packet (OpenVPN's RELIABLE_ACK_SIZE is 8).
const MAX_ACKS: usize = 8;
/// Largest payload a hard reset may carry (OpenVPN 2.6 early-negotiation TLVs).
const MAX_RESET_PAYLOAD: usize = 64;

/// Virtual TLS bytes kept per direction (a handshake with a certificate chain).
const MAX_TLS_STREAM: usize = 32 * 1024;
/// Out-of-order control packets buffered per direction, their total bytes,
/// and how far ahead of the next expected packet-id one may be.
const MAX_PENDING: usize = 16;
const MAX_PENDING_BYTES: usize = 16 * 1024;
const MAX_AHEAD: u32 = 64;
/// Control-channel packets looked at per direction before giving up.
const MAX_CONTROL_PACKETS: u32 = 1024;

/// How the control channel is wrapped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wrap {
    /// Not known yet (no hard reset seen).
    Unknown,
    /// Plaintext, with a tls-auth header carrying an HMAC of this many bytes (0: none).
    Auth(usize),
    /// tls-crypt or tls-crypt-v2: cannot be parsed.
    Encrypted,
}

/// A decoded control-channel packet (borrowing the wire bytes).
#[derive(Debug, PartialEq, Eq)]
struct Packet<'a> {
    opcode: u8,
    key_id: u8,
    /// Message packet-id (absent for P_ACK_V1).
    message_id: Option<u32>,
    payload: &'a [u8],
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at + 4)?;
    Some(u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}

fn is_control_opcode(op: u8) -> bool {
    matches!(
        op,
        P_CONTROL_HARD_RESET_CLIENT_V1
            | P_CONTROL_HARD_RESET_SERVER_V1
            | P_CONTROL_SOFT_RESET_V1
            | P_CONTROL_V1
            | P_CONTROL_HARD_RESET_CLIENT_V2
            | P_CONTROL_HARD_RESET_SERVER_V2
    )
}

fn is_hard_reset(op: u8) -> bool {
    matches!(
        op,
        P_CONTROL_HARD_RESET_CLIENT_V1
            | P_CONTROL_HARD_RESET_SERVER_V1
            | P_CONTROL_HARD_RESET_CLIENT_V2
            | P_CONTROL_HARD_RESET_SERVER_V2
    )
}

/// A tls-auth / tls-crypt replay header: a small packet id (counts from 1)
/// and a plausible net time (2000..2100).
fn plausible_replay_header(pkt: &[u8], at: usize) -> bool {
    let (Some(id), Some(time)) = (be32(pkt, at), be32(pkt, at + 4)) else {
        return false;
    };
    (1..=0xffff).contains(&id) && (946_684_800..=4_102_444_800).contains(&time)
}

/// Decode one control-channel packet with an `auth`-byte HMAC. `None` when
/// it is not a (plaintext) control packet or is truncated.
fn parse_packet(pkt: &[u8], auth: usize) -> Option<Packet<'_>> {
    let first = *pkt.first()?;
    let (opcode, key_id) = (first >> 3, first & 7);
    if !(is_control_opcode(opcode) || opcode == P_ACK_V1) {
        return None;
    }
    let mut at = 1 + SESSION_ID_LEN;
    if auth > 0 {
        at += auth + 8;
    }
    let acks = usize::from(*pkt.get(at)?);
    if acks > MAX_ACKS {
        return None;
    }
    at += 1 + acks * 4 + if acks > 0 { SESSION_ID_LEN } else { 0 };
    if opcode == P_ACK_V1 {
        return (pkt.len() == at).then_some(Packet {
            opcode,
            key_id,
            message_id: None,
            payload: &[],
        });
    }
    let message_id = be32(pkt, at)?;
    Some(Packet {
        opcode,
        key_id,
        message_id: Some(message_id),
        payload: pkt.get(at + 4..)?,
    })
}

/// Infer the wrapping from a hard-reset packet (client's or server's):
/// the tls-auth size for which it decodes as a first reset (message id 0,
/// at most one ack, no or a small payload, plausible replay header), or
/// tls-crypt when only the packet id right after the session id is plausible.
fn detect_wrap(pkt: &[u8], client_only: bool) -> Option<Wrap> {
    let opcode = pkt.first()? >> 3;
    let key_id = pkt.first()? & 7;
    if key_id != 0 {
        return None;
    }
    let client = matches!(
        opcode,
        P_CONTROL_HARD_RESET_CLIENT_V1 | P_CONTROL_HARD_RESET_CLIENT_V2
    );
    if opcode == P_CONTROL_HARD_RESET_CLIENT_V3 {
        // tls-crypt-v2: packet id (or EARLY_NEG_START 0x0f000000) + time, tag, WKc.
        let id = be32(pkt, 1 + SESSION_ID_LEN)?;
        let ok = (id == 1 || id == 0x0f00_0000)
            && (pkt.len() >= 1 + SESSION_ID_LEN + TLS_CRYPT_HEADER + 5 + 2)
            && pkt.len() <= 2048;
        return ok.then_some(Wrap::Encrypted);
    }
    if !(is_hard_reset(opcode) && (client || !client_only)) {
        return None;
    }
    let decodes_as_reset = |auth: usize, max_payload: usize| {
        if auth > 0 && !plausible_replay_header(pkt, 1 + SESSION_ID_LEN + auth) {
            return false;
        }
        let max_acks = if client { 0 } else { 1 };
        let acks = pkt.get(1 + SESSION_ID_LEN + if auth > 0 { auth + 8 } else { 0 });
        matches!(parse_packet(pkt, auth), Some(p) if p.message_id == Some(0)
            && p.payload.len() <= max_payload)
            && acks.is_some_and(|&n| usize::from(n) <= max_acks)
    };
    // An empty payload first (exact length match), then a small one (server TLVs).
    let max_payload = if client { 0 } else { MAX_RESET_PAYLOAD };
    for limit in [0, max_payload] {
        if let Some(&auth) = AUTH_SIZES.iter().find(|&&a| decodes_as_reset(a, limit)) {
            return Some(Wrap::Auth(auth));
        }
    }
    // tls-crypt: op, session id, packet id, time, 32-byte tag, encrypted rest
    // (at least ack count + message id).
    let tls_crypt = plausible_replay_header(pkt, 1 + SESSION_ID_LEN)
        && pkt.len() >= 1 + SESSION_ID_LEN + TLS_CRYPT_HEADER + 5
        && pkt.len() <= 1 + SESSION_ID_LEN + TLS_CRYPT_HEADER + 5 + 13 * 4 + MAX_RESET_PAYLOAD;
    tls_crypt.then_some(Wrap::Encrypted)
}

/// Control-channel reassembly state of one direction.
#[derive(Debug, Clone, Default)]
struct DirectionState {
    /// TCP: stream offset of the next unread packet.
    consumed: usize,
    /// Next expected message packet-id (1 until a hard reset says otherwise).
    next_id: Option<u32>,
    /// Out-of-order P_CONTROL_V1 payloads, by message packet-id.
    pending: Vec<(u32, Vec<u8>)>,
    /// The reassembled TLS byte stream.
    tls: Vec<u8>,
    packets: u32,
    /// No more bytes are taken in this direction.
    done: bool,
}

impl DirectionState {
    fn pending_bytes(&self) -> usize {
        self.pending.iter().map(|(_, p)| p.len()).sum()
    }

    /// Append payload bytes to the TLS stream; false when the cap was hit.
    fn append(&mut self, payload: &[u8]) -> bool {
        let room = MAX_TLS_STREAM.saturating_sub(self.tls.len());
        let take = payload.len().min(room);
        self.tls.extend_from_slice(&payload[..take]);
        take == payload.len()
    }

    /// Take one P_CONTROL_V1 payload; returns true when the TLS stream grew.
    fn on_control(&mut self, id: u32, payload: &[u8]) -> bool {
        let next = *self.next_id.get_or_insert(1);
        if id < next || self.pending.iter().any(|(p, _)| *p == id) {
            return false; // retransmission / duplicate
        }
        if id > next {
            let fits = id - next <= MAX_AHEAD
                && self.pending.len() < MAX_PENDING
                && self.pending_bytes() + payload.len() <= MAX_PENDING_BYTES;
            if fits {
                self.pending.push((id, payload.to_vec()));
            }
            return false;
        }
        let mut complete = self.append(payload);
        let mut next = next.wrapping_add(1);
        while complete {
            let Some(i) = self.pending.iter().position(|(p, _)| *p == next) else {
                break;
            };
            let (_, bytes) = self.pending.swap_remove(i);
            complete = self.append(&bytes);
            next = next.wrapping_add(1);
        }
        self.next_id = Some(next);
        if !complete {
            self.done = true;
            self.pending = Vec::new();
        }
        true
    }
}

/// Per-flow parser of the TLS handshake carried in an OpenVPN control channel.
#[derive(Debug, Clone)]
pub struct OpenVpnTls {
    tcp: bool,
    wrap: Wrap,
    /// key_id of the first hard reset: only that TLS session is followed.
    key_id: u8,
    parser: TlsParser,
    dirs: [DirectionState; 2],
}

impl OpenVpnTls {
    pub fn new(config: TlsConfig, tcp: bool) -> Self {
        Self {
            tcp,
            wrap: Wrap::Unknown,
            key_id: 0,
            parser: TlsParser::new(config),
            dirs: Default::default(),
        }
    }

    /// Strict check that a flow's first client payload is an OpenVPN client
    /// hard reset (key_id 0, message packet-id 0, no acks, no payload, an
    /// exact length for one of the tls-auth sizes, a plausible replay
    /// header) or a tls-crypt(-v2) one. Over TCP the 2-byte length prefix
    /// must frame exactly the first packet (more packets may follow).
    pub fn looks_like_openvpn(first_payload: &[u8], tcp: bool) -> bool {
        let packet = if tcp {
            let [hi, lo, ref rest @ ..] = *first_payload else {
                return false;
            };
            match rest.get(..usize::from(u16::from_be_bytes([hi, lo]))) {
                Some(p) => p,
                None => return false,
            }
        } else {
            first_payload
        };
        detect_wrap(packet, true).is_some()
    }

    /// Feed one UDP datagram (one OpenVPN packet).
    pub fn feed_datagram(&mut self, dir: Direction, datagram: &[u8]) {
        if self.is_final() {
            return;
        }
        if self.on_packet(dir, datagram) {
            self.feed_parser(dir);
        }
    }

    /// TCP: feed one direction's in-order stream prefix (from stream byte 0,
    /// growing between calls, e.g. [`StreamPrefix::contiguous`](crate::StreamPrefix::contiguous)).
    pub fn feed_stream(&mut self, dir: Direction, stream: &[u8]) {
        let mut grew = false;
        loop {
            let d = &self.dirs[slot(dir)];
            if d.done || self.is_final() {
                break;
            }
            let Some([hi, lo]) = stream.get(d.consumed..d.consumed + 2) else {
                break;
            };
            let len = usize::from(u16::from_be_bytes([*hi, *lo]));
            let start = d.consumed + 2;
            let Some(packet) = stream.get(start..start + len) else {
                break;
            };
            self.dirs[slot(dir)].consumed = start + len;
            if len == 0 {
                self.dirs[slot(dir)].done = true; // lost framing
                break;
            }
            grew |= self.on_packet(dir, packet);
        }
        if grew {
            self.feed_parser(dir);
        }
    }

    /// No more bytes will come in `dir` (FIN/RST, stream cap).
    pub fn close_direction(&mut self, dir: Direction) {
        self.dirs[slot(dir)].done = true;
        self.parser.close_direction(dir);
    }

    /// Process one packet; true when `dir`'s TLS stream grew.
    fn on_packet(&mut self, dir: Direction, packet: &[u8]) -> bool {
        let d = &mut self.dirs[slot(dir)];
        if d.done {
            return false;
        }
        d.packets += 1;
        if d.packets > MAX_CONTROL_PACKETS {
            d.done = true;
            self.parser.close_direction(dir);
            return false;
        }
        let Some(&first) = packet.first() else {
            return false;
        };
        if self.wrap == Wrap::Unknown {
            match detect_wrap(packet, false) {
                Some(wrap) => {
                    self.wrap = wrap;
                    self.key_id = first & 7;
                }
                None => return false,
            }
        }
        let Wrap::Auth(auth) = self.wrap else {
            return false;
        };
        if matches!(
            first >> 3,
            P_CONTROL_HARD_RESET_CLIENT_V3 | P_CONTROL_WKC_V1
        ) {
            self.wrap = Wrap::Encrypted;
            return false;
        }
        let Some(p) = parse_packet(packet, auth) else {
            return false;
        };
        if p.key_id != self.key_id {
            return false; // a later (soft-reset) TLS session
        }
        let (Some(id), d) = (p.message_id, &mut self.dirs[slot(dir)]) else {
            return false;
        };
        match p.opcode {
            // A control message always carries bytes; an empty one is a
            // truncated packet and must not consume its message id.
            P_CONTROL_V1 if !p.payload.is_empty() => d.on_control(id, p.payload),
            op if is_hard_reset(op) => {
                if d.next_id.is_none() && d.tls.is_empty() {
                    d.next_id = Some(id.wrapping_add(1));
                }
                false
            }
            _ => false,
        }
    }

    fn feed_parser(&mut self, dir: Direction) {
        let d = &self.dirs[slot(dir)];
        self.parser.feed(dir, &d.tls);
        if d.done {
            self.parser.close_direction(dir);
        }
        if self.parser.is_final() {
            // Nothing more to learn: release the buffers.
            self.dirs = Default::default();
            for d in &mut self.dirs {
                d.done = true;
            }
        }
    }

    /// The TLS parser fed with the unwrapped control channel.
    pub fn parser(&self) -> &TlsParser {
        &self.parser
    }

    /// Transport this instance was created for.
    pub fn is_tcp(&self) -> bool {
        self.tcp
    }

    /// The control channel is encrypted (tls-crypt / tls-crypt-v2): no TLS metadata.
    pub fn is_encrypted(&self) -> bool {
        self.wrap == Wrap::Encrypted
    }

    /// True once a ClientHello or ServerHello was parsed.
    pub fn is_tls(&self) -> bool {
        self.parser.is_tls()
    }

    /// See [`TlsParser::roles_swapped`].
    pub fn roles_swapped(&self) -> bool {
        self.parser.roles_swapped()
    }

    /// The metadata can no longer change (handshake done, tls-crypt, or both
    /// directions exhausted).
    pub fn is_final(&self) -> bool {
        self.wrap == Wrap::Encrypted
            || self.parser.is_final()
            || (self.dirs[0].done && self.dirs[1].done)
    }

    pub fn metadata(&self) -> &TlsMetadata {
        self.parser.metadata()
    }

    pub fn into_metadata(self) -> TlsMetadata {
        self.parser.into_metadata()
    }

    /// Heap bytes held (reassembly buffers and parser; metadata excluded).
    pub fn heap_bytes(&self) -> usize {
        self.parser.heap_bytes()
            + self
                .dirs
                .iter()
                .map(|d| {
                    d.tls.capacity()
                        + d.pending.capacity() * std::mem::size_of::<(u32, Vec<u8>)>()
                        + d.pending.iter().map(|(_, p)| p.capacity()).sum::<usize>()
                })
                .sum::<usize>()
    }
}

fn slot(dir: Direction) -> usize {
    match dir {
        Direction::ClientToServer => 0,
        Direction::ServerToClient => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hello::tests::{client_hello_body, sni_ext};

    const C2S: Direction = Direction::ClientToServer;
    const S2C: Direction = Direction::ServerToClient;

    fn handshake(msg_type: u8, body: &[u8]) -> Vec<u8> {
        let mut m = vec![msg_type];
        m.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
        m.extend_from_slice(body);
        m
    }

    fn record(fragment: &[u8]) -> Vec<u8> {
        let mut r = vec![22, 3, 3];
        r.extend_from_slice(&(fragment.len() as u16).to_be_bytes());
        r.extend_from_slice(fragment);
        r
    }

    /// ClientHello record (SNI vpn.example) of the client's TLS stream.
    fn client_tls() -> Vec<u8> {
        record(&handshake(
            1,
            &client_hello_body(&[0xc02f, 0x009f], &[sni_ext("vpn.example")]),
        ))
    }

    /// ServerHello (TLS 1.2, 0xc02f) + ServerHelloDone.
    fn server_tls() -> Vec<u8> {
        let mut b = vec![3, 3];
        b.extend_from_slice(&[0x22; 32]);
        b.push(0);
        b.extend_from_slice(&0xc02fu16.to_be_bytes());
        b.push(0);
        b.extend_from_slice(&[0, 4, 0xff, 0x01, 0, 0]);
        let mut flight = handshake(2, &b);
        flight.extend(handshake(14, &[]));
        record(&flight)
    }

    /// One OpenVPN packet: `auth`-byte HMAC (0 = none), acks, message id, payload.
    fn packet(opcode: u8, auth: usize, acks: &[u32], id: Option<u32>, payload: &[u8]) -> Vec<u8> {
        let mut p = vec![opcode << 3];
        p.extend_from_slice(&[0x11; 8]);
        if auth > 0 {
            p.extend(std::iter::repeat_n(0xa5, auth));
            p.extend_from_slice(&1u32.to_be_bytes());
            p.extend_from_slice(&0x57a1_c15fu32.to_be_bytes());
        }
        p.push(acks.len() as u8);
        for a in acks {
            p.extend_from_slice(&a.to_be_bytes());
        }
        if !acks.is_empty() {
            p.extend_from_slice(&[0x22; 8]);
        }
        if let Some(id) = id {
            p.extend_from_slice(&id.to_be_bytes());
        }
        p.extend_from_slice(payload);
        p
    }

    /// A direction's packets: hard reset, then the TLS bytes in 30-byte
    /// P_CONTROL_V1 fragments (message ids from 1).
    fn flight(reset: u8, auth: usize, tls: &[u8]) -> Vec<Vec<u8>> {
        let acks: &[u32] = if reset == P_CONTROL_HARD_RESET_SERVER_V2 {
            &[0]
        } else {
            &[]
        };
        let mut v = vec![packet(reset, auth, acks, Some(0), &[])];
        for (i, chunk) in tls.chunks(30).enumerate() {
            v.push(packet(P_CONTROL_V1, auth, &[], Some(i as u32 + 1), chunk));
        }
        v
    }

    fn client_flight(auth: usize) -> Vec<Vec<u8>> {
        flight(P_CONTROL_HARD_RESET_CLIENT_V2, auth, &client_tls())
    }

    fn server_flight(auth: usize) -> Vec<Vec<u8>> {
        flight(P_CONTROL_HARD_RESET_SERVER_V2, auth, &server_tls())
    }

    fn tcp_stream(packets: &[Vec<u8>]) -> Vec<u8> {
        let mut s = Vec::new();
        for p in packets {
            s.extend_from_slice(&(p.len() as u16).to_be_bytes());
            s.extend_from_slice(p);
        }
        s
    }

    fn assert_handshake(o: &OpenVpnTls) {
        let m = o.metadata();
        assert!(o.is_tls());
        assert_eq!(m.client.sni.as_deref(), Some("vpn.example"));
        assert!(m.client.ja3.is_some());
        assert_eq!(m.cipher, Some(0xc02f));
        assert!(m.handshake_complete);
        assert!(o.is_final());
    }

    #[test]
    fn udp_with_and_without_tls_auth() {
        for auth in AUTH_SIZES {
            let (client, server) = (client_flight(auth), server_flight(auth));
            assert!(OpenVpnTls::looks_like_openvpn(&client[0], false), "{auth}");
            assert!(!OpenVpnTls::looks_like_openvpn(&client[0], true));
            let mut o = OpenVpnTls::new(TlsConfig::default(), false);
            o.feed_datagram(C2S, &client[0]);
            o.feed_datagram(S2C, &server[0]);
            // An ack-only packet in between (P_ACK_V1 has no message id).
            o.feed_datagram(C2S, &packet(P_ACK_V1, auth, &[0], None, &[]));
            for p in &client[1..] {
                o.feed_datagram(C2S, p);
            }
            assert!(o.metadata().client.ja3.is_some(), "{auth}");
            for p in &server[1..] {
                o.feed_datagram(S2C, p);
            }
            assert_handshake(&o);
            assert!(!o.is_encrypted());
            assert_eq!(o.heap_bytes(), 0, "buffers released once final");
        }
    }

    #[test]
    fn tcp_stream_fed_as_growing_prefix() {
        for auth in [0, 20] {
            let client = tcp_stream(&client_flight(auth));
            let server = tcp_stream(&server_flight(auth));
            assert!(OpenVpnTls::looks_like_openvpn(&client, true));
            let mut o = OpenVpnTls::new(TlsConfig::default(), true);
            for end in (0..=client.len()).step_by(7).chain([client.len()]) {
                o.feed_stream(C2S, &client[..end]);
            }
            o.feed_stream(S2C, &server);
            assert_handshake(&o);
        }
    }

    #[test]
    fn tcp_inspector_routes_openvpn_automatically() {
        let client = tcp_stream(&client_flight(0));
        let server = tcp_stream(&server_flight(0));
        let mut tcp = crate::TcpTlsInspector::new(Default::default(), TlsConfig::default());
        tcp.on_segment(C2S, 100, true, false, &[]);
        tcp.on_segment(S2C, 500, true, false, &[]);
        let mut seq = 101u32;
        for chunk in client.chunks(50) {
            tcp.on_segment(C2S, seq, false, false, chunk);
            seq += chunk.len() as u32;
        }
        tcp.on_segment(S2C, 501, false, false, &server);
        assert!(tcp.openvpn().is_some());
        assert!(tcp.is_tls() && tcp.is_final());
        assert_eq!(tcp.metadata().client.sni.as_deref(), Some("vpn.example"));
        assert_eq!(tcp.metadata().cipher, Some(0xc02f));
        // Plain TLS is not routed.
        let mut tls = crate::TcpTlsInspector::new(Default::default(), TlsConfig::default());
        tls.on_segment(C2S, 1, false, false, &client_tls());
        assert!(tls.openvpn().is_none() && tls.is_tls());
    }

    #[test]
    fn plain_tls_parser_finds_no_hello_in_openvpn_framing() {
        // The bogus-JA3 case: a hello record header inside the first fragment.
        let client = tcp_stream(&client_flight(0));
        let mut p = TlsParser::new(TlsConfig::default());
        p.feed(C2S, &client);
        assert!(!p.is_tls());
    }

    #[test]
    fn out_of_order_duplicates_and_retransmissions() {
        let (client, server) = (client_flight(20), server_flight(20));
        let mut o = OpenVpnTls::new(TlsConfig::default(), false);
        o.feed_datagram(C2S, &client[0]);
        o.feed_datagram(C2S, &client[0]); // retransmitted hard reset
        let mut rest: Vec<&Vec<u8>> = client[1..].iter().collect();
        rest.reverse();
        for p in &rest {
            o.feed_datagram(C2S, p);
            o.feed_datagram(C2S, p); // duplicate while pending
        }
        for p in &client[1..] {
            o.feed_datagram(C2S, p); // retransmissions after delivery
        }
        assert_eq!(o.dirs[0].tls, client_tls());
        o.feed_datagram(S2C, &server[0]);
        o.feed_datagram(S2C, &server[2]);
        o.feed_datagram(S2C, &server[1]);
        o.feed_datagram(S2C, &server[2]);
        assert_handshake(&o);
    }

    #[test]
    fn truncated_and_garbage_packets_are_ignored() {
        let client = client_flight(0);
        let mut o = OpenVpnTls::new(TlsConfig::default(), false);
        o.feed_datagram(C2S, &client[0]);
        for p in &client[1..] {
            for cut in [0, 1, 5, 9, 13, 14] {
                o.feed_datagram(C2S, &p[..cut.min(p.len())]);
            }
            o.feed_datagram(C2S, &[0x30, 1, 2, 3]); // P_DATA_V1
            o.feed_datagram(C2S, p);
        }
        assert_eq!(o.dirs[0].tls, client_tls());
        // A packet with an absurd ack count is dropped, not misread.
        let mut bad = packet(P_CONTROL_V1, 0, &[], Some(99), b"xx");
        bad[9] = 200;
        assert!(parse_packet(&bad, 0).is_none());
        // TCP: a zero length loses the framing: that direction stops.
        let mut o = OpenVpnTls::new(TlsConfig::default(), true);
        o.feed_stream(C2S, &[0, 0, 1, 2, 3]);
        o.feed_stream(S2C, &[0, 0]);
        assert!(o.is_final() && !o.is_tls());
    }

    #[test]
    fn packets_of_another_key_id_are_ignored() {
        let client = client_flight(0);
        let mut o = OpenVpnTls::new(TlsConfig::default(), false);
        o.feed_datagram(C2S, &client[0]);
        let mut soft = client[1].clone();
        soft[0] |= 1; // key_id 1: a renegotiation's TLS session
        o.feed_datagram(C2S, &soft);
        assert!(o.dirs[0].tls.is_empty());
    }

    #[test]
    fn caps_bound_buffering() {
        let mut o = OpenVpnTls::new(TlsConfig::default(), false);
        o.feed_datagram(C2S, &client_flight(0)[0]);
        // Far ahead of the next id, and more than MAX_PENDING packets: dropped.
        o.feed_datagram(C2S, &packet(P_CONTROL_V1, 0, &[], Some(1000), &[1; 10]));
        for id in 3..40 {
            o.feed_datagram(C2S, &packet(P_CONTROL_V1, 0, &[], Some(id), &[0; 1000]));
        }
        assert_eq!(o.dirs[0].pending.len(), MAX_PENDING);
        assert!(o.dirs[0].pending_bytes() <= MAX_PENDING_BYTES);
        // An endless non-TLS stream stops at the TLS stream cap.
        let mut o = OpenVpnTls::new(TlsConfig::default(), false);
        o.feed_datagram(C2S, &client_flight(0)[0]);
        for id in 1..200 {
            o.feed_datagram(C2S, &packet(P_CONTROL_V1, 0, &[], Some(id), &[0x41; 1000]));
        }
        assert!(o.dirs[0].tls.len() <= MAX_TLS_STREAM);
        assert!(o.heap_bytes() <= MAX_TLS_STREAM + 64 * 1024);
        assert!(!o.is_tls());
    }

    #[test]
    fn tls_crypt_is_detected_and_given_up() {
        // op, session id, packet id 1, net time, 32-byte tag, encrypted rest.
        let mut p = vec![P_CONTROL_HARD_RESET_CLIENT_V2 << 3];
        p.extend_from_slice(&[0x2a; 8]);
        p.extend_from_slice(&1u32.to_be_bytes());
        p.extend_from_slice(&0x63cf_4ff5u32.to_be_bytes());
        p.extend((0..37u8).map(|i| i.wrapping_mul(97).wrapping_add(13)));
        assert_eq!(p.len(), 54);
        assert!(OpenVpnTls::looks_like_openvpn(&p, false));
        let mut o = OpenVpnTls::new(TlsConfig::default(), false);
        o.feed_datagram(C2S, &p);
        assert!(o.is_encrypted() && o.is_final() && !o.is_tls());
        // tls-crypt-v2 (HARD_RESET_CLIENT_V3) too.
        let mut v3 = p.clone();
        v3[0] = P_CONTROL_HARD_RESET_CLIENT_V3 << 3;
        v3.extend_from_slice(&[7; 300]);
        let mut o = OpenVpnTls::new(TlsConfig::default(), false);
        o.feed_datagram(C2S, &v3);
        assert!(o.is_encrypted() && o.is_final());
    }

    #[test]
    fn looks_like_openvpn_is_strict() {
        let reset = client_flight(20).remove(0);
        assert!(OpenVpnTls::looks_like_openvpn(&reset, false));
        // Wrong length (extra payload), key_id != 0, a server reset, a control packet.
        let mut longer = reset.clone();
        longer.push(0);
        assert!(!OpenVpnTls::looks_like_openvpn(&longer, false));
        let mut key1 = reset.clone();
        key1[0] |= 1;
        assert!(!OpenVpnTls::looks_like_openvpn(&key1, false));
        assert!(!OpenVpnTls::looks_like_openvpn(
            &server_flight(20)[0],
            false
        ));
        assert!(!OpenVpnTls::looks_like_openvpn(
            &client_flight(20)[1],
            false
        ));
        // Message id must be 0, the replay header plausible.
        let mut id1 = reset.clone();
        let n = id1.len();
        id1[n - 1] = 1;
        assert!(!OpenVpnTls::looks_like_openvpn(&id1, false));
        let mut old = reset.clone();
        old[9 + 20 + 4..9 + 20 + 8].copy_from_slice(&[0, 0, 0, 1]);
        assert!(!OpenVpnTls::looks_like_openvpn(&old, false));
        // TCP: the length prefix must frame it.
        let mut tcp = vec![0, reset.len() as u8 + 1];
        tcp.extend_from_slice(&reset);
        assert!(!OpenVpnTls::looks_like_openvpn(&tcp, true));
        for junk in [&b""[..], b"\x38", b"GET / HTTP/1.1\r\n", &client_tls()] {
            assert!(!OpenVpnTls::looks_like_openvpn(junk, false));
            assert!(!OpenVpnTls::looks_like_openvpn(junk, true));
        }
    }
}
