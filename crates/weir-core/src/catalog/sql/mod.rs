//! SQL datasets: `weir.SQLTableDataset` (a table, loaded whole and saved from a frame) and
//! `weir.SQLQueryDataset` (the result of a query, load only), on SQLite and PostgreSQL.
//!
//! They read the keys of Kedro's `pandas.SQLTableDataset` and `pandas.SQLQueryDataset`:
//!
//! ```yaml
//! shuttles:
//!   type: pandas.SQLTableDataset      # or weir.SQLTableDataset, sql_table
//!   table_name: shuttles
//!   credentials: db                   # credentials.yml: `db: {con: sqlite:///data/app.db}`
//!   load_args: {schema: public, columns: [id, name]}
//!   save_args: {schema: public, if_exists: replace}   # fail (default) | replace | append
//! shuttle_ids:
//!   type: pandas.SQLQueryDataset      # or weir.SQLQueryDataset, sql_query
//!   sql: SELECT id FROM shuttles WHERE year > :year   # or `filepath: queries/ids.sql`
//!   credentials: db
//!   load_args: {params: {year: 2020}}
//! ```
//!
//! - `credentials.con` is the connection string (see `sql/connection.rs` for the accepted spellings
//!   and the TLS rules). It never appears in messages, logs, `Debug` output or
//!   [`Dataset::location`], which shows e.g. `postgresql://***@127.0.0.1:5432/weir table iris`.
//!   Other credential keys (`SQLAlchemy`'s `pool_size`...) are ignored.
//! - Table `load_args`: `schema`, `columns` (a list), `coerce_float` (accepted, floats are
//!   always floats). `save_args`: `schema`, `if_exists` (`fail`, as in pandas and Kedro,
//!   `replace` or `append`), `index` (`false` only: frames have no index), `chunksize` and
//!   `method` (accepted and unused: every save is one transaction).
//! - Query `load_args`: `params` (see `sql/params.rs`) and `coerce_float`. `filepath` is relative to
//!   the project root and read at each load. `fs_args` and `execution_options` are accepted and
//!   unused.
//! - A save is one transaction: `replace` drops and recreates the table inside it, so a failure
//!   leaves the old table. Column types follow `sql/types.rs`.
//! - `exists` asks the database whether the table exists; a query dataset always exists. Neither
//!   type has a [`Dataset::stamp`], so `--skip-unchanged` always reruns their readers.
//!
//! # Limitations
//!
//! - A connection is opened for every load, save and existence check; there is no pool.
//! - No TLS for PostgreSQL (see `sql/connection.rs`); no other databases (`MySQL`, SQL Server...).
//! - Loads read the whole result into memory; there is no `chunksize` iteration.
//! - Kedro's `load_args.index_col`, `parse_dates` and `dtype`, and `save_args.dtype` and
//!   `index_label`, are not supported (refused with the supported keys listed).

mod connection;
mod params;
mod pg;
mod sqlite;
mod types;

use std::path::PathBuf;
use std::time::Instant;

use polars::prelude::DataFrame;
use serde_json::Value;

use crate::catalog::files::Args;
use crate::catalog::{CatalogError, Dataset, DatasetContext, DatasetSpec};
use crate::data::{DataKind, Payload};
use crate::error::did_you_mean;

use connection::Connection;
use types::{Family, OutColumn};

/// What a save does when the table already exists (pandas' `if_exists`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IfExists {
    /// Refuse the save (the default, as in pandas and Kedro).
    Fail,
    /// Drop the table and create it again from the frame.
    Replace,
    /// Insert the rows into the table as it is.
    Append,
}

/// A failure from a database, before it is tied to a dataset.
#[derive(Debug)]
pub(crate) struct DbError {
    message: String,
    hint: Option<String>,
}

impl DbError {
    pub(crate) fn new(message: String, hint: Option<String>) -> Self {
        DbError { message, hint }
    }

    pub(crate) fn plain(message: impl Into<String>) -> Self {
        DbError { message: message.into(), hint: None }
    }

