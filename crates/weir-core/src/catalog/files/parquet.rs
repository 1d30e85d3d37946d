//! `weir.ParquetDataset` (also `pandas.ParquetDataset`, `polars.ParquetDataset`): Parquet files
//! read and written with Polars.
//!
//! `load_args`: `columns` (the columns to read), `n_rows`. `save_args`: `compression`
//! (`zstd`, the default, `snappy`, `gzip`, `brotli`, `lz4`, or `uncompressed`/`none`/`null`),
//! `compression_level` (zstd 1–22, default 1 as in pyarrow; gzip 0–9; brotli 0–11),
//! `row_group_size`, and `index` (`false` only: Polars frames have no index).
//!
//! A `filepath` that is a hive-partitioned folder (`key=value/.../*.parquet`) loads every file in
//! it with the partition columns, and `save_args: {partition_by: [cols]}` (or pandas'
//! `partition_cols`) writes such a folder, replacing the old one atomically: see `hive.rs`.
//!
//! # Limitations
//!
//! Compression levels are the codecs' defaults. Partitioned folders are local only.

use std::io;

use polars::io::mmap::MmapBytesReader;
use polars::polars_utils::compression::{BrotliLevel, GzipLevel, ZstdLevel};
use polars::prelude::{
    DataFrame, ParquetCompression, ParquetReader, ParquetWriter, PolarsResult, SerReader,
};
use serde_json::Value;

use crate::catalog::{CatalogError, Dataset, DatasetContext, DatasetSpec};
use crate::data::{DataKind, Payload};

use super::{Args, EntryKeys, FileEntry, FileTarget, frame_of};

const LOAD_KEYS: &[&str] = &["columns", "n_rows"];
const SAVE_KEYS: &[&str] = &[
    "compression",
    "compression_level",
    "row_group_size",
    "index",
    "partition_by",
    "partition_cols",
];

/// A Parquet file holding one table.
#[derive(Debug)]
pub struct ParquetDataset {
    target: FileTarget,
    columns: Option<Vec<String>>,
    n_rows: Option<usize>,
    compression: ParquetCompression,
    row_group_size: Option<usize>,
    /// Columns to partition a save by (a hive-partitioned folder); empty for one file.
    partition_by: Vec<String>,
}

impl ParquetDataset {
    /// The canonical type name.
    pub const TYPE_NAME: &'static str = "weir.ParquetDataset";

    /// Builds the dataset a catalog entry describes.
    pub fn from_spec(spec: &DatasetSpec, context: &DatasetContext) -> Result<Self, CatalogError> {
        Self::with_extra_keys(spec, context, &[])
    }

    /// Like [`ParquetDataset::from_spec`], allowing more top-level keys (`file_format` for
    /// `polars.EagerPolarsDataset`).
    pub(crate) fn with_extra_keys(
        spec: &DatasetSpec,
        context: &DatasetContext,
        extra: &'static [&'static str],
    ) -> Result<Self, CatalogError> {
        let keys =
            EntryKeys { type_name: Self::TYPE_NAME, extra, load: LOAD_KEYS, save: SAVE_KEYS };
        let entry = FileEntry::parse(spec, context, keys)?;
        let load_args = &entry.load_args;
        let save_args = &entry.save_args;

        if save_args.boolean(&["index"])? == Some(true) {
            return Err(save_args.error(
                "`save_args.index: true` is not supported: Polars frames have no index".to_owned(),
                Some(
                    "drop `index`; to keep row numbers, add them as a column in the node"
                        .to_owned(),
                ),
            ));
        }

        Ok(ParquetDataset {
            columns: load_args.strings(&["columns"])?,
            n_rows: load_args.count(&["n_rows"])?,
            compression: compression(save_args)?,
            row_group_size: save_args.count(&["row_group_size"])?,
            partition_by: save_args
                .strings(&["partition_by", "partition_cols"])?
                .unwrap_or_default(),
            target: entry.target,
        })
    }
}

impl ParquetDataset {
    /// Reads one Parquet file with the `load_args` applied.
    fn read_from<R: MmapBytesReader>(&self, source: R) -> PolarsResult<DataFrame> {
        let mut reader = ParquetReader::new(source).with_columns(self.columns.clone());
        if let Some(n_rows) = self.n_rows {
            reader = reader.with_slice(Some((0, n_rows)));
        }
        reader.finish()
    }
}

impl Dataset for ParquetDataset {
    fn type_name(&self) -> &str {
        Self::TYPE_NAME
    }

    fn load(&self) -> Result<Payload, CatalogError> {
        if let Some(folder) = super::hive::folder_to_load(&self.target)? {
            let frame =
                super::hive::load(&self.target, &folder, self.columns.as_deref(), self.n_rows)?;
            return Ok(Payload::Frame(frame));
        }
        // A remote file is read from memory; a local one through its file handle.
        let read = if self.target.is_remote() {
            self.read_from(io::Cursor::new(self.target.read_bytes()?))
        } else {
            self.read_from(self.target.open()?)
        };
        let frame = read.map_err(|error| self.target.load_error(error.to_string(), None))?;
        Ok(Payload::Frame(frame))
    }

