//! Each pipeline of the diabetes project run through the binary on a temporary copy of the
//! project, with a small generated table, checking what it writes.

#![allow(clippy::unwrap_used, clippy::float_cmp, reason = "test code: a panic is a failed test")]

mod support;

use std::collections::BTreeMap;

use support::{PNG_SIGNATURE, Project, SMALL_ROWS, read_csv};
use weir::polars::prelude::{DataFrame, DataType};

/// Runs the default pipeline on a small table and returns the project.
fn default_run() -> Project {
    let project = Project::copy();
    project.run_small(&["run"], "").expect_code(0);
    project
}

fn floats(table: &DataFrame, column: &str) -> Vec<f64> {
    let column = table.column(column).unwrap().cast(&DataType::Float64).unwrap();
    column.f64().unwrap().into_no_null_iter().collect()
}

fn texts(table: &DataFrame, column: &str) -> Vec<String> {
    table.column(column).unwrap().str().unwrap().iter().map(|v| v.unwrap().to_owned()).collect()
}

/// The dictionary's columns grouped by type, read straight from the shipped CSV.
fn dictionary_groups() -> BTreeMap<String, Vec<String>> {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/01_raw/data_dictionary.csv");
    let dictionary = read_csv(&path);
    let mut groups: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, kind) in texts(&dictionary, "column").into_iter().zip(texts(&dictionary, "type")) {
        if name != "Diabetes" {
            groups.entry(kind.to_lowercase()).or_default().push(name);
        }
    }
    groups
}

#[test]
fn data_generation_writes_the_dictionary_columns_with_survey_codes() {
    let project = Project::copy();
    project.run_small(&["run", "--pipeline", "data_generation"], "").expect_code(0);
    let table = project.csv("data/01_raw/diabetes_train.csv");
    let first = std::fs::read(project.path("data/01_raw/diabetes_train.csv")).unwrap();

    assert_eq!(table.height(), SMALL_ROWS);
    let dictionary = read_csv(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/01_raw/data_dictionary.csv"),
    );
    let columns: Vec<String> =
        table.get_column_names().iter().map(|name| name.as_str().to_owned()).collect();
    assert_eq!(columns, texts(&dictionary, "column"));

    let positives = floats(&table, "Diabetes").iter().sum::<f64>() / SMALL_ROWS as f64;
    assert!((0.10..=0.18).contains(&positives), "positive share {positives}");
    let range = |name: &str| {
        let values = floats(&table, name);
        (
            values.iter().copied().fold(f64::MAX, f64::min),
            values.iter().copied().fold(f64::MIN, f64::max),
        )
    };
    assert_eq!(range("GenHlth"), (1.0, 5.0));
    assert_eq!(range("Age"), (1.0, 13.0));
    assert_eq!(range("Education").1, 6.0);
    assert_eq!(range("Income"), (1.0, 8.0));
    for name in &dictionary_groups()["boolean"] {
        assert_eq!(range(name), (0.0, 1.0), "{name}");
    }
    let (low, high) = range("MentHlth");
    assert!(low == 0.0 && high <= 30.0);
    let (low, high) = range("BMI");
    assert!(low >= 12.0 && high <= 98.0);

    // The same seed writes the same bytes; another seed another table.
    project.run_small(&["run", "--pipeline", "data_generation"], "").expect_code(0);
    assert_eq!(std::fs::read(project.path("data/01_raw/diabetes_train.csv")).unwrap(), first);
    project
        .run_small(&["run", "--pipeline", "data_generation"], "data_generation.seed=7")
        .expect_code(0);
    assert_ne!(std::fs::read(project.path("data/01_raw/diabetes_train.csv")).unwrap(), first);
}

#[test]
fn data_engineering_groups_columns_by_the_dictionary_and_splits_by_the_ratios() {
    let project = default_run();

    let groups = project.json("data/02_intermediate/column_groups.json");
    for (kind, columns) in dictionary_groups() {
        assert_eq!(groups[kind.as_str()], serde_json::json!(columns), "{kind}");
    }
    assert_eq!(groups["target"], "Diabetes");

    let table = project.csv("data/05_model_input/model_input_table.csv");
    assert_eq!(table.height(), SMALL_ROWS);
    let splits = texts(&table, "split");
    let count = |name: &str| splits.iter().filter(|s| *s == name).count();
    // 0.15 × 3000 = 450 rows each for validate and test; train takes the rest.
    assert_eq!((count("train"), count("validate"), count("test")), (2100, 450, 450));
    let raw = project.csv("data/01_raw/diabetes_train.csv");
    assert_eq!(floats(&table, "Diabetes"), floats(&raw, "Diabetes"));
}

