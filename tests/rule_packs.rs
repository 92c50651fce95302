//! The rule packs in the daemon, over real captures (`flowsieve run -r`):
//!
//! - the built-in `core` pack names real flows as nDPI does (nDPI's own expected results,
//!   `tests/data/ndpi_result/*.out`, copied from its regression suite);
//! - so do the family packs (`mail`, `remote`, `filetransfer`, `names`, `voip`, `vpn`), through a
//!   reviewed
//!   mapping from nDPI's labels to libprotoident's names (`NDPI_TO_OURS`);
//! - hostile packs in `classifiers.dir` (an infinite loop, a memory bomb, a trap, runaway
//!   recursion, a lying verdict) never stop the records: every flow keeps exactly the records it
//!   has without them, and the summary shows each pack's faults and its quarantine.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use common::*;
use flowsieve_wasm::test_guests;
use serde_json::Value;

/// One flow of nDPI's expected output: unordered endpoints, transport, master protocol.
#[derive(Debug)]
struct NdpiFlow {
    transport: String,
    ends: BTreeSet<String>,
    master: String,
    /// The whole label, `TLS.RDP`, `NetBIOS.SMBv1`.
    label: String,
}

/// `\t1\tTCP 192.168.1.128:42170 <-> 216.58.208.142:80 [proto: 7.126/HTTP.Google][...`
fn ndpi_flows(capture: &str) -> Vec<NdpiFlow> {
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
        // `HTTP.Google`: the master protocol is what a port-agnostic rule can name.
        let master = proto.split('.').next().unwrap_or(proto).to_owned();
        flows.push(NdpiFlow {
            transport: transport.to_ascii_lowercase(),
            ends: [endpoint(a), endpoint(b)].into(),
            master,
            label: proto.to_owned(),
        });
    }
    assert!(!flows.is_empty(), "no flows in {}", path.display());
    flows
}

/// `1.2.3.4:80` or `[2001:db8::1]:443` -> `ip:port` with the brackets dropped.
fn endpoint(s: &str) -> String {
    s.replace(['[', ']'], "")
}

