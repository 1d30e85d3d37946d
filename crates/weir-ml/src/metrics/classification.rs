//! Scores of a classifier's predictions against the truth: [`accuracy`], [`confusion_matrix`]
//! and per-class [`precision_recall_fscore_support`], with scikit-learn's definitions.
//!
//! Labels can be any ordered type (class codes, strings). Without an explicit label list the
//! labels are the sorted union of the true and predicted values, as in scikit-learn. A ratio
//! whose denominator is zero is 0, scikit-learn's default `zero_division` behaviour (without
//! the warning).
//!
//! # Limitations
//! Multiclass only: no multilabel indicator matrices, no sample weights and no `beta` other
//! than 1.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::error::{MlError, Result};

/// Counts of true labels (rows) against predicted labels (columns).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfusionMatrix<T> {
    /// Row and column labels, in order.
    pub labels: Vec<T>,
    /// `counts[i][j]`: samples of true label `labels[i]` predicted as `labels[j]`.
    pub counts: Vec<Vec<usize>>,
}

/// Per-label precision, recall, F1 score and support (number of true samples).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassScores<T> {
    /// The labels the scores are for, in order.
    pub labels: Vec<T>,
    /// `tp / (tp + fp)` per label.
    pub precision: Vec<f64>,
    /// `tp / (tp + fn)` per label.
    pub recall: Vec<f64>,
    /// `2 tp / (2 tp + fp + fn)` per label.
    pub f1_score: Vec<f64>,
    /// True samples per label.
    pub support: Vec<usize>,
}

/// Per-label hit counts shared by the scores.
pub(crate) struct LabelCounts {
    pub(crate) true_positives: Vec<usize>,
    pub(crate) predicted: Vec<usize>,
    pub(crate) actual: Vec<usize>,
}

/// Fraction of predictions equal to the truth.
pub fn accuracy<T: PartialEq>(y_true: &[T], y_pred: &[T]) -> Result<f64> {
    check_pair(y_true, y_pred)?;

    let correct = y_true.iter().zip(y_pred).filter(|(t, p)| t == p).count();
    Ok(correct as f64 / y_true.len() as f64)
}

/// The confusion matrix over `labels` (default: every label seen, sorted). Samples whose true
/// or predicted label is not in `labels` are left out, as in scikit-learn.
pub fn confusion_matrix<T: Ord + Clone>(
    y_true: &[T],
    y_pred: &[T],
    labels: Option<&[T]>,
) -> Result<ConfusionMatrix<T>> {
    check_pair(y_true, y_pred)?;
    let labels = resolve_labels(y_true, y_pred, labels)?;

    let index = positions(&labels);
    let mut counts = vec![vec![0; labels.len()]; labels.len()];
    for (t, p) in y_true.iter().zip(y_pred) {
        if let (Some(&i), Some(&j)) = (index.get(t), index.get(p)) {
            counts[i][j] += 1;
        }
    }
    Ok(ConfusionMatrix { labels, counts })
}

/// Precision, recall, F1 and support for each of `labels` (default: every label seen, sorted),
/// like scikit-learn's `precision_recall_fscore_support(average=None)`.
pub fn precision_recall_fscore_support<T: Ord + Clone>(
    y_true: &[T],
    y_pred: &[T],
    labels: Option<&[T]>,
) -> Result<ClassScores<T>> {
    check_pair(y_true, y_pred)?;
    let labels = resolve_labels(y_true, y_pred, labels)?;
    let counts = count_labels(y_true, y_pred, &labels);

    let n = labels.len();
    let mut scores = ClassScores {
        labels,
        precision: Vec::with_capacity(n),
        recall: Vec::with_capacity(n),
        f1_score: Vec::with_capacity(n),
        support: counts.actual.clone(),
    };
    for k in 0..n {
        let (tp, predicted, actual) =
            (counts.true_positives[k], counts.predicted[k], counts.actual[k]);
        scores.precision.push(ratio(tp, predicted));
        scores.recall.push(ratio(tp, actual));
        scores.f1_score.push(ratio(2 * tp, predicted + actual));
    }
    Ok(scores)
}

/// Fails on empty or unequal inputs.
pub(crate) fn check_pair<T>(y_true: &[T], y_pred: &[T]) -> Result<()> {
    if y_true.is_empty() {
        return Err(MlError::EmptyInput { what: "the list of true labels" });
    }
    if y_true.len() != y_pred.len() {
        return Err(MlError::LengthMismatch {
            left: "the true labels",
            left_len: y_true.len(),
            right: "the predicted labels",
            right_len: y_pred.len(),
        });
    }
    Ok(())
}

