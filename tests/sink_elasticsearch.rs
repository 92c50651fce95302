//! Elasticsearch/OpenSearch sink against an HTTP server inside this test that implements the
//! documented `_bulk` and `_index_template` APIs (no Elasticsearch or OpenSearch server can be
//! installed from the registries this project uses). It answers like the real API: per-item
//! statuses, `errors: true` when any item failed, 429 items when told to.
//!
//! Documents have deterministic ids, so a retried item overwrites itself: exactly-once in the
//! index. Also tested here, with this controllable server: the spool outliving a flowsieve run
//! (replayed at the next start), and both full-spool policies.

mod common;
mod sinkkit;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

#[derive(Default)]
struct State {
    docs: HashMap<String, Value>,
    /// Item writes, counting overwrites.
    writes: usize,
    template: Option<(String, Value)>,
    bulks: usize,
    /// Answer 429 for every third item of this many bulk requests.
    throttle_bulks: usize,
    throttled: usize,
}

struct FakeEs {
    port: u16,
    state: Arc<Mutex<State>>,
    run: Option<(Arc<AtomicBool>, JoinHandle<()>)>,
}

impl FakeEs {
    fn new() -> FakeEs {
        FakeEs {
            port: sinkkit::free_port(),
            state: Arc::default(),
            run: None,
        }
    }