    fn save(&self, payload: Payload) -> Result<(), CatalogError> {
        if !self.partition_by.is_empty() {
            let (compression, row_group_size) = (self.compression, self.row_group_size);
            return super::hive::save(
                &self.target,
                payload,
                &self.partition_by,
                compression,
                row_group_size,
            );
        }
        let mut frame = frame_of(&self.target, payload)?;
        self.target.write(|writer| {
            ParquetWriter::new(writer)
                .with_compression(self.compression)
                .with_row_group_size(self.row_group_size)
                .finish(&mut frame)
                .map(|_bytes| ())
                .map_err(io::Error::other)
        })
    }

    fn loads(&self) -> Option<DataKind> {
        Some(DataKind::Frame)
    }

    fn accepts(&self, kind: DataKind) -> bool {
        matches!(kind, DataKind::Frame | DataKind::Lazy)
    }

    // A partitioned folder is data too, so these look at folders as well as files.
    fn exists(&self) -> Result<bool, CatalogError> {
        super::hive::exists(&self.target)
    }

    fn location(&self) -> Option<String> {
        Some(self.target.location())
    }

    fn versions(&self) -> Result<Vec<String>, CatalogError> {
        super::hive::versions(&self.target)
    }

    fn stamp(&self) -> Result<Option<crate::catalog::DataStamp>, CatalogError> {
        super::hive::stamp(&self.target)
    }

    fn saved_stamp(&self) -> Result<Option<crate::catalog::DataStamp>, CatalogError> {
        super::hive::saved_stamp(&self.target)
    }
}

/// The codec from `compression`, with `compression_level` (pyarrow's keyword, which pandas'
/// `to_parquet` passes through) for `zstd`, `gzip` and `brotli`.
///
/// Zstandard without a level uses level 1, as pyarrow does: it writes markedly faster than
/// zstd's own default of 3, for files a few per cent larger.
pub(crate) fn compression(args: &Args<'_>) -> Result<ParquetCompression, CatalogError> {
    let entry = args.get(&["compression"])?;
    let codec = match entry {
        None => "zstd".to_owned(),
        Some((_, Value::Null)) => "uncompressed".to_owned(),
        Some((_, Value::String(text))) => text.to_ascii_lowercase(),
        Some((name, other)) => return Err(args.wrong(name, CODECS, other)),
    };
    let level = args.get(&["compression_level"])?.filter(|(_, value)| !value.is_null());

    Ok(match (codec.as_str(), level) {
        ("zstd", None) => ParquetCompression::Zstd(ZstdLevel::try_new(1).ok()),
        ("zstd", Some(level)) => {
            ParquetCompression::Zstd(Some(level_of(args, level, ZSTD_LEVELS, |number| {
                ZstdLevel::try_new(i32::try_from(number).ok()?).ok()
            })?))
        }
        ("gzip", None) => ParquetCompression::Gzip(None),
        ("gzip", Some(level)) => {
            ParquetCompression::Gzip(Some(level_of(args, level, GZIP_LEVELS, |number| {
                GzipLevel::try_new(u8::try_from(number).ok()?).ok()
            })?))
        }
        ("brotli", None) => ParquetCompression::Brotli(None),
        ("brotli", Some(level)) => {
            ParquetCompression::Brotli(Some(level_of(args, level, BROTLI_LEVELS, |number| {
                BrotliLevel::try_new(u32::try_from(number).ok()?).ok()
            })?))
        }
        ("uncompressed" | "none" | "snappy" | "lz4" | "lz4_raw", Some(_)) => {
            return Err(args.error(
                format!(
                    "{} applies to `zstd`, `gzip` and `brotli` only",
                    args.path("compression_level")
                ),
                Some("drop `compression_level`, or pick one of those codecs".to_owned()),
            ));
        }
        ("uncompressed" | "none", None) => ParquetCompression::Uncompressed,
        ("snappy", None) => ParquetCompression::Snappy,
        ("lz4" | "lz4_raw", None) => ParquetCompression::Lz4Raw,
        _ => {
            let (name, value) = entry.unwrap_or(("compression", &Value::Null));
            return Err(args.wrong(name, CODECS, value));
        }
    })
}

/// A `compression_level` turned into a codec's level by `make`, or an error naming `range`.
fn level_of<T>(
    args: &Args<'_>,
    (name, value): (&str, &Value),
    range: &str,
    make: impl Fn(i64) -> Option<T>,
) -> Result<T, CatalogError> {
    value.as_i64().and_then(make).ok_or_else(|| args.wrong(name, range, value))
}

const CODECS: &str = "one of `zstd`, `snappy`, `gzip`, `brotli`, `lz4`, `uncompressed`";
const ZSTD_LEVELS: &str = "a zstd level from 1 to 22";
const GZIP_LEVELS: &str = "a gzip level from 0 to 9";
const BROTLI_LEVELS: &str = "a brotli level from 0 to 11";

