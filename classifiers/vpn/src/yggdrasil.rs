//! Yggdrasil's peering link (yggdrasil-go 0.4, `src/core/version.go`
//! `version_metadata`): each side of a link opens with its metadata,
//! the 4 bytes `meta`, the protocol's major and minor version (one byte
//! each; 0.4) and its 32-byte ed25519 public key, 38 bytes in all, before
//! any other traffic. The two sides' keys differ.

use flowsieve_sdk::prelude::*;

const META: &[u8] = b"meta";
const LEN: usize = 4 + 2 + 32;

pub(crate) fn lead() -> Lead {
    either(META)
}

/// The metadata at the start of `side`: its public key.
fn metadata(side: &Side) -> Option<&[u8]> {
    let p = &side.prefix;
    let ok =
        p.starts_with(META) && p.get(4..6)? == [0, 4] && side.first_payload_len as usize >= LEN;
    ok.then(|| p.get(6..LEN)).flatten()
}

pub(crate) fn matches(flow: &FlowView) -> bool {
    match (metadata(&flow.client), metadata(&flow.server)) {
        (Some(a), Some(b)) => a != b,
        (Some(_), None) => flow.server.prefix.is_empty(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::tcp;

    // yggdrasil.pcap (tests/tools/record/yggdrasil.sh): node a
    // 127.0.0.1:32772 -> node b :15901, each side's metadata.
    const A: &[u8] = b"meta\x00\x04\x98\xa7\x1c\x11\x55\x36\x3e\x46\x08\xce\xcb\x7f\x02\x7c\x4a\x98\x1b\x22\xb6\x72\x6d\xcf\xde\x49\xfa\x46\x05\x7f\x5f\xb6\x70\x36";
    const B: &[u8] = b"meta\x00\x04\xb2\x9d\xf9\x89\x59\xbe\x7d\xa0\xe7\x84\xdb\x9c\xa5\xb4\x51\xf3\x99\x47\x76\x63\x4f\x65\xec\x34\x6e\xeb\x3e\x36\x80\x3c\x96\x77";

    #[test]
    fn yggdrasil() {
        assert!(
            matches(&tcp(32772, 15901, A, B))
                && crate::offered(crate::YGGDRASIL, &tcp(32772, 15901, A, B))
        );
        assert!(
            matches(&tcp(32772, 15901, A, b""))
                && crate::offered(crate::YGGDRASIL, &tcp(32772, 15901, A, b""))
        );
    }

    #[test]
    fn not_yggdrasil() {
        // The same key both ways (a reflection); another version; cut short.
        assert!(!matches(&tcp(32772, 15901, A, A)));
        let mut v = A.to_vec();
        v[5] = 9;
        assert!(!matches(&tcp(32772, 15901, &v, b"")));
        assert!(!matches(&tcp(32772, 15901, &A[..20], b"")));
    }
}