    fn up(&mut self) {
        let l = TcpListener::bind(("127.0.0.1", self.port)).expect("bind");
        l.set_nonblocking(true).unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let (st, s2) = (self.state.clone(), stop.clone());
        let h = std::thread::spawn(move || {
            while !s2.load(Ordering::Relaxed) {
                match l.accept() {
                    Ok((c, _)) => serve(c, &st),
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        self.run = Some((stop, h));
    }

    /// Stops listening: connections are refused until `up`.
    fn down(&mut self) {
        if let Some((stop, h)) = self.run.take() {
            stop.store(true, Ordering::Relaxed);
            h.join().unwrap();
        }
    }

    fn docs(&self) -> HashMap<String, Value> {
        self.state.lock().unwrap().docs.clone()
    }
}

impl Drop for FakeEs {
    fn drop(&mut self) {
        self.down();
    }
}

fn serve(c: TcpStream, st: &Mutex<State>) {
    c.set_nonblocking(false).unwrap();
    let mut r = BufReader::new(c.try_clone().unwrap());
    let mut line = String::new();
    r.read_line(&mut line).unwrap();
    let mut parts = line.split_whitespace();
    let (method, path) = (
        parts.next().unwrap_or("").to_string(),
        parts.next().unwrap_or("").to_string(),
    );
    let mut len = 0;
    let mut ctype = String::new();
    loop {
        let mut h = String::new();
        r.read_line(&mut h).unwrap();
        if h.trim().is_empty() {
            break;
        }
        let (k, v) = h.split_once(':').unwrap();
        match k.to_ascii_lowercase().as_str() {
            "content-length" => len = v.trim().parse().unwrap(),
            "content-type" => ctype = v.trim().to_string(),
            "transfer-encoding" => panic!("chunked body: not expected from flowsieve"),
            _ => {}
        }
    }
    let mut body = vec![0; len];
    r.read_exact(&mut body).unwrap();
    let (status, answer) = handle(&method, &path, &ctype, &body, st);
    let text = answer.to_string();
    let mut c = c;
    let _ = write!(
        c,
        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{text}",
        text.len()
    );
}

/// The documented API: `PUT /_index_template/<name>`, `POST /_bulk` (and `/<index>/_bulk`).
fn handle(method: &str, path: &str, ctype: &str, body: &[u8], st: &Mutex<State>) -> (u16, Value) {
    let mut st = st.lock().unwrap();
    if method == "PUT" && path.starts_with("/_index_template/") {
        let t: Value = serde_json::from_slice(body).expect("template is JSON");
        if !t["index_patterns"].is_array() || !t["template"]["mappings"].is_object() {
            return (400, json!({"error": "bad template"}));
        }
        st.template = Some((path["/_index_template/".len()..].to_string(), t));
        return (200, json!({"acknowledged": true}));
    }
    if method == "POST" && path.ends_with("/_bulk") {
        assert!(
            ctype.starts_with("application/x-ndjson"),
            "bulk content type {ctype}"
        );
        let text = std::str::from_utf8(body).expect("bulk body is UTF-8");
        assert!(text.ends_with('\n'), "bulk body must end with a newline");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len() % 2, 0, "action/document pairs");
        st.bulks += 1;
        let throttle = st.bulks <= st.throttle_bulks;
        let mut items = Vec::new();
        let mut errors = false;
        for (i, pair) in lines.chunks(2).enumerate() {
            let action: Value = serde_json::from_str(pair[0]).expect("action is JSON");
            let doc: Value = serde_json::from_str(pair[1]).expect("document is JSON");
            let meta = &action["index"];
            let (index, id) = (
                meta["_index"].as_str().unwrap(),
                meta["_id"].as_str().unwrap(),
            );
            if throttle && i % 3 == 1 {
                errors = true;
                st.throttled += 1;
                items.push(json!({"index": {"_index": index, "_id": id, "status": 429,
                    "error": {"type": "es_rejected_execution_exception", "reason": "queue full"}}}));
                continue;
            }
            st.writes += 1;
            let status = if st.docs.insert(id.to_string(), doc).is_some() {
                200
            } else {
                201
            };
            items.push(json!({"index": {"_index": index, "_id": id, "status": status, "result": "created"}}));
        }
        return (200, json!({"took": 1, "errors": errors, "items": items}));
    }
    (404, json!({"error": format!("no route {method} {path}")}))
}

fn config(port: u16, extra: &str) -> String {
    format!(
        "temp_path: {{dir}}\nelasticsearch:\n  enabled: true\n  host: http://127.0.0.1\n  port: {port}\n  index_name: flows\n{extra}"
    )
}

fn id_of(r: &Value) -> String {
    let f = &r["flow"];
    format!(
        "{}-{}-{}-{}",
        f["start_ts"],
        f["id"],
        f["type"].as_str().unwrap(),
        r["timestamp"]
    )
}

/// Every record is a document, equal to it, under its id; nothing else is.
fn check(records: &[Value], docs: &HashMap<String, Value>) {
    for r in records {
        let d = docs
            .get(&id_of(r))
            .unwrap_or_else(|| panic!("record missing: {r}"));
        assert_eq!(d, r);
    }
    assert_eq!(docs.len(), records.len(), "documents vs records");
}

/// The number after `word` in the summary.
fn number_after(text: &str, word: &str) -> u64 {
    let at = text
        .find(word)
        .unwrap_or_else(|| panic!("{word:?} not in:\n{text}"));
    text[at + word.len()..]
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no number after {word:?}"))
}

#[test]
fn elasticsearch_gets_every_record_and_the_template() {
    let mut es = FakeEs::new();
    es.up();
    let capture = common::data("corpus/ndpi/reddit.pcap");
    let yaml = config(es.port, &sinkkit::delivery_yaml(40, 30));
    let (run, _d) = sinkkit::run_file(&capture, &yaml, Duration::from_secs(120));
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    check(&run.records, &es.docs());
    let st = es.state.lock().unwrap();
    let (name, t) = st.template.clone().expect("template installed");
    assert_eq!(name, "flowsieve");
    assert_eq!(t["index_patterns"], json!(["flows*"]));
    let props = &t["template"]["mappings"]["properties"];
    assert_eq!(props["source"]["properties"]["ip"]["type"], "ip");
    assert_eq!(props["destination"]["properties"]["ip"]["type"], "ip");
    assert_eq!(props["timestamp"]["type"], "date");
    assert_eq!(props["flow"]["properties"]["start_ts"]["type"], "date");
    assert_eq!(st.writes, run.records.len(), "no retries without failures");
}

#[test]
fn elasticsearch_stopped_mid_run_and_throttling_lose_nothing() {
    let mut es = FakeEs::new();
    es.up();
    let pcap = sinkkit::read_pcap(&common::data("corpus/ndpi/netflix.pcap"));
    let mut feed = sinkkit::Feed::start(&config(es.port, &sinkkit::delivery_yaml(40, 120)));
    feed.write(&pcap.header);
    let half = pcap.packets.len() / 2;
    for p in &pcap.packets[..half] {
        feed.write(p);
    }
    let t0 = Instant::now();
    while t0.elapsed() < Duration::from_secs(3) && es.docs().is_empty() {
        std::thread::sleep(Duration::from_millis(50));
    }
    let before = es.docs().len();
    es.down();
    for p in &pcap.packets[half..] {
        feed.write(p);
    }
    std::thread::sleep(Duration::from_secs(2));
    // Back, but answering 429 for a third of the items of the next 3 bulk requests.
    {
        let mut st = es.state.lock().unwrap();
        st.throttle_bulks = st.bulks + 3;
    }
    es.up();
    let run = feed.finish(Duration::from_secs(120));
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    eprintln!("{}", run.stderr);
    assert!(run.stderr.contains("failed attempts"), "{}", run.stderr);
    let st = es.state.lock().unwrap();
    eprintln!(
        "elasticsearch fault test: {} records, {before} before the stop, {} items throttled, {} writes",
        run.records.len(),
        st.throttled,
        st.writes
    );
    assert!(st.throttled > 0);
    check(&run.records, &st.docs);
}

#[test]
fn spool_outlives_the_run_and_is_replayed_first() {
    let mut es = FakeEs::new(); // not listening yet: every attempt is refused
    let dir = tempfile::tempdir().unwrap();
    let yaml = config(es.port, &sinkkit::delivery_yaml(40, 1))
        .replace("{dir}", &dir.path().display().to_string());
    let (first, _d) = sinkkit::run_file(
        &common::data("corpus/ndpi/reddit.pcap"),
        &yaml,
        Duration::from_secs(60),
    );
    assert_eq!(first.status, Some(0), "{}", first.stderr);
    assert_eq!(
        number_after(&first.stderr, "LEFT"),
        first.records.len() as u64
    );
    es.up();
    let (second, _d) = sinkkit::run_file(
        &common::data("corpus/ndpi/chrome.pcap"),
        &yaml,
        Duration::from_secs(60),
    );
    assert_eq!(second.status, Some(0), "{}", second.stderr);
    assert!(
        second.stderr.contains(&format!(
            "({} from an earlier run's spool)",
            first.records.len()
        )),
        "{}",
        second.stderr
    );
    let all: Vec<Value> = first
        .records
        .iter()
        .chain(&second.records)
        .cloned()
        .collect();
    check(&all, &es.docs());
}

#[test]
fn full_spool_drop_counts_every_record_it_drops() {
    let es = FakeEs::new(); // never up
    let extra = format!(
        "{}  spool: {{max_mb: 0.02, when_full: drop, memory_batches: 1}}\n",
        sinkkit::delivery_yaml(10, 1)
    );
    let (run, _d) = sinkkit::run_file(
        &common::data("corpus/ndpi/reddit.pcap"),
        &config(es.port, &extra),
        Duration::from_secs(60),
    );
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    let dropped = number_after(&run.stderr, "DROPPED");
    let left = number_after(&run.stderr, "LEFT");
    assert!(dropped > 0, "{}", run.stderr);
    assert_eq!(dropped + left, run.records.len() as u64, "{}", run.stderr);
}

#[test]
fn full_spool_block_holds_the_pipeline_until_stopped_then_keeps_everything() {
    let mut es = FakeEs::new();
    let dir = tempfile::tempdir().unwrap();
    let extra = format!(
        "{}  spool: {{max_mb: 0.02, when_full: block, memory_batches: 1}}\n",
        sinkkit::delivery_yaml(10, 1)
    );
    let yaml = config(es.port, &extra).replace("{dir}", &dir.path().display().to_string());
    let pcap = sinkkit::read_pcap(&common::data("corpus/ndpi/reddit.pcap"));
    let mut feed = sinkkit::Feed::start(&yaml);
    feed.write(&pcap.header);
    for p in &pcap.packets {
        feed.write(p);
    }
    // The input is over but the run cannot end: the spool is full and the sink is down.
    let pid = feed.pid();
    std::thread::sleep(Duration::from_secs(3));
    assert!(
        std::path::Path::new(&format!("/proc/{pid}")).exists(),
        "flowsieve ended while blocked"
    );
    std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    let run = feed.finish(Duration::from_secs(60));
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    assert!(number_after(&run.stderr, "waited") > 0, "{}", run.stderr);
    assert_eq!(
        number_after(&run.stderr, "LEFT"),
        run.records.len() as u64,
        "{}",
        run.stderr
    );
    // Next start, sink up: everything arrives.
    es.up();
    let (second, _d) = sinkkit::run_file(
        &common::data("corpus/ndpi/chrome.pcap"),
        &yaml,
        Duration::from_secs(60),
    );
    assert_eq!(second.status, Some(0), "{}", second.stderr);
    let all: Vec<Value> = run.records.iter().chain(&second.records).cloned().collect();
    check(&all, &es.docs());
}

/// `cargo test --release --test sink_elasticsearch -- --ignored --nocapture`: the in-test
/// server, so this measures flowsieve's side (encoding, HTTP, answer parsing) only.
#[test]
#[ignore]
fn elasticsearch_throughput() {
    let mut es = FakeEs::new();
    es.up();
    let yaml = format!(
        "elasticsearch:\n  enabled: true\n  port: {}\n  batch: {{count: 5000}}\n",
        es.port
    );
    sinkkit::throughput("elasticsearch", &yaml, 100_000);
}
