//! A worker's flow table: lookup, creation (who is the client), idle expiry, eviction under
//! the cap, and TCP port reuse. Owned by one worker thread, so no locks.

use std::hash::BuildHasher;

use hashbrown::{DefaultHashBuilder, HashTable};
use ipnet::IpNet;

use super::key::{FlowKey, IpProto};
use super::slots::Slots;
use super::timer::{Entry, Filed, TimerWheel};
use super::{sender_is_server_by_port, EndReason, Flow, CLIENT, SERVER};
use crate::config::{Config, DirectionMethod};
use crate::decode::TcpFields;

const US: i64 = 1_000_000;

/// Idle timeouts in microseconds.
#[derive(Debug, Clone)]
pub struct TimeoutsUs {
    pub tcp: i64,
    pub tcp_handshake: i64,
    pub tcp_closed: i64,
    pub udp: i64,
    pub icmp: i64,
    pub other: i64,
}

/// How `out_*` is chosen for a new flow.
#[derive(Debug, Clone)]
pub enum Direction {
    Client,
    Network(Vec<IpNet>),
}

#[derive(Debug, Clone)]
pub struct TableConfig {
    pub timeouts: TimeoutsUs,
    pub max_flows: usize,
    pub direction: Direction,
    /// Flow ids are `n * workers + worker + 1`, unique across workers.
    pub worker: u64,
    pub workers: u64,
}

impl TableConfig {
    pub fn from_config(c: &Config, worker: usize, workers: usize) -> TableConfig {
        let t = &c.flows.timeouts;
        let s = |v: u64| (v as i64).saturating_mul(US);
        TableConfig {
            timeouts: TimeoutsUs {
                tcp: s(t.tcp),
                tcp_handshake: s(t.tcp_handshake),
                tcp_closed: s(t.tcp_closed),
                udp: s(t.udp),
                icmp: s(t.icmp),
                other: s(t.other),
            },
            max_flows: (c.flows.max_flows / workers.max(1)).max(1),
            direction: match c.direction_method {
                DirectionMethod::Port => Direction::Client,
                DirectionMethod::Network => {
                    Direction::Network(c.local_prefixes().unwrap_or_default())
                }
            },
            worker: worker as u64,
            workers: workers.max(1) as u64,
        }
    }

    fn horizon_secs(&self) -> u64 {
        let t = &self.timeouts;
        let max = [t.tcp, t.tcp_handshake, t.tcp_closed, t.udp, t.icmp, t.other]
            .into_iter()
            .max()
            .unwrap_or(US);
        (max / US) as u64 + 1
    }
}

/// What the table needs to know about a packet.
#[derive(Debug, Clone, Copy)]
pub struct PacketView {
    pub ts_us: i64,
    pub key: FlowKey,
    pub from_a: bool,
    pub tcp: Option<TcpFields>,
    pub payload_len: u32,
}

pub struct FlowTable {
    cfg: TableConfig,
    /// Key -> slot: 4 bytes per bucket; the key itself lives in the flow.
    index: HashTable<u32>,
    /// Randomly seeded (foldhash): crafted keys cannot aim at one bucket chain.
    hasher: DefaultHashBuilder,
    slots: Slots,
    wheel: TimerWheel,
    created: u64,
    due: Vec<Entry>,
}

