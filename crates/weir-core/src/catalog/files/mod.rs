//! The built-in file dataset types and what they share: reading the common entry keys, finding
//! the file to load or save (with Kedro-style versioning), and turning failures into
//! [`CatalogError`]s that name the dataset, its type and its `filepath`.
//!
//! | type | module | loads | saves |
//! |---|---|---|---|
//! | `weir.CSVDataset` | [`csv`] | a `DataFrame` | a `DataFrame` or `LazyFrame` |
//! | `weir.ParquetDataset` | [`parquet`] | a `DataFrame` (also a hive-partitioned folder) | a `DataFrame` or `LazyFrame` |
//! | `weir.NDJSONDataset` | [`ndjson`] | a `DataFrame` | a `DataFrame` or `LazyFrame` |
//! | `weir.IPCDataset` | [`ipc`] | a `DataFrame` | a `DataFrame` or `LazyFrame` |
//! | `weir.ExcelDataset` | [`excel`] | a `DataFrame` | nothing (read only) |
//! | `weir.LazyPolarsDataset` | [`lazy`] | a `LazyFrame` | a `LazyFrame` or `DataFrame`, streamed |
//! | `weir.JSONDataset` | [`json`] | structured data | anything structured |
//! | `weir.YAMLDataset` | [`yaml`] | structured data | anything structured |
//! | `weir.TextDataset` | [`text`] | text | text |
//! | `weir.ArtefactDataset` | [`artefact`] | an encoded artefact | a typed artefact or structured data |
//! | `weir.BinaryDataset` | [`binary`] | bytes | bytes (an image, a PDF) |
//! | `weir.PlotDataset` | [`plot`] | bytes (the PNG or SVG) | a [`Chart`], drawn as PNG and SVG |
//! | `weir.MetricsDataset` | [`metrics`] | structured data | a flat map of names to numbers |
//!
//! Every type reads these entry keys: `type`, `filepath` (required), `load_args`, `save_args`,
//! `fs_args`, `credentials`, `metadata` and `versioned`. A `filepath` may be a local path or an
//! object-store URL (`s3://`, `gs://`, `az://`, `abfs://`, `memory://`, see [`storage`]);
//! `credentials` and `fs_args` configure the object store and are unused for local files, except
//! that an `encoding` under `fs_args.open_args_load`/`open_args_save` must be UTF-8. `metadata` is accepted and left in
//! [`DatasetSpec::options`] for whoever wants it. Any other key is an error with a suggestion.
//!
//! # Limitations
//!
//! Every save writes the whole file; there is no append mode. A remote load downloads the whole
//! object (see [`storage`]).
//!
//! This module uses `catalog`'s dataset, storage and version modules, `data` and `error`.

/// The `Dataset` methods every file dataset answers from its `target: FileTarget` field:
/// `exists`, `location`, `versions`, `stamp` and `saved_stamp`. Used inside `impl Dataset`.
macro_rules! delegate_to_file_target {
    () => {
        fn exists(&self) -> Result<bool, $crate::catalog::CatalogError> {
            self.target.exists()
        }

        fn location(&self) -> Option<String> {
            Some(self.target.location())
        }

        fn versions(&self) -> Result<Vec<String>, $crate::catalog::CatalogError> {
            self.target.versions()
        }

        fn stamp(
            &self,
        ) -> Result<Option<$crate::catalog::DataStamp>, $crate::catalog::CatalogError> {
            self.target.stamp()
        }

        fn saved_stamp(
            &self,
        ) -> Result<Option<$crate::catalog::DataStamp>, $crate::catalog::CatalogError> {
            self.target.saved_stamp()
        }
    };
}

mod args;
pub mod artefact;
pub mod binary;
pub mod csv;
pub mod excel;
mod hive;
pub mod ipc;
pub mod json;
pub mod lazy;
pub mod metrics;
pub mod ndjson;
pub mod parquet;
pub mod plot;
pub mod text;
pub mod yaml;

use std::fs::File;
use std::io::{self, BufWriter};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;

use crate::catalog::storage::{self, Location, RemoteLocation, describe_chain};
use crate::catalog::version::{self, Versioning};
use crate::catalog::{CatalogError, DataStamp, Dataset, DatasetContext, DatasetSpec};
use crate::data::Payload;

pub(crate) use args::Args;

pub use artefact::ArtefactDataset;
pub use binary::BinaryDataset;
pub use csv::CsvDataset;
pub use excel::ExcelDataset;
pub use ipc::IpcDataset;
pub use json::JsonDataset;
pub use lazy::LazyPolarsDataset;
pub use metrics::MetricsDataset;
pub use ndjson::NdjsonDataset;
pub use parquet::ParquetDataset;
pub use plot::{Chart, PlotDataset};
pub use text::TextDataset;
pub use yaml::YamlDataset;

