//! Packet sources: a capture file (any format and link type libpcap reads; the format is
//! sniffed from the magic bytes, never the file name) or a live interface.
//!
//! Classic pcap files of the common link types are read in place from a memory mapping
//! (`mapped`); everything else, and anything unusual inside such a file, goes through libpcap.

mod mapped;

pub use mapped::Mapping;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use std::os::fd::{AsRawFd, RawFd};

use mapped::{MappedPcap, Step};

use pcap::{Activated, Capture};
use thiserror::Error;

use crate::decode::LinkType;

#[derive(Debug, Error)]
pub enum CaptureError {
    #[error("cannot open capture file {path}: {reason}")]
    OpenFile { path: PathBuf, reason: String },
    #[error("cannot capture on interface {iface}: {reason}")]
    OpenLive { iface: String, reason: String },
    #[error("invalid BPF filter {filter:?}: {reason}")]
    Filter { filter: String, reason: String },
    #[error("link type {dlt} ({name}) is not supported; supported: Ethernet, Linux SLL/SLL2, raw IP, BSD/OpenBSD loopback, PPP, Cisco HDLC, NFLOG")]
    LinkType { dlt: i32, name: String },
}

/// Live-capture settings.
#[derive(Debug, Clone)]
pub struct LiveOptions {
    pub snaplen: i32,
    pub promiscuous: bool,
    pub buffer_mib: i32,
}

pub struct Source {
    cap: Capture<dyn Activated>,
    link: LinkType,
    live: bool,
    /// Live captures are non-blocking and waited on with poll(2): libpcap's own read timeout
    /// does not fire on Linux (TPACKET_V3) while no packet arrives, which would leave a
    /// quiet interface deaf to SIGTERM and to clock ticks.
    poll_fd: Option<RawFd>,
    /// The in-place reader, while it is in charge; `cap` then waits at the file's start in
    /// case it has to take over.
    mapped: Option<MappedPcap>,
    /// Packets delivered so far (what libpcap skips when it takes over).
    delivered: u64,
}

/// Longest wait for a live packet before the caller gets a [`Next::Timeout`].
const POLL_MS: i32 = 100;

/// One step of reading.
pub enum Next<'a> {
    Packet {
        ts_us: i64,
        data: &'a [u8],
        wire_len: u32,
    },
    /// Live capture woke up without a packet (lets the caller keep its clock going).
    Timeout,
    End,
    /// The file is damaged or cut short here; everything before was delivered.
    Damaged(String),
}

