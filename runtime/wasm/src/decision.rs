//! The per-flow classification state machine, free of packets and WASM so
//! it is easy to test. The pipeline keeps one [`FlowDecision`] per flow and
//! drives it:
//!
//! ```text
//! after each packet (and once more when the flow ends, with ended = true):
//!     match decision.next(&progress, &policy) {
//!         Next::Wait => {}
//!         Next::Offer => {
//!             let verdict = worker.classify(&view);
//!             if let Some(id) = decision.on_verdict(verdict, &progress, &policy) { /* flow_start */ }
//!         }
//!         Next::Decided(id) => { /* flow_start (give-up or No_Payload) */ }
//!     }
//! ```
//!
//! Rules: a flow is offered once both directions carry payload, or one does
//! and a packet or time threshold passed, or it ends. `need-more` re-offers
//! it when new payload arrives, up to `max_offers`. Otherwise it becomes
//! `Unknown_TCP`/`Unknown_UDP`; with no payload at all, `No_Payload`.

use crate::contract::Transport;
use crate::protocols::ProtocolId;
use crate::worker::Verdict;
use std::time::Duration;

#[derive(Clone, Debug)]
pub struct DecisionPolicy {
    /// Offer a one-way flow once its payload direction carried this many
    /// payload packets.
    pub one_way_packets: u32,
    /// …or once this long passed since its first payload (packet time).
    pub one_way_wait: Duration,
    /// Offers at most (the first one included) before giving up on
    /// `need-more`.
    pub max_offers: u8,
}

impl Default for DecisionPolicy {
    fn default() -> Self {
        Self {
            one_way_packets: 3,
            one_way_wait: Duration::from_secs(2),
            max_offers: 4,
        }
    }
}

/// What the pipeline knows about a flow's progress, now.
#[derive(Clone, Copy, Debug)]
pub struct FlowProgress {
    pub transport: Transport,
    /// Packets with L4 payload, per direction.
    pub client_payload_packets: u32,
    pub server_payload_packets: u32,
    /// Time since the flow's first payload packet (zero if none).
    pub since_first_payload: Duration,
    /// The flow is over (FIN/RST, idle timeout, eviction, end of input).
    pub ended: bool,
}

/// What to do now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Next {
    /// Nothing yet.
    Wait,
    /// Call `WorkerClassifier::classify` and feed the verdict to `on_verdict`.
    Offer,
    /// The protocol is final (emit `flow_start` if not done yet).
    Decided(ProtocolId),
}

/// Per-flow state: 12 bytes, no allocation.
#[derive(Clone, Copy, Debug, Default)]
pub struct FlowDecision {
    offers: u8,
    /// Payload packets (both directions) seen at the last offer.
    payload_at_offer: u32,
    provisional: Option<ProtocolId>,
    decided: Option<ProtocolId>,
}

impl FlowDecision {
    pub fn new() -> Self {
        Self::default()
    }

    /// The final protocol, once decided.
    pub fn decided(&self) -> Option<ProtocolId> {
        self.decided
    }

    /// Offers made so far.
    pub fn offers(&self) -> u8 {
        self.offers
    }

    pub fn next(&mut self, p: &FlowProgress, policy: &DecisionPolicy) -> Next {
        if let Some(id) = self.decided {
            return Next::Decided(id);
        }
        let payload = p
            .client_payload_packets
            .saturating_add(p.server_payload_packets);
        if payload == 0 {
            return if p.ended {
                self.decide(ProtocolId::NO_PAYLOAD)
            } else {
                Next::Wait
            };
        }
        if payload <= self.payload_at_offer {
            // Nothing new since the last offer (which asked for more).
            return if p.ended {
                self.decide(self.fallback(p.transport))
            } else {
                Next::Wait
            };
        }
        let both_ways = p.client_payload_packets > 0 && p.server_payload_packets > 0;
        let one_way_enough = p.client_payload_packets.max(p.server_payload_packets)
            >= policy.one_way_packets
            || p.since_first_payload >= policy.one_way_wait;
        if both_ways || one_way_enough || p.ended {
            self.offers = self.offers.saturating_add(1);
            self.payload_at_offer = payload;
            Next::Offer
        } else {
            Next::Wait
        }
    }

    /// Feeds the verdict of an `Offer`; returns the protocol once decided.
    pub fn on_verdict(
        &mut self,
        verdict: Verdict,
        p: &FlowProgress,
        policy: &DecisionPolicy,
    ) -> Option<ProtocolId> {
        match verdict {
            Verdict::Matched(id) => self.decide_id(id),
            Verdict::NoMatch => {
                self.decide_id(self.provisional.unwrap_or(self.fallback(p.transport)))
            }
            Verdict::NeedMore { provisional } => {
                self.provisional = provisional.or(self.provisional);
                if p.ended || self.offers >= policy.max_offers {
                    self.decide_id(self.provisional.unwrap_or(self.fallback(p.transport)))
                } else {
                    None
                }
            }
        }
    }

