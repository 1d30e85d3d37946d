//! Contracts every weir-ml estimator keeps, checked across the crate in one place:
//!
//! - every fitted object survives the catalog's artefact format (`rmp_serde::to_vec_named`,
//!   `MessagePack` with field names) unchanged and gives the same outputs once loaded;
//! - a user's mistake (a column missing or misspelt, a category unseen at fit time, a column of
//!   the wrong type, nulls or NaN where a model needs numbers) is one error that names the
//!   column and carries a hint saying what to do.
//!
//! Predicting before fitting cannot be written at all (each `fit` returns the fitted type);
//! the `compile_fail` examples in the crate docs show it. The numbers themselves are checked
//! against scikit-learn in the `*_reference.rs` tests.

#![allow(clippy::unwrap_used, reason = "helpers of a test fail the test on any error")]

use std::any::type_name;
use std::fmt::Debug;

use polars::df;
use polars::prelude::{Column, DataFrame};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use weir_ml::boosting::{
    FittedHistGradientBoostingClassifier, HistGradientBoostingClassifier,
    HistGradientBoostingClassifierParams,
};
use weir_ml::ensemble::{
    FittedRandomForestClassifier, FittedRandomForestRegressor, RandomForestClassifier,
    RandomForestClassifierParams, RandomForestRegressor, RandomForestRegressorParams,
};
use weir_ml::estimator::{ClassifierSpec, FittedClassifier};
use weir_ml::inspection::{PermutationImportance, permutation_importance};
use weir_ml::linear::{
    FittedLinearRegression, FittedLogisticRegression, LinearRegression, LogisticRegression, Ridge,
    RidgeParams,
};
use weir_ml::model_selection::{GridSearch, RandomizedSearch, Scoring, SearchResult};
use weir_ml::pipeline::{FittedModelPipeline, ModelPipeline};
use weir_ml::preprocessing::{
    FittedColumnTransformer, ImputeStrategy, LabelEncoder, MinMaxScaler, MinMaxScalerParams,
    OneHotEncoder, OneHotEncoderParams, OrdinalEncoder, OrdinalEncoderParams, SimpleImputer,
    SimpleImputerParams, StandardScaler,
};
use weir_ml::{Matrix, MlError};

// ---------------------------------------------------------------- shared data

/// Twelve patients: numeric features (`age`, `bmi`), categories (`sex`, `smoker`, `region`),
/// `smoker` with two nulls, an integer class code `label` and a float `target`.
fn table() -> DataFrame {
    df!(
        "age" => [25i64, 32, 47, 51, 62, 23, 36, 44, 58, 29, 40, 55],
        "sex" => ["m", "f", "f", "m", "f", "m", "f", "m", "f", "m", "f", "m"],
        "bmi" => [21.0, 31.5, 29.0, 33.2, 35.1, 19.8, 24.3, 30.7, 34.0, 22.5, 27.9, 32.6],
        "smoker" => [Some(0i64), Some(1), None, Some(1), Some(0), Some(0), None, Some(1),
                     Some(1), Some(0), Some(0), Some(1)],
        "region" => ["n", "s", "s", "e", "n", "e", "s", "n", "e", "n", "s", "e"],
        "label" => [0u32, 1, 1, 1, 1, 0, 0, 1, 1, 0, 0, 1],
        "target" => [1.2, 3.4, 3.1, 4.0, 4.8, 0.9, 2.2, 3.6, 4.5, 1.5, 2.8, 4.1],
    )
    .unwrap()
}

/// `table()` with column `name` removed.
fn without(name: &str) -> DataFrame {
    table().drop(name).unwrap()
}

/// `table()` with column `column` replaced.
fn with(column: Column) -> DataFrame {
    let mut df = table();
    df.with_column(column).unwrap();
    df
}

/// `bmi` with one NaN.
fn nan_bmi() -> DataFrame {
    let mut bmi: Vec<f64> = weir_ml::matrix::float_values(&table(), "bmi").unwrap();
    bmi[4] = f64::NAN;
    with(Column::new("bmi".into(), bmi))
}

/// `bmi` with one null.
fn null_bmi() -> DataFrame {
    let mut bmi: Vec<Option<f64>> =
        weir_ml::matrix::float_values(&table(), "bmi").unwrap().into_iter().map(Some).collect();
    bmi[2] = None;
    with(Column::new("bmi".into(), bmi))
}

/// `bmi` as text.
fn text_bmi() -> DataFrame {
    with(Column::new("bmi".into(), vec!["thin"; 12]))
}

