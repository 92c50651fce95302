//! The record layout as serde structs: what `write` produced before it was hand-written, kept
//! as the reference the hand-written writer must reproduce byte for byte.

use std::net::IpAddr;

use serde::ser::{SerializeStruct, Serializer};
use serde::Serialize;

use super::*;
use crate::flow::key::{FlowKey, IpProto};

struct EndpointOut {
    ip: IpAddr,
    port: u16,
}

impl Serialize for EndpointOut {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("endpoint", 2)?;
        st.serialize_field("ip", &DisplayStr(&self.ip))?;
        st.serialize_field("port", &self.port)?;
        st.end()
    }
}

/// Serialises a value through `Display` without an intermediate `String`.
struct DisplayStr<'a, T: std::fmt::Display>(&'a T);

impl<T: std::fmt::Display> Serialize for DisplayStr<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self.0)
    }
}

#[derive(Serialize)]
struct FlowOut<'a> {
    id: u64,
    protocol: &'a str,
    category: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    transport: &'static str,
    start_ts: i64,
    duration: f64,
    ttfb: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_ts: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_reason: Option<&'static str>,
    in_bytes: u64,
    out_bytes: u64,
    in_bytes_total: u64,
    out_bytes_total: u64,
    in_packets: u64,
    out_packets: u64,
    in_packets_total: u64,
    out_packets_total: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    tls: Option<&'a TlsMetadata>,
}

#[derive(Serialize)]
struct RecordOut<'a> {
    source: EndpointOut,
    destination: EndpointOut,
    flow: FlowOut<'a>,
    module: &'static str,
    timestamp: i64,
}

/// `write` as it was, through serde.
fn write_serde(out: &mut Vec<u8>, flow: &Flow, ev: Event<'_>) {
    let (out_side, in_side) = if flow.out_is_client {
        (CLIENT, SERVER)
    } else {
        (SERVER, CLIENT)
    };
    let delta = |side: usize| Counters {
        packets: flow.total[side].packets - flow.reported[side].packets,
        bytes: flow.total[side].bytes - flow.reported[side].bytes,
    };
    let (d_out, d_in) = (delta(out_side), delta(in_side));
    let v6 = flow.key.v6;
    let rec = RecordOut {
        source: EndpointOut {
            ip: flow.client().ip(v6),
            port: flow.client().port,
        },
        destination: EndpointOut {
            ip: flow.server().ip(v6),
            port: flow.server().port,
        },
        flow: FlowOut {
            id: flow.id,
            protocol: ev.names.0,
            category: ev.names.1,
            kind: ev.kind.as_str(),
            transport: flow.proto().name(),
            start_ts: ms(flow.first_us),
            duration: secs(flow.last_us - flow.first_us),
            ttfb: flow.first_payload_us[SERVER].map(|t| secs(t - flow.first_us)),
            end_ts: ev.end.map(|_| ms(flow.last_us)),
            end_reason: ev.end.map(EndReason::as_str),
            in_bytes: d_in.bytes,
            out_bytes: d_out.bytes,
            in_bytes_total: flow.total[in_side].bytes,
            out_bytes_total: flow.total[out_side].bytes,
            in_packets: d_in.packets,
            out_packets: d_out.packets,
            in_packets_total: flow.total[in_side].packets,
            out_packets_total: flow.total[out_side].packets,
            tls: ev.tls,
        },
        module: "flow_statistics",
        timestamp: ms(ev.at_us),
    };
    serde_json::to_writer(&mut *out, &rec).expect("serialise");
    out.push(b'\n');
}

fn flow(src: &str, dst: &str, sport: u16, dport: u16, proto: u8, out_is_client: bool) -> Flow {
    let (key, client_is_a) = FlowKey::new(
        src.parse().expect("ip"),
        dst.parse().expect("ip"),
        sport,
        dport,
        IpProto(proto),
    );
    let mut f = Flow::new(7, key, client_is_a, out_is_client, 1_700_000_000_123_456);
    f.last_us = f.first_us + 2_500_001;
    f.total = [
        Counters {
            packets: 12,
            bytes: 3456,
        },
        Counters {
            packets: 9,
            bytes: 98_765,
        },
    ];
    f.reported[CLIENT] = Counters {
        packets: 2,
        bytes: 100,
    };
    f
}

