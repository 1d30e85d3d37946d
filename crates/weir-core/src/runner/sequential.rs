//! The sequential runner: one node at a time, in the pipeline's deterministic order.
//!
//! For each node it loads the inputs, calls the function, saves the outputs, and then releases
//! every in-memory dataset that no remaining node reads and that is not a final output, so
//! memory use follows the live data rather than everything the run has produced.

use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

use tracing::{debug, info};

use crate::catalog::DataCatalog;
use crate::data::Payload;
use crate::error::Hinted;
use crate::pipeline::{Node, NodeCallError, Pipeline};

use super::{RunError, RunSummary, call_guarded, catalog_failure, plan, resume};

/// Runs nodes one after another.
#[derive(Debug, Clone, Copy, Default)]
pub struct SequentialRunner;

impl SequentialRunner {
    /// Runs `pipeline` (already validated) against `catalog`.
    pub fn run(&self, pipeline: &Pipeline, catalog: &DataCatalog) -> Result<RunSummary, RunError> {
        plan::check(pipeline, catalog)?;

        let started = Instant::now();
        let order = pipeline.sorted_nodes();
        let final_outputs = pipeline.outputs();
        let mut readers_left = count_readers(&order);
        let mut summary = RunSummary::default();
        info!(nodes = order.len(), "starting run");

        for (position, node) in order.iter().enumerate() {
            info!(node = node.node_name(), step = position + 1, of = order.len(), "running node");

            let node_started = Instant::now();
            if let Err((cause, hint)) = run_node(node, catalog) {
                let done: Vec<String> =
                    summary.nodes.iter().map(|(name, _)| name.clone()).collect();
                let resume_from = resume::nodes_to_resume_from(pipeline, &done, catalog);
                return Err(RunError::NodeFailed {
                    node: node.node_name().to_owned(),
                    cause,
                    hint,
                    done,
                    resume_from,
                });
            }
            let elapsed = node_started.elapsed();
            info!(node = node.node_name(), elapsed_ms = millis(elapsed), "completed node");
            summary.nodes.push((node.node_name().to_owned(), elapsed));

            release_unneeded(node, &mut readers_left, &final_outputs, catalog);
        }

        summary.elapsed = started.elapsed();
        info!(elapsed_ms = millis(summary.elapsed), "run finished");
        Ok(summary)
    }
}

/// Milliseconds, rounded to microseconds so log lines stay short.
fn millis(duration: Duration) -> f64 {
    (duration.as_secs_f64() * 1e6).round() / 1e3
}

/// Loads, calls and saves one node; the error is the cause and an optional hint.
pub(crate) fn run_node(node: &Node, catalog: &DataCatalog) -> Result<(), (String, Option<String>)> {
    let inputs = load_inputs(node, catalog)?;
    let outputs = call_node(node, inputs)?;
    save_outputs(node, outputs, catalog)
}

fn load_inputs(
    node: &Node,
    catalog: &DataCatalog,
) -> Result<Vec<Payload>, (String, Option<String>)> {
    let mut inputs = Vec::with_capacity(node.inputs().len());
    for name in node.inputs() {
        debug!(dataset = name.as_str(), "loading");
        inputs.push(catalog.load(name).map_err(|error| catalog_failure(&error))?);
    }
    Ok(inputs)
}

fn call_node(node: &Node, inputs: Vec<Payload>) -> Result<Vec<Payload>, (String, Option<String>)> {
    let result = call_guarded(|| node.run(inputs)).map_err(|panic| (panic, None))?;
    result.map_err(|error| describe_call_error(node, error))
}

fn describe_call_error(node: &Node, error: NodeCallError) -> (String, Option<String>) {
    match error {
        NodeCallError::Argument { index, error } => {
            let dataset = node.inputs().get(index).map_or("?", String::as_str);
            let expected = node.argument_types().get(index).map_or("?", |t| t.name);
            (
                format!(
                    "argument {} (`{expected}`) cannot be read from dataset `{dataset}`: {error}",
                    index + 1
                ),
                Some(format!("check that `{dataset}` holds what the node expects")),
            )
        }
        NodeCallError::Failed(error) => (flatten_error(error.as_ref()), None),
        NodeCallError::Arity { expected, given } => {
            (format!("the function takes {expected} arguments but {given} inputs were given"), None)
        }
    }
}

/// An error and its causes on one line.
fn flatten_error(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}

fn save_outputs(
    node: &Node,
    outputs: Vec<Payload>,
    catalog: &DataCatalog,
) -> Result<(), (String, Option<String>)> {
    for (name, payload) in node.outputs().iter().zip(outputs) {
        debug!(dataset = name.as_str(), "saving");
        catalog.save(name, payload).map_err(|error| (error.to_string(), error.hint()))?;
    }
    Ok(())
}

/// How many nodes read each dataset.
pub(crate) fn count_readers(order: &[&Node]) -> HashMap<String, usize> {
    let mut readers = HashMap::new();
    for node in order {
        for input in node.inputs() {
            *readers.entry(input.clone()).or_insert(0) += 1;
        }
    }
    readers
}

/// Releases the inputs of `node` that no later node reads and that are not final outputs.
pub(crate) fn release_unneeded(
    node: &Node,
    readers_left: &mut HashMap<String, usize>,
    final_outputs: &BTreeSet<String>,
    catalog: &DataCatalog,
) {
    for input in node.inputs() {
        let Some(left) = readers_left.get_mut(input) else { continue };
        *left -= 1;
        if *left == 0 && !final_outputs.contains(input) && !crate::pipeline::is_parameter(input) {
            debug!(dataset = input.as_str(), "releasing");
            catalog.release(input);
        }
    }
}
