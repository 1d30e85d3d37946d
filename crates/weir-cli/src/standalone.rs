//! The standalone `weir` command (`src/bin/weir.rs`): what needs no project code, and a
//! forwarder for everything else.
//!
//! - Handled here: `new`, `pipeline create`, `pipeline delete`, `info`, `completions`, and help
//!   and version.
//! - Inside a Cargo project (a folder with `conf/base` and `Cargo.toml`, found from here up or
//!   given with `--project-dir`): any other command is handed to the project's own binary
//!   through `cargo run` (see `commands::forward`), so `weir run` works as in Kedro.
//! - In a folder with only `conf/base` (configuration without code), the command runs here with
//!   no pipelines, so `weir catalog list` still works.
//! - Elsewhere, the command says how to create or find a project.
//!
//! Arguments of forwarded commands are not parsed here: the project's binary may be built
//! against another weir version, and its parser has the last word.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{ArgMatches, Command, CommandFactory, FromArgMatches, Subcommand};
use weir_core::pipeline::PipelineRegistry;
use weir_core::project::find_project_root;

use crate::commands::{forward, info, new, scaffold};
use crate::report::{self, EXIT_USAGE};

// Commands only the standalone binary has. (A `//` comment: a doc comment on a derived
// `Subcommand` would become the `about` of the command it is added to.)
#[derive(Debug, Subcommand)]
pub(crate) enum StandaloneCommand {
    /// Create a new project from a starter
    New(new::NewArgs),
    /// Show weir's version, the toolchain, the project found and the environment
    Info,
    /// Print a shell completion script (e.g. `weir completions bash > ~/.local/share/bash-completion/completions/weir`)
    Completions {
        /// The shell to complete for
        shell: clap_complete::Shell,
    },
}

// `weir pipeline create|delete`, added beside the project binary's `list` and `describe`.
#[derive(Debug, Subcommand)]
pub(crate) enum PipelineScaffoldCommand {
    /// Add a pipeline: a module in `src/pipelines/`, its parameters file and a test
    Create(PipelineNameArgs),
    /// Remove a pipeline made by `weir pipeline create` (asks first)
    Delete(PipelineDeleteArgs),
}

/// The pipeline to delete.
#[derive(Debug, clap::Args)]
pub(crate) struct PipelineDeleteArgs {
    /// The pipeline's name
    pub(crate) name: String,

    /// Delete without asking (required when stdin is not a terminal)
    #[arg(short = 'y', long)]
    pub(crate) yes: bool,
}

/// The pipeline to create or delete.
#[derive(Debug, clap::Args)]
pub(crate) struct PipelineNameArgs {
    /// The pipeline's name (a lowercase Rust identifier, e.g. `data_processing`)
    pub(crate) name: String,
}

/// The whole grammar of the standalone binary: the project binary's commands plus its own.
pub(crate) fn command() -> Command {
    let command = StandaloneCommand::augment_subcommands(crate::cli::Cli::command());
    command
        .mut_subcommand("pipeline", |pipeline| {
            PipelineScaffoldCommand::augment_subcommands(pipeline)
                .about("List, describe, create and delete the project's pipelines")
        })
        .about("Create weir projects, and run their commands")
        .long_about(
            "Create weir projects, and run their commands.\n\nInside a project (a folder \
             holding `conf/base` and `Cargo.toml`, or the one given with --project-dir), \
             `weir <command>` builds the project's binary with Cargo and runs the command \
             there; `new`, `pipeline create`, `pipeline delete`, `info` and `completions` run \
             here.",
        )
}

