//! Hive-partitioned Parquet folders for `weir.ParquetDataset`: a `filepath` that is a folder of
//! `key=value/.../*.parquet` files, as written by pandas' `to_parquet(partition_cols=...)`,
//! pyarrow, Spark or Polars.
//!
//! Loading such a folder reads every `*.parquet` file under it (hidden files, such as the
//! temporary files of a save in progress, never match) and adds each `key=value` level as a
//! column after the files' own columns, with its type inferred from the values (integers,
//! floats, dates, else strings). A save with `save_args: {partition_by: [cols]}` writes one
//! folder per distinct combination of those columns, without them inside the files, as pandas
//! does. The folder is written beside
//! the target under a hidden temporary name, then swapped in by renaming: the old folder is moved
//! aside, the new one renamed into place, and only then is the old one removed. A failure
//! before the swap leaves the old folder untouched.
//!
//! Versioning works as for files: `<filepath>/<version>/<file name>` is the partitioned folder.
//!
//! # Limitations
//!
//! - Local folders only: a remote `filepath` loads as a single file, and a partitioned save to
//!   it is refused.
//! - The swap is two renames: a reader listing the folder between them finds nothing (and a
//!   crash between them leaves the old data under a hidden `.<name>.….weir-tmp` name beside
//!   it). Readers never see a half-written folder.
//! - Glob characters (`*`, `?`, `[`) in the folder's own path are not supported.
//! - A partition value's type is inferred from all values, as Polars does; pandas/pyarrow make
//!   string partitions categorical.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use polars::prelude::{
    DataFrame, Engine, FileWriteFormat, HiveOptions, IntoLazy, LazyFrame, ParquetCompression,
    ParquetWriteOptions, PartitionStrategy, PlRefPath, ScanArgsParquet, SinkDestination,
    UnifiedSinkArgs, col,
};

use crate::catalog::storage::Location;
use crate::catalog::version;
use crate::catalog::{CatalogError, DataStamp};
use crate::data::Payload;

use super::FileTarget;
use super::lazy::{TempPath, parent_of};

/// The partitioned folder a load reads, or `None` when the dataset's data is a plain file (or
/// missing, which the file path then reports).
pub(crate) fn folder_to_load(target: &FileTarget) -> Result<Option<PathBuf>, CatalogError> {
    let Some(base) = local_base(target) else {
        return Ok(None);
    };
    let Some(versioning) = &target.versioning else {
        let is_plain_folder = base.is_dir() && all_versions(target)?.is_empty();
        return Ok(is_plain_folder.then(|| base.to_path_buf()));
    };

    let versions = all_versions(target)?;
    let chosen = match &versioning.load {
        Some(pinned) => versions.iter().find(|found| *found == pinned),
        None => versions.last(),
    };
    Ok(chosen.map(|chosen| version::versioned_path(base, chosen)).filter(|path| path.is_dir()))
}

/// The local `filepath`; `None` for remote data, which is never a partitioned folder here.
fn local_base(target: &FileTarget) -> Option<&Path> {
    match &target.location {
        Location::Local(path) => Some(path),
        Location::Remote(_) => None,
    }
}

/// The versions under the dataset's base folder holding a file or a partitioned folder.
fn all_versions(target: &FileTarget) -> Result<Vec<String>, CatalogError> {
    let Some(base) = local_base(target) else {
        return target.versions();
    };
    let listed = list_all_versions(base)
        .map_err(|error| target.load_error(format!("cannot list the versions: {error}"), None))?;
    Ok(listed)
}

fn list_all_versions(base: &Path) -> std::io::Result<Vec<String>> {
    let entries = match std::fs::read_dir(base) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) if error.kind() == std::io::ErrorKind::NotADirectory => return Ok(Vec::new()),
        Err(error) => return Err(error),
    };
    let mut versions = Vec::new();
    for entry in entries {
        let entry = entry?;
        let Ok(name) = entry.file_name().into_string() else { continue };
        if name.starts_with('.') || !entry.file_type()?.is_dir() {
            continue;
        }
        if version::versioned_path(base, &name).exists() {
            versions.push(name);
        }
    }
    versions.sort();
    Ok(versions)
}