impl FlowTable {
    pub fn new(cfg: TableConfig) -> FlowTable {
        let wheel = TimerWheel::new(cfg.horizon_secs());
        FlowTable {
            cfg,
            index: HashTable::new(),
            hasher: DefaultHashBuilder::default(),
            slots: Slots::default(),
            wheel,
            created: 0,
            due: Vec::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.len() == 0
    }

    pub fn created(&self) -> u64 {
        self.created
    }

    /// Heap bytes of the table itself (slots, index, timer wheel), not of what flows point
    /// to (inspection state, TLS metadata).
    pub fn heap_bytes(&self) -> usize {
        self.slots.heap_bytes() + self.index.capacity() * 5 + self.wheel.heap_bytes()
    }

    fn find(&self, hash: u64, key: &FlowKey) -> Option<u32> {
        let slots = &self.slots;
        self.index
            .find(hash, |&s| slots.get(s).is_some_and(|f| f.key == *key))
            .copied()
    }

    /// Takes a flow out of the table (its timer entries go stale).
    fn remove(&mut self, slot: u32) -> Option<Flow> {
        let f = self.slots.take(slot)?;
        let hash = self.hasher.hash_one(f.key);
        if let Ok(e) = self.index.find_entry(hash, |&s| s == slot) {
            e.remove();
        }
        Some(f)
    }

    pub fn get_mut(&mut self, slot: u32) -> Option<&mut Flow> {
        self.slots.get_mut(slot)
    }

    /// Finds or creates the packet's flow and counts the packet in it. Flows that end
    /// because of this packet (port reuse, idle flow seen again, eviction) are pushed to
    /// `ended`. Returns the flow and which side sent the packet.
    pub fn packet(
        &mut self,
        p: &PacketView,
        ended: &mut Vec<(Flow, EndReason)>,
    ) -> (&mut Flow, usize) {
        let hash = self.hasher.hash_one(p.key);
        let mut found = self.find(hash, &p.key);
        let restart = found.and_then(|s| self.slots.get(s)).and_then(|f| {
            let new_syn = p.tcp.is_some_and(|t| t.syn() && !t.ack_flag());
            let idle = p.ts_us > self.deadline_us(f);
            if idle {
                Some(f.closing.unwrap_or(EndReason::Idle))
            } else if new_syn && f.closing.is_some() {
                f.closing
            } else {
                None
            }
        });
        if let (Some(reason), Some(slot)) = (restart, found) {
            if let Some(old) = self.remove(slot) {
                ended.push((old, reason));
            }
            found = None;
        }
        let slot = match found {
            Some(s) => s,
            None => {
                while self.slots.len() >= self.cfg.max_flows {
                    if !self.evict_one(ended) {
                        break;
                    }
                }
                let flow = new_flow(&self.cfg, &mut self.created, p);
                let slot = self.slots.insert(flow);
                let (slots, hasher) = (&self.slots, &self.hasher);
                self.index.insert_unique(hash, slot, |&s| {
                    slots.get(s).map_or(0, |f| hasher.hash_one(f.key))
                });
                slot
            }
        };
        let (wheel, timeouts) = (&mut self.wheel, &self.cfg.timeouts);
        let Some(flow) = self.slots.get_mut(slot) else {
            unreachable!("a slot just found or filled holds its flow")
        };
        let side = flow.side_of(p.from_a);
        flow.account(side, p.ts_us, p.payload_len, p.tcp);
        let deadline = flow.last_us.saturating_add(timeout_for(timeouts, flow));
        let sec = ceil_sec(deadline);
        if sec < flow.timer_sec || flow.timer_sec == i64::MIN {
            (flow.timer_sec, flow.timer_stamp) = wheel.schedule(slot, sec);
        }
        (flow, side)
    }
}

/// Creates the flow a packet opens, deciding which side is the client.
fn new_flow(cfg: &TableConfig, created: &mut u64, p: &PacketView) -> Flow {
    {
        let sender_is_server = match p.tcp {
            Some(t) if t.syn() => t.ack_flag(),
            _ => {
                let (sport, dport) = if p.from_a {
                    (p.key.a.port, p.key.b.port)
                } else {
                    (p.key.b.port, p.key.a.port)
                };
                if p.key.proto == IpProto::TCP {
                    sender_is_server_by_port(sport, dport)
                } else {
                    // Datagrams: the first sender opened the flow, unless it is plainly a
                    // reply from a well-known port to an ephemeral one.
                    sport < 1024 && dport >= 1024
                }
            }
        };
        let client_is_a = p.from_a != sender_is_server;
        let id = *created * cfg.workers + cfg.worker + 1;
        *created += 1;
        let out_is_client = match &cfg.direction {
            Direction::Client => true,
            Direction::Network(nets) => {
                let (c, s) = if client_is_a {
                    (&p.key.a, &p.key.b)
                } else {
                    (&p.key.b, &p.key.a)
                };
                let local = |e: &super::key::Endpoint| {
                    let ip = e.ip(p.key.v6);
                    nets.iter().any(|n| n.contains(&ip))
                };
                // Only a flow whose server end alone is local goes out from the server.
                !local(s) || local(c)
            }
        };
        Flow::new(id, p.key, client_is_a, out_is_client, p.ts_us)
    }
}

impl FlowTable {
    fn deadline_us(&self, f: &Flow) -> i64 {
        f.last_us.saturating_add(timeout_for(&self.cfg.timeouts, f))
    }

