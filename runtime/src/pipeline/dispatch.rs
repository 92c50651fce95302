//! The capture thread's side of the workers: batching by symmetric hash, clock broadcasts.

use anyhow::{anyhow, Result};
use crossbeam_channel::{Receiver, Sender};

use std::collections::VecDeque;
use std::sync::Arc;

use super::{Batch, Packet, Tick, ToWorker, IN_MAPPING, QUEUE_DEPTH};
use crate::capture::Mapping;
use crate::flow::table::PacketView;
use crate::flow::EndReason;

/// How far (in file bytes) a batch being filled may reach back before it is sent half-full.
const MAX_PENDING_SPAN: usize = 16 << 20;

pub struct Dispatcher {
    senders: Vec<Sender<ToWorker>>,
    pending: Vec<Batch>,
    returned: Receiver<Batch>,
    /// Batches the workers gave back, for reuse.
    free: Vec<Batch>,
    /// Per worker, the first mapped payload offset of each batch sent and not yet given back,
    /// oldest first: what keeps the mapping's pages from being released under a worker.
    in_flight: Vec<VecDeque<usize>>,
    batch_size: usize,
    /// The capture file's mapping, when packets are read in place: payloads inside it are
    /// passed by offset, never copied.
    mapping: Option<Arc<Mapping>>,
}

impl Dispatcher {
    pub fn new(
        senders: Vec<Sender<ToWorker>>,
        returned: Receiver<Batch>,
        batch_size: usize,
        mapping: Option<Arc<Mapping>>,
    ) -> Dispatcher {
        let pending = (0..senders.len())
            .map(|_| Batch::new(batch_size, mapping.clone()))
            .collect();
        let in_flight = (0..senders.len())
            .map(|_| VecDeque::with_capacity(QUEUE_DEPTH + 2))
            .collect();
        Dispatcher {
            free: Vec::with_capacity(senders.len() * (QUEUE_DEPTH + 2)),
            in_flight,
            senders,
            pending,
            returned,
            batch_size,
            mapping,
        }
    }

    /// Queues a packet and its captured payload (by offset into the mapping, or else a copy)
    /// for the flow's worker.
    pub fn push(&mut self, p: PacketView, payload: &[u8]) -> Result<()> {
        let n = self.senders.len();
        let w = if n == 1 {
            0
        } else {
            (p.key.dispatch_hash() % n as u64) as usize
        };
        let b = &mut self.pending[w];
        let mapped = match &self.mapping {
            Some(m) if !payload.is_empty() => m.offset_of(payload).inspect(|&at| {
                if b.first_mapped == usize::MAX {
                    // The batch's first payload: until the batch is sent, nothing else
                    // keeps the reader from releasing its pages.
                    m.lower_horizon(at);
                }
            }),
            _ => None,
        };
        let payload_at = match mapped {
            Some(at) => {
                b.first_mapped = b.first_mapped.min(at);
                at as u64 | IN_MAPPING
            }
            None => {
                let at = b.bytes.len();
                b.bytes.extend_from_slice(payload);
                at as u64
            }
        };
        b.packets.push(Packet {
            view: p,
            payload_at,
            payload_caplen: payload.len() as u32,
        });
        if self.pending[w].packets.len() >= self.batch_size {
            self.send(w)?;
            if let Some(at) = mapped {
                self.send_stale(at)?;
            }
        }
        Ok(())
    }

    /// Sends the batches being filled whose first payload lies more than [`MAX_PENDING_SPAN`]
    /// behind `at`: a worker that gets few packets would otherwise hold the mapping's pages
    /// resident behind its half-filled batch until the next clock tick.
    fn send_stale(&mut self, at: usize) -> Result<()> {
        for v in 0..self.pending.len() {
            let first = self.pending[v].first_mapped;
            if first != usize::MAX && first.saturating_add(MAX_PENDING_SPAN) < at {
                self.send(v)?;
            }
        }
        Ok(())
    }

    fn send(&mut self, w: usize) -> Result<()> {
        // Batches come back from each worker in the order it was sent them.
        for mut back in self.returned.try_iter() {
            self.in_flight[back.worker].pop_front();
            back.first_mapped = usize::MAX;
            self.free.push(back);
        }
        // Reuse a batch a worker gave back; allocate only while the pool fills up.
        let fresh = self
            .free
            .pop()
            .unwrap_or_else(|| Batch::new(self.batch_size, self.mapping.clone()));
        let mut full = std::mem::replace(&mut self.pending[w], fresh);
        full.worker = w;
        self.in_flight[w].push_back(full.first_mapped);
        self.update_horizon();
        self.senders[w]
            .send(ToWorker::Packets(full))
            .map_err(|_| anyhow!("worker {w} stopped unexpectedly"))
    }

