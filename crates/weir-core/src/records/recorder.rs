//! [`RunRecorder`], the built-in hook that writes each run to the [`RunStore`]: the run when
//! it starts and ends, every node as it finishes, every dataset as it is loaded or saved.
//!
//! It uses only the public [`Hook`] API, like any project hook. A failure to write a record
//! is logged as a warning and never fails the run: records describe work, they are not part
//! of it.
//!
//! Metrics: the value of every structured dataset a run saves whose type is
//! `weir.MetricsDataset` or whose name contains `metric`, `report` or `score` (a classification
//! report, a metrics dictionary) is kept with the run (up to 256 KiB of JSON each), so
//! `weir runs diff` compares them even when the dataset's file has since been overwritten.
//!
//! Peak memory is the process's resident high-water mark (`VmHWM` in `/proc/self/status`),
//! reset before each node through `/proc/self/clear_refs`, so it is the peak while that node
//! ran. Nodes running at the same time (the parallel runner) share one process, so there the
//! figure covers everything running alongside. On systems without `/proc` it is not recorded.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use crate::hooks::{
    DatasetLoaded, DatasetSaved, Hook, HookResult, NodeFailed, NodeFinished, NodeStarting,
    PipelineFailed, PipelineFinished, PipelineStarting,
};

use crate::data::Payload;

use super::fingerprint::content_hash;
use super::store::{DatasetRecord, NodeRecord, RunStart, RunStatus, RunStore, StoreError};

/// Writes the run to the store as it happens.
#[derive(Debug)]
pub struct RunRecorder {
    store: Arc<RunStore>,
    start: RunStart,
    node_started: Mutex<HashMap<String, String>>,
    /// Whether the run's row was written; nothing else is written otherwise.
    started: AtomicBool,
}

impl RunRecorder {
    /// A recorder for the run described by `start`.
    pub fn new(store: Arc<RunStore>, start: RunStart) -> Self {
        RunRecorder {
            store,
            start,
            node_started: Mutex::new(HashMap::new()),
            started: AtomicBool::new(false),
        }
    }

    fn run_id(&self) -> &str {
        &self.start.id
    }

    fn is_started(&self) -> bool {
        self.started.load(Ordering::SeqCst)
    }

    fn finish(&self, status: RunStatus, error: Option<&str>, resume_from: &[String]) {
        if !self.is_started() {
            return;
        }
        let now = now_rfc3339();
        let result = self.store.finish_run(self.run_id(), status, &now, error, resume_from);
        warn_on_failure(result, "the end of the run");
    }

    fn node_record(&self, node: &str, status: &str) -> NodeRecord {
        let started_at =
            self.node_started.lock().unwrap_or_else(PoisonError::into_inner).remove(node);
        NodeRecord {
            node: node.to_owned(),
            status: status.to_owned(),
            started_at,
            duration: None,
            peak_rss_bytes: peak_rss_bytes(),
            detail: None,
        }
    }

    fn dataset_record(
        &self,
        catalog: &crate::catalog::DataCatalog,
        dataset: &str,
        node: &str,
        direction: &str,
    ) -> DatasetRecord {
        let entry = catalog.dataset(dataset);
        let hashed = direction == "save";
        let stamp = match (entry.is_persistent(), hashed) {
            (false, _) => None,
            (true, false) => entry.stamp().ok().flatten(),
            (true, true) => entry.saved_stamp().ok().flatten(),
        };
        DatasetRecord {
            dataset: dataset.to_owned(),
            direction: direction.to_owned(),
            node: node.to_owned(),
            location: entry.location(),
            version: stamp.as_ref().and_then(|s| s.version.clone()),
            content_hash: stamp
                .filter(|_| hashed)
                .and_then(|stamp| content_hash(&self.store, &stamp).ok()),
        }
    }
}

impl Hook for RunRecorder {
    /// Writes the run's row. A run id that is already recorded fails the run: another run
    /// started in the same millisecond and would save the same versions.
    fn before_pipeline_run(&self, _: &PipelineStarting<'_>) -> HookResult {
        match self.store.start_run(&self.start) {
            Ok(()) => self.started.store(true, Ordering::SeqCst),
            Err(error) if error.is_duplicate_run() => return Err(Box::new(error)),
            Err(error) => tracing::warn!(%error, "cannot record the start of the run"),
        }
        Ok(())
    }

