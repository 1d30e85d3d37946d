//! [`classification_report`]: per-class and averaged scores in the exact layout of
//! scikit-learn's `classification_report(..., output_dict=True)`.
//!
//! Serialised, a [`ClassificationReport`] is one map: a key per class name (in label order)
//! holding `precision`, `recall`, `f1-score` and `support`, then `accuracy` as a bare number,
//! then `macro avg` and `weighted avg` with the same four keys. When an explicit label list
//! leaves out some label that occurs in the data, `accuracy` is replaced by a `micro avg` entry,
//! as scikit-learn does. `support` is written as a float (`50.0`), like scikit-learn's dict, so
//! the JSON compares equal to Python's.
//!
//! # Limitations
//! A class named `accuracy`, `micro avg`, `macro avg` or `weighted avg` collides with the
//! summary keys (scikit-learn has the same problem). No text rendering yet.

use std::fmt::Display;

use indexmap::IndexMap;
use serde::de::Error as _;
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::classification::{check_pair, count_labels, ratio, resolve_labels};
use crate::error::{MlError, Result};

const ACCURACY: &str = "accuracy";
const MICRO_AVG: &str = "micro avg";
const MACRO_AVG: &str = "macro avg";
const WEIGHTED_AVG: &str = "weighted avg";

/// The four numbers reported for a class or an average.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ClassMetrics {
    /// Precision.
    pub precision: f64,
    /// Recall.
    pub recall: f64,
    /// F1 score.
    #[serde(rename = "f1-score")]
    pub f1_score: f64,
    /// Number of true samples (for an average: of all labels it covers).
    #[serde(serialize_with = "support_as_float", deserialize_with = "support_from_number")]
    pub support: usize,
}

/// A classification report; see the module docs for its serialised form.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassificationReport {
    /// Scores per class name, in label order.
    pub classes: IndexMap<String, ClassMetrics>,
    /// Accuracy, present when the labels cover every label in the data.
    pub accuracy: Option<f64>,
    /// Micro average, present instead of accuracy when they do not.
    pub micro_avg: Option<ClassMetrics>,
    /// Unweighted mean of the per-class scores.
    pub macro_avg: ClassMetrics,
    /// Mean of the per-class scores weighted by support.
    pub weighted_avg: ClassMetrics,
}

/// Builds the report for `labels` (default: every label seen, sorted), naming classes by
/// `target_names` when given (one per label) and by the labels' `Display` otherwise.
pub fn classification_report<T: Ord + Clone + Display>(
    y_true: &[T],
    y_pred: &[T],
    labels: Option<&[T]>,
    target_names: Option<&[&str]>,
) -> Result<ClassificationReport> {
    check_pair(y_true, y_pred)?;
    let resolved = resolve_labels(y_true, y_pred, labels)?;
    let names = class_names(&resolved, target_names)?;
    let counts = count_labels(y_true, y_pred, &resolved);

    let mut classes = IndexMap::with_capacity(names.len());
    for (k, name) in names.into_iter().enumerate() {
        let (tp, predicted, actual) =
            (counts.true_positives[k], counts.predicted[k], counts.actual[k]);
        let metrics = ClassMetrics {
            precision: ratio(tp, predicted),
            recall: ratio(tp, actual),
            f1_score: ratio(2 * tp, predicted + actual),
            support: actual,
        };
        classes.insert(name, metrics);
    }

    let tp: usize = counts.true_positives.iter().sum();
    let predicted: usize = counts.predicted.iter().sum();
    let actual: usize = counts.actual.iter().sum();
    let micro = ClassMetrics {
        precision: ratio(tp, predicted),
        recall: ratio(tp, actual),
        f1_score: ratio(2 * tp, predicted + actual),
        support: actual,
    };
    let covers_data = labels.is_none() || y_true.iter().chain(y_pred).all(|l| resolved.contains(l));

    let per_class: Vec<ClassMetrics> = classes.values().copied().collect();
    Ok(ClassificationReport {
        accuracy: covers_data.then_some(micro.f1_score),
        micro_avg: (!covers_data).then_some(micro),
        macro_avg: average(&per_class, |_| 1.0),
        weighted_avg: average(&per_class, |m| m.support as f64),
        classes,
    })
}

/// Target names checked against the labels, or the labels printed.
fn class_names<T: Display>(labels: &[T], target_names: Option<&[&str]>) -> Result<Vec<String>> {
    let Some(target_names) = target_names else {
        return Ok(labels.iter().map(ToString::to_string).collect());
    };

    if target_names.len() != labels.len() {
        return Err(MlError::LengthMismatch {
            left: "the labels",
            left_len: labels.len(),
            right: "the target names",
            right_len: target_names.len(),
        });
    }
    let names: Vec<String> = target_names.iter().map(|&n| n.to_owned()).collect();
    if let Some(repeated) = names.iter().enumerate().find(|(i, n)| names[..*i].contains(n)) {
        return Err(MlError::InvalidParameter {
            name: "target_names",
            reason: format!("`{}` is listed more than once", repeated.1),
        });
    }
    Ok(names)
}

/// Weighted mean of each score; 0 when the weights sum to 0. Support is the total support.
fn average(per_class: &[ClassMetrics], weight: impl Fn(&ClassMetrics) -> f64) -> ClassMetrics {
    let total: f64 = per_class.iter().map(&weight).sum();
    let mean = |score: fn(&ClassMetrics) -> f64| {
        if total == 0.0 {
            return 0.0;
        }
        per_class.iter().map(|m| score(m) * weight(m)).sum::<f64>() / total
    };
    ClassMetrics {
        precision: mean(|m| m.precision),
        recall: mean(|m| m.recall),
        f1_score: mean(|m| m.f1_score),
        support: per_class.iter().map(|m| m.support).sum(),
    }
}

