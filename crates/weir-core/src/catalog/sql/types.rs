//! Polars column types and SQL column types, both ways, for both databases.
//!
//! | Polars | PostgreSQL | SQLite (declared) | loads back as |
//! |---|---|---|---|
//! | `Boolean` | `BOOLEAN` | `BOOLEAN` (0/1) | `Boolean` |
//! | `Int8`, `Int16`, `UInt8` | `SMALLINT` | `SMALLINT` | `Int16` (PostgreSQL), `Int64` (SQLite) |
//! | `Int32`, `UInt16` | `INTEGER` | `INTEGER` | `Int32` (PostgreSQL), `Int64` (SQLite) |
//! | `Int64`, `UInt32`, `UInt64` | `BIGINT` | `BIGINT` | `Int64` |
//! | `Float32` | `REAL` | `REAL` | `Float32` (PostgreSQL), `Float64` (SQLite) |
//! | `Float64` | `DOUBLE PRECISION` | `FLOAT` | `Float64` |
//! | `String`, `Categorical`, `Enum` | `TEXT` | `TEXT` | `String` |
//! | `Binary` | `BYTEA` | `BLOB` | `Binary` |
//! | `Date` | `DATE` | `DATE` (`YYYY-MM-DD` text) | `Date` |
//! | `Datetime` | `TIMESTAMP` | `DATETIME` (`YYYY-MM-DD HH:MM:SS.ffffff` text) | `Datetime(μs)` |
//! | `Datetime` with a time zone | `TIMESTAMPTZ` | refused | `Datetime(μs, UTC)` |
//!
//! SQLite stores integers in 64 bits whatever the declaration, so its integer columns load as
//! `Int64`, as in pandas; its text layout of dates follows `SQLAlchemy`'s, which pandas uses.
//! Datetimes are stored with microseconds: nanoseconds are cut.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime};
use polars::prelude::{
    BinaryChunked, BooleanChunked, Column, DataFrame, DataType, Float32Chunked, Float64Chunked,
    Int32Chunked, Int64Chunked, IntoColumn, NamedFrom, PlSmallStr, Series, StringChunked, TimeUnit,
    TimeZone,
};

/// Days from 0001-01-01 (chrono's day 1) to 1970-01-01.
const UNIX_EPOCH_DAYS_FROM_CE: i32 = 719_163;

/// The broad kind of a column, to tell whether a frame fits an existing table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    Bool,
    Int,
    Float,
    Text,
    Binary,
    Date,
    Datetime,
}

impl Family {
    /// The family of a declared SQL type (`BIGINT`, `character varying(20)`...), if known.
    pub(crate) fn of_declared(declared: &str) -> Option<Family> {
        let upper = declared.to_ascii_uppercase();
        let has = |part: &str| upper.contains(part);
        // SQLite's affinity rules (https://www.sqlite.org/datatype3.html#determination_of_column_affinity)
        // come first, then the names only PostgreSQL uses.
        if has("BOOL") {
            Some(Family::Bool)
        } else if has("INT") && !has("INTERVAL") {
            Some(Family::Int)
        } else if has("CHAR") || has("CLOB") || has("TEXT") {
            Some(Family::Text)
        } else if has("BLOB") || has("BYTEA") {
            Some(Family::Binary)
        } else if has("REAL") || has("FLOA") || has("DOUB") || has("NUMERIC") || has("DECIMAL") {
            Some(Family::Float)
        } else if has("DATETIME") || has("TIMESTAMP") {
            Some(Family::Datetime)
        } else if has("DATE") {
            Some(Family::Date)
        } else {
            None
        }
    }

    /// Whether a frame column of this family can be appended to a table column of `table`.
    pub(crate) fn fits(self, table: Family) -> bool {
        self == table || (self == Family::Int && table == Family::Float)
    }

    /// A word for messages.
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Family::Bool => "booleans",
            Family::Int => "integers",
            Family::Float => "floats",
            Family::Text => "text",
            Family::Binary => "bytes",
            Family::Date => "dates",
            Family::Datetime => "datetimes",
        }
    }
}

/// Which database a table is created in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    Sqlite,
    Postgres,
}

/// A frame column converted to one of the shapes the databases take, single-chunked.
#[derive(Debug)]
pub(crate) enum Values {
    Bool(BooleanChunked),
    Int(Int64Chunked),
    F32(Float32Chunked),
    F64(Float64Chunked),
    Text(StringChunked),
    Binary(BinaryChunked),
    /// Days since 1970-01-01.
    Date(Int32Chunked),
    /// Microseconds since 1970-01-01 00:00; `true` when the frame had a time zone (UTC here).
    Datetime(Int64Chunked, bool),
}

