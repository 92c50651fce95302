//! Small synthetic captures for tests that need traffic no rule pack names: TCP flows whose
//! payload is pseudo-random bytes (a real handshake, one segment of noise each way, a FIN
//! each way), written as a classic Ethernet pcap with valid checksums.

use std::io::Write;
use std::path::Path;

/// xorshift64: deterministic noise.
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn checksum(chunks: &[&[u8]]) -> u16 {
    let mut sum = 0u32;
    for chunk in chunks {
        for pair in chunk.chunks(2) {
            let word = u16::from_be_bytes([pair[0], *pair.get(1).unwrap_or(&0)]);
            sum += u32::from(word);
        }
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

struct Segment<'a> {
    src: [u8; 4],
    dst: [u8; 4],
    sport: u16,
    dport: u16,
    seq: u32,
    ack: u32,
    flags: u8,
    payload: &'a [u8],
}

fn frame(s: &Segment<'_>) -> Vec<u8> {
    let mut tcp = Vec::with_capacity(20 + s.payload.len());
    tcp.extend_from_slice(&s.sport.to_be_bytes());
    tcp.extend_from_slice(&s.dport.to_be_bytes());
    tcp.extend_from_slice(&s.seq.to_be_bytes());
    tcp.extend_from_slice(&s.ack.to_be_bytes());
    tcp.extend_from_slice(&[5 << 4, s.flags, 0xff, 0xff, 0, 0, 0, 0]);
    tcp.extend_from_slice(s.payload);
    let tcp_len = (tcp.len() as u16).to_be_bytes();
    let pseudo = [&s.src[..], &s.dst[..], &[0, 6], &tcp_len[..]].concat();
    let sum = checksum(&[&pseudo, &tcp]);
    tcp[16..18].copy_from_slice(&sum.to_be_bytes());

    let total = (20 + tcp.len()) as u16;
    let mut ip = vec![0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, 6, 0, 0];
    ip[2..4].copy_from_slice(&total.to_be_bytes());
    ip.extend_from_slice(&s.src);
    ip.extend_from_slice(&s.dst);
    let sum = checksum(&[&ip]);
    ip[10..12].copy_from_slice(&sum.to_be_bytes());

    let mut eth = vec![2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00];
    eth.extend_from_slice(&ip);
    eth.extend_from_slice(&tcp);
    eth
}

/// Writes `flows` TCP flows of noise (64 bytes each way) to `path`; flow `i` is
/// 10.0.0.1:(20000+i) -> 10.0.1.1:4000.
pub fn noise_capture(path: &Path, flows: u16, seed: u64) {
    let mut noise = Noise(seed | 1);
    let mut out = Vec::new();
    out.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    out.extend_from_slice(&[2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    out.extend_from_slice(&65535u32.to_le_bytes());
    out.extend_from_slice(&1u32.to_le_bytes()); // LINKTYPE_ETHERNET
    let mut usec = 0u64;
    let (c, s) = ([10, 0, 0, 1], [10, 0, 1, 1]);
    for i in 0..flows {
        let cport = 20000 + i;
        let (cisn, sisn) = (noise.next() as u32, noise.next() as u32);
        let cdata: Vec<u8> = (0..64).map(|_| noise.next() as u8).collect();
        let sdata: Vec<u8> = (0..64).map(|_| noise.next() as u8).collect();
        let seg = |to_server: bool, seq, ack, flags, payload| Segment {
            src: if to_server { c } else { s },
            dst: if to_server { s } else { c },
            sport: if to_server { cport } else { 4000 },
            dport: if to_server { 4000 } else { cport },
            seq,
            ack,
            flags,
            payload,
        };
        let (syn, ack, psh, fin) = (0x02, 0x10, 0x08, 0x01);
        let packets = [
            seg(true, cisn, 0, syn, &[][..]),
            seg(false, sisn, cisn + 1, syn | ack, &[]),
            seg(true, cisn + 1, sisn + 1, ack, &[]),
            seg(true, cisn + 1, sisn + 1, psh | ack, &cdata),
            seg(false, sisn + 1, cisn + 65, psh | ack, &sdata),
            seg(true, cisn + 65, sisn + 65, fin | ack, &[]),
            seg(false, sisn + 65, cisn + 66, fin | ack, &[]),
            seg(true, cisn + 66, sisn + 66, ack, &[]),
        ];
        for p in &packets {
            let f = frame(p);
            usec += 1000;
            out.extend_from_slice(&((usec / 1_000_000) as u32).to_le_bytes());
            out.extend_from_slice(&((usec % 1_000_000) as u32).to_le_bytes());
            out.extend_from_slice(&(f.len() as u32).to_le_bytes());
            out.extend_from_slice(&(f.len() as u32).to_le_bytes());
            out.extend_from_slice(&f);
        }
    }
    let mut file = std::fs::File::create(path).expect("create capture");
    file.write_all(&out).expect("write capture");
}
