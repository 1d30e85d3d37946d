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

/// A horizontal bar chart of the `top` most important features, as PNG bytes.
pub fn plot_importances(table: DataFrame, params: Params<ImportanceParams>) -> NodeResult<Vec<u8>> {
    if params.top == 0 {
        return Err(NodeError::msg("`feature_importances.top` is 0; show at least one feature"));
    }
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
        node(importance_table, "model", "feature_importances"),
        node(
            plot_importances,
            ["feature_importances", "params:feature_importances"],
            "feature_importances_plot",
        ),
    ])
}
