//! Cost of the per-packet core: decoding a frame, and finding/updating its flow.
//! `cargo bench -p flowsieve --bench packet_path`

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use etherparse::PacketBuilder;
use flowsieve::config::Config;
use flowsieve::decode::{Decoder, LinkType};
use flowsieve::flow::table::{FlowTable, PacketView, TableConfig};

fn frames(n: u16) -> Vec<Vec<u8>> {
    (0..n)
        .map(|i| {
            let mut v = Vec::new();
            PacketBuilder::ethernet2([1; 6], [2; 6])
                .single_vlan(etherparse::VlanId::try_new(7).unwrap_or_default())
                .ipv4([10, 0, (i >> 8) as u8, i as u8], [10, 1, 0, 1], 64)
                .tcp(40000 + (i % 1000), 443, 1, 1024)
                .ack(1)
                .write(&mut v, &[0x17; 1200])
                .unwrap_or_default();
            v
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let frames = frames(4096);
    let mut g = c.benchmark_group("packet_path");
    g.throughput(Throughput::Elements(frames.len() as u64));
    g.bench_function("decode", |b| {
        let mut d = Decoder::new(LinkType::Ethernet, true);
        b.iter(|| {
            for f in &frames {
                let _ = black_box(d.decode(0, black_box(f), f.len() as u32));
            }
        })
    });
    g.bench_function("decode+flow_table", |b| {
        let mut d = Decoder::new(LinkType::Ethernet, true);
        let mut t = FlowTable::new(TableConfig::from_config(&Config::default(), 0, 1));
        let mut ended = Vec::new();
        let mut ts = 0i64;
        b.iter(|| {
            for f in &frames {
                ts += 10;
                if let Ok(p) = d.decode(ts, f, f.len() as u32) {
                    let v = PacketView {
                        ts_us: ts,
                        key: p.key,
                        from_a: p.from_a,
                        tcp: p.tcp,
                        payload_len: p.payload_len,
                    };
                    black_box(t.packet(&v, &mut ended).1);
                }
            }
            ended.clear();
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