/// The generated training table, relative to the project.
const RAW: &str = "data/01_raw/diabetes_train.csv";

#[test]
fn data_engineering_binarises_three_level_targets_and_rejects_other_codes() {
    let project = Project::copy();
    project.run_small(&["run", "--pipeline", "data_generation"], "").expect_code(0);
    let raw_path = project.path("data/01_raw/diabetes_train.csv");
    let text = std::fs::read_to_string(&raw_path).unwrap();
    // Every tenth positive row becomes 2 (diabetes) and its values written as floats, as the
    // survey's own files do.
    let mut twos = 0;
    let rows: Vec<String> = text
        .lines()
        .enumerate()
        .map(|(i, line)| {
            if i > 0 && line.starts_with("1,") && i % 10 == 0 {
                twos += 1;
                format!("2.0,{}", &line[2..])
            } else {
                line.to_owned()
            }
        })
        .collect();
    assert!(twos > 0);
    project.write(RAW, &(rows.join("\n") + "\n"));
    let positives = floats(&project.csv("data/01_raw/diabetes_train.csv"), "Diabetes")
        .iter()
        .filter(|v| **v > 0.0)
        .count();

    project.run_small(&["run", "--pipeline", "data_engineering"], "").expect_code(0);
    let labels = floats(&project.csv("data/05_model_input/model_input_table.csv"), "Diabetes");
    assert!(labels.iter().all(|v| *v == 0.0 || *v == 1.0));
    assert_eq!(labels.iter().filter(|v| **v == 1.0).count(), positives);

    let with_three = std::fs::read_to_string(&raw_path).unwrap().replacen("\n0,", "\n3,", 1);
    project.write(RAW, &with_three);
    let outcome = project.run_small(&["run", "--pipeline", "data_engineering"], "");
    outcome.expect_code(1);
    assert!(
        outcome.stderr.contains("`Diabetes`") && outcome.stderr.contains("holds 3"),
        "{}",
        outcome.stderr
    );
    assert!(outcome.stderr.contains("target.negative"), "{}", outcome.stderr);
}

#[test]
fn training_reports_on_the_test_rows() {
    let project = default_run();

    let report = project.json("data/08_reporting/classification_report.json");
    let keys: Vec<&str> = report.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["no diabetes", "diabetes", "accuracy", "macro avg", "weighted avg"]);
    for class in ["no diabetes", "diabetes", "macro avg", "weighted avg"] {
        for score in ["precision", "recall", "f1-score"] {
            let value = report[class][score].as_f64().unwrap();
            assert!((0.0..=1.0).contains(&value), "{class} {score} {value}");
        }
    }
    let accuracy = report["accuracy"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&accuracy));
    let support = report["no diabetes"]["support"].as_f64().unwrap()
        + report["diabetes"]["support"].as_f64().unwrap();
    assert_eq!(support, 450.0);

    let matrix = project.json("data/08_reporting/confusion_matrix.json");
    let counts: Vec<Vec<u64>> = serde_json::from_value(matrix["counts"].clone()).unwrap();
    assert_eq!(counts.iter().flatten().sum::<u64>(), 450);
    // The diagonal over the total is the report's accuracy.
    assert!(((counts[0][0] + counts[1][1]) as f64 / 450.0 - accuracy).abs() < 1e-12);
    // Row sums are the actual class counts of the test rows.
    let table = project.csv("data/05_model_input/model_input_table.csv");
    let splits = texts(&table, "split");
    let test_positives = floats(&table, "Diabetes")
        .iter()
        .zip(&splits)
        .filter(|(label, split)| **label == 1.0 && *split == "test")
        .count() as u64;
    assert_eq!(counts[1][0] + counts[1][1], test_positives);

    let plot = std::fs::read(project.path("data/08_reporting/confusion_matrix.png")).unwrap();
    assert_eq!(&plot[..8], PNG_SIGNATURE);
    assert_eq!(project.versions("data/06_models/model.pkl").len(), 1);
}

