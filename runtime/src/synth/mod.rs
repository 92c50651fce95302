//! Synthetic captures for scale tests and benchmarks: many concurrent flows, written
//! straight as a classic pcap (Ethernet, microsecond timestamps), fast enough for millions
//! of flows. The `synth_flows` example is its command line.
//!
//! Mixes:
//! - [`Mix::Long`]: long-lived flows that never end inside the capture. Three in four are
//!   TCP (handshake, an HTTP request and its response), one in four UDP (a DNS query and its
//!   answer). After every flow has opened, the capture goes quiet for `gap_secs` (so the
//!   analyser's post-verdict waits run out) and then every flow sends `rounds` more packets,
//!   in the same order: a flow table holding every flow at once, all classified.
//! - [`Mix::Syn`]: a SYN flood: one SYN per flow from a distinct spoofed source, no answer.
//! - [`Mix::Noise`]: whole TCP flows to port 4000 (handshake, 64 pseudo-random bytes each
//!   way, FIN both ways) that no rule pack can name: for tests that need unknown traffic.
//!
//! [`hostile`] writes the attacks of the robustness tests (SYN flood from random sources, port
//! scan, tiny fragments, overlapping segments with conflicting data, a million UDP 5-tuples).
//!
//! Every flow is distinct (client address `10.0.0.0/8` + flow number); servers are
//! `172.16.0.0/20` on port 80 (TCP) or 53 (UDP). The packet clock advances evenly at `rate`
//! new flows per second, so the capture spans flows / rate seconds (plus the gap): pick idle
//! timeouts longer than that to keep every flow alive until the end.

pub mod hostile;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

const HTTP_GET: &[u8] = b"GET /index.html HTTP/1.1\r\nHost: example.test\r\nAccept: */*\r\n\r\n";
const HTTP_OK: &[u8] =
    b"HTTP/1.1 200 OK\r\nServer: synth\r\nContent-Type: text/html\r\nContent-Length: 0\r\n\r\n";
const KEEPALIVE: &[u8] = b"GET /poll HTTP/1.1\r\nHost: example.test\r\n\r\n";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mix {
    Long,
    Syn,
    Noise,
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct Spec {
    pub flows: u64,
    pub mix: Mix,
    /// New flows per second of packet time while flows open.
    pub rate: u64,
    /// Quiet seconds between the opening phase and the keep-alive rounds (long mix).
    pub gap_secs: u64,
    /// Packets each flow sends after the gap (long mix).
    pub rounds: u32,
}

impl Default for Spec {
    fn default() -> Spec {
        Spec {
            flows: 100_000,
            mix: Mix::Long,
            rate: 50_000,
            gap_secs: 15,
            rounds: 1,
        }
    }
}

/// Largest flow count: one 10.0.0.0/8 client address per flow.
pub const MAX_FLOWS: u64 = (1 << 24) - 2;

/// Writes the capture; returns the number of packets written.
pub fn write_capture(path: &Path, spec: &Spec) -> std::io::Result<u64> {
    if spec.flows > MAX_FLOWS {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("at most {MAX_FLOWS} flows"),
        ));
    }
    // Packets per new flow while flows open: 4.5 for the long mix (3 TCP : 1 UDP), 1 for SYN,
    // 8 for noise.
    let per_flow_x2 = match spec.mix {
        Mix::Long => 9,
        Mix::Syn => 2,
        Mix::Noise => 16,
    };
    let step_ns = (2_000_000_000 / (spec.rate.max(1) * per_flow_x2)).max(1);
    let mut p = Pcap::create(path, step_ns)?;
    match spec.mix {
        Mix::Long => long_lived(&mut p, spec)?,
        Mix::Syn => syn_flood(&mut p, spec)?,
        Mix::Noise => noise(&mut p, spec)?,
    }
    p.w.flush()?;
    Ok(p.packets)
}

/// A pcap writer with an even packet clock.
struct Pcap {
    w: BufWriter<File>,
    ts_ns: u64,
    step_ns: u64,
    frame: Vec<u8>,
    /// The transport header and payload of the packet being built.
    l4: Vec<u8>,
    packets: u64,
}

const TCP: u8 = 6;
const UDP: u8 = 17;
const SYN: u8 = 0x02;
const ACK: u8 = 0x10;
const PSH: u8 = 0x08;

