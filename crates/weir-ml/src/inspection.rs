//! Model inspection: [`permutation_importance`] (scikit-learn's
//! `sklearn.inspection.permutation_importance`) and [`importance_frame`], which turns any
//! per-feature importances (permutation or impurity) into a sorted `feature`, `importance`
//! table. Permutation importance works with every [`FittedClassifier`], including those
//! without impurity importances (logistic regression, histogram gradient boosting).
//!
//! The importance of feature `j` in one repeat is the baseline score minus the score after
//! shuffling column `j` of `x`; the result holds every repeat, their mean and their population
//! standard deviation, as in scikit-learn. A feature the model ignores gets exactly 0.
//!
//! Shuffles come from `ChaCha20` keyed with the seed and the feature index, one Fisher–Yates
//! pass per repeat (see [`crate::model_selection`] for the exact draw), so results are
//! the same for any thread count; features are scored in parallel with rayon. The rows differ
//! from scikit-learn's (another generator), so the numbers do not match it draw for draw.
//!
//! # Limitations
//! Scores one column at a time on the model's input matrix (no grouped features, no sample
//! weights, no `max_samples`). For a [`FittedModelPipeline`](crate::pipeline::FittedModelPipeline),
//! permute the matrix from its `transform_matrix` and score its `classifier()`.

use polars::prelude::{Column, DataFrame};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{MlError, Result};
use crate::estimator::FittedClassifier;
use crate::matrix::Matrix;
use crate::model_selection::{Scoring, below};

/// What [`permutation_importance`] measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PermutationImportance {
    /// The score on the unshuffled data.
    pub baseline_score: f64,
    /// Mean drop in score per feature.
    pub importances_mean: Vec<f64>,
    /// Population standard deviation of the drop per feature.
    pub importances_std: Vec<f64>,
    /// Every drop: one row per feature, one entry per repeat.
    pub importances: Vec<Vec<f64>>,
}

impl PermutationImportance {
    /// The mean importances as a `feature`, `importance` table sorted by decreasing importance,
    /// with the standard deviation in a third column `std`.
    pub fn to_frame<S: AsRef<str>>(&self, names: &[S]) -> Result<DataFrame> {
        let order = descending(names.len(), &self.importances_mean)?;
        let std: Vec<f64> = order.iter().map(|&j| self.importances_std[j]).collect();
        let mut frame = importance_frame(names, &self.importances_mean)?;
        frame
            .with_column(Column::new("std".into(), std))
            .map_err(MlError::polars("adding the `std` column"))?;
        Ok(frame)
    }
}

/// Permutation importance of every column of `x` for a fitted classifier, scored with
/// `scoring` against the class codes `y`; see the module docs.
pub fn permutation_importance(
    model: &FittedClassifier,
    x: &Matrix,
    y: &[usize],
    scoring: Scoring,
    n_repeats: usize,
    seed: u64,
) -> Result<PermutationImportance> {
    permutation_importance_with(x, n_repeats, seed, |shuffled| scoring.score(model, shuffled, y))
}

/// Permutation importance with any score function of the (shuffled) matrix, higher meaning
/// better; the same procedure as [`permutation_importance`].
pub fn permutation_importance_with(
    x: &Matrix,
    n_repeats: usize,
    seed: u64,
    score: impl Fn(&Matrix) -> Result<f64> + Sync,
) -> Result<PermutationImportance> {
    if n_repeats == 0 {
        return Err(MlError::InvalidParameter {
            name: "n_repeats",
            reason: "must be at least 1".to_owned(),
        });
    }
    if x.n_rows() == 0 {
        return Err(MlError::EmptyInput { what: "the data to permute" });
    }
    let baseline_score = score(x)?;
    let importances: Vec<Vec<f64>> = (0..x.n_cols())
        .into_par_iter()
        .map(|j| {
            let mut rng = feature_rng(seed, j);
            let mut shuffled = x.clone();
            let original = x.column(j);
            let mut order: Vec<usize> = (0..x.n_rows()).collect();
            (0..n_repeats)
                .map(|_| {
                    shuffle(&mut order, &mut rng);
                    for (r, &from) in order.iter().enumerate() {
                        shuffled.row_mut(r)[j] = original[from];
                    }
                    Ok(baseline_score - score(&shuffled)?)
                })
                .collect::<Result<Vec<f64>>>()
        })
        .collect::<Result<_>>()?;

    let importances_mean: Vec<f64> = importances.iter().map(|d| mean(d)).collect();
    let importances_std = importances
        .iter()
        .zip(&importances_mean)
        .map(|(drops, m)| mean(&drops.iter().map(|d| (d - m) * (d - m)).collect::<Vec<_>>()).sqrt())
        .collect();
    Ok(PermutationImportance { baseline_score, importances_mean, importances_std, importances })
}

/// A `feature` (String), `importance` (Float64) table sorted by decreasing importance; ties
/// keep the input order. Works for impurity and permutation importances alike.
pub fn importance_frame<S: AsRef<str>>(names: &[S], importances: &[f64]) -> Result<DataFrame> {
    let order = descending(names.len(), importances)?;
    let features: Vec<&str> = order.iter().map(|&j| names[j].as_ref()).collect();
    let values: Vec<f64> = order.iter().map(|&j| importances[j]).collect();
    DataFrame::new(
        order.len(),
        vec![Column::new("feature".into(), features), Column::new("importance".into(), values)],
    )
    .map_err(MlError::polars("building the importance table"))
}

