//! The fuzz targets' bodies, one function per target, so that the libFuzzer binaries in
//! `fuzz_targets/` and the replay test (`tests/replay.rs`, run by `scripts/test.sh` without
//! cargo-fuzz) drive exactly the same code with the same input framing.

use std::cell::RefCell;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use arbitrary::{Arbitrary, Unstructured};
use flowsieve::decode::Decoder;
use flowsieve_tls::{
    Direction, DtlsParser, OpenVpnTls, QuicConfig, QuicParser, StreamPrefix, StreamPrefixConfig,
    TcpTlsInspector, TlsConfig, TlsParser,
};
use flowsieve_wasm::{
    ClassifierRuntime, FlowView, RuntimeConfig, Side, Transport, WorkerClassifier,
};

use crate::{records, CLASSIFIER_HEADER, LINK_TYPES};

/// Every target by name, for the replay test.
pub const ALL: [(&str, fn(&[u8])); 10] = [
    ("decode", decode),
    ("reassembly", reassembly),
    ("tls_stream", tls_stream),
    ("tls_parser", tls_parser),
    ("x509", x509),
    ("quic", quic),
    ("dtls", dtls),
    ("openvpn", openvpn),
    ("config", config),
    ("classifier", classifier),
];

/// Packet decode: `[link u8][records...]`, each record a frame (its `seq` is the wire length,
/// its `flags` the timestamp step). Low nibble of byte 0 % 9 picks the link type, bit 7 turns
/// tunnel decoding off. Several frames in one input exercise the fragment tracker.
pub fn decode(data: &[u8]) {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let link = LINK_TYPES[usize::from(sel & 0x0f) % LINK_TYPES.len()];
    let mut decoder = Decoder::new(link, sel & 0x80 == 0);
    let mut ts: i64 = 1_600_000_000_000_000;
    for r in records(rest) {
        ts += i64::from(r.flags) * 1_000_000;
        if let Ok(d) = decoder.decode(ts, r.data, r.seq) {
            assert!(d.payload.len() <= r.data.len());
        }
    }
}

/// TCP reassembly: one direction's `StreamPrefix` fed arbitrary segment sequences
/// (records: flags bit 1 = SYN, seq = TCP sequence number).
pub fn reassembly(data: &[u8]) {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    // Small caps too, so the limits are reached.
    let config = if sel & 1 == 0 {
        StreamPrefixConfig::default()
    } else {
        StreamPrefixConfig {
            max_bytes: usize::from(sel >> 1) * 8,
            max_out_of_order_ranges: usize::from(sel >> 5),
        }
    };
    let mut p = StreamPrefix::new(config);
    let mut last = 0;
    for r in records(rest) {
        if r.flags & 8 != 0 {
            p.on_syn(r.seq);
        } else {
            p.on_segment(r.seq, r.syn(), r.data);
        }
        let len = p.contiguous().len();
        assert!(len >= last, "in-order prefix shrank");
        assert!(len + p.out_of_order_bytes() <= config.max_bytes.max(len));
        last = len;
        let _ = (p.is_full(), p.cap_reached(), p.heap_bytes());
    }
    p.release();
}

/// TLS over TCP as the pipeline drives it: `TcpTlsInspector` fed segments of both directions
/// (records: flags bit 0 = server, bit 1 = SYN, bit 2 = FIN/RST; seq = TCP sequence number).
pub fn tls_stream(data: &[u8]) {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let tls = TlsConfig {
        fingerprint_strings: sel & 1 != 0,
        ..TlsConfig::default()
    };
    let mut inspector = TcpTlsInspector::new(StreamPrefixConfig::default(), tls);
    for r in records(rest) {
        inspector.on_segment(r.dir(), r.seq, r.syn(), r.fin(), r.data);
        let _ = inspector.is_final();
    }
    let _ = (inspector.heap_bytes(), inspector.roles_swapped());
    let _ = inspector.into_metadata();
}

/// `TlsParser` fed growing client and server stream prefixes (records append to their
/// direction's stream; flags bit 2 closes it).
pub fn tls_parser(data: &[u8]) {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let config = TlsConfig {
        fingerprint_strings: sel & 1 != 0,
        max_handshake_message: if sel & 2 != 0 { 512 } else { 64 * 1024 },
        max_certificates: usize::from(sel >> 4),
        max_sync_scan: if sel & 4 != 0 { 16 } else { 8 * 1024 },
    };
    let mut parser = TlsParser::new(config);
    let mut client = Vec::new();
    let mut server = Vec::new();
    for r in records(rest) {
        let stream = match r.dir() {
            Direction::ClientToServer => &mut client,
            Direction::ServerToClient => &mut server,
        };
        stream.extend_from_slice(r.data);
        parser.feed(r.dir(), stream);
        if r.fin() {
            parser.close_direction(r.dir());
        }
    }
    let _ = (parser.is_final(), parser.heap_bytes(), parser.last_error());
    let _ = parser.into_metadata();
}

/// Certificate summaries (subject, issuer, SAN, validity, serial) from arbitrary DER.
pub fn x509(data: &[u8]) {
    let _ = flowsieve_tls::summarize_certificate(data);
}

