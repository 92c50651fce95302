//! Flow views for rule packs' native unit tests. Behind the `testing` feature: packs enable it
//! only as a dev-dependency feature, so their wasm builds never carry it.

use crate::leads::host_offers;
use crate::{FlowView, Outcome, Rule, Side, Transport};

fn side(prefix: &[u8]) -> Side {
    Side {
        prefix: prefix.to_vec(),
        first_payload_len: prefix.len() as u32,
        packets: u32::from(!prefix.is_empty()),
        bytes: prefix.len() as u64,
    }
}

fn view(transport: Transport, cport: u16, sport: u16, c: &[u8], s: &[u8]) -> FlowView {
    FlowView {
        transport,
        client_port: cport,
        server_port: sport,
        client: side(c),
        server: side(s),
        sni: None,
        alpn: None,
    }
}

pub fn tcp(cport: u16, sport: u16, c: &[u8], s: &[u8]) -> FlowView {
    view(Transport::Tcp, cport, sport, c, s)
}

pub fn udp(cport: u16, sport: u16, c: &[u8], s: &[u8]) -> FlowView {
    view(Transport::Udp, cport, sport, c, s)
}

/// Feeds `check` 20,000 flows whose prefixes start with one of `seeds` and
/// go on with pseudo-random bytes (TCP and UDP, assorted ports): guest input
/// is whatever the network sent, and no prefix may panic a rule.
pub fn fuzz(seeds: &[&[u8]], mut check: impl FnMut(&FlowView)) {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    const PORTS: [u16; 12] = [21, 69, 110, 123, 137, 138, 139, 143, 161, 445, 993, 3389];
    for i in 0..20_000 {
        let mut bufs = [Vec::new(), Vec::new()];
        for buf in &mut bufs {
            buf.extend_from_slice(seeds[(next() % seeds.len() as u64) as usize]);
            let extra = (next() % 300) as usize;
            buf.extend((0..extra).map(|_| next() as u8));
        }
        let port = PORTS[(next() % 12) as usize];
        let mut flow = if i % 2 == 0 {
            tcp(40000, port, &bufs[0], &bufs[1])
        } else {
            udp(40000, port, &bufs[0], &bufs[1])
        };
        flow.client.first_payload_len = (next() % 400) as u32;
        flow.server.first_payload_len = (next() % 400) as u32;
        check(&flow);
    }
}

/// `R::classify(flow)`, checked against R's manifest the way the host uses
/// it: a match must name a rule of the flow's transport, and the host must
/// have offered the flow for that rule (ports, leads). Panics otherwise, so
/// a lead that hides flows from its own rule fails the pack's tests.
pub fn verdict<R: Rule>(flow: &FlowView) -> Outcome {
    let outcome = R::classify(flow);
    if let Outcome::Matched(index) = outcome {
        let manifest = R::manifest();
        let rule = manifest
            .rules
            .get(index as usize)
            .unwrap_or_else(|| panic!("matched rule {index}, which the manifest does not have"));
        assert!(
            host_offers(rule, flow),
            "rule {:?} matched a flow the host would not offer it (transport, ports or leads): \
             client {:02x?} server {:02x?}",
            rule.protocol,
            &flow.client.prefix[..flow.client.prefix.len().min(16)],
            &flow.server.prefix[..flow.server.prefix.len().min(16)],
        );
    }
    outcome
}

/// [`fuzz`] over a whole pack, checking each verdict with [`verdict`].
pub fn fuzz_pack<R: Rule>(seeds: &[&[u8]]) {
    fuzz(seeds, |flow| {
        let _ = verdict::<R>(flow);
    });
}

/// Whether the host would offer `flow` to `R` for its manifest rule `rule`
/// (transport, ports, leads): a rule's positive cases check it.
pub fn offered<R: Rule>(rule: u32, flow: &FlowView) -> bool {
    R::manifest()
        .rules
        .get(rule as usize)
        .is_some_and(|r| host_offers(r, flow))
}

/// `judge` names `flow` with `index`, and so does the whole pack `R` as the
/// host calls it (ports and leads checked by [`verdict`]).
pub fn assert_yes<R: Rule>(judge: crate::dispatch::Judge, flow: &FlowView, index: u32) {
    assert_eq!(judge(flow), crate::dispatch::Verdict::Yes(index));
    assert_eq!(verdict::<R>(flow), Outcome::Matched(index));
}
