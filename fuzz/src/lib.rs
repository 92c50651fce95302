//! Input framing shared by the fuzz targets and `examples/seeds.rs` (which writes seeds in
//! the same framing from the capture corpus).
//!
//! A *record* is `[flags u8][seq u32 LE][len u16 LE][len bytes]`; a truncated last record
//! keeps what is there. `flags` bit 0: server-to-client; bit 1: SYN; bit 2: FIN/RST.

use flowsieve_tls::Direction;

pub const SERVER: u8 = 1;
pub const SYN: u8 = 2;
pub const FIN: u8 = 4;

#[derive(Debug, Clone, Copy)]
pub struct Record<'a> {
    pub flags: u8,
    pub seq: u32,
    pub data: &'a [u8],
}

impl Record<'_> {
    pub fn dir(&self) -> Direction {
        if self.flags & SERVER != 0 {
            Direction::ServerToClient
        } else {
            Direction::ClientToServer
        }
    }
    pub fn syn(&self) -> bool {
        self.flags & SYN != 0
    }
    pub fn fin(&self) -> bool {
        self.flags & FIN != 0
    }
}

/// Splits fuzz input into records.
pub fn records(mut data: &[u8]) -> Vec<Record<'_>> {
    let mut out = Vec::new();
    while data.len() >= 7 {
        let flags = data[0];
        let seq = u32::from_le_bytes([data[1], data[2], data[3], data[4]]);
        let len = usize::from(u16::from_le_bytes([data[5], data[6]]));
        let rest = &data[7..];
        let take = len.min(rest.len());
        out.push(Record {
            flags,
            seq,
            data: &rest[..take],
        });
        data = &rest[take..];
    }
    out
}

/// Encodes one record (for seeds).
pub fn encode(out: &mut Vec<u8>, flags: u8, seq: u32, data: &[u8]) {
    let data = &data[..data.len().min(u16::MAX as usize)];
    out.push(flags);
    out.extend_from_slice(&seq.to_le_bytes());
    out.extend_from_slice(&(data.len() as u16).to_le_bytes());
    out.extend_from_slice(data);
}

/// Every link type the decoder knows, indexed by the first byte of a `decode` input.
pub const LINK_TYPES: [flowsieve::decode::LinkType; 9] = {
    use flowsieve::decode::LinkType::*;
    [
        Ethernet, LinuxSll, LinuxSll2, RawIp, Null, Loop, Ppp, CiscoHdlc, Nflog,
    ]
};

/// Size of the `classifier` input's header (scalars decoded with `arbitrary`).
pub const CLASSIFIER_HEADER: usize = 64;
pub mod targets;
