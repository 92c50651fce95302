//! Combining a pack's rules into one `classify` answer, the two ways packs
//! are written: rules that judge a flow ([`Verdict`]: yes with the rule's
//! index, maybe — wait for more payload —, or no), and rules that are a plain
//! predicate paired with their index ([`Check`]). The first rule that names
//! the flow wins, in the order given.

use crate::{FlowView, Outcome};

/// A rule's judgement of one flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The flow is this manifest rule's protocol.
    Yes(u32),
    /// It may be, once more payload has arrived.
    Maybe,
    No,
}

/// A rule that judges a flow.
pub type Judge = fn(&FlowView) -> Verdict;

/// A predicate and the manifest rule it names.
pub type Check = (fn(&FlowView) -> bool, u32);

/// The first `Yes` names the flow; otherwise `NeedMore` if any rule said
/// `Maybe`, else `NoMatch`.
pub fn first_verdict(flow: &FlowView, judges: &[Judge]) -> Outcome {
    let mut outcome = Outcome::NoMatch;
    for judge in judges {
        match judge(flow) {
            Verdict::Yes(index) => return Outcome::Matched(index),
            Verdict::Maybe => outcome = Outcome::NeedMore,
            Verdict::No => {}
        }
    }
    outcome
}

/// The first check that holds names the flow; otherwise `NoMatch`.
pub fn first_match(flow: &FlowView, checks: &[Check]) -> Outcome {
    checks
        .iter()
        .find(|(check, _)| check(flow))
        .map_or(Outcome::NoMatch, |&(_, index)| Outcome::Matched(index))
}

#[cfg(all(test, feature = "testing"))]
mod tests {
    use super::*;
    use crate::testing::tcp;

    fn yes(_: &FlowView) -> Verdict {
        Verdict::Yes(3)
    }
    fn maybe(_: &FlowView) -> Verdict {
        Verdict::Maybe
    }
    fn no(_: &FlowView) -> Verdict {
        Verdict::No
    }

    #[test]
    fn first_yes_wins_else_maybe_else_no() {
        let f = tcp(1, 2, b"", b"");
        assert_eq!(first_verdict(&f, &[no, maybe, yes]), Outcome::Matched(3));
        assert_eq!(first_verdict(&f, &[no, maybe, no]), Outcome::NeedMore);
        assert_eq!(first_verdict(&f, &[no]), Outcome::NoMatch);
        let checks: [Check; 2] = [(|_| false, 0), (|_| true, 7)];
        assert_eq!(first_match(&f, &checks), Outcome::Matched(7));
        assert_eq!(first_match(&f, &checks[..1]), Outcome::NoMatch);
    }
}
