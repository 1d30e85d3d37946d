//! Log set-up: `tracing` events to stderr, as text or one JSON object per line.
//!
//! The level comes from `-v`/`-q`, unless `RUST_LOG` is set, which wins. Logging never stops a
//! run: if stderr is closed (a pipe into `head`, a log shipper that died), events are dropped.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};

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
        let _ignored = std::io::stderr().write_all(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let _ignored = std::io::stderr().flush();
        Ok(())
    }
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
