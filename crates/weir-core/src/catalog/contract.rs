//! Data contracts: the optional `schema:` key of a catalog entry, checked on load and on save.
//!
//! ```yaml
//! iris_raw:
//!   type: pandas.CSVDataset
//!   filepath: data/01_raw/iris.csv
//!   schema:
//!     strict: false          # true: columns the schema does not list are a violation
//!     columns:
//!       Id: {dtype: int64, unique: true, nullable: false}
//!       SepalLengthCm: {dtype: float64, min: 0, max: 10}
//!       Species: {dtype: string, allowed: [Iris-setosa, Iris-versicolor, Iris-virginica]}
//!       Code: string         # shorthand for {dtype: string}
//! ```
//!
//! [`Contract::from_config`] parses and checks the `schema:` value when the catalog is built
//! (unknown keys with suggestions, wrong value types, `min` above `max`, rules that cannot apply
//! to the declared dtype), so a mistake in the contract is a set-up error that names the entry's
//! file and line. [`ContractDataset`] wraps the dataset the entry describes and forwards every
//! [`Dataset`] method to it, checking frames after `load` and before `save`: a violation on save
//! means nothing is written and the previous file stays.
//!
//! The rules: a listed column must be present; `dtype` must match exactly (an `int64` column is
//! not a `float64` one); `nullable: false` forbids nulls (NaN is a value, not a null); `min` and
//! `max` are inclusive bounds for numbers, dates (`2024-01-31`) and datetimes
//! (`2024-01-31T12:00:00`); `allowed` lists the only values a column may hold; `unique: true`
//! forbids repeated values (nulls do not count); `pattern` is a regular expression every string
//! must match in full. Value rules skip nulls, and skip a column whose dtype is already wrong.
//! Row numbers in messages count from 0, the first data row (Polars' and pandas' row index).
//!
//! Value rules run as one vectorised Polars query (one pass counting every rule's violations),
//! then one small query per broken rule for its first five examples. `unique` is screened in
//! that pass by comparing the number of distinct values with the number of values, and its rows
//! are counted (a window over the column, the costly part) only when they differ. `pattern`
//! uses the `regex` crate over the column's strings, since weir's Polars is built without its
//! `regex` feature.
//!
//! Lazy frames: a `LazyFrame` that is loaded or saved is checked against the schema's column
//! names and dtypes only, from its schema, without collecting it: checking values would run the
//! query (read the files) an extra time, which is what a lazy dataset exists to avoid. Values of
//! lazy datasets are checked by `weir catalog validate` ([`ContractDataset::validate`]), which
//! runs the counting query on the lazy frame. A `schema:` on a dataset that never holds tables
//! (JSON, text, artefacts...) is refused when the catalog is built; a memory dataset with a
//! schema refuses a non-table payload on save.
//!
//! Known shortcomings: datetime bounds are compared as naive datetimes, so they suit columns
//! without a time zone; row-count rules and rules across columns are not supported.

use std::fmt;
use std::sync::Arc;

use chrono::{NaiveDate, NaiveDateTime};
use polars::prelude::{
    AnyValue, DataFrame, DataType, Expr, IntoLazy, LazyFrame, NamedFrom, PlSmallStr, PolarsError,
    Schema, Series, col, lit,
};
use serde_json::Value;

use crate::data::{DataKind, Payload};
use crate::error::{SourceLocation, did_you_mean};

use super::{CatalogError, DataCatalog, DataStamp, Dataset};

/// How many example rows a violation shows.
const EXAMPLES: usize = 5;

/// The keys of `schema:`.
const SCHEMA_KEYS: &[&str] = &["columns", "strict"];

/// The keys of one column of `schema: columns:`.
const COLUMN_KEYS: &[&str] =
    &["dtype", "nullable", "min", "max", "allowed", "unique", "pattern", "description"];

/// Every accepted dtype spelling (compared in lower case) and what it means.
const DTYPE_SPELLINGS: &[(&str, ColumnType)] = &[
    ("int8", ColumnType::Int8),
    ("i8", ColumnType::Int8),
    ("int16", ColumnType::Int16),
    ("i16", ColumnType::Int16),
    ("int32", ColumnType::Int32),
    ("i32", ColumnType::Int32),
    ("int64", ColumnType::Int64),
    ("i64", ColumnType::Int64),
    ("int", ColumnType::Int64),
    ("uint8", ColumnType::UInt8),
    ("u8", ColumnType::UInt8),
    ("uint16", ColumnType::UInt16),
    ("u16", ColumnType::UInt16),
    ("uint32", ColumnType::UInt32),
    ("u32", ColumnType::UInt32),
    ("uint64", ColumnType::UInt64),
    ("u64", ColumnType::UInt64),
    ("float32", ColumnType::Float32),
    ("f32", ColumnType::Float32),
    ("float64", ColumnType::Float64),
    ("f64", ColumnType::Float64),
    ("double", ColumnType::Float64),
    ("float", ColumnType::Float64),
    ("string", ColumnType::String),
    ("str", ColumnType::String),
    ("utf8", ColumnType::String),
    ("bool", ColumnType::Bool),
    ("boolean", ColumnType::Bool),
    ("date", ColumnType::Date),
    ("datetime", ColumnType::Datetime),
    ("timestamp", ColumnType::Datetime),
    ("categorical", ColumnType::Categorical),
    ("category", ColumnType::Categorical),
];

/// A column type a schema can require.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ColumnType {
    Int8,
    Int16,
    Int32,
    Int64,
    UInt8,
    UInt16,
    UInt32,
    UInt64,
    Float32,
    Float64,
    String,
    Bool,
    Date,
    /// Any time unit, with or without a time zone.
    Datetime,
    /// Polars categoricals and enums.
    Categorical,
}

impl ColumnType {
    fn parse(text: &str) -> Option<ColumnType> {
        let lower = text.to_ascii_lowercase();
        DTYPE_SPELLINGS.iter().find(|(spelling, _)| *spelling == lower).map(|(_, t)| *t)
    }

    fn name(self) -> &'static str {
        match self {
            ColumnType::Int8 => "int8",
            ColumnType::Int16 => "int16",
            ColumnType::Int32 => "int32",
            ColumnType::Int64 => "int64",
            ColumnType::UInt8 => "uint8",
            ColumnType::UInt16 => "uint16",
            ColumnType::UInt32 => "uint32",
            ColumnType::UInt64 => "uint64",
            ColumnType::Float32 => "float32",
            ColumnType::Float64 => "float64",
            ColumnType::String => "string",
            ColumnType::Bool => "bool",
            ColumnType::Date => "date",
            ColumnType::Datetime => "datetime",
            ColumnType::Categorical => "categorical",
        }
    }

    fn matches(self, dtype: &DataType) -> bool {
        match self {
            ColumnType::Int8 => *dtype == DataType::Int8,
            ColumnType::Int16 => *dtype == DataType::Int16,
            ColumnType::Int32 => *dtype == DataType::Int32,
            ColumnType::Int64 => *dtype == DataType::Int64,
            ColumnType::UInt8 => *dtype == DataType::UInt8,
            ColumnType::UInt16 => *dtype == DataType::UInt16,
            ColumnType::UInt32 => *dtype == DataType::UInt32,
            ColumnType::UInt64 => *dtype == DataType::UInt64,
            ColumnType::Float32 => *dtype == DataType::Float32,
            ColumnType::Float64 => *dtype == DataType::Float64,
            ColumnType::String => *dtype == DataType::String,
            ColumnType::Bool => *dtype == DataType::Boolean,
            ColumnType::Date => *dtype == DataType::Date,
            ColumnType::Datetime => matches!(dtype, DataType::Datetime(..)),
            ColumnType::Categorical => {
                matches!(dtype, DataType::Categorical(..) | DataType::Enum(..))
            }
        }
    }

    fn is_numeric(self) -> bool {
        !matches!(
            self,
            ColumnType::String
                | ColumnType::Bool
                | ColumnType::Date
                | ColumnType::Datetime
                | ColumnType::Categorical
        )
    }

    fn is_textual(self) -> bool {
        matches!(self, ColumnType::String | ColumnType::Categorical)
    }
}

