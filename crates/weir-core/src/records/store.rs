//! The run store: one SQLite file holding every run of a project, its nodes and datasets, and
//! the fingerprints `--skip-unchanged` compares against.
//!
//! SQLite (through rusqlite, compiled in) rather than files of our own: several runs of one
//! project may write at once (WAL mode with a busy timeout serialises them), a crash mid-write
//! never corrupts earlier records, and `sqlite3 .weir/runs.sqlite` lets a user query their
//! history with SQL. Times are stored as RFC 3339 UTC text, durations as milliseconds.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, params};

use crate::error::Hinted;

/// The schema; `user_version` says which one a file holds.
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY,
    pipeline TEXT NOT NULL,
    env TEXT NOT NULL,
    status TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    git_commit TEXT,
    git_dirty INTEGER,
    command TEXT NOT NULL,
    parameters TEXT NOT NULL,
    options TEXT NOT NULL,
    error TEXT,
    resume_from TEXT
);
CREATE TABLE IF NOT EXISTS run_nodes (
    run_id TEXT NOT NULL,
    node TEXT NOT NULL,
    status TEXT NOT NULL,
    started_at TEXT,
    duration_ms REAL,
    peak_rss_bytes INTEGER,
    detail TEXT,
    PRIMARY KEY (run_id, node)
);
CREATE TABLE IF NOT EXISTS run_datasets (
    run_id TEXT NOT NULL,
    dataset TEXT NOT NULL,
    direction TEXT NOT NULL,
    node TEXT NOT NULL,
    location TEXT,
    version TEXT,
    content_hash TEXT
);
CREATE INDEX IF NOT EXISTS run_datasets_by_run ON run_datasets (run_id);
CREATE TABLE IF NOT EXISTS output_fingerprints (
    location TEXT PRIMARY KEY,
    dataset TEXT NOT NULL,
    node TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    inputs TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    run_id TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS run_metrics (
    run_id TEXT NOT NULL,
    dataset TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (run_id, dataset)
);
CREATE TABLE IF NOT EXISTS content_hashes (
    path TEXT PRIMARY KEY,
    len INTEGER NOT NULL,
    modified_ns INTEGER NOT NULL,
    hash TEXT NOT NULL
);
PRAGMA user_version = 1;
";

/// How a run ended, or that it is still going (or died without saying).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunStatus {
    /// Started and not finished: running now, or killed (`kill -9`, power loss).
    Running,
    /// Every node ran.
    Succeeded,
    /// A node, a hook or a check failed.
    Failed,
    /// Stopped by Ctrl-C or SIGTERM.
    Interrupted,
}

impl RunStatus {
    /// The word stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Succeeded => "succeeded",
            RunStatus::Failed => "failed",
            RunStatus::Interrupted => "interrupted",
        }
    }

    fn parse(text: &str) -> RunStatus {
        match text {
            "succeeded" => RunStatus::Succeeded,
            "failed" => RunStatus::Failed,
            "interrupted" => RunStatus::Interrupted,
            _ => RunStatus::Running,
        }
    }
}

/// A run as it starts: what was asked for, where.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunStart {
    /// The run's id (the session's save version).
    pub id: String,
    /// The pipeline name(s), comma-separated.
    pub pipeline: String,
    /// The configuration environment.
    pub env: String,
    /// RFC 3339 UTC.
    pub started_at: String,
    /// The project's git commit, when it is a git checkout.
    pub git_commit: Option<String>,
    /// Whether the checkout had uncommitted changes.
    pub git_dirty: Option<bool>,
    /// The command line, with `--params` values left out.
    pub command: String,
    /// The run's parameters (merged configuration), as JSON.
    pub parameters: serde_json::Value,
    /// The run options a resume needs (slicing filters, runner, pinned versions), as JSON.
    pub options: serde_json::Value,
}

/// One run as recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRecord {
    /// What was asked for.
    pub start: RunStart,
    /// How it ended.
    pub status: RunStatus,
    /// RFC 3339 UTC, once finished.
    pub finished_at: Option<String>,
    /// The error, when it failed.
    pub error: Option<String>,
    /// The nodes a resumed run starts from, when it failed or was interrupted.
    pub resume_from: Vec<String>,
}

