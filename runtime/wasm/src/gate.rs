//! Which packs a flow is offered to, decided on the host from each pack's
//! manifest before any guest is entered: a rule's transport, its port hints
//! and its payload leads. Calls into guests are the classifier's main cost;
//! a flow no rule of a pack could name must not pay for that pack.

use crate::contract::generated::{Direction as WitDirection, Rule};
use crate::contract::{FlowView, Transport};
use flowsieve_leads::{Direction, LeadError, LeadRef, Seen};

/// A lead as the host keeps it.
#[derive(Debug)]
struct Lead {
    direction: Direction,
    offset: u16,
    value: Box<[u8]>,
    mask: Box<[u8]>,
}

impl Lead {
    fn as_ref(&self) -> LeadRef<'_> {
        LeadRef {
            direction: self.direction,
            offset: self.offset,
            value: &self.value,
            mask: &self.mask,
        }
    }
}

/// One rule's offer condition.
#[derive(Debug)]
struct Gate {
    priority: u8,
    /// Sorted; empty = any port.
    ports: Box<[u16]>,
    /// Empty = no payload condition.
    leads: Box<[Lead]>,
}

impl Gate {
    #[inline]
    fn opens(&self, view: &FlowView<'_>) -> bool {
        (self.ports.is_empty()
            || self.ports.binary_search(&view.server_port).is_ok()
            || self.ports.binary_search(&view.client_port).is_ok())
            && (self.leads.is_empty() || {
                let datagrams = view.transport == Transport::Udp;
                let (c, s) = (&view.client, &view.server);
                flowsieve_leads::any_holds(
                    self.leads.iter().map(Lead::as_ref),
                    Seen::new(c.prefix, datagrams, c.first_payload_len),
                    Seen::new(s.prefix, datagrams, s.first_payload_len),
                )
            })
    }
}

/// The gates of one pack's rules for one transport, best priority first.
#[derive(Debug, Default)]
pub(crate) struct Gates {
    gates: Vec<Gate>,
}

impl Gates {
    /// True if the pack has rules for this transport.
    pub(crate) fn any(&self) -> bool {
        !self.gates.is_empty()
    }

    /// The best priority among this pack's rules that could match `view`
    /// and beat `below` (exclusive), or `None` if calling the pack is
    /// pointless: no rule can match, or none could win.
    #[inline]
    pub(crate) fn best_open(&self, view: &FlowView<'_>, below: u16) -> Option<u8> {
        self.gates
            .iter()
            .take_while(|g| u16::from(g.priority) < below)
            .find(|g| g.opens(view))
            .map(|g| g.priority)
    }
}

/// Why a manifest's lead cannot be used.
pub(crate) fn describe(e: LeadError) -> &'static str {
    match e {
        LeadError::EmptyValue => "its value is empty",
        LeadError::MaskLength => "its mask is neither empty nor as long as its value",
        LeadError::TooLong => "its value is longer than 32 bytes",
    }
}

/// A lead for listings: `client "GET "`, `either 80&c0`, `server "+OK"@4`.
/// Text when every byte is printable, one is a letter and there is no mask;
/// hex otherwise (`either 30`, not `either "0"`).
pub(crate) fn display(lead: &crate::contract::generated::Lead) -> String {
    use std::fmt::Write as _;
    let mut out = String::from(match lead.direction {
        WitDirection::Client => "client ",
        WitDirection::Server => "server ",
        WitDirection::Either => "either ",
    });
    let text = lead
        .value
        .iter()
        .all(|b| (0x20..0x7f).contains(b) && *b != b'"')
        && lead.value.iter().any(u8::is_ascii_alphabetic);
    if lead.mask.is_empty() && text {
        out.push('"');
        out.extend(lead.value.iter().map(|&b| char::from(b)));
        out.push('"');
    } else {
        for b in &lead.value {
            let _ = write!(out, "{b:02x}");
        }
        if !lead.mask.is_empty() {
            out.push('&');
            for b in &lead.mask {
                let _ = write!(out, "{b:02x}");
            }
        }
    }
    if lead.offset > 0 {
        let _ = write!(out, "@{}", lead.offset);
    }
    out
}

