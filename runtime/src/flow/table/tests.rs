use std::net::IpAddr;

use super::*;

fn cfg(max_flows: usize) -> TableConfig {
    let mut c = Config::default();
    c.flows.max_flows = max_flows;
    TableConfig::from_config(&c, 0, 1)
}

fn pkt(ts_s: f64, src: &str, sport: u16, dst: &str, dport: u16, flags: u8, len: u32) -> PacketView {
    let (s, d): (IpAddr, IpAddr) = (src.parse().unwrap(), dst.parse().unwrap());
    let (key, from_a) = FlowKey::new(s, d, sport, dport, IpProto::TCP);
    PacketView {
        ts_us: (ts_s * 1e6) as i64,
        key,
        from_a,
        tcp: Some(TcpFields {
            flags,
            seq: 1,
            ack: 1,
        }),
        payload_len: len,
    }
}

const SYN: u8 = TcpFields::SYN;
const SYNACK: u8 = TcpFields::SYN | TcpFields::ACK;
const ACK: u8 = TcpFields::ACK;
const FIN: u8 = TcpFields::FIN | TcpFields::ACK;

#[test]
fn syn_ack_seen_first_makes_the_receiver_the_client() {
    let mut t = FlowTable::new(cfg(10));
    let mut ended = Vec::new();
    let (f, side) = t.packet(
        &pkt(0.0, "10.0.0.9", 443, "10.0.0.2", 50000, SYNACK, 0),
        &mut ended,
    );
    assert_eq!(side, SERVER);
    assert_eq!(f.client().port, 50000);
}

#[test]
fn mid_stream_tcp_guesses_the_server_by_port() {
    let mut t = FlowTable::new(cfg(10));
    let mut ended = Vec::new();
    let (f, side) = t.packet(
        &pkt(0.0, "10.0.0.9", 3306, "10.0.0.2", 50000, ACK, 100),
        &mut ended,
    );
    assert_eq!(side, SERVER);
    assert_eq!(f.server().port, 3306);
    assert_eq!(f.first_payload_us[SERVER], Some(0));
}

#[test]
fn fin_both_ways_lingers_then_ends_and_a_new_syn_starts_a_new_flow() {
    let mut t = FlowTable::new(cfg(10));
    let mut ended = Vec::new();
    let c = "10.0.0.2";
    let s = "10.0.0.9";
    t.packet(&pkt(0.0, c, 50000, s, 80, SYN, 0), &mut ended);
    t.packet(&pkt(0.1, s, 80, c, 50000, SYNACK, 0), &mut ended);
    t.packet(&pkt(0.2, c, 50000, s, 80, FIN, 0), &mut ended);
    t.packet(&pkt(0.3, s, 80, c, 50000, FIN, 0), &mut ended);
    // The last ACK still belongs to the flow.
    let (f, _) = t.packet(&pkt(0.4, c, 50000, s, 80, ACK, 0), &mut ended);
    assert_eq!(f.total[CLIENT].packets, 3);
    assert!(ended.is_empty());
    // Port reuse: a new SYN ends the closed flow at once.
    let (f, _) = t.packet(&pkt(1.0, c, 50000, s, 80, SYN, 0), &mut ended);
    assert_eq!(f.total[CLIENT].packets, 1);
    assert_eq!(ended.len(), 1);
    assert_eq!(ended[0].1, EndReason::Fin);
    assert_eq!(
        ended[0].0.total[CLIENT].packets + ended[0].0.total[SERVER].packets,
        5
    );
    // Otherwise the linger (5 s) ends it.
    ended.clear();
    t.packet(&pkt(1.1, c, 50000, s, 80, TcpFields::RST, 0), &mut ended);
    t.expire(3_000_000, &mut ended);
    assert!(ended.is_empty());
    t.expire(7_000_000, &mut ended);
    assert_eq!(ended.len(), 1);
    assert_eq!(ended[0].1, EndReason::Rst);
    assert!(t.is_empty());
}

