//! Scores new flowers: scale their measurements with the fitted scaler, predict with the fitted
//! model, and name the predicted species with the fitted label encoder.

use weir::ml::linear::FittedLogisticRegression;
use weir::ml::preprocessing::{LabelEncoder, StandardScaler};
use weir::prelude::*;

use super::Columns;

/// One row per input flower: its id and the predicted species.
pub fn predict(
    flowers: DataFrame,
    scaler: Artefact<StandardScaler>,
    model: Artefact<FittedLogisticRegression>,
    encoder: Artefact<LabelEncoder>,
    columns: Params<Columns>,
    prediction_column: String,
) -> NodeResult<DataFrame> {
    let scaled = scaler.transform(&flowers)?;
    let codes = model.predict_df(&scaled)?;
    let species = encoder.inverse_transform(&codes)?.with_name(prediction_column.into());

    let ids = flowers.column(&columns.id)?.clone();
    Ok(DataFrame::new(flowers.height(), vec![ids, species])?)
}

/// The inference pipeline.
pub fn pipeline() -> Pipeline {
    Pipeline::new([node(
        predict,
        [
            "iris_predict_raw",
            "scaler",
            "model",
            "label_encoder",
            "params:columns",
            "params:prediction_column",
        ],
        "iris_predictions",
    )])
}
