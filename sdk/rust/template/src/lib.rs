//! An MQTT rule pack in Rust, for flowsieve.
//!
//! MQTT (v3.1 "MQIsdp", v3.1.1 and v5 "MQTT") opens every connection with a CONNECT packet from
//! the client: type 1 (first byte 0x10), a variable-length "remaining length", then the protocol
//! name as a 16-bit length and bytes, then the protocol level. That is what this rule checks.
//!
//! Build: ./build.sh (cargo for wasm32-unknown-unknown, then `flowsieve classifiers componentize`).

use flowsieve_sdk::prelude::*;

const PACK_NAME: &str = "mqtt-rust";
const MQTT: u32 = 0; // index of the rule in the manifest

struct Pack;

impl Rule for Pack {
    fn manifest() -> Manifest {
        ManifestBuilder::new(PACK_NAME, "0.1.0")
            .tcp(MQTT, "MQTT", "Message_Queuing", 5)
            // The host offers the pack only flows whose client payload starts with 0x10 (CONNECT).
            .leads([client(&[0x10])])
            .build()
    }

    fn classify(flow: &FlowView) -> Outcome {
        let p = &flow.client.prefix[..];
        if p.first() != Some(&0x10) {
            return Outcome::NoMatch; // the client speaks first, with CONNECT
        }
        // Remaining length: 1 to 4 bytes, 7 bits each, high bit = more follow.
        let mut i = 1;
        let mut remaining: u32 = 0;
        let mut shift = 0;
        loop {
            let Some(&b) = p.get(i) else {
                return Outcome::NeedMore;
            };
            if shift > 21 {
                return Outcome::NoMatch;
            }
            i += 1;
            remaining |= u32::from(b & 0x7f) << shift;
            shift += 7;
            if b & 0x80 == 0 {
                break;
            }
        }
        // Protocol name length, name, level.
        let Some(len) = p.get(i..i + 2) else {
            return Outcome::NeedMore;
        };
        let name_len = usize::from(u16::from_be_bytes([len[0], len[1]]));
        if !(name_len == 4 || name_len == 6) || (remaining as usize) < 2 + name_len + 4 {
            return Outcome::NoMatch;
        }
        let (Some(name), Some(&level)) = (p.get(i + 2..i + 2 + name_len), p.get(i + 2 + name_len))
        else {
            return Outcome::NeedMore;
        };
        match (name, level) {
            (b"MQTT", 4 | 5) | (b"MQIsdp", 3) => Outcome::Matched(MQTT),
            _ => Outcome::NoMatch,
        }
    }
}

flowsieve_sdk::export_rule!(Pack);
