//! flowsieve's built-in `vpn` pack: VPNs and tunnels, each written from its
//! own specification (see the module of each rule). Names and categories are
//! libprotoident's.

use flowsieve_sdk::prelude::*;

mod fastd;
mod isakmp;
mod l2tp;
mod n2n;
mod nebula;
mod openvpn;
mod pptp;
mod tinc;
mod vtun;
mod wireguard;
mod yggdrasil;

pub const WIREGUARD: u32 = 0;
pub const OPENVPN_UDP: u32 = 1;
pub const OPENVPN: u32 = 2;
pub const ISAKMP: u32 = 3;
pub const L2TP: u32 = 4;
pub const PPTP: u32 = 5;
pub const TINC: u32 = 6;
pub const VTUN: u32 = 7;
pub const NEBULA: u32 = 8;
pub const YGGDRASIL: u32 = 9;
pub const FASTD: u32 = 10;
pub const N2N: u32 = 11;

/// A rule's matcher and the index it names.
type Matcher = Check;

pub struct Vpn;

impl Rule for Vpn {
    fn manifest() -> Manifest {
        ManifestBuilder::new("vpn", env!("CARGO_PKG_VERSION"))
            .udp(WIREGUARD, "WireGuard", "Tunnelling", 5)
            // Message type 1 (initiation), 2 (response) or 4 (data), three reserved zeros.
            .leads([1, 2, 4].map(|kind| either(&[kind, 0, 0, 0])))
            .udp(OPENVPN_UDP, "OpenVPN_UDP", "Tunnelling", 5)
            .leads(openvpn::leads(0))
            // Behind the 2-byte packet length.
            .tcp(OPENVPN, "OpenVPN", "Tunnelling", 5)
            .leads(openvpn::leads(2))
            .udp(ISAKMP, "ISAKMP", "Key_Exchange", 5)
            .leads(isakmp::leads())
            .udp(L2TP, "L2TP", "Tunnelling", 5)
            .leads([l2tp::lead()])
            .tcp(PPTP, "PPTP", "Tunnelling", 2)
            .leads([pptp::lead()])
            .tcp(TINC, "Tinc", "Tunnelling", 5)
            .leads([tinc::lead()])
            .tcp(VTUN, "VTun", "Tunnelling", 5)
            .leads(vtun::leads())
            .udp(NEBULA, "Nebula", "Tunnelling", 5)
            .leads([nebula::lead()])
            .tcp(YGGDRASIL, "Yggdrasil", "Tunnelling", 5)
            .leads([yggdrasil::lead()])
            .udp(FASTD, "fastd", "Tunnelling", 5)
            .leads([fastd::lead()])
            .udp(N2N, "N2N", "Tunnelling", 5)
            .leads([n2n::lead()])
            .build()
    }

    fn classify(flow: &FlowView) -> Outcome {
        let rules: &[Matcher] = match flow.transport {
            Transport::Udp => &[
                (wireguard::matches, WIREGUARD),
                (openvpn::matches_udp, OPENVPN_UDP),
                (isakmp::matches, ISAKMP),
                (l2tp::matches, L2TP),
                (nebula::matches, NEBULA),
                (fastd::matches, FASTD),
                (n2n::matches, N2N),
            ],
            Transport::Tcp => &[
                (openvpn::matches_tcp, OPENVPN),
                (pptp::matches, PPTP),
                (tinc::matches, TINC),
                (vtun::matches, VTUN),
                (yggdrasil::matches, YGGDRASIL),
            ],
        };
        first_match(flow, rules)
    }
}

/// Test helper: whether the host would offer `flow` to this pack for `rule`.
#[cfg(test)]
pub(crate) fn offered(rule: u32, flow: &FlowView) -> bool {
    flowsieve_sdk::testing::offered::<Vpn>(rule, flow)
}

flowsieve_sdk::export_rule!(Vpn);

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::{fuzz_pack, tcp, udp, verdict};

    #[test]
    fn manifest_is_consistent() {
        let m = Vpn::manifest();
        assert_eq!(m.name, "vpn");
        assert_eq!(m.rules[WIREGUARD as usize].protocol, "WireGuard");
        assert_eq!(m.rules[PPTP as usize].transport, Transport::Tcp);
    }

    #[test]
    fn dispatches_by_transport() {
        let (init, resp) = (wireguard::tests::initiation(), wireguard::tests::response());
        assert_eq!(
            verdict::<Vpn>(&udp(43462, 51820, &init, &resp)),
            Outcome::Matched(WIREGUARD)
        );
        assert_eq!(
            verdict::<Vpn>(&tcp(43462, 51820, &init, &resp)),
            Outcome::NoMatch
        );
        let (c, s) = (openvpn::tests::CLIENT, openvpn::tests::SERVER);
        assert_eq!(
            verdict::<Vpn>(&udp(51146, 1194, c, s)),
            Outcome::Matched(OPENVPN_UDP)
        );
        let framed = |p: &[u8]| [&(p.len() as u16).to_be_bytes()[..], p].concat();
        assert_eq!(
            verdict::<Vpn>(&tcp(51146, 1194, &framed(c), &framed(s))),
            Outcome::Matched(OPENVPN)
        );
        let mut init = isakmp::tests::SA_INIT.to_vec();
        init.resize(296, 0);
        assert_eq!(
            verdict::<Vpn>(&udp(5501, 500, &init, b"")),
            Outcome::Matched(ISAKMP)
        );
    }

    #[test]
    fn arbitrary_prefixes_never_panic() {
        let seeds: [&[u8]; 22] = [
            &[4, 1],
            b"0 a 17\n",
            b"VTUN server ver ",
            b"HOST: ",
            b"meta\x00\x04",
            &[1, 0, 0, 0x94, 0, 0, 1, 0, 1],
            b"\x01\x01\x00\x00flowsieve\x00",
            &[0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
            &[5, 1, 0],
            &[5, 2, 0, 2, 5, 1, 0, 3],
            b"",
            &[1, 0, 0, 0],
            &[2, 0, 0, 0],
            &[4, 0, 0, 0],
            &[0x38],
            &[0x40],
            &[0, 0x0e, 0x38],
            &[0, 0x1a, 0x40],
            &[0, 0, 0, 0],
            &[0xc8, 2],
            &[0, 0x9c, 0, 1, 0x1a, 0x2b, 0x3c, 0x4d],
            isakmp::tests::SA_INIT,
        ];
        fuzz_pack::<Vpn>(&seeds);
    }
}