    /// Whether a wheel entry is still its flow's live one, and for which second.
    fn filed(slots: &Slots, e: Entry) -> Filed {
        match slots.get(e.slot) {
            Some(f) if f.timer_stamp == e.stamp => Filed::Live(f.timer_sec),
            _ => Filed::Stale,
        }
    }

    /// Ends every flow whose idle timeout passed by `now_us`.
    pub fn expire(&mut self, now_us: i64, ended: &mut Vec<(Flow, EndReason)>) {
        let mut due = std::mem::take(&mut self.due);
        let slots = &self.slots;
        self.wheel
            .advance(now_us.div_euclid(US), &mut due, |e| Self::filed(slots, e));
        for e in due.drain(..) {
            let Some(f) = self.slots.get_mut(e.slot) else {
                continue;
            };
            if f.timer_stamp != e.stamp {
                continue; // stale entry: the flow was replaced or refiled
            }
            let deadline = f.last_us.saturating_add(timeout_for(&self.cfg.timeouts, f));
            if deadline <= now_us {
                if let Some(f) = self.remove(e.slot) {
                    let reason = f.closing.unwrap_or(EndReason::Idle);
                    ended.push((f, reason));
                }
            } else {
                (f.timer_sec, f.timer_stamp) = self.wheel.schedule(e.slot, ceil_sec(deadline));
            }
        }
        self.due = due;
    }

    /// Ends the least recently filed flow to make room. False when nothing could go.
    fn evict_one(&mut self, ended: &mut Vec<(Flow, EndReason)>) -> bool {
        let slots = &self.slots;
        let Some(e) = self.wheel.pop_earliest_live(|e| Self::filed(slots, e)) else {
            return false;
        };
        match self.remove(e.slot) {
            Some(f) => {
                ended.push((f, EndReason::Evicted));
                true
            }
            None => false,
        }
    }

    /// Ends up to `max` flows (end of input, shutdown) and tells whether more remain: the
    /// caller writes each batch out before the next, so draining a large table never holds
    /// its flows twice. Flows already closed keep their reason. Once draining, the table
    /// takes no more packets.
    pub fn drain(
        &mut self,
        reason: EndReason,
        ended: &mut Vec<(Flow, EndReason)>,
        max: usize,
    ) -> bool {
        if !self.index.is_empty() {
            self.index = HashTable::new();
            self.wheel.clear();
        }
        for _ in 0..max {
            match self.slots.pop() {
                Some(f) => {
                    let r = f.closing.unwrap_or(reason);
                    ended.push((f, r));
                }
                None => return false,
            }
        }
        self.slots.len() > 0
    }

    pub fn flows_mut(&mut self) -> impl Iterator<Item = &mut Flow> {
        self.slots.iter_mut()
    }
}

fn timeout_for(t: &TimeoutsUs, f: &Flow) -> i64 {
    match f.key.proto {
        IpProto::TCP => {
            if f.closing.is_some() {
                t.tcp_closed
            } else if f.tcp.syn[CLIENT] && !f.tcp.syn[SERVER] && !f.has_payload() {
                t.tcp_handshake
            } else {
                t.tcp
            }
        }
        IpProto::UDP => t.udp,
        p if p.is_icmp() => t.icmp,
        _ => t.other,
    }
}

fn ceil_sec(us: i64) -> i64 {
    us.div_euclid(US) + i64::from(us.rem_euclid(US) != 0)
}

#[cfg(test)]
mod tests;
