//! Fingerprints of nodes and datasets, and the decision `--skip-unchanged` makes from them.
//!
//! A node's fingerprint is a BLAKE3 hash of its name, its code identity
//! ([`Node::code_identity`]: the function's Rust path plus an optional version label) and the
//! fingerprint of each input, taken just before the node would run:
//! - a parameter: a hash of its value;
//! - a persisted dataset: a hash of the file a load would read (the version's file for
//!   versioned datasets). Hashes are cached in the run store by path, size and modification
//!   time, so unchanged files are not read again;
//! - an in-memory dataset made earlier in the run: the fingerprint of the node that made it
//!   (its content follows from that node's inputs);
//! - and, for every persisted input and output, a hash of its catalog entry (type, `filepath`,
//!   `load_args`, `save_args`...; for a dataset a factory built, the pattern and the entry with
//!   its placeholders filled), so a changed entry re-runs the nodes that read or write it.
//!
//! After a node saves a persisted output, the node's fingerprint, its inputs' fingerprints and
//! the hash of the file written are recorded against the output's location. A later run with
//! `--skip-unchanged` skips a node when every output is persisted, exists, was written by a
//! node with the same fingerprint, and still has the content then written. Otherwise the node
//! runs, and the decision says why (`--explain`). Because each persisted input is judged by its
//! content, changing a parameter re-runs exactly the nodes downstream of it; a node re-run
//! with unchanged inputs writes the same content, so nodes after it stay skipped.
//!
//! # Limitations
//!
//! weir cannot see inside compiled code: an edit to a node's function that keeps its name is
//! invisible unless the node declares a new [`Node::code_version`]. Nodes with an in-memory
//! output always run, since nothing of theirs outlives the run.

use std::collections::HashMap;
use std::io;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::UNIX_EPOCH;

use serde_json::{Map, Value};

use crate::catalog::{DataCatalog, DataStamp};
use crate::data::Payload;
use crate::hooks::{DatasetSaved, Hook, HookResult};
use crate::pipeline::{Node, is_parameter};
use crate::runner::{GateDecision, NodeGate};

use super::recorder::is_metrics_name;
use super::store::{NodeRecord, OutputFingerprint, RunStore, StoreError};

/// The key under which a node's code identity is kept among its input fingerprints.
const CODE_KEY: &str = "@code";

/// The prefix of the keys holding the hash of a dataset's catalog entry.
const ENTRY_PREFIX: &str = "@entry:";

/// Computes fingerprints as a run goes, records them, and (with `skip_unchanged`) skips nodes
/// whose outputs are up to date. Register it both as the run's gate and as a hook.
#[derive(Debug)]
pub struct Fingerprinter {
    store: Arc<RunStore>,
    run_id: String,
    skip_unchanged: bool,
    parameters: HashMap<String, String>,
    entries: HashMap<String, String>,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// In-memory datasets made in this run, with the fingerprint of the node that made them.
    memory: HashMap<String, String>,
    /// Each node checked so far: its fingerprint and its inputs' fingerprints.
    nodes: HashMap<String, (String, Map<String, Value>)>,
    /// Each node checked, in order, with whether it runs and why.
    decisions: Vec<(String, GateDecision)>,
}

impl Fingerprinter {
    /// A fingerprinter for run `run_id`; `parameters` are the run's parameter inputs.
    pub fn new(
        store: Arc<RunStore>,
        run_id: &str,
        skip_unchanged: bool,
        parameters: &[(String, Payload)],
    ) -> Self {
        let parameters = parameters
            .iter()
            .map(|(name, payload)| (name.clone(), parameter_hash(payload)))
            .collect();
        Fingerprinter {
            store,
            run_id: run_id.to_owned(),
            skip_unchanged,
            parameters,
            entries: HashMap::new(),
            state: Mutex::new(State::default()),
        }
    }

    /// Adds the catalog's entries (the `catalog` configuration section, by dataset name), so a
    /// changed entry changes the fingerprint of the nodes reading or writing that dataset.
    #[must_use]
    pub fn with_catalog_entries(mut self, catalog: &Map<String, Value>) -> Self {
        self.entries = catalog
            .iter()
            .map(|(name, entry)| {
                (name.clone(), blake3::hash(entry.to_string().as_bytes()).to_hex().to_string())
            })
            .collect();
        self
    }