/// The name of a Polars dtype as a schema would spell it (`int64`, `string`...).
fn dtype_name(dtype: &DataType) -> String {
    DTYPE_SPELLINGS
        .iter()
        .map(|(_, t)| *t)
        .find(|t| t.matches(dtype))
        .map_or_else(|| dtype.to_string(), |t| t.name().to_owned())
}

/// An inclusive bound of `min` or `max`.
#[derive(Debug, Clone, PartialEq)]
enum Bound {
    Int(i64),
    Float(f64),
    Date(NaiveDate),
    Datetime(NaiveDateTime),
}

impl Bound {
    fn literal(&self) -> Expr {
        match self {
            Bound::Int(value) => lit(*value),
            Bound::Float(value) => lit(*value),
            Bound::Date(value) => lit(*value),
            Bound::Datetime(value) => lit(*value),
        }
    }

    fn applies_to(&self, dtype: &DataType) -> bool {
        match self {
            Bound::Int(_) | Bound::Float(_) => dtype.is_primitive_numeric(),
            Bound::Date(_) => matches!(dtype, DataType::Date | DataType::Datetime(..)),
            Bound::Datetime(_) => matches!(dtype, DataType::Datetime(..)),
        }
    }

    /// Whether `self` is greater than `other`; `None` when they are of different kinds.
    fn is_above(&self, other: &Bound) -> Option<bool> {
        #[expect(clippy::cast_precision_loss, reason = "only orders the two bounds")]
        let number = |bound: &Bound| match bound {
            Bound::Int(value) => Some(*value as f64),
            Bound::Float(value) => Some(*value),
            Bound::Date(_) | Bound::Datetime(_) => None,
        };
        match (self, other) {
            (Bound::Date(a), Bound::Date(b)) => Some(a > b),
            (Bound::Datetime(a), Bound::Datetime(b)) => Some(a > b),
            (Bound::Date(a), Bound::Datetime(b)) => Some(a.and_hms_opt(0, 0, 0)? > *b),
            (Bound::Datetime(a), Bound::Date(b)) => Some(*a > b.and_hms_opt(0, 0, 0)?),
            _ => Some(number(self)? > number(other)?),
        }
    }
}

impl fmt::Display for Bound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Bound::Int(value) => write!(f, "{value}"),
            Bound::Float(value) => write!(f, "{value}"),
            Bound::Date(value) => write!(f, "{value}"),
            Bound::Datetime(value) => write!(f, "{}", value.format("%Y-%m-%dT%H:%M:%S%.f")),
        }
    }
}

/// The values of `allowed`, all of one kind.
#[derive(Debug, Clone, PartialEq)]
enum Allowed {
    Strings(Vec<String>),
    Ints(Vec<i64>),
    Floats(Vec<f64>),
    Bools(Vec<bool>),
}

impl Allowed {
    fn series(&self) -> Series {
        let name = PlSmallStr::EMPTY;
        match self {
            Allowed::Strings(values) => Series::new(name, values),
            Allowed::Ints(values) => Series::new(name, values),
            Allowed::Floats(values) => Series::new(name, values),
            Allowed::Bools(values) => Series::new(name, values),
        }
    }

    fn applies_to(&self, dtype: &DataType) -> bool {
        match self {
            Allowed::Strings(_) => {
                matches!(dtype, DataType::String | DataType::Categorical(..) | DataType::Enum(..))
            }
            Allowed::Ints(_) | Allowed::Floats(_) => dtype.is_primitive_numeric(),
            Allowed::Bools(_) => *dtype == DataType::Boolean,
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Allowed::Strings(_) => "strings",
            Allowed::Ints(_) | Allowed::Floats(_) => "numbers",
            Allowed::Bools(_) => "booleans",
        }
    }
}

impl fmt::Display for Allowed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let items: Vec<String> = match self {
            Allowed::Strings(values) => values.iter().map(|v| format!("{v:?}")).collect(),
            Allowed::Ints(values) => values.iter().map(ToString::to_string).collect(),
            Allowed::Floats(values) => values.iter().map(ToString::to_string).collect(),
            Allowed::Bools(values) => values.iter().map(ToString::to_string).collect(),
        };
        write!(f, "[{}]", items.join(", "))
    }
}

/// The rules of one column.
#[derive(Debug, Clone)]
struct ColumnRules {
    name: String,
    dtype: Option<ColumnType>,
    nullable: bool,
    min: Option<Bound>,
    max: Option<Bound>,
    allowed: Option<Allowed>,
    unique: bool,
    pattern: Option<(String, regex::Regex)>,
}

/// A dataset's `schema:`: the columns a table must have and the rules their values follow.
#[derive(Debug, Clone)]
pub struct Contract {
    dataset: String,
    columns: Vec<ColumnRules>,
    strict: bool,
    source: Option<SourceLocation>,
}

