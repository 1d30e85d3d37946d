//! `--only-missing-outputs`: the part of a pipeline that still has work to do.
//!
//! Walking the nodes from last to first, a node runs when one of its persisted outputs is
//! missing, or when a node that runs reads one of its in-memory outputs (that data does not
//! outlive a run, so its producer must run again). A node whose outputs are all persisted and
//! present, and which nobody running needs, is skipped. This follows Kedro 1.x's
//! `--only-missing-outputs`.

use std::collections::BTreeSet;

use crate::catalog::{CatalogError, DataCatalog};
use crate::pipeline::{Node, Pipeline};

/// The nodes of `pipeline` that must run for every persisted output to exist.
pub fn only_missing_outputs(
    pipeline: &Pipeline,
    catalog: &DataCatalog,
) -> Result<Pipeline, CatalogError> {
    let order = pipeline.sorted_nodes();
    let mut running: Vec<&Node> = Vec::new();
    let mut needed_in_memory: BTreeSet<&str> = BTreeSet::new();

    for node in order.into_iter().rev() {
        if must_run(node, catalog, &needed_in_memory)? {
            needed_in_memory.extend(node.inputs().iter().map(String::as_str));
            running.push(node);
        }
    }
    running.reverse();
    Ok(running.into_iter().cloned().collect())
}

/// Whether `node` has a persisted output that is missing, or an in-memory output that a running
/// node reads. A node without outputs cannot be known to be done, so it runs.
fn must_run(
    node: &Node,
    catalog: &DataCatalog,
    needed_in_memory: &BTreeSet<&str>,
) -> Result<bool, CatalogError> {
    for output in node.outputs() {
        let dataset = catalog.dataset(output);
        let missing = if dataset.is_persistent() {
            !dataset.exists()?
        } else {
            needed_in_memory.contains(output.as_str())
        };
        if missing {
            return Ok(true);
        }
    }
    Ok(node.outputs().is_empty())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::catalog::{Dataset, MemoryDataset};
    use crate::data::NodeData;
    use crate::pipeline::node;

    fn double(x: f64) -> f64 {
        x * 2.0
    }

    /// A memory dataset that claims to outlive the run, standing in for a file.
    #[derive(Debug)]
    struct Stored(MemoryDataset);

    impl Dataset for Stored {
        fn type_name(&self) -> &'static str {
            "test.Stored"
        }
        fn load(&self) -> Result<crate::data::Payload, CatalogError> {
            self.0.load()
        }
        fn save(&self, payload: crate::data::Payload) -> Result<(), CatalogError> {
            self.0.save(payload)
        }
        fn exists(&self) -> Result<bool, CatalogError> {
            self.0.exists()
        }
        fn loads(&self) -> Option<crate::data::DataKind> {
            None
        }
        fn accepts(&self, _kind: crate::data::DataKind) -> bool {
            true
        }
    }

    fn stored(catalog: &mut DataCatalog, name: &str, present: bool) {
        let dataset = Stored(MemoryDataset::new(name));
        if present {
            dataset.save(1.0.into_payload()).unwrap();
        }
        catalog.add(name, Arc::new(dataset));
    }

    fn names(pipeline: &Pipeline) -> Vec<&str> {
        pipeline.nodes().iter().map(Node::node_name).collect()
    }

    /// raw -> a -> (memory) m -> b -> stored s -> c -> stored t
    fn chain() -> Pipeline {
        Pipeline::new([
            node(double, "raw", "m").name("a"),
            node(double, "m", "s").name("b"),
            node(double, "s", "t").name("c"),
        ])
    }

    #[test]
    fn only_nodes_with_missing_persisted_outputs_run() {
        let mut catalog = DataCatalog::new();
        stored(&mut catalog, "s", true);
        stored(&mut catalog, "t", false);
        let pipeline = only_missing_outputs(&chain(), &catalog).unwrap();
        assert_eq!(names(&pipeline), ["c"]);
    }

    #[test]
    fn a_missing_output_pulls_in_the_producers_of_its_in_memory_inputs() {
        let mut catalog = DataCatalog::new();
        stored(&mut catalog, "s", false);
        stored(&mut catalog, "t", true);
        let pipeline = only_missing_outputs(&chain(), &catalog).unwrap();
        assert_eq!(names(&pipeline), ["a", "b"]);
    }

    #[test]
    fn nothing_runs_when_everything_exists() {
        let mut catalog = DataCatalog::new();
        stored(&mut catalog, "s", true);
        stored(&mut catalog, "t", true);
        assert!(only_missing_outputs(&chain(), &catalog).unwrap().is_empty());
    }
}
