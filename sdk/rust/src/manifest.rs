//! Building a pack's manifest without counting rule indexes by hand.

use crate::bindings::Lead;
use crate::{Manifest, RuleDef, Transport};

/// Builds a [`Manifest`]. Each rule is added with the index the pack's
/// `classify` will return for it; a mismatch panics, which the host reports
/// as a load failure, so a miscounted manifest never ships silently.
pub struct ManifestBuilder {
    manifest: Manifest,
}

impl ManifestBuilder {
    pub fn new(name: &str, version: &str) -> Self {
        Self {
            manifest: Manifest {
                name: name.into(),
                version: version.into(),
                rules: Vec::new(),
            },
        }
    }

    /// Adds a rule. `index` must equal the number of rules added before it.
    pub fn rule(
        mut self,
        index: u32,
        protocol: &str,
        category: &str,
        transport: Transport,
        priority: u8,
        ports: &[u16],
    ) -> Self {
        let expected = self.manifest.rules.len();
        assert!(
            index as usize == expected,
            "rule {protocol:?} declared with index {index}, but it is rule #{expected}"
        );
        self.manifest.rules.push(RuleDef {
            protocol: protocol.into(),
            category: category.into(),
            transport,
            priority,
            ports: ports.to_vec(),
            leads: Vec::new(),
        });
        self
    }

    /// Payload leads of the rule added last (see [`crate::leads`]): the host
    /// offers a flow to the pack for that rule only if one of them holds.
    /// A malformed lead panics, which the host reports as a load failure.
    pub fn leads(mut self, leads: impl IntoIterator<Item = Lead>) -> Self {
        let rule = self
            .manifest
            .rules
            .last_mut()
            .expect("leads() follows the rule it belongs to");
        for lead in leads {
            if let Err(e) = crate::leads::validate(&lead) {
                panic!("rule {:?}: {e}", rule.protocol);
            }
            rule.leads.push(lead);
        }
        self
    }

    /// A TCP rule offered on any port.
    pub fn tcp(self, index: u32, protocol: &str, category: &str, priority: u8) -> Self {
        self.rule(index, protocol, category, Transport::Tcp, priority, &[])
    }

    /// A UDP rule offered on any port.
    pub fn udp(self, index: u32, protocol: &str, category: &str, priority: u8) -> Self {
        self.rule(index, protocol, category, Transport::Udp, priority, &[])
    }

    pub fn build(self) -> Manifest {
        self.manifest
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_rules_in_order() {
        let m = ManifestBuilder::new("p", "1")
            .tcp(0, "HTTP", "Web", 2)
            .rule(1, "DNS", "Services", Transport::Udp, 5, &[53])
            .build();
        assert_eq!(m.rules.len(), 2);
        assert_eq!(m.rules[1].ports, vec![53]);
        assert_eq!(m.rules[1].transport, Transport::Udp);
    }

    #[test]
    fn leads_attach_to_the_last_rule() {
        use crate::leads::{client, LeadExt};
        let m = ManifestBuilder::new("p", "1")
            .tcp(0, "HTTP", "Web", 2)
            .leads([client(b"GET "), client(b"POST ")])
            .udp(1, "RTP", "Streaming", 20)
            .leads([client(&[0x80]).masked(&[0xc0])])
            .build();
        assert_eq!(m.rules[0].leads.len(), 2);
        assert_eq!(m.rules[1].leads[0].mask, vec![0xc0]);
    }

    #[test]
    #[should_panic(expected = "malformed lead")]
    fn malformed_lead_panics() {
        use crate::leads::{client, LeadExt};
        let _ = ManifestBuilder::new("p", "1")
            .tcp(0, "HTTP", "Web", 2)
            .leads([client(b"GET").masked(&[1])]);
    }

    #[test]
    #[should_panic(expected = "declared with index 2")]
    fn miscounted_index_panics() {
        let _ = ManifestBuilder::new("p", "1").tcp(2, "HTTP", "Web", 2);
    }
}
