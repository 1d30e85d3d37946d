//! Compares weir-ml's preprocessing, column transformer, stratified folds and grid search with
//! scikit-learn on `tests/fixtures/preprocessing.json` and `tests/fixtures/search.json`, which
//! `scripts/make_preprocessing_reference.py` computes (see each file's `header`).

#![allow(clippy::unwrap_used, reason = "helpers of a test fail the test on any error")]

use polars::prelude::{Column, DataFrame};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use weir_ml::estimator::ClassifierSpec;
use weir_ml::linear::LogisticRegressionParams;
use weir_ml::matrix::{column_names, find_column, float_values};
use weir_ml::model_selection::{Fold, GridSearch, Scoring, stratified_k_fold};
use weir_ml::preprocessing::{
    ColumnTransformer, DropCategory, FillValue, HandleUnknown, ImputeStrategy, MinMaxScaler,
    MinMaxScalerParams, OneHotEncoder, OneHotEncoderParams, OrdinalEncoder, OrdinalEncoderParams,
    SimpleImputer, SimpleImputerParams,
};
use weir_ml::{Matrix, MlError};

const TOLERANCE: f64 = 1e-12;

fn fixture(text: &str) -> Value {
    let value: Value = serde_json::from_str(text).expect("fixture is valid JSON");
    let generator = value["header"]["generator"].as_str().expect("fixture has a header");
    assert!(generator.ends_with("make_preprocessing_reference.py"));
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

/// The fixture table: `Color`/`Education` as strings with nulls, `Age`/`Smoker` as `Int64`,
/// the rest as `Float64` whose missing values are NaN (`nan_floats`) or nulls.
fn table(value: &Value, nan_floats: bool) -> DataFrame {
    let columns: Vec<Column> = value
        .as_object()
        .unwrap()
        .iter()
        .map(|(name, values)| match name.as_str() {
            "Color" | "Education" => Column::new(name.into(), parse::<Vec<Option<String>>>(values)),
            "Age" | "Smoker" => Column::new(name.into(), parse::<Vec<i64>>(values)),
            _ => {
                let floats = parse::<Vec<Option<f64>>>(values);
                if nan_floats {
                    let nan: Vec<f64> = floats.iter().map(|v| v.unwrap_or(f64::NAN)).collect();
                    Column::new(name.into(), nan)
                } else {
                    Column::new(name.into(), floats)
                }
            }
        })
        .collect();
    DataFrame::new(columns[0].len(), columns).unwrap()
}

/// `columns` of `df` against scikit-learn's output, one list per column.
fn assert_columns(df: &DataFrame, columns: &[String], want: &Value, what: &str) {
    let want: Vec<Vec<f64>> = parse(want);
    assert_eq!(columns.len(), want.len(), "{what}: column count");
    for (name, want) in columns.iter().zip(&want) {
        assert_close(&float_values(df, name).unwrap(), want, TOLERANCE, &format!("{what} {name}"));
    }
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
        .collect()
}

fn yaml<T: DeserializeOwned>(text: &str) -> T {
    let value: Value = serde_norway::from_str(text).expect("valid YAML");
    serde_json::from_value(value).expect("YAML has the expected shape")
}

fn preprocessing() -> Value {
    fixture(include_str!("fixtures/preprocessing.json"))
}

// ---------------------------------------------------------------- transformers

#[test]
fn min_max_scaler_matches_scikit_learn() {
    let fixture = preprocessing();
    let (train, test) = (table(&fixture["train"], true), table(&fixture["test"], true));

    for case in fixture["min_max"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let params = MinMaxScalerParams {
            feature_range: parse(&case["feature_range"]),
            clip: parse(&case["clip"]),
        };
        let columns: Vec<String> = parse(&case["columns"]);

        let scaler = MinMaxScaler::fit(&train, &columns, &params).unwrap();

        assert_close(scaler.data_min(), &parse::<Vec<f64>>(&case["data_min"]), 0.0, name);
        assert_close(scaler.data_max(), &parse::<Vec<f64>>(&case["data_max"]), 0.0, name);
        assert_close(scaler.scale(), &parse::<Vec<f64>>(&case["scale"]), TOLERANCE, name);
        assert_close(scaler.min(), &parse::<Vec<f64>>(&case["min"]), TOLERANCE, name);
        assert_columns(&scaler.transform(&train).unwrap(), &columns, &case["train"], name);
        assert_columns(&scaler.transform(&test).unwrap(), &columns, &case["test"], name);
    }
}

#[test]
fn simple_imputer_matches_scikit_learn_with_nulls_and_nan() {
    let fixture = preprocessing();

    for nan_floats in [true, false] {
        let (train, test) =
            (table(&fixture["train"], nan_floats), table(&fixture["test"], nan_floats));
        for case in fixture["imputer"].as_array().unwrap() {
            let params = SimpleImputerParams {
                strategy: parse::<ImputeStrategy>(&case["strategy"]),
                fill_value: parse::<Option<FillValue>>(&case["fill_value"]),
            };
            let columns: Vec<String> = parse(&case["columns"]);
            let what = format!("{params:?} (NaN floats: {nan_floats})");

            let imputer = SimpleImputer::fit(&train, &columns, &params).unwrap();
            let out = imputer.transform(&test).unwrap();

            let statistics: Vec<FillValue> = parse(&case["statistics"]);
            if columns[0] == "Education" {
                assert_eq!(imputer.statistics(), statistics, "{what}");
                let filled: Vec<String> = parse::<Vec<Vec<String>>>(&case["test"]).concat();
                let got: Vec<&str> = find_column(&out, "Education")
                    .unwrap()
                    .str()
                    .unwrap()
                    .iter()
                    .flatten()
                    .collect();
                assert_eq!(got, filled, "{what}");
            } else {
                let number = |v: &FillValue| match v {
                    FillValue::Number(n) => *n,
                    FillValue::Text(t) => panic!("{what}: text statistic {t}"),
                };
                let got: Vec<f64> = imputer.statistics().iter().map(number).collect();
                let want: Vec<f64> = statistics.iter().map(number).collect();
                assert_close(&got, &want, TOLERANCE, &what);
                assert_columns(&out, &columns, &case["test"], &what);
            }
        }
    }
}

#[test]
fn one_hot_encoder_matches_scikit_learn() {
    let fixture = preprocessing();
    let (train, test) = (table(&fixture["train"], true), table(&fixture["test"], true));

    for case in fixture["one_hot"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let params = OneHotEncoderParams {
            handle_unknown: parse::<HandleUnknown>(&case["handle_unknown"]),
            drop: parse::<Option<DropCategory>>(&case["drop"]),
        };
        let columns: Vec<String> = parse(&case["columns"]);

        let encoder = OneHotEncoder::fit(&train, &columns, &params).unwrap();

        let categories: Vec<Vec<String>> =
            encoder.categories().iter().map(weir_ml::preprocessing::ClassLabels::names).collect();
        let want: Vec<Vec<String>> =
            case["categories"].as_array().unwrap().iter().map(strings).collect();
        assert_eq!(categories, want, "{name}");
        assert_eq!(encoder.feature_names_out(), strings(&case["feature_names_out"]), "{name}");
        let out_names = encoder.feature_names_out();
        assert_columns(&encoder.transform(&train).unwrap(), out_names, &case["train"], name);
        if case["test"].is_null() {
            let error = encoder.transform(&test).unwrap_err();
            assert!(matches!(error, MlError::UnseenLabels { ref column, .. } if column == "Age"));
        } else {
            assert_columns(&encoder.transform(&test).unwrap(), out_names, &case["test"], name);
        }
    }
}

#[test]
fn ordinal_encoder_matches_scikit_learn() {
    let fixture = preprocessing();
    let (train, test) = (table(&fixture["train"], true), table(&fixture["test"], true));
    let case = &fixture["ordinal"];
    let columns: Vec<String> = parse(&case["columns"]);
    let lenient = OrdinalEncoderParams { unknown_value: parse(&case["unknown_value"]) };

    let strict = OrdinalEncoder::fit(&train, &columns, &OrdinalEncoderParams::default()).unwrap();
    let tolerant = OrdinalEncoder::fit(&train, &columns, &lenient).unwrap();

    let categories: Vec<Vec<String>> =
        strict.categories().iter().map(weir_ml::preprocessing::ClassLabels::names).collect();
    let want: Vec<Vec<String>> =
        case["categories"].as_array().unwrap().iter().map(strings).collect();
    assert_eq!(categories, want);
    assert_columns(&strict.transform(&train).unwrap(), &columns, &case["train"], "train");
    assert_columns(&tolerant.transform(&test).unwrap(), &columns, &case["test"], "test");
    assert!(matches!(strict.transform(&test), Err(MlError::UnseenLabels { .. })));
}

#[test]
fn column_transformer_from_yaml_matches_scikit_learn() {
    let fixture = preprocessing();
    let case = &fixture["column_transformer"];
    let dropped: Vec<String> = parse(&case["drop_before_fit"]);
    let train = table(&fixture["train"], true).drop_many(&dropped);
    let test = table(&fixture["test"], false).drop_many(&dropped);
    let transformer: ColumnTransformer = yaml(case["yaml"].as_str().unwrap());

    let fitted = transformer.fit(&train).unwrap();

    let names = strings(&case["feature_names_out"]);
    assert_eq!(fitted.feature_names_out(), names);
    let out = fitted.transform(&test).unwrap();
    assert_eq!(column_names(&out), names);
    assert_columns(&fitted.transform(&train).unwrap(), &names, &case["train"], "train");
    assert_columns(&out, &names, &case["test"], "test");
}

// ---------------------------------------------------------------- search

#[test]
fn grid_search_picks_scikit_learns_candidate_with_its_scores() {
    let fixture = fixture(include_str!("fixtures/search.json"));

    for case in fixture["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let x = Matrix::from_rows(&parse::<Vec<Vec<f64>>>(&case["x"])).unwrap();
        let y: Vec<usize> = parse(&case["y"]);
        let folds: Vec<Fold> = case["folds"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| Fold { train: parse(&f["train"]), test: parse(&f["test"]) })
            .collect();
        let scoring: Scoring = parse(&case["scoring"]);
        let params =
            LogisticRegressionParams { tol: 1e-10, max_iter: 10_000, ..Default::default() };
        let search = GridSearch {
            estimator: ClassifierSpec::LogisticRegression(params),
            param_grid: parse(&case["param_grid"]),
            cv: folds.len(),
            scoring,
            n_jobs: None,
        };
        // Probabilities agree with scikit-learn's to about 1e-6; counts of right answers exactly.
        let tolerance = if scoring == Scoring::LogLoss { 1e-6 } else { 1e-12 };

        let result = search.fit_with_folds(&x, &y, &folds).unwrap();

        let splits: Vec<Vec<f64>> = parse(&case["split_scores"]);
        for (candidate, want) in result.candidates.iter().zip(&splits) {
            assert_close(&candidate.split_scores, want, tolerance, name);
        }
        let means: Vec<f64> = result.candidates.iter().map(|c| c.mean_score).collect();
        let stds: Vec<f64> = result.candidates.iter().map(|c| c.std_score).collect();
        let ranks: Vec<usize> = result.candidates.iter().map(|c| c.rank).collect();
        assert_close(&means, &parse::<Vec<f64>>(&case["mean_test_score"]), tolerance, name);
        assert_close(&stds, &parse::<Vec<f64>>(&case["std_test_score"]), tolerance, name);
        assert_eq!(ranks, parse::<Vec<usize>>(&case["rank_test_score"]), "{name}");
        assert_eq!(result.best_index, parse::<usize>(&case["best_index"]), "{name}");
        assert_eq!(json!(result.best_params), case["best_params"], "{name}");
        assert!((result.best_score - case["best_score"].as_f64().unwrap()).abs() <= tolerance);
    }
}

#[test]
fn stratified_folds_are_scikit_learns_and_the_search_uses_them_by_default() {
    let fixture = fixture(include_str!("fixtures/search.json"));

    for case in fixture["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let x = Matrix::from_rows(&parse::<Vec<Vec<f64>>>(&case["x"])).unwrap();
        let y: Vec<usize> = parse(&case["y"]);
        // scikit-learn's `StratifiedKFold(n_splits=5)` folds, as the script wrote them.
        let want: Vec<Fold> = case["folds"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| Fold { train: parse(&f["train"]), test: parse(&f["test"]) })
            .collect();
        let search = GridSearch {
            estimator: ClassifierSpec::LogisticRegression(LogisticRegressionParams::default()),
            param_grid: parse(&case["param_grid"]),
            cv: want.len(),
            scoring: parse(&case["scoring"]),
            n_jobs: None,
        };

        let folds = stratified_k_fold(&y, want.len(), None).unwrap();
        let by_default = search.fit(&x, &y).unwrap();
        let given = search.fit_with_folds(&x, &y, &want).unwrap();

        assert_eq!(folds, want, "{name}");
        assert_eq!(by_default, given, "{name}");
    }
}
