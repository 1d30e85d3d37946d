//! SQL dataset tests on SQLite files in temporary folders. The PostgreSQL tests live in
//! `crates/weir-core/tests/sql_postgres.rs` and need `scripts/with-services.sh`.
//!
//! Expected values are what SQLite itself stores and reports (`typeof`, `PRAGMA table_info`),
//! checked through a separate `rusqlite` connection; Python's `sqlite3` module reports the same
//! for these statements (`python3 -c "import sqlite3; ..."`, see each test).

use std::collections::HashMap;
use std::path::Path;

use polars::df;
use polars::prelude::{DataFrame, DataType, IntoColumn, NamedFrom, Series, TimeUnit};
use serde_json::{Value, json};

use super::*;
use crate::catalog::DatasetRegistry;
use crate::error::{Hinted, Secret};

fn spec(name: &str, options: Value, con: Option<&str>) -> DatasetSpec {
    let Value::Object(options) = options else { panic!("test options are a JSON object") };
    let type_name = options.get("type").and_then(Value::as_str).unwrap_or("test").to_owned();
    let credentials = con.map(|con| {
        let Value::Object(map) = json!({"con": con}) else { unreachable!() };
        Secret::new(map)
    });
    DatasetSpec { name: name.to_owned(), type_name, options, credentials, source: None }
}

fn context(root: &Path) -> DatasetContext {
    DatasetContext {
        project_root: root.to_path_buf(),
        save_version: "2024-01-05T10.11.12.345Z".to_owned(),
        load_versions: HashMap::new(),
    }
}

const CON: &str = "sqlite:///data/app.db";

fn table(root: &Path, options: Value) -> Result<SqlTableDataset, CatalogError> {
    SqlTableDataset::from_spec(&spec("shuttles", options, Some(CON)), &context(root))
}

fn query(root: &Path, options: Value) -> Result<SqlQueryDataset, CatalogError> {
    SqlQueryDataset::from_spec(&spec("ids", options, Some(CON)), &context(root))
}

fn frame_of(payload: Payload) -> DataFrame {
    match payload {
        Payload::Frame(frame) => frame,
        other => panic!("expected a frame, got {other:?}"),
    }
}

/// Runs `sql` on the test database outside weir.
fn raw(root: &Path, sql: &str) {
    std::fs::create_dir_all(root.join("data")).unwrap();
    rusqlite::Connection::open(root.join("data/app.db")).unwrap().execute_batch(sql).unwrap();
}

