//! The iris project run end to end through its binary, on a temporary copy of the project.

#![allow(clippy::unwrap_used, clippy::float_cmp, reason = "test code: a panic is a failed test")]

mod support;

use std::collections::HashMap;

use support::{Project, course_data, read_csv};
use weir::polars::prelude::DataFrame;

const SPECIES: [&str; 3] = ["Iris-setosa", "Iris-versicolor", "Iris-virginica"];

/// The true species of each flower of the shipped data, keyed by its four measurements.
fn species_by_measurements() -> HashMap<String, String> {
    let iris =
        read_csv(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/01_raw/iris.csv"));
    (0..iris.height())
        .map(|row| (measurements_key(&iris, row), text(&iris, "Species", row)))
        .collect()
}

fn measurements_key(df: &DataFrame, row: usize) -> String {
    ["SepalLengthCm", "SepalWidthCm", "PetalLengthCm", "PetalWidthCm"]
        .iter()
        .map(|column| format!("{:.1}", df.column(column).unwrap().f64().unwrap().get(row).unwrap()))
        .collect::<Vec<_>>()
        .join("/")
}

fn text(df: &DataFrame, column: &str, row: usize) -> String {
    df.column(column).unwrap().str().unwrap().get(row).unwrap().to_owned()
}

fn read_json(path: &std::path::Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The share of predicted rows whose species matches the true one (looked up by measurements).
fn prediction_accuracy(predictions: &DataFrame, inputs: &DataFrame) -> f64 {
    let truth = species_by_measurements();
    let correct = (0..inputs.height())
        .filter(|&row| truth[&measurements_key(inputs, row)] == text(predictions, "Species", row))
        .count();
    correct as f64 / inputs.height() as f64
}

#[test]
fn default_pipeline_trains_reports_and_predicts() {
    let project = Project::copy();
    let outcome = project.run(&["run"]);
    outcome.expect_code(0);
    assert!(outcome.stderr.contains("completed node node=\"predict\""), "{}", outcome.stderr);

    // The master table is versioned: <filepath>/<version>/<file name>.
    let versions = project.versions("data/03_primary/master_table.csv");
    assert_eq!(versions.len(), 1);
    let version_format = regex_like_version(&versions[0]);
    assert!(version_format, "unexpected version string {}", versions[0]);
    let master = read_csv(
        &project
            .path(&format!("data/03_primary/master_table.csv/{}/master_table.csv", versions[0])),
    );
    assert_eq!(master.height(), 150);
    let splits: Vec<&str> =
        master.column("split").unwrap().str().unwrap().iter().map(|s| s.unwrap()).collect();
    assert_eq!(splits.iter().filter(|s| **s == "train").count(), 120);
    assert_eq!(splits.iter().filter(|s| **s == "test").count(), 30);

    // The scaler was fitted on the training rows: their scaled features have mean 0, std 1.
    let train = master.clone().lazy_filter_train();
    for feature in ["SepalLengthCm", "SepalWidthCm", "PetalLengthCm", "PetalWidthCm"] {
        let values: Vec<f64> =
            train.column(feature).unwrap().f64().unwrap().into_no_null_iter().collect();
        let mean = values.iter().sum::<f64>() / values.len() as f64;
        let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / values.len() as f64;
        // The CSV keeps about 15 significant digits.
        assert!(mean.abs() < 1e-9, "{feature} mean {mean}");
        assert!((variance - 1.0).abs() < 1e-9, "{feature} variance {variance}");
    }

    // The report has scikit-learn's output_dict layout and the model is good.
    let report = read_json(&project.path("data/08_reporting/classification_report.json"));
    let keys: Vec<&str> = report.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, [SPECIES[0], SPECIES[1], SPECIES[2], "accuracy", "macro avg", "weighted avg"]);
    for species in SPECIES {
        let scores = report[species].as_object().unwrap();
        let names: Vec<&str> = scores.keys().map(String::as_str).collect();
        assert_eq!(names, ["precision", "recall", "f1-score", "support"]);
    }
    let support: f64 = SPECIES.iter().map(|s| report[s]["support"].as_f64().unwrap()).sum();
    assert_eq!(support, 30.0);
    assert!(report["accuracy"].as_f64().unwrap() >= 0.9, "{report}");

    // Every flower of the shipped predict file gets its true species.
    let inputs = read_csv(&project.path("data/01_raw/iris_predict.csv"));
    let predictions = read_csv(&project.path("data/07_model_output/iris_predictions.csv"));
    let columns: Vec<&str> = predictions.get_column_names().iter().map(|c| c.as_str()).collect();
    assert_eq!(columns, ["Id", "Species"]);
    assert_eq!(predictions.column("Id").unwrap(), inputs.column("Id").unwrap());
    assert_eq!(prediction_accuracy(&predictions, &inputs), 1.0);

    // Artefacts are stored in weir's format, never as Python pickles.
    let model_versions = project.versions("data/06_models/model.pkl");
    let model = std::fs::read(
        project.path(&format!("data/06_models/model.pkl/{}/model.pkl", model_versions[0])),
    )
    .unwrap();
    assert!(model.starts_with(b"WEIRART\0"));
    assert!(project.path("data/06_models/scaler.pkl").is_file());
}

#[test]
fn trains_on_the_course_file_and_predicts_all_30_course_rows() {
    let project = Project::copy();
    let params = format!(
        "iris_raw_path={},iris_predict_path={}",
        course_data("iris_train.csv").display(),
        course_data("iris_predict.csv").display()
    );
    project.run(&["run", "--params", &params]).expect_code(0);

    let versions = project.versions("data/03_primary/master_table.csv");
    let master = read_csv(
        &project
            .path(&format!("data/03_primary/master_table.csv/{}/master_table.csv", versions[0])),
    );
    assert_eq!(master.height(), 120, "trained on the course's 120 flowers");

    let inputs = read_csv(&course_data("iris_predict.csv"));
    let predictions = read_csv(&project.path("data/07_model_output/iris_predictions.csv"));
    assert_eq!(predictions.height(), 30);
    let ids: Vec<i64> =
        predictions.column("Id").unwrap().i64().unwrap().into_no_null_iter().collect();
    assert_eq!(ids, (0..30).collect::<Vec<i64>>());
    let accuracy = prediction_accuracy(&predictions, &inputs);
    assert!(accuracy >= 0.9, "accuracy on the course's predict rows: {accuracy}");
}

#[test]
fn inference_alone_reuses_the_persisted_artefacts_and_pinned_versions() {
    let project = Project::copy();
    project.run(&["run"]).expect_code(0);
    let first =
        std::fs::read_to_string(project.path("data/07_model_output/iris_predictions.csv")).unwrap();
    std::fs::remove_file(project.path("data/07_model_output/iris_predictions.csv")).unwrap();

    // A second training run with a different split writes a second model version.
    std::thread::sleep(std::time::Duration::from_millis(5));
    project.run(&["run", "--pipeline", "model_train", "--params", "model.C=0.01"]).expect_code(0);
    let versions = project.versions("data/06_models/model.pkl");
    assert_eq!(versions.len(), 2);

    // Pinning the first model version reproduces the first predictions exactly.
    let pin = format!("model:{}", versions[0]);
    project.run(&["run", "--pipeline", "model_predict", "--load-versions", &pin]).expect_code(0);
    let again =
        std::fs::read_to_string(project.path("data/07_model_output/iris_predictions.csv")).unwrap();
    assert_eq!(first, again);
}

/// `YYYY-MM-DDThh.mm.ss.sssZ`, checked character by character.
fn regex_like_version(version: &str) -> bool {
    let shape = "dddd-dd-ddTdd.dd.dd.dddZ";
    version.len() == shape.len()
        && version.chars().zip(shape.chars()).all(|(c, s)| match s {
            'd' => c.is_ascii_digit(),
            other => c == other,
        })
}

trait TrainRows {
    fn lazy_filter_train(self) -> DataFrame;
}

impl TrainRows for DataFrame {
    fn lazy_filter_train(self) -> DataFrame {
        use weir::polars::prelude::{IntoLazy, col, lit};
        self.lazy().filter(col("split").eq(lit("train"))).collect().unwrap()
    }
}
