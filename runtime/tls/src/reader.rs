//! A tiny bounds-checked big-endian reader. Every read returns `None` instead
//! of panicking when the input is short, so hostile lengths cannot cause an
//! out-of-bounds access.

#[derive(Debug, Clone, Copy)]
pub(crate) struct Reader<'a> {
    data: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn new(data: &'a [u8]) -> Self {
        Self { data }
    }

    pub(crate) fn remaining(&self) -> usize {
        self.data.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    pub(crate) fn bytes(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.data.len() {
            return None;
        }
        let (head, tail) = self.data.split_at(n);
        self.data = tail;
        Some(head)
    }

    pub(crate) fn u8(&mut self) -> Option<u8> {
        self.bytes(1).map(|b| b[0])
    }

    pub(crate) fn u16(&mut self) -> Option<u16> {
        self.bytes(2).map(|b| u16::from_be_bytes([b[0], b[1]]))
    }

    pub(crate) fn u24(&mut self) -> Option<u32> {
        self.bytes(3)
            .map(|b| u32::from_be_bytes([0, b[0], b[1], b[2]]))
    }

    pub(crate) fn u32(&mut self) -> Option<u32> {
        self.bytes(4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// A vector with a one-byte length prefix.
    pub(crate) fn vec8(&mut self) -> Option<&'a [u8]> {
        let n = self.u8()? as usize;
        self.bytes(n)
    }

    /// A vector with a two-byte length prefix.
    pub(crate) fn vec16(&mut self) -> Option<&'a [u8]> {
        let n = self.u16()? as usize;
        self.bytes(n)
    }

    /// A vector with a three-byte length prefix.
    pub(crate) fn vec24(&mut self) -> Option<&'a [u8]> {
        let n = self.u24()? as usize;
        self.bytes(n)
    }

    /// A vector with a QUIC varint length prefix.
    pub(crate) fn vec_varint(&mut self) -> Option<&'a [u8]> {
        let n = usize::try_from(self.varint()?).ok()?;
        self.bytes(n)
    }

    /// QUIC variable-length integer (RFC 9000 §16).
    pub(crate) fn varint(&mut self) -> Option<u64> {
        let first = self.u8()?;
        let extra = (1usize << (first >> 6)) - 1;
        let mut value = u64::from(first & 0x3f);
        for &b in self.bytes(extra)? {
            value = (value << 8) | u64::from(b);
        }
        Some(value)
    }
}

/// Iterate over a list of big-endian u16 values (odd trailing byte ignored).
pub(crate) fn u16_list(data: &[u8]) -> impl Iterator<Item = u16> + '_ {
    data.chunks_exact(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_reads_fail_cleanly() {
        let mut r = Reader::new(&[0x00, 0x05, 1, 2]);
        assert_eq!(r.vec16(), None);
        let mut r = Reader::new(&[0x01]);
        assert_eq!(r.u16(), None);
        assert_eq!(r.u8(), Some(1));
        assert_eq!(r.u8(), None);
    }

    #[test]
    fn varints() {
        // RFC 9000 appendix A.1 examples.
        let mut r = Reader::new(&[0xc2, 0x19, 0x7c, 0x5e, 0xff, 0x14, 0xe8, 0x8c]);
        assert_eq!(r.varint(), Some(151_288_809_941_952_652));
        let mut r = Reader::new(&[0x9d, 0x7f, 0x3e, 0x7d]);
        assert_eq!(r.varint(), Some(494_878_333));
        let mut r = Reader::new(&[0x7b, 0xbd]);
        assert_eq!(r.varint(), Some(15_293));
        let mut r = Reader::new(&[0x25]);
        assert_eq!(r.varint(), Some(37));
        let mut r = Reader::new(&[0x7b]);
        assert_eq!(r.varint(), None);
    }
}