#[cfg(test)]
mod tests {
    use super::super::test_support::{context, spec};
    use super::*;
    use crate::error::Hinted;
    use polars::df;
    use polars::prelude::DataFrame;
    use serde_json::json;

    fn dataset(root: &std::path::Path, options: Value) -> Result<ParquetDataset, CatalogError> {
        ParquetDataset::from_spec(&spec("features", options), &context(root, "v1"))
    }

    fn sample() -> DataFrame {
        df!("id" => [1i64, 2, 3], "score" => [0.5, 1.5, 2.5], "name" => ["a", "b", "c"]).unwrap()
    }

    #[test]
    fn round_trip_with_each_codec() {
        let dir = tempfile::tempdir().unwrap();
        for codec in ["snappy", "gzip", "zstd", "lz4", "uncompressed"] {
            let options = json!({"filepath": format!("f_{codec}.parquet"),
                                 "save_args": {"compression": codec}});
            let parquet = dataset(dir.path(), options).unwrap();
            parquet.save(Payload::Frame(sample())).unwrap();
            let Payload::Frame(back) = parquet.load().unwrap() else { panic!("frame expected") };
            assert!(back.equals(&sample()), "{codec}: {back}");
        }
    }

    #[test]
    fn columns_load_arg_reads_a_subset() {
        let dir = tempfile::tempdir().unwrap();
        dataset(dir.path(), json!({"filepath": "f.parquet"}))
            .unwrap()
            .save(Payload::Frame(sample()))
            .unwrap();
        let subset = dataset(
            dir.path(),
            json!({"filepath": "f.parquet", "load_args": {"columns": ["name"]}}),
        )
        .unwrap();
        let Payload::Frame(back) = subset.load().unwrap() else { panic!("frame expected") };
        assert!(back.equals(&df!("name" => ["a", "b", "c"]).unwrap()), "{back}");
    }

    #[test]
    fn an_unknown_codec_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let options = json!({"filepath": "f.parquet", "save_args": {"compression": "lzo"}});
        let error = dataset(dir.path(), options).unwrap_err();
        assert!(error.to_string().contains("`save_args.compression` must be one of"), "{error}");
    }

    /// A table that compresses well and unevenly across levels: repeated sentences.
    fn compressible() -> DataFrame {
        let words: Vec<String> = (0..20_000)
            .map(|i| format!("row {} of the table, in group {}, colour {}", i % 977, i % 13, i % 7))
            .collect();
        df!("text" => words).unwrap()
    }

    fn saved_size(root: &std::path::Path, file: &str, save_args: &Value) -> u64 {
        let options = json!({"filepath": file, "save_args": save_args});
        let parquet = dataset(root, options).unwrap();
        parquet.save(Payload::Frame(compressible())).unwrap();
        let Payload::Frame(back) = parquet.load().unwrap() else { panic!("frame expected") };
        assert!(back.equals(&compressible()));
        std::fs::metadata(root.join(file)).unwrap().len()
    }

    #[test]
    fn compression_level_reaches_the_codec() {
        let dir = tempfile::tempdir().unwrap();
        let fast = saved_size(
            dir.path(),
            "z1.parquet",
            &json!({"compression": "zstd", "compression_level": 1}),
        );
        let small = saved_size(
            dir.path(),
            "z19.parquet",
            &json!({"compression": "zstd", "compression_level": 19}),
        );
        let default = saved_size(dir.path(), "z.parquet", &json!({}));
        assert!(small < fast, "level 19 ({small} bytes) should beat level 1 ({fast} bytes)");
        assert_eq!(default, fast, "zstd without a level is level 1, as in pyarrow");

        let gzip_fast = saved_size(
            dir.path(),
            "g1.parquet",
            &json!({"compression": "gzip", "compression_level": 1}),
        );
        let gzip_small = saved_size(
            dir.path(),
            "g9.parquet",
            &json!({"compression": "gzip", "compression_level": 9}),
        );
        assert!(gzip_small < gzip_fast, "gzip 9 ({gzip_small}) should beat gzip 1 ({gzip_fast})");
    }

    #[test]
    fn a_wrong_compression_level_is_refused_with_its_range() {
        let dir = tempfile::tempdir().unwrap();
        let cases = [
            (json!({"compression": "zstd", "compression_level": 40}), "a zstd level from 1 to 22"),
            (json!({"compression_level": "high"}), "a zstd level from 1 to 22"),
            (json!({"compression": "gzip", "compression_level": 12}), "a gzip level from 0 to 9"),
            (
                json!({"compression": "snappy", "compression_level": 3}),
                "applies to `zstd`, `gzip` and `brotli` only",
            ),
        ];
        for (save_args, expected) in cases {
            let options = json!({"filepath": "f.parquet", "save_args": save_args});
            let error = dataset(dir.path(), options).unwrap_err();
            let text = format!("{error} {:?}", error.hint());
            assert!(text.contains("`features`") && text.contains(expected), "{text}");
        }
    }
}