/// `sex` as integers.
fn integer_sex() -> DataFrame {
    with(Column::new("sex".into(), vec![1i64; 12]))
}

const FEATURES: [&str; 2] = ["age", "bmi"];

fn from_yaml<T: DeserializeOwned>(yaml: &str) -> T {
    let value: Value = serde_norway::from_str(yaml).unwrap();
    serde_json::from_value(value).unwrap()
}

/// A model pipeline from raw columns, with `classifier` (a YAML flow mapping) as its model.
fn model_pipeline(classifier: &str) -> ModelPipeline {
    from_yaml(&format!(
        "
preprocessing:
  steps:
    - name: categories
      transformer:
        chain:
          - simple_imputer: {{strategy: most_frequent}}
          - one_hot: {{}}
      columns: [sex, smoker]
    - {{name: scale, transformer: {{standard_scaler: {{}}}}, columns: [age, bmi]}}
  remainder: drop
classifier: {classifier}
"
    ))
}

const CLASSIFIERS: [&str; 3] = [
    "{kind: logistic_regression, params: {C: 10}}",
    "{kind: random_forest, params: {n_estimators: 5}}",
    "{kind: hist_gradient_boosting, params: {min_samples_leaf: 2, max_iter: 10}}",
];

fn forest_params() -> RandomForestClassifierParams {
    RandomForestClassifierParams { n_estimators: 5, ..Default::default() }
}

fn boosting_params() -> HistGradientBoostingClassifierParams {
    HistGradientBoostingClassifierParams { min_samples_leaf: 2, max_iter: 10, ..Default::default() }
}

fn logistic() -> FittedLogisticRegression {
    LogisticRegression::default().fit_df(&table(), &FEATURES, "label").unwrap()
}

fn forest() -> FittedRandomForestClassifier {
    RandomForestClassifier::new(forest_params()).fit_df(&table(), &FEATURES, "label").unwrap()
}

fn boosting() -> FittedHistGradientBoostingClassifier {
    HistGradientBoostingClassifier::new(boosting_params())
        .fit_df(&table(), &FEATURES, "label")
        .unwrap()
}

fn forest_regressor() -> FittedRandomForestRegressor {
    let params = RandomForestRegressorParams { n_estimators: 5, ..Default::default() };
    RandomForestRegressor::new(params).fit_df(&table(), &FEATURES, "target").unwrap()
}

fn linear() -> FittedLinearRegression {
    LinearRegression::default().fit_df(&table(), &FEATURES, "target").unwrap()
}

fn ridge() -> FittedLinearRegression {
    Ridge::new(RidgeParams { alpha: 0.5, ..Default::default() })
        .fit_df(&table(), &FEATURES, "target")
        .unwrap()
}

// ---------------------------------------------------------------- round trips

/// Saves `value` the way the catalog stores artefacts and loads it back; fails unless the
/// loaded value equals the saved one.
fn through_catalog<T>(value: &T) -> T
where
    T: Serialize + DeserializeOwned + PartialEq + Debug,
{
    let what = type_name::<T>();
    let bytes =
        rmp_serde::to_vec_named(value).unwrap_or_else(|e| panic!("cannot save `{what}`: {e}"));
    let back: T =
        rmp_serde::from_slice(&bytes).unwrap_or_else(|e| panic!("cannot load `{what}`: {e}"));
    assert_eq!(&back, value, "`{what}` changed through MessagePack");
    back
}

