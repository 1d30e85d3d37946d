//! `weir.LazyPolarsDataset` (short `lazy`; Kedro's `polars.LazyPolarsDataset`): a Polars
//! `LazyFrame` over a CSV, Parquet, Arrow IPC or NDJSON file, so nodes can work on data larger
//! than memory.
//!
//! The entry's `file_format` (required, as in Kedro) is `csv`, `parquet`, `ipc` (or `feather`)
//! or `ndjson`. A load reads nothing: it returns a query scanning the file (`scan_csv`,
//! `scan_parquet`...), which Polars runs when a node collects it or sinks it. A save accepts a
//! `LazyFrame` or a `DataFrame` and streams it into a temporary file beside the target with
//! Polars' streaming sink, then renames it into place, so the result never has to fit in memory
//! and a reader sees the old file or the new one, never half of it.
//!
//! Options, per `file_format`:
//!
//! | format | `load_args` | `save_args` |
//! |---|---|---|
//! | `csv` | `separator`/`sep`, `has_header`, `skip_rows`/`skiprows`, `n_rows`, `infer_schema_length`, `try_parse_dates`, `null_values`, `quote_char`, `comment_prefix`, `encoding` (UTF-8) | `separator`/`sep`, `include_header`/`has_header`, `null_value`, `quote_char`, `float_precision`, `date_format`, `datetime_format`, `time_format` |
//! | `parquet` | `n_rows`, `low_memory`, `use_statistics`, `rechunk`, `cache` | `compression`, `compression_level` (as [`super::parquet`]), `row_group_size` |
//! | `ipc` | `n_rows`, `rechunk`, `cache` | `compression` (as [`super::ipc`]), `compression_level` |
//! | `ndjson` | `n_rows`, `infer_schema_length`, `low_memory`, `ignore_errors` | none |
//!
//! # Limitations
//!
//! - Remote data (`s3://`, `gs://`...) is not scanned lazily: a load downloads the object and
//!   reads it into memory (the payload is still a `LazyFrame`), and a save sinks into a local
//!   temporary file that is then uploaded. Larger-than-memory work needs local files.
//! - The lazy frame reads the file when it is collected, not when it is loaded: a file replaced
//!   in between is read as it is then.
//! - Polars' CSV sink has no `quote_style`; Kedro's pandas-only options are refused by name.
//! - A process killed during a save leaves a hidden temporary file beside the target, removed
//!   by the next save of the same file (see [`crate::catalog::storage`]).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use polars::prelude::sync_on_close::SyncOnCloseType;
use polars::prelude::{
    CsvWriterOptions, Engine, FileWriteFormat, IntoLazy, IpcScanOptions, IpcWriterOptions,
    LazyCsvReader, LazyFileListReader, LazyFrame, LazyJsonLineReader, NDJsonWriterOptions,
    NullValues, ParquetWriteOptions, PlRefPath, PlSmallStr, ScanArgsParquet, SerializeOptions,
    SinkDestination, SinkTarget, UnifiedScanArgs, UnifiedSinkArgs,
};
use serde_json::Value;

use crate::catalog::{CatalogError, Dataset, DatasetContext, DatasetSpec};
use crate::data::{DataKind, Payload};

use super::{Args, EntryKeys, FileEntry, FileTarget};

/// The file formats a lazy dataset scans and sinks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Csv,
    Parquet,
    Ipc,
    Ndjson,
}

impl Format {
    fn parse(text: &str) -> Option<Format> {
        match text.to_ascii_lowercase().as_str() {
            "csv" => Some(Format::Csv),
            "parquet" => Some(Format::Parquet),
            "ipc" | "feather" | "arrow" => Some(Format::Ipc),
            "ndjson" | "jsonl" => Some(Format::Ndjson),
            _ => None,
        }
    }

