//! Pipelines: sets of [`Node`]s joined by the names of the data they read and write.
//!
//! - [`node`](mod@node): wrapping typed Rust functions as nodes.
//! - [`graph`]: validation (duplicate names, two writers, cycles, arity), the deterministic run
//!   order and the slicing filters (`--nodes`, `--tags`, `--from-nodes`, ...), with Kedro's
//!   semantics.
//! - [`namespace`]: modular pipelines, instantiated under namespaces with remapped names.
//! - [`registry`]: the named pipelines a project hands to the CLI.
//!
//! A pipeline knows nothing about where data lives; it uses `data` and `error` only.
//!
//! # Transcoding
//!
//! As in Kedro, `table@polars` and `table@lazy` name two catalog entries (usually sharing a
//! file) for one dataset `table`: the graph orders and validates by the name before the `@`
//! ([`strip_transcoding`]), so the node writing `table@polars` runs before every node reading
//! `table@lazy`. Kedro's rules hold: one `@` at most, a dataset used with `@` is never also
//! named without it, a node may not read and write versions of the same dataset, and one
//! node writes it. [`Pipeline::inputs`] and [`Pipeline::outputs`] keep the transcoded names,
//! leaving out every version of a dataset that the pipeline both writes and reads.

pub mod graph;
pub mod namespace;
pub mod node;
pub mod registry;

use std::collections::BTreeSet;
use std::ops::Add;

use crate::error::Hinted;

pub use graph::PipelineFilter;
pub use namespace::{ModularPipeline, modular};
pub use node::{
    HintedFailure, IntoNames, Node, NodeCallError, NodeFailure, NodeFunction, NodeOutput, node,
};
pub use registry::PipelineRegistry;

/// The prefix of parameter inputs: `params:model.C`.
pub const PARAMS_PREFIX: &str = "params:";

/// The input that receives every parameter at once.
pub const ALL_PARAMETERS: &str = "parameters";

/// The separator of transcoded names: `table@polars` and `table@lazy` are versions of `table`.
pub const TRANSCODING_SEPARATOR: char = '@';

/// The dataset a possibly transcoded name stands for: `table@lazy` → `table`.
pub fn strip_transcoding(name: &str) -> &str {
    name.split_once(TRANSCODING_SEPARATOR).map_or(name, |(base, _)| base)
}

/// Whether an input name refers to parameters rather than a dataset.
pub fn is_parameter(name: &str) -> bool {
    name == ALL_PARAMETERS || name.starts_with(PARAMS_PREFIX)
}

/// A set of nodes. Order of construction does not matter: [`Pipeline::sorted_nodes`] gives the
/// run order.
#[derive(Debug, Clone, Default)]
pub struct Pipeline {
    nodes: Vec<Node>,
}

