//! A worker: owns a flow table outright, inspects payload, asks the rule packs, and turns
//! packets and clock ticks into records.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender};
use flowsieve_wasm::{
    DecisionPolicy, FlowProgress, FlowView, Next, Side, Transport, Verdict, WorkerClassifier,
};

use super::{Batch, ToWorker};
use crate::classify::{Label, Labels};
use crate::flow::key::IpProto;
use crate::flow::table::{FlowTable, PacketView, TableConfig};
use crate::flow::{EndReason, Flow, CLIENT, SERVER};
use crate::inspect::{InspectConfig, Inspection, Segment};
use crate::record::{self, Event, RecordType};

/// Records are handed to the exporter in chunks of about this many bytes.
const CHUNK_BYTES: usize = 256 * 1024;
/// Flows ended per step when the run ends: their records go out before the next step.
const DRAIN_STEP: usize = 4096;

/// What a worker did, for the run summary.
#[derive(Debug, Default, Clone)]
pub struct WorkerStats {
    pub flows: u64,
    /// Flows by (protocol, category).
    pub flows_by_label: HashMap<(String, String), u64>,
    pub records: [u64; 3],
    pub ended_by_reason: HashMap<&'static str, u64>,
    /// Flows that carried a TLS/DTLS/QUIC handshake.
    pub tls_flows: u64,
}

impl WorkerStats {
    pub fn merge(&mut self, o: &WorkerStats) {
        self.flows += o.flows;
        self.tls_flows += o.tls_flows;
        for (k, v) in &o.flows_by_label {
            *self.flows_by_label.entry(k.clone()).or_default() += v;
        }
        for i in 0..3 {
            self.records[i] += o.records[i];
        }
        for (k, v) in &o.ended_by_reason {
            *self.ended_by_reason.entry(k).or_default() += v;
        }
    }
}

/// How a worker treats each flow.
pub struct FlowPolicy {
    pub decision: DecisionPolicy,
    pub inspect: InspectConfig,
    /// `flow_start` waits for TLS metadata at most this many packets / microseconds after
    /// the verdict.
    pub tls_wait_packets: u64,
    pub tls_wait_us: i64,
    /// `flow_statistics.enabled`: when false, flows are tracked but no records written.
    pub export: bool,
    pub export_tls: bool,
    /// `classifiers.enabled`: ask the rule packs at all.
    pub classify: bool,
    /// `out_*` follows the client (port method) rather than a fixed local side.
    pub out_follows_client: bool,
}

/// The worker's outputs: records, and the channels back to the capture thread.
pub struct Outputs {
    pub to_exporter: Sender<Vec<u8>>,
    pub buffers: Receiver<Vec<u8>>,
    pub batches_back: Sender<Batch>,
    /// Live flow count, read by the progress line.
    pub live_flows: Arc<AtomicU64>,
}

pub struct Worker {
    table: FlowTable,
    labels: Labels,
    classifier: WorkerClassifier,
    policy: FlowPolicy,
    outputs: Outputs,
    out: Vec<u8>,
    ended: Vec<(Flow, EndReason)>,
    stats: WorkerStats,
    by_label: HashMap<Label, u64>,
    /// Flows that time alone can move on (slot, id): waiting for a one-way offer, for TLS
    /// metadata before `flow_start`, or for the end of the post-verdict inspection. Ticks
    /// visit only these, never the whole table.
    watch: Vec<(u32, u64)>,
}

/// The parts of a worker a flow's processing needs while the flow itself is borrowed from
/// the table.
struct Ctx<'a> {
    labels: &'a mut Labels,
    classifier: &'a mut WorkerClassifier,
    policy: &'a FlowPolicy,
    out: &'a mut Vec<u8>,
    stats: &'a mut WorkerStats,
    by_label: &'a mut HashMap<Label, u64>,
    watch: &'a mut Vec<(u32, u64)>,
}

impl Worker {
    pub fn new(
        table: TableConfig,
        labels: Labels,
        classifier: WorkerClassifier,
        policy: FlowPolicy,
        outputs: Outputs,
    ) -> Worker {
        Worker {
            table: FlowTable::new(table),
            labels,
            classifier,
            policy,
            outputs,
            out: Vec::with_capacity(CHUNK_BYTES + 4096),
            ended: Vec::new(),
            stats: WorkerStats::default(),
            by_label: HashMap::new(),
            watch: Vec::new(),
        }
    }

    pub fn run(mut self, rx: Receiver<ToWorker>) -> WorkerStats {
        for msg in rx {
            match msg {
                ToWorker::Packets(mut batch) => {
                    for p in &batch.packets {
                        self.packet(&p.view, batch.payload(p));
                    }
                    batch.packets.clear();
                    batch.bytes.clear();
                    // The capture thread reuses batches; if it is gone, drop it.
                    let _ = self.outputs.batches_back.send(batch);
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
                    self.tick_flows(now_us, interval_end_us);
                    self.flush();
                }
                ToWorker::Finish(reason) => {
                    self.watch = Vec::new();
                    while self.table.drain(reason, &mut self.ended, DRAIN_STEP) {
                        self.finish_ended();
                        if self.out.len() >= CHUNK_BYTES {
                            self.flush();
                        }
                    }
                    self.finish_ended();
                    self.flush();
                    break;
                }
            }
            self.outputs
                .live_flows
                .store(self.table.len() as u64, Ordering::Relaxed);
        }
        self.stats.flows = self.table.created();
        self.stats.flows_by_label = self.labels.resolve_counts(&self.by_label);
        self.stats
    }

