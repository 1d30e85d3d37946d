//! SQLite through `rusqlite` (the bundled library): loads, saves and table checks on one file.
//!
//! Loads open the file read-only, so a load never creates a database. A save runs in one
//! `BEGIN IMMEDIATE` transaction: the table check, `DROP`/`CREATE` for `replace`, and every row
//! through one prepared `INSERT`, so a failure leaves the old table as it was.
//!
//! Result columns take their type from the declared column type when SQLite reports one (a table
//! column read as is), following SQLite's affinity rules, and otherwise from the values (an
//! expression): integers only give `Int64`, integers and reals `Float64`, text `String`, blobs
//! `Binary`; a column with no values at all is `String`.
//!
//! # Limitations
//!
//! - SQLite stores a float `NaN` as `NULL`, so `NaN` loads back as null (as with pandas).
//! - A value that does not fit the column's declared type (SQLite allows text in an `INTEGER`
//!   column) is an error naming the column and row rather than a silent conversion.

use std::path::Path;
use std::time::Duration;

use polars::prelude::DataFrame;
use rusqlite::types::Value as SqlValue;
use rusqlite::{OpenFlags, TransactionBehavior, params_from_iter};
use serde_json::Value;

use super::types::{self, Builder, Dialect, Family, OutColumn, Values};
use super::{DbError, IfExists, quote_ident};

/// How long a statement waits for another writer to finish before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Whether the table (or view) exists; a missing file has no tables.
pub(crate) fn exists(path: &Path, schema: Option<&str>, table: &str) -> Result<bool, DbError> {
    if !path.exists() {
        return Ok(false);
    }
    let connection = open_read(path)?;
    table_kind(&connection, schema, table).map(|kind| kind.is_some())
}

/// The tables and views of the database, for "did you mean" hints.
pub(crate) fn tables(path: &Path, schema: Option<&str>) -> Result<Vec<String>, DbError> {
    if !path.exists() {
        return Ok(Vec::new());
    }
    let connection = open_read(path)?;
    let sql = format!(
        "SELECT name FROM {}.sqlite_master WHERE type IN ('table', 'view') \
         AND name NOT LIKE 'sqlite_%' ORDER BY name",
        quote_ident(schema.unwrap_or("main"))
    );
    let mut statement = connection.prepare(&sql).map_err(sql_error)?;
    let names = statement
        .query_map([], |row| row.get::<_, String>(0))
        .and_then(Iterator::collect::<Result<Vec<_>, _>>)
        .map_err(sql_error)?;
    Ok(names)
}

/// The result of `sql` with `params` bound to `?1`, `?2`...
pub(crate) fn query(path: &Path, sql: &str, params: &[Value]) -> Result<DataFrame, DbError> {
    if !path.exists() {
        return Err(DbError::new(
            format!("the SQLite database file `{}` does not exist", path.display()),
            Some(
                "run the pipeline that saves to it first, or fix the file in the `con` \
                 connection string"
                    .to_owned(),
            ),
        ));
    }
    let connection = open_read(path)?;
    let mut statement = connection.prepare(sql).map_err(sql_error)?;
    let names: Vec<String> = statement.column_names().map(str::to_owned).collect();
    if names.is_empty() {
        return Err(DbError::new(
            "the query returns no columns".to_owned(),
            Some("a query dataset runs one `SELECT` (or `WITH ... SELECT`) statement".to_owned()),
        ));
    }
    let declared: Vec<Option<String>> =
        statement.columns().map(|column| column.decl_type().map(str::to_owned)).collect();

    let bound = params.iter().map(sql_value).collect::<Result<Vec<_>, _>>()?;
    let mut cells: Vec<Vec<SqlValue>> = vec![Vec::new(); names.len()];
    let mut rows = statement.query(params_from_iter(bound)).map_err(sql_error)?;
    while let Some(row) = rows.next().map_err(sql_error)? {
        for (index, column) in cells.iter_mut().enumerate() {
            column.push(row.get::<_, SqlValue>(index).map_err(sql_error)?);
        }
    }

    let height = cells.first().map_or(0, Vec::len);
    let mut columns = Vec::with_capacity(names.len());
    for ((name, declared), values) in names.iter().zip(&declared).zip(cells) {
        let builder = column_of(name, declared.as_deref(), &values)?;
        columns.push(builder.finish(name).map_err(DbError::plain)?);
    }
    types::frame(height, columns).map_err(DbError::plain)
}