    fn keys(self) -> (&'static [&'static str], &'static [&'static str]) {
        match self {
            Format::Csv => (
                &[
                    "separator",
                    "sep",
                    "has_header",
                    "skip_rows",
                    "skiprows",
                    "n_rows",
                    "infer_schema_length",
                    "try_parse_dates",
                    "null_values",
                    "quote_char",
                    "comment_prefix",
                    "encoding",
                ],
                &[
                    "separator",
                    "sep",
                    "include_header",
                    "has_header",
                    "null_value",
                    "quote_char",
                    "float_precision",
                    "date_format",
                    "datetime_format",
                    "time_format",
                ],
            ),
            Format::Parquet => (
                &["n_rows", "low_memory", "use_statistics", "rechunk", "cache"],
                &["compression", "compression_level", "row_group_size"],
            ),
            Format::Ipc => (&["n_rows", "rechunk", "cache"], &["compression", "compression_level"]),
            Format::Ndjson => {
                (&["n_rows", "infer_schema_length", "low_memory", "ignore_errors"], &[])
            }
        }
    }
}

/// A lazy view of one file.
#[derive(Debug)]
pub struct LazyPolarsDataset {
    target: FileTarget,
    scan: Scan,
    write: Arc<FileWriteFormat>,
}

/// How the file is scanned; the Polars readers are rebuilt from this for every load.
#[derive(Debug, Clone)]
enum Scan {
    Csv(CsvScan),
    Parquet {
        n_rows: Option<usize>,
        low_memory: bool,
        use_statistics: bool,
        rechunk: bool,
        cache: bool,
    },
    Ipc {
        n_rows: Option<usize>,
        rechunk: bool,
        cache: bool,
    },
    Ndjson {
        n_rows: Option<usize>,
        infer_schema_length: Option<usize>,
        low_memory: bool,
        ignore_errors: bool,
    },
}

#[derive(Debug, Clone)]
struct CsvScan {
    separator: u8,
    has_header: bool,
    skip_rows: usize,
    n_rows: Option<usize>,
    infer_schema_length: Option<usize>,
    try_parse_dates: bool,
    null_values: Option<Vec<String>>,
    quote_char: Option<u8>,
    comment_prefix: Option<String>,
}

impl LazyPolarsDataset {
    /// The canonical type name.
    pub const TYPE_NAME: &'static str = "weir.LazyPolarsDataset";

    /// Builds the dataset a catalog entry describes.
    pub fn from_spec(spec: &DatasetSpec, context: &DatasetContext) -> Result<Self, CatalogError> {
        let format = file_format(spec)?;
        let (load, save) = format.keys();
        let keys = EntryKeys { type_name: Self::TYPE_NAME, extra: &["file_format"], load, save };
        let entry = FileEntry::parse(spec, context, keys)?;
        let scan = scan(format, &entry.load_args)?;
        let write = Arc::new(write_format(format, &entry.save_args)?);
        Ok(LazyPolarsDataset { target: entry.target, scan, write })
    }
}

impl Dataset for LazyPolarsDataset {
    fn type_name(&self) -> &str {
        Self::TYPE_NAME
    }

    fn load(&self) -> Result<Payload, CatalogError> {
        if self.target.is_remote() {
            // A lazy scan would outlive the temporary download of a remote object, so remote
            // data is read when loaded and handed over as a lazy frame over memory.
            let frame = self.target.with_local_copy(|path| {
                let source = pl_path(&self.target, path)?;
                self.scan.open(source).and_then(LazyFrame::collect).map_err(|error| {
                    self.target
                        .load_error(format!("cannot read the downloaded copy: {error}"), None)
                })
            })?;
            return Ok(Payload::Lazy(Box::new(frame.lazy())));
        }
        let path = self.target.load_path()?;
        let source = pl_path(&self.target, &path)?;
        let lazy = self.scan.open(source).map_err(|error| {
            self.target.load_error(format!("cannot scan `{}`: {error}", path.display()), None)
        })?;
        Ok(Payload::Lazy(Box::new(lazy)))
    }

