//! Pyzor (pyzor documentation, "Protocol"): UDP datagrams of RFC 822-style
//! header lines. The client's request opens with `Op: ` and an operation
//! (`check`, `report`, `whitelist`, `info`, `ping`, `pong`) and carries the
//! protocol version (`PV: `) and a `Thread` number; the server answers with
//! `Code: ` and a three-digit code, and the same Thread. The port is not
//! needed.

use flowsieve_sdk::prelude::*;

const OPS: [&[u8]; 6] = [
    b"check\n",
    b"report\n",
    b"whitelist\n",
    b"info\n",
    b"ping\n",
    b"pong\n",
];

pub(crate) fn leads() -> [Lead; 1] {
    [client(b"Op: ")]
}

/// The value of header `name` (e.g. `b"\nThread: "`) in `p`, up to LF.
fn header<'a>(p: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    let at = p.windows(name.len()).position(|w| w == name)? + name.len();
    let rest = &p[at..];
    let end = rest.iter().position(|&b| b == b'\n')?;
    Some(&rest[..end])
}

pub(crate) fn matches(flow: &FlowView) -> bool {
    let (c, s) = (&flow.client.prefix, &flow.server.prefix);
    let Some(op) = c.strip_prefix(b"Op: ") else {
        return false;
    };
    let thread = header(c, b"\nThread: ");
    let request = OPS.iter().any(|o| op.starts_with(o))
        && header(c, b"\nPV: ").is_some_and(|v| v.first().is_some_and(u8::is_ascii_digit))
        && thread.is_some_and(|t| !t.is_empty() && t.iter().all(u8::is_ascii_digit));
    let answer = s.is_empty()
        || (s
            .strip_prefix(b"Code: ")
            .is_some_and(|r| r.len() >= 3 && r[..3].iter().all(u8::is_ascii_digit))
            && header(s, b"\nThread: ") == thread);
    request && answer
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::udp;

    // tests/data/recorded/pyzor.pcap (tests/tools/record/misc.sh pyzor):
    // the pyzor client reporting to pyzord 1.0, 127.0.0.1:51076 <-> :24441.
    const REPORT: &[u8] = b"Op: report\nOp-Digest: 164156f39cf31aaf2fd580651d707b016211e64f\nOp-Spec: 20,3,60,3\nThread: 50003\nPV: 2.1\nUser: anonymous\nTime: 1795826831\nSig: acd0162fc1ab7c96c0520ced38a2cbe086b72331\n\n";
    const OK: &[u8] = b"Code: 200\nDiag: OK\nPV: 2.1\nThread: 50003\n\n";

    #[test]
    fn report_ok() {
        crate::check(matches, &udp(51076, 24441, REPORT, OK), crate::PYZOR);
        crate::check(matches, &udp(51076, 24441, REPORT, b""), crate::PYZOR);
    }

    #[test]
    fn not_pyzor() {
        // An answer for another thread; a request without PV; Syslog text.
        let other = b"Code: 200\nDiag: OK\nPV: 2.1\nThread: 50004\n\n";
        assert!(!matches(&udp(51076, 24441, REPORT, other)));
        assert!(!matches(&udp(
            51076,
            24441,
            b"Op: check\nThread: 1\n\n",
            b""
        )));
        assert!(!matches(&udp(
            33364,
            514,
            b"<36>Nov 28 00:22:03 vm flowsieve: login failed for bob",
            b""
        )));
    }
}
