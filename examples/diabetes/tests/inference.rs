//! The integration test of the diabetes project: train on a small generated table, then score
//! every one of the course's 38,052 real unlabelled rows.

#![allow(clippy::unwrap_used, clippy::float_cmp, reason = "test code: a panic is a failed test")]

mod support;

use support::{Project, course_data, read_csv};
use weir::polars::prelude::DataType;

const PREDICT_ROWS: usize = 38_052;

#[test]
fn inference_scores_every_real_row_with_probabilities() {
    let project = Project::copy();
    project.run_small(&["run"], "").expect_code(0);

    let inputs = read_csv(&course_data("diabetes_predict.csv"));
    assert_eq!(inputs.height(), PREDICT_ROWS);
    let predictions = project.csv("data/07_model_output/diabetes_predictions.csv");
    let columns: Vec<&str> = predictions.get_column_names().iter().map(|c| c.as_str()).collect();
    assert_eq!(columns, ["row", "prediction", "prob_0", "prob_1"]);
    assert_eq!(predictions.height(), PREDICT_ROWS);

    let values = |name: &str| -> Vec<f64> {
        let column = predictions.column(name).unwrap().cast(&DataType::Float64).unwrap();
        column.f64().unwrap().into_no_null_iter().collect()
    };
    let rows = values("row");
    assert!(rows.iter().enumerate().all(|(i, row)| *row == i as f64));
    let (prob_0, prob_1, prediction) = (values("prob_0"), values("prob_1"), values("prediction"));
    for i in 0..PREDICT_ROWS {
        assert!((0.0..=1.0).contains(&prob_1[i]), "row {i}: {}", prob_1[i]);
        assert!((prob_0[i] + prob_1[i] - 1.0).abs() < 1e-9, "row {i}");
        assert_eq!(prediction[i], if prob_1[i] > prob_0[i] { 1.0 } else { 0.0 }, "row {i}");
    }
    // Both classes are predicted somewhere among real respondents.
    assert!(prediction.contains(&0.0) && prediction.contains(&1.0));
}

#[test]
fn inference_runs_alone_on_the_saved_model() {
    let project = Project::copy();
    project.run_small(&["run"], "").expect_code(0);
    std::fs::remove_file(project.path("data/07_model_output/diabetes_predictions.csv")).unwrap();

    project.run_small(&["run", "--pipeline", "inference"], "").expect_code(0);
    assert_eq!(project.csv("data/07_model_output/diabetes_predictions.csv").height(), PREDICT_ROWS);
}

#[test]
fn a_real_training_file_replaces_the_generator_without_other_changes() {
    // A labelled file outside the project, as a user with the real survey table has.
    let source = Project::copy();
    source.run_small(&["run", "--pipeline", "data_generation"], "").expect_code(0);
    let outside = tempfile::tempdir().unwrap();
    let real = outside.path().join("diabetes_labelled.csv");
    std::fs::copy(source.path("data/01_raw/diabetes_train.csv"), &real).unwrap();
    let before = std::fs::read(&real).unwrap();

    let project = Project::copy();
    let path = format!("diabetes_raw_path={}", real.display());
    project.run_small(&["run", "--from-inputs", "diabetes_raw"], &path).expect_code(0);

    assert!(!project.path("data/01_raw/diabetes_train.csv").exists());
    assert_eq!(std::fs::read(&real).unwrap(), before);
    assert_eq!(
        project.csv("data/05_model_input/model_input_table.csv").height(),
        support::SMALL_ROWS
    );
    assert_eq!(project.csv("data/07_model_output/diabetes_predictions.csv").height(), PREDICT_ROWS);
}
