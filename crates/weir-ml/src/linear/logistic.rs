//! [`LogisticRegression`]: L2-penalised logistic regression with scikit-learn's objective, for
//! two or more classes.
//!
//! The model minimises `sum_i s_i * logloss_i + ||W||^2 / (2 C)` (intercepts are not
//! penalised), where `s_i` is 1 or, with `class_weight: balanced`, `n / (K * n_k)` for a row of
//! class `k`. Two classes use one sigmoid weight vector (for the second class); more classes
//! use a full softmax with one vector per class, as scikit-learn does from 1.5 on. The objective
//! and its gradient live in [`super::loss`]; the solver is [`crate::optim::minimize`].
//!
//! # Why weir has its own solver
//! linfa-logistic builds on ndarray 0.16 while Polars uses 0.17, so data would be copied across
//! two ndarray versions, and it has no class weights. The problem is small and smooth, so a
//! self-contained L-BFGS in `f64` is less code than the glue would be.
//!
//! # Convergence
//! `tol` plays the part of scikit-learn's: a bound on the largest gradient component of the
//! objective divided by the weight sum. scikit-learn's lbfgs stops as soon as that bound is met,
//! which on iris leaves coefficients about 1e-3 (relative) away from the optimum. weir keeps
//! iterating to `tol * 1e-4` (or until `f64` rounding stops progress), so a fit lands on the
//! optimum itself and agrees with scikit-learn's fully converged solution whatever the solver
//! path; that costs about twice the iterations of a scikit-learn fit. A fit whose gradient is
//! still above `tol` after `max_iter` iterations reports `converged() == false` rather than
//! failing, like scikit-learn's warning.
//!
//! # Limitations
//! L2 penalty only (no L1, elastic net or unpenalised fits), no explicit per-class weight map,
//! no sample weights and no warm start.

use std::collections::BTreeMap;

use polars::prelude::{Column, DataFrame};
use serde::{Deserialize, Serialize};

use super::loss::{LogLoss, linear_scores, log_sum_exp, sigmoid};
use crate::error::{MlError, Result};
use crate::matrix::{Matrix, find_column};
use crate::optim::{LbfgsOptions, minimize};
use crate::predictions::{argmax, prediction_column, proba_frame};

/// How far below `tol` the solver keeps going; see the module docs.
const TIGHTENING: f64 = 1e-4;

/// Per-class weighting of the loss.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClassWeight {
    /// Weight each class by `n_samples / (n_classes * n_samples_in_class)`.
    Balanced,
}

/// Hyper-parameters of [`LogisticRegression`], readable from a parameters file.
///
/// Missing fields take scikit-learn's defaults; `C` is accepted as a spelling of `c`, and
/// unknown fields are rejected so that a typo does not pass silently.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogisticRegressionParams {
    /// Inverse regularisation strength; smaller means stronger shrinkage. Must be positive.
    #[serde(alias = "C")]
    pub c: f64,
    /// Solver iterations before the fit stops unconverged.
    pub max_iter: usize,
    /// Gradient tolerance; see the module docs on convergence.
    pub tol: f64,
    /// Whether to learn an (unpenalised) intercept per weight vector.
    pub fit_intercept: bool,
    /// `None` weighs every row equally; `balanced` evens out class frequencies.
    pub class_weight: Option<ClassWeight>,
}

impl Default for LogisticRegressionParams {
    fn default() -> Self {
        LogisticRegressionParams {
            c: 1.0,
            max_iter: 100,
            tol: 1e-4,
            fit_intercept: true,
            class_weight: None,
        }
    }
}

impl LogisticRegressionParams {
    fn validate(&self) -> Result<()> {
        if !(self.c.is_finite() && self.c > 0.0) {
            return Err(MlError::InvalidParameter {
                name: "C",
                reason: format!("must be a positive number, got {}", self.c),
            });
        }
        if !(self.tol.is_finite() && self.tol >= 0.0) {
            return Err(MlError::InvalidParameter {
                name: "tol",
                reason: format!("must be zero or more, got {}", self.tol),
            });
        }
        Ok(())
    }
}

/// An unfitted logistic regression; [`fit`](Self::fit) returns a [`FittedLogisticRegression`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LogisticRegression {
    /// The hyper-parameters used by `fit`.
    pub params: LogisticRegressionParams,
}

impl LogisticRegression {
    /// A model with the given hyper-parameters.
    pub fn new(params: LogisticRegressionParams) -> Self {
        LogisticRegression { params }
    }