/// The top-level entry keys every file dataset accepts.
const COMMON_KEYS: &[&str] = &[
    "type",
    "filepath",
    "load_args",
    "save_args",
    "fs_args",
    "credentials",
    "metadata",
    "versioned",
];

/// The most characters of a failure's text a load or save error shows. Polars quotes the
/// offending data in its parse errors, which can be megabytes of one line.
const MAX_MESSAGE_CHARS: usize = 300;

/// `message` cut to [`MAX_MESSAGE_CHARS`] characters, ending in `…` and the full length when cut.
fn capped(message: String) -> String {
    let total = message.chars().count();
    if total <= MAX_MESSAGE_CHARS {
        return message;
    }
    let kept: String = message.chars().take(MAX_MESSAGE_CHARS).collect();
    format!("{kept}… (message cut, {total} characters in all)")
}

/// A file dataset's entry, checked: where the file is and the option sections to read.
#[derive(Debug)]
pub(crate) struct FileEntry<'a> {
    /// Where the data lives.
    pub(crate) target: FileTarget,
    /// `load_args`, checked against the type's load keys.
    pub(crate) load_args: Args<'a>,
    /// `save_args`, checked against the type's save keys.
    pub(crate) save_args: Args<'a>,
    /// The entry itself, for type-specific top-level keys.
    pub(crate) entry: Args<'a>,
}

/// What a dataset type accepts in its entry.
#[derive(Debug, Clone, Copy)]
pub(crate) struct EntryKeys {
    /// The canonical type name, for messages.
    pub(crate) type_name: &'static str,
    /// Top-level keys beyond [`COMMON_KEYS`].
    pub(crate) extra: &'static [&'static str],
    /// Keys of `load_args`.
    pub(crate) load: &'static [&'static str],
    /// Keys of `save_args`.
    pub(crate) save: &'static [&'static str],
}

impl<'a> FileEntry<'a> {
    /// Checks `spec` against `keys` and resolves its `filepath` and versions.
    pub(crate) fn parse(
        spec: &'a DatasetSpec,
        context: &DatasetContext,
        keys: EntryKeys,
    ) -> Result<Self, CatalogError> {
        let supported: Vec<&str> = COMMON_KEYS.iter().chain(keys.extra).copied().collect();
        let entry = Args::entry(spec, keys.type_name, &supported)?;
        let load_args = Args::section(spec, keys.type_name, "load_args", keys.load)?;
        let save_args = Args::section(spec, keys.type_name, "save_args", keys.save)?;
        check_fs_args(spec, keys.type_name)?;

        let target = FileTarget::from_entry(&entry, spec, keys.type_name, context)?;
        if spec.credentials.is_some() && !target.is_remote() {
            tracing::debug!(dataset = %spec.name, "credentials are not used for local files");
        }
        Ok(FileEntry { target, load_args, save_args, entry })
    }
}

/// `fs_args` configure Kedro's fsspec file systems: for remote data they reach the object store
/// (checked there), local files need none of it; a non-UTF-8 `encoding` would silently change
/// what a Kedro project reads, so it is refused everywhere.
fn check_fs_args(spec: &DatasetSpec, type_name: &'static str) -> Result<(), CatalogError> {
    let fs_args = Args::section_unchecked(spec, type_name, "fs_args")?;
    if fs_args.is_empty() {
        return Ok(());
    }

    for nested in ["open_args_load", "open_args_save"] {
        if let Some(open_args) = fs_args.nested(nested)? {
            open_args.require_utf8(&["encoding"])?;
        }
    }
    tracing::debug!(dataset = %spec.name, keys = ?fs_args.keys(), "fs_args: only `open_args_*` apply to local files");
    Ok(())
}

/// Where a file dataset's data lives and which versions it loads and saves.
///
/// Every method works on local files and object stores alike, except [`FileTarget::load_path`]
/// and [`FileTarget::save_path`], which need a local file: readers and writers that need a path
/// use [`FileTarget::with_local_copy`] and [`FileTarget::write_via_local_path`] instead, which
/// download to (or upload from) a temporary file when the data is remote.
#[derive(Debug, Clone)]
pub(crate) struct FileTarget {
    dataset: String,
    type_name: &'static str,
    filepath: String,
    location: Location,
    versioning: Option<Versioning>,
}

impl FileTarget {
    fn from_entry(
        entry: &Args<'_>,
        spec: &DatasetSpec,
        type_name: &'static str,
        context: &DatasetContext,
    ) -> Result<Self, CatalogError> {
        let dataset = entry.dataset();
        let Some(filepath) = entry.string(&["filepath"])? else {
            return Err(entry.error(
                format!("`{type_name}` needs a `filepath`"),
                Some(format!("add e.g. `filepath: data/01_raw/{dataset}` to the entry")),
            ));
        };
        let location = storage::resolve_location(spec, filepath, context)?;
        let has_file_name = match &location {
            Location::Local(path) => path.file_name().is_some(),
            Location::Remote(remote) => remote.file_name().is_some(),
        };
        if !has_file_name {
            let shown = storage::redact_url(filepath);
            return Err(
                entry.error(format!("`filepath` `{shown}` does not end in a file name"), None)
            );
        }

        let versioned = entry.boolean(&["versioned"])?.unwrap_or(false);
        let versioning = versioning(entry, versioned, context)?;
        Ok(FileTarget {
            dataset: dataset.to_owned(),
            type_name,
            filepath: storage::redact_url(filepath),
            location,
            versioning,
        })
    }

