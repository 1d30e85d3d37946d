//! The fitted forest's impurity importances under the preprocessing's output names (one-hot
//! columns such as `Age_9` count separately), sorted descending, and a bar chart of the largest.

use serde::{Deserialize, Serialize};
use weir::ml::pipeline::FittedModelPipeline;
use weir::prelude::*;

use crate::plot;

/// The `feature_importances` parameters.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportanceParams {
    /// Features shown in the chart.
    pub top: usize,
}

/// A `feature`, `importance` table, most important first.
pub fn importance_table(model: Artefact<FittedModelPipeline>) -> NodeResult<DataFrame> {
    let Some(table) = model.feature_importances()? else {
        return Err(NodeError::with_hint(
            NodeError::msg("the model has no impurity importances"),
            "set `classifier.kind: random_forest` in parameters_training.yml",
        ));
    };
    Ok(table)
}

/// The `feature_importances` parameters, checked. This node needs no other input, so it runs
/// before training and a bad value fails the run early; its output is not read (the chart
/// reads the parameters itself, so that filtered runs which leave this node out still work).
pub fn check_importance_params(
    params: Params<ImportanceParams>,
) -> NodeResult<Params<ImportanceParams>> {
    if params.top == 0 {
        return Err(NodeError::with_hint(
            NodeError::msg("`feature_importances.top` is 0; the chart needs at least one feature"),
            "set `feature_importances.top` to 1 or more in parameters_feature_importances.yml",
        ));
    }
    Ok(params)
}

/// A horizontal bar chart of the `top` most important features, as PNG bytes.
pub fn plot_importances(table: DataFrame, params: Params<ImportanceParams>) -> NodeResult<Vec<u8>> {
    let params = check_importance_params(params)?;
    let top = table.head(Some(params.top));
    let names: Vec<String> = top
        .column("feature")?
        .str()?
        .iter()
        .map(|name| name.unwrap_or_default().to_owned())
        .collect();
    let values: Vec<f64> = top.column("importance")?.f64()?.into_no_null_iter().collect();
    plot::importances(&names, &values)
}

/// The feature importance pipeline.
pub fn pipeline() -> Pipeline {
    Pipeline::new([
        node(check_importance_params, "params:feature_importances", "checked_importance_params"),
        node(importance_table, "model", "feature_importances"),
        node(
            plot_importances,
            ["feature_importances", "params:feature_importances"],
            "feature_importances_plot",
        ),
    ])
}
