//! The floor for throughput: read every packet of a capture with libpcap and touch its
//! bytes, nothing else. `benches/throughput.py` compares flowsieve with this.

use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: pcap_floor CAPTURE");
        return ExitCode::FAILURE;
    };
    let mut cap = match pcap::Capture::from_file(&path) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("pcap_floor: {path}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let (mut packets, mut sum) = (0u64, 0u64);
    while let Ok(p) = cap.next_packet() {
        packets += 1;
        // One load per packet so the read cannot be optimised away.
        sum = sum.wrapping_add(p.data.first().copied().unwrap_or(0) as u64 + p.header.len as u64);
    }
    println!("{packets} packets (checksum {sum})");
    ExitCode::SUCCESS
}
