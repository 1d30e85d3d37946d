//! [`ClassifierSpec`] names a classifier and its hyper-parameters, so a model can be chosen in
//! a parameters file; [`FittedClassifier`] is whichever fitted model it produced, behind one
//! `predict` / `predict_proba` interface.
//!
//! In YAML (read, like all weir parameters, as a JSON value and then deserialised):
//!
//! ```yaml
//! kind: random_forest          # or logistic_regression, hist_gradient_boosting
//! params: {n_estimators: 200, max_depth: 8}
//! ```
//!
//! `params` takes the fields of the model's `*Params` struct
//! ([`LogisticRegressionParams`], [`RandomForestClassifierParams`],
//! [`HistGradientBoostingClassifierParams`]); missing fields keep their defaults, unknown ones
//! are an error, and `params: {}` keeps every default.
//!
//! | `kind` | model | [`feature_importances`](FittedClassifier::feature_importances) |
//! | --- | --- | --- |
//! | `logistic_regression` | [`LogisticRegression`] | `None` |
//! | `random_forest` | [`RandomForestClassifier`] | impurity importances |
//! | `hist_gradient_boosting` | [`HistGradientBoostingClassifier`] | `None`, as in scikit-learn |
//!
//! For a model without impurity importances, measure them with
//! [`permutation_importance`](crate::inspection::permutation_importance).
//!
//! Adding a model means one variant in each enum and one arm in each `match` below; the
//! compiler lists the arms.
//!
//! # Limitations
//! Classifiers only; no regressors yet.

use polars::prelude::DataFrame;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::boosting::{
    FittedHistGradientBoostingClassifier, HistGradientBoostingClassifier,
    HistGradientBoostingClassifierParams,
};
use crate::ensemble::{
    FittedRandomForestClassifier, RandomForestClassifier, RandomForestClassifierParams,
};
use crate::error::{MlError, Result};
use crate::inspection::importance_frame;
use crate::linear::{FittedLogisticRegression, LogisticRegression, LogisticRegressionParams};
use crate::matrix::Matrix;

/// A classifier and its hyper-parameters; see the module docs for the YAML shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "params", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClassifierSpec {
    /// [`LogisticRegression`].
    LogisticRegression(LogisticRegressionParams),
    /// [`RandomForestClassifier`].
    RandomForest(RandomForestClassifierParams),
    /// [`HistGradientBoostingClassifier`].
    HistGradientBoosting(HistGradientBoostingClassifierParams),
}

/// A fitted classifier of any kind, as returned by [`ClassifierSpec::fit`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "model", rename_all = "snake_case")]
pub enum FittedClassifier {
    /// A fitted [`LogisticRegression`].
    LogisticRegression(FittedLogisticRegression),
    /// A fitted [`RandomForestClassifier`].
    RandomForest(FittedRandomForestClassifier),
    /// A fitted [`HistGradientBoostingClassifier`].
    HistGradientBoosting(FittedHistGradientBoostingClassifier),
}

impl ClassifierSpec {
    /// Fits the model on the rows of `x` with class codes `y`.
    pub fn fit(&self, x: &Matrix, y: &[usize]) -> Result<FittedClassifier> {
        Ok(match self {
            ClassifierSpec::LogisticRegression(params) => FittedClassifier::LogisticRegression(
                LogisticRegression::new(params.clone()).fit(x, y)?,
            ),
            ClassifierSpec::RandomForest(params) => FittedClassifier::RandomForest(
                RandomForestClassifier::new(params.clone()).fit(x, y)?,
            ),
            ClassifierSpec::HistGradientBoosting(params) => FittedClassifier::HistGradientBoosting(
                HistGradientBoostingClassifier::new(params.clone()).fit(x, y)?,
            ),
        })
    }

    /// The `kind` written in YAML, e.g. `random_forest`.
    pub fn kind(&self) -> &'static str {
        match self {
            ClassifierSpec::LogisticRegression(_) => "logistic_regression",
            ClassifierSpec::RandomForest(_) => "random_forest",
            ClassifierSpec::HistGradientBoosting(_) => "hist_gradient_boosting",
        }
    }

    /// The hyper-parameters as a JSON object, with the field names used in YAML.
    pub fn params_value(&self) -> Map<String, Value> {
        let value = serde_json::to_value(self).expect("parameter structs serialise to JSON");
        match value.get("params") {
            Some(Value::Object(params)) => params.clone(),
            _ => Map::new(),
        }
    }

    /// A copy with the hyper-parameters in `overrides` replaced, e.g. `{"C": 0.1}`.
    ///
    /// Keys are the YAML field names (an alias such as logistic regression's `C` replaces its
    /// field `c`); an unknown key or a value of the wrong type is an error naming it.
    pub fn with_params(&self, overrides: &Map<String, Value>) -> Result<ClassifierSpec> {
        let mut params = self.params_value();
        for (key, value) in overrides {
            // An alias spelled differently from the field: replace the field it stands for.
            if !params.contains_key(key) {
                let field = params.keys().find(|k| k.eq_ignore_ascii_case(key)).cloned();
                if let Some(field) = field {
                    params.remove(&field);
                }
            }
            params.insert(key.clone(), value.clone());
        }
        let spec = serde_json::json!({ "kind": self.kind(), "params": params });
        serde_json::from_value(spec).map_err(|error| MlError::InvalidParameter {
            name: "params",
            reason: format!(
                "cannot set {} on `{}`: {error}",
                Value::Object(overrides.clone()),
                self.kind()
            ),
        })
    }
}