fn record_ends(r: &Value) -> BTreeSet<String> {
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

/// nDPI's master protocol in libprotoident's spelling, the names the core pack uses.
fn expected_name(flow: &NdpiFlow) -> String {
    let port_443 = flow.ends.iter().any(|e| e.ends_with(":443"));
    match (flow.master.as_str(), flow.transport.as_str()) {
        ("DNS", "tcp") => "DNS_TCP".into(),
        // libprotoident: TLS on 443 is HTTPS, elsewhere SSL/TLS.
        ("TLS", _) if port_443 => "HTTPS".into(),
        ("TLS", _) => "SSL/TLS".into(),
        (other, _) => other.into(),
    }
}

/// Flows where the core pack knowingly disagrees with nDPI: (capture, one endpoint, the
/// core pack's name, why). A flow that starts agreeing fails the test, so this list shrinks.
const KNOWN_DIVERGENCES: &[(&str, &str, &str, &str)] = &[(
    "dns.pcap",
    "192.168.170.8:32795",
    "Unknown_UDP",
    "the capture starts with a response (ID 0xdca2) to a query it does not contain; the \
     client's later query (0xbc1f) is then compared with that first response, and the core \
     pack's DNS rule wants a query and its own answer",
)];

fn check_names(capture: &str) -> usize {
    let run = run(&data(&format!("corpus/ndpi/{capture}")), &["-q"]);
    assert_eq!(run.status, Some(0), "{capture}: {}", run.stderr);
    let ends: Vec<&Value> = run
        .records
        .iter()
        .filter(|r| kind(r) == "flow_end")
        .collect();
    let expected = ndpi_flows(capture);
    assert_eq!(
        ends.len(),
        expected.len(),
        "{capture}: flowsieve and nDPI see different flows"
    );
    let mut named = 0;
    for flow in &expected {
        let record = ends
            .iter()
            .find(|r| {
                record_ends(r) == flow.ends
                    && s(r, &["flow", "transport"]).as_str() == Some(&flow.transport)
            })
            .unwrap_or_else(|| panic!("{capture}: no record for nDPI's flow {flow:?}"));
        let got = s(record, &["flow", "protocol"]).as_str().unwrap_or("");
        let want = expected_name(flow);
        let known = KNOWN_DIVERGENCES
            .iter()
            .find(|(c, end, _, _)| *c == capture && flow.ends.contains(*end));
        match known {
            Some((_, _, ours, why)) => assert_eq!(
                got, *ours,
                "{capture}: {flow:?} is listed as a known divergence ({why}) but is now {got}; \
                 if it agrees with nDPI ({want}), remove it from KNOWN_DIVERGENCES"
            ),
            None => {
                assert_eq!(got, want, "{capture}: {flow:?} (nDPI: {})", flow.master);
                named += 1;
            }
        }
        // A named flow's flow_start carries the same name.
        let id = u(record, &["flow", "id"]);
        let start = run
            .records
            .iter()
            .find(|r| kind(r) == "flow_start" && u(r, &["flow", "id"]) == id)
            .unwrap_or_else(|| panic!("{capture}: flow {id} has no flow_start"));
        assert_eq!(s(start, &["flow", "protocol"]).as_str(), Some(got));
    }
    named
}

#[test]
fn http_is_named_http() {
    assert_eq!(check_names("http.pcapng"), 1);
}

#[test]
fn ssh_is_named_ssh_also_on_a_non_standard_port() {
    // The second flow is SSH on port 8000.
    assert_eq!(check_names("ssh.pcap"), 2);
}

#[test]
fn dns_is_named_dns() {
    assert_eq!(check_names("dns.pcap"), 1);
}

#[test]
fn smtp_is_named_smtp() {
    assert_eq!(check_names("smtp.pcap"), 1);
}

#[test]
fn tls_is_https_on_443_and_ssl_tls_elsewhere() {
    assert_eq!(check_names("443-curl.pcap"), 1);
    assert_eq!(check_names("tls_long_cert.pcap"), 1);
    assert_eq!(check_names("tls_port_80.pcapng"), 1);
}

#[test]
fn the_core_pack_can_be_switched_off_by_replacing_it() {
    // Proof the names come from the packs and not from a port table: with the built-in core
    // replaced by a pack (same manifest name) that only knows GET/POST, SSH is not named.
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(test_guests::path("corev2"), dir.path().join("core.wasm")).expect("copy");
    let run = run(
        &data("corpus/ndpi/ssh.pcap"),
        &[
            "-q",
            "--classifiers-dir",
            dir.path().to_str().expect("utf-8"),
        ],
    );
    let names: BTreeSet<&str> = run
        .records
        .iter()
        .filter_map(|r| s(r, &["flow", "protocol"]).as_str())
        .collect();
    assert_eq!(names, BTreeSet::from(["Unknown_TCP"]), "{}", run.stderr);
}

/// The built-in packs, in load order (`classifiers/<dir>`).
const BUILTIN_PACKS: &[&str] = &[
    "core",
    "filetransfer",
    "mail",
    "names",
    "remote",
    "voip",
    "vpn",
];

const HOSTILE: &[(&str, &str)] = &[
    ("hog", "out_of_memory"),
    ("liar", "bad_verdict"),
    ("loop", "timeout"),
    ("recurse", "stack_overflow"),
    ("trap", "trap"),
];

/// Records keyed by (type, flow id, timestamp), with every field: two runs' records compared
/// as a whole.
fn keyed(records: &[Value]) -> BTreeMap<(String, u64, String), String> {
    records
        .iter()
        .map(|r| {
            (
                (
                    kind(r).to_owned(),
                    u(r, &["flow", "id"]),
                    r["timestamp"].to_string(),
                ),
                r.to_string(),
            )
        })
        .collect()
}

/// The summary's `rule packs` line: `name version (N rules, F faults[, QUARANTINED])` per pack.
fn pack_summary(stderr: &str) -> BTreeMap<String, (u64, bool)> {
    let line = stderr
        .lines()
        .find_map(|l| l.trim_start().strip_prefix("rule packs"))
        .unwrap_or_else(|| panic!("no rule packs line in the summary:\n{stderr}"));
    line.split(';')
        .map(|entry| {
            let entry = entry.trim();
            let name = entry.split_whitespace().next().unwrap_or("").to_owned();
            let faults = entry
                .split(", ")
                .find_map(|part| {
                    part.strip_suffix(" faults")
                        .or(part.strip_suffix(" faults)"))
                })
                .and_then(|n| n.trim().parse().ok())
                .unwrap_or_else(|| panic!("no fault count in {entry:?}"));
            (name, (faults, entry.contains("QUARANTINED")))
        })
        .collect()
}

fn hostile_dir(dir: &Path) {
    for (guest, _) in HOSTILE {
        std::fs::copy(test_guests::path(guest), dir.join(format!("{guest}.wasm"))).expect("copy");
    }
}

/// bittorrent.pcap: 24 TCP flows with payload that no built-in rule names, so after `core`
/// answers no-match every hostile pack (priority 9, any TCP port) is called.
#[test]
fn hostile_packs_never_stop_the_records() {
    let capture = data("corpus/ndpi/bittorrent.pcap");
    let dir = tempfile::tempdir().expect("tempdir");
    hostile_dir(dir.path());
    let threshold = 4;
    // A deadline long enough that the memory hog reaches the memory cap before it, even on
    // a loaded machine (with 10 ms it sometimes times out first), short enough that the
    // infinite loop costs well under a second per call.
    let yaml = format!(
        "classifiers:\n  dir: {}\n  watch: false\n  fault_threshold: {threshold}\n  call_deadline_ms: 250\n",
        dir.path().display()
    );
    let baseline = run(&capture, &[]);
    let hostile = run_with_config(&capture, Some(&yaml), &[]);
    assert_eq!(hostile.status, Some(0), "{}", hostile.stderr);

    // Every flow: one flow_start first, one flow_end last.
    let flows = by_flow(&hostile.records);
    assert_eq!(flows.len(), 24, "{}", hostile.stderr);
    for (id, recs) in &flows {
        let kinds: Vec<&str> = recs.iter().map(|r| kind(r)).collect();
        assert_eq!(kinds.first(), Some(&"flow_start"), "flow {id}: {kinds:?}");
        assert_eq!(kinds.last(), Some(&"flow_end"), "flow {id}: {kinds:?}");
        assert_eq!(kinds.iter().filter(|k| **k == "flow_start").count(), 1);
        assert_eq!(kinds.iter().filter(|k| **k == "flow_end").count(), 1);
    }
    // ...and exactly the records of a run without the hostile packs: a faulting pack's
    // opinion is dropped, nothing else changes.
    assert_eq!(keyed(&hostile.records), keyed(&baseline.records));

    // Each pack was called, faulted the way it misbehaves, and was quarantined at the
    // threshold (no call after that, so the count stops there).
    let packs = pack_summary(&hostile.stderr);
    assert_eq!(packs.get("core"), Some(&(0, false)), "{}", hostile.stderr);
    for (guest, fault) in HOSTILE {
        assert_eq!(
            packs.get(*guest),
            Some(&(threshold, true)),
            "{guest}: {}",
            hostile.stderr
        );
        let logged = hostile
            .stderr
            .lines()
            .filter(|l| {
                l.contains("classifier call failed")
                    && l.contains(&format!("pack={guest} "))
                    && l.contains(&format!("fault=\"{fault}\""))
            })
            .count();
        assert_eq!(
            logged as u64, threshold,
            "{guest} {fault}:\n{}",
            hostile.stderr
        );
        assert!(
            hostile
                .stderr
                .lines()
                .any(|l| l.contains("quarantined") && l.contains(&format!("pack={guest} "))),
            "{guest} quarantine not logged:\n{}",
            hostile.stderr
        );
    }
}

/// Below the threshold: the faults are counted per pack, nothing is quarantined, and the
/// well-behaved packs still name their flows in the same run.
#[test]
fn hostile_packs_next_to_named_flows() {
    // http.pcapng: core names the flow HTTP (priority 2), so the hostile packs (priority 9)
    // cannot beat it and are not called at all.
    let dir = tempfile::tempdir().expect("tempdir");
    hostile_dir(dir.path());
    let yaml = format!(
        "classifiers:\n  dir: {}\n  watch: false\n",
        dir.path().display()
    );
    let run = run_with_config(&data("corpus/ndpi/http.pcapng"), Some(&yaml), &[]);
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    let names: Vec<&str> = run
        .records
        .iter()
        .filter_map(|r| s(r, &["flow", "protocol"]).as_str())
        .collect();
    assert!(
        !names.is_empty() && names.iter().all(|n| *n == "HTTP"),
        "{names:?}"
    );
    let packs = pack_summary(&run.stderr);
    assert_eq!(
        packs.len(),
        BUILTIN_PACKS.len() + HOSTILE.len(),
        "{}",
        run.stderr
    );
    assert!(packs.values().all(|v| *v == (0, false)), "{packs:?}");

    // mqtt.pcap: two MQTT flows no built-in names: every hostile pack is called and faults
    // once per flow; the default threshold (16) is far.
    let run = run_with_config(&data("corpus/ndpi/mqtt.pcap"), Some(&yaml), &[]);
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    assert_eq!(by_flow(&run.records).len(), 2);
    let packs = pack_summary(&run.stderr);
    for (guest, _) in HOSTILE {
        let (faults, quarantined) = packs[*guest];
        assert!(
            (1..16).contains(&faults) && !quarantined,
            "{guest}: {packs:?}"
        );
    }
}

/// nDPI label (whole, else master) and transport -> our name, for the family packs'
/// protocols. nDPI names TLS after STARTTLS or on 993/995 by the service (IMAPS, POPS), SMB
/// over TCP as NetBIOS.SMBv1/SMBv23, and RDP whose session moved to TLS as TLS.RDP.
const NDPI_TO_OURS: &[(&str, &str, &str)] = &[
    ("POP3", "tcp", "POP3"),
    ("IMAP", "tcp", "IMAP"),
    ("IMAPS", "tcp", "IMAPS"),
    ("POPS", "tcp", "POP3S"),
    ("RDP", "tcp", "RDP"),
    ("TLS.RDP", "tcp", "RDP"),
    ("FTP_CONTROL", "tcp", "FTP_Control"),
    ("TFTP", "udp", "TFTP"),
    ("NetBIOS.SMBv1", "tcp", "SMB"),
    ("NetBIOS.SMBv23", "tcp", "SMB"),
    ("NetBIOS", "tcp", "NetBIOS"),
    ("NetBIOS", "udp", "NetBIOS_UDP"),
    ("NTP", "udp", "NTP"),
    ("SNMP", "udp", "SNMP"),
    ("DHCP", "udp", "DHCP"),
    ("MDNS", "udp", "mDNS"),
    ("SSDP", "udp", "SSDP"),
    ("WireGuard", "udp", "WireGuard"),
    ("SIP", "udp", "SIP_UDP"),
    ("STUN", "udp", "STUN"),
    ("STUN", "tcp", "STUN_TCP"),
];

fn mapped_name(flow: &NdpiFlow) -> Option<&'static str> {
    let find = |label: &str| {
        NDPI_TO_OURS
            .iter()
            .find(|(n, t, _)| *n == label && *t == flow.transport)
            .map(|(_, _, ours)| *ours)
    };
    find(&flow.label).or_else(|| find(&flow.master))
}