    pub(crate) fn table_exists(table: &str) -> Self {
        DbError::new(
            format!(
                "table `{table}` already exists and `save_args.if_exists` is `fail` (the default, \
                 as in Kedro and pandas)"
            ),
            Some(
                "set `save_args.if_exists: replace` to overwrite the table, or `append` to add \
                 the rows to it"
                    .to_owned(),
            ),
        )
    }
}

/// `name` as a double-quoted SQL identifier, which both databases read literally.
pub(crate) fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Checks that every frame column exists in the table with a compatible type.
pub(crate) fn check_append(
    table: &str,
    columns: &[OutColumn],
    present: &[(String, String)],
    case_insensitive: bool,
) -> Result<(), DbError> {
    let replace =
        "or save with `save_args.if_exists: replace` to recreate the table from the frame";
    for column in columns {
        let found = present.iter().find(|(name, _)| {
            name == &column.name || (case_insensitive && name.eq_ignore_ascii_case(&column.name))
        });
        let Some((_, declared)) = found else {
            let suggestion =
                did_you_mean(&column.name, present.iter().map(|(name, _)| name.as_str()))
                    .map_or_else(
                        || "add the column to the table, ".to_owned(),
                        |hint| format!("{hint} Rename the frame's column, "),
                    );
            return Err(DbError::new(
                format!("table `{table}` has no column `{}` to append to", column.name),
                Some(format!("{suggestion}{replace}")),
            ));
        };
        let Some(family) = Family::of_declared(declared) else { continue };
        if !column.family.fits(family) {
            return Err(DbError::new(
                format!(
                    "column `{}` of table `{table}` is `{declared}`, but the frame's column \
                     holds {}",
                    column.name,
                    column.family.describe()
                ),
                Some(format!("convert the frame's column in the node, {replace}")),
            ));
        }
    }
    Ok(())
}

/// The most characters of a database message an error shows.
const MAX_MESSAGE_CHARS: usize = 500;

fn capped(message: String) -> String {
    if message.chars().count() <= MAX_MESSAGE_CHARS {
        return message;
    }
    let kept: String = message.chars().take(MAX_MESSAGE_CHARS).collect();
    format!("{kept}… (message cut)")
}

/// The database of an entry, from `credentials.con`.
fn connection_of(
    spec: &DatasetSpec,
    type_name: &str,
    context: &DatasetContext,
) -> Result<Connection, CatalogError> {
    let invalid = |message: String, hint: String| CatalogError::InvalidEntry {
        dataset: spec.name.clone(),
        message,
        source_location: spec.source.clone(),
        hint: Some(hint),
    };
    let example = "add `credentials: db` to the entry and, in conf/local/credentials.yml, \
                   `db: {con: \"sqlite:///data/app.db\"}` (or a `postgresql://` URL)";
    let Some(credentials) = &spec.credentials else {
        return Err(invalid(
            format!("`{type_name}` needs `credentials` with a `con` connection string"),
            example.to_owned(),
        ));
    };
    let con = match credentials.expose().get("con") {
        Some(Value::String(con)) if !con.is_empty() => con,
        Some(_) => {
            return Err(invalid(
                "`con` in the dataset's credentials must be a connection string".to_owned(),
                example.to_owned(),
            ));
        }
        None => {
            return Err(invalid(
                "the dataset's credentials have no `con` key".to_owned(),
                example.to_owned(),
            ));
        }
    };
    Connection::parse(con, &context.project_root).map_err(|(message, hint)| invalid(message, hint))
}

/// Refuses `con` in a section: Kedro once read it from `load_args`, weir only from credentials.
fn refuse_con(spec: &DatasetSpec, args: &Args<'_>, section: &str) -> Result<(), CatalogError> {
    if args.keys().contains(&"con") {
        return Err(args.error(
            format!("`{section}.con` is not read: the connection string belongs in credentials"),
            Some(format!(
                "move it to conf/local/credentials.yml (e.g. `db: {{con: ...}}`) and write \
                 `credentials: db` in the `{}` entry",
                spec.name
            )),
        ));
    }
    Ok(())
}