impl Serialize for ClassificationReport {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.classes.len() + 3))?;
        for (name, metrics) in &self.classes {
            map.serialize_entry(name, metrics)?;
        }
        if let Some(accuracy) = self.accuracy {
            map.serialize_entry(ACCURACY, &accuracy)?;
        }
        if let Some(micro) = &self.micro_avg {
            map.serialize_entry(MICRO_AVG, micro)?;
        }
        map.serialize_entry(MACRO_AVG, &self.macro_avg)?;
        map.serialize_entry(WEIGHTED_AVG, &self.weighted_avg)?;
        map.end()
    }
}

/// One value of the serialised map: the bare accuracy or a block of four scores.
#[derive(Deserialize)]
#[serde(untagged)]
enum Entry {
    Number(f64),
    Metrics(ClassMetrics),
}

impl<'de> Deserialize<'de> for ClassificationReport {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let entries = IndexMap::<String, Entry>::deserialize(deserializer)?;

        let mut classes = IndexMap::new();
        let (mut accuracy, mut micro_avg, mut macro_avg, mut weighted_avg) =
            (None, None, None, None);
        for (key, entry) in entries {
            match (key.as_str(), entry) {
                (ACCURACY, Entry::Number(value)) => accuracy = Some(value),
                (MICRO_AVG, Entry::Metrics(m)) => micro_avg = Some(m),
                (MACRO_AVG, Entry::Metrics(m)) => macro_avg = Some(m),
                (WEIGHTED_AVG, Entry::Metrics(m)) => weighted_avg = Some(m),
                (_, Entry::Metrics(m)) => {
                    classes.insert(key, m);
                }
                (_, Entry::Number(_)) => {
                    return Err(D::Error::custom(format!("`{key}` must hold four scores")));
                }
            }
        }
        Ok(ClassificationReport {
            classes,
            accuracy,
            micro_avg,
            macro_avg: macro_avg.ok_or_else(|| D::Error::missing_field(MACRO_AVG))?,
            weighted_avg: weighted_avg.ok_or_else(|| D::Error::missing_field(WEIGHTED_AVG))?,
        })
    }
}

#[expect(clippy::trivially_copy_pass_by_ref, reason = "serde's serialize_with passes a reference")]
fn support_as_float<S: Serializer>(
    support: &usize,
    serializer: S,
) -> std::result::Result<S::Ok, S::Error> {
    serializer.serialize_f64(*support as f64)
}

fn support_from_number<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> std::result::Result<usize, D::Error> {
    let value = f64::deserialize(deserializer)?;
    if value < 0.0 || value.fract() != 0.0 || value > 2f64.powi(53) {
        return Err(D::Error::custom(format!("support must be a whole count, got {value}")));
    }
    #[expect(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "checked above")]
    Ok(value as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRUTH: [&str; 4] = ["a", "a", "b", "c"];
    const PRED: [&str; 4] = ["a", "b", "b", "a"];

    #[test]
    fn json_layout_matches_scikit_learn() {
        let report = classification_report(&TRUTH, &PRED, None, None).unwrap();

        let json = serde_json::to_string(&report).unwrap();

        // Per class (hand-computed): a 0.5/0.5/0.5 (2), b 0.5/1/(2/3) (1), c 0/0/0 (1).
        assert!(
            json.starts_with(
                r#"{"a":{"precision":0.5,"recall":0.5,"f1-score":0.5,"support":2.0},"b":"#
            ),
            "{json}"
        );
        assert!(json.contains(r#""accuracy":0.5,"macro avg":"#), "{json}");
        assert!(json.ends_with(r#""support":4.0}}"#), "{json}");
    }

    #[test]
    fn averages_weight_by_support() {
        let report = classification_report(&TRUTH, &PRED, None, None).unwrap();

        assert!((report.macro_avg.recall - 0.5).abs() < 1e-15);
        // weighted recall = (2 * 0.5 + 1 * 1 + 1 * 0) / 4
        assert!((report.weighted_avg.recall - 0.5).abs() < 1e-15);
        assert!((report.weighted_avg.precision - 0.375).abs() < 1e-15);
        assert_eq!(report.weighted_avg.support, 4);
    }

    #[test]
    fn a_partial_label_list_reports_micro_average() {
        let report = classification_report(&TRUTH, &PRED, Some(&["a", "b"]), None).unwrap();

        assert_eq!(report.accuracy, None);
        let micro = report.micro_avg.expect("micro avg present");
        // tp 2 of 4 predictions of a or b, 2 of 3 true a or b.
        assert_eq!((micro.precision, micro.recall, micro.support), (0.5, 2.0 / 3.0, 3));
    }

    #[test]
    fn target_names_must_match_the_labels() {
        let short = classification_report(&TRUTH, &PRED, None, Some(&["x"])).unwrap_err();
        let twice = classification_report(&TRUTH, &PRED, None, Some(&["x", "x", "y"])).unwrap_err();

        assert!(matches!(short, MlError::LengthMismatch { .. }));
        assert!(matches!(twice, MlError::InvalidParameter { name: "target_names", .. }));
    }

    #[test]
    fn json_round_trip_keeps_order_and_values() {
        let report =
            classification_report(&[2, 0, 1, 1], &[2, 1, 1, 0], None, Some(&["z", "y", "x"]))
                .unwrap();

        let json = serde_json::to_string(&report).unwrap();
        let back: ClassificationReport = serde_json::from_str(&json).unwrap();

        assert_eq!(back, report);
        assert_eq!(back.classes.keys().collect::<Vec<_>>(), ["z", "y", "x"]);
    }
}
