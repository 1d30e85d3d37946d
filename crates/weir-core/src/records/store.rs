//! The run store: one SQLite file holding every run of a project, its nodes and datasets, and
//! the fingerprints `--skip-unchanged` compares against.
//!
//! SQLite (through rusqlite, compiled in) rather than files of our own: several runs of one
//! project may write at once (WAL mode with a busy timeout serialises them), a crash mid-write
//! never corrupts earlier records, and `sqlite3 .weir/runs.sqlite` lets a user query their
//! history with SQL. Times are stored as RFC 3339 UTC text, durations as milliseconds.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

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
    resume_from TEXT,
    pid INTEGER
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
";

/// Brings a file made by an earlier schema up to date (version 1 had no `pid` column).
const MIGRATIONS: &[(&str, &str)] = &[("pid", "ALTER TABLE runs ADD COLUMN pid INTEGER")];

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
    /// The process running it, to tell a run in progress from one whose process died.
    pub pid: Option<u32>,
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

impl RunRecord {
    /// Whether the run is recorded as running but its process is gone (killed, a second
    /// Ctrl-C, power loss). Checked through `/proc`, so only on Linux and only for runs of this
    /// machine; elsewhere a running record is taken at its word.
    pub fn process_died(&self) -> bool {
        let Some(pid) = self.start.pid.filter(|_| self.status == RunStatus::Running) else {
            return false;
        };
        Path::new("/proc/self").exists() && !Path::new(&format!("/proc/{pid}")).exists()
    }

    /// The status as shown: `died` for a running record whose process is gone.
    pub fn status_text(&self) -> &'static str {
        if self.process_died() { "died" } else { self.status.as_str() }
    }
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
    duplicate_run: bool,
}

impl StoreError {
    /// Whether the error is a run id that is already recorded.
    pub fn is_duplicate_run(&self) -> bool {
        self.duplicate_run
    }
}

impl Hinted for StoreError {
    fn hint(&self) -> Option<String> {
        if self.duplicate_run {
            return None;
        }
        Some(
            "the file must be a SQLite database that weir can write: move or delete it, point --runs-db (or WEIR_RUNS_DB) elsewhere, or run with --no-record"
                .to_owned(),
        )
    }
}

/// An open run store; safe to share between threads. Writes are batched in transactions of
/// at most [`BATCH_TIME`]; dropping the store commits what is pending.
#[derive(Debug)]
pub struct RunStore {
    path: PathBuf,
    connection: Arc<Mutex<Connected>>,
    flusher: Mutex<Option<Flusher>>,
}

/// The thread committing a batch once it is [`BATCH_TIME`] old, even when no further write
/// comes (a long node); it ends, joined, when the store is dropped.
#[derive(Debug)]
struct Flusher {
    stop: Arc<(Mutex<bool>, Condvar)>,
    thread: std::thread::JoinHandle<()>,
}

impl Flusher {
    fn start(connection: Arc<Mutex<Connected>>) -> Flusher {
        let stop = Arc::new((Mutex::new(false), Condvar::new()));
        let signal = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            let (stopped, wake) = &*signal;
            let mut is_stopped = stopped.lock().unwrap_or_else(PoisonError::into_inner);
            while !*is_stopped {
                is_stopped = wake
                    .wait_timeout(is_stopped, BATCH_TIME)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0;
                let mut connected = connection.lock().unwrap_or_else(PoisonError::into_inner);
                if connected.batch_started.is_some_and(|started| started.elapsed() >= BATCH_TIME)
                    && let Err(error) = commit(&mut connected)
                {
                    tracing::warn!(%error, "cannot save run records");
                }
            }
        });
        Flusher { stop, thread }
    }

    fn stop(self) {
        let (stopped, wake) = &*self.stop;
        *stopped.lock().unwrap_or_else(PoisonError::into_inner) = true;
        wake.notify_all();
        let _ended = self.thread.join();
    }
}

/// How long writes gather in one transaction before it is committed.
pub const BATCH_TIME: Duration = Duration::from_millis(100);

/// The connection and the start of its open batch, if one is open.
#[derive(Debug)]
struct Connected {
    connection: Connection,
    batch_started: Option<Instant>,
}

impl std::ops::Deref for Connected {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        &self.connection
    }
}

impl Drop for RunStore {
    fn drop(&mut self) {
        let flusher = self.flusher.lock().unwrap_or_else(PoisonError::into_inner).take();
        if let Some(flusher) = flusher {
            flusher.stop();
        }
        if let Err(error) = self.flush() {
            tracing::warn!(%error, "cannot save the last run records");
        }
    }
}

