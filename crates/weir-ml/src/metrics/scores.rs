//! Scores from predicted probabilities and single-number classification scores:
//! [`roc_auc_score`], [`log_loss`], and [`precision_score`], [`recall_score`] and [`f1_score`]
//! averaged over classes as chosen by [`Average`], all with scikit-learn's definitions.
//!
//! ROC AUC is computed from ranks: tied scores share their mean rank, which gives the same area
//! as scikit-learn's trapezoids through tied thresholds.
//!
//! # Limitations
//! ROC AUC is binary only (no one-vs-rest multiclass averaging); no sample weights.

use serde::{Deserialize, Serialize};

use super::classification::precision_recall_fscore_support;
use crate::error::{MlError, Result};
use crate::matrix::Matrix;

/// How per-class scores are combined into one number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Average<T> {
    /// The score of this positive label alone.
    Binary(T),
    /// The unweighted mean over the labels.
    Macro,
    /// The mean over the labels weighted by their support.
    Weighted,
}

/// Precision of `y_pred` against `y_true`, combined over labels by `average`.
pub fn precision_score<T: Ord + Clone>(
    y_true: &[T],
    y_pred: &[T],
    average: &Average<T>,
) -> Result<f64> {
    averaged(y_true, y_pred, average, |scores, k| scores.precision[k])
}

/// Recall of `y_pred` against `y_true`, combined over labels by `average`.
pub fn recall_score<T: Ord + Clone>(
    y_true: &[T],
    y_pred: &[T],
    average: &Average<T>,
) -> Result<f64> {
    averaged(y_true, y_pred, average, |scores, k| scores.recall[k])
}

/// F1 score of `y_pred` against `y_true`, combined over labels by `average`.
pub fn f1_score<T: Ord + Clone>(y_true: &[T], y_pred: &[T], average: &Average<T>) -> Result<f64> {
    averaged(y_true, y_pred, average, |scores, k| scores.f1_score[k])
}

fn averaged<T: Ord + Clone>(
    y_true: &[T],
    y_pred: &[T],
    average: &Average<T>,
    pick: impl Fn(&super::ClassScores<T>, usize) -> f64,
) -> Result<f64> {
    if let Average::Binary(positive) = average {
        let scores =
            precision_recall_fscore_support(y_true, y_pred, Some(std::slice::from_ref(positive)))?;
        return Ok(pick(&scores, 0));
    }

    let scores = precision_recall_fscore_support(y_true, y_pred, None)?;
    let n = scores.labels.len();
    let total = match average {
        Average::Weighted => {
            let support: usize = scores.support.iter().sum();
            if support == 0 {
                return Ok(0.0);
            }
            (0..n).map(|k| pick(&scores, k) * scores.support[k] as f64).sum::<f64>()
                / support as f64
        }
        _ => (0..n).map(|k| pick(&scores, k)).sum::<f64>() / n as f64,
    };
    Ok(total)
}

/// Area under the ROC curve of `scores` for a binary truth; the positive class is the larger of
/// the two labels in `y_true`, as in scikit-learn.
pub fn roc_auc_score<T: Ord>(y_true: &[T], scores: &[f64]) -> Result<f64> {
    check_lengths(y_true.len(), scores.len(), "the scores")?;
    let non_finite = scores.iter().filter(|s| !s.is_finite()).count();
    if non_finite > 0 {
        return Err(MlError::NonFiniteValues {
            column: "the scores".to_owned(),
            count: non_finite,
        });
    }
    let positive = y_true.iter().max().expect("checked non-empty");
    let negative = y_true.iter().min().expect("checked non-empty");
    if y_true.iter().any(|y| y != positive && y != negative) {
        return Err(MlError::InvalidParameter {
            name: "y_true",
            reason: "holds more than two classes; ROC AUC here is binary only".to_owned(),
        });
    }
    if positive == negative {
        return Err(MlError::InvalidParameter {
            name: "y_true",
            reason: "holds a single class; ROC AUC is undefined".to_owned(),
        });
    }

    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    let mut positive_rank_sum = 0.0;
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && scores[order[end]].total_cmp(&scores[order[start]]).is_eq() {
            end += 1;
        }
        // Ranks start+1 ..= end share their mean.
        let mean_rank = (start + 1 + end) as f64 / 2.0;
        let positives = order[start..end].iter().filter(|&&i| y_true[i] == *positive).count();
        positive_rank_sum += mean_rank * positives as f64;
        start = end;
    }

    let n_positive = y_true.iter().filter(|y| *y == positive).count() as f64;
    let n_negative = y_true.len() as f64 - n_positive;
    Ok((positive_rank_sum - n_positive * (n_positive + 1.0) / 2.0) / (n_positive * n_negative))
}

