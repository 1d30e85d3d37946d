//! Compares weir-ml with scikit-learn on the fixtures in `tests/fixtures/`, which
//! `scripts/make_reference.py` computes with scikit-learn (see each file's `header`).
//!
//! One test binary for every area keeps link time down: each binary links all of Polars.

#![allow(clippy::unwrap_used, reason = "helpers of a test fail the test on any error")]

use std::fmt::Display;

use polars::prelude::{Column, DataFrame};
use serde::de::DeserializeOwned;
use serde_json::Value;
use weir_ml::Matrix;
use weir_ml::ensemble::{
    ForestClassWeight, RandomForestClassifier, RandomForestClassifierParams, RandomForestRegressor,
    RandomForestRegressorParams,
};
use weir_ml::linear::{FittedLogisticRegression, LogisticRegression, LogisticRegressionParams};
use weir_ml::matrix::float_values;
use weir_ml::metrics::{
    Average, ClassificationReport, accuracy, classification_report, confusion_matrix, f1_score,
    log_loss, mean_absolute_error, mean_absolute_percentage_error, precision_recall_fscore_support,
    precision_score, r2_score, recall_score, roc_auc_score, root_mean_squared_error,
};
use weir_ml::model_selection::assign_split;
use weir_ml::preprocessing::{ClassLabels, LabelEncoder, StandardScaler};
use weir_ml::tree::Tree;

fn fixture(text: &str) -> Value {
    let value: Value = serde_json::from_str(text).expect("fixture is valid JSON");
    let generator = value["header"]["generator"].as_str().expect("fixture has a header");
    assert!(generator.ends_with("make_reference.py"));
    value
}

fn parse<T: DeserializeOwned>(value: &Value) -> T {
    serde_json::from_value(value.clone()).expect("fixture field has the expected shape")
}

fn assert_close(got: &[f64], want: &[f64], tolerance: f64, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: lengths differ");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!((g - w).abs() <= tolerance, "{what}[{i}]: got {g}, scikit-learn {w}");
    }
}

fn matrix(value: &Value) -> Matrix {
    Matrix::from_rows(&parse::<Vec<Vec<f64>>>(value)).expect("rectangular fixture matrix")
}

fn flat(value: &Value) -> Vec<f64> {
    parse::<Vec<Vec<f64>>>(value).concat()
}

/// A table whose columns hold the matrix columns under `names`; names starting with `ints`
/// become `Int64` columns.
fn table(x: &Matrix, names: &[String]) -> DataFrame {
    let columns = names
        .iter()
        .enumerate()
        .map(|(j, name)| {
            let values = x.column(j);
            if name.starts_with("ints") {
                #[expect(clippy::cast_possible_truncation, reason = "fixture ints are small")]
                let ints: Vec<i64> = values.iter().map(|v| *v as i64).collect();
                Column::new(name.as_str().into(), ints)
            } else {
                Column::new(name.as_str().into(), values)
            }
        })
        .collect();
    DataFrame::new(x.n_rows(), columns).unwrap()
}

// ---------------------------------------------------------------- scaler

#[test]
fn standard_scaler_matches_scikit_learn() {
    let fixture = fixture(include_str!("fixtures/scaler.json"));

    for case in ["iris", "small"] {
        let data = &fixture[case];
        let names: Vec<String> = parse(&data["columns"]);
        let x = matrix(&data["x"]);
        let mut df = table(&x, &names);
        if let Some(labels) = data.get("labels") {
            let labels: Vec<String> = parse(labels);
            df.with_column(Column::new("species".into(), labels)).unwrap();
        }

        let scaler = StandardScaler::fit(&df, &names).unwrap();
        let scaled = scaler.transform(&df).unwrap();
        let restored = scaler.inverse_transform(&scaled).unwrap();

        assert_close(scaler.mean(), &parse::<Vec<f64>>(&data["mean"]), 1e-12, "mean");
        assert_close(scaler.var(), &parse::<Vec<f64>>(&data["var"]), 1e-12, "var");
        assert_close(scaler.scale(), &parse::<Vec<f64>>(&data["scale"]), 1e-12, "scale");
        let transformed = matrix(&data["transformed"]);
        for (j, name) in names.iter().enumerate() {
            let got = float_values(&scaled, name).unwrap();
            assert_close(&got, &transformed.column(j), 1e-12, name);
            assert_close(&float_values(&restored, name).unwrap(), &x.column(j), 1e-12, name);
        }
        if case == "iris" {
            assert_eq!(scaled.column("species").unwrap(), df.column("species").unwrap());
        }

        let back: StandardScaler =
            serde_json::from_str(&serde_json::to_string(&scaler).unwrap()).unwrap();
        assert_eq!(back.transform(&df).unwrap(), scaled);
    }
}