/// One way a table breaks its contract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The column concerned; `None` for a rule about the whole table (`strict`, not a table).
    pub column: Option<String>,
    /// The rule broken: `missing`, `dtype`, `strict`, `nullable`, `min`, `max`, `allowed`,
    /// `unique`, `pattern` or `table`.
    pub rule: &'static str,
    /// How many rows break it, for rules about values.
    pub rows: Option<usize>,
    /// The whole description, e.g. ``column `x`: 3 rows are above max 10 (e.g. row 7: 12.5)``.
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl Contract {
    /// Parses the `schema:` value of the entry `dataset`, reporting mistakes at `source`.
    pub fn from_config(
        dataset: &str,
        schema: &Value,
        source: Option<&SourceLocation>,
    ) -> Result<Contract, CatalogError> {
        let invalid = |message: String, hint: Option<String>| CatalogError::InvalidEntry {
            dataset: dataset.to_owned(),
            message,
            source_location: source.cloned(),
            hint,
        };
        let Some(options) = schema.as_object() else {
            return Err(invalid(
                "`schema` must be a mapping with a `columns:` mapping".to_owned(),
                Some("write `schema:`, then indented `columns:` and one `name: {dtype: ...}` line per column".to_owned()),
            ));
        };
        if let Some(unknown) = options.keys().find(|key| !SCHEMA_KEYS.contains(&key.as_str())) {
            return Err(invalid(
                format!("`schema` has an unknown key `{unknown}`; it takes `columns` and `strict`"),
                did_you_mean(unknown, SCHEMA_KEYS.iter().copied()),
            ));
        }
        let strict = match options.get("strict") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(strict)) => *strict,
            Some(_) => {
                return Err(invalid("`schema.strict` must be `true` or `false`".to_owned(), None));
            }
        };
        let Some(Value::Object(columns)) = options.get("columns") else {
            return Err(invalid(
                "`schema.columns` must be a mapping of column names to their rules".to_owned(),
                Some("e.g. `columns: {id: {dtype: int64, unique: true}, name: string}`".to_owned()),
            ));
        };
        let columns = columns
            .iter()
            .map(|(name, rules)| {
                parse_column(name, rules).map_err(|(message, hint)| {
                    invalid(format!("`schema.columns.{name}`: {message}"), hint)
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Contract { dataset: dataset.to_owned(), columns, strict, source: source.cloned() })
    }

    /// The dataset this contract belongs to.
    pub fn dataset(&self) -> &str {
        &self.dataset
    }

    /// Where the `schema:` was written.
    pub fn source(&self) -> Option<&SourceLocation> {
        self.source.as_ref()
    }

    /// Every violation of `frame`: its columns and dtypes, then its values.
    pub fn check_frame(&self, frame: &DataFrame) -> Result<Vec<Violation>, PolarsError> {
        self.check_lazy(frame.clone().lazy(), true)
    }

    /// The violations of a schema's column names and dtypes (no values are read).
    pub fn check_schema(&self, schema: &Schema) -> Vec<Violation> {
        self.schema_violations(schema).0
    }

    /// Checks a lazy frame's schema and, with `values`, runs the queries checking its values.
    pub fn check_lazy(
        &self,
        mut frame: LazyFrame,
        values: bool,
    ) -> Result<Vec<Violation>, PolarsError> {
        let schema = frame.collect_schema()?;
        let (mut violations, checkable) = self.schema_violations(&schema);
        if values {
            violations.extend(value_violations(&frame, &schema, &checkable)?);
        }
        Ok(violations)
    }

    /// Column and dtype violations, and the columns whose values can be checked.
    fn schema_violations(&self, schema: &Schema) -> (Vec<Violation>, Vec<&ColumnRules>) {
        let mut violations = Vec::new();
        let mut checkable = Vec::new();
        for rules in &self.columns {
            let Some(dtype) = schema.get(rules.name.as_str()) else {
                let present: Vec<&str> = schema.iter_names().map(PlSmallStr::as_str).collect();
                // Names of one or two letters are all close to each other: no suggestion.
                let suggestion = Some(&rules.name)
                    .filter(|name| name.chars().count() > 2)
                    .and_then(|name| did_you_mean(name, present.iter().copied()))
                    .map(|s| format!("; {s}"))
                    .unwrap_or_default();
                violations.push(Violation {
                    column: Some(rules.name.clone()),
                    rule: "missing",
                    rows: None,
                    message: format!(
                        "column `{}` is missing (the data has {}){suggestion}",
                        rules.name,
                        quoted_list(&present)
                    ),
                });
                continue;
            };
            if let Some(expected) = rules.dtype.filter(|expected| !expected.matches(dtype)) {
                violations.push(Violation {
                    column: Some(rules.name.clone()),
                    rule: "dtype",
                    rows: None,
                    message: format!(
                        "column `{}` is {} but the schema says {}",
                        rules.name,
                        dtype_name(dtype),
                        expected.name()
                    ),
                });
                continue;
            }
            checkable.push(rules);
        }
        if self.strict {
            let extra: Vec<&str> = schema
                .iter_names()
                .map(PlSmallStr::as_str)
                .filter(|name| !self.columns.iter().any(|rules| rules.name == *name))
                .collect();
            if !extra.is_empty() {
                violations.push(Violation {
                    column: None,
                    rule: "strict",
                    rows: None,
                    message: format!(
                        "{} {} not in the schema (`strict: true`)",
                        if extra.len() == 1 { "column" } else { "columns" },
                        if extra.len() == 1 {
                            format!("`{}` is", extra[0])
                        } else {
                            format!("{} are", quoted_list(&extra))
                        }
                    ),
                });
            }
        }
        (violations, checkable)
    }

    /// The message listing `violations`: inline for one, one per line for several.
    fn describe(&self, violations: &[Violation]) -> String {
        let at = self.source.as_ref().map(|s| format!(" ({s})")).unwrap_or_default();
        if let [only] = violations {
            return format!("the data breaks its schema{at}: {only}");
        }
        let mut text = format!("the data breaks its schema{at} in {} ways:", violations.len());
        for violation in violations {
            text.push_str("\n    ");
            text.push_str(&violation.message);
        }
        text
    }
}

/// Parses one column's rules: a dtype name, or a mapping of rules.
fn parse_column(name: &str, rules: &Value) -> Result<ColumnRules, (String, Option<String>)> {
    let mut column = ColumnRules {
        name: name.to_owned(),
        dtype: None,
        nullable: true,
        min: None,
        max: None,
        allowed: None,
        unique: false,
        pattern: None,
    };
    let options = match rules {
        Value::String(dtype) => {
            column.dtype = Some(parse_dtype(dtype)?);
            return Ok(column);
        }
        Value::Null => return Ok(column),
        Value::Object(options) => options,
        _ => {
            return Err((
                "a column takes a dtype name or a mapping of rules".to_owned(),
                Some(format!("e.g. `{name}: {{dtype: float64, nullable: false, min: 0}}`")),
            ));
        }
    };
    if let Some(unknown) = options.keys().find(|key| !COLUMN_KEYS.contains(&key.as_str())) {
        let listed: Vec<&str> = COLUMN_KEYS.to_vec();
        return Err((
            format!("unknown rule `{unknown}`; the rules are {}", quoted_list(&listed)),
            did_you_mean(unknown, COLUMN_KEYS.iter().copied()),
        ));
    }
    let flag = |key: &str, default: bool| match options.get(key) {
        None | Some(Value::Null) => Ok(default),
        Some(Value::Bool(value)) => Ok(*value),
        Some(other) => Err((format!("`{key}` must be `true` or `false`, not `{other}`"), None)),
    };
    column.nullable = flag("nullable", true)?;
    column.unique = flag("unique", false)?;
    column.dtype = match options.get("dtype") {
        None | Some(Value::Null) => None,
        Some(Value::String(dtype)) => Some(parse_dtype(dtype)?),
        Some(other) => return Err((format!("`dtype` must be a name, not `{other}`"), None)),
    };
    column.min = parse_bound("min", options.get("min"), column.dtype)?;
    column.max = parse_bound("max", options.get("max"), column.dtype)?;
    if let (Some(min), Some(max)) = (&column.min, &column.max) {
        match min.is_above(max) {
            Some(true) => {
                return Err((
                    format!("`min` ({min}) is greater than `max` ({max})"),
                    Some("swap the two bounds".to_owned()),
                ));
            }
            Some(false) => {}
            None => {
                return Err((
                    "`min` and `max` must both be numbers, or both dates".to_owned(),
                    None,
                ));
            }
        }
    }
    column.allowed = parse_allowed(options.get("allowed"), column.dtype)?;
    column.pattern = match options.get("pattern") {
        None | Some(Value::Null) => None,
        Some(Value::String(pattern)) => {
            if column.dtype.is_some_and(|dtype| !dtype.is_textual()) {
                return Err((
                    format!(
                        "`pattern` applies to string columns, and the column's dtype is {}",
                        column.dtype.map_or("", ColumnType::name)
                    ),
                    None,
                ));
            }
            let anchored = format!("^(?:{pattern})$");
            let regex = regex::Regex::new(&anchored).map_err(|error| {
                (format!("`pattern` is not a valid regular expression: {error}"), None)
            })?;
            Some((pattern.clone(), regex))
        }
        Some(other) => {
            return Err((
                format!("`pattern` must be a regular expression string, not `{other}`"),
                None,
            ));
        }
    };
    Ok(column)
}

fn parse_dtype(text: &str) -> Result<ColumnType, (String, Option<String>)> {
    ColumnType::parse(text).ok_or_else(|| {
        let canonical = [
            "int8",
            "int16",
            "int32",
            "int64",
            "uint8",
            "uint16",
            "uint32",
            "uint64",
            "float32",
            "float64",
            "string",
            "bool",
            "date",
            "datetime",
            "categorical",
        ];
        let spellings = DTYPE_SPELLINGS.iter().map(|(spelling, _)| *spelling);
        let lower = text.to_ascii_lowercase();
        let hint = did_you_mean(&lower, spellings)
            .unwrap_or_else(|| format!("the dtypes are {}", quoted_list(&canonical)));
        (format!("unknown dtype `{text}`"), Some(hint))
    })
}

fn parse_bound(
    key: &str,
    value: Option<&Value>,
    dtype: Option<ColumnType>,
) -> Result<Option<Bound>, (String, Option<String>)> {
    let bound = match value {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Number(number)) => match number.as_i64() {
            Some(int) => Bound::Int(int),
            None => Bound::Float(number.as_f64().unwrap_or(f64::NAN)),
        },
        Some(Value::String(text)) => parse_temporal(text).ok_or_else(|| {
            (
                format!("`{key}` must be a number, a date (`2024-01-31`) or a datetime (`2024-01-31T12:00:00`), not `{text}`"),
                None,
            )
        })?,
        Some(other) => {
            return Err((format!("`{key}` must be a number, a date or a datetime, not `{other}`"), None));
        }
    };
    if let Some(dtype) = dtype {
        let fits = match bound {
            Bound::Int(_) | Bound::Float(_) => dtype.is_numeric(),
            Bound::Date(_) => matches!(dtype, ColumnType::Date | ColumnType::Datetime),
            Bound::Datetime(_) => dtype == ColumnType::Datetime,
        };
        if !fits {
            return Err((
                format!("`{key}: {bound}` cannot apply to a {} column", dtype.name()),
                Some("`min` and `max` take numbers for numeric columns and dates for date and datetime columns".to_owned()),
            ));
        }
    }
    if matches!(bound, Bound::Float(value) if value.is_nan()) {
        return Err((format!("`{key}` must be a finite number"), None));
    }
    Ok(Some(bound))
}

