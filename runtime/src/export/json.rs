//! JSON lines to standard output or a file: the default output.
//!
//! Written with our own buffer instead of a `BufWriter`, so that when the output fails (disk
//! full, the reader of a pipe gone) we know exactly which bytes the system took: a file is
//! then cut back to its last whole record, and the error says how many records it holds.

use std::fs::File;
use std::io::{self, Write};
use std::os::fd::AsFd;
use std::path::PathBuf;

use super::ExportError;

/// Bytes gathered before a write(2).
const BUFFER: usize = 1 << 16;

/// Where JSON lines go.
#[derive(Debug, Clone)]
pub enum JsonTarget {
    Stdout,
    File(PathBuf),
}

impl JsonTarget {
    /// `-` is standard output; anything else a file path.
    pub fn parse(s: &str) -> JsonTarget {
        if s == "-" {
            JsonTarget::Stdout
        } else {
            JsonTarget::File(PathBuf::from(s))
        }
    }

    pub fn describe(&self) -> String {
        match self {
            JsonTarget::Stdout => "standard output".into(),
            JsonTarget::File(p) => p.display().to_string(),
        }
    }

    pub fn open(&self) -> Result<JsonWriter, ExportError> {
        let (out, created) = match self {
            // A duplicate of descriptor 1, written directly: std's Stdout would buffer lines
            // and hide which bytes were taken.
            JsonTarget::Stdout => {
                let fd = io::stdout()
                    .as_fd()
                    .try_clone_to_owned()
                    .map_err(|source| ExportError::Write {
                        target: self.describe(),
                        source,
                    })?;
                (File::from(fd), false)
            }
            JsonTarget::File(p) => (
                File::create(p).map_err(|source| ExportError::Create {
                    path: p.clone(),
                    source,
                })?,
                true,
            ),
        };
        // Only a regular file we created (and so truncated) starts at offset 0: only then is
        // "bytes written" a file length to cut back to.
        let truncatable = created && out.metadata().map(|m| m.is_file()).unwrap_or(false);
        Ok(JsonWriter {
            out,
            truncatable,
            buf: Vec::with_capacity(BUFFER),
            written: 0,
            whole: 0,
            records: 0,
        })
    }
}

/// What reached the output when it failed.
#[derive(Debug)]
pub struct WriteFailure {
    pub source: io::Error,
    /// A partly written last record was removed from the file.
    pub cut: bool,
}

pub struct JsonWriter {
    out: File,
    truncatable: bool,
    /// Whole records not yet handed to the system.
    buf: Vec<u8>,
    /// Bytes the system took.
    written: u64,
    /// Bytes up to the end of the last whole record the system took.
    whole: u64,
    /// Whole records the system took.
    records: u64,
}

impl JsonWriter {
    /// Queues a chunk of whole records (each ends with a newline).
    pub fn write_chunk(&mut self, chunk: &[u8]) -> Result<(), WriteFailure> {
        self.buf.extend_from_slice(chunk);
        if self.buf.len() >= BUFFER {
            self.flush()
        } else {
            Ok(())
        }
    }

    /// Bytes of whole records written.
    pub fn bytes(&self) -> u64 {
        self.whole
    }

    pub fn records(&self) -> u64 {
        self.records
    }

    /// Hands every queued byte to the system.
    pub fn flush(&mut self) -> Result<(), WriteFailure> {
        let mut at = 0;
        while at < self.buf.len() {
            match self.out.write(&self.buf[at..]) {
                Ok(0) => return Err(self.failed(io::ErrorKind::WriteZero.into())),
                Ok(n) => {
                    let taken = &self.buf[at..at + n];
                    // memchr's vectorised search: a byte-at-a-time count over every record
                    // was a visible share of the exporter's time.
                    let lines = memchr::memchr_iter(b'\n', taken).count() as u64;
                    if let Some(last) = memchr::memrchr(b'\n', taken) {
                        self.whole = self.written + last as u64 + 1;
                    }
                    self.records += lines;
                    self.written += n as u64;
                    at += n;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(self.failed(e)),
            }
        }
        self.buf.clear();
        Ok(())
    }

    /// The output failed: nothing more is written; a file loses its cut last record, so what
    /// it holds is whole records only.
    fn failed(&mut self, source: io::Error) -> WriteFailure {
        self.buf.clear();
        let mut cut = false;
        if self.truncatable && self.written > self.whole {
            // Shortening a file frees space, so this works on a full disk too.
            match self.out.set_len(self.whole) {
                Ok(()) => cut = true,
                Err(e) => tracing::warn!(error = %e, "cannot remove the cut last record"),
            }
        }
        WriteFailure { source, cut }
    }
}
