//! Hands a command to the project's own binary: `weir run ...` inside a project becomes
//! `cargo run --quiet --manifest-path <project>/Cargo.toml -- run ...`, with weir's exit code
//! taken from the child.
//!
//! Signals: Ctrl-C reaches the child from the terminal (it is in the same process group), so
//! weir does not pass SIGINT on; it only ignores it, to stay alive until the child has stopped
//! and report the child's exit code (130 after an interrupted run).
//!
//! The child gets `WEIR_COMMAND_NAME=weir`, so its hints and usage lines name `weir`, not the
//! project's binary. A SIGTERM sent to weir
//! alone is passed on to the child, by its PID, with the `kill` utility.
//!
//! # Limitations
//!
//! - On Windows, SIGTERM is not passed on; Ctrl-C still reaches the child through the console.
//! - Cargo's build output is hidden (`--quiet`) but its errors are shown; a compile error ends
//!   with Cargo's exit code (101). Before the first build (no debug binary in the target
//!   folder yet) one line says that it will take minutes.

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

    if !binary_exists(root) {
        let name = package_name(root).unwrap_or_else(|| "the project".to_owned());
        report::write_stderr(&format!(
            "building {name} (the first build compiles Polars and takes several minutes)…\n"
        ));
    }
    let spawned = std::process::Command::new(&cargo)
        // The project's hints and usage lines name `weir`, the command the user typed.
        .env("WEIR_COMMAND_NAME", "weir")
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

/// The package name in `root/Cargo.toml`, if it can be read.
fn package_name(root: &Path) -> Option<String> {
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).ok()?;
    manifest.lines().skip_while(|line| line.trim() != "[package]").find_map(|line| {
        let (key, value) = line.split_once('=')?;
        (key.trim() == "name").then(|| value.trim().trim_matches('"').to_owned())
    })
}

/// Whether the project's debug binary is already built, in `CARGO_TARGET_DIR` (relative to
/// the current folder, as Cargo reads it) or `<project>/target`. A target folder set in a
/// Cargo configuration file is not looked at: the cost is one needless line before a build.
fn binary_exists(root: &Path) -> bool {
    let Some(name) = package_name(root) else { return true };
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .filter(|dir| !dir.is_empty())
        .map_or_else(|| root.join("target"), std::path::PathBuf::from);
    target.join("debug").join(format!("{name}{}", std::env::consts::EXE_SUFFIX)).is_file()
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
