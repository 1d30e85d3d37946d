//! Runners execute a pipeline against a catalog.
//!
//! - `plan`: the checks made before any node runs (sources and types of every input).
//! - `task`: one node's work, shared by every runner (load, call, save, hooks, `--async`).
//! - [`sequential`]: the [`SequentialRunner`], one node after another in the pipeline's order.
//! - [`parallel`]: the [`ParallelRunner`], nodes whose inputs are ready at once, on threads.
//! - [`resume`]: after a failure, the smallest set of nodes to start again from.
//! - [`missing`]: `--only-missing-outputs`, the nodes that still have work to do.
//!
//! Both runners make the same checks before any work, call the same hooks
//! ([`crate::hooks`]) and release an in-memory dataset once every node reading it has finished
//! (unless it is a final output), so outputs and memory behaviour do not depend on the runner.
//!
//! Runners use `pipeline`, `catalog`, `data` and `hooks`; they never read configuration or
//! parse arguments. They log the run story through `tracing` (node start, end and duration) and
//! leave printing to the caller.

pub mod missing;
pub mod parallel;
mod plan;
pub mod resume;
pub mod sequential;
mod task;

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use tracing::{debug, info};

use crate::catalog::DataCatalog;
use crate::error::Hinted;
use crate::hooks::{HookError, Hooks, PipelineFailed, PipelineFinished, PipelineStarting};
use crate::pipeline::{Node, Pipeline, is_parameter};

pub use parallel::ParallelRunner;
pub use sequential::SequentialRunner;

/// What a successful run did.
#[derive(Debug, Clone, Default)]
pub struct RunSummary {
    /// Each node that ran with its duration, in order of completion (the pipeline's order for
    /// the sequential runner).
    pub nodes: Vec<(String, Duration)>,
    /// The nodes a [`NodeGate`] skipped, in the order they were reached.
    pub skipped: Vec<String>,
    /// The whole run's duration.
    pub elapsed: Duration,
}

/// Settings of one run that do not depend on the runner.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// The run's id, given to hooks (a project uses the session's save version).
    pub run_id: String,
    /// Load a node's inputs and save its outputs concurrently, on threads (`--async`).
    pub is_async: bool,
    /// The hooks to call, in order.
    pub hooks: Hooks,
    /// Asked to stop (Ctrl-C, SIGTERM): no node starts after it, running nodes finish.
    pub stop: StopSignal,
    /// Asked before each node whether it needs to run (`--skip-unchanged`); every node runs
    /// when `None`.
    pub gate: Option<Arc<dyn NodeGate>>,
}

/// Decides, just before a node would load its inputs, whether it needs to run.
///
/// The runners ask it once per node, after every node upstream has finished, so it can look
/// at the inputs as this run left them. A skipped node counts as done: its outputs are what
/// the nodes downstream read.
pub trait NodeGate: Send + Sync + std::fmt::Debug {
    /// Whether `node` runs, and why.
    fn check(&self, node: &Node, catalog: &DataCatalog) -> GateDecision;
}

/// What a [`NodeGate`] decided for one node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GateDecision {
    /// The node runs; the reason is for `--explain`.
    Run(String),
    /// The node is skipped; the reason is for `--explain`.
    Skip(String),
}

/// A request to stop a run early, shared between the run and whoever may ask for it (a signal
/// handler, a server shutting down).
///
/// Nodes are plain functions and cannot be cancelled half-way, so a stop lets the running
/// nodes finish (their outputs are saved atomically) and starts no other; the run then ends
/// with [`RunError::Interrupted`], naming the nodes to resume from.
#[derive(Debug, Clone, Default)]
pub struct StopSignal(Arc<AtomicBool>);

impl StopSignal {
    /// A signal nobody has raised yet.
    pub fn new() -> Self {
        StopSignal::default()
    }

    /// Asks the run to stop.
    pub fn request(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether a stop was asked for.
    pub fn is_requested(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }

    /// The flag itself, for APIs that set an `AtomicBool` (e.g. `signal_hook::flag`).
    pub fn flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.0)
    }
}

/// The runner a run uses: what `--runner` chooses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runner {
    /// One node after another.
    Sequential(SequentialRunner),
    /// Ready nodes at the same time, on threads.
    Parallel(ParallelRunner),
}

