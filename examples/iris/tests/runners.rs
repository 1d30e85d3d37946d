//! The parallel runner and `--async` through the iris binary: the same predictions, report and
//! master table as a sequential run, and a clear error for a `--workers` without a parallel
//! runner.

#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

mod support;

use support::{Project, read_csv};

/// What a run leaves behind that must not depend on the runner.
struct Results {
    predictions: String,
    report: serde_json::Value,
    master_table: String,
}

fn run_and_collect(args: &[&str]) -> (Results, String) {
    let project = Project::copy();
    let outcome = project.run(args);
    outcome.expect_code(0);

    let versions = project.versions("data/03_primary/master_table.csv");
    assert_eq!(versions.len(), 1, "one versioned master table per run");
    let master = format!("data/03_primary/master_table.csv/{}/master_table.csv", versions[0]);
    let read = |relative: &str| std::fs::read_to_string(project.path(relative)).unwrap();
    let results = Results {
        predictions: read("data/07_model_output/iris_predictions.csv"),
        report: serde_json::from_str(&read("data/08_reporting/classification_report.json"))
            .unwrap(),
        master_table: read(&master),
    };
    // The predictions are a real table, not an empty file that would compare equal.
    assert_eq!(read_csv(&project.path("data/07_model_output/iris_predictions.csv")).width(), 2);
    (results, outcome.stderr.clone())
}

fn assert_same(parallel: &Results, sequential: &Results) {
    assert_eq!(parallel.predictions, sequential.predictions, "predictions differ");
    assert_eq!(parallel.report, sequential.report, "classification reports differ");
    assert_eq!(parallel.master_table, sequential.master_table, "master tables differ");
}

#[test]
fn parallel_run_gives_the_same_results_as_a_sequential_one() {
    let (sequential, _) = run_and_collect(&["run"]);
    let (parallel, stderr) = run_and_collect(&["run", "--runner", "parallel", "--workers", "2"]);

    assert!(stderr.contains("workers=2"), "the parallel runner was not used:\n{stderr}");
    assert!(stderr.contains("completed node node=\"predict\""), "{stderr}");
    assert_same(&parallel, &sequential);
}

#[test]
fn async_io_with_either_runner_gives_the_same_results() {
    let (sequential, _) = run_and_collect(&["run"]);
    let (sequential_async, _) = run_and_collect(&["run", "--async"]);
    let (parallel_async, _) =
        run_and_collect(&["run", "-r", "parallel", "--workers", "2", "--async"]);

    assert_same(&sequential_async, &sequential);
    assert_same(&parallel_async, &sequential);
}

#[test]
fn workers_without_the_parallel_runner_is_a_usage_error() {
    let project = Project::copy();
    let outcome = project.run(&["run", "--workers", "2"]);
    outcome.expect_code(2);
    assert!(
        outcome.stderr.contains("`--workers` only applies to the parallel runner"),
        "{}",
        outcome.stderr
    );
    assert!(outcome.stderr.contains("hint: add `--runner parallel`"), "{}", outcome.stderr);
    assert!(project.written_files().is_empty(), "nothing ran");
}
