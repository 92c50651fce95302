//! Hostile traffic for robustness tests: the attacks a flow daemon facing the Internet sees,
//! written as one classic pcap, section after section, each in its own address range so a
//! test can tell the sections' flows apart:
//!
//! | section | flows | packets per flow | addresses |
//! | --- | --- | --- | --- |
//! | SYN flood | `syn_flood` | 1 SYN, no answer | random sources in [`SYN_FLOOD_SOURCES`] (random ports) → [`SYN_FLOOD_TARGET`]:80 |
//! | port scan | `port_scan` | SYN, RST-ACK (every 16th port open: SYN, SYN-ACK, RST) | [`SCANNER`]:40000 → [`SCAN_TARGET`] + port / 65535, ports 1.. |
//! | tiny fragments | `fragments` | a UDP DNS query in 8-byte IPv4 fragments, in order; every third flow in reverse order; every third a TCP SYN whose first fragment holds 8 bytes of TCP header | `10.1.0.0/16` + i → [`FRAGMENT_TARGET`] |
//! | overlapping segments | `overlap` | handshake, the client's first bytes in overlapping and retransmitted segments whose conflicting copies carry different bytes, (HTTP only) the answer, FIN both ways | `10.2.0.0/16` + i → [`OVERLAP_TARGET`]:80 (even i, an HTTP request) or :443 (odd i, a TLS ClientHello with SNI [`OVERLAP_SNI`]) |
//! | distinct UDP 5-tuples | `udp_tuples` | 1 datagram of 8 noise bytes | `11.0.0.0/8` + i → [`UDP_TARGET`]:9999 |
//!
//! Overlapping segments: the first copy of every byte is the true one; every later copy of a
//! byte (a retransmission, an overlap) differs from it (each byte XOR 0x20: "GET " becomes
//! "get\0"), so a reassembler that let a later copy win would show another request or SNI.

use std::io::Write;
use std::path::Path;

use super::{dns_query, noise_bytes, Pcap, ACK, PSH, SYN, TCP, UDP};

pub const SYN_FLOOD_SOURCES: (u32, u8) = (0x6440_0000, 10); // 100.64.0.0/10
pub const SYN_FLOOD_TARGET: u32 = 0xac10_0001; // 172.16.0.1
pub const SCANNER: u32 = 0xc000_0242; // 192.0.2.66
pub const SCAN_TARGET: u32 = 0xac10_0101; // 172.16.1.1
pub const FRAGMENT_TARGET: u32 = 0xac10_0201; // 172.16.2.1
pub const OVERLAP_TARGET: u32 = 0xac10_0301; // 172.16.3.1
pub const UDP_TARGET: u32 = 0xac10_0401; // 172.16.4.1
/// The server name in every overlapping ClientHello (its first copy).
pub const OVERLAP_SNI: &str = "first-copy.example";

const FIN: u8 = 0x01;
const RST: u8 = 0x04;
const HTTP_GET: &[u8] =
    b"GET /overlap HTTP/1.1\r\nHost: first-copy.example\r\nUser-Agent: synth\r\n\r\n";
const HTTP_OK: &[u8] = b"HTTP/1.1 204 No Content\r\nServer: synth\r\n\r\n";

/// Flows per section.
#[derive(Debug, Clone, Default)]
pub struct HostileSpec {
    pub syn_flood: u64,
    pub port_scan: u64,
    pub fragments: u64,
    pub overlap: u64,
    pub udp_tuples: u64,
}

/// Packets written, per section and in all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostileCounts {
    pub syn_flood: u64,
    pub port_scan: u64,
    pub fragments: u64,
    pub overlap: u64,
    pub udp_tuples: u64,
    pub total: u64,
}

/// Writes the hostile capture: packets 1 µs apart (so idle timeouts never end a flow inside
/// it; only the flow cap, RST, FIN and the end of the input do).
pub fn write_hostile(path: &Path, spec: &HostileSpec) -> std::io::Result<HostileCounts> {
    let limit = |n: u64, max: u64, what: &str| {
        if n > max {
            Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("at most {max} {what} flows"),
            ))
        } else {
            Ok(())
        }
    };
    limit(spec.syn_flood, 1 << (32 - SYN_FLOOD_SOURCES.1), "SYN flood")?;
    limit(spec.port_scan, 65_535 * 254, "port scan")?;
    limit(spec.fragments, 1 << 16, "fragment")?;
    limit(spec.overlap, 1 << 16, "overlap")?;
    limit(spec.udp_tuples, 1 << 24, "UDP")?;
    let mut p = Pcap::create(path, 1_000)?;
    let mut counts = HostileCounts::default();
    let section = |p: &mut Pcap, f: fn(&mut Pcap, u64) -> std::io::Result<()>, n| {
        let before = p.packets;
        f(p, n).map(|()| p.packets - before)
    };
    counts.syn_flood = section(&mut p, syn_flood, spec.syn_flood)?;
    counts.port_scan = section(&mut p, port_scan, spec.port_scan)?;
    counts.fragments = section(&mut p, fragments, spec.fragments)?;
    counts.overlap = section(&mut p, overlap, spec.overlap)?;
    counts.udp_tuples = section(&mut p, udp_tuples, spec.udp_tuples)?;
    counts.total = p.packets;
    p.w.flush()?;
    Ok(counts)
}