    /// Fits on the rows of `x` with class codes `y` (any non-negative integers; the classes are
    /// the distinct codes, sorted). Features are named `x0`, `x1`, ...
    pub fn fit(&self, x: &Matrix, y: &[usize]) -> Result<FittedLogisticRegression> {
        self.fit_named(x, y, default_names(x.n_cols()))
    }

    /// Fits on the `features` columns of `df` with the integer class codes in column `label`
    /// (for example the output of [`crate::preprocessing::LabelEncoder::transform`]).
    pub fn fit_df<S: AsRef<str>>(
        &self,
        df: &DataFrame,
        features: &[S],
        label: &str,
    ) -> Result<FittedLogisticRegression> {
        let (x, y, names) = labelled_features(df, features, label)?;
        self.fit_named(&x, &y, names)
    }

    fn fit_named(
        &self,
        x: &Matrix,
        y: &[usize],
        feature_names: Vec<String>,
    ) -> Result<FittedLogisticRegression> {
        self.params.validate()?;
        check_training_data(x, y, &feature_names)?;

        let counts: BTreeMap<usize, usize> = y.iter().fold(BTreeMap::new(), |mut counts, &c| {
            *counts.entry(c).or_insert(0) += 1;
            counts
        });
        let classes: Vec<usize> = counts.keys().copied().collect();
        if let [only] = classes[..] {
            return Err(MlError::SingleClass { class: only.to_string() });
        }
        if let Some(&too_big) = classes.iter().find(|&&c| u32::try_from(c).is_err()) {
            return Err(MlError::InvalidParameter {
                name: "labels",
                reason: format!("class code {too_big} is larger than the UInt32 maximum"),
            });
        }

        let targets: Vec<usize> = y
            .iter()
            .map(|c| classes.binary_search(c).expect("every label is one of the classes"))
            .collect();
        let sample_weights = self.sample_weights(&targets, &counts);
        let weight_sum: f64 = sample_weights.iter().sum();
        let loss = LogLoss {
            x,
            targets: &targets,
            sample_weights: &sample_weights,
            n_classes: classes.len(),
            fit_intercept: self.params.fit_intercept,
            l2: 1.0 / (self.params.c * weight_sum),
            weight_sum,
        };

        let options = LbfgsOptions {
            max_iter: self.params.max_iter,
            gradient_tolerance: self.params.tol * TIGHTENING,
            ..LbfgsOptions::default()
        };
        let start = vec![0.0; loss.n_vectors() * loss.width()];
        let solution = minimize(|w, g| loss.evaluate(w, g), start, &options);

        let (coefficients, intercepts) =
            unpack(&solution.x, loss.n_vectors(), x.n_cols(), self.params.fit_intercept);
        Ok(FittedLogisticRegression {
            params: self.params.clone(),
            classes,
            feature_names,
            coefficients,
            intercepts,
            n_iter: solution.n_iter,
            converged: solution.status.is_converged() || solution.gradient_norm <= self.params.tol,
        })
    }

    /// Ones, or the balanced weight of each row's class.
    fn sample_weights(&self, targets: &[usize], counts: &BTreeMap<usize, usize>) -> Vec<f64> {
        match self.params.class_weight {
            None => vec![1.0; targets.len()],
            Some(ClassWeight::Balanced) => {
                let n = targets.len() as f64;
                let k = counts.len() as f64;
                let per_class: Vec<f64> = counts.values().map(|&c| n / (k * c as f64)).collect();
                targets.iter().map(|&t| per_class[t]).collect()
            }
        }
    }
}

/// A fitted logistic regression: weights, intercepts and the classes they predict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FittedLogisticRegression {
    params: LogisticRegressionParams,
    classes: Vec<usize>,
    feature_names: Vec<String>,
    coefficients: Matrix,
    intercepts: Vec<f64>,
    n_iter: usize,
    converged: bool,
}

impl FittedLogisticRegression {
    /// The class codes, sorted; column `k` of [`predict_proba`](Self::predict_proba) is
    /// `classes()[k]`.
    pub fn classes(&self) -> &[usize] {
        &self.classes
    }

    /// Weights, one row per vector: a single row (for the second class) with two classes,
    /// otherwise one row per class. Columns follow [`feature_names`](Self::feature_names).
    pub fn coefficients(&self) -> &Matrix {
        &self.coefficients
    }

    /// One intercept per coefficient row (zeros when fitted without intercept).
    pub fn intercepts(&self) -> &[f64] {
        &self.intercepts
    }

