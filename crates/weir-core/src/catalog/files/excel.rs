//! `weir.ExcelDataset` (short `excel`; Kedro's `pandas.ExcelDataset`): one sheet of a
//! spreadsheet (`.xlsx`, `.xlsm`, `.xlsb`, `.xls`, `.ods`) read into a `DataFrame` with
//! [calamine](https://docs.rs/calamine). Read only: a save is refused with a hint to use CSV or
//! Parquet for outputs.
//!
//! `load_args`, with pandas' `read_excel` meanings:
//! - `sheet_name`: the sheet's name or its 0-based position; default the first sheet;
//! - `header`: the 0-based row holding the column names (default `0`), counted after `skiprows`;
//!   `null` (or `None`) when there is none, and the columns are then named `column_0`,
//!   `column_1`... (pandas names them `0`, `1`...). An empty header cell gives pandas' name
//!   `Unnamed: <position>` and a repeated name gets pandas' `.1`, `.2` suffixes;
//! - `skiprows`: how many rows at the top of the sheet to skip;
//! - `usecols`: a list of column names (or of 0-based positions) to keep, in the sheet's order;
//! - `nrows`: read at most this many data rows;
//! - `engine`: accepted for Kedro catalogs (whose default is `openpyxl`) and ignored.
//!
//! `save_args` written for Kedro (`sheet_name`, `index`, `engine`, `writer`, `header`,
//! `na_rep`, `columns`, `float_format`) are accepted so that such catalogs build; saving fails
//! anyway.
//!
//! Column types are inferred from every non-empty data cell of the column:
//!
//! | cells | type |
//! |---|---|
//! | numbers, all whole | `Int64` |
//! | numbers | `Float64` |
//! | booleans | `Boolean` |
//! | dates / datetimes | `Datetime` (milliseconds, no time zone) |
//! | anything else, or a mix | `String` (numbers as `3` or `3.5`, booleans as `True`/`False`, dates as `2024-01-05 10:11:12`) |
//!
//! Empty cells and error cells (`#DIV/0!`, `#N/A`) are null. A blank row inside the table is a
//! row of nulls and blank rows at its end are dropped, as in pandas. A column with no value is
//! `String`, all null.
//!
//! # Limitations
//!
//! - Read only, and one sheet per dataset: pandas' `sheet_name: null` (every sheet) or a list of
//!   sheets is refused with a hint to declare one dataset per sheet.
//! - A whole-number or boolean column with empty cells stays `Int64` or `Boolean` with nulls,
//!   where pandas makes it `float64` with `NaN` (booleans as `1.0`/`0.0`). Strings such as `NA` or `null` stay text: pandas reads them as missing.
//! - Durations (`[h]:mm:ss` cells) are read as their number of days. Formulas give their cached
//!   value (what Excel last computed), never a recomputed one.
//! - Sheets starting with empty rows or columns: rows and columns are counted from `A1`.
//! - `usecols` as an Excel range (`"A:C"`), `skiprows` as a list, `dtype`, `names`, `index_col`,
//!   `na_values` and other pandas options are not supported (unknown keys are refused by name).

use std::io::Cursor;

use calamine::{Data, Range, Reader, open_workbook_auto_from_rs};
use polars::prelude::{Column, DataFrame, DataType, IntoColumn, NamedFrom, Series, TimeUnit};
use serde_json::Value;

use crate::catalog::{CatalogError, Dataset, DatasetContext, DatasetSpec};
use crate::data::{DataKind, Payload};

use super::{Args, EntryKeys, FileEntry, FileTarget};

const LOAD_KEYS: &[&str] = &["sheet_name", "header", "skiprows", "usecols", "nrows", "engine"];
const SAVE_KEYS: &[&str] =
    &["sheet_name", "index", "engine", "writer", "header", "na_rep", "columns", "float_format"];

/// A sheet of a spreadsheet file, read as one table.
#[derive(Debug)]
pub struct ExcelDataset {
    target: FileTarget,
    options: ReadOptions,
}

/// What to read from the workbook.
#[derive(Debug, Clone, PartialEq)]
struct ReadOptions {
    sheet: Sheet,
    /// The header row, counted after `skip_rows`; `None` when there is no header.
    header: Option<usize>,
    skip_rows: usize,
    columns: Option<Columns>,
    n_rows: Option<usize>,
}

#[derive(Debug, Clone, PartialEq)]
enum Sheet {
    Name(String),
    Position(usize),
}

