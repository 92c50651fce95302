//! The fast path for classic pcap files: the file is memory-mapped and its records are read
//! in place, so neither libpcap's per-packet copy nor ours (into the workers' batches)
//! happens: workers read payloads straight from the mapping.
//!
//! Taken only for what it reproduces exactly: classic pcap (µs or ns, either byte order),
//! Ethernet or raw-IP link types, no BPF filter. At anything unusual in a record (a cut
//! header or body, a capture length over the file's snapshot length or libpcap's maximum) it
//! hands over to libpcap, which re-reads the file up to the same packet and then reports or
//! handles the record exactly as it always does.

use std::fs::File;
use std::os::fd::AsRawFd;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// libpcap's largest snapshot length for the link types taken here (MAXIMUM_SNAPLEN).
const MAX_SNAPLEN: u32 = 262_144;
/// LINKTYPE_ETHERNET and LINKTYPE_RAW.
const FAST_LINKTYPES: [u32; 2] = [1, 101];
/// Pages behind the read position are dropped from the process (not from the page cache)
/// in steps of this size, so the mapping does not make the resident set grow with the file.
const RELEASE_STEP: usize = 8 << 20;

/// A read-only private mapping of a whole file.
pub struct Mapping {
    ptr: *mut libc::c_void,
    len: usize,
    /// The lowest offset a payload still in flight to a worker may lie at (set by the
    /// dispatcher; `usize::MAX` while nobody reads from the mapping but the reader). Pages
    /// are released only below it: a page dropped under a lagging worker would fault back in
    /// and then stay resident for the rest of the run.
    horizon: AtomicUsize,
}

// SAFETY: the mapping is read-only and lives until drop; sharing `&[u8]` views across
// threads is as safe as sharing any immutable byte slice.
unsafe impl Send for Mapping {}
unsafe impl Sync for Mapping {}

impl Mapping {
    pub(crate) fn of(file: &File) -> Option<Mapping> {
        let len = usize::try_from(file.metadata().ok()?.len()).ok()?;
        if len == 0 {
            return None;
        }
        // SAFETY: a fresh read-only private mapping of a file we hold open; checked below.
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ,
                libc::MAP_PRIVATE,
                file.as_raw_fd(),
                0,
            )
        };
        if ptr == libc::MAP_FAILED {
            return None;
        }
        // SAFETY: advice on our own mapping; failure only loses read-ahead.
        unsafe {
            libc::madvise(ptr, len, libc::MADV_SEQUENTIAL);
        }
        Some(Mapping {
            ptr,
            len,
            horizon: AtomicUsize::new(usize::MAX),
        })
    }

    /// Tells the reader that no payload below `at` is still to be read by a worker.
    pub fn set_horizon(&self, at: usize) {
        // Written and read on the capture thread; atomic only because the mapping is shared.
        self.horizon.store(at, Ordering::Relaxed);
    }

    /// Adds one payload still to be read: the horizon never rises above it until the next
    /// [`Mapping::set_horizon`].
    pub fn lower_horizon(&self, at: usize) {
        self.horizon.fetch_min(at, Ordering::Relaxed);
    }

    /// The lowest offset a payload still to be read may lie at (`usize::MAX`: none).
    pub fn horizon(&self) -> usize {
        self.horizon.load(Ordering::Relaxed)
    }

    pub fn bytes(&self) -> &[u8] {
        // SAFETY: `ptr` maps `len` readable bytes until drop. (A file truncated by another
        // process while mapped would fault on access, as with any mapped reader.)
        unsafe { std::slice::from_raw_parts(self.ptr as *const u8, self.len) }
    }

    /// Where `inner` starts in the mapping, when it lies inside it.
    pub fn offset_of(&self, inner: &[u8]) -> Option<usize> {
        let start = self.ptr as usize;
        let at = (inner.as_ptr() as usize).checked_sub(start)?;
        (at + inner.len() <= self.len).then_some(at)
    }

    /// Drops the pages of `[from, to)` from the process. The mapping is private and never
    /// written, so a later read of those bytes would just fault them back in from the page
    /// cache: this changes memory use, never content. (`to` stays below the horizon, so no
    /// worker should read them again.)
    fn release(&self, from: usize, to: usize) {
        let page = 4096;
        let from = from.next_multiple_of(page);
        let to = to / page * page;
        if to > from && to <= self.len {
            // SAFETY: a page-aligned range inside our own mapping.
            unsafe {
                libc::madvise(
                    (self.ptr as *mut u8).add(from) as *mut libc::c_void,
                    to - from,
                    libc::MADV_DONTNEED,
                );
            }
        }
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: unmapping exactly what `of` mapped, once.
        unsafe {
            libc::munmap(self.ptr, self.len);
        }
    }
}

