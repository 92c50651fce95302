//! The classifier host with the built-in packs, fed arbitrary flow views: the first
//! `CLASSIFIER_HEADER` bytes give the scalars (transport, ports, counters, SNI, ALPN) through
//! `arbitrary`; the rest is `[client_len u16 LE][client prefix][server prefix]`.
#![no_main]
use arbitrary::{Arbitrary, Unstructured};
use flowsieve_fuzz::CLASSIFIER_HEADER;
use flowsieve_wasm::{
    ClassifierRuntime, FlowView, RuntimeConfig, Side, Transport, WorkerClassifier,
};
use libfuzzer_sys::fuzz_target;
use std::cell::RefCell;
use std::sync::{Arc, OnceLock};

#[derive(Arbitrary, Debug)]
struct Counters {
    first_payload_len: u32,
    packets: u32,
    bytes: u64,
}

#[derive(Arbitrary, Debug)]
struct Meta {
    udp: bool,
    client_port: u16,
    server_port: u16,
    client: Counters,
    server: Counters,
    sni: Option<String>,
    alpn: Vec<String>,
}

fn runtime() -> &'static Arc<ClassifierRuntime> {
    static RT: OnceLock<Arc<ClassifierRuntime>> = OnceLock::new();
    RT.get_or_init(|| {
        ClassifierRuntime::new(RuntimeConfig {
            cache_dir: None,
            watch: false,
            // Generous: ASan slows the guests down; a timeout is not what is looked for here.
            call_deadline: std::time::Duration::from_millis(500),
            ..RuntimeConfig::default()
        })
        .expect("runtime with the built-in packs")
    })
}

thread_local! {
    static WORKER: RefCell<Option<WorkerClassifier>> = const { RefCell::new(None) };
}

fuzz_target!(|data: &[u8]| {
    let (head, body) = data.split_at(data.len().min(CLASSIFIER_HEADER));
    let Ok(meta) = Meta::arbitrary(&mut Unstructured::new(head)) else {
        return;
    };
    let (client, server) = match body {
        [a, b, rest @ ..] => {
            rest.split_at(usize::from(u16::from_le_bytes([*a, *b])).min(rest.len()))
        }
        _ => (&[][..], &[][..]),
    };
    let transport = if meta.udp {
        Transport::Udp
    } else {
        Transport::Tcp
    };
    let mut view = FlowView::new(transport, meta.client_port, meta.server_port);
    let side = |prefix, c: &Counters| Side {
        prefix,
        first_payload_len: c.first_payload_len,
        packets: c.packets,
        bytes: c.bytes,
    };
    view.client = side(client, &meta.client);
    view.server = side(server, &meta.server);
    view.sni = meta.sni.as_deref();
    view.alpn = &meta.alpn;
    WORKER.with(|w| {
        let mut w = w.borrow_mut();
        let worker = w.get_or_insert_with(|| runtime().worker());
        let _ = worker.classify(&view);
    });
});