// ---------------------------------------------------------------- label encoder

#[test]
fn label_encoder_matches_scikit_learn() {
    let fixture = fixture(include_str!("fixtures/label_encoder.json"));

    for case in fixture["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let codes: Vec<usize> = parse(&case["codes"]);
        let (column, expected) = if case["values"][0].is_string() {
            let values: Vec<String> = parse(&case["values"]);
            (Column::new(name.into(), values), ClassLabels::Strings(parse(&case["classes"])))
        } else {
            let values: Vec<i64> = parse(&case["values"]);
            (Column::new(name.into(), values), ClassLabels::Integers(parse(&case["classes"])))
        };

        let encoder = LabelEncoder::fit(&column).unwrap();

        assert_eq!(encoder.classes(), &expected, "{name}");
        assert_eq!(encoder.encode(&column).unwrap(), codes, "{name}");
        let decoded = encoder.inverse_transform(&encoder.transform(&column).unwrap()).unwrap();
        assert_eq!(decoded, column, "{name}");
    }
}

// ---------------------------------------------------------------- logistic regression

/// Largest coefficient error relative to the largest reference coefficient.
fn relative_error(got: &[f64], want: &[f64]) -> f64 {
    let scale = want.iter().fold(0.0f64, |m, w| m.max(w.abs()));
    got.iter().zip(want).fold(0.0f64, |m, (g, w)| m.max((g - w).abs())) / scale
}

/// Tolerances well inside the brief's (1e-3 relative on coefficients, 1e-4 on probabilities):
/// weir solves to the optimum, where it agrees with scikit-learn to about 1e-7.
const COEFFICIENT_TOLERANCE: f64 = 1e-5;
const PROBABILITY_TOLERANCE: f64 = 1e-6;

#[test]
fn logistic_regression_matches_scikit_learn() {
    let fixture = fixture(include_str!("fixtures/logistic.json"));

    for case in fixture["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let data = &fixture["datasets"][case["dataset"].as_str().unwrap()];
        let x = matrix(&data["x"]);
        let y: Vec<usize> = parse(&data["y"]);
        // The fixture's params use scikit-learn's spelling (`C`), read as a parameters file.
        let params: LogisticRegressionParams = parse(&case["params"]);

        let model = LogisticRegression::new(params).fit(&x, &y).unwrap();

        assert!(model.converged(), "{name} did not converge in {} iterations", model.n_iter());
        assert_eq!(model.classes(), parse::<Vec<usize>>(&case["classes"]), "{name}");
        let coef_error = relative_error(model.coefficients().as_slice(), &flat(&case["coef"]));
        assert!(
            coef_error < COEFFICIENT_TOLERANCE,
            "{name}: coefficients off by {coef_error:e} (relative)"
        );
        let want_intercepts: Vec<f64> = parse(&case["intercept"]);
        let intercept_error = relative_error(model.intercepts(), &want_intercepts);
        if want_intercepts.iter().any(|b| *b != 0.0) {
            assert!(
                intercept_error < COEFFICIENT_TOLERANCE,
                "{name}: intercepts off by {intercept_error:e}"
            );
        } else {
            assert!(model.intercepts().iter().all(|b| *b == 0.0), "{name}");
        }
        let proba = model.predict_proba(&x).unwrap();
        assert_close(proba.as_slice(), &flat(&case["predict_proba"]), PROBABILITY_TOLERANCE, name);
        assert_eq!(model.predict(&x).unwrap(), parse::<Vec<usize>>(&case["predict"]), "{name}");

        let back: FittedLogisticRegression =
            serde_json::from_str(&serde_json::to_string(&model).unwrap()).unwrap();
        assert_eq!(back.predict_proba(&x).unwrap(), proba, "{name} after a JSON round trip");
        assert_eq!(back.predict(&x).unwrap(), model.predict(&x).unwrap());
    }
}