/// One record read in place: its bytes are `mapping[at..at + caplen]`.
pub struct Record {
    pub ts_us: i64,
    pub at: usize,
    pub caplen: usize,
    pub wire_len: u32,
}

pub enum Step {
    Packet(Record),
    End,
    /// Something only libpcap should judge: hand over at this packet.
    HandOver,
}

pub struct MappedPcap {
    map: Arc<Mapping>,
    pos: usize,
    released: usize,
    swapped: bool,
    nanos: bool,
    snaplen: u32,
}

impl MappedPcap {
    /// Maps `path` when it is a classic pcap file this reader handles; `None` otherwise.
    pub fn open(path: &Path) -> Option<MappedPcap> {
        let file = File::open(path).ok()?;
        let map = Mapping::of(&file)?;
        let h = map.bytes().get(..24)?;
        let magic = u32::from_le_bytes([h[0], h[1], h[2], h[3]]);
        let (swapped, nanos) = match magic {
            0xa1b2_c3d4 => (false, false),
            0xd4c3_b2a1 => (true, false),
            0xa1b2_3c4d => (false, true),
            0x4d3c_b2a1 => (true, true),
            _ => return None,
        };
        let u32_at = |o: usize| {
            let b = [h[o], h[o + 1], h[o + 2], h[o + 3]];
            if swapped {
                u32::from_be_bytes(b)
            } else {
                u32::from_le_bytes(b)
            }
        };
        let major = if swapped {
            u16::from_be_bytes([h[4], h[5]])
        } else {
            u16::from_le_bytes([h[4], h[5]])
        };
        // Version 2.4 only (older minor versions swap caplen and len; libpcap fixes those).
        let minor = if swapped {
            u16::from_be_bytes([h[6], h[7]])
        } else {
            u16::from_le_bytes([h[6], h[7]])
        };
        if major != 2 || minor != 4 || !FAST_LINKTYPES.contains(&(u32_at(20) & 0xffff)) {
            return None;
        }
        let snaplen = match u32_at(16) {
            0 => MAX_SNAPLEN,
            s => s.min(MAX_SNAPLEN),
        };
        Some(MappedPcap {
            map: Arc::new(map),
            pos: 24,
            released: 0,
            swapped,
            nanos,
            snaplen,
        })
    }

    pub fn mapping(&self) -> &Arc<Mapping> {
        &self.map
    }

    pub fn next(&mut self) -> Step {
        let bytes = self.map.bytes();
        let rest = bytes.len() - self.pos;
        if rest == 0 {
            return Step::End;
        }
        let Some(h) = bytes.get(self.pos..self.pos + 16) else {
            return Step::HandOver; // a cut record header
        };
        let field = |o: usize| {
            let b = [h[o], h[o + 1], h[o + 2], h[o + 3]];
            if self.swapped {
                u32::from_be_bytes(b)
            } else {
                u32::from_le_bytes(b)
            }
        };
        let (sec, frac, caplen, wire_len) = (field(0), field(4), field(8), field(12));
        if caplen > self.snaplen {
            return Step::HandOver;
        }
        let start = self.pos + 16;
        if bytes.len() - start < caplen as usize {
            return Step::HandOver; // a cut record body
        }
        self.pos = start + caplen as usize;
        if self.pos - self.released >= 2 * RELEASE_STEP {
            let to = (self.pos - RELEASE_STEP).min(self.map.horizon());
            if to > self.released {
                self.map.release(self.released, to);
                self.released = to;
            }
        }
        let usec = if self.nanos { frac / 1000 } else { frac };
        Step::Packet(Record {
            ts_us: (sec as i64) * 1_000_000 + usec as i64,
            at: start,
            caplen: caplen as usize,
            wire_len,
        })
    }
}