/// Mean negative log-likelihood of `y_true` under `proba`, whose column `k` is the probability
/// of the `k`-th label in `labels` (default: the sorted distinct labels of `y_true`).
/// Probabilities are clipped to `[eps, 1 - eps]` and every row must sum to 1, as in
/// scikit-learn.
pub fn log_loss<T: Ord + Clone>(y_true: &[T], proba: &Matrix, labels: Option<&[T]>) -> Result<f64> {
    check_lengths(y_true.len(), proba.n_rows(), "the probability rows")?;
    let labels: Vec<T> = if let Some(labels) = labels {
        labels.to_vec()
    } else {
        let mut seen = y_true.to_vec();
        seen.sort();
        seen.dedup();
        seen
    };
    if labels.len() != proba.n_cols() {
        return Err(MlError::LengthMismatch {
            left: "the labels",
            left_len: labels.len(),
            right: "the probability columns",
            right_len: proba.n_cols(),
        });
    }
    check_probabilities(proba)?;

    let eps = f64::EPSILON;
    let mut total = 0.0;
    for (y, row) in y_true.iter().zip(proba.rows()) {
        let k = labels.iter().position(|label| label == y).ok_or_else(|| {
            MlError::InvalidParameter {
                name: "y_true",
                reason: "holds a label that is not among the probability columns' labels"
                    .to_owned(),
            }
        })?;
        total -= row[k].clamp(eps, 1.0 - eps).ln();
    }
    Ok(total / y_true.len() as f64)
}

fn check_lengths(n_true: usize, n_other: usize, other: &'static str) -> Result<()> {
    if n_true == 0 {
        return Err(MlError::EmptyInput { what: "the list of true labels" });
    }
    if n_true != n_other {
        return Err(MlError::LengthMismatch {
            left: "the true labels",
            left_len: n_true,
            right: other,
            right_len: n_other,
        });
    }
    Ok(())
}

fn check_probabilities(proba: &Matrix) -> Result<()> {
    let tolerance = f64::EPSILON.sqrt();
    for (r, row) in proba.rows().enumerate() {
        if row.iter().any(|p| !(0.0..=1.0).contains(p)) {
            return Err(MlError::InvalidParameter {
                name: "proba",
                reason: format!("row {r} holds a value outside [0, 1]"),
            });
        }
        let sum: f64 = row.iter().sum();
        if (sum - 1.0).abs() > tolerance {
            return Err(MlError::InvalidParameter {
                name: "proba",
                reason: format!("row {r} sums to {sum}, not 1"),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
#[expect(clippy::float_cmp, reason = "the compared values are exact")]
mod tests {
    use super::*;

    #[test]
    fn auc_of_a_perfect_and_a_reversed_ranking() {
        assert_eq!(roc_auc_score(&[0, 0, 1, 1], &[0.1, 0.2, 0.8, 0.9]).unwrap(), 1.0);
        assert_eq!(roc_auc_score(&[0, 0, 1, 1], &[0.9, 0.8, 0.2, 0.1]).unwrap(), 0.0);
        // All tied: the diagonal.
        assert_eq!(roc_auc_score(&[0, 1, 0, 1], &[0.5; 4]).unwrap(), 0.5);
    }

    #[test]
    fn auc_rejects_one_or_three_classes() {
        assert!(roc_auc_score(&[1, 1], &[0.1, 0.2]).is_err());
        assert!(roc_auc_score(&[0, 1, 2], &[0.1, 0.2, 0.3]).is_err());
        assert!(roc_auc_score::<u8>(&[], &[]).is_err());
    }

    #[test]
    fn log_loss_rejects_rows_that_are_not_distributions() {
        let proba = Matrix::from_rows(&[[0.5, 0.6]]).unwrap();

        let error = log_loss(&[0], &proba, Some(&[0, 1])).unwrap_err();

        assert!(error.to_string().contains("row 0 sums to"), "{error}");
    }

    #[test]
    fn binary_average_scores_the_positive_label_only() {
        let y_true = [0, 1, 1, 1];
        let y_pred = [1, 1, 0, 1];

        // Label 1: tp 2, fp 1, fn 1.
        assert_eq!(precision_score(&y_true, &y_pred, &Average::Binary(1)).unwrap(), 2.0 / 3.0);
        assert_eq!(recall_score(&y_true, &y_pred, &Average::Binary(1)).unwrap(), 2.0 / 3.0);
        // Label 0 scores 0, so the macro mean halves label 1's F1.
        assert_eq!(f1_score(&y_true, &y_pred, &Average::Macro).unwrap(), 1.0 / 3.0);
    }
}
