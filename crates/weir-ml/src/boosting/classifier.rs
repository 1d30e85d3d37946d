//! [`HistGradientBoostingClassifier`]: gradient-boosted trees on binned features with
//! scikit-learn's parameters, log-loss for two classes and softmax (one tree per class and
//! iteration) for more.
//!
//! The raw score starts at the log-odds of the class frequencies (for more than two classes,
//! the log frequencies minus their mean, scikit-learn's symmetric link). Each iteration
//! computes the gradient `p - y` and hessian `p (1 - p)` of every row, grows one tree per raw
//! score on them ([`super::grower`]), and adds the leaf values to the scores.

use polars::prelude::{Column, DataFrame};
use rand_chacha::ChaCha20Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::grower::{Grower, GrowerSettings};
use crate::ensemble::{
    check_predict_input, check_training_data, encode_classes, in_pool, invalid, predict_chunk,
    tree_rng,
};
use crate::error::Result;
use crate::linear::{default_names, labelled_features};
use crate::matrix::Matrix;
use crate::model_selection::below;
use crate::predictions::{argmax, prediction_column, proba_frame};
use crate::tree::{BinnedFeatures, Tree};

/// Rows whose values choose the bin cut points; more rows are subsampled (scikit-learn's
/// `subsample` of `_BinMapper`).
const BINNING_SAMPLE: usize = 200_000;

/// Hyper-parameters of [`HistGradientBoostingClassifier`], readable from a parameters file.
///
/// Missing fields take scikit-learn's defaults, except that early stopping does not exist
/// (see the module docs of [`crate::boosting`]) and `random_state` is 0; unknown fields are
/// rejected.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HistGradientBoostingClassifierParams {
    /// Shrinkage of every leaf value, in `(0, ∞)`.
    pub learning_rate: f64,
    /// Boosting iterations (trees per class).
    pub max_iter: usize,
    /// Most leaves per tree (at least 2); `None` for no limit.
    pub max_leaf_nodes: Option<usize>,
    /// Deepest level a tree may reach (edges from the root, at least 1); `None` for no limit.
    pub max_depth: Option<usize>,
    /// Fewest training rows per leaf.
    pub min_samples_leaf: usize,
    /// L2 penalty on leaf values (`λ` in the gain), at least 0.
    pub l2_regularization: f64,
    /// Bins per feature, 2 to 255.
    pub max_bins: usize,
    /// Seed of the row sample that chooses bin cut points on more than 200,000 rows.
    pub random_state: u64,
    /// Threads for fitting and predicting; `None` uses rayon's global pool.
    pub n_jobs: Option<usize>,
}

impl Default for HistGradientBoostingClassifierParams {
    fn default() -> Self {
        HistGradientBoostingClassifierParams {
            learning_rate: 0.1,
            max_iter: 100,
            max_leaf_nodes: Some(31),
            max_depth: None,
            min_samples_leaf: 20,
            l2_regularization: 0.0,
            max_bins: 255,
            random_state: 0,
            n_jobs: None,
        }
    }
}

impl HistGradientBoostingClassifierParams {
    /// Rejects values scikit-learn rejects too.
    fn validate(&self) -> Result<()> {
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            let got = self.learning_rate;
            return Err(invalid("learning_rate", format!("must be a positive number, got {got}")));
        }
        if self.max_iter == 0 {
            return Err(invalid("max_iter", "must be at least 1, got 0".to_owned()));
        }
        if let Some(leaves @ 0..=1) = self.max_leaf_nodes {
            return Err(invalid("max_leaf_nodes", format!("must be at least 2, got {leaves}")));
        }
        if self.max_depth == Some(0) {
            return Err(invalid("max_depth", "must be at least 1 or null, got 0".to_owned()));
        }
        if self.min_samples_leaf == 0 {
            return Err(invalid("min_samples_leaf", "must be at least 1, got 0".to_owned()));
        }
        if !(self.l2_regularization.is_finite() && self.l2_regularization >= 0.0) {
            let got = self.l2_regularization;
            return Err(invalid("l2_regularization", format!("must be at least 0, got {got}")));
        }
        if !(2..=255).contains(&self.max_bins) {
            let got = self.max_bins;
            return Err(invalid("max_bins", format!("must be between 2 and 255, got {got}")));
        }
        if self.n_jobs == Some(0) {
            return Err(invalid("n_jobs", "must be at least 1 or null, got 0".to_owned()));
        }
        Ok(())
    }

    fn grower_settings(&self) -> GrowerSettings {
        GrowerSettings {
            max_leaf_nodes: self.max_leaf_nodes,
            max_depth: self.max_depth,
            min_samples_leaf: self.min_samples_leaf,
            l2_regularization: self.l2_regularization,
            learning_rate: self.learning_rate,
        }
    }
}