#[derive(Debug, Clone, PartialEq)]
enum Columns {
    Names(Vec<String>),
    Positions(Vec<usize>),
}

impl ExcelDataset {
    /// The canonical type name.
    pub const TYPE_NAME: &'static str = "weir.ExcelDataset";

    /// Builds the dataset a catalog entry describes.
    pub fn from_spec(spec: &DatasetSpec, context: &DatasetContext) -> Result<Self, CatalogError> {
        let keys =
            EntryKeys { type_name: Self::TYPE_NAME, extra: &[], load: LOAD_KEYS, save: SAVE_KEYS };
        let entry = FileEntry::parse(spec, context, keys)?;
        let options = read_options(&entry.load_args)?;
        Ok(ExcelDataset { target: entry.target, options })
    }
}

impl Dataset for ExcelDataset {
    fn type_name(&self) -> &str {
        Self::TYPE_NAME
    }

    fn load(&self) -> Result<Payload, CatalogError> {
        let bytes = self.target.read_bytes()?;
        let mut workbook = open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|error| {
            self.target.load_error(
                format!("not a readable spreadsheet: {error}"),
                Some("check that the file is an `.xlsx`, `.xlsm`, `.xlsb`, `.xls` or `.ods` workbook".to_owned()),
            )
        })?;

        let names = workbook.sheet_names();
        let name = self.sheet_name(&names)?;
        let range = workbook.worksheet_range(&name).map_err(|error| {
            self.target.load_error(format!("cannot read sheet `{name}`: {error}"), None)
        })?;
        let frame = self.frame_of(&range)?;
        Ok(Payload::Frame(frame))
    }

    fn save(&self, _payload: Payload) -> Result<(), CatalogError> {
        Err(self.target.save_error(
            "Excel files are read only in weir",
            Some(
                "save the node's output with `pandas.CSVDataset` or `pandas.ParquetDataset` \
                 (or `csv` / `parquet`) instead"
                    .to_owned(),
            ),
        ))
    }

    fn loads(&self) -> Option<DataKind> {
        Some(DataKind::Frame)
    }

    fn accepts(&self, _kind: DataKind) -> bool {
        false
    }

    delegate_to_file_target!();
}

impl ExcelDataset {
    /// The name of the sheet to read among `names`, or an error listing them.
    fn sheet_name(&self, names: &[String]) -> Result<String, CatalogError> {
        let found = match &self.options.sheet {
            Sheet::Name(name) => names.iter().find(|candidate| *candidate == name),
            Sheet::Position(position) => names.get(*position),
        };
        if let Some(found) = found {
            return Ok(found.clone());
        }

        let wanted = match &self.options.sheet {
            Sheet::Name(name) => format!("no sheet named `{name}`"),
            Sheet::Position(position) => {
                format!("no sheet at position {position} (0-based; there are {})", names.len())
            }
        };
        let listed: Vec<String> = names.iter().map(|name| format!("`{name}`")).collect();
        let mut hint = format!("the workbook's sheets: {}", listed.join(", "));
        if let Sheet::Name(name) = &self.options.sheet
            && let Some(close) = crate::error::did_you_mean(name, names.iter().map(String::as_str))
        {
            hint = format!("{close} ({hint})");
        }
        Err(self.target.load_error(wanted, Some(hint)))
    }

    /// The table in `range`, shaped by the load options.
    fn frame_of(&self, range: &Range<Data>) -> Result<DataFrame, CatalogError> {
        let options = &self.options;
        let (height, width) = match range.end() {
            Some((row, column)) => (row as usize + 1, column as usize + 1),
            None => (0, 0),
        };
        let cell = |row: usize, column: usize| cell_at(range, row, column);

        let first = options.skip_rows;
        let (names, data_start) = match options.header {
            Some(header) => {
                let row = first + header;
                if row >= height {
                    return Err(self.target.load_error(
                        format!("the header row {header} is past the end of the sheet ({height} rows, {first} skipped)"),
                        Some("check `load_args.header` and `load_args.skiprows`".to_owned()),
                    ));
                }
                (header_names((0..width).map(|column| cell(row, column))), row + 1)
            }
            None => ((0..width).map(|column| format!("column_{column}")).collect(), first),
        };

        // pandas keeps blank rows inside the table as rows of nulls and drops those at the end.
        let is_blank = |row: usize| (0..width).all(|column| is_missing(cell(row, column)));
        let mut end = height.max(data_start);
        while end > data_start && is_blank(end - 1) {
            end -= 1;
        }
        let mut rows: Vec<usize> = (data_start..end).collect();
        if let Some(n_rows) = options.n_rows {
            rows.truncate(n_rows);
        }

        let kept = self.kept_columns(&names)?;
        let columns: Vec<Column> = kept
            .into_iter()
            .map(|column| {
                let cells: Vec<&Data> = rows.iter().map(|row| cell(*row, column)).collect();
                typed_column(&names[column], &cells)
            })
            .collect();
        DataFrame::new_infer_height(columns)
            .map_err(|error| self.target.load_error(error.to_string(), None))
    }