/// Writes `frame` to the table in one transaction.
pub(crate) fn save(
    path: &Path,
    schema: Option<&str>,
    table: &str,
    frame: &DataFrame,
    if_exists: IfExists,
) -> Result<(), DbError> {
    let columns = types::out_columns(frame, Dialect::Sqlite).map_err(DbError::plain)?;
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|error| {
            DbError::plain(format!("cannot create the folder `{}`: {error}", parent.display()))
        })?;
    }
    let mut connection = rusqlite::Connection::open(path).map_err(open_error)?;
    connection.busy_timeout(BUSY_TIMEOUT).map_err(sql_error)?;
    let transaction =
        connection.transaction_with_behavior(TransactionBehavior::Immediate).map_err(sql_error)?;

    let qualified = qualified(schema, table);
    let existing = table_kind(&transaction, schema, table)?;
    match (existing.as_deref(), if_exists) {
        (None, _) => {
            transaction.execute_batch(&create_sql(&qualified, &columns)).map_err(sql_error)?;
        }
        (Some(_), IfExists::Fail) => return Err(DbError::table_exists(table)),
        (Some(kind), IfExists::Replace) => {
            let drop = if kind == "view" { "DROP VIEW" } else { "DROP TABLE" };
            let sql = format!("{drop} {qualified}; {}", create_sql(&qualified, &columns));
            transaction.execute_batch(&sql).map_err(sql_error)?;
        }
        (Some(_), IfExists::Append) => {
            let present = table_columns(&transaction, schema, table)?;
            super::check_append(table, &columns, &present, true)?;
        }
    }

    insert(&transaction, &qualified, &columns, frame.height())?;
    transaction.commit().map_err(sql_error)
}

fn insert(
    transaction: &rusqlite::Transaction<'_>,
    qualified: &str,
    columns: &[OutColumn],
    height: usize,
) -> Result<(), DbError> {
    let names: Vec<String> = columns.iter().map(|column| quote_ident(&column.name)).collect();
    let slots: Vec<String> = (1..=columns.len()).map(|index| format!("?{index}")).collect();
    let sql =
        format!("INSERT INTO {qualified} ({}) VALUES ({})", names.join(", "), slots.join(", "));
    let mut statement = transaction.prepare(&sql).map_err(sql_error)?;
    for row in 0..height {
        for (index, column) in columns.iter().enumerate() {
            bind(&mut statement, index + 1, &column.values, row).map_err(sql_error)?;
        }
        statement.raw_execute().map_err(sql_error)?;
    }
    Ok(())
}

fn bind(
    statement: &mut rusqlite::Statement<'_>,
    slot: usize,
    values: &Values,
    row: usize,
) -> rusqlite::Result<()> {
    match values {
        Values::Bool(values) => statement.raw_bind_parameter(slot, values.get(row)),
        Values::Int(values) => statement.raw_bind_parameter(slot, values.get(row)),
        // Through the shortest text, so 0.1f32 is stored as 0.1 rather than 0.100000001490116.
        Values::F32(values) => statement.raw_bind_parameter(
            slot,
            values.get(row).and_then(|x| x.to_string().parse::<f64>().ok()),
        ),
        Values::F64(values) => statement.raw_bind_parameter(slot, values.get(row)),
        Values::Text(values) => statement.raw_bind_parameter(slot, values.get(row)),
        Values::Binary(values) => statement.raw_bind_parameter(slot, values.get(row)),
        Values::Date(values) => {
            statement.raw_bind_parameter(slot, values.get(row).and_then(types::format_date))
        }
        Values::Datetime(values, _) => {
            statement.raw_bind_parameter(slot, values.get(row).and_then(types::format_datetime))
        }
    }
}