/// An unfitted histogram gradient-boosting classifier; [`fit`](Self::fit) returns a
/// [`FittedHistGradientBoostingClassifier`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HistGradientBoostingClassifier {
    /// The hyper-parameters used by `fit`.
    pub params: HistGradientBoostingClassifierParams,
}

impl HistGradientBoostingClassifier {
    /// A model with the given hyper-parameters.
    pub fn new(params: HistGradientBoostingClassifierParams) -> Self {
        HistGradientBoostingClassifier { params }
    }

    /// Fits on the rows of `x` with class codes `y` (any integers below 2^32; the classes are
    /// the distinct codes, sorted). Features are named `x0`, `x1`, ...
    pub fn fit(&self, x: &Matrix, y: &[usize]) -> Result<FittedHistGradientBoostingClassifier> {
        self.fit_named(x, y, default_names(x.n_cols()))
    }

    /// Fits on the `features` columns of `df` with the integer class codes in column `label`.
    pub fn fit_df<S: AsRef<str>>(
        &self,
        df: &DataFrame,
        features: &[S],
        label: &str,
    ) -> Result<FittedHistGradientBoostingClassifier> {
        let (x, y, names) = labelled_features(df, features, label)?;
        self.fit_named(&x, &y, names)
    }

    fn fit_named(
        &self,
        x: &Matrix,
        y: &[usize],
        feature_names: Vec<String>,
    ) -> Result<FittedHistGradientBoostingClassifier> {
        self.params.validate()?;
        check_training_data(x, y.len(), &feature_names)?;
        let (classes, codes) = encode_classes(y)?;

        in_pool(self.params.n_jobs, || {
            let binned = self.bin(x);
            let scores = if classes.len() == 2 { 1 } else { classes.len() };
            let baseline = baseline(&codes, classes.len());
            let trees = self.boost(&binned, &codes, &baseline);
            FittedHistGradientBoostingClassifier {
                params: self.params.clone(),
                classes,
                feature_names,
                baseline,
                trees_per_iteration: scores,
                trees,
            }
        })
    }

    fn bin(&self, x: &Matrix) -> BinnedFeatures {
        if x.n_rows() <= BINNING_SAMPLE {
            return BinnedFeatures::with_max_bins(x, self.params.max_bins, None);
        }
        let mut rng = tree_rng(self.params.random_state, 0);
        let sample = sample_rows(&mut rng, x.n_rows(), BINNING_SAMPLE);
        BinnedFeatures::with_max_bins(x, self.params.max_bins, Some(&sample))
    }

    /// Runs every boosting iteration and returns the trees, iteration by iteration and, within
    /// one, score by score.
    fn boost(&self, binned: &BinnedFeatures, codes: &[u32], baseline: &[f64]) -> Vec<Tree> {
        let n = codes.len();
        let k = baseline.len();
        let mut raw: Vec<f64> = (0..n).flat_map(|_| baseline.iter().copied()).collect();
        let mut gradients = vec![0.0; n * k];
        let mut hessians = vec![0.0; n * k];
        let mut trees = Vec::with_capacity(self.params.max_iter * k);

        for _ in 0..self.params.max_iter {
            loss_derivatives(&raw, codes, k, &mut gradients, &mut hessians);
            for score in 0..k {
                let grower = Grower {
                    data: binned,
                    gradients: &gradients[score * n..(score + 1) * n],
                    hessians: &hessians[score * n..(score + 1) * n],
                    settings: self.params.grower_settings(),
                };
                trees.push(grower.grow(&mut raw, k, score));
            }
        }
        trees
    }
}

/// `count` distinct rows out of `n_rows`, sorted (a partial Fisher–Yates shuffle).
fn sample_rows(rng: &mut ChaCha20Rng, n_rows: usize, count: usize) -> Vec<usize> {
    let mut rows: Vec<usize> = (0..n_rows).collect();
    for i in 0..count {
        let pick = i + usize::try_from(below(rng, (n_rows - i) as u64)).expect("pick < n_rows");
        rows.swap(i, pick);
    }
    rows.truncate(count);
    rows.sort_unstable();
    rows
}

