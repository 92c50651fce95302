//! Errors. Parsing never panics; malformed input becomes one of these and the
//! flow simply gets less metadata.

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TlsError {
    #[error("truncated or inconsistent {0}")]
    Truncated(&'static str),
    #[error("not TLS: {0}")]
    NotTls(&'static str),
    #[error("limit exceeded: {0}")]
    Limit(&'static str),
    #[error("certificate: {0}")]
    Certificate(String),
    #[error("QUIC: {0}")]
    Quic(&'static str),
}
