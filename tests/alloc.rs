//! No heap allocation per packet on the steady-state path: the whole pipeline under a
//! counting global allocator (see `runtime/examples/alloc_count.rs`, which this includes).
//! Counts allocations, never times anything.

#[path = "../runtime/examples/alloc_count.rs"]
mod alloc_count;

#[test]
fn steady_state_packets_do_not_allocate() {
    let dir = tempfile::tempdir().expect("temporary directory");
    for threads in [1, 2] {
        let (extra, report) =
            alloc_count::measure(dir.path(), 2_000, 20, threads).expect("pipeline runs");
        println!("{report}");
        // 40,000 extra packets: one allocation per packet or per batch would be far above.
        assert!(
            extra <= alloc_count::SLACK,
            "the steady-state packet path allocates: {report}"
        );
    }
}
