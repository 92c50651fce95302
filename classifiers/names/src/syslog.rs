//! Syslog over UDP (RFC 5424 §6 message format, RFC 5426 transport, RFC
//! 3164 §4.1 BSD format): a message starts with `<PRI>`, PRI a decimal
//! facility*8+severity of at most 191 written without leading zeros, then
//! either the RFC 5424 version `1 ` or an RFC 3164 timestamp (`Mmm dd
//! hh:mm:ss`) or free text; the header is printable. Collectors do not
//! answer, so the flow is one-way. The port is not needed.

use flowsieve_sdk::prelude::*;

const MONTHS: [&[u8]; 12] = [
    b"Jan ", b"Feb ", b"Mar ", b"Apr ", b"May ", b"Jun ", b"Jul ", b"Aug ", b"Sep ", b"Oct ",
    b"Nov ", b"Dec ",
];

pub(crate) fn leads() -> [Lead; 1] {
    [client(b"<")]
}

fn message(p: &[u8]) -> bool {
    let Some(rest) = p.strip_prefix(b"<") else {
        return false;
    };
    let digits = rest
        .iter()
        .take(4)
        .take_while(|b| b.is_ascii_digit())
        .count();
    if !(1..=3).contains(&digits)
        || rest.get(digits) != Some(&b'>')
        || (digits > 1 && rest[0] == b'0')
    {
        return false;
    }
    let pri: u32 = rest[..digits]
        .iter()
        .fold(0, |n, d| n * 10 + u32::from(d - b'0'));
    let body = &rest[digits + 1..];
    let head = &body[..body.len().min(32)];
    pri <= 191
        && head.len() >= 4
        && head
            .iter()
            .all(|&b| (0x20..0x7f).contains(&b) || b == b'\t' || b >= 0x80)
        && (body.starts_with(b"1 ")
            || MONTHS.iter().any(|m| body.starts_with(m))
            || body[0].is_ascii_alphanumeric())
}

pub(crate) fn matches(flow: &FlowView) -> bool {
    message(&flow.client.prefix) && flow.server.prefix.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::udp;

    // tests/data/recorded/syslog.pcap (tests/tools/record/names.sh syslog):
    // util-linux logger, RFC 5424 (127.0.0.1:56780) and RFC 3164
    // (127.0.0.1:33364) to UDP 10514.
    const RFC5424: &[u8] = b"<133>1 2026-11-28T00:22:03.835968+00:00 vm flowsieve - - [timeQuality tzKnown=\"1\" isSynced=\"0\"] rule packs loaded";
    const RFC3164: &[u8] = b"<36>Nov 28 00:22:03 vm flowsieve: login failed for bob";

    #[test]
    fn both_formats() {
        crate::check(matches, &udp(56780, 10514, RFC5424, b""), crate::SYSLOG);
        crate::check(matches, &udp(33364, 514, RFC3164, b""), crate::SYSLOG);
    }

    #[test]
    fn not_syslog() {
        // PRI above 191, a leading zero, an answer back, and an XML
        // datagram (SSDP-like, ssdp in netflix.pcap starts with a method).
        assert!(!matches(&udp(
            33364,
            514,
            b"<192>Nov 28 00:22:03 vm x",
            b""
        )));
        assert!(!matches(&udp(
            33364,
            514,
            b"<036>Nov 28 00:22:03 vm x",
            b""
        )));
        assert!(!matches(&udp(33364, 514, RFC3164, b"ok")));
        assert!(!matches(&udp(33364, 514, b"<?xml version=\"1.0\"?>", b"")));
    }
}
