//! Why a packet did not decode, and per-reason counters.

use thiserror::Error;

/// Reasons a packet is skipped. Each is counted; none stops the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum DecodeError {
    #[error("link-layer header cut short")]
    TruncatedLink,
    #[error("not IPv4 or IPv6 (ARP, LLDP, STP, ...)")]
    NotIp,
    #[error("invalid IP header")]
    BadIpHeader,
    #[error("transport header cut short")]
    TruncatedTransport,
    #[error("invalid transport header")]
    BadTransportHeader,
    #[error("IP fragment whose first fragment was not seen")]
    FragmentWithoutFirst,
    #[error("tunnels nested too deep")]
    TunnelTooDeep,
}

impl DecodeError {
    pub const ALL: [DecodeError; 7] = [
        DecodeError::TruncatedLink,
        DecodeError::NotIp,
        DecodeError::BadIpHeader,
        DecodeError::TruncatedTransport,
        DecodeError::BadTransportHeader,
        DecodeError::FragmentWithoutFirst,
        DecodeError::TunnelTooDeep,
    ];

    /// Stable snake_case name for summaries and logs.
    pub fn name(self) -> &'static str {
        match self {
            DecodeError::TruncatedLink => "truncated_link",
            DecodeError::NotIp => "not_ip",
            DecodeError::BadIpHeader => "bad_ip_header",
            DecodeError::TruncatedTransport => "truncated_transport",
            DecodeError::BadTransportHeader => "bad_transport_header",
            DecodeError::FragmentWithoutFirst => "fragment_without_first",
            DecodeError::TunnelTooDeep => "tunnel_too_deep",
        }
    }

    fn index(self) -> usize {
        DecodeError::ALL
            .iter()
            .position(|e| *e == self)
            .unwrap_or(0)
    }
}

/// Counters by reason.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DecodeErrorCounts([u64; 7]);

impl DecodeErrorCounts {
    pub fn count(&mut self, e: DecodeError) {
        self.0[e.index()] += 1;
    }

    pub fn get(&self, e: DecodeError) -> u64 {
        self.0[e.index()]
    }

    /// Packets skipped for any reason other than "not IP" (which is not damage).
    pub fn malformed(&self) -> u64 {
        DecodeError::ALL
            .iter()
            .filter(|e| **e != DecodeError::NotIp)
            .map(|e| self.get(*e))
            .sum()
    }

    pub fn iter(&self) -> impl Iterator<Item = (DecodeError, u64)> + '_ {
        DecodeError::ALL.iter().map(|e| (*e, self.get(*e)))
    }
}
