//! flowsieve's built-in `voip` pack: VoIP signalling and NAT traversal, each
//! written from its own specification (see the module of each rule). Names
//! and categories are libprotoident's.

use flowsieve_sdk::prelude::*;

mod sip;
mod stun;

pub const SIP_UDP: u32 = 0;
pub const STUN: u32 = 1;
pub const STUN_TCP: u32 = 2;

pub struct Voip;

impl Rule for Voip {
    fn manifest() -> Manifest {
        ManifestBuilder::new("voip", env!("CARGO_PKG_VERSION"))
            .udp(SIP_UDP, "SIP_UDP", "VOIP", 2)
            .leads(sip::leads())
            .udp(STUN, "STUN", "NAT_Traversal", 5)
            .leads([stun::lead(0)])
            .tcp(STUN_TCP, "STUN_TCP", "NAT_Traversal", 5)
            // Bare, or behind RFC 4571 framing.
            .leads([stun::lead(0), stun::lead(2)])
            .build()
    }

    fn classify(flow: &FlowView) -> Outcome {
        match flow.transport {
            Transport::Udp if sip::matches(flow) => Outcome::Matched(SIP_UDP),
            Transport::Udp if stun::matches_udp(flow) => Outcome::Matched(STUN),
            Transport::Tcp if stun::matches_tcp(flow) => Outcome::Matched(STUN_TCP),
            _ => Outcome::NoMatch,
        }
    }
}

flowsieve_sdk::export_rule!(Voip);

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::{tcp, udp};

    #[test]
    fn manifest_is_consistent() {
        let m = Voip::manifest();
        assert_eq!(m.name, "voip");
        assert_eq!(m.rules[STUN_TCP as usize].transport, Transport::Tcp);
    }

    #[test]
    fn dispatches_by_transport() {
        let (req, resp) = (stun::tests::REQUEST, stun::tests::RESPONSE);
        assert_eq!(
            flowsieve_sdk::testing::verdict::<Voip>(&udp(43016, 3478, req, resp)),
            Outcome::Matched(STUN)
        );
        assert_eq!(
            flowsieve_sdk::testing::verdict::<Voip>(&tcp(43016, 3478, req, resp)),
            Outcome::Matched(STUN_TCP)
        );
        let noise: Vec<u8> = (0u32..64)
            .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
            .collect();
        assert_eq!(
            flowsieve_sdk::testing::verdict::<Voip>(&udp(40000, 5060, &noise, &noise)),
            Outcome::NoMatch
        );
    }

    #[test]
    fn arbitrary_prefixes_never_panic() {
        let seeds: [&[u8]; 5] = [
            b"",
            b"REGISTER ",
            b"SIP/2.0 ",
            &[0, 1, 0, 0, 0x21, 0x12, 0xa4, 0x42],
            &[0, 0x68, 0, 1, 0, 0x54, 0x21, 0x12, 0xa4, 0x42],
        ];
        flowsieve_sdk::testing::fuzz_pack::<Voip>(&seeds);
    }
}