fn parse_temporal(text: &str) -> Option<Bound> {
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Some(Bound::Date(date));
    }
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
        .map(Bound::Datetime)
}

fn parse_allowed(
    value: Option<&Value>,
    dtype: Option<ColumnType>,
) -> Result<Option<Allowed>, (String, Option<String>)> {
    let items = match value {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Array(items)) if !items.is_empty() => items,
        Some(_) => {
            return Err((
                "`allowed` must be a non-empty list of values".to_owned(),
                Some("e.g. `allowed: [setosa, versicolor, virginica]`".to_owned()),
            ));
        }
    };
    let mixed =
        || ("`allowed` values must all be strings, all numbers or all booleans".to_owned(), None);
    let allowed = if items.iter().all(Value::is_string) {
        Allowed::Strings(items.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
    } else if items.iter().all(Value::is_i64) {
        Allowed::Ints(items.iter().filter_map(Value::as_i64).collect())
    } else if items.iter().all(Value::is_number) {
        Allowed::Floats(items.iter().filter_map(Value::as_f64).collect())
    } else if items.iter().all(Value::is_boolean) {
        Allowed::Bools(items.iter().filter_map(Value::as_bool).collect())
    } else if items.iter().any(Value::is_null) {
        return Err((
            "`allowed` cannot list null".to_owned(),
            Some("nulls are governed by `nullable` (true unless set to false)".to_owned()),
        ));
    } else {
        return Err(mixed());
    };
    if let Some(dtype) = dtype {
        let fits = match allowed {
            Allowed::Strings(_) => dtype.is_textual(),
            Allowed::Ints(_) | Allowed::Floats(_) => dtype.is_numeric(),
            Allowed::Bools(_) => dtype == ColumnType::Bool,
        };
        if !fits {
            return Err((
                format!(
                    "`allowed` lists {} but the column's dtype is {}",
                    allowed.kind(),
                    dtype.name()
                ),
                None,
            ));
        }
    }
    Ok(Some(allowed))
}

/// `a`, `b` and `c` as "`a`, `b`, `c`" (or "no columns").
fn quoted_list(names: &[&str]) -> String {
    if names.is_empty() {
        return "no columns".to_owned();
    }
    let quoted: Vec<String> = names.iter().map(|name| format!("`{name}`")).collect();
    quoted.join(", ")
}

/// A rule on values: the expression true on the rows breaking it, and how to say so.
struct ValueRule {
    column: String,
    rule: &'static str,
    /// What the breaking rows are, after "N rows ", e.g. "are above max 10".
    what: String,
    broken: Expr,
    /// An aggregate cheaper than counting `broken` that is 0 exactly when no row breaks the
    /// rule; the rows are counted only when it is not (`unique`: values minus distinct values).
    screen: Option<Expr>,
}

/// The value rules of the checkable columns, as expressions over `schema`'s columns.
fn value_rules(
    schema: &Schema,
    checkable: &[&ColumnRules],
) -> Result<(Vec<ValueRule>, Vec<Violation>), PolarsError> {
    let mut rules = Vec::new();
    let mut inapplicable = Vec::new();
    for column in checkable {
        let name = column.name.as_str();
        let Some(dtype) = schema.get(name) else { continue };
        let mut push = |rule: &'static str, what: String, broken: Expr| {
            rules.push(ValueRule { column: name.to_owned(), rule, what, broken, screen: None });
        };
        let mut cannot_apply = |rule: &'static str, what: &str| {
            inapplicable.push(Violation {
                column: Some(name.to_owned()),
                rule,
                rows: None,
                message: format!(
                    "column `{name}`: `{rule}` {what} cannot apply to its dtype {}",
                    dtype_name(dtype)
                ),
            });
        };
        if !column.nullable {
            push("nullable", "are null (`nullable: false`)".to_owned(), col(name).is_null());
        }
        if let Some(min) = &column.min {
            if min.applies_to(dtype) {
                push("min", format!("are below min {min}"), col(name).lt(min.literal()));
            } else {
                cannot_apply("min", &min.to_string());
            }
        }
        if let Some(max) = &column.max {
            if max.applies_to(dtype) {
                push("max", format!("are above max {max}"), col(name).gt(max.literal()));
            } else {
                cannot_apply("max", &max.to_string());
            }
        }
        if let Some(allowed) = &column.allowed {
            if allowed.applies_to(dtype) {
                let (values, target) = match allowed {
                    Allowed::Strings(_) => (allowed.series(), col(name).cast(DataType::String)),
                    _ => (allowed.series().strict_cast(dtype)?, col(name)),
                };
                let broken = target
                    .is_in(lit(values).implode(false), false)
                    .not()
                    .and(col(name).is_not_null());
                push("allowed", format!("are not among the allowed values {allowed}"), broken);
            } else {
                cannot_apply("allowed", &allowed.to_string());
            }
        }
        if column.unique {
            // The window counting each value's rows is the one costly rule: it runs only when
            // the column has fewer distinct values than values.
            let repeated = polars::prelude::len().over([col(name)])?.gt(lit(1u32));
            let excess = col(name).count().cast(DataType::Int64)
                - col(name).drop_nulls().n_unique().cast(DataType::Int64);
            rules.push(ValueRule {
                column: name.to_owned(),
                rule: "unique",
                what: "hold a value that appears more than once (`unique: true`)".to_owned(),
                broken: col(name).is_not_null().and(repeated),
                screen: Some(excess),
            });
        }
    }
    Ok((rules, inapplicable))
}