/// The `schema` option of a section.
fn schema_of(args: &Args<'_>) -> Result<Option<String>, CatalogError> {
    Ok(args.string(&["schema"])?.map(str::to_owned))
}

/// Loads `sql` with `params` (a list or mapping) from the database.
fn run_query(
    connection: &Connection,
    sql: &str,
    params: Option<&Value>,
) -> Result<DataFrame, DbError> {
    match connection {
        Connection::Sqlite { path, .. } => {
            let (sql, values) =
                params::bind(sql, params, params::Style::Question).map_err(|message| {
                    DbError::new(
                        message,
                        Some(
                            "see \"SQL datasets\" in docs/catalog.md for the placeholder styles"
                                .to_owned(),
                        ),
                    )
                })?;
            sqlite::query(path, &sql, &values)
        }
        Connection::Postgres { config, .. } => {
            let (sql, values) =
                params::bind(sql, params, params::Style::Dollar).map_err(|message| {
                    DbError::new(
                        message,
                        Some(
                            "see \"SQL datasets\" in docs/catalog.md for the placeholder styles"
                                .to_owned(),
                        ),
                    )
                })?;
            pg::query(config.expose(), &sql, &values)
        }
    }
}

fn table_exists(
    connection: &Connection,
    schema: Option<&str>,
    table: &str,
) -> Result<bool, DbError> {
    match connection {
        Connection::Sqlite { path, .. } => sqlite::exists(path, schema, table),
        Connection::Postgres { config, .. } => pg::exists(config.expose(), schema, table),
    }
}

fn table_names(connection: &Connection, schema: Option<&str>) -> Result<Vec<String>, DbError> {
    match connection {
        Connection::Sqlite { path, .. } => sqlite::tables(path, schema),
        Connection::Postgres { config, .. } => pg::tables(config.expose(), schema),
    }
}

/// A database table, loaded whole into a frame and saved from one.
#[derive(Debug)]
pub struct SqlTableDataset {
    name: String,
    table: String,
    load_schema: Option<String>,
    save_schema: Option<String>,
    columns: Option<Vec<String>>,
    if_exists: IfExists,
    connection: Connection,
}

const TABLE_KEYS: &[&str] =
    &["type", "table_name", "credentials", "load_args", "save_args", "metadata"];
const TABLE_LOAD_KEYS: &[&str] = &["schema", "columns", "coerce_float"];
const TABLE_SAVE_KEYS: &[&str] = &["schema", "if_exists", "index", "chunksize", "method"];

impl SqlTableDataset {
    /// The canonical type name.
    pub const TYPE_NAME: &'static str = "weir.SQLTableDataset";

    /// Builds the dataset a catalog entry describes; no connection is opened.
    pub fn from_spec(spec: &DatasetSpec, context: &DatasetContext) -> Result<Self, CatalogError> {
        let entry = Args::entry(spec, Self::TYPE_NAME, TABLE_KEYS)?;
        let load_args = Args::section_unchecked(spec, Self::TYPE_NAME, "load_args")?;
        refuse_con(spec, &load_args, "load_args")?;
        let load_args = Args::section(spec, Self::TYPE_NAME, "load_args", TABLE_LOAD_KEYS)?;
        let save_args = Args::section_unchecked(spec, Self::TYPE_NAME, "save_args")?;
        refuse_con(spec, &save_args, "save_args")?;
        let save_args = Args::section(spec, Self::TYPE_NAME, "save_args", TABLE_SAVE_KEYS)?;

        let table = match entry.string(&["table_name"])? {
            Some(table) if !table.trim().is_empty() => table.to_owned(),
            _ => {
                return Err(entry.error(
                    format!("`{}` needs a `table_name`", Self::TYPE_NAME),
                    Some(format!("add e.g. `table_name: {}` to the entry", spec.name)),
                ));
            }
        };
        let if_exists = match save_args.string(&["if_exists"])? {
            None | Some("fail") => IfExists::Fail,
            Some("replace") => IfExists::Replace,
            Some("append") => IfExists::Append,
            Some(other) => {
                return Err(save_args.error(
                    format!(
                        "`save_args.if_exists` must be `fail`, `replace` or `append`, got `{other}`"
                    ),
                    did_you_mean(other, ["fail", "replace", "append"]),
                ));
            }
        };
        if save_args.boolean(&["index"])? == Some(true) {
            return Err(save_args.error(
                "`save_args.index: true` is not supported: Polars frames have no index".to_owned(),
                Some(
                    "drop `index` (or set it to `false`); to keep row numbers, add them as a \
                     column in the node, e.g. with `DataFrame::with_row_index`"
                        .to_owned(),
                ),
            ));
        }
        if !save_args.keys().iter().all(|key| ["schema", "if_exists", "index"].contains(key)) {
            tracing::debug!(dataset = %spec.name, "save_args chunksize/method unused: one transaction");
        }

        Ok(SqlTableDataset {
            name: spec.name.clone(),
            table,
            load_schema: schema_of(&load_args)?,
            save_schema: schema_of(&save_args)?,
            columns: load_args.strings(&["columns"])?,
            if_exists,
            connection: connection_of(spec, Self::TYPE_NAME, context)?,
        })
    }

