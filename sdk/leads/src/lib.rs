//! When does a payload lead hold? (`wit/classifier.wit`, record `lead`.)
//!
//! The host evaluates leads to decide which packs a flow is offered to; rule
//! authors' tests evaluate the same leads to prove that every flow a rule
//! matches passes them. Both must agree byte for byte, so the definition
//! lives once, here, with no dependencies (it builds for the host and for
//! `wasm32-unknown-unknown`).

#![no_std]

/// Which direction's payload a lead looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Client,
    Server,
    Either,
}

/// A lead, borrowed from wherever the manifest is kept.
#[derive(Clone, Copy, Debug)]
pub struct LeadRef<'a> {
    pub direction: Direction,
    pub offset: u16,
    pub value: &'a [u8],
    /// Empty, or one mask byte per value byte.
    pub mask: &'a [u8],
}

/// Why a lead is malformed (checked when a pack loads).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LeadError {
    EmptyValue,
    MaskLength,
    TooLong,
}

/// Longest value a lead may carry; the host offers packs at least this much
/// of a stream in practice, and a longer lead is a rule, not a hint.
pub const MAX_LEAD_BYTES: usize = 32;

impl LeadRef<'_> {
    pub fn validate(&self) -> Result<(), LeadError> {
        if self.value.is_empty() {
            return Err(LeadError::EmptyValue);
        }
        if !self.mask.is_empty() && self.mask.len() != self.value.len() {
            return Err(LeadError::MaskLength);
        }
        if self.value.len() > MAX_LEAD_BYTES {
            return Err(LeadError::TooLong);
        }
        Ok(())
    }

    /// Whether the lead holds for a flow whose directions show `client` and
    /// `server`: as [`LeadRef::judge`], with a lead on a direction that has no
    /// payload yet counting as holding (it may still come).
    #[inline]
    pub fn holds(&self, client: Seen<'_>, server: Seen<'_>) -> bool {
        self.judge(client, server) != Judgement::Fails
    }

    /// The lead against what the host has seen:
    ///
    /// - `client`/`server` leads are [`Judgement::Undecided`] while their
    ///   direction has no payload; an `either` lead is judged on the
    ///   directions that have payload, undecided when neither has any.
    /// - A prefix too short to reach the end of the value holds if the bytes
    ///   it has agree and it may still grow (a stream, or a datagram cut to
    ///   the prefix length); a whole datagram that is too short fails.
    #[inline]
    pub fn judge(&self, client: Seen<'_>, server: Seen<'_>) -> Judgement {
        let on = |seen: Seen<'_>| {
            if seen.payload.is_empty() {
                Judgement::Undecided
            } else if self.holds_on(seen) {
                Judgement::Holds
            } else {
                Judgement::Fails
            }
        };
        match self.direction {
            Direction::Client => on(client),
            Direction::Server => on(server),
            Direction::Either => match (on(client), on(server)) {
                (Judgement::Holds, _) | (_, Judgement::Holds) => Judgement::Holds,
                (Judgement::Undecided, Judgement::Undecided) => Judgement::Undecided,
                _ => Judgement::Fails,
            },
        }
    }

    #[inline]
    fn holds_on(&self, seen: Seen<'_>) -> bool {
        let start = usize::from(self.offset);
        let present = seen.payload.get(start..).unwrap_or(&[]);
        let n = present.len().min(self.value.len());
        if n < self.value.len() && seen.whole {
            return false;
        }
        if self.mask.is_empty() {
            present[..n] == self.value[..n]
        } else {
            present[..n]
                .iter()
                .zip(&self.value[..n])
                .zip(&self.mask[..n])
                .all(|((p, v), m)| p & m == v & m)
        }
    }
}

/// A lead against what has been seen so far.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Judgement {
    Holds,
    Fails,
    /// Its direction has carried no payload yet.
    Undecided,
}

/// What the host has seen of one direction.
#[derive(Clone, Copy, Debug, Default)]
pub struct Seen<'a> {
    /// The first bytes of the direction's payload (empty: none yet).
    pub payload: &'a [u8],
    /// `payload` is all this direction will ever show the rules: a whole
    /// datagram (UDP prefixes are the first datagram) not cut short.
    pub whole: bool,
}

impl<'a> Seen<'a> {
    /// A direction of a flow: for UDP the prefix is the first datagram,
    /// whole unless it was longer than the prefix.
    #[inline]
    pub fn new(payload: &'a [u8], datagram: bool, first_payload_len: u32) -> Self {
        Seen {
            payload,
            whole: datagram && usize::try_from(first_payload_len).is_ok_and(|n| n <= payload.len()),
        }
    }
}