    /// The `filepath` as written in the entry, with any URL credentials redacted.
    pub(crate) fn location(&self) -> String {
        self.filepath.clone()
    }

    /// Whether the data lives in an object store rather than on the local file system.
    pub(crate) fn is_remote(&self) -> bool {
        matches!(self.location, Location::Remote(_))
    }

    /// The versions present, oldest first; empty for an unversioned dataset.
    pub(crate) fn versions(&self) -> Result<Vec<String>, CatalogError> {
        if self.versioning.is_none() {
            return Ok(Vec::new());
        }
        let listed = match &self.location {
            Location::Local(path) => {
                version::list_versions(path).map_err(|error| error.to_string())
            }
            Location::Remote(remote) => {
                version::list_remote_versions(remote).map_err(|error| error.to_string())
            }
        };
        listed.map_err(|error| self.load_error(format!("cannot list the versions: {error}"), None))
    }

    /// Whether there is a file to load.
    pub(crate) fn exists(&self) -> Result<bool, CatalogError> {
        let Some(versioning) = &self.versioning else {
            return self.is_file(&self.location);
        };
        if let Some(pinned) = &versioning.load {
            return self.is_file(&self.versioned(pinned));
        }
        Ok(!self.versions()?.is_empty())
    }

    /// Whether `location` is a file (an object, for a remote location).
    fn is_file(&self, location: &Location) -> Result<bool, CatalogError> {
        match location {
            Location::Local(path) => Ok(path.is_file()),
            Location::Remote(remote) => match remote.head() {
                Ok(found) => Ok(found.is_some()),
                Err(error) => Err(self.load_error(error.to_string(), None)),
            },
        }
    }

    /// `<filepath>/<version>/<file name>`.
    fn versioned(&self, version: &str) -> Location {
        match &self.location {
            Location::Local(path) => Location::Local(version::versioned_path(path, version)),
            Location::Remote(remote) => {
                let name = remote.file_name().unwrap_or_default();
                Location::Remote(remote.join(version).join(name))
            }
        }
    }

    /// The file a load would read now and its size and modification time; `None` when there
    /// is nothing to load. For remote data the stamp's `path` is the URL.
    pub(crate) fn stamp(&self) -> Result<Option<DataStamp>, CatalogError> {
        if !self.exists()? {
            return Ok(None);
        }
        let location = self.load_location()?;
        self.stamp_of(&location)
    }

    /// The file this run's save wrote (this run's version for a versioned dataset), with its
    /// size and modification time; `None` when nothing was written there.
    pub(crate) fn saved_stamp(&self) -> Result<Option<DataStamp>, CatalogError> {
        let location = match &self.versioning {
            Some(versioning) => self.versioned(&versioning.save),
            None => self.location.clone(),
        };
        if !self.is_file(&location)? {
            return Ok(None);
        }
        self.stamp_of(&location)
    }

    fn stamp_of(&self, location: &Location) -> Result<Option<DataStamp>, CatalogError> {
        let (path, len, modified) = match location {
            Location::Local(path) => {
                let metadata =
                    std::fs::metadata(path).map_err(|error| self.read_error(path, &error))?;
                let modified =
                    metadata.modified().map_err(|error| self.read_error(path, &error))?;
                (path.clone(), metadata.len(), modified)
            }
            Location::Remote(remote) => {
                let Some(info) =
                    remote.head().map_err(|error| self.load_error(error.to_string(), None))?
                else {
                    return Ok(None);
                };
                (PathBuf::from(remote.url()), info.size, info.modified)
            }
        };
        let version = self.versioning.as_ref().and_then(|_| {
            let folder = path.parent()?.file_name()?;
            Some(folder.to_string_lossy().into_owned())
        });
        Ok(Some(DataStamp { path, version, len, modified }))
    }

    /// The local file to read: the `filepath`, the pinned version or the latest one. Remote
    /// data has no local path: use [`FileTarget::with_local_copy`] or
    /// [`FileTarget::read_bytes`], which work everywhere.
    pub(crate) fn load_path(&self) -> Result<PathBuf, CatalogError> {
        match self.load_location()? {
            Location::Local(path) => Ok(path),
            Location::Remote(remote) => Err(self.needs_local_file(&remote, "read")),
        }
    }

