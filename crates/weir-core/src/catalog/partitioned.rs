//! Partitioned datasets: a folder of files of one type, loaded one partition at a time, as
//! Kedro's `partitions.PartitionedDataset` and `partitions.IncrementalDataset`.
//!
//! ```yaml
//! trips:
//!   type: partitioned            # weir.PartitionedDataset, partitions.PartitionedDataset
//!   path: s3://bucket/trips      # a local folder or any storage URL (see `catalog::storage`)
//!   dataset: csv                 # a type name, or a mapping with `type` and its options
//!   filename_suffix: .csv        # only files ending so are partitions
//!   credentials: dev_s3          # for the folder and every partition
//! ```
//!
//! A partition's id is its path relative to `path` with `filename_suffix` cut off, e.g.
//! `2024/01/02` for `s3://bucket/trips/2024/01/02.csv`. Hidden files (a name starting with `.`)
//! are skipped.
//!
//! - **Load** gives [`Partitions`]: the ids, sorted, each bound to a dataset that loads the
//!   partition only when asked ([`Partitions::load`], [`Partitions::iter`]). No partition at
//!   all is a load error, as in Kedro.
//! - **Save** takes [`Partitions`] built by a node (`Partitions::from_iter([(id, frame)])`), or
//!   a JSON-like mapping of id to value, and saves each value as `path/<id><filename_suffix>`
//!   with the partition dataset. `overwrite: true` first removes every file under `path`.
//! - Other keys: `load_args` (`maxdepth`: how deep to look, `1` = files directly in `path`),
//!   `fs_args`, `metadata`, and Kedro's `filepath_arg` (only `filepath`).
//!
//! **Incremental** (`weir.IncrementalDataset`, `partitions.IncrementalDataset`) loads only the
//! partitions whose id sorts after the checkpoint (`id > checkpoint`, as text), and loads
//! them at once rather than lazily, as Kedro does. The checkpoint is a text file, by default
//! `<path>/CHECKPOINT`; `checkpoint:` may set `filepath`, `force_checkpoint` (a fixed value; a
//! plain string means that too) and `comparison_func` (`operator.gt`, the default, or
//! `operator.ge`, `operator.lt`, `operator.le`).
//!
//! The checkpoint moves to the greatest id loaded (Kedro's `confirm`) only once the run has
//! used the data: when every node of the run that reads the dataset has finished successfully
//! and saved its outputs, which is when the runner releases the dataset
//! ([`Dataset::release`]). A node that fails leaves the checkpoint where it was, so the next
//! run sees the same partitions again. [`IncrementalDataset::confirm`] writes it explicitly.
//!
//! # Limitations
//!
//! - The partition dataset is one of weir's built-in types: a project's own dataset types are
//!   not available inside a partitioned dataset yet.
//! - Partition datasets cannot be versioned, and the checkpoint is a text file only (Kedro
//!   allows any dataset type there).
//! - A save is not atomic across partitions: a failure half-way keeps the partitions written
//!   so far (each file itself is written atomically).
//! - The checkpoint is confirmed when the dataset is released, which a run does only when the
//!   dataset is not also one of the pipeline's final outputs.
//!
//! This module uses `catalog` (datasets, registry, storage), `data` and `error`.

use std::any::{Any, TypeId};
use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use serde_json::{Map, Value};

use super::storage::{self, Location};
use super::{CatalogError, Dataset, DatasetContext, DatasetRegistry, DatasetSpec};
use crate::data::{ConversionError, DataKind, DataType, NodeData, ObjectValue, Payload};
use crate::error::{Hinted, did_you_mean};

/// The name of the default checkpoint file inside the folder, as in Kedro.
pub const DEFAULT_CHECKPOINT: &str = "CHECKPOINT";

const KEYS: &[&str] = &[
    "type",
    "path",
    "dataset",
    "filename_suffix",
    "filepath_arg",
    "load_args",
    "fs_args",
    "credentials",
    "overwrite",
    "metadata",
];

const INCREMENTAL_KEYS: &[&str] = &["checkpoint"];

/// The partitions of a folder, or those a node wants saved: ids (sorted) bound to a dataset
/// that loads the partition on demand, or to a value to save.
///
/// As a node argument:
/// ```
/// # use weir_core::catalog::partitioned::Partitions;
/// # use weir_core::polars::prelude::DataFrame;
/// fn count_rows(trips: Partitions) -> Result<f64, weir_core::catalog::partitioned::PartitionError> {
///     let mut rows = 0;
///     for (_id, frame) in trips.iter::<DataFrame>() {
///         rows += frame?.height();
///     }
///     Ok(rows as f64)
/// }
/// ```
/// As a node result, one file per partition:
/// ```
/// # use weir_core::catalog::partitioned::Partitions;
/// fn split() -> Partitions {
///     Partitions::from_iter([("a", "first".to_owned()), ("b", "second".to_owned())])
/// }
/// assert_eq!(split().ids().collect::<Vec<_>>(), vec!["a", "b"]);
/// ```
#[derive(Clone, Default)]
pub struct Partitions {
    entries: BTreeMap<String, Partition>,
}

