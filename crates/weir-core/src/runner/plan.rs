//! Checks made before any node runs: every input has a source, and every argument and result
//! type fits the dataset it is wired to.
//!
//! A node reading a declared dataset must accept what that dataset loads; a node reading an
//! in-memory dataset must accept the Rust type the producing node returns; a node writing a
//! declared dataset must return something that dataset can store. Catching these here means a
//! wiring mistake costs nothing instead of a half-finished run.

use std::collections::HashMap;

use crate::catalog::DataCatalog;
use crate::data::DataType;
use crate::pipeline::{Node, Pipeline, strip_transcoding};

use super::RunError;

/// Validates the wiring of `pipeline` against `catalog`.
pub(crate) fn check(pipeline: &Pipeline, catalog: &DataCatalog) -> Result<(), RunError> {
    check_free_inputs(pipeline, catalog)?;
    check_shared_files(pipeline, catalog)?;
    check_read_only(pipeline, catalog)?;

    let producers: HashMap<&str, (&Node, usize)> = pipeline
        .nodes()
        .iter()
        .flat_map(|node| {
            node.outputs().iter().enumerate().map(move |(i, o)| (o.as_str(), (node, i)))
        })
        .collect();

    for node in pipeline.nodes() {
        for (index, (input, expected)) in
            node.inputs().iter().zip(node.argument_types()).enumerate()
        {
            check_input(node, index, input, expected, catalog, producers.get(input.as_str()))?;
        }
        for (output, produced) in node.outputs().iter().zip(node.output_types()) {
            check_output(node, output, produced, catalog)?;
        }
    }
    Ok(())
}

/// Free inputs must be declared in the catalog or already hold data (parameters, injected
/// inputs); an undeclared, empty one would only fail halfway through the run. So must a
/// transcoded input whose own name no node writes (`t@lazy` when a node writes `t@polars`):
/// versions of a dataset share data through the catalog, never in memory.
fn check_free_inputs(pipeline: &Pipeline, catalog: &DataCatalog) -> Result<(), RunError> {
    let mut missing = Vec::new();
    let written = pipeline.all_outputs();
    let transcoded_reads = pipeline
        .all_inputs()
        .into_iter()
        .filter(|input| !written.contains(input) && strip_transcoding(input) != input.as_str());
    let inputs: std::collections::BTreeSet<String> =
        pipeline.inputs().into_iter().chain(transcoded_reads).collect();
    for input in inputs {
        if catalog.is_declared(&input) {
            continue;
        }
        if !catalog.exists(&input).unwrap_or(false) {
            missing.push(input);
        }
    }
    if missing.is_empty() {
        return Ok(());
    }
    Err(RunError::MissingInputs(missing))
}

/// Two datasets of the run stored at one location, one of them written by the run: a save
/// would silently replace the other dataset's data (e.g. an output pointed at a raw input).
/// No node of the run may write a dataset the catalog marks `read_only: true`.
fn check_read_only(pipeline: &Pipeline, catalog: &DataCatalog) -> Result<(), RunError> {
    for node in pipeline.sorted_nodes() {
        if let Some(dataset) = node.outputs().iter().find(|o| catalog.is_read_only(o)) {
            return Err(RunError::WritesReadOnly {
                dataset: dataset.clone(),
                node: node.node_name().to_owned(),
            });
        }
    }
    Ok(())
}

fn check_shared_files(pipeline: &Pipeline, catalog: &DataCatalog) -> Result<(), RunError> {
    let written = pipeline.all_outputs();
    let mut by_location: std::collections::BTreeMap<String, Vec<String>> =
        std::collections::BTreeMap::new();
    for name in pipeline.datasets() {
        if !catalog.is_declared(&name) {
            continue;
        }
        if let Some(location) = catalog.dataset(&name).location() {
            by_location.entry(location).or_default().push(name);
        }
    }
    for (location, datasets) in by_location {
        // Transcoded versions of one dataset (`t@polars`, `t@lazy`) share their file on
        // purpose; the graph orders the writer before the readers.
        let one_dataset =
            datasets.iter().all(|name| strip_transcoding(name) == strip_transcoding(&datasets[0]));
        if datasets.len() > 1 && !one_dataset && datasets.iter().any(|name| written.contains(name))
        {
            return Err(RunError::SharedLocation { location, datasets });
        }
    }
    Ok(())
}

fn check_input(
    node: &Node,
    index: usize,
    input: &str,
    expected: &DataType,
    catalog: &DataCatalog,
    producer: Option<&(&Node, usize)>,
) -> Result<(), RunError> {
    let dataset = catalog.dataset(input);
    let found = match (dataset.loads(), producer) {
        (Some(kind), _) if !expected.accepts_kind(kind) => Some(kind.to_string()),
        (None, Some((producer, position))) => {
            let produced = &producer.output_types()[*position];
            (!expected.accepts_type(produced)).then(|| {
                format!("`{}` (returned by node `{}`)", produced.name, producer.node_name())
            })
        }
        (None, None) => match catalog.load(input) {
            Ok(payload) if !expected.accepts_kind(payload.kind()) => Some(payload.describe()),
            _ => None,
        },
        _ => None,
    };
    match found {
        None => Ok(()),
        Some(found) => Err(RunError::InputTypeMismatch {
            node: node.node_name().to_owned(),
            argument: index + 1,
            expected: expected.name.to_owned(),
            dataset: input.to_owned(),
            found,
        }),
    }
}

fn check_output(
    node: &Node,
    output: &str,
    produced: &DataType,
    catalog: &DataCatalog,
) -> Result<(), RunError> {
    let dataset = catalog.dataset(output);
    if dataset.accepts(produced.kind) {
        return Ok(());
    }
    Err(RunError::OutputTypeMismatch {
        node: node.node_name().to_owned(),
        produced: produced.name.to_owned(),
        dataset: output.to_owned(),
        dataset_type: dataset.type_name().to_owned(),
    })
}