/// Reads every Parquet file under `folder`, with the partition columns.
pub(crate) fn load(
    target: &FileTarget,
    folder: &Path,
    columns: Option<&[String]>,
    n_rows: Option<usize>,
) -> Result<DataFrame, CatalogError> {
    let Some(folder_text) = folder.to_str() else {
        return Err(target.load_error(format!("`{}` is not valid UTF-8", folder.display()), None));
    };
    let pattern = format!("{}/**/*.parquet", folder_text.trim_end_matches('/'));
    let args = ScanArgsParquet {
        n_rows,
        glob: true,
        hive_options: HiveOptions::new_enabled(),
        ..ScanArgsParquet::default()
    };
    let mut lazy = LazyFrame::scan_parquet(PlRefPath::new(pattern), args)
        .map_err(|error| scan_error(target, folder, &error))?;
    if let Some(columns) = columns {
        lazy = lazy.select(columns.iter().map(|name| col(name.as_str())).collect::<Vec<_>>());
    }
    lazy.collect().map_err(|error| scan_error(target, folder, &error))
}

fn scan_error(
    target: &FileTarget,
    folder: &Path,
    error: &polars::prelude::PolarsError,
) -> CatalogError {
    target.load_error(
        format!("cannot read the partitioned folder `{}`: {error}", folder.display()),
        Some(
            "a partitioned Parquet folder holds `key=value/…/*.parquet` files; check that it \
             has at least one and that they are Parquet"
                .to_owned(),
        ),
    )
}

/// Writes `payload` as a hive-partitioned folder by `keys`, replacing the old folder by renames.
pub(crate) fn save(
    target: &FileTarget,
    payload: Payload,
    keys: &[String],
    compression: ParquetCompression,
    row_group_size: Option<usize>,
) -> Result<(), CatalogError> {
    let lazy = match payload {
        Payload::Lazy(lazy) => *lazy,
        Payload::Frame(frame) => frame.lazy(),
        other => return Err(target.wrong_payload(&other, "a DataFrame")),
    };
    if target.is_remote() {
        return Err(target.save_error(
            "`save_args.partition_by` writes local folders only",
            Some("use a local `filepath`, or drop `partition_by` to save one file".to_owned()),
        ));
    }
    let path = target.save_path()?;
    let parent = parent_of(&path);
    std::fs::create_dir_all(&parent).map_err(|error| {
        target.save_error(format!("cannot create folder `{}`: {error}", parent.display()), None)
    })?;

    let temp = TempPath::beside(&path);
    write_partitions(target, lazy, &temp.0, keys, compression, row_group_size)?;
    swap_in(target, &temp, &path)?;
    temp.disarm();
    tracing::debug!(path = %path.display(), partitions = ?keys, "saved a partitioned folder");
    Ok(())
}

fn write_partitions(
    target: &FileTarget,
    lazy: LazyFrame,
    folder: &Path,
    keys: &[String],
    compression: ParquetCompression,
    row_group_size: Option<usize>,
) -> Result<(), CatalogError> {
    let write_error = |message: String| target.save_error(message, None);
    std::fs::create_dir_all(folder)
        .map_err(|error| write_error(format!("cannot create `{}`: {error}", folder.display())))?;
    let Some(folder_text) = folder.to_str() else {
        return Err(write_error(format!("`{}` is not valid UTF-8", folder.display())));
    };

    // Every key must be a column: Polars' own message names the missing one, this one says where.
    let schema = lazy.clone().collect_schema().map_err(|error| write_error(error.to_string()))?;
    if let Some(missing) = keys.iter().find(|key| schema.get(key.as_str()).is_none()) {
        let listed: Vec<String> = schema.iter_names().map(|name| format!("`{name}`")).collect();
        return Err(target.save_error(
            format!("`save_args.partition_by` names the column `{missing}`, which the data does not have"),
            Some(format!("the data's columns: {}", listed.join(", "))),
        ));
    }

    let destination = SinkDestination::Partitioned {
        base_path: PlRefPath::new(folder_text),
        file_path_provider: None,
        partition_strategy: PartitionStrategy::Keyed {
            keys: keys.iter().map(|key| col(key.as_str())).collect(),
            include_keys: false,
            keys_pre_grouped: false,
        },
        max_rows_per_file: polars::prelude::IdxSize::MAX,
        approximate_bytes_per_file: u64::MAX,
    };
    let options =
        ParquetWriteOptions { compression, row_group_size, ..ParquetWriteOptions::default() };
    let format = FileWriteFormat::Parquet(std::sync::Arc::new(options));
    let sink_args = UnifiedSinkArgs { mkdir: true, ..UnifiedSinkArgs::default() };
    lazy.sink(destination, format, sink_args)
        .and_then(|sink| sink.collect_with_engine(Engine::Streaming))
        .map(|_| ())
        .map_err(|error| write_error(format!("cannot write the partitions: {error}")))
}

