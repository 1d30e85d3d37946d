//! `run`: executes a pipeline, or a slice of it, with the runner `--runner` picks (`--workers`,
//! `--async`, `--runner-params`), records it (unless `--no-record`), skips up-to-date nodes
//! with `--skip-unchanged`, stops cleanly on Ctrl-C or SIGTERM, and on failure prints how to
//! resume (or resumes the latest failed run with `--resume`).

use std::path::Path;
use std::process::ExitCode;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use weir_core::catalog::DataCatalog;
use weir_core::error::Hinted;
use weir_core::hooks::Hook;
use weir_core::pipeline::{Node, Pipeline, PipelineFilter};
use weir_core::project::{ProjectDefinition, ProjectError, RunSettings, Session};
use weir_core::records::{Fingerprinter, RunRecorder, RunStatus, RunStore};
use weir_core::runner::{
    GateDecision, NodeGate, ParallelRunner, RunError, Runner, SequentialRunner, StopSignal,
    missing, resume,
};

use crate::cli::{GlobalArgs, RunArgs, RunnerChoice};
use crate::report::{self, EXIT_INTERRUPTED, EXIT_NODE_FAILED, EXIT_USAGE};
use crate::{progress, recording};

pub(crate) fn run(
    project: ProjectDefinition,
    root: &Path,
    global: &GlobalArgs,
    args: &RunArgs,
) -> ExitCode {
    if project.pipelines.names().next().is_none() {
        report::print_message(
            "this binary has no pipelines to run",
            &["a project's pipelines are compiled into its own binary: run `cargo run -- run` inside the project".to_owned()],
        );
        return ExitCode::from(EXIT_USAGE);
    }
    let mut args = args.clone();
    if let Err(code) = apply_runner_params(&mut args) {
        return code;
    }
    let Some(runner) = runner_of(&args) else {
        report::print_message(
            "`--workers` only applies to the parallel runner",
            &["add `--runner parallel`, or drop `--workers`".to_owned()],
        );
        return ExitCode::from(EXIT_USAGE);
    };
    let store = match open_records(global, root, &args) {
        Ok(store) => store,
        Err(code) => return code,
    };
    let resumed = if args.resume {
        match resume_latest(&mut args, store.as_deref()) {
            Ok(resumed) => Some(resumed),
            Err(code) => return code,
        }
    } else {
        None
    };
    let session = match super::open_session(project, root, &args.config, &args.load_versions) {
        Ok(session) => session,
        Err(code) => return code,
    };
    let names = trimmed(&args.pipelines);
    if let Some(Resumed::Died { done }) = &resumed
        && let Err(code) = resume_after_death(&session, &names, &mut args, done)
    {
        return code;
    }
    let pipeline = match pipeline_to_run(&session, &names, &args) {
        Ok(Some(pipeline)) => pipeline,
        Ok(None) => return ExitCode::SUCCESS,
        Err(code) => return code,
    };
    tracing::info!(
        pipeline = names.join(",").as_str(),
        env = args.config.env.as_str(),
        version = session.save_version(),
        "running pipeline"
    );

    let (settings, fingerprinter) =
        match run_settings(&session, &pipeline, root, &args, store, global) {
            Ok(prepared) => prepared,
            Err(error) => return report::fail(&error, EXIT_USAGE),
        };
    let progress = settings.progress.clone();
    let stop = settings.core.stop.clone();
    let result =
        with_stop_notice(&stop, || session.run_configured(&pipeline, runner, settings.core));
    if let Some(progress) = progress {
        progress.finish();
    }
    if args.explain
        && let Some(fingerprinter) = &fingerprinter
    {
        super::print_stdout(&explain(&fingerprinter.decisions()));
    }

    match result {
        Ok(summary) => {
            if !summary.skipped.is_empty() {
                tracing::info!(
                    ran = summary.nodes.len(),
                    skipped = summary.skipped.len(),
                    "up-to-date nodes were skipped"
                );
            }
            ExitCode::SUCCESS
        }
        Err(error) if error.is_node_failure() => report_node_failure(&error, &args),
        Err(ProjectError::Run(RunError::MissingInputs(missing))) => {
            let unsliced = session.pipelines_combined(&names, &PipelineFilter::default());
            report_missing_inputs(&missing, unsliced.ok().as_ref())
        }
        Err(error) => report::fail(&error, EXIT_USAGE),
    }
}