    /// Each node checked so far, in order, with whether it ran and why.
    pub fn decisions(&self) -> Vec<(String, GateDecision)> {
        self.lock().decisions.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The fingerprint of each input of `node` as the catalog holds them now.
    fn input_fingerprints(&self, node: &Node, catalog: &DataCatalog) -> Map<String, Value> {
        let mut inputs = Map::new();
        inputs.insert(CODE_KEY.to_owned(), Value::String(node.code_identity()));
        for input in node.inputs() {
            inputs.insert(input.clone(), Value::String(self.dataset_fingerprint(input, catalog)));
        }
        for name in node.inputs().iter().chain(node.outputs()) {
            if let Some(entry) = self.entry_hash(name, catalog) {
                inputs.insert(format!("{ENTRY_PREFIX}{name}"), Value::String(entry));
            }
        }
        inputs
    }

    /// The hash of `name`'s catalog entry: the declared one, or the entry a dataset factory
    /// gave it (with the pattern, so a dataset moving to another pattern counts as a change).
    fn entry_hash(&self, name: &str, catalog: &DataCatalog) -> Option<String> {
        if let Some(entry) = self.entries.get(name) {
            return Some(entry.clone());
        }
        let matched = catalog.factory_match(name)?;
        let text = format!("{}\n{}", matched.pattern, matched.entry);
        Some(blake3::hash(text.as_bytes()).to_hex().to_string())
    }

    fn dataset_fingerprint(&self, name: &str, catalog: &DataCatalog) -> String {
        if is_parameter(name) {
            return self.parameters.get(name).cloned().unwrap_or_else(|| "unknown".to_owned());
        }
        let dataset = catalog.dataset(name);
        if !dataset.is_persistent() {
            let made = self.lock().memory.get(name).cloned();
            return made.map_or_else(|| "unknown".to_owned(), |node| format!("node:{node}"));
        }
        match dataset.stamp() {
            Ok(Some(stamp)) => match content_hash(&self.store, &stamp) {
                Ok(hash) => format!("content:{hash}"),
                Err(error) => format!("unreadable:{error}"),
            },
            Ok(None) => "missing".to_owned(),
            Err(error) => format!("unreadable:{error}"),
        }
    }

    /// Whether the outputs of `node`, made by a node with `fingerprint`, are up to date.
    fn decide(
        &self,
        node: &Node,
        catalog: &DataCatalog,
        fingerprint: &str,
        inputs: &Map<String, Value>,
    ) -> Result<GateDecision, StoreError> {
        if !self.skip_unchanged {
            return Ok(GateDecision::Run("--skip-unchanged not given".to_owned()));
        }
        if let Some((name, _)) = inputs.iter().find(|(_, fp)| fp.as_str() == Some("unknown")) {
            return Ok(GateDecision::Run(format!("input `{name}` has no known fingerprint")));
        }
        let mut writers = Vec::new();
        for output in node.outputs() {
            let dataset = catalog.dataset(output);
            if !dataset.is_persistent() {
                return Ok(GateDecision::Run(format!("output `{output}` lives in memory")));
            }
            let Ok(Some(stamp)) = dataset.stamp() else {
                return Ok(GateDecision::Run(format!("output `{output}` does not exist")));
            };
            let location = dataset.location().unwrap_or_else(|| output.clone());
            let Some(recorded) = self.store.output_fingerprint(&location)? else {
                return Ok(GateDecision::Run(format!("no record of how `{output}` was made")));
            };
            if recorded.fingerprint != fingerprint {
                return Ok(GateDecision::Run(describe_change(&recorded.inputs, inputs)));
            }
            let now = content_hash(&self.store, &stamp).unwrap_or_default();
            if now != recorded.content_hash {
                return Ok(GateDecision::Run(format!(
                    "output `{output}` was changed after run {} wrote it",
                    recorded.run_id
                )));
            }
            writers.push((output.clone(), recorded.run_id));
        }
        self.keep_metrics_of(&writers);
        let mut runs: Vec<&str> = writers.iter().map(|(_, run)| run.as_str()).collect();
        runs.sort_unstable();
        runs.dedup();
        Ok(GateDecision::Skip(format!(
            "inputs, parameters and code unchanged since run {}",
            runs.join(", ")
        )))
    }

    /// A skipped node's metrics outputs keep, in this run's records, the values the run that
    /// wrote them recorded.
    fn keep_metrics_of(&self, outputs: &[(String, String)]) {
        for (output, run) in outputs.iter().filter(|(output, _)| is_metrics_name(output)) {
            if let Err(error) = self.store.copy_metrics(run, &self.run_id, output) {
                tracing::warn!(%error, dataset = output.as_str(), "cannot keep the skipped node's metrics");
            }
        }
    }

    fn record_skip(&self, node: &Node, reason: &str) {
        let record = NodeRecord {
            node: node.node_name().to_owned(),
            status: "skipped".to_owned(),
            started_at: None,
            duration: None,
            peak_rss_bytes: None,
            detail: Some(reason.to_owned()),
        };
        if let Err(error) = self.store.record_node(&self.run_id, &record) {
            tracing::warn!(%error, "cannot record a skipped node");
        }
    }
}

impl NodeGate for Fingerprinter {
    fn check(&self, node: &Node, catalog: &DataCatalog) -> GateDecision {
        let inputs = self.input_fingerprints(node, catalog);
        let fingerprint = node_fingerprint(node, &inputs);
        let decision = self.decide(node, catalog, &fingerprint, &inputs).unwrap_or_else(|error| {
            GateDecision::Run(format!("cannot read the run records: {error}"))
        });
        if let GateDecision::Skip(reason) = &decision {
            self.record_skip(node, reason);
        }

        let mut state = self.lock();
        for output in node.outputs() {
            if !catalog.dataset(output).is_persistent() {
                state.memory.insert(output.clone(), fingerprint.clone());
            }
        }
        state.nodes.insert(node.node_name().to_owned(), (fingerprint, inputs));
        state.decisions.push((node.node_name().to_owned(), decision.clone()));
        decision
    }
}

impl Hook for Fingerprinter {
    /// Records how a persisted output was made, for later `--skip-unchanged` runs. A failure
    /// to record is logged, never a reason to fail the node.
    fn after_dataset_saved(&self, event: &DatasetSaved<'_>) -> HookResult {
        let Some((fingerprint, inputs)) = self.lock().nodes.get(event.node.node_name()).cloned()
        else {
            return Ok(());
        };
        let Some(dataset) = event.node.outputs().iter().find(|o| *o == event.dataset) else {
            return Ok(());
        };
        if let Err(error) = self.record_output(event, dataset, fingerprint, inputs) {
            tracing::warn!(dataset = event.dataset, %error, "cannot record the output's fingerprint");
        }
        Ok(())
    }
}

impl Fingerprinter {
    fn record_output(
        &self,
        event: &DatasetSaved<'_>,
        dataset: &str,
        fingerprint: String,
        inputs: Map<String, Value>,
    ) -> Result<(), String> {
        let catalog_dataset = event.catalog.dataset(event.dataset);
        if !catalog_dataset.is_persistent() {
            return Ok(());
        }
        let Some(stamp) = catalog_dataset.saved_stamp().map_err(|e| e.to_string())? else {
            return Ok(());
        };
        let content_hash = content_hash(&self.store, &stamp).map_err(|e| e.to_string())?;
        let location = catalog_dataset.location().unwrap_or_else(|| dataset.to_owned());
        let record = OutputFingerprint {
            node: event.node.node_name().to_owned(),
            fingerprint,
            inputs,
            content_hash,
            run_id: self.run_id.clone(),
        };
        self.store.set_output_fingerprint(&location, dataset, &record).map_err(|e| e.to_string())
    }
}

/// The fingerprint of a node from its name, outputs and input fingerprints (code included).
fn node_fingerprint(node: &Node, inputs: &Map<String, Value>) -> String {
    let mut hasher = blake3::Hasher::new();
    hasher.update(node.node_name().as_bytes());
    hasher.update(b"\n");
    hasher.update(Value::Object(inputs.clone()).to_string().as_bytes());
    hasher.update(b"\n");
    hasher.update(node.outputs().join(",").as_bytes());
    hasher.finalize().to_hex().to_string()
}

fn parameter_hash(payload: &Payload) -> String {
    let text = match payload {
        Payload::Structured(value) => value.to_string(),
        other => format!("{other:?}"),
    };
    format!("value:{}", blake3::hash(text.as_bytes()).to_hex())
}

/// Why a node whose outputs were made with `before` must run with `now`.
fn describe_change(before: &Map<String, Value>, now: &Map<String, Value>) -> String {
    if before.get(CODE_KEY) != now.get(CODE_KEY) {
        return "its code version changed".to_owned();
    }
    let mut changed: Vec<String> = now
        .iter()
        .filter(|(name, fp)| name.as_str() != CODE_KEY && before.get(*name) != Some(*fp))
        .map(|(name, _)| {
            if let Some(dataset) = name.strip_prefix(ENTRY_PREFIX) {
                return format!("the catalog entry of `{dataset}` changed");
            }
            let kind = if is_parameter(name) { "parameter" } else { "input" };
            format!("{kind} `{name}` changed")
        })
        .collect();
    if changed.is_empty() {
        changed.push("its inputs or outputs were rewired".to_owned());
    }
    changed.join(", ")
}

/// The BLAKE3 hash (hex) of the file behind `stamp`, from the store's cache when the file's
/// size and modification time are unchanged.
pub fn content_hash(store: &RunStore, stamp: &DataStamp) -> Result<String, StoreError> {
    let path = stamp.path.to_string_lossy();
    let modified_ns = stamp
        .modified
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| i64::try_from(since.as_nanos()).unwrap_or(i64::MAX));
    if let Some(hash) = store.cached_hash(&path, stamp.len, modified_ns)? {
        return Ok(hash);
    }
    let hash = hash_file(&stamp.path).map_err(|error| store.io_error(&stamp.path, &error))?;
    store.cache_hash(&path, stamp.len, modified_ns, &hash)?;
    Ok(hash)
}

