//! Run records, `--skip-unchanged`, `--resume` and `--runner-params`, through the real iris
//! binary on a temporary copy of the project.
//!
//! The iris default pipeline (see `src/pipelines`): `add_split` (memory output `iris_split`)
//! feeds `fit_scaler`, `fit_label_encoder` and `build_master_table` (persisted outputs);
//! `train_model` reads `params:model`; `evaluate_model` and `predict` read the model. The
//! expected sets below follow from that graph alone.

mod support;

use std::collections::BTreeMap;

use serde_json::Value;
use support::Project;

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|error| panic!("not JSON ({error}): {text}"))
}

/// `--explain` lines (`ran|skipped  node  reason`) as node → verb.
fn decisions(stdout: &str) -> BTreeMap<String, String> {
    stdout
        .lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            let verb = words.next()?;
            let node = words.next()?;
            Some((node.to_owned(), verb.to_owned()))
        })
        .collect()
}

fn names_with(decisions: &BTreeMap<String, String>, verb: &str) -> Vec<String> {
    decisions.iter().filter(|(_, v)| *v == verb).map(|(node, _)| node.clone()).collect()
}

fn explain(project: &Project, extra: &[&str]) -> BTreeMap<String, String> {
    let mut args = vec!["run", "-q", "--skip-unchanged", "--explain"];
    args.extend_from_slice(extra);
    let outcome = project.run(&args);
    outcome.expect_code(0);
    decisions(&outcome.stdout)
}

const ALL_NODES: [&str; 7] = [
    "add_split",
    "build_master_table",
    "evaluate_model",
    "fit_label_encoder",
    "fit_scaler",
    "predict",
    "train_model",
];

#[test]
fn every_run_is_recorded_with_its_nodes_parameters_and_dataset_versions() {
    let project = Project::copy();
    project.run(&["run", "-q"]).expect_code(0);

    let listed = json(&project.run(&["runs", "list", "--format", "json"]).stdout);
    let runs = listed.as_array().expect("a list of runs");
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0]["status"], "succeeded");
    assert_eq!(runs[0]["pipeline"], "__default__");
    assert_eq!(runs[0]["env"], "local");
    assert_eq!(
        runs[0]["parameters"]["model"]["C"], 1.0,
        "from conf/base/parameters_model_train.yml"
    );

    let shown = project.run(&["runs", "show", "latest", "--format", "json"]);
    let run = json(&shown.expect_code(0).stdout);
    let mut nodes: Vec<&str> =
        run["nodes"].as_array().unwrap().iter().map(|n| n["node"].as_str().unwrap()).collect();
    nodes.sort_unstable();
    assert_eq!(nodes, ALL_NODES);
    assert!(run["nodes"].as_array().unwrap().iter().all(|n| n["status"] == "succeeded"));
    assert!(run["nodes"][0]["duration_ms"].as_f64().is_some());

    // The versioned model was saved under this run's version; the raw data was loaded.
    let datasets = run["datasets"].as_array().unwrap();
    let model_save = datasets
        .iter()
        .find(|d| d["dataset"] == "model" && d["direction"] == "save")
        .expect("the model's save is recorded");
    assert_eq!(model_save["version"], run["id"]);
    assert_eq!(project.versions("data/06_models/model.pkl"), [run["id"].as_str().unwrap()]);
    assert!(datasets.iter().any(|d| d["dataset"] == "iris_raw"
        && d["direction"] == "load"
        && d["location"] == "data/01_raw/iris.csv"));

    // The records stay out of git.
    let ignore = std::fs::read_to_string(project.path(".weir/.gitignore")).unwrap();
    assert!(ignore.lines().any(|line| line == "*"));
}