#[test]
fn idle_flows_expire_by_transport_timeout() {
    let mut t = FlowTable::new(cfg(10));
    let mut ended = Vec::new();
    // A SYN-only flow (30 s) and an established one (300 s).
    t.packet(
        &pkt(0.0, "10.0.0.1", 40000, "10.0.0.9", 22, SYN, 0),
        &mut ended,
    );
    t.packet(
        &pkt(0.0, "10.0.0.2", 40000, "10.0.0.9", 22, ACK, 10),
        &mut ended,
    );
    t.expire(29_000_000, &mut ended);
    assert!(ended.is_empty());
    t.expire(31_000_000, &mut ended);
    assert_eq!(ended.len(), 1);
    assert_eq!(ended[0].1, EndReason::Idle);
    t.expire(299_000_000, &mut ended);
    assert_eq!(ended.len(), 1);
    t.expire(301_000_000, &mut ended);
    assert_eq!(ended.len(), 2);
}

#[test]
fn activity_postpones_expiry() {
    let mut t = FlowTable::new(cfg(10));
    let mut ended = Vec::new();
    for i in 0..10 {
        t.packet(
            &pkt(i as f64 * 200.0, "10.0.0.1", 40000, "10.0.0.9", 22, ACK, 1),
            &mut ended,
        );
        t.expire(i * 200_000_000 + 1, &mut ended);
    }
    assert!(ended.is_empty());
    t.expire(2_101_000_000, &mut ended);
    assert_eq!(ended.len(), 1);
}

#[test]
fn the_cap_evicts_the_oldest_flow() {
    let mut t = FlowTable::new(cfg(3));
    let mut ended = Vec::new();
    for i in 0..3u16 {
        t.packet(
            &pkt(i as f64, "10.0.0.1", 40000 + i, "10.0.0.9", 80, SYN, 0),
            &mut ended,
        );
    }
    assert!(ended.is_empty());
    t.packet(
        &pkt(3.0, "10.0.0.1", 50000, "10.0.0.9", 80, SYN, 0),
        &mut ended,
    );
    assert_eq!(t.len(), 3);
    assert_eq!(ended.len(), 1);
    assert_eq!(ended[0].1, EndReason::Evicted);
    assert_eq!(ended[0].0.client().port, 40000);
}

#[test]
fn ids_are_unique_across_workers() {
    let c = Config::default();
    let mut ids = std::collections::HashSet::new();
    for w in 0..3 {
        let mut t = FlowTable::new(TableConfig::from_config(&c, w, 3));
        let mut ended = Vec::new();
        for i in 0..100u16 {
            let (f, _) = t.packet(&pkt(0.0, "10.0.0.1", i, "10.0.0.9", 80, SYN, 0), &mut ended);
            assert!(ids.insert(f.id));
        }
    }
}

#[test]
fn a_flow_stays_small() {
    // What every tracked flow costs before any inspection state (boxed, payload flows only):
    // its slot (the flow, key included), a 4-byte index bucket (plus a control byte, at
    // most 7/8 full, up to half empty right after growing) and an 8-byte timer entry.
    let slot = std::mem::size_of::<Option<Flow>>();
    let size = slot + 2 * 5 + 8;
    println!("flow slot: {slot} bytes, with index and timer: {size} bytes");
    assert!(size <= 320, "flow entry grew to {size} bytes");
}

#[test]
fn slots_are_reused_and_the_index_follows() {
    let mut t = FlowTable::new(cfg(1000));
    let mut ended = Vec::new();
    for i in 0..100u16 {
        t.packet(
            &pkt(0.0, "10.0.0.1", 1000 + i, "10.0.0.9", 80, TcpFields::RST, 0),
            &mut ended,
        );
    }
    t.expire(10_000_000, &mut ended);
    assert_eq!(ended.len(), 100);
    assert!(t.is_empty());
    // New flows take the freed slots; each is still found by its own key.
    for i in 0..100u16 {
        let (f, _) = t.packet(
            &pkt(20.0, "10.0.0.2", 2000 + i, "10.0.0.9", 80, SYN, 0),
            &mut ended,
        );
        assert!(f.slot < 100);
    }
    for i in 0..100u16 {
        let (f, _) = t.packet(
            &pkt(21.0, "10.0.0.9", 80, "10.0.0.2", 2000 + i, SYNACK, 0),
            &mut ended,
        );
        assert_eq!(f.total[CLIENT].packets + f.total[SERVER].packets, 2);
        assert_eq!(f.client().port, 2000 + i);
    }
    assert_eq!(t.len(), 100);
    // Draining in steps hands every flow out once.
    let mut drained = Vec::new();
    while t.drain(EndReason::EndOfInput, &mut drained, 30) {}
    assert_eq!(drained.len(), 100);
    assert!(t.is_empty());
}
