//! flowsieve's built-in `p2p` pack: peer-to-peer file sharing and the LAN
//! discovery of peer-to-peer clients, each rule
//! written from its own specification (see the module of each rule). Names
//! and categories are libprotoident's.

use flowsieve_sdk::prelude::*;

mod bittorrent;
mod bittorrent_udp;
mod lansync;

pub const BITTORRENT: u32 = 0;
pub const BITTORRENT_UDP: u32 = 1;
pub const LANSYNC_UDP: u32 = 2;
pub const SPOTIFY_BROADCAST: u32 = 3;

pub struct P2p;

impl Rule for P2p {
    fn manifest() -> Manifest {
        ManifestBuilder::new("p2p", env!("CARGO_PKG_VERSION"))
            .tcp(BITTORRENT, "BitTorrent", "P2P", 2)
            .leads([either(bittorrent::HANDSHAKE)])
            .udp(BITTORRENT_UDP, "BitTorrent_UDP", "P2P", 5)
            .leads(bittorrent_udp::leads())
            // The LAN discovery of two peer-to-peer clients (Dropbox LAN
            // Sync, Spotify), in libprotoident's Broadcast category.
            .udp(LANSYNC_UDP, "LanSync_UDP", "Broadcast", 5)
            .leads([client(lansync::LANSYNC)])
            .udp(SPOTIFY_BROADCAST, "SpotifyBroadcast", "Broadcast", 5)
            .leads([client(lansync::SPOTIFY)])
            .build()
    }

    fn classify(flow: &FlowView) -> Outcome {
        match flow.transport {
            Transport::Tcp if bittorrent::matches(flow) => Outcome::Matched(BITTORRENT),
            Transport::Udp if bittorrent_udp::matches(flow) => Outcome::Matched(BITTORRENT_UDP),
            Transport::Udp if lansync::matches_lansync(flow) => Outcome::Matched(LANSYNC_UDP),
            Transport::Udp if lansync::matches_spotify(flow) => Outcome::Matched(SPOTIFY_BROADCAST),
            _ => Outcome::NoMatch,
        }
    }
}

/// Test helper: whether the host would offer `flow` to this pack for `rule`.
#[cfg(test)]
pub(crate) fn offered(rule: u32, flow: &FlowView) -> bool {
    flowsieve_sdk::testing::offered::<P2p>(rule, flow)
}

flowsieve_sdk::export_rule!(P2p);

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::{fuzz_pack, tcp, udp, verdict};

    #[test]
    fn manifest_is_consistent() {
        let m = P2p::manifest();
        assert_eq!(m.name, "p2p");
        assert_eq!(m.rules[BITTORRENT_UDP as usize].transport, Transport::Udp);
    }

    #[test]
    fn dispatches_by_transport() {
        let (c, s) = (bittorrent::tests::CLIENT, bittorrent::tests::SERVER);
        assert_eq!(
            verdict::<P2p>(&tcp(52887, 53137, c, s)),
            Outcome::Matched(BITTORRENT)
        );
        assert_eq!(verdict::<P2p>(&udp(52887, 53137, c, s)), Outcome::NoMatch);
        let syn = bittorrent_udp::tests::SYN;
        assert_eq!(
            verdict::<P2p>(&udp(49861, 33333, syn, b"")),
            Outcome::Matched(BITTORRENT_UDP)
        );
        let connect = bittorrent_udp::tests::CONNECT;
        assert_eq!(
            verdict::<P2p>(&udp(1, 2, connect, b"")),
            Outcome::Matched(BITTORRENT_UDP)
        );
        assert_eq!(
            verdict::<P2p>(&udp(1, 2, bittorrent_udp::tests::GET_PEERS, b"")),
            Outcome::Matched(BITTORRENT_UDP)
        );
    }

    #[test]
    fn arbitrary_prefixes_never_panic() {
        let seeds: [&[u8]; 9] = [
            b"",
            bittorrent::HANDSHAKE,
            b"d1:ad2:id20:",
            b"d1:rd2:id20:",
            &[0x41, 0],
            &[0x21, 2],
            &bittorrent_udp::TRACKER_MAGIC,
            lansync::LANSYNC,
            lansync::SPOTIFY,
        ];
        fuzz_pack::<P2p>(&seeds);
    }
}
