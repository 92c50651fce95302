//! JSON lines to standard output or a file: the default output.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

use super::ExportError;

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

    pub fn open(&self) -> Result<Box<dyn Write + Send>, ExportError> {
        Ok(match self {
            JsonTarget::Stdout => Box::new(BufWriter::with_capacity(1 << 16, io::stdout())),
            JsonTarget::File(p) => Box::new(BufWriter::with_capacity(
                1 << 16,
                File::create(p).map_err(|source| ExportError::Create {
                    path: p.clone(),
                    source,
                })?,
            )),
        })
    }
}
