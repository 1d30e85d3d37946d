//! Runners execute a pipeline against a catalog.
//!
//! - `plan`: the checks made before any node runs (sources and types of every input).
//! - [`sequential`]: the [`SequentialRunner`], one node after another in the pipeline's order.
//! - [`resume`]: after a failure, the smallest set of nodes to start again from.
//!
//! Runners use `pipeline`, `catalog` and `data`; they never read configuration or parse
//! arguments. They log the run story through `tracing` (node start, end and duration) and leave
//! printing to the caller.

mod plan;
pub mod resume;
pub mod sequential;

use std::cell::Cell;
use std::time::Duration;

use crate::catalog::CatalogError;
use crate::error::Hinted;

pub use sequential::SequentialRunner;

/// What a successful run did.
#[derive(Debug, Clone, Default)]
pub struct RunSummary {
    /// Each node that ran, in order, with its duration.
    pub nodes: Vec<(String, Duration)>,
    /// The whole run's duration.
    pub elapsed: Duration,
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
}

impl RunError {
    /// Whether the run failed inside a node (exit code 1) rather than before starting.
    pub fn is_node_failure(&self) -> bool {
        matches!(self, RunError::NodeFailed { .. })
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
        }
    }
}

fn quote_all(names: &[String]) -> String {
    names.iter().map(|name| format!("`{name}`")).collect::<Vec<_>>().join(", ")
}

/// A catalog error met while running a node, as the failure's cause and hint.
fn catalog_failure(error: &CatalogError) -> (String, Option<String>) {
    (error.to_string(), error.hint())
}

thread_local! {
    static RUNNING_NODE: Cell<bool> = const { Cell::new(false) };
}

/// Whether the current thread is inside a node's function.
///
/// A CLI's panic hook uses this to stay quiet about panics in user code, which the runner
/// reports itself as node failures.
pub fn is_running_node() -> bool {
    RUNNING_NODE.with(Cell::get)
}

/// Calls `f` with the "inside a node" flag set, turning a panic into an error message.
fn call_guarded<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    RUNNING_NODE.with(|flag| flag.set(true));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    RUNNING_NODE.with(|flag| flag.set(false));
    result.map_err(|panic| {
        let message = panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic payload".to_owned());
        format!("panicked: {message}")
    })
}
