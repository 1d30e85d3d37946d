//! `run`: executes a pipeline, or a slice of it, and on failure prints how to resume.

use std::path::Path;
use std::process::ExitCode;

use weir_core::pipeline::PipelineFilter;
use weir_core::project::{ProjectDefinition, ProjectError};
use weir_core::runner::RunError;

use crate::cli::RunArgs;
use crate::report::{self, EXIT_NODE_FAILED, EXIT_USAGE};

pub(crate) fn run(project: ProjectDefinition, root: &Path, args: &RunArgs) -> ExitCode {
    if project.pipelines.names().next().is_none() {
        report::write_stderr(
            "error: this binary has no pipelines to run\nhint: a project's pipelines are compiled into its own binary: run `cargo run -- run` inside the project\n",
        );
        return ExitCode::from(EXIT_USAGE);
    }
    let session = match super::open_session(project, root, &args.config, &args.load_versions) {
        Ok(session) => session,
        Err(code) => return code,
    };
    let pipeline = match session.pipeline(&args.pipeline, &filter_of(args)) {
        Ok(pipeline) => pipeline,
        Err(error) => return report::fail(&error, EXIT_USAGE),
    };
    tracing::info!(
        pipeline = args.pipeline.as_str(),
        env = args.config.env.as_str(),
        version = session.save_version(),
        "running pipeline"
    );

    match session.run(&pipeline) {
        Ok(_) => ExitCode::SUCCESS,
        Err(error) if error.is_node_failure() => report_node_failure(&error, args),
        Err(error) => report::fail(&error, EXIT_USAGE),
    }
}

fn filter_of(args: &RunArgs) -> PipelineFilter {
    PipelineFilter {
        tags: args.tags.clone(),
        node_names: args.nodes.clone(),
        from_nodes: args.from_nodes.clone(),
        to_nodes: args.to_nodes.clone(),
        from_inputs: args.from_inputs.clone(),
        to_outputs: args.to_outputs.clone(),
        namespaces: args.namespaces.clone(),
    }
}

fn report_node_failure(error: &ProjectError, args: &RunArgs) -> ExitCode {
    let ProjectError::Run(RunError::NodeFailed { resume_from, hint, .. }) = error else {
        return report::fail(error, EXIT_NODE_FAILED);
    };
    let mut text = String::new();
    if let Some(hint) = hint {
        text.push_str(&format!("hint: {hint}\n"));
    }
    if !resume_from.is_empty() {
        text.push_str(&format!(
            "hint: after fixing it, resume with:\n  {}\n",
            resume_command(args, resume_from)
        ));
    }
    report::print_error(error, None);
    report::write_stderr(&text);
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

    if args.pipeline != "__default__" {
        push("--pipeline", args.pipeline.clone());
    }
    if args.config.env != "local" {
        push("--env", args.config.env.clone());
    }
    if let Some(conf) = &args.config.conf_source {
        push("--conf-source", conf.display().to_string());
    }
    if let Some(params) = &args.config.params {
        push("--params", params.clone());
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
