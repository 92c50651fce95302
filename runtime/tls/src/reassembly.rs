//! Bounded, per-direction TCP stream prefix reassembly.
//!
//! [`StreamPrefix`] turns TCP segments (in any order, with retransmissions and
//! overlaps) into the in-order bytes of the first `max_bytes` of one direction
//! of a stream. It exists so the TLS parser can read a ClientHello or a
//! certificate chain that spans many segments; it is deliberately not a general
//! TCP reassembler: it only ever keeps a prefix of the stream.
//!
//! Design:
//! * Offsets are relative to the stream base (ISN + 1 when the SYN was seen,
//!   otherwise the sequence number of the first data segment: the capture
//!   started mid-stream). Sequence arithmetic is wrapping, so a stream whose
//!   sequence numbers wrap past `u32::MAX` is handled naturally.
//! * Out-of-order segments are written straight into the prefix buffer at their
//!   offset, and the filled ranges beyond the in-order end are remembered in a
//!   small sorted list. No per-segment allocation; memory is bounded by
//!   `max_bytes` plus `max_out_of_order_ranges` ranges.
//! * Overlaps: the first copy of a byte wins (later retransmissions with
//!   different content do not rewrite what was already delivered).
//! * Nothing is allocated until the first payload byte arrives.

/// Limits for one direction's stream prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamPrefixConfig {
    /// Hard cap on the bytes kept (in-order prefix plus buffered out-of-order data).
    pub max_bytes: usize,
    /// Maximum number of disjoint out-of-order ranges buffered beyond the in-order end.
    pub max_out_of_order_ranges: usize,
}

impl Default for StreamPrefixConfig {
    fn default() -> Self {
        Self {
            max_bytes: 16 * 1024,
            max_out_of_order_ranges: 16,
        }
    }
}

/// How many distinct SYN sequence numbers are remembered before the first payload.
const MAX_SYN_CANDIDATES: usize = 4;

/// A half-open byte range `[start, end)` relative to the stream base.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Range {
    start: usize,
    end: usize,
}

/// What happened to one segment, for counters and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SegmentOutcome {
    /// New bytes were stored (in order or buffered out of order).
    Stored,
    /// Every byte of the segment was already known (retransmission) or it was empty.
    Duplicate,
    /// The segment lies entirely at or beyond the byte cap.
    BeyondCap,
    /// The segment was out of order and the out-of-order range limit was reached.
    DroppedOutOfOrder,
    /// The segment lies entirely before the stream base.
    BeforeBase,
}

/// The in-order prefix of one direction of a TCP stream.
#[derive(Debug, Clone)]
pub struct StreamPrefix {
    config: StreamPrefixConfig,
    /// Sequence number of stream byte 0, once known.
    base: Option<u32>,
    /// Whether `base` came from a SYN (as opposed to the first data segment).
    base_from_syn: bool,
    /// Distinct stream bases announced by SYNs before any payload (several
    /// SYN-ACKs with different ISNs happen); the first data segment picks one.
    syn_bases: [u32; MAX_SYN_CANDIDATES],
    syn_base_count: usize,
    /// Bytes `[0, contiguous)` are in order; `buf[contiguous..]` may hold
    /// out-of-order data at the positions listed in `pending`.
    buf: Vec<u8>,
    contiguous: usize,
    /// Filled ranges beyond `contiguous`: sorted, disjoint, non-adjacent.
    pending: Vec<Range>,
    cap_reached: bool,
    out_of_order_dropped: bool,
}

impl StreamPrefix {
    /// An empty prefix; allocates nothing.
    pub fn new(config: StreamPrefixConfig) -> Self {
        Self {
            config,
            base: None,
            base_from_syn: false,
            syn_bases: [0; MAX_SYN_CANDIDATES],
            syn_base_count: 0,
            buf: Vec::new(),
            contiguous: 0,
            pending: Vec::new(),
            cap_reached: false,
            out_of_order_dropped: false,
        }
    }

