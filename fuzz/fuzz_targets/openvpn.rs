//! OpenVPN control channel (TLS inside): byte 0 bit 0 picks TCP (records append to a
//! direction's stream, fed with `feed_stream`) or UDP (records are datagrams).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| flowsieve_fuzz::targets::openvpn(data));