    fn location_text(&self) -> String {
        let table = match &self.load_schema {
            Some(schema) => format!("{schema}.{}", self.table),
            None => self.table.clone(),
        };
        format!("{} table {table}", self.connection.describe())
    }

    fn load_error(&self, error: DbError) -> CatalogError {
        CatalogError::Load {
            dataset: self.name.clone(),
            type_name: Self::TYPE_NAME.to_owned(),
            location: Some(self.location_text()),
            message: capped(error.message),
            hint: error.hint,
        }
    }

    fn save_error(&self, error: DbError) -> CatalogError {
        CatalogError::Save {
            dataset: self.name.clone(),
            type_name: Self::TYPE_NAME.to_owned(),
            location: Some(self.location_text()),
            message: capped(error.message),
            hint: error.hint,
        }
    }

    /// The error for a table that is not there, with close table names.
    fn missing_table(&self) -> DbError {
        let schema = self.load_schema.as_deref();
        let names = table_names(&self.connection, schema).unwrap_or_default();
        let hint = did_you_mean(&self.table, names.iter().map(String::as_str)).unwrap_or_else(|| {
            "run the pipeline that saves it first, or check `table_name` (and `load_args.schema`)"
                .to_owned()
        });
        DbError::new(format!("table `{}` does not exist", self.table), Some(hint))
    }
}

impl Dataset for SqlTableDataset {
    fn type_name(&self) -> &str {
        Self::TYPE_NAME
    }

    fn load(&self) -> Result<Payload, CatalogError> {
        let started = Instant::now();
        let schema = self.load_schema.as_deref();
        if !table_exists(&self.connection, schema, &self.table).map_err(|e| self.load_error(e))? {
            return Err(self.load_error(self.missing_table()));
        }
        let columns = match &self.columns {
            Some(names) => {
                names.iter().map(|name| quote_ident(name)).collect::<Vec<_>>().join(", ")
            }
            None => "*".to_owned(),
        };
        let table = match schema {
            Some(schema) => format!("{}.{}", quote_ident(schema), quote_ident(&self.table)),
            None => quote_ident(&self.table),
        };
        let sql = format!("SELECT {columns} FROM {table}");
        let frame = run_query(&self.connection, &sql, None).map_err(|e| self.load_error(e))?;
        tracing::debug!(
            dataset = %self.name,
            location = %self.location_text(),
            rows = frame.height(),
            elapsed_ms = started.elapsed().as_millis(),
            "loaded SQL table"
        );
        Ok(Payload::Frame(frame))
    }