    /// Tell the buffer this direction's SYN (or SYN-ACK) carried sequence number `isn`.
    ///
    /// The stream's first byte is then `isn + 1`. Until payload arrives, SYNs
    /// with different ISNs are all remembered (a server may answer with
    /// several SYN-ACKs of different sequence numbers); the first data
    /// segment then picks the one it continues.
    pub fn on_syn(&mut self, isn: u32) {
        if !self.is_empty() || (self.base.is_some() && !self.base_from_syn) {
            return;
        }
        let base = isn.wrapping_add(1);
        self.base = Some(base);
        self.base_from_syn = true;
        let known = &self.syn_bases[..self.syn_base_count];
        if !known.contains(&base) {
            if self.syn_base_count < MAX_SYN_CANDIDATES {
                self.syn_base_count += 1;
            } else {
                self.syn_bases.rotate_left(1);
            }
            self.syn_bases[self.syn_base_count - 1] = base;
        }
    }

    /// Choose the stream base for the first data segment at `seq`: the SYN
    /// base it continues most closely (within the cap), else the latest SYN,
    /// else `seq` itself (no SYN seen: capture started mid-stream).
    fn choose_base(&self, seq: u32) -> u32 {
        let candidates = &self.syn_bases[..self.syn_base_count];
        candidates
            .iter()
            .copied()
            .filter(|base| (seq.wrapping_sub(*base) as usize) < self.config.max_bytes)
            .min_by_key(|base| seq.wrapping_sub(*base))
            .or(self.base)
            .unwrap_or(seq)
    }

    /// Convenience for a whole TCP segment: handles SYN (including data on a
    /// SYN, TCP Fast Open) and then the payload.
    pub fn on_segment(&mut self, seq: u32, syn: bool, payload: &[u8]) -> SegmentOutcome {
        if syn {
            self.on_syn(seq);
            return self.on_data(seq.wrapping_add(1), payload);
        }
        self.on_data(seq, payload)
    }

    /// Add a segment's payload starting at sequence number `seq`.
    pub fn on_data(&mut self, seq: u32, payload: &[u8]) -> SegmentOutcome {
        if payload.is_empty() {
            return SegmentOutcome::Duplicate;
        }
        let base = if self.is_empty() && self.contiguous == 0 {
            let base = self.choose_base(seq);
            self.base = Some(base);
            base
        } else {
            self.base.unwrap_or(seq)
        };
        // Signed distance from the base: negative means the segment starts
        // before stream byte 0 (only its tail may be new).
        let distance = seq.wrapping_sub(base) as i32;
        let (offset, payload) = if distance < 0 {
            let skip = distance.unsigned_abs() as usize;
            match payload.get(skip..) {
                Some(rest) if !rest.is_empty() => (0usize, rest),
                _ => return SegmentOutcome::BeforeBase,
            }
        } else {
            (distance as usize, payload)
        };
        let cap = self.config.max_bytes;
        if offset >= cap {
            self.cap_reached = true;
            return SegmentOutcome::BeyondCap;
        }
        let end = offset.saturating_add(payload.len());
        let end = if end > cap {
            self.cap_reached = true;
            cap
        } else {
            end
        };
        let start = offset.max(self.contiguous);
        if start >= end {
            return SegmentOutcome::Duplicate;
        }
        if start > self.contiguous && !self.can_add_range(start, end) {
            self.out_of_order_dropped = true;
            return SegmentOutcome::DroppedOutOfOrder;
        }
        if self.buf.len() < end {
            // Grow geometrically but never past the cap, so capacity stays bounded by it.
            if self.buf.capacity() < end {
                let target = (self.buf.capacity() * 2).clamp(end, cap.max(end));
                self.buf.reserve_exact(target - self.buf.len());
            }
            self.buf.resize(end, 0);
        }
        let copied = self.copy_into_gaps(start, end, offset, payload);
        self.add_range(start, end);
        if copied {
            SegmentOutcome::Stored
        } else {
            SegmentOutcome::Duplicate
        }
    }

