//! Helpers for tests that run the daemon as a child process (live capture, hot reload).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Capturing on an interface needs root; the live tests say so and do nothing otherwise.
pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// The daemon's stderr, line by line, as it comes.
#[derive(Clone, Default)]
pub struct Log(Arc<Mutex<Vec<String>>>);

impl Log {
    pub fn follow(child: &mut Child) -> Log {
        let log = Log::default();
        let lines = log.0.clone();
        let stderr = child.stderr.take().expect("stderr piped");
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                lines.lock().expect("log lock").push(line);
            }
        });
        log
    }

    pub fn text(&self) -> String {
        self.0.lock().expect("log lock").join("\n")
    }

    /// Waits up to `secs` for a line after the first `from` lines that contains every one of
    /// `parts`; returns the number of lines up to and including it (the `from` of the next
    /// wait). Panics with the whole log past the deadline.
    pub fn wait_for(&self, from: usize, parts: &[&str], what: &str, secs: u64) -> usize {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            {
                let lines = self.0.lock().expect("log lock");
                if let Some(i) = lines
                    .iter()
                    .enumerate()
                    .skip(from)
                    .find(|(_, l)| parts.iter().all(|p| l.contains(p)))
                    .map(|(i, _)| i)
                {
                    return i + 1;
                }
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what} ({parts:?}); daemon log:\n{}",
                self.text()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}