/// The pipeline the options select; `None` when `--only-missing-outputs` leaves nothing.
fn pipeline_to_run(
    session: &Session,
    names: &[String],
    args: &RunArgs,
) -> Result<Option<Pipeline>, ExitCode> {
    let pipeline = session
        .pipelines_combined(names, &filter_of(args))
        .map_err(|error| report::fail(&error, EXIT_USAGE))?;
    if !args.only_missing_outputs {
        return Ok(Some(pipeline));
    }
    let pipeline = missing::only_missing_outputs(&pipeline, session.catalog())
        .map_err(|error| report::fail(&error, EXIT_USAGE))?;
    if pipeline.is_empty() {
        tracing::info!("nothing to run: every persisted output exists");
        return Ok(None);
    }
    Ok(Some(pipeline))
}

/// The run's settings: stop on signals, the record and fingerprint hooks, the progress bar.
struct PreparedRun {
    core: RunSettings,
    progress: Option<Arc<progress::ProgressHook>>,
}

fn run_settings(
    session: &Session,
    pipeline: &Pipeline,
    root: &Path,
    args: &RunArgs,
    store: Option<Arc<RunStore>>,
    global: &GlobalArgs,
) -> Result<(PreparedRun, Option<Arc<Fingerprinter>>), ProjectError> {
    let mut settings = RunSettings {
        is_async: args.is_async,
        stop: recording::stop_on_signals(),
        ..RunSettings::default()
    };
    let mut fingerprinter = None;
    if let Some(store) = store {
        let run_id = session.save_version();
        let start = recording::run_start(run_id, root, args, session.parameters());
        settings
            .hooks
            .push_shared("RunRecorder", Arc::new(RunRecorder::new(Arc::clone(&store), start)));

        let parameters = session.parameter_inputs(pipeline)?;
        let fingerprints = Fingerprinter::new(store, run_id, args.skip_unchanged, &parameters)
            .with_catalog_entries(&session.catalog_config().values);
        let fingerprints = Arc::new(fingerprints);
        settings.hooks.push_shared("Fingerprinter", Arc::clone(&fingerprints) as Arc<dyn Hook>);
        fingerprinter = Some(fingerprints);
    }
    let progress = progress::progress_hook(global, pipeline.nodes().len());
    if let Some(progress) = &progress {
        settings.hooks.push_shared("Progress", Arc::clone(progress) as Arc<dyn Hook>);
    }
    if let Some(fingerprints) = &fingerprinter {
        let gate = CountedGate { inner: Arc::clone(fingerprints), progress: progress.clone() };
        settings.gate = Some(Arc::new(gate) as Arc<dyn NodeGate>);
    }
    Ok((PreparedRun { core: settings, progress }, fingerprinter))
}

/// The fingerprinter's decisions, with each skipped node taken off the progress bar's total.
#[derive(Debug)]
struct CountedGate {
    inner: Arc<Fingerprinter>,
    progress: Option<Arc<progress::ProgressHook>>,
}

impl NodeGate for CountedGate {
    fn check(&self, node: &Node, catalog: &DataCatalog) -> GateDecision {
        let decision = self.inner.check(node, catalog);
        if let (GateDecision::Skip(_), Some(progress)) = (&decision, &self.progress) {
            progress.node_skipped();
        }
        decision
    }
}

/// The run records store, unless `--no-record`.
fn open_records(
    global: &GlobalArgs,
    root: &Path,
    args: &RunArgs,
) -> Result<Option<Arc<RunStore>>, ExitCode> {
    if args.no_record {
        return Ok(None);
    }
    recording::open_store(global, root).map(Some).map_err(|error| report::fail(&error, EXIT_USAGE))
}

/// How `--resume` continues a run.
enum Resumed {
    /// The run failed or was interrupted: the arguments now start from where it stopped.
    Stopped,
    /// The run's process died (killed, a second Ctrl-C): where to start is worked out from
    /// the nodes it finished, once the session is open.
    Died {
        /// The nodes the dead run finished.
        done: Vec<String>,
    },
}