    /// The in-order bytes received so far (at most `max_bytes`).
    pub fn contiguous(&self) -> &[u8] {
        self.buf.get(..self.contiguous).unwrap_or(&[])
    }

    /// True when no payload byte has been stored.
    pub fn is_empty(&self) -> bool {
        self.contiguous == 0 && self.pending.is_empty()
    }

    /// True once a segment touched bytes at or beyond the cap: the prefix will not grow past it.
    pub fn cap_reached(&self) -> bool {
        self.cap_reached
    }

    /// True once an out-of-order segment was dropped because too many ranges were buffered.
    pub fn out_of_order_dropped(&self) -> bool {
        self.out_of_order_dropped
    }

    /// True when the prefix is full: no further byte can be added.
    pub fn is_full(&self) -> bool {
        self.contiguous >= self.config.max_bytes
    }

    /// Bytes buffered beyond the in-order end (waiting for a hole to fill).
    pub fn out_of_order_bytes(&self) -> usize {
        self.pending.iter().map(|r| r.end - r.start).sum()
    }

    /// Heap bytes held by this buffer.
    pub fn heap_bytes(&self) -> usize {
        self.buf.capacity() + self.pending.capacity() * std::mem::size_of::<Range>()
    }

    /// Free the buffered bytes (e.g. once the flow's metadata is final).
    /// Later segments are then ignored as beyond the cap.
    pub fn release(&mut self) {
        self.buf = Vec::new();
        self.pending = Vec::new();
        self.contiguous = 0;
        self.config.max_bytes = 0;
        self.cap_reached = true;
    }

    /// Whether adding `[start, end)` (beyond the in-order end) keeps the
    /// number of pending ranges within the limit.
    fn can_add_range(&self, start: usize, end: usize) -> bool {
        if self.pending.len() < self.config.max_out_of_order_ranges {
            return true;
        }
        // At the limit: accept only if it touches an existing range (merging
        // does not increase the count).
        self.pending
            .iter()
            .any(|r| start <= r.end && end >= r.start)
    }

    /// Copy the bytes of `[start, end)` that are not yet filled. `payload`
    /// starts at stream offset `payload_offset`. Returns whether any byte was new.
    fn copy_into_gaps(
        &mut self,
        start: usize,
        end: usize,
        payload_offset: usize,
        payload: &[u8],
    ) -> bool {
        let mut cursor = start;
        let mut copied = false;
        let mut copy = |buf: &mut Vec<u8>, from: usize, to: usize| {
            if from >= to {
                return;
            }
            let src = payload.get(from - payload_offset..to - payload_offset);
            let dst = buf.get_mut(from..to);
            if let (Some(src), Some(dst)) = (src, dst) {
                dst.copy_from_slice(src);
                copied = true;
            }
        };
        for range in &self.pending {
            if range.end <= cursor {
                continue;
            }
            if range.start >= end {
                break;
            }
            copy(&mut self.buf, cursor, range.start.min(end));
            cursor = cursor.max(range.end);
            if cursor >= end {
                break;
            }
        }
        copy(&mut self.buf, cursor, end);
        copied
    }