#[test]
fn skip_unchanged_reruns_exactly_what_a_parameter_change_reaches() {
    let project = Project::copy();
    project.run(&["run", "-q"]).expect_code(0);

    // Nothing changed: only the node with an in-memory output runs.
    let unchanged = explain(&project, &[]);
    assert_eq!(names_with(&unchanged, "ran"), ["add_split"]);
    assert_eq!(unchanged.len(), ALL_NODES.len());

    // `params:model` is read by `train_model` only; `evaluate_model` and `predict` read its
    // output.
    let changed = explain(&project, &["--params", "model.C=0.5"]);
    assert_eq!(
        names_with(&changed, "ran"),
        ["add_split", "evaluate_model", "predict", "train_model"]
    );
    assert_eq!(
        names_with(&changed, "skipped"),
        ["build_master_table", "fit_label_encoder", "fit_scaler"]
    );

    // The same parameter again: up to date.
    let again = explain(&project, &["--params", "model.C=0.5"]);
    assert_eq!(names_with(&again, "ran"), ["add_split"]);
}

#[test]
fn skip_unchanged_reruns_after_an_input_or_an_output_changes() {
    let project = Project::copy();
    project.run(&["run", "-q"]).expect_code(0);

    // A new modification time with the same content changes nothing.
    let raw = project.path("data/01_raw/iris.csv");
    let text = std::fs::read_to_string(&raw).unwrap();
    project.write("data/01_raw/iris.csv", &text);
    assert_eq!(names_with(&explain(&project, &[]), "ran"), ["add_split"]);

    // One flower fewer: everything downstream of the raw data runs.
    let shorter = text.lines().take(150).collect::<Vec<_>>().join("\n") + "\n";
    project.write("data/01_raw/iris.csv", &shorter);
    assert_eq!(names_with(&explain(&project, &[]), "ran"), ALL_NODES);

    // An output edited by hand is rewritten by the node that owns it, and only that one.
    project.write("data/08_reporting/classification_report.json", "{}");
    let outcome = project.run(&["run", "-q", "--skip-unchanged", "--explain"]);
    let decided = decisions(&outcome.expect_code(0).stdout);
    assert_eq!(names_with(&decided, "ran"), ["add_split", "evaluate_model"]);
    assert!(outcome.stdout.contains("output `classification_report` was changed after run"));
    let report =
        std::fs::read_to_string(project.path("data/08_reporting/classification_report.json"));
    assert!(report.unwrap().contains("accuracy"));
}

#[test]
fn resume_runs_only_what_the_failed_run_left() {
    let project = Project::copy();
    let failed = project.run(&["run", "-q", "--params", "model.C=-1"]);
    failed.expect_code(1);
    assert!(failed.stderr.contains("or with `run --resume`"), "{}", failed.stderr);

    let listed = json(&project.run(&["runs", "list", "--format", "json"]).stdout);
    assert_eq!(listed[0]["status"], "failed");
    assert_eq!(listed[0]["resume_from"], serde_json::json!(["train_model"]));

    project.run(&["run", "-q", "--resume"]).expect_code(0);
    let resumed = json(&project.run(&["runs", "show", "latest", "--format", "json"]).stdout);
    let mut nodes: Vec<&str> =
        resumed["nodes"].as_array().unwrap().iter().map(|n| n["node"].as_str().unwrap()).collect();
    nodes.sort_unstable();
    assert_eq!(nodes, ["evaluate_model", "predict", "train_model"]);
    assert_eq!(resumed["options"]["from_nodes"], serde_json::json!(["train_model"]));

    // The latest run succeeded: nothing is left to resume.
    let nothing = project.run(&["run", "--resume"]);
    nothing.expect_code(2);
    assert!(
        nothing.stderr.contains("succeeded, so there is nothing to resume"),
        "{}",
        nothing.stderr
    );
}

#[test]
fn resume_needs_a_recorded_run_of_the_same_pipeline() {
    let project = Project::copy();
    let outcome = project.run(&["run", "--resume"]);
    outcome.expect_code(2);
    assert!(outcome.stderr.contains("no run of pipeline `__default__` in environment `local`"));
    assert!(outcome.stderr.contains("hint:"));
}