/// A bijection of the low `bits` bits of `i` that looks random (odd multiplier, xorshift).
fn scramble(i: u64, bits: u32) -> u32 {
    let mask = (1u64 << bits) - 1;
    let mut x = i.wrapping_mul(0x9e37_79b9) & mask;
    x ^= x >> (bits / 2);
    x = x.wrapping_mul(0x85eb_ca6b) & mask;
    x ^= x >> (bits / 3 + 1);
    x as u32
}

fn syn_flood(p: &mut Pcap, n: u64) -> std::io::Result<()> {
    let (base, prefix) = SYN_FLOOD_SOURCES;
    for i in 0..n {
        let src = base | scramble(i, 32 - u32::from(prefix));
        let sport = 1024 + (scramble(i, 16) % 64_000) as u16;
        let seq = scramble(i, 32);
        p.packet(
            src,
            SYN_FLOOD_TARGET,
            sport,
            80,
            TCP,
            Some((seq, 0, SYN)),
            &[],
        )?;
    }
    Ok(())
}

fn port_scan(p: &mut Pcap, n: u64) -> std::io::Result<()> {
    const SPORT: u16 = 40_000;
    for i in 0..n {
        let target = SCAN_TARGET + (i / 65_535) as u32;
        let port = 1 + (i % 65_535) as u16;
        let seq = scramble(i, 32);
        p.packet(SCANNER, target, SPORT, port, TCP, Some((seq, 0, SYN)), &[])?;
        if i % 16 == 15 {
            let sseq = scramble(i ^ 0xffff, 32);
            let synack = Some((sseq, seq + 1, SYN | ACK));
            p.packet(target, SCANNER, port, SPORT, TCP, synack, &[])?;
            p.packet(
                SCANNER,
                target,
                SPORT,
                port,
                TCP,
                Some((seq + 1, 0, RST)),
                &[],
            )?;
        } else {
            let rst = Some((0, seq + 1, RST | ACK));
            p.packet(target, SCANNER, port, SPORT, TCP, rst, &[])?;
        }
    }
    Ok(())
}

fn fragments(p: &mut Pcap, n: u64) -> std::io::Result<()> {
    for i in 0..n {
        let src = 0x0a01_0000 + i as u32;
        let sport = 20_000 + (i % 40_000) as u16;
        let id = i as u16;
        let mut l4 = Vec::with_capacity(64);
        let proto = if i % 3 == 2 {
            // A SYN whose first fragment has the ports and sequence number but not the flags.
            l4.extend_from_slice(&sport.to_be_bytes());
            l4.extend_from_slice(&80u16.to_be_bytes());
            l4.extend_from_slice(&scramble(i, 32).to_be_bytes());
            l4.extend_from_slice(&[0, 0, 0, 0, 0x50, SYN, 0xff, 0xff, 0, 0, 0, 0]);
            TCP
        } else {
            let q = dns_query(i, false);
            l4.extend_from_slice(&sport.to_be_bytes());
            l4.extend_from_slice(&53u16.to_be_bytes());
            l4.extend_from_slice(&((8 + q.len()) as u16).to_be_bytes());
            l4.extend_from_slice(&[0, 0]);
            l4.extend_from_slice(&q);
            UDP
        };
        let pieces: Vec<(u16, &[u8])> = l4
            .chunks(8)
            .enumerate()
            .map(|(k, c)| {
                let more = if (k + 1) * 8 < l4.len() { 0x2000 } else { 0 };
                (more | k as u16, c)
            })
            .collect();
        let reverse = i % 3 == 1;
        for k in 0..pieces.len() {
            let (frag, body) = pieces[if reverse { pieces.len() - 1 - k } else { k }];
            p.ipv4(src, FRAGMENT_TARGET, proto, frag, id, body)?;
        }
    }
    Ok(())
}

