//! Where a worker's flows live: fixed-size chunks of slots addressed by a `u32`.
//!
//! The hash index and the timer wheel hold 4-byte slot numbers instead of keys or whole
//! flows, so a tracked flow costs its own size plus a few bytes. Chunks are allocated at
//! their final size and never move, so the table grows without the doubling copies (and the
//! transient double footprint) of one big vector; freed slots are reused first.

use super::Flow;

/// Flows per chunk: ~1 MiB chunks, allocated one at a time as the table grows.
const CHUNK_BITS: u32 = 12;
const CHUNK: usize = 1 << CHUNK_BITS;

#[derive(Default)]
pub struct Slots {
    chunks: Vec<Vec<Option<Flow>>>,
    free: Vec<u32>,
    len: usize,
}

impl Slots {
    pub fn len(&self) -> usize {
        self.len
    }

    /// Stores a flow and returns its slot.
    pub fn insert(&mut self, mut flow: Flow) -> u32 {
        self.len += 1;
        if let Some(slot) = self.free.pop() {
            flow.slot = slot;
            if let Some(s) = self.entry(slot) {
                *s = Some(flow);
            }
            return slot;
        }
        if self.chunks.last().is_none_or(|c| c.len() == CHUNK) {
            self.chunks.push(Vec::with_capacity(CHUNK));
        }
        let c = self.chunks.len() - 1;
        let slot = ((c << CHUNK_BITS) + self.chunks[c].len()) as u32;
        flow.slot = slot;
        self.chunks[c].push(Some(flow));
        slot
    }

    fn entry(&mut self, slot: u32) -> Option<&mut Option<Flow>> {
        self.chunks
            .get_mut((slot >> CHUNK_BITS) as usize)?
            .get_mut(slot as usize & (CHUNK - 1))
    }

    pub fn get(&self, slot: u32) -> Option<&Flow> {
        self.chunks
            .get((slot >> CHUNK_BITS) as usize)?
            .get(slot as usize & (CHUNK - 1))?
            .as_ref()
    }

    pub fn get_mut(&mut self, slot: u32) -> Option<&mut Flow> {
        self.entry(slot)?.as_mut()
    }

    /// Takes the flow out of its slot; the slot is reused by a later insert.
    pub fn take(&mut self, slot: u32) -> Option<Flow> {
        let f = self.entry(slot)?.take()?;
        self.free.push(slot);
        self.len -= 1;
        Some(f)
    }

    /// Takes one flow from the end, releasing emptied chunks as it goes (draining a large
    /// table must not hold the flows twice). Slots are not reusable afterwards.
    pub fn pop(&mut self) -> Option<Flow> {
        self.free.clear();
        while let Some(chunk) = self.chunks.last_mut() {
            match chunk.pop() {
                Some(Some(f)) => {
                    self.len -= 1;
                    return Some(f);
                }
                Some(None) => {}
                None => {
                    self.chunks.pop();
                }
            }
        }
        None
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut Flow> {
        self.chunks.iter_mut().flatten().filter_map(Option::as_mut)
    }

    /// Heap bytes held by the slots (for the memory figures).
    pub fn heap_bytes(&self) -> usize {
        self.chunks.len() * CHUNK * std::mem::size_of::<Option<Flow>>() + self.free.capacity() * 4
    }
}
