//! `weir.ParquetDataset` (also `pandas.ParquetDataset`, `polars.ParquetDataset`): Parquet files
//! read and written with Polars.
//!
//! `load_args`: `columns` (the columns to read), `n_rows`. `save_args`: `compression`
//! (`zstd`, the default, `snappy`, `gzip`, `brotli`, `lz4`, or `uncompressed`/`none`/`null`),
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
use polars::prelude::{
    DataFrame, ParquetCompression, ParquetReader, ParquetWriter, PolarsResult, SerReader,
};
use serde_json::Value;

use crate::catalog::{CatalogError, Dataset, DatasetContext, DatasetSpec};
use crate::data::{DataKind, Payload};

use super::{Args, EntryKeys, FileEntry, FileTarget, frame_of};

const LOAD_KEYS: &[&str] = &["columns", "n_rows"];
const SAVE_KEYS: &[&str] =
    &["compression", "row_group_size", "index", "partition_by", "partition_cols"];

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

pub(crate) fn compression(args: &Args<'_>) -> Result<ParquetCompression, CatalogError> {
    let Some((name, value)) = args.get(&["compression"])? else {
        return Ok(ParquetCompression::default());
    };
    let codec = match value {
        Value::Null => Some(ParquetCompression::Uncompressed),
        Value::String(text) => match text.to_ascii_lowercase().as_str() {
            "uncompressed" | "none" => Some(ParquetCompression::Uncompressed),
            "snappy" => Some(ParquetCompression::Snappy),
            "gzip" => Some(ParquetCompression::Gzip(None)),
            "brotli" => Some(ParquetCompression::Brotli(None)),
            "zstd" => Some(ParquetCompression::Zstd(None)),
            "lz4" | "lz4_raw" => Some(ParquetCompression::Lz4Raw),
            _ => None,
        },
        _ => None,
    };
    codec.ok_or_else(|| {
        args.wrong(name, "one of `zstd`, `snappy`, `gzip`, `brotli`, `lz4`, `uncompressed`", value)
    })
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{context, spec};
    use super::*;
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
}
