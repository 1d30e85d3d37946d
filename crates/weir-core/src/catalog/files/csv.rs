//! `weir.CSVDataset` (also `pandas.CSVDataset`, `polars.CSVDataset`): CSV files read and written
//! with Polars.
//!
//! `load_args` take pandas' names and Polars' alike, so entries written for either Kedro dataset
//! work unchanged: `sep`/`separator`, `header` (`0` or `infer`: the first row is the header,
//! `null` or `None`: no header, `n`: the header is row `n`), `has_header`, `encoding` (UTF-8 only),
//! `skiprows`/`skip_rows`, `usecols`/`columns` (names or positions), `na_values`/`null_values`
//! (a string, a list, or a mapping of column to string), `comment`/`comment_prefix`,
//! `quotechar`/`quote_char`, `nrows`/`n_rows`, `infer_schema_length` and `try_parse_dates`.
//!
//! `save_args`: `sep`/`separator`, `header`/`include_header`, `index` (`false` only: Polars
//! frames have no index), `encoding` (UTF-8 only), `float_format` (`%.<n>f`)/`float_precision`,
//! `date_format`, `datetime_format`, `time_format`, `quote_style` (`necessary`, `always`,
//! `non_numeric`, `never`) or pandas' numeric `quoting`, `quotechar`/`quote_char`,
//! `null_value`/`na_rep` and `lineterminator`/`line_terminator`.
//!
//! # Limitations
//!
//! - Without a header, columns are named `column_1`, `column_2`... (Polars' names), not `0`, `1`
//!   as in pandas.
//! - Only empty fields read as null by default; pandas also reads `NA`, `NaN`, `null`... Name
//!   them in `na_values` when a file uses them.
//! - `date_format` formats date columns only, as in Polars; pandas applies it to datetimes, which
//!   here take `datetime_format`.

use std::io;
use std::sync::Arc;

use polars::prelude::{
    CommentPrefix, CsvParseOptions, CsvReadOptions, CsvWriter, NullValues, PlSmallStr, QuoteStyle,
    SerReader, SerWriter,
};
use serde_json::Value;

use crate::catalog::{CatalogError, Dataset, DatasetContext, DatasetSpec};
use crate::data::{DataKind, Payload};

use super::{Args, EntryKeys, FileEntry, FileTarget, frame_of};

const LOAD_KEYS: &[&str] = &[
    "sep",
    "separator",
    "header",
    "has_header",
    "encoding",
    "skiprows",
    "skip_rows",
    "usecols",
    "columns",
    "na_values",
    "null_values",
    "comment",
    "comment_prefix",
    "quotechar",
    "quote_char",
    "nrows",
    "n_rows",
    "infer_schema_length",
    "try_parse_dates",
    "decimal",
];

const SAVE_KEYS: &[&str] = &[
    "sep",
    "separator",
    "header",
    "include_header",
    "index",
    "encoding",
    "float_format",
    "float_precision",
    "date_format",
    "datetime_format",
    "time_format",
    "quote_style",
    "quoting",
    "quotechar",
    "quote_char",
    "null_value",
    "na_rep",
    "lineterminator",
    "line_terminator",
    "decimal",
];

/// A CSV file holding one table.
#[derive(Debug)]
pub struct CsvDataset {
    target: FileTarget,
    read: CsvReadOptions,
    write: WriteSettings,
}

/// How frames are written; the Polars writer is rebuilt from this for every save.
#[derive(Debug, Clone)]
struct WriteSettings {
    separator: u8,
    header: bool,
    quote_char: u8,
    quote_style: QuoteStyle,
    float_precision: Option<usize>,
    date_format: Option<String>,
    datetime_format: Option<String>,
    time_format: Option<String>,
    null_value: String,
    line_terminator: String,
}

impl CsvDataset {
    /// The canonical type name.
    pub const TYPE_NAME: &'static str = "weir.CSVDataset";

    /// Builds the dataset a catalog entry describes.
    pub fn from_spec(spec: &DatasetSpec, context: &DatasetContext) -> Result<Self, CatalogError> {
        Self::with_extra_keys(spec, context, &[])
    }

    /// Like [`CsvDataset::from_spec`], allowing more top-level keys (`file_format` for
    /// `polars.EagerPolarsDataset`).
    pub(crate) fn with_extra_keys(
        spec: &DatasetSpec,
        context: &DatasetContext,
        extra: &'static [&'static str],
    ) -> Result<Self, CatalogError> {
        let keys =
            EntryKeys { type_name: Self::TYPE_NAME, extra, load: LOAD_KEYS, save: SAVE_KEYS };
        let entry = FileEntry::parse(spec, context, keys)?;
        let read = read_options(&entry.load_args)?;
        let write = write_settings(&entry.save_args)?;
        Ok(CsvDataset { target: entry.target, read, write })
    }
}