impl Default for Runner {
    fn default() -> Self {
        Runner::Sequential(SequentialRunner)
    }
}

impl Runner {
    /// Runs `pipeline` (already validated) against `catalog`.
    pub fn run_with(
        &self,
        pipeline: &Pipeline,
        catalog: &DataCatalog,
        options: &RunOptions,
    ) -> Result<RunSummary, RunError> {
        match self {
            Runner::Sequential(runner) => runner.run_with(pipeline, catalog, options),
            Runner::Parallel(runner) => runner.run_with(pipeline, catalog, options),
        }
    }
}

/// One node that failed: which, why, and a fix if one is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedNode {
    /// The node.
    pub node: String,
    /// What went wrong, as one line.
    pub cause: String,
    /// A fix, if one is known.
    pub hint: Option<String>,
}

/// Why a run stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// Inputs that nothing provides.
    #[error("pipeline input(s) {} are not in the catalog and no node produces them", quote_all(.0))]
    MissingInputs(Vec<String>),
    /// Several datasets of the run live at one location and the run writes one of them.
    #[error("datasets {} are all stored at `{location}`, and the run writes to it", quote_all(.datasets))]
    SharedLocation {
        /// The shared location.
        location: String,
        /// The datasets stored there.
        datasets: Vec<String>,
    },
    /// A node of the run writes a dataset the catalog marks `read_only: true` (found before
    /// any work).
    #[error("node `{node}` writes dataset `{dataset}`, which the catalog marks `read_only: true`")]
    WritesReadOnly {
        /// The dataset.
        dataset: String,
        /// The node writing it.
        node: String,
    },
    /// An argument type does not fit the dataset wired to it (found before any work).
    #[error(
        "node `{node}`, argument {argument}: expects `{expected}` but dataset `{dataset}` gives {found}"
    )]
    InputTypeMismatch {
        /// The node.
        node: String,
        /// 1-based argument position.
        argument: usize,
        /// The Rust type the function takes.
        expected: String,
        /// The dataset wired to the argument.
        dataset: String,
        /// What the dataset provides.
        found: String,
    },
    /// A result type cannot be stored by the dataset wired to it (found before any work).
    #[error(
        "node `{node}` returns `{produced}`, which dataset `{dataset}` ({dataset_type}) cannot store"
    )]
    OutputTypeMismatch {
        /// The node.
        node: String,
        /// The Rust type the function returns.
        produced: String,
        /// The dataset.
        dataset: String,
        /// The dataset's type.
        dataset_type: String,
    },
    /// A node could not run or failed; nodes before it finished and their outputs are saved.
    #[error("node `{node}` failed: {cause}")]
    NodeFailed {
        /// The failing node.
        node: String,
        /// What went wrong, as one line.
        cause: String,
        /// A fix, if one is known.
        hint: Option<String>,
        /// The nodes that finished before the failure.
        done: Vec<String>,
        /// The nodes a resumed run should start from (`--from-nodes`).
        resume_from: Vec<String>,
    },
    /// Several nodes failed in a parallel run (nodes already running were let finish); a
    /// single failure is always [`RunError::NodeFailed`].
    #[error("{} nodes failed: {}", .failures.len(), describe_failures(.failures))]
    NodesFailed {
        /// Every failure, in the pipeline's order.
        failures: Vec<FailedNode>,
        /// The nodes that finished.
        done: Vec<String>,
        /// The nodes a resumed run should start from (`--from-nodes`).
        resume_from: Vec<String>,
    },
    /// A pipeline-level hook (`before_pipeline_run`, `after_pipeline_run`) failed.
    #[error(transparent)]
    Hook(#[from] HookError),
    /// The run was asked to stop (Ctrl-C, SIGTERM) before every node had run.
    #[error("the run was interrupted after {} of its nodes finished", .done.len())]
    Interrupted {
        /// The nodes that finished; their outputs are saved.
        done: Vec<String>,
        /// The nodes a resumed run should start from (`--from-nodes`).
        resume_from: Vec<String>,
    },
}

impl RunError {
    /// Whether the run failed while running (a node, or a hook: exit code 1) rather than in the
    /// checks made before starting.
    pub fn is_node_failure(&self) -> bool {
        matches!(
            self,
            RunError::NodeFailed { .. }
                | RunError::NodesFailed { .. }
                | RunError::Hook(_)
                | RunError::Interrupted { .. }
        )
    }

