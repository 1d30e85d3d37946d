//! Runners execute a pipeline against a catalog.
//!
//! - `plan`: the checks made before any node runs (sources and types of every input).
//! - `task`: one node's work, shared by every runner (load, call, save, hooks, `--async`).
//! - [`sequential`]: the [`SequentialRunner`], one node after another in the pipeline's order.
//! - [`parallel`]: the [`ParallelRunner`], nodes whose inputs are ready at once, on threads.
//! - [`resume`]: after a failure, the smallest set of nodes to start again from.
//!
//! Both runners make the same checks before any work, call the same hooks
//! ([`crate::hooks`]) and release an in-memory dataset once every node reading it has finished
//! (unless it is a final output), so outputs and memory behaviour do not depend on the runner.
//!
//! Runners use `pipeline`, `catalog`, `data` and `hooks`; they never read configuration or
//! parse arguments. They log the run story through `tracing` (node start, end and duration) and
//! leave printing to the caller.

pub mod parallel;
mod plan;
pub mod resume;
pub mod sequential;
mod task;

use std::collections::{BTreeSet, HashMap};
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
}

impl RunError {
    /// Whether the run failed while running (a node, or a hook: exit code 1) rather than in the
    /// checks made before starting.
    pub fn is_node_failure(&self) -> bool {
        matches!(self, RunError::NodeFailed { .. } | RunError::NodesFailed { .. } | RunError::Hook(_))
    }

    /// The nodes a resumed run should start from, when nodes failed.
    pub fn resume_from(&self) -> Option<&[String]> {
        match self {
            RunError::NodeFailed { resume_from, .. } | RunError::NodesFailed { resume_from, .. } => {
                Some(resume_from)
            }
            _ => None,
        }
    }
}

impl Hinted for RunError {
    fn hint(&self) -> Option<String> {
        match self {
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
            RunError::Hook(_) => Some(
                "fix the hook, or remove it from the project's `ProjectDefinition`".to_owned(),
            ),
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
            let failed = PipelineFailed { run_id, pipeline, catalog, error: &text };
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