#[derive(Clone)]
enum Partition {
    Stored(Arc<dyn Dataset>),
    Value(Payload),
}

impl fmt::Debug for Partitions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Partitions").field("ids", &self.entries.keys()).finish()
    }
}

/// A partition that could not be loaded or turned into the type asked for.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PartitionError {
    /// No partition has this id.
    #[error("no partition `{0}`")]
    Missing(String),
    /// Loading the partition failed.
    #[error("cannot load partition `{id}`: {source}")]
    Load {
        /// The partition's id.
        id: String,
        /// Why.
        #[source]
        source: CatalogError,
    },
    /// The partition's data is not of the type asked for.
    #[error("partition `{id}`: {source}")]
    Convert {
        /// The partition's id.
        id: String,
        /// Why.
        #[source]
        source: ConversionError,
    },
}

impl Hinted for PartitionError {
    fn hint(&self) -> Option<String> {
        match self {
            PartitionError::Load { source, .. } => source.hint(),
            _ => None,
        }
    }
}

impl Partitions {
    /// No partitions.
    pub fn new() -> Self {
        Partitions::default()
    }

    /// Adds (or replaces) partition `id` with `value`, to be saved.
    pub fn insert(&mut self, id: impl Into<String>, value: impl NodeData) {
        self.entries.insert(id.into(), Partition::Value(value.into_payload()));
    }

    /// Adds (or replaces) partition `id` with a payload, to be saved.
    pub fn insert_payload(&mut self, id: impl Into<String>, payload: Payload) {
        self.entries.insert(id.into(), Partition::Value(payload));
    }

    /// The partition ids, sorted.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.entries.keys().map(String::as_str)
    }

    /// How many partitions there are.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there is no partition.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Partition `id` as a payload, loading it now if it is stored.
    pub fn load_payload(&self, id: &str) -> Result<Payload, PartitionError> {
        match self.entries.get(id) {
            None => Err(PartitionError::Missing(id.to_owned())),
            Some(Partition::Value(payload)) => Ok(payload.clone()),
            Some(Partition::Stored(dataset)) => {
                dataset.load().map_err(|source| PartitionError::Load { id: id.to_owned(), source })
            }
        }
    }

    /// Partition `id` as a `T` (a `DataFrame`, `String`, `serde_json::Value`...).
    pub fn load<T: NodeData>(&self, id: &str) -> Result<T, PartitionError> {
        let payload = self.load_payload(id)?;
        T::from_payload(payload)
            .map_err(|source| PartitionError::Convert { id: id.to_owned(), source })
    }

    /// Every partition in id order, each loaded when the iterator reaches it.
    pub fn iter<T: NodeData>(&self) -> impl Iterator<Item = (&str, Result<T, PartitionError>)> {
        self.entries.keys().map(|id| (id.as_str(), self.load::<T>(id)))
    }
}

impl<S: Into<String>, T: NodeData> FromIterator<(S, T)> for Partitions {
    fn from_iter<I: IntoIterator<Item = (S, T)>>(iter: I) -> Self {
        let mut partitions = Partitions::new();
        for (id, value) in iter {
            partitions.insert(id, value);
        }
        partitions
    }
}

impl ObjectValue for Partitions {
    fn type_name(&self) -> &'static str {
        "weir_core::catalog::partitioned::Partitions"
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn to_structured(&self) -> Result<Value, ConversionError> {
        let mut map = Map::new();
        for id in self.ids() {
            let payload = self.load_payload(id).map_err(|e| ConversionError::new(e.to_string()))?;
            map.insert(id.to_owned(), payload.to_structured()?);
        }
        Ok(Value::Object(map))
    }

    fn to_msgpack(&self) -> Result<Vec<u8>, ConversionError> {
        let value = self.to_structured()?;
        rmp_serde::to_vec_named(&value).map_err(|e| ConversionError::new(e.to_string()))
    }
}

impl NodeData for Partitions {
    fn data_type() -> DataType {
        DataType { name: "Partitions", id: TypeId::of::<Self>(), kind: DataKind::Object }
    }

    fn into_payload(self) -> Payload {
        Payload::Object(Arc::new(self))
    }

    fn from_payload(payload: Payload) -> Result<Self, ConversionError> {
        match payload {
            Payload::Object(object) => match object.as_any().downcast_ref::<Partitions>() {
                Some(partitions) => Ok(partitions.clone()),
                None => Err(ConversionError::new(format!(
                    "expected partitions, got a typed artefact (`{}`)",
                    object.type_name()
                ))),
            },
            Payload::Structured(Value::Object(map)) => Ok(Partitions {
                entries: map
                    .into_iter()
                    .map(|(id, value)| (id, Partition::Value(Payload::Structured(value))))
                    .collect(),
            }),
            other => {
                Err(ConversionError::new(format!("expected partitions, got {}", other.describe())))
            }
        }
    }
}