/// `--resume`: the slicing options of the latest run of the same pipeline and environment,
/// starting from where it stopped.
fn resume_latest(args: &mut RunArgs, store: Option<&RunStore>) -> Result<Resumed, ExitCode> {
    let Some(store) = store else {
        return Err(usage("--resume needs the run records", "drop --no-record"));
    };
    let pipeline = recording::pipeline_key(&args.pipelines);
    let env = args.config.env.clone();
    let fail = |error: weir_core::records::StoreError| report::fail(&error, EXIT_USAGE);
    let Some(latest) = store.latest_run_of(&pipeline, &env).map_err(fail)? else {
        return Err(usage(
            &format!(
                "no run of pipeline `{pipeline}` in environment `{env}` is recorded in `{}`",
                store.path().display()
            ),
            "run it without --resume first; `runs list` shows what is recorded",
        ));
    };
    let id = &latest.start.id;
    if latest.process_died() {
        let done = store.nodes(id).map_err(fail)?;
        let done: Vec<String> = done
            .into_iter()
            .filter(|node| node.status == "succeeded" || node.status == "skipped")
            .map(|node| node.node)
            .collect();
        tracing::info!(
            run = id.as_str(),
            finished = done.len(),
            "resuming a run whose process died"
        );
        recording::apply_recorded_options(args, &latest.start.options, &[]);
        return Ok(Resumed::Died { done });
    }
    match latest.status {
        RunStatus::Failed | RunStatus::Interrupted if !latest.resume_from.is_empty() => {}
        RunStatus::Failed | RunStatus::Interrupted => {
            return Err(usage(
                &format!(
                    "run {id} of pipeline `{pipeline}` failed before any node ran, so there is nothing to resume"
                ),
                "fix the error it reported and run the pipeline again",
            ));
        }
        RunStatus::Succeeded => {
            return Err(usage(
                &format!(
                    "the latest run of pipeline `{pipeline}` ({id}) succeeded, so there is nothing to resume"
                ),
                "run without --resume; `runs list` shows the recorded runs",
            ));
        }
        RunStatus::Running => {
            return Err(usage(
                &format!("the latest run of pipeline `{pipeline}` ({id}) is still running"),
                "wait for it to end (or stop it with Ctrl-C), then resume",
            ));
        }
    }
    tracing::info!(
        run = id.as_str(),
        from_nodes = latest.resume_from.join(",").as_str(),
        "resuming"
    );
    recording::apply_recorded_options(args, &latest.start.options, &latest.resume_from);
    Ok(Resumed::Stopped)
}

/// Sets `--from-nodes` for a run whose process died, from the nodes it finished.
fn resume_after_death(
    session: &Session,
    names: &[String],
    args: &mut RunArgs,
    done: &[String],
) -> Result<(), ExitCode> {
    let sliced = session
        .pipelines_combined(names, &filter_of(args))
        .map_err(|error| report::fail(&error, EXIT_USAGE))?;
    let from_nodes = resume::nodes_to_resume_from(&sliced, done, session.catalog());
    if from_nodes.is_empty() {
        return Err(usage(
            "the run whose process died had finished every node, so there is nothing to resume",
            "run without --resume",
        ));
    }
    args.from_nodes = from_nodes;
    Ok(())
}