    /// Where the data to load is: the `filepath`, the pinned version or the latest one.
    pub(crate) fn load_location(&self) -> Result<Location, CatalogError> {
        let Some(versioning) = &self.versioning else {
            return self.unversioned_load_location();
        };

        let versions = self.versions()?;
        let chosen = match &versioning.load {
            Some(pinned) if versions.contains(pinned) => pinned.clone(),
            Some(pinned) => return Err(self.missing_pinned_version(pinned, &versions)),
            None => match versions.last() {
                Some(latest) => latest.clone(),
                None => return Err(self.no_versions_error()),
            },
        };

        tracing::debug!(dataset = %self.dataset, version = %chosen, "loading version");
        Ok(self.versioned(&chosen))
    }

    fn needs_local_file(&self, remote: &RemoteLocation, what: &str) -> CatalogError {
        let message = format!("`{}` cannot {what} `{}` directly", self.type_name, remote.url());
        let hint = "this reader needs a local file: use `FileTarget::with_local_copy` / \
                    `write_via_local_path` in the dataset, or a local `filepath`";
        if what == "read" {
            self.load_error(message, Some(hint.to_owned()))
        } else {
            self.save_error(message, Some(hint.to_owned()))
        }
    }

    /// The unversioned file to read. A remote object is not checked here: the read that
    /// follows finds out in the same request (see [`FileTarget::remote_load_error`]).
    fn unversioned_load_location(&self) -> Result<Location, CatalogError> {
        match &self.location {
            Location::Local(path) => self.unversioned_local_path(path).map(Location::Local),
            Location::Remote(_) => Ok(self.location.clone()),
        }
    }

    fn run_first_hint(&self) -> String {
        format!(
            "check `filepath` in the catalog entry, or run the pipeline that produces `{}` first",
            self.dataset
        )
    }

    fn unversioned_local_path(&self, path: &Path) -> Result<PathBuf, CatalogError> {
        if path.is_file() {
            return Ok(path.to_path_buf());
        }
        if path.is_dir() {
            let hint = if version::list_versions(path).is_ok_and(|found| !found.is_empty()) {
                "the folder holds saved versions: add `versioned: true` to the entry"
            } else {
                "point `filepath` at a file"
            };
            return Err(
                self.load_error("`filepath` is a folder, not a file", Some(hint.to_owned()))
            );
        }
        Err(self
            .load_error(format!("no file at `{}`", path.display()), Some(self.run_first_hint())))
    }

    fn no_versions_error(&self) -> CatalogError {
        let is_plain_file = self.is_file(&self.location).unwrap_or(false);
        let message = if is_plain_file {
            "the dataset is versioned but `filepath` is a plain file with no versions".to_owned()
        } else {
            "the dataset is versioned and no version has been saved yet".to_owned()
        };
        let file_name = match &self.location {
            Location::Local(path) => {
                path.file_name().unwrap_or_default().to_string_lossy().into_owned()
            }
            Location::Remote(remote) => remote.file_name().unwrap_or_default().to_owned(),
        };
        self.load_error(
            message,
            Some(format!(
                "run the pipeline that produces `{}` first; \
                 versions are stored as `{}/<version>/{file_name}`",
                self.dataset, self.filepath
            )),
        )
    }

    fn missing_pinned_version(&self, pinned: &str, present: &[String]) -> CatalogError {
        let hint = if present.is_empty() {
            "no version has been saved yet".to_owned()
        } else {
            let listed: Vec<String> = present.iter().map(|found| format!("`{found}`")).collect();
            format!("versions present, oldest first: {}", listed.join(", "))
        };
        self.load_error(format!("version `{pinned}` does not exist"), Some(hint))
    }

    /// The local file to write: the `filepath`, or this run's version of it, which must not
    /// exist yet. Remote data has no local path: use [`FileTarget::write`],
    /// [`FileTarget::write_bytes`] or [`FileTarget::write_via_local_path`].
    pub(crate) fn save_path(&self) -> Result<PathBuf, CatalogError> {
        match self.save_location()? {
            Location::Local(path) => Ok(path),
            Location::Remote(remote) => Err(self.needs_local_file(&remote, "write")),
        }
    }

    /// Where to write: the `filepath`, or this run's version of it, which must not exist yet.
    pub(crate) fn save_location(&self) -> Result<Location, CatalogError> {
        let Some(versioning) = &self.versioning else {
            return Ok(self.location.clone());
        };

        if self.is_file(&self.location)? {
            return Err(self.save_error(
                "the dataset is versioned but `filepath` is an existing plain file",
                Some("move or delete the unversioned file, or drop `versioned: true`".to_owned()),
            ));
        }
        let location = self.versioned(&versioning.save);
        let taken = match &location {
            Location::Local(path) => path.exists(),
            Location::Remote(_) => self.is_file(&location)?,
        };
        if taken {
            return Err(self.save_error(
                format!("version `{}` already exists at `{}`", versioning.save, location.display()),
                Some(
                    "saved versions are never overwritten; run again to get a new version"
                        .to_owned(),
                ),
            ));
        }
        Ok(location)
    }

