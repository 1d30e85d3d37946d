//! The project's pipelines and the registry the CLI runs them from.
//!
//! - `data_generation`: write a synthetic labelled table (`diabetes_raw`).
//! - `data_engineering`: group the columns by the data dictionary, read each column as its
//!   type says, binarise the target and add a seeded `split` column (train / validate / test).
//! - `training`: fit preprocessing and random forest on the train rows; report on the test rows
//!   (classification report, confusion matrix and its plot).
//! - `hyperparameter_search`: randomised search over the forest's parameters, scored by macro
//!   F1 with cross-validation; writes `best_params`, which training reads.
//! - `backtest`: stratified k-fold cross-validation of the chosen model.
//! - `feature_importances`: the forest's impurity importances as a table and a bar chart.
//! - `inference`: class and probabilities for every row of the unlabelled table.
//! - `__default__`: every pipeline except `hyperparameter_search`, which runs on demand.
//!
//! `weir pipeline create NAME` adds a module and registers it between the `weir:` marker
//! comments below (outside `__default__`); `weir pipeline delete NAME` removes both.

// weir:pipeline-modules:start
pub mod backtest;
pub mod data_engineering;
pub mod data_generation;
pub mod feature_importances;
pub mod hyperparameter_search;
pub mod inference;
pub mod training;
// weir:pipeline-modules:end

use weir::polars::prelude::{DataType, IdxCa, IdxSize, col, lit};
use weir::prelude::*;

use crate::dictionary::ColumnGroups;

/// Every pipeline of the project; `__default__` leaves the search out.
pub fn registry() -> PipelineRegistry {
    let default = data_generation::pipeline()
        + data_engineering::pipeline()
        + training::pipeline()
        + backtest::pipeline()
        + feature_importances::pipeline()
        + inference::pipeline();
    PipelineRegistry::new()
        // weir:pipeline-registry:start
        .with("data_generation", data_generation::pipeline())
        .with("data_engineering", data_engineering::pipeline())
        .with("training", training::pipeline())
        .with("hyperparameter_search", hyperparameter_search::pipeline())
        .with("backtest", backtest::pipeline())
        .with("feature_importances", feature_importances::pipeline())
        .with("inference", inference::pipeline())
        // weir:pipeline-registry:end
        .with("__default__", default)
}

/// The rows of `table` whose `split` column equals `name`.
pub fn rows_of_split(table: &DataFrame, name: &str) -> NodeResult<DataFrame> {
    let rows = table.clone().lazy().filter(col("split").eq(lit(name))).collect()?;
    if rows.height() == 0 {
        return Err(NodeError::msg(format!("the `{name}` split has no rows")));
    }
    Ok(rows)
}

/// The feature columns of `table` (the dictionary's), and the target as class codes.
pub fn features_and_labels(
    table: &DataFrame,
    groups: &ColumnGroups,
) -> NodeResult<(DataFrame, Vec<usize>)> {
    let features = groups
        .cast(table.clone(), "model_input_table")?
        .select(groups.features.iter().map(String::as_str))?;
    let labels = table.column(&groups.target)?.cast(&DataType::UInt32)?;
    let labels = labels.u32()?.into_no_null_iter().map(|code| code as usize).collect();
    Ok((features, labels))
}

/// The rows of `table` at the positions `rows`.
pub fn take_rows(table: &DataFrame, rows: &[usize]) -> NodeResult<DataFrame> {
    let positions: Vec<IdxSize> = rows
        .iter()
        .map(|&row| IdxSize::try_from(row))
        .collect::<Result<_, _>>()
        .map_err(|_| NodeError::msg("the table has more rows than Polars can index"))?;
    Ok(table.take(&IdxCa::from_vec("rows".into(), positions))?)
}
