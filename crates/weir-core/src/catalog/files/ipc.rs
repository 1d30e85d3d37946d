//! `weir.IPCDataset` (short `ipc`, also `feather`; Kedro's `pandas.FeatherDataset`, and
//! `polars.EagerPolarsDataset` with `file_format: ipc` or `feather`): Arrow IPC files, the
//! format Feather v2 is, read and written with Polars.
//!
//! `load_args`: `columns` (the columns to read), `n_rows`, and pandas' `use_threads` (accepted
//! and ignored: Polars decides). `save_args`: `compression` (`uncompressed`, the default, also
//! `none` or `null`; `lz4`; `zstd`), `compression_level` (1 to 22, with `zstd` only),
//! `chunksize`/`record_batch_size` (rows per record batch) and `version` (`2` only: Feather v1
//! is not written).
//!
//! # Limitations
//!
//! - The default is no compression, as in Polars' `write_ipc`; pandas' `to_feather`, and therefore
//!   Kedro's `pandas.FeatherDataset`, writes LZ4 by default. Either reads the other's files.
//! - Feather v1 files (written before pyarrow 0.17 or with `version=1`) cannot be read.
//! - The Arrow IPC *stream* format (`.arrows`) is not read; only the file format is.

use std::io::{self, Cursor};

use polars::polars_utils::compression::ZstdLevel;
use polars::prelude::{IpcCompression, IpcReader, IpcWriter, SerReader, SerWriter};
use serde_json::Value;

use crate::catalog::{CatalogError, Dataset, DatasetContext, DatasetSpec};
use crate::data::{DataKind, Payload};

use super::{Args, EntryKeys, FileEntry, FileTarget, frame_of};

const LOAD_KEYS: &[&str] = &["columns", "n_rows", "use_threads"];
const SAVE_KEYS: &[&str] =
    &["compression", "compression_level", "chunksize", "record_batch_size", "version"];

/// An Arrow IPC (Feather v2) file holding one table.
#[derive(Debug)]
pub struct IpcDataset {
    target: FileTarget,
    columns: Option<Vec<String>>,
    n_rows: Option<usize>,
    compression: Option<IpcCompression>,
    record_batch_size: Option<usize>,
}

impl IpcDataset {
    /// The canonical type name.
    pub const TYPE_NAME: &'static str = "weir.IPCDataset";

    /// Builds the dataset a catalog entry describes.
    pub fn from_spec(spec: &DatasetSpec, context: &DatasetContext) -> Result<Self, CatalogError> {
        Self::with_extra_keys(spec, context, &[])
    }

    /// Like [`IpcDataset::from_spec`], allowing more top-level keys (`file_format` for
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
        load_args.boolean(&["use_threads"])?;
        check_version(save_args)?;

        Ok(IpcDataset {
            columns: load_args.strings(&["columns"])?,
            n_rows: load_args.count(&["n_rows"])?,
            compression: compression(save_args)?,
            record_batch_size: save_args.count(&["chunksize", "record_batch_size"])?,
            target: entry.target,
        })
    }
}

impl Dataset for IpcDataset {
    fn type_name(&self) -> &str {
        Self::TYPE_NAME
    }

    fn load(&self) -> Result<Payload, CatalogError> {
        let bytes = self.target.read_bytes()?;
        let frame = IpcReader::new(Cursor::new(bytes))
            .with_columns(self.columns.clone())
            .with_n_rows(self.n_rows)
            .finish()
            .map_err(|error| {
                self.target.load_error(
                    format!("not a readable Arrow IPC (Feather v2) file: {error}"),
                    Some(
                        "check that the file was written as Arrow IPC / Feather v2, e.g. with \
                         `DataFrame.to_feather` or `polars.DataFrame.write_ipc`"
                            .to_owned(),
                    ),
                )
            })?;
        Ok(Payload::Frame(frame))
    }

    fn save(&self, payload: Payload) -> Result<(), CatalogError> {
        let mut frame = frame_of(&self.target, payload)?;
        self.target.write(|writer| {
            IpcWriter::new(writer)
                .with_compression(self.compression)
                .with_record_batch_size(self.record_batch_size)
                .finish(&mut frame)
                .map_err(io::Error::other)
        })
    }

    fn loads(&self) -> Option<DataKind> {
        Some(DataKind::Frame)
    }

    fn accepts(&self, kind: DataKind) -> bool {
        matches!(kind, DataKind::Frame | DataKind::Lazy)
    }

