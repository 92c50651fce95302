//! QUIC: decrypt Initial packets (v1 RFC 9001, v2 RFC 9369, drafts) and parse
//! the TLS ClientHello / ServerHello carried in their CRYPTO frames.
//!
//! Initial packets are protected with keys derived from the client's first
//! Destination Connection ID and a per-version salt, so any observer can
//! decrypt them. CRYPTO frames are reassembled by offset (in a bounded
//! [`StreamPrefix`]) across packets and datagrams, then walked as TLS
//! handshake messages (no record layer in QUIC).

use aes::cipher::{BlockEncrypt, KeyInit};
use aes::Aes128;
use aes_gcm::aead::AeadInPlace;
use aes_gcm::{Aes128Gcm, Nonce, Tag};
use hkdf::Hkdf;
use sha2::Sha256;

use crate::fingerprint::Transport;
use crate::metadata::{HandshakeState, TlsConfig, TlsMetadata};
use crate::reader::Reader;
use crate::reassembly::{StreamPrefix, StreamPrefixConfig};
use crate::tls::walk_messages;
use crate::{Direction, TlsError};

/// Limits for one QUIC flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuicConfig {
    pub tls: TlsConfig,
    /// Cap on reassembled CRYPTO bytes per direction (Initial packet number space).
    pub max_crypto_bytes: usize,
    /// Initial packets decrypted per direction before giving up.
    pub max_initial_packets: u32,
}

impl Default for QuicConfig {
    fn default() -> Self {
        Self {
            tls: TlsConfig::default(),
            max_crypto_bytes: 16 * 1024,
            max_initial_packets: 16,
        }
    }
}

/// Per-version constants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct VersionParams {
    salt: [u8; 20],
    /// Label prefix: `quic` (v1, drafts) or `quicv2` (RFC 9369).
    v2_labels: bool,
}

const SALT_V1: [u8; 20] = hex20("38762cf7f55934b34d179ae6a4c80cadccbb7f0a");
const SALT_V2: [u8; 20] = hex20("0dede3def700a6db819381be6e269dcbf9bd2ed9");
const SALT_DRAFT_29: [u8; 20] = hex20("afbfec289993d24c9e9786f19c6111e04390a899");
const SALT_DRAFT_23: [u8; 20] = hex20("c3eef712c72ebb5a11a7d2432bb46365bef9f502");
/// Google's QUIC-with-TLS T050 / T051 (the salts Wireshark and nDPI use).
const SALT_T050: [u8; 20] = hex20("7ff579e5acd072915580304c43a2367c60488310");
const SALT_T051: [u8; 20] = hex20("7a4edef4e7ccee5fa4506c19124fc8ccda6e033d");

const QUIC_V1: u32 = 0x0000_0001;
const QUIC_V2: u32 = 0x6b33_43cf;

const fn hex20(s: &str) -> [u8; 20] {
    let b = s.as_bytes();
    let mut out = [0u8; 20];
    let mut i = 0;
    while i < 20 {
        out[i] = (nibble(b[2 * i]) << 4) | nibble(b[2 * i + 1]);
        i += 1;
    }
    out
}

const fn nibble(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        _ => 0,
    }
}

fn version_params(version: u32) -> Option<VersionParams> {
    let salt = match version {
        QUIC_V1 => SALT_V1,
        QUIC_V2 => SALT_V2,
        0xff00_001d..=0xff00_0020 => SALT_DRAFT_29,
        0xff00_0017..=0xff00_001c => SALT_DRAFT_23,
        0x5430_3530 => SALT_T050,
        0x5430_3531 => SALT_T051,
        _ => return None,
    };
    Some(VersionParams {
        salt,
        v2_labels: version == QUIC_V2,
    })
}

/// Is this long-header packet type an Initial for `version`?
fn is_initial(version: u32, first_byte: u8) -> bool {
    let packet_type = (first_byte & 0x30) >> 4;
    if version == QUIC_V2 {
        packet_type == 1
    } else {
        packet_type == 0
    }
}

fn is_retry(version: u32, first_byte: u8) -> bool {
    let packet_type = (first_byte & 0x30) >> 4;
    if version == QUIC_V2 {
        packet_type == 0
    } else {
        packet_type == 3
    }
}

