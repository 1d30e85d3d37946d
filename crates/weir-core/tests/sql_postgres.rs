//! SQL datasets against a real PostgreSQL server on 127.0.0.1.
//!
//! Run through `./scripts/with-services.sh cargo test -p weir-core --test sql_postgres`, which
//! starts the server and sets `WEIR_TEST_POSTGRES_URL`. Without it these tests print how to run
//! them and pass, unless `WEIR_REQUIRE_SERVICES=1`, when they fail.
//!
//! Expected values are what `psql` reports for the same table (`psql -At`), not what weir reads
//! back: each test asks the server through `psql` and compares.

#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]
#![allow(clippy::print_stderr, reason = "tests say when they skip and print timings")]

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

use polars::df;
use polars::prelude::{
    DataFrame, DataType, IntoColumn, NamedFrom, Series, SortMultipleOptions, TimeUnit,
};
use serde_json::{Value, json};
use weir_core::catalog::sql::{SqlQueryDataset, SqlTableDataset};
use weir_core::catalog::{CatalogError, Dataset, DatasetContext, DatasetSpec};
use weir_core::data::Payload;
use weir_core::error::{Hinted, Secret};

/// The server's URL, or `None` (after saying how to run the test) when no server was started.
fn server() -> Option<String> {
    if let Ok(url) = std::env::var("WEIR_TEST_POSTGRES_URL") {
        return Some(url);
    }
    let message = "WEIR_TEST_POSTGRES_URL is not set: run these tests through \
                   `./scripts/with-services.sh cargo test -p weir-core --test sql_postgres`";
    assert!(std::env::var("WEIR_REQUIRE_SERVICES").as_deref() != Ok("1"), "{message}");
    eprintln!("skipped: {message}");
    None
}

/// The URL with a password added; the server trusts local connections and ignores it, which
/// lets the tests check that it is never shown.
fn with_password(url: &str) -> String {
    url.replacen("postgresql://weir@", "postgresql://weir:s3cret-pw@", 1)
}

/// A table name unique to this test process and `test`.
fn table_name(test: &str) -> String {
    format!("weir_{test}_{}", std::process::id())
}

fn spec(name: &str, options: Value, con: &str) -> DatasetSpec {
    let Value::Object(options) = options else { panic!("test options are a JSON object") };
    let Value::Object(credentials) = json!({"con": con}) else { unreachable!() };
    DatasetSpec {
        name: name.to_owned(),
        type_name: "test".to_owned(),
        options,
        credentials: Some(Secret::new(credentials)),
        source: None,
    }
}

fn context(root: &Path) -> DatasetContext {
    DatasetContext {
        project_root: root.to_path_buf(),
        save_version: "2024-01-05T10.11.12.345Z".to_owned(),
        load_versions: HashMap::new(),
    }
}

fn table(url: &str, options: Value) -> SqlTableDataset {
    SqlTableDataset::from_spec(&spec("shuttles", options, url), &context(Path::new("/")))
        .expect("a valid entry")
}

fn query(url: &str, options: Value) -> Result<SqlQueryDataset, CatalogError> {
    SqlQueryDataset::from_spec(&spec("report", options, url), &context(Path::new("/")))
}

fn frame_of(payload: Payload) -> DataFrame {
    match payload {
        Payload::Frame(frame) => frame,
        other => panic!("expected a frame, got {other:?}"),
    }
}

/// `psql`'s unaligned output of `sql`, one `|`-separated line per row.
fn psql(url: &str, sql: &str) -> Vec<String> {
    let output = Command::new(psql_program())
        .args([url, "-X", "-At", "-v", "ON_ERROR_STOP=1", "-c", sql])
        .output()
        .expect("psql runs");
    assert!(output.status.success(), "psql failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap().lines().map(str::to_owned).collect()
}

fn psql_program() -> String {
    if Command::new("psql").arg("--version").output().is_ok() {
        return "psql".to_owned();
    }
    let mut found: Vec<_> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path().join("bin/psql"))
        .filter(|path| path.exists())
        .collect();
    found.sort();
    found.pop().expect("psql is installed with PostgreSQL").display().to_string()
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
        "x" => [Some(0.1f64), Some(-2.5e-7), None],
        "name" => [Some("tab\there \\ \"q\""), None, Some("ünï\ncode")],
        "flag" => [Some(true), Some(false), None],
    )
    .unwrap();
    frame.with_column(day.into_column()).unwrap();
    frame.with_column(at.into_column()).unwrap();
    frame
}