/// A folder of partitions (see the module docs).
#[derive(Debug)]
pub struct PartitionedDataset {
    name: String,
    type_name: &'static str,
    /// `path` as written, credentials redacted.
    shown_path: String,
    /// `path` as written, to build partition file paths from.
    path: String,
    folder: Location,
    suffix: String,
    max_depth: Option<usize>,
    overwrite: bool,
    /// The partition dataset's entry, with `filepath` filled in per partition.
    child: DatasetSpec,
    context: DatasetContext,
    registry: DatasetRegistry,
    /// The checkpoint file to leave out of listings (incremental only).
    checkpoint_file: Option<String>,
}

impl PartitionedDataset {
    /// The canonical type name.
    pub const TYPE_NAME: &'static str = "weir.PartitionedDataset";

    /// Builds the dataset a catalog entry describes.
    pub fn from_spec(spec: &DatasetSpec, context: &DatasetContext) -> Result<Self, CatalogError> {
        Self::build(spec, context, Self::TYPE_NAME, &[])
    }

    fn build(
        spec: &DatasetSpec,
        context: &DatasetContext,
        type_name: &'static str,
        extra: &[&str],
    ) -> Result<Self, CatalogError> {
        let invalid = |message: String, hint: Option<String>| CatalogError::InvalidEntry {
            dataset: spec.name.clone(),
            message,
            source_location: spec.source.clone(),
            hint,
        };
        let known: Vec<&str> = KEYS.iter().chain(extra).copied().collect();
        if let Some(unknown) = spec.options.keys().find(|key| !known.contains(&key.as_str())) {
            let listed: Vec<String> = known.iter().map(|key| format!("`{key}`")).collect();
            return Err(invalid(
                format!(
                    "`{type_name}` does not support the key `{unknown}`; supported: {}",
                    listed.join(", ")
                ),
                did_you_mean(unknown, known.iter().copied()),
            ));
        }

        let Some(path) = spec.options.get("path").and_then(Value::as_str) else {
            return Err(invalid(
                format!("`{type_name}` needs a `path` (the folder of partitions)"),
                Some(format!("add e.g. `path: data/01_raw/{}` to the entry", spec.name)),
            ));
        };
        let path = path.trim_end_matches('/').to_owned();
        let folder = storage::resolve_location(spec, &path, context)?;

        let suffix = match spec.options.get("filename_suffix") {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(suffix)) => suffix.clone(),
            Some(_) => return Err(invalid("`filename_suffix` must be a string".to_owned(), None)),
        };
        match spec.options.get("filepath_arg") {
            None | Some(Value::Null) => {}
            Some(Value::String(arg)) if arg == "filepath" => {}
            Some(_) => {
                return Err(invalid(
                    "`filepath_arg` can only be `filepath` in weir".to_owned(),
                    Some("drop `filepath_arg`".to_owned()),
                ));
            }
        }
        let overwrite = match spec.options.get("overwrite") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(flag)) => *flag,
            Some(_) => {
                return Err(invalid("`overwrite` must be `true` or `false`".to_owned(), None));
            }
        };
        let max_depth = max_depth(spec, &invalid)?;
        let child = child_spec(spec, &invalid)?;

        let dataset = PartitionedDataset {
            name: spec.name.clone(),
            type_name,
            shown_path: storage::redact_url(&path),
            path,
            folder,
            suffix,
            max_depth,
            overwrite,
            child,
            context: context.clone(),
            registry: DatasetRegistry::with_builtins(),
            checkpoint_file: None,
        };
        // Build one partition now so a mistake in `dataset` shows when the catalog is built.
        dataset.partition("example")?;
        Ok(dataset)
    }

    /// The dataset of partition `id`.
    fn partition(&self, id: &str) -> Result<Arc<dyn Dataset>, CatalogError> {
        let mut spec = self.child.clone();
        spec.name = format!("{}[{id}]", self.name);
        let filepath = format!("{}/{id}{}", self.path, self.suffix);
        spec.options.insert("filepath".to_owned(), Value::String(filepath));
        self.registry.build(&spec, &self.context)
    }

    /// The ids of the partitions present, sorted.
    fn list_ids(&self) -> Result<Vec<String>, CatalogError> {
        let files = match &self.folder {
            Location::Local(folder) => local_files(folder, self.max_depth).map_err(|error| {
                self.load_error(format!("cannot list the folder: {error}"), None)
            })?,
            Location::Remote(remote) => {
                let listed =
                    remote.list().map_err(|error| self.load_error(error.to_string(), None))?;
                listed
                    .into_iter()
                    .map(|object| object.key)
                    .filter(|key| {
                        self.max_depth.is_none_or(|depth| key.split('/').count() <= depth)
                    })
                    .collect()
            }
        };

        let mut ids: Vec<String> = files
            .into_iter()
            .filter(|key| !key.split('/').any(|part| part.starts_with('.')))
            .filter(|key| self.checkpoint_file.as_deref() != Some(key.as_str()))
            .filter_map(|key| key.strip_suffix(self.suffix.as_str()).map(str::to_owned))
            .filter(|id| !id.is_empty())
            .collect();
        ids.sort();
        Ok(ids)
    }

    /// The partitions with the given ids, each loading lazily.
    fn partitions(&self, ids: &[String]) -> Result<Partitions, CatalogError> {
        let mut entries = BTreeMap::new();
        for id in ids {
            entries.insert(id.clone(), Partition::Stored(self.partition(id)?));
        }
        Ok(Partitions { entries })
    }

    fn remove_all(&self) -> Result<(), CatalogError> {
        match &self.folder {
            Location::Local(folder) => match std::fs::remove_dir_all(folder) {
                Ok(()) => Ok(()),
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
                Err(error) => Err(self.save_error(
                    format!("cannot remove the old partitions in `{}`: {error}", folder.display()),
                    None,
                )),
            },
            Location::Remote(remote) => {
                let objects =
                    remote.list().map_err(|error| self.save_error(error.to_string(), None))?;
                for object in objects {
                    remote
                        .join(&object.key)
                        .delete()
                        .map_err(|error| self.save_error(error.to_string(), None))?;
                }
                Ok(())
            }
        }
    }

    fn load_error(&self, message: String, hint: Option<String>) -> CatalogError {
        CatalogError::Load {
            dataset: self.name.clone(),
            type_name: self.type_name.to_owned(),
            location: Some(self.shown_path.clone()),
            message,
            hint,
        }
    }

    fn save_error(&self, message: String, hint: Option<String>) -> CatalogError {
        CatalogError::Save {
            dataset: self.name.clone(),
            type_name: self.type_name.to_owned(),
            location: Some(self.shown_path.clone()),
            message,
            hint,
        }
    }

    fn save_partitions(&self, payload: Payload) -> Result<(), CatalogError> {
        let partitions = Partitions::from_payload(payload).map_err(|error| {
            self.save_error(
                error.to_string(),
                Some(
                    "return `Partitions` (or a mapping of partition id to value) from the node"
                        .to_owned(),
                ),
            )
        })?;
        if let Some(bad) = partitions.ids().find(|id| !is_valid_id(id)) {
            return Err(self.save_error(
                format!("partition id `{bad}` is not a relative path inside the folder"),
                Some(
                    "use ids such as `2024-01-02` or `region/north`, without `..` or a leading `/`"
                        .to_owned(),
                ),
            ));
        }

        if self.overwrite {
            self.remove_all()?;
        }
        for (id, entry) in &partitions.entries {
            let payload = match entry {
                Partition::Value(payload) => payload.clone(),
                Partition::Stored(dataset) => dataset.load()?,
            };
            self.partition(id)?.save(payload)?;
        }
        tracing::debug!(dataset = %self.name, partitions = partitions.len(), "saved partitions");
        Ok(())
    }
}