/// The starting raw scores: the log-odds of class 1 for two classes, otherwise the centred
/// log frequencies (frequencies clipped to `[ε, 1 - ε]` as scikit-learn does).
fn baseline(codes: &[u32], n_classes: usize) -> Vec<f64> {
    let mut counts = vec![0usize; n_classes];
    for &c in codes {
        counts[c as usize] += 1;
    }
    let n = codes.len() as f64;
    let p = |count: usize| (count as f64 / n).clamp(f64::EPSILON, 1.0 - f64::EPSILON);

    if n_classes == 2 {
        let p1 = p(counts[1]);
        return vec![(p1 / (1.0 - p1)).ln()];
    }
    let logs: Vec<f64> = counts.iter().map(|&c| p(c).ln()).collect();
    let mean = logs.iter().sum::<f64>() / n_classes as f64;
    logs.iter().map(|l| l - mean).collect()
}

/// Fills the gradient and hessian of every row and score (score-major: `score * n + row`).
fn loss_derivatives(
    raw: &[f64],
    codes: &[u32],
    k: usize,
    gradients: &mut [f64],
    hessians: &mut [f64],
) {
    let n = codes.len();
    let mut proba = vec![0.0; k];
    for (row, &code) in codes.iter().enumerate() {
        probabilities(&raw[row * k..(row + 1) * k], &mut proba);
        for (score, &p) in proba.iter().enumerate() {
            let is_class = if k == 1 { code == 1 } else { code as usize == score };
            gradients[score * n + row] = p - f64::from(u8::from(is_class));
            hessians[score * n + row] = p * (1.0 - p);
        }
    }
}

/// The probability of class 1 (one raw score) or the softmax of the raw scores.
fn probabilities(raw: &[f64], out: &mut [f64]) {
    if let [z] = raw {
        out[0] = if *z >= 0.0 { 1.0 / (1.0 + (-z).exp()) } else { z.exp() / (1.0 + z.exp()) };
        return;
    }
    let max = raw.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut sum = 0.0;
    for (o, z) in out.iter_mut().zip(raw) {
        *o = (z - max).exp();
        sum += *o;
    }
    for o in out.iter_mut() {
        *o /= sum;
    }
}

/// A fitted histogram gradient-boosting classifier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FittedHistGradientBoostingClassifier {
    params: HistGradientBoostingClassifierParams,
    classes: Vec<usize>,
    feature_names: Vec<String>,
    /// Starting raw score per score column.
    baseline: Vec<f64>,
    /// 1 for two classes, the class count otherwise.
    trees_per_iteration: usize,
    trees: Vec<Tree>,
}

impl FittedHistGradientBoostingClassifier {
    /// The class codes, sorted; column `k` of [`predict_proba`](Self::predict_proba) is
    /// `classes()[k]`.
    pub fn classes(&self) -> &[usize] {
        &self.classes
    }

    /// Feature names: the `DataFrame` columns used by `fit_df`, or `x0`, `x1`, ... after `fit`.
    pub fn feature_names(&self) -> &[String] {
        &self.feature_names
    }

    /// The hyper-parameters the model was fitted with.
    pub fn params(&self) -> &HistGradientBoostingClassifierParams {
        &self.params
    }

    /// Boosting iterations run (`n_iter_`); always `max_iter`, as there is no early stopping.
    pub fn n_iter(&self) -> usize {
        self.trees.len() / self.trees_per_iteration
    }

    /// The trees, iteration by iteration; within an iteration one per raw score (one for two
    /// classes, one per class otherwise).
    pub fn trees(&self) -> &[Tree] {
        &self.trees
    }

    /// Sets the threads used by predictions (`None`: rayon's global pool).
    pub fn set_n_jobs(&mut self, n_jobs: Option<usize>) {
        self.params.n_jobs = n_jobs;
    }

    /// The raw scores (`decision_function`): one column for two classes (the log-odds of the
    /// second class), one per class otherwise.
    pub fn decision_function(&self, x: &Matrix) -> Result<Matrix> {
        check_predict_input(x, &self.feature_names)?;

        let k = self.trees_per_iteration;
        let mut raw: Vec<f64> =
            (0..x.n_rows()).flat_map(|_| self.baseline.iter().copied()).collect();
        let fill = |first: usize, out: &mut [f64]| {
            for (t, tree) in self.trees.iter().enumerate() {
                tree.accumulate(x, first, out, k, t % k);
            }
        };
        in_pool(self.params.n_jobs, || {
            let chunk = predict_chunk(x.n_rows());
            raw.par_chunks_mut(chunk * k).enumerate().for_each(|(i, out)| fill(i * chunk, out));
        })?;
        Matrix::from_vec(x.n_rows(), k, raw)
    }

