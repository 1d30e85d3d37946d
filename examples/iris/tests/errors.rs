//! User mistakes, made on a temporary copy of the iris project: each ends in one message saying
//! what, where and how to fix it, with exit code 2 (set-up) or 1 (a node failed), no panic, and
//! no half-written dataset.

#![allow(clippy::unwrap_used, clippy::float_cmp, reason = "test code: a panic is a failed test")]

mod support;

use support::Project;

/// The message has no panic or backtrace in it.
fn assert_clean(stderr: &str) {
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("RUST_BACKTRACE"), "{stderr}");
    assert!(!stderr.contains("internal error"), "{stderr}");
}

#[test]
fn bad_yaml_names_file_line_and_column() {
    let project = Project::copy();
    project.write("conf/local/catalog.yml", "iris_raw:\n  type: [unclosed\n");
    let outcome = project.run(&["run"]);
    outcome.expect_code(2);
    assert_clean(&outcome.stderr);
    assert!(outcome.stderr.contains("conf/local/catalog.yml:"), "{}", outcome.stderr);
    // The error is on line 2 or 3 (the flow sequence is never closed).
    let location = outcome.stderr.split("catalog.yml:").nth(1).unwrap();
    let line: usize = location.split(':').next().unwrap().parse().unwrap();
    assert!((2..=3).contains(&line), "{}", outcome.stderr);
    assert!(project.written_files().is_empty(), "{:?}", project.written_files());
}

#[test]
fn unknown_dataset_type_suggests_the_right_one() {
    let project = Project::copy();
    project.write(
        "conf/local/catalog.yml",
        "iris_raw:\n  type: pandas.CSVDatset\n  filepath: data/01_raw/iris.csv\n",
    );
    let outcome = project.run(&["run"]);
    outcome.expect_code(2);
    assert_clean(&outcome.stderr);
    assert!(
        outcome.stderr.contains("unknown dataset type `pandas.CSVDatset`"),
        "{}",
        outcome.stderr
    );
    assert!(outcome.stderr.contains("`iris_raw`"), "{}", outcome.stderr);
    assert!(outcome.stderr.contains("conf/local/catalog.yml:1"), "{}", outcome.stderr);
    assert!(
        outcome.stderr.contains("hint: did you mean `pandas.CSVDataset`"),
        "{}",
        outcome.stderr
    );
}

#[test]
fn missing_input_file_names_the_dataset_and_leaves_nothing_behind() {
    let project = Project::copy();
    let outcome = project.run(&["run", "--params", "iris_raw_path=data/01_raw/nowhere.csv"]);
    outcome.expect_code(1);
    assert_clean(&outcome.stderr);
    assert!(outcome.stderr.contains("`iris_raw`"), "{}", outcome.stderr);
    assert!(outcome.stderr.contains("nowhere.csv"), "{}", outcome.stderr);
    assert!(project.written_files().is_empty(), "{:?}", project.written_files());
}

#[test]
fn missing_parameter_names_the_node_before_any_work() {
    let project = Project::copy();
    std::fs::remove_file(project.path("conf/base/parameters_model_train.yml")).unwrap();
    let outcome = project.run(&["run"]);
    outcome.expect_code(2);
    assert_clean(&outcome.stderr);
    assert!(
        outcome
            .stderr
            .contains("node `train_model` read(s) parameter `model`, which is not defined"),
        "{}",
        outcome.stderr
    );
    assert!(project.written_files().is_empty(), "{:?}", project.written_files());
}

#[test]
fn split_ratios_that_do_not_sum_to_one_fail_the_node_and_print_the_resume_command() {
    let project = Project::copy();
    let outcome = project.run(&["run", "--params", "split.train=0.7"]);
    outcome.expect_code(1);
    assert_clean(&outcome.stderr);
    assert!(outcome.stderr.contains("node `add_split` failed"), "{}", outcome.stderr);
    assert!(outcome.stderr.contains("sum"), "{}", outcome.stderr);
    assert!(outcome.stderr.contains("iris run --from-nodes add_split"), "{}", outcome.stderr);
    // Runtime parameters may carry credentials: the resume command never repeats them.
    assert!(outcome.stderr.contains("the same --params as before"), "{}", outcome.stderr);
    assert!(!outcome.stderr.contains("split.train=0.7 --from"), "{}", outcome.stderr);
    assert!(project.written_files().is_empty(), "{:?}", project.written_files());
}