impl Dataset for PartitionedDataset {
    fn type_name(&self) -> &str {
        self.type_name
    }

    fn load(&self) -> Result<Payload, CatalogError> {
        let ids = self.list_ids()?;
        if ids.is_empty() {
            return Err(self.load_error(
                format!("no partitions found in `{}`", self.shown_path),
                Some(format!(
                    "check `path` and `filename_suffix`, or run the pipeline that produces `{}` first",
                    self.name
                )),
            ));
        }
        Ok(self.partitions(&ids)?.into_payload())
    }

    fn save(&self, payload: Payload) -> Result<(), CatalogError> {
        self.save_partitions(payload)
    }

    fn exists(&self) -> Result<bool, CatalogError> {
        Ok(!self.list_ids()?.is_empty())
    }

    fn loads(&self) -> Option<DataKind> {
        Some(DataKind::Object)
    }

    fn accepts(&self, kind: DataKind) -> bool {
        matches!(kind, DataKind::Object | DataKind::Structured)
    }

    fn location(&self) -> Option<String> {
        Some(self.shown_path.clone())
    }
}

/// A folder of partitions of which each run loads only the new ones (see the module docs).
#[derive(Debug)]
pub struct IncrementalDataset {
    inner: PartitionedDataset,
    /// The checkpoint file's dataset (text).
    checkpoint: Arc<dyn Dataset>,
    /// A fixed checkpoint (`force_checkpoint`), used instead of the file's content.
    forced: Option<String>,
    comparison: Comparison,
    /// The greatest id the last load returned, written as the checkpoint on confirmation.
    pending: Mutex<Option<String>>,
}

#[derive(Debug, Clone, Copy)]
enum Comparison {
    Greater,
    GreaterOrEqual,
    Less,
    LessOrEqual,
}

impl Comparison {
    fn keeps(self, id: &str, checkpoint: &str) -> bool {
        match self {
            Comparison::Greater => id > checkpoint,
            Comparison::GreaterOrEqual => id >= checkpoint,
            Comparison::Less => id < checkpoint,
            Comparison::LessOrEqual => id <= checkpoint,
        }
    }
}

impl IncrementalDataset {
    /// The canonical type name.
    pub const TYPE_NAME: &'static str = "weir.IncrementalDataset";