    /// Reads the whole file to load.
    pub(crate) fn read_bytes(&self) -> Result<Vec<u8>, CatalogError> {
        match self.load_location()? {
            Location::Local(path) => {
                std::fs::read(&path).map_err(|error| self.read_error(&path, &error))
            }
            Location::Remote(remote) => {
                remote.get().map(Vec::from).map_err(|error| self.remote_load_error(&error))
            }
        }
    }

    /// Opens the file to load; remote data is downloaded first into a temporary file that is
    /// removed once the returned handle is closed (on Unix, at once: the handle keeps it).
    pub(crate) fn open(&self) -> Result<File, CatalogError> {
        match self.load_location()? {
            Location::Local(path) => {
                File::open(&path).map_err(|error| self.read_error(&path, &error))
            }
            Location::Remote(remote) => {
                let copy = self.download(&remote)?;
                File::open(copy.path()).map_err(|error| self.read_error(copy.path(), &error))
            }
        }
    }

    /// Calls `read` with a local path holding the data to load: the file itself, or a
    /// temporary download of a remote object (removed afterwards). For readers that need a path
    /// (memory-mapped or lazy scans).
    pub(crate) fn with_local_copy<T>(
        &self,
        read: impl FnOnce(&Path) -> Result<T, CatalogError>,
    ) -> Result<T, CatalogError> {
        match self.load_location()? {
            Location::Local(path) => read(&path),
            Location::Remote(remote) => {
                let copy = self.download(&remote)?;
                read(copy.path())
            }
        }
    }

    fn download(&self, remote: &RemoteLocation) -> Result<storage::TempFile, CatalogError> {
        let name = remote.file_name().unwrap_or("data");
        let copy = storage::TempFile::new(name).map_err(|error| {
            self.load_error(format!("cannot create a temporary file: {error}"), None)
        })?;
        remote.download(copy.path()).map_err(|error| self.remote_load_error(&error))?;
        Ok(copy)
    }

    fn remote_load_error(&self, error: &storage::RemoteError) -> CatalogError {
        if !error.is_not_found() {
            return self.load_error(error.to_string(), None);
        }
        let has_versions = match (&self.versioning, &self.location) {
            (None, Location::Remote(remote)) => {
                version::list_remote_versions(remote).is_ok_and(|found| !found.is_empty())
            }
            _ => false,
        };
        let hint = if has_versions {
            "the folder holds saved versions: add `versioned: true` to the entry".to_owned()
        } else {
            self.run_first_hint()
        };
        self.load_error(error.to_string(), Some(hint))
    }

    fn read_error(&self, path: &Path, error: &io::Error) -> CatalogError {
        self.load_error(format!("cannot read `{}`: {error}", path.display()), None)
    }

    /// Writes the file to save atomically with what `write` produces. Remote data is written
    /// to a local temporary file first and then uploaded as one object.
    pub(crate) fn write<F>(&self, write: F) -> Result<(), CatalogError>
    where
        F: FnOnce(&mut BufWriter<File>) -> io::Result<()>,
    {
        match self.save_location()? {
            Location::Local(path) => {
                storage::write_atomic(&path, write)
                    .map_err(|error| self.save_error(describe_chain(&error), None))?;
                tracing::debug!(dataset = %self.dataset, path = %path.display(), "saved");
                Ok(())
            }
            Location::Remote(remote) => self.upload_via_temp(&remote, |path| {
                let mut writer = BufWriter::new(File::create(path)?);
                write(&mut writer)?;
                io::Write::flush(&mut writer)
            }),
        }
    }

    /// Writes the file to save through a writer that needs a path (a streaming sink): `write`
    /// gets a temporary path, and the file it leaves there replaces the target atomically
    /// (renamed into place locally, uploaded as one object remotely).
    pub(crate) fn write_via_local_path<F>(&self, write: F) -> Result<(), CatalogError>
    where
        F: FnOnce(&Path) -> io::Result<()>,
    {
        match self.save_location()? {
            Location::Local(path) => {
                storage::write_atomic_via_path(&path, write)
                    .map_err(|error| self.save_error(describe_chain(&error), None))?;
                tracing::debug!(dataset = %self.dataset, path = %path.display(), "saved");
                Ok(())
            }
            Location::Remote(remote) => self.upload_via_temp(&remote, write),
        }
    }

