//! Flow views for the rules' unit tests.

use flowsieve_sdk::{FlowView, Side, Transport};

fn side(prefix: &[u8]) -> Side {
    Side {
        prefix: prefix.to_vec(),
        first_payload_len: prefix.len() as u32,
        packets: u32::from(!prefix.is_empty()),
        bytes: prefix.len() as u64,
    }
}

fn view(transport: Transport, cport: u16, sport: u16, c: &[u8], s: &[u8]) -> FlowView {
    FlowView {
        transport,
        client_port: cport,
        server_port: sport,
        client: side(c),
        server: side(s),
        sni: None,
        alpn: Vec::new(),
    }
}

pub fn tcp(cport: u16, sport: u16, c: &[u8], s: &[u8]) -> FlowView {
    view(Transport::Tcp, cport, sport, c, s)
}

pub fn udp(cport: u16, sport: u16, c: &[u8], s: &[u8]) -> FlowView {
    view(Transport::Udp, cport, sport, c, s)
}
