//! Where to resume a failed run, following Kedro's resume suggestion.
//!
//! The nodes still to run are those that did not finish. Any of them that reads an in-memory
//! dataset needs the node that produced it to run again (its data died with the run), and so
//! on upstream until every input is persisted. The suggestion is the first dependency level of
//! that set, to be passed as `--from-nodes`.

use std::collections::BTreeSet;

use crate::catalog::DataCatalog;
use crate::pipeline::{Pipeline, is_parameter};

/// The nodes to pass to `--from-nodes` to finish the run, given the nodes already `done`.
pub fn nodes_to_resume_from(
    pipeline: &Pipeline,
    done: &[String],
    catalog: &DataCatalog,
) -> Vec<String> {
    let mut to_run: BTreeSet<String> = pipeline
        .nodes()
        .iter()
        .map(|node| node.node_name().to_owned())
        .filter(|name| !done.contains(name))
        .collect();

    loop {
        let ephemeral_inputs = ephemeral_inputs_of(pipeline, &to_run, catalog);
        let producers: BTreeSet<String> = pipeline
            .nodes()
            .iter()
            .filter(|node| node.outputs().iter().any(|o| ephemeral_inputs.contains(o)))
            .map(|node| node.node_name().to_owned())
            .filter(|name| !to_run.contains(name))
            .collect();
        if producers.is_empty() {
            break;
        }
        to_run.extend(producers);
    }

    let names: Vec<String> = to_run.into_iter().collect();
    let Ok(remaining) = pipeline.only_nodes(&names) else { return names };
    remaining
        .levels()
        .first()
        .map(|level| level.iter().map(|node| node.node_name().to_owned()).collect())
        .unwrap_or_default()
}

/// Inputs of the `to_run` nodes that live only in memory (parameters excepted).
fn ephemeral_inputs_of(
    pipeline: &Pipeline,
    to_run: &BTreeSet<String>,
    catalog: &DataCatalog,
) -> BTreeSet<String> {
    pipeline
        .nodes()
        .iter()
        .filter(|node| to_run.contains(node.node_name()))
        .flat_map(|node| node.inputs().iter())
        .filter(|input| !is_parameter(input) && !catalog.dataset(input).is_persistent())
        .cloned()
        .collect()
}
