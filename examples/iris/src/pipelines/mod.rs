//! The project's pipelines and the registry the CLI runs them from.
//!
//! - `data_engineering`: split the raw table, fit the scaler and label encoder, write the
//!   master table.
//! - `model_train`: fit a multinomial logistic regression and report on the test split.
//! - `model_predict`: score new flowers with the fitted scaler, model and encoder.
//! - `__default__`: all three.
//!
//! `weir pipeline create NAME` adds a module and registers it between the `weir:` marker
//! comments below; `weir pipeline delete NAME` removes both.

// weir:pipeline-modules:start
pub mod data_engineering;
pub mod model_predict;
pub mod model_train;
// weir:pipeline-modules:end

use serde::{Deserialize, Serialize};
use weir::prelude::*;

/// The column holding the integer class code in the master table.
pub const LABEL_COLUMN: &str = "label";

/// The `columns` parameters: which columns are the id, the target and the features.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Columns {
    /// The row identifier, carried through to the predictions.
    pub id: String,
    /// The species column of the raw table.
    pub target: String,
    /// The measurement columns the model reads.
    pub features: Vec<String>,
}

/// Every pipeline of the project, with `__default__` running them all.
pub fn registry() -> PipelineRegistry {
    PipelineRegistry::new()
        // weir:pipeline-registry:start
        .with("data_engineering", data_engineering::pipeline())
        .with("model_train", model_train::pipeline())
        .with("model_predict", model_predict::pipeline())
        // weir:pipeline-registry:end
        .with_default_of_all()
}

/// The rows of `table` whose `split` column equals `name`.
pub fn rows_of_split(table: &DataFrame, name: &str) -> NodeResult<DataFrame> {
    use weir::polars::prelude::{col, lit};
    let rows = table.clone().lazy().filter(col("split").eq(lit(name))).collect()?;
    if rows.height() == 0 {
        return Err(NodeError::msg(format!("the `{name}` split has no rows")));
    }
    Ok(rows)
}