    fn save(&self, payload: Payload) -> Result<(), CatalogError> {
        let started = Instant::now();
        let frame = match payload {
            Payload::Frame(frame) => frame,
            Payload::Lazy(lazy) => lazy.collect().map_err(|error| {
                self.save_error(DbError::plain(format!("cannot collect the lazy frame: {error}")))
            })?,
            other => {
                return Err(self.save_error(DbError::new(
                    format!("expected a DataFrame, got {}", other.describe()),
                    Some(format!(
                        "`{}` stores tables; change the node's output or the dataset's `type`",
                        Self::TYPE_NAME
                    )),
                )));
            }
        };
        if frame.width() == 0 {
            return Err(self.save_error(DbError::new(
                "the frame has no columns, and a SQL table needs at least one".to_owned(),
                Some("check the node's output".to_owned()),
            )));
        }

        let schema = self.save_schema.as_deref();
        let saved = match &self.connection {
            Connection::Sqlite { path, .. } => {
                sqlite::save(path, schema, &self.table, &frame, self.if_exists)
            }
            Connection::Postgres { config, .. } => {
                pg::save(config.expose(), schema, &self.table, &frame, self.if_exists)
            }
        };
        saved.map_err(|e| self.save_error(e))?;
        tracing::debug!(
            dataset = %self.name,
            location = %self.location_text(),
            rows = frame.height(),
            elapsed_ms = started.elapsed().as_millis(),
            "saved SQL table"
        );
        Ok(())
    }

    fn exists(&self) -> Result<bool, CatalogError> {
        table_exists(&self.connection, self.load_schema.as_deref(), &self.table)
            .map_err(|e| self.load_error(e))
    }

    fn loads(&self) -> Option<DataKind> {
        Some(DataKind::Frame)
    }

    fn accepts(&self, kind: DataKind) -> bool {
        matches!(kind, DataKind::Frame | DataKind::Lazy)
    }

    fn location(&self) -> Option<String> {
        Some(self.location_text())
    }
}

/// Where a query dataset's SQL comes from.
#[derive(Debug)]
enum QuerySource {
    /// `sql:` in the entry.
    Inline(String),
    /// `filepath:`, as written and resolved.
    File { written: String, path: PathBuf },
}

/// The result of a SQL query, load only.
#[derive(Debug)]
pub struct SqlQueryDataset {
    name: String,
    source: QuerySource,
    params: Option<Value>,
    connection: Connection,
}

const QUERY_KEYS: &[&str] = &[
    "type",
    "sql",
    "filepath",
    "credentials",
    "load_args",
    "fs_args",
    "execution_options",
    "metadata",
];
const QUERY_LOAD_KEYS: &[&str] = &["params", "coerce_float"];

impl SqlQueryDataset {
    /// The canonical type name.
    pub const TYPE_NAME: &'static str = "weir.SQLQueryDataset";

    /// Builds the dataset a catalog entry describes; no connection is opened.
    pub fn from_spec(spec: &DatasetSpec, context: &DatasetContext) -> Result<Self, CatalogError> {
        let entry = Args::entry(spec, Self::TYPE_NAME, QUERY_KEYS)?;
        let load_args = Args::section_unchecked(spec, Self::TYPE_NAME, "load_args")?;
        refuse_con(spec, &load_args, "load_args")?;
        let load_args = Args::section(spec, Self::TYPE_NAME, "load_args", QUERY_LOAD_KEYS)?;

        let source = match (entry.string(&["sql"])?, entry.string(&["filepath"])?) {
            (Some(sql), None) if !sql.trim().is_empty() => QuerySource::Inline(sql.to_owned()),
            (None, Some(file)) if !file.trim().is_empty() => QuerySource::File {
                written: file.to_owned(),
                path: context.project_root.join(file),
            },
            (Some(_), Some(_)) => {
                return Err(entry.error(
                    "`sql` and `filepath` are both set; a query dataset runs one query".to_owned(),
                    Some("keep `sql` for a short query or `filepath` for a .sql file".to_owned()),
                ));
            }
            _ => {
                return Err(entry.error(
                    format!("`{}` needs a query in `sql` or a .sql file in `filepath`", Self::TYPE_NAME),
                    Some("add e.g. `sql: SELECT * FROM shuttles` or `filepath: queries/shuttles.sql`".to_owned()),
                ));
            }
        };

        let params = match load_args.get(&["params"])? {
            None | Some((_, Value::Null)) => None,
            Some((_, value @ (Value::Array(_) | Value::Object(_)))) => Some(value.clone()),
            Some((name, other)) => {
                return Err(load_args.wrong(
                    name,
                    "a list of values or a mapping of names to values",
                    other,
                ));
            }
        };
        let connection = connection_of(spec, Self::TYPE_NAME, context)?;

        // An inline query is checked now, so a placeholder mistake fails before the run.
        if let QuerySource::Inline(sql) = &source {
            params::bind(sql, params.as_ref(), params::Style::Dollar).map_err(|message| {
                entry.error(
                    message,
                    Some(
                        "see \"SQL datasets\" in docs/catalog.md for the placeholder styles"
                            .to_owned(),
                    ),
                )
            })?;
        }
        if entry.keys().iter().any(|key| ["fs_args", "execution_options"].contains(key)) {
            tracing::debug!(dataset = %spec.name, "fs_args/execution_options unused by weir's SQL datasets");
        }
        Ok(SqlQueryDataset { name: spec.name.clone(), source, params, connection })
    }