#[test]
fn resume_command_starts_at_the_nearest_persisted_inputs() {
    let project = Project::copy();
    // Training succeeds, then the predict input is missing: `predict` fails and every input
    // it needs is persisted, so the run resumes from `predict` alone.
    let outcome = project.run(&["run", "--params", "iris_predict_path=missing.csv"]);
    outcome.expect_code(1);
    assert!(outcome.stderr.contains("--from-nodes predict\n"), "{}", outcome.stderr);

    let resumed = project.run(&["run", "--from-nodes", "predict"]);
    resumed.expect_code(0);
    assert!(project.path("data/07_model_output/iris_predictions.csv").is_file());
}

#[test]
fn argument_type_mismatch_is_found_before_any_work() {
    let project = Project::copy();
    project.write(
        "conf/local/catalog.yml",
        "iris_raw:\n  type: json.JSONDataset\n  filepath: data/01_raw/iris.json\n",
    );
    let outcome = project.run(&["run"]);
    outcome.expect_code(2);
    assert_clean(&outcome.stderr);
    assert!(
        outcome.stderr.contains(
            "node `add_split`, argument 1: expects `DataFrame` but dataset `iris_raw` gives structured data"
        ),
        "{}",
        outcome.stderr
    );
    assert!(project.written_files().is_empty(), "{:?}", project.written_files());
}

#[test]
fn result_type_mismatch_is_found_before_any_work() {
    let project = Project::copy();
    project.write(
        "conf/local/catalog.yml",
        "iris_split:\n  type: text.TextDataset\n  filepath: data/02_intermediate/split.txt\n",
    );
    let outcome = project.run(&["run"]);
    outcome.expect_code(2);
    assert!(
        outcome.stderr.contains("node `add_split` returns `DataFrame`, which dataset `iris_split`"),
        "{}",
        outcome.stderr
    );
    assert!(project.written_files().is_empty(), "{:?}", project.written_files());
}

#[test]
fn unknown_pipeline_and_node_names_list_what_exists() {
    let project = Project::copy();
    let outcome = project.run(&["run", "--pipeline", "training"]);
    outcome.expect_code(2);
    assert!(outcome.stderr.contains("there is no pipeline named `training`"), "{}", outcome.stderr);
    assert!(outcome.stderr.contains("`model_train`"), "{}", outcome.stderr);

    let outcome = project.run(&["run", "--nodes", "fit_scalar"]);
    outcome.expect_code(2);
    assert!(outcome.stderr.contains("did you mean `fit_scaler`?"), "{}", outcome.stderr);
}

#[test]
fn unknown_environment_lists_the_ones_present() {
    let project = Project::copy();
    let outcome = project.run(&["run", "--env", "prod"]);
    outcome.expect_code(2);
    assert_clean(&outcome.stderr);
    assert!(outcome.stderr.contains("prod"), "{}", outcome.stderr);
    assert!(outcome.stderr.contains("local"), "{}", outcome.stderr);
}

#[test]
fn malformed_params_show_the_syntax() {
    let project = Project::copy();
    let outcome = project.run(&["run", "--params", "split.train"]);
    outcome.expect_code(2);
    assert_clean(&outcome.stderr);
    assert!(outcome.stderr.contains("hint:"), "{}", outcome.stderr);
}

#[test]
fn outside_a_project_says_how_to_find_one() {
    let empty = tempfile::tempdir().unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_iris"))
        .arg("run")
        .current_dir(empty.path())
        .env_remove("WEIR_PROJECT_DIR")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no weir project found"), "{stderr}");
    assert!(stderr.contains("--project-dir"), "{stderr}");
}

#[test]
fn catalog_list_shows_types_and_locations_but_never_credentials() {
    let project = Project::copy();
    project.write(
        "conf/local/credentials.yml",
        "warehouse:\n  username: analyst\n  password: s3cr3t-value\n",
    );
    project.write(
        "conf/local/catalog.yml",
        "iris_raw:\n  type: pandas.CSVDataset\n  filepath: data/01_raw/iris.csv\n  credentials: warehouse\n",
    );
    let outcome = project.run(&["catalog", "list", "--pipeline", "data_engineering"]);
    outcome.expect_code(0);
    assert!(outcome.stdout.contains("iris_raw"), "{}", outcome.stdout);
    assert!(outcome.stdout.contains("pandas.CSVDataset"), "{}", outcome.stdout);
    assert!(outcome.stdout.contains("data/01_raw/iris.csv"), "{}", outcome.stdout);
    assert!(outcome.stdout.contains("iris_split"), "in-memory datasets are listed too");
    assert!(!outcome.stdout.contains("s3cr3t"), "{}", outcome.stdout);
    assert!(!outcome.stderr.contains("s3cr3t"), "{}", outcome.stderr);
}