    /// Feature names: the `DataFrame` columns used by `fit_df`, or `x0`, `x1`, ... after `fit`.
    pub fn feature_names(&self) -> &[String] {
        &self.feature_names
    }

    /// The hyper-parameters the model was fitted with.
    pub fn params(&self) -> &LogisticRegressionParams {
        &self.params
    }

    /// Solver iterations used.
    pub fn n_iter(&self) -> usize {
        self.n_iter
    }

    /// Whether the solver reached `tol` within `max_iter` iterations.
    pub fn converged(&self) -> bool {
        self.converged
    }

    /// Raw scores `x · w + b`, one column per coefficient row.
    pub fn decision_function(&self, x: &Matrix) -> Result<Matrix> {
        self.check_input(x)?;

        let n_vectors = self.coefficients.n_rows();
        let params = self.flat_params();
        let mut scores = Matrix::zeros(x.n_rows(), n_vectors);
        for r in 0..x.n_rows() {
            linear_scores(&params, x.row(r), true, scores.row_mut(r));
        }
        Ok(scores)
    }

    /// Class probabilities, one row per sample and one column per class (in `classes()` order).
    pub fn predict_proba(&self, x: &Matrix) -> Result<Matrix> {
        let scores = self.decision_function(x)?;

        let mut proba = Matrix::zeros(x.n_rows(), self.classes.len());
        for r in 0..x.n_rows() {
            let row_scores = scores.row(r);
            let out = proba.row_mut(r);
            if let [z] = row_scores {
                let positive = sigmoid(*z);
                out[0] = 1.0 - positive;
                out[1] = positive;
            } else {
                let log_norm = log_sum_exp(row_scores);
                out.iter_mut().zip(row_scores).for_each(|(p, z)| *p = (z - log_norm).exp());
            }
        }
        Ok(proba)
    }

    /// The most probable class code of every row (the first class on a tie).
    pub fn predict(&self, x: &Matrix) -> Result<Vec<usize>> {
        let scores = self.decision_function(x)?;

        let predictions = scores
            .rows()
            .map(|row| match row {
                [z] => self.classes[usize::from(*z > 0.0)],
                _ => self.classes[argmax(row)],
            })
            .collect();
        Ok(predictions)
    }

    /// Predicts from the fitted feature columns of `df`, as a `UInt32` column `prediction`.
    pub fn predict_df(&self, df: &DataFrame) -> Result<Column> {
        let x = Matrix::from_columns(df, &self.feature_names)?;
        Ok(prediction_column(self.predict(&x)?))
    }

    /// Class probabilities from the fitted feature columns of `df`, as `Float64` columns
    /// `proba_<class code>`.
    pub fn predict_proba_df(&self, df: &DataFrame) -> Result<DataFrame> {
        let x = Matrix::from_columns(df, &self.feature_names)?;
        proba_frame(&self.predict_proba(&x)?, &self.classes)
    }

    fn check_input(&self, x: &Matrix) -> Result<()> {
        if x.n_cols() != self.coefficients.n_cols() {
            return Err(MlError::FeatureCountMismatch {
                expected: self.coefficients.n_cols(),
                actual: x.n_cols(),
            });
        }
        x.check_finite(&self.feature_names)
    }

    /// Coefficients and intercepts in the solver's layout (intercept last in each vector).
    fn flat_params(&self) -> Vec<f64> {
        self.coefficients
            .rows()
            .zip(&self.intercepts)
            .flat_map(|(row, b)| row.iter().copied().chain(std::iter::once(*b)))
            .collect()
    }
}

/// Splits the solver's flat parameters into a coefficient matrix and intercepts. The softmax
/// is unchanged by shifting every intercept by the same amount, so multinomial intercepts are
/// centred on zero, which is also where scikit-learn's lie.
fn unpack(
    params: &[f64],
    n_vectors: usize,
    n_features: usize,
    fit_intercept: bool,
) -> (Matrix, Vec<f64>) {
    let width = n_features + usize::from(fit_intercept);
    let mut coefficients = Matrix::zeros(n_vectors, n_features);
    let mut intercepts = vec![0.0; n_vectors];
    for v in 0..n_vectors {
        let block = &params[v * width..(v + 1) * width];
        coefficients.row_mut(v).copy_from_slice(&block[..n_features]);
        if fit_intercept {
            intercepts[v] = block[n_features];
        }
    }

    if n_vectors > 1 {
        let mean = intercepts.iter().sum::<f64>() / n_vectors as f64;
        for b in &mut intercepts {
            *b -= mean;
        }
    }
    (coefficients, intercepts)
}

