//! Compares weir-ml's linear regressions and histogram gradient boosting with scikit-learn on
//! the fixtures `tests/fixtures/linear.json` and `boosting.json`, which
//! `scripts/make_model_reference.py` computes, and checks that fits repeat bit for bit with any
//! thread count.

#![allow(clippy::unwrap_used, reason = "helpers of a test fail the test on any error")]

use serde::de::DeserializeOwned;
use serde_json::Value;
use weir_ml::Matrix;
use weir_ml::boosting::{
    FittedHistGradientBoostingClassifier, HistGradientBoostingClassifier,
    HistGradientBoostingClassifierParams,
};
use weir_ml::ensemble::{RandomForestClassifier, RandomForestClassifierParams};
use weir_ml::linear::{
    FittedLinearRegression, LinearRegression, LinearRegressionParams, Ridge, RidgeParams,
};
use weir_ml::metrics::{accuracy, log_loss, roc_auc_score};

fn fixture(text: &str) -> Value {
    let value: Value = serde_json::from_str(text).expect("fixture is valid JSON");
    let generator = value["header"]["generator"].as_str().expect("fixture has a header");
    assert!(generator.ends_with("make_model_reference.py"));
    value
}

fn parse<T: DeserializeOwned>(value: &Value) -> T {
    serde_json::from_value(value.clone()).expect("fixture field has the expected shape")
}

fn matrix(value: &Value) -> Matrix {
    Matrix::from_rows(&parse::<Vec<Vec<f64>>>(value)).expect("rectangular fixture matrix")
}

/// Fails unless every `got` is within `tolerance * max(1, |want|)` of `want`.
fn assert_close(got: &[f64], want: &[f64], tolerance: f64, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: lengths differ");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        let bound = tolerance * w.abs().max(1.0);
        assert!((g - w).abs() <= bound, "{what}[{i}]: got {g}, scikit-learn {w}");
    }
}

// ---------------------------------------------------------------- linear regression

fn fit_linear(case: &Value) -> FittedLinearRegression {
    let x = matrix(&case["x"]);
    let y: Vec<f64> = parse(&case["y"]);
    let fit_intercept = case["params"]["fit_intercept"].as_bool().unwrap();
    if case["model"] == "Ridge" {
        let alpha = case["params"]["alpha"].as_f64().unwrap();
        Ridge::new(RidgeParams { alpha, fit_intercept }).fit(&x, &y).unwrap()
    } else {
        LinearRegression::new(LinearRegressionParams { fit_intercept }).fit(&x, &y).unwrap()
    }
}

#[test]
fn linear_regression_and_ridge_match_scikit_learn() {
    let fixture = fixture(include_str!("fixtures/linear.json"));

    for case in fixture["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let model = fit_linear(case);
        // The ill-conditioned case has cond(X) ≈ 3e4: both solvers lose about that factor.
        let tolerance = if name.ends_with("ill_conditioned") { 1e-8 } else { 1e-11 };

        let want_coef: Vec<f64> = parse(&case["coef"]);
        let want_intercept = case["intercept"].as_f64().unwrap();
        let want_predictions: Vec<f64> = parse(&case["predictions"]);
        let predictions = model.predict(&matrix(&case["x_test"])).unwrap();

        assert_close(model.coefficients(), &want_coef, tolerance, &format!("{name} coef"));
        assert_close(&[model.intercept()], &[want_intercept], tolerance, &format!("{name} b"));
        assert_close(&predictions, &want_predictions, tolerance, &format!("{name} predictions"));

        let saved = rmp_serde::to_vec_named(&model).unwrap();
        let back: FittedLinearRegression = rmp_serde::from_slice(&saved).unwrap();
        assert_eq!(back, model);
    }
}

// ---------------------------------------------------------------- gradient boosting

struct Table {
    x_train: Matrix,
    x_test: Matrix,
    fixture: Value,
}

fn boosting_table() -> Table {
    let fixture = fixture(include_str!("fixtures/boosting.json"));
    Table {
        x_train: matrix(&fixture["table"]["x_train"]),
        x_test: matrix(&fixture["table"]["x_test"]),
        fixture,
    }
}