    /// Record `[start, end)` as filled, merge ranges, and advance the in-order end.
    fn add_range(&mut self, start: usize, end: usize) {
        let mut merged = Range { start, end };
        // Remove every range that overlaps or touches the new one, widening it.
        let mut i = 0;
        while i < self.pending.len() {
            let r = self.pending[i];
            if r.end < merged.start || r.start > merged.end {
                i += 1;
                continue;
            }
            merged.start = merged.start.min(r.start);
            merged.end = merged.end.max(r.end);
            self.pending.remove(i);
        }
        if merged.start <= self.contiguous {
            self.contiguous = self.contiguous.max(merged.end);
        } else {
            let at = self
                .pending
                .iter()
                .position(|r| r.start > merged.start)
                .unwrap_or(self.pending.len());
            self.pending.insert(at, merged);
        }
        // The new in-order end may now touch the first pending range.
        while let Some(first) = self.pending.first().copied() {
            if first.start > self.contiguous {
                break;
            }
            self.contiguous = self.contiguous.max(first.end);
            self.pending.remove(0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prefix(max_bytes: usize, ranges: usize) -> StreamPrefix {
        StreamPrefix::new(StreamPrefixConfig {
            max_bytes,
            max_out_of_order_ranges: ranges,
        })
    }

    #[test]
    fn no_allocation_until_payload() {
        let mut p = prefix(1024, 4);
        p.on_syn(100);
        assert_eq!(p.on_data(101, &[]), SegmentOutcome::Duplicate);
        assert_eq!(p.heap_bytes(), 0);
        assert!(p.is_empty());
    }

    #[test]
    fn in_order_after_syn() {
        let mut p = prefix(1024, 4);
        p.on_syn(1000);
        assert_eq!(p.on_data(1001, b"hello "), SegmentOutcome::Stored);
        assert_eq!(p.on_data(1007, b"world"), SegmentOutcome::Stored);
        assert_eq!(p.contiguous(), b"hello world");
    }

    #[test]
    fn mid_stream_first_segment_sets_base() {
        let mut p = prefix(1024, 4);
        p.on_data(5000, b"abc");
        p.on_data(5003, b"def");
        assert_eq!(p.contiguous(), b"abcdef");
        // Data from before the first segment seen cannot be placed; only its new tail counts.
        assert_eq!(p.on_data(4990, b"0123456789"), SegmentOutcome::BeforeBase);
        assert_eq!(p.on_data(4998, b"xxabcdefgh"), SegmentOutcome::Stored);
        assert_eq!(p.contiguous(), b"abcdefgh");
    }

    #[test]
    fn retransmission_is_duplicate_and_first_copy_wins() {
        let mut p = prefix(1024, 4);
        p.on_syn(0);
        p.on_data(1, b"abcd");
        assert_eq!(p.on_data(1, b"abcd"), SegmentOutcome::Duplicate);
        assert_eq!(p.on_data(1, b"XXXX"), SegmentOutcome::Duplicate);
        assert_eq!(p.contiguous(), b"abcd");
    }

    #[test]
    fn overlapping_segment_adds_only_new_tail() {
        let mut p = prefix(1024, 4);
        p.on_syn(0);
        p.on_data(1, b"abcd");
        assert_eq!(p.on_data(3, b"XXef"), SegmentOutcome::Stored);
        assert_eq!(p.contiguous(), b"abcdef");
    }

    #[test]
    fn out_of_order_segments_are_buffered_then_released() {
        let mut p = prefix(1024, 4);
        p.on_syn(0);
        p.on_data(7, b"ghi");
        p.on_data(4, b"def");
        assert_eq!(p.contiguous(), b"");
        assert_eq!(p.out_of_order_bytes(), 6);
        p.on_data(1, b"abc");
        assert_eq!(p.contiguous(), b"abcdefghi");
        assert_eq!(p.out_of_order_bytes(), 0);
    }

    #[test]
    fn out_of_order_overlap_keeps_first_copy() {
        let mut p = prefix(1024, 4);
        p.on_syn(0);
        p.on_data(5, b"efgh");
        // Overlaps the buffered range on both sides of a hole.
        p.on_data(3, b"cdXXXXij");
        p.on_data(1, b"ab");
        assert_eq!(p.contiguous(), b"abcdefghij");
    }

    #[test]
    fn out_of_order_range_limit() {
        let mut p = prefix(1024, 2);
        p.on_syn(0);
        assert_eq!(p.on_data(11, b"k"), SegmentOutcome::Stored);
        assert_eq!(p.on_data(21, b"u"), SegmentOutcome::Stored);
        assert_eq!(p.on_data(31, b"z"), SegmentOutcome::DroppedOutOfOrder);
        assert!(p.out_of_order_dropped());
        // Touching an existing range is still accepted (no new range).
        assert_eq!(p.on_data(12, b"l"), SegmentOutcome::Stored);
    }

    #[test]
    fn sequence_wrap_around() {
        let mut p = prefix(1024, 4);
        p.on_syn(u32::MAX - 2);
        p.on_data(u32::MAX - 1, b"ab");
        p.on_data(0, b"cd");
        p.on_data(2, b"ef");
        assert_eq!(p.contiguous(), b"abcdef");
    }

    #[test]
    fn cap_is_a_hard_limit() {
        let mut p = prefix(8, 4);
        p.on_syn(0);
        assert_eq!(p.on_data(1, b"abcdef"), SegmentOutcome::Stored);
        assert!(!p.cap_reached());
        assert_eq!(p.on_data(7, b"ghijkl"), SegmentOutcome::Stored);
        assert!(p.cap_reached());
        assert!(p.is_full());
        assert_eq!(p.contiguous(), b"abcdefgh");
        assert_eq!(p.on_data(9, b"zzz"), SegmentOutcome::BeyondCap);
        assert_eq!(p.on_data(100_000, b"zzz"), SegmentOutcome::BeyondCap);
        assert!(p.buf.capacity() <= 8);
    }

    #[test]
    fn out_of_order_beyond_cap_is_trimmed() {
        let mut p = prefix(8, 4);
        p.on_syn(0);
        p.on_data(6, b"fghijk");
        assert_eq!(p.out_of_order_bytes(), 3);
        p.on_data(1, b"abcde");
        assert_eq!(p.contiguous(), b"abcdefgh");
    }

    #[test]
    fn several_syn_acks_with_different_isns() {
        // The data continues the first ISN although a different one came last.
        let mut p = prefix(64, 4);
        p.on_syn(500);
        p.on_syn(100);
        p.on_syn(500);
        p.on_syn(100);
        p.on_data(501, b"ok");
        p.on_syn(900);
        p.on_data(503, b"!");
        assert_eq!(p.contiguous(), b"ok!");
        // Data matching no SYN within the cap falls back to the latest SYN.
        let mut p = prefix(64, 4);
        p.on_syn(100);
        assert_eq!(p.on_data(10_000, b"far"), SegmentOutcome::BeyondCap);
        assert_eq!(p.on_data(101, b"near"), SegmentOutcome::Stored);
        assert_eq!(p.contiguous(), b"near");
    }

    #[test]
    fn syn_with_data_fast_open() {
        let mut p = prefix(64, 4);
        p.on_segment(41, true, b"early");
        p.on_segment(47, false, b" data");
        assert_eq!(p.contiguous(), b"early data");
    }

    #[test]
    fn release_frees_memory() {
        let mut p = prefix(64, 4);
        p.on_data(1, b"abc");
        p.release();
        assert_eq!(p.heap_bytes(), 0);
        assert_eq!(p.on_data(4, b"d"), SegmentOutcome::BeyondCap);
    }

    #[test]
    fn random_segment_order_reconstructs_stream() {
        // Deterministic shuffle of overlapping segments of a known stream.
        let stream: Vec<u8> = (0..2000u32).map(|i| (i * 7 % 251) as u8).collect();
        let mut segments = Vec::new();
        let mut pos = 0usize;
        let mut seed = 12345u32;
        while pos < stream.len() {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
            let len = 1 + (seed >> 16) as usize % 97;
            let end = (pos + len).min(stream.len());
            segments.push((pos, end));
            pos = end.saturating_sub((seed >> 8) as usize % 5);
            if pos == 0 {
                pos = end;
            }
        }
        // Reverse pairs to create out-of-order arrival, with retransmissions.
        for pair in segments.chunks_mut(3) {
            pair.reverse();
        }
        let mut p = prefix(4096, 64);
        let isn = u32::MAX - 500; // also crosses the wrap
        p.on_syn(isn);
        for &(s, e) in segments.iter().chain(segments.iter().take(5)) {
            p.on_data(isn.wrapping_add(1).wrapping_add(s as u32), &stream[s..e]);
        }
        assert_eq!(p.contiguous(), &stream[..]);
    }
}
