//! The transport fields a flow needs, read straight from the bytes.
//!
//! Only the fixed part of a header is required: a capture cut by its snaplen inside the TCP
//! options still yields ports, flags and the declared payload length.

use super::{DecodeError, TcpFields};

pub struct Transport<'a> {
    pub src_port: u16,
    pub dst_port: u16,
    pub tcp: Option<TcpFields>,
    pub payload_len: u32,
    pub payload: &'a [u8],
}

const TCP: u8 = 6;
const UDP: u8 = 17;
const ICMP: u8 = 1;
const ICMPV6: u8 = 58;
const SCTP: u8 = 132;

/// `data` is the captured IP payload, `declared` its length per the IP header.
pub fn parse(proto: u8, data: &[u8], declared: u32) -> Result<Transport<'_>, DecodeError> {
    match proto {
        TCP => {
            let h = data.get(..14).ok_or(DecodeError::TruncatedTransport)?;
            let hlen = (h[12] >> 4) as u32 * 4;
            if hlen < 20 || hlen > declared {
                return Err(DecodeError::BadTransportHeader);
            }
            Ok(Transport {
                src_port: u16::from_be_bytes([h[0], h[1]]),
                dst_port: u16::from_be_bytes([h[2], h[3]]),
                tcp: Some(TcpFields {
                    seq: u32::from_be_bytes([h[4], h[5], h[6], h[7]]),
                    ack: u32::from_be_bytes([h[8], h[9], h[10], h[11]]),
                    flags: h[13],
                }),
                payload_len: declared - hlen,
                payload: data.get(hlen as usize..).unwrap_or(&[]),
            })
        }
        UDP | SCTP => {
            let h = data.get(..4).ok_or(DecodeError::TruncatedTransport)?;
            let hlen = if proto == UDP { 8 } else { 12 };
            if declared < hlen {
                return Err(DecodeError::BadTransportHeader);
            }
            let mut payload_len = declared - hlen;
            if proto == UDP {
                // The smaller of the IP and UDP lengths: a first fragment carries less than
                // its UDP length says, and a bogus IP length must not inflate the count.
                if let Some(l) = data
                    .get(4..6)
                    .map(|l| u16::from_be_bytes([l[0], l[1]]) as u32)
                {
                    if l >= 8 {
                        payload_len = payload_len.min(l - 8);
                    }
                }
            }
            Ok(Transport {
                src_port: u16::from_be_bytes([h[0], h[1]]),
                dst_port: u16::from_be_bytes([h[2], h[3]]),
                tcp: None,
                payload_len,
                payload: data.get(hlen as usize..).unwrap_or(&[]),
            })
        }
        ICMP | ICMPV6 => {
            if data.len() < 4 || declared < 8 {
                return Err(DecodeError::TruncatedTransport);
            }
            Ok(Transport {
                src_port: 0,
                dst_port: 0,
                tcp: None,
                payload_len: declared - 8,
                payload: data.get(8..).unwrap_or(&[]),
            })
        }
        _ => Ok(Transport {
            src_port: 0,
            dst_port: 0,
            tcp: None,
            payload_len: declared,
            payload: data,
        }),
    }
}