#[test]
fn logistic_regression_from_a_dataframe_matches_the_matrix_fit() {
    let fixture = fixture(include_str!("fixtures/logistic.json"));
    let data = &fixture["datasets"]["iris_std"];
    let x = matrix(&data["x"]);
    let names: Vec<String> = ["sl", "sw", "pl", "pw"].map(str::to_owned).to_vec();
    let mut df = table(&x, &names);
    let codes: Vec<u32> = parse(&data["y"]);
    df.with_column(Column::new("label".into(), codes)).unwrap();
    let case = &fixture["cases"][0];
    assert_eq!(case["name"], "iris_multinomial_c1");

    let model = LogisticRegression::default().fit_df(&df, &names, "label").unwrap();
    let predicted = model.predict_df(&df).unwrap();

    let want: Vec<u32> = parse(&case["predict"]);
    assert_eq!(predicted.u32().unwrap().into_no_null_iter().collect::<Vec<_>>(), want);
    let proba = model.predict_proba_df(&df).unwrap();
    let want_proba = matrix(&case["predict_proba"]);
    let p2 = float_values(&proba, "proba_2").unwrap();
    assert_close(&p2, &want_proba.column(2), PROBABILITY_TOLERANCE, "p2");
}

// ---------------------------------------------------------------- metrics

/// Asserts two JSON values are equal up to `tolerance` on numbers, with maps in the same order.
fn assert_json_close(got: &Value, want: &Value, tolerance: f64, path: &str) {
    match (got, want) {
        (Value::Object(g), Value::Object(w)) => {
            let got_keys: Vec<&String> = g.keys().collect();
            let want_keys: Vec<&String> = w.keys().collect();
            assert_eq!(got_keys, want_keys, "keys at {path}");
            for (key, value) in w {
                assert_json_close(&g[key], value, tolerance, &format!("{path}.{key}"));
            }
        }
        (Value::Number(g), Value::Number(w)) => {
            // Same kind of number too: scikit-learn writes support as a float.
            assert_eq!(g.is_f64(), w.is_f64(), "number kind at {path}: {g} vs {w}");
            let (g, w) = (g.as_f64().unwrap(), w.as_f64().unwrap());
            assert!((g - w).abs() <= tolerance, "{path}: got {g}, scikit-learn {w}");
        }
        _ => assert_eq!(got, want, "at {path}"),
    }
}

fn check_metrics_case<T>(case: &Value)
where
    T: Ord + Clone + Display + DeserializeOwned + std::fmt::Debug,
{
    let name = case["name"].as_str().unwrap();
    let y_true: Vec<T> = parse(&case["y_true"]);
    let y_pred: Vec<T> = parse(&case["y_pred"]);
    let labels: Option<Vec<T>> = parse(&case["labels"]);
    let target_names: Option<Vec<String>> = parse(&case["target_names"]);
    let target_names: Option<Vec<&str>> =
        target_names.as_ref().map(|names| names.iter().map(String::as_str).collect());

    let acc = accuracy(&y_true, &y_pred).unwrap();
    let cm = confusion_matrix(&y_true, &y_pred, labels.as_deref()).unwrap();
    let scores = precision_recall_fscore_support(&y_true, &y_pred, labels.as_deref()).unwrap();
    let report =
        classification_report(&y_true, &y_pred, labels.as_deref(), target_names.as_deref())
            .unwrap();

    assert!((acc - case["accuracy"].as_f64().unwrap()).abs() <= 1e-12, "{name}");
    assert_eq!(cm.counts, parse::<Vec<Vec<usize>>>(&case["confusion_matrix"]), "{name}");
    assert_close(&scores.precision, &parse::<Vec<f64>>(&case["precision"]), 1e-12, name);
    assert_close(&scores.recall, &parse::<Vec<f64>>(&case["recall"]), 1e-12, name);
    assert_close(&scores.f1_score, &parse::<Vec<f64>>(&case["f1"]), 1e-12, name);
    assert_eq!(scores.support, parse::<Vec<usize>>(&case["support"]), "{name}");
    let json = serde_json::to_value(&report).unwrap();
    assert_json_close(&json, &case["report"], 1e-12, name);

    let read_back: ClassificationReport = parse(&case["report"]);
    assert_json_close(&serde_json::to_value(&read_back).unwrap(), &case["report"], 0.0, name);
}

