//! Evaluation metrics with scikit-learn's definitions, so reported numbers can be checked
//! against it: [`accuracy`], [`confusion_matrix`], [`precision_recall_fscore_support`] and
//! [`classification_report`].
//!
//! # Limitations
//! Classification only for now: no regression metrics, ROC AUC or log-loss yet.

mod classification;
mod report;

pub use classification::{
    ClassScores, ConfusionMatrix, accuracy, confusion_matrix, precision_recall_fscore_support,
};
pub use report::{ClassMetrics, ClassificationReport, classification_report};