    fn save(&self, payload: Payload) -> Result<(), CatalogError> {
        let lazy = match payload {
            Payload::Lazy(lazy) => *lazy,
            Payload::Frame(frame) => frame.lazy(),
            other => return Err(self.target.wrong_payload(&other, "a LazyFrame or a DataFrame")),
        };
        // The sink writes a temporary file that then replaces the target (locally by a rename,
        // remotely by one upload), so a failed query leaves the old file in place.
        self.target.write_via_local_path(|temp| sink_to(lazy, temp, &self.write))
    }

    fn loads(&self) -> Option<DataKind> {
        Some(DataKind::Lazy)
    }

    fn accepts(&self, kind: DataKind) -> bool {
        matches!(kind, DataKind::Frame | DataKind::Lazy)
    }

    delegate_to_file_target!();
}

impl Scan {
    fn open(&self, path: PlRefPath) -> polars::prelude::PolarsResult<LazyFrame> {
        match self {
            Scan::Csv(csv) => {
                let null_values = csv.null_values.as_ref().map(|values| {
                    NullValues::AllColumns(values.iter().map(PlSmallStr::from).collect())
                });
                LazyCsvReader::new(path)
                    .with_glob(false)
                    .with_separator(csv.separator)
                    .with_has_header(csv.has_header)
                    .with_skip_rows(csv.skip_rows)
                    .with_n_rows(csv.n_rows)
                    .with_infer_schema_length(csv.infer_schema_length)
                    .with_try_parse_dates(csv.try_parse_dates)
                    .with_null_values(null_values)
                    .with_quote_char(csv.quote_char)
                    .with_comment_prefix(csv.comment_prefix.as_deref().map(PlSmallStr::from))
                    .finish()
            }
            Scan::Parquet { n_rows, low_memory, use_statistics, rechunk, cache } => {
                let args = ScanArgsParquet {
                    n_rows: *n_rows,
                    low_memory: *low_memory,
                    use_statistics: *use_statistics,
                    rechunk: *rechunk,
                    cache: *cache,
                    glob: false,
                    hive_options: polars::prelude::HiveOptions::new_disabled(),
                    ..ScanArgsParquet::default()
                };
                LazyFrame::scan_parquet(path, args)
            }
            Scan::Ipc { n_rows, rechunk, cache } => {
                let args = UnifiedScanArgs {
                    rechunk: *rechunk,
                    cache: *cache,
                    glob: false,
                    hive_options: polars::prelude::HiveOptions::new_disabled(),
                    pre_slice: n_rows.map(|n_rows| {
                        polars::polars_utils::slice_enum::Slice::Positive { offset: 0, len: n_rows }
                    }),
                    ..UnifiedScanArgs::default()
                };
                LazyFrame::scan_ipc(path, IpcScanOptions::default(), args)
            }
            Scan::Ndjson { n_rows, infer_schema_length, low_memory, ignore_errors } => {
                LazyJsonLineReader::new(path)
                    .with_n_rows(*n_rows)
                    .with_infer_schema_length(
                        infer_schema_length.and_then(std::num::NonZeroUsize::new),
                    )
                    .low_memory(*low_memory)
                    .with_ignore_errors(*ignore_errors)
                    .finish()
            }
        }
    }
}

fn file_format(spec: &DatasetSpec) -> Result<Format, CatalogError> {
    const SUPPORTED: &str = "`csv`, `parquet`, `ipc` (or `feather`) or `ndjson`";
    let invalid = |message: String| CatalogError::InvalidEntry {
        dataset: spec.name.clone(),
        message,
        source_location: spec.source.clone(),
        hint: Some(format!("set `file_format` to {SUPPORTED}")),
    };
    match spec.options.get("file_format") {
        Some(Value::String(text)) => Format::parse(text).ok_or_else(|| {
            invalid(format!(
                "`file_format` `{text}` is not supported by `{}`",
                LazyPolarsDataset::TYPE_NAME
            ))
        }),
        Some(other) => Err(invalid(format!(
            "`file_format` must be a string, got {}",
            super::args::shape(other)
        ))),
        None => Err(invalid(format!("`{}` needs a `file_format`", LazyPolarsDataset::TYPE_NAME))),
    }
}

