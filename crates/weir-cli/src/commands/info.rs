//! `weir info`: weir's version, the Rust toolchain, the starters in this build, the project
//! found from `--project-dir` (or `WEIR_PROJECT_DIR`, else the current folder) and the
//! environment variables weir reads.
//!
//! Only variable names weir itself reads are shown, never credentials; `rustc` and `cargo`
//! are asked for their versions by running them.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use super::scaffold::{self, EXAMPLE_STARTERS};

/// Environment variables weir reads, shown with their values when set.
const VARIABLES: [&str; 7] = [
    "WEIR_ENV",
    "WEIR_PROJECT_DIR",
    "WEIR_RUNS_DB",
    "WEIR_PATH",
    "WEIR_COURSE_DATA",
    "RUST_LOG",
    "CARGO_TARGET_DIR",
];

/// Prints the report, for the project found from `project_dir` (`--project-dir` or
/// `WEIR_PROJECT_DIR`) or else from the current folder.
pub(crate) fn info(project_dir: Option<PathBuf>) -> ExitCode {
    let mut text = format!("weir {}\n", scaffold::WEIR_VERSION);
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let _ = writeln!(text, "rustc: {}", tool_version("rustc".as_ref()));
    let _ = writeln!(text, "cargo: {}", tool_version(&cargo));

    let starters: Vec<String> = std::iter::once("empty".to_owned())
        .chain(EXAMPLE_STARTERS.iter().map(|s| {
            if s.files.is_empty() {
                format!("{} (not in this build)", s.name)
            } else {
                s.name.to_owned()
            }
        }))
        .collect();
    let _ = writeln!(text, "starters: {}", starters.join(", "));

    let here = project_dir
        .unwrap_or_else(|| std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")));
    match scaffold::find_cargo_project(&here) {
        Some(root) => {
            let _ = writeln!(text, "project: {}", root.display());
            let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap_or_default();
            if let Some(line) = manifest.lines().find(|l| l.trim_start().starts_with("weir ")) {
                let _ = writeln!(text, "  depends on: {}", line.trim());
            }
            let pipelines = std::fs::read_dir(root.join("src/pipelines"))
                .map(|entries| {
                    let mut names: Vec<String> = entries
                        .flatten()
                        .filter_map(|e| {
                            let name = e.file_name().to_string_lossy().into_owned();
                            let stem = name.strip_suffix(".rs")?;
                            (stem != "mod").then(|| stem.to_owned())
                        })
                        .collect();
                    names.sort();
                    names.join(", ")
                })
                .unwrap_or_default();
            let _ = writeln!(text, "  pipeline modules: {pipelines}");
        }
        None => {
            let _ = writeln!(
                text,
                "project: none found from `{}` (create one with `weir new NAME`)",
                here.display()
            );
        }
    }

    text.push_str("environment:\n");
    for name in VARIABLES {
        let value = std::env::var(name).unwrap_or_else(|_| "(unset)".to_owned());
        let _ = writeln!(text, "  {name}={value}");
    }
    super::print_stdout(&text)
}

/// `tool --version`, or why it could not be asked.
fn tool_version(tool: &std::ffi::OsStr) -> String {
    match std::process::Command::new(tool).arg("--version").output() {
        Ok(output) if output.status.success() => {
            String::from_utf8_lossy(&output.stdout).trim().to_owned()
        }
        Ok(_) => "found, but `--version` failed".to_owned(),
        Err(_) => "not found (install Rust from https://rustup.rs)".to_owned(),
    }
}