/// Feature positions by decreasing value (NaN last), checking the lengths agree.
fn descending(n_names: usize, values: &[f64]) -> Result<Vec<usize>> {
    if n_names != values.len() {
        return Err(MlError::LengthMismatch {
            left: "the feature names",
            left_len: n_names,
            right: "the importances",
            right_len: values.len(),
        });
    }
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| match (values[a].is_nan(), values[b].is_nan()) {
        (false, false) => values[b].total_cmp(&values[a]),
        (nan_a, nan_b) => nan_a.cmp(&nan_b),
    });
    Ok(order)
}

fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

/// The generator of feature `j`: `ChaCha20` keyed with the seed's and `j`'s little-endian bytes.
fn feature_rng(seed: u64, feature: usize) -> ChaCha20Rng {
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    key[8..16].copy_from_slice(&(feature as u64).to_le_bytes());
    ChaCha20Rng::from_seed(key)
}

/// Fisher–Yates from the end, as in [`crate::model_selection::assign_split`].
fn shuffle(values: &mut [usize], rng: &mut ChaCha20Rng) {
    for i in (1..values.len()).rev() {
        let j = below(rng, i as u64 + 1);
        values.swap(i, usize::try_from(j).expect("j <= i, which is a usize"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::boosting::HistGradientBoostingClassifierParams;
    use crate::ensemble::RandomForestClassifierParams;
    use crate::estimator::ClassifierSpec;
    use crate::linear::LogisticRegressionParams;

    /// Column 0 decides the class, column 1 is noise, column 2 is constant while fitting.
    fn data(constant: bool) -> (Matrix, Vec<usize>) {
        let rows: Vec<[f64; 3]> = (0..40)
            .map(|i| {
                let third = if constant { 1.0 } else { f64::from(i % 7) };
                [f64::from(i), f64::from((i * 7) % 11), third]
            })
            .collect();
        let y = (0..40).map(|i| usize::from(i >= 20)).collect();
        (Matrix::from_rows(&rows).unwrap(), y)
    }

    #[test]
    fn an_ignored_feature_scores_exactly_zero() {
        let (x, y) = data(true);
        let (x_test, _) = data(false);
        let params = RandomForestClassifierParams { n_estimators: 10, ..Default::default() };
        let model = ClassifierSpec::RandomForest(params).fit(&x, &y).unwrap();

        let result = permutation_importance(&model, &x_test, &y, Scoring::Accuracy, 5, 1).unwrap();

        assert_eq!(result.importances[2], [0.0; 5]);
        assert_eq!(result.importances_std[2..], [0.0]);
        assert!(result.importances_mean[0] > 0.2, "{result:?}");
    }

    #[test]
    fn hist_gradient_boosting_has_permutation_importances() {
        let (x, y) = data(true);
        let (x_test, _) = data(false);
        let params = HistGradientBoostingClassifierParams {
            min_samples_leaf: 5,
            max_iter: 10,
            ..Default::default()
        };
        let model = ClassifierSpec::HistGradientBoosting(params).fit(&x, &y).unwrap();

        let result = permutation_importance(&model, &x_test, &y, Scoring::Accuracy, 5, 1).unwrap();

        assert!(model.feature_importances().is_none());
        assert_eq!(result.importances[2], [0.0; 5]);
        assert!(result.importances_mean[0] > 0.2, "{result:?}");
        assert_eq!(result.to_frame(&["a", "b", "c"]).unwrap().height(), 3);
    }

    #[test]
    fn results_do_not_depend_on_the_thread_count() {
        let (x, y) = data(false);
        let model = ClassifierSpec::LogisticRegression(LogisticRegressionParams::default());
        let model = model.fit(&x, &y).unwrap();
        let run = |threads| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            pool.install(|| permutation_importance(&model, &x, &y, Scoring::LogLoss, 4, 5)).unwrap()
        };

        assert_eq!(run(1), run(2));
    }

    #[test]
    fn custom_scores_see_only_the_permuted_column_change() {
        let (x, _) = data(false);
        // Minus the distance of column 0 from the row numbers it holds unshuffled.
        let score = |m: &Matrix| {
            let distance: f64 =
                m.column(0).iter().enumerate().map(|(i, v)| (v - i as f64).abs()).sum();
            Ok(-distance)
        };

        let result = permutation_importance_with(&x, 3, 9, score).unwrap();
        let again = permutation_importance_with(&x, 3, 9, score).unwrap();

        assert!(result.baseline_score.abs() < f64::MIN_POSITIVE, "{result:?}");
        assert_eq!(result.importances_mean[1..], [0.0, 0.0]);
        assert!(result.importances[0].iter().all(|d| *d > 0.0));
        assert_eq!(result, again);
    }

    #[test]
    fn importance_frame_sorts_descending_and_checks_lengths() {
        let frame = importance_frame(&["a", "b", "c"], &[0.2, 0.5, 0.3]).unwrap();

        let features: Vec<&str> =
            frame.column("feature").unwrap().str().unwrap().iter().flatten().collect();
        assert_eq!(features, ["b", "c", "a"]);
        assert!(importance_frame(&["a"], &[0.1, 0.2]).is_err());
    }
}