fn scan(format: Format, args: &Args<'_>) -> Result<Scan, CatalogError> {
    let flag = |name: &'static str, default: bool| -> Result<bool, CatalogError> {
        Ok(args.boolean(&[name])?.unwrap_or(default))
    };
    let infer_schema_length = || -> Result<Option<usize>, CatalogError> {
        match args.get(&["infer_schema_length"])? {
            None => Ok(Some(100)),
            Some((_, Value::Null)) => Ok(None),
            Some((name, value)) => args.count_value(name, value).map(Some),
        }
    };
    let n_rows = args.count(&["n_rows"])?;
    Ok(match format {
        Format::Csv => {
            args.require_utf8(&["encoding"])?;
            Scan::Csv(CsvScan {
                separator: args.single_byte(&["separator", "sep"])?.unwrap_or(b','),
                has_header: flag("has_header", true)?,
                skip_rows: args.count(&["skip_rows", "skiprows"])?.unwrap_or(0),
                n_rows,
                infer_schema_length: infer_schema_length()?,
                try_parse_dates: flag("try_parse_dates", false)?,
                null_values: args.strings(&["null_values"])?,
                quote_char: match args.get(&["quote_char"])? {
                    None => Some(b'"'),
                    Some((_, Value::Null)) => None,
                    Some((name, value)) => Some(args.byte_value(name, value)?),
                },
                comment_prefix: args.string(&["comment_prefix"])?.map(str::to_owned),
            })
        }
        Format::Parquet => Scan::Parquet {
            n_rows,
            low_memory: flag("low_memory", false)?,
            use_statistics: flag("use_statistics", true)?,
            rechunk: flag("rechunk", false)?,
            cache: flag("cache", true)?,
        },
        Format::Ipc => {
            Scan::Ipc { n_rows, rechunk: flag("rechunk", false)?, cache: flag("cache", true)? }
        }
        Format::Ndjson => Scan::Ndjson {
            n_rows,
            infer_schema_length: infer_schema_length()?,
            low_memory: flag("low_memory", false)?,
            ignore_errors: flag("ignore_errors", false)?,
        },
    })
}

fn write_format(format: Format, args: &Args<'_>) -> Result<FileWriteFormat, CatalogError> {
    Ok(match format {
        Format::Csv => {
            let defaults = SerializeOptions::default();
            let serialize = SerializeOptions {
                separator: args.single_byte(&["separator", "sep"])?.unwrap_or(b','),
                quote_char: args.single_byte(&["quote_char"])?.unwrap_or(b'"'),
                null: PlSmallStr::from(args.string(&["null_value"])?.unwrap_or_default()),
                float_precision: args.count(&["float_precision"])?,
                date_format: args.string(&["date_format"])?.map(PlSmallStr::from),
                datetime_format: args.string(&["datetime_format"])?.map(PlSmallStr::from),
                time_format: args.string(&["time_format"])?.map(PlSmallStr::from),
                ..defaults
            };
            FileWriteFormat::Csv(CsvWriterOptions {
                include_header: args.boolean(&["include_header", "has_header"])?.unwrap_or(true),
                check_extension: false,
                serialize_options: Arc::new(serialize),
                ..CsvWriterOptions::default()
            })
        }
        Format::Parquet => FileWriteFormat::Parquet(Arc::new(ParquetWriteOptions {
            compression: super::parquet::compression(args)?,
            row_group_size: args.count(&["row_group_size"])?,
            ..ParquetWriteOptions::default()
        })),
        Format::Ipc => FileWriteFormat::Ipc(IpcWriterOptions {
            compression: super::ipc::compression(args)?,
            ..IpcWriterOptions::default()
        }),
        Format::Ndjson => FileWriteFormat::NDJson(NDJsonWriterOptions {
            check_extension: false,
            ..NDJsonWriterOptions::default()
        }),
    })
}