/// Flows where the family packs knowingly differ from nDPI: (capture, one endpoint, our
/// name, nDPI's label, why). A flow that starts agreeing fails the test.
const FAMILY_DIVERGENCES: &[(&str, &str, &str, &str, &str)] = &[
    (
        "stun.pcap",
        "192.168.12.169:49153",
        "STUN",
        "DTLS.GoogleCall",
        "STUN binding requests, then DTLS on the same 5-tuple (ICE, RFC 8445): libprotoident \
         names a flow by its first payload, nDPI by the DTLS that follows",
    ),
    (
        "stun.pcap",
        "192.168.43.169:48854",
        "STUN",
        "DTLS",
        "STUN, then DTLS on the same 5-tuple, as above",
    ),
    (
        "tftp.pcap",
        "172.28.4.53:54626",
        "Unknown_UDP",
        "TFTP",
        "the request is opcode 1 then twelve NULs then `octet`: no NUL-terminated mode after \
         the file name (RFC 1350 §5); nDPI names it by port 69 only (`Match by port`)",
    ),
    (
        "netbios.pcap",
        "10.0.4.131:1398",
        "Unknown_TCP",
        "NetBIOS",
        "the only payload is one zero byte from port 139, no session packet; nDPI names it by \
         port only (`Match by port`)",
    ),
    (
        "ftp.pcap",
        "192.168.1.212:50695",
        "Unknown_TCP",
        "FTP_DATA",
        "an FTP data connection: nDPI ties it to the PASV reply of the control connection; a \
         per-flow rule sees only a directory listing (no FTP_Data rule yet)",
    ),
    (
        "imap-starttls.pcap",
        "192.168.17.53:49640",
        "IMAP",
        "IMAPS",
        "IMAP upgraded by STARTTLS: libprotoident names the flow by its cleartext start (IMAP); \
         the TLS that follows is in the record's `tls` block",
    ),
    (
        "ftp-start-tls.pcap",
        "10.238.26.36:62092",
        "FTP_Control",
        "FTPS.Huawei",
        "FTP upgraded by AUTH TLS: libprotoident has no FTPS name and names the flow by its \
         cleartext start; the TLS that follows is in the record's `tls` block",
    ),
];

