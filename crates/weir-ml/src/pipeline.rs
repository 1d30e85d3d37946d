//! [`ModelPipeline`]: preprocessing ([`ColumnTransformer`]) and a classifier
//! ([`ClassifierSpec`]) fitted together into one [`FittedModelPipeline`], so that inference
//! is one artefact load and one call from the raw table.
//!
//! In YAML:
//!
//! ```yaml
//! preprocessing:
//!   steps:
//!     - name: onehot
//!       transformer: {one_hot: {handle_unknown: ignore}}
//!       columns: [Age, Education]
//!   remainder: passthrough
//! classifier:
//!   kind: random_forest       # or logistic_regression, hist_gradient_boosting
//!   params: {n_estimators: 200}
//! ```
//!
//! # Example
//!
//! ```
//! use polars::df;
//! use weir_ml::pipeline::{FittedModelPipeline, ModelPipeline};
//!
//! let yaml = "
//! preprocessing:
//!   steps:
//!     - {name: sex, transformer: {one_hot: {handle_unknown: ignore}}, columns: [Sex]}
//!   remainder: passthrough
//! classifier: {kind: logistic_regression, params: {C: 10}}
//! ";
//! // Parameters reach a node as JSON values; read YAML the same way.
//! let value: serde_json::Value = serde_norway::from_str(yaml)?;
//! let pipeline: ModelPipeline = serde_json::from_value(value)?;
//!
//! let train = df!(
//!     "Sex" => ["m", "f", "f", "m", "f", "m"],
//!     "BMI" => [19.0, 31.0, 33.0, 21.0, 35.0, 20.0],
//!     "label" => [0u32, 1, 1, 0, 1, 0],
//! )?;
//! let fitted = pipeline.fit_df(&train, "label")?;
//!
//! // The catalog saves the fitted pipeline as one artefact; serving loads it and predicts.
//! let bytes = rmp_serde::to_vec_named(&fitted)?;
//! let loaded: FittedModelPipeline = rmp_serde::from_slice(&bytes)?;
//! let new_rows = df!("Sex" => ["f", "x"], "BMI" => [34.0, 20.0])?;
//! assert_eq!(loaded.predict_df(&new_rows)?, fitted.predict_df(&new_rows)?);
//! assert_eq!(loaded.feature_names(), ["Sex_f", "Sex_m", "BMI"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The label column is removed from the table before the preprocessing is fitted, so
//! `remainder: passthrough` never feeds the target to the model; at predict time columns other
//! than those used at fit time (the label included) are ignored.
//!
//! # Limitations
//! Classification only; labels are integer class codes (encode them first with
//! [`crate::preprocessing::LabelEncoder`]).

use polars::prelude::{Column, DataFrame};
use serde::{Deserialize, Serialize};

use crate::error::{MlError, Result};
use crate::estimator::{ClassifierSpec, FittedClassifier};
use crate::linear::labelled_features;
use crate::matrix::Matrix;
use crate::preprocessing::{ColumnTransformer, FittedColumnTransformer};

/// An unfitted preprocessing + classifier pair; see the module docs for the YAML shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelPipeline {
    /// How raw columns become model features.
    pub preprocessing: ColumnTransformer,
    /// The model fitted on the features.
    pub classifier: ClassifierSpec,
}

/// A fitted [`ModelPipeline`]: the artefact to save and serve.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FittedModelPipeline {
    preprocessing: FittedColumnTransformer,
    classifier: FittedClassifier,
}

impl ModelPipeline {
    /// Fits the preprocessing on `df` without its `label` column, then the classifier on the
    /// transformed rows and the integer class codes in `label`.
    pub fn fit_df(&self, df: &DataFrame, label: &str) -> Result<FittedModelPipeline> {
        // No feature columns: only the checked class codes are wanted here.
        let (_, y, _) = labelled_features::<&str>(df, &[], label)?;
        let features = df.drop(label).map_err(MlError::polars(format!("dropping `{label}`")))?;
        self.fit(&features, &y)
    }

    /// Fits the preprocessing on `df`, then the classifier on its output and the codes `y`.
    pub fn fit(&self, df: &DataFrame, y: &[usize]) -> Result<FittedModelPipeline> {
        let preprocessing = self.preprocessing.fit(df)?;
        let x = preprocessing.transform_matrix(df)?;
        let classifier = self.classifier.fit(&x, y)?;
        Ok(FittedModelPipeline { preprocessing, classifier })
    }
}

impl FittedModelPipeline {
    /// The model's input matrix for the raw table `df`.
    pub fn transform_matrix(&self, df: &DataFrame) -> Result<Matrix> {
        self.preprocessing.transform_matrix(df)
    }

    /// The predicted class code of every row of `df`.
    pub fn predict(&self, df: &DataFrame) -> Result<Vec<usize>> {
        self.classifier.predict(&self.transform_matrix(df)?)
    }

    /// Class probabilities for every row of `df`, one column per class of
    /// [`classes`](Self::classes).
    pub fn predict_proba(&self, df: &DataFrame) -> Result<Matrix> {
        self.classifier.predict_proba(&self.transform_matrix(df)?)
    }

    /// Predictions as a `UInt32` column `prediction`.
    pub fn predict_df(&self, df: &DataFrame) -> Result<Column> {
        let codes: Vec<u32> = self
            .predict(df)?
            .into_iter()
            .map(|c| u32::try_from(c).expect("classifiers reject class codes beyond UInt32"))
            .collect();
        Ok(Column::new("prediction".into(), codes))
    }

