//! Evaluation metrics with scikit-learn's definitions, so reported numbers can be checked
//! against it: [`accuracy`], [`confusion_matrix`], [`precision_recall_fscore_support`],
//! [`classification_report`], averaged [`precision_score`] / [`recall_score`] / [`f1_score`],
//! [`roc_auc_score`], [`log_loss`], and the regression errors [`mean_absolute_error`],
//! [`root_mean_squared_error`], [`mean_absolute_percentage_error`] and [`r2_score`].
//!
//! # Limitations
//! No sample weights, no multilabel input, and ROC AUC for binary targets only.

mod classification;
mod regression;
mod report;
mod scores;

pub use classification::{
    ClassScores, ConfusionMatrix, accuracy, confusion_matrix, precision_recall_fscore_support,
};
pub use regression::{
    mean_absolute_error, mean_absolute_percentage_error, r2_score, root_mean_squared_error,
};
pub use report::{ClassMetrics, ClassificationReport, classification_report};
pub use scores::{Average, f1_score, log_loss, precision_score, recall_score, roc_auc_score};