#[test]
fn pipeline_list_and_json_logs() {
    let project = Project::copy();
    let outcome = project.run(&["pipeline", "list"]);
    outcome.expect_code(0);
    for name in ["data_engineering", "model_train", "model_predict", "__default__"] {
        assert!(outcome.stdout.contains(name), "{}", outcome.stdout);
    }

    let outcome = project.run(&["run", "--pipeline", "data_engineering", "--log-format", "json"]);
    outcome.expect_code(0);
    let events: Vec<serde_json::Value> = outcome
        .stderr
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON event per line"))
        .collect();
    let completed: Vec<&str> = events
        .iter()
        .filter(|event| event["message"] == "completed node")
        .map(|event| event["node"].as_str().unwrap())
        .collect();
    assert_eq!(completed, ["add_split", "fit_label_encoder", "fit_scaler", "build_master_table"]);
    assert!(events.iter().all(|event| event["level"].is_string()));
}

#[test]
fn pipeline_describe_reports_free_inputs_and_final_outputs() {
    let project = Project::copy();
    let outcome = project.run(&["pipeline", "describe", "data_engineering", "--format", "json"]);
    outcome.expect_code(0);
    let description: serde_json::Value = serde_json::from_str(&outcome.stdout).unwrap();
    assert_eq!(
        description["inputs"],
        serde_json::json!(["iris_raw", "params:columns", "params:split"])
    );
    // The scaler and the encoder are read by `build_master_table`, so they are not final.
    assert_eq!(description["outputs"], serde_json::json!(["master_table"]));
    let nodes: Vec<&str> = description["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap())
        .collect();
    assert_eq!(nodes, ["add_split", "fit_label_encoder", "fit_scaler", "build_master_table"]);
}

#[test]
fn toolkit_errors_keep_their_did_you_mean_hint() {
    let project = Project::copy();
    project.write(
        "conf/local/parameters.yml",
        "columns:\n  id: Id\n  target: Species\n  features: [SepalLengthCm, SepalWidthCm, PetalLengthCm, PetalWidth]\n",
    );
    let outcome = project.run(&["run"]);
    outcome.expect_code(1);
    assert_clean(&outcome.stderr);
    assert!(outcome.stderr.contains("unknown column `PetalWidth`"), "{}", outcome.stderr);
    assert!(outcome.stderr.contains("hint: did you mean `PetalWidthCm`?"), "{}", outcome.stderr);
}

#[test]
fn load_versions_are_checked_before_any_work() {
    let project = Project::copy();
    let outcome = project.run(&["run", "--load-versions", "modle:2020-01-01T00.00.00.000Z"]);
    outcome.expect_code(2);
    assert!(
        outcome.stderr.contains("dataset `modle`, which the catalog does not declare"),
        "{}",
        outcome.stderr
    );
    assert!(outcome.stderr.contains("did you mean `model`?"), "{}", outcome.stderr);

    let outcome = project.run(&["run", "--load-versions", "model:2020-01-01T00.00.00.000Z"]);
    outcome.expect_code(2);
    assert!(
        outcome.stderr.contains("dataset `model` has no version `2020-01-01T00.00.00.000Z`"),
        "{}",
        outcome.stderr
    );
    assert!(project.written_files().is_empty(), "{:?}", project.written_files());
}

#[test]
fn kedro_runner_names_are_accepted() {
    let project = Project::copy();
    let outcome = project.run(&["run", "--pipeline", "data_engineering", "--runner=ThreadRunner"]);
    outcome.expect_code(0);
    let outcome = project.run(&["run", "--pipeline", "data_engineering", "-r", "SequentialRunner"]);
    outcome.expect_code(0);
}

#[test]
fn several_pipelines_run_as_one() {
    let project = Project::copy();
    let outcome = project.run(&[
        "run",
        "--pipelines",
        "data_engineering,model_train",
        "--log-format",
        "json",
    ]);
    outcome.expect_code(0);
    let completed =
        outcome.stderr.lines().filter(|line| line.contains("\"completed node\"")).count();
    assert_eq!(completed, 6, "{}", outcome.stderr);
    assert!(project.path("data/08_reporting/classification_report.json").is_file());
    assert!(!project.path("data/07_model_output/iris_predictions.csv").exists());
}

#[test]
fn a_slice_missing_an_in_memory_input_names_the_node_left_out() {
    let project = Project::copy();
    let outcome = project.run(&["run", "--from-nodes", "fit_scaler"]);
    outcome.expect_code(2);
    assert!(
        outcome.stderr.contains("`iris_split` is produced by node `add_split`"),
        "{}",
        outcome.stderr
    );
    assert!(project.written_files().is_empty(), "{:?}", project.written_files());
}

#[test]
fn only_missing_outputs_reruns_just_what_is_missing() {
    let project = Project::copy();
    project.run(&["run"]).expect_code(0);
    std::fs::remove_file(project.path("data/07_model_output/iris_predictions.csv")).unwrap();

    let outcome = project.run(&["run", "--only-missing-outputs", "--log-format", "json"]);
    outcome.expect_code(0);
    let completed: Vec<String> = outcome
        .stderr
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|event| event["message"] == "completed node")
        .map(|event| event["node"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(completed, ["predict"]);
    assert!(project.path("data/07_model_output/iris_predictions.csv").is_file());

    let outcome = project.run(&["run", "--only-missing-outputs"]);
    outcome.expect_code(0);
    assert!(outcome.stderr.contains("nothing to run"), "{}", outcome.stderr);
}

#[test]
fn kedro_short_flag_for_load_versions() {
    let project = Project::copy();
    let outcome = project.run(&["run", "-lv", "modle:2020-01-01T00.00.00.000Z"]);
    outcome.expect_code(2);
    assert!(outcome.stderr.contains("did you mean `model`?"), "{}", outcome.stderr);
}

#[test]
fn run_config_file_gives_defaults_that_the_command_line_overrides() {
    let project = Project::copy();
    project.write(
        "run.yml",
        "run:\n  pipeline: data_engineering\n  node_names: [add_split, fit_scaler]\n  params:\n    split.seed: 3\n",
    );
    let outcome = project.run(&["run", "-c", "run.yml", "--log-format", "json"]);
    outcome.expect_code(0);
    let completed =
        outcome.stderr.lines().filter(|line| line.contains("\"completed node\"")).count();
    assert_eq!(completed, 2, "{}", outcome.stderr);

    // The command line wins over the file.
    let outcome = project.run(&[
        "run",
        "--config",
        "run.yml",
        "--nodes",
        "add_split",
        "--log-format",
        "json",
    ]);
    outcome.expect_code(0);
    let completed =
        outcome.stderr.lines().filter(|line| line.contains("\"completed node\"")).count();
    assert_eq!(completed, 1, "{}", outcome.stderr);

    project.write("bad.yml", "run:\n  from_node: add_split\n");
    let outcome = project.run(&["run", "-c", "bad.yml"]);
    outcome.expect_code(2);
    assert!(outcome.stderr.contains("unknown option `from_node`"), "{}", outcome.stderr);
    assert!(outcome.stderr.contains("did you mean `from_nodes`"), "{}", outcome.stderr);
}

#[test]
fn an_output_pointed_at_an_input_file_is_refused_before_any_work() {
    let project = Project::copy();
    project.write(
        "conf/local/catalog.yml",
        "iris_predictions:\n  type: pandas.CSVDataset\n  filepath: ${runtime_params:iris_predict_path,data/01_raw/iris_predict.csv}\n",
    );
    let before = std::fs::read(project.path("data/01_raw/iris_predict.csv")).unwrap();
    let outcome = project.run(&["run"]);
    outcome.expect_code(2);
    assert!(
        outcome
            .stderr
            .contains("datasets `iris_predict_raw`, `iris_predictions` are all stored at"),
        "{}",
        outcome.stderr
    );
    assert_eq!(std::fs::read(project.path("data/01_raw/iris_predict.csv")).unwrap(), before);
    assert!(project.written_files().is_empty(), "{:?}", project.written_files());
}
