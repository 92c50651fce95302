//! The capture thread's side of the workers: batching by symmetric hash, clock broadcasts.

use anyhow::{anyhow, Result};
use crossbeam_channel::{Receiver, Sender};

use std::sync::Arc;

use super::{Batch, Packet, Tick, ToWorker, IN_MAPPING};
use crate::capture::Mapping;
use crate::flow::table::PacketView;
use crate::flow::EndReason;

pub struct Dispatcher {
    senders: Vec<Sender<ToWorker>>,
    pending: Vec<Batch>,
    returned: Receiver<Batch>,
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
        Dispatcher {
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
            Some(m) if !payload.is_empty() => m.offset_of(payload),
            _ => None,
        };
        let payload_at = match mapped {
            Some(at) => at as u64 | IN_MAPPING,
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
        }
        Ok(())
    }

    fn send(&mut self, w: usize) -> Result<()> {
        // Reuse a batch a worker gave back; allocate only while the pool fills up.
        let fresh = self
            .returned
            .try_recv()
            .unwrap_or_else(|_| Batch::new(self.batch_size, self.mapping.clone()));
        let full = std::mem::replace(&mut self.pending[w], fresh);
        self.senders[w]
            .send(ToWorker::Packets(full))
            .map_err(|_| anyhow!("worker {w} stopped unexpectedly"))
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