#[test]
fn fitted_transformers_round_trip_through_the_catalog() {
    let df = table();
    let scaler = StandardScaler::fit(&df, &FEATURES).unwrap();
    let min_max = MinMaxScaler::fit(&df, &FEATURES, &MinMaxScalerParams::default()).unwrap();
    let most_frequent =
        SimpleImputerParams { strategy: ImputeStrategy::MostFrequent, fill_value: None };
    let imputer = SimpleImputer::fit(&df, &["smoker", "sex"], &most_frequent).unwrap();
    let one_hot = OneHotEncoder::fit(&df, &["sex", "region"], &OneHotEncoderParams::default());
    let one_hot = one_hot.unwrap();
    let ordinal_params = OrdinalEncoderParams { unknown_value: Some(-1.0) };
    let ordinal = OrdinalEncoder::fit(&df, &["region", "age"], &ordinal_params).unwrap();
    let labels = LabelEncoder::fit(df.column("region").unwrap()).unwrap();
    let columns = model_pipeline(CLASSIFIERS[0]).preprocessing.fit(&df).unwrap();

    let scaler_back = through_catalog(&scaler);
    let min_max_back = through_catalog(&min_max);
    let imputer_back = through_catalog(&imputer);
    let one_hot_back = through_catalog(&one_hot);
    let ordinal_back = through_catalog(&ordinal);
    let labels_back = through_catalog(&labels);
    let columns_back: FittedColumnTransformer = through_catalog(&columns);

    assert_eq!(scaler_back.transform(&df).unwrap(), scaler.transform(&df).unwrap());
    assert_eq!(min_max_back.transform(&df).unwrap(), min_max.transform(&df).unwrap());
    assert_eq!(imputer_back.transform(&df).unwrap(), imputer.transform(&df).unwrap());
    assert_eq!(one_hot_back.transform(&df).unwrap(), one_hot.transform(&df).unwrap());
    assert_eq!(ordinal_back.transform(&df).unwrap(), ordinal.transform(&df).unwrap());
    let region = df.column("region").unwrap();
    assert_eq!(labels_back.transform(region).unwrap(), labels.transform(region).unwrap());
    assert_eq!(columns_back.transform(&df).unwrap(), columns.transform(&df).unwrap());
    assert_eq!(columns_back.feature_names_out(), columns.feature_names_out());
}

#[test]
fn fitted_models_round_trip_through_the_catalog() {
    let df = table();
    let (logistic, forest, boosting) = (logistic(), forest(), boosting());
    let (forest_regressor, linear, ridge) = (forest_regressor(), linear(), ridge());

    let logistic_back = through_catalog(&logistic);
    let forest_back = through_catalog(&forest);
    let boosting_back = through_catalog(&boosting);
    let forest_regressor_back = through_catalog(&forest_regressor);
    let linear_back = through_catalog(&linear);
    let ridge_back = through_catalog(&ridge);

    assert_eq!(
        logistic_back.predict_proba_df(&df).unwrap(),
        logistic.predict_proba_df(&df).unwrap()
    );
    assert_eq!(forest_back.predict_proba_df(&df).unwrap(), forest.predict_proba_df(&df).unwrap());
    assert_eq!(
        boosting_back.predict_proba_df(&df).unwrap(),
        boosting.predict_proba_df(&df).unwrap()
    );
    assert_eq!(
        forest_regressor_back.predict_df(&df).unwrap(),
        forest_regressor.predict_df(&df).unwrap()
    );
    assert_eq!(linear_back.predict_df(&df).unwrap(), linear.predict_df(&df).unwrap());
    assert_eq!(ridge_back.predict_df(&df).unwrap(), ridge.predict_df(&df).unwrap());
    assert!((ridge_back.alpha() - 0.5).abs() < f64::EPSILON);
}

#[test]
fn fitted_pipelines_and_classifiers_of_every_kind_round_trip_through_the_catalog() {
    let df = table();
    let label = df.column("label").unwrap();
    let y: Vec<usize> = label.u32().unwrap().into_no_null_iter().map(|c| c as usize).collect();
    let x = Matrix::from_columns(&df, &FEATURES).unwrap();

    for classifier in CLASSIFIERS {
        let pipeline = model_pipeline(classifier).fit_df(&df, "label").unwrap();
        let spec: ClassifierSpec = from_yaml(classifier);
        let model = spec.fit(&x, &y).unwrap();

        let pipeline_back: FittedModelPipeline = through_catalog(&pipeline);
        let model_back: FittedClassifier = through_catalog(&model);

        assert_eq!(pipeline_back.predict_df(&df).unwrap(), pipeline.predict_df(&df).unwrap());
        assert_eq!(
            pipeline_back.predict_proba_df(&df).unwrap(),
            pipeline.predict_proba_df(&df).unwrap(),
            "{classifier}"
        );
        assert_eq!(model_back.predict_proba(&x).unwrap(), model.predict_proba(&x).unwrap());
        assert_eq!(model_back.classes(), [0, 1]);
    }
}