#[test]
fn the_hand_written_record_is_byte_for_byte_the_serde_one() {
    let tls = full_tls_block();
    let mut bare = TlsMetadata::default();
    bare.server.certificates.push(Default::default());
    let cases = [
        flow("10.0.0.1", "192.168.1.20", 40000, 443, 6, true),
        flow("192.168.1.20", "10.0.0.1", 53, 5353, 17, false),
        flow("2001:db8::1", "fe80::2", 1, 65535, 6, true),
        flow("::ffff:1.2.3.4", "::", 0, 0, 47, false),
    ];
    let names = [
        ("HTTPS", "Web"),
        ("Unknown_UDP", "Unknown"),
        ("a \"quoted\" name\\", "ctl\u{1}\n"),
        ("Ünïcode", ""),
    ];
    for (i, mut f) in cases.into_iter().enumerate() {
        if i % 2 == 0 {
            f.first_payload_us[SERVER] = Some(f.first_us + 1234);
        }
        for (kind, end) in [
            (RecordType::FlowStart, None),
            (RecordType::FlowInterval, None),
            (RecordType::FlowEnd, Some(EndReason::Fin)),
        ] {
            for with_tls in [None, Some(&tls), Some(&bare)] {
                let ev = || Event {
                    kind,
                    at_us: f.last_us - 17,
                    end,
                    names: names[i],
                    tls: with_tls,
                };
                let (mut a, mut b) = (b"prefix".to_vec(), b"prefix".to_vec());
                write(&mut a, &f, ev());
                write_serde(&mut b, &f, ev());
                assert_eq!(
                    String::from_utf8_lossy(&a),
                    String::from_utf8_lossy(&b),
                    "case {i}, {kind:?}"
                );
            }
        }
    }
}

/// Every field of the `tls` block set, certificates included, with strings that need escaping.
fn full_tls_block() -> TlsMetadata {
    use flowsieve_tls::{CertificateSummary, NameSummary};
    let name = |cn: &str| NameSummary {
        common_name: Some(cn.into()),
        organization: Some("Org \"Q\" Ltd".into()),
        country: Some("DE".into()),
    };
    let cert = CertificateSummary {
        alt_names: vec!["a.example".into(), "*.b.example".into()],
        alt_ips: vec!["192.0.2.1".into(), "2001:db8::1".into()],
        sha1: "0123456789abcdef0123456789abcdef01234567".into(),
        not_before: "2024-01-01T00:00:00Z".into(),
        not_after: "2025-01-01T00:00:00Z".into(),
        version: 3,
        public_key_size: Some(2048),
        signature_algorithm: "sha256WithRSAEncryption".into(),
        public_key_algorithm: "rsaEncryption".into(),
        serial: "00AB".into(),
        certificate_authority: true,
        subject: name("leaf\\tab\t"),
        issuer: NameSummary {
            organization: None,
            ..name("CA")
        },
    };
    let mut t = TlsMetadata {
        version: Some(0x0303),
        cipher: Some(0xc02f),
        cipher_text: Some("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
        handshake_complete: true,
        handshake_finished: false,
        ..TlsMetadata::default()
    };
    t.version_text = "TLSv1.2".into();
    t.client.ja3 = Some("e7d705a3286e19ea42f587b344ee6865".into());
    t.client.ja3_string = Some("771,4865-4866,0-23,29-23,0".into());
    t.client.ja4 = Some("t13d1516h2_8daaf6152771_02713d6af862".into());
    t.client.ja4_r = Some("t13d1516h2_002f,0035_0005,000a".into());
    t.client.sni = Some("example.com".into());
    t.client.alpn = vec!["h2".into(), "http/1.1".into()];
    t.client.supported_versions = vec![0x0304, 0x0303];
    t.client.supported_ciphers = vec!["TLS_AES_128_GCM_SHA256", "TLS_CHACHA20_POLY1305_SHA256"];
    t.client.certificates = vec![cert.clone()];
    t.server.ja3s = Some("15af977ce25de452b96affa2addb1036".into());
    t.server.ja3s_string = Some("771,49199,65281-0-11".into());
    t.server.alpn = Some("h2".into());
    t.server.certificates = vec![cert.clone(), CertificateSummary::default()];
    t
}
