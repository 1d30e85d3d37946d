//! The reporting datasets in a real run: a `tracking.MetricsDataset` whose name says nothing of
//! metrics is kept with the run's records, a `plot` entry writes its PNG and SVG, and a memory
//! entry with Kedro's `copy_mode: deepcopy` feeds two readers, one of which changes its frame in
//! place (the buffers themselves are checked in `catalog::memory`'s unit tests).

#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]
#![allow(clippy::needless_pass_by_value, reason = "node functions take their inputs by value")]

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use serde_json::{Value, json};
use weir_core::catalog::files::plot::Chart;
use weir_core::hooks::Hooks;
use weir_core::pipeline::{Pipeline, PipelineFilter, PipelineRegistry, node};
use weir_core::polars::df;
use weir_core::polars::prelude::{ChunkAgg, DataFrame};
use weir_core::project::{ProjectDefinition, RunSettings, Session, SessionOptions};
use weir_core::records::{RunRecorder, RunStart, RunStore};
use weir_core::runner::Runner;

const CATALOG: &str = "\
evaluation:
  type: tracking.MetricsDataset
  filepath: data/09_tracking/evaluation.json
class_counts:
  type: plot
  filepath: data/08_reporting/class_counts.png
  save_args: {width: 400, height: 300}
table:
  type: MemoryDataset
  copy_mode: deepcopy
";

fn make_table() -> DataFrame {
    df!("x" => [1.0, 2.0, 3.0], "class" => ["a", "b", "b"]).unwrap()
}

/// Scales `x` in place: with `deepcopy` the frame's buffers are its own.
fn scaled_sum(table: DataFrame) -> f64 {
    let mut x = table.column("x").unwrap().as_materialized_series().f64().unwrap().clone();
    x.apply_mut(|value| value * 100.0);
    x.sum().unwrap()
}

fn plain_sum(table: DataFrame) -> f64 {
    table.column("x").unwrap().as_materialized_series().f64().unwrap().sum().unwrap()
}

fn evaluate(scaled: f64, plain: f64) -> Value {
    json!({"scaled": scaled, "plain": plain, "rows": 3})
}

fn count_classes(table: DataFrame) -> Chart {
    let classes = table.column("class").unwrap().str().unwrap().clone();
    let count = |name: &str| (0..classes.len()).filter(|&i| classes.get(i) == Some(name)).count();
    #[expect(clippy::cast_precision_loss, reason = "three rows")]
    let counts = [count("a") as f64, count("b") as f64];
    Chart::bar("Rows per class", ["a", "b"], counts)
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::File::create(path).unwrap().write_all(text.as_bytes()).unwrap();
}

#[test]
fn metrics_plots_and_copies_in_a_recorded_run() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("conf/base/catalog.yml"), CATALOG);
    std::fs::create_dir_all(dir.path().join("conf/local")).unwrap();
    let pipeline = Pipeline::new([
        node(make_table, (), "table"),
        node(scaled_sum, "table", "scaled"),
        node(plain_sum, "table", "plain"),
        node(evaluate, ["scaled", "plain"], "evaluation"),
        node(count_classes, "table", "class_counts"),
    ]);
    let registry = PipelineRegistry::new().with("report", pipeline).with_default_of_all();
    let options =
        SessionOptions { project_root: dir.path().to_path_buf(), ..SessionOptions::default() };
    let session = Session::open(ProjectDefinition::from(registry), options).unwrap();

    let store = Arc::new(RunStore::open(&dir.path().join(".weir/runs.sqlite")).unwrap());
    let start = RunStart {
        id: session.save_version().to_owned(),
        pipeline: "__default__".to_owned(),
        env: "local".to_owned(),
        started_at: "2026-12-04T00:00:00Z".to_owned(),
        git_commit: None,
        git_dirty: None,
        command: "weir run".to_owned(),
        parameters: json!({}),
        options: json!({}),
        pid: None,
    };
    let mut hooks = Hooks::new();
    hooks.push(RunRecorder::new(Arc::clone(&store), start));
    let pipeline = session.pipeline("__default__", &PipelineFilter::default()).unwrap();
    let settings = RunSettings { hooks, ..RunSettings::default() };
    session.run_configured(&pipeline, Runner::default(), settings).unwrap();

    // The metrics dataset is versioned by default and kept with the run, whatever its name.
    // The records keep the value the node returned; the file holds floats, as Kedro writes.
    let recorded = store.metrics(session.save_version()).unwrap();
    let returned = json!({"scaled": 600.0, "plain": 6.0, "rows": 3});
    assert_eq!(recorded, vec![("evaluation".to_owned(), returned)]);
    let metrics = json!({"scaled": 600.0, "plain": 6.0, "rows": 3.0});
    let file = dir
        .path()
        .join("data/09_tracking/evaluation.json")
        .join(session.save_version())
        .join("evaluation.json");
    let written: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    assert_eq!(written, metrics);

    // The plot dataset writes both files.
    let reporting = dir.path().join("data/08_reporting");
    let png = std::fs::read(reporting.join("class_counts.png")).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(&png[16..24], &[0, 0, 1, 144, 0, 0, 1, 44], "400 × 300 pixels");
    let svg = std::fs::read_to_string(reporting.join("class_counts.svg")).unwrap();
    assert!(svg.contains("Rows per class"), "{svg}");
}
