//! The sequential runner: one node at a time, in the pipeline's deterministic order.
//!
//! For each node it loads the inputs, calls the function, saves the outputs (the shared `task`
//! module, hooks included), and then releases every in-memory dataset that no remaining node
//! reads and that is not a final output, so memory use follows the live data rather than
//! everything the run has produced. The first failure stops the run.

use tracing::info;

use crate::catalog::DataCatalog;
use crate::pipeline::Pipeline;

use super::{
    FailedNode, RunError, RunOptions, RunSummary, count_readers, gate_skips, interrupted, millis,
    nodes_failed, release_unneeded, run_pipeline, task,
};

/// Runs nodes one after another.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SequentialRunner;

impl SequentialRunner {
    /// Runs `pipeline` (already validated) against `catalog`, without hooks.
    pub fn run(&self, pipeline: &Pipeline, catalog: &DataCatalog) -> Result<RunSummary, RunError> {
        self.run_with(pipeline, catalog, &RunOptions::default())
    }

    /// Runs `pipeline` (already validated) against `catalog` with `options` (hooks, `--async`).
    pub fn run_with(
        &self,
        pipeline: &Pipeline,
        catalog: &DataCatalog,
        options: &RunOptions,
    ) -> Result<RunSummary, RunError> {
        run_pipeline(pipeline, catalog, options, || run_in_order(pipeline, catalog, options))
    }
}

fn run_in_order(
    pipeline: &Pipeline,
    catalog: &DataCatalog,
    options: &RunOptions,
) -> Result<RunSummary, RunError> {
    let order = pipeline.sorted_nodes();
    let final_outputs = pipeline.outputs();
    let mut readers_left = count_readers(&order);
    let mut summary = RunSummary::default();
    info!(nodes = order.len(), runner = "sequential", "starting run");

    for (position, node) in order.iter().enumerate() {
        if options.stop.is_requested() {
            return Err(interrupted(pipeline, catalog, finished(&summary)));
        }
        if gate_skips(node, catalog, options) {
            summary.skipped.push(node.node_name().to_owned());
            release_unneeded(node, &mut readers_left, &final_outputs, catalog);
            continue;
        }
        info!(node = node.node_name(), step = position + 1, of = order.len(), "running node");

        let node_started = std::time::Instant::now();
        if let Err(failure) = task::run_node(node, catalog, options) {
            let done = finished(&summary);
            let failed = FailedNode {
                node: node.node_name().to_owned(),
                cause: failure.cause,
                hint: failure.hint,
            };
            return Err(nodes_failed(pipeline, catalog, vec![failed], done));
        }
        let elapsed = node_started.elapsed();
        info!(node = node.node_name(), elapsed_ms = millis(elapsed), "completed node");
        summary.nodes.push((node.node_name().to_owned(), elapsed));

        release_unneeded(node, &mut readers_left, &final_outputs, catalog);
    }
    Ok(summary)
}

/// The nodes that ran or were skipped, for resume suggestions.
fn finished(summary: &RunSummary) -> Vec<String> {
    let ran = summary.nodes.iter().map(|(name, _)| name.clone());
    ran.chain(summary.skipped.iter().cloned()).collect()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::catalog::{CatalogError, Dataset};
    use crate::data::{DataKind, NodeData, Payload};
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
