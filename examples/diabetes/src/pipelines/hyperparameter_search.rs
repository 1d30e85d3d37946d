//! Randomised search over the random forest's parameters (trees, depth, minimum samples to
//! split and per leaf, bootstrap), scored by macro F1 with stratified cross-validation on the
//! train rows. The best parameters become `best_params`, which the training pipeline puts over
//! its configured forest; every candidate's scores go to `search_results`.
//!
//! # Limitations
//! The preprocessing is fitted once on the searched rows, outside the folds (weir-ml's search
//! works on a matrix). Only the scaler of the one float column (BMI) and the category lists
//! learn from the rows, so the folds leak almost nothing. By default the search uses a
//! stratified sample of 50,000 train rows to stay within a few minutes on two cores.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use weir::ml::estimator::ClassifierSpec;
use weir::ml::model_selection::{ParamSpace, RandomizedSearch, Scoring, stratified_split};
use weir::prelude::*;

use super::{features_and_labels, rows_of_split, take_rows};
use crate::dictionary::ColumnGroups;

/// The `search` parameters.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchParams {
    /// Lists or distributions per forest parameter.
    pub param_distributions: BTreeMap<String, ParamSpace>,
    /// Candidates to try.
    pub n_iter: usize,
    /// Stratified folds per candidate.
    pub cv: usize,
    /// What to maximise.
    pub scoring: Scoring,
    /// Seed of the draws and of the row sample.
    pub seed: u64,
    /// Train rows to search on (a stratified sample); `None` uses every train row.
    pub sample_rows: Option<usize>,
}

/// Runs the search and returns the best parameters and every candidate's scores.
pub fn search_forest(
    table: DataFrame,
    groups: Params<ColumnGroups>,
    classifier: Params<ClassifierSpec>,
    search: Params<SearchParams>,
) -> NodeResult<(Value, DataFrame)> {
    let train = rows_of_split(&table, "train")?;
    let (features, labels) = features_and_labels(&train, &groups)?;
    let (features, labels) = sample(features, labels, search.sample_rows, search.seed)?;

    let preprocessing = groups.column_transformer()?.fit(&features)?;
    let x = preprocessing.transform_matrix(&features)?;
    let searcher = RandomizedSearch {
        estimator: classifier.into_inner(),
        param_distributions: search.param_distributions.clone(),
        n_iter: search.n_iter,
        seed: search.seed,
        cv: search.cv,
        scoring: search.scoring,
        n_jobs: None,
    };
    let result = searcher.fit(&x, &labels)?;
    let best: Map<String, Value> = result.best_params.clone().into_iter().collect();
    let best = Value::Object(best);
    weir::tracing::info!(best_score = result.best_score, best_params = %best, "search done");
    Ok((best, result.cv_results()?))
}

/// A stratified sample of `rows` rows (all of them when `rows` is `None` or too large).
fn sample(
    features: DataFrame,
    labels: Vec<usize>,
    rows: Option<usize>,
    seed: u64,
) -> NodeResult<(DataFrame, Vec<usize>)> {
    let Some(rows) = rows.filter(|&rows| rows < labels.len()) else {
        return Ok((features, labels));
    };
    if rows == 0 {
        return Err(NodeError::msg("`search.sample_rows` is 0; use null to search on every row"));
    }
    let fraction = rows as f64 / labels.len() as f64;
    let kept = stratified_split(&labels, fraction, seed)?.test;
    let labels = kept.iter().map(|&row| labels[row]).collect();
    Ok((take_rows(&features, &kept)?, labels))
}

/// The hyperparameter search pipeline; it reads the data engineering outputs, so run it after
/// the default pipeline (or `data_engineering`).
pub fn pipeline() -> Pipeline {
    Pipeline::new([node(
        search_forest,
        ["model_input_table", "column_groups", "params:classifier", "params:search"],
        ["best_params", "search_results"],
    )])
}