/// Runs the value rules and the `pattern` rules over `frame`.
fn value_violations(
    frame: &LazyFrame,
    schema: &Schema,
    checkable: &[&ColumnRules],
) -> Result<Vec<Violation>, PolarsError> {
    let (rules, mut violations) = value_rules(schema, checkable)?;
    if !rules.is_empty() {
        let counts: Vec<Expr> = rules
            .iter()
            .enumerate()
            .map(|(i, rule)| {
                let count = rule.broken.clone().cast(DataType::UInt64).sum();
                rule.screen
                    .clone()
                    .unwrap_or(count)
                    .cast(DataType::UInt64)
                    .alias(format!("rule_{i}"))
            })
            .collect();
        let counted = frame.clone().select(counts).collect()?;
        for (i, rule) in rules.iter().enumerate() {
            let count = counted.column(&format!("rule_{i}"))?.u64()?.get(0).unwrap_or(0);
            if count == 0 {
                continue;
            }
            let count = if rule.screen.is_some() {
                let exact = rule.broken.clone().cast(DataType::UInt64).sum().alias("rows");
                let counted = frame.clone().select([exact]).collect()?;
                counted.column("rows")?.u64()?.get(0).unwrap_or(0)
            } else {
                count
            };
            let examples = examples(frame, schema, &rule.column, rule.broken.clone())?;
            let rows = usize::try_from(count).unwrap_or(usize::MAX);
            violations.push(value_violation(&rule.column, rule.rule, rows, &rule.what, &examples));
        }
    }
    for column in checkable {
        if let Some((pattern, regex)) = &column.pattern {
            violations.extend(pattern_violation(frame, schema, &column.name, pattern, regex)?);
        }
    }
    Ok(violations)
}

/// A row-number column name that no column of `schema` uses.
fn row_column(schema: &Schema) -> String {
    let mut name = "__weir_row".to_owned();
    while schema.contains(&name) {
        name.push('_');
    }
    name
}

/// Up to [`EXAMPLES`] `(row, value)` pairs of the rows where `broken` is true.
fn examples(
    frame: &LazyFrame,
    schema: &Schema,
    column: &str,
    broken: Expr,
) -> Result<Vec<(u64, String)>, PolarsError> {
    let row = row_column(schema);
    #[expect(clippy::cast_possible_truncation, reason = "a constant that fits every index type")]
    let limit = EXAMPLES as polars::prelude::IdxSize;
    let found = frame
        .clone()
        .with_row_index(row.as_str(), None)
        .filter(broken)
        .select([col(row.as_str()).cast(DataType::UInt64), col(column)])
        .limit(limit)
        .collect()?;
    let rows = found.column(&row)?.u64()?.clone();
    let values = found.column(column)?.as_materialized_series().clone();
    Ok((0..found.height())
        .map(|i| {
            let value = values.get(i).map_or_else(|_| "?".to_owned(), |v| show_value(&v));
            (rows.get(i).unwrap_or(0), value)
        })
        .collect())
}

fn show_value(value: &AnyValue<'_>) -> String {
    match value {
        AnyValue::Null => "null".to_owned(),
        other => other.to_string(),
    }
}

fn value_violation(
    column: &str,
    rule: &'static str,
    rows: usize,
    what: &str,
    examples: &[(u64, String)],
) -> Violation {
    let noun = if rows == 1 { "row" } else { "rows" };
    let what = if rows == 1 { singular(what) } else { what.to_owned() };
    let mut shown: Vec<String> =
        examples
            .iter()
            .map(|(row, value)| {
                if rule == "nullable" {
                    format!("row {row}")
                } else {
                    format!("row {row}: {value}")
                }
            })
            .collect();
    if rows > examples.len() {
        shown.push("...".to_owned());
    }
    Violation {
        column: Some(column.to_owned()),
        rule,
        rows: Some(rows),
        message: format!("column `{column}`: {rows} {noun} {what} (e.g. {})", shown.join(", ")),
    }
}

/// "are above max 10" as said of one row: "is above max 10".
fn singular(what: &str) -> String {
    for (plural, one) in [("are ", "is "), ("hold ", "holds "), ("do ", "does ")] {
        if let Some(rest) = what.strip_prefix(plural) {
            return format!("{one}{rest}");
        }
    }
    what.to_owned()
}

/// The rows of a string column that do not match `regex` in full.
fn pattern_violation(
    frame: &LazyFrame,
    schema: &Schema,
    column: &str,
    pattern: &str,
    regex: &regex::Regex,
) -> Result<Option<Violation>, PolarsError> {
    let Some(dtype) = schema.get(column) else { return Ok(None) };
    if !matches!(dtype, DataType::String | DataType::Categorical(..) | DataType::Enum(..)) {
        return Ok(Some(Violation {
            column: Some(column.to_owned()),
            rule: "pattern",
            rows: None,
            message: format!(
                "column `{column}`: `pattern` applies to strings, and its dtype is {}",
                dtype_name(dtype)
            ),
        }));
    }
    let values = frame.clone().select([col(column).cast(DataType::String)]).collect()?;
    let strings = values.column(column)?.str()?.clone();
    let mut count = 0usize;
    let mut examples = Vec::new();
    for (row, value) in strings.iter().enumerate() {
        let Some(value) = value else { continue };
        if regex.is_match(value) {
            continue;
        }
        count += 1;
        if examples.len() < EXAMPLES {
            examples.push((row as u64, format!("{value:?}")));
        }
    }
    if count == 0 {
        return Ok(None);
    }
    let what = format!("do not match pattern `{pattern}`");
    Ok(Some(value_violation(column, "pattern", count, &what, &examples)))
}

/// A dataset checked against its contract on every load and save; everything else is
/// forwarded to the dataset it wraps.
#[derive(Debug)]
pub struct ContractDataset {
    inner: Arc<dyn Dataset>,
    contract: Contract,
}

/// What `weir catalog validate` found for one dataset.
#[derive(Debug)]
#[non_exhaustive]
pub enum Validation {
    /// The data meets the contract; the number of rows when the table was read whole.
    Passed {
        /// Rows checked.
        rows: Option<usize>,
    },
    /// The data breaks the contract.
    Broken(Vec<Violation>),
    /// There is no data to check.
    Missing,
    /// The data could not be read or checked.
    Failed(CatalogError),
}

