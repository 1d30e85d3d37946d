//! `weir.NDJSONDataset` (short `ndjson`): a table stored as JSON lines (NDJSON), one JSON object
//! per row and per line, read and written with Polars.
//!
//! Kedro has no dedicated JSON-lines dataset: its projects use `pandas.JSONDataset` with
//! `load_args: {lines: true}` and `save_args: {orient: records, lines: true}`. weir registers
//! `pandas.JSONDataset` as this type, and since that is the only layout it reads, such an entry
//! must say `lines: true` in the sections it has (see [`NdjsonDataset::from_pandas_spec`]).
//! `polars.EagerPolarsDataset` with `file_format: ndjson` builds this type too.
//!
//! `load_args`: `columns` (the columns to keep), `n_rows`/`nrows` (the first rows only),
//! `infer_schema_length` (how many lines to look at when inferring the column types; `null`
//! reads them all; default 100, Polars' default), and pandas' `lines` (`true` only), `orient`
//! (`records` only) and `encoding` (UTF-8 only). `save_args`: `lines` (`true` only), `orient`
//! (`records` only), `index` (`false` only) and `encoding` (UTF-8 only).
//!
//! # Limitations
//!
//! - A column whose type changes after the lines used for inference fails to load (raise
//!   `infer_schema_length`, or set it to `null`).
//! - Dates and datetimes are written as text and read back as text (JSON has no date type), as
//!   with pandas' `to_json(orient="records", lines=True, date_format="iso")`.
//! - An empty file (a frame with no rows) loads as an error, since there is no line to infer
//!   the columns from.

use std::io::{self, Cursor};
use std::num::NonZeroUsize;

use polars::prelude::{JsonFormat, JsonReader, JsonWriter, PlSmallStr, SerReader, SerWriter};
use serde_json::Value;

use crate::catalog::{CatalogError, Dataset, DatasetContext, DatasetSpec};
use crate::data::{DataKind, Payload};

use super::{Args, EntryKeys, FileEntry, FileTarget, frame_of};

const LOAD_KEYS: &[&str] =
    &["columns", "n_rows", "nrows", "infer_schema_length", "lines", "orient", "encoding"];
const SAVE_KEYS: &[&str] = &["lines", "orient", "index", "encoding"];

/// Polars' default number of lines read to infer the column types.
const DEFAULT_INFER_LENGTH: usize = 100;

/// A JSON-lines file holding one table.
#[derive(Debug)]
pub struct NdjsonDataset {
    target: FileTarget,
    columns: Option<Vec<String>>,
    n_rows: Option<usize>,
    infer_schema_length: Option<NonZeroUsize>,
}

impl NdjsonDataset {
    /// The canonical type name.
    pub const TYPE_NAME: &'static str = "weir.NDJSONDataset";

    /// Builds the dataset a catalog entry describes.
    pub fn from_spec(spec: &DatasetSpec, context: &DatasetContext) -> Result<Self, CatalogError> {
        Self::with_extra_keys(spec, context, &[])
    }

    /// Builds a Kedro `pandas.JSONDataset` entry, which weir reads only as JSON lines: the
    /// entry must set `lines: true` in `load_args` or `save_args`.
    pub fn from_pandas_spec(
        spec: &DatasetSpec,
        context: &DatasetContext,
    ) -> Result<Self, CatalogError> {
        let dataset = Self::from_spec(spec, context)?;
        let says_lines = ["load_args", "save_args"].iter().any(|section| {
            spec.options.get(*section).and_then(|args| args.get("lines"))
                == Some(&Value::Bool(true))
        });
        if says_lines {
            return Ok(dataset);
        }
        Err(CatalogError::InvalidEntry {
            dataset: spec.name.clone(),
            message: "`pandas.JSONDataset` is read and written as JSON lines only, \
                      and the entry does not set `lines: true`"
                .to_owned(),
            source_location: spec.source.clone(),
            hint: Some(
                "add `load_args: {lines: true}` (and `save_args: {orient: records, lines: true}`) \
                 for one JSON object per line, or use `json.JSONDataset` for a JSON document"
                    .to_owned(),
            ),
        })
    }

    /// Like [`NdjsonDataset::from_spec`], allowing more top-level keys (`file_format` for
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
        for args in [load_args, save_args] {
            args.require_utf8(&["encoding"])?;
            check_pandas_layout(args)?;
        }
        if save_args.boolean(&["index"])? == Some(true) {
            return Err(save_args.error(
                "`save_args.index: true` is not supported: Polars frames have no index".to_owned(),
                Some(
                    "drop `index`; to keep row numbers, add them as a column in the node"
                        .to_owned(),
                ),
            ));
        }

