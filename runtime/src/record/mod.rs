//! Flow records in the JSON layout of libtrace-bigdata's flow_statistics plugin.
//!
//! Records are written straight into a caller's reused buffer, one JSON object per line.

use std::net::IpAddr;

use serde::ser::{SerializeStruct, Serializer};
use serde::Serialize;

use flowsieve_tls::TlsMetadata;

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

struct EndpointOut {
    ip: IpAddr,
    port: u16,
}

impl Serialize for EndpointOut {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("endpoint", 2)?;
        st.serialize_field("ip", &DisplayStr(&self.ip))?;
        st.serialize_field("port", &self.port)?;
        st.end()
    }
}

/// Serialises a value through `Display` without an intermediate `String`.
struct DisplayStr<'a, T: std::fmt::Display>(&'a T);

impl<T: std::fmt::Display> Serialize for DisplayStr<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self.0)
    }
}

#[derive(Serialize)]
struct FlowOut<'a> {
    id: u64,
    protocol: &'a str,
    category: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    transport: &'static str,
    start_ts: i64,
    duration: f64,
    ttfb: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_ts: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_reason: Option<&'static str>,
    in_bytes: u64,
    out_bytes: u64,
    in_bytes_total: u64,
    out_bytes_total: u64,
    in_packets: u64,
    out_packets: u64,
    in_packets_total: u64,
    out_packets_total: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    tls: Option<&'a TlsMetadata>,
}

#[derive(Serialize)]
struct RecordOut<'a> {
    source: EndpointOut,
    destination: EndpointOut,
    flow: FlowOut<'a>,
    module: &'static str,
    timestamp: i64,
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
    let rec = RecordOut {
        source: EndpointOut {
            ip: flow.client().ip(v6),
            port: flow.client().port,
        },
        destination: EndpointOut {
            ip: flow.server().ip(v6),
            port: flow.server().port,
        },
        flow: FlowOut {
            id: flow.id,
            protocol: names.0,
            category: names.1,
            kind: kind.as_str(),
            transport: flow.proto().name(),
            start_ts: ms(flow.first_us),
            duration: secs(flow.last_us - flow.first_us),
            ttfb: flow.first_payload_us[SERVER].map(|t| secs(t - flow.first_us)),
            end_ts: end.map(|_| ms(flow.last_us)),
            end_reason: end.map(EndReason::as_str),
            in_bytes: d_in.bytes,
            out_bytes: d_out.bytes,
            in_bytes_total: flow.total[in_side].bytes,
            out_bytes_total: flow.total[out_side].bytes,
            in_packets: d_in.packets,
            out_packets: d_out.packets,
            in_packets_total: flow.total[in_side].packets,
            out_packets_total: flow.total[out_side].packets,
            tls,
        },
        module: "flow_statistics",
        timestamp: ms(at_us),
    };
    // Writing to a Vec cannot fail, and every field serialises (no maps with non-string
    // keys), so an error here would be a bug; keep the buffer line-aligned regardless.
    let mark = out.len();
    if serde_json::to_writer(&mut *out, &rec).is_ok() {
        out.push(b'\n');
    } else {
        out.truncate(mark);
    }
}