    fn after_pipeline_run(&self, _: &PipelineFinished<'_>) -> HookResult {
        self.finish(RunStatus::Succeeded, None, &[]);
        Ok(())
    }

    fn on_pipeline_error(&self, event: &PipelineFailed<'_>) -> HookResult {
        let status = if event.interrupted { RunStatus::Interrupted } else { RunStatus::Failed };
        self.finish(status, Some(event.error), event.resume_from);
        Ok(())
    }

    fn before_node_run(&self, event: &NodeStarting<'_>) -> HookResult {
        reset_peak_rss();
        self.node_started
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(event.node.node_name().to_owned(), now_rfc3339());
        Ok(())
    }

    fn after_node_run(&self, event: &NodeFinished<'_>) -> HookResult {
        if !self.is_started() {
            return Ok(());
        }
        let mut record = self.node_record(event.node.node_name(), "succeeded");
        record.duration = Some(event.elapsed);
        warn_on_failure(self.store.record_node(self.run_id(), &record), "a node");
        Ok(())
    }

    fn on_node_error(&self, event: &NodeFailed<'_>) -> HookResult {
        if !self.is_started() {
            return Ok(());
        }
        let mut record = self.node_record(event.node.node_name(), "failed");
        record.detail = Some(event.error.to_owned());
        warn_on_failure(self.store.record_node(self.run_id(), &record), "a failed node");
        Ok(())
    }

    fn after_dataset_loaded(&self, event: &DatasetLoaded<'_>) -> HookResult {
        if !self.is_started() {
            return Ok(());
        }
        if crate::pipeline::is_parameter(event.dataset) {
            return Ok(());
        }
        let catalog = event.catalog;
        let record = self.dataset_record(catalog, event.dataset, event.node.node_name(), "load");
        warn_on_failure(self.store.record_dataset(self.run_id(), &record), "a load");
        Ok(())
    }

    fn after_dataset_saved(&self, event: &DatasetSaved<'_>) -> HookResult {
        if !self.is_started() {
            return Ok(());
        }
        let catalog = event.catalog;
        let record = self.dataset_record(catalog, event.dataset, event.node.node_name(), "save");
        warn_on_failure(self.store.record_dataset(self.run_id(), &record), "a save");
        let metrics_type = catalog.dataset(event.dataset).type_name()
            == crate::catalog::files::MetricsDataset::TYPE_NAME;
        if (metrics_type || is_metrics_name(event.dataset))
            && matches!(event.data, Payload::Structured(_) | Payload::Object(_))
            && let Ok(value) = event.data.to_structured()
            && value.to_string().len() <= MAX_METRICS_BYTES
        {
            let kept = self.store.record_metrics(self.run_id(), event.dataset, &value);
            warn_on_failure(kept, "a metrics dataset");
        }
        Ok(())
    }
}

/// The largest metrics value kept with a run, as JSON text.
const MAX_METRICS_BYTES: usize = 256 * 1024;

/// Whether a dataset's name marks it as metrics (see the module docs).
pub fn is_metrics_name(dataset: &str) -> bool {
    let lower = dataset.to_lowercase();
    ["metric", "report", "score"].iter().any(|word| lower.contains(word))
}

fn warn_on_failure(result: Result<(), StoreError>, what: &str) {
    if let Err(error) = result {
        tracing::warn!(%error, "cannot record {what}");
    }
}

/// The current time as RFC 3339 UTC with milliseconds.
pub fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Resets the process's resident-memory high-water mark (Linux); ignored elsewhere.
fn reset_peak_rss() {
    let _unsupported = std::fs::OpenOptions::new()
        .write(true)
        .open("/proc/self/clear_refs")
        .and_then(|mut file| std::io::Write::write_all(&mut file, b"5"));
}

/// The process's resident-memory high-water mark in bytes (Linux).
fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kilobytes: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kilobytes * 1024)
}
