//! Scores unlabelled respondents with the fitted model pipeline: for every input row, its
//! position, the predicted class and the probabilities `prob_0` and `prob_1`.
//!
//! The input needs the data dictionary's feature columns (read as their types say, like the
//! training table, with the same checks); other columns are ignored. An empty input is an
//! error.
//!
//! # Limitations
//! The course's unlabelled file has no identifier column, so rows are identified by their
//! position (`row`); no input column is carried over to the output.

use weir::ml::pipeline::FittedModelPipeline;
use weir::prelude::*;

use crate::dictionary::ColumnGroups;

/// One row per input row: `row` (its 0-based position), `prediction`, `prob_0`, `prob_1`.
pub fn predict(
    respondents: DataFrame,
    model: Artefact<FittedModelPipeline>,
    groups: Params<ColumnGroups>,
) -> NodeResult<DataFrame> {
    if model.classes() != [0, 1] {
        return Err(NodeError::with_hint(
            NodeError::msg(format!(
                "the model knows the classes {:?}; inference needs exactly 0 and 1",
                model.classes()
            )),
            "train on a table with both classes",
        ));
    }
    if respondents.height() == 0 {
        return Err(NodeError::with_hint(
            NodeError::msg("`diabetes_predict_raw` has no rows"),
            "the file holds only a header; give it rows to score (`diabetes_predict_path`)",
        ));
    }
    let features = groups
        .cast(respondents, "diabetes_predict_raw")?
        .select(groups.features.iter().map(String::as_str))?;
    let proba = model.predict_proba(&features)?;

    let prob_0 = proba.column(0);
    let prob_1 = proba.column(1);
    // The first class wins a tie, as in the model's own `predict`.
    let prediction: Vec<u32> =
        prob_0.iter().zip(&prob_1).map(|(p0, p1)| u32::from(p1 > p0)).collect();
    let rows: Vec<u64> = (0..features.height() as u64).collect();
    Ok(DataFrame::new(
        features.height(),
        vec![
            Column::new("row".into(), rows),
            Column::new("prediction".into(), prediction),
            Column::new("prob_0".into(), prob_0),
            Column::new("prob_1".into(), prob_1),
        ],
    )?)
}

/// The inference pipeline.
pub fn pipeline() -> Pipeline {
    Pipeline::new([node(
        predict,
        ["diabetes_predict_raw", "model", "column_groups"],
        "diabetes_predictions",
    )])
}