/// `path` as Polars' path type; Polars takes UTF-8 paths only.
fn pl_path(target: &FileTarget, path: &Path) -> Result<PlRefPath, CatalogError> {
    match path.to_str() {
        Some(text) => Ok(PlRefPath::new(text)),
        None => Err(target.load_error(
            format!("`{}` is not valid UTF-8, which Polars' scans need", path.display()),
            None,
        )),
    }
}

/// Streams `lazy` into the file at `path` with Polars' streaming sink.
fn sink_to(lazy: LazyFrame, path: &Path, format: &FileWriteFormat) -> std::io::Result<()> {
    let Some(text) = path.to_str() else {
        return Err(std::io::Error::other(format!(
            "`{}` is not valid UTF-8, which Polars' sinks need",
            path.display()
        )));
    };
    let destination = SinkDestination::File { target: SinkTarget::Path(PlRefPath::new(text)) };
    let sink_args =
        UnifiedSinkArgs { sync_on_close: SyncOnCloseType::All, ..UnifiedSinkArgs::default() };
    lazy.sink(destination, format.clone(), sink_args)
        .and_then(|sink| sink.collect_with_engine(Engine::Streaming))
        .map(|_| ())
        .map_err(std::io::Error::other)
}

pub(crate) fn parent_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// A hidden temporary path beside a target (a folder, for partitioned saves), named like
/// `catalog::storage`'s temporary files (`.<name>.<pid>-<n>-<nanos>.weir-tmp`); removed, file or
/// folder, when dropped unless disarmed.
#[derive(Debug)]
pub(crate) struct TempPath(pub(crate) PathBuf);

impl TempPath {
    pub(crate) fn beside(target: &Path) -> TempPath {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let unique = COUNTER.fetch_add(1, Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|elapsed| elapsed.subsec_nanos())
            .unwrap_or_default();
        let name = target.file_name().map(|name| name.to_string_lossy().into_owned());
        let name = name.unwrap_or_else(|| "data".to_owned());
        let temp = format!(".{name}.{}-{unique}-{nanos}.weir-tmp", std::process::id());
        TempPath(parent_of(target).join(temp))
    }

    pub(crate) fn disarm(mut self) {
        self.0 = PathBuf::new();
    }
}

