//! The capture thread's side of the workers: batching by symmetric hash, clock broadcasts.

use anyhow::{anyhow, Result};
use crossbeam_channel::{Receiver, Sender};

use super::{Batch, Packet, Tick, ToWorker};
use crate::flow::table::PacketView;
use crate::flow::EndReason;

pub struct Dispatcher {
    senders: Vec<Sender<ToWorker>>,
    pending: Vec<Batch>,
    returned: Receiver<Batch>,
    batch_size: usize,
}

impl Dispatcher {
    pub fn new(
        senders: Vec<Sender<ToWorker>>,
        returned: Receiver<Batch>,
        batch_size: usize,
    ) -> Dispatcher {
        let pending = (0..senders.len())
            .map(|_| Batch {
                packets: Vec::with_capacity(batch_size),
                bytes: Vec::new(),
            })
            .collect();
        Dispatcher {
            senders,
            pending,
            returned,
            batch_size,
        }
    }

    /// Queues a packet and a copy of its captured payload for the flow's worker.
    pub fn push(&mut self, p: PacketView, payload: &[u8]) -> Result<()> {
        let n = self.senders.len();
        let w = if n == 1 {
            0
        } else {
            (p.key.dispatch_hash() % n as u64) as usize
        };
        let b = &mut self.pending[w];
        let at = b.bytes.len();
        b.bytes.extend_from_slice(payload);
        b.packets.push(Packet {
            view: p,
            payload_at: at as u32,
            payload_caplen: payload.len() as u32,
        });
        if self.pending[w].packets.len() >= self.batch_size {
            self.send(w)?;
        }
        Ok(())
    }

    fn send(&mut self, w: usize) -> Result<()> {
        // Reuse a batch a worker gave back; allocate only while the pool fills up.
        let fresh = self.returned.try_recv().unwrap_or_else(|_| Batch {
            packets: Vec::with_capacity(self.batch_size),
            bytes: Vec::new(),
        });
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