/// TLS 1.3 HKDF-Expand-Label with an empty context.
fn expand_label(hkdf: &Hkdf<Sha256>, label: &str, out: &mut [u8]) -> Result<(), TlsError> {
    let full_len = 6 + label.len();
    let mut info = [0u8; 64];
    let info_len = 2 + 1 + full_len + 1;
    let dst = info
        .get_mut(..info_len)
        .ok_or(TlsError::Quic("label too long"))?;
    dst[..2].copy_from_slice(&(out.len() as u16).to_be_bytes());
    dst[2] = full_len as u8;
    dst[3..9].copy_from_slice(b"tls13 ");
    dst[9..9 + label.len()].copy_from_slice(label.as_bytes());
    dst[info_len - 1] = 0;
    hkdf.expand(dst, out)
        .map_err(|_| TlsError::Quic("hkdf expand length"))
}

/// Packet protection keys of one direction.
#[derive(Clone)]
struct InitialKeys {
    aead: Aes128Gcm,
    iv: [u8; 12],
    header: Aes128,
}

impl std::fmt::Debug for InitialKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("InitialKeys")
    }
}

/// AEAD key, IV and header-protection key of one direction.
type KeyMaterial = ([u8; 16], [u8; 12], [u8; 16]);

/// Raw key material (separate from [`InitialKeys`] for the RFC test vectors).
fn derive_key_material(
    params: VersionParams,
    dcid: &[u8],
    dir: Direction,
) -> Result<KeyMaterial, TlsError> {
    let (initial, _) = Hkdf::<Sha256>::extract(Some(&params.salt), dcid);
    let initial = Hkdf::<Sha256>::from_prk(&initial).map_err(|_| TlsError::Quic("prk"))?;
    let mut secret = [0u8; 32];
    let label = match dir {
        Direction::ClientToServer => "client in",
        Direction::ServerToClient => "server in",
    };
    expand_label(&initial, label, &mut secret)?;
    let secret = Hkdf::<Sha256>::from_prk(&secret).map_err(|_| TlsError::Quic("prk"))?;
    let (key_label, iv_label, hp_label) = if params.v2_labels {
        ("quicv2 key", "quicv2 iv", "quicv2 hp")
    } else {
        ("quic key", "quic iv", "quic hp")
    };
    let (mut key, mut iv, mut hp) = ([0u8; 16], [0u8; 12], [0u8; 16]);
    expand_label(&secret, key_label, &mut key)?;
    expand_label(&secret, iv_label, &mut iv)?;
    expand_label(&secret, hp_label, &mut hp)?;
    Ok((key, iv, hp))
}

impl InitialKeys {
    fn derive(params: VersionParams, dcid: &[u8], dir: Direction) -> Result<Self, TlsError> {
        let (key, iv, hp) = derive_key_material(params, dcid, dir)?;
        Ok(Self {
            aead: Aes128Gcm::new(&key.into()),
            iv,
            header: Aes128::new(&hp.into()),
        })
    }
}

/// Per-direction QUIC state.
#[derive(Debug, Clone)]
struct QuicDirection {
    /// Boxed: AES key schedules are large and only needed once a QUIC Initial is seen.
    keys: Option<Box<InitialKeys>>,
    crypto: StreamPrefix,
    /// Bytes of `crypto` already walked as handshake messages.
    consumed: usize,
    packets: u32,
}

impl QuicDirection {
    fn new(max_crypto_bytes: usize) -> Self {
        let mut crypto = StreamPrefix::new(StreamPrefixConfig {
            max_bytes: max_crypto_bytes,
            max_out_of_order_ranges: 32,
        });
        // CRYPTO offsets start at 0: a "SYN" at u32::MAX puts the base at 0.
        crypto.on_syn(u32::MAX);
        Self {
            keys: None,
            crypto,
            consumed: 0,
            packets: 0,
        }
    }
}

/// Per-flow QUIC Initial parser. Feed it every UDP payload of the flow.
#[derive(Debug, Clone)]
pub struct QuicParser {
    config: QuicConfig,
    state: HandshakeState,
    version: Option<u32>,
    /// The client's first Destination Connection ID (keys of both directions derive from it).
    original_dcid: Option<([u8; 20], usize)>,
    client: QuicDirection,
    server: QuicDirection,
    /// Reused decryption buffer (no per-packet allocation once grown).
    scratch: Vec<u8>,
}

