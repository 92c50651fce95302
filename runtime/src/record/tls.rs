//! The `flow.tls` block, written by hand like the rest of the record: a TLS flow's block is
//! mostly short ASCII strings (cipher names, hashes, dates), and serde_json's byte-by-byte
//! escape scan over them cost more than the rest of the record together. The reference test
//! (`reference.rs`) compares this with serde's output of a fully populated block, so a field
//! added to the metadata types and not here fails it.

use flowsieve_tls::{CertificateSummary, ClientInfo, NameSummary, ServerInfo, TlsMetadata};

use super::json::Json;

pub fn write(j: &mut Json, t: &TlsMetadata) {
    j.raw(b"{");
    if let Some(v) = t.version {
        j.raw(b"\"version\":");
        j.uint(u64::from(v));
        j.raw(b",");
    }
    j.raw(b"\"version_text\":");
    j.str(&t.version_text);
    if let Some(c) = t.cipher {
        j.raw(b",\"cipher\":");
        j.uint(u64::from(c));
    }
    if let Some(c) = t.cipher_text {
        j.raw(b",\"cipher_text\":");
        j.str(c);
    }
    j.raw(b",\"handshake_complete\":");
    j.bool(t.handshake_complete);
    j.raw(b",\"handshake_finished\":");
    j.bool(t.handshake_finished);
    j.raw(b",\"client\":");
    client(j, &t.client);
    j.raw(b",\"server\":");
    server(j, &t.server);
    j.raw(b"}");
}

/// `"key":"value",` for a present optional string.
fn opt_str(j: &mut Json, key: &[u8], v: &Option<String>) {
    if let Some(v) = v {
        j.raw(b"\"");
        j.raw(key);
        j.raw(b"\":");
        j.str(v);
        j.raw(b",");
    }
}

fn strings<S: AsRef<str>>(j: &mut Json, items: &[S]) {
    j.raw(b"[");
    for (i, s) in items.iter().enumerate() {
        if i > 0 {
            j.raw(b",");
        }
        j.str(s.as_ref());
    }
    j.raw(b"]");
}

fn client(j: &mut Json, c: &ClientInfo) {
    j.raw(b"{");
    opt_str(j, b"ja3", &c.ja3);
    opt_str(j, b"ja3_string", &c.ja3_string);
    opt_str(j, b"ja4", &c.ja4);
    opt_str(j, b"ja4_r", &c.ja4_r);
    opt_str(j, b"sni", &c.sni);
    if !c.alpn.is_empty() {
        j.raw(b"\"alpn\":");
        strings(j, &c.alpn);
        j.raw(b",");
    }
    if !c.supported_versions.is_empty() {
        j.raw(b"\"supported_versions\":[");
        for (i, v) in c.supported_versions.iter().enumerate() {
            if i > 0 {
                j.raw(b",");
            }
            j.uint(u64::from(*v));
        }
        j.raw(b"],");
    }
    j.raw(b"\"supported_ciphers\":");
    strings(j, &c.supported_ciphers);
    j.raw(b",\"certificates\":");
    certificates(j, &c.certificates);
    j.raw(b"}");
}

fn server(j: &mut Json, s: &ServerInfo) {
    j.raw(b"{");
    opt_str(j, b"ja3s", &s.ja3s);
    opt_str(j, b"ja3s_string", &s.ja3s_string);
    opt_str(j, b"alpn", &s.alpn);
    j.raw(b"\"certificates\":");
    certificates(j, &s.certificates);
    j.raw(b"}");
}

fn certificates(j: &mut Json, certs: &[CertificateSummary]) {
    j.raw(b"[");
    for (i, c) in certs.iter().enumerate() {
        if i > 0 {
            j.raw(b",");
        }
        j.raw(b"{\"alt_names\":");
        strings(j, &c.alt_names);
        if !c.alt_ips.is_empty() {
            j.raw(b",\"alt_ips\":");
            strings(j, &c.alt_ips);
        }
        j.raw(b",\"SHA1\":");
        j.str(&c.sha1);
        j.raw(b",\"not_before\":");
        j.str(&c.not_before);
        j.raw(b",\"not_after\":");
        j.str(&c.not_after);
        j.raw(b",\"version\":");
        j.uint(u64::from(c.version));
        if let Some(bits) = c.public_key_size {
            j.raw(b",\"public_key_size\":");
            j.uint(u64::from(bits));
        }
        j.raw(b",\"signature_algorithm\":");
        j.str(&c.signature_algorithm);
        j.raw(b",\"public_key_algorithm\":");
        j.str(&c.public_key_algorithm);
        j.raw(b",\"serial\":");
        j.str(&c.serial);
        j.raw(b",\"certificate_authority\":");
        j.bool(c.certificate_authority);
        j.raw(b",\"subject\":");
        name(j, &c.subject);
        j.raw(b",\"issuer\":");
        name(j, &c.issuer);
        j.raw(b"}");
    }
    j.raw(b"]");
}

fn name(j: &mut Json, n: &NameSummary) {
    let fields = [
        (&b"common_name"[..], &n.common_name),
        (b"organization", &n.organization),
        (b"country", &n.country),
    ];
    j.raw(b"{");
    let mut first = true;
    for (key, v) in fields {
        if let Some(v) = v {
            if !first {
                j.raw(b",");
            }
            first = false;
            j.raw(b"\"");
            j.raw(key);
            j.raw(b"\":");
            j.str(v);
        }
    }
    j.raw(b"}");
}
