//! The exporter thread: owns the sinks and writes the workers' record chunks.
//!
//! Channels are bounded, so a slow sink slows the workers (and then the capture) instead of
//! dropping records. A sink that fails (disk full, closed pipe) stops the run: the error is
//! reported and the capture thread is told to stop.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

use crossbeam_channel::{Receiver, Sender};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum ExportError {
    #[error("cannot create output file {path}: {source}")]
    Create { path: PathBuf, source: io::Error },
    #[error("writing records to {target} failed: {source}")]
    Write { target: String, source: io::Error },
}

/// Where JSON lines go.
#[derive(Debug, Clone)]
pub enum SinkSpec {
    Stdout,
    File(PathBuf),
}

impl SinkSpec {
    pub fn parse(s: &str) -> SinkSpec {
        if s == "-" {
            SinkSpec::Stdout
        } else {
            SinkSpec::File(PathBuf::from(s))
        }
    }

    fn describe(&self) -> String {
        match self {
            SinkSpec::Stdout => "standard output".into(),
            SinkSpec::File(p) => p.display().to_string(),
        }
    }

    fn open(&self) -> Result<Box<dyn Write + Send>, ExportError> {
        Ok(match self {
            SinkSpec::Stdout => Box::new(BufWriter::with_capacity(1 << 16, io::stdout())),
            SinkSpec::File(p) => Box::new(BufWriter::with_capacity(
                1 << 16,
                File::create(p).map_err(|source| ExportError::Create {
                    path: p.clone(),
                    source,
                })?,
            )),
        })
    }
}

#[derive(Debug, Default, Clone)]
pub struct ExportStats {
    pub bytes: u64,
    /// A closed pipe (e.g. `| head`) ends the run quietly, like other Unix tools.
    pub broken_pipe: bool,
}

/// Starts the exporter. It runs until every sender of `rx` is gone.
pub fn spawn(
    spec: SinkSpec,
    rx: Receiver<Vec<u8>>,
    recycle: Sender<Vec<u8>>,
    stop: Arc<AtomicBool>,
) -> Result<JoinHandle<Result<ExportStats, ExportError>>, ExportError> {
    let mut sink = spec.open()?;
    let target = spec.describe();
    let handle = std::thread::Builder::new()
        .name("exporter".into())
        .spawn(move || {
            let mut stats = ExportStats::default();
            let mut failed: Option<io::Error> = None;
            for mut chunk in rx {
                if failed.is_none() {
                    match sink.write_all(&chunk) {
                        Ok(()) => stats.bytes += chunk.len() as u64,
                        Err(e) => {
                            stop.store(true, Ordering::Relaxed);
                            failed = Some(e);
                        }
                    }
                }
                chunk.clear();
                // Workers may have finished; then the buffer is simply freed.
                let _ = recycle.try_send(chunk);
            }
            if failed.is_none() {
                if let Err(e) = sink.flush() {
                    failed = Some(e);
                }
            }
            match failed {
                Some(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                    stats.broken_pipe = true;
                    Ok(stats)
                }
                Some(source) => Err(ExportError::Write { target, source }),
                None => Ok(stats),
            }
        })
        .map_err(|source| ExportError::Write {
            target: "exporter thread".into(),
            source,
        })?;
    Ok(handle)
}
