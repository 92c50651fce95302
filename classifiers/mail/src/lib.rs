//! flowsieve's built-in `mail` pack: POP3 and IMAP in clear, and POP3, IMAP
//! and SMTP submission on their implicit-TLS ports. Each rule cites its specification in its module doc.
//! Names and categories are libprotoident's. SMTP is in `core`.

use flowsieve_sdk::prelude::*;

mod imap;
mod pop3;
mod tls;

pub const POP3: u32 = 0;
pub const IMAP: u32 = 1;
pub const POP3S: u32 = 2;
pub const IMAPS: u32 = 3;
pub const SMTP_SECURE: u32 = 4;

pub(crate) use flowsieve_sdk::dispatch::Verdict;

/// A TLS record header (content types 20–23) from either side.
fn tls_leads() -> [Lead; 1] {
    [either(&[0x14, 3]).masked(&[0xfc, 0xff])]
}

pub struct Mail;

impl Rule for Mail {
    fn manifest() -> Manifest {
        ManifestBuilder::new("mail", env!("CARGO_PKG_VERSION"))
            .tcp(POP3, "POP3", "Mail", 2)
            .leads([server(b"+OK")])
            .tcp(IMAP, "IMAP", "Mail", 2)
            .leads([server(b"* ")])
            // TLS on the implicit-TLS ports (or with the service's ALPN id):
            // below core's SSL/TLS (100), so they win there.
            .tcp(POP3S, "POP3S", "Mail", 3)
            .leads(tls_leads())
            .tcp(IMAPS, "IMAPS", "Mail", 3)
            .leads(tls_leads())
            .tcp(SMTP_SECURE, "SMTP_Secure", "Mail", 3)
            .leads(tls_leads())
            .build()
    }

    fn classify(flow: &FlowView) -> Outcome {
        if flow.transport != Transport::Tcp {
            return Outcome::NoMatch;
        }
        first_verdict(flow, &[pop3::classify, imap::classify, tls::classify])
    }
}

flowsieve_sdk::export_rule!(Mail);

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::{tcp, udp};

    #[test]
    fn manifest_is_consistent() {
        let m = Mail::manifest();
        assert_eq!(m.name, "mail");
        assert_eq!(m.rules[IMAPS as usize].protocol, "IMAPS");
        assert_eq!(m.rules[POP3 as usize].protocol, "POP3");
    }

    #[test]
    fn udp_and_noise_match_nothing() {
        let greeting = b"+OK POP3 server ready\r\n";
        assert_eq!(
            flowsieve_sdk::testing::verdict::<Mail>(&udp(40000, 110, b"", greeting)),
            Outcome::NoMatch
        );
        assert_eq!(
            flowsieve_sdk::testing::verdict::<Mail>(&tcp(40000, 110, b"", greeting)),
            Outcome::Matched(POP3)
        );
        let noise: Vec<u8> = (0u32..64)
            .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
            .collect();
        assert_eq!(
            flowsieve_sdk::testing::verdict::<Mail>(&tcp(40000, 993, &noise, &noise)),
            Outcome::NoMatch
        );
    }

    #[test]
    fn arbitrary_prefixes_never_panic() {
        let seeds: [&[u8]; 5] = [b"", b"+OK", b"* OK ", b"a1 ", &[0x16, 3, 1, 0, 9, 1]];
        flowsieve_sdk::testing::fuzz_pack::<Mail>(&seeds);
    }
}
