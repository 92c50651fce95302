//! When a flow's protocol is decided, and the labels used until rule packs name it.
//!
//! A flow is decided once it can say something: payload in both directions, payload one way
//! and `one_way_packets` packets, or its end. ICMP and non-TCP/UDP flows are decided at
//! their first packet. Until identification rules are loaded the verdict is libprotoident's
//! fallback: `Unknown_TCP`, `Unknown_UDP`, `No_Payload`, `ICMP` or `Unsupported`.

use crate::flow::key::IpProto;
use crate::flow::{Flow, CLIENT, SERVER};

/// A protocol name and its category, spelled as libprotoident spells them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Label {
    pub protocol: &'static str,
    pub category: &'static str,
}

impl Label {
    pub const NO_PAYLOAD: Label = Label {
        protocol: "No_Payload",
        category: "No_Payload",
    };
    pub const UNKNOWN_TCP: Label = Label {
        protocol: "Unknown_TCP",
        category: "Unknown",
    };
    pub const UNKNOWN_UDP: Label = Label {
        protocol: "Unknown_UDP",
        category: "Unknown",
    };
    pub const ICMP: Label = Label {
        protocol: "ICMP",
        category: "ICMP",
    };
    pub const UNSUPPORTED: Label = Label {
        protocol: "Unsupported",
        category: "Unsupported",
    };
}

/// Decides flows' protocols.
#[derive(Debug, Clone)]
pub struct Identifier {
    one_way_packets: u32,
}

impl Identifier {
    pub fn new(one_way_packets: u32) -> Identifier {
        Identifier {
            one_way_packets: one_way_packets.max(1),
        }
    }

    /// The label for a flow still undecided after a packet, or `None` to wait for more.
    pub fn on_packet(&self, flow: &Flow) -> Option<Label> {
        let proto = flow.proto();
        if proto != IpProto::TCP && proto != IpProto::UDP {
            return Some(fallback(flow));
        }
        let [c, s] = [flow.payload_packets[CLIENT], flow.payload_packets[SERVER]];
        let packets = flow.total[CLIENT].packets + flow.total[SERVER].packets;
        let ready =
            (c > 0 && s > 0) || ((c > 0 || s > 0) && packets >= self.one_way_packets as u64);
        ready.then(|| fallback(flow))
    }

    /// The label of a flow that ends undecided.
    pub fn on_end(&self, flow: &Flow) -> Label {
        fallback(flow)
    }
}

fn fallback(flow: &Flow) -> Label {
    match flow.proto() {
        p if p.is_icmp() => Label::ICMP,
        IpProto::TCP | IpProto::UDP if !flow.has_payload() => Label::NO_PAYLOAD,
        IpProto::TCP => Label::UNKNOWN_TCP,
        IpProto::UDP => Label::UNKNOWN_UDP,
        _ => Label::UNSUPPORTED,
    }
}

/// The `protocols` / `protocol_categories` selection, applied alike to every record type.
#[derive(Debug, Clone)]
pub struct Selection {
    all: bool,
    protocols: Vec<String>,
    categories: Vec<String>,
}

impl Selection {
    pub fn new(protocols: &[String], categories: &[String]) -> Selection {
        let all = protocols.iter().chain(categories).any(|p| p == "ALL");
        Selection {
            all,
            protocols: protocols.to_vec(),
            categories: categories.to_vec(),
        }
    }

    pub fn wants(&self, label: Label) -> bool {
        self.all
            || self.protocols.iter().any(|p| p == label.protocol)
            || self.categories.iter().any(|c| c == label.category)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selection_by_protocol_category_or_all() {
        let s = Selection::new(&["HTTP".into()], &["Unknown".into()]);
        assert!(s.wants(Label::UNKNOWN_TCP));
        assert!(!s.wants(Label::NO_PAYLOAD));
        assert!(Selection::new(&[], &["ALL".into()]).wants(Label::ICMP));
        assert!(!Selection::new(&[], &[]).wants(Label::ICMP));
    }
}