impl Dataset for CsvDataset {
    fn type_name(&self) -> &str {
        Self::TYPE_NAME
    }

    fn load(&self) -> Result<Payload, CatalogError> {
        // A remote file is parsed from memory; a local one is memory-mapped by Polars.
        let read = if self.target.is_remote() {
            let bytes = self.target.read_bytes()?;
            self.read.clone().into_reader_with_file_handle(io::Cursor::new(bytes)).finish()
        } else {
            let path = self.target.load_path()?;
            self.read.clone().try_into_reader_with_file_path(Some(path)).and_then(SerReader::finish)
        };
        let frame = read.map_err(|error| self.target.load_error(error.to_string(), None))?;
        Ok(Payload::Frame(frame))
    }

    fn save(&self, payload: Payload) -> Result<(), CatalogError> {
        let mut frame = frame_of(&self.target, payload)?;
        let settings = &self.write;
        self.target.write(|writer| {
            let mut csv = CsvWriter::new(writer)
                .include_header(settings.header)
                .with_separator(settings.separator)
                .with_quote_char(settings.quote_char)
                .with_quote_style(settings.quote_style)
                .with_float_precision(settings.float_precision)
                .with_date_format(settings.date_format.as_deref().map(PlSmallStr::from))
                .with_datetime_format(settings.datetime_format.as_deref().map(PlSmallStr::from))
                .with_time_format(settings.time_format.as_deref().map(PlSmallStr::from))
                .with_null_value(PlSmallStr::from(settings.null_value.as_str()))
                .with_line_terminator(PlSmallStr::from(settings.line_terminator.as_str()));
            csv.finish(&mut frame).map_err(io::Error::other)
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

fn read_options(args: &Args<'_>) -> Result<CsvReadOptions, CatalogError> {
    args.require_utf8(&["encoding"])?;
    let (has_header, header_row) = header(args)?;
    let skip_rows = args.count(&["skiprows", "skip_rows"])?.unwrap_or(0) + header_row;

    let mut options = CsvReadOptions::default()
        .with_has_header(has_header)
        .with_skip_rows(skip_rows)
        .with_parse_options(parse_options(args)?)
        .with_n_rows(args.count(&["nrows", "n_rows"])?);

    if let Some((name, value)) = args.get(&["infer_schema_length"])? {
        let length = if value.is_null() { None } else { Some(args.count_value(name, value)?) };
        options = options.with_infer_schema_length(length);
    }

    if let Some((name, value)) = args.get(&["usecols", "columns"])? {
        options = with_columns(args, options, name, value)?;
    }
    Ok(options)
}

/// pandas' `header` (row number, `infer` or `null`) or Polars' `has_header`, as "is there a
/// header" and "how many rows come before it".
fn header(args: &Args<'_>) -> Result<(bool, usize), CatalogError> {
    let Some((name, value)) = args.get(&["header", "has_header"])? else {
        return Ok((true, 0));
    };
    match value {
        // `header: None` in YAML is the string "None": the user meant Python's `None`.
        Value::Null if name == "header" => Ok((false, 0)),
        Value::String(text) if name == "header" && text == "None" => Ok((false, 0)),
        Value::Bool(flag) => Ok((*flag, 0)),
        Value::String(text) if name == "header" && text == "infer" => Ok((true, 0)),
        Value::Number(_) if name == "header" => Ok((true, args.count_value(name, value)?)),
        other if name == "header" => {
            Err(args.wrong(name, "a row number, `infer` or `null` (no header)", other))
        }
        other => Err(args.wrong(name, "`true` or `false`", other)),
    }
}

/// pandas' `decimal`: weir reads and writes `.` only, which is pandas' default too, so Kedro
/// catalogs that spell the default out still load.
fn check_decimal(args: &Args<'_>) -> Result<(), CatalogError> {
    match args.string(&["decimal"])? {
        None | Some(".") => Ok(()),
        Some(other) => Err(args.error(
            format!("`decimal: {other}` is not supported: numbers are read and written with `.`"),
            Some("remove `decimal`, or convert the column in a node".to_owned()),
        )),
    }
}

fn parse_options(args: &Args<'_>) -> Result<CsvParseOptions, CatalogError> {
    check_decimal(args)?;
    let mut parse = CsvParseOptions::default();
    if let Some(separator) = args.single_byte(&["sep", "separator"])? {
        parse.separator = separator;
    }
    if let Some((name, value)) = args.get(&["quotechar", "quote_char"])? {
        parse.quote_char = if value.is_null() { None } else { Some(args.byte_value(name, value)?) };
    }
    if let Some(prefix) = args.string(&["comment", "comment_prefix"])? {
        if prefix.is_empty() || prefix.contains(['\n', '\r']) {
            return Err(args.error(
                "`load_args.comment` must be a non-empty string on one line".to_owned(),
                None,
            ));
        }
        parse.comment_prefix = Some(CommentPrefix::new_from_str(prefix));
    }
    if let Some(flag) = args.boolean(&["try_parse_dates"])? {
        parse.try_parse_dates = flag;
    }
    parse.null_values = null_values(args)?;
    Ok(parse)
}

fn null_values(args: &Args<'_>) -> Result<Option<NullValues>, CatalogError> {
    let Some((name, value)) = args.get(&["na_values", "null_values"])? else {
        return Ok(None);
    };
    let Value::Object(per_column) = value else {
        let values = args.strings(&[name])?.unwrap_or_default();
        return Ok(Some(NullValues::AllColumns(
            values.into_iter().map(PlSmallStr::from).collect(),
        )));
    };

    let mut named = Vec::with_capacity(per_column.len());
    for (column, marker) in per_column {
        let Some(marker) = marker.as_str() else {
            return Err(args.wrong(name, "a mapping of column name to one string", marker));
        };
        named.push((PlSmallStr::from(column.as_str()), PlSmallStr::from(marker)));
    }
    Ok(Some(NullValues::Named(named)))
}

/// `usecols`: a list of column names or of 0-based positions.
fn with_columns(
    args: &Args<'_>,
    options: CsvReadOptions,
    name: &str,
    value: &Value,
) -> Result<CsvReadOptions, CatalogError> {
    let expected = "a list of column names or of column positions";
    let Value::Array(items) = value else {
        return Err(args.wrong(name, expected, value));
    };

    if items.iter().all(Value::is_string) {
        let names: Arc<[PlSmallStr]> =
            items.iter().filter_map(Value::as_str).map(PlSmallStr::from).collect();
        return Ok(options.with_columns(Some(names)));
    }
    let positions = items
        .iter()
        .map(|item| args.count_value(name, item))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| args.wrong(name, expected, value))?;
    Ok(options.with_projection(Some(Arc::new(positions))))
}

fn write_settings(args: &Args<'_>) -> Result<WriteSettings, CatalogError> {
    args.require_utf8(&["encoding"])?;
    if args.boolean(&["index"])? == Some(true) {
        return Err(args.error(
            "`save_args.index: true` is not supported: Polars frames have no index".to_owned(),
            Some(
                "drop `index` (or set it to `false`); to keep row numbers, add them as a column \
                 in the node, e.g. with `DataFrame::with_row_index`"
                    .to_owned(),
            ),
        ));
    }

    check_decimal(args)?;
    Ok(WriteSettings {
        separator: args.single_byte(&["sep", "separator"])?.unwrap_or(b','),
        header: args.boolean(&["header", "include_header"])?.unwrap_or(true),
        quote_char: args.single_byte(&["quotechar", "quote_char"])?.unwrap_or(b'"'),
        quote_style: quote_style(args)?,
        float_precision: float_precision(args)?,
        date_format: args.string(&["date_format"])?.map(str::to_owned),
        datetime_format: args.string(&["datetime_format"])?.map(str::to_owned),
        time_format: args.string(&["time_format"])?.map(str::to_owned),
        null_value: args.string(&["null_value", "na_rep"])?.unwrap_or_default().to_owned(),
        line_terminator: args
            .string(&["lineterminator", "line_terminator"])?
            .unwrap_or("\n")
            .to_owned(),
    })
}

/// Polars' `quote_style` names, or pandas' `quoting` constants from Python's `csv` module
/// (`QUOTE_MINIMAL` = 0, `QUOTE_ALL` = 1, `QUOTE_NONNUMERIC` = 2, `QUOTE_NONE` = 3).
fn quote_style(args: &Args<'_>) -> Result<QuoteStyle, CatalogError> {
    let Some((name, value)) = args.get(&["quote_style", "quoting"])? else {
        return Ok(QuoteStyle::Necessary);
    };
    let style = match (name, value) {
        ("quote_style", Value::String(text)) => match text.as_str() {
            "necessary" => Some(QuoteStyle::Necessary),
            "always" => Some(QuoteStyle::Always),
            "non_numeric" => Some(QuoteStyle::NonNumeric),
            "never" => Some(QuoteStyle::Never),
            _ => None,
        },
        ("quoting", Value::Number(number)) => match number.as_u64() {
            Some(0) => Some(QuoteStyle::Necessary),
            Some(1) => Some(QuoteStyle::Always),
            Some(2) => Some(QuoteStyle::NonNumeric),
            Some(3) => Some(QuoteStyle::Never),
            _ => None,
        },
        _ => None,
    };
    style.ok_or_else(|| {
        let expected = if name == "quoting" {
            "0, 1, 2 or 3 (Python's `csv.QUOTE_*` constants)"
        } else {
            "`necessary`, `always`, `non_numeric` or `never`"
        };
        args.wrong(name, expected, value)
    })
}

/// Polars' `float_precision`, or pandas' `float_format` in its `%.<n>f` form.
fn float_precision(args: &Args<'_>) -> Result<Option<usize>, CatalogError> {
    let Some((name, value)) = args.get(&["float_format", "float_precision"])? else {
        return Ok(None);
    };
    if value.is_null() {
        return Ok(None);
    }
    if name == "float_precision" {
        return args.count_value(name, value).map(Some);
    }

    let digits = value
        .as_str()
        .and_then(|format| format.strip_prefix("%."))
        .and_then(|rest| rest.strip_suffix('f'))
        .and_then(|digits| digits.parse::<usize>().ok());
    match digits {
        Some(digits) => Ok(Some(digits)),
        None => Err(args.wrong(name, "a format of the form `%.<digits>f`, e.g. `%.3f`", value)),
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{context, spec, write_file};
    use super::*;
    use crate::error::Hinted;
    use polars::df;
    use polars::prelude::{DataFrame, IntoLazy};
    use serde_json::json;

    const V1: &str = "2024-01-05T10.11.12.345Z";

    fn dataset(root: &std::path::Path, options: Value) -> Result<CsvDataset, CatalogError> {
        CsvDataset::from_spec(&spec("companies", options), &context(root, V1))
    }

    fn load_frame(dataset: &CsvDataset) -> DataFrame {
        match dataset.load().unwrap() {
            Payload::Frame(frame) => frame,
            other => panic!("expected a frame, got {other:?}"),
        }
    }

    fn sample() -> DataFrame {
        df!("id" => [1i64, 2], "name" => ["ACME", "B;C"]).unwrap()
    }

    #[test]
    fn round_trip_keeps_the_frame() {
        let dir = tempfile::tempdir().unwrap();
        let csv = dataset(dir.path(), json!({"filepath": "data/companies.csv"})).unwrap();
        csv.save(Payload::Frame(sample())).unwrap();
        assert!(load_frame(&csv).equals(&sample()));
        assert!(csv.exists().unwrap());
    }

    #[test]
    fn default_save_matches_pandas_with_index_false() {
        // pandas: df.to_csv(path, index=False) writes a header, `,` separators, `\n` line ends,
        // and quotes only fields that need it.
        let dir = tempfile::tempdir().unwrap();
        let csv =
            dataset(dir.path(), json!({"filepath": "out.csv", "save_args": {"index": false}}))
                .unwrap();
        let frame = df!("id" => [1i64, 2], "name" => ["ACME", "B,C"]).unwrap();
        csv.save(Payload::Frame(frame)).unwrap();
        let text = std::fs::read_to_string(dir.path().join("out.csv")).unwrap();
        assert_eq!(text, "id,name\n1,ACME\n2,\"B,C\"\n");
    }

    #[test]
    fn separator_and_header_options_shape_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let options = json!({"filepath": "out.csv", "save_args": {"sep": ";", "header": false}});
        dataset(dir.path(), options).unwrap().save(Payload::Frame(sample())).unwrap();
        let text = std::fs::read_to_string(dir.path().join("out.csv")).unwrap();
        assert_eq!(text, "1;ACME\n2;\"B;C\"\n");
    }

    #[test]
    fn float_format_and_na_rep_follow_pandas() {
        // pandas: to_csv(float_format="%.2f", na_rep="NA") writes 0.5 as 0.50 and None as NA.
        let dir = tempfile::tempdir().unwrap();
        let options = json!({
            "filepath": "out.csv",
            "save_args": {"float_format": "%.2f", "na_rep": "NA", "index": false},
        });
        let frame = df!("x" => [Some(0.5), None, Some(1.25)]).unwrap();
        dataset(dir.path(), options).unwrap().save(Payload::Frame(frame)).unwrap();
        let text = std::fs::read_to_string(dir.path().join("out.csv")).unwrap();
        assert_eq!(text, "x\n0.50\nNA\n1.25\n");
    }

    #[test]
    fn a_lazy_frame_is_collected_on_save() {
        let dir = tempfile::tempdir().unwrap();
        let csv = dataset(dir.path(), json!({"filepath": "out.csv"})).unwrap();
        csv.save(Payload::Lazy(Box::new(sample().lazy()))).unwrap();
        assert!(load_frame(&csv).equals(&sample()));
    }

    #[test]
    fn index_true_is_refused_with_a_hint() {
        let dir = tempfile::tempdir().unwrap();
        let error = dataset(dir.path(), json!({"filepath": "o.csv", "save_args": {"index": true}}))
            .unwrap_err();
        assert!(error.to_string().contains("no index"), "{error}");
        assert!(error.hint().unwrap().contains("with_row_index"));
    }

    #[test]
    fn pandas_load_args_read_a_headerless_semicolon_file() {
        let dir = tempfile::tempdir().unwrap();
        write_file(&dir.path().join("in.csv"), b"# exported\n1;x;NA\n2;y;3\n");
        let options = json!({
            "filepath": "in.csv",
            "load_args": {"sep": ";", "header": null, "comment": "#", "na_values": ["NA"],
                          "encoding": "utf-8"},
        });
        let frame = load_frame(&dataset(dir.path(), options).unwrap());
        let expected = df!(
            "column_1" => [1i64, 2],
            "column_2" => ["x", "y"],
            "column_3" => [None, Some(3i64)],
        )
        .unwrap();
        assert!(frame.equals_missing(&expected), "{frame}");
    }

    #[test]
    fn header_row_skiprows_and_usecols_select_the_data() {
        let dir = tempfile::tempdir().unwrap();
        write_file(&dir.path().join("in.csv"), b"title line\na,b,c\n1,2,3\n4,5,6\n");
        let options = json!({
            "filepath": "in.csv",
            "load_args": {"header": 1, "usecols": ["a", "c"]},
        });
        let frame = load_frame(&dataset(dir.path(), options).unwrap());
        assert!(frame.equals(&df!("a" => [1i64, 4], "c" => [3i64, 6]).unwrap()), "{frame}");
    }

    #[test]
    fn header_none_written_python_style_means_no_header() {
        let dir = tempfile::tempdir().unwrap();
        write_file(&dir.path().join("in.csv"), b"a,b\n1,2\n");
        let options = json!({"filepath": "in.csv", "load_args": {"header": "None"}});
        let frame = load_frame(&dataset(dir.path(), options).unwrap());
        assert_eq!(frame.height(), 2, "{frame}");
        let names: Vec<&str> = frame.get_column_names().iter().map(|name| name.as_str()).collect();
        assert_eq!(names, vec!["column_1", "column_2"]);
    }

    #[test]
    fn an_unknown_load_arg_suggests_the_right_one() {
        let dir = tempfile::tempdir().unwrap();
        let error =
            dataset(dir.path(), json!({"filepath": "in.csv", "load_args": {"seperator": ";"}}))
                .unwrap_err();
        let text = error.to_string();
        assert!(text.contains("`companies`") && text.contains("`seperator`"), "{text}");
        assert!(text.contains("`sep`"), "{text}");
        assert!(error.hint().unwrap().starts_with("did you mean `separator`"), "{error:?}");
    }

    #[test]
    fn a_non_utf8_encoding_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let options = json!({"filepath": "in.csv", "load_args": {"encoding": "latin-1"}});
        let error = dataset(dir.path(), options).unwrap_err();
        assert!(error.to_string().contains("UTF-8 only"), "{error}");
    }

    #[test]
    fn saving_text_is_refused_without_touching_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let csv = dataset(dir.path(), json!({"filepath": "out.csv"})).unwrap();
        csv.save(Payload::Frame(sample())).unwrap();
        let before = std::fs::read(dir.path().join("out.csv")).unwrap();

        let error = csv.save(Payload::Text("not a table".into())).unwrap_err();

        assert!(error.to_string().contains("expected a DataFrame, got text"), "{error}");
        assert_eq!(std::fs::read(dir.path().join("out.csv")).unwrap(), before);
    }
}