    delegate_to_file_target!();
}

/// pandas' `to_feather(version=...)`: only version 2, which is Arrow IPC, is written.
fn check_version(args: &Args<'_>) -> Result<(), CatalogError> {
    match args.get(&["version"])? {
        None => Ok(()),
        Some((_, value)) if value.as_u64() == Some(2) => Ok(()),
        Some((name, value)) => Err(args.error(
            format!(
                "{} must be `2`, got {}: Feather v1 is not written",
                args.path(name),
                super::args::shape(value)
            ),
            Some(
                "drop `version`; Feather v2 (Arrow IPC) is read by pandas, pyarrow and Polars"
                    .to_owned(),
            ),
        )),
    }
}

/// The codec from `compression`, with `compression_level` for zstd.
pub(crate) fn compression(args: &Args<'_>) -> Result<Option<IpcCompression>, CatalogError> {
    let level = match args.get(&["compression_level"])? {
        None | Some((_, Value::Null)) => None,
        Some((name, value)) => {
            let level = value.as_i64().and_then(|level| i32::try_from(level).ok());
            let valid = level.and_then(|level| ZstdLevel::try_new(level).ok());
            Some(valid.ok_or_else(|| args.wrong(name, "a zstd level from 1 to 22", value))?)
        }
    };

    let Some((name, value)) = args.get(&["compression"])? else {
        return match level {
            None => Ok(None),
            Some(_) => Err(level_needs_zstd(args)),
        };
    };
    let codec = match value {
        Value::Null => Some(None),
        Value::String(text) => match text.to_ascii_lowercase().as_str() {
            "uncompressed" | "none" => Some(None),
            "lz4" => Some(Some(IpcCompression::LZ4)),
            "zstd" => Some(Some(IpcCompression::ZSTD(level.unwrap_or_default()))),
            _ => None,
        },
        _ => None,
    };
    let Some(codec) = codec else {
        return Err(args.wrong(name, "one of `uncompressed`, `lz4`, `zstd`", value));
    };
    if level.is_some() && !matches!(codec, Some(IpcCompression::ZSTD(_))) {
        return Err(level_needs_zstd(args));
    }
    Ok(codec)
}

