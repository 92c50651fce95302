use etherparse::PacketBuilder;

use super::*;

fn tcp_frame(payload: &[u8], vlan: bool) -> Vec<u8> {
    let b = PacketBuilder::ethernet2([1; 6], [2; 6]);
    let b = if vlan {
        b.double_vlan(
            etherparse::VlanId::try_new(10).unwrap(),
            etherparse::VlanId::try_new(20).unwrap(),
        )
        .ipv4([10, 0, 0, 1], [10, 0, 0, 2], 64)
    } else {
        b.ipv4([10, 0, 0, 1], [10, 0, 0, 2], 64)
    };
    let b = b.tcp(40000, 443, 1000, 512).syn();
    let mut v = Vec::new();
    b.write(&mut v, payload).unwrap();
    v
}

#[test]
fn ethernet_qinq_tcp() {
    let frame = tcp_frame(b"hello", true);
    let mut d = Decoder::new(LinkType::Ethernet, true);
    let p = d.decode(0, &frame, u32::MAX).unwrap();
    assert_eq!(p.payload_len, 5);
    assert_eq!(p.payload, b"hello");
    let t = p.tcp.unwrap();
    assert!(t.syn() && !t.ack_flag());
    assert_eq!(t.seq, 1000);
    assert_eq!(p.key.proto, IpProto::TCP);
}

#[test]
fn snaplen_cut_keeps_ports_and_declared_length() {
    let frame = tcp_frame(&[7u8; 1000], false);
    let mut d = Decoder::new(LinkType::Ethernet, true);
    // Cut inside the TCP header's fixed part but after the flags byte.
    let p = d
        .decode(0, &frame[..14 + 20 + 14], frame.len() as u32)
        .unwrap();
    assert_eq!(p.payload_len, 1000);
    assert!(p.payload.is_empty());
    // Cut before the flags: the transport header is reported, not guessed.
    assert_eq!(
        d.decode(0, &frame[..14 + 20 + 10], frame.len() as u32)
            .unwrap_err(),
        DecodeError::TruncatedTransport
    );
}

#[test]
fn ipv6_with_extension_headers_and_raw_link() {
    let mut v = Vec::new();
    PacketBuilder::ipv6([1; 16], [2; 16], 64)
        .udp(5353, 53)
        .write(&mut v, b"q")
        .unwrap();
    // Insert a hop-by-hop header (8 bytes, next header UDP) after the fixed header.
    let mut pkt = v[..40].to_vec();
    pkt[6] = 0; // next header: hop-by-hop
    let plen = u16::from_be_bytes([pkt[4], pkt[5]]) + 8;
    pkt[4..6].copy_from_slice(&plen.to_be_bytes());
    pkt.extend_from_slice(&[17, 0, 1, 4, 0, 0, 0, 0]);
    pkt.extend_from_slice(&v[40..]);
    let mut d = Decoder::new(LinkType::RawIp, true);
    let p = d.decode(0, &pkt, u32::MAX).unwrap();
    assert_eq!(p.key.proto, IpProto::UDP);
    assert_eq!(p.payload_len, 1);
    assert!(p.key.v6);
}

#[test]
fn later_fragments_join_the_first_fragments_flow() {
    // First fragment: UDP header + 16 bytes, MF set; second: 8 more bytes at offset 24.
    let mut first = Vec::new();
    PacketBuilder::ipv4([10, 0, 0, 1], [10, 0, 0, 2], 64)
        .udp(1234, 53)
        .write(&mut first, &[0u8; 16])
        .unwrap();
    first[6] = 0x20; // MF
    first[4..6].copy_from_slice(&7u16.to_be_bytes()); // identification
    let mut second = first[..20].to_vec();
    second[2..4].copy_from_slice(&28u16.to_be_bytes()); // total length: 20 + 8
    second[6] = 0x00;
    second[7] = 3; // offset 3 * 8 = 24
    second.extend_from_slice(&[1u8; 8]);
    let mut d = Decoder::new(LinkType::RawIp, true);
    let a = d.decode(0, &first, u32::MAX).unwrap();
    let b = d.decode(1, &second, u32::MAX).unwrap();
    assert_eq!(a.key, b.key);
    assert_eq!(a.payload_len + b.payload_len, 24);
    // A stray later fragment is reported.
    let mut stray = second.clone();
    stray[5] = 99;
    assert_eq!(
        d.decode(2, &stray, u32::MAX).unwrap_err(),
        DecodeError::FragmentWithoutFirst
    );
}

