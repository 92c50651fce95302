//! Matching helpers for rule authors: prefixes with wildcards, either/both
//! directions, length-prefixed framing, port sets, ASCII method checks.
//! All are allocation-free and bounds-checked (a short prefix is a no-match,
//! never a panic).

use crate::{FlowView, Side};

/// Wildcard for [`prefix_match`]: matches any byte.
pub const ANY: u16 = 0x100;

/// True if `data` starts with `pat`.
#[inline]
pub fn starts_with(data: &[u8], pat: &[u8]) -> bool {
    data.starts_with(pat)
}

/// ASCII case-insensitive [`starts_with`].
#[inline]
pub fn starts_with_ignore_case(data: &[u8], pat: &[u8]) -> bool {
    data.len() >= pat.len() && data[..pat.len()].eq_ignore_ascii_case(pat)
}

/// Prefix match where each pattern element is a byte value or [`ANY`].
/// `prefix_match(p, &[0x16, 0x03, ANY, ANY, ANY, 0x01])`.
#[inline]
pub fn prefix_match(data: &[u8], pat: &[u16]) -> bool {
    data.len() >= pat.len()
        && pat
            .iter()
            .zip(data)
            .all(|(&p, &d)| p == ANY || p == u16::from(d))
}

/// True if `data` starts with one of `methods` followed by a space, e.g.
/// `ascii_method(p, &[b"GET", b"POST"])`.
#[inline]
pub fn ascii_method(data: &[u8], methods: &[&[u8]]) -> bool {
    methods
        .iter()
        .any(|m| data.starts_with(m) && data.get(m.len()) == Some(&b' '))
}

/// True if every byte of `data` is printable ASCII or CR/LF/TAB.
#[inline]
pub fn is_ascii_text(data: &[u8]) -> bool {
    data.iter()
        .all(|&b| (0x20..0x7f).contains(&b) || matches!(b, b'\r' | b'\n' | b'\t'))
}

/// Big-endian u16 at `offset`, if the data reaches that far.
#[inline]
pub fn be_u16(data: &[u8], offset: usize) -> Option<u16> {
    let b = data.get(offset..offset.checked_add(2)?)?;
    Some(u16::from_be_bytes([b[0], b[1]]))
}

/// Big-endian u24 at `offset` (TLS handshake lengths).
#[inline]
pub fn be_u24(data: &[u8], offset: usize) -> Option<u32> {
    let b = data.get(offset..offset.checked_add(3)?)?;
    Some(u32::from_be_bytes([0, b[0], b[1], b[2]]))
}

/// Big-endian u32 at `offset`.
#[inline]
pub fn be_u32(data: &[u8], offset: usize) -> Option<u32> {
    let b = data.get(offset..offset.checked_add(4)?)?;
    Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

/// Length-prefixed framing: the big-endian u16 at `offset` plus `overhead`
/// equals `len` (typically the side's first payload length). DNS over TCP:
/// `be16_frame_matches(side.prefix, 0, 2, side.first_payload_len)`.
#[inline]
pub fn be16_frame_matches(data: &[u8], offset: usize, overhead: u32, len: u32) -> bool {
    be_u16(data, offset).is_some_and(|v| u32::from(v) + overhead == len)
}

/// TLS record layer (RFC 8446 §5.1, RFC 5246 §6.2): the 5-byte header of
/// the record `p` starts with, if it is one: a content type 20–23
/// (change_cipher_spec, alert, handshake, application_data), legacy version
/// 3.0–3.4, and a length a record may have (1..=2^14 + 2048).
#[inline]
pub fn tls_record(p: &[u8]) -> Option<TlsRecord> {
    const MAX_RECORD: u16 = (1 << 14) + 2048;
    let (&content_type, &major, &minor) = (p.first()?, p.get(1)?, p.get(2)?);
    let len = be_u16(p, 3)?;
    ((20..=23).contains(&content_type)
        && major == 3
        && minor <= 4
        && (1..=MAX_RECORD).contains(&len))
    .then_some(TlsRecord {
        content_type,
        minor,
        len,
        handshake_type: p.get(5).copied().filter(|_| content_type == 22),
    })
}

/// A TLS record header, from [`tls_record`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TlsRecord {
    pub content_type: u8,
    /// Legacy record version minor (3.x).
    pub minor: u8,
    pub len: u16,
    /// The first handshake message's type, for a handshake record.
    pub handshake_type: Option<u8>,
}

/// Whether a flow's two directions open the way TLS does, seen from the
/// start or joined mid-stream: a ClientHello answered by a ServerHello, an
/// alert or nothing yet; a lone ServerHello; or, for a flow whose handshake
/// was missed, TLS records (application data, alerts) each way. A
/// ClientHello answered by anything that is not a TLS record is not TLS.
pub fn tls_flow(client: &[u8], server: &[u8]) -> bool {
    const CLIENT_HELLO: u8 = 1;
    const SERVER_HELLO: u8 = 2;
    let (c, s) = (tls_record(client), tls_record(server));
    match (client.is_empty(), server.is_empty()) {
        (true, true) => false,
        (false, true) => c.is_some(),
        (true, false) => s.is_some(),
        (false, false) => match (c, s) {
            (Some(c), Some(s)) if c.handshake_type == Some(CLIENT_HELLO) => {
                s.handshake_type == Some(SERVER_HELLO) || s.content_type == 21
            }
            (Some(_), Some(_)) => true,
            _ => false,
        },
    }
}

