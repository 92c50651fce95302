//! The on-disk spool of one sink: a bounded FIFO of record batches, kept in segment files.
//!
//! Layout of a spool directory:
//! - `NNNNNNNNNNNNNNNNNNNN.seg`: segments, replayed in name order. Each entry is
//!   `[len u32 LE][crc32 u32 LE][records u32 LE][len bytes of JSON lines]`.
//! - `head`: `SEGMENT OFFSET`, the first entry not yet delivered, rewritten (write + rename)
//!   after each delivered batch. A crash between a delivery and that rewrite replays one batch:
//!   delivery through the spool is at-least-once.
//!
//! Reads are streamed: one entry at a time from the head, never a whole segment. A torn entry
//! at the end of the last segment (a crash mid-append) is cut off and reported on open.
//! Segment numbers start in the middle of the u64 range so that batches that were still in
//! memory at shutdown can be put *before* the spooled ones (`prepend`), keeping the order.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::sink::Batch;

const HEADER: usize = 12;
/// First segment number of an empty spool.
const FIRST_SEGMENT: u64 = 1 << 40;
/// An entry larger than this is taken as corruption (a batch is far smaller).
const MAX_ENTRY: u32 = 1 << 30;

pub struct Spool {
    dir: PathBuf,
    max_bytes: u64,
    segment_bytes: u64,
    /// Segment numbers on disk, ascending.
    segments: Vec<u64>,
    head: (u64, u64),
    /// Bytes of all segment files (consumed prefixes included, until a segment is deleted).
    disk_bytes: u64,
    /// Entries and records after the head.
    entries: u64,
    records: u64,
    writer: Option<(u64, File, u64)>,
    reader: Option<(u64, BufReader<File>, u64)>,
}

/// What `open` found from an earlier run.
#[derive(Debug, Default, Clone, Copy)]
pub struct Recovered {
    pub records: u64,
    pub batches: u64,
    /// Bytes cut off a torn last entry.
    pub torn_bytes: u64,
}

impl Spool {
    /// Opens (creating it if needed) the spool in `dir`, holding at most `max_bytes` on disk.
    pub fn open(dir: &Path, max_bytes: u64) -> io::Result<(Spool, Recovered)> {
        fs::create_dir_all(dir)?;
        let mut segments = Vec::new();
        for e in fs::read_dir(dir)? {
            let name = e?.file_name();
            let name = name.to_string_lossy();
            if let Some(n) = name
                .strip_suffix(".seg")
                .and_then(|n| n.parse::<u64>().ok())
            {
                segments.push(n);
            }
        }
        segments.sort_unstable();
        let head = read_head(dir).unwrap_or((segments.first().copied().unwrap_or(0), 0));
        // Segments before the head segment were fully delivered.
        segments.retain(|&s| {
            if s < head.0 {
                let _ = fs::remove_file(seg_path(dir, s));
                false
            } else {
                true
            }
        });
        let mut spool = Spool {
            dir: dir.to_path_buf(),
            max_bytes,
            segment_bytes: (max_bytes / 8).clamp(64 << 10, 64 << 20),
            head: if segments.first() == Some(&head.0) {
                head
            } else {
                (segments.first().copied().unwrap_or(FIRST_SEGMENT), 0)
            },
            segments,
            disk_bytes: 0,
            entries: 0,
            records: 0,
            writer: None,
            reader: None,
        };
        let mut rec = Recovered::default();
        // Walk every entry once (headers only) to count and to find a torn tail.
        let segs = spool.segments.clone();
        for (i, &s) in segs.iter().enumerate() {
            let path = seg_path(dir, s);
            let len = fs::metadata(&path)?.len();
            let start = if s == spool.head.0 { spool.head.1 } else { 0 };
            let mut r = BufReader::new(File::open(&path)?);
            r.seek(SeekFrom::Start(start))?;
            let mut pos = start;
            let mut buf = Vec::new();
            while pos < len {
                match read_entry(&mut r, &mut buf)? {
                    Some(records) => {
                        pos += (HEADER + buf.len()) as u64;
                        spool.entries += 1;
                        spool.records += records as u64;
                    }
                    None => break,
                }
            }
            if pos < len {
                // Only the last segment can be torn by a crash; anything else is damage too,
                // and is cut the same way (reported by the caller).
                rec.torn_bytes += len - pos;
                OpenOptions::new().write(true).open(&path)?.set_len(pos)?;
                if i + 1 < segs.len() {
                    tracing::warn!(segment = %path.display(), "damaged spool segment cut short");
                }
            }
            spool.disk_bytes += pos.max(start);
        }
        rec.records = spool.records;
        rec.batches = spool.entries;
        if spool.entries == 0 {
            spool.reset()?;
        }
        Ok((spool, rec))
    }

    pub fn is_empty(&self) -> bool {
        self.entries == 0
    }

    pub fn records(&self) -> u64 {
        self.records
    }

    pub fn batches(&self) -> u64 {
        self.entries
    }

