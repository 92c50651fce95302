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

    /// Whether the lead holds for a flow whose directions' payload prefixes
    /// are `client` and `server`. A prefix too short to decide holds if the
    /// bytes it has agree (the rule may still be waiting for more).
    #[inline]
    pub fn holds(&self, client: &[u8], server: &[u8]) -> bool {
        match self.direction {
            Direction::Client => self.holds_on(client),
            Direction::Server => self.holds_on(server),
            Direction::Either => self.holds_on(client) || self.holds_on(server),
        }
    }

    #[inline]
    fn holds_on(&self, payload: &[u8]) -> bool {
        let start = usize::from(self.offset);
        let Some(present) = payload.get(start..) else {
            return true; // not that far yet
        };
        let n = present.len().min(self.value.len());
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

/// Whether any of a rule's leads holds; a rule without leads always passes.
#[inline]
pub fn any_holds<'a>(
    leads: impl IntoIterator<Item = LeadRef<'a>>,
    client: &[u8],
    server: &[u8],
) -> bool {
    let mut none = true;
    for lead in leads {
        if lead.holds(client, server) {
            return true;
        }
        none = false;
    }
    none
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

    #[test]
    fn exact_prefix_per_direction() {
        let get = lead(Direction::Client, 0, b"GET ", b"");
        assert!(get.holds(b"GET / HTTP/1.1", b""));
        assert!(!get.holds(b"PUT / HTTP/1.1", b"GET "));
        let banner = lead(Direction::Server, 0, b"220", b"");
        assert!(banner.holds(b"EHLO", b"220 mx"));
        assert!(!banner.holds(b"220 mx", b"500"));
        let ssh = lead(Direction::Either, 0, b"SSH-", b"");
        assert!(ssh.holds(b"xx", b"SSH-2.0"));
        assert!(!ssh.holds(b"xx", b"yy"));
    }

    #[test]
    fn short_or_absent_payload_cannot_rule_out() {
        let get = lead(Direction::Client, 0, b"GET ", b"");
        assert!(get.holds(b"", b""));
        assert!(get.holds(b"GE", b""));
        assert!(!get.holds(b"GX", b""));
        let at = lead(Direction::Client, 4, b"\x00\x01", b"");
        assert!(at.holds(b"abc", b""));
        assert!(at.holds(b"abcd\x00", b""));
        assert!(!at.holds(b"abcd\x01", b""));
    }

    #[test]
    fn masks_compare_selected_bits() {
        // RTP version 2: top two bits 10.
        let rtp = lead(Direction::Either, 0, &[0x80], &[0xc0]);
        assert!(rtp.holds(&[0x80, 0], b""));
        assert!(rtp.holds(&[0xbf], b""));
        assert!(!rtp.holds(&[0x40], &[0xff]));
    }

    #[test]
    fn a_rule_without_leads_always_passes() {
        assert!(any_holds([], b"x", b"y"));
        let leads = [
            lead(Direction::Client, 0, b"GET ", b""),
            lead(Direction::Client, 0, b"POST ", b""),
        ];
        assert!(any_holds(leads, b"POST /", b""));
        assert!(!any_holds(leads, b"HEAD /", b""));
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