fn commit(connected: &mut Connected) -> rusqlite::Result<()> {
    if connected.batch_started.take().is_some() {
        connected.connection.execute_batch("COMMIT")?;
    }
    Ok(())
}

impl RunStore {
    /// Opens (creating if needed) the store at `path`, and its folder.
    pub fn open(path: &Path) -> Result<RunStore, StoreError> {
        let fail = |message: String| StoreError {
            path: path.to_path_buf(),
            message,
            duplicate_run: false,
        };
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
            .and_then(|()| migrate(&connection))
            .map_err(|error| fail(error.to_string()))?;
        let connected = Connected { connection, batch_started: None };
        Ok(RunStore {
            path: path.to_path_buf(),
            connection: Arc::new(Mutex::new(connected)),
            flusher: Mutex::new(None),
        })
    }

    /// Where the store lives.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn lock(&self) -> MutexGuard<'_, Connected> {
        self.connection.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs one write inside the open batch (a transaction), starting one if needed, and
    /// commits the batch once it is [`BATCH_TIME`] old. One transaction per record would
    /// cost a WAL commit each (hundreds of microseconds a node); batching keeps the write
    /// lock at most that long, so other runs of the project are never held up for longer.
    fn execute_batched(&self, sql: &str, values: impl rusqlite::Params) -> rusqlite::Result<usize> {
        self.start_flusher();
        let mut guard = self.lock();
        if guard.batch_started.is_none() {
            guard.connection.execute_batch("BEGIN IMMEDIATE")?;
            guard.batch_started = Some(Instant::now());
        }
        let changed = guard.connection.prepare_cached(sql)?.execute(values);
        if let Err(error) = changed {
            // A failed statement leaves the transaction usable; keep what is already in it.
            commit(&mut guard)?;
            return Err(error);
        }
        if guard.batch_started.is_some_and(|started| started.elapsed() >= BATCH_TIME) {
            commit(&mut guard)?;
        }
        changed
    }

    fn start_flusher(&self) {
        let mut flusher = self.flusher.lock().unwrap_or_else(PoisonError::into_inner);
        if flusher.is_none() {
            *flusher = Some(Flusher::start(Arc::clone(&self.connection)));
        }
    }

    /// Commits the open batch, so other processes see everything written so far.
    pub fn flush(&self) -> Result<(), StoreError> {
        commit(&mut self.lock()).map_err(|error| self.error(&error))
    }

    fn error(&self, error: &rusqlite::Error) -> StoreError {
        StoreError { path: self.path.clone(), message: error.to_string(), duplicate_run: false }
    }

    /// An error reading a file the store was asked about.
    pub(crate) fn io_error(&self, file: &Path, error: &std::io::Error) -> StoreError {
        StoreError {
            path: self.path.clone(),
            message: format!("cannot read `{}`: {error}", file.display()),
            duplicate_run: false,
        }
    }

