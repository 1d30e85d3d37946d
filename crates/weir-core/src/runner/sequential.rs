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
use crate::pipeline::{HintedFailure, Node, NodeCallError, Pipeline};

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
        NodeCallError::Failed(error) => {
            let hint = error.downcast_ref::<HintedFailure>().map(|h| h.hint().to_owned());
            (flatten_error(error.as_ref()), hint)
        }
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::catalog::{CatalogError, Dataset};
    use crate::data::{DataKind, NodeData};
    use crate::pipeline::node;

    fn double(x: f64) -> f64 {
        x * 2.0
    }

    fn add(a: f64, b: f64) -> f64 {
        a + b
    }

    fn explode(_: f64) -> f64 {
        panic!("boom")
    }

    fn to_text(x: f64) -> String {
        x.to_string()
    }

    /// A persistent dataset kept in memory, to tell persisted from ephemeral data in tests.
    #[derive(Debug, Default)]
    struct Persisted(std::sync::Mutex<Option<Payload>>);

    impl Dataset for Persisted {
        fn type_name(&self) -> &'static str {
            "test.Persisted"
        }
        fn load(&self) -> Result<Payload, CatalogError> {
            self.0.lock().unwrap().clone().ok_or_else(|| CatalogError::NoData("persisted".into()))
        }
        fn save(&self, payload: Payload) -> Result<(), CatalogError> {
            *self.0.lock().unwrap() = Some(payload);
            Ok(())
        }
        fn exists(&self) -> Result<bool, CatalogError> {
            Ok(self.0.lock().unwrap().is_some())
        }
        fn loads(&self) -> Option<DataKind> {
            Some(DataKind::Structured)
        }
        fn accepts(&self, kind: DataKind) -> bool {
            kind == DataKind::Structured
        }
    }

    fn catalog_with_input(value: f64) -> DataCatalog {
        let catalog = DataCatalog::new();
        catalog.save("a", value.into_payload()).unwrap();
        catalog
    }

    fn value(catalog: &DataCatalog, name: &str) -> f64 {
        f64::from_payload(catalog.load(name).unwrap()).unwrap()
    }

    #[test]
    fn runs_in_order_and_releases_intermediate_data() {
        // a -> double -> b -> double -> c ; (b, c) -> add -> d
        let pipeline = Pipeline::new([
            node(add, ["b", "c"], "d").name("sum"),
            node(double, "b", "c").name("second"),
            node(double, "a", "b").name("first"),
        ]);
        let catalog = catalog_with_input(1.5);
        let summary = SequentialRunner.run(&pipeline, &catalog).unwrap();

        let order: Vec<&str> = summary.nodes.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(order, ["first", "second", "sum"]);
        assert!((value(&catalog, "d") - 9.0).abs() < 1e-12);
        // Intermediate memory datasets are gone once nothing reads them; the input too.
        for released in ["a", "b", "c"] {
            assert!(!catalog.exists(released).unwrap(), "`{released}` should be released");
        }
    }

    #[test]
    fn missing_free_inputs_fail_before_any_work() {
        let pipeline = Pipeline::new([node(double, "nowhere", "out")]);
        let error = SequentialRunner.run(&pipeline, &DataCatalog::new()).unwrap_err();
        assert!(matches!(error, RunError::MissingInputs(ref names) if names == &["nowhere"]));
    }

    #[test]
    fn type_mismatch_between_nodes_fails_before_any_work() {
        // `to_text` returns a String; `double` wants an f64.
        let pipeline = Pipeline::new([node(to_text, "a", "t"), node(double, "t", "out")]);
        let catalog = catalog_with_input(1.0);
        let error = SequentialRunner.run(&pipeline, &catalog).unwrap_err();
        let RunError::InputTypeMismatch { node, argument, dataset, .. } = &error else {
            panic!("expected a type mismatch, got {error}");
        };
        assert_eq!((node.as_str(), *argument, dataset.as_str()), ("double", 1, "t"));
        assert!(!catalog.exists("t").unwrap(), "nothing ran");
    }

    #[test]
    fn a_panicking_node_is_a_node_failure_with_a_resume_point() {
        let mut catalog = catalog_with_input(1.0);
        catalog.add("b", Arc::new(Persisted::default()));
        // first (persists b) -> boom (memory c) -> last
        let pipeline = Pipeline::new([
            node(double, "a", "b").name("first"),
            node(explode, "b", "c").name("boom"),
            node(double, "c", "d").name("last"),
        ]);
        let error = SequentialRunner.run(&pipeline, &catalog).unwrap_err();
        let RunError::NodeFailed { node, cause, done, resume_from, .. } = error else {
            panic!("expected a node failure");
        };
        assert_eq!(node, "boom");
        assert_eq!(cause, "panicked: boom");
        assert_eq!(done, ["first"]);
        assert_eq!(resume_from, ["boom"], "`b` is persisted, so `first` need not run again");
    }

    #[test]
    fn resume_walks_back_over_in_memory_inputs() {
        let catalog = catalog_with_input(1.0);
        // Everything is in memory: after `boom` fails, `first` must run again too.
        let pipeline = Pipeline::new([
            node(double, "a", "b").name("first"),
            node(explode, "b", "c").name("boom"),
        ]);
        let RunError::NodeFailed { resume_from, .. } =
            SequentialRunner.run(&pipeline, &catalog).unwrap_err()
        else {
            panic!("expected a node failure");
        };
        assert_eq!(resume_from, ["first"]);
    }
}
