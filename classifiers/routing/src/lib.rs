//! flowsieve's built-in `routing` pack: routing infrastructure protocols
//! (BFD), each written from its own specification (see the module of each
//! rule), names in libprotoident's style. BGP and flow export (NetFlow,
//! sFlow) are in the `names` pack.

use flowsieve_sdk::prelude::*;

mod bfd;

pub const BFD: u32 = 0;

pub struct Routing;

impl Rule for Routing {
    fn manifest() -> Manifest {
        ManifestBuilder::new("routing", env!("CARGO_PKG_VERSION"))
            .udp(BFD, "BFD", "Services", 5)
            .leads([bfd::lead()])
            .build()
    }

    fn classify(flow: &FlowView) -> Outcome {
        match flow.transport {
            Transport::Udp if bfd::matches(flow) => Outcome::Matched(BFD),
            _ => Outcome::NoMatch,
        }
    }
}

/// Test helper: whether the host would offer `flow` to this pack for `rule`.
#[cfg(test)]
pub(crate) fn offered(rule: u32, flow: &FlowView) -> bool {
    flowsieve_sdk::testing::offered::<Routing>(rule, flow)
}

flowsieve_sdk::export_rule!(Routing);

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::{fuzz_pack, tcp, udp, verdict};

    // bfd.pcap: BIRD 127.0.0.2:35182 -> BIRD 127.0.0.1:4784, its first control packet.
    const DOWN: &[u8] = b"\x20\x40\x05\x18\x89\xa3\xce\x91\x00\x00\x00\x00\x00\x0f\x42\x40\x00\x03\x0d\x40\x00\x00\x00\x00";

    #[test]
    fn manifest_is_consistent() {
        let m = Routing::manifest();
        assert_eq!(m.name, "routing");
        assert_eq!(m.rules[BFD as usize].protocol, "BFD");
    }

    #[test]
    fn dispatches_by_transport() {
        assert_eq!(
            verdict::<Routing>(&udp(35182, 4784, DOWN, b"")),
            Outcome::Matched(BFD)
        );
        assert_eq!(
            verdict::<Routing>(&tcp(35182, 4784, DOWN, b"")),
            Outcome::NoMatch
        );
    }

    #[test]
    fn arbitrary_prefixes_never_panic() {
        let seeds: [&[u8]; 3] = [b"", &[0x20, 0x40, 5, 0x18], &[0x20, 0xc0, 3, 0x18]];
        fuzz_pack::<Routing>(&seeds);
    }
}
