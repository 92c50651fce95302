//! The blocking HTTP client the ClickHouse, InfluxDB and Elasticsearch sinks share.

use std::time::Duration;

use ureq::Agent;

use super::sink::SinkError;

/// Largest response body read (an Elasticsearch bulk answer for a big batch is a few MB).
const MAX_RESPONSE: u64 = 64 << 20;

pub struct Http {
    agent: Agent,
    auth: Option<String>,
}

/// Status and body of a response.
pub struct Reply {
    pub status: u16,
    pub body: String,
}

impl Http {
    pub fn new(timeout_s: u64, user: Option<&str>, password: Option<&str>) -> Http {
        let agent: Agent = Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(timeout_s.max(1))))
            .http_status_as_error(false)
            .build()
            .into();
        let auth = user.map(|u| {
            let pair = format!("{u}:{}", password.unwrap_or(""));
            format!("Basic {}", base64(pair.as_bytes()))
        });
        Http { agent, auth }
    }

    /// Sends `body` with `method` (POST or PUT) and `query` parameters (URL-encoded here).
    pub fn send(
        &self,
        method: &str,
        url: &str,
        query: &[(&str, &str)],
        content_type: &str,
        body: &[u8],
    ) -> Result<Reply, SinkError> {
        let mut req = match method {
            "PUT" => self.agent.put(url),
            _ => self.agent.post(url),
        };
        for (k, v) in query {
            req = req.query(*k, *v);
        }
        if let Some(a) = &self.auth {
            req = req.header("Authorization", a);
        }
        let mut resp = req
            .header("Content-Type", content_type)
            .send(body)
            .map_err(|e| SinkError::Transient(format!("{url}: {e}")))?;
        let status = resp.status().as_u16();
        let body = resp
            .body_mut()
            .with_config()
            .limit(MAX_RESPONSE)
            .read_to_string()
            .map_err(|e| SinkError::Transient(format!("{url}: reading the answer: {e}")))?;
        Ok(Reply { status, body })
    }
}

impl Reply {
    /// 2xx, or a transient error quoting the server's answer.
    pub fn ok(self, what: &str) -> Result<Reply, SinkError> {
        if (200..300).contains(&self.status) {
            Ok(self)
        } else {
            let mut msg = self.body.trim().to_string();
            msg.truncate(400);
            Err(SinkError::Transient(format!(
                "{what}: HTTP {}: {msg}",
                self.status
            )))
        }
    }
}

fn base64(input: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for c in input.chunks(3) {
        let n = (c[0] as u32) << 16
            | (*c.get(1).unwrap_or(&0) as u32) << 8
            | *c.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            if i <= c.len() {
                out.push(T[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_matches_rfc4648() {
        assert_eq!(super::base64(b"user:pass"), "dXNlcjpwYXNz");
        assert_eq!(super::base64(b"ab"), "YWI=");
        assert_eq!(super::base64(b"a"), "YQ==");
    }
}