    /// Builds the dataset a catalog entry describes.
    pub fn from_spec(spec: &DatasetSpec, context: &DatasetContext) -> Result<Self, CatalogError> {
        let mut inner =
            PartitionedDataset::build(spec, context, Self::TYPE_NAME, INCREMENTAL_KEYS)?;
        let invalid = |message: String| CatalogError::InvalidEntry {
            dataset: spec.name.clone(),
            message,
            source_location: spec.source.clone(),
            hint: Some(
                "write `checkpoint:` as a fixed value, or a mapping of `filepath`, \
                 `force_checkpoint` and `comparison_func`"
                    .to_owned(),
            ),
        };

        let mut filepath = None;
        let mut forced = None;
        let mut comparison = Comparison::Greater;
        match spec.options.get("checkpoint") {
            None | Some(Value::Null) => {}
            Some(Value::String(value)) => forced = Some(value.clone()),
            Some(Value::Object(config)) => {
                for (key, value) in config {
                    match (key.as_str(), value) {
                        ("filepath", Value::String(path)) => filepath = Some(path.clone()),
                        ("force_checkpoint", Value::String(value)) => forced = Some(value.clone()),
                        ("comparison_func", Value::String(name)) => {
                            comparison = match name.as_str() {
                                "operator.gt" => Comparison::Greater,
                                "operator.ge" => Comparison::GreaterOrEqual,
                                "operator.lt" => Comparison::Less,
                                "operator.le" => Comparison::LessOrEqual,
                                other => {
                                    return Err(invalid(format!(
                                        "`checkpoint.comparison_func` `{other}` is not supported; \
                                         use `operator.gt`, `operator.ge`, `operator.lt` or `operator.le`"
                                    )));
                                }
                            };
                        }
                        ("type", Value::String(kind))
                            if matches!(
                                kind.as_str(),
                                "text" | "text.TextDataset" | "kedro_datasets.text.TextDataset"
                            ) => {}
                        ("versioned" | "version", _) => {
                            return Err(invalid(
                                "the checkpoint cannot be versioned; remove `versioned`".to_owned(),
                            ));
                        }
                        (other, _) => {
                            return Err(invalid(format!(
                                "`checkpoint.{other}` is not supported (or not a string)"
                            )));
                        }
                    }
                }
            }
            Some(_) => {
                return Err(invalid("`checkpoint` must be a string or a mapping".to_owned()));
            }
        }

        let default_path = format!("{}/{DEFAULT_CHECKPOINT}", inner.path);
        let checkpoint_path = filepath.unwrap_or(default_path);
        if let Some(relative) = checkpoint_path.strip_prefix(&format!("{}/", inner.path)) {
            inner.checkpoint_file = Some(relative.to_owned());
        }
        let mut checkpoint_spec = spec.clone();
        "text".clone_into(&mut checkpoint_spec.type_name);
        checkpoint_spec.options = Map::new();
        checkpoint_spec.options.insert("type".to_owned(), Value::String("text".to_owned()));
        checkpoint_spec.options.insert("filepath".to_owned(), Value::String(checkpoint_path));
        if let Some(fs_args) = spec.options.get("fs_args") {
            checkpoint_spec.options.insert("fs_args".to_owned(), fs_args.clone());
        }
        if let Some(name) = spec.options.get("credentials") {
            checkpoint_spec.options.insert("credentials".to_owned(), name.clone());
        }
        let checkpoint = inner.registry.build(&checkpoint_spec, context)?;

        Ok(IncrementalDataset { inner, checkpoint, forced, comparison, pending: Mutex::new(None) })
    }

    /// The checkpoint in force: `force_checkpoint`, or the checkpoint file's content (`None`
    /// when there is no file yet).
    pub fn checkpoint(&self) -> Result<Option<String>, CatalogError> {
        if let Some(forced) = &self.forced {
            return Ok(Some(forced.clone()));
        }
        if !self.checkpoint.exists()? {
            return Ok(None);
        }
        match self.checkpoint.load()? {
            Payload::Text(text) => Ok(Some(text.trim_end_matches(['\n', '\r']).to_owned())),
            other => Err(self
                .inner
                .load_error(format!("the checkpoint holds {}, not text", other.describe()), None)),
        }
    }

    /// Writes the greatest partition id of the last load as the checkpoint (Kedro's
    /// `confirm`); nothing to do when the last load returned no partition.
    pub fn confirm(&self) -> Result<(), CatalogError> {
        let pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner).take();
        let Some(latest) = pending else {
            return Ok(());
        };
        tracing::debug!(dataset = %self.inner.name, checkpoint = %latest, "confirming");
        self.checkpoint.save(Payload::Text(latest))
    }

    fn new_ids(&self) -> Result<Vec<String>, CatalogError> {
        let checkpoint = self.checkpoint()?;
        let ids = self.inner.list_ids()?;
        Ok(match checkpoint {
            None => ids,
            Some(checkpoint) => {
                ids.into_iter().filter(|id| self.comparison.keeps(id, &checkpoint)).collect()
            }
        })
    }
}

