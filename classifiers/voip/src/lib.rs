//! flowsieve's built-in `voip` pack: VoIP signalling and media, streaming
//! control and NAT traversal, each written from its own specification (see
//! the module of each rule). Names and categories are libprotoident's.

use flowsieve_sdk::prelude::*;

mod discord;
mod mpegts;
mod mumble;
mod rist;
mod rtp;
mod rtsp;
mod sap;
mod shoutcast;
mod sip;
mod srt;
mod stun;

pub const SIP_UDP: u32 = 0;
pub const STUN: u32 = 1;
pub const STUN_TCP: u32 = 2;
pub const SIP: u32 = 3;
pub const RTSP: u32 = 4;
pub const RTCP: u32 = 5;
pub const RTP: u32 = 6;
pub const DISCORD: u32 = 7;
pub const RTP_TCP: u32 = 8;
pub const SHOUTCAST: u32 = 9;
pub const SRT: u32 = 10;
pub const MPEG_TS: u32 = 11;
pub const MUMBLE: u32 = 12;
pub const SAP_SDP: u32 = 13;
pub const RIST: u32 = 14;

/// A rule's matcher and the index it names.
type Matcher = Check;

pub struct Voip;

impl Rule for Voip {
    fn manifest() -> Manifest {
        ManifestBuilder::new("voip", env!("CARGO_PKG_VERSION"))
            .udp(SIP_UDP, "SIP_UDP", "VOIP", 2)
            .leads(sip::leads())
            .udp(STUN, "STUN", "NAT_Traversal", 5)
            .leads([stun::lead(0)])
            .tcp(STUN_TCP, "STUN_TCP", "NAT_Traversal", 5)
            // Bare, or behind RFC 4571 framing.
            .leads([stun::lead(0), stun::lead(2)])
            .tcp(SIP, "SIP", "VOIP", 2)
            .leads(sip::leads())
            .tcp(RTSP, "RTSP", "Streaming", 2)
            .leads(rtsp::leads())
            .udp(RTCP, "RTCP", "VOIP", 20)
            .leads(rtp::rtcp_leads())
            // RTP has no magic: a weak guess that any other match beats.
            .udp(RTP, "RTP", "VOIP", 200)
            .leads([rtp::rtp_lead()])
            .udp(DISCORD, "Discord", "VOIP", 5)
            .leads(discord::leads())
            // RFC 4571 framing; libprotoident names RTP over UDP only, nDPI
            // names both RTP.
            .tcp(RTP_TCP, "RTP", "VOIP", 200)
            .leads([rtp::rtp_tcp_lead()])
            .tcp(SHOUTCAST, "Shoutcast", "Streaming", 2)
            .leads(shoutcast::leads())
            .udp(SRT, "SRT", "Streaming", 5)
            .leads([srt::lead()])
            .udp(MPEG_TS, "MPEG_TS", "Streaming", 20)
            .leads([mpegts::lead()])
            .udp(MUMBLE, "Mumble", "VOIP", 5)
            .leads([mumble::lead()])
            .udp(SAP_SDP, "SAP_SDP", "Streaming", 5)
            .leads([sap::lead()])
            .udp(RIST, "RIST", "Streaming", 5)
            .leads([rist::lead()])
            .build()
    }

    fn classify(flow: &FlowView) -> Outcome {
        let rules: &[Matcher] = match flow.transport {
            Transport::Udp => &[
                (sip::matches, SIP_UDP),
                (stun::matches_udp, STUN),
                (discord::matches, DISCORD),
                (srt::matches, SRT),
                (mpegts::matches, MPEG_TS),
                (mumble::matches, MUMBLE),
                (sap::matches, SAP_SDP),
                (rist::matches, RIST),
                (rtp::matches_rtcp, RTCP),
                (rtp::matches_rtp, RTP),
            ],
            Transport::Tcp => &[
                (sip::matches, SIP),
                (rtsp::matches, RTSP),
                (shoutcast::matches, SHOUTCAST),
                (stun::matches_tcp, STUN_TCP),
                (rtp::matches_rtp_tcp, RTP_TCP),
            ],
        };
        first_match(flow, rules)
    }
}

/// Test helper: whether the host would offer `flow` to this pack for `rule`.
#[cfg(test)]
pub(crate) fn offered(rule: u32, flow: &FlowView) -> bool {
    flowsieve_sdk::testing::offered::<Voip>(rule, flow)
}

flowsieve_sdk::export_rule!(Voip);

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::{fuzz_pack, tcp, udp, verdict};

    #[test]
    fn manifest_is_consistent() {
        let m = Voip::manifest();
        assert_eq!(m.name, "voip");
        assert_eq!(m.rules[STUN_TCP as usize].transport, Transport::Tcp);
        assert_eq!(m.rules[RTP as usize].protocol, "RTP");
    }

    #[test]
    fn dispatches_by_transport() {
        let (req, resp) = (stun::tests::REQUEST, stun::tests::RESPONSE);
        assert_eq!(
            verdict::<Voip>(&udp(43016, 3478, req, resp)),
            Outcome::Matched(STUN)
        );
        assert_eq!(
            verdict::<Voip>(&tcp(43016, 3478, req, resp)),
            Outcome::Matched(STUN_TCP)
        );
        let (inv, ring) = (sip::tests::INVITE_TCP, sip::tests::RINGING_TCP);
        assert_eq!(
            verdict::<Voip>(&tcp(15061, 15060, inv, ring)),
            Outcome::Matched(SIP)
        );
        assert_eq!(
            verdict::<Voip>(&udp(15061, 15060, inv, ring)),
            Outcome::Matched(SIP_UDP)
        );
        let mut rtp = udp(30000, 40392, rtp::tests::PCMA, b"");
        rtp.client.packets = 9;
        assert_eq!(verdict::<Voip>(&rtp), Outcome::Matched(RTP));
        let noise: Vec<u8> = (0u32..64)
            .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
            .collect();
        assert_eq!(
            verdict::<Voip>(&udp(40000, 5060, &noise, &noise)),
            Outcome::NoMatch
        );
    }

    #[test]
    fn arbitrary_prefixes_never_panic() {
        let seeds: [&[u8]; 21] = [
            b"",
            b"REGISTER ",
            b"SIP/2.0 ",
            &[0, 1, 0, 0, 0x21, 0x12, 0xa4, 0x42],
            &[0, 0x68, 0, 1, 0, 0x54, 0x21, 0x12, 0xa4, 0x42],
            b"OPTIONS rtsp://",
            b"RTSP/1.0 ",
            &[0x80, 0xc8, 0, 6],
            &[0x81, 0xc9, 0, 7],
            &[0x80, 0],
            &[0x90, 0x60],
            &[0, 1, 0, 70],
            &[0x04, 0xbc, 0x80, 0x88],
            b"SOURCE /",
            b"ICY ",
            &[0x80, 0, 0, 0],
            &[0x47, 0x40, 0x11],
            &[0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8],
            &[0, 0, 0x88, 0xb6, 0x80, 0, 7, 0xb1, 0x80, 0xc8],
            &[0x20, 0, 0x88, 0xb6],
            b"\x20\x00\x48\x5b\x7f\x00\x00\x01application/sdp\x00",
        ];
        fuzz_pack::<Voip>(&seeds);
    }
}