    /// The nodes a resumed run should start from, when nodes failed.
    pub fn resume_from(&self) -> Option<&[String]> {
        match self {
            RunError::NodeFailed { resume_from, .. }
            | RunError::NodesFailed { resume_from, .. }
            | RunError::Interrupted { resume_from, .. } => Some(resume_from),
            _ => None,
        }
    }
}

impl Hinted for RunError {
    fn hint(&self) -> Option<String> {
        match self {
            RunError::SharedLocation { .. } => Some(
                "give each dataset its own `filepath` in the catalog, so a save never replaces another dataset's data".to_owned(),
            ),
            RunError::WritesReadOnly { dataset, .. } => Some(format!(
                "run without that node (e.g. `--from-inputs {dataset}`), or drop `read_only: true` from the entry of `{dataset}`"
            )),
            RunError::MissingInputs(_) => Some(
                "declare them in conf/base/catalog.yml, or add the pipeline that produces them"
                    .to_owned(),
            ),
            RunError::InputTypeMismatch { dataset, .. } => Some(format!(
                "change the argument's type, or the `type:` of `{dataset}` in the catalog"
            )),
            RunError::OutputTypeMismatch { dataset, .. } => Some(format!(
                "change what the node returns, or declare `{dataset}` with a dataset type that stores it"
            )),
            RunError::NodeFailed { hint, .. } => hint.clone(),
            RunError::NodesFailed { failures, .. } => {
                let hints: Vec<String> = failures
                    .iter()
                    .filter_map(|f| f.hint.as_ref().map(|hint| format!("`{}`: {hint}", f.node)))
                    .collect();
                (!hints.is_empty()).then(|| hints.join("; "))
            }
            RunError::Hook(_) => {
                Some("fix the hook, or remove it from the project's `ProjectDefinition`".to_owned())
            }
            RunError::Interrupted { .. } => None,
        }
    }
}

fn quote_all(names: &[String]) -> String {
    names.iter().map(|name| format!("`{name}`")).collect::<Vec<_>>().join(", ")
}

fn describe_failures(failures: &[FailedNode]) -> String {
    failures.iter().map(|f| format!("`{}` ({})", f.node, f.cause)).collect::<Vec<_>>().join(", ")
}

/// Whether the current thread is inside a node's function (or a hook).
///
/// A CLI's panic hook uses this to stay quiet about panics in user code, which the runner
/// reports itself as node failures.
pub fn is_running_node() -> bool {
    crate::hooks::is_in_user_code()
}

/// The frame every runner shares: pipeline hooks around the wiring checks and `schedule`,
/// which runs the nodes.
fn run_pipeline(
    pipeline: &Pipeline,
    catalog: &DataCatalog,
    options: &RunOptions,
    schedule: impl FnOnce() -> Result<RunSummary, RunError>,
) -> Result<RunSummary, RunError> {
    let hooks = &options.hooks;
    let run_id = options.run_id.as_str();
    let starting = PipelineStarting { run_id, pipeline, catalog };
    hooks.emit("before_pipeline_run", |hook| hook.before_pipeline_run(&starting))?;

    let started = Instant::now();
    let mut summary = match plan::check(pipeline, catalog).and_then(|()| schedule()) {
        Ok(summary) => summary,
        Err(error) => {
            let text = error.to_string();
            let failed = PipelineFailed {
                run_id,
                pipeline,
                catalog,
                error: &text,
                resume_from: error.resume_from().unwrap_or_default(),
                interrupted: matches!(error, RunError::Interrupted { .. }),
            };
            hooks.emit_quietly("on_pipeline_error", |hook| hook.on_pipeline_error(&failed));
            return Err(error);
        }
    };
    summary.elapsed = started.elapsed();
    info!(elapsed_ms = millis(summary.elapsed), "run finished");

    let finished = PipelineFinished {
        run_id,
        pipeline,
        catalog,
        nodes: &summary.nodes,
        elapsed: summary.elapsed,
    };
    hooks.emit("after_pipeline_run", |hook| hook.after_pipeline_run(&finished))?;
    Ok(summary)
}

