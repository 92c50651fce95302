//! The few JSON primitives a flow record needs, appended to a reused buffer. Numbers and
//! strings come out exactly as `serde_json` writes them (the reference test in
//! `reference.rs` holds the writer to that), so records did not change when this replaced it.

use std::io::Write as _;
use std::net::IpAddr;

pub struct Json<'a>(pub &'a mut Vec<u8>);

impl Json<'_> {
    /// Bytes the caller knows to be valid JSON in place (keys, punctuation, fixed names).
    #[inline]
    pub fn raw(&mut self, b: &[u8]) {
        self.0.extend_from_slice(b);
    }

    #[inline]
    pub fn bool(&mut self, v: bool) {
        self.0.extend_from_slice(if v { b"true" } else { b"false" });
    }

    #[inline]
    pub fn uint(&mut self, v: u64) {
        self.0
            .extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
    }

    #[inline]
    pub fn int(&mut self, v: i64) {
        self.0
            .extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
    }

    /// A finite float as serde_json writes it (shortest round-trip form); not finite: null.
    pub fn float(&mut self, v: f64) {
        if serde_json::to_writer(&mut *self.0, &v).is_err() {
            self.0.extend_from_slice(b"null");
        }
    }

    /// A quoted string. Names come from rule packs, which are not trusted to keep to
    /// printable ASCII: anything that needs escaping goes through serde_json.
    pub fn str(&mut self, s: &str) {
        // No early exit, so the check vectorises: names are short, and almost never need it.
        let plain = !s.bytes().fold(false, |bad, b| {
            bad | (b < 0x20) | (b == b'"') | (b == b'\\')
        });
        if plain {
            self.0.push(b'"');
            self.0.extend_from_slice(s.as_bytes());
            self.0.push(b'"');
        } else if serde_json::to_writer(&mut *self.0, s).is_err() {
            self.0.extend_from_slice(b"\"\"");
        }
    }

    /// A quoted address in its usual text form (dotted quad; RFC 5952 for IPv6).
    pub fn ip(&mut self, ip: IpAddr) {
        self.0.push(b'"');
        match ip {
            IpAddr::V4(v4) => {
                let mut buf = itoa::Buffer::new();
                for (i, octet) in v4.octets().into_iter().enumerate() {
                    if i > 0 {
                        self.0.push(b'.');
                    }
                    self.0.extend_from_slice(buf.format(octet).as_bytes());
                }
            }
            // Rare enough that the formatter's cost does not matter; writing to a Vec cannot
            // fail.
            IpAddr::V6(v6) => {
                let _ = write!(self.0, "{v6}");
            }
        }
        self.0.push(b'"');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(f: impl FnOnce(&mut Json)) -> String {
        let mut v = Vec::new();
        f(&mut Json(&mut v));
        String::from_utf8(v).expect("utf-8")
    }

    #[test]
    fn values_match_serde_json() {
        for x in [0.0, 1e-6, 0.1, 1.5, 123.456789, 1e21, 3e-7] {
            assert_eq!(
                with(|j| j.float(x)),
                serde_json::to_string(&x).expect("float")
            );
        }
        assert_eq!(with(|j| j.float(f64::NAN)), "null");
        for s in [
            "HTTP",
            "",
            "a\"b",
            "back\\slash",
            "ctl\u{1}",
            "Ünïcode",
            "\u{7f}",
        ] {
            assert_eq!(with(|j| j.str(s)), serde_json::to_string(s).expect("str"));
        }
        assert_eq!(with(|j| j.int(-5)), "-5");
        assert_eq!(with(|j| j.uint(u64::MAX)), u64::MAX.to_string());
        for ip in [
            "0.0.0.0",
            "10.20.255.1",
            "::1",
            "2001:db8::8:800:200c:417a",
            "::ffff:1.2.3.4",
        ] {
            let ip: IpAddr = ip.parse().expect("ip");
            assert_eq!(with(|j| j.ip(ip)), format!("\"{ip}\""));
        }
    }
}