fn check_training_data(x: &Matrix, y: &[usize], feature_names: &[String]) -> Result<()> {
    if x.n_rows() == 0 {
        return Err(MlError::EmptyInput { what: "the training data" });
    }
    if x.n_cols() == 0 {
        return Err(MlError::EmptyInput { what: "the feature list" });
    }
    if y.len() != x.n_rows() {
        return Err(MlError::LengthMismatch {
            left: "the feature matrix",
            left_len: x.n_rows(),
            right: "the labels",
            right_len: y.len(),
        });
    }
    x.check_finite(feature_names)
}

/// Default feature names `x0`, `x1`, ... for matrix input.
pub(crate) fn default_names(n_features: usize) -> Vec<String> {
    (0..n_features).map(|j| format!("x{j}")).collect()
}

/// What every classifier's `fit_df` reads: the `features` columns as a matrix, the class codes
/// in column `label`, and the feature names.
pub(crate) fn labelled_features<S: AsRef<str>>(
    df: &DataFrame,
    features: &[S],
    label: &str,
) -> Result<(Matrix, Vec<usize>, Vec<String>)> {
    let x = Matrix::from_columns(df, features)?;
    let y = class_codes(find_column(df, label)?)?;
    let names = features.iter().map(|f| f.as_ref().to_owned()).collect();
    Ok((x, y, names))
}

/// Reads an integer column of non-negative class codes.
pub(crate) fn class_codes(column: &Column) -> Result<Vec<usize>> {
    let name = column.name().to_string();
    if !column.dtype().is_integer() {
        return Err(MlError::UnsupportedDtype {
            column: name,
            dtype: column.dtype().to_string(),
            expected: "integer class codes (encode labels with `LabelEncoder` first)",
        });
    }
    if column.null_count() > 0 {
        return Err(MlError::NullValues { column: name, count: column.null_count() });
    }

    let cast = column
        .cast(&polars::prelude::DataType::Int64)
        .map_err(MlError::polars(format!("casting `{name}` to Int64")))?;
    let codes = cast.i64().map_err(MlError::polars(format!("reading `{name}` as Int64")))?;
    codes
        .into_no_null_iter()
        .map(|code| {
            usize::try_from(code).map_err(|_| MlError::InvalidParameter {
                name: "labels",
                reason: format!("column `{name}` holds code {code}; class codes start at 0"),
            })
        })
        .collect()
}

#[cfg(test)]
#[expect(clippy::float_cmp, reason = "the compared values are exact")]
mod tests {
    use polars::df;

    use super::*;

    /// Two well separated groups on one feature, plus a third group for multiclass checks.
    fn toy(n_classes: usize) -> (Matrix, Vec<usize>) {
        let mut rows = Vec::new();
        let mut y = Vec::new();
        for class in 0..n_classes {
            for i in 0..6 {
                let centre = 3.0 * class as f64;
                rows.push([centre + 0.3 * f64::from(i) - 0.75, f64::from(i % 2)]);
                y.push(class * 10);
            }
        }
        (Matrix::from_rows(&rows).unwrap(), y)
    }

