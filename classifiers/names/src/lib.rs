//! flowsieve's built-in `names` pack: name, address and time services,
//! directory and authentication services, routing and network management
//! (NTP, DHCP, DHCPv6, SNMP, mDNS, LLMNR, SSDP, NetBIOS, Syslog, RADIUS,
//! Kerberos, LDAP, BGP, NetFlow/IPFIX, sFlow, Zabbix, Munin, Ganglia, ident, Pyzor, WHOIS), each written
//! from its own specification (see the module of each rule). Names and
//! categories are libprotoident's. Unicast DNS is in `core`.

use flowsieve_sdk::prelude::*;

mod bgp;
mod dhcp;
mod dhcpv6;
mod ganglia;
mod ident;
mod kerberos;
mod ldap;
mod llmnr;
mod mdns;
mod munin;
mod netbios;
mod netflow;
mod ntp;
mod pyzor;
mod radius;
mod sflow;
mod snmp;
mod ssdp;
mod syslog;
mod whois;
mod zabbix;

pub const NTP: u32 = 0;
pub const DHCP: u32 = 1;
pub const SNMP: u32 = 2;
pub const MDNS: u32 = 3;
pub const SSDP: u32 = 4;
pub const NETBIOS_UDP: u32 = 5;
pub const NETBIOS: u32 = 6;
pub const NTP_EXCHANGE: u32 = 7;
pub const DHCPV6: u32 = 8;
pub const LLMNR: u32 = 9;
pub const SYSLOG: u32 = 10;
pub const RADIUS: u32 = 11;
pub const KERBEROS: u32 = 12;
pub const KERBEROS_TCP: u32 = 13;
pub const LDAP: u32 = 14;
pub const BGP: u32 = 15;
pub const NETFLOW: u32 = 16;
pub const SFLOW: u32 = 17;
pub const SYSLOG_TCP: u32 = 18;
pub const ZABBIX: u32 = 19;
pub const IDENT: u32 = 20;
pub const MUNIN: u32 = 21;
pub const PYZOR: u32 = 22;
pub const GANGLIA: u32 = 23;
pub const WHOIS: u32 = 24;

pub struct Names;

impl Rule for Names {
    fn manifest() -> Manifest {
        ManifestBuilder::new("names", env!("CARGO_PKG_VERSION"))
            .rule(NTP, "NTP", "Services", Transport::Udp, 5, &[123])
            .udp(DHCP, "DHCP", "Services", 2)
            // The magic cookie (RFC 2131 §3).
            .leads([either(&[0x63, 0x82, 0x53, 0x63]).at(236)])
            .udp(SNMP, "SNMP", "Measurement", 5)
            // A BER SEQUENCE.
            .leads([either(&[0x30])])
            // mDNS is DNS framing on its own port (RFC 6762): port-hinted,
            // and ahead of core's DNS (10).
            .rule(MDNS, "mDNS", "Services", Transport::Udp, 5, &[5353])
            .udp(SSDP, "SSDP", "Services", 2)
            .leads([either(b"M-SEARCH * "), either(b"NOTIFY * ")])
            // NetBIOS name queries are DNS-shaped: ahead of core's DNS (10).
            .udp(NETBIOS_UDP, "NetBIOS_UDP", "Services", 5)
            // The encoded name's length byte, in the name or datagram service.
            .leads([either(&[0x20]).at(12), either(&[0x20]).at(14)])
            .tcp(NETBIOS, "NetBIOS", "Services", 2)
            // SESSION REQUEST of 68 bytes, then the called name.
            .leads([client(&[0x81, 0, 0, 68, 0x20]).masked(&[0xff, 0, 0xff, 0xff, 0xff])])
            // NTP off port 123 needs the whole exchange (see ntp.rs).
            .udp(NTP_EXCHANGE, "NTP", "Services", 5)
            .leads(ntp::client_leads())
            // DHCPv6 lives on its two ports (RFC 8415 §7.2).
            .rule(DHCPV6, "DHCPv6", "Services", Transport::Udp, 5, &[546, 547])
            .leads(dhcpv6::leads())
            // LLMNR is DNS framing on its own port (RFC 4795): port-hinted,
            // and ahead of core's DNS (10).
            .rule(LLMNR, "LLMNR", "Services", Transport::Udp, 5, &[5355])
            .leads(llmnr::leads())
            .udp(SYSLOG, "Syslog", "Logging", 10)
            .leads(syslog::leads())
            .udp(RADIUS, "Radius", "Remote_Access", 5)
            .leads(radius::leads())
            .udp(KERBEROS, "Kerberos", "Services", 5)
            .leads(kerberos::udp_leads())
            .tcp(KERBEROS_TCP, "Kerberos_TCP", "Services", 5)
            .leads(kerberos::tcp_leads())
            .tcp(LDAP, "LDAP", "Services", 5)
            .leads(ldap::leads())
            .tcp(BGP, "BGP", "Services", 2)
            .leads(bgp::leads())
            .udp(NETFLOW, "NetFlow", "Measurement", 10)
            .leads(netflow::leads())
            .udp(SFLOW, "sFlow", "Measurement", 10)
            .leads(sflow::leads())
            .tcp(SYSLOG_TCP, "Syslog_TCP", "Logging", 10)
            .leads(syslog::tcp_leads())
            .tcp(ZABBIX, "Zabbix", "Measurement", 2)
            .leads(zabbix::leads())
            .tcp(IDENT, "ID_Protocol", "Services", 5)
            .leads(ident::leads())
            .tcp(MUNIN, "Munin", "Measurement", 2)
            .leads(munin::leads())
            .udp(PYZOR, "Pyzor", "Antispam", 5)
            .leads(pyzor::leads())
            .udp(GANGLIA, "Ganglia", "Measurement", 10)
            .leads(ganglia::leads())
            // A free-text query: no lead is possible; the port hint keeps
            // the rule to port 43 flows, at a generic priority.
            .rule(WHOIS, "Whois", "Services", Transport::Tcp, 100, &[43])
            .build()
    }

