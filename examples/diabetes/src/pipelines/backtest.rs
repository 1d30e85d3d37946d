//! Stratified k-fold cross-validation of the chosen model (the training pipeline's forest, with
//! `best_params` over it) on the train and validate rows: each fold's accuracy, precision,
//! recall and F1, and their mean.
//!
//! Precision, recall and F1 are macro averages over the two classes, the score the
//! hyperparameter search maximises. The folds are scikit-learn's `StratifiedKFold` with
//! `shuffle=True`, shuffled by weir's seeded `ChaCha20`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use weir::ml::estimator::ClassifierSpec;
use weir::ml::metrics::{Average, accuracy, f1_score, precision_score, recall_score};
use weir::ml::model_selection::stratified_k_fold;
use weir::polars::prelude::{col, lit};
use weir::prelude::*;

use super::training::model_spec;
use super::{features_and_labels, take_rows};
use crate::dictionary::ColumnGroups;

/// The `backtest` parameters.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BacktestParams {
    /// Number of folds.
    pub folds: usize,
    /// Seed of the fold assignment.
    pub seed: u64,
}

/// The scores, in table order.
const METRICS: [&str; 4] = ["accuracy", "precision", "recall", "f1"];

/// Fits and scores the model on every fold; returns the table (one row per fold, then `mean`)
/// and the same figures as a metrics dataset.
pub fn backtest(
    table: DataFrame,
    groups: Params<ColumnGroups>,
    classifier: Params<ClassifierSpec>,
    best_params: Value,
    params: Params<BacktestParams>,
) -> NodeResult<(DataFrame, Value)> {
    let spec = model_spec(&groups, &classifier, &best_params)?;
    let rows = table.clone().lazy().filter(col("split").neq(lit("test"))).collect()?;
    let (features, labels) = features_and_labels(&rows, &groups)?;
    let folds = stratified_k_fold(&labels, params.folds, Some(params.seed))?;

    let mut scores: Vec<[f64; 4]> = Vec::with_capacity(folds.len());
    for (number, fold) in folds.iter().enumerate() {
        let train_y: Vec<usize> = fold.train.iter().map(|&row| labels[row]).collect();
        let test_y: Vec<usize> = fold.test.iter().map(|&row| labels[row]).collect();
        let model = spec.fit(&take_rows(&features, &fold.train)?, &train_y)?;
        let predicted = model.predict(&take_rows(&features, &fold.test)?)?;
        let fold_scores = [
            accuracy(&test_y, &predicted)?,
            precision_score(&test_y, &predicted, &Average::Macro)?,
            recall_score(&test_y, &predicted, &Average::Macro)?,
            f1_score(&test_y, &predicted, &Average::Macro)?,
        ];
        weir::tracing::info!(fold = number + 1, f1 = fold_scores[3], "backtest fold scored");
        scores.push(fold_scores);
    }

    let mean: Vec<f64> = (0..METRICS.len())
        .map(|m| scores.iter().map(|s| s[m]).sum::<f64>() / scores.len() as f64)
        .collect();
    Ok((score_table(&scores, &mean)?, score_metrics(&scores, &mean)))
}

fn score_table(scores: &[[f64; 4]], mean: &[f64]) -> NodeResult<DataFrame> {
    let mut names: Vec<String> = (1..=scores.len()).map(|fold| fold.to_string()).collect();
    names.push("mean".to_owned());
    let mut columns = vec![Column::new("fold".into(), names)];
    for (m, metric) in METRICS.iter().enumerate() {
        let mut values: Vec<f64> = scores.iter().map(|s| s[m]).collect();
        values.push(mean[m]);
        columns.push(Column::new((*metric).into(), values));
    }
    Ok(DataFrame::new(scores.len() + 1, columns)?)
}

fn score_metrics(scores: &[[f64; 4]], mean: &[f64]) -> Value {
    let figures = |values: &[f64]| -> Value {
        let map: Map<String, Value> = METRICS
            .iter()
            .zip(values)
            .map(|(name, value)| ((*name).to_owned(), json!(value)))
            .collect();
        Value::Object(map)
    };
    let folds: Vec<Value> = scores.iter().map(|s| figures(s)).collect();
    json!({ "folds": folds, "mean": figures(mean) })
}

/// The backtest pipeline.
pub fn pipeline() -> Pipeline {
    Pipeline::new([node(
        backtest,
        [
            "model_input_table",
            "column_groups",
            "params:classifier",
            "best_params",
            "params:backtest",
        ],
        ["backtest_table", "backtest_metrics"],
    )])
}