impl FittedClassifier {
    /// Class probabilities, one row per sample and one column per class of
    /// [`classes`](Self::classes).
    pub fn predict_proba(&self, x: &Matrix) -> Result<Matrix> {
        match self {
            FittedClassifier::LogisticRegression(model) => model.predict_proba(x),
            FittedClassifier::RandomForest(model) => model.predict_proba(x),
            FittedClassifier::HistGradientBoosting(model) => model.predict_proba(x),
        }
    }

    /// The predicted class code of every row.
    pub fn predict(&self, x: &Matrix) -> Result<Vec<usize>> {
        match self {
            FittedClassifier::LogisticRegression(model) => model.predict(x),
            FittedClassifier::RandomForest(model) => model.predict(x),
            FittedClassifier::HistGradientBoosting(model) => model.predict(x),
        }
    }

    /// The class codes, sorted; column `k` of `predict_proba` is `classes()[k]`.
    pub fn classes(&self) -> &[usize] {
        match self {
            FittedClassifier::LogisticRegression(model) => model.classes(),
            FittedClassifier::RandomForest(model) => model.classes(),
            FittedClassifier::HistGradientBoosting(model) => model.classes(),
        }
    }

    /// Impurity importances per feature, for models that have them (the forests).
    ///
    /// `None` for logistic regression and for histogram gradient boosting, which, as in
    /// scikit-learn, has no `feature_importances_`; use
    /// [`permutation_importance`](crate::inspection::permutation_importance) for those.
    pub fn feature_importances(&self) -> Option<&[f64]> {
        match self {
            FittedClassifier::LogisticRegression(_) | FittedClassifier::HistGradientBoosting(_) => {
                None
            }
            FittedClassifier::RandomForest(model) => Some(model.feature_importances()),
        }
    }

    /// The features the model was fitted on (`x0`, `x1`, ... after [`ClassifierSpec::fit`]).
    pub fn feature_names(&self) -> &[String] {
        match self {
            FittedClassifier::LogisticRegression(model) => model.feature_names(),
            FittedClassifier::RandomForest(model) => model.feature_names(),
            FittedClassifier::HistGradientBoosting(model) => model.feature_names(),
        }
    }

    /// [`feature_importances`](Self::feature_importances) as a `feature`, `importance` table,
    /// sorted by decreasing importance, under the given feature `names`.
    pub fn importance_frame<S: AsRef<str>>(&self, names: &[S]) -> Result<Option<DataFrame>> {
        self.feature_importances().map(|values| importance_frame(names, values)).transpose()
    }
}

