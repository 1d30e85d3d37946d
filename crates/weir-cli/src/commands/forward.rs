//! Hands a command to the project's own binary: `weir run ...` inside a project becomes
//! `cargo run --quiet --manifest-path <project>/Cargo.toml -- run ...`, with weir's exit code
//! taken from the child.
//!
//! Signals: Ctrl-C reaches the child from the terminal (it is in the same process group), so
//! weir does not pass SIGINT on; it only ignores it, to stay alive until the child has stopped
//! and report the child's exit code (130 after an interrupted run). A SIGTERM sent to weir
//! alone is passed on to the child, by its PID, with the `kill` utility.
//!
//! # Limitations
//!
//! - On Windows, SIGTERM is not passed on; Ctrl-C still reaches the child through the console.
//! - Cargo's build output is hidden (`--quiet`) but its errors are shown; a compile error ends
//!   with Cargo's exit code (101).

use std::ffi::OsString;
use std::path::Path;
use std::process::{Child, ExitCode};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::report::{self, EXIT_USAGE};

/// Runs `args` (without the program name) in the project at `root` and returns its exit code.
pub(crate) fn forward(root: &Path, args: &[OsString]) -> ExitCode {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"));
    let interrupted = Arc::new(AtomicBool::new(false));
    let terminated = Arc::new(AtomicBool::new(false));
    // Registering a handler replaces the default action (exit), so weir outlives its child.
    let _ignored = signal_hook::flag::register(signal_hook::consts::SIGINT, interrupted);
    let _ignored = signal_hook::flag::register(signal_hook::consts::SIGTERM, terminated.clone());

    let spawned = std::process::Command::new(&cargo)
        .arg("run")
        .arg("--quiet")
        .arg("--manifest-path")
        .arg(root.join("Cargo.toml"))
        .arg("--")
        .args(args)
        .spawn();
    let child = match spawned {
        Ok(child) => child,
        Err(error) => {
            report::print_message(
                &format!("cannot start `{}`: {error}", cargo.to_string_lossy()),
                &["weir builds the project's binary with Cargo: install Rust from https://rustup.rs"
                    .to_owned()],
            );
            return ExitCode::from(EXIT_USAGE);
        }
    };
    wait(child, &terminated)
}

/// Waits for the child, passing a SIGTERM on once.
fn wait(mut child: Child, terminated: &AtomicBool) -> ExitCode {
    let mut passed_on = false;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return exit_code(status),
            Ok(None) => {}
            Err(error) => {
                report::print_message(
                    &format!("cannot wait for the project's binary: {error}"),
                    &[],
                );
                return ExitCode::FAILURE;
            }
        }
        if terminated.load(Ordering::Relaxed) && !passed_on {
            passed_on = true;
            pass_sigterm(child.id());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[cfg(unix)]
fn pass_sigterm(pid: u32) {
    let _ignored = std::process::Command::new("kill").arg("-TERM").arg(pid.to_string()).status();
}

#[cfg(not(unix))]
fn pass_sigterm(_pid: u32) {}

/// The child's exit code; a child ended by a signal gives 128 + the signal, as shells do.
fn exit_code(status: std::process::ExitStatus) -> ExitCode {
    if let Some(code) = status.code() {
        return ExitCode::from(u8::try_from(code).unwrap_or(1));
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt as _;
        if let Some(signal) = status.signal() {
            return ExitCode::from(u8::try_from(128 + signal).unwrap_or(1));
        }
    }
    ExitCode::FAILURE
}