impl ContractDataset {
    /// Wraps `inner`, refusing types that never hold tables.
    pub fn new(inner: Arc<dyn Dataset>, contract: Contract) -> Result<Self, CatalogError> {
        let holds_tables = match inner.loads() {
            Some(kind) => matches!(kind, DataKind::Frame | DataKind::Lazy),
            None => inner.accepts(DataKind::Frame) || inner.accepts(DataKind::Lazy),
        };
        if !holds_tables {
            let kind = inner.loads().map_or_else(|| "no tables".to_owned(), |k| k.to_string());
            return Err(CatalogError::InvalidEntry {
                dataset: contract.dataset.clone(),
                message: format!(
                    "`schema` applies to tables only, and `{}` holds {kind}",
                    inner.type_name()
                ),
                source_location: contract.source.clone(),
                hint: Some("remove `schema:` from the entry, or use a table type such as `pandas.CSVDataset` or `pandas.ParquetDataset`".to_owned()),
            });
        }
        Ok(ContractDataset { inner, contract })
    }

    /// The contract checked.
    pub fn contract(&self) -> &Contract {
        &self.contract
    }

    /// The dataset checked.
    pub fn inner(&self) -> &Arc<dyn Dataset> {
        &self.inner
    }

    /// Reads the data and checks all of it (values of lazy datasets too), without failing.
    pub fn validate(&self) -> Validation {
        match self.inner.exists() {
            Ok(false) => return Validation::Missing,
            Ok(true) => {}
            Err(error) => return Validation::Failed(error),
        }
        let payload = match self.inner.load() {
            Ok(payload) => payload,
            Err(error) => return Validation::Failed(error),
        };
        let (checked, rows) = match payload {
            Payload::Frame(frame) => {
                let rows = frame.height();
                (self.contract.check_frame(&frame), Some(rows))
            }
            Payload::Lazy(frame) => (self.contract.check_lazy(*frame, true), None),
            other => return Validation::Broken(vec![not_a_table(&other)]),
        };
        match checked {
            Ok(violations) if violations.is_empty() => Validation::Passed { rows },
            Ok(violations) => Validation::Broken(violations),
            Err(error) => Validation::Failed(
                self.load_error(format!("cannot check the schema: {error}"), None),
            ),
        }
    }

    /// The violations of `payload`: everything for a frame, names and dtypes for a lazy frame.
    fn violations(&self, payload: &Payload) -> Result<Vec<Violation>, PolarsError> {
        match payload {
            Payload::Frame(frame) => self.contract.check_frame(frame),
            Payload::Lazy(frame) => self.contract.check_lazy((**frame).clone(), false),
            other => Ok(vec![not_a_table(other)]),
        }
    }

    fn load_error(&self, message: String, hint: Option<String>) -> CatalogError {
        CatalogError::Load {
            dataset: self.contract.dataset.clone(),
            type_name: self.inner.type_name().to_owned(),
            location: self.inner.location(),
            message,
            hint,
        }
    }

    fn save_error(&self, message: String, hint: Option<String>) -> CatalogError {
        CatalogError::Save {
            dataset: self.contract.dataset.clone(),
            type_name: self.inner.type_name().to_owned(),
            location: self.inner.location(),
            message,
            hint,
        }
    }
}

fn not_a_table(payload: &Payload) -> Violation {
    Violation {
        column: None,
        rule: "table",
        rows: None,
        message: format!("the dataset has a schema but holds {}, not a table", payload.describe()),
    }
}

impl Dataset for ContractDataset {
    fn type_name(&self) -> &str {
        self.inner.type_name()
    }

    fn load(&self) -> Result<Payload, CatalogError> {
        let payload = self.inner.load()?;
        let violations = self
            .violations(&payload)
            .map_err(|error| self.load_error(format!("cannot check the schema: {error}"), None))?;
        if violations.is_empty() {
            return Ok(payload);
        }
        let where_ = self.contract.source.as_ref().map(|s| format!(" at {s}")).unwrap_or_default();
        Err(self.load_error(
            self.contract.describe(&violations),
            Some(format!(
                "fix the data, or the `schema:` of `{}`{where_}; `weir catalog validate {}` checks it without running nodes",
                self.contract.dataset, self.contract.dataset
            )),
        ))
    }

    fn save(&self, payload: Payload) -> Result<(), CatalogError> {
        let violations = self
            .violations(&payload)
            .map_err(|error| self.save_error(format!("cannot check the schema: {error}"), None))?;
        if !violations.is_empty() {
            let where_ =
                self.contract.source.as_ref().map(|s| format!(" at {s}")).unwrap_or_default();
            return Err(self.save_error(
                format!("{}; nothing was written", self.contract.describe(&violations)),
                Some(format!(
                    "fix the node producing `{}`, or its `schema:`{where_}",
                    self.contract.dataset
                )),
            ));
        }
        self.inner.save(payload)
    }

    fn exists(&self) -> Result<bool, CatalogError> {
        self.inner.exists()
    }

    fn loads(&self) -> Option<DataKind> {
        self.inner.loads()
    }

    fn accepts(&self, kind: DataKind) -> bool {
        self.inner.accepts(kind)
    }

    fn location(&self) -> Option<String> {
        self.inner.location()
    }

    fn is_persistent(&self) -> bool {
        self.inner.is_persistent()
    }

    fn release(&self) {
        self.inner.release();
    }

    fn versions(&self) -> Result<Vec<String>, CatalogError> {
        self.inner.versions()
    }

    fn stamp(&self) -> Result<Option<DataStamp>, CatalogError> {
        self.inner.stamp()
    }

    fn saved_stamp(&self) -> Result<Option<DataStamp>, CatalogError> {
        self.inner.saved_stamp()
    }
}

/// The entry without weir's `schema` key, and the contract it describes.
pub(super) fn without_schema_key(
    name: &str,
    entry: &Value,
    source: Option<&SourceLocation>,
) -> Result<(Value, Option<Contract>), CatalogError> {
    let Some(options) = entry.as_object().filter(|o| o.contains_key("schema")) else {
        return Ok((entry.clone(), None));
    };
    let mut options = options.clone();
    let schema = options.remove("schema").unwrap_or(Value::Null);
    let contract = Contract::from_config(name, &schema, source)?;
    Ok((Value::Object(options), Some(contract)))
}

impl DataCatalog {
    /// `dataset` checked against `contract` when there is one, remembered for
    /// [`DataCatalog::contract`].
    pub(super) fn with_contract(
        &mut self,
        name: &str,
        dataset: Arc<dyn Dataset>,
        contract: Option<Contract>,
    ) -> Result<Arc<dyn Dataset>, CatalogError> {
        let Some(contract) = contract else { return Ok(dataset) };
        let checked = Arc::new(ContractDataset::new(dataset, contract)?);
        self.contracts.insert(name.to_owned(), Arc::clone(&checked));
        Ok(checked)
    }

    /// The dataset `name` with its contract, when its entry has a `schema:`: a declared entry,
    /// or one a dataset factory built (see [`DataCatalog::resolve`]).
    pub fn contract(&self, name: &str) -> Option<Arc<ContractDataset>> {
        match self.contracts.get(name) {
            Some(checked) => Some(Arc::clone(checked)),
            None => self.factory_contract(name),
        }
    }