impl Pcap {
    fn create(path: &Path, step_ns: u64) -> std::io::Result<Pcap> {
        let mut w = BufWriter::with_capacity(1 << 20, File::create(path)?);
        // Classic pcap header: magic, v2.4, tz 0, sigfigs 0, snaplen, LINKTYPE_ETHERNET.
        w.write_all(&0xa1b2_c3d4u32.to_le_bytes())?;
        w.write_all(&2u16.to_le_bytes())?;
        w.write_all(&4u16.to_le_bytes())?;
        w.write_all(&[0; 8])?;
        w.write_all(&65535u32.to_le_bytes())?;
        w.write_all(&1u32.to_le_bytes())?;
        Ok(Pcap {
            w,
            ts_ns: 1_700_000_000 * 1_000_000_000,
            step_ns,
            frame: Vec::with_capacity(256),
            l4: Vec::with_capacity(256),
            packets: 0,
        })
    }

    fn skip_secs(&mut self, s: u64) {
        self.ts_ns += s * 1_000_000_000;
    }

    /// One IPv4 packet carrying a TCP (with `tcp` = seq, ack, flags) or UDP header and
    /// `payload`.
    #[allow(clippy::too_many_arguments)]
    fn packet(
        &mut self,
        src: u32,
        dst: u32,
        sport: u16,
        dport: u16,
        proto: u8,
        tcp: Option<(u32, u32, u8)>,
        payload: &[u8],
    ) -> std::io::Result<()> {
        let mut l4 = std::mem::take(&mut self.l4);
        l4.clear();
        let l4_len = if proto == TCP { 20 } else { 8 } + payload.len();
        l4.extend_from_slice(&sport.to_be_bytes());
        l4.extend_from_slice(&dport.to_be_bytes());
        match tcp {
            Some((seq, ack, flags)) => {
                l4.extend_from_slice(&seq.to_be_bytes());
                l4.extend_from_slice(&ack.to_be_bytes());
                // Checksums of the transport are left zero: analysers do not verify them.
                l4.extend_from_slice(&[0x50, flags, 0xff, 0xff, 0, 0, 0, 0]);
            }
            None => {
                l4.extend_from_slice(&(l4_len as u16).to_be_bytes());
                l4.extend_from_slice(&[0, 0]);
            }
        }
        l4.extend_from_slice(payload);
        let r = self.ipv4(src, dst, proto, 0x4000, 0, &l4);
        self.l4 = l4;
        r
    }

    /// One IPv4 packet with `body` after the IP header: `frag` is the flags and fragment
    /// offset field (0x4000 = don't fragment, 0x2000 = more fragments, low 13 bits = offset
    /// in 8-byte units), `id` the identification.
    fn ipv4(
        &mut self,
        src: u32,
        dst: u32,
        proto: u8,
        frag: u16,
        id: u16,
        body: &[u8],
    ) -> std::io::Result<()> {
        let ip_len = 20 + body.len();
        let f = &mut self.frame;
        f.clear();
        f.extend_from_slice(&[0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00]);
        let ip_start = f.len();
        f.extend_from_slice(&[0x45, 0]);
        f.extend_from_slice(&(ip_len as u16).to_be_bytes());
        f.extend_from_slice(&id.to_be_bytes());
        f.extend_from_slice(&frag.to_be_bytes());
        f.extend_from_slice(&[64, proto, 0, 0]);
        f.extend_from_slice(&src.to_be_bytes());
        f.extend_from_slice(&dst.to_be_bytes());
        let sum = checksum(&f[ip_start..ip_start + 20]);
        f[ip_start + 10..ip_start + 12].copy_from_slice(&sum.to_be_bytes());
        f.extend_from_slice(body);
        let (sec, usec) = (
            self.ts_ns / 1_000_000_000,
            self.ts_ns % 1_000_000_000 / 1000,
        );
        self.w.write_all(&(sec as u32).to_le_bytes())?;
        self.w.write_all(&(usec as u32).to_le_bytes())?;
        self.w.write_all(&(f.len() as u32).to_le_bytes())?;
        self.w.write_all(&(f.len() as u32).to_le_bytes())?;
        self.w.write_all(f)?;
        self.ts_ns += self.step_ns;
        self.packets += 1;
        Ok(())
    }
}

fn checksum(b: &[u8]) -> u16 {
    let mut s: u32 = b
        .chunks(2)
        .map(|c| u32::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)])))
        .sum();
    while s > 0xffff {
        s = (s & 0xffff) + (s >> 16);
    }
    !(s as u16)
}

/// Addresses and ports of flow `i`.
fn endpoints(i: u64) -> (u32, u32, u16) {
    let client = 0x0a00_0000 + i as u32 + 1;
    let server = 0xac10_0000 + (i % 4095) as u32 + 1;
    let sport = 32768 + (i % 28_000) as u16;
    (client, server, sport)
}