    /// The positions of the columns `usecols` keeps, in the sheet's order.
    fn kept_columns(&self, names: &[String]) -> Result<Vec<usize>, CatalogError> {
        let Some(columns) = &self.options.columns else {
            return Ok((0..names.len()).collect());
        };
        let mut kept = match columns {
            Columns::Positions(positions) => {
                if let Some(missing) = positions.iter().find(|position| **position >= names.len()) {
                    return Err(self.target.load_error(
                        format!("`load_args.usecols` names position {missing}, but the sheet has {} columns", names.len()),
                        None,
                    ));
                }
                positions.clone()
            }
            Columns::Names(wanted) => {
                let mut positions = Vec::with_capacity(wanted.len());
                for name in wanted {
                    let Some(position) = names.iter().position(|found| found == name) else {
                        let listed: Vec<String> =
                            names.iter().map(|name| format!("`{name}`")).collect();
                        return Err(self.target.load_error(
                            format!("`load_args.usecols` names the column `{name}`, which the sheet does not have"),
                            Some(format!("the sheet's columns: {}", listed.join(", "))),
                        ));
                    };
                    positions.push(position);
                }
                positions
            }
        };
        kept.sort_unstable();
        kept.dedup();
        Ok(kept)
    }
}

fn read_options(args: &Args<'_>) -> Result<ReadOptions, CatalogError> {
    args.string(&["engine"])?;
    Ok(ReadOptions {
        sheet: sheet(args)?,
        header: header(args)?,
        skip_rows: args.count(&["skiprows"])?.unwrap_or(0),
        columns: columns(args)?,
        n_rows: args.count(&["nrows"])?,
    })
}

fn sheet(args: &Args<'_>) -> Result<Sheet, CatalogError> {
    let Some((name, value)) = args.get(&["sheet_name"])? else {
        return Ok(Sheet::Position(0));
    };
    match value {
        Value::String(sheet) => Ok(Sheet::Name(sheet.clone())),
        Value::Number(_) => Ok(Sheet::Position(args.count_value(name, value)?)),
        Value::Null | Value::Array(_) => Err(args.error(
            format!("{} must name one sheet: weir reads one sheet per dataset", args.path(name)),
            Some("declare one dataset per sheet, each with its own `sheet_name`".to_owned()),
        )),
        other => Err(args.wrong(name, "a sheet name or a 0-based sheet position", other)),
    }
}

fn header(args: &Args<'_>) -> Result<Option<usize>, CatalogError> {
    match args.get(&["header"])? {
        None => Ok(Some(0)),
        Some((_, Value::Null)) => Ok(None),
        Some((_, Value::String(text))) if text == "None" => Ok(None),
        Some((name, value @ Value::Number(_))) => args.count_value(name, value).map(Some),
        Some((name, other)) => {
            Err(args.wrong(name, "a 0-based row number, or `null` (no header)", other))
        }
    }
}

fn columns(args: &Args<'_>) -> Result<Option<Columns>, CatalogError> {
    let Some((name, value)) = args.get(&["usecols"])? else {
        return Ok(None);
    };
    let expected = "a list of column names or of 0-based column positions";
    match value {
        Value::Null => Ok(None),
        Value::Array(items) if items.iter().all(Value::is_string) => Ok(Some(Columns::Names(
            items.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
        ))),
        Value::Array(items) => items
            .iter()
            .map(|item| args.count_value(name, item))
            .collect::<Result<Vec<_>, _>>()
            .map(|positions| Some(Columns::Positions(positions)))
            .map_err(|_| args.wrong(name, expected, value)),
        Value::String(_) => Err(args.error(
            format!("{} as an Excel range is not supported", args.path(name)),
            Some("list the column names instead, e.g. `usecols: [id, name]`".to_owned()),
        )),
        other => Err(args.wrong(name, expected, other)),
    }
}

