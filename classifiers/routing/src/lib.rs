//! flowsieve's built-in `routing` pack: routing and network infrastructure
//! protocols (BGP, BFD, flow export), each written from its own
//! specification (see the module of each rule). Names are libprotoident's
//! where it has one (NetFlow); the others follow its style.

use flowsieve_sdk::prelude::*;

mod bfd;
mod bgp;
mod netflow;

pub const BGP: u32 = 0;
pub const BFD: u32 = 1;
pub const NETFLOW: u32 = 2;

pub struct Routing;

impl Rule for Routing {
    fn manifest() -> Manifest {
        ManifestBuilder::new("routing", env!("CARGO_PKG_VERSION"))
            .tcp(BGP, "BGP", "Services", 2)
            .leads([bgp::lead()])
            .udp(BFD, "BFD", "Services", 5)
            .leads([bfd::lead()])
            .udp(NETFLOW, "NetFlow", "Measurement", 5)
            .leads(netflow::leads())
            .build()
    }

    fn classify(flow: &FlowView) -> Outcome {
        match flow.transport {
            Transport::Tcp if bgp::matches(flow) => Outcome::Matched(BGP),
            Transport::Udp if bfd::matches(flow) => Outcome::Matched(BFD),
            Transport::Udp if netflow::matches(flow) => Outcome::Matched(NETFLOW),
            _ => Outcome::NoMatch,
        }
    }
}

/// Test helper: whether the host would offer `flow` to this pack for `rule`
/// (transport, ports, leads); every positive case of a rule checks it.
#[cfg(test)]
pub(crate) fn offered(rule: u32, flow: &FlowView) -> bool {
    flowsieve_sdk::leads::host_offers(&Routing::manifest().rules[rule as usize], flow)
}

flowsieve_sdk::export_rule!(Routing);

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::{fuzz_pack, tcp, udp, verdict};

    #[test]
    fn manifest_is_consistent() {
        let m = Routing::manifest();
        assert_eq!(m.name, "routing");
        assert_eq!(m.rules[BGP as usize].protocol, "BGP");
    }

    #[test]
    fn dispatches_by_transport() {
        let k = b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x00\x13\x04";
        assert_eq!(
            verdict::<Routing>(&tcp(18324, 179, k, k)),
            Outcome::Matched(BGP)
        );
        assert_eq!(verdict::<Routing>(&udp(18324, 179, k, k)), Outcome::NoMatch);
    }

    #[test]
    fn arbitrary_prefixes_never_panic() {
        let marker = [0xffu8; 16];
        let open = [&marker[..], b"\x00\x39\x01\x04"].concat();
        let seeds: [&[u8]; 7] = [
            b"",
            &marker,
            &open,
            &[0x20, 0x40, 5, 0x18],
            &[0, 5, 0, 2],
            &[0, 9, 0, 2],
            &[0, 10, 1, 0xc4],
        ];
        fuzz_pack::<Routing>(&seeds);
    }
}