/// QUIC Initial decryption and parsing: datagrams of both directions (records: flags bit 0 =
/// server). Byte 0 picks small or default limits.
pub fn quic(data: &[u8]) {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let config = if sel & 1 == 0 {
        QuicConfig::default()
    } else {
        QuicConfig {
            max_crypto_bytes: usize::from(sel) * 16,
            max_initial_packets: u32::from(sel >> 4),
            ..QuicConfig::default()
        }
    };
    let mut parser = QuicParser::new(config);
    for r in records(rest) {
        let _ = QuicParser::looks_like_quic_initial(r.data);
        parser.feed_datagram(r.dir(), r.data);
    }
    let _ = (
        parser.is_final(),
        parser.quic_version(),
        parser.last_error(),
    );
    let _ = parser.into_metadata();
}

/// DTLS handshakes: datagrams of both directions (records: flags bit 0 = server).
pub fn dtls(data: &[u8]) {
    let mut parser = DtlsParser::new(TlsConfig::default());
    for r in records(data) {
        let _ = DtlsParser::looks_like_dtls(r.data);
        parser.feed_datagram(r.dir(), r.data);
    }
    let _ = (parser.is_final(), parser.roles_swapped());
    let _ = parser.into_metadata();
}

/// OpenVPN control channel (TLS inside): byte 0 bit 0 picks TCP (records append to a
/// direction's stream, fed with `feed_stream`) or UDP (records are datagrams).
pub fn openvpn(data: &[u8]) {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let tcp = sel & 1 != 0;
    let mut ovpn = OpenVpnTls::new(TlsConfig::default(), tcp);
    let mut client = Vec::new();
    let mut server = Vec::new();
    for r in records(rest) {
        let _ = OpenVpnTls::looks_like_openvpn(r.data, tcp);
        if tcp {
            let stream = match r.dir() {
                Direction::ClientToServer => &mut client,
                Direction::ServerToClient => &mut server,
            };
            stream.extend_from_slice(r.data);
            ovpn.feed_stream(r.dir(), stream);
        } else {
            ovpn.feed_datagram(r.dir(), r.data);
        }
        if r.fin() {
            ovpn.close_direction(r.dir());
        }
    }
    let _ = (ovpn.is_final(), ovpn.is_encrypted(), ovpn.heap_bytes());
    let _ = ovpn.into_metadata();
}

/// `flowsieve.yaml` parsing and validation.
pub fn config(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = flowsieve::config::Config::parse(text, Path::new("fuzz.yaml"));
    }
}

#[derive(Arbitrary, Debug)]
struct Counters {
    first_payload_len: u32,
    packets: u32,
    bytes: u64,
}

#[derive(Arbitrary, Debug)]
struct Meta {
    udp: bool,
    client_port: u16,
    server_port: u16,
    client: Counters,
    server: Counters,
    sni: Option<String>,
    alpn: Vec<String>,
}

fn runtime() -> &'static Arc<ClassifierRuntime> {
    static RT: OnceLock<Arc<ClassifierRuntime>> = OnceLock::new();
    RT.get_or_init(|| {
        ClassifierRuntime::new(RuntimeConfig {
            cache_dir: None,
            watch: false,
            // Generous: ASan slows the guests down; a timeout is not what is looked for here.
            call_deadline: std::time::Duration::from_millis(500),
            ..RuntimeConfig::default()
        })
        .expect("runtime with the built-in packs")
    })
}

thread_local! {
    static WORKER: RefCell<Option<WorkerClassifier>> = const { RefCell::new(None) };
}

/// The classifier host with the built-in packs, fed arbitrary flow views: the first
/// `CLASSIFIER_HEADER` bytes give the scalars (transport, ports, counters, SNI, ALPN) through
/// `arbitrary`; the rest is `[client_len u16 LE][client prefix][server prefix]`.
pub fn classifier(data: &[u8]) {
    let (head, body) = data.split_at(data.len().min(CLASSIFIER_HEADER));
    let Ok(meta) = Meta::arbitrary(&mut Unstructured::new(head)) else {
        return;
    };
    let (client, server) = match body {
        [a, b, rest @ ..] => {
            rest.split_at(usize::from(u16::from_le_bytes([*a, *b])).min(rest.len()))
        }
        _ => (&[][..], &[][..]),
    };
    let transport = if meta.udp {
        Transport::Udp
    } else {
        Transport::Tcp
    };
    let mut view = FlowView::new(transport, meta.client_port, meta.server_port);
    let side = |prefix, c: &Counters| Side {
        prefix,
        first_payload_len: c.first_payload_len,
        packets: c.packets,
        bytes: c.bytes,
    };
    view.client = side(client, &meta.client);
    view.server = side(server, &meta.server);
    view.sni = meta.sni.as_deref();
    view.set_alpn(&meta.alpn);
    WORKER.with(|w| {
        let mut w = w.borrow_mut();
        let worker = w.get_or_insert_with(|| runtime().worker());
        let _ = worker.classify(&view);
    });
}