/// Runs `run`, and logs once, as soon as a stop is asked for, that the run is stopping (the
/// running nodes must finish first, which may take a while). The watching thread ends with
/// the run.
fn with_stop_notice<T>(stop: &StopSignal, run: impl FnOnce() -> T) -> T {
    let finished = AtomicBool::new(false);
    std::thread::scope(|scope| {
        scope.spawn(|| {
            while !finished.load(Ordering::SeqCst) {
                if stop.is_requested() {
                    tracing::warn!(
                        "stopping: no new node starts, the running ones finish first (Ctrl-C again quits at once)"
                    );
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        });
        let result = run();
        finished.store(true, Ordering::SeqCst);
        result
    })
}

fn usage(message: &str, hint: &str) -> ExitCode {
    report::print_message(message, &[hint.to_owned()]);
    ExitCode::from(EXIT_USAGE)
}

/// `--runner-params key=value,...`: Kedro's runner constructor arguments. A key given twice,
/// or one that contradicts `--workers` or `--async`, is a usage error.
fn apply_runner_params(args: &mut RunArgs) -> Result<(), ExitCode> {
    let mut seen: Vec<String> = Vec::new();
    for item in trimmed(&args.runner_params) {
        let Some((key, value)) = item.split_once('=') else {
            return Err(usage(
                &format!("invalid --runner-params item `{item}`"),
                "write it as `key=value`, e.g. `max_workers=4`",
            ));
        };
        let (key, value) = (key.trim(), value.trim());
        if seen.iter().any(|earlier| earlier == key) {
            return Err(usage(&format!("--runner-params gives `{key}` twice"), "keep one of them"));
        }
        seen.push(key.to_owned());
        match key {
            "max_workers" | "workers" => set_workers(args, value)?,
            "is_async" => set_async(args, value)?,
            other => {
                let hint = weir_core::error::did_you_mean(other, ["max_workers", "is_async"])
                    .unwrap_or_else(|| "the runners take `max_workers` and `is_async`".to_owned());
                return Err(usage(&format!("unknown --runner-params key `{other}`"), &hint));
            }
        }
    }
    Ok(())
}

fn set_workers(args: &mut RunArgs, value: &str) -> Result<(), ExitCode> {
    let Ok(workers) =
        value.parse::<u16>().map_err(drop).and_then(|w| if w == 0 { Err(()) } else { Ok(w) })
    else {
        return Err(usage(
            &format!(
                "--runner-params `max_workers` must be a whole number from 1 to 65535, got `{value}`"
            ),
            "e.g. `--runner-params max_workers=4`",
        ));
    };
    if args.runner != RunnerChoice::Parallel {
        return Err(usage(
            "`max_workers` in --runner-params only applies to the parallel runner",
            "add `--runner parallel`, or drop `max_workers`",
        ));
    }
    if let Some(given) = args.workers.filter(|&given| given != workers) {
        return Err(usage(
            &format!("--workers {given} and --runner-params max_workers={workers} disagree"),
            "give the number of workers once",
        ));
    }
    args.workers = Some(workers);
    Ok(())
}

fn set_async(args: &mut RunArgs, value: &str) -> Result<(), ExitCode> {
    let wanted = match value {
        "true" | "True" => true,
        "false" | "False" => false,
        _ => {
            return Err(usage(
                &format!("--runner-params `is_async` must be true or false, got `{value}`"),
                "e.g. `--runner-params is_async=true`",
            ));
        }
    };
    if args.is_async && !wanted {
        return Err(usage(
            "--async and --runner-params is_async=false disagree",
            "drop one of them",
        ));
    }
    args.is_async = wanted;
    Ok(())
}

/// `--explain`: one line per node, whether it ran and why.
fn explain(decisions: &[(String, GateDecision)]) -> String {
    let width = decisions.iter().map(|(node, _)| node.len()).max().unwrap_or(0);
    let mut text = String::new();
    for (node, decision) in decisions {
        let (verb, reason) = match decision {
            GateDecision::Run(reason) => ("ran", reason),
            GateDecision::Skip(reason) => ("skipped", reason),
        };
        text.push_str(&format!("{verb:<8} {node:<width$}  {reason}\n"));
    }
    text
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
    let interrupted = matches!(run_error, RunError::Interrupted { .. });
    let code = if interrupted { EXIT_INTERRUPTED } else { EXIT_NODE_FAILED };
    let Some(resume_from) = run_error.resume_from() else {
        return report::fail(error, code);
    };
    let mut hints: Vec<String> = run_error.hint().into_iter().collect();
    if !resume_from.is_empty() {
        let first = if interrupted { "resume with" } else { "after fixing it, resume with" };
        let mut resume = format!("{first}:\n  {}", resume_command(args, resume_from));
        if args.config.params.is_some() {
            resume.push_str(
                "\n  and the same --params as before (not repeated here; `runs show latest` lists the parameters used)",
            );
        }
        if !args.no_record {
            resume.push_str("\n  or with `run --resume`");
        }
        hints.push(resume);
    }
    report::print_error(error, None);
    for hint in hints {
        report::write_stderr(&format!("hint: {hint}\n"));
    }
    ExitCode::from(code)
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