/// The error for failed nodes, with the resume point computed from the nodes that finished.
fn nodes_failed(
    pipeline: &Pipeline,
    catalog: &DataCatalog,
    mut failures: Vec<FailedNode>,
    done: Vec<String>,
) -> RunError {
    let resume_from = resume::nodes_to_resume_from(pipeline, &done, catalog);
    if failures.len() == 1
        && let Some(FailedNode { node, cause, hint }) = failures.pop()
    {
        return RunError::NodeFailed { node, cause, hint, done, resume_from };
    }
    RunError::NodesFailed { failures, done, resume_from }
}

/// Whether `node` is skipped by the run's gate (logged with the reason either way).
fn gate_skips(node: &Node, catalog: &DataCatalog, options: &RunOptions) -> bool {
    let Some(gate) = &options.gate else { return false };
    match gate.check(node, catalog) {
        GateDecision::Run(reason) => {
            debug!(node = node.node_name(), reason = reason.as_str(), "node needs to run");
            false
        }
        GateDecision::Skip(reason) => {
            info!(node = node.node_name(), reason = reason.as_str(), "skipping node");
            true
        }
    }
}

/// The error for a run stopped by [`StopSignal`], with the resume point.
fn interrupted(pipeline: &Pipeline, catalog: &DataCatalog, done: Vec<String>) -> RunError {
    let resume_from = resume::nodes_to_resume_from(pipeline, &done, catalog);
    info!(finished = done.len(), "run interrupted");
    RunError::Interrupted { done, resume_from }
}

/// Milliseconds, rounded to microseconds so log lines stay short.
fn millis(duration: Duration) -> f64 {
    (duration.as_secs_f64() * 1e6).round() / 1e3
}

/// How many nodes read each dataset.
fn count_readers(order: &[&Node]) -> HashMap<String, usize> {
    let mut readers = HashMap::new();
    for node in order {
        for input in node.inputs() {
            *readers.entry(input.clone()).or_insert(0) += 1;
        }
    }
    readers
}

/// Counts `node` as finished with its inputs and releases those that no other node still
/// reads and that are not final outputs.
fn release_unneeded(
    node: &Node,
    readers_left: &mut HashMap<String, usize>,
    final_outputs: &BTreeSet<String>,
    catalog: &DataCatalog,
) {
    for input in node.inputs() {
        let Some(left) = readers_left.get_mut(input) else { continue };
        *left -= 1;
        if *left == 0 && !final_outputs.contains(input) && !is_parameter(input) {
            debug!(dataset = input.as_str(), "releasing");
            catalog.release(input);
        }
    }
}

#[cfg(test)]
#[allow(clippy::float_cmp, reason = "the values are small integers, exact in f64")]
mod tests {
    use std::num::NonZeroUsize;
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::data::NodeData;
    use crate::hooks::{
        DatasetLoaded, DatasetLoading, DatasetSaved, DatasetSaving, Hook, HookResult, NodeFailed,
        NodeFinished, NodeStarting,
    };
    use crate::pipeline::node;

    /// Writes down every event it sees as `"<event> <subject>"`.
    #[derive(Default)]
    struct Recorder(Mutex<Vec<String>>);

    impl Recorder {
        #[expect(clippy::unnecessary_wraps, reason = "every hook method returns its result")]
        fn note(&self, event: &str, subject: &str) -> HookResult {
            self.0.lock().unwrap().push(format!("{event} {subject}").trim_end().to_owned());
            Ok(())
        }

        fn events(&self) -> Vec<String> {
            self.0.lock().unwrap().clone()
        }
    }

