//! The per-worker side: one instance per pack, reused across calls, rebuilt
//! after a fault or every N calls; the pack-set generation is picked up at
//! the next call with one lock-free load.

use crate::contract::{FlowView, Outcome};
use crate::fault::FaultKind;
use crate::instance::LiveInstance;
use crate::pack::Pack;
use crate::protocols::ProtocolId;
use crate::runtime::{PackSet, Shared};
use std::sync::Arc;

/// The combined answer of all packs for one flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The best (lowest-priority) match, ties to the earlier pack.
    Matched(ProtocolId),
    /// No pack recognised the flow.
    NoMatch,
    /// A pack asked to see more payload. `provisional` is the best match so
    /// far (a pack that could still beat it asked for more): use it if the
    /// flow ends or the re-offer cap is reached.
    NeedMore { provisional: Option<ProtocolId> },
}

struct Slot {
    pack: Arc<Pack>,
    live: Option<LiveInstance>,
}

/// A worker thread's classifier. Not shared: each worker owns one, so
/// calls take no lock.
pub struct WorkerClassifier {
    shared: Arc<Shared>,
    set: Arc<PackSet>,
    slots: Vec<Slot>,
    instances_built: u64,
    guest_calls: u64,
}

impl WorkerClassifier {
    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        let set = shared.current.load_full();
        let slots = set
            .packs
            .iter()
            .map(|p| Slot {
                pack: p.clone(),
                live: None,
            })
            .collect();
        Self {
            shared,
            set,
            slots,
            instances_built: 0,
            guest_calls: 0,
        }
    }

    /// The pack-set generation this worker last used.
    /// Stores + instances this worker has built (first use, after faults,
    /// recycling, new packs).
    pub fn instances_built(&self) -> u64 {
        self.instances_built
    }

    /// Calls into packs this worker has made (a `classify` asks only the packs
    /// whose gates open, so this over the number of `classify` calls is the
    /// guest crossings per offer).
    pub fn guest_calls(&self) -> u64 {
        self.guest_calls
    }

    /// Linear-memory bytes of this worker's live instance of the pack named `pack`, `None`
    /// if it has none (never called, or dropped after a fault). For soak tests and
    /// measurements: an instance whose memory keeps growing call after call leaks.
    pub fn instance_memory_bytes(&self, pack: &str) -> Option<usize> {
        self.slots
            .iter()
            .find(|s| s.pack.name == pack)
            .and_then(|s| s.live.as_ref())
            .map(LiveInstance::memory_bytes)
    }

    pub fn generation(&self) -> u64 {
        self.set.generation
    }

    /// Switches to the newest pack set if there is one, keeping the
    /// instances of packs that did not change.
    #[inline]
    fn refresh(&mut self) {
        let current = self.shared.current.load();
        if Arc::ptr_eq(&current, &self.set) {
            return;
        }
        let set = arc_swap::Guard::into_inner(current);
        let mut old = std::mem::take(&mut self.slots);
        self.slots = set
            .packs
            .iter()
            .map(
                |pack| match old.iter().position(|s| Arc::ptr_eq(&s.pack, pack)) {
                    Some(i) => old.swap_remove(i),
                    None => Slot {
                        pack: pack.clone(),
                        live: None,
                    },
                },
            )
            .collect();
        self.set = set;
    }

    /// Offers a flow to every pack that can match it and combines the
    /// answers like libprotoident: lowest priority wins, ties to the pack
    /// loaded first. A faulting pack gives no opinion; it never fails the call.
    pub fn classify(&mut self, view: &FlowView<'_>) -> Verdict {
        self.refresh();
        let shared = &*self.shared;
        let transport = view.transport;
        let mut combine = Combine::default();
        for Slot { pack, live } in &mut self.slots {
            let pack = &**pack;
            if pack.faults.is_quarantined() {
                *live = None; // give its memory back
                continue;
            }
            let Some(pack_best) = pack.best_open(view, combine.bound()) else {
                continue;
            };
            self.guest_calls += 1;
            let outcome = match call(shared, pack, live, &mut self.instances_built, view) {
                Ok(outcome) => outcome,
                Err((kind, err)) => {
                    shared.report_fault(pack, kind, &err);
                    continue;
                }
            };
            match outcome {
                Outcome::Matched(index) => match pack.rule_for(index, transport) {
                    Some(rule) => combine.matched(rule.priority, rule.id),
                    None => {
                        let err = wasmtime::format_err!(
                            "answered rule {index}, not a {transport:?} rule of its manifest"
                        );
                        shared.report_fault(pack, FaultKind::BadVerdict, &err);
                    }
                },
                Outcome::NoMatch => {}
                Outcome::NeedMore => combine.need_more(pack_best),
            }
        }
        combine.verdict()
    }
}

