//! Zabbix protocol (Zabbix manual, "Zabbix protocols" → "Header and data
//! length"): every message is `ZBXD`, a flags byte (0x01 Zabbix protocol,
//! 0x02 compressed, 0x04 large packet), the data length as a 4-byte (8 with
//! the large flag) little-endian integer and as many reserved bytes, then
//! the data (JSON, or the item key). The side that connects (server,
//! proxy, sender or active agent) sends first; the answer uses the same
//! header. The port is not needed.

use flowsieve_sdk::prelude::*;

pub(crate) fn leads() -> [Lead; 1] {
    [client(b"ZBXD")]
}

fn header(p: &[u8]) -> bool {
    p.strip_prefix(b"ZBXD")
        .and_then(|r| r.first())
        .is_some_and(|&flags| flags & 0x01 != 0 && flags & !0x07 == 0)
        && p.get(5..9)
            .is_none_or(|len| u32::from_le_bytes([len[0], len[1], len[2], len[3]]) < 1 << 30)
}

pub(crate) fn matches(flow: &FlowView) -> bool {
    let s = &flow.server.prefix;
    header(&flow.client.prefix) && (s.is_empty() || header(s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::tcp;

    // tests/data/recorded/zabbix.pcap (tests/tools/record/misc.sh):
    // zabbix_sender 6.0, 127.0.0.1:58556 -> :10151.
    const SENDER: &[u8] = b"ZBXD\x01W\x00\x00\x00\x00\x00\x00\x00{\"request\":\"sender data\",\"data\":[{\"host\":\"flowsieve\",\"key\":\"rule.packs\",\"value\":\"45\"}]}";

    #[test]
    fn sender_data() {
        crate::check(matches, &tcp(58556, 10151, SENDER, b""), crate::ZABBIX);
        let answer = b"ZBXD\x01\x5a\x00\x00\x00\x00\x00\x00\x00{\"response\":\"success\"";
        crate::check(matches, &tcp(58556, 10051, SENDER, answer), crate::ZABBIX);
    }

    #[test]
    fn not_zabbix() {
        // Unknown flags; an HTTP answer.
        assert!(!matches(&tcp(58556, 10051, b"ZBXD\x10W\x00\x00\x00", b"")));
        assert!(!matches(&tcp(
            58556,
            10051,
            SENDER,
            b"HTTP/1.1 400 Bad Request\r\n"
        )));
    }
}