    fn upload_via_temp(
        &self,
        remote: &RemoteLocation,
        write: impl FnOnce(&Path) -> io::Result<()>,
    ) -> Result<(), CatalogError> {
        let name = remote.file_name().unwrap_or("data");
        let copy = storage::TempFile::new(name).map_err(|error| {
            self.save_error(format!("cannot create a temporary file: {error}"), None)
        })?;
        write(copy.path())
            .map_err(|error| self.save_error(format!("cannot write: {error}"), None))?;
        remote.upload(copy.path()).map_err(|error| self.save_error(error.to_string(), None))?;
        tracing::debug!(dataset = %self.dataset, url = %remote.url(), "saved");
        Ok(())
    }

    /// Writes `bytes` as the file to save, atomically.
    pub(crate) fn write_bytes(&self, bytes: &[u8]) -> Result<(), CatalogError> {
        match self.save_location()? {
            Location::Local(_) => self.write(|writer| io::Write::write_all(writer, bytes)),
            Location::Remote(remote) => {
                remote
                    .put(bytes::Bytes::copy_from_slice(bytes))
                    .map_err(|error| self.save_error(error.to_string(), None))?;
                tracing::debug!(dataset = %self.dataset, url = %remote.url(), "saved");
                Ok(())
            }
        }
    }

    /// A load error for this dataset; a long `message` is cut (see [`MAX_MESSAGE_CHARS`]).
    pub(crate) fn load_error(
        &self,
        message: impl Into<String>,
        hint: Option<String>,
    ) -> CatalogError {
        CatalogError::Load {
            dataset: self.dataset.clone(),
            type_name: self.type_name.to_owned(),
            location: Some(self.location()),
            message: capped(message.into()),
            hint,
        }
    }

    /// A save error for this dataset; a long `message` is cut (see [`MAX_MESSAGE_CHARS`]).
    pub(crate) fn save_error(
        &self,
        message: impl Into<String>,
        hint: Option<String>,
    ) -> CatalogError {
        CatalogError::Save {
            dataset: self.dataset.clone(),
            type_name: self.type_name.to_owned(),
            location: Some(self.location()),
            message: capped(message.into()),
            hint,
        }
    }

    /// The save error for a payload of the wrong kind.
    pub(crate) fn wrong_payload(&self, payload: &Payload, expected: &str) -> CatalogError {
        self.save_error(
            format!("expected {expected}, got {}", payload.describe()),
            Some(format!(
                "`{}` stores {expected}; change the node's output or the dataset's `type`",
                self.type_name
            )),
        )
    }
}

/// The versions to use when the entry says `versioned: true`; a pinned load version for an
/// unversioned dataset is refused so a `--load-versions` typo does not go unnoticed.
fn versioning(
    entry: &Args<'_>,
    versioned: bool,
    context: &DatasetContext,
) -> Result<Option<Versioning>, CatalogError> {
    let pinned = context.load_versions.get(entry.dataset());
    if !versioned {
        return match pinned {
            None => Ok(None),
            Some(version) => Err(entry.error(
                format!("load version `{version}` is pinned, but the dataset is not versioned"),
                Some(
                    "add `versioned: true` to the entry, or drop it from `--load-versions`"
                        .to_owned(),
                ),
            )),
        };
    }

    for (what, version) in [("save", Some(&context.save_version)), ("load", pinned)] {
        let Some(version) = version else { continue };
        if let Some(reason) = version::invalid_version_reason(version) {
            return Err(entry.error(format!("invalid {what} version `{version}`: {reason}"), None));
        }
    }
    Ok(Some(Versioning { load: pinned.cloned(), save: context.save_version.clone() }))
}

/// Builds a Kedro `polars.EagerPolarsDataset` entry: its `file_format` key picks the CSV,
/// Parquet, Arrow IPC or NDJSON dataset, which then reads the rest of the entry.
pub fn eager_polars_from_spec(
    spec: &DatasetSpec,
    context: &DatasetContext,
) -> Result<Arc<dyn Dataset>, CatalogError> {
    const SUPPORTED: &str = "`csv`, `parquet`, `ipc` (or `feather`) or `ndjson`";
    let invalid = |message: String| CatalogError::InvalidEntry {
        dataset: spec.name.clone(),
        message,
        source_location: spec.source.clone(),
        hint: Some(format!("set `file_format` to {SUPPORTED}")),
    };

    let format = match spec.options.get("file_format") {
        Some(Value::String(format)) => format.to_ascii_lowercase(),
        Some(other) => {
            return Err(invalid(format!(
                "`file_format` must be a string, got {}",
                args::shape(other)
            )));
        }
        None => {
            return Err(invalid("`polars.EagerPolarsDataset` needs a `file_format`".to_owned()));
        }
    };
    match format.as_str() {
        "csv" => Ok(Arc::new(CsvDataset::with_extra_keys(spec, context, &["file_format"])?)),
        "parquet" => {
            Ok(Arc::new(ParquetDataset::with_extra_keys(spec, context, &["file_format"])?))
        }
        "ipc" | "feather" => {
            Ok(Arc::new(IpcDataset::with_extra_keys(spec, context, &["file_format"])?))
        }
        "ndjson" => Ok(Arc::new(NdjsonDataset::with_extra_keys(spec, context, &["file_format"])?)),
        _ => Err(invalid(format!(
            "`file_format` `{format}` is not supported; weir reads {SUPPORTED}"
        ))),
    }
}