fn create_sql(qualified: &str, columns: &[OutColumn]) -> String {
    let definitions: Vec<String> = columns
        .iter()
        .map(|column| format!("{} {}", quote_ident(&column.name), column.sql_type))
        .collect();
    format!("CREATE TABLE {qualified} ({})", definitions.join(", "))
}

fn qualified(schema: Option<&str>, table: &str) -> String {
    match schema {
        Some(schema) => format!("{}.{}", quote_ident(schema), quote_ident(table)),
        None => quote_ident(table),
    }
}

/// `table` or `view` when `table` exists, else `None`.
fn table_kind(
    connection: &rusqlite::Connection,
    schema: Option<&str>,
    table: &str,
) -> Result<Option<String>, DbError> {
    let sql = format!(
        "SELECT type FROM {}.sqlite_master WHERE name = ?1 AND type IN ('table', 'view')",
        quote_ident(schema.unwrap_or("main"))
    );
    let mut statement = connection.prepare(&sql).map_err(sql_error)?;
    let mut rows = statement.query([table]).map_err(sql_error)?;
    match rows.next().map_err(sql_error)? {
        Some(row) => Ok(Some(row.get(0).map_err(sql_error)?)),
        None => Ok(None),
    }
}

/// The table's columns with their declared types.
fn table_columns(
    connection: &rusqlite::Connection,
    schema: Option<&str>,
    table: &str,
) -> Result<Vec<(String, String)>, DbError> {
    let sql = format!(
        "PRAGMA {}.table_info({})",
        quote_ident(schema.unwrap_or("main")),
        quote_ident(table)
    );
    let mut statement = connection.prepare(&sql).map_err(sql_error)?;
    let columns = statement
        .query_map([], |row| Ok((row.get::<_, String>(1)?, row.get::<_, String>(2)?)))
        .and_then(Iterator::collect::<Result<Vec<_>, _>>)
        .map_err(sql_error)?;
    Ok(columns)
}

fn open_read(path: &Path) -> Result<rusqlite::Connection, DbError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let connection = rusqlite::Connection::open_with_flags(path, flags).map_err(open_error)?;
    connection.busy_timeout(BUSY_TIMEOUT).map_err(sql_error)?;
    Ok(connection)
}

#[expect(clippy::needless_pass_by_value, reason = "a `map_err` function")]
fn open_error(error: rusqlite::Error) -> DbError {
    DbError::new(
        format!("cannot open the SQLite database: {error}"),
        Some("check that the file in `con` is a SQLite database you can read and write".to_owned()),
    )
}

/// A failure reported by SQLite, with a hint chosen from its message.
#[expect(clippy::needless_pass_by_value, reason = "a `map_err` function")]
fn sql_error(error: rusqlite::Error) -> DbError {
    let message = error.to_string();
    let hint = if message.contains("syntax error") || message.contains("incomplete input") {
        Some("check the SQL; `sqlite3 <file> '<query>'` shows the same error".to_owned())
    } else if message.contains("no such column") {
        Some("check the column names (`load_args.columns` or the query)".to_owned())
    } else if message.contains("database is locked") {
        Some("another process holds a write lock on the database; retry when it is done".to_owned())
    } else if message.contains("no such table") {
        Some("check the table names in the query, or save the table first".to_owned())
    } else {
        None
    };
    DbError::new(format!("SQLite: {message}"), hint)
}