/// The rows of `sql` as text, through a separate connection (`|`-joined columns).
fn rows(root: &Path, sql: &str) -> Vec<String> {
    let connection = rusqlite::Connection::open(root.join("data/app.db")).unwrap();
    let mut statement = connection.prepare(sql).unwrap();
    let width = statement.column_count();
    statement
        .query_map([], |row| {
            let cells: Vec<String> = (0..width)
                .map(|index| match row.get::<_, rusqlite::types::Value>(index).unwrap() {
                    rusqlite::types::Value::Null => "NULL".to_owned(),
                    rusqlite::types::Value::Integer(i) => i.to_string(),
                    rusqlite::types::Value::Real(r) => format!("{r:?}"),
                    rusqlite::types::Value::Text(t) => t,
                    rusqlite::types::Value::Blob(b) => format!("{b:?}"),
                })
                .collect();
            Ok(cells.join("|"))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn sample() -> DataFrame {
    let day =
        Series::new("day".into(), [Some(19_782i32), None, Some(0)]).cast(&DataType::Date).unwrap();
    let at = Series::new("at".into(), [Some(1_709_209_801_000_005i64), Some(0), None])
        .cast(&DataType::Datetime(TimeUnit::Microseconds, None))
        .unwrap();
    let mut frame = df!(
        "id" => [1i64, 2, 3],
        "small" => [Some(7i32), None, Some(-1)],
        "x" => [Some(0.1f64), Some(-2.5), None],
        "name" => [Some("a\"b"), None, Some("tab\there")],
        "flag" => [Some(true), Some(false), None],
    )
    .unwrap();
    frame.with_column(day.into_column()).unwrap();
    frame.with_column(at.into_column()).unwrap();
    frame
}

#[test]
fn a_frame_round_trips_with_types_and_nulls() {
    let dir = tempfile::tempdir().unwrap();
    let dataset = table(dir.path(), json!({"table_name": "shuttles"})).unwrap();
    assert!(!dataset.exists().unwrap());
    dataset.save(Payload::Frame(sample())).unwrap();
    assert!(dataset.exists().unwrap());

    let loaded = frame_of(dataset.load().unwrap());
    // SQLite integers are 64-bit whatever the declaration, so `small` comes back as Int64.
    let mut expected = sample();
    expected
        .with_column(Series::new("small".into(), [Some(7i64), None, Some(-1)]).into_column())
        .unwrap();
    assert_eq!(loaded.dtypes(), expected.dtypes());
    assert!(loaded.equals_missing(&expected), "{loaded}\n{expected}");
}

#[test]
fn saved_values_are_stored_as_sqlalchemy_would_store_them() {
    // python3 -c "import sqlite3; c = sqlite3.connect('data/app.db');
    //   print(c.execute('PRAGMA table_info(shuttles)').fetchall())"
    // reports the declared types below; typeof() gives the storage classes.
    let dir = tempfile::tempdir().unwrap();
    table(dir.path(), json!({"table_name": "shuttles"}))
        .unwrap()
        .save(Payload::Frame(sample()))
        .unwrap();
    assert_eq!(
        rows(dir.path(), "SELECT name || ' ' || type FROM pragma_table_info('shuttles')"),
        [
            "id BIGINT",
            "small INTEGER",
            "x FLOAT",
            "name TEXT",
            "flag BOOLEAN",
            "day DATE",
            "at DATETIME"
        ]
    );
    assert_eq!(
        rows(dir.path(), "SELECT typeof(id), typeof(x), typeof(flag), flag, day, at FROM shuttles"),
        [
            "integer|real|integer|1|2024-02-29|2024-02-29 12:30:01.000005",
            "integer|real|integer|0|NULL|1970-01-01 00:00:00.000000",
            "integer|null|null|NULL|1970-01-01|NULL",
        ]
    );
}

#[test]
fn a_table_written_outside_weir_loads_by_declared_type() {
    let dir = tempfile::tempdir().unwrap();
    raw(
        dir.path(),
        "CREATE TABLE t (id INTEGER, price NUMERIC, label VARCHAR(10), ok BOOLEAN, day DATE, extra);
         INSERT INTO t VALUES (1, 2, 'x', 1, '2024-01-31', 'free'), (2, 2.5, NULL, 0, NULL, NULL);",
    );
    let dataset = table(dir.path(), json!({"table_name": "t"})).unwrap();
    let loaded = frame_of(dataset.load().unwrap());
    let day = Series::new("day".into(), [Some(19_753i32), None]).cast(&DataType::Date).unwrap();
    let mut expected = df!(
        "id" => [1i64, 2],
        "price" => [2.0f64, 2.5],
        "label" => [Some("x"), None],
        "ok" => [true, false],
    )
    .unwrap();
    expected.with_column(day.into_column()).unwrap();
    expected.with_column(Series::new("extra".into(), [Some("free"), None]).into_column()).unwrap();
    assert!(loaded.equals_missing(&expected), "{loaded}");
}

#[test]
fn load_args_pick_columns_and_schema() {
    let dir = tempfile::tempdir().unwrap();
    raw(dir.path(), "CREATE TABLE t (a INTEGER, b TEXT); INSERT INTO t VALUES (1, 'x');");
    let options = json!({"table_name": "t", "load_args": {"columns": ["b"], "schema": "main"}});
    let loaded = frame_of(table(dir.path(), options).unwrap().load().unwrap());
    assert!(loaded.equals(&df!("b" => ["x"]).unwrap()), "{loaded}");
}

#[test]
fn if_exists_fail_is_the_default_and_keeps_the_table() {
    let dir = tempfile::tempdir().unwrap();
    let dataset = table(dir.path(), json!({"table_name": "shuttles"})).unwrap();
    dataset.save(Payload::Frame(df!("a" => [1i64]).unwrap())).unwrap();
    let error = dataset.save(Payload::Frame(df!("a" => [2i64]).unwrap())).unwrap_err();
    assert!(error.to_string().contains("already exists"), "{error}");
    assert!(error.hint().unwrap().contains("if_exists: replace"), "{error:?}");
    assert_eq!(rows(dir.path(), "SELECT a FROM shuttles"), ["1"]);
}

#[test]
fn replace_and_append_follow_pandas() {
    let dir = tempfile::tempdir().unwrap();
    let replace =
        table(dir.path(), json!({"table_name": "s", "save_args": {"if_exists": "replace"}}))
            .unwrap();
    let append =
        table(dir.path(), json!({"table_name": "s", "save_args": {"if_exists": "append"}}))
            .unwrap();
    append.save(Payload::Frame(df!("a" => [1i64], "b" => ["x"]).unwrap())).unwrap();
    append.save(Payload::Frame(df!("b" => ["y"], "a" => [2i64]).unwrap())).unwrap();
    assert_eq!(rows(dir.path(), "SELECT a, b FROM s ORDER BY a"), ["1|x", "2|y"]);
    // Integers fit a float column; a column the table lacks does not.
    raw(dir.path(), "CREATE TABLE f (v FLOAT)");
    let floats =
        table(dir.path(), json!({"table_name": "f", "save_args": {"if_exists": "append"}}))
            .unwrap();
    floats.save(Payload::Frame(df!("v" => [3i64]).unwrap())).unwrap();
    assert_eq!(rows(dir.path(), "SELECT typeof(v), v FROM f"), ["real|3.0"]);

    replace.save(Payload::Frame(df!("c" => [true]).unwrap())).unwrap();
    assert_eq!(rows(dir.path(), "SELECT * FROM s"), ["1"]);
    assert_eq!(rows(dir.path(), "SELECT name FROM pragma_table_info('s')"), ["c"]);
}

#[test]
fn appending_a_mismatched_frame_names_the_column() {
    let dir = tempfile::tempdir().unwrap();
    raw(dir.path(), "CREATE TABLE s (a INTEGER, label TEXT); INSERT INTO s VALUES (1, 'x');");
    let append =
        table(dir.path(), json!({"table_name": "s", "save_args": {"if_exists": "append"}}))
            .unwrap();

    let error = append.save(Payload::Frame(df!("a" => ["not a number"]).unwrap())).unwrap_err();
    let text = error.to_string();
    assert!(
        text.contains("`shuttles`") && text.contains("column `a` of table `s` is `INTEGER`"),
        "{text}"
    );
    assert!(text.contains("holds text"), "{text}");
    assert!(error.hint().unwrap().contains("if_exists: replace"), "{error:?}");

    let error = append.save(Payload::Frame(df!("lable" => ["y"]).unwrap())).unwrap_err();
    assert!(error.to_string().contains("no column `lable`"), "{error}");
    assert!(error.hint().unwrap().contains("did you mean `label`"), "{error:?}");
    assert_eq!(rows(dir.path(), "SELECT count(*) FROM s"), ["1"]);
}

#[test]
fn a_failed_replace_leaves_the_old_table() {
    let dir = tempfile::tempdir().unwrap();
    let dataset =
        table(dir.path(), json!({"table_name": "s", "save_args": {"if_exists": "replace"}}))
            .unwrap();
    dataset.save(Payload::Frame(df!("a" => [1i64]).unwrap())).unwrap();
    // SQLite column names ignore case, so `CREATE TABLE` fails after the `DROP TABLE` ran.
    let clash = df!("k" => [1i64], "K" => [2i64]).unwrap();
    let error = dataset.save(Payload::Frame(clash)).unwrap_err();
    assert!(error.to_string().contains("duplicate column name"), "{error}");
    assert_eq!(rows(dir.path(), "SELECT a FROM s"), ["1"]);
}

#[test]
fn a_missing_table_suggests_a_close_one() {
    let dir = tempfile::tempdir().unwrap();
    raw(dir.path(), "CREATE TABLE shuttles (a INTEGER)");
    let error = table(dir.path(), json!({"table_name": "shutles"})).unwrap().load().unwrap_err();
    let text = error.to_string();
    assert!(
        text.contains("`shuttles`") && text.contains("table `shutles` does not exist"),
        "{text}"
    );
    assert!(text.contains("sqlite:///data/app.db table shutles"), "{text}");
    assert_eq!(error.hint().as_deref(), Some("did you mean `shuttles`?"));
}

#[test]
fn loading_from_a_missing_file_neither_creates_it_nor_panics() {
    let dir = tempfile::tempdir().unwrap();
    let dataset = table(dir.path(), json!({"table_name": "t"})).unwrap();
    assert!(!dataset.exists().unwrap());
    let error = dataset.load().unwrap_err();
    assert!(error.to_string().contains("does not exist"), "{error}");
    let error = query(dir.path(), json!({"sql": "SELECT 1"})).unwrap().load().unwrap_err();
    assert!(error.to_string().contains("database file"), "{error}");
    assert!(!dir.path().join("data/app.db").exists());
}

#[test]
fn queries_bind_params_in_every_driver_style() {
    let dir = tempfile::tempdir().unwrap();
    raw(
        dir.path(),
        "CREATE TABLE t (id INTEGER, name TEXT);
         INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c');",
    );
    let cases = [
        json!({"sql": "SELECT id FROM t WHERE id >= ? AND name <> ?", "load_args": {"params": [2, "c"]}}),
        json!({"sql": "SELECT id FROM t WHERE id >= %s AND name <> %s", "load_args": {"params": [2, "c"]}}),
        json!({"sql": "SELECT id FROM t WHERE id >= :low AND name <> :skip",
               "load_args": {"params": {"low": 2, "skip": "c"}}}),
    ];
    for options in cases {
        let loaded = frame_of(query(dir.path(), options.clone()).unwrap().load().unwrap());
        assert!(loaded.equals(&df!("id" => [2i64]).unwrap()), "{options}: {loaded}");
    }
}

#[test]
fn query_columns_without_a_declared_type_are_typed_by_value() {
    // python3 -c "import sqlite3; print(sqlite3.connect(':memory:').execute(
    //   \"SELECT typeof(1 + 1), typeof(1 / 2.0), typeof('a' || 'b')\").fetchall())"
    // -> [('integer', 'real', 'text')]
    let dir = tempfile::tempdir().unwrap();
    raw(dir.path(), "CREATE TABLE t (id INTEGER); INSERT INTO t VALUES (1), (2);");
    let sql = "SELECT id + 1 AS next, id / 2.0 AS half, 'n' || id AS label, NULL AS empty FROM t";
    let loaded = frame_of(query(dir.path(), json!({"sql": sql})).unwrap().load().unwrap());
    let expected = df!(
        "next" => [2i64, 3],
        "half" => [0.5f64, 1.0],
        "label" => ["n1", "n2"],
        "empty" => [None::<&str>, None],
    )
    .unwrap();
    assert!(loaded.equals_missing(&expected), "{loaded}");
}

#[test]
fn a_query_file_is_read_from_the_project_root() {
    let dir = tempfile::tempdir().unwrap();
    raw(dir.path(), "CREATE TABLE t (id INTEGER); INSERT INTO t VALUES (5);");
    std::fs::create_dir_all(dir.path().join("queries")).unwrap();
    std::fs::File::create(dir.path().join("queries/ids.sql"))
        .and_then(|mut file| std::io::Write::write_all(&mut file, b"-- ids\nSELECT id FROM t"))
        .unwrap();
    let dataset = query(dir.path(), json!({"filepath": "queries/ids.sql"})).unwrap();
    assert_eq!(dataset.location().unwrap(), "sqlite:///data/app.db query queries/ids.sql");
    let loaded = frame_of(dataset.load().unwrap());
    assert!(loaded.equals(&df!("id" => [5i64]).unwrap()), "{loaded}");
}

#[test]
fn sql_errors_name_the_dataset_and_query() {
    let dir = tempfile::tempdir().unwrap();
    raw(dir.path(), "CREATE TABLE t (id INTEGER)");
    let error = query(dir.path(), json!({"sql": "SELEC id FROM t"})).unwrap().load().unwrap_err();
    let text = error.to_string();
    assert!(text.contains("`ids`") && text.contains("query SELEC id FROM t"), "{text}");
    assert!(text.contains("syntax error"), "{text}");
    assert!(error.hint().unwrap().contains("check the SQL"), "{error:?}");

    let error =
        query(dir.path(), json!({"sql": "SELECT nope FROM t"})).unwrap().load().unwrap_err();
    assert!(error.to_string().contains("no such column: nope"), "{error}");
}

#[test]
fn a_query_dataset_refuses_saves() {
    let dir = tempfile::tempdir().unwrap();
    let dataset = query(dir.path(), json!({"sql": "SELECT 1"})).unwrap();
    assert!(!dataset.accepts(DataKind::Frame));
    let error = dataset.save(Payload::Frame(df!("a" => [1i64]).unwrap())).unwrap_err();
    assert!(error.to_string().contains("read-only"), "{error}");
    assert!(error.hint().unwrap().contains("SQLTableDataset"), "{error:?}");
}

#[test]
fn entry_mistakes_are_caught_when_the_catalog_is_built() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let cases: [(Value, Option<&str>, &str, Option<&str>); 7] = [
        (json!({"table_name": "t"}), None, "needs `credentials`", Some("credentials.yml")),
        (json!({}), Some(CON), "needs a `table_name`", None),
        (
            json!({"table_name": "t", "save_args": {"if_exists": "replase"}}),
            Some(CON),
            "`fail`, `replace` or `append`",
            Some("did you mean `replace`?"),
        ),
        (json!({"table_name": "t", "save_args": {"index": true}}), Some(CON), "no index", None),
        (
            json!({"table_name": "t", "load_args": {"con": "sqlite:///x.db"}}),
            Some(CON),
            "belongs in credentials",
            None,
        ),
        (
            json!({"table_name": "t", "load_args": {"shema": "x"}}),
            Some(CON),
            "`shema`",
            Some("did you mean `schema`?"),
        ),
        (json!({"table_name": "t"}), Some("mysql://root:hunter2@localhost/db"), "`mysql`", None),
    ];
    for (options, con, message, hint) in cases {
        let error = SqlTableDataset::from_spec(&spec("s", options.clone(), con), &context(root))
            .unwrap_err();
        assert!(error.to_string().contains(message), "{options}: {error}");
        assert!(!error.to_string().contains("hunter2"), "{error}");
        if let Some(hint) = hint {
            assert!(error.hint().unwrap_or_default().contains(hint), "{options}: {error:?}");
        }
    }
    let error =
        query(root, json!({"sql": "SELECT ?", "load_args": {"params": {"a": 1}}})).unwrap_err();
    assert!(error.to_string().contains("must be a list"), "{error}");
    let error = query(root, json!({"sql": "SELECT 1", "filepath": "q.sql"})).unwrap_err();
    assert!(error.to_string().contains("both set"), "{error}");
}

#[test]
fn kedro_and_short_names_build_the_sql_types() {
    let dir = tempfile::tempdir().unwrap();
    let registry = DatasetRegistry::with_builtins();
    let cases = [
        ("pandas.SQLTableDataset", json!({"table_name": "t"}), "weir.SQLTableDataset"),
        (
            "kedro_datasets.pandas.SQLTableDataset",
            json!({"table_name": "t"}),
            "weir.SQLTableDataset",
        ),
        ("sql_table", json!({"table_name": "t"}), "weir.SQLTableDataset"),
        ("pandas.SQLQueryDataset", json!({"sql": "SELECT 1"}), "weir.SQLQueryDataset"),
        (
            "kedro_datasets.pandas.SQLQueryDataset",
            json!({"sql": "SELECT 1"}),
            "weir.SQLQueryDataset",
        ),
        ("sql_query", json!({"sql": "SELECT 1"}), "weir.SQLQueryDataset"),
    ];
    for (type_name, mut options, canonical) in cases {
        options["type"] = json!(type_name);
        let built = registry.build(&spec("s", options, Some(CON)), &context(dir.path())).unwrap();
        assert_eq!(built.type_name(), canonical, "{type_name}");
    }
}

#[test]
fn a_100k_row_round_trip_keeps_every_row() {
    let dir = tempfile::tempdir().unwrap();
    let n: i32 = 100_000;
    let frame = df!(
        "id" => (0..n).map(i64::from).collect::<Vec<_>>(),
        "x" => (0..n).map(|i| f64::from(i) / 7.0).collect::<Vec<_>>(),
        "name" => (0..n).map(|i| format!("row {i}")).collect::<Vec<_>>(),
        "flag" => (0..n).map(|i| i % 3 == 0).collect::<Vec<_>>(),
    )
    .unwrap();
    let dataset = table(dir.path(), json!({"table_name": "big"})).unwrap();
    let started = Instant::now();
    dataset.save(Payload::Frame(frame.clone())).unwrap();
    let saved = started.elapsed();
    let loaded = frame_of(dataset.load().unwrap());
    eprintln!(
        "sqlite 100k rows: save {saved:?}, load {:?}",
        started.elapsed().saturating_sub(saved)
    );
    assert!(loaded.equals(&frame));
    assert_eq!(rows(dir.path(), "SELECT count(*), sum(flag) FROM big"), ["100000|33334"]);
}
