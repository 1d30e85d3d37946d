//! Log set-up: `tracing` events to stderr, as text or one JSON object per line.
//!
//! The level comes from `-v`/`-q`, unless `RUST_LOG` is set, which wins. Logging never stops a
//! run: if stderr is closed (a pipe into `head`, a log shipper that died), events are dropped.
//! While `weir run` shows its progress bar, each line is written above the bar
//! ([`write_above`]).

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use indicatif::{ProgressBar, WeakProgressBar};
use tracing_subscriber::EnvFilter;

use crate::cli::{GlobalArgs, LogFormat};

/// Whether log events are JSON lines, so errors are reported as JSON events too.
static JSON_LOGS: AtomicBool = AtomicBool::new(false);

/// Whether `--log-format json` is in effect.
pub(crate) fn is_json() -> bool {
    JSON_LOGS.load(Ordering::Relaxed)
}

/// Stderr that reports every write as done: a closed or full stderr loses log lines but
/// never fails (or panics) the run.
struct LossyStderr;

impl Write for LossyStderr {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let write = || {
            let _ignored = std::io::stderr().write_all(buf);
        };
        match shown_bar() {
            Some(bar) => bar.suspend(write),
            None => write(),
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let _ignored = std::io::stderr().flush();
        Ok(())
    }
}

/// The progress bar on stderr, if one is shown, with the id of the [`LogsAboveBar`] that put
/// it there. The subscriber writes each event in one call, so one line at a time goes above it.
static BAR: Mutex<Option<(u64, WeakProgressBar)>> = Mutex::new(None);

static NEXT_BAR_ID: AtomicU64 = AtomicU64::new(0);

/// Writes log lines above `bar` (it is cleared, the line written, the bar drawn again) until
/// the returned guard is dropped. A later call takes over; dropping an older guard then leaves
/// the newer bar in place.
pub(crate) fn write_above(bar: &ProgressBar) -> LogsAboveBar {
    let id = NEXT_BAR_ID.fetch_add(1, Ordering::Relaxed);
    *BAR.lock().unwrap_or_else(PoisonError::into_inner) = Some((id, bar.downgrade()));
    LogsAboveBar { id }
}

/// Log lines go above a progress bar while this lives; see [`write_above`].
#[derive(Debug)]
pub(crate) struct LogsAboveBar {
    id: u64,
}

impl Drop for LogsAboveBar {
    fn drop(&mut self) {
        let mut slot = BAR.lock().unwrap_or_else(PoisonError::into_inner);
        if slot.as_ref().is_some_and(|(id, _)| *id == self.id) {
            *slot = None;
        }
    }
}

/// The bar log lines go above now, if any (the slot's lock is released before writing).
fn shown_bar() -> Option<ProgressBar> {
    let slot = BAR.lock().unwrap_or_else(PoisonError::into_inner);
    slot.as_ref().and_then(|(_, bar)| bar.upgrade())
}

/// Installs the global subscriber; does nothing if one is already installed (tests).
pub(crate) fn install(args: &GlobalArgs) {
    let level = match (args.quiet, args.verbose) {
        (true, _) => "warn",
        (false, 0) => "info",
        (false, 1) => "debug",
        (false, _) => "trace",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level));

    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(|| LossyStderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false);
    JSON_LOGS.store(args.log_format == LogFormat::Json, Ordering::Relaxed);
    let _already_installed = match args.log_format {
        LogFormat::Text => builder.compact().try_init(),
        LogFormat::Json => builder.json().flatten_event(true).with_current_span(true).try_init(),
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether log lines go above `bar`: a message set on the slot's bar shows on `bar`.
    fn goes_above(bar: &ProgressBar) -> bool {
        let Some(current) = shown_bar() else { return false };
        current.set_message("probe");
        let same = bar.message() == "probe";
        current.set_message("");
        same
    }

    /// One test for the process-wide slot, so no other test races it.
    #[test]
    fn log_lines_go_above_the_newest_bar_until_its_guard_drops() {
        let first = ProgressBar::hidden();
        let second = ProgressBar::hidden();
        let older = write_above(&first);
        assert!(goes_above(&first));
        let newer = write_above(&second);
        assert!(goes_above(&second), "the newer bar takes over");
        drop(older);
        assert!(goes_above(&second), "an older guard leaves the newer bar in place");
        // Writing goes through the bar (a hidden one just runs the write) and never fails.
        assert_eq!(LossyStderr.write(b"").unwrap(), 0);
        drop(newer);
        assert!(shown_bar().is_none());

        let dropped_bar = write_above(&ProgressBar::hidden());
        assert!(shown_bar().is_none(), "the slot never keeps a bar alive");
        drop(dropped_bar);
    }
}