    impl Hook for Recorder {
        fn before_pipeline_run(&self, _: &PipelineStarting<'_>) -> HookResult {
            self.note("before_pipeline_run", "")
        }
        fn after_pipeline_run(&self, event: &PipelineFinished<'_>) -> HookResult {
            self.note("after_pipeline_run", &event.nodes.len().to_string())
        }
        fn on_pipeline_error(&self, _: &PipelineFailed<'_>) -> HookResult {
            self.note("on_pipeline_error", "")
        }
        fn before_node_run(&self, event: &NodeStarting<'_>) -> HookResult {
            let inputs: Vec<&str> = event.inputs.iter().map(|(name, _)| name).collect();
            self.note(
                "before_node_run",
                &format!("{} {}", event.node.node_name(), inputs.join(",")),
            )
        }
        fn after_node_run(&self, event: &NodeFinished<'_>) -> HookResult {
            let outputs: Vec<&str> = event.outputs.iter().map(|(name, _)| name).collect();
            self.note(
                "after_node_run",
                &format!("{} {}", event.node.node_name(), outputs.join(",")),
            )
        }
        fn on_node_error(&self, event: &NodeFailed<'_>) -> HookResult {
            self.note("on_node_error", &format!("{}: {}", event.node.node_name(), event.error))
        }
        fn before_dataset_loaded(&self, event: &DatasetLoading<'_>) -> HookResult {
            self.note("before_dataset_loaded", event.dataset)
        }
        fn after_dataset_loaded(&self, event: &DatasetLoaded<'_>) -> HookResult {
            self.note("after_dataset_loaded", event.dataset)
        }
        fn before_dataset_saved(&self, event: &DatasetSaving<'_>) -> HookResult {
            self.note("before_dataset_saved", event.dataset)
        }
        fn after_dataset_saved(&self, event: &DatasetSaved<'_>) -> HookResult {
            self.note("after_dataset_saved", event.dataset)
        }
    }

    /// Refuses to let node `second` start.
    struct Gatekeeper;

    impl Hook for Gatekeeper {
        fn before_node_run(&self, event: &NodeStarting<'_>) -> HookResult {
            if event.node.node_name() == "second" {
                return Err("`second` is not allowed today".into());
            }
            Ok(())
        }
    }

    struct BrokenReport;

    impl Hook for BrokenReport {
        fn after_pipeline_run(&self, _: &PipelineFinished<'_>) -> HookResult {
            Err("the tracking server is down".into())
        }
    }

    fn double(x: f64) -> f64 {
        x * 2.0
    }

    fn explode(_: f64) -> f64 {
        panic!("boom")
    }

    fn split(x: f64) -> (f64, f64) {
        (x - 1.0, x + 1.0)
    }

    fn multiply(a: f64, b: f64) -> f64 {
        a * b
    }

    fn runners() -> [Runner; 2] {
        [
            Runner::Sequential(SequentialRunner),
            Runner::Parallel(ParallelRunner::new(NonZeroUsize::new(2).unwrap())),
        ]
    }

    fn catalog_with(value: f64) -> DataCatalog {
        let catalog = DataCatalog::new();
        catalog.save("a", value.into_payload()).unwrap();
        catalog
    }

    fn value(catalog: &DataCatalog, name: &str) -> f64 {
        f64::from_payload(catalog.load(name).unwrap()).unwrap()
    }

    fn recorded(
        runner: Runner,
        pipeline: &Pipeline,
    ) -> (Result<RunSummary, RunError>, Vec<String>) {
        let recorder = Arc::new(Recorder::default());
        let mut hooks = Hooks::new();
        hooks.push_shared("Recorder", Arc::clone(&recorder) as Arc<dyn Hook>);
        let options = RunOptions { run_id: "run".to_owned(), hooks, ..RunOptions::default() };
        let result = runner.run_with(pipeline, &catalog_with(1.5), &options);
        (result, recorder.events())
    }

    /// Kedro's order (`kedro.runner.task`): each input loaded with its two dataset events,
    /// then `before_node_run`, the call, `after_node_run`, and each output saved with its two.
    #[test]
    fn hooks_see_kedro_event_order_with_both_runners() {
        let pipeline = Pipeline::new([
            node(double, "a", "b").name("first"),
            node(double, "b", "c").name("second"),
        ]);
        let expected = [
            "before_pipeline_run",
            "before_dataset_loaded a",
            "after_dataset_loaded a",
            "before_node_run first a",
            "after_node_run first b",
            "before_dataset_saved b",
            "after_dataset_saved b",
            "before_dataset_loaded b",
            "after_dataset_loaded b",
            "before_node_run second b",
            "after_node_run second c",
            "before_dataset_saved c",
            "after_dataset_saved c",
            "after_pipeline_run 2",
        ];
        for runner in runners() {
            let (result, events) = recorded(runner, &pipeline);
            result.unwrap();
            assert_eq!(events, expected, "{runner:?}");
        }
    }