/// Whether a rule's leads let the host offer it the flow: one of them
/// holds, or none can be judged yet (every lead waits on a direction without
/// payload, so the rule may still want to say `need-more`). A failing lead
/// with the others undecided closes the gate: what the rule needs on the
/// side that spoke is not there. A rule without leads always passes.
#[inline]
pub fn any_holds<'a>(
    leads: impl IntoIterator<Item = LeadRef<'a>>,
    client: Seen<'_>,
    server: Seen<'_>,
) -> bool {
    let mut open = true;
    for lead in leads {
        match lead.judge(client, server) {
            Judgement::Holds => return true,
            Judgement::Fails => open = false,
            Judgement::Undecided => {}
        }
    }
    open
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lead<'a>(direction: Direction, offset: u16, value: &'a [u8], mask: &'a [u8]) -> LeadRef<'a> {
        LeadRef {
            direction,
            offset,
            value,
            mask,
        }
    }

    fn tcp(p: &[u8]) -> Seen<'_> {
        Seen {
            payload: p,
            whole: false,
        }
    }

    fn udp(p: &[u8]) -> Seen<'_> {
        Seen::new(p, true, p.len() as u32)
    }

    #[test]
    fn exact_prefix_per_direction() {
        let get = lead(Direction::Client, 0, b"GET ", b"");
        assert!(get.holds(tcp(b"GET / HTTP/1.1"), tcp(b"")));
        assert!(!get.holds(tcp(b"PUT / HTTP/1.1"), tcp(b"GET ")));
        let banner = lead(Direction::Server, 0, b"220", b"");
        assert!(banner.holds(tcp(b"EHLO"), tcp(b"220 mx")));
        assert!(!banner.holds(tcp(b"220 mx"), tcp(b"500")));
        let ssh = lead(Direction::Either, 0, b"SSH-", b"");
        assert!(ssh.holds(tcp(b"xx"), tcp(b"SSH-2.0")));
        assert!(!ssh.holds(tcp(b"xx"), tcp(b"yy")));
    }

    #[test]
    fn a_direction_without_payload_cannot_rule_out_its_own_lead() {
        let get = lead(Direction::Client, 0, b"GET ", b"");
        assert!(get.holds(tcp(b""), tcp(b"HTTP/1.1 200")));
        let banner = lead(Direction::Server, 0, b"220", b"");
        assert!(banner.holds(tcp(b"EHLO x"), tcp(b"")));
    }

    #[test]
    fn either_is_judged_on_the_directions_with_payload() {
        let tls = lead(Direction::Either, 0, &[0x16, 3], b"");
        assert!(tls.holds(tcp(b""), tcp(b"")));
        assert!(
            !tls.holds(tcp(b"GET /"), tcp(b"")),
            "the empty side is not a pass"
        );
        assert!(tls.holds(tcp(b""), tcp(&[0x16, 3, 3])));
        assert!(!tls.holds(udp(b"xyz"), udp(b"")));
    }

    #[test]
    fn short_payload_holds_only_while_it_may_grow() {
        let get = lead(Direction::Client, 0, b"GET ", b"");
        assert!(get.holds(tcp(b"GE"), tcp(b"")));
        assert!(!get.holds(tcp(b"GX"), tcp(b"")));
        let at = lead(Direction::Client, 4, b"\x00\x01", b"");
        assert!(at.holds(tcp(b"abc"), tcp(b"")));
        assert!(at.holds(tcp(b"abcd\x00"), tcp(b"")));
        assert!(!at.holds(tcp(b"abcd\x01"), tcp(b"")));
        // A whole datagram too short for the lead can never satisfy it...
        let cookie = lead(Direction::Either, 236, b"\x63\x82\x53\x63", b"");
        assert!(!cookie.holds(udp(&[1; 100]), udp(b"")));
        // ...but one cut to the prefix length might.
        assert!(cookie.holds(Seen::new(&[1; 100], true, 300), udp(b"")));
    }

    #[test]
    fn masks_compare_selected_bits() {
        // RTP version 2: top two bits 10.
        let rtp = lead(Direction::Either, 0, &[0x80], &[0xc0]);
        assert!(rtp.holds(udp(&[0x80, 0]), udp(b"")));
        assert!(rtp.holds(udp(&[0xbf]), udp(b"")));
        assert!(!rtp.holds(udp(&[0x40]), udp(&[0xff])));
    }

    #[test]
    fn a_failing_lead_is_not_rescued_by_a_silent_direction() {
        // Discord's IP discovery: a request from the client, a response from the server.
        let leads = [
            lead(Direction::Client, 0, &[0, 1, 0, 0x46], b""),
            lead(Direction::Server, 0, &[0, 2, 0, 0x46], b""),
        ];
        let dns_query = [0xbe, 0xef, 1, 0, 0, 1];
        assert!(!any_holds(leads, udp(&dns_query), udp(b"")));
        assert!(any_holds(leads, udp(&[0, 1, 0, 0x46, 9]), udp(b"")));
        assert!(any_holds(leads, udp(b""), udp(&[0, 2, 0, 0x46, 9])));
        // Every lead undecided: the rule may still want to wait (SMTP's greeting).
        let banner = [lead(Direction::Server, 0, b"220", b"")];
        assert!(any_holds(banner, tcp(b"EHLO x"), tcp(b"")));
        assert!(any_holds(leads, udp(b""), udp(b"")));
    }

    #[test]
    fn a_rule_without_leads_always_passes() {
        assert!(any_holds([], tcp(b"x"), tcp(b"y")));
        let leads = [
            lead(Direction::Client, 0, b"GET ", b""),
            lead(Direction::Client, 0, b"POST ", b""),
        ];
        assert!(any_holds(leads, tcp(b"POST /"), tcp(b"")));
        assert!(!any_holds(leads, tcp(b"HEAD /"), tcp(b"")));
    }

    #[test]
    fn validation() {
        assert_eq!(
            lead(Direction::Client, 0, b"", b"").validate(),
            Err(LeadError::EmptyValue)
        );
        assert_eq!(
            lead(Direction::Client, 0, b"ab", b"\xff").validate(),
            Err(LeadError::MaskLength)
        );
        assert_eq!(
            lead(Direction::Client, 0, &[0; 33], b"").validate(),
            Err(LeadError::TooLong)
        );
        assert!(lead(Direction::Client, 9, b"ab", b"\xff\x0f")
            .validate()
            .is_ok());
    }
}
