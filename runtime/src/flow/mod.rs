//! Flows: the per-conversation state a worker keeps, and its table.

pub mod key;
mod slots;
pub mod table;
mod timer;

use flowsieve_tls::TlsMetadata;
use flowsieve_wasm::FlowDecision;

use crate::classify::Label;
use crate::decode::TcpFields;
use crate::inspect::Inspection;
use key::{FlowKey, IpProto};

/// Why a flow ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndReason {
    /// FIN seen in both directions.
    Fin,
    /// A RST was seen.
    Rst,
    /// No packet for the idle timeout.
    Idle,
    /// Made room under the flow cap.
    Evicted,
    /// The capture file ended.
    EndOfInput,
    /// The daemon was stopped (SIGINT/SIGTERM).
    Shutdown,
}

impl EndReason {
    pub fn as_str(self) -> &'static str {
        match self {
            EndReason::Fin => "fin",
            EndReason::Rst => "rst",
            EndReason::Idle => "idle",
            EndReason::Evicted => "evicted",
            EndReason::EndOfInput => "end_of_input",
            EndReason::Shutdown => "shutdown",
        }
    }
}

/// Index of a side in per-side arrays.
pub const CLIENT: usize = 0;
pub const SERVER: usize = 1;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    pub packets: u64,
    pub bytes: u64,
}

/// TCP facts needed for the flow's life cycle.
#[derive(Debug, Clone, Copy, Default)]
pub struct TcpTrack {
    pub syn: [bool; 2],
    pub fin: [bool; 2],
    /// Initial sequence numbers from the SYNs, so the stream reassembly (which starts at
    /// the first payload) knows where each stream begins.
    pub isn: [Option<u32>; 2],
}

/// One bidirectional flow.
pub struct Flow {
    pub id: u64,
    pub key: FlowKey,
    /// Which key endpoint opened the flow.
    pub client_is_a: bool,
    /// Whether `out_*` counts what the client sent (else what the server sent).
    pub out_is_client: bool,
    pub first_us: i64,
    pub last_us: i64,
    /// Time of each side's first payload byte (the server's gives `ttfb`).
    pub first_payload_us: [Option<i64>; 2],
    /// Size of each side's first payload packet.
    pub first_payload_len: [u32; 2],
    /// Totals by side ([`CLIENT`], [`SERVER`]).
    pub total: [Counters; 2],
    /// Totals as of the last record of this flow (for `*_bytes` since the last record).
    pub reported: [Counters; 2],
    /// Packets that carried payload, by side.
    pub payload_packets: [u32; 2],
    pub tcp: TcpTrack,
    /// Set once the protocol is decided.
    pub label: Option<Label>,
    /// When the protocol was decided, and the flow's packet count then (bounds the wait
    /// for TLS metadata).
    pub decided_at: Option<(i64, u64)>,
    /// When to offer the flow to the rule packs.
    pub decision: FlowDecision,
    /// Payload inspection, while the verdict or the TLS metadata may still change.
    pub inspect: Option<Box<Inspection>>,
    /// Inspection is over for good (never allocated again).
    pub inspect_done: bool,
    /// The handshake metadata, kept once inspection is over.
    pub tls: Option<Box<TlsMetadata>>,
    /// Whether the selection (`protocols` / `protocol_categories`) wants its records.
    pub selected: bool,
    /// `flow_start` written.
    pub started: bool,
    /// Closed by FIN/RST, lingering until `tcp_closed` passes.
    pub closing: Option<EndReason>,
    /// Second the flow's timer entry is filed under, and that entry's stamp (see `timer`).
    pub(crate) timer_sec: i64,
    pub(crate) timer_stamp: u32,
    /// Where the flow lives in its table (set when stored).
    pub slot: u32,
    /// On the worker's list of flows that time alone can move on (see the worker).
    pub watched: bool,
}

impl Flow {
    pub fn new(id: u64, key: FlowKey, client_is_a: bool, out_is_client: bool, ts: i64) -> Flow {
        Flow {
            id,
            key,
            client_is_a,
            out_is_client,
            first_us: ts,
            last_us: ts,
            first_payload_us: [None; 2],
            first_payload_len: [0; 2],
            total: [Counters::default(); 2],
            reported: [Counters::default(); 2],
            payload_packets: [0; 2],
            tcp: TcpTrack::default(),
            label: None,
            decided_at: None,
            decision: FlowDecision::new(),
            inspect: None,
            inspect_done: false,
            tls: None,
            selected: false,
            started: false,
            closing: None,
            timer_sec: i64::MIN,
            timer_stamp: 0,
            slot: 0,
            watched: false,
        }
    }