fn labels(table: &Table, target: &str, part: &str) -> Vec<usize> {
    parse(&table.fixture["table"][format!("{target}_{part}")])
}

/// The fixture's parameter set, with its `null`s, as weir parameters.
fn boosting_params(params: &Value) -> HistGradientBoostingClassifierParams {
    parse(params)
}

#[test]
fn gradient_boosting_scores_within_bounds_of_scikit_learn() {
    let table = boosting_table();

    for result in table.fixture["results"].as_array().unwrap() {
        let target = result["target"].as_str().unwrap();
        let params = boosting_params(&result["params"]);
        let y_train = labels(&table, target, "train");
        let y_test = labels(&table, target, "test");

        let model = HistGradientBoostingClassifier::new(params.clone())
            .fit(&table.x_train, &y_train)
            .unwrap();
        let proba = model.predict_proba(&table.x_test).unwrap();
        let predicted = model.predict(&table.x_test).unwrap();

        let what = format!("{target} with {params:?}");
        let got_accuracy = accuracy(&y_test, &predicted).unwrap();
        let want_accuracy = result["accuracy"].as_f64().unwrap();
        assert!(
            (got_accuracy - want_accuracy).abs() <= 0.01,
            "{what}: accuracy {got_accuracy}, scikit-learn {want_accuracy}"
        );
        let got_loss = log_loss(&y_test, &proba, None).unwrap();
        let want_loss = result["log_loss"].as_f64().unwrap();
        assert!(
            (got_loss - want_loss).abs() <= 0.03,
            "{what}: log-loss {got_loss}, scikit-learn {want_loss}"
        );
        if let Some(want_auc) = result["roc_auc"].as_f64() {
            let got_auc = roc_auc_score(&y_test, &proba.column(1)).unwrap();
            assert!(
                (got_auc - want_auc).abs() <= 0.01,
                "{what}: ROC AUC {got_auc}, scikit-learn {want_auc}"
            );
        }
    }
}

/// Fits `fit` inside a rayon pool of `threads` threads.
fn in_pool<T: Send>(threads: usize, fit: impl FnOnce() -> T + Send) -> T {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
    pool.install(fit)
}

fn bits(m: &Matrix) -> Vec<u64> {
    m.as_slice().iter().map(|v| v.to_bits()).collect()
}

#[test]
fn gradient_boosting_repeats_bit_for_bit_with_any_thread_count() {
    let table = boosting_table();
    let y = labels(&table, "multiclass", "train");
    let params = HistGradientBoostingClassifierParams { max_iter: 15, ..Default::default() };
    let model = HistGradientBoostingClassifier::new(params);

    let one = in_pool(1, || model.fit(&table.x_train, &y).unwrap());
    let four = in_pool(4, || model.fit(&table.x_train, &y).unwrap());

    let saved = rmp_serde::to_vec_named(&one).unwrap();
    assert_eq!(saved, rmp_serde::to_vec_named(&four).unwrap());
    let p1 = in_pool(1, || one.predict_proba(&table.x_test).unwrap());
    let p4 = in_pool(4, || four.predict_proba(&table.x_test).unwrap());
    assert_eq!(bits(&p1), bits(&p4));

    let back: FittedHistGradientBoostingClassifier = rmp_serde::from_slice(&saved).unwrap();
    assert_eq!(bits(&back.predict_proba(&table.x_test).unwrap()), bits(&p1));
}

#[test]
fn random_forest_repeats_bit_for_bit_in_any_rayon_pool() {
    let table = boosting_table();
    let y = labels(&table, "binary", "train");
    let params =
        RandomForestClassifierParams { n_estimators: 12, random_state: 5, ..Default::default() };
    let forest = RandomForestClassifier::new(params);

    let one = in_pool(1, || forest.fit(&table.x_train, &y).unwrap());
    let four = in_pool(4, || forest.fit(&table.x_train, &y).unwrap());

    assert_eq!(rmp_serde::to_vec_named(&one).unwrap(), rmp_serde::to_vec_named(&four).unwrap());
    let p1 = in_pool(1, || one.predict_proba(&table.x_test).unwrap());
    let p4 = in_pool(4, || four.predict_proba(&table.x_test).unwrap());
    assert_eq!(bits(&p1), bits(&p4));
}