/// `ip:port` endpoints as parsed socket addresses (`None` if one does not parse).
fn canonical_ends(ends: &BTreeSet<String>) -> Option<BTreeSet<std::net::SocketAddr>> {
    ends.iter()
        .map(|e| {
            let (ip, port) = e.rsplit_once(':')?;
            Some(std::net::SocketAddr::new(
                ip.parse().ok()?,
                port.parse().ok()?,
            ))
        })
        .collect()
}

/// Runs `capture` and checks every nDPI flow whose label maps to a family-pack protocol (or
/// that is listed in FAMILY_DIVERGENCES); returns how many agreed.
fn check_family(capture: &str) -> usize {
    // Names, not the sandbox's deadline, are under test here: a generous deadline keeps a
    // debug build on a loaded machine from faulting a pack's warm-up call.
    let run = run_with_config(
        &data(&format!("corpus/ndpi/{capture}")),
        Some("classifiers:\n  call_deadline_ms: 1000\n"),
        &["-q"],
    );
    assert_eq!(run.status, Some(0), "{capture}: {}", run.stderr);
    let ends: Vec<&Value> = run
        .records
        .iter()
        .filter(|r| kind(r) == "flow_end")
        .collect();
    let mut agreed = 0;
    for flow in ndpi_flows(capture) {
        let known = FAMILY_DIVERGENCES
            .iter()
            .find(|(c, end, ..)| *c == capture && flow.ends.contains(*end));
        let want = mapped_name(&flow);
        if known.is_none() && want.is_none() {
            continue;
        }
        // nDPI prints some IPv6 addresses in a non-canonical (RFC 5952) or broken form: compare
        // parsed addresses, and skip a flow whose address nDPI printed unparsably.
        let Some(want_ends) = canonical_ends(&flow.ends) else {
            continue;
        };
        let record = ends
            .iter()
            .find(|r| {
                canonical_ends(&record_ends(r)).as_ref() == Some(&want_ends)
                    && s(r, &["flow", "transport"]).as_str() == Some(&flow.transport)
            })
            .unwrap_or_else(|| panic!("{capture}: no record for nDPI's flow {flow:?}"));
        let got = s(record, &["flow", "protocol"]).as_str().unwrap_or("");
        match known {
            Some((_, _, ours, label, why)) => {
                assert_eq!(flow.label, *label, "{capture}: {flow:?}");
                assert_eq!(
                    got, *ours,
                    "{capture}: {flow:?} is a listed divergence ({why}) but is now {got}; if it \
                     agrees with nDPI, remove it from FAMILY_DIVERGENCES"
                );
            }
            None => {
                assert_eq!(
                    Some(got),
                    want,
                    "{capture}: {flow:?} (nDPI: {})",
                    flow.label
                );
                agreed += 1;
            }
        }
        let id = u(record, &["flow", "id"]);
        let start = run
            .records
            .iter()
            .find(|r| kind(r) == "flow_start" && u(r, &["flow", "id"]) == id)
            .unwrap_or_else(|| panic!("{capture}: flow {id} has no flow_start"));
        assert_eq!(s(start, &["flow", "protocol"]).as_str(), Some(got));
    }
    agreed
}

