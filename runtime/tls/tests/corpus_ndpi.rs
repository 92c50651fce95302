//! Checks against nDPI's expected outputs where tshark has no (or a weaker)
//! answer: DTLS with fragmented certificates, JA4, multiple SYN-ACKs.

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;

use common::oracle::*;
use common::{run_capture, Flow};
use flowsieve_tls::StreamPrefixConfig;

/// DTLS: no tshark oracle for this capture; the expected values are nDPI's
/// (ndpi/result/dtls_certificate_fragments.pcap.out). The first flow's
/// certificate is fragmented over several DTLS records.
#[test]
fn dtls_certificate_fragments_match_ndpi() {
    let flows = run_capture(
        &data_dir().join("ndpi/dtls_certificate_fragments.pcap"),
        StreamPrefixConfig::default(),
        tls_config(),
    );
    let expected = [
        (
            "10.186.198.149:39347",
            "3c3d129780d0066cd8936a6291a8d44f",
            "d45798bc098cd930de7eb2f5f866e994",
            "2f5f3393de4e8bea8719431a7a28c233fb10b3a0",
            "*.opera-mini.net",
            "Opera Max CA",
        ),
        (
            "192.168.1.26:43594",
            "681eb4fb79ccb6d60d35fa502c279d42",
            "201fdaa63db9a086f36651aa4cfd0819",
            "0ca245e64a06b031c6bfb6c51baea0a38e41b23c",
            "*.discord.gg",
            "Sectigo RSA Domain Validation Secure Server CA",
        ),
    ];
    for (client, ja3, ja3s, sha1, subject_cn, issuer_cn) in expected {
        let flow = flows
            .iter()
            .find(|f| f.client_str() == client)
            .expect("flow");
        assert!(matches!(flow.inspector, common::Inspector::Dtls(_)));
        let m = flow.metadata().expect("dtls metadata");
        assert_eq!(m.client.ja3.as_deref(), Some(ja3), "{client}");
        assert_eq!(m.server.ja3s.as_deref(), Some(ja3s), "{client}");
        let cert = m.server.certificates.first().expect("server certificate");
        assert_eq!(cert.sha1, sha1, "{client}");
        assert_eq!(cert.subject.common_name.as_deref(), Some(subject_cn));
        assert_eq!(cert.issuer.common_name.as_deref(), Some(issuer_cn));
        assert!(
            m.client.ja4.as_deref().is_some_and(|j| j.starts_with("dd")),
            "{client}"
        );
    }
}

/// JA4 cross-check against nDPI 4.11's expected output (ndpi/ndpi_result/*.ja4.txt,
/// extracted from result/*.out). nDPI is not the truth for two parts, which
/// are masked and only reported:
/// * the ALPN characters: the spec takes the first and last character of the
///   first ALPN value (`h1` for http/1.1, `h9` for h3-29); nDPI takes the
///   first two (`ht`, `h3`, `sp`) and writes `h0` for some h2/h3 offers;
/// * the SNI character: it writes `d` for all 159 flows, including ClientHellos
///   without a server_name extension (no_sni.pcap, ESNI, STARTTLS, DTLS), where
///   the spec says `i`. Ours follows the spec and is tied to the SNI that agrees
///   with tshark on every flow.
///
/// Every other part (protocol, version, counts, both hashes) must agree.
#[test]
fn ja4_agrees_with_ndpi_outside_the_alpn_characters() {
    let dir = data_dir().join("ndpi");
    let mut tally = Tally::default();
    let mut alpn_chars = (0, 0);
    let mut sni_char = (0, 0);
    let mut alpn_differences: BTreeMap<String, usize> = BTreeMap::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("ndpi_result"))
        .expect("ndpi_result dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    files.sort();
    for file in files {
        let name = file.file_name().and_then(|s| s.to_str()).unwrap_or("");
        let pcap = name.trim_end_matches(".ja4.txt");
        let flows = run_capture(&dir.join(pcap), StreamPrefixConfig::default(), tls_config());
        let text = std::fs::read_to_string(&file).expect("ja4 list");
        for line in text.lines() {
            let fields: Vec<&str> = line.split(' ').collect();
            let [l4, client, server, expected] = fields[..] else {
                continue;
            };
            let strip = |s: &str| s.replace(['[', ']'], "");
            let (client, server) = (strip(client), strip(server));
            let ctx = format!("{pcap} {client}->{server}");
            // nDPI names mid-stream flows by the first packet seen: try both orders.
            let l4 = l4.to_lowercase();
            let ours = find_flow(&flows, &l4, &client, &server, 0)
                .or_else(|| find_flow(&flows, &l4, &server, &client, 0))
                .and_then(Flow::metadata)
                .and_then(|m| m.client.ja4.clone())
                .unwrap_or_default();
            let masked = |j: &str| {
                let mut s = j.to_owned();
                if s.len() > 10 {
                    s.replace_range(8..10, "..");
                    s.replace_range(3..4, ".");
                }
                s
            };
            tally.check(
                &ctx,
                "ja4 (sni+alpn masked)",
                &masked(expected),
                &masked(&ours),
            );
            sni_char.1 += 1;
            sni_char.0 += usize::from(expected.get(3..4) == ours.get(3..4));
            alpn_chars.1 += 1;
            alpn_chars.0 += usize::from(expected.get(8..10) == ours.get(8..10));
            if expected.get(8..10) != ours.get(8..10) {
                let pair = format!(
                    "{}->{}",
                    expected.get(8..10).unwrap_or(""),
                    ours.get(8..10).unwrap_or("")
                );
                *alpn_differences.entry(pair).or_insert(0usize) += 1;
            }
        }
    }
    tally.print("JA4 vs nDPI");
    println!("  ja4 alpn chars equal to nDPI's: {}/{} (nDPI writes `ht` for http/1.1); nDPI->ours: {alpn_differences:?}", alpn_chars.0, alpn_chars.1);
    println!(
        "  ja4 sni char equal to nDPI's: {}/{} (nDPI always writes `d`)",
        sni_char.0, sni_char.1
    );
    assert!(tally.fields.values().all(|(_, total)| *total >= 100));
    let unexplained: Vec<&String> = tally.mismatches.iter().filter(|m| !explained(m)).collect();
    assert!(
        unexplained.is_empty(),
        "{} unexplained mismatches",
        unexplained.len()
    );
}