    /// Probabilities as `Float64` columns `proba_<class code>`.
    pub fn predict_proba_df(&self, df: &DataFrame) -> Result<DataFrame> {
        let names: Vec<String> = self.classes().iter().map(|c| format!("proba_{c}")).collect();
        self.predict_proba(df)?.to_dataframe(&names)
    }

    /// The class codes, sorted.
    pub fn classes(&self) -> &[usize] {
        self.classifier.classes()
    }

    /// The model's feature names: the preprocessing's output columns.
    pub fn feature_names(&self) -> &[String] {
        self.preprocessing.feature_names_out()
    }

    /// The fitted preprocessing.
    pub fn preprocessing(&self) -> &FittedColumnTransformer {
        &self.preprocessing
    }

    /// The fitted classifier.
    pub fn classifier(&self) -> &FittedClassifier {
        &self.classifier
    }

    /// The classifier's impurity importances under the feature names, sorted descending, for
    /// models that have them (random forests); `Ok(None)` for logistic regression and
    /// histogram gradient boosting (see [`FittedClassifier::feature_importances`]).
    pub fn feature_importances(&self) -> Result<Option<DataFrame>> {
        self.classifier.importance_frame(self.feature_names())
    }
}

#[cfg(test)]
mod tests {
    use polars::df;
    use serde_json::Value;

    use super::*;

    fn pipeline(kind: &str) -> ModelPipeline {
        pipeline_with(&format!("{{kind: {kind}, params: {{}}}}"))
    }

    /// The pipeline of the tests with `classifier` (a YAML flow mapping) as its model.
    fn pipeline_with(classifier: &str) -> ModelPipeline {
        let yaml = format!(
            "
preprocessing:
  steps:
    - name: onehot
      transformer:
        chain:
          - simple_imputer: {{strategy: most_frequent}}
          - one_hot: {{handle_unknown: ignore}}
      columns: [Age, Sex]
  remainder: passthrough
classifier: {classifier}
"
        );
        let value: Value = serde_norway::from_str(&yaml).unwrap();
        serde_json::from_value(value).unwrap()
    }

    fn table() -> DataFrame {
        df!(
            "Age" => [Some(1i64), Some(2), None, Some(1), Some(3), Some(2), Some(3), Some(1)],
            "Sex" => ["m", "f", "f", "m", "f", "m", "f", "m"],
            "BMI" => [20.0, 31.0, 29.0, 21.0, 33.0, 30.0, 35.0, 19.0],
            "label" => [0u32, 1, 1, 0, 1, 1, 1, 0],
        )
        .unwrap()
    }

    #[test]
    fn label_is_not_passed_through_and_predictions_come_from_raw_rows() {
        let fitted = pipeline("random_forest").fit_df(&table(), "label").unwrap();

        let predicted = fitted.predict_df(&table()).unwrap();
        let proba = fitted.predict_proba_df(&table()).unwrap();

        assert_eq!(fitted.feature_names(), ["Age_1", "Age_2", "Age_3", "Sex_f", "Sex_m", "BMI"]);
        assert_eq!(
            predicted.u32().unwrap().iter().flatten().collect::<Vec<_>>(),
            [0, 1, 1, 0, 1, 1, 1, 0]
        );
        assert_eq!(proba.shape(), (8, 2));
        let importances = fitted.feature_importances().unwrap().unwrap();
        assert_eq!(importances.height(), 6);
    }

    #[test]
    fn messagepack_round_trip_predicts_the_same() {
        for kind in ["random_forest", "logistic_regression", "hist_gradient_boosting"] {
            let fitted = pipeline(kind).fit_df(&table(), "label").unwrap();

            let bytes = rmp_serde::to_vec_named(&fitted).unwrap();
            let loaded: FittedModelPipeline = rmp_serde::from_slice(&bytes).unwrap();

            assert_eq!(loaded, fitted);
            assert_eq!(
                loaded.predict_proba_df(&table()).unwrap(),
                fitted.predict_proba_df(&table()).unwrap()
            );
        }
    }

    #[test]
    fn hist_gradient_boosting_pipeline_round_trips_and_predicts_the_same() {
        // Eight rows: leaves of one row let the trees split at all.
        let classifier =
            "{kind: hist_gradient_boosting, params: {min_samples_leaf: 1, max_iter: 15}}";
        let fitted = pipeline_with(classifier).fit_df(&table(), "label").unwrap();

        let bytes = rmp_serde::to_vec_named(&fitted).unwrap();
        let loaded: FittedModelPipeline = rmp_serde::from_slice(&bytes).unwrap();
        let new_rows = df!(
            "Age" => [Some(2i64), None, Some(9)],
            "Sex" => ["f", "m", "x"],
            "BMI" => [32.0, 18.0, 25.0],
        )
        .unwrap();

        assert_eq!(loaded, fitted);
        assert!(matches!(loaded.classifier(), FittedClassifier::HistGradientBoosting(_)));
        assert_eq!(loaded.predict_df(&table()).unwrap(), fitted.predict_df(&table()).unwrap());
        assert_eq!(
            loaded.predict_proba_df(&new_rows).unwrap(),
            fitted.predict_proba_df(&new_rows).unwrap()
        );
        assert_eq!(fitted.predict(&table()).unwrap(), [0, 1, 1, 0, 1, 1, 1, 0]);
        assert!(fitted.feature_importances().unwrap().is_none());
    }

    #[test]
    fn a_missing_label_column_is_named() {
        let error = pipeline("logistic_regression").fit_df(&table(), "target").unwrap_err();

        assert!(matches!(error, MlError::UnknownColumn { ref name, .. } if name == "target"));
    }
}