/// One node of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeRecord {
    /// The node.
    pub node: String,
    /// `succeeded`, `failed` or `skipped`.
    pub status: String,
    /// RFC 3339 UTC, when it ran.
    pub started_at: Option<String>,
    /// How long its function ran.
    pub duration: Option<Duration>,
    /// The process's peak resident memory while the node ran, in bytes (Linux).
    pub peak_rss_bytes: Option<u64>,
    /// The error of a failed node, or why a node was skipped.
    pub detail: Option<String>,
}

/// One dataset a run loaded or saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasetRecord {
    /// The dataset.
    pub dataset: String,
    /// `load` or `save`.
    pub direction: String,
    /// The node that read or wrote it.
    pub node: String,
    /// Where it lives (credentials redacted).
    pub location: Option<String>,
    /// The version, for versioned datasets.
    pub version: Option<String>,
    /// The content hash of a saved file (BLAKE3, hex).
    pub content_hash: Option<String>,
}

/// What was recorded of a persisted output when a node last wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFingerprint {
    /// The node that wrote it.
    pub node: String,
    /// The node's fingerprint then.
    pub fingerprint: String,
    /// The fingerprint of each input then, by input name.
    pub inputs: serde_json::Map<String, serde_json::Value>,
    /// The content hash of the file written.
    pub content_hash: String,
    /// The run that wrote it.
    pub run_id: String,
}

/// The run store could not be opened, read or written.
#[derive(Debug, thiserror::Error)]
#[error("run records at `{}`: {message}", path.display())]
pub struct StoreError {
    path: PathBuf,
    message: String,
}

impl Hinted for StoreError {
    fn hint(&self) -> Option<String> {
        Some(
            "point --runs-db (or WEIR_RUNS_DB) at a writable file, or pass --no-record to run without records"
                .to_owned(),
        )
    }
}

/// An open run store; safe to share between threads.
#[derive(Debug)]
pub struct RunStore {
    path: PathBuf,
    connection: Mutex<Connection>,
}

