//! flowsieve's built-in `remote` pack: remote-access protocols, each written
//! from its own specification (see the module of each rule). Names and
//! categories are libprotoident's. SSH is in `core`.

use flowsieve_sdk::prelude::*;

mod rdp;

pub const RDP: u32 = 0;

pub struct Remote;

impl Rule for Remote {
    fn manifest() -> Manifest {
        ManifestBuilder::new("remote", env!("CARGO_PKG_VERSION"))
            .tcp(RDP, "RDP", "Remote_Access", 2)
            // TPKT version 3, then an X.224 Connection Request.
            .leads([client(&[3, 0, 0, 0, 0, 0xe0]).masked(&[0xff, 0xff, 0, 0, 0, 0xf0])])
            .build()
    }

    fn classify(flow: &FlowView) -> Outcome {
        if flow.transport == Transport::Tcp && rdp::matches(flow) {
            Outcome::Matched(RDP)
        } else {
            Outcome::NoMatch
        }
    }
}

flowsieve_sdk::export_rule!(Remote);

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::{tcp, udp};

    #[test]
    fn manifest_is_consistent() {
        let m = Remote::manifest();
        assert_eq!(m.name, "remote");
        assert_eq!(m.rules[RDP as usize].protocol, "RDP");
    }

    #[test]
    fn dispatches_by_transport() {
        let cr = rdp::tests::CR;
        assert_eq!(
            flowsieve_sdk::testing::verdict::<Remote>(&tcp(52494, 3389, cr, b"")),
            Outcome::Matched(RDP)
        );
        assert_eq!(
            flowsieve_sdk::testing::verdict::<Remote>(&udp(52494, 3389, cr, b"")),
            Outcome::NoMatch
        );
    }

    #[test]
    fn arbitrary_prefixes_never_panic() {
        let seeds: [&[u8]; 3] = [b"", &[3, 0, 0, 0x13, 0x0e, 0xe0], &[3, 0]];
        flowsieve_sdk::testing::fuzz_pack::<Remote>(&seeds);
    }
}