impl QuicParser {
    pub fn new(config: QuicConfig) -> Self {
        Self {
            config,
            state: HandshakeState::new(config.tls, Transport::Quic),
            version: None,
            original_dcid: None,
            client: QuicDirection::new(config.max_crypto_bytes),
            server: QuicDirection::new(config.max_crypto_bytes),
            scratch: Vec::new(),
        }
    }

    /// Cheap check: a long-header packet of a version we can decrypt.
    pub fn looks_like_quic_initial(datagram: &[u8]) -> bool {
        let [first, v0, v1, v2, v3, ..] = *datagram else {
            return false;
        };
        let version = u32::from_be_bytes([v0, v1, v2, v3]);
        first & 0xc0 == 0xc0 && version_params(version).is_some() && is_initial(version, first)
    }

    /// The QUIC version of the flow's first decryptable Initial, if any.
    pub fn quic_version(&self) -> Option<u32> {
        self.version
    }

    /// Feed one UDP payload. Coalesced packets are walked; only Initial
    /// packets are decrypted, others are skipped by their length.
    pub fn feed_datagram(&mut self, dir: Direction, datagram: &[u8]) {
        let mut rest = datagram;
        while !rest.is_empty() {
            match self.process_packet(dir, rest) {
                Ok(Some(next)) => rest = next,
                Ok(None) => break,
                Err(e) => {
                    if self.state.last_error.is_none() {
                        self.state.last_error = Some(e);
                    }
                    break;
                }
            }
        }
        self.parse_crypto(dir);
    }