/// The rows of `x` at `rows`, in that order.
pub(crate) fn select_rows(x: &Matrix, rows: &[usize]) -> Matrix {
    let mut data = Vec::with_capacity(rows.len() * x.n_cols());
    for &r in rows {
        data.extend_from_slice(x.row(r));
    }
    Matrix::from_vec(rows.len(), x.n_cols(), data).expect("rows of the same width")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn spec(yaml: &str) -> serde_json::Result<ClassifierSpec> {
        let value: Value = serde_norway::from_str(yaml).expect("valid YAML");
        serde_json::from_value(value)
    }

    fn toy() -> (Matrix, Vec<usize>) {
        let x = Matrix::from_rows(&[[0.0, 1.0], [1.0, 1.0], [2.0, 0.0], [3.0, 0.0]]).unwrap();
        (x, vec![0, 0, 1, 1])
    }

    #[test]
    fn yaml_names_the_model_and_keeps_defaults_for_missing_params() {
        let forest = spec("kind: random_forest\nparams: {n_estimators: 7}").unwrap();
        let logistic = spec("{kind: logistic_regression, params: {C: 0.5}}").unwrap();

        let ClassifierSpec::RandomForest(params) = &forest else { panic!("{forest:?}") };
        assert_eq!(params.n_estimators, 7);
        assert_eq!(params.min_samples_leaf, 1);
        assert_eq!(logistic.params_value()["c"], json!(0.5));
        assert!(spec("{kind: boosting, params: {}}").is_err());
        assert!(spec("{kind: hist_gradient_boosting, params: {early_stopping: true}}").is_err());
        assert!(spec("{kind: random_forest, params: {n_trees: 3}}").is_err());
    }

    #[test]
    fn params_may_be_left_out_only_as_an_empty_map() {
        let error = spec("kind: random_forest").unwrap_err();

        assert!(error.to_string().contains("params"), "{error}");
    }

    #[test]
    fn with_params_overrides_by_yaml_name_and_rejects_unknown_keys() {
        let base = spec("{kind: logistic_regression, params: {C: 2.0, max_iter: 50}}").unwrap();
        let overrides = json!({"C": 0.1}).as_object().unwrap().clone();
        let unknown = json!({"gamma": 1}).as_object().unwrap().clone();

        let changed = base.with_params(&overrides).unwrap();
        let error = base.with_params(&unknown).unwrap_err();

        assert_eq!(changed.params_value()["c"], json!(0.1));
        assert_eq!(changed.params_value()["max_iter"], json!(50));
        assert!(error.to_string().contains("gamma"), "{error}");
    }

    #[test]
    fn hist_gradient_boosting_spec_survives_a_yaml_round_trip() {
        let yaml = "
kind: hist_gradient_boosting
params: {learning_rate: 0.05, max_iter: 30, max_depth: 3, min_samples_leaf: 2}
";
        let read = spec(yaml).unwrap();

        // Write it back as YAML and read it again, as a parameters file would be.
        let written = serde_norway::to_string(&serde_json::to_value(&read).unwrap()).unwrap();
        let again = spec(&written).unwrap();

        assert_eq!(again, read);
        assert_eq!(read.kind(), "hist_gradient_boosting");
        let ClassifierSpec::HistGradientBoosting(params) = &read else { panic!("{read:?}") };
        assert_eq!(params.max_iter, 30);
        assert_eq!(params.max_depth, Some(3));
        assert_eq!(params.max_leaf_nodes, Some(31), "missing fields keep scikit-learn's default");
        assert_eq!(read.params_value()["learning_rate"], json!(0.05));
    }

    #[test]
    fn with_params_sets_hist_gradient_boosting_fields_and_names_bad_values() {
        let base = spec("{kind: hist_gradient_boosting, params: {max_iter: 10}}").unwrap();
        let overrides = json!({"learning_rate": 0.3, "max_leaf_nodes": null});
        let wrong_type = json!({"max_iter": "many"});

        let changed = base.with_params(overrides.as_object().unwrap()).unwrap();
        let error = base.with_params(wrong_type.as_object().unwrap()).unwrap_err();

        let ClassifierSpec::HistGradientBoosting(params) = &changed else { panic!("{changed:?}") };
        assert!((params.learning_rate - 0.3).abs() < f64::EPSILON);
        assert_eq!(params.max_leaf_nodes, None);
        assert_eq!(params.max_iter, 10);
        let text = error.to_string();
        assert!(text.contains("max_iter") && text.contains("hist_gradient_boosting"), "{text}");
    }

    #[test]
    fn fitted_models_share_one_interface() {
        let (x, y) = toy();
        let forest = spec("{kind: random_forest, params: {n_estimators: 5}}").unwrap();
        let logistic = spec("{kind: logistic_regression, params: {}}").unwrap();
        let boosting =
            spec("{kind: hist_gradient_boosting, params: {min_samples_leaf: 1, max_iter: 20}}")
                .unwrap();

        for model in [&forest, &logistic, &boosting].map(|s| s.fit(&x, &y).unwrap()) {
            assert_eq!(model.classes(), [0, 1]);
            assert_eq!(model.predict(&x).unwrap(), y, "{model:?}");
            assert_eq!(model.predict_proba(&x).unwrap().shape(), (4, 2));
            assert_eq!(model.feature_names(), ["x0", "x1"]);
        }
        assert!(forest.fit(&x, &y).unwrap().feature_importances().is_some());
        assert!(logistic.fit(&x, &y).unwrap().feature_importances().is_none());
        let boosted = boosting.fit(&x, &y).unwrap();
        assert!(boosted.feature_importances().is_none());
        assert!(boosted.importance_frame(&["a", "b"]).unwrap().is_none());
        assert!(matches!(boosted, FittedClassifier::HistGradientBoosting(_)));
    }

    #[test]
    fn fitted_classifier_survives_messagepack() {
        let (x, y) = toy();
        for yaml in [
            "{kind: random_forest, params: {n_estimators: 3}}",
            "{kind: hist_gradient_boosting, params: {min_samples_leaf: 1, max_iter: 5}}",
        ] {
            let model = spec(yaml).unwrap().fit(&x, &y).unwrap();

            let bytes = rmp_serde::to_vec_named(&model).unwrap();
            let back: FittedClassifier = rmp_serde::from_slice(&bytes).unwrap();

            assert_eq!(back, model);
            assert_eq!(back.predict_proba(&x).unwrap(), model.predict_proba(&x).unwrap());
        }
    }
}
