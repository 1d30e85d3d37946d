//! The [`Dataset`] trait every dataset type implements, and the context a dataset is built with.

use std::fmt;
use std::path::PathBuf;
use std::time::SystemTime;

use crate::data::{DataKind, Payload};
use crate::error::{Secret, SourceLocation};

use super::CatalogError;

/// One entry of the catalog able to load and save payloads.
///
/// Implementations must make `save` atomic: a reader sees the old content or the new content,
/// never half of it.
pub trait Dataset: Send + Sync + fmt::Debug {
    /// The canonical type name, e.g. `polars.CSVDataset`.
    fn type_name(&self) -> &str;

    /// Reads the data.
    fn load(&self) -> Result<Payload, CatalogError>;

    /// Writes the data.
    fn save(&self, payload: Payload) -> Result<(), CatalogError>;

    /// Whether there is something to load.
    fn exists(&self) -> Result<bool, CatalogError>;

    /// The payload shape `load` returns, or `None` when it depends on what was saved (memory).
    fn loads(&self) -> Option<DataKind>;

    /// Whether `save` accepts payloads of this shape.
    fn accepts(&self, kind: DataKind) -> bool;

    /// Where the data lives, for listings and messages; never contains credentials.
    fn location(&self) -> Option<String> {
        None
    }

    /// Whether the data outlives the run (files, databases) rather than living in memory.
    fn is_persistent(&self) -> bool {
        true
    }

    /// Frees what the dataset holds in memory; persistent datasets have nothing to free.
    fn release(&self) {}

    /// The versions present in storage, oldest first, for versioned datasets.
    fn versions(&self) -> Result<Vec<String>, CatalogError> {
        Ok(Vec::new())
    }

    /// What a load would read now, identified without reading it: `None` when there is nothing
    /// to load or the dataset cannot tell (memory). Run records and `--skip-unchanged` use it.
    fn stamp(&self) -> Result<Option<DataStamp>, CatalogError> {
        Ok(None)
    }

    /// What the last save of this run wrote, identified like [`Dataset::stamp`]. It differs
    /// from `stamp` for a versioned dataset whose load version is pinned (`--load-versions`).
    fn saved_stamp(&self) -> Result<Option<DataStamp>, CatalogError> {
        self.stamp()
    }
}

/// The file a dataset's load would read, with what identifies its content cheaply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataStamp {
    /// The file (for versioned datasets, the file of the version a load picks).
    pub path: PathBuf,
    /// The version a load picks, for versioned datasets.
    pub version: Option<String>,
    /// The file's size in bytes.
    pub len: u64,
    /// The file's modification time.
    pub modified: SystemTime,
}

/// A catalog entry as written in configuration, after interpolation, before it is built.
#[derive(Debug, Clone)]
pub struct DatasetSpec {
    /// The dataset's name, e.g. `iris_raw`.
    pub name: String,
    /// The `type:` value as written, e.g. `pandas.CSVDataset`.
    pub type_name: String,
    /// Every key of the entry (`filepath`, `load_args`, `save_args`, `versioned`, ...).
    pub options: serde_json::Map<String, serde_json::Value>,
    /// The credentials the entry's `credentials:` key names, already looked up.
    pub credentials: Option<Secret<serde_json::Map<String, serde_json::Value>>>,
    /// Where the entry was written, for messages.
    pub source: Option<SourceLocation>,
}

/// Run-wide facts datasets are built with.
#[derive(Debug, Clone)]
pub struct DatasetContext {
    /// Relative `filepath`s resolve against this folder (the project root).
    pub project_root: PathBuf,
    /// The version every versioned dataset saves in this run (`YYYY-MM-DDThh.mm.ss.sssZ`).
    pub save_version: String,
    /// Versions to load, pinned by dataset name (`--load-versions`).
    pub load_versions: std::collections::HashMap<String, String>,
}