    pub fn disk_bytes(&self) -> u64 {
        self.disk_bytes
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Whether `batch` fits under the size bound.
    pub fn fits(&self, batch: &Batch) -> bool {
        self.disk_bytes + (HEADER + batch.lines.len()) as u64 <= self.max_bytes
    }

    /// Appends a batch at the tail (the caller checked `fits`, or chose to exceed the bound).
    pub fn push(&mut self, batch: &Batch) -> io::Result<()> {
        let need_new = match &self.writer {
            None => true,
            Some((_, _, size)) => *size >= self.segment_bytes,
        };
        if need_new {
            let n = self.segments.last().map_or(FIRST_SEGMENT, |&s| s + 1);
            let n = if self.writer.is_none() && self.segments.last().is_some() {
                // Reopen the last segment after `open` (append to it) unless it is full.
                let last = *self.segments.last().unwrap_or(&n);
                let size = fs::metadata(seg_path(&self.dir, last))?.len();
                if size < self.segment_bytes {
                    last
                } else {
                    n
                }
            } else {
                n
            };
            let f = OpenOptions::new()
                .create(true)
                .append(true)
                .open(seg_path(&self.dir, n))?;
            let size = f.metadata()?.len();
            if self.segments.last() != Some(&n) {
                self.segments.push(n);
            }
            self.writer = Some((n, f, size));
        }
        let Some((_, f, size)) = self.writer.as_mut() else {
            return Err(io::Error::other("spool writer missing"));
        };
        let entry = encode(batch);
        f.write_all(&entry)?;
        *size += entry.len() as u64;
        self.disk_bytes += entry.len() as u64;
        self.entries += 1;
        self.records += batch.records as u64;
        Ok(())
    }

    /// Puts `batches` (oldest first) before everything already spooled: used at shutdown for
    /// the batches still in memory, which are older than the spooled ones.
    pub fn prepend(&mut self, batches: &[Batch]) -> io::Result<()> {
        if batches.is_empty() {
            return Ok(());
        }
        if self.is_empty() {
            for b in batches {
                self.push(b)?;
            }
            return Ok(());
        }
        let n = self.segments.first().map_or(FIRST_SEGMENT, |&s| s) - 1;
        // Entries of the head segment before the head were delivered: start a fresh segment
        // for the prepended batches and point the head at it.
        let mut f = File::create(seg_path(&self.dir, n))?;
        let mut size = 0;
        for b in batches {
            let e = encode(b);
            f.write_all(&e)?;
            size += e.len() as u64;
            self.entries += 1;
            self.records += b.records as u64;
        }
        self.disk_bytes += size;
        self.segments.insert(0, n);
        self.head = (n, 0);
        self.reader = None;
        write_head(&self.dir, self.head)
    }

    /// Reads the oldest batch without removing it.
    pub fn peek(&mut self) -> io::Result<Option<Batch>> {
        if self.entries == 0 {
            return Ok(None);
        }
        loop {
            let (seg, off) = self.head;
            let fresh = !matches!(&self.reader, Some((s, _, o)) if *s == seg && *o == off);
            if fresh {
                let mut r = BufReader::new(File::open(seg_path(&self.dir, seg))?);
                r.seek(SeekFrom::Start(off))?;
                self.reader = Some((seg, r, off));
            }
            let Some((_, r, _)) = self.reader.as_mut() else {
                return Err(io::Error::other("spool reader missing"));
            };
            let mut lines = Vec::new();
            match read_entry(r, &mut lines)? {
                Some(records) => {
                    // Rewind so that the next peek (a retry) reads the same entry.
                    r.seek_relative(-((HEADER + lines.len()) as i64))?;
                    return Ok(Some(Batch { lines, records }));
                }
                None => {
                    // End of this segment: move to the next one.
                    let Some(next) = self.segments.iter().copied().find(|&s| s > seg) else {
                        return Err(io::Error::other(format!(
                            "spool says {} batches remain but the segments end",
                            self.entries
                        )));
                    };
                    self.drop_segment(seg);
                    self.head = (next, 0);
                    self.reader = None;
                }
            }
        }
    }

    /// Removes the batch `peek` returned (it was delivered).
    pub fn pop(&mut self, batch: &Batch) -> io::Result<()> {
        let len = (HEADER + batch.lines.len()) as u64;
        self.head.1 += len;
        if let Some((_, r, off)) = self.reader.as_mut() {
            r.seek_relative(len as i64)?;
            *off += len;
        }
        self.entries = self.entries.saturating_sub(1);
        self.records = self.records.saturating_sub(batch.records as u64);
        if self.entries == 0 {
            return self.reset();
        }
        write_head(&self.dir, self.head)
    }

    fn drop_segment(&mut self, seg: u64) {
        if let Ok(m) = fs::metadata(seg_path(&self.dir, seg)) {
            self.disk_bytes = self.disk_bytes.saturating_sub(m.len());
        }
        let _ = fs::remove_file(seg_path(&self.dir, seg));
        self.segments.retain(|&s| s != seg);
        if matches!(&self.writer, Some((s, _, _)) if *s == seg) {
            self.writer = None;
        }
    }

    /// Empty: delete every segment and start over.
    fn reset(&mut self) -> io::Result<()> {
        self.writer = None;
        self.reader = None;
        for s in std::mem::take(&mut self.segments) {
            let _ = fs::remove_file(seg_path(&self.dir, s));
        }
        self.disk_bytes = 0;
        self.entries = 0;
        self.records = 0;
        self.head = (FIRST_SEGMENT, 0);
        let _ = fs::remove_file(self.dir.join("head"));
        Ok(())
    }
}

fn seg_path(dir: &Path, n: u64) -> PathBuf {
    dir.join(format!("{n:020}.seg"))
}

fn encode(b: &Batch) -> Vec<u8> {
    let mut e = Vec::with_capacity(HEADER + b.lines.len());
    e.extend_from_slice(&(b.lines.len() as u32).to_le_bytes());
    e.extend_from_slice(&crc32fast::hash(&b.lines).to_le_bytes());
    e.extend_from_slice(&b.records.to_le_bytes());
    e.extend_from_slice(&b.lines);
    e
}

/// Reads one entry into `buf`; `None` at a clean end, a short entry, or a bad checksum.
fn read_entry(r: &mut impl Read, buf: &mut Vec<u8>) -> io::Result<Option<u32>> {
    let mut h = [0u8; HEADER];
    match r.read_exact(&mut h) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let word = |i: usize| u32::from_le_bytes([h[i], h[i + 1], h[i + 2], h[i + 3]]);
    let (len, crc, records) = (word(0), word(4), word(8));
    if len > MAX_ENTRY {
        return Ok(None);
    }
    buf.clear();
    buf.resize(len as usize, 0);
    match r.read_exact(buf) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    if crc32fast::hash(buf) != crc {
        return Ok(None);
    }
    Ok(Some(records))
}

fn read_head(dir: &Path) -> Option<(u64, u64)> {
    let s = fs::read_to_string(dir.join("head")).ok()?;
    let mut it = s.split_whitespace();
    Some((it.next()?.parse().ok()?, it.next()?.parse().ok()?))
}

fn write_head(dir: &Path, head: (u64, u64)) -> io::Result<()> {
    let tmp = dir.join("head.tmp");
    fs::write(&tmp, format!("{} {}\n", head.0, head.1))?;
    fs::rename(tmp, dir.join("head"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(i: u32) -> Batch {
        let lines = format!("{{\"n\":{i}}}\n{{\"n\":{i}}}\n").into_bytes();
        Batch { lines, records: 2 }
    }

    fn drain(s: &mut Spool) -> Vec<Batch> {
        let mut v = Vec::new();
        while let Some(b) = s.peek().unwrap() {
            s.pop(&b).unwrap();
            v.push(b);
        }
        v
    }

    #[test]
    fn fifo_across_segments_and_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let (mut s, rec) = Spool::open(dir.path(), 1 << 20).unwrap();
        assert_eq!(rec.batches, 0);
        s.segment_bytes = 100; // force many segments
        for i in 0..50 {
            assert!(s.fits(&batch(i)));
            s.push(&batch(i)).unwrap();
        }
        // Deliver 10, then "crash" and reopen: 40 remain, in order.
        for i in 0..10 {
            let b = s.peek().unwrap().unwrap();
            assert_eq!(b.lines, batch(i).lines);
            // A retry peeks the same entry.
            assert_eq!(s.peek().unwrap().unwrap().lines, b.lines);
            s.pop(&b).unwrap();
        }
        drop(s);
        let (mut s, rec) = Spool::open(dir.path(), 1 << 20).unwrap();
        assert_eq!((rec.batches, rec.records), (40, 80));
        s.push(&batch(50)).unwrap();
        let got = drain(&mut s);
        assert_eq!(got.len(), 41);
        for (k, b) in got.iter().enumerate() {
            assert_eq!(b.lines, batch(k as u32 + 10).lines);
        }
        assert!(s.is_empty());
        assert_eq!(s.disk_bytes(), 0);
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn bound_and_prepend_and_torn_tail() {
        let dir = tempfile::tempdir().unwrap();
        let one = (HEADER + batch(10).lines.len()) as u64;
        let (mut s, _) = Spool::open(dir.path(), one * 3).unwrap();
        for i in 10..13 {
            assert!(s.fits(&batch(i)));
            s.push(&batch(i)).unwrap();
        }
        assert!(!s.fits(&batch(13)));
        s.prepend(&[batch(1), batch(2)]).unwrap();
        drop(s);
        // A torn append: half an entry at the end of the last segment.
        let last = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "seg"))
            .max()
            .unwrap();
        let mut f = OpenOptions::new().append(true).open(&last).unwrap();
        f.write_all(&encode(&batch(99))[..7]).unwrap();
        let (mut s, rec) = Spool::open(dir.path(), one * 10).unwrap();
        assert_eq!(rec.torn_bytes, 7);
        assert_eq!(rec.batches, 5);
        let got: Vec<_> = drain(&mut s).into_iter().map(|b| b.lines).collect();
        let want: Vec<_> = [1, 2, 10, 11, 12].iter().map(|&i| batch(i).lines).collect();
        assert_eq!(got, want);
    }
}