fn level_needs_zstd(args: &Args<'_>) -> CatalogError {
    args.error(
        format!("{} applies to `zstd` only", args.path("compression_level")),
        Some("set `compression: zstd`, or drop `compression_level`".to_owned()),
    )
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{context, file_names, spec, write_file};
    use super::*;
    use crate::error::Hinted;
    use polars::df;
    use polars::prelude::{DataFrame, IntoLazy};
    use serde_json::json;

    const V1: &str = "2024-01-05T10.11.12.345Z";
    const V2: &str = "2024-01-06T08.00.00.000Z";

    fn dataset(root: &std::path::Path, options: Value) -> Result<IpcDataset, CatalogError> {
        IpcDataset::from_spec(&spec("features", options), &context(root, V1))
    }

    fn load_frame(dataset: &IpcDataset) -> DataFrame {
        match dataset.load().unwrap() {
            Payload::Frame(frame) => frame,
            other => panic!("expected a frame, got {other:?}"),
        }
    }

    fn sample() -> DataFrame {
        df!(
            "id" => [1i64, 2, 3],
            "score" => [Some(0.5), None, Some(2.5)],
            "name" => ["a", "b", "c"],
        )
        .unwrap()
    }

    #[test]
    fn round_trip_with_each_codec() {
        let dir = tempfile::tempdir().unwrap();
        let codecs =
            [json!("uncompressed"), json!("lz4"), json!("zstd"), json!("LZ4"), Value::Null];
        for (index, codec) in codecs.into_iter().enumerate() {
            let options = json!({"filepath": format!("f_{index}.feather"),
                                 "save_args": {"compression": codec}});
            let ipc = dataset(dir.path(), options).unwrap();
            ipc.save(Payload::Frame(sample())).unwrap();
            assert!(load_frame(&ipc).equals_missing(&sample()), "{codec}");
        }
    }

    #[test]
    fn the_file_is_arrow_ipc_and_compression_shrinks_it() {
        let dir = tempfile::tempdir().unwrap();
        let big = df!("x" => vec![7i64; 10_000]).unwrap();
        for (name, codec) in [("plain.arrow", "uncompressed"), ("small.arrow", "zstd")] {
            let options = json!({"filepath": name, "save_args": {"compression": codec,
                                                                  "chunksize": 5_000}});
            dataset(dir.path(), options).unwrap().save(Payload::Frame(big.clone())).unwrap();
        }
        let plain = std::fs::read(dir.path().join("plain.arrow")).unwrap();
        let small = std::fs::read(dir.path().join("small.arrow")).unwrap();
        // The Arrow IPC file format starts and ends with the magic bytes `ARROW1`.
        assert_eq!(&plain[..6], b"ARROW1");
        assert_eq!(&plain[plain.len() - 6..], b"ARROW1");
        assert!(small.len() * 10 < plain.len(), "{} vs {}", small.len(), plain.len());
    }

    #[test]
    fn columns_and_n_rows_read_a_subset() {
        let dir = tempfile::tempdir().unwrap();
        dataset(dir.path(), json!({"filepath": "f.ipc"}))
            .unwrap()
            .save(Payload::Frame(sample()))
            .unwrap();
        let options = json!({"filepath": "f.ipc",
                             "load_args": {"columns": ["name"], "n_rows": 2, "use_threads": true}});
        let frame = load_frame(&dataset(dir.path(), options).unwrap());
        assert!(frame.equals(&df!("name" => ["a", "b"]).unwrap()), "{frame}");
    }

    #[test]
    fn a_lazy_frame_is_collected_on_save() {
        let dir = tempfile::tempdir().unwrap();
        let ipc = dataset(dir.path(), json!({"filepath": "out.ipc"})).unwrap();
        ipc.save(Payload::Lazy(Box::new(sample().lazy()))).unwrap();
        assert!(load_frame(&ipc).equals_missing(&sample()));
    }

    #[test]
    fn versions_are_kept_and_the_latest_loads() {
        let dir = tempfile::tempdir().unwrap();
        let options = json!({"filepath": "f.feather", "versioned": true});
        let first =
            IpcDataset::from_spec(&spec("features", options.clone()), &context(dir.path(), V1));
        first.unwrap().save(Payload::Frame(df!("x" => [1i64]).unwrap())).unwrap();
        let second =
            IpcDataset::from_spec(&spec("features", options), &context(dir.path(), V2)).unwrap();
        second.save(Payload::Frame(df!("x" => [2i64]).unwrap())).unwrap();

        assert_eq!(file_names(&dir.path().join("f.feather")), vec![V1, V2]);
        assert_eq!(second.versions().unwrap(), vec![V1, V2]);
        assert!(load_frame(&second).equals(&df!("x" => [2i64]).unwrap()));
    }

    #[test]
    fn bad_options_are_refused_with_a_suggestion() {
        let dir = tempfile::tempdir().unwrap();
        let typo = json!({"filepath": "f.ipc", "save_args": {"compresion": "lz4"}});
        let error = dataset(dir.path(), typo).unwrap_err();
        assert_eq!(error.hint().as_deref(), Some("did you mean `compression`?"));

        let codec = json!({"filepath": "f.ipc", "save_args": {"compression": "snappy"}});
        let error = dataset(dir.path(), codec).unwrap_err();
        assert!(error.to_string().contains("`save_args.compression` must be one of"), "{error}");

        let level = json!({"filepath": "f.ipc", "save_args": {"compression": "lz4",
                                                               "compression_level": 3}});
        let error = dataset(dir.path(), level).unwrap_err();
        assert!(error.to_string().contains("applies to `zstd` only"), "{error}");

        let version = json!({"filepath": "f.ipc", "save_args": {"version": 1}});
        let error = dataset(dir.path(), version).unwrap_err();
        assert!(error.to_string().contains("Feather v1 is not written"), "{error}");
    }

    #[test]
    fn a_corrupt_file_names_the_dataset_and_the_path() {
        let dir = tempfile::tempdir().unwrap();
        write_file(&dir.path().join("bad.feather"), b"this is not arrow at all");
        let error =
            dataset(dir.path(), json!({"filepath": "bad.feather"})).unwrap().load().unwrap_err();
        let text = error.to_string();
        assert!(
            text.starts_with("cannot load dataset `features` (weir.IPCDataset at `bad.feather`)"),
            "{text}"
        );
        assert!(text.contains("not a readable Arrow IPC"), "{text}");
        assert!(error.hint().unwrap().contains("to_feather"));
    }
}
