//! Flow records in the JSON layout of libtrace-bigdata's flow_statistics plugin.
//!
//! Records are written straight into a caller's reused buffer, one JSON object per line, by
//! a writer that knows the layout (`json.rs`): the keys are constants and most values need no
//! escaping, so going through serde's generic serialiser (which spent most of its time
//! escaping keys and cipher names that need no escaping) is left to the reference test.

mod json;
mod tls;

use flowsieve_tls::TlsMetadata;

use json::Json;

use crate::flow::{Counters, EndReason, Flow, CLIENT, SERVER};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordType {
    FlowStart,
    FlowInterval,
    FlowEnd,
}

impl RecordType {
    pub fn as_str(self) -> &'static str {
        match self {
            RecordType::FlowStart => "flow_start",
            RecordType::FlowInterval => "flow_interval",
            RecordType::FlowEnd => "flow_end",
        }
    }
}

fn ms(us: i64) -> i64 {
    us.div_euclid(1000)
}

fn secs(us: i64) -> f64 {
    us.max(0) as f64 / 1e6
}

/// What a record says beyond the flow's own state.
pub struct Event<'a> {
    pub kind: RecordType,
    /// The record's `timestamp`: the deciding packet for `flow_start`, the interval boundary
    /// for `flow_interval`, the last packet for `flow_end`.
    pub at_us: i64,
    pub end: Option<EndReason>,
    /// (protocol, category).
    pub names: (&'a str, &'a str),
    /// The `tls` block, when exported.
    pub tls: Option<&'a TlsMetadata>,
}

/// Appends one record line for `flow` to `out`. The caller marks the counters as reported
/// (`flow.reported = flow.total`) so the next record counts from here.
pub fn write(out: &mut Vec<u8>, flow: &Flow, ev: Event<'_>) {
    let Event {
        kind,
        at_us,
        end,
        names,
        tls,
    } = ev;
    let (out_side, in_side) = if flow.out_is_client {
        (CLIENT, SERVER)
    } else {
        (SERVER, CLIENT)
    };
    let delta = |side: usize| -> Counters {
        Counters {
            packets: flow.total[side].packets - flow.reported[side].packets,
            bytes: flow.total[side].bytes - flow.reported[side].bytes,
        }
    };
    let (d_out, d_in) = (delta(out_side), delta(in_side));
    let v6 = flow.key.v6;
    let mut j = Json(out);
    j.raw(b"{\"source\":{\"ip\":");
    j.ip(flow.client().ip(v6));
    j.raw(b",\"port\":");
    j.uint(u64::from(flow.client().port));
    j.raw(b"},\"destination\":{\"ip\":");
    j.ip(flow.server().ip(v6));
    j.raw(b",\"port\":");
    j.uint(u64::from(flow.server().port));
    j.raw(b"},\"flow\":{\"id\":");
    j.uint(flow.id);
    j.raw(b",\"protocol\":");
    j.str(names.0);
    j.raw(b",\"category\":");
    j.str(names.1);
    j.raw(b",\"type\":\"");
    j.raw(kind.as_str().as_bytes());
    j.raw(b"\",\"transport\":\"");
    j.raw(flow.proto().name().as_bytes());
    j.raw(b"\",\"start_ts\":");
    j.int(ms(flow.first_us));
    j.raw(b",\"duration\":");
    j.float(secs(flow.last_us - flow.first_us));
    j.raw(b",\"ttfb\":");
    match flow.first_payload_us[SERVER] {
        Some(t) => j.float(secs(t - flow.first_us)),
        None => j.raw(b"null"),
    }
    if let Some(reason) = end {
        j.raw(b",\"end_ts\":");
        j.int(ms(flow.last_us));
        j.raw(b",\"end_reason\":\"");
        j.raw(reason.as_str().as_bytes());
        j.raw(b"\"");
    }
    j.raw(b",\"in_bytes\":");
    j.uint(d_in.bytes);
    j.raw(b",\"out_bytes\":");
    j.uint(d_out.bytes);
    j.raw(b",\"in_bytes_total\":");
    j.uint(flow.total[in_side].bytes);
    j.raw(b",\"out_bytes_total\":");
    j.uint(flow.total[out_side].bytes);
    j.raw(b",\"in_packets\":");
    j.uint(d_in.packets);
    j.raw(b",\"out_packets\":");
    j.uint(d_out.packets);
    j.raw(b",\"in_packets_total\":");
    j.uint(flow.total[in_side].packets);
    j.raw(b",\"out_packets_total\":");
    j.uint(flow.total[out_side].packets);
    if let Some(tls) = tls {
        j.raw(b",\"tls\":");
        tls::write(&mut j, tls);
    }
    j.raw(b"},\"module\":\"flow_statistics\",\"timestamp\":");
    j.int(ms(at_us));
    j.raw(b"}\n");
}

#[cfg(test)]
mod reference;