impl RunStore {
    /// Opens (creating if needed) the store at `path`, and its folder.
    pub fn open(path: &Path) -> Result<RunStore, StoreError> {
        let fail = |message: String| StoreError { path: path.to_path_buf(), message };
        if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(folder)
                .map_err(|error| fail(format!("cannot create its folder: {error}")))?;
        }
        let connection = Connection::open(path).map_err(|error| fail(error.to_string()))?;
        connection
            .busy_timeout(Duration::from_secs(10))
            .and_then(|()| connection.pragma_update(None, "journal_mode", "WAL"))
            .and_then(|()| connection.pragma_update(None, "synchronous", "NORMAL"))
            .and_then(|()| connection.execute_batch(SCHEMA))
            .map_err(|error| fail(error.to_string()))?;
        Ok(RunStore { path: path.to_path_buf(), connection: Mutex::new(connection) })
    }

    /// Where the store lives.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        self.connection.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn error(&self, error: &rusqlite::Error) -> StoreError {
        StoreError { path: self.path.clone(), message: error.to_string() }
    }

    /// An error reading a file the store was asked about.
    pub(crate) fn io_error(&self, file: &Path, error: &std::io::Error) -> StoreError {
        StoreError {
            path: self.path.clone(),
            message: format!("cannot read `{}`: {error}", file.display()),
        }
    }

    /// Records a run as started.
    pub fn start_run(&self, run: &RunStart) -> Result<(), StoreError> {
        self.lock()
            .execute(
                "INSERT OR REPLACE INTO runs (id, pipeline, env, status, started_at, git_commit,
                     git_dirty, command, parameters, options)
                 VALUES (?1, ?2, ?3, 'running', ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    run.id,
                    run.pipeline,
                    run.env,
                    run.started_at,
                    run.git_commit,
                    run.git_dirty,
                    run.command,
                    run.parameters.to_string(),
                    run.options.to_string(),
                ],
            )
            .map_err(|error| self.error(&error))?;
        Ok(())
    }

    /// Records how a run ended.
    pub fn finish_run(
        &self,
        id: &str,
        status: RunStatus,
        finished_at: &str,
        error: Option<&str>,
        resume_from: &[String],
    ) -> Result<(), StoreError> {
        let resume = (!resume_from.is_empty()).then(|| serde_json::json!(resume_from).to_string());
        self.lock()
            .execute(
                "UPDATE runs SET status = ?2, finished_at = ?3, error = ?4, resume_from = ?5
                 WHERE id = ?1",
                params![id, status.as_str(), finished_at, error, resume],
            )
            .map_err(|error| self.error(&error))?;
        Ok(())
    }

    /// Records one node of a run (replacing an earlier record of it in that run).
    pub fn record_node(&self, run_id: &str, node: &NodeRecord) -> Result<(), StoreError> {
        let duration_ms = node.duration.map(|d| d.as_secs_f64() * 1e3);
        let peak = node.peak_rss_bytes.and_then(|bytes| i64::try_from(bytes).ok());
        self.lock()
            .execute(
                "INSERT OR REPLACE INTO run_nodes
                     (run_id, node, status, started_at, duration_ms, peak_rss_bytes, detail)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    run_id,
                    node.node,
                    node.status,
                    node.started_at,
                    duration_ms,
                    peak,
                    node.detail
                ],
            )
            .map_err(|error| self.error(&error))?;
        Ok(())
    }

    /// Records a dataset a run loaded or saved.
    pub fn record_dataset(&self, run_id: &str, dataset: &DatasetRecord) -> Result<(), StoreError> {
        self.lock()
            .execute(
                "INSERT INTO run_datasets
                     (run_id, dataset, direction, node, location, version, content_hash)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    run_id,
                    dataset.dataset,
                    dataset.direction,
                    dataset.node,
                    dataset.location,
                    dataset.version,
                    dataset.content_hash
                ],
            )
            .map_err(|error| self.error(&error))?;
        Ok(())
    }

    /// Keeps the value of a metrics dataset a run saved.
    pub fn record_metrics(
        &self,
        run_id: &str,
        dataset: &str,
        value: &serde_json::Value,
    ) -> Result<(), StoreError> {
        self.lock()
            .execute(
                "INSERT OR REPLACE INTO run_metrics (run_id, dataset, value) VALUES (?1, ?2, ?3)",
                params![run_id, dataset, value.to_string()],
            )
            .map_err(|error| self.error(&error))?;
        Ok(())
    }

    /// The metrics datasets a run saved, by dataset name.
    pub fn metrics(&self, run_id: &str) -> Result<Vec<(String, serde_json::Value)>, StoreError> {
        let connection = self.lock();
        let mut statement = connection
            .prepare("SELECT dataset, value FROM run_metrics WHERE run_id = ?1 ORDER BY dataset")
            .map_err(|error| self.error(&error))?;
        let rows = statement
            .query_map(params![run_id], |row| {
                let text: String = row.get(1)?;
                Ok((row.get(0)?, serde_json::from_str(&text).unwrap_or(serde_json::Value::Null)))
            })
            .map_err(|error| self.error(&error))?;
        rows.collect::<Result<_, _>>().map_err(|error| self.error(&error))
    }

    /// The runs, newest first, at most `limit`.
    pub fn runs(&self, limit: usize) -> Result<Vec<RunRecord>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let connection = self.lock();
        let mut statement = connection
            .prepare(&format!("{RUN_COLUMNS} ORDER BY started_at DESC, id DESC LIMIT ?1"))
            .map_err(|error| self.error(&error))?;
        let rows = statement.query_map(params![limit], run_of).map_err(|e| self.error(&e))?;
        rows.collect::<Result<_, _>>().map_err(|error| self.error(&error))
    }

    /// The run with this id, if recorded.
    pub fn run(&self, id: &str) -> Result<Option<RunRecord>, StoreError> {
        let connection = self.lock();
        connection
            .query_row(&format!("{RUN_COLUMNS} WHERE id = ?1"), params![id], run_of)
            .optional()
            .map_err(|error| self.error(&error))
    }

    /// The ids of recorded runs, newest first (for suggestions).
    pub fn run_ids(&self) -> Result<Vec<String>, StoreError> {
        Ok(self.runs(usize::MAX)?.into_iter().map(|run| run.start.id).collect())
    }

    /// The newest run of `pipeline` (as recorded: comma-separated names) in `env`.
    pub fn latest_run_of(
        &self,
        pipeline: &str,
        env: &str,
    ) -> Result<Option<RunRecord>, StoreError> {
        let connection = self.lock();
        connection
            .query_row(
                &format!(
                    "{RUN_COLUMNS} WHERE pipeline = ?1 AND env = ?2
                     ORDER BY started_at DESC, id DESC LIMIT 1"
                ),
                params![pipeline, env],
                run_of,
            )
            .optional()
            .map_err(|error| self.error(&error))
    }

    /// The nodes of a run, in the order they were recorded.
    pub fn nodes(&self, run_id: &str) -> Result<Vec<NodeRecord>, StoreError> {
        let connection = self.lock();
        let mut statement = connection
            .prepare(
                "SELECT node, status, started_at, duration_ms, peak_rss_bytes, detail
                 FROM run_nodes WHERE run_id = ?1 ORDER BY rowid",
            )
            .map_err(|error| self.error(&error))?;
        let rows = statement
            .query_map(params![run_id], |row| {
                let duration_ms: Option<f64> = row.get(3)?;
                let peak: Option<i64> = row.get(4)?;
                Ok(NodeRecord {
                    node: row.get(0)?,
                    status: row.get(1)?,
                    started_at: row.get(2)?,
                    duration: duration_ms.map(|ms| Duration::from_secs_f64(ms.max(0.0) / 1e3)),
                    peak_rss_bytes: peak.and_then(|bytes| u64::try_from(bytes).ok()),
                    detail: row.get(5)?,
                })
            })
            .map_err(|error| self.error(&error))?;
        rows.collect::<Result<_, _>>().map_err(|error| self.error(&error))
    }

    /// The datasets a run loaded and saved, in the order they were recorded.
    pub fn datasets(&self, run_id: &str) -> Result<Vec<DatasetRecord>, StoreError> {
        let connection = self.lock();
        let mut statement = connection
            .prepare(
                "SELECT dataset, direction, node, location, version, content_hash
                 FROM run_datasets WHERE run_id = ?1 ORDER BY rowid",
            )
            .map_err(|error| self.error(&error))?;
        let rows = statement
            .query_map(params![run_id], |row| {
                Ok(DatasetRecord {
                    dataset: row.get(0)?,
                    direction: row.get(1)?,
                    node: row.get(2)?,
                    location: row.get(3)?,
                    version: row.get(4)?,
                    content_hash: row.get(5)?,
                })
            })
            .map_err(|error| self.error(&error))?;
        rows.collect::<Result<_, _>>().map_err(|error| self.error(&error))
    }

    /// What was recorded when a node last wrote the output stored at `location`.
    pub fn output_fingerprint(
        &self,
        location: &str,
    ) -> Result<Option<OutputFingerprint>, StoreError> {
        let connection = self.lock();
        connection
            .query_row(
                "SELECT node, fingerprint, inputs, content_hash, run_id
                 FROM output_fingerprints WHERE location = ?1",
                params![location],
                |row| {
                    let inputs: String = row.get(2)?;
                    Ok(OutputFingerprint {
                        node: row.get(0)?,
                        fingerprint: row.get(1)?,
                        inputs: serde_json::from_str(&inputs).unwrap_or_default(),
                        content_hash: row.get(3)?,
                        run_id: row.get(4)?,
                    })
                },
            )
            .optional()
            .map_err(|error| self.error(&error))
    }

    /// Records that a node with `fingerprint` wrote the output stored at `location`.
    pub fn set_output_fingerprint(
        &self,
        location: &str,
        dataset: &str,
        record: &OutputFingerprint,
    ) -> Result<(), StoreError> {
        self.lock()
            .execute(
                "INSERT OR REPLACE INTO output_fingerprints
                     (location, dataset, node, fingerprint, inputs, content_hash, run_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    location,
                    dataset,
                    record.node,
                    record.fingerprint,
                    serde_json::Value::Object(record.inputs.clone()).to_string(),
                    record.content_hash,
                    record.run_id
                ],
            )
            .map_err(|error| self.error(&error))?;
        Ok(())
    }

    /// The hash recorded for a file of this size and modification time, if any.
    pub fn cached_hash(
        &self,
        path: &str,
        len: u64,
        modified_ns: i64,
    ) -> Result<Option<String>, StoreError> {
        let len = i64::try_from(len).unwrap_or(i64::MAX);
        let connection = self.lock();
        connection
            .query_row(
                "SELECT hash FROM content_hashes WHERE path = ?1 AND len = ?2 AND modified_ns = ?3",
                params![path, len, modified_ns],
                |row| row.get(0),
            )
            .optional()
            .map_err(|error| self.error(&error))
    }

    /// Remembers the hash of a file of this size and modification time.
    pub fn cache_hash(
        &self,
        path: &str,
        len: u64,
        modified_ns: i64,
        hash: &str,
    ) -> Result<(), StoreError> {
        let len = i64::try_from(len).unwrap_or(i64::MAX);
        self.lock()
            .execute(
                "INSERT OR REPLACE INTO content_hashes (path, len, modified_ns, hash)
                 VALUES (?1, ?2, ?3, ?4)",
                params![path, len, modified_ns, hash],
            )
            .map_err(|error| self.error(&error))?;
        Ok(())
    }
}