/// Conveniences on a flow view.
pub trait FlowExt {
    /// True if `pred` holds for the client's or the server's prefix.
    fn either(&self, pred: impl Fn(&[u8]) -> bool) -> bool;
    /// True if `pred` holds for both prefixes.
    fn both(&self, pred: impl Fn(&[u8]) -> bool) -> bool;
    /// True if either port is in `ports`.
    fn port_in(&self, ports: &[u16]) -> bool;
    /// True if both directions carried payload.
    fn two_way(&self) -> bool;
    /// The client's ALPN protocols (empty when it offered none).
    fn alpn(&self) -> &[String];
    /// True if the client offered ALPN protocol `id` (`"h2"`, `"imap"`...).
    fn offers_alpn(&self, id: &str) -> bool;
}

impl FlowExt for FlowView {
    #[inline]
    fn either(&self, pred: impl Fn(&[u8]) -> bool) -> bool {
        pred(&self.client.prefix) || pred(&self.server.prefix)
    }
    #[inline]
    fn both(&self, pred: impl Fn(&[u8]) -> bool) -> bool {
        pred(&self.client.prefix) && pred(&self.server.prefix)
    }
    #[inline]
    fn port_in(&self, ports: &[u16]) -> bool {
        ports.contains(&self.client_port) || ports.contains(&self.server_port)
    }
    #[inline]
    fn two_way(&self) -> bool {
        self.client.has_payload() && self.server.has_payload()
    }
    #[inline]
    fn alpn(&self) -> &[String] {
        self.alpn.as_deref().unwrap_or_default()
    }
    #[inline]
    fn offers_alpn(&self, id: &str) -> bool {
        FlowExt::alpn(self).iter().any(|a| a == id)
    }
}

/// Conveniences on one direction.
pub trait SideExt {
    /// True if this direction carried any payload.
    fn has_payload(&self) -> bool;
}

impl SideExt for Side {
    #[inline]
    fn has_payload(&self) -> bool {
        self.bytes > 0 || !self.prefix.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_prefix() {
        assert!(prefix_match(
            &[0x16, 3, 1, 0, 9, 1, 7],
            &[0x16, 3, ANY, ANY, ANY, 1]
        ));
        assert!(!prefix_match(
            &[0x16, 3, 1, 0, 9, 2],
            &[0x16, 3, ANY, ANY, ANY, 1]
        ));
        assert!(!prefix_match(&[0x16, 3], &[0x16, 3, ANY]));
    }

    #[test]
    fn methods_need_a_space() {
        assert!(ascii_method(b"GET / HTTP/1.1", &[b"POST", b"GET"]));
        assert!(!ascii_method(b"GETX /", &[b"GET"]));
        assert!(!ascii_method(b"GET", &[b"GET"]));
    }

    #[test]
    fn framing_and_ints() {
        assert_eq!(be_u16(&[1, 2], 0), Some(0x102));
        assert_eq!(be_u16(&[1, 2], 1), None);
        assert_eq!(be_u16(&[1, 2], usize::MAX), None);
        assert_eq!(be_u24(&[0, 1, 2], 0), Some(0x102));
        assert_eq!(be_u32(&[0, 0, 1, 2], 0), Some(0x102));
        assert!(be16_frame_matches(&[0, 30], 0, 2, 32));
        assert!(!be16_frame_matches(&[0, 30], 0, 2, 31));
    }

    #[test]
    fn tls_records_and_flows() {
        let ch = [0x16, 3, 1, 2, 0, 1, 0, 1, 0xfc];
        let sh = [0x16, 3, 3, 0, 0x7a, 2, 0, 0, 0x76];
        let app = [0x17, 3, 3, 0, 0x29, 0, 0];
        let alert = [0x15, 3, 3, 0, 0x1a];
        assert_eq!(tls_record(&ch).and_then(|r| r.handshake_type), Some(1));
        assert_eq!(tls_record(&app).map(|r| r.content_type), Some(23));
        assert!(tls_record(&[0x17, 3, 3, 0, 0]).is_none(), "empty record");
        assert!(tls_record(&[0x17, 3, 9, 0, 5]).is_none(), "version 3.9");
        assert!(tls_record(&[0x18, 3, 3, 0, 5]).is_none(), "content type 24");
        assert!(tls_flow(&ch, &sh));
        assert!(tls_flow(&ch, &alert));
        assert!(tls_flow(&ch, b""));
        assert!(tls_flow(b"", &sh));
        assert!(tls_flow(&app, &app), "joined mid-stream");
        assert!(tls_flow(b"", &alert));
        assert!(!tls_flow(&ch, b"HTTP/1.1 400 Bad Request"));
        assert!(
            !tls_flow(&ch, &app),
            "a ClientHello is answered by a hello or an alert"
        );
        assert!(!tls_flow(b"GET / HTTP/1.1", &sh));
        assert!(!tls_flow(b"", b""));
    }

    #[test]
    fn text_and_case() {
        assert!(is_ascii_text(b"EHLO x\r\n"));
        assert!(!is_ascii_text(&[0, 1]));
        assert!(starts_with_ignore_case(b"ehlo x", b"EHLO"));
        assert!(!starts_with_ignore_case(b"eh", b"EHLO"));
    }
}
