//! A worker: owns a flow table outright, turns packets and clock ticks into records.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crossbeam_channel::{Receiver, Sender};

use super::{Batch, ToWorker};
use crate::classify::{Identifier, Label, Selection};
use crate::flow::table::{FlowTable, TableConfig};
use crate::flow::{EndReason, Flow};
use crate::record::{self, RecordType};

/// Records are handed to the exporter in chunks of about this many bytes.
const CHUNK_BYTES: usize = 256 * 1024;

/// What a worker did, for the run summary.
#[derive(Debug, Default, Clone)]
pub struct WorkerStats {
    pub flows: u64,
    pub flows_by_label: HashMap<Label, u64>,
    pub records: [u64; 3],
    pub ended_by_reason: HashMap<&'static str, u64>,
}

impl WorkerStats {
    pub fn merge(&mut self, o: &WorkerStats) {
        self.flows += o.flows;
        for (k, v) in &o.flows_by_label {
            *self.flows_by_label.entry(*k).or_default() += v;
        }
        for i in 0..3 {
            self.records[i] += o.records[i];
        }
        for (k, v) in &o.ended_by_reason {
            *self.ended_by_reason.entry(k).or_default() += v;
        }
    }
}

pub struct Worker {
    pub table: FlowTable,
    pub identifier: Identifier,
    pub selection: Selection,
    /// `flow_statistics.enabled`: when false, flows are tracked but no records written.
    pub export: bool,
    pub to_exporter: Sender<Vec<u8>>,
    pub buffers: Receiver<Vec<u8>>,
    pub batches_back: Sender<Batch>,
    /// Live flow count, read by the progress line.
    pub live_flows: Arc<AtomicU64>,
    out: Vec<u8>,
    ended: Vec<(Flow, EndReason)>,
    stats: WorkerStats,
}

impl Worker {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        table: TableConfig,
        identifier: Identifier,
        selection: Selection,
        export: bool,
        to_exporter: Sender<Vec<u8>>,
        buffers: Receiver<Vec<u8>>,
        batches_back: Sender<Batch>,
        live_flows: Arc<AtomicU64>,
    ) -> Worker {
        Worker {
            table: FlowTable::new(table),
            identifier,
            selection,
            export,
            to_exporter,
            buffers,
            batches_back,
            live_flows,
            out: Vec::with_capacity(CHUNK_BYTES + 4096),
            ended: Vec::new(),
            stats: WorkerStats::default(),
        }
    }

    pub fn run(mut self, rx: Receiver<ToWorker>) -> WorkerStats {
        for msg in rx {
            match msg {
                ToWorker::Packets(mut batch) => {
                    for p in batch.packets.drain(..) {
                        self.packet(&p);
                    }
                    // The capture thread reuses batches; if it is gone, drop it.
                    let _ = self.batches_back.send(batch);
                    if self.out.len() >= CHUNK_BYTES {
                        self.flush();
                    }
                }
                ToWorker::Tick {
                    now_us,
                    interval_end_us,
                } => {
                    self.table.expire(now_us, &mut self.ended);
                    self.finish_ended();
                    if let Some(t) = interval_end_us {
                        self.intervals(t);
                    }
                    self.flush();
                }
                ToWorker::Finish(reason) => {
                    self.table.drain(reason, &mut self.ended);
                    self.finish_ended();
                    self.flush();
                    break;
                }
            }
            self.live_flows
                .store(self.table.len() as u64, Ordering::Relaxed);
        }
        self.stats.flows = self.table.created();
        self.stats
    }

    fn packet(&mut self, p: &crate::flow::table::PacketView) {
        let (flow, _side) = self.table.packet(p, &mut self.ended);
        if flow.label.is_none() {
            if let Some(label) = self.identifier.on_packet(flow) {
                decide(
                    flow,
                    label,
                    p.ts_us,
                    &self.selection,
                    self.export,
                    &mut self.out,
                    &mut self.stats,
                );
            }
        }
        if !self.ended.is_empty() {
            self.finish_ended();
        }
    }

    fn finish_ended(&mut self) {
        let mut ended = std::mem::take(&mut self.ended);
        for (mut flow, reason) in ended.drain(..) {
            if flow.label.is_none() {
                let label = self.identifier.on_end(&flow);
                let at = flow.last_us;
                decide(
                    &mut flow,
                    label,
                    at,
                    &self.selection,
                    self.export,
                    &mut self.out,
                    &mut self.stats,
                );
            }
            *self
                .stats
                .ended_by_reason
                .entry(reason.as_str())
                .or_default() += 1;
            if flow.selected && self.export {
                if let Some(label) = flow.label {
                    let at = flow.last_us;
                    record::write(
                        &mut self.out,
                        &mut flow,
                        label,
                        RecordType::FlowEnd,
                        at,
                        Some(reason),
                    );
                    self.stats.records[2] += 1;
                }
            }
        }
        self.ended = ended;
    }

    fn intervals(&mut self, at_us: i64) {
        if !self.export {
            return;
        }
        for flow in self.table.flows_mut() {
            if !(flow.started && flow.selected) {
                continue;
            }
            if let Some(label) = flow.label {
                record::write(
                    &mut self.out,
                    flow,
                    label,
                    RecordType::FlowInterval,
                    at_us,
                    None,
                );
                self.stats.records[1] += 1;
            }
        }
    }

    fn flush(&mut self) {
        if self.out.is_empty() {
            return;
        }
        let fresh = self
            .buffers
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(CHUNK_BYTES + 4096));
        let full = std::mem::replace(&mut self.out, fresh);
        // A closed exporter (output failed) is reported by the exporter itself.
        let _ = self.to_exporter.send(full);
    }
}

/// Records the verdict and writes `flow_start` when the selection wants the flow.
fn decide(
    flow: &mut Flow,
    label: Label,
    at_us: i64,
    selection: &Selection,
    export: bool,
    out: &mut Vec<u8>,
    stats: &mut WorkerStats,
) {
    flow.label = Some(label);
    flow.selected = selection.wants(label);
    *stats.flows_by_label.entry(label).or_default() += 1;
    if flow.selected && export {
        record::write(out, flow, label, RecordType::FlowStart, at_us, None);
        stats.records[0] += 1;
    }
    flow.started = true;
}