/// A mistake in how a pipeline is put together.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PipelineError {
    /// Several nodes share a name.
    #[error("node names must be unique, but {} appear more than once", quote_all(.0))]
    DuplicateNodeNames(Vec<String>),
    /// Several nodes write the same dataset.
    #[error("dataset `{dataset}` is written by more than one node: {}", quote_all(.nodes))]
    DuplicateOutput {
        /// The dataset.
        dataset: String,
        /// The nodes writing it.
        nodes: Vec<String>,
    },
    /// The nodes depend on each other in a circle.
    #[error("the pipeline has a cycle: {}", describe_cycle(.nodes, .datasets))]
    Cycle {
        /// The nodes on the cycle, in order.
        nodes: Vec<String>,
        /// `datasets[i]` is written by `nodes[i]` and read by the next node.
        datasets: Vec<String>,
    },
    /// A node declares a number of inputs or outputs its function does not have.
    #[error("node `{node}` declares {declared} {what} but its function `{function}` has {actual}")]
    Arity {
        /// The node.
        node: String,
        /// The wrapped function.
        function: String,
        /// `inputs` or `outputs`.
        what: &'static str,
        /// How many names were declared.
        declared: usize,
        /// How many the function has.
        actual: usize,
    },
    /// A node reads a dataset it also writes.
    #[error("node `{node}` reads and writes `{dataset}`")]
    SelfLoop {
        /// The node.
        node: String,
        /// The dataset.
        dataset: String,
    },
    /// A node reads one transcoded version of a dataset and writes another.
    #[error(
        "node `{node}` reads `{input}` and writes `{output}`, two versions of dataset `{}`",
        strip_transcoding(.input)
    )]
    TranscodedSelfLoop {
        /// The node.
        node: String,
        /// The version it reads.
        input: String,
        /// The version it writes.
        output: String,
    },
    /// A dataset is used with transcoding (`table@polars`) and also without it (`table`).
    #[error(
        "dataset `{dataset}` is used with transcoding ({}) and also without the `@` separator",
        quote_all(.transcoded)
    )]
    TranscodedWithoutSeparator {
        /// The name before the `@`.
        dataset: String,
        /// The transcoded names in use.
        transcoded: Vec<String>,
    },
    /// A name with more than one `@`.
    #[error("dataset name `{0}` has more than one transcoding separator `@`")]
    TranscodingSeparators(String),
    /// A node was given a name that is empty or a closure's internal path.
    #[error("node `{0}` needs a name")]
    Unnamed(String),
    /// A node writes a parameter.
    #[error("node `{node}` writes `{dataset}`, but `params:` names are read-only parameters")]
    WritesParameter {
        /// The node.
        node: String,
        /// The output name.
        dataset: String,
    },
    /// Filters named nodes, tags or datasets that the pipeline does not have.
    #[error("the pipeline has no {what} named {}", quote_all(.names))]
    UnknownNames {
        /// `nodes`, `datasets`...
        what: &'static str,
        /// The unknown names.
        names: Vec<String>,
        /// Close matches for each unknown name.
        suggestions: Vec<String>,
    },
    /// A modular pipeline's inputs, outputs or parameters are mapped wrongly.
    #[error("cannot remap the pipeline: {0}")]
    ModularPipeline(String),
    /// No node is left after filtering.
    #[error("no node is left after applying the filters ({0})")]
    EmptyAfterFilter(String),
    /// A pipeline name that the registry does not have.
    #[error("there is no pipeline named `{name}`")]
    UnknownPipeline {
        /// The name asked for.
        name: String,
        /// The registered names.
        available: Vec<String>,
    },
}

fn quote_all(names: &[String]) -> String {
    names.iter().map(|name| format!("`{name}`")).collect::<Vec<_>>().join(", ")
}

fn describe_cycle(nodes: &[String], datasets: &[String]) -> String {
    let mut text = String::new();
    for (node, dataset) in nodes.iter().zip(datasets) {
        text.push_str(&format!("`{node}` writes `{dataset}`, read by "));
    }
    if let Some(first) = nodes.first() {
        text.push_str(&format!("`{first}`"));
    }
    text
}

impl Hinted for PipelineError {
    fn hint(&self) -> Option<String> {
        match self {
            PipelineError::DuplicateNodeNames(_) => {
                Some("give each node its own name with `.name(\"...\")`".to_owned())
            }
            PipelineError::DuplicateOutput { .. } => Some(
                "rename one of the outputs; each dataset must have exactly one producer".to_owned(),
            ),
            PipelineError::Cycle { .. } | PipelineError::SelfLoop { .. } => Some(
                "a node's output must not feed back into itself or its ancestors; write a new dataset name instead".to_owned(),
            ),
            PipelineError::TranscodedSelfLoop { output, .. } => Some(format!(
                "a node cannot read and write versions of one dataset; write a new dataset instead of `{output}`"
            )),
            PipelineError::TranscodedWithoutSeparator { dataset, .. } => Some(format!(
                "name every use of `{dataset}` with a transcoding suffix (e.g. `{dataset}@polars`), or rename one of the datasets"
            )),
            PipelineError::TranscodingSeparators(name) => Some(format!(
                "keep one `@`: the part after it names the version (e.g. `{}@lazy`)",
                strip_transcoding(name)
            )),
            PipelineError::Arity { .. } => {
                Some("list exactly one name per function argument and per result".to_owned())
            }
            PipelineError::Unnamed(_) => {
                Some("closures have no usable name: add `.name(\"...\")` to the node".to_owned())
            }
            PipelineError::UnknownNames { suggestions, .. } if !suggestions.is_empty() => {
                Some(format!("did you mean {}?", quote_all(suggestions)))
            }
            PipelineError::UnknownPipeline { available, .. } => {
                Some(format!("the project's pipelines are {}", quote_all(available)))
            }
            PipelineError::EmptyAfterFilter(_) => {
                Some("each filter keeps its own set of nodes and the run keeps only the nodes in all of them: check `--nodes`, `--tags`, `--from-nodes`, `--to-nodes`, `--from-inputs`, `--to-outputs` and `--namespaces`".to_owned())
            }
            _ => None,
        }
    }
}