/// A column to write: its name, SQL type and values.
#[derive(Debug)]
pub(crate) struct OutColumn {
    pub(crate) name: String,
    pub(crate) sql_type: &'static str,
    pub(crate) family: Family,
    pub(crate) values: Values,
}

/// The frame's columns as SQL columns; the error names the column that cannot be stored.
pub(crate) fn out_columns(frame: &DataFrame, dialect: Dialect) -> Result<Vec<OutColumn>, String> {
    frame.columns().iter().map(|column| out_column(column, dialect)).collect()
}

fn out_column(column: &Column, dialect: Dialect) -> Result<OutColumn, String> {
    let name = column.name().to_string();
    let series = column.as_materialized_series().rechunk();
    let dtype = series.dtype().clone();
    let cast = |to: &DataType| {
        series.strict_cast(to).map_err(|error| {
            format!("column `{name}` ({dtype}) does not fit a SQL column: {error}")
        })
    };
    let pg = dialect == Dialect::Postgres;

    let (sql_type, family, values) = match &dtype {
        DataType::Boolean => {
            ("BOOLEAN", Family::Bool, Values::Bool(series.bool().cloned().map_err(text)?))
        }
        DataType::Int8 | DataType::Int16 | DataType::UInt8 => (
            "SMALLINT",
            Family::Int,
            Values::Int(cast(&DataType::Int64)?.i64().cloned().map_err(text)?),
        ),
        DataType::Int32 | DataType::UInt16 => (
            "INTEGER",
            Family::Int,
            Values::Int(cast(&DataType::Int64)?.i64().cloned().map_err(text)?),
        ),
        DataType::Int64 | DataType::UInt32 | DataType::UInt64 => (
            "BIGINT",
            Family::Int,
            Values::Int(cast(&DataType::Int64)?.i64().cloned().map_err(text)?),
        ),
        DataType::Float32 => {
            ("REAL", Family::Float, Values::F32(series.f32().cloned().map_err(text)?))
        }
        DataType::Float64 => (
            if pg { "DOUBLE PRECISION" } else { "FLOAT" },
            Family::Float,
            Values::F64(series.f64().cloned().map_err(text)?),
        ),
        DataType::String | DataType::Categorical(..) | DataType::Enum(..) | DataType::Null => (
            "TEXT",
            Family::Text,
            Values::Text(cast(&DataType::String)?.str().cloned().map_err(text)?),
        ),
        DataType::Binary => (
            if pg { "BYTEA" } else { "BLOB" },
            Family::Binary,
            Values::Binary(series.binary().cloned().map_err(text)?),
        ),
        DataType::Date => (
            "DATE",
            Family::Date,
            Values::Date(cast(&DataType::Int32)?.i32().cloned().map_err(text)?),
        ),
        DataType::Datetime(_, zone) => {
            if zone.is_some() && !pg {
                return Err(format!(
                    "column `{name}` ({dtype}) has a time zone, which SQLite cannot keep; convert \
                     it to UTC without a zone in the node, e.g. \
                     `.dt().convert_time_zone(\"UTC\").dt().replace_time_zone(None)`"
                ));
            }
            let micros = cast(&DataType::Datetime(TimeUnit::Microseconds, zone.clone()))?
                .cast(&DataType::Int64)
                .map_err(text)?;
            let sql_type = match (pg, zone.is_some()) {
                (true, true) => "TIMESTAMPTZ",
                (true, false) => "TIMESTAMP",
                (false, _) => "DATETIME",
            };
            (
                sql_type,
                Family::Datetime,
                Values::Datetime(micros.i64().cloned().map_err(text)?, zone.is_some()),
            )
        }
        other => {
            return Err(format!(
                "column `{name}` has type `{other}`, which SQL datasets cannot store; convert it \
                 in the node (e.g. to text) or save it to a Parquet dataset"
            ));
        }
    };
    Ok(OutColumn { name, sql_type, family, values })
}

fn text(error: impl std::fmt::Display) -> String {
    error.to_string()
}

/// `YYYY-MM-DD` for a day count since 1970-01-01.
pub(crate) fn format_date(days: i32) -> Option<String> {
    let date = NaiveDate::from_num_days_from_ce_opt(days.checked_add(UNIX_EPOCH_DAYS_FROM_CE)?)?;
    Some(date.format("%Y-%m-%d").to_string())
}

/// `YYYY-MM-DD HH:MM:SS.ffffff` for microseconds since 1970-01-01 00:00.
pub(crate) fn format_datetime(micros: i64) -> Option<String> {
    let moment = DateTime::from_timestamp_micros(micros)?.naive_utc();
    Some(moment.format("%Y-%m-%d %H:%M:%S%.6f").to_string())
}

