//! PostgreSQL through the blocking `postgres` client, without TLS (see [`super::connection`]).
//!
//! A save runs in one transaction: the table check, `DROP`/`CREATE` for `replace`, and the rows
//! sent with `COPY ... FROM STDIN` (text format), so a failure leaves the old table as it was.
//! Loads prepare the statement first, so result columns take the types PostgreSQL reports even
//! when no row comes back.
//!
//! Query parameters are sent as text and typed by the server from the query, so `5` binds to
//! an `integer` placeholder and `'2024-01-01'` to a `date` one without casts.
//!
//! Result types: `boolean`, `smallint`, `integer`, `bigint`, `oid`, `real`, `double precision`,
//! `numeric` (as `Float64`), `text`/`varchar`/`char(n)`/`name`/enums/`json`/`jsonb`/`uuid`/`xml`
//! (as `String`), `bytea`, `date`, `timestamp` and `timestamptz` (as UTC). Other types (arrays,
//! intervals, geometric types...) are refused with the column named: cast them in the query.

use std::error::Error as StdError;
use std::fmt::Write as _;
use std::io::Write as _;

use bytes::BytesMut;
use polars::prelude::DataFrame;
use postgres::types::{Format, FromSql, IsNull, Kind, ToSql, Type, to_sql_checked};
use postgres::{Client, NoTls};
use serde_json::Value;

use super::types::{self, Builder, Dialect, OutColumn, Values};
use super::{DbError, IfExists, quote_ident};

/// 2000-01-01, PostgreSQL's epoch, in days and microseconds after 1970-01-01.
const PG_EPOCH_DAYS: i32 = 10_957;
const PG_EPOCH_MICROS: i64 = 946_684_800_000_000;

/// Bytes of COPY data gathered before they are handed to the connection.
const COPY_CHUNK: usize = 1 << 16;

/// Opens a connection.
pub(crate) fn connect(config: &postgres::Config) -> Result<Client, DbError> {
    config.connect(NoTls).map_err(|error| {
        let (detail, _) = describe(&error, None);
        let hint = match error.code().map(postgres::error::SqlState::code) {
            Some("28P01" | "28000") => "check the user and password in `con`",
            Some("3D000") => "create the database (`createdb <name>`) or fix its name in `con`",
            _ => {
                "check that the server is running and that `con` names the right host, port, \
                 database and user"
            }
        };
        DbError::new(format!("cannot connect to PostgreSQL: {detail}"), Some(hint.to_owned()))
    })
}

/// Whether the table (or view) exists.
pub(crate) fn exists(
    config: &postgres::Config,
    schema: Option<&str>,
    table: &str,
) -> Result<bool, DbError> {
    let mut client = connect(config)?;
    table_kind(&mut client, schema, table).map(|kind| kind.is_some())
}

/// The tables and views of the schema, for "did you mean" hints.
pub(crate) fn tables(
    config: &postgres::Config,
    schema: Option<&str>,
) -> Result<Vec<String>, DbError> {
    let mut client = connect(config)?;
    let sql = "SELECT c.relname::text FROM pg_catalog.pg_class c \
               JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
               WHERE n.nspname = COALESCE($1, current_schema()) \
               AND c.relkind IN ('r', 'v', 'm', 'p', 'f') ORDER BY 1";
    let rows = client
        .query(sql, &[&TextParam(schema.map(str::to_owned))])
        .map_err(|e| db_error(&e, Some(sql)))?;
    Ok(rows.iter().map(|row| row.get::<_, String>(0)).collect())
}