    fn ctx(&mut self) -> (&mut FlowTable, Ctx<'_>) {
        (
            &mut self.table,
            Ctx {
                labels: &mut self.labels,
                classifier: &mut self.classifier,
                policy: &self.policy,
                out: &mut self.out,
                stats: &mut self.stats,
                by_label: &mut self.by_label,
                watch: &mut self.watch,
            },
        )
    }

    fn packet(&mut self, p: &PacketView, payload: &[u8]) {
        let mut ended = std::mem::take(&mut self.ended);
        let (table, mut cx) = self.ctx();
        let (flow, side) = table.packet(p, &mut ended);
        if !flow.inspect_done && (flow.proto() == IpProto::TCP || flow.proto() == IpProto::UDP) {
            cx.inspect(flow, side, p, payload);
        }
        if flow.label.is_none() {
            cx.classify(flow, p.ts_us, false);
        }
        cx.settle(flow, p.ts_us, false);
        if !flow.watched && needs_watch(flow) {
            flow.watched = true;
            cx.watch.push((flow.slot, flow.id));
        }
        self.ended = ended;
        if !self.ended.is_empty() {
            self.finish_ended();
        }
    }

    fn finish_ended(&mut self) {
        let mut ended = std::mem::take(&mut self.ended);
        let (_, mut cx) = self.ctx();
        for (mut flow, reason) in ended.drain(..) {
            let at = flow.last_us;
            if flow.label.is_none() {
                cx.classify(&mut flow, at, true);
            }
            cx.settle(&mut flow, at, true);
            *cx.stats.ended_by_reason.entry(reason.as_str()).or_default() += 1;
            cx.write(&mut flow, RecordType::FlowEnd, at, Some(reason));
        }
        self.ended = ended;
    }

    /// Clock tick: flows waiting on time (one-way offers, TLS waits, post-verdict
    /// inspection) move on, and at an interval boundary every started flow gets its
    /// `flow_interval`.
    fn tick_flows(&mut self, now_us: i64, interval_end_us: Option<i64>) {
        let mut watch = std::mem::take(&mut self.watch);
        let (table, mut cx) = self.ctx();
        watch.retain(|&(slot, id)| {
            // A flow that ended since (its slot maybe reused) is simply forgotten.
            let Some(flow) = table.get_mut(slot).filter(|f| f.id == id) else {
                return false;
            };
            if flow.label.is_none() && flow.first_payload_us.iter().any(Option::is_some) {
                cx.classify(flow, now_us, false);
            }
            if flow.label.is_some() && (!flow.started || flow.inspect.is_some()) {
                cx.settle(flow, now_us, false);
            }
            flow.watched = needs_watch(flow);
            flow.watched
        });
        if let Some(t) = interval_end_us {
            for flow in table.flows_mut() {
                if flow.started {
                    cx.write(flow, RecordType::FlowInterval, t, None);
                }
            }
        }
        self.watch = watch;
    }

    fn flush(&mut self) {
        if self.out.is_empty() {
            return;
        }
        let fresh = self
            .outputs
            .buffers
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(CHUNK_BYTES + 4096));
        let full = std::mem::replace(&mut self.out, fresh);
        // A closed exporter (output failed) is reported by the exporter itself.
        let _ = self.outputs.to_exporter.send(full);
    }
}

/// Whether time alone can still move the flow on (see `Worker::watch`).
fn needs_watch(flow: &Flow) -> bool {
    match flow.label {
        None => flow.first_payload_us.iter().any(Option::is_some),
        Some(_) => !flow.started || flow.inspect.is_some(),
    }
}

