//! Elasticsearch / OpenSearch: `POST /_bulk` with NDJSON, and an index template installed
//! before the first write (`PUT /_index_template/<name>`: Elasticsearch >= 7.8, OpenSearch).
//!
//! Each record is one `index` action with a deterministic `_id`
//! (`<start_ts>-<flow.id>-<type>-<timestamp>`), so a retried item overwrites itself: the index
//! holds every record exactly once. The bulk answer is read item by item: 429 and 5xx items
//! are retried, other refusals (mapping errors) are rejected, counted and kept aside.

use std::path::PathBuf;

use serde::Deserialize;
use serde_json::Value;

use super::config::ElasticConfig;
use super::http::Http;
use super::sink::{Batch, Delivery, Sink, SinkError};
use super::ExportError;

/// The shipped template (`config/elasticsearch-template.json`).
pub const TEMPLATE: &str = include_str!("../../../config/elasticsearch-template.json");

pub struct ElasticSink {
    http: Http,
    base: String,
    cfg: ElasticConfig,
    template: Option<String>,
    body: Vec<u8>,
}

impl ElasticSink {
    pub fn new(cfg: &ElasticConfig) -> Result<ElasticSink, ExportError> {
        let template = if cfg.template_enabled {
            Some(template(&cfg.index_name, cfg.template_mapping.as_ref())?)
        } else {
            None
        };
        Ok(ElasticSink {
            http: Http::new(
                cfg.timeout_s,
                cfg.username.as_deref(),
                cfg.password.as_deref(),
            ),
            base: format!("{}:{}", cfg.host.trim_end_matches('/'), cfg.port),
            cfg: cfg.clone(),
            template,
            body: Vec::new(),
        })
    }
}

/// The template to install: the given file as it is, or the built-in one for `index*`.
fn template(index: &str, file: Option<&PathBuf>) -> Result<String, ExportError> {
    let bad = |message: String| ExportError::Sink {
        key: "elasticsearch.template_mapping".into(),
        message,
    };
    if let Some(p) = file {
        let text = std::fs::read_to_string(p)
            .map_err(|e| bad(format!("cannot read {}: {e}", p.display())))?;
        serde_json::from_str::<Value>(&text)
            .map_err(|e| bad(format!("{} is not JSON: {e}", p.display())))?;
        return Ok(text);
    }
    let mut t: Value =
        serde_json::from_str(TEMPLATE).map_err(|e| bad(format!("built-in template: {e}")))?;
    t["index_patterns"] = Value::from(vec![format!("{index}*")]);
    Ok(t.to_string())
}

#[derive(Deserialize)]
struct Ids {
    flow: IdFlow,
    timestamp: i64,
}

#[derive(Deserialize)]
struct IdFlow {
    id: u64,
    #[serde(rename = "type")]
    kind: String,
    start_ts: i64,
}

/// The document id of a record: what identifies it across retries and runs.
pub fn doc_id(rec: &[u8]) -> Option<String> {
    let r: Ids = serde_json::from_slice(rec).ok()?;
    Some(format!(
        "{}-{}-{}-{}",
        r.flow.start_ts, r.flow.id, r.flow.kind, r.timestamp
    ))
}

#[derive(Deserialize)]
struct BulkAnswer {
    errors: bool,
    #[serde(default)]
    items: Vec<BulkItem>,
}

#[derive(Deserialize)]
struct BulkItem {
    #[serde(alias = "create", alias = "update")]
    index: ItemResult,
}

#[derive(Deserialize)]
struct ItemResult {
    status: u16,
    #[serde(default)]
    error: Option<Value>,
}

impl Sink for ElasticSink {
    fn prepare(&mut self) -> Result<(), SinkError> {
        if let Some(t) = &self.template {
            let url = format!("{}/_index_template/{}", self.base, self.cfg.template_name);
            self.http
                .send("PUT", &url, &[], "application/json", t.as_bytes())?
                .ok("index template")?;
        }
        Ok(())
    }

    fn send(&mut self, batch: &Batch) -> Result<Delivery, SinkError> {
        self.body.clear();
        let mut d = Delivery::all();
        // Position in the bulk request -> index in the batch.
        let mut sent = Vec::with_capacity(batch.records as usize);
        for (i, rec) in batch.iter().enumerate() {
            let Some(id) = doc_id(rec) else {
                d.rejected.push(i);
                d.reject_reason = Some("not a flow record".into());
                continue;
            };
            let action = serde_json::json!({"index": {"_index": self.cfg.index_name, "_id": id}});
            self.body.extend_from_slice(action.to_string().as_bytes());
            self.body.push(b'\n');
            self.body.extend_from_slice(rec);
            self.body.push(b'\n');
            sent.push(i);
        }
        if sent.is_empty() {
            return Ok(d);
        }
        let url = format!("{}/_bulk", self.base);
        let reply = self
            .http
            .send("POST", &url, &[], "application/x-ndjson", &self.body)?
            .ok("bulk")?;
        let answer: BulkAnswer = serde_json::from_str(&reply.body)
            .map_err(|e| SinkError::Transient(format!("bulk: unreadable answer: {e}")))?;
        if !answer.errors {
            return Ok(d);
        }
        if answer.items.len() != sent.len() {
            return Err(SinkError::Transient(format!(
                "bulk: {} items answered for {} sent",
                answer.items.len(),
                sent.len()
            )));
        }
        for (item, &i) in answer.items.iter().zip(&sent) {
            let s = item.index.status;
            if (200..300).contains(&s) {
                continue;
            }
            if s == 429 || s >= 500 {
                d.retry.push(i);
            } else {
                if d.reject_reason.is_none() {
                    d.reject_reason = Some(format!(
                        "HTTP {s}: {}",
                        item.index.error.clone().unwrap_or(Value::Null)
                    ));
                }
                d.rejected.push(i);
            }
        }
        d.rejected.sort_unstable();
        Ok(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_template() {
        let rec = br#"{"flow":{"id":7,"type":"flow_end","start_ts":1000},"timestamp":2000}"#;
        assert_eq!(doc_id(rec).as_deref(), Some("1000-7-flow_end-2000"));
        let t: Value = serde_json::from_str(&template("netflows", None).unwrap()).unwrap();
        assert_eq!(t["index_patterns"][0], "netflows*");
        assert_eq!(
            t["template"]["mappings"]["properties"]["source"]["properties"]["ip"]["type"],
            "ip"
        );
    }
}
