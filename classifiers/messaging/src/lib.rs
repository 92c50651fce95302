//! flowsieve's built-in `messaging` pack: message queues, chat and IoT
//! protocols, each written from its own specification (see the module of
//! each rule). Names and categories are libprotoident's where it has the
//! protocol (IRC, XMPP, NSQ, RabbitMQ for AMQP); the others follow its style.

use flowsieve_sdk::prelude::*;

mod amqp;
mod coap;
mod irc;
mod kafka;
mod mqtt;
mod nats;
mod nsq;
mod stomp;
mod xmpp;
mod zeromq;

pub const MQTT: u32 = 0;
pub const AMQP: u32 = 1;
pub const KAFKA: u32 = 2;
pub const XMPP: u32 = 3;
pub const IRC: u32 = 4;
pub const COAP: u32 = 5;
pub const STOMP: u32 = 6;
pub const NATS: u32 = 7;
pub const ZEROMQ: u32 = 8;
pub const NSQ: u32 = 9;

pub(crate) use flowsieve_sdk::dispatch::Verdict;

pub struct Messaging;

impl Rule for Messaging {
    fn manifest() -> Manifest {
        ManifestBuilder::new("messaging", env!("CARGO_PKG_VERSION"))
            .tcp(MQTT, "MQTT", "Message_Queuing", 3)
            .leads(mqtt::leads())
            .tcp(AMQP, "RabbitMQ", "Message_Queuing", 3)
            .leads(amqp::leads())
            .tcp(KAFKA, "Kafka", "Message_Queuing", 5)
            .leads(kafka::leads())
            .tcp(XMPP, "XMPP", "Chat", 3)
            .leads(xmpp::leads())
            .tcp(IRC, "IRC", "Chat", 3)
            .leads(irc::leads())
            .udp(COAP, "CoAP", "Services", 10)
            .leads(coap::leads())
            .tcp(STOMP, "STOMP", "Message_Queuing", 3)
            .leads(stomp::leads())
            .tcp(NATS, "NATS", "Message_Queuing", 3)
            .leads(nats::leads())
            .tcp(ZEROMQ, "ZeroMQ", "Message_Queuing", 3)
            .leads(zeromq::leads())
            .tcp(NSQ, "NSQ", "Message_Queuing", 3)
            .leads(nsq::leads())
            .build()
    }

    fn classify(flow: &FlowView) -> Outcome {
        let rules: &[Judge] = match flow.transport {
            Transport::Tcp => &[
                mqtt::classify,
                amqp::classify,
                kafka::classify,
                xmpp::classify,
                irc::classify,
                stomp::classify,
                nats::classify,
                zeromq::classify,
                nsq::classify,
            ],
            Transport::Udp => &[coap::classify],
        };
        first_verdict(flow, rules)
    }
}

flowsieve_sdk::export_rule!(Messaging);

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::{tcp, udp, verdict};

    #[test]
    fn manifest_is_consistent() {
        let m = Messaging::manifest();
        assert_eq!(m.name, "messaging");
        assert_eq!(m.rules[COAP as usize].transport, Transport::Udp);
        assert_eq!(m.rules[AMQP as usize].protocol, "RabbitMQ");
        assert!(m.rules.iter().all(|r| !r.leads.is_empty()));
    }

    #[test]
    fn noise_and_web_match_nothing() {
        let noise: Vec<u8> = (0u32..64)
            .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
            .collect();
        assert_eq!(
            verdict::<Messaging>(&tcp(40000, 1883, &noise, &noise)),
            Outcome::NoMatch
        );
        assert_eq!(
            verdict::<Messaging>(&udp(40000, 5683, &noise, &noise)),
            Outcome::NoMatch
        );
        let get = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n";
        assert_eq!(
            verdict::<Messaging>(&tcp(40000, 80, get, b"HTTP/1.1 200 OK\r\n")),
            Outcome::NoMatch
        );
    }

    #[test]
    fn arbitrary_prefixes_never_panic() {
        let seeds: [&[u8]; 13] = [
            b"  V2IDENTIFY\n",
            b"",
            b"\x10\x0c\x00\x04MQTT\x04",
            b"AMQP\x00\x00\x09\x01",
            b"\x00\x00\x003\x00\x12\x00\x04\x00\x00\x00\x01\x00\x13",
            b"<?xml version='1.0'?><stream:stream ",
            b"NICK x\r\n",
            b"B\x01\x02\xcd\x93o\xb5",
            b"\x48\x01\x00\x01",
            b"STOMP\n",
            b"INFO {\"server_id\":",
            b"\xff\x00\x00\x00\x00\x00\x00\x00\x01\x7f\x03",
            b":irc.x 001 ",
        ];
        flowsieve_sdk::testing::fuzz_pack::<Messaging>(&seeds);
    }
}