/// Column names from the header cells, named and deduplicated as pandas does.
fn header_names<'a>(cells: impl Iterator<Item = &'a Data>) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for (position, cell) in cells.enumerate() {
        let base = match cell {
            cell if is_missing(cell) => format!("Unnamed: {position}"),
            cell => text_of(cell),
        };
        let mut name = base.clone();
        let mut suffix = 1;
        while names.contains(&name) {
            name = format!("{base}.{suffix}");
            suffix += 1;
        }
        names.push(name);
    }
    names
}

/// The cell at a 0-based position of the sheet (counted from `A1`); empty outside the range.
fn cell_at(range: &Range<Data>, row: usize, column: usize) -> &Data {
    let position =
        (u32::try_from(row).unwrap_or(u32::MAX), u32::try_from(column).unwrap_or(u32::MAX));
    range.get_value(position).unwrap_or(&Data::Empty)
}

fn is_missing(cell: &Data) -> bool {
    matches!(cell, Data::Empty | Data::Error(_))
}

/// A cell as text, the way a mixed column shows it.
fn text_of(cell: &Data) -> String {
    match cell {
        Data::Int(number) => number.to_string(),
        Data::Float(number) => number_text(*number),
        Data::String(text) | Data::DateTimeIso(text) | Data::DurationIso(text) => text.clone(),
        Data::Bool(true) => "True".to_owned(),
        Data::Bool(false) => "False".to_owned(),
        Data::DateTime(datetime) if datetime.is_datetime() => {
            let (year, month, day, hour, minute, second, _milli) = datetime.to_ymd_hms_milli();
            format!("{year:04}-{month:02}-{day:02} {hour:02}:{minute:02}:{second:02}")
        }
        Data::DateTime(duration) => number_text(duration.as_f64()),
        Data::Error(_) | Data::Empty => String::new(),
    }
}

/// A number as Python prints it for whole values stored as floats (`3`, not `3.0`).
fn number_text(number: f64) -> String {
    if number.fract() == 0.0 && number.abs() < 1e15 {
        format!("{number:.0}")
    } else {
        number.to_string()
    }
}

/// The number in a cell, for numeric columns.
fn number_of(cell: &Data) -> Option<f64> {
    match cell {
        Data::Int(number) => Some(*number as f64),
        Data::Float(number) => Some(*number),
        Data::DateTime(duration) if duration.is_duration() => Some(duration.as_f64()),
        _ => None,
    }
}

/// Milliseconds since 1970 of a date cell.
fn millis_of(cell: &Data) -> Option<i64> {
    let Data::DateTime(datetime) = cell else { return None };
    if !datetime.is_datetime() {
        return None;
    }
    let (year, month, day, hour, minute, second, milli) = datetime.to_ymd_hms_milli();
    let date = chrono::NaiveDate::from_ymd_opt(i32::from(year), u32::from(month), u32::from(day))?;
    let time = date.and_hms_milli_opt(
        u32::from(hour),
        u32::from(minute),
        u32::from(second),
        u32::from(milli),
    )?;
    Some(time.and_utc().timestamp_millis())
}

