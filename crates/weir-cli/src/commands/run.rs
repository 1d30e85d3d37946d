//! `run`: executes a pipeline, or a slice of it, with the runner `--runner` picks (`--workers`,
//! `--async`), and on failure prints how to resume.

use std::path::Path;
use std::process::ExitCode;

use weir_core::error::Hinted;
use weir_core::pipeline::{Pipeline, PipelineFilter};
use weir_core::project::{ProjectDefinition, ProjectError};
use weir_core::runner::{ParallelRunner, RunError, Runner, SequentialRunner, missing};

use crate::cli::{RunArgs, RunnerChoice};
use crate::report::{self, EXIT_NODE_FAILED, EXIT_USAGE};

pub(crate) fn run(project: ProjectDefinition, root: &Path, args: &RunArgs) -> ExitCode {
    if project.pipelines.names().next().is_none() {
        report::print_message(
            "this binary has no pipelines to run",
            &["a project's pipelines are compiled into its own binary: run `cargo run -- run` inside the project".to_owned()],
        );
        return ExitCode::from(EXIT_USAGE);
    }
    let Some(runner) = runner_of(args) else {
        report::print_message(
            "`--workers` only applies to the parallel runner",
            &["add `--runner parallel`, or drop `--workers`".to_owned()],
        );
        return ExitCode::from(EXIT_USAGE);
    };
    let session = match super::open_session(project, root, &args.config, &args.load_versions) {
        Ok(session) => session,
        Err(code) => return code,
    };
    let names = trimmed(&args.pipelines);
    let mut pipeline = match session.pipelines_combined(&names, &filter_of(args)) {
        Ok(pipeline) => pipeline,
        Err(error) => return report::fail(&error, EXIT_USAGE),
    };
    if args.only_missing_outputs {
        pipeline = match missing::only_missing_outputs(&pipeline, session.catalog()) {
            Ok(pipeline) => pipeline,
            Err(error) => return report::fail(&error, EXIT_USAGE),
        };
        if pipeline.is_empty() {
            tracing::info!("nothing to run: every persisted output exists");
            return ExitCode::SUCCESS;
        }
    }
    tracing::info!(
        pipeline = names.join(",").as_str(),
        env = args.config.env.as_str(),
        version = session.save_version(),
        "running pipeline"
    );

    match session.run_with(&pipeline, runner, args.is_async) {
        Ok(_) => ExitCode::SUCCESS,
        Err(error) if error.is_node_failure() => report_node_failure(&error, args),
        Err(ProjectError::Run(RunError::MissingInputs(missing))) => {
            let unsliced = session.pipelines_combined(&names, &PipelineFilter::default());
            report_missing_inputs(&missing, unsliced.ok().as_ref())
        }
        Err(error) => report::fail(&error, EXIT_USAGE),
    }
}

/// Inputs nothing provides: when the filters left out the node that produces one, say which.
fn report_missing_inputs(missing: &[String], unsliced: Option<&Pipeline>) -> ExitCode {
    let error = ProjectError::Run(RunError::MissingInputs(missing.to_vec()));
    let producers: Vec<String> = missing
        .iter()
        .filter_map(|dataset| {
            let producer =
                unsliced?.nodes().iter().find(|node| node.outputs().contains(dataset))?;
            Some(format!("`{dataset}` is produced by node `{}`", producer.node_name()))
        })
        .collect();
    if producers.is_empty() {
        return report::fail(&error, EXIT_USAGE);
    }
    report::print_error(&error, None);
    report::write_stderr(&format!(
        "hint: {}, which the filters left out: widen them (e.g. --from-nodes that node), or declare the dataset in the catalog so a previous run's output is reused\n",
        producers.join("; ")
    ));
    ExitCode::from(EXIT_USAGE)
}