fn dns_query(i: u64, answer: bool) -> Vec<u8> {
    let mut m = Vec::with_capacity(64);
    m.extend_from_slice(&((i & 0xffff) as u16).to_be_bytes());
    m.extend_from_slice(if answer { &[0x81, 0x80] } else { &[0x01, 0x00] });
    m.extend_from_slice(&[0, 1, 0, u8::from(answer), 0, 0, 0, 0]);
    m.extend_from_slice(b"\x07example\x04test\x00\x00\x01\x00\x01");
    if answer {
        m.extend_from_slice(&[0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0x0e, 0x10, 0, 4, 192, 0, 2, 1]);
    }
    m
}

fn long_lived(p: &mut Pcap, a: &Spec) -> std::io::Result<()> {
    for i in 0..a.flows {
        let (c, s, sp) = endpoints(i);
        if i % 4 == 3 {
            p.packet(c, s, sp, 53, UDP, None, &dns_query(i, false))?;
            p.packet(s, c, 53, sp, UDP, None, &dns_query(i, true))?;
            continue;
        }
        let (cs, ss) = (i as u32 * 7919, i as u32 * 104_729);
        p.packet(c, s, sp, 80, TCP, Some((cs, 0, SYN)), &[])?;
        p.packet(s, c, 80, sp, TCP, Some((ss, cs + 1, SYN | ACK)), &[])?;
        p.packet(c, s, sp, 80, TCP, Some((cs + 1, ss + 1, ACK)), &[])?;
        p.packet(
            c,
            s,
            sp,
            80,
            TCP,
            Some((cs + 1, ss + 1, ACK | PSH)),
            HTTP_GET,
        )?;
        let cn = cs + 1 + HTTP_GET.len() as u32;
        p.packet(s, c, 80, sp, TCP, Some((ss + 1, cn, ACK | PSH)), HTTP_OK)?;
    }
    p.skip_secs(a.gap_secs);
    for round in 0..a.rounds {
        for i in 0..a.flows {
            let (c, s, sp) = endpoints(i);
            if i % 4 == 3 {
                p.packet(c, s, sp, 53, UDP, None, &dns_query(i, false))?;
                continue;
            }
            let (cs, ss) = (i as u32 * 7919, i as u32 * 104_729);
            let seq = cs + 1 + (HTTP_GET.len() + round as usize * KEEPALIVE.len()) as u32;
            let ack = ss + 1 + HTTP_OK.len() as u32;
            p.packet(c, s, sp, 80, TCP, Some((seq, ack, ACK | PSH)), KEEPALIVE)?;
        }
    }
    Ok(())
}

/// 64 bytes of xorshift noise, seeded by the flow number and direction.
fn noise_bytes(i: u64, server: bool) -> [u8; 64] {
    let mut state = (i << 1 | u64::from(server)).wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut out = [0u8; 64];
    for b in &mut out {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        *b = state as u8;
    }
    out
}

fn noise(p: &mut Pcap, a: &Spec) -> std::io::Result<()> {
    const FIN: u8 = 0x01;
    const PORT: u16 = 4000;
    for i in 0..a.flows {
        let (c, s, sp) = endpoints(i);
        let (cs, ss) = (i as u32 * 7919, i as u32 * 104_729);
        let (cd, sd) = (noise_bytes(i, false), noise_bytes(i, true));
        let (cn, sn) = (cs + 1 + cd.len() as u32, ss + 1 + sd.len() as u32);
        p.packet(c, s, sp, PORT, TCP, Some((cs, 0, SYN)), &[])?;
        p.packet(s, c, PORT, sp, TCP, Some((ss, cs + 1, SYN | ACK)), &[])?;
        p.packet(c, s, sp, PORT, TCP, Some((cs + 1, ss + 1, ACK)), &[])?;
        p.packet(c, s, sp, PORT, TCP, Some((cs + 1, ss + 1, ACK | PSH)), &cd)?;
        p.packet(s, c, PORT, sp, TCP, Some((ss + 1, cn, ACK | PSH)), &sd)?;
        p.packet(c, s, sp, PORT, TCP, Some((cn, sn, ACK | FIN)), &[])?;
        p.packet(s, c, PORT, sp, TCP, Some((sn, cn + 1, ACK | FIN)), &[])?;
        p.packet(c, s, sp, PORT, TCP, Some((cn + 1, sn + 1, ACK)), &[])?;
    }
    Ok(())
}

fn syn_flood(p: &mut Pcap, a: &Spec) -> std::io::Result<()> {
    for i in 0..a.flows {
        let (c, _, sp) = endpoints(i);
        p.packet(
            c,
            0xac10_0001,
            sp,
            80,
            TCP,
            Some((i as u32 * 7919, 0, SYN)),
            &[],
        )?;
    }
    Ok(())
}
