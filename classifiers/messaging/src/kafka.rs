//! Apache Kafka wire protocol (kafka.apache.org "A Guide To The Kafka
//! Protocol"): every request is an int32 size followed by a header: int16
//! api_key, int16 api_version, int32 correlation_id and a nullable int16
//! length-prefixed client_id. A client opens with ApiVersions (18), or with
//! Metadata (3), SaslHandshake (17), FindCoordinator (10), Produce (0) or
//! Fetch (1) from older clients; every response is an int32 size and the
//! request's correlation_id. The size must cover the first packet (or run
//! past it). The port is not needed.

use crate::{Verdict, KAFKA};
use flowsieve_sdk::prelude::*;

const OPENING_KEYS: [u8; 6] = [18, 3, 17, 10, 0, 1];

pub(crate) fn leads() -> Vec<Lead> {
    OPENING_KEYS
        .iter()
        .map(|&k| client(&[0, 0, 0, 0, 0, k]).masked(&[0xff, 0, 0, 0, 0xff, 0xff]))
        .collect()
}

fn request(side: &Side) -> bool {
    let p = &side.prefix;
    let (Some(size), Some(key), Some(version), Some(id_len)) =
        (be_u32(p, 0), be_u16(p, 4), be_u16(p, 6), be_u16(p, 12))
    else {
        return false;
    };
    if !(10..1 << 24).contains(&size) || size + 4 < side.first_payload_len {
        return false;
    }
    if key > 0xff || !OPENING_KEYS.contains(&(key as u8)) || version > 20 {
        return false;
    }
    // client_id: null (-1) or a printable string within the request.
    if id_len == 0xffff {
        return true;
    }
    let id_len = usize::from(id_len);
    id_len <= 255
        && 10 + id_len <= size as usize
        && p.iter()
            .skip(14)
            .take(id_len)
            .all(|b| (0x20..0x7f).contains(b))
}

pub(crate) fn classify(flow: &FlowView) -> Verdict {
    let (c, s) = (&flow.client.prefix, &flow.server.prefix);
    let answered = s.is_empty()
        || (be_u32(s, 0).is_some_and(|size| (4..1 << 26).contains(&size))
            && s.get(4..8).is_some()
            && s.get(4..8) == c.get(8..12));
    if request(&flow.client) && answered {
        Verdict::Yes(KAFKA)
    } else {
        Verdict::No
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::tcp;

    // tests/data/recorded/kafka.pcap (tests/tools/record/clients-only.sh):
    // kafka-python's ApiVersions v4 request, 127.0.0.1:59136 -> :9092.
    const API_VERSIONS: &[u8] = b"\x00\x00\x003\x00\x12\x00\x04\x00\x00\x00\x01\x00\x13kafka-python-3.0.12\x00\rkafka-python\x073.0.12\x00";

    #[test]
    fn api_versions() {
        flowsieve_sdk::testing::assert_yes::<crate::Messaging>(
            classify,
            &tcp(59136, 9092, API_VERSIONS, b""),
            KAFKA,
        );
        // A response carrying correlation id 1.
        let resp = b"\x00\x00\x01\xa0\x00\x00\x00\x01\x00\x00\x00\x3c";
        flowsieve_sdk::testing::assert_yes::<crate::Messaging>(
            classify,
            &tcp(59136, 9092, API_VERSIONS, resp),
            KAFKA,
        );
    }

    #[test]
    fn not_kafka() {
        // Another correlation id back; a size smaller than the packet; the
        // MongoDB hello (mongodb.pcap).
        let resp = b"\x00\x00\x01\xa0\x00\x00\x00\x02";
        assert_eq!(classify(&tcp(59136, 9092, API_VERSIONS, resp)), Verdict::No);
        let mut f = tcp(59136, 9092, API_VERSIONS, b"");
        f.client.first_payload_len = 80;
        assert_eq!(classify(&f), Verdict::No);
        let mongo = b"J\x01\x00\x00gE\x8bk\x00\x00\x00\x00\xdd\x07\x00\x00";
        assert_eq!(classify(&tcp(49732, 9092, mongo, b"")), Verdict::No);
    }
}