/// The frame in `payload`, collecting a lazy one; any other kind is a save error.
pub(crate) fn frame_of(
    target: &FileTarget,
    payload: Payload,
) -> Result<polars::prelude::DataFrame, CatalogError> {
    match payload {
        Payload::Frame(frame) => Ok(frame),
        Payload::Lazy(lazy) => lazy.collect().map_err(|error| {
            target.save_error(format!("cannot collect the lazy frame: {error}"), None)
        }),
        other => Err(target.wrong_payload(&other, "a DataFrame")),
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    //! Helpers shared by the dataset tests.

    use std::collections::HashMap;
    use std::path::Path;

    use serde_json::Value;

    use crate::catalog::{DatasetContext, DatasetSpec};

    /// A spec named `name` with the given options (a JSON object).
    pub(crate) fn spec(name: &str, options: Value) -> DatasetSpec {
        let Value::Object(options) = options else { panic!("test options are a JSON object") };
        let type_name = options.get("type").and_then(Value::as_str).unwrap_or("test").to_owned();
        DatasetSpec { name: name.to_owned(), type_name, options, credentials: None, source: None }
    }

    /// A context rooted at `root` saving `save_version`.
    pub(crate) fn context(root: &Path, save_version: &str) -> DatasetContext {
        DatasetContext {
            project_root: root.to_path_buf(),
            save_version: save_version.to_owned(),
            load_versions: HashMap::new(),
        }
    }

    /// Writes `bytes` to `path` directly (not atomically), to set up a test.
    pub(crate) fn write_file(path: &Path, bytes: &[u8]) {
        use std::io::Write;
        let mut file = std::fs::File::create(path).expect("the test file can be created");
        file.write_all(bytes).expect("the test file can be written");
    }

    /// The names in `folder`, sorted.
    pub(crate) fn file_names(folder: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(folder)
            .expect("the test folder exists")
            .map(|entry| entry.expect("readable entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::{context, file_names, spec, write_file};
    use super::*;
    use crate::error::Hinted;
    use serde_json::json;

    const V1: &str = "2024-01-05T10.11.12.345Z";
    const V2: &str = "2024-01-06T08.00.00.000Z";

    fn text_dataset(root: &Path, version: &str, options: Value) -> TextDataset {
        TextDataset::from_spec(&spec("notes", options), &context(root, version)).unwrap()
    }

    #[test]
    fn a_missing_filepath_is_reported_with_a_hint() {
        let dir = tempfile::tempdir().unwrap();
        let error = TextDataset::from_spec(
            &spec("notes", json!({"type": "text"})),
            &context(dir.path(), V1),
        )
        .unwrap_err();
        assert!(error.to_string().contains("needs a `filepath`"), "{error}");
        assert!(error.hint().unwrap().contains("filepath: data/01_raw/notes"));
    }

    #[test]
    fn unknown_top_level_keys_suggest_the_right_one() {
        let dir = tempfile::tempdir().unwrap();
        let options = json!({"type": "text", "filepath": "a.txt", "versoined": true});
        let error =
            TextDataset::from_spec(&spec("notes", options), &context(dir.path(), V1)).unwrap_err();
        assert!(error.to_string().contains("`versoined`"), "{error}");
        assert_eq!(error.hint().as_deref(), Some("did you mean `versioned`?"));
    }

    #[test]
    fn common_kedro_keys_are_accepted() {
        let dir = tempfile::tempdir().unwrap();
        let options = json!({
            "type": "text", "filepath": "a.txt", "credentials": "dev_s3",
            "metadata": {"kedro-viz": {"layer": "raw"}},
            "fs_args": {"open_args_load": {"encoding": "utf-8"}, "project": "x"},
        });
        let dataset = text_dataset(dir.path(), V1, options);
        assert_eq!(dataset.location().as_deref(), Some("a.txt"));
    }

    #[test]
    fn long_failure_text_is_cut_and_its_length_noted() {
        let huge = format!("could not parse `{}` as dtype `f64`", "é".repeat(5_000_000));
        let message = capped(huge);
        assert!(message.chars().count() < 400, "{} characters", message.chars().count());
        assert!(message.starts_with("could not parse `éé"), "{message}");
        assert!(message.ends_with("… (message cut, 5000033 characters in all)"), "{message}");
    }

    #[test]
    fn the_location_never_shows_url_credentials() {
        let dir = tempfile::tempdir().unwrap();
        let options = json!({"filepath": "file://alice:S3cr3t@localhost/notes.txt"});
        let dataset = text_dataset(dir.path(), V1, options);
        assert_eq!(dataset.location().as_deref(), Some("file://***@localhost/notes.txt"));
    }

    #[test]
    fn a_missing_file_names_the_dataset_and_suggests_running_the_pipeline() {
        let dir = tempfile::tempdir().unwrap();
        let dataset = text_dataset(dir.path(), V1, json!({"filepath": "data/notes.txt"}));
        let error = dataset.load().unwrap_err();
        let text = error.to_string();
        assert!(
            text.starts_with("cannot load dataset `notes` (weir.TextDataset at `data/notes.txt`)"),
            "{text}"
        );
        assert!(error.hint().unwrap().contains("run the pipeline that produces `notes`"));
        assert!(!dataset.exists().unwrap());
    }

    #[test]
    fn two_runs_keep_two_versions_and_load_the_latest() {
        let dir = tempfile::tempdir().unwrap();
        let options = json!({"filepath": "data/notes.txt", "versioned": true});
        text_dataset(dir.path(), V1, options.clone()).save(Payload::Text("one".into())).unwrap();
        let second = text_dataset(dir.path(), V2, options);
        second.save(Payload::Text("two".into())).unwrap();

        let base = dir.path().join("data/notes.txt");
        assert_eq!(file_names(&base), vec![V1, V2]);
        assert_eq!(std::fs::read_to_string(base.join(V1).join("notes.txt")).unwrap(), "one");
        assert_eq!(second.versions().unwrap(), vec![V1, V2]);
        let Payload::Text(latest) = second.load().unwrap() else { panic!("text expected") };
        assert_eq!(latest, "two");
    }

    #[test]
    fn a_pinned_version_is_loaded_and_a_missing_one_lists_what_exists() {
        let dir = tempfile::tempdir().unwrap();
        let options = json!({"filepath": "notes.txt", "versioned": true});
        text_dataset(dir.path(), V1, options.clone()).save(Payload::Text("one".into())).unwrap();
        text_dataset(dir.path(), V2, options.clone()).save(Payload::Text("two".into())).unwrap();

        let mut ctx = context(dir.path(), "2024-02-01T00.00.00.000Z");
        ctx.load_versions.insert("notes".into(), V1.into());
        let pinned = TextDataset::from_spec(&spec("notes", options.clone()), &ctx).unwrap();
        let Payload::Text(text) = pinned.load().unwrap() else { panic!("text expected") };
        assert_eq!(text, "one");

        ctx.load_versions.insert("notes".into(), "2020-01-01T00.00.00.000Z".into());
        let missing = TextDataset::from_spec(&spec("notes", options), &ctx).unwrap();
        let error = missing.load().unwrap_err();
        assert!(error.to_string().contains("version `2020-01-01T00.00.00.000Z` does not exist"));
        assert_eq!(
            error.hint().unwrap(),
            format!("versions present, oldest first: `{V1}`, `{V2}`")
        );
    }

    #[test]
    fn saving_an_existing_version_fails_and_keeps_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let options = json!({"filepath": "notes.txt", "versioned": true});
        let dataset = text_dataset(dir.path(), V1, options);
        dataset.save(Payload::Text("first".into())).unwrap();

        let error = dataset.save(Payload::Text("second".into())).unwrap_err();
        assert!(error.to_string().contains(&format!("version `{V1}` already exists")), "{error}");
        let saved = dir.path().join("notes.txt").join(V1).join("notes.txt");
        assert_eq!(std::fs::read_to_string(saved).unwrap(), "first");
    }

    #[test]
    fn a_versioned_dataset_with_no_versions_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let dataset =
            text_dataset(dir.path(), V1, json!({"filepath": "notes.txt", "versioned": true}));
        let error = dataset.load().unwrap_err();
        assert!(error.to_string().contains("no version has been saved yet"), "{error}");
        assert!(error.hint().unwrap().contains("notes.txt/<version>/notes.txt"));
        assert!(!dataset.exists().unwrap());
        assert!(dataset.versions().unwrap().is_empty());
    }

    #[test]
    fn a_pinned_version_for_an_unversioned_dataset_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut ctx = context(dir.path(), V1);
        ctx.load_versions.insert("notes".into(), V1.into());
        let error =
            TextDataset::from_spec(&spec("notes", json!({"filepath": "a.txt"})), &ctx).unwrap_err();
        assert!(error.hint().unwrap().contains("versioned: true"));
    }

    #[test]
    fn a_failed_save_leaves_the_old_file_and_no_temp_files() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("data");
        write_file(&blocker, b"old bytes");

        let dataset = text_dataset(dir.path(), V1, json!({"filepath": "data/notes.txt"}));
        let error = dataset.save(Payload::Text("new".into())).unwrap_err();

        assert!(error.to_string().contains("cannot create folder"), "{error}");
        assert_eq!(std::fs::read(&blocker).unwrap(), b"old bytes");
        assert_eq!(file_names(dir.path()), vec!["data"]);
    }
}