impl Pipeline {
    /// A pipeline of `nodes`.
    pub fn new(nodes: impl IntoIterator<Item = Node>) -> Self {
        Pipeline { nodes: nodes.into_iter().collect() }
    }

    /// The nodes, in the order they were added.
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// Whether the pipeline has no node.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// How many nodes the pipeline has.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// The node called `name`.
    pub fn find(&self, name: &str) -> Option<&Node> {
        self.nodes.iter().find(|node| node.node_name() == name)
    }

    /// Every name read by some node, parameters included.
    pub fn all_inputs(&self) -> BTreeSet<String> {
        self.nodes.iter().flat_map(|node| node.inputs().iter().cloned()).collect()
    }

    /// Every name written by some node.
    pub fn all_outputs(&self) -> BTreeSet<String> {
        self.nodes.iter().flat_map(|node| node.outputs().iter().cloned()).collect()
    }

    /// Free inputs: read by some node and written by none (parameters included). A
    /// transcoded name counts as its dataset: `t@lazy` is no free input when a node writes
    /// `t@polars` (Kedro's `Pipeline.inputs`).
    pub fn inputs(&self) -> BTreeSet<String> {
        self.without_intermediates(self.all_inputs())
    }

    /// Final outputs: written by some node and read by none, transcoding counted as in
    /// [`Pipeline::inputs`].
    pub fn outputs(&self) -> BTreeSet<String> {
        self.without_intermediates(self.all_outputs())
    }

    /// `names` without those whose dataset (the name before any `@`) is both read and written.
    fn without_intermediates(&self, names: BTreeSet<String>) -> BTreeSet<String> {
        let inputs = self.all_inputs();
        let outputs = self.all_outputs();
        let read: BTreeSet<&str> = inputs.iter().map(|name| strip_transcoding(name)).collect();
        let written: BTreeSet<&str> = outputs.iter().map(|name| strip_transcoding(name)).collect();
        names
            .into_iter()
            .filter(|name| {
                let base = strip_transcoding(name);
                !(read.contains(base) && written.contains(base))
            })
            .collect()
    }

    /// Every dataset name the pipeline touches, parameters excluded.
    pub fn datasets(&self) -> BTreeSet<String> {
        let mut names = self.all_inputs();
        names.extend(self.all_outputs());
        names.retain(|name| !is_parameter(name));
        names
    }

    /// The parameter keys the nodes read (`params:a.b` → `a.b`).
    pub fn parameter_keys(&self) -> BTreeSet<String> {
        self.all_inputs()
            .iter()
            .filter_map(|name| name.strip_prefix(PARAMS_PREFIX).map(str::to_owned))
            .collect()
    }

    /// Every tag used by some node.
    pub fn tags(&self) -> BTreeSet<String> {
        self.nodes.iter().flat_map(|node| node.tag_set().iter().cloned()).collect()
    }
}

impl Add for Pipeline {
    type Output = Pipeline;

    /// The union of both pipelines; a node present in both (same name and wiring) is kept once.
    fn add(mut self, other: Pipeline) -> Pipeline {
        for node in other.nodes {
            let already_there = self.nodes.iter().any(|existing| same_node(existing, &node));
            if !already_there {
                self.nodes.push(node);
            }
        }
        self
    }
}

impl std::iter::Sum for Pipeline {
    fn sum<I: Iterator<Item = Pipeline>>(iter: I) -> Pipeline {
        iter.fold(Pipeline::default(), Add::add)
    }
}

impl FromIterator<Node> for Pipeline {
    fn from_iter<I: IntoIterator<Item = Node>>(iter: I) -> Self {
        Pipeline::new(iter)
    }
}

/// Two nodes are the same when name, function and wiring agree (adding a pipeline to itself
/// is a no-op, as in Kedro).
fn same_node(a: &Node, b: &Node) -> bool {
    a.node_name() == b.node_name()
        && a.function_name() == b.function_name()
        && a.inputs() == b.inputs()
        && a.outputs() == b.outputs()
}
