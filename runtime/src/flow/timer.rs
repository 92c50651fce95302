//! A one-second timer wheel with lazy revalidation.
//!
//! Each flow has one live entry, filed under the second of its deadline as known when filed.
//! Packets only move the flow's real deadline later, so they never touch the wheel; when the
//! entry's second comes, the flow is expired if it is really due and filed again otherwise.
//! A deadline that moves *earlier* (a flow closing) files a new entry and the flow remembers
//! which second is current, so the old entry is recognised as stale and skipped.

use super::key::FlowKey;

#[derive(Clone, Copy)]
pub struct Entry {
    pub key: FlowKey,
    pub id: u64,
    pub sec: i64,
}

pub struct TimerWheel {
    buckets: Vec<Vec<Entry>>,
    /// Last second processed; entries for seconds ≤ cursor are due.
    cursor: Option<i64>,
}

impl TimerWheel {
    /// `horizon_secs`: the longest timeout; deadlines never lie further ahead than that.
    pub fn new(horizon_secs: u64) -> TimerWheel {
        let n = (horizon_secs as usize + 2).next_power_of_two();
        TimerWheel {
            buckets: (0..n).map(|_| Vec::new()).collect(),
            cursor: None,
        }
    }

    fn slot(&self, sec: i64) -> usize {
        sec.rem_euclid(self.buckets.len() as i64) as usize
    }

    /// Files an entry; a second already passed is filed at the next one to process.
    pub fn schedule(&mut self, key: FlowKey, id: u64, sec: i64) -> i64 {
        let sec = match self.cursor {
            Some(c) if sec <= c => c + 1,
            _ => sec,
        };
        let slot = self.slot(sec);
        self.buckets[slot].push(Entry { key, id, sec });
        sec
    }

    /// Takes every entry due at or before `now_sec`, appending them to `out`.
    pub fn advance(&mut self, now_sec: i64, out: &mut Vec<Entry>) {
        let start = match self.cursor {
            Some(c) if c >= now_sec => return,
            Some(c) => c + 1,
            None => {
                self.cursor = Some(now_sec);
                // Anything filed before the first advance is due now or later.
                for b in &mut self.buckets {
                    b.retain(|e| {
                        if e.sec <= now_sec {
                            out.push(*e);
                            false
                        } else {
                            true
                        }
                    });
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
                let slot = self.slot(sec);
                // Entries for a later lap stay: they share the slot but not the second.
                let bucket = &mut self.buckets[slot];
                let mut i = 0;
                while i < bucket.len() {
                    if bucket[i].sec <= now_sec {
                        out.push(bucket.swap_remove(i));
                    } else {
                        i += 1;
                    }
                }
            }
        }
        self.cursor = Some(now_sec);
    }

    /// Takes the entries of the earliest non-empty second (eviction candidates).
    pub fn pop_earliest(&mut self, out: &mut Vec<Entry>) {
        let n = self.buckets.len() as i64;
        let from = self.cursor.map_or(0, |c| c + 1);
        for sec in from..from + n {
            let slot = self.slot(sec);
            if !self.buckets[slot].is_empty() {
                out.append(&mut self.buckets[slot]);
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::key::IpProto;

    fn key(p: u16) -> FlowKey {
        let a = "1.1.1.1".parse().unwrap();
        FlowKey::new(a, a, p, 1, IpProto::UDP).0
    }

    #[test]
    fn due_entries_come_out_in_time() {
        let mut w = TimerWheel::new(10);
        let mut out = Vec::new();
        w.advance(100, &mut out);
        w.schedule(key(1), 1, 105);
        w.schedule(key(2), 2, 103);
        w.advance(102, &mut out);
        assert!(out.is_empty());
        w.advance(104, &mut out);
        assert_eq!(out.iter().map(|e| e.id).collect::<Vec<_>>(), vec![2]);
        out.clear();
        w.advance(1_000_000, &mut out);
        assert_eq!(out.len(), 1);
    }

    #[test]
    fn later_laps_wait() {
        let mut w = TimerWheel::new(2); // 4 buckets
        let mut out = Vec::new();
        w.advance(0, &mut out);
        w.schedule(key(1), 1, 3);
        w.advance(1, &mut out);
        w.schedule(key(2), 2, 5); // same slot as second 1 in the next lap
        w.advance(3, &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].id, 1);
    }

    #[test]
    fn past_seconds_are_filed_next() {
        let mut w = TimerWheel::new(10);
        let mut out = Vec::new();
        w.advance(50, &mut out);
        assert_eq!(w.schedule(key(1), 1, 10), 51);
        w.pop_earliest(&mut out);
        assert_eq!(out.len(), 1);
    }
}