    /// The mapping may release pages only below every payload a worker has still to read:
    /// those of the batches in flight and of the ones being filled.
    fn update_horizon(&self) {
        let Some(mapping) = &self.mapping else {
            return;
        };
        let in_flight = self.in_flight.iter().flatten().copied();
        let pending = self.pending.iter().map(|b| b.first_mapped);
        mapping.set_horizon(in_flight.chain(pending).min().unwrap_or(usize::MAX));
    }

    pub fn flush(&mut self) -> Result<()> {
        for w in 0..self.senders.len() {
            if !self.pending[w].packets.is_empty() {
                self.send(w)?;
            }
        }
        Ok(())
    }

    /// Flushes every batch, then tells every worker the time: all packets before the tick
    /// are processed before it, on every worker.
    pub fn broadcast_tick(&mut self, t: Tick) -> Result<()> {
        self.flush()?;
        for (w, s) in self.senders.iter().enumerate() {
            s.send(ToWorker::Tick {
                now_us: t.now_us,
                interval_end_us: t.interval_end_us,
            })
            .map_err(|_| anyhow!("worker {w} stopped unexpectedly"))?;
        }
        Ok(())
    }

    /// Flushes and tells the workers to end every flow and stop.
    pub fn finish(mut self, reason: EndReason) -> Result<()> {
        self.flush()?;
        for (w, s) in self.senders.iter().enumerate() {
            s.send(ToWorker::Finish(reason))
                .map_err(|_| anyhow!("worker {w} stopped unexpectedly"))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::key::{FlowKey, IpProto};
    use crossbeam_channel::{bounded, unbounded};
    use std::io::Write;
    use std::net::{IpAddr, Ipv4Addr};

    /// A UDP key the dispatcher sends to `worker` of two.
    fn key_for(worker: u64) -> FlowKey {
        let ip = |n| IpAddr::V4(Ipv4Addr::new(10, 0, 0, n));
        (1000..)
            .map(|port| FlowKey::new(ip(1), ip(2), port, 53, IpProto(17)).0)
            .find(|k| k.dispatch_hash() % 2 == worker)
            .expect("some port hashes to each worker")
    }

    fn view(key: FlowKey) -> PacketView {
        PacketView {
            ts_us: 0,
            key,
            from_a: true,
            tcp: None,
            payload_len: 10,
        }
    }

    fn take(rx: &Receiver<ToWorker>) -> Batch {
        match rx.try_recv() {
            Ok(ToWorker::Packets(b)) => b,
            _ => panic!("expected a batch"),
        }
    }

    /// The reader may release the mapping's pages only below every payload a worker has
    /// still to read: a release under a lagging worker faults the pages back in for good.
    #[test]
    fn horizon_is_the_lowest_payload_still_to_be_read() {
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(&vec![0u8; 1 << 16]).unwrap();
        let mapping = Arc::new(Mapping::of(&file).unwrap());
        let bytes = mapping.bytes();
        let at = |o: usize| &bytes[o..o + 10];
        let (tx0, rx0) = bounded(QUEUE_DEPTH);
        let (tx1, rx1) = bounded(QUEUE_DEPTH);
        let (back, returned) = unbounded();
        let mut d = Dispatcher::new(vec![tx0, tx1], returned, 2, Some(mapping.clone()));
        let (k0, k1) = (key_for(0), key_for(1));

        // A batch being filled holds its first payload from the moment it is queued.
        d.push(view(k1), at(1000)).unwrap();
        assert_eq!(mapping.horizon(), 1000);
        // Worker 0's batch fills and goes; worker 1's, still filling, keeps the horizon.
        d.push(view(k0), at(5000)).unwrap();
        d.push(view(k0), at(6000)).unwrap();
        assert_eq!(mapping.horizon(), 1000);
        // A copied payload (not in the mapping) holds nothing.
        d.push(view(k1), &[7u8; 10]).unwrap();
        assert_eq!(mapping.horizon(), 1000);
        let b1 = take(&rx1);
        assert_eq!(b1.first_mapped, 1000);

        // Worker 1 gives its batch back; the next send moves the horizon up to worker 0's
        // batch in flight.
        back.send(b1).unwrap();
        d.push(view(k0), at(8000)).unwrap();
        d.push(view(k0), at(9000)).unwrap();
        assert_eq!(mapping.horizon(), 5000);

        // Worker 0 gives both back, in order; only worker 1's new batch remains.
        back.send(take(&rx0)).unwrap();
        back.send(take(&rx0)).unwrap();
        d.push(view(k1), at(20000)).unwrap();
        d.flush().unwrap();
        assert_eq!(mapping.horizon(), 20000);
        back.send(take(&rx1)).unwrap();
        d.push(view(k0), &[1u8; 4]).unwrap();
        d.flush().unwrap();
        assert_eq!(
            mapping.horizon(),
            usize::MAX,
            "nothing mapped is left to read"
        );
    }
}