#[test]
fn search_results_and_importances_round_trip_through_the_catalog() {
    let df = table();
    let x = Matrix::from_columns(&df, &FEATURES).unwrap();
    let y: Vec<usize> = df
        .column("label")
        .unwrap()
        .u32()
        .unwrap()
        .into_no_null_iter()
        .map(|c| c as usize)
        .collect();
    let grid: GridSearch = from_yaml(
        "{estimator: {kind: random_forest, params: {n_estimators: 3}}, param_grid: {max_depth: [1, 2]}, cv: 2}",
    );
    let random: RandomizedSearch = from_yaml(
        "
estimator: {kind: hist_gradient_boosting, params: {min_samples_leaf: 2}}
param_distributions: {learning_rate: {uniform: [0.05, 0.2]}, max_iter: [3, 5]}
n_iter: 2
cv: 2
",
    );

    let grid_result = grid.fit(&x, &y).unwrap();
    let random_result = random.fit(&x, &y).unwrap();
    let importance =
        permutation_importance(&random_result.best_estimator, &x, &y, Scoring::Accuracy, 3, 0);
    let importance = importance.unwrap();

    let grid_back: SearchResult = through_catalog(&grid_result);
    let random_back: SearchResult = through_catalog(&random_result);
    let importance_back: PermutationImportance = through_catalog(&importance);

    assert_eq!(grid_back.cv_results().unwrap(), grid_result.cv_results().unwrap());
    assert_eq!(
        random_back.best_estimator.predict(&x).unwrap(),
        random_result.best_estimator.predict(&x).unwrap()
    );
    assert_eq!(importance_back.importances.len(), 2);
}

// ---------------------------------------------------------------- errors

/// Fails unless `result` is an error whose message names `column` in backticks and which has
/// a hint saying what to do; returns the error.
fn named_error<T: Debug>(what: &str, result: weir_ml::Result<T>, column: &str) -> MlError {
    let error = match result {
        Ok(value) => panic!("{what}: expected an error naming `{column}`, got {value:?}"),
        Err(error) => error,
    };
    let text = error.to_string();
    assert!(
        text.contains(&format!("`{column}`")),
        "{what}: message does not name `{column}`: {text}"
    );
    let hint = error.hint().unwrap_or_else(|| panic!("{what}: no hint for: {text}"));
    assert!(!hint.trim().is_empty(), "{what}: empty hint for: {text}");
    error
}

