//! ClickHouse over HTTP: `INSERT INTO db.table FORMAT JSONEachRow`, one flat row per record,
//! into the table of `config/clickhouse-schema.sql` (types that ClickHouse 18.16 has).
//!
//! Timestamps go as numbers: `timestamp` in epoch seconds (a `DateTime` column takes a JSON
//! number as a Unix time, whatever the server's time zone) and `timestamp_ms`, `start_ts`,
//! `end_ts` in epoch milliseconds. The `tls` object goes as JSON text.
//!
//! Delivery is at-least-once: an insert whose answer was lost is sent again. The table is a
//! ReplacingMergeTree keyed by the record's identity, so such copies merge away (and
//! `SELECT ... FINAL` never shows them).

use serde::Serialize;
use serde_json::Value;

use super::config::ClickHouseConfig;
use super::http::Http;
use super::sink::{Batch, Delivery, Sink, SinkError};

/// The shipped schema, with `{db}` and `{table}` placeholders.
pub const SCHEMA: &str = include_str!("../../../config/clickhouse-schema.sql");

pub struct ClickHouseSink {
    http: Http,
    url: String,
    cfg: ClickHouseConfig,
    insert: String,
    body: Vec<u8>,
}

impl ClickHouseSink {
    pub fn new(cfg: &ClickHouseConfig) -> ClickHouseSink {
        ClickHouseSink {
            http: Http::new(
                cfg.timeout_s,
                cfg.username.as_deref(),
                cfg.password.as_deref(),
            ),
            url: format!("{}/", cfg.url.trim_end_matches('/')),
            insert: format!(
                "INSERT INTO {}.{} FORMAT JSONEachRow",
                quote_ident(&cfg.database),
                quote_ident(&cfg.table)
            ),
            cfg: cfg.clone(),
            body: Vec::new(),
        }
    }
}

/// `name` as a ClickHouse identifier (back-quoted unless it is a plain word).
fn quote_ident(name: &str) -> String {
    if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        name.to_string()
    } else {
        format!("`{}`", name.replace('\\', "\\\\").replace('`', "\\`"))
    }
}

impl Sink for ClickHouseSink {
    fn prepare(&mut self) -> Result<(), SinkError> {
        if self.cfg.create_table {
            let ddl = SCHEMA
                .replace("{db}", &quote_ident(&self.cfg.database))
                .replace("{table}", &quote_ident(&self.cfg.table));
            // Comment lines are fine for the server, but keep the statement plain.
            let ddl: String = ddl
                .lines()
                .filter(|l| !l.trim_start().starts_with("--"))
                .map(|l| l.split(" -- ").next().unwrap_or(l))
                .collect::<Vec<_>>()
                .join("\n");
            self.http
                .send("POST", &self.url, &[], "text/plain", ddl.as_bytes())?
                .ok("CREATE TABLE")?;
        }
        Ok(())
    }

    fn send(&mut self, batch: &Batch) -> Result<Delivery, SinkError> {
        self.body.clear();
        let mut bad = Vec::new();
        for (i, rec) in batch.iter().enumerate() {
            if !row(rec, &mut self.body) {
                bad.push(i);
            }
        }
        let mut d = Delivery::all();
        if !bad.is_empty() {
            d.reject_reason = Some("not a flow record".into());
            d.rejected = bad;
        }
        if self.body.is_empty() {
            return Ok(d);
        }
        self.http
            .send(
                "POST",
                &self.url,
                &[("query", &self.insert)],
                "application/x-ndjson",
                &self.body,
            )?
            .ok("INSERT")?;
        Ok(d)
    }
}

#[derive(Serialize)]
struct Row<'a> {
    timestamp: i64,
    timestamp_ms: i64,
    flow_id: u64,
    #[serde(rename = "type")]
    kind: &'a str,
    protocol: &'a str,
    category: &'a str,
    transport: &'a str,
    source_ip: &'a str,
    source_port: u64,
    destination_ip: &'a str,
    destination_port: u64,
    start_ts: i64,
    end_ts: Option<i64>,
    end_reason: Option<&'a str>,
    duration: f64,
    ttfb: Option<f64>,
    in_bytes: u64,
    out_bytes: u64,
    in_bytes_total: u64,
    out_bytes_total: u64,
    in_packets: u64,
    out_packets: u64,
    in_packets_total: u64,
    out_packets_total: u64,
    tls: String,
}

/// Appends the JSONEachRow line of one record; false if it is not a flow record.
pub fn row(rec: &[u8], out: &mut Vec<u8>) -> bool {
    let Ok(v) = serde_json::from_slice::<Value>(rec) else {
        return false;
    };
    let f = &v["flow"];
    let (Some(id), Some(ts)) = (f["id"].as_u64(), v["timestamp"].as_i64()) else {
        return false;
    };
    let s = |v: &Value| v.as_str().unwrap_or("").to_owned();
    let u = |k: &str| f[k].as_u64().unwrap_or(0);
    let (src_ip, dst_ip) = (s(&v["source"]["ip"]), s(&v["destination"]["ip"]));
    let (kind, protocol, category, transport) = (
        s(&f["type"]),
        s(&f["protocol"]),
        s(&f["category"]),
        s(&f["transport"]),
    );
    let row = Row {
        timestamp: ts.div_euclid(1000),
        timestamp_ms: ts,
        flow_id: id,
        kind: &kind,
        protocol: &protocol,
        category: &category,
        transport: &transport,
        source_ip: &src_ip,
        source_port: v["source"]["port"].as_u64().unwrap_or(0),
        destination_ip: &dst_ip,
        destination_port: v["destination"]["port"].as_u64().unwrap_or(0),
        start_ts: f["start_ts"].as_i64().unwrap_or(0),
        end_ts: f["end_ts"].as_i64(),
        end_reason: f["end_reason"].as_str(),
        duration: f["duration"].as_f64().unwrap_or(0.0),
        ttfb: f["ttfb"].as_f64(),
        in_bytes: u("in_bytes"),
        out_bytes: u("out_bytes"),
        in_bytes_total: u("in_bytes_total"),
        out_bytes_total: u("out_bytes_total"),
        in_packets: u("in_packets"),
        out_packets: u("out_packets"),
        in_packets_total: u("in_packets_total"),
        out_packets_total: u("out_packets_total"),
        tls: match &f["tls"] {
            Value::Null => String::new(),
            t => t.to_string(),
        },
    };
    let mark = out.len();
    if serde_json::to_writer(&mut *out, &row).is_err() {
        out.truncate(mark);
        return false;
    }
    out.push(b'\n');
    true
}
