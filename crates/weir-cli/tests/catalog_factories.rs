//! Dataset factories and transcoding through the real command line: a Kedro-style
//! `catalog.yml` with `"{name}_raw"` and `"{layer}.{name}"` patterns loads unchanged, `catalog
//! resolve | describe | patterns | list` report what each name resolves to, and a run writes
//! `table@polars` before reading `table@lazy` from the same file.
//!
//! Each command runs in a child process (this test binary again, running only `child_entry`
//! with the arguments in an environment variable), so stdout, stderr and the exit code are
//! the ones a user sees.

#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]
#![allow(clippy::disallowed_methods, reason = "tests write their fixture files directly")]

use std::path::Path;
use std::process::{Command, ExitCode};

use weir_core::pipeline::{Pipeline, PipelineRegistry, node};
use weir_core::polars::prelude::{DataFrame, IntoLazy, LazyFrame, col, lit};

const CHILD_ARGS: &str = "WEIR_CATALOG_FACTORIES_TEST_ARGS";

/// A Kedro-style catalog: one declared entry, four patterns (one versioned, one with inline
/// credentials) and two transcoded entries sharing one file.
const CATALOG: &str = r#"companies:
  type: pandas.CSVDataset
  filepath: data/01_raw/companies.csv

"{name}_raw":
  type: pandas.CSVDataset
  filepath: data/01_raw/{name}.csv

"{layer}.{name}":
  type: pandas.CSVDataset
  filepath: data/{layer}/{name}.csv

"reporting.{name}":
  type: pandas.CSVDataset
  filepath: data/08_reporting/{name}.csv
  versioned: true

"{name}#secret":
  type: text.TextDataset
  filepath: data/{name}.txt
  credentials:
    token: hunter2

table@polars:
  type: polars.CSVDataset
  filepath: data/02_intermediate/table.csv

table@lazy:
  type: polars.LazyPolarsDataset
  file_format: csv
  filepath: data/02_intermediate/table.csv
"#;

fn clean(shuttles: DataFrame) -> DataFrame {
    shuttles
}

fn make_table(shuttles: DataFrame) -> DataFrame {
    shuttles.lazy().with_column((col("capacity") * lit(2)).alias("seats")).collect().unwrap()
}

fn summarise(table: LazyFrame) -> DataFrame {
    table.select([col("seats").sum()]).collect().unwrap()
}

/// `summarise` sorts before `make_table` by name: only transcoding puts it after.
fn registry() -> PipelineRegistry {
    PipelineRegistry::new().with(
        "__default__",
        Pipeline::new([
            node(summarise, "table@lazy", "reporting.summary").name("summarise"),
            node(make_table, "primary.shuttles", "table@polars").name("make_table"),
            node(clean, "shuttles_raw", "primary.shuttles").name("clean"),
        ]),
    )
}

/// Runs the command line in this process when started by [`weir`]; otherwise does nothing.
#[test]
fn child_entry() {
    let Ok(args) = std::env::var(CHILD_ARGS) else {
        return;
    };
    let args: Vec<String> = serde_json::from_str(&args).unwrap();
    let code = weir_cli::run_with_args(registry(), args);
    let number = (0..=u8::MAX).find(|&c| code == ExitCode::from(c)).unwrap_or(101);
    #[expect(clippy::exit, reason = "the child process ends with the command's exit code")]
    std::process::exit(i32::from(number));
}

struct Outcome {
    code: i32,
    stdout: String,
    stderr: String,
}

