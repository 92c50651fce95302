//! flowsieve's built-in `ics` pack: industrial control protocols, each
//! written from its own specification (see the module of each rule). Names
//! and categories are libprotoident's where it has the protocol (S7COMM,
//! EtherNet/IP, BACnet); the others follow its style in its `ICS` category.

use flowsieve_sdk::prelude::*;

mod ads;
mod bacnet;
mod dnp3;
mod enip;
mod iec104;
mod knxnetip;
mod modbus;
mod opcua;
mod s7comm;

pub const MODBUS: u32 = 0;
pub const S7COMM: u32 = 1;
pub const IEC104: u32 = 2;
pub const ENIP: u32 = 3;
pub const ENIP_UDP: u32 = 4;
pub const BACNET: u32 = 5;
pub const OPC_UA: u32 = 6;
pub const KNXNET_IP: u32 = 7;
pub const DNP3: u32 = 8;
pub const MODBUS_UDP: u32 = 9;
pub const ADS: u32 = 10;

/// A rule's matcher and the index it names.
type Matcher = Check;

pub struct Ics;

impl Rule for Ics {
    fn manifest() -> Manifest {
        ManifestBuilder::new("ics", env!("CARGO_PKG_VERSION"))
            .tcp(MODBUS, "Modbus", "ICS", 10)
            .leads([modbus::lead()])
            // 2, like RDP, whose rule takes any X.224 CR/CC: ties go to
            // the pack loaded first, and `ics` loads before `remote`.
            .tcp(S7COMM, "S7COMM", "ICS", 2)
            .leads([s7comm::lead()])
            .tcp(IEC104, "IEC60870_5_104", "ICS", 10)
            .leads([iec104::lead()])
            .tcp(ENIP, "EtherNet/IP", "ICS", 5)
            .leads(enip::leads())
            .udp(ENIP_UDP, "EtherNet/IP_UDP", "ICS", 5)
            .leads(enip::leads())
            // libprotoident's category for BACnet.
            .udp(BACNET, "BACnet", "Remote_Access", 10)
            .leads([bacnet::lead()])
            .tcp(OPC_UA, "OPC_UA", "ICS", 5)
            .leads(opcua::leads())
            .udp(KNXNET_IP, "KNXnet/IP", "ICS", 10)
            .leads([knxnetip::lead()])
            .tcp(DNP3, "DNP3", "ICS", 5)
            .leads([dnp3::lead()])
            .udp(MODBUS_UDP, "Modbus_UDP", "ICS", 10)
            .leads([modbus::lead()])
            .tcp(ADS, "Beckhoff_ADS", "ICS", 5)
            .leads([ads::lead()])
            .build()
    }

    fn classify(flow: &FlowView) -> Outcome {
        match flow.transport {
            Transport::Tcp => {
                let rules: [Matcher; 7] = [
                    (ads::matches, ADS),
                    (dnp3::matches, DNP3),
                    (s7comm::matches, S7COMM),
                    (enip::matches_tcp, ENIP),
                    (opcua::matches, OPC_UA),
                    (modbus::matches, MODBUS),
                    (iec104::matches, IEC104),
                ];
                first_match(flow, &rules)
            }
            Transport::Udp if enip::matches_udp(flow) => Outcome::Matched(ENIP_UDP),
            Transport::Udp if modbus::matches_udp(flow) => Outcome::Matched(MODBUS_UDP),
            Transport::Udp if bacnet::matches(flow) => Outcome::Matched(BACNET),
            Transport::Udp if knxnetip::matches(flow) => Outcome::Matched(KNXNET_IP),
            Transport::Udp => Outcome::NoMatch,
        }
    }
}

/// Test helper: whether the host would offer `flow` to this pack for `rule`.
#[cfg(test)]
pub(crate) fn offered(rule: u32, flow: &FlowView) -> bool {
    flowsieve_sdk::testing::offered::<Ics>(rule, flow)
}

flowsieve_sdk::export_rule!(Ics);

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::{fuzz_pack, tcp, udp, verdict};

    #[test]
    fn manifest_is_consistent() {
        let m = Ics::manifest();
        assert_eq!(m.name, "ics");
        assert_eq!(m.rules[BACNET as usize].transport, Transport::Udp);
        assert_eq!(m.rules[OPC_UA as usize].protocol, "OPC_UA");
    }

    #[test]
    fn dispatches_by_transport() {
        let (q, r) = (modbus::tests::READ, modbus::tests::REPLY);
        assert_eq!(
            verdict::<Ics>(&tcp(38860, 15020, q, r)),
            Outcome::Matched(MODBUS)
        );
        assert_eq!(
            verdict::<Ics>(&udp(41115, 15020, q, r)),
            Outcome::Matched(MODBUS_UDP)
        );
        let cr = &s7comm::tests::CLIENT[..22];
        assert_eq!(verdict::<Ics>(&tcp(38586, 102, cr, b"")), Outcome::NoMatch);
        assert_eq!(
            verdict::<Ics>(&tcp(38586, 102, s7comm::tests::CLIENT, b"")),
            Outcome::Matched(S7COMM)
        );
    }

    #[test]
    fn arbitrary_prefixes_never_panic() {
        let seeds: [&[u8]; 13] = [
            b"",
            &[0, 1, 0, 0, 0, 6],
            &[3, 0, 0, 0x16, 0x11, 0xe0],
            &[3, 0, 0, 0x16, 0x11, 0xd0],
            &[0x68, 4],
            &[0x68, 0x0e, 0, 0],
            &[0x65, 0, 4, 0],
            &[0x63, 0, 0, 0],
            &[0x81, 0x0a],
            b"HELF",
            &[6, 0x10, 2, 5, 0, 0x1a],
            &[5, 0x64, 5, 0xc0, 0x0a, 0, 1, 0, 0xb1, 0xac],
            &[0, 0, 0x20, 0, 0, 0, 0x7f, 0, 0, 1, 1, 1, 0x53, 3],
        ];
        fuzz_pack::<Ics>(&seeds);
    }
}