#[test]
fn backtest_scores_three_folds_and_their_mean() {
    let project = default_run();

    let table = project.csv("data/08_reporting/backtest.csv");
    assert_eq!(texts(&table, "fold"), ["1", "2", "3", "mean"]);
    let metrics = project.json("data/08_reporting/backtest_metrics.json");
    for metric in ["accuracy", "precision", "recall", "f1"] {
        let values = floats(&table, metric);
        assert!(values.iter().all(|v| (0.0..=1.0).contains(v)), "{metric} {values:?}");
        let average = values[..3].iter().sum::<f64>() / 3.0;
        assert!((values[3] - average).abs() < 1e-12, "{metric}");
        assert!((metrics["mean"][metric].as_f64().unwrap() - average).abs() < 1e-12);
        for fold in 0..3 {
            assert!(
                (metrics["folds"][fold][metric].as_f64().unwrap() - values[fold]).abs() < 1e-12
            );
        }
    }
}

#[test]
fn feature_importances_are_sorted_and_sum_to_one() {
    let project = default_run();

    let table = project.csv("data/08_reporting/feature_importances.csv");
    let values = floats(&table, "importance");
    assert!(values.windows(2).all(|pair| pair[0] >= pair[1]), "{values:?}");
    assert!((values.iter().sum::<f64>() - 1.0).abs() < 1e-9);
    // One row per model feature: one-hot columns of the categorical groups, one per other column.
    let names = texts(&table, "feature");
    let groups = dictionary_groups();
    let non_categorical = groups["boolean"].len() + groups["ordinal"].len() + groups["float"].len();
    assert!(names.len() > non_categorical + groups["categorical"].len());
    assert!(names.iter().any(|name| name.starts_with("Age_")));
    assert!(names.contains(&"BMI".to_owned()));

    let plot = std::fs::read(project.path("data/08_reporting/feature_importances.png")).unwrap();
    assert_eq!(&plot[..8], PNG_SIGNATURE);
}

#[test]
fn hyperparameter_search_writes_best_params_that_training_reads() {
    let project = default_run();
    let search = "search.n_iter=2,search.cv=2,search.sample_rows=1000";
    project.run_small(&["run", "--pipeline", "hyperparameter_search"], search).expect_code(0);

    let best = project.json("data/05_model_input/best_params.json");
    let keys: Vec<&str> = best.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        ["bootstrap", "max_depth", "min_samples_leaf", "min_samples_split", "n_estimators"]
    );
    let results = project.csv("data/08_reporting/search_results.csv");
    assert_eq!(results.height(), 2);
    let ranks = floats(&results, "rank_test_score");
    assert!(ranks.contains(&1.0));
    let best_row = ranks.iter().position(|rank| *rank == 1.0).unwrap();
    assert_eq!(
        floats(&results, "param_n_estimators")[best_row],
        best["n_estimators"].as_f64().unwrap()
    );

    project.run_small(&["run", "--pipeline", "training"], "").expect_code(0);
    assert_eq!(project.versions("data/06_models/model.pkl").len(), 2);

    // Training puts best_params over the configured forest: 3 trees make a far smaller model
    // than the configured 100.
    let model_size = |project: &Project| {
        let versions = project.versions("data/06_models/model.pkl");
        let last = versions.last().unwrap();
        std::fs::metadata(project.path(&format!("data/06_models/model.pkl/{last}/model.pkl")))
            .unwrap()
            .len()
    };
    project.write("data/05_model_input/best_params.json", "{}");
    project.run_small(&["run", "--pipeline", "training"], "").expect_code(0);
    let hundred_trees = model_size(&project);
    project.write("data/05_model_input/best_params.json", r#"{"n_estimators": 3}"#);
    project.run_small(&["run", "--pipeline", "training"], "").expect_code(0);
    assert!(model_size(&project) * 10 < hundred_trees);

    project.write("data/05_model_input/best_params.json", r#"{"n_trees": 3}"#);
    let outcome = project.run_small(&["run", "--pipeline", "training"], "");
    outcome.expect_code(1);
    assert!(outcome.stderr.contains("n_trees"), "{}", outcome.stderr);
}
