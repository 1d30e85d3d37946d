//! One module per command; [`dispatch`] finds the project and hands it to the right one.

mod catalog;
mod pipeline;
mod run;

use std::path::PathBuf;
use std::process::ExitCode;

use weir_core::config::parse_runtime_params;
use weir_core::project::{
    ProjectDefinition, ProjectError, Session, SessionOptions, find_project_root,
};

use crate::cli::{CatalogCommand, Cli, Command, ConfigArgs, PipelineCommand};
use crate::report::{self, EXIT_USAGE};

/// Runs the parsed command.
pub(crate) fn dispatch(project: ProjectDefinition, cli: Cli) -> ExitCode {
    let root = match project_root(cli.global.project_dir.clone()) {
        Ok(root) => root,
        Err(code) => return code,
    };
    match cli.command {
        Command::Run(args) => run::run(project, &root, &args),
        Command::Catalog(CatalogCommand::List(args)) => catalog::list(project, &root, &args),
        Command::Pipeline(PipelineCommand::List(args)) => pipeline::list(&project, &args),
        Command::Pipeline(PipelineCommand::Describe(args)) => pipeline::describe(&project, &args),
    }
}

/// The project root: `--project-dir`, or the nearest folder with `conf/base` from here up.
fn project_root(explicit: Option<PathBuf>) -> Result<PathBuf, ExitCode> {
    if let Some(dir) = explicit {
        return Ok(dir);
    }
    let here = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    if let Some(root) = find_project_root(&here) {
        // Inside the project itself, paths in messages read best relative: `conf/base/...`.
        return Ok(if root == here { PathBuf::new() } else { root });
    }
    report::write_stderr(&format!(
        "error: no weir project found in `{}` or its parents\nhint: run the command inside a project (a folder holding `conf/base`), or pass --project-dir\n",
        here.display()
    ));
    Err(ExitCode::from(EXIT_USAGE))
}

/// Opens a session with the configuration arguments shared by several commands.
fn open_session(
    project: ProjectDefinition,
    root: &std::path::Path,
    config: &ConfigArgs,
    load_versions: &[String],
) -> Result<Session, ExitCode> {
    let runtime_params = match config.params.as_deref().map(parse_runtime_params).transpose() {
        Ok(params) => params.unwrap_or_default(),
        Err(error) => return Err(report::fail(&ProjectError::Config(error), EXIT_USAGE)),
    };
    let load_versions = parse_load_versions(load_versions)?;
    let options = SessionOptions {
        project_root: root.to_path_buf(),
        conf_source: config.conf_source.clone(),
        env: Some(config.env.clone()),
        runtime_params,
        load_versions,
    };
    Session::open(project, options).map_err(|error| report::fail(&error, EXIT_USAGE))
}

/// `dataset:version` pairs; the version itself may contain colons only after the first one.
fn parse_load_versions(
    items: &[String],
) -> Result<std::collections::HashMap<String, String>, ExitCode> {
    let mut versions = std::collections::HashMap::new();
    for item in items {
        let Some((dataset, version)) =
            item.split_once(':').filter(|(d, v)| !d.is_empty() && !v.is_empty())
        else {
            report::write_stderr(&format!(
                "error: invalid --load-versions item `{item}`\nhint: write it as `dataset:version`, e.g. `model:2024-01-05T10.11.12.345Z`\n"
            ));
            return Err(ExitCode::from(EXIT_USAGE));
        };
        versions.insert(dataset.to_owned(), version.to_owned());
    }
    Ok(versions)
}

/// Writes to stdout; a closed pipe (e.g. `| head`) ends quietly.
pub(crate) fn print_stdout(text: &str) {
    use std::io::Write;
    let _ignored = std::io::stdout().lock().write_all(text.as_bytes());
}
