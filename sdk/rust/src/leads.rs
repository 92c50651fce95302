//! Payload leads for a manifest: necessary conditions of a rule that the host
//! checks before it calls the pack (see `lead` in `wit/classifier.wit`).
//!
//! ```ignore
//! ManifestBuilder::new("web", "1.0")
//!     .tcp(HTTP, "HTTP", "Web", 2)
//!     .leads([client(b"GET "), client(b"POST "), server(b"HTTP/1.")])
//!     .udp(RTP, "RTP", "Streaming", 20)
//!     .leads([either(&[0x80]).masked(&[0xc0])])
//! ```
//!
//! A lead must follow from the rule: if the rule can match a flow, one of its
//! leads holds for it. A lead that is too strict hides flows from the pack;
//! the [`crate::testing`] helpers check this on every test flow.

use crate::bindings::{Direction, Lead};
use crate::Transport;
use crate::{FlowView, RuleDef};
use flowsieve_leads::{Direction as D, LeadRef, Seen};

fn lead(direction: Direction, value: &[u8]) -> Lead {
    Lead {
        direction,
        offset: 0,
        value: value.to_vec(),
        mask: Vec::new(),
    }
}

/// The client's payload starts with `value`.
pub fn client(value: &[u8]) -> Lead {
    lead(Direction::Client, value)
}

/// The server's payload starts with `value`.
pub fn server(value: &[u8]) -> Lead {
    lead(Direction::Server, value)
}

/// Either direction's payload starts with `value`.
pub fn either(value: &[u8]) -> Lead {
    lead(Direction::Either, value)
}

/// Adjusts a lead: where it applies, and which bits count.
pub trait LeadExt {
    /// The value sits at `offset` rather than at the start.
    fn at(self, offset: u16) -> Lead;
    /// Compare only the bits set in `mask` (one mask byte per value byte).
    fn masked(self, mask: &[u8]) -> Lead;
}

impl LeadExt for Lead {
    fn at(mut self, offset: u16) -> Lead {
        self.offset = offset;
        self
    }
    fn masked(mut self, mask: &[u8]) -> Lead {
        self.mask = mask.to_vec();
        self
    }
}

fn as_ref(lead: &Lead) -> LeadRef<'_> {
    LeadRef {
        direction: match lead.direction {
            Direction::Client => D::Client,
            Direction::Server => D::Server,
            Direction::Either => D::Either,
        },
        offset: lead.offset,
        value: &lead.value,
        mask: &lead.mask,
    }
}

/// Whether the host would offer `flow` to a pack for `rule`: transport,
/// port hints and leads, exactly as the host decides.
pub fn host_offers(rule: &RuleDef, flow: &FlowView) -> bool {
    rule.transport == flow.transport
        && (rule.ports.is_empty()
            || rule.ports.contains(&flow.client_port)
            || rule.ports.contains(&flow.server_port))
        && flowsieve_leads::any_holds(
            rule.leads.iter().map(as_ref),
            seen(&flow.client, flow.transport),
            seen(&flow.server, flow.transport),
        )
}

fn seen(side: &crate::Side, transport: Transport) -> Seen<'_> {
    Seen::new(
        &side.prefix,
        transport == Transport::Udp,
        side.first_payload_len,
    )
}

/// Checks a lead's shape the way the host does at load.
pub(crate) fn validate(lead: &Lead) -> Result<(), String> {
    as_ref(lead)
        .validate()
        .map_err(|e| format!("malformed lead {lead:?}: {e:?}"))
}