/// The result of `sql` with `params` bound to `$1`, `$2`...
pub(crate) fn query(
    config: &postgres::Config,
    sql: &str,
    params: &[Value],
) -> Result<DataFrame, DbError> {
    let mut client = connect(config)?;
    let statement = client.prepare(sql).map_err(|error| db_error(&error, Some(sql)))?;
    let columns = statement.columns();
    if columns.is_empty() {
        return Err(DbError::new(
            "the query returns no columns".to_owned(),
            Some("a query dataset runs one `SELECT` (or `WITH ... SELECT`) statement".to_owned()),
        ));
    }
    let decoders = columns
        .iter()
        .map(|column| {
            Decoder::of(column.type_()).ok_or_else(|| {
                DbError::new(
                    format!(
                        "column `{}` has the PostgreSQL type `{}`, which weir cannot load",
                        column.name(),
                        column.type_()
                    ),
                    Some(format!(
                        "convert it in the query, e.g. `SELECT \"{0}\"::text AS \"{0}\"`",
                        column.name()
                    )),
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()?;

    let bound = params.iter().map(text_param).collect::<Result<Vec<_>, _>>()?;
    let references: Vec<&(dyn ToSql + Sync)> =
        bound.iter().map(|param| param as &(dyn ToSql + Sync)).collect();
    let rows =
        client.query(&statement, &references).map_err(|error| db_error(&error, Some(sql)))?;

    let mut builders: Vec<Builder> =
        decoders.iter().map(|decoder| decoder.builder(rows.len())).collect();
    for row in &rows {
        for (index, (builder, decoder)) in builders.iter_mut().zip(&decoders).enumerate() {
            let raw =
                row.try_get::<_, Option<Raw<'_>>>(index).map_err(|error| db_error(&error, None))?;
            decoder.push(builder, raw.map(|raw| raw.0)).map_err(|message| {
                DbError::plain(format!("column `{}`: {message}", columns[index].name()))
            })?;
        }
    }

    let mut finished = Vec::with_capacity(builders.len());
    for (builder, column) in builders.into_iter().zip(columns) {
        finished.push(builder.finish(column.name()).map_err(DbError::plain)?);
    }
    types::frame(rows.len(), finished).map_err(DbError::plain)
}

/// Writes `frame` to the table in one transaction.
pub(crate) fn save(
    config: &postgres::Config,
    schema: Option<&str>,
    table: &str,
    frame: &DataFrame,
    if_exists: IfExists,
) -> Result<(), DbError> {
    let columns = types::out_columns(frame, Dialect::Postgres).map_err(DbError::plain)?;
    let mut client = connect(config)?;
    let mut transaction = client.transaction().map_err(|error| db_error(&error, None))?;

    let qualified = match schema {
        Some(schema) => format!("{}.{}", quote_ident(schema), quote_ident(table)),
        None => quote_ident(table),
    };
    let existing = table_kind(&mut transaction, schema, table)?;
    let create = create_sql(&qualified, &columns);
    let setup = match (existing.as_deref(), if_exists) {
        (None, _) => Some(create),
        (Some(_), IfExists::Fail) => return Err(DbError::table_exists(table)),
        (Some("r" | "p"), IfExists::Replace) => Some(format!("DROP TABLE {qualified}; {create}")),
        (Some("v"), IfExists::Replace) => Some(format!("DROP VIEW {qualified}; {create}")),
        (Some(_), IfExists::Replace) => {
            return Err(DbError::new(
                format!(
                    "`{table}` is a materialized view or foreign table, which weir does not drop"
                ),
                Some("drop it yourself, or save to another `table_name`".to_owned()),
            ));
        }
        (Some(_), IfExists::Append) => {
            let present = table_columns(&mut transaction, schema, table)?;
            super::check_append(table, &columns, &present, false)?;
            None
        }
    };
    if let Some(setup) = setup {
        transaction.batch_execute(&setup).map_err(|error| db_error(&error, Some(&setup)))?;
    }

    copy_rows(&mut transaction, &qualified, &columns, frame.height())?;
    transaction.commit().map_err(|error| db_error(&error, None))
}

fn create_sql(qualified: &str, columns: &[OutColumn]) -> String {
    let definitions: Vec<String> = columns
        .iter()
        .map(|column| format!("{} {}", quote_ident(&column.name), column.sql_type))
        .collect();
    format!("CREATE TABLE {qualified} ({})", definitions.join(", "))
}

fn copy_rows(
    transaction: &mut postgres::Transaction<'_>,
    qualified: &str,
    columns: &[OutColumn],
    height: usize,
) -> Result<(), DbError> {
    let names: Vec<String> = columns.iter().map(|column| quote_ident(&column.name)).collect();
    let copy = format!("COPY {qualified} ({}) FROM STDIN", names.join(", "));
    let mut writer = transaction.copy_in(&copy).map_err(|error| db_error(&error, None))?;

    let mut buffer = String::with_capacity(COPY_CHUNK + 1024);
    let mut sent = Ok(());
    for row in 0..height {
        for (index, column) in columns.iter().enumerate() {
            if index > 0 {
                buffer.push('\t');
            }
            write_cell(&mut buffer, &column.values, row).map_err(|message| {
                DbError::plain(format!("column `{}`, row {}: {message}", column.name, row + 1))
            })?;
        }
        buffer.push('\n');
        if buffer.len() >= COPY_CHUNK {
            sent = writer.write_all(buffer.as_bytes());
            buffer.clear();
            if sent.is_err() {
                break;
            }
        }
    }
    if sent.is_ok() {
        sent = writer.write_all(buffer.as_bytes());
    }
    // The server's own error (a value that does not fit, say) arrives at `finish`; a failed
    // write only says the stream broke.
    let finished = writer.finish().map_err(|error| db_error(&error, None));
    match (finished, sent) {
        (Err(error), _) => Err(error),
        (Ok(_), Err(error)) => {
            Err(DbError::plain(format!("sending rows to PostgreSQL failed: {error}")))
        }
        (Ok(_), Ok(())) => Ok(()),
    }
}

/// One value in COPY's text format (`\N` for null).
fn write_cell(out: &mut String, values: &Values, row: usize) -> Result<(), String> {
    const NULL: &str = "\\N";
    match values {
        Values::Bool(values) => out.push_str(match values.get(row) {
            Some(true) => "t",
            Some(false) => "f",
            None => NULL,
        }),
        Values::Int(values) => match values.get(row) {
            Some(integer) => {
                let _ = write!(out, "{integer}");
            }
            None => out.push_str(NULL),
        },
        Values::F32(values) => match values.get(row) {
            Some(x) => write_float(out, f64::from(x), &x.to_string()),
            None => out.push_str(NULL),
        },
        Values::F64(values) => match values.get(row) {
            Some(x) => write_float(out, x, &format!("{x:?}")),
            None => out.push_str(NULL),
        },
        Values::Text(values) => match values.get(row) {
            Some(text) => escape_text(out, text)?,
            None => out.push_str(NULL),
        },
        Values::Binary(values) => match values.get(row) {
            Some(bytes) => {
                out.push_str("\\\\x");
                for byte in bytes {
                    let _ = write!(out, "{byte:02x}");
                }
            }
            None => out.push_str(NULL),
        },
        Values::Date(values) => match values.get(row) {
            Some(days) => {
                out.push_str(&types::format_date(days).ok_or("the date is out of range")?);
            }
            None => out.push_str(NULL),
        },
        Values::Datetime(values, utc) => match values.get(row) {
            Some(micros) => {
                let text = types::format_datetime(micros).ok_or("the datetime is out of range")?;
                out.push_str(&text);
                if *utc {
                    out.push_str("+00");
                }
            }
            None => out.push_str(NULL),
        },
    }
    Ok(())
}

fn write_float(out: &mut String, value: f64, shortest: &str) {
    if value.is_nan() {
        out.push_str("NaN");
    } else if value.is_infinite() {
        out.push_str(if value > 0.0 { "Infinity" } else { "-Infinity" });
    } else {
        out.push_str(shortest);
    }
}

fn escape_text(out: &mut String, text: &str) -> Result<(), String> {
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\0' => {
                return Err(
                    "the text holds a NUL character, which PostgreSQL text cannot store".to_owned()
                );
            }
            other => out.push(other),
        }
    }
    Ok(())
}

/// `r` (table), `v` (view), `m`, `p` or `f` when `table` exists, else `None`.
fn table_kind(
    client: &mut impl postgres::GenericClient,
    schema: Option<&str>,
    table: &str,
) -> Result<Option<String>, DbError> {
    let sql = "SELECT c.relkind::text FROM pg_catalog.pg_class c \
               JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
               WHERE c.relname = $1 AND n.nspname = COALESCE($2, current_schema()) \
               AND c.relkind IN ('r', 'v', 'm', 'p', 'f')";
    let params = [TextParam(Some(table.to_owned())), TextParam(schema.map(str::to_owned))];
    let rows = client
        .query(sql, &[&params[0], &params[1]])
        .map_err(|error| db_error(&error, Some(sql)))?;
    Ok(rows.first().map(|row| row.get::<_, String>(0)))
}

/// The table's columns with their types as `format_type` spells them.
fn table_columns(
    client: &mut impl postgres::GenericClient,
    schema: Option<&str>,
    table: &str,
) -> Result<Vec<(String, String)>, DbError> {
    let sql = "SELECT a.attname::text, format_type(a.atttypid, a.atttypmod) \
               FROM pg_catalog.pg_attribute a \
               JOIN pg_catalog.pg_class c ON c.oid = a.attrelid \
               JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
               WHERE c.relname = $1 AND n.nspname = COALESCE($2, current_schema()) \
               AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum";
    let params = [TextParam(Some(table.to_owned())), TextParam(schema.map(str::to_owned))];
    let rows = client
        .query(sql, &[&params[0], &params[1]])
        .map_err(|error| db_error(&error, Some(sql)))?;
    Ok(rows.iter().map(|row| (row.get::<_, String>(0), row.get::<_, String>(1))).collect())
}

/// A failure reported by PostgreSQL, with its detail, context and a hint chosen by SQLSTATE.
fn db_error(error: &postgres::Error, sql: Option<&str>) -> DbError {
    let (message, server_hint) = describe(error, sql);
    let ours = match error.code().map(postgres::error::SqlState::code) {
        Some("42601") => Some("check the SQL; `psql -c '<query>'` shows the same error"),
        Some("42P01") => Some("check the table names in the query, or save the table first"),
        Some("42703") => Some("check the column names (`load_args.columns` or the query)"),
        Some("42501") => Some("the user in `con` lacks a privilege; ask for a `GRANT`"),
        Some(code) if code.starts_with("22") || code == "42804" => Some(
            "a value does not fit its column's type; convert the column in the node, or save \
             with `if_exists: replace` to recreate the table",
        ),
        _ => None,
    };
    let hint = match (server_hint, ours) {
        (Some(server), Some(ours)) => Some(format!("{ours} (PostgreSQL: {server})")),
        (Some(server), None) => Some(server),
        (None, ours) => ours.map(str::to_owned),
    };
    DbError::new(format!("PostgreSQL: {message}"), hint)
}

/// The server's message with its detail, where it happened and the query text at the error's
/// position; and the server's own hint.
fn describe(error: &postgres::Error, sql: Option<&str>) -> (String, Option<String>) {
    let Some(db) = error.as_db_error() else {
        let mut text = error.to_string();
        if let Some(source) = error.source() {
            let _ = write!(text, ": {source}");
        }
        return (text, None);
    };
    let mut text = db.message().to_owned();
    if let (Some(postgres::error::ErrorPosition::Original(position)), Some(sql)) =
        (db.position(), sql)
    {
        let skip = usize::try_from(*position).unwrap_or(0).saturating_sub(1);
        let at: String = sql.chars().skip(skip).take(40).collect();
        let _ = write!(text, " at `{}`", at.trim_end());
    }
    if let Some(detail) = db.detail() {
        let _ = write!(text, " ({detail})");
    }
    if let Some(place) = db.where_() {
        let _ = write!(text, " [{place}]");
    }
    (text, db.hint().map(str::to_owned))
}

/// A query parameter sent as text, typed by the server.
#[derive(Debug)]
struct TextParam(Option<String>);

impl ToSql for TextParam {
    fn to_sql(
        &self,
        _ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn StdError + Sync + Send>> {
        match &self.0 {
            Some(text) => {
                out.extend_from_slice(text.as_bytes());
                Ok(IsNull::No)
            }
            None => Ok(IsNull::Yes),
        }
    }

    fn accepts(_ty: &Type) -> bool {
        true
    }

    fn encode_format(&self, _ty: &Type) -> Format {
        Format::Text
    }

    to_sql_checked!();
}

fn text_param(value: &Value) -> Result<TextParam, DbError> {
    Ok(TextParam(match value {
        Value::Null => None,
        Value::Bool(flag) => Some(flag.to_string()),
        Value::Number(number) => Some(number.to_string()),
        Value::String(text) => Some(text.clone()),
        Value::Array(_) | Value::Object(_) => {
            return Err(DbError::new(
                "a query parameter is a list or mapping; parameters are single values".to_owned(),
                Some("give each placeholder one number, string, boolean or null".to_owned()),
            ));
        }
    }))
}

/// A value's bytes in PostgreSQL's binary format, decoded by [`Decoder`].
struct Raw<'a>(&'a [u8]);

impl<'a> FromSql<'a> for Raw<'a> {
    fn from_sql(_ty: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn StdError + Sync + Send>> {
        Ok(Raw(raw))
    }

    fn accepts(_ty: &Type) -> bool {
        true
    }
}

/// How one result column's binary values become Polars values.
#[derive(Debug, Clone, Copy)]
enum Decoder {
    Bool,
    I16,
    I32,
    I64,
    Oid,
    F32,
    F64,
    Numeric,
    Text,
    Jsonb,
    Uuid,
    Bytea,
    Date,
    Timestamp,
    TimestampTz,
}

impl Decoder {
    fn of(ty: &Type) -> Option<Decoder> {
        match ty.kind() {
            Kind::Enum(_) => return Some(Decoder::Text),
            Kind::Domain(inner) => return Decoder::of(inner),
            _ => {}
        }
        let known = [
            (Type::BOOL, Decoder::Bool),
            (Type::INT2, Decoder::I16),
            (Type::INT4, Decoder::I32),
            (Type::INT8, Decoder::I64),
            (Type::OID, Decoder::Oid),
            (Type::FLOAT4, Decoder::F32),
            (Type::FLOAT8, Decoder::F64),
            (Type::NUMERIC, Decoder::Numeric),
            (Type::TEXT, Decoder::Text),
            (Type::VARCHAR, Decoder::Text),
            (Type::BPCHAR, Decoder::Text),
            (Type::NAME, Decoder::Text),
            (Type::UNKNOWN, Decoder::Text),
            (Type::JSON, Decoder::Text),
            (Type::XML, Decoder::Text),
            (Type::JSONB, Decoder::Jsonb),
            (Type::UUID, Decoder::Uuid),
            (Type::BYTEA, Decoder::Bytea),
            (Type::DATE, Decoder::Date),
            (Type::TIMESTAMP, Decoder::Timestamp),
            (Type::TIMESTAMPTZ, Decoder::TimestampTz),
        ];
        let found = known.iter().find(|(known, _)| known == ty).map(|(_, decoder)| *decoder);
        found.or_else(|| (ty.name() == "citext").then_some(Decoder::Text))
    }

    fn builder(self, rows: usize) -> Builder {
        match self {
            Decoder::Bool => Builder::Bool(Vec::with_capacity(rows)),
            Decoder::I16 => Builder::I16(Vec::with_capacity(rows)),
            Decoder::I32 => Builder::I32(Vec::with_capacity(rows)),
            Decoder::I64 | Decoder::Oid => Builder::I64(Vec::with_capacity(rows)),
            Decoder::F32 => Builder::F32(Vec::with_capacity(rows)),
            Decoder::F64 | Decoder::Numeric => Builder::F64(Vec::with_capacity(rows)),
            Decoder::Text | Decoder::Jsonb | Decoder::Uuid => {
                Builder::Text(Vec::with_capacity(rows))
            }
            Decoder::Bytea => Builder::Binary(Vec::with_capacity(rows)),
            Decoder::Date => Builder::Date(Vec::with_capacity(rows)),
            Decoder::Timestamp => Builder::Datetime(Vec::with_capacity(rows), false),
            Decoder::TimestampTz => Builder::Datetime(Vec::with_capacity(rows), true),
        }
    }

    fn push(self, builder: &mut Builder, raw: Option<&[u8]>) -> Result<(), String> {
        let bad = || format!("PostgreSQL sent a malformed {self:?} value");
        match (builder, raw) {
            (Builder::Bool(values), raw) => values.push(raw.map(|raw| raw.first() == Some(&1))),
            (Builder::I16(values), raw) => values.push(
                raw.map(|raw| exact(raw).map(i16::from_be_bytes).ok_or_else(bad)).transpose()?,
            ),
            (Builder::I32(values), raw) => values.push(
                raw.map(|raw| exact(raw).map(i32::from_be_bytes).ok_or_else(bad)).transpose()?,
            ),
            (Builder::I64(values), Some(raw)) if matches!(self, Decoder::Oid) => {
                values.push(Some(i64::from(u32::from_be_bytes(exact(raw).ok_or_else(bad)?))));
            }
            (Builder::I64(values), raw) => values.push(
                raw.map(|raw| exact(raw).map(i64::from_be_bytes).ok_or_else(bad)).transpose()?,
            ),
            (Builder::F32(values), raw) => values.push(
                raw.map(|raw| exact(raw).map(f32::from_be_bytes).ok_or_else(bad)).transpose()?,
            ),
            (Builder::F64(values), Some(raw)) if matches!(self, Decoder::Numeric) => {
                values.push(Some(numeric(raw).ok_or_else(bad)?));
            }
            (Builder::F64(values), raw) => values.push(
                raw.map(|raw| exact(raw).map(f64::from_be_bytes).ok_or_else(bad)).transpose()?,
            ),
            (Builder::Text(values), Some(raw)) => {
                let text = match self {
                    Decoder::Uuid => uuid(raw).ok_or_else(bad)?,
                    Decoder::Jsonb => utf8(raw.get(1..).ok_or_else(bad)?).ok_or_else(bad)?,
                    _ => utf8(raw).ok_or_else(bad)?,
                };
                values.push(Some(text));
            }
            (Builder::Binary(values), raw) => values.push(raw.map(<[u8]>::to_vec)),
            (Builder::Date(values), Some(raw)) => {
                let days = i32::from_be_bytes(exact(raw).ok_or_else(bad)?);
                if days == i32::MAX || days == i32::MIN {
                    return Err(
                        "an infinite date cannot be loaded; convert it in the query".to_owned()
                    );
                }
                values.push(Some(days.checked_add(PG_EPOCH_DAYS).ok_or_else(bad)?));
            }
            (Builder::Datetime(values, _), Some(raw)) => {
                let micros = i64::from_be_bytes(exact(raw).ok_or_else(bad)?);
                if micros == i64::MAX || micros == i64::MIN {
                    return Err("an infinite timestamp cannot be loaded; convert it in the query"
                        .to_owned());
                }
                values.push(Some(micros.checked_add(PG_EPOCH_MICROS).ok_or_else(bad)?));
            }
            (Builder::Text(values), None) => values.push(None),
            (Builder::Date(values), None) => values.push(None),
            (Builder::Datetime(values, _), None) => values.push(None),
        }
        Ok(())
    }
}

/// `raw` as an array of exactly `N` bytes.
fn exact<const N: usize>(raw: &[u8]) -> Option<[u8; N]> {
    raw.try_into().ok()
}

fn utf8(raw: &[u8]) -> Option<String> {
    std::str::from_utf8(raw).ok().map(str::to_owned)
}

fn uuid(raw: &[u8]) -> Option<String> {
    if raw.len() != 16 {
        return None;
    }
    let mut text = String::with_capacity(36);
    for (index, byte) in raw.iter().enumerate() {
        if matches!(index, 4 | 6 | 8 | 10) {
            text.push('-');
        }
        let _ = write!(text, "{byte:02x}");
    }
    Some(text)
}

/// A `numeric` in PostgreSQL's binary layout (base-10000 digits) as the nearest `f64`, read
/// through its decimal text so that e.g. `0.1` gives exactly `0.1_f64`.
fn numeric(raw: &[u8]) -> Option<f64> {
    let word = |at: usize| raw.get(at..at + 2).map(|b| u16::from_be_bytes([b[0], b[1]]));
    let count = usize::from(word(0)?);
    let weight = i32::from(word(2)?.cast_signed());
    match word(4)? {
        0xC000 => return Some(f64::NAN),
        0xD000 => return Some(f64::INFINITY),
        0xF000 => return Some(f64::NEG_INFINITY),
        _ => {}
    }
    let negative = word(4)? == 0x4000;
    let mut text = String::from(if negative { "-0." } else { "0." });
    for index in 0..count {
        let _ = write!(text, "{:04}", word(8 + 2 * index)?);
    }
    if count == 0 {
        text.push('0');
    }
    let _ = write!(text, "e{}", 4 * (weight + 1));
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_binary_values_decode_like_their_text() {
        // 12345.678 is stored as digits [1, 2345, 6780] with weight 1 (PostgreSQL's numeric.c).
        let raw = [0, 3, 0, 1, 0, 0, 0, 3, 0, 1, 0x09, 0x29, 0x1A, 0x7C];
        assert_eq!(numeric(&raw), Some(12_345.678));
        // -0.05: one digit 500 with weight -1.
        let raw = [0, 1, 0xFF, 0xFF, 0x40, 0x00, 0, 2, 0x01, 0xF4];
        assert_eq!(numeric(&raw), Some(-0.05));
        assert!(numeric(&[0, 0, 0, 0, 0xC0, 0, 0, 0]).unwrap().is_nan());
    }

    #[test]
    fn copy_text_escapes_what_copy_reads_specially() {
        let mut out = String::new();
        escape_text(&mut out, "a\tb\\c\nd").unwrap();
        assert_eq!(out, "a\\tb\\\\c\\nd");
        assert!(escape_text(&mut String::new(), "a\0b").unwrap_err().contains("NUL"));
    }
}
