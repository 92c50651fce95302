//! Writes the fuzz seed corpora from the capture corpus: `cargo run --example seeds --
//! <corpus dir> <out dir>` (scripts/fuzz.sh runs it). Each target gets a few dozen small inputs
//! in its own framing (see src/lib.rs): whole frames for `decode`, TCP segments for the stream
//! targets, datagrams for QUIC/DTLS/OpenVPN, DER certificates, flow views for `classifier`.

use flowsieve::decode::{Decoder, LinkType};
use flowsieve_fuzz::{encode, CLASSIFIER_HEADER, FIN, LINK_TYPES, SERVER, SYN};
use flowsieve_tls::{DtlsParser, OpenVpnTls, QuicParser};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

const MAX_SEED: usize = 8 * 1024;
const PER_TARGET: usize = 32;

struct Seg {
    server: bool,
    tcp: Option<(u32, u8)>,
    payload: Vec<u8>,
}

#[derive(Default)]
struct Out {
    dir: PathBuf,
    counts: HashMap<&'static str, usize>,
}

impl Out {
    fn write(&mut self, target: &'static str, name: &str, data: &[u8]) {
        let n = self.counts.entry(target).or_default();
        if *n >= PER_TARGET || data.is_empty() {
            return;
        }
        *n += 1;
        let dir = self.dir.join(target);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}-{n}")), data).unwrap();
    }
}

fn captures(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = rd.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            captures(&p, out);
        } else if matches!(
            p.extension().and_then(|e| e.to_str()),
            Some("pcap" | "pcapng" | "cap")
        ) {
            out.push(p);
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let corpus = PathBuf::from(
        args.get(1)
            .map(String::as_str)
            .unwrap_or("../tests/data/corpus"),
    );
    let mut out = Out {
        dir: PathBuf::from(args.get(2).map(String::as_str).unwrap_or("corpus/seeds")),
        ..Out::default()
    };
    let mut files = Vec::new();
    captures(&corpus, &mut files);
    for path in files {
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        let Ok(mut cap) = pcap::Capture::from_file(&path) else {
            continue;
        };
        let Some(link) = LinkType::from_dlt(cap.get_datalink().0) else {
            continue;
        };
        let link_idx = LINK_TYPES.iter().position(|l| *l == link).unwrap() as u8;
        let mut decoder = Decoder::new(link, true);
        let mut frames = vec![link_idx];
        let mut nframes = 0;
        let mut flows: HashMap<String, (bool, u16, u16, Vec<Seg>)> = HashMap::new();
        let mut order = Vec::new();
        while let Ok(pkt) = cap.next_packet() {
            if nframes < 4 && frames.len() + pkt.data.len() < MAX_SEED {
                encode(&mut frames, 0, pkt.header.len, pkt.data);
                nframes += 1;
            }
            let ts = pkt.header.ts.tv_sec * 1_000_000 + pkt.header.ts.tv_usec;
            let Ok(d) = decoder.decode(ts, pkt.data, pkt.header.len) else {
                continue;
            };
            let key = format!("{:?}", d.key);
            let entry = flows.entry(key.clone()).or_insert_with(|| {
                order.push(key);
                let (c, s) = if d.from_a {
                    (d.key.a, d.key.b)
                } else {
                    (d.key.b, d.key.a)
                };
                (d.from_a, c.port, s.port, Vec::new())
            });
            if entry.3.len() < 40 {
                entry.3.push(Seg {
                    server: d.from_a != entry.0,
                    tcp: d.tcp.map(|t| (t.seq, t.flags)),
                    payload: d.payload.to_vec(),
                });
            }
        }
        out.write("decode", &name, &frames);
        for key in order {
            let (_, cport, sport, segs) = &flows[&key];
            let Some(first) = segs.iter().find(|s| !s.payload.is_empty()) else {
                continue;
            };
            let tcp = segs[0].tcp.is_some();
            // Stream targets: segments of both directions.
            let mut rec = vec![0u8];
            for s in segs {
                let (seq, f) = s.tcp.unwrap_or((0, 0));
                let mut flags = if s.server { SERVER } else { 0 };
                if f & 0x02 != 0 {
                    flags |= SYN;
                }
                if f & 0x05 != 0 {
                    flags |= FIN;
                }
                let take = s.payload.len().min(MAX_SEED.saturating_sub(rec.len() + 7));
                encode(&mut rec, flags, seq, &s.payload[..take]);
            }
            let looks_tls = segs.iter().any(|s| s.payload.first() == Some(&0x16));
            if tcp {
                if looks_tls {
                    out.write("tls_stream", &name, &rec);
                    out.write("tls_parser", &name, &rec);
                    // Certificates: DER SEQUENCEs with a two-byte length in server payloads.
                    let server: Vec<u8> = segs
                        .iter()
                        .filter(|s| s.server)
                        .flat_map(|s| s.payload.clone())
                        .collect();
                    for i in 0..server.len().saturating_sub(8) {
                        if server[i..i + 2] == [0x30, 0x82] && server[i + 4..i + 6] == [0x30, 0x82]
                        {
                            let len =
                                usize::from(u16::from_be_bytes([server[i + 2], server[i + 3]])) + 4;
                            if let Some(der) = server.get(i..i + len) {
                                out.write("x509", &name, der);
                            }
                        }
                    }
                } else {
                    out.write("reassembly", &name, &rec);
                }
            } else if segs
                .iter()
                .any(|s| QuicParser::looks_like_quic_initial(&s.payload))
            {
                out.write("quic", &name, &rec);
            } else if segs.iter().any(|s| DtlsParser::looks_like_dtls(&s.payload)) {
                out.write("dtls", &name, &rec);
            }
            if OpenVpnTls::looks_like_openvpn(&first.payload, tcp) {
                rec[0] = u8::from(tcp);
                out.write("openvpn", &name, &rec);
            }
            // Classifier: a flow view with the first payload of each side.
            let client = segs.iter().find(|s| !s.server && !s.payload.is_empty());
            let server = segs.iter().find(|s| s.server && !s.payload.is_empty());
            let mut view = vec![0u8; CLASSIFIER_HEADER];
            view[0] = u8::from(!tcp);
            view[1..3].copy_from_slice(&cport.to_le_bytes());
            view[3..5].copy_from_slice(&sport.to_le_bytes());
            let c = client
                .map(|s| &s.payload[..s.payload.len().min(1024)])
                .unwrap_or(&[]);
            let s = server
                .map(|s| &s.payload[..s.payload.len().min(1024)])
                .unwrap_or(&[]);
            for (off, side) in [(5, c), (21, s)] {
                view[off..off + 4].copy_from_slice(&(side.len() as u32).to_le_bytes());
                view[off + 4..off + 8].copy_from_slice(&1u32.to_le_bytes());
                view[off + 8..off + 16].copy_from_slice(&(side.len() as u64).to_le_bytes());
            }
            view.extend_from_slice(&(c.len() as u16).to_le_bytes());
            view.extend_from_slice(c);
            view.extend_from_slice(s);
            out.write("classifier", &name, &view);
        }
    }
    // Config: the shipped config.
    let cfg = std::fs::read(corpus.join("../../../config/flowsieve.yaml")).unwrap_or_default();
    out.write("config", "flowsieve", &cfg);
    let mut counts: Vec<_> = out.counts.into_iter().collect();
    counts.sort();
    println!("seeds: {counts:?}");
}