/// Entry point of `src/bin/weir.rs`.
pub fn standalone_main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().collect();
    let positionals = positionals(&args);
    let first = positionals.first().map(String::as_str);
    let second = positionals.get(1).map(String::as_str);
    let is_own = matches!(first, None | Some("new" | "info" | "completions" | "help"))
        // `package` and `docker` build the project with Cargo themselves: no need to build
        // and run its binary first.
        || matches!(first, Some("package" | "docker"))
        || (first == Some("pipeline") && matches!(second, None | Some("create" | "delete")));
    if is_own {
        return match command().try_get_matches_from(&args) {
            Ok(matches) => run_own(&matches, &args),
            Err(error) => report::clap_error(&error),
        };
    }

    let start = match explicit_project_dir(&args) {
        Some(dir) => dir,
        None => std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
    };
    if let Some(root) = scaffold::find_cargo_project(&start) {
        return forward::forward(&root, &args[1..]);
    }
    if find_project_root(&start).is_some() {
        return crate::run_with_args(PipelineRegistry::new(), args);
    }
    report::print_message(
        &format!("no weir project found in `{}` or its parents", start.display()),
        &["create one with `weir new NAME` (e.g. `weir new my_project --starter iris`), or \
             run the command inside a project (a folder holding `conf/base` and `Cargo.toml`)"
            .to_owned()],
    );
    ExitCode::from(EXIT_USAGE)
}

fn run_own(matches: &ArgMatches, args: &[OsString]) -> ExitCode {
    let Some((name, sub)) = matches.subcommand() else {
        // No command at all: show the help, as clap does for a missing subcommand.
        let _ignored = command().print_help();
        return ExitCode::from(EXIT_USAGE);
    };
    if matches!(name, "package" | "docker") {
        return crate::run_with_args(PipelineRegistry::new(), args.to_vec());
    }
    if name == "pipeline" {
        return match PipelineScaffoldCommand::from_arg_matches(sub) {
            Ok(PipelineScaffoldCommand::Create(create)) => new::pipeline_create(&create.name),
            Ok(PipelineScaffoldCommand::Delete(delete)) => {
                new::pipeline_delete(&delete.name, delete.yes)
            }
            Err(error) => report::clap_error(&error),
        };
    }
    match StandaloneCommand::from_arg_matches(matches) {
        Ok(StandaloneCommand::New(args)) => new::new(&args),
        Ok(StandaloneCommand::Info) => info::info(explicit_project_dir(args)),
        Ok(StandaloneCommand::Completions { shell }) => {
            let mut command = command();
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut command, "weir", &mut script);
            crate::commands::print_stdout(&String::from_utf8_lossy(&script))
        }
        Err(error) => report::clap_error(&error),
    }
}

/// Global options of the project binary that take a value (`--project-dir DIR`).
const VALUE_OPTIONS: [&str; 3] = ["--project-dir", "--log-format", "--runs-db"];

/// The positional arguments before any `--`, skipping options and their values.
fn positionals(args: &[OsString]) -> Vec<String> {
    let mut found = Vec::new();
    let mut skip_value = false;
    for arg in args.iter().skip(1) {
        let text = arg.to_string_lossy();
        if skip_value {
            skip_value = false;
        } else if text == "--" {
            break;
        } else if VALUE_OPTIONS.contains(&text.as_ref()) {
            skip_value = true;
        } else if !text.starts_with('-') {
            found.push(text.into_owned());
        }
    }
    found
}

/// `--project-dir DIR`, `--project-dir=DIR` or `WEIR_PROJECT_DIR`.
fn explicit_project_dir(args: &[OsString]) -> Option<PathBuf> {
    let mut iter = args.iter().skip(1);
    while let Some(arg) = iter.next() {
        let text = arg.to_string_lossy();
        if text == "--" {
            break;
        }
        if text == "--project-dir" {
            return iter.next().map(PathBuf::from);
        }
        if let Some(dir) = text.strip_prefix("--project-dir=") {
            return Some(PathBuf::from(dir));
        }
    }
    std::env::var_os("WEIR_PROJECT_DIR").filter(|dir| !dir.is_empty()).map(PathBuf::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_grammar_is_consistent() {
        command().debug_assert();
    }

    #[test]
    fn positionals_skip_option_values() {
        let args: Vec<OsString> =
            ["weir", "-v", "--project-dir", "x", "pipeline", "create", "a", "--", "new"]
                .iter()
                .map(OsString::from)
                .collect();
        assert_eq!(positionals(&args), ["pipeline", "create", "a"]);
    }
}