fn weir(root: &Path, args: &[&str]) -> Outcome {
    let mut full = vec!["weir"];
    full.extend_from_slice(args);
    // Run from inside the project, as a user does: paths in messages are then relative.
    let output = Command::new(std::env::current_exe().unwrap())
        .args(["child_entry", "--exact", "--nocapture", "--test-threads=1", "-q"])
        .current_dir(root)
        .env(CHILD_ARGS, serde_json::to_string(&full).unwrap())
        .env_remove("RUST_LOG")
        .env_remove("WEIR_ENV")
        .env_remove("WEIR_PROJECT_DIR")
        .env_remove("WEIR_RUNS_DB")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    // The test harness announces its one test before the command writes anything.
    let stdout =
        stdout.split_once("running 1 test\n").map_or(stdout.clone(), |(_, r)| r.to_owned());
    Outcome {
        code: output.status.code().unwrap(),
        stdout,
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn write(root: &Path, relative: &str, text: &str) {
    let path = root.join(relative);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn project(catalog: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "conf/base/catalog.yml", catalog);
    write(dir.path(), "conf/base/parameters.yml", "{}\n");
    std::fs::create_dir_all(dir.path().join("conf/local")).unwrap();
    write(dir.path(), "data/01_raw/shuttles.csv", "id,capacity\n1,4\n2,6\n3,5\n");
    dir
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

#[test]
fn a_run_writes_the_transcoded_table_before_reading_it_lazily() {
    let dir = project(CATALOG);
    let outcome = weir(dir.path(), &["run", "-q"]);
    assert_eq!(outcome.code, 0, "{}", outcome.stderr);

    // `{layer}.{name}` put the cleaned table under data/primary.
    let primary = std::fs::read_to_string(dir.path().join("data/primary/shuttles.csv")).unwrap();
    assert!(primary.starts_with("id,capacity"), "{primary}");
    // `reporting.{name}` outranks `{layer}.{name}` and is versioned: one version folder.
    let folder = dir.path().join("data/08_reporting/summary.csv");
    let versions: Vec<_> = std::fs::read_dir(&folder).unwrap().collect();
    assert_eq!(versions.len(), 1);
    let version = versions[0].as_ref().unwrap().path();
    let summary = std::fs::read_to_string(version.join("summary.csv")).unwrap();
    // 2 × (4 + 6 + 5) seats, summed from the lazy view of the file `table@polars` wrote.
    assert_eq!(summary.lines().collect::<Vec<_>>(), ["seats", "30"]);

    // The parallel runner waits for the writer of `table@polars` too.
    std::fs::remove_file(dir.path().join("data/02_intermediate/table.csv")).unwrap();
    let outcome = weir(dir.path(), &["run", "-q", "--runner", "parallel", "--workers", "2"]);
    assert_eq!(outcome.code, 0, "{}", outcome.stderr);
    assert_eq!(std::fs::read_dir(&folder).unwrap().count(), 2);
}

#[test]
fn resolve_shows_each_dataset_with_the_entry_it_will_use() {
    let dir = project(CATALOG);
    let outcome = weir(dir.path(), &["catalog", "resolve"]);
    assert_eq!(outcome.code, 0, "{}", outcome.stderr);
    let yaml = &outcome.stdout;
    assert!(yaml.contains("# dataset factory `{name}_raw` (conf/base/catalog.yml:5"), "{yaml}");
    assert!(yaml.contains("# declared (conf/base/catalog.yml:"), "{yaml}");

    // The YAML loads back as a catalog with the placeholders filled in.
    let catalog: serde_json::Value = serde_norway::from_str(yaml).unwrap();
    let names: Vec<&str> = catalog.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        names,
        ["primary.shuttles", "reporting.summary", "shuttles_raw", "table@lazy", "table@polars"]
    );
    assert_eq!(catalog["shuttles_raw"]["filepath"], "data/01_raw/shuttles.csv");
    assert_eq!(catalog["primary.shuttles"]["filepath"], "data/primary/shuttles.csv");
    assert_eq!(catalog["reporting.summary"]["filepath"], "data/08_reporting/summary.csv");
    assert_eq!(catalog["reporting.summary"]["versioned"], true);

    // Kedro 1.x spells it `resolve-patterns`; JSON says where each entry comes from.
    let outcome = weir(dir.path(), &["catalog", "resolve-patterns", "--format", "json"]);
    assert_eq!(outcome.code, 0, "{}", outcome.stderr);
    let resolved = json(&outcome.stdout);
    assert_eq!(resolved["primary.shuttles"]["source"], "factory");
    assert_eq!(resolved["primary.shuttles"]["factory"], "{layer}.{name}");
    assert_eq!(resolved["reporting.summary"]["factory"], "reporting.{name}");
    assert_eq!(resolved["table@lazy"]["source"], "declared");
    assert!(resolved["shuttles_raw"]["defined_at"].as_str().unwrap().ends_with(":5:1"));
}

#[test]
fn describe_reports_factory_existence_and_versions() {
    let dir = project(CATALOG);
    let describe = |dir: &Path| {
        let outcome = weir(dir, &["catalog", "describe", "reporting.summary", "--format", "json"]);
        assert_eq!(outcome.code, 0, "{}", outcome.stderr);
        json(&outcome.stdout)
    };

    let before = describe(dir.path());
    assert_eq!(before["source"], "factory");
    assert_eq!(before["factory"], "reporting.{name}");
    assert_eq!(before["exists"], false);
    assert_eq!(before["versions"], serde_json::json!([]));
    assert_eq!(before["pipelines"], serde_json::json!(["__default__"]));
    assert_eq!(before["entry"]["filepath"], "data/08_reporting/summary.csv");

    assert_eq!(weir(dir.path(), &["run", "-q"]).code, 0);
    let after = describe(dir.path());
    assert_eq!(after["exists"], true);
    assert_eq!(after["versions"].as_array().unwrap().len(), 1);

    let outcome = weir(dir.path(), &["catalog", "describe", "primary.shuttles"]);
    assert_eq!(outcome.code, 0, "{}", outcome.stderr);
    assert!(outcome.stdout.contains("dataset factory `{layer}.{name}`"), "{}", outcome.stdout);
    assert!(outcome.stdout.contains("filepath: data/primary/shuttles.csv"), "{}", outcome.stdout);
}

#[test]
fn describe_redacts_inline_credentials() {
    let dir = project(CATALOG);
    let outcome = weir(dir.path(), &["catalog", "describe", "vault#secret"]);
    assert_eq!(outcome.code, 0, "{}", outcome.stderr);
    assert!(outcome.stdout.contains("dataset factory `{name}#secret`"), "{}", outcome.stdout);
    assert!(
        outcome.stdout.contains("token:") && outcome.stdout.contains("***"),
        "{}",
        outcome.stdout
    );
    assert!(!outcome.stdout.contains("hunter2"), "{}", outcome.stdout);
}

#[test]
fn describe_of_an_unknown_name_suggests_a_close_one() {
    let dir = project(CATALOG);
    let outcome = weir(dir.path(), &["catalog", "describe", "table@lazzy"]);
    assert_eq!(outcome.code, 2, "{}", outcome.stdout);
    assert!(outcome.stderr.contains("dataset `table@lazzy` is not declared"), "{}", outcome.stderr);
    assert!(outcome.stderr.contains("hint: did you mean `table@lazy`?"), "{}", outcome.stderr);
}

#[test]
fn patterns_are_listed_in_kedro_rank_order() {
    let dir = project(CATALOG);
    // Characters outside the placeholders: 10, 7, 4 and 1 (Kedro's first ranking rule).
    for command in ["patterns", "list-patterns", "rank"] {
        let outcome = weir(dir.path(), &["catalog", command, "--format", "json"]);
        assert_eq!(outcome.code, 0, "{}", outcome.stderr);
        let patterns: Vec<String> = json(&outcome.stdout)
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["pattern"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(patterns, ["reporting.{name}", "{name}#secret", "{name}_raw", "{layer}.{name}"]);
    }
}

#[test]
fn list_shows_the_factory_of_each_dataset() {
    let dir = project(CATALOG);
    let outcome = weir(dir.path(), &["catalog", "list"]);
    assert_eq!(outcome.code, 0, "{}", outcome.stderr);
    let line = outcome.stdout.lines().find(|l| l.contains("shuttles_raw")).unwrap();
    assert!(line.contains("from factory `{name}_raw`"), "{line}");
    let outcome = weir(dir.path(), &["catalog", "describe-datasets", "--format", "json"]);
    assert_eq!(outcome.code, 0, "{}", outcome.stderr);
    let listing = json(&outcome.stdout);
    assert_eq!(listing["__default__"]["primary.shuttles"]["factory"], "{layer}.{name}");
    assert_eq!(listing["__default__"]["table@polars"]["factory"], serde_json::Value::Null);
}

#[test]
fn a_catch_all_pattern_takes_every_undeclared_dataset() {
    let dir = project(
        "\"{default}\":\n  type: pandas.CSVDataset\n  filepath: data/{default}.csv\n\n\
         \"{name}_raw\":\n  type: pandas.CSVDataset\n  filepath: data/01_raw/{name}.csv\n",
    );
    let outcome = weir(dir.path(), &["catalog", "resolve", "--format", "json"]);
    assert_eq!(outcome.code, 0, "{}", outcome.stderr);
    let resolved = json(&outcome.stdout);
    assert_eq!(resolved["shuttles_raw"]["factory"], "{name}_raw");
    for name in ["primary.shuttles", "table@polars", "table@lazy", "reporting.summary"] {
        assert_eq!(resolved[name]["factory"], "{default}", "{name}");
        assert_eq!(resolved[name]["entry"]["filepath"], format!("data/{name}.csv"));
    }
}

#[test]
fn a_factory_entry_that_does_not_build_stops_the_run_before_any_node() {
    let dir = project(&CATALOG.replace("data/{layer}/{name}.csv", "data/{layr}/{name}.csv"));
    let outcome = weir(dir.path(), &["run", "-q"]);
    assert_eq!(outcome.code, 2, "{}", outcome.stderr);
    assert!(
        outcome.stderr.contains(
            "error: cannot build dataset `primary.shuttles` from factory pattern `{layer}.{name}` (conf/base/catalog.yml:9"
        ),
        "{}",
        outcome.stderr
    );
    assert!(outcome.stderr.contains("`{layr}`"), "{}", outcome.stderr);
    assert!(outcome.stderr.contains("hint:"), "{}", outcome.stderr);
    assert!(!dir.path().join("data/primary").exists());
}

#[test]
fn validate_checks_the_schema_of_factory_built_datasets() {
    let catalog = CATALOG.replace(
        "  filepath: data/01_raw/{name}.csv\n",
        "  filepath: data/01_raw/{name}.csv\n  schema:\n    columns:\n      \
         capacity: {dtype: int64, min: 1, max: 5}\n",
    );
    let dir = project(&catalog);

    // shuttles.csv holds capacities 4, 6 and 5: the second row is above the maximum.
    for args in [
        vec!["catalog", "validate"],
        vec!["catalog", "validate", "shuttles_raw"],
        vec!["catalog", "validate", "--pipeline", "__default__"],
    ] {
        let outcome = weir(dir.path(), &args);
        assert_eq!(outcome.code, 1, "{args:?}: {}{}", outcome.stdout, outcome.stderr);
        let lines: Vec<&str> = outcome.stdout.lines().collect();
        assert_eq!(
            lines,
            [
                "shuttles_raw  violations  data/01_raw/shuttles.csv  1 violation",
                "    column `capacity`: 1 row is above max 5 (e.g. row 1: 6)",
            ],
            "{args:?}"
        );
    }

    write(dir.path(), "data/01_raw/shuttles.csv", "id,capacity\n1,4\n2,3\n3,5\n");
    let outcome = weir(dir.path(), &["catalog", "validate"]);
    assert_eq!(outcome.code, 0, "{}", outcome.stderr);
    assert_eq!(outcome.stdout, "shuttles_raw  ok  data/01_raw/shuttles.csv  3 rows\n");
}

/// The nodes `run --skip-unchanged --explain` ran, from its `ran <node> ...` lines.
fn nodes_that_ran(stdout: &str) -> Vec<String> {
    let mut ran: Vec<String> = stdout
        .lines()
        .filter_map(|line| line.strip_prefix("ran "))
        .filter_map(|rest| rest.split_whitespace().next())
        .map(str::to_owned)
        .collect();
    ran.sort();
    ran
}

#[test]
fn skip_unchanged_reruns_the_nodes_whose_factory_entry_changed() {
    let dir = project(CATALOG);
    let explain = ["run", "-q", "--skip-unchanged", "--explain"];
    assert_eq!(weir(dir.path(), &["run", "-q"]).code, 0);
    let outcome = weir(dir.path(), &explain);
    assert_eq!(outcome.code, 0, "{}", outcome.stderr);
    assert!(nodes_that_ran(&outcome.stdout).is_empty(), "{}", outcome.stdout);

    // `primary.shuttles` comes from `{layer}.{name}`: moving its file changes the entry of the
    // node writing it and of the node reading it, though the data stays the same.
    let moved = CATALOG.replace("data/{layer}/{name}.csv", "data/{layer}/{name}_v2.csv");
    write(dir.path(), "conf/base/catalog.yml", &moved);
    let outcome = weir(dir.path(), &explain);
    assert_eq!(outcome.code, 0, "{}", outcome.stderr);
    assert_eq!(nodes_that_ran(&outcome.stdout), ["clean", "make_table"], "{}", outcome.stdout);
    assert!(
        outcome.stdout.contains("the catalog entry of `primary.shuttles` changed"),
        "{}",
        outcome.stdout
    );
}