#[test]
fn gre_and_ip_in_ip_give_the_inner_flow() {
    let mut inner = Vec::new();
    PacketBuilder::ipv4([192, 168, 0, 1], [192, 168, 0, 2], 64)
        .udp(5060, 5060)
        .write(&mut inner, b"INVITE")
        .unwrap();
    let mut gre = vec![0x00, 0x00, 0x08, 0x00];
    gre.extend_from_slice(&inner);
    let mut outer = Vec::new();
    PacketBuilder::ipv4([1, 1, 1, 1], [2, 2, 2, 2], 64)
        .write(&mut outer, etherparse::IpNumber(47), &gre)
        .unwrap();
    let mut d = Decoder::new(LinkType::RawIp, true);
    let p = d.decode(0, &outer, u32::MAX).unwrap();
    assert_eq!(p.key.proto, IpProto::UDP);
    assert_eq!(p.payload, b"INVITE");
    // Tunnels off: the outer GRE flow.
    let mut d = Decoder::new(LinkType::RawIp, false);
    assert_eq!(
        d.decode(0, &outer, u32::MAX).unwrap().key.proto,
        IpProto(47)
    );
}

#[test]
fn link_layers() {
    let mut ip = Vec::new();
    PacketBuilder::ipv4([1, 1, 1, 1], [2, 2, 2, 2], 64)
        .udp(1, 2)
        .write(&mut ip, b"x")
        .unwrap();
    let with = |prefix: &[u8]| [prefix, &ip].concat();
    let ok = |l: LinkType, f: &[u8]| {
        Decoder::new(l, true)
            .decode(0, f, u32::MAX)
            .map(|p| p.payload_len)
    };
    assert_eq!(ok(LinkType::Null, &with(&2u32.to_le_bytes())), Ok(1));
    assert_eq!(ok(LinkType::Loop, &with(&2u32.to_be_bytes())), Ok(1));
    assert_eq!(ok(LinkType::Ppp, &with(&[0xff, 0x03, 0x00, 0x21])), Ok(1));
    assert_eq!(ok(LinkType::Ppp, &with(&[0x21])), Ok(1)); // compressed protocol field
    assert_eq!(
        ok(LinkType::CiscoHdlc, &with(&[0x0f, 0x00, 0x08, 0x00])),
        Ok(1)
    );
    let mut sll = vec![0u8; 16];
    sll[2..4].copy_from_slice(&772u16.to_be_bytes()); // ARPHRD_LOOPBACK
    sll[14..16].copy_from_slice(&0x0800u16.to_be_bytes());
    assert_eq!(ok(LinkType::LinuxSll, &with(&sll)), Ok(1));
    let mut sll2 = vec![0u8; 20];
    sll2[0..2].copy_from_slice(&0x0800u16.to_be_bytes());
    assert_eq!(ok(LinkType::LinuxSll2, &with(&sll2)), Ok(1));
    // ARP over Ethernet is not IP; a 3-byte frame is cut short.
    let mut arp = vec![0u8; 12];
    arp.extend_from_slice(&[0x08, 0x06]);
    arp.extend_from_slice(&[0u8; 28]);
    assert_eq!(ok(LinkType::Ethernet, &arp), Err(DecodeError::NotIp));
    assert_eq!(
        ok(LinkType::Ethernet, &[0, 1, 2]),
        Err(DecodeError::TruncatedLink)
    );
    assert_eq!(ok(LinkType::RawIp, &[0x45]), Err(DecodeError::BadIpHeader));
}

#[test]
fn no_panic_on_any_prefix_or_bit_flip() {
    let frame = tcp_frame(b"GET / HTTP/1.1\r\n", true);
    for l in [
        LinkType::Ethernet,
        LinkType::LinuxSll,
        LinkType::LinuxSll2,
        LinkType::RawIp,
        LinkType::Null,
        LinkType::Ppp,
        LinkType::Nflog,
    ] {
        let mut d = Decoder::new(l, true);
        for cut in 0..frame.len() {
            let _ = d.decode(0, &frame[..cut], u32::MAX);
        }
        for i in 0..frame.len() * 8 {
            let mut f = frame.clone();
            f[i / 8] ^= 1 << (i % 8);
            let _ = d.decode(0, &f, u32::MAX);
        }
    }
}

#[test]
fn a_bogus_ip_length_is_bounded_by_the_wire_length() {
    let mut frame = tcp_frame(&[0u8; 10], false);
    // IP total length claims 4000 bytes; the frame on the wire is 64.
    frame[14 + 2..14 + 4].copy_from_slice(&4000u16.to_be_bytes());
    let wire = frame.len() as u32;
    let mut d = Decoder::new(LinkType::Ethernet, true);
    assert_eq!(d.decode(0, &frame, wire).unwrap().payload_len, 10);
}
