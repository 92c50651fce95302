//! NATS client protocol (docs.nats.io "Client Protocol"): the server speaks
//! first with `INFO {json}` whose JSON carries `server_id`; the client
//! answers `CONNECT {json}` (or PING/PUB/SUB when verbose options are off).
//! The port is not needed.

use crate::{Verdict, NATS};
use flowsieve_sdk::prelude::*;

pub(crate) fn leads() -> [Lead; 1] {
    [server(b"INFO {")]
}

pub(crate) fn classify(flow: &FlowView) -> Verdict {
    let (c, s) = (&flow.client.prefix, &flow.server.prefix);
    let info = s.starts_with(b"INFO {") && s.windows(11).any(|w| w == b"\"server_id\"");
    let client_ok = c.is_empty()
        || c.starts_with(b"CONNECT {")
        || c.starts_with(b"PING\r\n")
        || c.starts_with(b"SUB ")
        || c.starts_with(b"PUB ");
    if info && client_ok {
        Verdict::Yes(NATS)
    } else {
        Verdict::No
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::tcp;

    // tests/data/recorded/nats.pcap (tests/tools/record/messaging.sh):
    // nats-server 2.9 and nats-py, 127.0.0.1:35418 <-> :14222.
    const INFO: &[u8] = b"INFO {\"server_id\":\"NALPFGAOBJQ7UYMKXMZC2L2J7XYL2YVUK5SPUKFN65LCTEWMJHZSDG62\",\"server_name\":\"NALPFGAOBJQ7UYMKXMZC2L2J7XYL";
    const CONNECT: &[u8] = b"CONNECT {\"echo\": true, \"headers\": true, \"lang\": \"python3\", \"no_responders\": true, \"pedantic\": false, \"protocol\": 1, \"ver";

    #[test]
    fn info_connect() {
        flowsieve_sdk::testing::assert_yes::<crate::Messaging>(
            classify,
            &tcp(35418, 14222, CONNECT, INFO),
            NATS,
        );
        flowsieve_sdk::testing::assert_yes::<crate::Messaging>(
            classify,
            &tcp(35418, 4222, b"", INFO),
            NATS,
        );
    }

    #[test]
    fn not_nats() {
        // An IMAP-like INFO line and an HTTP CONNECT (http_connect.pcap).
        assert_eq!(
            classify(&tcp(35418, 4222, b"", b"INFO {no json here}\r\n")),
            Verdict::No
        );
        let http = b"CONNECT apache.org:443 HTTP/1.1\r\n";
        assert_eq!(
            classify(&tcp(
                1714,
                8080,
                http,
                b"HTTP/1.1 200 Connection established\r\n"
            )),
            Verdict::No
        );
    }
}
