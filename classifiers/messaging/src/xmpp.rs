//! XMPP client and server streams (RFC 6120 §4.2 stream opening, §4.8.1
//! namespaces): each side opens its stream with a `<stream:stream` element
//! (optionally after an XML declaration) in the
//! `http://etherx.jabber.org/streams` namespace with content namespace
//! `jabber:client` or `jabber:server`. Either side's opening, found in its
//! first bytes, names the flow; the port is not needed.

use crate::{Verdict, XMPP};
use flowsieve_sdk::prelude::*;

pub(crate) fn leads() -> [Lead; 4] {
    [
        client(b"<?xml"),
        client(b"<stream:stream"),
        server(b"<?xml"),
        server(b"<stream:stream"),
    ]
}

fn contains(p: &[u8], needle: &[u8]) -> bool {
    p.windows(needle.len()).any(|w| w == needle)
}

fn opening(p: &[u8]) -> bool {
    (p.starts_with(b"<?xml") || p.starts_with(b"<stream:stream"))
        && contains(p, b"<stream:stream")
        && (contains(p, b"etherx.jabber.org/streams")
            || contains(p, b"'jabber:")
            || contains(p, b"\"jabber:"))
}

pub(crate) fn classify(flow: &FlowView) -> Verdict {
    let (c, s) = (&flow.client.prefix, &flow.server.prefix);
    let client_ok = c.is_empty() || opening(c) || c.starts_with(b"<?xml");
    if (opening(c) || opening(s)) && client_ok {
        Verdict::Yes(XMPP)
    } else {
        Verdict::No
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::tcp;

    // tests/data/recorded/xmpp.pcap (tests/tools/record/messaging.sh):
    // slixmpp and prosody 0.12, 127.0.0.1:56106 <-> :15222.
    const CLIENT: &[u8] = b"<stream:stream to='localhost' xmlns:stream='http://etherx.jabber.org/streams' xmlns='jabber:client' xml:lang='en' version='1.0'>";
    const SERVER: &[u8] = b"<?xml version='1.0'?><stream:stream xmlns:stream='http://etherx.jabber.org/streams' version='1.0' from='localhost' xmlns='jabber:client' id='ccc45b89-85f9-4e95-b1c7-b4ba0e018249' xml:lang='en'><stream";

    #[test]
    fn stream_openings() {
        flowsieve_sdk::testing::assert_yes::<crate::Messaging>(
            classify,
            &tcp(56106, 15222, CLIENT, SERVER),
            XMPP,
        );
        flowsieve_sdk::testing::assert_yes::<crate::Messaging>(
            classify,
            &tcp(56106, 5222, CLIENT, b""),
            XMPP,
        );
    }

    #[test]
    fn not_xmpp() {
        // Another XML protocol over TCP, and the same capture's first flow:
        // a TLS ClientHello answered by a stream error is TLS, not XMPP.
        let soap = b"<?xml version=\"1.0\"?><soap:Envelope xmlns:soap=\"http://www.w3.org/2003/05/soap-envelope\">";
        assert_eq!(classify(&tcp(56106, 8080, soap, b"")), Verdict::No);
        let hello = b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03sd\x06\x8a";
        assert_eq!(classify(&tcp(56104, 15222, hello, SERVER)), Verdict::No);
    }
}