/// A TLS 1.2/1.3 ClientHello record with one extension, server_name.
fn client_hello(sni: &str) -> Vec<u8> {
    let name = sni.as_bytes();
    let mut ext = Vec::new();
    ext.extend_from_slice(&0u16.to_be_bytes());
    ext.extend_from_slice(&((name.len() + 5) as u16).to_be_bytes());
    ext.extend_from_slice(&((name.len() + 3) as u16).to_be_bytes());
    ext.push(0);
    ext.extend_from_slice(&(name.len() as u16).to_be_bytes());
    ext.extend_from_slice(name);
    let mut body = vec![0x03, 0x03];
    body.extend_from_slice(&[0x5a; 32]);
    body.push(0); // no session id
    body.extend_from_slice(&[0, 4, 0x13, 0x01, 0xc0, 0x2f]);
    body.extend_from_slice(&[1, 0]); // null compression
    body.extend_from_slice(&(ext.len() as u16).to_be_bytes());
    body.extend_from_slice(&ext);
    let mut hs = vec![1];
    hs.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    hs.extend_from_slice(&body);
    let mut rec = vec![0x16, 0x03, 0x01];
    rec.extend_from_slice(&(hs.len() as u16).to_be_bytes());
    rec.extend_from_slice(&hs);
    rec
}

fn overlap(p: &mut Pcap, n: u64) -> std::io::Result<()> {
    let hello = client_hello(OVERLAP_SNI);
    for i in 0..n {
        let (c, s) = (0x0a02_0000 + i as u32, OVERLAP_TARGET);
        let sp = 30_000 + (i % 30_000) as u16;
        let (dp, data) = if i % 2 == 0 {
            (80, HTTP_GET)
        } else {
            (443, hello.as_slice())
        };
        let (cs, ss) = (scramble(i, 32), scramble(!i, 32));
        p.packet(c, s, sp, dp, TCP, Some((cs, 0, SYN)), &[])?;
        p.packet(s, c, dp, sp, TCP, Some((ss, cs + 1, SYN | ACK)), &[])?;
        p.packet(c, s, sp, dp, TCP, Some((cs + 1, ss + 1, ACK)), &[])?;
        let other: Vec<u8> = data.iter().map(|b| b ^ 0x20).collect();
        let len = data.len();
        let (q1, half, q3) = (len / 4, len / 2, 3 * len / 4);
        let ack = ss + 1;
        let seg = |p: &mut Pcap, at: usize, bytes: &[u8]| {
            let seq = Some((cs + 1 + at as u32, ack, ACK | PSH));
            p.packet(c, s, sp, dp, TCP, seq, bytes)
        };
        // The first half; then a retransmission of it with other bytes.
        seg(p, 0, &data[..half])?;
        seg(p, 0, &other[..half])?;
        // The last quarter, ahead of a hole.
        seg(p, q3, &data[q3..])?;
        // Fills the hole, overlapping the first half with other bytes.
        let mut fill = other[q1..half].to_vec();
        fill.extend_from_slice(&data[half..q3]);
        seg(p, q1, &fill)?;
        // The last quarter again, other bytes.
        seg(p, q3, &other[q3..])?;
        let cn = cs + 1 + len as u32;
        let mut sn = ss + 1;
        if dp == 80 {
            p.packet(s, c, dp, sp, TCP, Some((sn, cn, ACK | PSH)), HTTP_OK)?;
            sn += HTTP_OK.len() as u32;
        }
        p.packet(c, s, sp, dp, TCP, Some((cn, sn, ACK | FIN)), &[])?;
        p.packet(s, c, dp, sp, TCP, Some((sn, cn + 1, ACK | FIN)), &[])?;
        p.packet(c, s, sp, dp, TCP, Some((cn + 1, sn + 1, ACK)), &[])?;
    }
    Ok(())
}

fn udp_tuples(p: &mut Pcap, n: u64) -> std::io::Result<()> {
    for i in 0..n {
        let src = 0x0b00_0000 + i as u32;
        let sport = 1024 + (i % 64_000) as u16;
        let payload = noise_bytes(i, false);
        p.packet(src, UDP_TARGET, sport, 9999, UDP, None, &payload[..8])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scramble_is_a_bijection() {
        let mut seen = vec![false; 1 << 12];
        for i in 0..1u64 << 12 {
            let x = scramble(i, 12) as usize;
            assert!(!seen[x], "{i} -> {x} twice");
            seen[x] = true;
        }
    }

    #[test]
    fn sections_write_the_packets_they_promise() {
        let dir = std::env::temp_dir().join(format!("hostile-{}", std::process::id()));
        let spec = HostileSpec {
            syn_flood: 10,
            port_scan: 32,
            fragments: 3,
            overlap: 2,
            udp_tuples: 5,
        };
        let c = write_hostile(&dir, &spec).expect("write");
        let _ = std::fs::remove_file(&dir);
        assert_eq!(c.syn_flood, 10);
        assert_eq!(c.port_scan, 30 * 2 + 2 * 3);
        // DNS query: 8 + 29 bytes = 5 fragments (twice); the SYN: 20 bytes = 3 fragments.
        assert_eq!(c.fragments, 5 + 5 + 3);
        assert_eq!(c.overlap, 2 * (3 + 5 + 3) + 1);
        assert_eq!(c.udp_tuples, 5);
        assert_eq!(c.total, 10 + 66 + 13 + 23 + 5);
    }
}