/// tls_multiple_synack_different_seq: the server answers with several
/// SYN-ACKs carrying different ISNs (its data follows the last one here; in
/// Suricata's tcp-fastopen capture it follows an earlier one). tshark
/// reassembles nothing of the server side (its oracle line has no ServerHello);
/// nDPI's expected output (result/*.out) has JA3S 704239182a9091e4453fdbfe0fd17586 and
/// certificate SHA-1 5A:47:18:0A:…:81:76, which StreamPrefix's SYN candidate
/// handling must reproduce.
#[test]
fn several_syn_acks_with_different_isns_still_yield_the_server_flight() {
    let flows = run_capture(
        &data_dir().join("ndpi/tls_multiple_synack_different_seq.pcapng"),
        StreamPrefixConfig::default(),
        tls_config(),
    );
    let m = flows
        .iter()
        .find_map(|f| f.metadata().filter(|m| m.server.ja3s.is_some()))
        .expect("server flight parsed");
    assert_eq!(
        m.server.ja3s.as_deref(),
        Some("704239182a9091e4453fdbfe0fd17586")
    );
    assert_eq!(
        m.server.certificates.first().map(|c| c.sha1.as_str()),
        Some("5a47180a2f9002c9305cb1bed60d5a4224c88176")
    );
    assert_eq!(m.cipher_text, Some("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"));
}

/// The pipeline's client guess can be wrong (mid-stream captures). With every
/// TCP flow's roles deliberately reversed, the parser must detect it from the
/// hellos and produce the same metadata.
#[test]
fn reversed_roles_give_the_same_metadata() {
    let mut compared = 0;
    let mut openvpn_compared = 0;
    for capture in [
        "ndpi/sites.pcapng",
        "ndpi/smtp-starttls.pcap",
        "ndpi/443-git.pcap",
        "ndpi/openvpn.pcap",
    ] {
        let path = data_dir().join(capture);
        let normal = run_capture(&path, StreamPrefixConfig::default(), tls_config());
        let reversed = common::run_capture_with_roles(
            &path,
            StreamPrefixConfig::default(),
            tls_config(),
            true,
        );
        assert_eq!(normal.len(), reversed.len());
        for (a, b) in normal.iter().zip(&reversed) {
            let (Some(ma), Some(mb)) = (a.metadata(), b.metadata()) else {
                continue;
            };
            if !a.tcp {
                continue;
            }
            assert!(
                b.roles_swapped() && !a.roles_swapped(),
                "{capture} {}",
                a.client_str()
            );
            assert_eq!(ma, mb, "{capture} {}", a.client_str());
            compared += 1;
            // OpenVPN over TCP (plain and tls-auth) is recognised from either side.
            openvpn_compared += usize::from(capture == "ndpi/openvpn.pcap");
        }
    }
    assert_eq!(openvpn_compared, 2);
    assert!(compared >= 40, "{compared}");
}
