//! The hot path allocates nothing on the host: a counting global allocator
//! watches 1000 `classify` calls on a warm worker.

mod common;

use common::*;
use flowsieve_wasm::{Transport, Verdict};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

struct Counting;

static COUNTING: AtomicBool = AtomicBool::new(false);
static ALLOCS: AtomicU64 = AtomicU64::new(0);

// SAFETY: forwards to the system allocator; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn classify_does_not_allocate_on_the_host() {
    let rt = runtime(config(None));
    let mut w = rt.worker();
    let noise: Vec<u8> = (0u32..64)
        .map(|i| (i.wrapping_mul(2654435761) >> 11) as u8)
        .collect();
    let http = view(
        Transport::Tcp,
        80,
        b"GET / HTTP/1.1\r\nHost: example.com\r\n\r\n",
        b"HTTP/1.1 200 OK\r\n",
    );
    let unknown = view(Transport::Tcp, 4000, &noise, &noise);
    // Warm: the first calls build the instances (`unknown` reaches every pack).
    assert!(matches!(w.classify(&http), Verdict::Matched(_)));
    std::hint::black_box(w.classify(&unknown));
    COUNTING.store(true, Ordering::Relaxed);
    for _ in 0..500 {
        std::hint::black_box(w.classify(&http));
        std::hint::black_box(w.classify(&unknown));
    }
    COUNTING.store(false, Ordering::Relaxed);
    // The counter is process-wide, but nothing else runs meanwhile (the
    // epoch ticker does not allocate; this binary has one test).
    let allocs = ALLOCS.load(Ordering::Relaxed);
    assert_eq!(allocs, 0, "host allocations in 1000 calls");
}