    fn location_text(&self) -> String {
        let query = match &self.source {
            QuerySource::File { written, .. } => written.clone(),
            QuerySource::Inline(sql) => {
                let flat = sql.split_whitespace().collect::<Vec<_>>().join(" ");
                if flat.chars().count() > 60 {
                    format!("{}…", flat.chars().take(60).collect::<String>())
                } else {
                    flat
                }
            }
        };
        format!("{} query {query}", self.connection.describe())
    }

    fn load_error(&self, error: DbError) -> CatalogError {
        CatalogError::Load {
            dataset: self.name.clone(),
            type_name: Self::TYPE_NAME.to_owned(),
            location: Some(self.location_text()),
            message: capped(error.message),
            hint: error.hint,
        }
    }

    fn sql(&self) -> Result<String, DbError> {
        match &self.source {
            QuerySource::Inline(sql) => Ok(sql.clone()),
            QuerySource::File { written, path } => std::fs::read_to_string(path).map_err(|error| {
                DbError::new(
                    format!("cannot read the query file `{written}`: {error}"),
                    Some("`filepath` is relative to the project root; check the path".to_owned()),
                )
            }),
        }
    }
}

impl Dataset for SqlQueryDataset {
    fn type_name(&self) -> &str {
        Self::TYPE_NAME
    }

    fn load(&self) -> Result<Payload, CatalogError> {
        let started = Instant::now();
        let sql = self.sql().map_err(|e| self.load_error(e))?;
        let frame = run_query(&self.connection, &sql, self.params.as_ref())
            .map_err(|e| self.load_error(e))?;
        tracing::debug!(
            dataset = %self.name,
            location = %self.location_text(),
            rows = frame.height(),
            elapsed_ms = started.elapsed().as_millis(),
            "loaded SQL query"
        );
        Ok(Payload::Frame(frame))
    }

    fn save(&self, _payload: Payload) -> Result<(), CatalogError> {
        Err(CatalogError::Save {
            dataset: self.name.clone(),
            type_name: Self::TYPE_NAME.to_owned(),
            location: Some(self.location_text()),
            message: "a query dataset is read-only: it loads the result of a query".to_owned(),
            hint: Some(
                "save to a `weir.SQLTableDataset` (`pandas.SQLTableDataset`) entry instead"
                    .to_owned(),
            ),
        })
    }

    /// A query has a result to load whenever the database answers; this is not checked here.
    fn exists(&self) -> Result<bool, CatalogError> {
        Ok(true)
    }

    fn loads(&self) -> Option<DataKind> {
        Some(DataKind::Frame)
    }

    fn accepts(&self, _kind: DataKind) -> bool {
        false
    }

    fn location(&self) -> Option<String> {
        Some(self.location_text())
    }
}

#[cfg(test)]
mod tests;