#[test]
fn metrics_match_scikit_learn() {
    let fixture = fixture(include_str!("fixtures/metrics.json"));

    let cases = fixture["cases"].as_array().unwrap();
    for case in cases {
        if case["y_true"][0].is_string() {
            check_metrics_case::<String>(case);
        } else {
            check_metrics_case::<usize>(case);
        }
    }
    assert_eq!(cases.len(), 5);
}

// ---------------------------------------------------------------- split

#[test]
fn assign_split_matches_the_python_reimplementation() {
    let fixture = fixture(include_str!("fixtures/split.json"));

    for case in fixture["cases"].as_array().unwrap() {
        let n_rows: usize = parse(&case["n_rows"]);
        let seed: u64 = parse(&case["seed"]);
        let ratios: Vec<(String, f64)> = parse(&case["ratios"]);
        let want: Vec<String> = parse(&case["assignment"]);

        let got = assign_split(n_rows, &ratios, seed).unwrap();

        assert_eq!(got, want, "n_rows {n_rows}, seed {seed}");
    }
}

// ---------------------------------------------------------------- artefacts

/// Writes `value` the way the catalog stores artefacts (`MessagePack` with field names) and
/// reads it back.
fn through_messagepack<T: serde::Serialize + DeserializeOwned>(value: &T) -> T {
    let bytes = rmp_serde::to_vec_named(value).expect("serialisable");
    rmp_serde::from_slice(&bytes).expect("deserialisable")
}

#[test]
fn fitted_objects_survive_messagepack_artefacts() {
    let scaler_fixture = fixture(include_str!("fixtures/scaler.json"));
    let iris = &scaler_fixture["iris"];
    let names: Vec<String> = parse(&iris["columns"]);
    let labels: Vec<String> = parse(&iris["labels"]);
    let x = matrix(&iris["x"]);
    let df = table(&x, &names);
    let species = Column::new("species".into(), labels);

    let scaler = StandardScaler::fit(&df, &names).unwrap();
    let encoder = LabelEncoder::fit(&species).unwrap();
    let scaled = scaler.transform_matrix(&x).unwrap();
    let y = encoder.encode(&species).unwrap();
    let params: LogisticRegressionParams =
        parse(&serde_json::json!({"C": 0.5, "class_weight": "balanced"}));
    let model = LogisticRegression::new(params).fit(&scaled, &y).unwrap();
    let predicted = model.predict(&scaled).unwrap();
    let names_owned = encoder.classes().names();
    let target_names: Vec<&str> = names_owned.iter().map(String::as_str).collect();
    let report = classification_report(&y, &predicted, None, Some(&target_names)).unwrap();

    let scaler_back = through_messagepack(&scaler);
    let encoder_back = through_messagepack(&encoder);
    let model_back = through_messagepack(&model);
    let report_back = through_messagepack(&report);

    assert_eq!(scaler_back.transform(&df).unwrap(), scaler.transform(&df).unwrap());
    assert_eq!(encoder_back.encode(&species).unwrap(), y);
    assert_eq!(model_back.predict_proba(&scaled).unwrap(), model.predict_proba(&scaled).unwrap());
    assert_eq!(model_back.predict(&scaled).unwrap(), predicted);
    assert_eq!(model_back.params(), model.params());
    assert_eq!(report_back, report);
    assert_eq!(report_back.classes.keys().collect::<Vec<_>>(), target_names);
}

// ---------------------------------------------------------------- trees and forests

fn forest_fixture(text: &str) -> Value {
    let value: Value = serde_json::from_str(text).expect("fixture is valid JSON");
    let generator = value["header"]["generator"].as_str().expect("fixture has a header");
    assert!(generator.ends_with("make_forest_reference.py"));
    value
}

/// A forest of one tree that sees every row once and every feature at every split: a
/// scikit-learn decision tree.
fn single_tree_params(params: &Value) -> Value {
    let mut merged = params.clone();
    let object = merged.as_object_mut().unwrap();
    object.insert("n_estimators".into(), 1.into());
    object.insert("bootstrap".into(), false.into());
    object.insert("max_features".into(), Value::Null);
    merged
}

fn sorted_splits(trees: &[Tree]) -> Vec<(usize, f64)> {
    let mut splits = trees[0].splits();
    splits.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
    splits
}

