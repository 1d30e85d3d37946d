//! The weir command line, as a library: a project's `main` calls [`main`] with its pipelines and
//! gets `run`, `catalog` and `pipeline` commands for free.
//!
//! ```no_run
//! use weir_core::pipeline::PipelineRegistry;
//!
//! fn main() -> std::process::ExitCode {
//!     weir_cli::main(PipelineRegistry::new().with_default_of_all())
//! }
//! ```
//!
//! This crate is the only part of weir that prints, installs a log subscriber or chooses exit
//! codes: 0 for success, 1 when a node fails during a run, 2 for bad usage, configuration,
//! catalog or pipeline definitions.

mod cli;
mod commands;
mod logging;
mod progress;
mod recording;
mod report;
mod run_config;
mod standalone;

use std::process::ExitCode;

use clap::{CommandFactory, Parser};
use weir_core::project::ProjectDefinition;

pub use report::{EXIT_NODE_FAILED, EXIT_USAGE};
pub use standalone::standalone_main;

/// Kedro spells `--load-versions` `-lv`, a two-letter short flag that clap cannot declare:
/// rewrite it before parsing.
fn kedro_short_flags<T: Into<std::ffi::OsString>>(arg: T) -> std::ffi::OsString {
    let arg = arg.into();
    match arg.to_str() {
        Some("-lv") => "--load-versions".into(),
        Some(text) if text.starts_with("-lv=") => format!("--load-versions={}", &text[4..]).into(),
        _ => arg,
    }
}

/// Parses the process's arguments and runs the command against `project`.
pub fn main(project: impl Into<ProjectDefinition>) -> ExitCode {
    run_with_args(project, std::env::args_os())
}

/// Like [`main`], with explicit arguments (the first one is the program name).
pub fn run_with_args<I, T>(project: impl Into<ProjectDefinition>, args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let mut args: Vec<std::ffi::OsString> = args.into_iter().map(kedro_short_flags).collect();
    // Forwarded by the standalone `weir` (which sets WEIR_COMMAND_NAME=weir): usage lines then
    // name `weir`, the command the user typed, not the project's binary.
    if let (Some(program), Some(name)) =
        (args.first_mut(), std::env::var_os("WEIR_COMMAND_NAME").filter(|n| !n.is_empty()))
    {
        *program = name;
    }
    let args = match run_config::apply(&cli::Cli::command(), args) {
        Ok(args) => args,
        Err(message) => {
            report::write_stderr(&format!("error: {message}\n"));
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let cli = match cli::Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(error) => return report::clap_error(&error),
    };
    logging::install(&cli.global);
    report::install_panic_hook();
    commands::dispatch(project.into(), cli)
}