#[test]
fn mail_pack_names_pop3_imap_and_their_tls_ports() {
    assert_eq!(check_family("pop3.pcap"), 6);
    assert_eq!(check_family("imap.pcap"), 1);
    assert_eq!(check_family("imaps.pcap"), 2);
    assert_eq!(check_family("pops.pcapng"), 1);
    assert_eq!(check_family("imap-starttls.pcap"), 0);
}

#[test]
fn remote_pack_names_rdp_also_when_it_moves_to_tls() {
    assert_eq!(check_family("rdp.pcap"), 1);
    assert_eq!(check_family("rdp_over_tls.pcap"), 1);
}

#[test]
fn filetransfer_pack_names_ftp_tftp_and_smb() {
    assert_eq!(check_family("ftp.pcap"), 1);
    assert_eq!(check_family("ftp_failed.pcap"), 1);
    assert_eq!(check_family("ftp-start-tls.pcap"), 0);
    // Requests to port 69, OACKs and DATA/ACK exchanges between the transfer ports.
    assert_eq!(check_family("tftp.pcap"), 8);
    assert_eq!(check_family("smbv1.pcap"), 1);
    assert_eq!(check_family("smb_deletefile.pcap"), 1);
}

#[test]
fn names_pack_names_ntp_snmp_netbios_dhcp_mdns_ssdp() {
    // NTPv2.pcap: mode 7 from port 123 to port 80.
    assert_eq!(check_family("NTPv2.pcap"), 1);
    assert_eq!(check_family("NTPv4.pcap"), 1);
    // v1, v2c and v3 (longer than the prefix the packs see), traps to 162.
    assert_eq!(check_family("snmp.pcap"), 17);
    // Name service on 137, datagram service on 138, a session request on 139.
    assert_eq!(check_family("netbios.pcap"), 15);
    assert_eq!(check_family("dhcp-fuzz.pcapng"), 1);
    // android.pcap: 3 DHCP, 2 mDNS and 2 SSDP flows next to its DNS, TLS and HTTP flows.
    assert_eq!(check_family("android.pcap"), 7);
}

#[test]
fn vpn_pack_names_wireguard_from_the_handshake_or_mid_stream() {
    // A flow from its handshake, and one joined after it (data messages both ways).
    assert_eq!(check_family("wireguard.pcap"), 2);
}

#[test]
fn voip_pack_names_sip_and_stun() {
    // Two SIP registrations (the RTP flows are not named yet: nDPI's RTP is not mapped).
    assert_eq!(check_family("sip.pcap"), 2);
    // STUN over UDP (v4 and v6) and over TCP, plain and RFC 4571-framed; one v6 flow nDPI
    // prints with a broken address is skipped.
    assert_eq!(check_family("stun.pcap"), 5);
}