fn hash_file(path: &Path) -> io::Result<String> {
    let mut hasher = blake3::Hasher::new();
    hasher.update_reader(std::fs::File::open(path)?)?;
    Ok(hasher.finalize().to_hex().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> Map<String, Value> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), Value::String((*v).to_owned()))).collect()
    }

    #[test]
    fn changes_are_named_by_kind() {
        let before = map(&[(CODE_KEY, "f"), ("raw", "content:1"), ("params:c", "value:1")]);
        let now = map(&[(CODE_KEY, "f"), ("raw", "content:1"), ("params:c", "value:2")]);
        assert_eq!(describe_change(&before, &now), "parameter `params:c` changed");
        let now = map(&[(CODE_KEY, "f@2"), ("raw", "content:1"), ("params:c", "value:1")]);
        assert_eq!(describe_change(&before, &now), "its code version changed");
        let now = map(&[(CODE_KEY, "f"), ("raw", "content:9"), ("params:c", "value:2")]);
        assert_eq!(
            describe_change(&before, &now),
            "input `raw` changed, parameter `params:c` changed"
        );
        let before = map(&[(CODE_KEY, "f"), ("@entry:raw", "1")]);
        let now = map(&[(CODE_KEY, "f"), ("@entry:raw", "2")]);
        assert_eq!(describe_change(&before, &now), "the catalog entry of `raw` changed");
    }

    #[test]
    fn file_hashes_are_blake3_and_cached_by_size_and_time() {
        let folder = tempfile::tempdir().unwrap();
        let store = RunStore::open(&folder.path().join("runs.sqlite")).unwrap();
        let file = folder.path().join("data.csv");
        crate::catalog::storage::write_atomic(&file, |w| io::Write::write_all(w, b"a,b\n1,2\n"))
            .unwrap();
        let metadata = std::fs::metadata(&file).unwrap();
        let stamp = DataStamp {
            path: file.clone(),
            version: None,
            len: metadata.len(),
            modified: metadata.modified().unwrap(),
        };
        // The blake3 crate is BLAKE3's reference implementation in Rust.
        let expected = blake3::hash(b"a,b\n1,2\n").to_hex().to_string();
        assert_eq!(content_hash(&store, &stamp).unwrap(), expected);

        // The cache answers for the same size and time, without reading the file.
        std::fs::remove_file(&file).unwrap();
        assert_eq!(content_hash(&store, &stamp).unwrap(), expected);
    }
}
