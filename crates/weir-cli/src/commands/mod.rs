//! One module per command; [`dispatch`] finds the project and hands it to the right one.

mod catalog;
mod conf_source;
mod docker;
mod export;
pub(crate) mod forward;
pub(crate) mod info;
pub(crate) mod new;
pub(crate) mod package;
mod pipeline;
mod run;
mod runs;
pub(crate) mod scaffold;
mod serve;
mod text;
mod viz;

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
    // Removes configuration unpacked from a `--conf-source` archive when the command ends.
    let _unpacked = conf_source::Cleanup;
    let conf_given = conf_source::given(&cli.command);
    let root = match project_root(cli.global.project_dir.clone(), conf_given) {
        Ok(root) => root,
        Err(code) => return code,
    };
    match cli.command {
        Command::Run(args) => run::run(project, &root, &cli.global, &args),
        Command::Runs(command) => runs::runs(&root, &cli.global, &command),
        Command::Catalog(CatalogCommand::List(args)) => catalog::list(project, &root, &args),
        Command::Catalog(CatalogCommand::Describe(args)) => {
            catalog::describe(project, &root, &args)
        }
        Command::Catalog(CatalogCommand::Resolve(args)) => catalog::resolve(project, &root, &args),
        Command::Catalog(CatalogCommand::Patterns(args)) => {
            catalog::patterns(project, &root, &args)
        }
        Command::Catalog(CatalogCommand::Validate(args)) => {
            catalog::validate(project, &root, &args)
        }
        Command::Pipeline(PipelineCommand::List(args)) => pipeline::list(&project, &args),
        Command::Pipeline(PipelineCommand::Describe(args)) => pipeline::describe(&project, &args),
        Command::Serve(args) => serve::serve(project, &root, &args),
        Command::Viz(args) => viz::viz(project, &root, &cli.global, &args),
        Command::Export(args) => export::export(project, &root, &args),
        Command::Package(args) => package::package(&root, &args),
        Command::Docker(command) => docker::docker(&root, &command),
    }
}

/// The project root: `--project-dir`, or the nearest folder with `conf/base` from here up, or
/// (with `--conf-source`, e.g. a packaged binary run anywhere) the current folder.
fn project_root(explicit: Option<PathBuf>, conf_given: bool) -> Result<PathBuf, ExitCode> {
    if let Some(dir) = explicit {
        return Ok(dir);
    }
    let here = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    if let Some(root) = find_project_root(&here) {
        // Inside the project itself, paths in messages read best relative: `conf/base/...`.
        return Ok(if root == here { PathBuf::new() } else { root });
    }
    if conf_given {
        // Kedro's rule for a packaged project: relative data paths resolve from here.
        return Ok(PathBuf::new());
    }
    report::print_message(
        &format!("no weir project found in `{}` or its parents", here.display()),
        &["run the command inside a project (a folder holding `conf/base`), or pass --project-dir"
            .to_owned()],
    );
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
    let conf_source = conf_source::resolve(config.conf_source.as_deref())?;
    let options = SessionOptions {
        project_root: root.to_path_buf(),
        conf_source,
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
            report::print_message(
                &format!("invalid --load-versions item `{item}`"),
                &["write it as `dataset:version`, e.g. `model:2024-01-05T10.11.12.345Z`"
                    .to_owned()],
            );
            return Err(ExitCode::from(EXIT_USAGE));
        };
        versions.insert(dataset.to_owned(), version.to_owned());
    }
    Ok(versions)
}

/// Writes a command's output to stdout: success, or quietly success when the reader went away
/// (`| head`), or exit code 1 when stdout cannot be written (a full disk).
pub(crate) fn print_stdout(text: &str) -> ExitCode {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(error) => {
            report::print_message(&format!("cannot write the output: {error}"), &[]);
            ExitCode::FAILURE
        }
    }
}