impl Dataset for IncrementalDataset {
    fn type_name(&self) -> &str {
        Self::TYPE_NAME
    }

    fn load(&self) -> Result<Payload, CatalogError> {
        let ids = self.new_ids()?;
        let mut partitions = Partitions::new();
        for id in &ids {
            let payload = self.inner.partition(id)?.load()?;
            partitions.insert_payload(id.clone(), payload);
        }
        *self.pending.lock().unwrap_or_else(PoisonError::into_inner) = ids.last().cloned();
        Ok(partitions.into_payload())
    }

    fn save(&self, payload: Payload) -> Result<(), CatalogError> {
        self.inner.save_partitions(payload)
    }

    fn exists(&self) -> Result<bool, CatalogError> {
        Ok(!self.new_ids()?.is_empty())
    }

    fn loads(&self) -> Option<DataKind> {
        Some(DataKind::Object)
    }

    fn accepts(&self, kind: DataKind) -> bool {
        matches!(kind, DataKind::Object | DataKind::Structured)
    }

    fn location(&self) -> Option<String> {
        Some(self.inner.shown_path.clone())
    }

    /// The run is done with the data: every node that read it succeeded. Moves the checkpoint.
    fn release(&self) {
        if let Err(error) = self.confirm() {
            tracing::warn!(dataset = %self.inner.name, error = %error, "cannot write the checkpoint");
        }
    }
}

/// Whether `id` stays inside the folder: relative, with no `.`/`..` segment.
fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('/')
        && !id.contains('\\')
        && id.split('/').all(|part| !part.is_empty() && part != "." && part != "..")
}

/// `load_args.maxdepth`, Kedro's argument to fsspec's `find`.
fn max_depth(
    spec: &DatasetSpec,
    invalid: &impl Fn(String, Option<String>) -> CatalogError,
) -> Result<Option<usize>, CatalogError> {
    let args = match spec.options.get("load_args") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Object(args)) => args,
        Some(_) => return Err(invalid("`load_args` must be a mapping".to_owned(), None)),
    };
    let mut depth = None;
    for (key, value) in args {
        match (key.as_str(), value) {
            ("maxdepth", Value::Null) | ("withdirs", Value::Bool(false)) => {}
            ("maxdepth", Value::Number(number)) => match number.as_u64() {
                Some(found) if found > 0 => depth = usize::try_from(found).ok(),
                _ => {
                    return Err(invalid("`load_args.maxdepth` must be 1 or more".to_owned(), None));
                }
            },
            (other, _) => {
                return Err(invalid(
                    format!("`load_args.{other}` is not supported by partitioned datasets"),
                    Some(
                        "partition `load_args` take `maxdepth`; put the partition type's \
                          own `load_args` under `dataset:`"
                            .to_owned(),
                    ),
                ));
            }
        }
    }
    Ok(depth)
}

/// The partition dataset's entry from `dataset:` (a type name or a mapping), sharing the
/// partitioned entry's credentials and `fs_args`.
fn child_spec(
    spec: &DatasetSpec,
    invalid: &impl Fn(String, Option<String>) -> CatalogError,
) -> Result<DatasetSpec, CatalogError> {
    let (type_name, mut options) = match spec.options.get("dataset") {
        Some(Value::String(type_name)) => (type_name.clone(), Map::new()),
        Some(Value::Object(config)) => {
            let Some(type_name) = config.get("type").and_then(Value::as_str) else {
                return Err(invalid(
                    "`dataset` needs a `type`".to_owned(),
                    Some("write e.g. `dataset: {type: pandas.CSVDataset}`".to_owned()),
                ));
            };
            (type_name.to_owned(), config.clone())
        }
        Some(_) | None => {
            return Err(invalid(
                "a partitioned dataset needs `dataset:`, the type of each partition".to_owned(),
                Some("add e.g. `dataset: pandas.CSVDataset`".to_owned()),
            ));
        }
    };
    for key in ["filepath", "credentials"] {
        if options.contains_key(key) {
            return Err(invalid(
                format!("`dataset.{key}` is set by the partitioned dataset"),
                Some(format!("remove `{key}` from `dataset:`; set it on the partitioned entry")),
            ));
        }
    }
    if options.get("versioned").and_then(Value::as_bool) == Some(true) {
        return Err(invalid(
            "partitions cannot be versioned".to_owned(),
            Some("remove `versioned` from `dataset:`".to_owned()),
        ));
    }
    options.insert("type".to_owned(), Value::String(type_name.clone()));
    if let Some(name) = spec.options.get("credentials") {
        options.insert("credentials".to_owned(), name.clone());
    }
    if let Some(fs_args) = spec.options.get("fs_args") {
        options.entry("fs_args".to_owned()).or_insert_with(|| fs_args.clone());
    }
    Ok(DatasetSpec {
        name: spec.name.clone(),
        type_name,
        options,
        credentials: spec.credentials.clone(),
        source: spec.source.clone(),
    })
}