    /// Records a run as started. A run id already recorded (two runs started in the same
    /// millisecond) is an error: the records of one run must never mix with another's.
    pub fn start_run(&self, run: &RunStart) -> Result<(), StoreError> {
        let inserted = self.execute_batched(
            "INSERT INTO runs (id, pipeline, env, status, started_at, git_commit,
                 git_dirty, command, parameters, options, pid)
             VALUES (?1, ?2, ?3, 'running', ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
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
                run.pid,
            ],
        );
        match inserted {
            Ok(_) => self.flush(),
            Err(rusqlite::Error::SqliteFailure(failure, _))
                if failure.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                Err(StoreError {
                    path: self.path.clone(),
                    message: format!(
                        "run id `{}` is already recorded: another run started in the same millisecond; start this one again",
                        run.id
                    ),
                    duplicate_run: true,
                })
            }
            Err(error) => Err(self.error(&error)),
        }
    }

    /// Copies the metrics a run kept for `dataset` to another run (a node skipped by
    /// `--skip-unchanged` keeps the metrics of the run that made its outputs).
    pub fn copy_metrics(
        &self,
        from_run: &str,
        to_run: &str,
        dataset: &str,
    ) -> Result<(), StoreError> {
        self.execute_batched(
            "INSERT OR REPLACE INTO run_metrics (run_id, dataset, value)
                 SELECT ?2, dataset, value FROM run_metrics WHERE run_id = ?1 AND dataset = ?3",
            params![from_run, to_run, dataset],
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
        self.execute_batched(
            "UPDATE runs SET status = ?2, finished_at = ?3, error = ?4, resume_from = ?5
                 WHERE id = ?1",
            params![id, status.as_str(), finished_at, error, resume],
        )
        .map_err(|error| self.error(&error))?;
        self.flush()
    }

    /// Records one node of a run (replacing an earlier record of it in that run).
    pub fn record_node(&self, run_id: &str, node: &NodeRecord) -> Result<(), StoreError> {
        let duration_ms = node.duration.map(|d| d.as_secs_f64() * 1e3);
        let peak = node.peak_rss_bytes.and_then(|bytes| i64::try_from(bytes).ok());
        self.execute_batched(
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
        self.execute_batched(
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
        self.execute_batched(
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
        self.execute_batched(
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
        self.execute_batched(
            "INSERT OR REPLACE INTO content_hashes (path, len, modified_ns, hash)
                 VALUES (?1, ?2, ?3, ?4)",
            params![path, len, modified_ns, hash],
        )
        .map_err(|error| self.error(&error))?;
        Ok(())
    }
}

const RUN_COLUMNS: &str = "SELECT id, pipeline, env, status, started_at, finished_at, git_commit,
    git_dirty, command, parameters, options, error, resume_from, pid FROM runs";

/// Adds the columns an older file lacks.
fn migrate(connection: &Connection) -> rusqlite::Result<()> {
    let mut statement = connection.prepare("SELECT name FROM pragma_table_info('runs')")?;
    let columns: Vec<String> =
        statement.query_map([], |row| row.get(0))?.collect::<rusqlite::Result<_>>()?;
    for (column, change) in MIGRATIONS {
        if !columns.iter().any(|name| name == column) {
            connection.execute_batch(change)?;
        }
    }
    connection.pragma_update(None, "user_version", 2)
}

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
            pid: row.get(13)?,
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
    fn a_run_id_recorded_twice_is_refused() {
        let folder = tempfile::tempdir().unwrap();
        let store = RunStore::open(&folder.path().join("runs.sqlite")).unwrap();
        store.start_run(&start("a", "p", "2026-01-01T00:00:00Z")).unwrap();
        let error = store.start_run(&start("a", "p", "2026-01-01T00:00:00Z")).unwrap_err();
        assert!(error.to_string().contains("already recorded"), "{error}");
        assert_eq!(store.runs(10).unwrap().len(), 1);
    }

    #[test]
    fn a_running_record_whose_process_is_gone_has_died() {
        let folder = tempfile::tempdir().unwrap();
        let store = RunStore::open(&folder.path().join("runs.sqlite")).unwrap();
        let mut alive = start("alive", "p", "2026-01-01T00:00:00Z");
        alive.pid = Some(std::process::id());
        let mut gone = start("gone", "p", "2026-01-01T00:00:01Z");
        // Linux process ids stay below 2^22.
        gone.pid = Some(4_194_304 + 17);
        store.start_run(&alive).unwrap();
        store.start_run(&gone).unwrap();

        assert_eq!(store.run("alive").unwrap().unwrap().status_text(), "running");
        assert_eq!(store.run("gone").unwrap().unwrap().status_text(), "died");
        store.finish_run("gone", RunStatus::Failed, "t", None, &[]).unwrap();
        assert!(!store.run("gone").unwrap().unwrap().process_died(), "finished runs never die");
    }

    #[test]
    fn batched_writes_reach_other_connections_without_a_further_write() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("runs.sqlite");
        let writer = RunStore::open(&path).unwrap();
        writer.start_run(&start("a", "p", "2026-01-01T00:00:00Z")).unwrap();
        let node = NodeRecord {
            node: "train".to_owned(),
            status: "succeeded".to_owned(),
            started_at: None,
            duration: Some(Duration::from_millis(5)),
            peak_rss_bytes: None,
            detail: None,
        };
        writer.record_node("a", &node).unwrap();

        // Another process (here: another connection) sees the node once the batch is
        // committed by the flusher, with no further write from the writer.
        let reader = RunStore::open(&path).unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while reader.nodes("a").unwrap().is_empty() {
            assert!(Instant::now() < deadline, "the batch was never committed");
            std::thread::sleep(BATCH_TIME / 4);
        }
        assert_eq!(reader.nodes("a").unwrap()[0].node, "train");
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