impl Drop for TempPath {
    fn drop(&mut self) {
        if self.0.as_os_str().is_empty() {
            return;
        }
        let _ = if self.0.is_dir() {
            std::fs::remove_dir_all(&self.0)
        } else {
            std::fs::remove_file(&self.0)
        };
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{context, file_names, spec, write_file};
    use super::*;
    use crate::error::Hinted;
    use polars::df;
    use polars::prelude::{DataFrame, col, lit};
    use serde_json::json;

    const V1: &str = "2024-01-05T10.11.12.345Z";
    const V2: &str = "2024-01-06T08.00.00.000Z";

    fn dataset(root: &Path, options: Value) -> Result<LazyPolarsDataset, CatalogError> {
        LazyPolarsDataset::from_spec(&spec("trips", options), &context(root, V1))
    }

    fn load_lazy(dataset: &LazyPolarsDataset) -> LazyFrame {
        match dataset.load().unwrap() {
            Payload::Lazy(lazy) => *lazy,
            other => panic!("expected a lazy frame, got {other:?}"),
        }
    }

    fn sample() -> DataFrame {
        df!("id" => [1i64, 2, 3, 4], "km" => [0.5, 12.0, 3.25, 40.0], "city" => ["a", "b", "a", "c"])
            .unwrap()
    }

    #[test]
    fn round_trip_in_every_format() {
        let dir = tempfile::tempdir().unwrap();
        for format in ["csv", "parquet", "ipc", "feather", "ndjson"] {
            let options = json!({"filepath": format!("trips.{format}"), "file_format": format});
            let lazy = dataset(dir.path(), options).unwrap();
            lazy.save(Payload::Frame(sample())).unwrap();
            let back = load_lazy(&lazy).collect().unwrap();
            assert!(back.equals(&sample()), "{format}: {back}");
        }
        // Only the finished files are left: no temporary file beside them.
        let names = file_names(dir.path());
        assert!(names.iter().all(|name| !name.starts_with('.')), "{names:?}");
    }

    #[test]
    fn loading_reads_nothing_until_collected() {
        let dir = tempfile::tempdir().unwrap();
        let options = json!({"filepath": "trips.csv", "file_format": "csv"});
        let lazy = dataset(dir.path(), options).unwrap();
        lazy.save(Payload::Frame(sample())).unwrap();

        let query = load_lazy(&lazy);
        // The file changes after the load and before the collect: the query sees the new file.
        write_file(&dir.path().join("trips.csv"), b"id,km,city\n9,1.0,z\n");
        let back = query.collect().unwrap();
        assert_eq!(back.height(), 1, "{back}");
    }

    #[test]
    fn a_lazy_load_filter_sink_pipeline_streams_into_the_output() {
        let dir = tempfile::tempdir().unwrap();
        let input =
            dataset(dir.path(), json!({"filepath": "in/trips.parquet", "file_format": "parquet"}))
                .unwrap();
        input.save(Payload::Frame(sample())).unwrap();
        let output = dataset(
            dir.path(),
            json!({"filepath": "out/long_trips.csv", "file_format": "csv",
                   "save_args": {"separator": ";", "float_precision": 2}}),
        )
        .unwrap();

        let long_trips =
            load_lazy(&input).filter(col("km").gt(lit(3.0))).select([col("id"), col("km")]);
        output.save(Payload::Lazy(Box::new(long_trips))).unwrap();

        let text = std::fs::read_to_string(dir.path().join("out/long_trips.csv")).unwrap();
        assert_eq!(text, "id;km\n2;12.00\n3;3.25\n4;40.00\n");
    }

    #[test]
    fn a_node_taking_a_lazy_frame_gets_one_from_the_catalog() {
        use crate::catalog::DataCatalog;
        use crate::pipeline::{Pipeline, node};
        use crate::runner::{RunOptions, Runner};
        use std::sync::atomic::AtomicBool;

        static GOT_LAZY: AtomicBool = AtomicBool::new(false);
        fn keep_city_a(trips: LazyFrame) -> LazyFrame {
            GOT_LAZY.store(true, Ordering::SeqCst);
            trips.filter(col("city").eq(lit("a")))
        }

        let dir = tempfile::tempdir().unwrap();
        let input =
            dataset(dir.path(), json!({"filepath": "trips.ipc", "file_format": "ipc"})).unwrap();
        input.save(Payload::Frame(sample())).unwrap();
        let output =
            dataset(dir.path(), json!({"filepath": "a.parquet", "file_format": "parquet"}))
                .unwrap();

        let mut catalog = DataCatalog::new();
        catalog.add("trips", Arc::new(input));
        catalog.add("city_a", Arc::new(output));
        let pipeline = Pipeline::new([node(keep_city_a, "trips", "city_a").name("keep_city_a")]);
        Runner::default().run_with(&pipeline, &catalog, &RunOptions::default()).unwrap();

        assert!(GOT_LAZY.load(Ordering::SeqCst));
        let Payload::Lazy(saved) = catalog.load("city_a").unwrap() else { panic!("lazy expected") };
        let saved = saved.collect().unwrap();
        assert!(
            saved.equals(
                &df!("id" => [1i64, 3], "km" => [0.5, 3.25], "city" => ["a", "a"]).unwrap()
            ),
            "{saved}"
        );
    }

    #[test]
    fn versions_are_kept_and_the_latest_loads() {
        let dir = tempfile::tempdir().unwrap();
        let options =
            json!({"filepath": "trips.parquet", "file_format": "parquet", "versioned": true});
        let first =
            LazyPolarsDataset::from_spec(&spec("trips", options.clone()), &context(dir.path(), V1));
        first.unwrap().save(Payload::Frame(df!("x" => [1i64]).unwrap())).unwrap();
        let second =
            LazyPolarsDataset::from_spec(&spec("trips", options), &context(dir.path(), V2))
                .unwrap();
        second.save(Payload::Lazy(Box::new(df!("x" => [2i64]).unwrap().lazy()))).unwrap();

        assert_eq!(file_names(&dir.path().join("trips.parquet")), vec![V1, V2]);
        assert_eq!(second.versions().unwrap(), vec![V1, V2]);
        assert!(load_lazy(&second).collect().unwrap().equals(&df!("x" => [2i64]).unwrap()));
        let error = second.save(Payload::Frame(df!("x" => [3i64]).unwrap())).unwrap_err();
        assert!(error.to_string().contains("already exists"), "{error}");
    }

    #[test]
    fn a_failed_sink_keeps_the_old_file_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let options = json!({"filepath": "trips.parquet", "file_format": "parquet"});
        let lazy = dataset(dir.path(), options).unwrap();
        lazy.save(Payload::Frame(sample())).unwrap();
        let before = std::fs::read(dir.path().join("trips.parquet")).unwrap();

        // The query fails while running: the column does not exist.
        let failing = sample().lazy().select([col("missing")]);
        let error = lazy.save(Payload::Lazy(Box::new(failing))).unwrap_err();
        assert!(error.to_string().contains("cannot write"), "{error}");
        assert_eq!(std::fs::read(dir.path().join("trips.parquet")).unwrap(), before);
        assert_eq!(file_names(dir.path()), vec!["trips.parquet"]);
    }