    #[test]
    fn a_failing_node_gets_on_node_error_then_on_pipeline_error() {
        let pipeline = Pipeline::new([
            node(double, "a", "b").name("first"),
            node(explode, "b", "c").name("second"),
        ]);
        for runner in runners() {
            let (result, events) = recorded(runner, &pipeline);
            assert!(
                matches!(result, Err(RunError::NodeFailed { ref node, .. }) if node == "second")
            );
            let tail: Vec<&str> = events.iter().rev().take(5).rev().map(String::as_str).collect();
            assert_eq!(
                tail,
                [
                    "before_dataset_loaded b",
                    "after_dataset_loaded b",
                    "before_node_run second b",
                    "on_node_error second: panicked: boom",
                    "on_pipeline_error",
                ],
                "{runner:?}"
            );
        }
    }

    #[test]
    fn a_failing_node_hook_fails_that_node_and_names_the_hook() {
        let pipeline = Pipeline::new([
            node(double, "a", "b").name("first"),
            node(double, "b", "c").name("second"),
        ]);
        let mut hooks = Hooks::new();
        hooks.push(Gatekeeper);
        let options = RunOptions { hooks, ..RunOptions::default() };
        for runner in runners() {
            let catalog = catalog_with(1.0);
            let error = runner.run_with(&pipeline, &catalog, &options).unwrap_err();
            let RunError::NodeFailed { node, cause, done, .. } = error else {
                panic!("expected a node failure");
            };
            assert_eq!(node, "second");
            assert_eq!(
                cause,
                "hook `Gatekeeper` failed in `before_node_run`: `second` is not allowed today"
            );
            assert_eq!(done, ["first"]);
            assert!(!catalog.exists("c").unwrap(), "`second` never ran");
        }
    }

    #[test]
    fn a_failing_pipeline_hook_fails_the_run() {
        let pipeline = Pipeline::new([node(double, "a", "b").name("first")]);
        let mut hooks = Hooks::new();
        hooks.push(BrokenReport);
        let options = RunOptions { hooks, ..RunOptions::default() };
        for runner in runners() {
            let error = runner.run_with(&pipeline, &catalog_with(1.0), &options).unwrap_err();
            assert!(error.is_node_failure(), "a hook failure happens during the run");
            assert_eq!(
                error.to_string(),
                "hook `BrokenReport` failed in `after_pipeline_run`: the tracking server is down"
            );
        }
    }

    #[test]
    fn a_stop_request_lets_the_running_node_finish_and_starts_no_other() {
        for runner in runners() {
            let stop = StopSignal::new();
            let raised = stop.clone();
            let pipeline = Pipeline::new([
                node(
                    move |x: f64| {
                        raised.request();
                        x * 2.0
                    },
                    "a",
                    "b",
                )
                .name("first"),
                node(double, "b", "c").name("second"),
            ]);
            let options = RunOptions { stop, ..RunOptions::default() };
            let catalog = catalog_with(1.0);
            let error = runner.run_with(&pipeline, &catalog, &options).unwrap_err();

            let RunError::Interrupted { done, resume_from } = &error else {
                panic!("expected an interruption, got {error}");
            };
            assert_eq!(done, &["first"], "{runner:?}");
            // `b` lives in memory and dies with the run: resuming starts from `first` again.
            assert_eq!(resume_from, &["first"], "{runner:?}");
            assert!(!catalog.exists("c").unwrap(), "`second` never started");
            assert!(error.is_node_failure());
        }
    }