        Ok(NdjsonDataset {
            columns: load_args.strings(&["columns"])?,
            n_rows: load_args.count(&["n_rows", "nrows"])?,
            infer_schema_length: infer_schema_length(load_args)?,
            target: entry.target,
        })
    }
}

impl Dataset for NdjsonDataset {
    fn type_name(&self) -> &str {
        Self::TYPE_NAME
    }

    fn load(&self) -> Result<Payload, CatalogError> {
        let bytes = self.target.read_bytes()?;
        let bytes = match self.n_rows {
            Some(n_rows) => first_lines(&bytes, n_rows),
            None => &bytes[..],
        };
        let projection =
            self.columns.as_ref().map(|names| names.iter().map(PlSmallStr::from).collect());
        let frame = JsonReader::new(Cursor::new(bytes))
            .with_json_format(JsonFormat::JsonLines)
            .infer_schema_len(self.infer_schema_length)
            .with_projection(projection)
            .finish()
            .map_err(|error| {
                self.target.load_error(
                    format!("not valid JSON lines: {error}"),
                    Some("each line must hold one JSON object, e.g. `{\"id\": 1}`".to_owned()),
                )
            })?;
        Ok(Payload::Frame(frame))
    }

    fn save(&self, payload: Payload) -> Result<(), CatalogError> {
        let mut frame = frame_of(&self.target, payload)?;
        self.target.write(|writer| {
            JsonWriter::new(writer)
                .with_json_format(JsonFormat::JsonLines)
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

/// pandas' `lines` and `orient`: weir reads and writes the one layout `orient="records",
/// lines=True`, so entries spelling it out still work and others are refused by name.
fn check_pandas_layout(args: &Args<'_>) -> Result<(), CatalogError> {
    if args.boolean(&["lines"])? == Some(false) {
        return Err(args.error(
            format!(
                "{} is `false`, but this dataset stores one JSON object per line",
                args.path("lines")
            ),
            Some("drop `lines`, or use `json.JSONDataset` for a JSON document".to_owned()),
        ));
    }
    match args.string(&["orient"])? {
        None | Some("records") => Ok(()),
        Some(other) => Err(args.error(
            format!("{} `{other}` is not supported: each line is one record", args.path("orient")),
            Some("use `orient: records`, or drop `orient`".to_owned()),
        )),
    }
}

fn infer_schema_length(args: &Args<'_>) -> Result<Option<NonZeroUsize>, CatalogError> {
    let Some((name, value)) = args.get(&["infer_schema_length"])? else {
        return Ok(NonZeroUsize::new(DEFAULT_INFER_LENGTH));
    };
    if value.is_null() {
        return Ok(None);
    }
    match NonZeroUsize::new(args.count_value(name, value)?) {
        Some(length) => Ok(Some(length)),
        None => Err(args.wrong(name, "a whole number of 1 or more, or `null` (every line)", value)),
    }
}

/// The first `n_rows` non-empty lines of `bytes`.
fn first_lines(bytes: &[u8], n_rows: usize) -> &[u8] {
    let mut seen = 0;
    let mut line_start = 0;
    for (index, byte) in bytes.iter().enumerate() {
        if *byte != b'\n' {
            continue;
        }
        if bytes[line_start..index].iter().any(|byte| !byte.is_ascii_whitespace()) {
            seen += 1;
            if seen == n_rows {
                return &bytes[..=index];
            }
        }
        line_start = index + 1;
    }
    bytes
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

    fn dataset(root: &std::path::Path, options: Value) -> Result<NdjsonDataset, CatalogError> {
        NdjsonDataset::from_spec(&spec("events", options), &context(root, V1))
    }

    fn load_frame(dataset: &NdjsonDataset) -> DataFrame {
        match dataset.load().unwrap() {
            Payload::Frame(frame) => frame,
            other => panic!("expected a frame, got {other:?}"),
        }
    }

    fn sample() -> DataFrame {
        df!(
            "id" => [1i64, 2, 3],
            "score" => [Some(0.5), None, Some(2.25)],
            "name" => ["a", "b \"quoted\"", "ü"],
            "ok" => [true, false, true],
        )
        .unwrap()
    }

    #[test]
    fn round_trip_keeps_the_frame_and_writes_one_object_per_line() {
        let dir = tempfile::tempdir().unwrap();
        let ndjson = dataset(dir.path(), json!({"filepath": "data/events.jsonl"})).unwrap();
        ndjson.save(Payload::Frame(sample())).unwrap();
        assert!(load_frame(&ndjson).equals_missing(&sample()));

        // Each line is a JSON object on its own, as `pandas.read_json(lines=True)` expects.
        let text = std::fs::read_to_string(dir.path().join("data/events.jsonl")).unwrap();
        let lines: Vec<Value> =
            text.lines().map(|line| serde_json::from_str(line).unwrap()).collect();
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[1], json!({"id": 2, "score": null, "name": "b \"quoted\"", "ok": false}));
    }

    #[test]
    fn a_file_written_by_hand_loads_with_columns_and_n_rows() {
        let dir = tempfile::tempdir().unwrap();
        let lines =
            b"{\"a\": 1, \"b\": \"x\"}\n\n{\"a\": 2, \"b\": \"y\"}\n{\"a\": 3, \"b\": \"z\"}\n";
        write_file(&dir.path().join("in.ndjson"), lines);
        let options = json!({
            "filepath": "in.ndjson",
            "load_args": {"columns": ["b"], "nrows": 2, "lines": true, "orient": "records"},
        });
        let frame = load_frame(&dataset(dir.path(), options).unwrap());
        assert!(frame.equals(&df!("b" => ["x", "y"]).unwrap()), "{frame}");
    }

    #[test]
    fn a_lazy_frame_is_collected_on_save() {
        let dir = tempfile::tempdir().unwrap();
        let ndjson = dataset(dir.path(), json!({"filepath": "out.ndjson"})).unwrap();
        ndjson.save(Payload::Lazy(Box::new(sample().lazy()))).unwrap();
        assert!(load_frame(&ndjson).equals_missing(&sample()));
    }

    #[test]
    fn versions_are_kept_and_the_latest_loads() {
        let dir = tempfile::tempdir().unwrap();
        let options = json!({"filepath": "events.ndjson", "versioned": true});
        let first =
            NdjsonDataset::from_spec(&spec("events", options.clone()), &context(dir.path(), V1));
        first.unwrap().save(Payload::Frame(df!("x" => [1i64]).unwrap())).unwrap();
        let second =
            NdjsonDataset::from_spec(&spec("events", options), &context(dir.path(), V2)).unwrap();
        second.save(Payload::Frame(df!("x" => [2i64]).unwrap())).unwrap();

        assert_eq!(file_names(&dir.path().join("events.ndjson")), vec![V1, V2]);
        assert!(load_frame(&second).equals(&df!("x" => [2i64]).unwrap()));
    }

    #[test]
    fn an_unknown_load_arg_suggests_the_right_one() {
        let dir = tempfile::tempdir().unwrap();
        let options = json!({"filepath": "in.ndjson", "load_args": {"colums": ["a"]}});
        let error = dataset(dir.path(), options).unwrap_err();
        assert!(error.to_string().contains("`colums`"), "{error}");
        assert_eq!(error.hint().as_deref(), Some("did you mean `columns`?"));
    }

    #[test]
    fn an_unknown_save_arg_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let options = json!({"filepath": "in.ndjson", "save_args": {"indent": 2}});
        let error = dataset(dir.path(), options).unwrap_err();
        assert!(error.to_string().contains("`save_args` key `indent`"), "{error}");
    }

    #[test]
    fn other_pandas_layouts_are_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let options = json!({"filepath": "x.json", "save_args": {"orient": "columns"}});
        let error = dataset(dir.path(), options).unwrap_err();
        assert!(error.to_string().contains("`save_args.orient` `columns`"), "{error}");
        let options = json!({"filepath": "x.json", "load_args": {"lines": false}});
        assert!(
            dataset(dir.path(), options).unwrap_err().hint().unwrap().contains("json.JSONDataset")
        );
    }

    #[test]
    fn a_pandas_entry_without_lines_is_refused_with_a_hint() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = context(dir.path(), V1);
        let plain = spec("events", json!({"filepath": "x.json"}));
        let error = NdjsonDataset::from_pandas_spec(&plain, &ctx).unwrap_err();
        assert!(error.to_string().contains("does not set `lines: true`"), "{error}");
        assert!(error.hint().unwrap().contains("json.JSONDataset"));

        let lines = spec("events", json!({"filepath": "x.json", "load_args": {"lines": true}}));
        assert!(NdjsonDataset::from_pandas_spec(&lines, &ctx).is_ok());
    }

    #[test]
    fn a_corrupt_file_names_the_dataset_and_the_path() {
        let dir = tempfile::tempdir().unwrap();
        write_file(&dir.path().join("bad.ndjson"), b"{\"a\": 1}\n{\"a\": oops\n");
        let error = load_error(&dataset(dir.path(), json!({"filepath": "bad.ndjson"})).unwrap());
        let text = error.to_string();
        assert!(
            text.starts_with("cannot load dataset `events` (weir.NDJSONDataset at `bad.ndjson`)"),
            "{text}"
        );
        assert!(text.contains("not valid JSON lines"), "{text}");
        assert!(error.hint().unwrap().contains("one JSON object"));
    }

    fn load_error(dataset: &NdjsonDataset) -> CatalogError {
        dataset.load().expect_err("the load should fail")
    }
}