    /// The names of the datasets that have a `schema:`: the declared ones in declaration order,
    /// then those built from factories so far.
    pub fn contracted(&self) -> Vec<String> {
        let declared = self.declared.keys().filter(|name| self.contracts.contains_key(*name));
        declared.cloned().chain(self.factory_contracted()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars::df;
    use serde_json::json;

    use crate::catalog::{DatasetContext, DatasetRegistry};
    use crate::error::Hinted;

    fn contract(schema: &Value) -> Contract {
        Contract::from_config("iris_raw", schema, None).unwrap_or_else(|e| panic!("{e}"))
    }

    /// The messages of the violations `schema` finds in `frame`.
    fn check(schema: &Value, frame: &DataFrame) -> Vec<String> {
        let found = contract(schema).check_frame(frame).unwrap();
        found.into_iter().map(|v| v.message).collect()
    }

    /// The message and hint of the error `schema` raises when parsed.
    fn refused(schema: &Value) -> (String, Option<String>) {
        let at = SourceLocation::new("conf/base/catalog.yml", 6, 3);
        let error = Contract::from_config("iris_raw", schema, Some(&at)).unwrap_err();
        let text = error.to_string();
        assert!(
            text.contains("`iris_raw`") && text.contains("conf/base/catalog.yml:6:3"),
            "{text}"
        );
        (text, error.hint())
    }

    #[test]
    fn bounds_report_counts_rows_and_examples() {
        let frame = df!(
            "sepal_length" => [Some(5.1), Some(12.5), Some(-1.0), None, Some(99.0), Some(10.0)],
        )
        .unwrap();
        let schema = json!({"columns": {"sepal_length": {
            "dtype": "float64", "nullable": false, "min": 0, "max": 10
        }}});
        assert_eq!(
            check(&schema, &frame),
            [
                "column `sepal_length`: 1 row is null (`nullable: false`) (e.g. row 3)",
                "column `sepal_length`: 1 row is below min 0 (e.g. row 2: -1.0)",
                "column `sepal_length`: 2 rows are above max 10 (e.g. row 1: 12.5, row 4: 99.0)",
            ]
        );
    }

    #[test]
    fn examples_stop_at_five() {
        let values: Vec<i64> = (0..20).collect();
        let frame = df!("n" => values).unwrap();
        let found = check(&json!({"columns": {"n": {"dtype": "int64", "max": 10}}}), &frame);
        assert_eq!(
            found,
            [
                "column `n`: 9 rows are above max 10 (e.g. row 11: 11, row 12: 12, row 13: 13, row 14: 14, row 15: 15, ...)"
            ]
        );
    }

    #[test]
    fn allowed_unique_and_pattern() {
        let frame = df!(
            "species" => [Some("setosa"), Some("virginia"), None, Some("setosa"), Some("Setosa")],
            "id" => [1i64, 2, 2, 3, 1],
            "code" => ["AB-1", "AB-22", "ab-3", "AB-", "XY-9"],
        )
        .unwrap();
        let schema = json!({"columns": {
            "species": {"dtype": "str", "allowed": ["setosa", "versicolor", "virginica"]},
            "id": {"dtype": "Int64", "unique": true},
            "code": {"dtype": "utf8", "pattern": "[A-Z]{2}-[0-9]+"},
        }});
        assert_eq!(
            check(&schema, &frame),
            [
                "column `species`: 2 rows are not among the allowed values [\"setosa\", \"versicolor\", \"virginica\"] (e.g. row 1: \"virginia\", row 4: \"Setosa\")",
                "column `id`: 4 rows hold a value that appears more than once (`unique: true`) (e.g. row 0: 1, row 1: 2, row 2: 2, row 4: 1)",
                "column `code`: 2 rows do not match pattern `[A-Z]{2}-[0-9]+` (e.g. row 2: \"ab-3\", row 3: \"AB-\")",
            ]
        );
    }

    #[test]
    fn missing_columns_wrong_dtypes_and_extra_columns() {
        let frame = df!("Id" => [1i64], "SepalLength" => [5.1], "Species" => ["setosa"]).unwrap();
        let schema = json!({"strict": true, "columns": {
            "SepalLengthCm": {"dtype": "double", "min": 0},
            "Id": {"dtype": "float64", "min": 5},
            "Species": "string",
        }});
        assert_eq!(
            check(&schema, &frame),
            [
                "column `SepalLengthCm` is missing (the data has `Id`, `SepalLength`, `Species`); did you mean `SepalLength`?",
                "column `Id` is int64 but the schema says float64",
                "column `SepalLength` is not in the schema (`strict: true`)",
            ]
        );
    }

    #[test]
    fn a_frame_meeting_the_contract_passes() {
        let frame = df!(
            "Id" => [1i64, 2, 3],
            "x" => [0.0, 5.0, 10.0],
            "flag" => [true, false, true],
            "extra" => ["a", "b", "c"],
        )
        .unwrap();
        let schema = json!({"columns": {
            "Id": {"dtype": "i64", "unique": true, "nullable": false, "min": 1, "max": 3},
            "x": {"dtype": "Float64", "min": 0, "max": 10.0, "allowed": [0, 5, 10]},
            "flag": {"dtype": "boolean", "allowed": [true, false]},
        }});
        assert!(check(&schema, &frame).is_empty());
    }

    #[test]
    fn date_bounds_apply_to_date_columns() {
        let days = [
            NaiveDate::from_ymd_opt(2023, 12, 31).unwrap(),
            NaiveDate::from_ymd_opt(2024, 6, 1).unwrap(),
        ];
        let frame = df!("day" => days).unwrap();
        let schema = json!({"columns": {"day": {"dtype": "date", "min": "2024-01-01"}}});
        assert_eq!(
            check(&schema, &frame),
            ["column `day`: 1 row is below min 2024-01-01 (e.g. row 0: 2023-12-31)"]
        );
    }

    #[test]
    fn every_common_dtype_spelling_is_accepted() {
        for (spelling, expected) in [
            ("int64", "int64"),
            ("Int64", "int64"),
            ("i64", "int64"),
            ("float64", "float64"),
            ("double", "float64"),
            ("string", "string"),
            ("str", "string"),
            ("utf8", "string"),
            ("Utf8", "string"),
            ("bool", "bool"),
            ("boolean", "bool"),
            ("date", "date"),
            ("datetime", "datetime"),
        ] {
            assert_eq!(ColumnType::parse(spelling).map(ColumnType::name), Some(expected));
        }
    }

    #[test]
    fn mistakes_in_the_schema_are_set_up_errors() {
        let (text, hint) =
            refused(&json!({"columns": {"x": {"dtype": "float64", "nulable": false}}}));
        assert!(text.contains("`schema.columns.x`: unknown rule `nulable`"), "{text}");
        assert_eq!(hint.as_deref(), Some("did you mean `nullable`?"));

        let (text, hint) = refused(&json!({"column": {}}));
        assert!(text.contains("unknown key `column`"), "{text}");
        assert_eq!(hint.as_deref(), Some("did you mean `columns`?"));

        let (text, hint) = refused(&json!({"columns": {"x": {"dtype": "flaot64"}}}));
        assert!(text.contains("unknown dtype `flaot64`"), "{text}");
        assert!(hint.unwrap().contains("`float64`"));

        let (text, _) = refused(&json!({"columns": {"x": {"min": 10, "max": 1}}}));
        assert!(text.contains("`min` (10) is greater than `max` (1)"), "{text}");

        let (text, _) = refused(&json!({"columns": {"x": {"nullable": "no"}}}));
        assert!(text.contains("`nullable` must be `true` or `false`"), "{text}");

        let (text, _) = refused(&json!({"columns": {"x": {"dtype": "string", "min": 0}}}));
        assert!(text.contains("`min: 0` cannot apply to a string column"), "{text}");

        let (text, _) = refused(&json!({"columns": {"x": {"allowed": ["a", 1]}}}));
        assert!(text.contains("must all be strings, all numbers or all booleans"), "{text}");

        let (text, _) = refused(&json!({"columns": {"x": {"dtype": "int64", "allowed": ["a"]}}}));
        assert!(text.contains("`allowed` lists strings but the column's dtype is int64"), "{text}");

        let (text, _) = refused(&json!({"columns": {"x": {"pattern": "[a-"}}}));
        assert!(text.contains("`pattern` is not a valid regular expression"), "{text}");

        let (text, _) = refused(&json!({"strict": true}));
        assert!(text.contains("`schema.columns` must be a mapping"), "{text}");
    }

    #[test]
    fn a_rule_that_cannot_apply_to_the_data_is_a_violation() {
        let frame = df!("x" => ["a", "b"]).unwrap();
        let found = check(&json!({"columns": {"x": {"max": 1}}}), &frame);
        assert_eq!(found, ["column `x`: `max` 1 cannot apply to its dtype string"]);
    }

    #[test]
    fn a_lazy_frame_is_checked_by_schema_without_values() {
        let frame = df!("x" => [1.0, 50.0]).unwrap();
        let rules =
            contract(&json!({"columns": {"x": {"dtype": "float64", "max": 10}, "y": "int64"}}));
        let names_only: Vec<String> = rules
            .check_lazy(frame.clone().lazy(), false)
            .unwrap()
            .into_iter()
            .map(|v| v.message)
            .collect();
        assert_eq!(names_only, ["column `y` is missing (the data has `x`)"]);
        let with_values = rules.check_lazy(frame.lazy(), true).unwrap();
        assert_eq!(with_values.len(), 2);
        assert_eq!(with_values[1].rule, "max");
        assert_eq!(with_values[1].rows, Some(1));
    }

    fn catalog(root: &std::path::Path, entries: &Value) -> Result<DataCatalog, CatalogError> {
        let context = DatasetContext {
            project_root: root.to_path_buf(),
            save_version: "2024-01-05T10.11.12.345Z".to_owned(),
            load_versions: std::collections::HashMap::new(),
        };
        let at = SourceLocation::new("conf/base/catalog.yml", 2, 1);
        let sources =
            entries.as_object().unwrap().keys().map(|name| (name.clone(), at.clone())).collect();
        DataCatalog::from_config(
            entries.as_object().unwrap(),
            &sources,
            &serde_json::Map::new(),
            &DatasetRegistry::with_builtins(),
            &context,
        )
    }

    fn write(path: &std::path::Path, text: &str) {
        crate::catalog::storage::write_atomic(path, |w| {
            std::io::Write::write_all(w, text.as_bytes())
        })
        .unwrap();
    }

    #[test]
    fn loads_fail_on_violations_and_saves_write_nothing() {
        let folder = tempfile::tempdir().unwrap();
        write(&folder.path().join("iris.csv"), "id,length\n1,5.0\n2,12.5\n3,99.0\n");
        let entries = json!({"iris_raw": {
            "type": "pandas.CSVDataset",
            "filepath": "iris.csv",
            "schema": {"columns": {"length": {"dtype": "float64", "max": 10}, "species": "string"}},
        }});
        let catalog = catalog(folder.path(), &entries).unwrap();
        assert!(catalog.contract("iris_raw").is_some());
        assert_eq!(catalog.contracted(), ["iris_raw"]);

        let error = catalog.load("iris_raw").unwrap_err();
        let text = error.to_string();
        assert!(text.starts_with("cannot load dataset `iris_raw`"), "{text}");
        assert!(text.contains("breaks its schema (conf/base/catalog.yml:2:1) in 2 ways"), "{text}");
        assert!(
            text.contains(
                "column `length`: 2 rows are above max 10 (e.g. row 1: 12.5, row 2: 99.0)"
            ),
            "{text}"
        );
        assert!(text.contains("column `species` is missing"), "{text}");
        assert!(error.hint().unwrap().contains("weir catalog validate iris_raw"));

        let bad = df!("length" => [1.0, 11.0], "species" => ["a", "b"]).unwrap();
        let error = catalog.save("iris_raw", Payload::Frame(bad)).unwrap_err();
        let text = error.to_string();
        assert!(text.starts_with("cannot save dataset `iris_raw`"), "{text}");
        assert!(text.contains("1 row is above max 10 (e.g. row 1: 11.0)"), "{text}");
        assert!(text.contains("nothing was written"), "{text}");
        let kept = std::fs::read_to_string(folder.path().join("iris.csv")).unwrap();
        assert_eq!(kept, "id,length\n1,5.0\n2,12.5\n3,99.0\n");

        let good = df!("length" => [1.0, 10.0], "species" => ["a", "b"]).unwrap();
        catalog.save("iris_raw", Payload::Frame(good)).unwrap();
        let Payload::Frame(loaded) = catalog.load("iris_raw").unwrap() else { panic!("a frame") };
        assert_eq!(loaded.height(), 2);
        assert!(matches!(
            catalog.contract("iris_raw").unwrap().validate(),
            Validation::Passed { rows: Some(2) }
        ));
    }

    #[test]
    fn validate_reports_missing_data_and_violations() {
        let folder = tempfile::tempdir().unwrap();
        let entries = json!({"table": {
            "type": "csv", "filepath": "t.csv", "schema": {"columns": {"n": {"min": 0}}},
        }});
        let catalog = catalog(folder.path(), &entries).unwrap();
        let checked = catalog.contract("table").unwrap();
        assert!(matches!(checked.validate(), Validation::Missing));
        write(&folder.path().join("t.csv"), "n\n-1\n2\n");
        let Validation::Broken(violations) = checked.validate() else { panic!("broken") };
        assert_eq!(violations[0].message, "column `n`: 1 row is below min 0 (e.g. row 0: -1)");
    }

    #[test]
    fn a_schema_on_a_dataset_without_tables_is_refused() {
        let folder = tempfile::tempdir().unwrap();
        let entries = json!({"report": {
            "type": "json.JSONDataset", "filepath": "r.json", "schema": {"columns": {"a": "int64"}},
        }});
        let error = catalog(folder.path(), &entries).unwrap_err();
        let text = error.to_string();
        assert!(text.contains("`schema` applies to tables only"), "{text}");
        assert!(text.contains("conf/base/catalog.yml:2:1"), "{text}");
    }

    #[test]
    fn a_memory_dataset_with_a_schema_refuses_other_payloads() {
        let folder = tempfile::tempdir().unwrap();
        let entries = json!({"scratch": {"type": "memory", "schema": {"columns": {"a": "int64"}}}});
        let catalog = catalog(folder.path(), &entries).unwrap();
        let error = catalog.save("scratch", Payload::Text("hello".to_owned())).unwrap_err();
        assert!(error.to_string().contains("holds text, not a table"), "{error}");
        catalog.save("scratch", Payload::Frame(df!("a" => [1i64]).unwrap())).unwrap();
    }
}