fn sql_value(value: &Value) -> Result<SqlValue, DbError> {
    Ok(match value {
        Value::Null => SqlValue::Null,
        Value::Bool(flag) => SqlValue::Integer(i64::from(*flag)),
        Value::Number(number) => match number.as_i64() {
            Some(integer) => SqlValue::Integer(integer),
            None => SqlValue::Real(number.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(text) => SqlValue::Text(text.clone()),
        Value::Array(_) | Value::Object(_) => {
            return Err(DbError::new(
                "a query parameter is a list or mapping; parameters are single values".to_owned(),
                Some("give each placeholder one number, string, boolean or null".to_owned()),
            ));
        }
    })
}

/// Builds a result column from the values SQLite returned, typed by the declaration if any.
fn column_of(name: &str, declared: Option<&str>, values: &[SqlValue]) -> Result<Builder, DbError> {
    let family = declared.and_then(Family::of_declared).unwrap_or_else(|| inferred(values));
    let misfit = |row: usize, value: &SqlValue| {
        let what = match value {
            SqlValue::Null => "null".to_owned(),
            SqlValue::Integer(integer) => format!("the integer {integer}"),
            SqlValue::Real(real) => format!("the real {real}"),
            SqlValue::Text(text) => {
                format!("the text `{}`", text.chars().take(40).collect::<String>())
            }
            SqlValue::Blob(blob) => format!("a blob of {} bytes", blob.len()),
        };
        let declared = declared
            .map_or_else(|| "holds mixed values".to_owned(), |d| format!("is declared `{d}`"));
        DbError::new(
            format!("column `{name}` {declared} but row {} holds {what}", row + 1),
            Some(format!(
                "fix the data, or read it with a `weir.SQLQueryDataset` that converts it, e.g. \
                 `SELECT CAST(\"{name}\" AS TEXT) AS \"{name}\" FROM ...`"
            )),
        )
    };

    Ok(match family {
        Family::Bool => Builder::Bool(convert(values, &misfit, |value| match value {
            SqlValue::Integer(0) => Some(false),
            SqlValue::Integer(1) => Some(true),
            _ => None,
        })?),
        Family::Int => Builder::I64(convert(values, &misfit, |value| match value {
            SqlValue::Integer(integer) => Some(*integer),
            _ => None,
        })?),
        Family::Float => Builder::F64(convert(values, &misfit, |value| match value {
            SqlValue::Integer(integer) => Some(float_of(*integer)),
            SqlValue::Real(real) => Some(*real),
            _ => None,
        })?),
        Family::Binary => Builder::Binary(convert(values, &misfit, |value| match value {
            SqlValue::Blob(bytes) => Some(bytes.clone()),
            _ => None,
        })?),
        Family::Date => Builder::Date(convert(values, &misfit, |value| match value {
            SqlValue::Text(text) => types::parse_date(text),
            _ => None,
        })?),
        Family::Datetime => Builder::Datetime(
            convert(values, &misfit, |value| match value {
                SqlValue::Text(text) => types::parse_datetime(text),
                _ => None,
            })?,
            false,
        ),
        Family::Text => Builder::Text(convert(values, &misfit, |value| match value {
            SqlValue::Text(text) => Some(text.clone()),
            _ => None,
        })?),
    })
}

/// Each value through `pick`, nulls kept; a value `pick` refuses is reported by `misfit`.
fn convert<T>(
    values: &[SqlValue],
    misfit: &dyn Fn(usize, &SqlValue) -> DbError,
    pick: impl Fn(&SqlValue) -> Option<T>,
) -> Result<Vec<Option<T>>, DbError> {
    values
        .iter()
        .enumerate()
        .map(|(row, value)| match value {
            SqlValue::Null => Ok(None),
            other => pick(other).map(Some).ok_or_else(|| misfit(row, other)),
        })
        .collect()
}

/// What a column without a declared type holds, judged from its values.
fn inferred(values: &[SqlValue]) -> Family {
    let (mut integers, mut reals, mut texts, mut blobs) = (false, false, false, false);
    for value in values {
        match value {
            SqlValue::Null => {}
            SqlValue::Integer(_) => integers = true,
            SqlValue::Real(_) => reals = true,
            SqlValue::Text(_) => texts = true,
            SqlValue::Blob(_) => blobs = true,
        }
    }
    match (integers, reals, texts, blobs) {
        (true, false, false, false) => Family::Int,
        (_, true, false, false) => Family::Float,
        (false, false, false, true) => Family::Binary,
        // Text only, nothing at all, or a mix, which the text conversion reports by row.
        _ => Family::Text,
    }
}

/// An integer in a float column, converted as SQLite does (`CAST(x AS REAL)`).
#[expect(clippy::cast_precision_loss, reason = "SQLite's own integer-to-real conversion")]
fn float_of(integer: i64) -> f64 {
    integer as f64
}
