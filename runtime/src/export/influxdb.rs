//! InfluxDB 1.x: line protocol over HTTP (`POST /write`).
//!
//! One point per record in measurement `flow_statistics`, tagged `protocol`, `category` and
//! `type`. Every other value becomes a field named by its JSON path (`flow.in_bytes`,
//! `source.ip`, `flow.tls.client.sni`, arrays as `key.N`, as the seed named them); integers
//! carry the `i` suffix, and the field set never starts with a comma (the seed's bug). A JSON
//! `null` (e.g. `ttfb` before any server payload) has no field.
//!
//! Point time: the record's `timestamp` (ms) in nanoseconds plus `flow.id mod 10^6`, so that
//! records of different flows in the same millisecond and series do not overwrite each other,
//! while a retried batch overwrites its own points: writes are idempotent (exactly-once in the
//! database). Two records can still collide only if they share type, protocol, category and
//! millisecond and their flow ids differ by a multiple of 10^6.

use serde_json::Value;

use super::config::InfluxConfig;
use super::http::Http;
use super::sink::{Batch, Delivery, Sink, SinkError};

pub const MEASUREMENT: &str = "flow_statistics";

pub struct InfluxSink {
    http: Http,
    base: String,
    cfg: InfluxConfig,
    body: Vec<u8>,
}

impl InfluxSink {
    pub fn new(cfg: &InfluxConfig) -> InfluxSink {
        InfluxSink {
            http: Http::new(
                cfg.timeout_s,
                cfg.username.as_deref(),
                cfg.password.as_deref(),
            ),
            base: format!("{}:{}", cfg.host.trim_end_matches('/'), cfg.port),
            cfg: cfg.clone(),
            body: Vec::new(),
        }
    }
}

impl Sink for InfluxSink {
    fn prepare(&mut self) -> Result<(), SinkError> {
        if self.cfg.create_database {
            let q = format!(
                "CREATE DATABASE \"{}\"",
                self.cfg.database.replace('"', "\\\"")
            );
            self.http
                .send(
                    "POST",
                    &format!("{}/query", self.base),
                    &[("q", &q)],
                    "application/x-www-form-urlencoded",
                    b"",
                )?
                .ok("CREATE DATABASE")?;
        }
        Ok(())
    }

    fn send(&mut self, batch: &Batch) -> Result<Delivery, SinkError> {
        self.body.clear();
        let mut bad = Vec::new();
        for (i, rec) in batch.iter().enumerate() {
            if !encode(rec, &mut self.body) {
                bad.push(i);
            }
        }
        let mut q = vec![("db", self.cfg.database.as_str()), ("precision", "ns")];
        if let Some(rp) = &self.cfg.retention_policy {
            q.push(("rp", rp));
        }
        let reply = self.http.send(
            "POST",
            &format!("{}/write", self.base),
            &q,
            "text/plain; charset=utf-8",
            &self.body,
        )?;
        let mut d = Delivery::all();
        if !bad.is_empty() {
            d.reject_reason = Some("not a flow record".into());
            d.rejected = bad;
        }
        if reply.status == 400 {
            // Points refused for good (a field type conflict, a point outside the retention
            // policy). InfluxDB may have kept the others of the batch (a "partial write");
            // it does not say which, so the whole batch is kept as rejected.
            d.rejected = (0..batch.records as usize).collect();
            d.reject_reason = Some(reply.body.trim().chars().take(300).collect());
            return Ok(d);
        }
        reply.ok("write")?;
        Ok(d)
    }
}

