//! A one-second timer wheel with lazy revalidation.
//!
//! Each flow has one live entry, filed under the second of its deadline as known when filed.
//! Packets only move the flow's real deadline later, so they never touch the wheel; when the
//! entry's second comes, the flow is expired if it is really due and filed again otherwise.
//! A deadline that moves *earlier* (a flow closing) files a new entry; the flow remembers the
//! stamp of its current entry (and the second it is filed under), so older entries are
//! recognised as stale and dropped. Entries are 8 bytes (slot + stamp): the wheel costs a
//! tracked flow about as much as one pointer.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The flow's slot in the table.
    pub slot: u32,
    /// Which filing of that slot this is; a flow keeps the stamp of its live entry.
    pub stamp: u32,
}

/// What the wheel needs to know about an entry's flow when its slot comes round.
pub enum Filed {
    /// The slot no longer holds the flow this entry was filed for.
    Stale,
    /// The flow's live entry, filed under this second.
    Live(i64),
}

pub struct TimerWheel {
    buckets: Vec<Vec<Entry>>,
    /// Last second processed; entries for seconds ≤ cursor are due.
    cursor: Option<i64>,
    next_stamp: u32,
    /// No live entry is filed under an (unprocessed) second before this one: evictions
    /// start looking here instead of walking empty seconds up to the longest timeout.
    scan_from: i64,
}

impl TimerWheel {
    /// `horizon_secs`: the longest timeout; deadlines never lie further ahead than that.
    pub fn new(horizon_secs: u64) -> TimerWheel {
        let n = (horizon_secs as usize + 2).next_power_of_two();
        TimerWheel {
            buckets: (0..n).map(|_| Vec::new()).collect(),
            cursor: None,
            next_stamp: 0,
            scan_from: i64::MIN,
        }
    }

    fn slot(&self, sec: i64) -> usize {
        sec.rem_euclid(self.buckets.len() as i64) as usize
    }

    /// Files an entry for `slot`; a second already passed is filed at the next one to
    /// process. Returns the second filed under and the entry's stamp (the flow keeps both).
    pub fn schedule(&mut self, slot: u32, sec: i64) -> (i64, u32) {
        let sec = match self.cursor {
            Some(c) if sec <= c => c + 1,
            _ => sec,
        };
        // Stamps wrap after 2^32 filings; a stale entry mistaken for live only makes the
        // table re-check that flow's deadline, which is always re-verified.
        self.scan_from = self.scan_from.min(sec);
        let stamp = self.next_stamp;
        self.next_stamp = self.next_stamp.wrapping_add(1);
        let b = self.slot(sec);
        self.buckets[b].push(Entry { slot, stamp });
        (sec, stamp)
    }

    /// Takes every entry due at or before `now_sec`, appending them to `out`; `filed`
    /// tells, for an entry, whether it is still its flow's live one and for which second.
    pub fn advance(&mut self, now_sec: i64, out: &mut Vec<Entry>, filed: impl Fn(Entry) -> Filed) {
        let start = match self.cursor {
            Some(c) if c >= now_sec => return,
            Some(c) => c + 1,
            None => {
                self.cursor = Some(now_sec);
                // Anything filed before the first advance is due now or later.
                for b in 0..self.buckets.len() {
                    take_due(&mut self.buckets[b], now_sec, out, &filed);
                }
                return;
            }
        };
        let n = self.buckets.len() as i64;
        if now_sec - start >= n {
            // A jump past the whole wheel (time gaps in a capture): one full sweep.
            for b in &mut self.buckets {
                out.append(b);
            }
        } else {
            for sec in start..=now_sec {
                let b = self.slot(sec);
                // Entries for a later lap stay: they share the slot but not the second.
                take_due(&mut self.buckets[b], now_sec, out, &filed);
            }
        }
        self.cursor = Some(now_sec);
    }

