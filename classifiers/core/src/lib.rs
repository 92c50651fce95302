//! flowsieve's built-in `core` pack: the protocols that carry most traffic,
//! each written from its own specification (see the module of each rule).
//! Names and categories are libprotoident's.

use flowsieve_sdk::prelude::*;

mod dns;
mod http;
mod smtp;
mod ssh;
mod tls;

pub const HTTP: u32 = 0;
pub const HTTPS: u32 = 1;
pub const SSL_TLS: u32 = 2;
pub const SSH: u32 = 3;
pub const DNS: u32 = 4;
pub const DNS_TCP: u32 = 5;
pub const SMTP: u32 = 6;

pub(crate) use flowsieve_sdk::dispatch::Verdict;

pub struct Core;

impl Rule for Core {
    fn manifest() -> Manifest {
        ManifestBuilder::new("core", env!("CARGO_PKG_VERSION"))
            // libprotoident's priorities for the same protocols.
            .tcp(HTTP, "HTTP", "Web", 2)
            .leads(http::leads())
            .tcp(HTTPS, "HTTPS", "Web", 2)
            .leads(tls::leads())
            .tcp(SSL_TLS, "SSL/TLS", "Encryption", 100)
            .leads(tls::leads())
            .tcp(SSH, "SSH", "Remote_Access", 2)
            .leads([either(b"SSH-")])
            .udp(DNS, "DNS", "Services", 10)
            .leads([dns::query_lead(0), dns::response_lead(0)])
            .tcp(DNS_TCP, "DNS_TCP", "Services", 6)
            .leads([dns::query_lead(2)])
            .tcp(SMTP, "SMTP", "Mail", 2)
            .leads([server(b"220")])
            .build()
    }

    fn classify(flow: &FlowView) -> Outcome {
        let rules: &[Judge] = match flow.transport {
            Transport::Tcp => &[
                http::classify,
                tls::classify,
                ssh::classify,
                smtp::classify,
                dns::classify_tcp,
            ],
            Transport::Udp => &[dns::classify_udp],
        };
        first_verdict(flow, rules)
    }
}

flowsieve_sdk::export_rule!(Core);

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::{tcp, udp};

    #[test]
    fn manifest_is_consistent() {
        let m = Core::manifest();
        assert_eq!(m.name, "core");
        assert_eq!(m.rules[SMTP as usize].protocol, "SMTP");
        assert_eq!(m.rules[DNS as usize].transport, Transport::Udp);
    }

    #[test]
    fn random_bytes_match_nothing() {
        let noise: Vec<u8> = (0u32..64)
            .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
            .collect();
        assert_eq!(
            flowsieve_sdk::testing::verdict::<Core>(&tcp(40000, 9999, &noise, &noise)),
            Outcome::NoMatch
        );
        assert_eq!(
            flowsieve_sdk::testing::verdict::<Core>(&udp(40000, 9999, &noise, &noise)),
            Outcome::NoMatch
        );
    }

    /// Guest input is whatever the network sent: no prefix may panic a rule
    /// (a panic is a trap, counted against the pack).
    #[test]
    fn arbitrary_prefixes_never_panic() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        // Seeds that reach deep into the rules' parsers.
        let seeds: [&[u8]; 6] = [
            b"",
            b"GET ",
            b"SSH-2",
            b"220 ",
            &[0x16, 3, 1],
            &[0, 30, 0xbe, 0xef],
        ];
        for i in 0..20_000 {
            let mut bufs = [Vec::new(), Vec::new()];
            for buf in &mut bufs {
                buf.extend_from_slice(seeds[(next() % 6) as usize]);
                let extra = (next() % 40) as usize;
                buf.extend((0..extra).map(|_| next() as u8));
            }
            let mut flow = if i % 2 == 0 {
                tcp(40000, (next() % 1024) as u16, &bufs[0], &bufs[1])
            } else {
                udp(40000, 53, &bufs[0], &bufs[1])
            };
            flow.client.first_payload_len = (next() % 80) as u32;
            let _ = flowsieve_sdk::testing::verdict::<Core>(&flow);
        }
    }

    #[test]
    fn dispatches_by_transport() {
        let get = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n";
        assert_eq!(
            flowsieve_sdk::testing::verdict::<Core>(&tcp(40000, 80, get, b"")),
            Outcome::Matched(HTTP)
        );
        assert_eq!(
            flowsieve_sdk::testing::verdict::<Core>(&udp(40000, 80, get, b"")),
            Outcome::NoMatch
        );
    }
}