    /// Skips the nodes it is given.
    #[derive(Debug)]
    struct SkipNamed(&'static [&'static str]);

    impl NodeGate for SkipNamed {
        fn check(&self, node: &Node, _: &DataCatalog) -> GateDecision {
            if self.0.contains(&node.node_name()) {
                GateDecision::Skip("told to".to_owned())
            } else {
                GateDecision::Run("not told to skip".to_owned())
            }
        }
    }

    #[test]
    fn a_gate_skips_nodes_and_the_summary_says_which() {
        let pipeline = Pipeline::new([
            node(double, "a", "b").name("first"),
            node(double, "a", "c").name("skipped"),
            node(double, "b", "d").name("last"),
        ]);
        for runner in runners() {
            let options = RunOptions {
                gate: Some(Arc::new(SkipNamed(&["skipped"]))),
                ..RunOptions::default()
            };
            let catalog = catalog_with(1.0);
            let summary = runner.run_with(&pipeline, &catalog, &options).unwrap();

            assert_eq!(summary.skipped, ["skipped"], "{runner:?}");
            let mut ran: Vec<&str> = summary.nodes.iter().map(|(n, _)| n.as_str()).collect();
            ran.sort_unstable();
            assert_eq!(ran, ["first", "last"], "{runner:?}");
            assert!(!catalog.exists("c").unwrap(), "a skipped node writes nothing");
            assert_eq!(value(&catalog, "d"), 4.0);
        }
    }

    #[test]
    fn a_run_writing_a_read_only_dataset_is_refused_before_any_work() {
        let folder = tempfile::tempdir().unwrap();
        let entries = serde_json::json!({
            "doubled": {"type": "json", "filepath": "doubled.json", "read_only": true}
        });
        let context = crate::catalog::DatasetContext {
            project_root: folder.path().to_path_buf(),
            save_version: "2024-01-05T10.11.12.345Z".to_owned(),
            load_versions: HashMap::new(),
        };
        let catalog = DataCatalog::from_config(
            entries.as_object().unwrap(),
            &HashMap::new(),
            &serde_json::Map::new(),
            &crate::catalog::DatasetRegistry::with_builtins(),
            &context,
        )
        .unwrap();
        catalog.save("a", 1.0.into_payload()).unwrap();
        let pipeline = Pipeline::new([node(double, "a", "doubled").name("double")]);
        for runner in runners() {
            let error = runner.run_with(&pipeline, &catalog, &RunOptions::default()).unwrap_err();
            assert!(
                matches!(&error, RunError::WritesReadOnly { dataset, node } if dataset == "doubled" && node == "double"),
                "{error}"
            );
            assert!(!error.is_node_failure(), "refused before any work");
            assert!(!folder.path().join("doubled.json").exists());
        }
    }

    #[test]
    fn async_loads_and_saves_give_the_same_outputs() {
        // `split` has two outputs (saved on two threads) and `multiply` two inputs (loaded on
        // two threads): a = 3 → (2, 4) → 8, and 2 * 3 = 6.
        let pipeline = Pipeline::new([
            node(split, "a", ["low", "high"]).name("split"),
            node(multiply, ["low", "high"], "product").name("multiply"),
            node(double, "a", "doubled").name("double"),
        ]);
        for runner in runners() {
            for is_async in [false, true] {
                let recorder = Arc::new(Recorder::default());
                let mut hooks = Hooks::new();
                hooks.push_shared("Recorder", Arc::clone(&recorder) as Arc<dyn Hook>);
                let options =
                    RunOptions { run_id: "r".to_owned(), is_async, hooks, ..RunOptions::default() };
                let catalog = catalog_with(3.0);
                runner.run_with(&pipeline, &catalog, &options).unwrap();

                assert_eq!(value(&catalog, "product"), 8.0, "{runner:?} async={is_async}");
                assert_eq!(value(&catalog, "doubled"), 6.0, "{runner:?} async={is_async}");
                let mut saved: Vec<String> = recorder
                    .events()
                    .into_iter()
                    .filter(|event| event.starts_with("after_dataset_saved"))
                    .collect();
                saved.sort();
                assert_eq!(
                    saved,
                    [
                        "after_dataset_saved doubled",
                        "after_dataset_saved high",
                        "after_dataset_saved low",
                        "after_dataset_saved product",
                    ]
                );
            }
        }
    }

    #[test]
    fn async_load_failures_report_the_first_input_in_order() {
        // Neither `missing_one` nor `missing_two` has data; the message must not depend on
        // which thread finishes first.
        let pipeline = Pipeline::new([node(multiply, ["missing_one", "missing_two"], "out")]);
        let catalog = DataCatalog::new();
        let options = RunOptions { is_async: true, ..RunOptions::default() };
        // Skip the wiring check's "no source" error by calling the task directly.
        let failure = task::run_node(&pipeline.nodes()[0], &catalog, &options).unwrap_err();
        assert_eq!(
            failure.cause,
            "dataset `missing_one` has no data: nothing saved it in this run"
        );
    }
}