/// The files below `folder` (paths relative to it, `/`-separated), at most `max_depth` deep;
/// a missing folder has none. Temporary files of unfinished writes are skipped.
fn local_files(folder: &std::path::Path, max_depth: Option<usize>) -> std::io::Result<Vec<String>> {
    let mut found = Vec::new();
    let mut pending = vec![(folder.to_path_buf(), String::new(), 1)];
    while let Some((dir, prefix, depth)) = pending.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => continue,
            Err(error) => return Err(error),
        };
        for entry in entries {
            let entry = entry?;
            let Ok(name) = entry.file_name().into_string() else { continue };
            let relative =
                if prefix.is_empty() { name.clone() } else { format!("{prefix}/{name}") };
            let kind = entry.file_type()?;
            if kind.is_dir() || (kind.is_symlink() && entry.path().is_dir()) {
                if max_depth.is_none_or(|limit| depth < limit) {
                    pending.push((entry.path(), relative, depth + 1));
                }
            } else if !storage::is_temp_file_name(&name) {
                found.push(relative);
            }
        }
    }
    Ok(found)
}

/// Builds a `weir.PartitionedDataset` (registry constructor).
pub fn partitioned_from_spec(
    spec: &DatasetSpec,
    context: &DatasetContext,
) -> Result<Arc<dyn Dataset>, CatalogError> {
    Ok(Arc::new(PartitionedDataset::from_spec(spec, context)?))
}