#[test]
fn a_frame_round_trips_and_psql_sees_the_same_values() {
    let Some(url) = server() else { return };
    let name = table_name("round_trip");
    let dataset = table(&url, json!({"table_name": name}));
    assert!(!dataset.exists().unwrap());
    dataset.save(Payload::Frame(sample())).unwrap();
    assert!(dataset.exists().unwrap());

    let types = psql(
        &url,
        &format!(
            "SELECT attname || ' ' || format_type(atttypid, atttypmod) FROM pg_attribute \
             WHERE attrelid = '{name}'::regclass AND attnum > 0 ORDER BY attnum"
        ),
    );
    assert_eq!(
        types,
        [
            "id bigint",
            "small integer",
            "x double precision",
            "name text",
            "flag boolean",
            "day date",
            "at timestamp without time zone",
        ]
    );
    let rows = psql(
        &url,
        &format!(
            "SELECT id, small, x, flag, day, at, replace(replace(name, E'\\t', '<TAB>'), E'\\n', '<LF>') \
             FROM {name} ORDER BY id"
        ),
    );
    assert_eq!(
        rows,
        [
            "1|7|0.1|t|2024-02-29|2024-02-29 12:30:01.000005|tab<TAB>here \\ \"q\"",
            "2||-2.5e-07|f||1970-01-01 00:00:00|",
            "3|-1|||1970-01-01||ünï<LF>code",
        ]
    );

    let loaded = frame_of(dataset.load().unwrap());
    assert_eq!(loaded.dtypes(), sample().dtypes());
    assert!(loaded.equals_missing(&sample()), "{loaded}");
}

#[test]
fn if_exists_fail_replace_and_append() {
    let Some(url) = server() else { return };
    let name = table_name("modes");
    let fail = table(&url, json!({"table_name": name}));
    let replace = table(&url, json!({"table_name": name, "save_args": {"if_exists": "replace"}}));
    let append = table(&url, json!({"table_name": name, "save_args": {"if_exists": "append"}}));

    fail.save(Payload::Frame(df!("a" => [1i64], "b" => ["x"]).unwrap())).unwrap();
    let error = fail.save(Payload::Frame(df!("a" => [2i64]).unwrap())).unwrap_err();
    assert!(error.to_string().contains("already exists"), "{error}");
    assert!(error.hint().unwrap().contains("if_exists: replace"));

    append.save(Payload::Frame(df!("b" => ["y"], "a" => [2i64]).unwrap())).unwrap();
    assert_eq!(psql(&url, &format!("SELECT a, b FROM {name} ORDER BY a")), ["1|x", "2|y"]);

    let error = append.save(Payload::Frame(df!("a" => ["three"]).unwrap())).unwrap_err();
    let text = error.to_string();
    assert!(text.contains(&format!("column `a` of table `{name}` is `bigint`")), "{text}");
    assert!(text.contains("holds text"), "{text}");

    // A NUL byte cannot be stored in text: the save fails after the table was dropped and
    // recreated inside the transaction, and the old rows are still there.
    let error = replace.save(Payload::Frame(df!("c" => ["ok", "bad\0"]).unwrap())).unwrap_err();
    assert!(error.to_string().contains("row 2") && error.to_string().contains("NUL"), "{error}");
    assert_eq!(psql(&url, &format!("SELECT count(*) FROM {name}")), ["2"]);

    replace.save(Payload::Frame(df!("c" => [true]).unwrap())).unwrap();
    assert_eq!(psql(&url, &format!("SELECT * FROM {name}")), ["t"]);
}