/// Builds both transports' gates from a manifest, checking each lead.
pub(crate) fn build(rules: &[Rule]) -> Result<[Gates; 2], String> {
    let mut out: [Gates; 2] = Default::default();
    for (i, rule) in rules.iter().enumerate() {
        let mut leads = Vec::with_capacity(rule.leads.len());
        for (j, lead) in rule.leads.iter().enumerate() {
            let lead = Lead {
                direction: match lead.direction {
                    WitDirection::Client => Direction::Client,
                    WitDirection::Server => Direction::Server,
                    WitDirection::Either => Direction::Either,
                },
                offset: lead.offset,
                value: lead.value.clone().into(),
                mask: lead.mask.clone().into(),
            };
            lead.as_ref()
                .validate()
                .map_err(|e| format!("rule {i} ({}): lead {j}: {}", rule.protocol, describe(e)))?;
            leads.push(lead);
        }
        let mut ports = rule.ports.clone();
        ports.sort_unstable();
        ports.dedup();
        out[slot(Transport::from(rule.transport))].gates.push(Gate {
            priority: rule.priority,
            ports: ports.into(),
            leads: leads.into(),
        });
    }
    for gates in &mut out {
        // Stable: equal priorities keep manifest order.
        gates.gates.sort_by_key(|g| g.priority);
    }
    Ok(out)
}

pub(crate) fn slot(t: Transport) -> usize {
    match t {
        Transport::Tcp => 0,
        Transport::Udp => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::generated::{Lead as WitLead, Transport as WitTransport};
    use crate::contract::Side;

    fn rule(priority: u8, ports: &[u16], leads: Vec<WitLead>) -> Rule {
        Rule {
            protocol: "P".into(),
            category: "C".into(),
            transport: WitTransport::Tcp,
            priority,
            ports: ports.to_vec(),
            leads,
        }
    }

    fn client(value: &[u8]) -> WitLead {
        WitLead {
            direction: WitDirection::Client,
            offset: 0,
            value: value.to_vec(),
            mask: Vec::new(),
        }
    }

    fn view<'a>(port: u16, c: &'a [u8]) -> FlowView<'a> {
        let mut v = FlowView::new(Transport::Tcp, 40000, port);
        v.client = Side {
            prefix: c,
            first_payload_len: c.len() as u32,
            packets: 1,
            bytes: c.len() as u64,
        };
        v
    }

    #[test]
    fn ports_and_leads_both_restrict() {
        let [tcp, udp] = build(&[
            rule(2, &[], vec![client(b"GET "), client(b"POST ")]),
            rule(5, &[853, 53], vec![]),
        ])
        .expect("valid");
        assert!(!udp.any());
        assert_eq!(tcp.best_open(&view(80, b"GET /"), 256), Some(2));
        assert_eq!(tcp.best_open(&view(53, b"\x00\x1c"), 256), Some(5));
        assert_eq!(tcp.best_open(&view(53, b"GET /"), 256), Some(2));
        assert_eq!(tcp.best_open(&view(80, b"\x16\x03"), 256), None);
        // Either port counts.
        let mut v = view(40000, b"x");
        v.client_port = 853;
        assert_eq!(tcp.best_open(&v, 256), Some(5));
    }

    #[test]
    fn rules_that_cannot_win_are_not_offered() {
        let [tcp, _] =
            build(&[rule(100, &[], vec![]), rule(2, &[], vec![client(b"SSH-")])]).expect("valid");
        assert_eq!(tcp.best_open(&view(22, b"SSH-2.0"), 256), Some(2));
        assert_eq!(tcp.best_open(&view(22, b"xyz"), 256), Some(100));
        assert_eq!(
            tcp.best_open(&view(22, b"xyz"), 100),
            None,
            "a tie cannot win"
        );
        assert_eq!(tcp.best_open(&view(22, b"SSH-2.0"), 3), Some(2));
    }

    #[test]
    fn leads_display_as_text_or_hex() {
        let mut rtp = client(&[0x80]);
        rtp.direction = WitDirection::Either;
        rtp.mask = vec![0xc0];
        assert_eq!(display(&rtp), "either 80&c0");
        let mut ok = client(b"+OK");
        ok.offset = 4;
        assert_eq!(display(&ok), "client \"+OK\"@4");
        assert_eq!(display(&client(b"\x16\x03")), "client 1603");
    }

    #[test]
    fn malformed_leads_are_refused_with_the_rule() {
        let mut bad = client(b"ab");
        bad.mask = vec![0xff];
        let err = build(&[rule(2, &[], vec![client(b"x"), bad])]).expect_err("refused");
        assert_eq!(
            err,
            "rule 0 (P): lead 1: its mask is neither empty nor as long as its value"
        );
    }
}