    /// Handle the packet at the start of `data`; return what follows it.
    fn process_packet<'a>(
        &mut self,
        dir: Direction,
        data: &'a [u8],
    ) -> Result<Option<&'a [u8]>, TlsError> {
        let mut r = Reader::new(data);
        let first = r.u8().ok_or(TlsError::Quic("empty packet"))?;
        if first & 0x80 == 0 {
            return Ok(None); // short header: 1-RTT, nothing for us
        }
        let version = r.u32().ok_or(TlsError::Quic("version"))?;
        let dcid = r.vec8().ok_or(TlsError::Quic("dcid"))?;
        let _scid = r.vec8().ok_or(TlsError::Quic("scid"))?;
        if version == 0 {
            return Ok(None); // version negotiation
        }
        let Some(params) = version_params(version) else {
            return Ok(None);
        };
        if is_retry(version, first) {
            // Keys after a Retry derive from the client's new DCID.
            self.original_dcid = None;
            self.client.keys = None;
            self.server.keys = None;
            return Ok(None);
        }
        let initial = is_initial(version, first);
        if initial {
            r.vec_varint().ok_or(TlsError::Quic("token"))?;
        }
        let length = r.varint().ok_or(TlsError::Quic("length"))?;
        let length = usize::try_from(length).map_err(|_| TlsError::Quic("length"))?;
        let header_len = data.len() - r.remaining();
        let packet_end = header_len
            .checked_add(length)
            .filter(|end| *end <= data.len())
            .ok_or(TlsError::Quic("packet length beyond datagram"))?;
        let (packet, next) = data.split_at(packet_end);
        if initial {
            self.decrypt_initial(dir, version, params, dcid, packet, header_len)?;
        }
        Ok(Some(next))
    }

    fn keys_for(
        &mut self,
        dir: Direction,
        params: VersionParams,
        dcid: &[u8],
    ) -> Result<&InitialKeys, TlsError> {
        if self.original_dcid.is_none() {
            if dir != Direction::ClientToServer || dcid.len() > 20 {
                return Err(TlsError::Quic("no client Initial seen yet"));
            }
            let mut buf = [0u8; 20];
            buf[..dcid.len()].copy_from_slice(dcid);
            self.original_dcid = Some((buf, dcid.len()));
        }
        let (buf, len) = self.original_dcid.unwrap_or(([0; 20], 0));
        let original = buf.get(..len).unwrap_or(&[]);
        let side = match dir {
            Direction::ClientToServer => &mut self.client,
            Direction::ServerToClient => &mut self.server,
        };
        if side.keys.is_none() {
            side.keys = Some(Box::new(InitialKeys::derive(params, original, dir)?));
        }
        side.keys.as_deref().ok_or(TlsError::Quic("keys"))
    }

    fn decrypt_initial(
        &mut self,
        dir: Direction,
        version: u32,
        params: VersionParams,
        dcid: &[u8],
        packet: &[u8],
        pn_offset: usize,
    ) -> Result<(), TlsError> {
        let side_packets = match dir {
            Direction::ClientToServer => &mut self.client.packets,
            Direction::ServerToClient => &mut self.server.packets,
        };
        if *side_packets >= self.config.max_initial_packets {
            return Ok(());
        }
        *side_packets += 1;
        let mut scratch = std::mem::take(&mut self.scratch);
        let result = self.decrypt_into(dir, params, dcid, packet, pn_offset, &mut scratch);
        if result.is_ok() {
            self.version.get_or_insert(version);
            self.read_frames(dir, version, &scratch);
        }
        self.scratch = scratch;
        result
    }

    /// Remove header protection and decrypt; the plaintext payload ends up in `out`.
    fn decrypt_into(
        &mut self,
        dir: Direction,
        params: VersionParams,
        dcid: &[u8],
        packet: &[u8],
        pn_offset: usize,
        out: &mut Vec<u8>,
    ) -> Result<(), TlsError> {
        let keys = self.keys_for(dir, params, dcid)?;
        let sample = packet
            .get(pn_offset + 4..pn_offset + 20)
            .ok_or(TlsError::Quic("too short for header protection sample"))?;
        let mut mask = aes::Block::clone_from_slice(sample);
        keys.header.encrypt_block(&mut mask);
        let first = packet.first().ok_or(TlsError::Quic("empty"))? ^ (mask[0] & 0x0f);
        let pn_len = usize::from(first & 0x03) + 1;
        let payload_start = pn_offset + pn_len;
        // Rebuild the unprotected header (the AEAD's associated data) in `out`.
        out.clear();
        out.extend_from_slice(packet.get(..payload_start).ok_or(TlsError::Quic("pn"))?);
        out[0] = first;
        let mut packet_number: u64 = 0;
        for i in 0..pn_len {
            let byte = out[pn_offset + i] ^ mask[1 + i];
            out[pn_offset + i] = byte;
            packet_number = (packet_number << 8) | u64::from(byte);
        }
        let ciphertext = packet
            .get(payload_start..)
            .filter(|c| c.len() >= 16)
            .ok_or(TlsError::Quic("payload shorter than the AEAD tag"))?;
        let (body, tag) = ciphertext.split_at(ciphertext.len() - 16);
        let mut nonce = keys.iv;
        for (i, b) in packet_number.to_be_bytes().iter().enumerate() {
            nonce[4 + i] ^= b;
        }
        // Associated data is the header; decrypt the body after it in place.
        let header_len = out.len();
        out.extend_from_slice(body);
        let (aad, payload) = out.split_at_mut(header_len);
        keys.aead
            .decrypt_in_place_detached(
                Nonce::from_slice(&nonce),
                aad,
                payload,
                Tag::from_slice(tag),
            )
            .map_err(|_| TlsError::Quic("Initial packet authentication failed"))?;
        out.drain(..header_len);
        Ok(())
    }

    /// Walk the frames of a decrypted Initial payload, collecting CRYPTO data.
    fn read_frames(&mut self, dir: Direction, version: u32, payload: &[u8]) {
        // Google's T05x versions number the CRYPTO frame 0x08 (pre-draft-13 numbering).
        let crypto_frame = if version >> 16 == 0x5430 { 0x08 } else { 0x06 };
        let side = match dir {
            Direction::ClientToServer => &mut self.client,
            Direction::ServerToClient => &mut self.server,
        };
        let mut r = Reader::new(payload);
        while let Some(frame_type) = r.varint() {
            match frame_type {
                0x00 | 0x01 => {} // PADDING, PING
                0x02 | 0x03 => {
                    if skip_ack(&mut r, frame_type == 0x03).is_none() {
                        return;
                    }
                }
                t if t == crypto_frame => {
                    let (Some(offset), Some(data)) = (r.varint(), r.vec_varint()) else {
                        return;
                    };
                    // Offsets beyond u32 are far beyond any cap: ignore them.
                    if let Ok(offset) = u32::try_from(offset) {
                        side.crypto.on_data(offset, data);
                    }
                }
                0x1c | 0x1d => return, // CONNECTION_CLOSE: nothing useful follows
                _ => return,           // not allowed in Initial packets
            }
        }
    }

    fn parse_crypto(&mut self, dir: Direction) {
        let side = match dir {
            Direction::ClientToServer => &mut self.client,
            Direction::ServerToClient => &mut self.server,
        };
        let stream = side.crypto.contiguous();
        let Some(new) = stream.get(side.consumed..) else {
            return;
        };
        match walk_messages(
            dir,
            new,
            self.config.tls.max_handshake_message,
            &mut self.state,
        ) {
            Ok(used) => side.consumed += used,
            // An absurd message length: nothing more can be read in this direction.
            Err(_) => side.consumed = usize::MAX,
        }
    }

    pub fn is_tls(&self) -> bool {
        self.state.client_hello_seen || self.state.server_hello_seen
    }

    /// Final once both hellos were read (the rest of a QUIC handshake is
    /// encrypted with keys an observer does not have), or when no more
    /// Initial packets will be decrypted in either direction.
    pub fn is_final(&self) -> bool {
        let max = self.config.max_initial_packets;
        self.state.is_final() || (self.client.packets >= max && self.server.packets >= max)
    }

    pub fn metadata(&self) -> &TlsMetadata {
        &self.state.meta
    }

    pub fn into_metadata(self) -> TlsMetadata {
        self.state.meta
    }

    /// The first decryption or parse error met, if any (diagnostics only).
    pub fn last_error(&self) -> Option<&TlsError> {
        self.state.last_error.as_ref()
    }
}