#[test]
fn query_datasets_bind_params_and_type_columns_like_postgres() {
    let Some(url) = server() else { return };
    let name = table_name("query");
    psql(
        &url,
        &format!(
            "CREATE TABLE {name} (id integer, price numeric(10,3), label varchar(10), \
             at timestamptz, doc jsonb, key uuid);
             INSERT INTO {name} VALUES
               (1, 12345.678, 'a', '2024-02-29 12:30:01+00', '{{\"k\": [1, 2]}}',
                'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'),
               (2, -0.05, NULL, NULL, NULL, NULL),
               (3, 7, 'c', NULL, NULL, NULL);"
        ),
    );
    let expected_text = psql(
        &url,
        &format!("SELECT id, price, label, doc, key FROM {name} WHERE id <= 2 ORDER BY id"),
    );
    assert_eq!(
        expected_text,
        ["1|12345.678|a|{\"k\": [1, 2]}|a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "2|-0.050|||"]
    );

    let cases = [
        json!({"sql": format!("SELECT * FROM {name} WHERE id <= %s ORDER BY id"), "load_args": {"params": [2]}}),
        json!({"sql": format!("SELECT * FROM {name} WHERE id <= :top ORDER BY id"), "load_args": {"params": {"top": 2}}}),
        json!({"sql": format!("SELECT * FROM {name} WHERE id <= $1 ORDER BY id"), "load_args": {"params": ["2"]}}),
    ];
    let at = Series::new("at".into(), [Some(1_709_209_801_000_000i64), None])
        .cast(&DataType::Datetime(TimeUnit::Microseconds, Some(polars::prelude::TimeZone::UTC)))
        .unwrap();
    let mut expected = df!(
        "id" => [1i32, 2],
        "price" => [12_345.678f64, -0.05],
        "label" => [Some("a"), None],
    )
    .unwrap();
    expected.with_column(at.into_column()).unwrap();
    expected
        .with_column(Series::new("doc".into(), [Some("{\"k\": [1, 2]}"), None]).into_column())
        .unwrap();
    expected
        .with_column(
            Series::new("key".into(), [Some("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"), None])
                .into_column(),
        )
        .unwrap();
    for options in cases {
        let loaded = frame_of(query(&url, options.clone()).unwrap().load().unwrap());
        assert_eq!(loaded.dtypes(), expected.dtypes(), "{options}");
        assert!(loaded.equals_missing(&expected), "{options}: {loaded}");
    }

    let error = query(&url, json!({"sql": "SELECT 1"}))
        .unwrap()
        .save(Payload::Frame(expected))
        .unwrap_err();
    assert!(error.to_string().contains("read-only"), "{error}");
}

#[test]
fn errors_name_the_dataset_and_never_the_password() {
    let Some(url) = server() else { return };
    let url = with_password(&url);
    let name = table_name("errors");
    psql(&url, &format!("CREATE TABLE {name} (a integer)"));

    let missing = table(&url, json!({"table_name": format!("{name}x")}));
    let error = missing.load().unwrap_err();
    let text = error.to_string();
    assert!(text.contains("`shuttles`") && text.contains("does not exist"), "{text}");
    assert!(text.contains("postgresql://***@127.0.0.1:"), "{text}");
    assert!(error.hint().unwrap().starts_with(&format!("did you mean `{name}`")), "{error:?}");

    let broken = query(&url, json!({"sql": format!("SELECT a FROM {name} WHERE a >")})).unwrap();
    let error = broken.load().unwrap_err();
    assert!(error.to_string().contains("syntax error at"), "{error}");
    assert!(error.hint().unwrap().contains("check the SQL"), "{error:?}");

    // A port nothing listens on: bind one, then free it.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let closed = table(
        &format!("postgresql://weir:s3cret-pw@127.0.0.1:{port}/weir"),
        json!({"table_name": "t"}),
    );
    let error = closed.load().unwrap_err();
    assert!(error.to_string().contains("cannot connect to PostgreSQL"), "{error}");
    assert!(error.hint().unwrap().contains("server is running"), "{error:?}");

    for shown in [
        format!("{missing:?}"),
        format!("{broken:?}"),
        format!("{closed:?}"),
        missing.location().unwrap(),
        format!("{error:?}"),
        text,
    ] {
        assert!(!shown.contains("s3cret-pw"), "{shown}");
    }
}

#[test]
fn a_100k_row_table_saves_and_loads() {
    let Some(url) = server() else { return };
    let name = table_name("big");
    let n: i32 = 100_000;
    let frame = df!(
        "id" => (0..n).map(i64::from).collect::<Vec<_>>(),
        "x" => (0..n).map(|i| f64::from(i) / 7.0).collect::<Vec<_>>(),
        "name" => (0..n).map(|i| format!("row {i}")).collect::<Vec<_>>(),
        "flag" => (0..n).map(|i| i % 3 == 0).collect::<Vec<_>>(),
    )
    .unwrap();
    let dataset = table(&url, json!({"table_name": name}));
    let started = std::time::Instant::now();
    dataset.save(Payload::Frame(frame.clone())).unwrap();
    let saved = started.elapsed();
    let loaded = frame_of(dataset.load().unwrap());
    eprintln!(
        "postgres 100k rows: save {saved:?}, load {:?}",
        started.elapsed().saturating_sub(saved)
    );
    assert_eq!(
        psql(&url, &format!("SELECT count(*), sum(flag::int), sum(id) FROM {name}")),
        ["100000|33334|4999950000"]
    );
    let ordered = loaded.sort(["id"], SortMultipleOptions::default()).unwrap();
    assert!(ordered.equals(&frame));
}
