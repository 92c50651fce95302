//! OpenVPN control channel (TLS inside): byte 0 bit 0 picks TCP (records append to a
//! direction's stream, fed with `feed_stream`) or UDP (records are datagrams).
#![no_main]
use flowsieve_fuzz::records;
use flowsieve_tls::{Direction, OpenVpnTls, TlsConfig};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let tcp = sel & 1 != 0;
    let mut ovpn = OpenVpnTls::new(TlsConfig::default(), tcp);
    let mut client = Vec::new();
    let mut server = Vec::new();
    for r in records(rest) {
        let _ = OpenVpnTls::looks_like_openvpn(r.data, tcp);
        if tcp {
            let stream = match r.dir() {
                Direction::ClientToServer => &mut client,
                Direction::ServerToClient => &mut server,
            };
            stream.extend_from_slice(r.data);
            ovpn.feed_stream(r.dir(), stream);
        } else {
            ovpn.feed_datagram(r.dir(), r.data);
        }
        if r.fin() {
            ovpn.close_direction(r.dir());
        }
    }
    let _ = (ovpn.is_final(), ovpn.is_encrypted(), ovpn.heap_bytes());
    let _ = ovpn.into_metadata();
});