    fn fallback(&self, transport: Transport) -> ProtocolId {
        self.provisional.unwrap_or(match transport {
            Transport::Tcp => ProtocolId::UNKNOWN_TCP,
            Transport::Udp => ProtocolId::UNKNOWN_UDP,
        })
    }

    fn decide(&mut self, id: ProtocolId) -> Next {
        self.decided = Some(id);
        Next::Decided(id)
    }

    fn decide_id(&mut self, id: ProtocolId) -> Option<ProtocolId> {
        self.decided = Some(id);
        Some(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn progress(c: u32, s: u32, ended: bool) -> FlowProgress {
        FlowProgress {
            transport: Transport::Tcp,
            client_payload_packets: c,
            server_payload_packets: s,
            since_first_payload: Duration::ZERO,
            ended,
        }
    }

    const HTTP: ProtocolId = ProtocolId::NO_PAYLOAD; // any id distinct from the fallbacks
    const POLICY: DecisionPolicy = DecisionPolicy {
        one_way_packets: 3,
        one_way_wait: Duration::from_secs(2),
        max_offers: 3,
    };

    #[test]
    fn waits_for_both_directions_then_offers_once() {
        let mut d = FlowDecision::new();
        assert_eq!(d.next(&progress(0, 0, false), &POLICY), Next::Wait);
        assert_eq!(d.next(&progress(1, 0, false), &POLICY), Next::Wait);
        assert_eq!(d.next(&progress(1, 1, false), &POLICY), Next::Offer);
        assert_eq!(
            d.on_verdict(Verdict::Matched(HTTP), &progress(1, 1, false), &POLICY),
            Some(HTTP)
        );
        assert_eq!(d.next(&progress(5, 5, false), &POLICY), Next::Decided(HTTP));
    }

    #[test]
    fn one_way_by_packets_or_time() {
        let mut d = FlowDecision::new();
        assert_eq!(d.next(&progress(2, 0, false), &POLICY), Next::Wait);
        assert_eq!(d.next(&progress(3, 0, false), &POLICY), Next::Offer);
        let mut d = FlowDecision::new();
        let mut p = progress(1, 0, false);
        p.since_first_payload = Duration::from_secs(3);
        assert_eq!(d.next(&p, &POLICY), Next::Offer);
    }

    #[test]
    fn no_match_falls_back_by_transport() {
        let mut d = FlowDecision::new();
        let mut p = progress(1, 1, false);
        p.transport = Transport::Udp;
        assert_eq!(d.next(&p, &POLICY), Next::Offer);
        assert_eq!(
            d.on_verdict(Verdict::NoMatch, &p, &POLICY),
            Some(ProtocolId::UNKNOWN_UDP)
        );
    }

    #[test]
    fn need_more_reoffers_on_new_payload_up_to_the_cap() {
        let mut d = FlowDecision::new();
        let more = Verdict::NeedMore { provisional: None };
        assert_eq!(d.next(&progress(1, 1, false), &POLICY), Next::Offer);
        assert_eq!(d.on_verdict(more, &progress(1, 1, false), &POLICY), None);
        // No new payload: no re-offer.
        assert_eq!(d.next(&progress(1, 1, false), &POLICY), Next::Wait);
        assert_eq!(d.next(&progress(2, 1, false), &POLICY), Next::Offer);
        assert_eq!(d.on_verdict(more, &progress(2, 1, false), &POLICY), None);
        assert_eq!(d.next(&progress(2, 2, false), &POLICY), Next::Offer);
        assert_eq!(d.offers(), 3);
        assert_eq!(
            d.on_verdict(more, &progress(2, 2, false), &POLICY),
            Some(ProtocolId::UNKNOWN_TCP)
        );
    }

    #[test]
    fn provisional_match_is_kept_when_giving_up() {
        let mut d = FlowDecision::new();
        assert_eq!(d.next(&progress(1, 1, false), &POLICY), Next::Offer);
        let v = Verdict::NeedMore {
            provisional: Some(HTTP),
        };
        assert_eq!(d.on_verdict(v, &progress(1, 1, false), &POLICY), None);
        assert_eq!(d.next(&progress(1, 1, true), &POLICY), Next::Decided(HTTP));
    }

    #[test]
    fn flow_end_offers_one_way_payload_and_names_empty_flows() {
        let mut d = FlowDecision::new();
        assert_eq!(d.next(&progress(1, 0, true), &POLICY), Next::Offer);
        let more = Verdict::NeedMore { provisional: None };
        assert_eq!(
            d.on_verdict(more, &progress(1, 0, true), &POLICY),
            Some(ProtocolId::UNKNOWN_TCP)
        );
        let mut d = FlowDecision::new();
        assert_eq!(
            d.next(&progress(0, 0, true), &POLICY),
            Next::Decided(ProtocolId::NO_PAYLOAD)
        );
    }
}