/// The given labels (checked: non-empty, no repeats) or the sorted union of both inputs.
pub(crate) fn resolve_labels<T: Ord + Clone>(
    y_true: &[T],
    y_pred: &[T],
    labels: Option<&[T]>,
) -> Result<Vec<T>> {
    let Some(labels) = labels else {
        return Ok(y_true
            .iter()
            .chain(y_pred)
            .cloned()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect());
    };

    if labels.is_empty() {
        return Err(MlError::EmptyInput { what: "the list of labels" });
    }
    if labels.iter().collect::<BTreeSet<_>>().len() != labels.len() {
        return Err(MlError::InvalidParameter {
            name: "labels",
            reason: "a label is listed more than once".to_owned(),
        });
    }
    Ok(labels.to_vec())
}

/// True positives, predictions and true samples per label, over all samples.
pub(crate) fn count_labels<T: Ord>(y_true: &[T], y_pred: &[T], labels: &[T]) -> LabelCounts {
    let index = positions(labels);
    let n = labels.len();
    let mut counts =
        LabelCounts { true_positives: vec![0; n], predicted: vec![0; n], actual: vec![0; n] };
    for (t, p) in y_true.iter().zip(y_pred) {
        let true_index = index.get(t).copied();
        let pred_index = index.get(p).copied();
        if let Some(i) = true_index {
            counts.actual[i] += 1;
        }
        if let Some(j) = pred_index {
            counts.predicted[j] += 1;
        }
        if let (Some(i), true) = (true_index, t == p) {
            counts.true_positives[i] += 1;
        }
    }
    counts
}

/// `numerator / denominator`, or 0 when the denominator is 0.
pub(crate) fn ratio(numerator: usize, denominator: usize) -> f64 {
    if denominator == 0 { 0.0 } else { numerator as f64 / denominator as f64 }
}

fn positions<T: Ord>(labels: &[T]) -> BTreeMap<&T, usize> {
    labels.iter().enumerate().map(|(i, label)| (label, i)).collect()
}

#[cfg(test)]
#[expect(clippy::float_cmp, reason = "the compared values are exact")]
mod tests {
    use super::*;

    // Hand-computed: truth [a a b c], prediction [a b b a].
    const TRUTH: [&str; 4] = ["a", "a", "b", "c"];
    const PRED: [&str; 4] = ["a", "b", "b", "a"];

    #[test]
    fn accuracy_counts_matches() {
        assert_eq!(accuracy(&TRUTH, &PRED).unwrap(), 0.5);
    }

    #[test]
    fn confusion_matrix_rows_are_truth() {
        let cm = confusion_matrix(&TRUTH, &PRED, None).unwrap();

        assert_eq!(cm.labels, ["a", "b", "c"]);
        assert_eq!(cm.counts, [[1, 1, 0], [0, 1, 0], [1, 0, 0]]);
    }

    #[test]
    fn confusion_matrix_with_labels_drops_other_samples() {
        let cm = confusion_matrix(&TRUTH, &PRED, Some(&["b", "a"])).unwrap();

        assert_eq!(cm.counts, [[1, 0], [1, 1]]);
    }

    #[test]
    fn per_class_scores_with_zero_division_as_zero() {
        let scores = precision_recall_fscore_support(&TRUTH, &PRED, None).unwrap();

        assert_eq!(scores.precision, [0.5, 0.5, 0.0]);
        assert_eq!(scores.recall, [0.5, 1.0, 0.0]);
        assert_eq!(scores.f1_score, [0.5, 2.0 / 3.0, 0.0]);
        assert_eq!(scores.support, [2, 1, 1]);
    }

    #[test]
    fn bad_inputs_are_rejected() {
        let empty: [&str; 0] = [];

        assert!(matches!(accuracy(&empty, &empty), Err(MlError::EmptyInput { .. })));
        assert!(matches!(accuracy(&TRUTH, &PRED[1..]), Err(MlError::LengthMismatch { .. })));
        assert!(confusion_matrix(&TRUTH, &PRED, Some(&["a", "a"])).is_err());
        assert!(confusion_matrix(&TRUTH, &PRED, Some(&[])).is_err());
    }
}
