//! nDPI's expected results (`tests/data/ndpi_result/<capture>.out`, copied from nDPI's
//! regression suite) and how to find flowsieve's record of each of nDPI's flows.

use std::collections::BTreeSet;
use std::net::SocketAddr;

use serde_json::Value;

use super::{data, kind, s, u};

/// One flow of nDPI's expected output.
#[derive(Debug, Clone)]
pub struct NdpiFlow {
    /// `tcp` or `udp`.
    pub transport: String,
    /// Both endpoints as nDPI printed them (`ip:port`, IPv6 without brackets).
    pub ends: BTreeSet<String>,
    /// The master protocol: `HTTP` of `HTTP.Google`.
    pub master: String,
    /// The whole label: `TLS.RDP`, `NetBIOS.SMBv1`.
    pub label: String,
    /// How nDPI came to the label: `DPI`, `Match by port`, `Unknown`, ...
    pub confidence: String,
}

impl NdpiFlow {
    /// nDPI only guessed the label from a port or an address, with no payload evidence.
    pub fn guessed(&self) -> bool {
        matches!(
            self.confidence.as_str(),
            "Match by port" | "Match by IP" | "Unknown"
        )
    }
}

/// Parses `\t1\tTCP 192.168.1.128:42170 <-> 216.58.208.142:80 [proto: 7.126/HTTP.Google][...`
/// lines; other transports are skipped.
pub fn ndpi_flows(capture: &str) -> Vec<NdpiFlow> {
    let path = data(&format!("ndpi_result/{capture}.out"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut flows = Vec::new();
    for line in text.lines() {
        let line = line.trim_start();
        let Some((_, rest)) = line.split_once('\t') else {
            continue;
        };
        let mut words = rest.split_whitespace();
        let (Some(transport), Some(a), Some(arrow), Some(b)) =
            (words.next(), words.next(), words.next(), words.next())
        else {
            continue;
        };
        if !matches!(transport, "TCP" | "UDP") || !matches!(arrow, "<->" | "->") {
            continue;
        }
        let proto = rest
            .split("[proto: ")
            .nth(1)
            .and_then(|p| p.split(']').next())
            .and_then(|p| p.split_once('/'))
            .map(|(_, name)| name)
            .unwrap_or_else(|| panic!("no [proto: ...] in {line}"));
        let master = proto.split('.').next().unwrap_or(proto).to_owned();
        let confidence = rest
            .split("[Confidence: ")
            .nth(1)
            .and_then(|c| c.split(']').next())
            .unwrap_or("")
            .to_owned();
        flows.push(NdpiFlow {
            transport: transport.to_ascii_lowercase(),
            ends: [endpoint(a), endpoint(b)].into(),
            master,
            label: proto.to_owned(),
            confidence,
        });
    }
    flows
}

/// `1.2.3.4:80` or `[2001:db8::1]:443` -> `ip:port` with the brackets dropped.
fn endpoint(s: &str) -> String {
    s.replace(['[', ']'], "")
}

/// A record's two endpoints, `ip:port`.
pub fn record_ends(r: &Value) -> BTreeSet<String> {
    ["source", "destination"]
        .iter()
        .map(|side| {
            format!(
                "{}:{}",
                s(r, &[side, "ip"]).as_str().unwrap_or(""),
                u(r, &[side, "port"])
            )
        })
        .collect()
}

/// Endpoints as parsed socket addresses (`None` if one does not parse): nDPI prints some IPv6
/// addresses in a non-canonical (RFC 5952) or broken form.
pub fn canonical_ends(ends: &BTreeSet<String>) -> Option<BTreeSet<SocketAddr>> {
    ends.iter()
        .map(|e| {
            let (ip, port) = e.rsplit_once(':')?;
            Some(SocketAddr::new(ip.parse().ok()?, port.parse().ok()?))
        })
        .collect()
}

/// The first `flow_end` record (by flow id) for nDPI's flow: same transport, same endpoints.
/// `None` if there is none, or nDPI printed an endpoint that does not parse.
pub fn find_record<'a>(records: &'a [Value], flow: &NdpiFlow) -> Option<&'a Value> {
    let want = canonical_ends(&flow.ends)?;
    records
        .iter()
        .filter(|r| kind(r) == "flow_end")
        .filter(|r| s(r, &["flow", "transport"]).as_str() == Some(flow.transport.as_str()))
        .filter(|r| canonical_ends(&record_ends(r)).as_ref() == Some(&want))
        .min_by_key(|r| u(r, &["flow", "id"]))
}