/// Puts the finished folder `temp` at `path`: the old content is renamed aside first and removed
/// only once the new folder is in place; if the second rename fails, the old content goes back.
fn swap_in(target: &FileTarget, temp: &TempPath, path: &Path) -> Result<(), CatalogError> {
    let rename_error = |error: std::io::Error| {
        target.save_error(
            format!("cannot move the new folder to `{}`: {error}", path.display()),
            None,
        )
    };
    if std::fs::symlink_metadata(path).is_err() {
        return std::fs::rename(&temp.0, path).map_err(rename_error);
    }

    let old = TempPath::beside(path);
    std::fs::rename(path, &old.0).map_err(|error| {
        target.save_error(format!("cannot move the old `{}` aside: {error}", path.display()), None)
    })?;
    if let Err(error) = std::fs::rename(&temp.0, path) {
        let _ = std::fs::rename(&old.0, path);
        old.disarm();
        return Err(rename_error(error));
    }
    // Dropping `old` removes the previous content, now that the new folder is in place.
    drop(old);
    Ok(())
}

/// `Dataset::exists` for a Parquet dataset that may be a partitioned folder.
pub(crate) fn exists(target: &FileTarget) -> Result<bool, CatalogError> {
    Ok(folder_to_load(target)?.is_some() || target.exists()?)
}

/// `Dataset::versions` for a Parquet dataset that may be a partitioned folder.
pub(crate) fn versions(target: &FileTarget) -> Result<Vec<String>, CatalogError> {
    if target.versioning.is_none() {
        return Ok(Vec::new());
    }
    all_versions(target)
}

/// `Dataset::stamp`: for a folder, its total size and newest modification time.
pub(crate) fn stamp(target: &FileTarget) -> Result<Option<DataStamp>, CatalogError> {
    match folder_to_load(target)? {
        Some(folder) => folder_stamp(target, folder).map(Some),
        None => target.stamp(),
    }
}

/// `Dataset::saved_stamp`: for a folder, its total size and newest modification time.
pub(crate) fn saved_stamp(target: &FileTarget) -> Result<Option<DataStamp>, CatalogError> {
    let Some(base) = local_base(target) else {
        return target.saved_stamp();
    };
    let path = match &target.versioning {
        Some(versioning) => version::versioned_path(base, &versioning.save),
        None => base.to_path_buf(),
    };
    if path.is_dir() {
        return folder_stamp(target, path).map(Some);
    }
    target.saved_stamp()
}

fn folder_stamp(target: &FileTarget, folder: PathBuf) -> Result<DataStamp, CatalogError> {
    let (len, modified) = folder_size_and_time(&folder).map_err(|error| {
        target.load_error(format!("cannot read `{}`: {error}", folder.display()), None)
    })?;
    let version = target.versioning.as_ref().and_then(|_| {
        let name = folder.parent()?.file_name()?;
        Some(name.to_string_lossy().into_owned())
    });
    Ok(DataStamp { path: folder, version, len, modified })
}

fn folder_size_and_time(folder: &Path) -> std::io::Result<(u64, SystemTime)> {
    let mut len = 0;
    let mut newest = std::fs::metadata(folder)?.modified()?;
    for entry in std::fs::read_dir(folder)? {
        let entry = entry?;
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let (inner_len, inner_time) = if entry.file_type()?.is_dir() {
            folder_size_and_time(&entry.path())?
        } else {
            let metadata = entry.metadata()?;
            (metadata.len(), metadata.modified()?)
        };
        len += inner_len;
        newest = newest.max(inner_time);
    }
    Ok((len, newest))
}

#[cfg(test)]
mod tests {
    use super::super::ParquetDataset;
    use super::super::test_support::{context, file_names, spec, write_file};
    use crate::catalog::Dataset;
    use crate::error::Hinted;
    use polars::df;
    use polars::prelude::{AnyValue, DataFrame, IntoLazy, SerReader, SortMultipleOptions, lit};
    use serde_json::{Value, json};
    use std::path::{Path, PathBuf};