/// The outcome of one call, with its output dropped so that calls of any type share a list.
type Outcome = (&'static str, weir_ml::Result<()>);

fn outcome<T>(what: &'static str, result: weir_ml::Result<T>) -> Outcome {
    (what, result.map(|_| ()))
}

#[test]
fn a_misspelt_column_at_fit_is_named_with_a_suggestion() {
    let df = table();
    let typo = ["age", "bmx"];
    let none = SimpleImputerParams::default();
    let one_hot = OneHotEncoderParams::default();
    let mut pipeline = model_pipeline(CLASSIFIERS[0]);
    pipeline.preprocessing.steps[1].columns = vec!["age".to_owned(), "bmx".to_owned()];

    let outcomes = [
        outcome("StandardScaler", StandardScaler::fit(&df, &typo)),
        outcome("MinMaxScaler", MinMaxScaler::fit(&df, &typo, &MinMaxScalerParams::default())),
        outcome("SimpleImputer", SimpleImputer::fit(&df, &typo, &none)),
        outcome("OneHotEncoder", OneHotEncoder::fit(&df, &["bmx"], &one_hot)),
        outcome(
            "OrdinalEncoder",
            OrdinalEncoder::fit(&df, &["bmx"], &OrdinalEncoderParams::default()),
        ),
        outcome("LogisticRegression", LogisticRegression::default().fit_df(&df, &typo, "label")),
        outcome(
            "RandomForestClassifier",
            RandomForestClassifier::new(forest_params()).fit_df(&df, &typo, "label"),
        ),
        outcome(
            "HistGradientBoostingClassifier",
            HistGradientBoostingClassifier::new(boosting_params()).fit_df(&df, &typo, "label"),
        ),
        outcome(
            "RandomForestRegressor",
            RandomForestRegressor::default().fit_df(&df, &typo, "target"),
        ),
        outcome("LinearRegression", LinearRegression::default().fit_df(&df, &typo, "target")),
        outcome("Ridge", Ridge::default().fit_df(&df, &typo, "target")),
        outcome("ColumnTransformer", pipeline.preprocessing.fit(&df)),
        outcome("ModelPipeline", pipeline.fit_df(&df, "label")),
    ];

    for (what, result) in outcomes {
        let error = named_error(what, result, "bmx");
        assert!(
            matches!(error, MlError::UnknownColumn { ref name, .. } if name == "bmx"),
            "{what}"
        );
        assert_eq!(error.hint().as_deref(), Some("did you mean `bmi`?"), "{what}");
        assert!(error.to_string().contains("`bmi`"), "{what}: the available columns are listed");
    }
}

#[test]
fn a_misspelt_label_or_target_is_named() {
    let df = table();

    let outcomes = [
        outcome("LogisticRegression", LogisticRegression::default().fit_df(&df, &FEATURES, "labl")),
        outcome(
            "RandomForestClassifier",
            RandomForestClassifier::new(forest_params()).fit_df(&df, &FEATURES, "labl"),
        ),
        outcome(
            "HistGradientBoostingClassifier",
            HistGradientBoostingClassifier::new(boosting_params()).fit_df(&df, &FEATURES, "labl"),
        ),
        outcome("ModelPipeline", model_pipeline(CLASSIFIERS[2]).fit_df(&df, "labl")),
    ];

    for (what, result) in outcomes {
        let error = named_error(what, result, "labl");
        assert_eq!(error.hint().as_deref(), Some("did you mean `label`?"), "{what}");
    }
}

#[test]
fn a_column_missing_at_transform_or_predict_is_named() {
    let df = table();
    let most_frequent =
        SimpleImputerParams { strategy: ImputeStrategy::MostFrequent, fill_value: None };
    let scaler = StandardScaler::fit(&df, &FEATURES).unwrap();
    let min_max = MinMaxScaler::fit(&df, &FEATURES, &MinMaxScalerParams::default()).unwrap();
    let imputer = SimpleImputer::fit(&df, &["bmi", "smoker"], &most_frequent).unwrap();
    let one_hot =
        OneHotEncoder::fit(&df, &["sex", "age"], &OneHotEncoderParams::default()).unwrap();
    let ordinal = OrdinalEncoder::fit(&df, &["age"], &OrdinalEncoderParams::default()).unwrap();
    let columns = model_pipeline(CLASSIFIERS[0]).preprocessing.fit(&df).unwrap();
    let pipelines: Vec<FittedModelPipeline> =
        CLASSIFIERS.iter().map(|c| model_pipeline(c).fit_df(&df, "label").unwrap()).collect();
    let (logistic, forest, boosting) = (logistic(), forest(), boosting());
    let (forest_regressor, linear) = (forest_regressor(), linear());
    let no_age = without("age");

    let outcomes = [
        outcome("StandardScaler::transform", scaler.transform(&no_age)),
        outcome("MinMaxScaler::transform", min_max.transform(&no_age)),
        outcome("OneHotEncoder::transform", one_hot.transform(&no_age)),
        outcome("OrdinalEncoder::transform", ordinal.transform(&no_age)),
        outcome("FittedColumnTransformer::transform", columns.transform(&no_age)),
        outcome("logistic predict_df", logistic.predict_df(&no_age)),
        outcome("logistic predict_proba_df", logistic.predict_proba_df(&no_age)),
        outcome("forest predict_df", forest.predict_df(&no_age)),
        outcome("forest predict_proba_df", forest.predict_proba_df(&no_age)),
        outcome("boosting predict_df", boosting.predict_df(&no_age)),
        outcome("boosting predict_proba_df", boosting.predict_proba_df(&no_age)),
        outcome("forest regressor predict_df", forest_regressor.predict_df(&no_age)),
        outcome("linear predict_df", linear.predict_df(&no_age)),
        outcome("logistic pipeline", pipelines[0].predict_df(&no_age)),
        outcome("forest pipeline", pipelines[1].predict_proba_df(&no_age)),
        outcome("boosting pipeline", pipelines[2].predict(&no_age)),
    ];

    for (what, result) in outcomes {
        let error = named_error(what, result, "age");
        assert!(
            matches!(error, MlError::UnknownColumn { ref name, .. } if name == "age"),
            "{what}"
        );
    }
    let error =
        named_error("SimpleImputer::transform", imputer.transform(&without("smoker")), "smoker");
    assert!(matches!(error, MlError::UnknownColumn { .. }));
}

#[test]
fn categories_unseen_at_fit_time_are_listed_with_the_known_ones() {
    let df = table();
    let mut regions: Vec<&str> = vec!["n"; 12];
    regions[3] = "west";
    let new_region = with(Column::new("region".into(), regions));
    let mut sexes: Vec<&str> = vec!["f"; 12];
    sexes[0] = "x";
    let new_sex = with(Column::new("sex".into(), sexes));
    let one_hot = OneHotEncoder::fit(&df, &["region"], &OneHotEncoderParams::default()).unwrap();
    let ordinal = OrdinalEncoder::fit(&df, &["region"], &OrdinalEncoderParams::default()).unwrap();
    let labels = LabelEncoder::fit(df.column("region").unwrap()).unwrap();
    // `one_hot: {}` keeps scikit-learn's default `handle_unknown: error`.
    let pipeline = model_pipeline(CLASSIFIERS[2]).fit_df(&df, "label").unwrap();

    // The column, the unseen value, and one class the encoder knows.
    let outcomes = [
        ("OneHotEncoder", one_hot.transform(&new_region).map(|_| ()), "region", "west", "e"),
        ("OrdinalEncoder", ordinal.transform(&new_region).map(|_| ()), "region", "west", "e"),
        (
            "LabelEncoder",
            labels.encode(new_region.column("region").unwrap()).map(|_| ()),
            "region",
            "west",
            "e",
        ),
        ("ModelPipeline", pipeline.predict_df(&new_sex).map(|_| ()), "sex", "x", "m"),
    ];

    for (what, result, column, unseen, known) in outcomes {
        let error = named_error(what, result, column);
        let text = error.to_string();
        assert!(text.contains(&format!("`{unseen}`")), "{what}: unseen value not listed: {text}");
        assert!(text.contains(&format!("`{known}`")), "{what}: known classes not listed: {text}");
        assert!(matches!(error, MlError::UnseenLabels { .. }), "{what}: {error:?}");
    }
}

#[test]
fn a_column_of_the_wrong_type_is_named_with_the_type_needed() {
    let df = table();
    let (text, integers) = (text_bmi(), integer_sex());
    let mean = SimpleImputerParams::default();
    let one_hot = OneHotEncoderParams::default();
    let ordinal = OrdinalEncoderParams::default();
    let most_frequent =
        SimpleImputerParams { strategy: ImputeStrategy::MostFrequent, fill_value: None };
    let scaler = StandardScaler::fit(&df, &FEATURES).unwrap();
    let min_max = MinMaxScaler::fit(&df, &FEATURES, &MinMaxScalerParams::default()).unwrap();
    let imputer = SimpleImputer::fit(&df, &["bmi"], &most_frequent).unwrap();
    let sex_imputer = SimpleImputer::fit(&df, &["sex"], &most_frequent).unwrap();
    let encoder = OneHotEncoder::fit(&df, &["sex"], &one_hot).unwrap();
    let ordinal_encoder = OrdinalEncoder::fit(&df, &["sex"], &ordinal).unwrap();
    let labels = LabelEncoder::fit(df.column("sex").unwrap()).unwrap();
    let pipeline = model_pipeline(CLASSIFIERS[1]).fit_df(&df, "label").unwrap();
    let mut passthrough = model_pipeline(CLASSIFIERS[0]);
    passthrough.preprocessing.remainder = weir_ml::preprocessing::Remainder::Passthrough;
    let (logistic, boosting, linear) = (logistic(), boosting(), linear());

    let fits = [
        (outcome("StandardScaler", StandardScaler::fit(&text, &FEATURES)), "bmi"),
        (
            outcome(
                "MinMaxScaler",
                MinMaxScaler::fit(&text, &FEATURES, &MinMaxScalerParams::default()),
            ),
            "bmi",
        ),
        (outcome("SimpleImputer mean", SimpleImputer::fit(&df, &["sex"], &mean)), "sex"),
        (outcome("OneHotEncoder on floats", OneHotEncoder::fit(&df, &["bmi"], &one_hot)), "bmi"),
        (outcome("OrdinalEncoder on floats", OrdinalEncoder::fit(&df, &["bmi"], &ordinal)), "bmi"),
        (outcome("LabelEncoder on floats", LabelEncoder::fit(df.column("bmi").unwrap())), "bmi"),
        (
            outcome(
                "LogisticRegression features",
                LogisticRegression::default().fit_df(&text, &FEATURES, "label"),
            ),
            "bmi",
        ),
        (
            outcome(
                "RandomForestClassifier features",
                RandomForestClassifier::new(forest_params()).fit_df(&text, &FEATURES, "label"),
            ),
            "bmi",
        ),
        (
            outcome(
                "HistGradientBoostingClassifier features",
                HistGradientBoostingClassifier::new(boosting_params())
                    .fit_df(&text, &FEATURES, "label"),
            ),
            "bmi",
        ),
        (
            outcome(
                "LinearRegression features",
                LinearRegression::default().fit_df(&text, &FEATURES, "target"),
            ),
            "bmi",
        ),
        (
            outcome(
                "LogisticRegression float label",
                LogisticRegression::default().fit_df(&df, &FEATURES, "target"),
            ),
            "target",
        ),
        (
            outcome(
                "HistGradientBoostingClassifier text label",
                HistGradientBoostingClassifier::new(boosting_params())
                    .fit_df(&df, &FEATURES, "sex"),
            ),
            "sex",
        ),
        (
            outcome(
                "ModelPipeline text label",
                model_pipeline(CLASSIFIERS[0]).fit_df(&df, "region"),
            ),
            "region",
        ),
        (
            outcome(
                "RandomForestRegressor text target",
                RandomForestRegressor::default().fit_df(&df, &FEATURES, "sex"),
            ),
            "sex",
        ),
        (outcome("Ridge text target", Ridge::default().fit_df(&df, &FEATURES, "region")), "region"),
        (outcome("ModelPipeline text passthrough", passthrough.fit_df(&df, "label")), "region"),
    ];
    let applies = [
        (outcome("StandardScaler::transform", scaler.transform(&text)), "bmi"),
        (outcome("MinMaxScaler::transform", min_max.transform(&text)), "bmi"),
        (outcome("SimpleImputer::transform numbers", imputer.transform(&text)), "bmi"),
        (outcome("SimpleImputer::transform text", sex_imputer.transform(&integers)), "sex"),
        (outcome("OneHotEncoder::transform", encoder.transform(&integers)), "sex"),
        (outcome("OrdinalEncoder::transform", ordinal_encoder.transform(&integers)), "sex"),
        (outcome("LabelEncoder::encode", labels.encode(integers.column("sex").unwrap())), "sex"),
        (outcome("logistic predict_df", logistic.predict_df(&text)), "bmi"),
        (outcome("boosting predict_proba_df", boosting.predict_proba_df(&text)), "bmi"),
        (outcome("linear predict_df", linear.predict_df(&text)), "bmi"),
        (outcome("ModelPipeline predict_df", pipeline.predict_df(&integers)), "sex"),
        (outcome("ModelPipeline predict_df numbers", pipeline.predict_df(&text)), "bmi"),
    ];

    for ((what, result), column) in fits.into_iter().chain(applies) {
        let error = named_error(what, result, column);
        assert!(matches!(error, MlError::UnsupportedDtype { .. }), "{what}: {error:?}");
        assert!(error.to_string().contains("is needed"), "{what}: {error}");
    }
}

#[test]
fn nan_and_nulls_are_rejected_where_a_number_is_needed() {
    let df = table();
    let scaler = StandardScaler::fit(&df, &FEATURES).unwrap();
    let min_max = MinMaxScaler::fit(&df, &FEATURES, &MinMaxScalerParams::default()).unwrap();
    let (logistic, forest, boosting) = (logistic(), forest(), boosting());
    let (forest_regressor, ridge) = (forest_regressor(), ridge());
    let pipelines: Vec<FittedModelPipeline> =
        CLASSIFIERS.iter().map(|c| model_pipeline(c).fit_df(&df, "label").unwrap()).collect();

    for (bad, is_nan) in [(nan_bmi(), true), (null_bmi(), false)] {
        let outcomes = [
            outcome("StandardScaler::fit", StandardScaler::fit(&bad, &FEATURES)),
            outcome("StandardScaler::transform", scaler.transform(&bad)),
            outcome(
                "MinMaxScaler::fit",
                MinMaxScaler::fit(&bad, &FEATURES, &MinMaxScalerParams::default()),
            ),
            outcome("MinMaxScaler::transform", min_max.transform(&bad)),
            outcome(
                "LogisticRegression::fit_df",
                LogisticRegression::default().fit_df(&bad, &FEATURES, "label"),
            ),
            outcome(
                "RandomForestClassifier::fit_df",
                RandomForestClassifier::new(forest_params()).fit_df(&bad, &FEATURES, "label"),
            ),
            outcome(
                "HistGradientBoostingClassifier::fit_df",
                HistGradientBoostingClassifier::new(boosting_params())
                    .fit_df(&bad, &FEATURES, "label"),
            ),
            outcome(
                "RandomForestRegressor::fit_df",
                RandomForestRegressor::default().fit_df(&bad, &FEATURES, "target"),
            ),
            outcome(
                "LinearRegression::fit_df",
                LinearRegression::default().fit_df(&bad, &FEATURES, "target"),
            ),
            outcome("logistic predict_df", logistic.predict_df(&bad)),
            outcome("forest predict_proba_df", forest.predict_proba_df(&bad)),
            outcome("boosting predict_df", boosting.predict_df(&bad)),
            outcome("forest regressor predict_df", forest_regressor.predict_df(&bad)),
            outcome("ridge predict_df", ridge.predict_df(&bad)),
            outcome("ModelPipeline::fit_df", model_pipeline(CLASSIFIERS[2]).fit_df(&bad, "label")),
            outcome("logistic pipeline", pipelines[0].predict_df(&bad)),
            outcome("forest pipeline", pipelines[1].predict_df(&bad)),
            outcome("boosting pipeline", pipelines[2].predict_proba_df(&bad)),
        ];

        for (what, result) in outcomes {
            let error = named_error(what, result, "bmi");
            let kind_ok = if is_nan {
                matches!(error, MlError::NonFiniteValues { count: 1, .. })
            } else {
                matches!(error, MlError::NullValues { count: 1, .. })
            };
            assert!(kind_ok, "{what}: {error:?}");
            assert!(error.hint().unwrap().contains("impute"), "{what}");
        }

        // The imputer is where missing values are allowed: it fills them.
        let imputer = SimpleImputer::fit(&bad, &["bmi"], &SimpleImputerParams::default()).unwrap();
        let filled = imputer.transform(&bad).unwrap();
        assert!(StandardScaler::fit(&filled, &FEATURES).is_ok());
    }
}

#[test]
fn nulls_in_categories_and_labels_are_named() {
    let df = table();
    let mut codes: Vec<Option<u32>> = [Some(0), Some(1)].repeat(6);
    codes[5] = None;
    let null_label = with(Column::new("label".into(), codes));

    let outcomes = [
        (
            outcome(
                "OneHotEncoder",
                OneHotEncoder::fit(&df, &["smoker"], &OneHotEncoderParams::default()),
            ),
            "smoker",
        ),
        (
            outcome(
                "OrdinalEncoder",
                OrdinalEncoder::fit(&df, &["smoker"], &OrdinalEncoderParams::default()),
            ),
            "smoker",
        ),
        (outcome("LabelEncoder", LabelEncoder::fit(df.column("smoker").unwrap())), "smoker"),
        (
            outcome(
                "LogisticRegression label",
                LogisticRegression::default().fit_df(&null_label, &FEATURES, "label"),
            ),
            "label",
        ),
        (
            outcome(
                "HistGradientBoostingClassifier label",
                HistGradientBoostingClassifier::new(boosting_params()).fit_df(
                    &null_label,
                    &FEATURES,
                    "label",
                ),
            ),
            "label",
        ),
        (
            outcome(
                "ModelPipeline label",
                model_pipeline(CLASSIFIERS[1]).fit_df(&null_label, "label"),
            ),
            "label",
        ),
    ];

    for ((what, result), column) in outcomes {
        let error = named_error(what, result, column);
        assert!(matches!(error, MlError::NullValues { count: _, .. }), "{what}: {error:?}");
    }
}

#[test]
fn matrices_of_the_wrong_width_or_with_nan_are_rejected_for_every_classifier() {
    let df = table();
    let y: Vec<usize> = df
        .column("label")
        .unwrap()
        .u32()
        .unwrap()
        .into_no_null_iter()
        .map(|c| c as usize)
        .collect();
    let x = Matrix::from_columns(&df, &FEATURES).unwrap();
    let narrow = Matrix::from_columns(&df, &["age"]).unwrap();
    let mut with_nan = x.clone();
    with_nan.row_mut(3)[1] = f64::NAN;

    for classifier in CLASSIFIERS {
        let model = from_yaml::<ClassifierSpec>(classifier).fit(&x, &y).unwrap();

        let width = model.predict(&narrow).unwrap_err();
        let nan = named_error(classifier, model.predict_proba(&with_nan), "x1");
        let fit_nan = named_error(
            classifier,
            from_yaml::<ClassifierSpec>(classifier).fit(&with_nan, &y),
            "x1",
        );

        assert!(
            matches!(width, MlError::FeatureCountMismatch { expected: 2, actual: 1 }),
            "{classifier}: {width:?}"
        );
        assert!(width.hint().is_some(), "{classifier}");
        assert!(matches!(nan, MlError::NonFiniteValues { .. }), "{classifier}: {nan:?}");
        assert!(matches!(fit_nan, MlError::NonFiniteValues { .. }), "{classifier}: {fit_nan:?}");
    }
}
