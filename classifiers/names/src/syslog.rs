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
            .all(|&b| (0x20..0x7f).contains(&b) || matches!(b, b'\t' | b'\r' | b'\n') || b >= 0x80)
        && (body.starts_with(b"1 ")
            || MONTHS.iter().any(|m| body.starts_with(m))
            || body[0].is_ascii_alphanumeric())
}

pub(crate) fn matches(flow: &FlowView) -> bool {
    message(&flow.client.prefix) && flow.server.prefix.is_empty()
}

/// Syslog over TCP (RFC 6587 §3.4): octet-counting framing (`MSG-LEN SP
/// SYSLOG-MSG`, the length a non-zero decimal) or non-transparent framing
/// (messages one after the other, each starting with `<PRI>`).
pub(crate) fn tcp_leads() -> Vec<Lead> {
    let mut v: Vec<Lead> = (b'1'..=b'9').map(|d| client(&[d])).collect();
    v.push(client(b"<"));
    v
}

pub(crate) fn tcp(flow: &FlowView) -> bool {
    let p = &flow.client.prefix;
    let digits = p.iter().take(6).take_while(|b| b.is_ascii_digit()).count();
    let framed = if (1..=5).contains(&digits) && p[0] != b'0' && p.get(digits) == Some(&b' ') {
        let len: usize = p[..digits]
            .iter()
            .fold(0, |n, d| n * 10 + usize::from(d - b'0'));
        len >= 6 && message(&p[digits + 1..])
    } else {
        message(p)
    };
    framed && flow.server.prefix.is_empty()
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
        // The benchmark's shell-written message (corpus/bench/make.sh, udp/514),
        // ended by a newline.
        crate::check(
            matches,
            &udp(40000, 514, b"<13>bench syslog 1\n", b""),
            crate::SYSLOG,
        );
    }

    // tests/data/recorded/syslog-tcp.pcap (tests/tools/record/misc.sh):
    // logger over TCP with octet counting (127.0.0.1:48948) and without
    // (127.0.0.1:48954), to :10601.
    const OCTET_COUNTED: &[u8] = b"113 <133>1 2026-11-28T00:34:41.388763+00:00 vm flowsieve - - [timeQuality tzKnown=\"1\" isSynced=\"0\"] rule packs loaded";
    const NON_TRANSPARENT: &[u8] = b"<36>Nov 28 00:34:41 vm flowsieve: login failed for bob\n";

    #[test]
    fn over_tcp() {
        use flowsieve_sdk::testing::tcp as tcp_flow;
        crate::check(
            tcp,
            &tcp_flow(48948, 10601, OCTET_COUNTED, b""),
            crate::SYSLOG_TCP,
        );
        crate::check(
            tcp,
            &tcp_flow(48954, 601, NON_TRANSPARENT, b""),
            crate::SYSLOG_TCP,
        );
        // An answer back, or a count without a message, is not syslog.
        assert!(!tcp(&tcp_flow(48954, 601, NON_TRANSPARENT, b"+OK\r\n")));
        assert!(!tcp(&tcp_flow(48954, 601, b"113 hello world", b"")));
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