    #[test]
    fn entry_mistakes_are_reported_with_a_fix() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dataset(dir.path(), json!({"filepath": "t.csv"})).unwrap_err();
        assert!(missing.to_string().contains("needs a `file_format`"), "{missing}");

        let excel =
            dataset(dir.path(), json!({"filepath": "t.xlsx", "file_format": "excel"})).unwrap_err();
        assert!(excel.hint().unwrap().contains("`csv`, `parquet`"), "{excel:?}");

        let typo =
            json!({"filepath": "t.csv", "file_format": "csv", "load_args": {"seperator": ";"}});
        let error = dataset(dir.path(), typo).unwrap_err();
        assert!(error.hint().unwrap().starts_with("did you mean `separator`"), "{error:?}");

        let wrong_format_arg = json!({"filepath": "t.parquet", "file_format": "parquet", "save_args": {"separator": ";"}});
        let error = dataset(dir.path(), wrong_format_arg).unwrap_err();
        assert!(error.to_string().contains("`save_args` key `separator`"), "{error}");
    }

    #[test]
    fn a_corrupt_file_fails_on_collect_naming_the_file_and_a_missing_one_on_load() {
        let dir = tempfile::tempdir().unwrap();
        let missing =
            dataset(dir.path(), json!({"filepath": "none.parquet", "file_format": "parquet"}))
                .unwrap();
        let error = missing.load().unwrap_err();
        assert!(
            error.to_string().starts_with(
                "cannot load dataset `trips` (weir.LazyPolarsDataset at `none.parquet`)"
            ),
            "{error}"
        );

        write_file(&dir.path().join("bad.parquet"), b"not parquet");
        let corrupt =
            dataset(dir.path(), json!({"filepath": "bad.parquet", "file_format": "parquet"}))
                .unwrap();
        // Scanning may already look at the footer; if not, collecting fails.
        match corrupt.load() {
            Err(error) => assert!(error.to_string().contains("bad.parquet"), "{error}"),
            Ok(Payload::Lazy(lazy)) => assert!(lazy.collect().is_err()),
            Ok(other) => panic!("unexpected {other:?}"),
        }
    }
}
