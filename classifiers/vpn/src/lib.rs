//! flowsieve's built-in `vpn` pack: VPNs and tunnels, each written from its
//! own specification (see the module of each rule). Names and categories are
//! libprotoident's.

use flowsieve_sdk::prelude::*;

mod wireguard;

pub const WIREGUARD: u32 = 0;

pub struct Vpn;

impl Rule for Vpn {
    fn manifest() -> Manifest {
        ManifestBuilder::new("vpn", env!("CARGO_PKG_VERSION"))
            .udp(WIREGUARD, "WireGuard", "Tunnelling", 5)
            // Message type 1 (initiation), 2 (response) or 4 (data), three reserved zeros.
            .leads([1, 2, 4].map(|kind| either(&[kind, 0, 0, 0])))
            .build()
    }

    fn classify(flow: &FlowView) -> Outcome {
        if flow.transport == Transport::Udp && wireguard::matches(flow) {
            Outcome::Matched(WIREGUARD)
        } else {
            Outcome::NoMatch
        }
    }
}

flowsieve_sdk::export_rule!(Vpn);

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::{tcp, udp};

    #[test]
    fn manifest_is_consistent() {
        let m = Vpn::manifest();
        assert_eq!(m.name, "vpn");
        assert_eq!(m.rules[WIREGUARD as usize].protocol, "WireGuard");
    }

    #[test]
    fn dispatches_by_transport() {
        let (init, resp) = (wireguard::tests::initiation(), wireguard::tests::response());
        assert_eq!(
            flowsieve_sdk::testing::verdict::<Vpn>(&udp(43462, 51820, &init, &resp)),
            Outcome::Matched(WIREGUARD)
        );
        assert_eq!(
            flowsieve_sdk::testing::verdict::<Vpn>(&tcp(43462, 51820, &init, &resp)),
            Outcome::NoMatch
        );
    }

    #[test]
    fn arbitrary_prefixes_never_panic() {
        let seeds: [&[u8]; 4] = [b"", &[1, 0, 0, 0], &[2, 0, 0, 0], &[4, 0, 0, 0]];
        flowsieve_sdk::testing::fuzz_pack::<Vpn>(&seeds);
    }
}