/// Days since 1970-01-01 of `YYYY-MM-DD`.
pub(crate) fn parse_date(text: &str) -> Option<i32> {
    let date = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok()?;
    date.num_days_from_ce().checked_sub(UNIX_EPOCH_DAYS_FROM_CE)
}

/// Microseconds since 1970-01-01 00:00 of `YYYY-MM-DD HH:MM[:SS[.f]]` (or with a `T`), or of a
/// bare date (midnight).
pub(crate) fn parse_datetime(text: &str) -> Option<i64> {
    let text = text.trim();
    let formats =
        ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M"];
    let moment = formats
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
        .or_else(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?.and_hms_opt(0, 0, 0))?;
    Some(moment.and_utc().timestamp_micros())
}

/// A result column being filled row by row.
#[derive(Debug)]
pub(crate) enum Builder {
    Bool(Vec<Option<bool>>),
    I16(Vec<Option<i16>>),
    I32(Vec<Option<i32>>),
    I64(Vec<Option<i64>>),
    F32(Vec<Option<f32>>),
    F64(Vec<Option<f64>>),
    Text(Vec<Option<String>>),
    Binary(Vec<Option<Vec<u8>>>),
    /// Days since 1970-01-01.
    Date(Vec<Option<i32>>),
    /// Microseconds since 1970-01-01 00:00, and whether the values are UTC instants.
    Datetime(Vec<Option<i64>>, bool),
}

impl Builder {
    /// The finished column.
    pub(crate) fn finish(self, name: &str) -> Result<Column, String> {
        let name = PlSmallStr::from(name);
        let series = match self {
            Builder::Bool(values) => Series::new(name, values),
            Builder::I16(values) => Series::new(name, values),
            Builder::I32(values) => Series::new(name, values),
            Builder::I64(values) => Series::new(name, values),
            Builder::F32(values) => Series::new(name, values),
            Builder::F64(values) => Series::new(name, values),
            Builder::Text(values) => Series::new(name, values),
            Builder::Binary(values) => Series::new(name, values),
            Builder::Date(values) => {
                Series::new(name, values).cast(&DataType::Date).map_err(text)?
            }
            Builder::Datetime(values, utc) => {
                let zone = utc.then_some(TimeZone::UTC);
                Series::new(name, values)
                    .cast(&DataType::Datetime(TimeUnit::Microseconds, zone))
                    .map_err(text)?
            }
        };
        Ok(series.into_column())
    }
}

/// A frame of `height` rows from finished columns.
pub(crate) fn frame(height: usize, columns: Vec<Column>) -> Result<DataFrame, String> {
    DataFrame::new(height, columns).map_err(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars::df;

    #[test]
    fn declared_types_fall_into_families_as_sqlite_and_postgres_name_them() {
        let cases = [
            ("BIGINT", Some(Family::Int)),
            ("integer", Some(Family::Int)),
            ("character varying(20)", Some(Family::Text)),
            ("double precision", Some(Family::Float)),
            ("numeric(10,2)", Some(Family::Float)),
            ("timestamp without time zone", Some(Family::Datetime)),
            ("DATETIME", Some(Family::Datetime)),
            ("DATE", Some(Family::Date)),
            ("BOOLEAN", Some(Family::Bool)),
            ("bytea", Some(Family::Binary)),
            ("interval", None),
            ("", None),
        ];
        for (declared, family) in cases {
            assert_eq!(Family::of_declared(declared), family, "{declared}");
        }
    }

    #[test]
    fn dates_use_sqlalchemy_text_layout() {
        // Python: (date(2024, 2, 29) - date(1970, 1, 1)).days == 19782
        assert_eq!(format_date(19_782).as_deref(), Some("2024-02-29"));
        assert_eq!(parse_date("2024-02-29"), Some(19_782));
        // Python: datetime(2024, 2, 29, 12, 30, 1, 5).replace(tzinfo=utc).timestamp() * 1e6
        let micros = 1_709_209_801_000_005;
        assert_eq!(format_datetime(micros).as_deref(), Some("2024-02-29 12:30:01.000005"));
        assert_eq!(parse_datetime("2024-02-29 12:30:01.000005"), Some(micros));
        assert_eq!(parse_datetime("2024-02-29T12:30:01.000005"), Some(micros));
        assert_eq!(parse_datetime("2024-02-29 12:30:01"), Some(micros - 5));
    }

    #[test]
    fn unsupported_columns_are_named() {
        let frame = df!("ok" => [1i64]).unwrap();
        let mut columns = frame.columns().to_vec();
        let list = Series::new("tags".into(), [Series::new("".into(), [1i64, 2])]);
        columns.push(list.into_column());
        let frame = DataFrame::new(1, columns).unwrap();
        let error = out_columns(&frame, Dialect::Sqlite).unwrap_err();
        assert!(error.contains("column `tags`") && error.contains("list"), "{error}");
    }
}
