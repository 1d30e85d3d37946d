//! How errors reach the user: one `error:` line, its causes, then a `hint:` line, and the exit
//! code that classifies the failure.

use std::process::ExitCode;

use weir_core::error::Hinted;

/// Exit code when a node fails during a run.
pub const EXIT_NODE_FAILED: u8 = 1;

/// Exit code for bad usage, configuration, catalog or pipeline definitions.
pub const EXIT_USAGE: u8 = 2;

/// Exit code: the run was stopped by Ctrl-C or SIGTERM (128 + SIGINT, as shells report it).
pub(crate) const EXIT_INTERRUPTED: u8 = 130;

/// Prints `error`, its causes and its hint to stderr (as one JSON event under
/// `--log-format json`).
pub(crate) fn print_error(error: &(dyn std::error::Error + 'static), hint: Option<String>) {
    let mut causes = Vec::new();
    let mut source = error.source();
    while let Some(cause) = source {
        causes.push(cause.to_string());
        source = cause.source();
    }

    if crate::logging::is_json() {
        tracing::error!(causes = ?causes, hint = hint.as_deref(), "{error}");
        return;
    }
    let mut text = format!("error: {error}\n");
    for cause in causes {
        text.push_str(&format!("  caused by: {cause}\n"));
    }
    if let Some(hint) = hint {
        text.push_str(&format!("hint: {hint}\n"));
    }
    write_stderr(&text);
}

/// Prints a message and its hint (for errors that have no error type), as text or JSON.
pub(crate) fn print_message(message: &str, hints: &[String]) {
    if crate::logging::is_json() {
        tracing::error!(hints = ?hints, "{message}");
        return;
    }
    let mut text = format!("error: {message}\n");
    for hint in hints {
        text.push_str(&format!("hint: {hint}\n"));
    }
    write_stderr(&text);
}

/// Prints a hinted error and returns `code`.
pub(crate) fn fail<E: std::error::Error + Hinted + 'static>(error: &E, code: u8) -> ExitCode {
    print_error(error, error.hint());
    ExitCode::from(code)
}

/// Writes to stderr, ignoring a closed pipe.
pub(crate) fn write_stderr(text: &str) {
    use std::io::Write;
    let _ignored = std::io::stderr().lock().write_all(text.as_bytes());
}

/// Prints clap's own message (help, version, usage errors) with clap's exit code.
pub(crate) fn clap_error(error: &clap::Error) -> ExitCode {
    let _ignored = error.print();
    if error.use_stderr() { ExitCode::from(EXIT_USAGE) } else { ExitCode::SUCCESS }
}

/// Panics inside a node are reported by the runner as node failures, so the default hook's
/// backtrace note is noise there. Any other panic is a bug in weir and says so.
pub(crate) fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        if weir_core::runner::is_running_node() {
            return;
        }
        let location = info.location().map(|l| format!(" at {l}")).unwrap_or_default();
        let message = info.payload_as_str().unwrap_or("unknown panic payload");
        write_stderr(&format!(
            "error: internal error in weir{location}: {message}\nhint: this is a bug in weir; please report it with the command you ran\n"
        ));
    }));
}