    #[test]
    fn params_read_scikit_learn_spellings_and_defaults() {
        let params: LogisticRegressionParams =
            serde_json::from_str(r#"{"C": 0.5, "class_weight": "balanced"}"#).unwrap();

        assert_eq!(params.c, 0.5);
        assert_eq!(params.class_weight, Some(ClassWeight::Balanced));
        assert_eq!(params.max_iter, 100);
        assert_eq!(params.tol, 1e-4);
        assert!(params.fit_intercept);
        assert!(serde_json::from_str::<LogisticRegressionParams>(r#"{"solver": "x"}"#).is_err());
    }

    #[test]
    fn classes_keep_their_codes_and_predictions_use_them() {
        let (x, y) = toy(3);

        let model = LogisticRegression::default().fit(&x, &y).unwrap();

        assert_eq!(model.classes(), &[0, 10, 20]);
        assert_eq!(model.coefficients().shape(), (3, 2));
        assert_eq!(model.predict(&x).unwrap(), y);
        assert!(model.converged());
        let proba = model.predict_proba(&x).unwrap();
        for row in proba.rows() {
            assert!((row.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        }
    }

    #[test]
    fn binary_problems_use_one_weight_vector_for_the_second_class() {
        let (x, y) = toy(2);

        let model = LogisticRegression::default().fit(&x, &y).unwrap();

        assert_eq!(model.coefficients().shape(), (1, 2));
        assert!(model.coefficients().get(0, 0) > 0.0, "the second class lies to the right");
        assert_eq!(model.predict(&x).unwrap(), y);
    }

    #[test]
    fn multinomial_intercepts_are_centred() {
        let (x, y) = toy(3);

        let model = LogisticRegression::default().fit(&x, &y).unwrap();

        assert!(model.intercepts().iter().sum::<f64>().abs() < 1e-12);
    }

    #[test]
    fn no_intercept_means_zero_intercepts() {
        let (x, y) = toy(3);
        let params = LogisticRegressionParams { fit_intercept: false, ..Default::default() };

        let model = LogisticRegression::new(params).fit(&x, &y).unwrap();

        assert_eq!(model.intercepts(), &[0.0, 0.0, 0.0]);
    }

    #[test]
    fn bad_training_data_is_rejected() {
        let (x, y) = toy(2);
        let model = LogisticRegression::default();
        let nan = Matrix::from_rows(&[[1.0, f64::NAN], [2.0, 0.0]]).unwrap();
        let bad_c =
            LogisticRegression::new(LogisticRegressionParams { c: 0.0, ..Default::default() });

        assert!(matches!(model.fit(&Matrix::zeros(0, 2), &[]), Err(MlError::EmptyInput { .. })));
        assert!(matches!(model.fit(&x, &y[1..]), Err(MlError::LengthMismatch { .. })));
        assert!(matches!(model.fit(&nan, &[0, 1]), Err(MlError::NonFiniteValues { .. })));
        assert_eq!(
            model.fit(&x, &vec![4; y.len()]).unwrap_err().to_string(),
            "the target holds a single class `4`; a classifier needs at least two"
        );
        assert!(matches!(bad_c.fit(&x, &y), Err(MlError::InvalidParameter { name: "C", .. })));
    }

    #[test]
    fn predicting_with_the_wrong_width_fails() {
        let (x, y) = toy(2);
        let model = LogisticRegression::default().fit(&x, &y).unwrap();

        let error = model.predict(&Matrix::zeros(1, 3)).unwrap_err();

        assert!(matches!(error, MlError::FeatureCountMismatch { expected: 2, actual: 3 }));
    }

    #[test]
    fn dataframe_fit_and_predict_use_column_names() {
        let df = df!(
            "b" => [0.0, 1.0, 0.0, 1.0, 0.0, 1.0],
            "a" => [-2.0, -1.5, -1.0, 1.0, 1.5, 2.0],
            "label" => [0u32, 0, 0, 1, 1, 1],
        )
        .unwrap();

        let model = LogisticRegression::default().fit_df(&df, &["a", "b"], "label").unwrap();
        let predicted = model.predict_df(&df).unwrap();
        let proba = model.predict_proba_df(&df).unwrap();

        assert_eq!(model.feature_names(), ["a", "b"]);
        assert_eq!(predicted.name().as_str(), "prediction");
        assert_eq!(
            predicted.u32().unwrap().into_no_null_iter().collect::<Vec<_>>(),
            [0, 0, 0, 1, 1, 1]
        );
        assert_eq!(crate::matrix::column_names(&proba), ["proba_0", "proba_1"]);
        let missing = model.predict_df(&df.drop("a").unwrap()).unwrap_err();
        assert!(matches!(missing, MlError::UnknownColumn { ref name, .. } if name == "a"));
    }

    #[test]
    fn label_columns_must_hold_codes() {
        let df = df!("a" => [1.0, 2.0], "label" => ["x", "y"], "neg" => [-1i64, 0]).unwrap();
        let model = LogisticRegression::default();

        assert!(matches!(
            model.fit_df(&df, &["a"], "label"),
            Err(MlError::UnsupportedDtype { .. })
        ));
        assert!(matches!(model.fit_df(&df, &["a"], "neg"), Err(MlError::InvalidParameter { .. })));
    }

    #[test]
    fn json_round_trip_predicts_the_same() {
        let (x, y) = toy(3);
        let model = LogisticRegression::default().fit(&x, &y).unwrap();

        let back: FittedLogisticRegression =
            serde_json::from_str(&serde_json::to_string(&model).unwrap()).unwrap();

        assert_eq!(back, model);
        assert_eq!(back.predict_proba(&x).unwrap(), model.predict_proba(&x).unwrap());
    }
}
