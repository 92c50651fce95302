//! Hostile input never panics and memory stays within the caps.

mod common;

use std::path::Path;
use std::sync::OnceLock;

use flowsieve_tls::{
    parse_client_hello, parse_server_hello, Direction, DtlsParser, OpenVpnTls, QuicConfig,
    QuicParser, StreamPrefix, StreamPrefixConfig, TlsConfig, TlsParser,
};
use proptest::prelude::*;

fn record(content_type: u8, fragment: &[u8]) -> Vec<u8> {
    let mut r = vec![content_type, 3, 1];
    r.extend_from_slice(&(fragment.len() as u16).to_be_bytes());
    r.extend_from_slice(fragment);
    r
}

/// A ClientHello handshake message padded to `total` bytes with a padding extension.
fn big_client_hello(total: usize) -> Vec<u8> {
    let mut body = vec![3, 3];
    body.extend_from_slice(&[7; 32]);
    body.extend_from_slice(&[0, 0, 2, 0x13, 0x01, 1, 0]);
    let pad = total.saturating_sub(body.len() + 4 + 2 + 4);
    body.extend_from_slice(&((pad + 4) as u16).to_be_bytes());
    body.extend_from_slice(&21u16.to_be_bytes());
    body.extend_from_slice(&(pad as u16).to_be_bytes());
    body.resize(body.len() + pad, 0);
    let mut msg = vec![1];
    msg.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    msg.extend(body);
    msg
}

#[test]
fn malformed_and_bitflipped_captures_do_not_panic() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/malformed");
    let mut files = 0;
    let mut tls_flows = 0;
    for entry in std::fs::read_dir(dir).expect("malformed dir").flatten() {
        files += 1;
        // Default caps and tiny caps (to exercise the limits on damaged data too).
        for (bytes, ranges) in [(16 * 1024, 16), (300, 2)] {
            let flows = common::run_capture(
                &entry.path(),
                StreamPrefixConfig {
                    max_bytes: bytes,
                    max_out_of_order_ranges: ranges,
                },
                TlsConfig::default(),
            );
            tls_flows += flows.iter().filter(|f| f.metadata().is_some()).count();
            for f in &flows {
                if let Some(m) = f.metadata() {
                    serde_json::to_string(m).expect("metadata always serialises");
                }
            }
        }
    }
    assert!(files >= 15, "malformed test data missing");
    // The damage is partial: most of these still carry readable hellos.
    assert!(tls_flows > 10, "{tls_flows}");
}

#[test]
fn client_hello_of_64_kib_is_parsed_when_the_cap_allows_and_bounded_otherwise() {
    let hello = big_client_hello(64 * 1024 - 8);
    let stream: Vec<u8> = hello
        .chunks(16 * 1024)
        .flat_map(|c| record(22, c))
        .collect();
    // Default stream cap (16 KiB): the hello never completes, nothing grows past the caps.
    let mut prefix = StreamPrefix::new(StreamPrefixConfig::default());
    let mut parser = TlsParser::new(TlsConfig::default());
    for (i, segment) in stream.chunks(1460).enumerate() {
        prefix.on_data(1000 + (i * 1460) as u32, segment);
        parser.feed(Direction::ClientToServer, prefix.contiguous());
    }
    assert!(prefix.cap_reached());
    assert!(prefix.heap_bytes() <= 16 * 1024 + 1024);
    assert!(parser.heap_bytes() <= 2 * 16 * 1024 + 4096);
    assert!(!parser.is_tls());
    // A larger cap reads it whole.
    let mut parser = TlsParser::new(TlsConfig {
        max_handshake_message: 70 * 1024,
        ..TlsConfig::default()
    });
    parser.feed(Direction::ClientToServer, &stream);
    assert!(parser.is_tls());
    assert_eq!(
        parser.metadata().client.supported_ciphers,
        ["TLS_AES_128_GCM_SHA256"]
    );
}

#[test]
fn tens_of_thousands_of_tiny_records() {
    // A 30,000-byte ClientHello delivered one byte per record (30,000 records),
    // fed as a growing stream prefix.
    let hello = big_client_hello(30_000);
    let mut stream = Vec::new();
    for byte in &hello {
        stream.extend(record(22, std::slice::from_ref(byte)));
    }
    let mut parser = TlsParser::new(TlsConfig::default());
    let start = std::time::Instant::now();
    for end in (0..=stream.len()).step_by(997).chain([stream.len()]) {
        parser.feed(Direction::ClientToServer, &stream[..end]);
    }
    assert!(parser.is_tls());
    assert!(start.elapsed().as_secs() < 5, "parsing must stay linear");
    // Empty handshake records (forbidden by RFC 8446) before the hello are not a hello.
    let mut empties: Vec<u8> = (0..30_000).flat_map(|_| record(22, &[])).collect();
    empties.extend(record(22, &hello));
    let mut parser = TlsParser::new(TlsConfig::default());
    parser.feed(Direction::ClientToServer, &empties);
    assert!(!parser.is_tls());
    assert!(parser.stop_reason(Direction::ClientToServer).is_some());
}

#[test]
fn absurd_lengths_are_rejected() {
    // Record length beyond 2^14 + 2048, handshake length 16 MiB, QUIC length beyond the datagram.
    let mut p = TlsParser::new(TlsConfig::default());
    p.feed(
        Direction::ClientToServer,
        &[22, 3, 1, 0xff, 0xff, 1, 0, 0, 0x40, 3, 3],
    );
    let mut p2 = TlsParser::new(TlsConfig::default());
    let mut r = record(22, &[1, 0xff, 0xff, 0xff, 3, 3]);
    r.resize(200, 0);
    p2.feed(Direction::ClientToServer, &r);
    assert!(p2.stop_reason(Direction::ClientToServer).is_some());
    let mut q = QuicParser::new(QuicConfig::default());
    let mut d = vec![
        0xc3, 0, 0, 0, 1, 8, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0xbf, 0xff, 0xff, 0xff,
    ];
    d.resize(1200, 0);
    q.feed_datagram(Direction::ClientToServer, &d);
    assert!(q.last_error().is_some());
}