/// The column of `cells` with the type the non-empty ones share (see the module docs).
fn typed_column(name: &str, cells: &[&Data]) -> Column {
    let present: Vec<&Data> = cells.iter().copied().filter(|cell| !is_missing(cell)).collect();
    let all =
        |test: fn(&Data) -> bool| !present.is_empty() && present.iter().all(|cell| test(cell));

    let series = if all(|cell| matches!(cell, Data::Bool(_))) {
        let values: Vec<Option<bool>> = cells
            .iter()
            .map(|cell| if let Data::Bool(flag) = cell { Some(*flag) } else { None })
            .collect();
        Series::new(name.into(), values)
    } else if all(|cell| number_of(cell).is_some()) {
        let numbers: Vec<Option<f64>> = cells.iter().map(|cell| number_of(cell)).collect();
        let whole =
            numbers.iter().flatten().all(|number| number.fract() == 0.0 && number.abs() < 9.0e15);
        if whole {
            #[expect(clippy::cast_possible_truncation, reason = "checked whole and in range above")]
            let values: Vec<Option<i64>> =
                numbers.iter().map(|number| number.map(|number| number as i64)).collect();
            Series::new(name.into(), values)
        } else {
            Series::new(name.into(), numbers)
        }
    } else if all(|cell| millis_of(cell).is_some()) {
        let millis: Vec<Option<i64>> = cells.iter().map(|cell| millis_of(cell)).collect();
        Series::new(name.into(), millis)
            .cast(&DataType::Datetime(TimeUnit::Milliseconds, None))
            .expect("whole milliseconds always convert to a datetime")
    } else {
        let texts: Vec<Option<String>> = cells
            .iter()
            .map(|cell| if is_missing(cell) { None } else { Some(text_of(cell)) })
            .collect();
        Series::new(name.into(), texts)
    };
    series.into_column()
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{context, spec, write_file};
    use super::*;
    use crate::error::Hinted;
    use polars::prelude::AnyValue;
    use serde_json::json;
    use std::path::{Path, PathBuf};

    const V1: &str = "2024-01-05T10.11.12.345Z";

    /// The committed workbook and pandas' reading of it, made by `tests/fixtures/make_excel.py`.
    fn fixtures() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
    }

    fn dataset(root: &Path, options: Value) -> Result<ExcelDataset, CatalogError> {
        ExcelDataset::from_spec(&spec("shuttles", options), &context(root, V1))
    }

    fn load_frame(dataset: &ExcelDataset) -> DataFrame {
        match dataset.load().unwrap() {
            Payload::Frame(frame) => frame,
            other => panic!("expected a frame, got {other:?}"),
        }
    }

    /// A loaded cell in the shape `make_excel.py` writes pandas' cells: numbers, text, booleans,
    /// datetimes as `YYYY-MM-DD hh:mm:ss`, missing as `null`.
    fn cell_json(value: &AnyValue<'_>) -> Value {
        match value {
            AnyValue::Null => Value::Null,
            AnyValue::Boolean(flag) => json!(flag),
            AnyValue::Int64(number) => json!(number),
            AnyValue::Float64(number) => json!(number),
            AnyValue::String(text) => json!(text),
            AnyValue::StringOwned(text) => json!(text.as_str()),
            AnyValue::Datetime(millis, TimeUnit::Milliseconds, None) => {
                let time = chrono::DateTime::from_timestamp_millis(*millis).unwrap();
                json!(time.format("%Y-%m-%d %H:%M:%S").to_string())
            }
            other => panic!("unexpected cell {other:?}"),
        }
    }

    /// Equal cells; numbers compare as numbers, and a boolean equals pandas' `1.0`/`0.0`, since
    /// pandas turns a boolean or whole-number column with a missing value into floats.
    fn same_cell(got: &Value, expected: &Value) -> bool {
        let number = |value: &Value| value.as_bool().map(f64::from).or_else(|| value.as_f64());
        if got.is_boolean() && expected.is_boolean() {
            return got == expected;
        }
        match (number(got), number(expected)) {
            (Some(got), Some(expected)) => (got - expected).abs() < 1e-9,
            _ => got == expected,
        }
    }

    #[test]
    fn every_case_matches_what_pandas_reads() {
        let expected: Value = serde_json::from_str(
            &std::fs::read_to_string(fixtures().join("excel_expected.json")).unwrap(),
        )
        .unwrap();
        let cases = expected["cases"].as_array().unwrap();
        assert!(cases.len() >= 6, "{} cases", cases.len());

        for case in cases {
            let name = case["name"].as_str().unwrap();
            let options = json!({"filepath": "sample.xlsx", "load_args": case["load_args"]});
            let frame = load_frame(&dataset(&fixtures(), options).unwrap());

            let names: Vec<&str> =
                frame.get_column_names().iter().map(|name| name.as_str()).collect();
            let expected_names: Vec<&str> = case["columns"]
                .as_array()
                .unwrap()
                .iter()
                .map(|name| name.as_str().unwrap())
                .collect();
            assert_eq!(names, expected_names, "{name}: columns");

            let rows = case["rows"].as_array().unwrap();
            assert_eq!(frame.height(), rows.len(), "{name}: rows\n{frame}");
            for (index, row) in rows.iter().enumerate() {
                for (column, expected) in frame.columns().iter().zip(row.as_array().unwrap()) {
                    let got = cell_json(&column.get(index).unwrap());
                    assert!(
                        same_cell(&got, expected),
                        "{name}: row {index}, column `{}`: got {got}, pandas {expected}",
                        column.name()
                    );
                }
            }
        }
    }

    #[test]
    fn column_types_follow_the_documented_rules() {
        let frame = load_frame(&dataset(&fixtures(), json!({"filepath": "sample.xlsx"})).unwrap());
        let dtype = |name: &str| frame.column(name).unwrap().dtype().clone();
        assert_eq!(dtype("id"), DataType::Int64);
        assert_eq!(dtype("score"), DataType::Float64);
        assert_eq!(dtype("active"), DataType::Boolean);
        assert_eq!(dtype("joined"), DataType::Datetime(TimeUnit::Milliseconds, None));
        assert_eq!(dtype("name"), DataType::String);
        assert_eq!(dtype("mixed"), DataType::String);
    }

    #[test]
    fn a_missing_sheet_lists_the_sheets_and_suggests_one() {
        let options = json!({"filepath": "sample.xlsx", "load_args": {"sheet_name": "Report"}});
        let error = dataset(&fixtures(), options).unwrap().load().unwrap_err();
        assert!(error.to_string().contains("no sheet named `Report`"), "{error}");
        let hint = error.hint().unwrap();
        assert!(hint.starts_with("did you mean `report`?"), "{hint}");
        assert!(hint.contains("`people`"), "{hint}");
    }

    #[test]
    fn an_unknown_usecols_name_lists_the_columns() {
        let options = json!({"filepath": "sample.xlsx", "load_args": {"usecols": ["id", "nmae"]}});
        let error = dataset(&fixtures(), options).unwrap().load().unwrap_err();
        assert!(error.to_string().contains("the column `nmae`"), "{error}");
        assert!(error.hint().unwrap().contains("`name`"));
    }

    #[test]
    fn saving_is_refused_with_a_hint_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let options =
            json!({"filepath": "out.xlsx", "save_args": {"sheet_name": "Sheet1", "index": false}});
        let excel = dataset(dir.path(), options).unwrap();
        let frame = DataFrame::new_infer_height(vec![Column::new("a".into(), [1i64])]).unwrap();
        let error = excel.save(Payload::Frame(frame)).unwrap_err();
        assert!(error.to_string().contains("Excel files are read only in weir"), "{error}");
        assert!(error.hint().unwrap().contains("pandas.ParquetDataset"));
        assert!(!excel.accepts(DataKind::Frame));
        assert!(!dir.path().join("out.xlsx").exists());
    }

    #[test]
    fn bad_load_args_are_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let typo = json!({"filepath": "a.xlsx", "load_args": {"sheetname": "x"}});
        let error = dataset(dir.path(), typo).unwrap_err();
        assert_eq!(error.hint().as_deref(), Some("did you mean `sheet_name`?"));

        let every_sheet = json!({"filepath": "a.xlsx", "load_args": {"sheet_name": null}});
        let error = dataset(dir.path(), every_sheet).unwrap_err();
        assert!(error.hint().unwrap().contains("one dataset per sheet"), "{error:?}");

        let range = json!({"filepath": "a.xlsx", "load_args": {"usecols": "A:C"}});
        assert!(dataset(dir.path(), range).unwrap_err().to_string().contains("Excel range"));
    }

    #[test]
    fn a_corrupt_file_names_the_dataset_and_the_path() {
        let dir = tempfile::tempdir().unwrap();
        write_file(&dir.path().join("bad.xlsx"), b"PK\x03\x04 this is no workbook");
        let error =
            dataset(dir.path(), json!({"filepath": "bad.xlsx"})).unwrap().load().unwrap_err();
        let text = error.to_string();
        assert!(
            text.starts_with("cannot load dataset `shuttles` (weir.ExcelDataset at `bad.xlsx`)"),
            "{text}"
        );
        assert!(text.contains("not a readable spreadsheet"), "{text}");
    }

    #[test]
    fn a_versioned_workbook_loads_the_latest_version() {
        let dir = tempfile::tempdir().unwrap();
        let workbook = std::fs::read(fixtures().join("sample.xlsx")).unwrap();
        for version in ["2024-01-01T00.00.00.000Z", "2024-01-02T00.00.00.000Z"] {
            let folder = dir.path().join("book.xlsx").join(version);
            std::fs::create_dir_all(&folder).unwrap();
            write_file(&folder.join("book.xlsx"), &workbook);
        }
        let options = json!({"filepath": "book.xlsx", "versioned": true,
                             "load_args": {"sheet_name": 1, "header": 2}});
        let excel = dataset(dir.path(), options).unwrap();
        assert_eq!(excel.versions().unwrap().len(), 2);
        assert_eq!(load_frame(&excel).get_column_names()[0].as_str(), "region");
    }
}