#[test]
fn runs_show_and_diff_name_unknown_runs_and_compare_parameters_and_metrics() {
    let project = Project::copy();
    project.run(&["run", "-q"]).expect_code(0);
    project.run(&["run", "-q", "--params", "model.C=0.01"]).expect_code(0);
    let listed = json(&project.run(&["runs", "list", "--format", "json"]).stdout);
    let (newer, older) = (listed[0]["id"].as_str().unwrap(), listed[1]["id"].as_str().unwrap());

    let diff = json(&project.run(&["runs", "diff", older, newer, "--format", "json"]).stdout);
    let c = diff["parameters"].as_array().unwrap().iter().find(|row| row["key"] == "model.C");
    let c = c.expect("model.C is compared");
    assert_eq!((c["first"].as_str(), c["second"].as_str()), (Some("1.0"), Some("0.01")));
    let accuracy = diff["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["key"] == "classification_report.accuracy")
        .expect("the classification report's accuracy is a metric");
    assert_ne!(accuracy["first"], "-");
    assert_ne!(accuracy["second"], "-");

    let typo = format!("{}X", &older[..older.len() - 1]);
    let unknown = project.run(&["runs", "show", &typo]);
    unknown.expect_code(2);
    assert!(unknown.stderr.contains(&format!("did you mean `{older}`")), "{}", unknown.stderr);
}

#[test]
fn no_record_writes_no_records_and_listing_them_shows_none() {
    let project = Project::copy();
    project.run(&["run", "-q", "--no-record"]).expect_code(0);
    assert!(!project.path(".weir").exists());
    let listed = project.run(&["runs", "list"]);
    assert!(listed.expect_code(0).stdout.contains("no runs recorded yet"));
    assert_eq!(project.run(&["runs", "list", "--format", "json"]).stdout.trim(), "[]");
    let shown = project.run(&["runs", "show", "latest"]);
    shown.expect_code(2);
    assert!(shown.stderr.contains("no run records at"));
}

#[test]
fn runner_params_are_checked_and_applied() {
    let project = Project::copy();
    project
        .run(&["run", "-q", "-r", "ParallelRunner", "--runner-params", "max_workers=2"])
        .expect_code(0);

    let unknown = project.run(&["run", "--runner-params", "max_worker=2"]);
    unknown.expect_code(2);
    assert!(unknown.stderr.contains("unknown --runner-params key `max_worker`"));
    assert!(unknown.stderr.contains("max_workers"));

    let zero = project.run(&["run", "-r", "parallel", "--runner-params", "max_workers=0"]);
    zero.expect_code(2);
    assert!(zero.stderr.contains("must be a whole number from 1"));
}

#[test]
fn a_changed_catalog_entry_reruns_the_nodes_that_use_the_dataset() {
    let project = Project::copy();
    project.run(&["run", "-q"]).expect_code(0);
    let catalog = std::fs::read_to_string(project.path("conf/base/catalog.yml")).unwrap();
    let changed = catalog.replacen("iris_raw:\n", "iris_raw:\n  load_args:\n    sep: \",\"\n", 1);
    assert_ne!(changed, catalog, "the catalog declares `iris_raw`");
    project.write("conf/base/catalog.yml", &changed);

    let outcome = project.run(&["run", "-q", "--skip-unchanged", "--explain"]);
    let decided = decisions(&outcome.expect_code(0).stdout);
    // The nodes reading `iris_raw` or its in-memory split run again; `master_table` comes out
    // with the same content, so the nodes reading it stay skipped.
    assert_eq!(
        names_with(&decided, "ran"),
        ["add_split", "build_master_table", "fit_label_encoder", "fit_scaler"]
    );
    assert!(
        outcome
            .stdout
            .lines()
            .any(|line| line.contains("fit_scaler") && line.contains("input `iris_split` changed")),
        "{}",
        outcome.stdout
    );
}

#[test]
fn a_save_with_a_pinned_load_version_records_the_version_it_wrote() {
    let project = Project::copy();
    project.run(&["run", "-q"]).expect_code(0);
    let first = project.versions("data/03_primary/master_table.csv").pop().unwrap();
    let pin = format!("master_table:{first}");
    project.run(&["run", "-q", "--load-versions", &pin]).expect_code(0);

    let run = json(&project.run(&["runs", "show", "latest", "--format", "json"]).stdout);
    let saved = run["datasets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["dataset"] == "master_table" && d["direction"] == "save")
        .expect("the save of master_table is recorded");
    assert_eq!(saved["version"], run["id"], "the version written, not the one pinned for loads");
}

#[test]
fn resume_continues_a_run_whose_process_died() {
    let project = Project::copy();
    project.run(&["run", "-q"]).expect_code(0);

    // A run of the same pipeline that finished the data engineering nodes, then died: its
    // process (an id above Linux's largest) no longer exists.
    let store = weir::records::RunStore::open(&project.path(".weir/runs.sqlite")).unwrap();
    let listed = json(&project.run(&["runs", "list", "--format", "json"]).stdout);
    let start = weir::records::RunStart {
        id: "2099-01-01T00.00.00.000Z".to_owned(),
        pipeline: "__default__".to_owned(),
        env: "local".to_owned(),
        started_at: "2099-01-01T00:00:00.000Z".to_owned(),
        command: "iris run".to_owned(),
        parameters: listed[0]["parameters"].clone(),
        options: listed[0]["options"].clone(),
        pid: Some(4_194_304 + 17),
        ..weir::records::RunStart::default()
    };
    store.start_run(&start).unwrap();
    for node in ["add_split", "fit_scaler", "fit_label_encoder", "build_master_table"] {
        let record = weir::records::store::NodeRecord {
            node: node.to_owned(),
            status: "succeeded".to_owned(),
            started_at: None,
            duration: None,
            peak_rss_bytes: None,
            detail: None,
        };
        store.record_node(&start.id, &record).unwrap();
    }
    drop(store);
    let shown = project.run(&["runs", "list"]);
    assert!(shown.stdout.lines().any(|line| line.contains("2099-") && line.contains("died")));

    project.run(&["run", "-q", "--resume"]).expect_code(0);
    // The dead run is dated 2099, so the resumed run is the newest of the others.
    let listed = json(&project.run(&["runs", "list", "--format", "json"]).stdout);
    let resumed_id = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|run| run["id"].as_str().unwrap().to_owned())
        .find(|id| !id.starts_with("2099"))
        .unwrap();
    let resumed = json(&project.run(&["runs", "show", &resumed_id, "--format", "json"]).stdout);
    let mut nodes: Vec<&str> =
        resumed["nodes"].as_array().unwrap().iter().map(|n| n["node"].as_str().unwrap()).collect();
    nodes.sort_unstable();
    assert_eq!(nodes, ["evaluate_model", "predict", "train_model"]);
}

#[test]
fn runner_params_that_contradict_other_flags_are_refused() {
    let project = Project::copy();
    let cases = [
        (vec!["-r", "parallel", "--workers", "3", "--runner-params", "max_workers=2"], "disagree"),
        (vec!["--async", "--runner-params", "is_async=false"], "disagree"),
        (vec!["-r", "parallel", "--runner-params", "max_workers=2,max_workers=3"], "twice"),
        (vec!["--runner-params", "max_workers=2"], "only applies to the parallel runner"),
        (vec!["-r", "parallel", "--runner-params", "max_workers=100000"], "from 1 to 65535"),
    ];
    for (flags, expected) in cases {
        let mut args = vec!["run"];
        args.extend(flags.iter().copied());
        let outcome = project.run(&args);
        outcome.expect_code(2);
        assert!(outcome.stderr.contains(expected), "{args:?}: {}", outcome.stderr);
    }
}
