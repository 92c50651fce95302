//! Cost of one `classify` call through the real host with the built-in
//! packs: a match, a no-match (every eligible pack runs), and the cost of a
//! fresh store + instance (what a fault or a recycle costs).

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use flowsieve_wasm::{
    ClassifierRuntime, DecisionPolicy, FlowDecision, FlowProgress, FlowView, Next, RuntimeConfig,
    Side, Transport,
};
use std::time::Duration;

fn side(prefix: &[u8]) -> Side<'_> {
    Side {
        prefix,
        first_payload_len: prefix.len() as u32,
        packets: 1,
        bytes: prefix.len() as u64,
    }
}

fn view<'a>(transport: Transport, port: u16, c: &'a [u8], s: &'a [u8]) -> FlowView<'a> {
    let mut v = FlowView::new(transport, 50123, port);
    v.client = side(c);
    v.server = side(s);
    v
}

fn bench(c: &mut Criterion) {
    let cfg = RuntimeConfig {
        cache_dir: None,
        watch: false,
        ..RuntimeConfig::default()
    };
    let rt = ClassifierRuntime::new(cfg.clone()).expect("runtime");
    let mut w = rt.worker();
    // Two 64-byte prefixes, as in DESIGN.md's prototype figures.
    let get = b"GET /index.html HTTP/1.1\r\nHost: www.example.com\r\nAccept: */*\r\n\r\n";
    let ok = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 1234\r\n\r";
    // Pseudo-random bytes (xorshift): what an encrypted or unknown protocol looks like.
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut noise = || -> Vec<u8> {
        (0..64)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            })
            .collect()
    };
    let (noise_c, noise_s) = (noise(), noise());
    let dns =
        b"\xbe\xef\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07example\x03com\x00\x00\x01\x00\x01";

    let http = view(Transport::Tcp, 80, &get[..64], &ok[..64]);
    c.bench_function("classify/http_match_64B_each_way", |b| {
        b.iter(|| black_box(w.classify(black_box(&http))))
    });
    let unknown = view(Transport::Tcp, 4000, &noise_c, &noise_s);
    c.bench_function("classify/tcp_no_match_64B_each_way", |b| {
        b.iter(|| black_box(w.classify(black_box(&unknown))))
    });
    let dns = view(Transport::Udp, 53, dns, b"");
    c.bench_function("classify/udp_dns_query", |b| {
        b.iter(|| black_box(w.classify(black_box(&dns))))
    });

    // How many packs each of these reaches past the host's gates (load-independent).
    let udp_noise = view(Transport::Udp, 4000, &noise_c, &noise_s);
    for (name, v) in [
        ("http", &http),
        ("tcp noise", &unknown),
        ("dns query", &dns),
        ("udp noise", &udp_noise),
    ] {
        let before = w.guest_calls();
        w.classify(v);
        eprintln!(
            "guest calls for one {name} flow: {}",
            w.guest_calls() - before
        );
    }
    // Over 10,000 flows of noise: the share that reaches any pack, and the mean calls.
    let before = w.guest_calls();
    let flows = 10_000;
    for i in 0..flows {
        let (c, s) = (noise(), noise());
        let t = if i % 2 == 0 {
            Transport::Tcp
        } else {
            Transport::Udp
        };
        w.classify(&view(t, 4000 + (i % 1000) as u16, &c, &s));
    }
    eprintln!(
        "noise flows: {:.3} guest calls per flow",
        (w.guest_calls() - before) as f64 / flows as f64
    );

    // A whole flow's classification as the pipeline drives it: the state
    // machine on each of the first packets, one offer, the verdict.
    let policy = DecisionPolicy::default();
    c.bench_function("per_flow/http_decision_and_classify", |b| {
        b.iter(|| {
            let mut d = FlowDecision::new();
            let mut p = FlowProgress {
                transport: Transport::Tcp,
                client_payload_packets: 1,
                server_payload_packets: 0,
                since_first_payload: Duration::ZERO,
                ended: false,
            };
            assert_eq!(d.next(&p, &policy), Next::Wait);
            p.server_payload_packets = 1;
            assert_eq!(d.next(&p, &policy), Next::Offer);
            black_box(d.on_verdict(w.classify(black_box(&http)), &p, &policy))
        })
    });

    // Recycling after every call: each call builds a new store + instance.
    let fresh = ClassifierRuntime::new(RuntimeConfig {
        recycle_after_calls: 1,
        ..cfg
    })
    .expect("runtime");
    let mut fw = fresh.worker();
    c.bench_function("classify/fresh_instance_each_call", |b| {
        b.iter(|| black_box(fw.classify(black_box(&http))))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