/// Skip an ACK frame's fields (RFC 9000 §19.3).
fn skip_ack(r: &mut Reader, ecn: bool) -> Option<()> {
    r.varint()?; // largest acknowledged
    r.varint()?; // delay
    let ranges = r.varint()?;
    r.varint()?; // first range
    for _ in 0..ranges {
        r.varint()?;
        r.varint()?;
    }
    if ecn {
        r.varint()?;
        r.varint()?;
        r.varint()?;
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    const RFC_DCID: [u8; 8] = [0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08];

    #[test]
    fn rfc9001_appendix_a_keys() {
        let params = version_params(QUIC_V1).unwrap();
        let (key, iv, hp) =
            derive_key_material(params, &RFC_DCID, Direction::ClientToServer).unwrap();
        assert_eq!(hex(&key), "1f369613dd76d5467730efcbe3b1a22d");
        assert_eq!(hex(&iv), "fa044b2f42a3fd3b46fb255c");
        assert_eq!(hex(&hp), "9f50449e04a0e810283a1e9933adedd2");
        let (key, iv, hp) =
            derive_key_material(params, &RFC_DCID, Direction::ServerToClient).unwrap();
        assert_eq!(hex(&key), "cf3a5331653c364c88f0f379b6067e37");
        assert_eq!(hex(&iv), "0ac1493ca1905853b0bba03e");
        assert_eq!(hex(&hp), "c206b8d9b9f0f37644430b490eeaa314");
    }

    #[test]
    fn rfc9369_appendix_a_keys() {
        let params = version_params(QUIC_V2).unwrap();
        let (key, iv, hp) =
            derive_key_material(params, &RFC_DCID, Direction::ClientToServer).unwrap();
        assert_eq!(hex(&key), "8b1a0bc121284290a29e0971b5cd045d");
        assert_eq!(hex(&iv), "91f73e2351d8fa91660e909f");
        assert_eq!(hex(&hp), "45b95e15235d6f45a6b19cbcb0294ba9");
    }

    #[test]
    fn garbage_never_panics() {
        let mut parser = QuicParser::new(QuicConfig::default());
        let mut datagram = vec![0xc0, 0, 0, 0, 1, 8];
        datagram.extend_from_slice(&RFC_DCID);
        datagram.extend_from_slice(&[0, 0, 0x44, 0xd0]);
        datagram.extend(std::iter::repeat_n(0x55, 1200));
        for cut in 0..datagram.len() {
            parser.feed_datagram(Direction::ClientToServer, &datagram[..cut]);
        }
        assert!(!parser.is_tls());
        assert!(parser.last_error().is_some());
    }
}