/// Appends the point of one record (with its newline); false if it is not a flow record.
pub fn encode(rec: &[u8], out: &mut Vec<u8>) -> bool {
    let Ok(v) = serde_json::from_slice::<Value>(rec) else {
        return false;
    };
    let flow = &v["flow"];
    let (Some(id), Some(ts)) = (flow["id"].as_u64(), v["timestamp"].as_i64()) else {
        return false;
    };
    let mark = out.len();
    out.extend_from_slice(MEASUREMENT.as_bytes());
    // Tags in key order (what InfluxDB sorts them to anyway).
    for tag in ["category", "protocol", "type"] {
        if let Some(s) = flow[tag].as_str().filter(|s| !s.is_empty()) {
            out.push(b',');
            out.extend_from_slice(tag.as_bytes());
            out.push(b'=');
            escape_key(s, out);
        }
    }
    out.push(b' ');
    let fields_at = out.len();
    if let Value::Object(top) = &v {
        for (k, val) in top {
            if k == "timestamp" || k == "module" {
                continue;
            }
            field(k, val, out, fields_at);
        }
    }
    if out.len() == fields_at {
        out.truncate(mark);
        return false;
    }
    let ns = (ts as i128) * 1_000_000 + (id % 1_000_000) as i128;
    out.push(b' ');
    out.extend_from_slice(ns.to_string().as_bytes());
    out.push(b'\n');
    true
}

fn field(path: &str, v: &Value, out: &mut Vec<u8>, fields_at: usize) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if path == "flow" && matches!(k.as_str(), "protocol" | "category" | "type") {
                    continue;
                }
                field(&format!("{path}.{k}"), x, out, fields_at);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                field(&format!("{path}.{i}"), x, out, fields_at);
            }
        }
        Value::Null => {}
        _ => {
            // The first field has no comma before it.
            if out.len() > fields_at {
                out.push(b',');
            }
            escape_key(path, out);
            out.push(b'=');
            match v {
                Value::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
                Value::Number(n) => {
                    if let Some(i) = n.as_i64() {
                        out.extend_from_slice(format!("{i}i").as_bytes());
                    } else if let Some(f) = n.as_f64().filter(|_| n.is_f64()) {
                        out.extend_from_slice(format!("{f:?}").as_bytes());
                    } else {
                        // Above i64::MAX: InfluxDB 1.x has no unsigned fields by default.
                        out.extend_from_slice(format!("{}", n.as_f64().unwrap_or(0.0)).as_bytes());
                    }
                }
                Value::String(s) => {
                    out.push(b'"');
                    for c in s.chars() {
                        match c {
                            '"' | '\\' => {
                                out.push(b'\\');
                                out.push(c as u8);
                            }
                            // Line protocol has no escape for line breaks.
                            '\n' | '\r' => out.push(b' '),
                            c => {
                                let mut b = [0u8; 4];
                                out.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
                            }
                        }
                    }
                    out.push(b'"');
                }
                _ => {}
            }
        }
    }
}

/// Tag keys, tag values and field keys: commas, equals signs and spaces are escaped.
fn escape_key(s: &str, out: &mut Vec<u8>) {
    for c in s.chars() {
        match c {
            ',' | '=' | ' ' => {
                out.push(b'\\');
                out.push(c as u8);
            }
            '\n' | '\r' => out.push(b' '),
            c => {
                let mut b = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn point_layout() {
        let rec = br#"{"source":{"ip":"10.0.0.2","port":50276},"destination":{"ip":"10.0.0.9","port":443},"flow":{"id":6137,"protocol":"HTTPS","category":"Mobile App","type":"flow_start","duration":0.5,"ttfb":null,"in_bytes":63,"tls":{"client":{"sni":"a \"b\",c","supported_ciphers":["X","Y"]}}},"module":"flow_statistics","timestamp":1582855141168}"#;
        let mut out = Vec::new();
        assert!(encode(rec, &mut out));
        let line = String::from_utf8(out).unwrap();
        assert_eq!(
            line,
            "flow_statistics,category=Mobile\\ App,protocol=HTTPS,type=flow_start \
             destination.ip=\"10.0.0.9\",destination.port=443i,flow.duration=0.5,flow.id=6137i,\
             flow.in_bytes=63i,flow.tls.client.sni=\"a \\\"b\\\",c\",\
             flow.tls.client.supported_ciphers.0=\"X\",flow.tls.client.supported_ciphers.1=\"Y\",\
             source.ip=\"10.0.0.2\",source.port=50276i 1582855141168006137\n"
        );
        assert!(!encode(b"not json", &mut Vec::new()));
    }
}