#[test]
fn a_single_tree_matches_scikit_learns_decision_tree_exactly() {
    let fixture = forest_fixture(include_str!("fixtures/forest.json"));
    let x = matrix(&fixture["exact"]["x"]);
    let x_test = matrix(&fixture["exact"]["x_test"]);

    for case in fixture["exact"]["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let params = single_tree_params(&case["params"]);
        let want_splits: Vec<(usize, f64)> = parse(&case["splits"]);
        let want_importances: Vec<f64> = parse(&case["feature_importances"]);

        if case["kind"] == "classifier" {
            let params: RandomForestClassifierParams = parse(&params);
            let y: Vec<usize> = parse(&case["y"]);
            let forest = RandomForestClassifier::new(params).fit(&x, &y).unwrap();

            assert_eq!(
                forest.trees()[0].node_count(),
                parse::<usize>(&case["node_count"]),
                "{name}"
            );
            assert_eq!(sorted_splits(forest.trees()), want_splits, "{name}");
            assert_close(forest.feature_importances(), &want_importances, 1e-12, name);
            let train = forest.predict_proba(&x).unwrap();
            let test = forest.predict_proba(&x_test).unwrap();
            assert_close(train.as_slice(), &flat(&case["predict_proba_train"]), 1e-12, name);
            assert_close(test.as_slice(), &flat(&case["predict_proba_test"]), 1e-12, name);
            assert_eq!(
                forest.predict(&x_test).unwrap(),
                parse::<Vec<usize>>(&case["predict_test"])
            );
        } else {
            let params: RandomForestRegressorParams = parse(&params);
            let y: Vec<f64> = parse(&case["y"]);
            let forest = RandomForestRegressor::new(params).fit(&x, &y).unwrap();

            assert_eq!(
                forest.trees()[0].node_count(),
                parse::<usize>(&case["node_count"]),
                "{name}"
            );
            assert_eq!(sorted_splits(forest.trees()), want_splits, "{name}");
            assert_close(forest.feature_importances(), &want_importances, 1e-12, name);
            let train = forest.predict(&x).unwrap();
            let test = forest.predict(&x_test).unwrap();
            assert_close(&train, &parse::<Vec<f64>>(&case["predict_train"]), 1e-12, name);
            assert_close(&test, &parse::<Vec<f64>>(&case["predict_test"]), 1e-12, name);
        }
    }
}

fn rows(x: &Matrix, indices: &[usize]) -> Matrix {
    let picked: Vec<&[f64]> = indices.iter().map(|&i| x.row(i)).collect();
    Matrix::from_rows(&picked).unwrap()
}

#[test]
fn forests_score_like_scikit_learns() {
    let fixture = forest_fixture(include_str!("fixtures/forest.json"));

    for case in fixture["quality"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let x = matrix(&case["x"]);
        let y: Vec<usize> = parse(&case["y"]);
        let (train, test): (Vec<usize>, Vec<usize>) = (parse(&case["train"]), parse(&case["test"]));
        let y_train: Vec<usize> = train.iter().map(|&i| y[i]).collect();
        let y_test: Vec<usize> = test.iter().map(|&i| y[i]).collect();

        let forest = RandomForestClassifier::default().fit(&rows(&x, &train), &y_train).unwrap();
        let x_test = rows(&x, &test);
        let score = accuracy(&y_test, &forest.predict(&x_test).unwrap()).unwrap();

        let want: f64 = parse(&case["mean_accuracy"]);
        assert!((score - want).abs() <= 0.03, "{name}: accuracy {score}, scikit-learn {want}");
        if let Some(want_auc) = case["mean_auc"].as_f64() {
            let proba = forest.predict_proba(&x_test).unwrap();
            let auc = roc_auc_score(&y_test, &proba.column(1)).unwrap();
            assert!((auc - want_auc).abs() <= 0.02, "{name}: AUC {auc}, scikit-learn {want_auc}");
        }
    }

    let regression = &fixture["regression_quality"];
    let x = matrix(&regression["x"]);
    let y: Vec<f64> = parse(&regression["y"]);
    let n_train: usize = parse(&regression["n_train"]);
    let train: Vec<usize> = (0..n_train).collect();
    let test: Vec<usize> = (n_train..y.len()).collect();
    let forest = RandomForestRegressor::default().fit(&rows(&x, &train), &y[..n_train]).unwrap();
    let r2 = r2_score(&y[n_train..], &forest.predict(&rows(&x, &test)).unwrap()).unwrap();
    let want: f64 = parse(&regression["mean_r2"]);
    assert!((r2 - want).abs() <= 0.02, "regression: R² {r2}, scikit-learn {want}");
}