/// openvpn.pcap's OpenVPN packets in capture order: (tcp, client-to-server, payload).
fn openvpn_packets() -> &'static [(bool, bool, Vec<u8>)] {
    static PACKETS: OnceLock<Vec<(bool, bool, Vec<u8>)>> = OnceLock::new();
    PACKETS.get_or_init(|| {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/ndpi/openvpn.pcap");
        common::read_frames(&path)
            .iter()
            .filter_map(|(linktype, frame)| {
                let seg = common::decode(*linktype, frame)?;
                let client = match seg.src.1 {
                    39772 | 51146 => true,
                    _ if seg.dst.1 == 39772 || seg.dst.1 == 51146 => false,
                    _ => return None,
                };
                (!seg.payload.is_empty()).then(|| (seg.tcp.is_some(), client, seg.payload.to_vec()))
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..3000), split in 0usize..3000) {
        let _ = parse_client_hello(&data, false);
        let _ = parse_client_hello(&data, true);
        let _ = parse_server_hello(&data);
        let mut tls = TlsParser::new(TlsConfig::default());
        let cut = split.min(data.len());
        tls.feed(Direction::ClientToServer, &data[..cut]);
        tls.feed(Direction::ClientToServer, &data);
        tls.feed(Direction::ServerToClient, &data);
        let mut dtls = DtlsParser::new(TlsConfig::default());
        dtls.feed_datagram(Direction::ClientToServer, &data);
        let mut quic = QuicParser::new(QuicConfig::default());
        quic.feed_datagram(Direction::ClientToServer, &data);
        quic.feed_datagram(Direction::ServerToClient, &data);
        for tcp in [false, true] {
            let _ = OpenVpnTls::looks_like_openvpn(&data, tcp);
            let mut ovpn = OpenVpnTls::new(TlsConfig::default(), tcp);
            if tcp {
                ovpn.feed_stream(Direction::ClientToServer, &data[..cut]);
                ovpn.feed_stream(Direction::ClientToServer, &data);
                ovpn.feed_stream(Direction::ServerToClient, &data);
            } else {
                ovpn.feed_datagram(Direction::ClientToServer, &data);
                ovpn.feed_datagram(Direction::ServerToClient, &data);
            }
        }
    }

    #[test]
    fn bit_flipped_openvpn_flows_never_panic(
        flips in proptest::collection::vec((any::<usize>(), 0usize..2000, any::<u8>()), 1..30),
    ) {
        let mut packets = openvpn_packets().to_vec();
        prop_assume!(!packets.is_empty());
        let n = packets.len();
        for (which, at, value) in flips {
            let payload = &mut packets[which % n].2;
            let len = payload.len();
            payload[at % len] ^= value;
        }
        let mut udp = OpenVpnTls::new(TlsConfig::default(), false);
        let mut tcp = OpenVpnTls::new(TlsConfig::default(), true);
        let (mut client, mut server) = (Vec::new(), Vec::new());
        for (is_tcp, from_client, payload) in &packets {
            let dir = if *from_client { Direction::ClientToServer } else { Direction::ServerToClient };
            if *is_tcp {
                let stream = if *from_client { &mut client } else { &mut server };
                stream.extend_from_slice(payload);
                tcp.feed_stream(dir, stream);
            } else {
                udp.feed_datagram(dir, payload);
            }
            prop_assert!(udp.heap_bytes() <= 2 * (32 + 16) * 1024 + 8192);
            prop_assert!(tcp.heap_bytes() <= 2 * (32 + 16) * 1024 + 8192);
        }
        let _ = serde_json::to_string(udp.metadata());
        let _ = serde_json::to_string(tcp.metadata());
    }

    #[test]
    fn mutated_handshakes_never_panic(flips in proptest::collection::vec((0usize..700, any::<u8>()), 1..20)) {
        let mut hello = record(22, &big_client_hello(650));
        for (at, value) in flips {
            if let Some(b) = hello.get_mut(at) {
                *b ^= value;
            }
        }
        let mut tls = TlsParser::new(TlsConfig::default());
        tls.feed(Direction::ClientToServer, &hello);
        // DTLS framing of the same bytes.
        let mut dtls_record = vec![22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0];
        dtls_record.extend_from_slice(&(hello.len() as u16).to_be_bytes());
        dtls_record.extend_from_slice(&hello);
        let mut dtls = DtlsParser::new(TlsConfig::default());
        dtls.feed_datagram(Direction::ClientToServer, &dtls_record);
    }

    #[test]
    fn stream_prefix_respects_its_caps(
        segments in proptest::collection::vec((any::<u32>(), proptest::collection::vec(any::<u8>(), 0..400)), 0..60),
        isn in any::<u32>(),
    ) {
        let config = StreamPrefixConfig { max_bytes: 2048, max_out_of_order_ranges: 4 };
        let mut p = StreamPrefix::new(config);
        p.on_syn(isn);
        for (offset, payload) in &segments {
            // Mostly near the base, sometimes anywhere in sequence space.
            let seq = if offset % 4 == 0 { *offset } else { isn.wrapping_add(1).wrapping_add(offset % 3000) };
            p.on_data(seq, payload);
            prop_assert!(p.contiguous().len() <= 2048);
            // The cap is hard: buffer capacity never exceeds it (plus the range list).
            prop_assert!(p.heap_bytes() <= 2048 + 8 * 16, "{}", p.heap_bytes());
        }
    }
}