/// The runner `--runner` and `--workers` ask for; `None` when `--workers` comes without
/// `--runner parallel`.
fn runner_of(args: &RunArgs) -> Option<Runner> {
    match (args.runner, args.workers) {
        (RunnerChoice::Sequential, None) => Some(Runner::Sequential(SequentialRunner)),
        (RunnerChoice::Sequential, Some(_)) => None,
        (RunnerChoice::Parallel, None) => Some(Runner::Parallel(ParallelRunner::default())),
        (RunnerChoice::Parallel, Some(workers)) => {
            let workers = std::num::NonZeroUsize::new(usize::from(workers))?;
            Some(Runner::Parallel(ParallelRunner::new(workers)))
        }
    }
}

fn filter_of(args: &RunArgs) -> PipelineFilter {
    PipelineFilter {
        tags: trimmed(&args.tags),
        node_names: trimmed(&args.nodes),
        from_nodes: trimmed(&args.from_nodes),
        to_nodes: trimmed(&args.to_nodes),
        from_inputs: trimmed(&args.from_inputs),
        to_outputs: trimmed(&args.to_outputs),
        namespaces: trimmed(&args.namespaces),
    }
}

/// `--nodes "a, b"` means `a` and `b`: spaces around names are dropped, and so are empty names.
fn trimmed(values: &[String]) -> Vec<String> {
    values.iter().map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()).collect()
}

fn report_node_failure(error: &ProjectError, args: &RunArgs) -> ExitCode {
    let ProjectError::Run(run_error) = error else {
        return report::fail(error, EXIT_NODE_FAILED);
    };
    let Some(resume_from) = run_error.resume_from() else {
        return report::fail(error, EXIT_NODE_FAILED);
    };
    let mut hints: Vec<String> = run_error.hint().into_iter().collect();
    if !resume_from.is_empty() {
        let mut resume =
            format!("after fixing it, resume with:\n  {}", resume_command(args, resume_from));
        if args.config.params.is_some() {
            resume.push_str(
                "\n  and the same --params as before (left out here: they may hold credentials)",
            );
        }
        hints.push(resume);
    }
    report::print_error(error, None);
    for hint in hints {
        report::write_stderr(&format!("hint: {hint}\n"));
    }
    ExitCode::from(EXIT_NODE_FAILED)
}

/// The command that re-runs what is left: the same options, starting from `from_nodes`.
fn resume_command(args: &RunArgs, from_nodes: &[String]) -> String {
    let program = std::env::var("WEIR_COMMAND_NAME").unwrap_or_else(|_| program_name());
    let mut parts = vec![program, "run".to_owned()];
    let mut push = |flag: &str, value: String| {
        parts.push(flag.to_owned());
        parts.push(shell_quote(&value));
    };

    if args.pipelines != ["__default__"] {
        push("--pipelines", args.pipelines.join(","));
    }
    if args.config.env != "local" {
        push("--env", args.config.env.clone());
    }
    if let Some(conf) = &args.config.conf_source {
        push("--conf-source", conf.display().to_string());
    }
    if args.runner == RunnerChoice::Parallel {
        push("--runner", "parallel".to_owned());
    }
    if let Some(workers) = args.workers {
        push("--workers", workers.to_string());
    }
    let lists = [
        ("--tags", &args.tags),
        ("--nodes", &args.nodes),
        ("--to-nodes", &args.to_nodes),
        ("--from-inputs", &args.from_inputs),
        ("--to-outputs", &args.to_outputs),
        ("--namespaces", &args.namespaces),
        ("--load-versions", &args.load_versions),
    ];
    for (flag, values) in lists {
        if !values.is_empty() {
            push(flag, values.join(","));
        }
    }
    push("--from-nodes", from_nodes.join(","));
    if args.is_async {
        parts.push("--async".to_owned());
    }
    parts.join(" ")
}

fn program_name() -> String {
    std::env::args()
        .next()
        .and_then(|arg0| {
            Path::new(&arg0).file_name().map(|name| name.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "weir".to_owned())
}

/// Quotes a value for a POSIX shell when it holds anything but safe characters.
fn shell_quote(value: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "-_.,:/=@%+".contains(c);
    if !value.is_empty() && value.chars().all(safe) {
        return value.to_owned();
    }
    format!("'{}'", value.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_quoting() {
        assert_eq!(shell_quote("a,b"), "a,b");
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }
}
