//! flowsieve's built-in `remote` pack: remote-access protocols, each written
//! from its own specification (see the module of each rule). Names and
//! categories are libprotoident's (X11 and Rlogin follow its style). CORBA's
//! GIOP is here as libprotoident files it. SSH is
//! in `core`.

use flowsieve_sdk::prelude::*;

mod giop;
mod rdp;
mod rfb;
mod rlogin;
mod telnet;
mod x11;

pub const RDP: u32 = 0;
pub const TELNET: u32 = 1;
pub const RFB: u32 = 2;
pub const X11: u32 = 3;
pub const RLOGIN: u32 = 4;
pub const GIOP: u32 = 5;

pub struct Remote;

impl Rule for Remote {
    fn manifest() -> Manifest {
        ManifestBuilder::new("remote", env!("CARGO_PKG_VERSION"))
            .tcp(RDP, "RDP", "Remote_Access", 2)
            // TPKT version 3, then an X.224 Connection Request.
            .leads([client(&[3, 0, 0, 0, 0, 0xe0]).masked(&[0xff, 0xff, 0, 0, 0, 0xf0])])
            .tcp(TELNET, "Telnet", "Remote_Access", 5)
            .leads(telnet::leads())
            .tcp(RFB, "RFB", "Remote_Access", 2)
            .leads(rfb::leads())
            .tcp(X11, "X11", "Remote_Access", 2)
            .leads(x11::leads())
            .tcp(RLOGIN, "Rlogin", "Remote_Access", 10)
            .leads(rlogin::leads())
            .tcp(GIOP, "GIOP", "Remote_Access", 2)
            .leads(giop::leads())
            .build()
    }

    fn classify(flow: &FlowView) -> Outcome {
        if flow.transport != Transport::Tcp {
            return Outcome::NoMatch;
        }
        let rules: &[Check] = &[
            (rdp::matches, RDP),
            (rfb::matches, RFB),
            (x11::matches, X11),
            (telnet::matches, TELNET),
            (rlogin::matches, RLOGIN),
            (giop::matches, GIOP),
        ];
        first_match(flow, rules)
    }
}

flowsieve_sdk::export_rule!(Remote);

/// Test helper: `rule` names `flow`, and so does the whole pack as the
/// host calls it (leads and ports checked) with `index`.
#[cfg(test)]
pub(crate) fn check(rule: fn(&FlowView) -> bool, flow: &FlowView, index: u32) {
    assert!(rule(flow));
    assert_eq!(
        flowsieve_sdk::testing::verdict::<Remote>(flow),
        Outcome::Matched(index)
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::{tcp, udp};

    #[test]
    fn manifest_is_consistent() {
        let m = Remote::manifest();
        assert_eq!(m.name, "remote");
        assert_eq!(m.rules[RDP as usize].protocol, "RDP");
        assert!(m.rules.iter().all(|r| !r.leads.is_empty()));
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
        let seeds: [&[u8]; 9] = [
            b"GIOP\x01\x00\x01\x00",
            b"",
            &[3, 0, 0, 0x13, 0x0e, 0xe0],
            &[3, 0],
            &[0xff, 0xfb, 0x25, 0xff, 0xfa],
            b"RFB 003.008\n",
            b"l\x00\x0b\x00\x00\x00",
            b"B\x00\x00\x0b\x00\x00",
            b"\x00root\x00",
        ];
        flowsieve_sdk::testing::fuzz_pack::<Remote>(&seeds);
    }
}