    /// Takes the live entry filed under the earliest second (the eviction candidate),
    /// dropping stale entries on the way. Entries come off the end of the earliest bucket
    /// one at a time, so an eviction costs O(1) amortised however many flows share that
    /// second (a SYN flood against the flow cap evicts on every packet).
    pub fn pop_earliest_live(&mut self, filed: impl Fn(Entry) -> Filed) -> Option<Entry> {
        let n = self.buckets.len() as i64;
        let from = self.cursor.map_or(0, |c| c + 1).max(self.scan_from);
        let mut later_laps = Vec::new();
        let mut found = None;
        'seconds: for sec in from..from + n {
            let b = self.slot(sec);
            while let Some(e) = self.buckets[b].pop() {
                match filed(e) {
                    Filed::Stale => {}
                    // Before the first advance every filed second counts as this lap.
                    Filed::Live(s) if self.cursor.is_none() || s <= sec => {
                        found = Some(e);
                        break;
                    }
                    Filed::Live(_) => later_laps.push(e),
                }
            }
            self.buckets[b].append(&mut later_laps);
            if found.is_some() {
                self.scan_from = sec;
                break 'seconds;
            }
        }
        found
    }

    pub fn heap_bytes(&self) -> usize {
        self.buckets.len() * std::mem::size_of::<Vec<Entry>>()
            + self.buckets.iter().map(|b| b.capacity() * 8).sum::<usize>()
    }

    /// Forgets every entry (the table is being drained).
    pub fn clear(&mut self) {
        for b in &mut self.buckets {
            *b = Vec::new();
        }
        self.scan_from = i64::MIN;
    }
}

fn take_due(
    bucket: &mut Vec<Entry>,
    now_sec: i64,
    out: &mut Vec<Entry>,
    filed: &impl Fn(Entry) -> Filed,
) {
    let mut i = 0;
    while i < bucket.len() {
        match filed(bucket[i]) {
            Filed::Stale => {
                bucket.swap_remove(i);
            }
            Filed::Live(sec) if sec <= now_sec => out.push(bucket.swap_remove(i)),
            Filed::Live(_) => i += 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// Flows by slot: (stamp, second) of their live entry.
    struct Flows(HashMap<u32, (u32, i64)>);

    impl Flows {
        fn file(&mut self, w: &mut TimerWheel, slot: u32, sec: i64) -> i64 {
            let (sec, stamp) = w.schedule(slot, sec);
            self.0.insert(slot, (stamp, sec));
            sec
        }
        fn filed(&self) -> impl Fn(Entry) -> Filed + '_ {
            |e| match self.0.get(&e.slot) {
                Some(&(stamp, sec)) if stamp == e.stamp => Filed::Live(sec),
                _ => Filed::Stale,
            }
        }
    }

    #[test]
    fn due_entries_come_out_in_time() {
        let (mut w, mut f) = (TimerWheel::new(10), Flows(HashMap::new()));
        let mut out = Vec::new();
        w.advance(100, &mut out, f.filed());
        f.file(&mut w, 1, 105);
        f.file(&mut w, 2, 103);
        w.advance(102, &mut out, f.filed());
        assert!(out.is_empty());
        w.advance(104, &mut out, f.filed());
        assert_eq!(out.iter().map(|e| e.slot).collect::<Vec<_>>(), vec![2]);
        out.clear();
        w.advance(1_000_000, &mut out, f.filed());
        assert_eq!(out.len(), 1);
    }

    #[test]
    fn later_laps_wait_and_stale_entries_go() {
        let (mut w, mut f) = (TimerWheel::new(2), Flows(HashMap::new())); // 4 buckets
        let mut out = Vec::new();
        w.advance(0, &mut out, f.filed());
        f.file(&mut w, 1, 3);
        w.advance(1, &mut out, f.filed());
        f.file(&mut w, 2, 5); // same bucket as second 1 in the next lap
        f.file(&mut w, 3, 3);
        f.file(&mut w, 3, 2); // refiled earlier: the entry for 3 is stale
        w.advance(3, &mut out, f.filed());
        let mut due: Vec<u32> = out.iter().map(|e| e.slot).collect();
        due.sort();
        assert_eq!(due, vec![1, 3]);
    }

    #[test]
    fn past_seconds_are_filed_next() {
        let (mut w, mut f) = (TimerWheel::new(10), Flows(HashMap::new()));
        let mut out = Vec::new();
        w.advance(50, &mut out, f.filed());
        assert_eq!(f.file(&mut w, 1, 10), 51);
        assert_eq!(w.pop_earliest_live(f.filed()).map(|e| e.slot), Some(1));
        assert!(w.pop_earliest_live(f.filed()).is_none());
    }
}