    /// Class probabilities, one row per sample and one column per class.
    pub fn predict_proba(&self, x: &Matrix) -> Result<Matrix> {
        let raw = self.decision_function(x)?;

        let width = self.classes.len();
        let mut proba = vec![0.0; x.n_rows() * width];
        for (scores, out) in raw.rows().zip(proba.chunks_exact_mut(width)) {
            if width == 2 {
                probabilities(scores, &mut out[1..]);
                out[0] = 1.0 - out[1];
            } else {
                probabilities(scores, out);
            }
        }
        Matrix::from_vec(x.n_rows(), width, proba)
    }

    /// The most probable class code of every row (the first class on a tie).
    pub fn predict(&self, x: &Matrix) -> Result<Vec<usize>> {
        let proba = self.predict_proba(x)?;
        Ok(proba.rows().map(|row| self.classes[argmax(row)]).collect())
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
}

#[cfg(test)]
mod tests {
    use polars::df;

    use super::*;
    use crate::error::MlError;

    /// Two noisy groups on `a`; `b` is noise.
    fn table() -> DataFrame {
        let a: Vec<f64> =
            (0..200).map(|i| f64::from(i % 100) + f64::from(i / 100) * 50.0).collect();
        let b: Vec<i64> = (0..200).map(|i| (i * 7) % 11).collect();
        let label: Vec<i64> = a.iter().map(|v| i64::from(*v > 75.0)).collect();
        df!("a" => a, "b" => b, "label" => label).unwrap()
    }

    #[test]
    fn a_threshold_is_learned() {
        let model = HistGradientBoostingClassifier::default()
            .fit_df(&table(), &["a", "b"], "label")
            .unwrap();

        let predicted = model.predict_df(&table()).unwrap();
        let proba = model.predict_proba_df(&table()).unwrap();

        let want: Vec<u32> = (0..200).map(|i| u32::from(i % 100 + (i / 100) * 50 > 75)).collect();
        let got: Vec<u32> = predicted.u32().unwrap().into_no_null_iter().collect();
        assert_eq!(got, want);
        assert_eq!(proba.get_column_names(), ["proba_0", "proba_1"]);
        assert_eq!(model.n_iter(), 100);
    }

    #[test]
    fn the_baseline_is_the_log_odds_or_centred_log_frequencies() {
        let binary = baseline(&[0, 1, 1, 1], 2);
        let three = baseline(&[0, 1, 1, 2, 2, 2, 2, 2], 3);

        assert!((binary[0] - 3f64.ln()).abs() < 1e-12);
        assert!(three.iter().sum::<f64>().abs() < 1e-12);
        assert!((three[2] - three[0] - 5f64.ln()).abs() < 1e-12);
    }

    #[test]
    fn invalid_parameters_are_named() {
        let check = |params: HistGradientBoostingClassifierParams| {
            let x = Matrix::from_rows(&[[1.0], [2.0]]).unwrap();
            HistGradientBoostingClassifier::new(params).fit(&x, &[0, 1]).unwrap_err()
        };
        let defaults = HistGradientBoostingClassifierParams::default;

        let bins = check(HistGradientBoostingClassifierParams { max_bins: 256, ..defaults() });
        let leaves =
            check(HistGradientBoostingClassifierParams { max_leaf_nodes: Some(1), ..defaults() });
        let rate = check(HistGradientBoostingClassifierParams { learning_rate: 0.0, ..defaults() });

        assert!(matches!(bins, MlError::InvalidParameter { name: "max_bins", .. }));
        assert!(matches!(leaves, MlError::InvalidParameter { name: "max_leaf_nodes", .. }));
        assert!(matches!(rate, MlError::InvalidParameter { name: "learning_rate", .. }));
        assert!(
            serde_json::from_str::<HistGradientBoostingClassifierParams>(
                r#"{"early_stopping": true}"#
            )
            .is_err()
        );
    }

    #[test]
    fn a_sample_holds_distinct_sorted_rows() {
        let sample = sample_rows(&mut tree_rng(3, 0), 1000, 300);

        assert_eq!(sample.len(), 300);
        assert!(sample.windows(2).all(|pair| pair[0] < pair[1]));
        assert!(*sample.last().unwrap() < 1000);
    }
}