    /// Side of a packet from the key's `a` endpoint or not.
    pub fn side_of(&self, from_a: bool) -> usize {
        if from_a == self.client_is_a {
            CLIENT
        } else {
            SERVER
        }
    }

    pub fn client(&self) -> &key::Endpoint {
        if self.client_is_a {
            &self.key.a
        } else {
            &self.key.b
        }
    }

    pub fn server(&self) -> &key::Endpoint {
        if self.client_is_a {
            &self.key.b
        } else {
            &self.key.a
        }
    }

    /// Counts one packet; returns nothing, the caller reads the state it needs.
    pub fn account(&mut self, side: usize, ts: i64, payload_len: u32, tcp: Option<TcpFields>) {
        // start_ts stays the first packet's time even if a later packet carries an older
        // timestamp (captures merged out of order); the end is the latest time seen.
        self.last_us = self.last_us.max(ts);
        let c = &mut self.total[side];
        c.packets += 1;
        c.bytes += payload_len as u64;
        if payload_len > 0 {
            self.payload_packets[side] = self.payload_packets[side].saturating_add(1);
            if self.first_payload_us[side].is_none() {
                self.first_payload_us[side] = Some(ts);
                self.first_payload_len[side] = payload_len;
            }
        }
        if let Some(t) = tcp {
            if t.syn() {
                self.tcp.syn[side] = true;
                self.tcp.isn[side].get_or_insert(t.seq);
            }
            if t.fin() {
                self.tcp.fin[side] = true;
                if self.tcp.fin[CLIENT] && self.tcp.fin[SERVER] && self.closing.is_none() {
                    self.closing = Some(EndReason::Fin);
                }
            }
            if t.rst() && self.closing.is_none() {
                self.closing = Some(EndReason::Rst);
            }
        }
    }

    /// Makes the server the client and back, when the TLS handshake shows the guess from
    /// ports was wrong. Only before the first record of the flow.
    pub fn swap_roles(&mut self, out_follows_client: bool) {
        self.client_is_a = !self.client_is_a;
        self.total.swap(CLIENT, SERVER);
        self.reported.swap(CLIENT, SERVER);
        self.payload_packets.swap(CLIENT, SERVER);
        self.first_payload_us.swap(CLIENT, SERVER);
        self.first_payload_len.swap(CLIENT, SERVER);
        self.tcp.syn.swap(CLIENT, SERVER);
        self.tcp.fin.swap(CLIENT, SERVER);
        self.tcp.isn.swap(CLIENT, SERVER);
        if !out_follows_client {
            // out is a fixed physical side (local network): it is now the other role.
            self.out_is_client = !self.out_is_client;
        }
    }

    pub fn packets(&self) -> u64 {
        self.total[CLIENT].packets + self.total[SERVER].packets
    }

    pub fn has_payload(&self) -> bool {
        self.total[CLIENT].bytes + self.total[SERVER].bytes > 0
    }

    pub fn proto(&self) -> IpProto {
        self.key.proto
    }
}

/// Which side of a flow's first packet is the server, when no SYN says so.
///
/// Ephemeral ports (≥ 32768, the Linux and Windows ranges) are clients; otherwise a port
/// below 1024 is a server; otherwise the lower port is. Equal ports: the sender is the client.
pub fn sender_is_server_by_port(sport: u16, dport: u16) -> bool {
    if sport == dport {
        return false;
    }
    let eph = |p: u16| p >= 32768;
    let well_known = |p: u16| p < 1024;
    match (eph(sport), eph(dport)) {
        (true, false) => false,
        (false, true) => true,
        _ => match (well_known(sport), well_known(dport)) {
            (true, false) => true,
            (false, true) => false,
            _ => sport < dport,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_port_guess() {
        assert!(!sender_is_server_by_port(50000, 443));
        assert!(sender_is_server_by_port(443, 50000));
        assert!(!sender_is_server_by_port(50000, 3306));
        assert!(sender_is_server_by_port(3306, 50000));
        assert!(!sender_is_server_by_port(2000, 80));
        assert!(sender_is_server_by_port(8080, 9999));
        assert!(!sender_is_server_by_port(123, 123));
    }
}
