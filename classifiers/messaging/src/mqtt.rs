//! MQTT 3.1, 3.1.1 and 5.0 (OASIS MQTT v3.1.1 §2.2 fixed header, §3.1
//! CONNECT; MQTT v5.0 §3.1, §3.2): the client opens with CONNECT (packet
//! type 1, flags 0: 0x10), a 1–4 byte variable-length "remaining length",
//! then the protocol name as a length-prefixed string, `MQTT` (level 4 or
//! 5) or `MQIsdp` (level 3), and connect flags whose reserved bit 0 is
//! clear. The server answers CONNACK (0x20) with a remaining length of at
//! least 2. The port is not needed.

use crate::{Verdict, MQTT};
use flowsieve_sdk::prelude::*;

pub(crate) fn leads() -> Vec<Lead> {
    let mut v = Vec::new();
    for name in [&b"\x00\x04MQTT"[..], b"\x00\x06MQIsdp"] {
        // Remaining length of 1 to 4 bytes between 0x10 and the name.
        for gap in 1..=4usize {
            let mut value = vec![0x10];
            value.extend(std::iter::repeat_n(0, gap));
            value.extend_from_slice(name);
            let mut mask = vec![0xff];
            mask.extend(std::iter::repeat_n(0, gap));
            mask.extend(std::iter::repeat_n(0xff, name.len()));
            v.push(client(&value).masked(&mask));
        }
    }
    v
}

/// The variable-length remaining length at `p[1..]`: (value, bytes).
fn remaining_length(p: &[u8]) -> Option<(u32, usize)> {
    let mut value = 0u32;
    for i in 0..4 {
        let b = *p.get(1 + i)?;
        value |= u32::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Some((value, i + 1));
        }
    }
    None
}

fn connect(p: &[u8]) -> bool {
    if p.first() != Some(&0x10) {
        return false;
    }
    let Some((len, n)) = remaining_length(p) else {
        return false;
    };
    let at = 1 + n;
    let Some(rest) = p.get(at..) else {
        return false;
    };
    let (level, flags) = if rest.starts_with(b"\x00\x04MQTT") {
        (rest.get(6), rest.get(7))
    } else if rest.starts_with(b"\x00\x06MQIsdp") {
        (rest.get(8), rest.get(9))
    } else {
        return false;
    };
    len >= 10 && level.is_none_or(|l| (3..=5).contains(l)) && flags.is_none_or(|f| f & 1 == 0)
}

fn connack(p: &[u8]) -> bool {
    p.first() == Some(&0x20) && p.get(1).is_some_and(|&l| l >= 2)
}

pub(crate) fn classify(flow: &FlowView) -> Verdict {
    let s = &flow.server.prefix;
    if connect(&flow.client.prefix) && (s.is_empty() || connack(s)) {
        Verdict::Yes(MQTT)
    } else {
        Verdict::No
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::tcp;

    // mqtt.pcap (nDPI corpus), 192.168.0.1:41892 <-> 10.10.10.1:1883: an
    // MQTT 3.1 CONNECT and its CONNACK; 100.67.35.238:35035 ->
    // 51.137.28.239:1883: a one-way MQTT 3.1.1 CONNECT (Azure IoT Hub).
    const CONNECT_31: &[u8] =
        b"\x10\x40\x00\x06MQIsdp\x03\xc2\x00\x14\x00\x16cbaabcbabacbbbbbaaaaab\x00\x0c02D5050223D3";
    const CONNECT_311: &[u8] = b"\x10\x9a\x02\x00\x04MQTT\x04\xc0\x02X\x00\x10P47775ID170W2120";
    // tests/data/recorded/mqtt-mosquitto.pcap (tests/tools/record/
    // messaging.sh): mosquitto_pub against mosquitto 2.0.
    const CONNECT_PUB: &[u8] = b"\x10\x0c\x00\x04MQTT\x04\x02\x00<\x00\x00";

    #[test]
    fn connect_connack() {
        flowsieve_sdk::testing::assert_yes::<crate::Messaging>(
            classify,
            &tcp(41892, 1883, CONNECT_31, b"\x20\x02\x00\x00"),
            MQTT,
        );
        flowsieve_sdk::testing::assert_yes::<crate::Messaging>(
            classify,
            &tcp(35035, 1883, CONNECT_311, b""),
            MQTT,
        );
        flowsieve_sdk::testing::assert_yes::<crate::Messaging>(
            classify,
            &tcp(53716, 11883, CONNECT_PUB, b" \x02\x00\x00"),
            MQTT,
        );
    }

    #[test]
    fn not_mqtt() {
        // A PUBLISH (0x30) from the same capture; a CONNECT answered with
        // HTTP; a reserved connect flag.
        let publish = b"\x30\x85\x03\x00\x12astr/admin/otaupd8";
        assert_eq!(classify(&tcp(41892, 1883, publish, b"")), Verdict::No);
        assert_eq!(
            classify(&tcp(41892, 1883, CONNECT_31, b"HTTP/1.1 400 Bad")),
            Verdict::No
        );
        let mut bad = CONNECT_PUB.to_vec();
        bad[9] |= 1;
        assert_eq!(classify(&tcp(53716, 11883, &bad, b"")), Verdict::No);
    }
}