impl Ctx<'_> {
    /// Feeds the packet to the flow's inspection, starting one at the first payload.
    fn inspect(&mut self, flow: &mut Flow, side: usize, p: &PacketView, payload: &[u8]) {
        let cfg = &self.policy.inspect;
        if flow.inspect.is_none() {
            if payload.is_empty() {
                return;
            }
            let mut ins = Box::new(Inspection::new(flow.proto() == IpProto::TCP, payload, cfg));
            // Replay the SYNs seen before the inspection existed.
            for (s, isn) in flow.tcp.isn.iter().enumerate() {
                if let Some(seq) = *isn {
                    ins.feed(
                        &Segment {
                            side: s,
                            seq,
                            syn: true,
                            fin_or_rst: false,
                            payload: &[],
                        },
                        cfg,
                    );
                }
            }
            flow.inspect = Some(ins);
        }
        let Some(ins) = flow.inspect.as_mut() else {
            return;
        };
        let (seq, syn, fin_or_rst) = p
            .tcp
            .map(|t| (t.seq, t.syn(), t.fin() || t.rst()))
            .unwrap_or((0, false, false));
        ins.feed(
            &Segment {
                side,
                seq,
                syn,
                fin_or_rst,
                payload,
            },
            cfg,
        );
        if !flow.started && ins.take_role_swap() {
            flow.swap_roles(self.policy.out_follows_client);
        }
    }

    /// Offers the flow to the rule packs when its decision says so.
    fn classify(&mut self, flow: &mut Flow, now_us: i64, ended: bool) {
        let transport = match flow.proto() {
            IpProto::TCP => Transport::Tcp,
            IpProto::UDP => Transport::Udp,
            p if p.is_icmp() => return self.decide(flow, Label::Icmp, now_us),
            _ => return self.decide(flow, Label::Unsupported, now_us),
        };
        let first_payload = flow.first_payload_us.iter().flatten().min().copied();
        let progress = FlowProgress {
            transport,
            client_payload_packets: flow.payload_packets[CLIENT],
            server_payload_packets: flow.payload_packets[SERVER],
            since_first_payload: first_payload
                .map(|t| Duration::from_micros(now_us.saturating_sub(t).max(0) as u64))
                .unwrap_or_default(),
            ended,
        };
        let id = match flow.decision.next(&progress, &self.policy.decision) {
            Next::Wait => return,
            Next::Decided(id) => id,
            Next::Offer if !self.policy.classify => {
                match flow
                    .decision
                    .on_verdict(Verdict::NoMatch, &progress, &self.policy.decision)
                {
                    Some(id) => id,
                    None => return,
                }
            }
            Next::Offer => {
                let verdict = {
                    let cfg = &self.policy.inspect;
                    let ins = flow.inspect.as_deref();
                    let tls = ins.and_then(Inspection::metadata);
                    let side = |s: usize| Side {
                        prefix: ins.map_or(&[][..], |i| i.prefix(s, cfg)),
                        first_payload_len: flow.first_payload_len[s],
                        packets: flow.total[s].packets.min(u32::MAX as u64) as u32,
                        bytes: flow.total[s].bytes,
                    };
                    let mut view = FlowView::new(transport, flow.client().port, flow.server().port);
                    view.client = side(CLIENT);
                    view.server = side(SERVER);
                    view.sni = tls.and_then(|t| t.client.sni.as_deref());
                    view.set_alpn(tls.map_or(&[][..], |t| &t.client.alpn[..]));
                    self.classifier.classify(&view)
                };
                match flow
                    .decision
                    .on_verdict(verdict, &progress, &self.policy.decision)
                {
                    Some(id) => id,
                    None => return,
                }
            }
        };
        self.decide(flow, Label::Protocol(id), now_us);
    }

    fn decide(&mut self, flow: &mut Flow, label: Label, now_us: i64) {
        flow.label = Some(label);
        flow.decided_at = Some((now_us, flow.packets()));
        flow.selected = self.labels.wanted(label);
        *self.by_label.entry(label).or_default() += 1;
    }

    /// Writes `flow_start` once the verdict is in and the TLS metadata is final (or waited
    /// for long enough), and ends the inspection once nothing it could still learn matters.
    fn settle(&mut self, flow: &mut Flow, now_us: i64, ending: bool) {
        let Some((decided_us, decided_packets)) = flow.decided_at else {
            return;
        };
        let waited = now_us.saturating_sub(decided_us) >= self.policy.tls_wait_us
            || flow.packets().saturating_sub(decided_packets) >= self.policy.tls_wait_packets;
        let (is_tls, tls_final) = flow
            .inspect
            .as_deref()
            .map_or((false, true), |i| (i.is_tls(), i.tls_final()));
        if !flow.started && (!is_tls || tls_final || waited || ending) {
            self.write(flow, RecordType::FlowStart, now_us, None);
            flow.started = true;
        }
        // Keep inspecting a decided flow for a while: a TLS upgrade (STARTTLS) comes after
        // the protocol's own greeting.
        if flow.inspect.is_some() && ((is_tls && tls_final) || waited || ending) {
            if let Some(ins) = flow.inspect.take() {
                flow.tls = ins.into_metadata();
                if flow.tls.is_some() {
                    self.stats.tls_flows += 1;
                }
            }
            flow.inspect_done = true;
        }
    }

    fn write(&mut self, flow: &mut Flow, kind: RecordType, at_us: i64, end: Option<EndReason>) {
        if !(flow.selected && self.policy.export) {
            return;
        }
        let Some(label) = flow.label else { return };
        let names = self.labels.names(label);
        let tls = if self.policy.export_tls && kind != RecordType::FlowInterval {
            (flow.tls.as_deref()).or_else(|| flow.inspect.as_deref().and_then(Inspection::metadata))
        } else {
            None
        };
        let ev = Event {
            kind,
            at_us,
            end,
            names,
            tls,
        };
        record::write(self.out, flow, ev);
        flow.reported = flow.total;
        self.stats.records[match kind {
            RecordType::FlowStart => 0,
            RecordType::FlowInterval => 1,
            RecordType::FlowEnd => 2,
        }] += 1;
    }
}