/// Builds a `weir.IncrementalDataset` (registry constructor).
pub fn incremental_from_spec(
    spec: &DatasetSpec,
    context: &DatasetContext,
) -> Result<Arc<dyn Dataset>, CatalogError> {
    Ok(Arc::new(IncrementalDataset::from_spec(spec, context)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::files::test_support::{context, spec};
    use polars::df;
    use polars::prelude::DataFrame;
    use serde_json::json;

    const V1: &str = "2024-01-05T10.11.12.345Z";

    fn partitioned(root: &std::path::Path, options: Value) -> PartitionedDataset {
        PartitionedDataset::from_spec(&spec("trips", options), &context(root, V1)).unwrap()
    }

    fn frames() -> Partitions {
        Partitions::from_iter([
            ("2024-01-02", df!("x" => [2i64]).unwrap()),
            ("2024-01-01", df!("x" => [1i64]).unwrap()),
            ("north/2024-01-03", df!("x" => [3i64, 4]).unwrap()),
        ])
    }

    #[test]
    fn a_saved_map_loads_back_lazily_by_id() {
        let dir = tempfile::tempdir().unwrap();
        let options = json!({"path": "data/trips", "dataset": "csv", "filename_suffix": ".csv"});
        let dataset = partitioned(dir.path(), options);
        dataset.save(frames().into_payload()).unwrap();

        assert!(dir.path().join("data/trips/north/2024-01-03.csv").is_file());
        let loaded = Partitions::from_payload(dataset.load().unwrap()).unwrap();
        assert_eq!(
            loaded.ids().collect::<Vec<_>>(),
            vec!["2024-01-01", "2024-01-02", "north/2024-01-03"]
        );
        let frame: DataFrame = loaded.load("north/2024-01-03").unwrap();
        assert!(frame.equals(&df!("x" => [3i64, 4]).unwrap()), "{frame}");
        let heights: Vec<usize> =
            loaded.iter::<DataFrame>().map(|(_, f)| f.unwrap().height()).collect();
        assert_eq!(heights, vec![1, 1, 2]);
    }

    #[test]
    fn the_suffix_filters_files_and_hidden_files_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("notes");
        std::fs::create_dir_all(folder.join(".cache")).unwrap();
        for (name, text) in
            [("a.txt", "A"), ("b.md", "B"), (".hidden.txt", "H"), (".cache/c.txt", "C")]
        {
            crate::catalog::files::test_support::write_file(&folder.join(name), text.as_bytes());
        }
        let dataset = partitioned(
            dir.path(),
            json!({"path": "notes", "dataset": {"type": "text"}, "filename_suffix": ".txt"}),
        );
        let loaded = Partitions::from_payload(dataset.load().unwrap()).unwrap();
        assert_eq!(loaded.ids().collect::<Vec<_>>(), vec!["a"]);
        assert_eq!(loaded.load::<String>("a").unwrap(), "A");
    }

    #[test]
    fn an_empty_folder_is_a_load_error_naming_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let dataset = partitioned(dir.path(), json!({"path": "data/none", "dataset": "csv"}));
        let error = dataset.load().unwrap_err();
        assert!(error.to_string().contains("no partitions found in `data/none`"), "{error}");
        assert!(!dataset.exists().unwrap());
    }

    #[test]
    fn overwrite_removes_old_partitions() {
        let dir = tempfile::tempdir().unwrap();
        let options = json!({"path": "out", "dataset": "json", "filename_suffix": ".json", "overwrite": true});
        let dataset = partitioned(dir.path(), options);
        dataset.save(Payload::Structured(json!({"a": 1, "b": 2}))).unwrap();
        dataset.save(Payload::Structured(json!({"c": 3}))).unwrap();
        let loaded = Partitions::from_payload(dataset.load().unwrap()).unwrap();
        assert_eq!(loaded.ids().collect::<Vec<_>>(), vec!["c"]);
        assert_eq!(loaded.load::<Value>("c").unwrap(), json!(3));
    }

    #[test]
    fn entry_mistakes_are_reported_at_build_time() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = context(dir.path(), V1);
        let cases = [
            (json!({"path": "p"}), "needs `dataset:`"),
            (json!({"dataset": "csv"}), "needs a `path`"),
            (json!({"path": "p", "dataset": "csvv"}), "unknown dataset type `csvv`"),
            (
                json!({"path": "p", "dataset": {"type": "csv", "filepath": "x"}}),
                "`dataset.filepath`",
            ),
            (json!({"path": "p", "dataset": "csv", "filename_sufix": ".csv"}), "`filename_sufix`"),
        ];
        for (options, expected) in cases {
            let error = PartitionedDataset::from_spec(&spec("trips", options), &ctx).unwrap_err();
            assert!(error.to_string().contains(expected), "{error}");
        }
    }

    #[test]
    fn ids_escaping_the_folder_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let dataset = partitioned(dir.path(), json!({"path": "out", "dataset": "text"}));
        let bad = Partitions::from_iter([("../escape", "x".to_owned())]);
        let error = dataset.save(bad.into_payload()).unwrap_err();
        assert!(error.to_string().contains("`../escape`"), "{error}");
        assert!(!dir.path().join("escape").exists());
    }

    fn incremental(root: &std::path::Path, options: Value) -> IncrementalDataset {
        IncrementalDataset::from_spec(&spec("events", options), &context(root, V1)).unwrap()
    }

    fn write_events(root: &std::path::Path, ids: &[&str]) {
        let folder = root.join("events");
        std::fs::create_dir_all(&folder).unwrap();
        for id in ids {
            crate::catalog::files::test_support::write_file(
                &folder.join(format!("{id}.txt")),
                id.as_bytes(),
            );
        }
    }

    fn loaded_ids(dataset: &IncrementalDataset) -> Vec<String> {
        let partitions = Partitions::from_payload(dataset.load().unwrap()).unwrap();
        partitions.ids().map(str::to_owned).collect()
    }

    #[test]
    fn incremental_loads_only_partitions_after_the_confirmed_checkpoint() {
        // Kedro: IncrementalDataset keeps partitions with `id > checkpoint` and `confirm` writes
        // the last loaded id into `<path>/CHECKPOINT`.
        let dir = tempfile::tempdir().unwrap();
        let options = json!({"path": "events", "dataset": "text", "filename_suffix": ".txt"});
        write_events(dir.path(), &["p01", "p02"]);
        let dataset = incremental(dir.path(), options.clone());

        assert_eq!(loaded_ids(&dataset), vec!["p01", "p02"]);
        // Not confirmed yet (the node reading it failed): the same partitions come again.
        assert_eq!(loaded_ids(&dataset), vec!["p01", "p02"]);
        dataset.release();
        let checkpoint = std::fs::read_to_string(dir.path().join("events/CHECKPOINT")).unwrap();
        assert_eq!(checkpoint, "p02");

        write_events(dir.path(), &["p03", "p00"]);
        let next = incremental(dir.path(), options);
        assert_eq!(loaded_ids(&next), vec!["p03"]);
        next.confirm().unwrap();
        assert_eq!(std::fs::read_to_string(dir.path().join("events/CHECKPOINT")).unwrap(), "p03");
        assert_eq!(loaded_ids(&next), Vec::<String>::new());
        assert!(!next.exists().unwrap());
    }

    #[test]
    fn a_forced_checkpoint_and_comparison_are_honoured() {
        let dir = tempfile::tempdir().unwrap();
        write_events(dir.path(), &["p01", "p02", "p03"]);
        let forced = incremental(
            dir.path(),
            json!({"path": "events", "dataset": "text", "filename_suffix": ".txt", "checkpoint": "p02"}),
        );
        assert_eq!(loaded_ids(&forced), vec!["p03"]);
        let ge = incremental(
            dir.path(),
            json!({"path": "events", "dataset": "text", "filename_suffix": ".txt",
                   "checkpoint": {"force_checkpoint": "p02", "comparison_func": "operator.ge"}}),
        );
        assert_eq!(loaded_ids(&ge), vec!["p02", "p03"]);
    }

    #[test]
    fn partitions_wire_as_typed_node_data() {
        let frames = frames();
        let payload = frames.clone().into_payload();
        assert_eq!(payload.kind(), DataKind::Object);
        let back = Partitions::from_payload(payload).unwrap();
        assert_eq!(back.len(), 3);
        let data_type = DataType::of::<Partitions>();
        assert!(data_type.accepts_kind(DataKind::Object));
        let error = Partitions::from_payload(Payload::Text("x".into())).unwrap_err();
        assert_eq!(error.to_string(), "expected partitions, got text");
    }
}