/// libprotoident's combination rule, over the packs in load order.
#[derive(Default)]
struct Combine {
    best: Option<(u8, ProtocolId)>,
    /// Best priority among packs that asked for more payload.
    pending: Option<u8>,
}

impl Combine {
    /// Whether a pack whose best rule has `priority` can still win: it must
    /// be strictly better, since ties go to the earlier pack.
    #[inline]
    fn can_beat(&self, priority: u8) -> bool {
        self.best.is_none_or(|(p, _)| priority < p)
    }

    /// Priorities below this can still win.
    #[inline]
    fn bound(&self) -> u16 {
        self.best.map_or(256, |(p, _)| u16::from(p))
    }

    #[inline]
    fn matched(&mut self, priority: u8, id: ProtocolId) {
        if self.can_beat(priority) {
            self.best = Some((priority, id));
        }
    }

    #[inline]
    fn need_more(&mut self, pack_best: u8) {
        self.pending = Some(self.pending.map_or(pack_best, |p| p.min(pack_best)));
    }

    fn verdict(&self) -> Verdict {
        match (self.best, self.pending) {
            (Some((p, id)), Some(q)) if q < p => Verdict::NeedMore {
                provisional: Some(id),
            },
            (Some((_, id)), _) => Verdict::Matched(id),
            (None, Some(_)) => Verdict::NeedMore { provisional: None },
            (None, None) => Verdict::NoMatch,
        }
    }
}

/// One call on a slot's instance. A call that runs past its deadline is tried once more on
/// a fresh instance before it counts: the deadline is wall-clock time, and a worker thread
/// descheduled for a few milliseconds on a busy machine must not cost a good pack its
/// verdict. A pack that really loops faults twice and pays two deadlines.
#[inline]
fn call(
    shared: &Shared,
    pack: &Pack,
    slot: &mut Option<LiveInstance>,
    built: &mut u64,
    view: &FlowView<'_>,
) -> Result<Outcome, (FaultKind, wasmtime::Error)> {
    match call_once(shared, pack, slot, built, view) {
        Err((FaultKind::Timeout, _)) => call_once(shared, pack, slot, built, view),
        other => other,
    }
}

/// One call on a slot's instance, (re)building it first when needed.
#[inline]
fn call_once(
    shared: &Shared,
    pack: &Pack,
    slot: &mut Option<LiveInstance>,
    built: &mut u64,
    view: &FlowView<'_>,
) -> Result<Outcome, (FaultKind, wasmtime::Error)> {
    let cfg = &shared.config;
    if cfg.recycle_after_calls > 0
        && slot
            .as_ref()
            .is_some_and(|l| l.calls >= cfg.recycle_after_calls)
    {
        *slot = None;
    }
    let live = match &mut *slot {
        Some(live) => live,
        empty => {
            let fresh = LiveInstance::new(
                &shared.engine,
                &pack.pre,
                &pack.classify_index,
                cfg.memory_limit,
                shared.deadline_ticks,
            )
            .map_err(|e| (FaultKind::Instantiate, e))?;
            *built += 1;
            empty.insert(fresh)
        }
    };
    let result = live.call_classify(view, shared.deadline_ticks);
    if let Err((kind, _)) = &result {
        if kind.poisons_instance() {
            *slot = None;
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    // Any three distinct ids.
    const A: ProtocolId = ProtocolId::UNKNOWN_TCP;
    const B: ProtocolId = ProtocolId::UNKNOWN_UDP;
    const C: ProtocolId = ProtocolId::NO_PAYLOAD;

    #[test]
    fn lowest_priority_wins_and_ties_go_to_the_earlier_pack() {
        let mut c = Combine::default();
        c.matched(10, A);
        c.matched(10, B); // tie: the earlier pack keeps it
        assert_eq!(c.verdict(), Verdict::Matched(A));
        assert!(!c.can_beat(10) && c.can_beat(9));
        c.matched(2, C);
        assert_eq!(c.verdict(), Verdict::Matched(C));
    }

    #[test]
    fn need_more_from_a_pack_that_could_win_holds_the_match_provisionally() {
        let mut c = Combine::default();
        c.matched(100, A);
        c.need_more(2);
        assert_eq!(
            c.verdict(),
            Verdict::NeedMore {
                provisional: Some(A)
            }
        );
        let mut c = Combine::default();
        c.need_more(200); // cannot beat the match: ignored
        c.matched(100, A);
        assert_eq!(c.verdict(), Verdict::Matched(A));
        let mut c = Combine::default();
        c.need_more(5);
        assert_eq!(c.verdict(), Verdict::NeedMore { provisional: None });
        assert_eq!(Combine::default().verdict(), Verdict::NoMatch);
    }
}
