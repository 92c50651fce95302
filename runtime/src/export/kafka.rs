//! Kafka through librdkafka (`rdkafka`, built from its bundled source).
//!
//! One message per record: the value is the record's JSON line, the key is `flow.id` in
//! decimal (so every record of a flow lands in the same partition, in order). A batch is
//! produced, then the sender waits for every delivery report; messages whose delivery failed
//! (broker down, timeout, not enough replicas for `acks`) are retried by flowsieve after a
//! backoff, and spooled meanwhile. Delivery is at-least-once: a message whose
//! acknowledgement was lost is produced again (consumers can drop copies by
//! `flow.id` + `flow.type` + `timestamp`).

use std::sync::Mutex;
use std::time::Duration;

use rdkafka::client::ClientContext;
use rdkafka::config::{ClientConfig, RDKafkaLogLevel};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::DeliveryResult;
use rdkafka::producer::{BaseProducer, BaseRecord, Producer, ProducerContext, PurgeConfig};

use super::config::KafkaConfig;
use super::sink::{flow_id, Batch, Delivery, Sink, SinkError};
use super::ExportError;

/// Collects the failed deliveries of the batch in flight.
struct Ctx {
    failed: Mutex<Vec<(usize, String)>>,
}

impl ClientContext for Ctx {
    fn log(&self, level: RDKafkaLogLevel, fac: &str, msg: &str) {
        match level {
            // Connection failures repeat while a broker is down; the sender already says
            // that deliveries fail.
            RDKafkaLogLevel::Error if fac == "FAIL" => {
                tracing::debug!(target: "librdkafka", "{fac}: {msg}")
            }
            RDKafkaLogLevel::Emerg
            | RDKafkaLogLevel::Alert
            | RDKafkaLogLevel::Critical
            | RDKafkaLogLevel::Error => tracing::warn!(target: "librdkafka", "{fac}: {msg}"),
            _ => tracing::debug!(target: "librdkafka", "{fac}: {msg}"),
        }
    }

    fn error(&self, error: KafkaError, reason: &str) {
        // Broker connection errors repeat while it is down; the sender logs the failures.
        tracing::debug!(target: "librdkafka", "{error}: {reason}");
    }
}

impl ProducerContext for Ctx {
    type DeliveryOpaque = usize;

    fn delivery(&self, result: &DeliveryResult<'_>, index: usize) {
        if let Err((e, _)) = result {
            self.failed
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push((index, e.to_string()));
        }
    }
}

pub struct KafkaSink {
    producer: BaseProducer<Ctx>,
    topic: String,
    wait: Duration,
}

impl KafkaSink {
    pub fn new(cfg: &KafkaConfig) -> Result<KafkaSink, ExportError> {
        let mut c = ClientConfig::new();
        c.set("bootstrap.servers", &cfg.brokers)
            .set("compression.type", cfg.compression.as_str())
            .set("acks", &cfg.acks)
            .set("message.timeout.ms", cfg.delivery_timeout_ms.to_string())
            .set("linger.ms", "5");
        for (k, v) in &cfg.properties {
            c.set(k, v);
        }
        let producer = c
            .create_with_context(Ctx {
                failed: Mutex::new(Vec::new()),
            })
            .map_err(|e| ExportError::Sink {
                key: "kafka".into(),
                message: format!("cannot create the producer: {e}"),
            })?;
        Ok(KafkaSink {
            producer,
            topic: cfg.topic.clone(),
            // Every message gets its report within message.timeout.ms; a margin on top.
            wait: Duration::from_millis(cfg.delivery_timeout_ms) + Duration::from_secs(5),
        })
    }

    fn take_failed(&self) -> Vec<(usize, String)> {
        std::mem::take(
            &mut *self
                .producer
                .context()
                .failed
                .lock()
                .unwrap_or_else(|p| p.into_inner()),
        )
    }
}

impl Sink for KafkaSink {
    fn send(&mut self, batch: &Batch) -> Result<Delivery, SinkError> {
        self.take_failed();
        let mut refused = Vec::new();
        for (i, rec) in batch.iter().enumerate() {
            let key = flow_id(rec).map(|id| id.to_string());
            let mut r = BaseRecord::<str, [u8], usize>::with_opaque_to(&self.topic, i).payload(rec);
            if let Some(k) = &key {
                r = r.key(k.as_str());
            }
            loop {
                match self.producer.send(r) {
                    Ok(()) => break,
                    Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                        // librdkafka's queue is full: serve delivery reports, then try again.
                        self.producer.poll(Duration::from_millis(50));
                        r = back;
                    }
                    Err((e, _)) => {
                        refused.push((i, e.to_string()));
                        break;
                    }
                }
            }
        }
        if self.producer.flush(self.wait).is_err() {
            // Reports overdue: cancel what is left (each then reports a failure).
            self.producer
                .purge(PurgeConfig::default().queue().inflight());
            let _ = self.producer.flush(Duration::from_secs(5));
        }
        let mut failed = self.take_failed();
        failed.extend(refused);
        if failed.is_empty() {
            return Ok(Delivery::all());
        }
        failed.sort_unstable_by_key(|f| f.0);
        failed.dedup_by_key(|f| f.0);
        if failed.len() == batch.records as usize {
            return Err(SinkError::Transient(format!(
                "no message of the batch was delivered: {}",
                failed[0].1
            )));
        }
        tracing::debug!(failed = failed.len(), first = %failed[0].1, "some Kafka deliveries failed");
        Ok(Delivery {
            retry: failed.into_iter().map(|f| f.0).collect(),
            ..Delivery::default()
        })
    }
}