#[test]
fn forests_repeat_bit_for_bit_with_any_thread_count() {
    let fixture = forest_fixture(include_str!("fixtures/forest.json"));
    let case = &fixture["quality"][1];
    let x = matrix(&case["x"]);
    let y: Vec<usize> = parse(&case["y"]);
    let fit = |threads: usize| {
        let params = RandomForestClassifierParams {
            n_estimators: 16,
            n_jobs: Some(threads),
            random_state: 99,
            class_weight: Some(ForestClassWeight::BalancedSubsample),
            ..Default::default()
        };
        RandomForestClassifier::new(params).fit(&x, &y).unwrap()
    };

    let one = fit(1);
    let four = fit(4);
    let mut four_as_one = four.clone();
    four_as_one.set_n_jobs(Some(1));

    assert_eq!(
        rmp_serde::to_vec_named(&one).unwrap(),
        rmp_serde::to_vec_named(&four_as_one).unwrap()
    );
    let (p1, p4) = (one.predict_proba(&x).unwrap(), four.predict_proba(&x).unwrap());
    assert!(p1.as_slice().iter().zip(p4.as_slice()).all(|(a, b)| a.to_bits() == b.to_bits()));
    let other_seed = {
        let params = RandomForestClassifierParams {
            n_estimators: 16,
            random_state: 100,
            ..Default::default()
        };
        RandomForestClassifier::new(params).fit(&x, &y).unwrap()
    };
    assert_ne!(other_seed.trees(), one.trees());

    let back = through_messagepack(&one);
    assert_eq!(back.predict_proba(&x).unwrap(), p1);
}

// ---------------------------------------------------------------- scores

#[test]
fn scores_match_scikit_learn() {
    let fixture = forest_fixture(include_str!("fixtures/scores.json"));

    let binary = &fixture["binary"];
    let y_true: Vec<usize> = parse(&binary["y_true"]);
    let scores: Vec<f64> = parse(&binary["scores"]);
    let want: f64 = parse(&binary["roc_auc"]);
    assert!((roc_auc_score(&y_true, &scores).unwrap() - want).abs() <= 1e-12);

    let multi = &fixture["multiclass"];
    let proba = matrix(&multi["proba"]);
    let m_true: Vec<usize> = parse(&multi["y_true"]);
    let m_pred: Vec<usize> = parse(&multi["y_pred"]);
    let want: f64 = parse(&multi["log_loss"]);
    assert!((log_loss(&m_true, &proba, None).unwrap() - want).abs() <= 1e-12);

    let y_pred: Vec<usize> = parse(&binary["y_pred"]);
    for (key, average, t, p) in [
        ("macro", Average::Macro, &m_true, &m_pred),
        ("weighted", Average::Weighted, &m_true, &m_pred),
        ("binary", Average::Binary(1), &y_true, &y_pred),
    ] {
        let want = &fixture["averaged"][key];
        let got = [
            precision_score(t, p, &average).unwrap(),
            recall_score(t, p, &average).unwrap(),
            f1_score(t, p, &average).unwrap(),
        ];
        let want = [parse(&want["precision"]), parse(&want["recall"]), parse(&want["f1"])];
        assert_close(&got, &want, 1e-12, key);
    }

    let regression = &fixture["regression"];
    let r_true: Vec<f64> = parse(&regression["y_true"]);
    let r_pred: Vec<f64> = parse(&regression["y_pred"]);
    let got = [
        mean_absolute_error(&r_true, &r_pred).unwrap(),
        root_mean_squared_error(&r_true, &r_pred).unwrap(),
        mean_absolute_percentage_error(&r_true, &r_pred).unwrap(),
        r2_score(&r_true, &r_pred).unwrap(),
    ];
    let want = [
        parse(&regression["mae"]),
        parse(&regression["rmse"]),
        parse(&regression["mape"]),
        parse(&regression["r2"]),
    ];
    assert_close(&got, &want, 1e-12, "regression");
}