impl Source {
    pub fn open_file(path: &Path, filter: Option<&str>) -> Result<Source, CaptureError> {
        let cap = Capture::from_file(path).map_err(|e| CaptureError::OpenFile {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        let mut source = Source::finish(cap.into(), filter, false)?;
        // Only a regular file can be mapped. `-` is standard input to libpcap, and opening a
        // FIFO again would wait for a writer that may be gone.
        let regular = path != Path::new("-")
            && std::fs::metadata(path)
                .map(|m| m.is_file())
                .unwrap_or(false);
        if regular && filter.is_none_or(|f| f.trim().is_empty()) {
            source.mapped = MappedPcap::open(path);
        }
        Ok(source)
    }

    pub fn open_live(
        iface: &str,
        opts: &LiveOptions,
        filter: Option<&str>,
    ) -> Result<Source, CaptureError> {
        let err = |e: pcap::Error| CaptureError::OpenLive {
            iface: iface.to_string(),
            reason: e.to_string(),
        };
        let cap = Capture::from_device(iface)
            .map_err(err)?
            .snaplen(opts.snaplen)
            .promisc(opts.promiscuous)
            .buffer_size(opts.buffer_mib.saturating_mul(1 << 20))
            .immediate_mode(false)
            // Wake at least every 100 ms so clock ticks and shutdown never wait on traffic.
            .timeout(POLL_MS)
            .open()
            .map_err(err)?
            .setnonblock()
            .map_err(err)?;
        let fd = cap.as_raw_fd();
        let mut source = Source::finish(cap.into(), filter, true)?;
        source.poll_fd = Some(fd);
        Ok(source)
    }

    fn finish(
        mut cap: Capture<dyn Activated>,
        filter: Option<&str>,
        live: bool,
    ) -> Result<Source, CaptureError> {
        if let Some(f) = filter.filter(|f| !f.trim().is_empty()) {
            cap.filter(f, true).map_err(|e| CaptureError::Filter {
                filter: f.to_string(),
                reason: e.to_string(),
            })?;
        }
        let dlt = cap.get_datalink();
        let link = LinkType::from_dlt(dlt.0).ok_or_else(|| CaptureError::LinkType {
            dlt: dlt.0,
            name: dlt.get_name().unwrap_or_else(|_| "unknown".to_string()),
        })?;
        Ok(Source {
            cap,
            link,
            live,
            poll_fd: None,
            mapped: None,
            delivered: 0,
        })
    }

    pub fn link_type(&self) -> LinkType {
        self.link
    }

    pub fn is_live(&self) -> bool {
        self.live
    }

    /// The mapping packets are read from, while the in-place reader is in charge: batches
    /// refer to payloads in it instead of copying them.
    pub fn mapping(&self) -> Option<Arc<Mapping>> {
        self.mapped.as_ref().map(|m| m.mapping().clone())
    }

    pub fn next_packet(&mut self) -> Next<'_> {
        let step = self.mapped.as_mut().map(MappedPcap::next);
        match step {
            Some(Step::Packet(r)) => {
                self.delivered += 1;
                let data = self
                    .mapped
                    .as_ref()
                    .and_then(|m| m.mapping().bytes().get(r.at..r.at + r.caplen))
                    .unwrap_or(&[]);
                return Next::Packet {
                    ts_us: r.ts_us,
                    data,
                    wire_len: r.wire_len,
                };
            }
            Some(Step::End) => return Next::End,
            Some(Step::HandOver) => self.hand_over(),
            None => {}
        }
        self.delivered += 1;
        self.next_from_libpcap()
    }

    /// libpcap takes over from the in-place reader: it reads again the packets already
    /// delivered, then goes on (and judges the record the in-place reader would not).
    fn hand_over(&mut self) {
        tracing::debug!(
            packet = self.delivered + 1,
            "libpcap takes over the capture file"
        );
        self.mapped = None;
        for _ in 0..self.delivered {
            if self.cap.next_packet().is_err() {
                break;
            }
        }
    }

    // time_t and suseconds_t are i64 here but not on every target: keep the casts.
    #[allow(clippy::unnecessary_cast)]
    fn next_from_libpcap(&mut self) -> Next<'_> {
        match self.cap.next_packet() {
            Ok(p) => Next::Packet {
                ts_us: (p.header.ts.tv_sec as i64)
                    .saturating_mul(1_000_000)
                    .saturating_add(p.header.ts.tv_usec as i64),
                data: p.data,
                wire_len: p.header.len,
            },
            Err(pcap::Error::NoMorePackets) => Next::End,
            Err(pcap::Error::TimeoutExpired) => {
                if let Some(fd) = self.poll_fd {
                    wait_readable(fd, POLL_MS);
                }
                Next::Timeout
            }
            Err(e) => Next::Damaged(e.to_string()),
        }
    }

    /// Kernel drop counters of a live capture: (received, dropped by kernel, dropped by NIC).
    pub fn drops(&mut self) -> Option<(u32, u32, u32)> {
        if !self.live {
            return None;
        }
        self.cap
            .stats()
            .ok()
            .map(|s| (s.received, s.dropped, s.if_dropped))
    }
}

/// Waits until `fd` is readable or `ms` pass. Errors (EINTR from a signal) just return.
fn wait_readable(fd: RawFd, ms: i32) {
    let mut pfd = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one valid pollfd for the duration of the call; the fd is owned by the capture.
    unsafe {
        libc::poll(&mut pfd, 1, ms);
    }
}