const RUN_COLUMNS: &str = "SELECT id, pipeline, env, status, started_at, finished_at, git_commit,
    git_dirty, command, parameters, options, error, resume_from FROM runs";

fn run_of(row: &rusqlite::Row<'_>) -> rusqlite::Result<RunRecord> {
    let json = |text: String| serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
    let status: String = row.get(3)?;
    let resume: Option<String> = row.get(12)?;
    Ok(RunRecord {
        start: RunStart {
            id: row.get(0)?,
            pipeline: row.get(1)?,
            env: row.get(2)?,
            started_at: row.get(4)?,
            git_commit: row.get(6)?,
            git_dirty: row.get(7)?,
            command: row.get(8)?,
            parameters: json(row.get(9)?),
            options: json(row.get(10)?),
        },
        status: RunStatus::parse(&status),
        finished_at: row.get(5)?,
        error: row.get(11)?,
        resume_from: resume.and_then(|text| serde_json::from_str(&text).ok()).unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn start(id: &str, pipeline: &str, started_at: &str) -> RunStart {
        RunStart {
            id: id.to_owned(),
            pipeline: pipeline.to_owned(),
            env: "local".to_owned(),
            started_at: started_at.to_owned(),
            command: "weir run".to_owned(),
            parameters: serde_json::json!({"model": {"C": 1.0}}),
            options: serde_json::json!({"tags": []}),
            ..RunStart::default()
        }
    }

    #[test]
    fn runs_round_trip_and_list_newest_first() {
        let folder = tempfile::tempdir().unwrap();
        let store = RunStore::open(&folder.path().join("deep/runs.sqlite")).unwrap();
        store.start_run(&start("a", "__default__", "2026-01-01T00:00:00Z")).unwrap();
        store.start_run(&start("b", "__default__", "2026-01-02T00:00:00Z")).unwrap();
        store
            .finish_run(
                "a",
                RunStatus::Failed,
                "2026-01-01T00:01:00Z",
                Some("boom"),
                &["train".to_owned()],
            )
            .unwrap();

        let runs = store.runs(10).unwrap();
        let ids: Vec<&str> = runs.iter().map(|run| run.start.id.as_str()).collect();
        assert_eq!(ids, ["b", "a"]);
        let failed = store.run("a").unwrap().unwrap();
        assert_eq!(failed.status, RunStatus::Failed);
        assert_eq!(failed.resume_from, ["train"]);
        assert_eq!(failed.error.as_deref(), Some("boom"));
        assert_eq!(failed.start.parameters["model"]["C"], 1.0);
        assert_eq!(store.runs(10).unwrap()[0].status, RunStatus::Running);
        assert!(store.run("zzz").unwrap().is_none());
    }

    #[test]
    fn a_store_reopened_keeps_its_records() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("runs.sqlite");
        RunStore::open(&path).unwrap().start_run(&start("a", "p", "2026-01-01T00:00:00Z")).unwrap();
        let reopened = RunStore::open(&path).unwrap();
        assert_eq!(reopened.latest_run_of("p", "local").unwrap().unwrap().start.id, "a");
        assert!(reopened.latest_run_of("p", "prod").unwrap().is_none());
    }

    #[test]
    fn an_unwritable_location_is_a_clear_error() {
        let folder = tempfile::tempdir().unwrap();
        let blocker = folder.path().join("file");
        crate::catalog::storage::write_atomic(&blocker, |w| std::io::Write::write_all(w, b"x"))
            .unwrap();
        let error = RunStore::open(&blocker.join("runs.sqlite")).unwrap_err();
        assert!(error.to_string().contains("cannot create its folder"), "{error}");
        assert!(error.hint().unwrap().contains("--runs-db"));
    }
}
