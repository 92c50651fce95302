//! flowsieve's built-in `games` pack: game protocols, each written from its
//! own specification (see the module of each rule). Names and categories are
//! libprotoident's.

use flowsieve_sdk::prelude::*;

mod minecraft;
mod quake;

pub const MINECRAFT: u32 = 0;
pub const QUAKE: u32 = 1;

pub struct Games;

impl Rule for Games {
    fn manifest() -> Manifest {
        ManifestBuilder::new("games", env!("CARGO_PKG_VERSION"))
            .tcp(MINECRAFT, "Minecraft", "Gaming", 5)
            .leads(minecraft::leads())
            .udp(QUAKE, "Quake", "Gaming", 5)
            .leads([quake::lead()])
            .build()
    }

    fn classify(flow: &FlowView) -> Outcome {
        match flow.transport {
            Transport::Tcp => match minecraft::classify(flow) {
                minecraft::Verdict::Yes => Outcome::Matched(MINECRAFT),
                minecraft::Verdict::Maybe => Outcome::NeedMore,
                minecraft::Verdict::No => Outcome::NoMatch,
            },
            Transport::Udp if quake::matches(flow) => Outcome::Matched(QUAKE),
            Transport::Udp => Outcome::NoMatch,
        }
    }
}

/// Test helper: whether the host would offer `flow` to this pack for `rule`.
#[cfg(test)]
pub(crate) fn offered(rule: u32, flow: &FlowView) -> bool {
    flowsieve_sdk::testing::offered::<Games>(rule, flow)
}

flowsieve_sdk::export_rule!(Games);

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::{fuzz_pack, tcp, udp, verdict};

    #[test]
    fn manifest_is_consistent() {
        let m = Games::manifest();
        assert_eq!(m.name, "games");
        assert_eq!(m.rules[MINECRAFT as usize].protocol, "Minecraft");
    }

    #[test]
    fn dispatches_by_transport() {
        let (c, s) = (minecraft::tests::STATUS, minecraft::tests::RESPONSE);
        assert_eq!(
            verdict::<Games>(&tcp(56770, 25599, c, s)),
            Outcome::Matched(MINECRAFT)
        );
        assert_eq!(verdict::<Games>(&udp(56770, 25599, c, s)), Outcome::NoMatch);
        let (q, r) = (quake::tests::GETINFO, quake::tests::INFO);
        assert_eq!(
            verdict::<Games>(&udp(60892, 27960, q, r)),
            Outcome::Matched(QUAKE)
        );
    }

    #[test]
    fn arbitrary_prefixes_never_panic() {
        let seeds: [&[u8]; 6] = [
            b"",
            &[0x0f, 0, 0x2f, 9],
            &[0x10, 0, 0xff, 0xff, 0xff, 0xff, 0x0f],
            &[0x88, 0x01, 0],
            &[0xff, 0xff, 0xff, 0xff],
            b"\xff\xff\xff\xffgetstatus",
        ];
        fuzz_pack::<Games>(&seeds);
    }
}