    use super::*;

    const V1: &str = "2024-01-05T10.11.12.345Z";
    const V2: &str = "2024-01-06T08.00.00.000Z";

    /// The folder pandas wrote and pandas' reading of it, made by
    /// `tests/fixtures/make_hive_parquet.py`.
    fn fixtures() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
    }

    fn dataset(root: &Path, version: &str, options: Value) -> ParquetDataset {
        ParquetDataset::from_spec(&spec("trips", options), &context(root, version)).unwrap()
    }

    fn load_sorted(dataset: &ParquetDataset) -> DataFrame {
        let Payload::Frame(frame) = dataset.load().unwrap() else { panic!("frame expected") };
        frame.sort(["id"], SortMultipleOptions::default()).unwrap()
    }

    fn sample() -> DataFrame {
        df!(
            "id" => [1i64, 2, 3, 4],
            "km" => [0.5, 12.0, 3.25, 40.0],
            "year" => [2023i64, 2023, 2024, 2024],
            "city" => ["lyon", "oslo", "lyon", "lyon"],
        )
        .unwrap()
    }

    fn cell_json(value: &AnyValue<'_>) -> Value {
        match value {
            AnyValue::Int64(number) => json!(number),
            AnyValue::Int32(number) => json!(number),
            AnyValue::Float64(number) => json!(number),
            AnyValue::String(text) => json!(text),
            AnyValue::StringOwned(text) => json!(text.as_str()),
            other => panic!("unexpected cell {other:?}"),
        }
    }

    #[test]
    fn a_folder_written_by_pandas_loads_like_pandas_reads_it() {
        let expected: Value = serde_json::from_str(
            &std::fs::read_to_string(fixtures().join("hive_trips_expected.json")).unwrap(),
        )
        .unwrap();
        let frame = load_sorted(&dataset(&fixtures(), V1, json!({"filepath": "hive_trips"})));

        let names: Vec<&str> = frame.get_column_names().iter().map(|name| name.as_str()).collect();
        assert_eq!(json!(names), expected["columns"]);
        let rows = expected["rows"].as_array().unwrap();
        assert_eq!(frame.height(), rows.len(), "{frame}");
        for (index, row) in rows.iter().enumerate() {
            let got: Vec<Value> = frame
                .columns()
                .iter()
                .map(|column| cell_json(&column.get(index).unwrap()))
                .collect();
            assert_eq!(&json!(got), row, "row {index}");
        }
    }

    #[test]
    fn columns_and_n_rows_apply_to_a_folder() {
        let options = json!({"filepath": "hive_trips", "load_args": {"columns": ["city", "id"]}});
        let frame = load_sorted(&dataset(&fixtures(), V1, options));
        assert_eq!(frame.get_column_names(), ["city", "id"]);
        assert_eq!(frame.height(), 6);

        let options = json!({"filepath": "hive_trips", "load_args": {"n_rows": 2}});
        assert_eq!(load_sorted(&dataset(&fixtures(), V1, options)).height(), 2);
    }

    #[test]
    fn a_partitioned_save_writes_hive_folders_and_loads_back() {
        let dir = tempfile::tempdir().unwrap();
        let options =
            json!({"filepath": "data/trips", "save_args": {"partition_by": ["year", "city"]}});
        let trips = dataset(dir.path(), V1, options);
        trips.save(Payload::Lazy(Box::new(sample().lazy()))).unwrap();

        let root = dir.path().join("data/trips");
        assert_eq!(file_names(&root), ["year=2023", "year=2024"]);
        assert_eq!(file_names(&root.join("year=2023")), ["city=lyon", "city=oslo"]);
        let files = file_names(&root.join("year=2024/city=lyon"));
        assert!(files.len() == 1 && files[0].ends_with(".parquet"), "{files:?}");
        // The partition columns live in the folder names, not in the files, as with pandas.
        let file = std::fs::File::open(root.join("year=2024/city=lyon").join(&files[0])).unwrap();
        let part = polars::prelude::ParquetReader::new(file).finish().unwrap();
        assert_eq!(part.get_column_names(), ["id", "km"]);

        assert!(trips.exists().unwrap());
        let back = load_sorted(&trips);
        assert!(back.equals(&sample()), "{back}");
        assert!(trips.stamp().unwrap().unwrap().len > 0);
        assert_eq!(file_names(&dir.path().join("data")), ["trips"], "no temporary folder left");
    }

    #[test]
    fn saving_again_replaces_the_old_folder_whole() {
        let dir = tempfile::tempdir().unwrap();
        let options = json!({"filepath": "trips", "save_args": {"partition_by": ["year"]}});
        let trips = dataset(dir.path(), V1, options);
        trips.save(Payload::Frame(sample())).unwrap();
        let only_2025 =
            df!("id" => [9i64], "km" => [1.0], "year" => [2025i64], "city" => ["rome"]).unwrap();
        trips.save(Payload::Frame(only_2025.clone())).unwrap();

        assert_eq!(file_names(&dir.path().join("trips")), ["year=2025"]);
        // Partition columns come after the file's columns, as in pandas.
        let back = load_sorted(&trips);
        assert_eq!(back.get_column_names(), ["id", "km", "city", "year"]);
        assert!(back.select(["id", "km", "year", "city"]).unwrap().equals(&only_2025), "{back}");
        assert_eq!(file_names(dir.path()), ["trips"], "the old folder is gone");
    }

    #[test]
    fn a_failed_partitioned_save_keeps_the_old_folder() {
        let dir = tempfile::tempdir().unwrap();
        let options = json!({"filepath": "trips", "save_args": {"partition_by": ["year"]}});
        let trips = dataset(dir.path(), V1, options);
        trips.save(Payload::Frame(sample())).unwrap();

        let error = trips.save(Payload::Frame(df!("id" => [1i64]).unwrap())).unwrap_err();
        assert!(error.to_string().contains("the column `year`"), "{error}");
        assert!(error.hint().unwrap().contains("`id`"));
        let failing = sample().lazy().select([col("year"), col("nope")]);
        assert!(trips.save(Payload::Lazy(Box::new(failing))).is_err());

        let back = load_sorted(&trips).select(["id", "km", "year", "city"]).unwrap();
        assert!(back.equals(&sample()), "{back}");
        assert_eq!(file_names(dir.path()), ["trips"], "no temporary folder left");
    }

    #[test]
    fn partitioned_versions_are_kept_and_the_latest_loads() {
        let dir = tempfile::tempdir().unwrap();
        let options = json!({"filepath": "trips.parquet", "versioned": true,
                             "save_args": {"partition_cols": ["city"]}});
        dataset(dir.path(), V1, options.clone()).save(Payload::Frame(sample())).unwrap();
        let second = dataset(dir.path(), V2, options);
        let lyon = sample().lazy().filter(col("city").eq(lit("lyon")));
        second.save(Payload::Lazy(Box::new(lyon))).unwrap();

        assert_eq!(second.versions().unwrap(), [V1, V2]);
        let version_folder = dir.path().join("trips.parquet").join(V2).join("trips.parquet");
        assert_eq!(file_names(&version_folder), ["city=lyon"]);
        assert_eq!(load_sorted(&second).height(), 3);
        assert_eq!(second.stamp().unwrap().unwrap().version.as_deref(), Some(V2));

        let mut pinned_context = context(dir.path(), "2024-02-01T00.00.00.000Z");
        pinned_context.load_versions.insert("trips".into(), V1.into());
        let pinned = ParquetDataset::from_spec(
            &spec("trips", json!({"filepath": "trips.parquet", "versioned": true})),
            &pinned_context,
        )
        .unwrap();
        assert_eq!(load_sorted(&pinned).height(), 4);
    }

    #[test]
    fn a_folder_without_parquet_files_says_what_it_expects() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("trips/year=2024")).unwrap();
        write_file(&dir.path().join("trips/year=2024/notes.txt"), b"not parquet");
        let error = dataset(dir.path(), V1, json!({"filepath": "trips"})).load().unwrap_err();
        let text = error.to_string();
        assert!(
            text.starts_with("cannot load dataset `trips` (weir.ParquetDataset at `trips`)"),
            "{text}"
        );
        assert!(error.hint().unwrap().contains("key=value"), "{error:?}");
    }

    #[test]
    fn a_corrupt_partition_file_names_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("trips/year=2024")).unwrap();
        write_file(&dir.path().join("trips/year=2024/part-0.parquet"), b"garbage bytes");
        let error = dataset(dir.path(), V1, json!({"filepath": "trips"})).load().unwrap_err();
        assert!(error.to_string().contains("cannot read the partitioned folder"), "{error}");
    }
}
