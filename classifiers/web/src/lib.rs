//! flowsieve's built-in `web` pack: QUIC, HTTP/2 with prior knowledge, and
//! the proxies and streams that carry web traffic (HTTP CONNECT tunnels,
//! SOCKS, RTMP), each written from its own specification (see the module
//! of each rule). Names and categories are libprotoident's where it has
//! the protocol; HTTP/1.x and TLS are in `core`.

use flowsieve_sdk::prelude::*;

mod http2;
mod quic;
mod rtmp;
mod socks;
mod tunnel;

pub const QUIC: u32 = 0;
pub const QUIC_MIDFLOW: u32 = 1;
pub const HTTP2: u32 = 2;
pub const HTTP_TUNNEL: u32 = 3;
pub const SOCKS4: u32 = 4;
pub const SOCKS5: u32 = 5;
pub const RTMP: u32 = 6;

pub(crate) use flowsieve_sdk::dispatch::Verdict;

pub struct Web;

impl Rule for Web {
    fn manifest() -> Manifest {
        ManifestBuilder::new("web", env!("CARGO_PKG_VERSION"))
            .udp(QUIC, "QUIC", "Web", 3)
            .leads(quic::leads())
            // Short headers carry no version: a port-443 guess, weak
            // (libprotoident's 200+), needing a payload shape both ways
            // that the host cannot express as a lead.
            .rule(QUIC_MIDFLOW, "QUIC", "Web", Transport::Udp, 250, &[443])
            .tcp(HTTP2, "HTTP2", "Web", 2)
            .leads(http2::leads())
            .tcp(HTTP_TUNNEL, "HTTP_Tunnel", "Tunnelling", 1)
            .leads(tunnel::leads())
            .tcp(SOCKS4, "SOCKS4", "Tunnelling", 5)
            .leads(socks::socks4_leads())
            .tcp(SOCKS5, "SOCKS5", "Tunnelling", 5)
            .leads(socks::socks5_leads())
            .tcp(RTMP, "RTMP", "Streaming", 10)
            .leads(rtmp::leads())
            .build()
    }

    fn classify(flow: &FlowView) -> Outcome {
        let rules: &[Judge] = match flow.transport {
            Transport::Tcp => &[
                tunnel::classify,
                http2::classify,
                socks::classify4,
                socks::classify5,
                rtmp::classify,
            ],
            Transport::Udp => &[quic::classify, quic::mid_flow],
        };
        first_verdict(flow, rules)
    }
}

flowsieve_sdk::export_rule!(Web);

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::{tcp, udp, verdict};

    #[test]
    fn manifest_is_consistent() {
        let m = Web::manifest();
        assert_eq!(m.name, "web");
        assert_eq!(m.rules[QUIC_MIDFLOW as usize].ports, vec![443]);
        assert_eq!(m.rules[HTTP_TUNNEL as usize].priority, 1);
        assert_eq!(m.rules.iter().filter(|r| r.leads.is_empty()).count(), 1);
    }

    #[test]
    fn noise_and_plain_http_match_nothing() {
        let noise: Vec<u8> = (0u32..64)
            .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
            .collect();
        assert_eq!(
            verdict::<Web>(&tcp(40000, 1080, &noise, &noise)),
            Outcome::NoMatch
        );
        assert_eq!(
            verdict::<Web>(&udp(40000, 4433, &noise, &noise)),
            Outcome::NoMatch
        );
        let get = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n";
        assert_eq!(
            verdict::<Web>(&tcp(40000, 80, get, b"HTTP/1.1 200 OK\r\n")),
            Outcome::NoMatch
        );
    }

    #[test]
    fn arbitrary_prefixes_never_panic() {
        let seeds: [&[u8]; 10] = [
            b"",
            b"\xc2\xff\x00\x00\x1d\x12",
            b"\xd6k3C\xcf\x08",
            b"\x09\xfa\xde\xb0\xe5W\xe6\x92\xa0Q033",
            b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
            b"CONNECT a:1 HTTP/1.1\r\n",
            b"\x04\x01F\xa0\x00\x00\x00\x01\x00",
            b"\x05\x02\x00\x01",
            b"\x03\x00\x00\x00\x00",
            b"\x0c\xa36",
        ];
        flowsieve_sdk::testing::fuzz_pack::<Web>(&seeds);
    }
}