    fn classify(flow: &FlowView) -> Outcome {
        let rules: &[Check] = match flow.transport {
            Transport::Tcp => &[
                (netbios::session, NETBIOS),
                (bgp::matches, BGP),
                (kerberos::tcp, KERBEROS_TCP),
                (ldap::matches, LDAP),
                (zabbix::matches, ZABBIX),
                (ident::matches, IDENT),
                (munin::matches, MUNIN),
                (syslog::tcp, SYSLOG_TCP),
                (whois::matches, WHOIS),
            ],
            Transport::Udp => &[
                (dhcp::matches, DHCP),
                (ssdp::matches, SSDP),
                (mdns::matches, MDNS),
                (netbios::udp, NETBIOS_UDP),
                (snmp::matches, SNMP),
                (ntp::on_port, NTP),
                (ntp::exchange, NTP_EXCHANGE),
                (dhcpv6::matches, DHCPV6),
                (llmnr::matches, LLMNR),
                (radius::matches, RADIUS),
                (kerberos::udp, KERBEROS),
                (syslog::matches, SYSLOG),
                (netflow::matches, NETFLOW),
                (sflow::matches, SFLOW),
                (pyzor::matches, PYZOR),
                (ganglia::matches, GANGLIA),
            ],
        };
        first_match(flow, rules)
    }
}

flowsieve_sdk::export_rule!(Names);

/// The first datagram of each direction that carried one: either side may
/// hold it (a one-way flow's only sender may be taken for the server).
/// Each is the prefix the host passed (at most `classifiers.prefix_bytes`)
/// and the datagram's real length, which length fields are checked against.
fn datagrams(flow: &FlowView) -> impl Iterator<Item = (&[u8], usize)> {
    [&flow.client, &flow.server]
        .into_iter()
        .filter(|side| !side.prefix.is_empty())
        .map(|side| {
            let len = (side.first_payload_len as usize).max(side.prefix.len());
            (side.prefix.as_slice(), len)
        })
}

/// True if the flow carried a datagram and every one satisfies `pred`.
pub(crate) fn all_datagrams(flow: &FlowView, pred: impl Fn(&[u8], usize) -> bool) -> bool {
    let mut any = false;
    for (p, len) in datagrams(flow) {
        if !pred(p, len) {
            return false;
        }
        any = true;
    }
    any
}

/// Test helper: `rule` names `flow`, and so does the whole pack as the
/// host calls it (leads and ports checked) with `index`.
#[cfg(test)]
pub(crate) fn check(rule: fn(&FlowView) -> bool, flow: &FlowView, index: u32) {
    assert!(rule(flow));
    assert_eq!(
        flowsieve_sdk::testing::verdict::<Names>(flow),
        Outcome::Matched(index)
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::{tcp, udp};

    #[test]
    fn manifest_is_consistent() {
        let m = Names::manifest();
        assert_eq!(m.name, "names");
        assert_eq!(m.rules[MDNS as usize].ports, vec![5353]);
        assert_eq!(m.rules[NETBIOS as usize].transport, Transport::Tcp);
    }

    #[test]
    fn noise_matches_nothing() {
        let noise: Vec<u8> = (0u32..64)
            .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
            .collect();
        assert_eq!(
            flowsieve_sdk::testing::verdict::<Names>(&udp(40000, 123, &noise, &noise)),
            Outcome::NoMatch
        );
        assert_eq!(
            flowsieve_sdk::testing::verdict::<Names>(&tcp(40000, 139, &noise, b"")),
            Outcome::NoMatch
        );
    }

    #[test]
    fn arbitrary_prefixes_never_panic() {
        let seeds: [&[u8]; 23] = [
            b"\x00\x00\x00\x80\x00\x00\x00\x02vm\x00\x00",
            b"Op: check\nThread: 1\nPV: 2.1\n",
            b"41660 , 16668\r\n",
            b"ZBXD\x01",
            b"113 <13>1 ",
            &[0, 0, 0, 5, 0, 0, 0, 1, 0x7f, 0, 0, 1],
            &[1, 0xd8, 0xe4, 0xfe, 0, 1, 0, 0x0e],
            b"M\xa0\x00 \x00\x01\x00\x00\x00\x00\x00\x00\x09",
            b"<133>1 ",
            &[1, 0x60, 0, 0x2b],
            &[0x6a, 0x81, 0xb8, 0x30, 0x81, 0xb5, 0xa1, 3, 2, 1, 5, 0xa2],
            &[0, 0, 0, 0xbb, 0x6a, 0x81, 0xb8, 0x30],
            &[0x30, 0x2f, 2, 1, 1, 0x60],
            &[0xff; 18],
            &[0, 10, 2, 0x18],
            b"",
            &[0x23],
            &[0x30, 0x29, 2, 1, 0, 4, 6],
            &[1, 1, 6, 0],
            b"M-SEARCH * HTTP/1.1\r\n",
            &[0xa7, 0x49, 1, 0x10, 0, 1, 0, 0, 0, 0, 0, 0, 0x20],
            &[0x81, 0, 0, 0x44, 0x20],
            &[0x11, 0x0a],
        ];
        flowsieve_sdk::testing::fuzz_pack::<Names>(&seeds);
    }
}
