//! From the raw measurements to the master table: a seeded train/test split, a standard scaler
//! and a label encoder fitted on the training rows only, and the scaled, encoded table.

use serde::{Deserialize, Serialize};
use weir::ml::model_selection::assign_split;
use weir::ml::preprocessing::{LabelEncoder, StandardScaler};
use weir::prelude::*;

use super::{Columns, LABEL_COLUMN, rows_of_split};

/// The `split` parameters: train and test fractions (summing to 1) and the seed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SplitParams {
    /// Fraction of rows used for training.
    pub train: f64,
    /// Fraction of rows held out for evaluation.
    pub test: f64,
    /// Seed of the random assignment.
    pub seed: u64,
}

/// Adds a `split` column assigning each row to `train` or `test` at random, reproducibly.
pub fn add_split(raw: DataFrame, split: Params<SplitParams>) -> NodeResult<DataFrame> {
    let ratios = [("train", split.train), ("test", split.test)];
    let labels = assign_split(raw.height(), &ratios, split.seed)?;

    let mut table = raw;
    table.with_column(Column::new("split".into(), labels))?;
    Ok(table)
}

/// Fits a standard scaler on the training rows' feature columns.
pub fn fit_scaler(
    table: DataFrame,
    columns: Params<Columns>,
) -> NodeResult<Artefact<StandardScaler>> {
    let train = rows_of_split(&table, "train")?;
    Ok(Artefact::new(StandardScaler::fit(&train, &columns.features)?))
}

/// Fits a label encoder on the training rows' species.
pub fn fit_label_encoder(
    table: DataFrame,
    columns: Params<Columns>,
) -> NodeResult<Artefact<LabelEncoder>> {
    let train = rows_of_split(&table, "train")?;
    Ok(Artefact::new(LabelEncoder::fit(train.column(&columns.target)?)?))
}

/// Scales the features and adds the encoded species as the `label` column.
pub fn build_master_table(
    table: DataFrame,
    scaler: Artefact<StandardScaler>,
    encoder: Artefact<LabelEncoder>,
    columns: Params<Columns>,
) -> NodeResult<DataFrame> {
    let mut master = scaler.transform(&table)?;
    let codes = encoder.transform(table.column(&columns.target)?)?;
    master.with_column(codes.with_name(LABEL_COLUMN.into()))?;
    Ok(master)
}

/// The data engineering pipeline.
pub fn pipeline() -> Pipeline {
    Pipeline::new([
        node(add_split, ["iris_raw", "params:split"], "iris_split"),
        node(fit_scaler, ["iris_split", "params:columns"], "scaler"),
        node(fit_label_encoder, ["iris_split", "params:columns"], "label_encoder"),
        node(
            build_master_table,
            ["iris_split", "scaler", "label_encoder", "params:columns"],
            "master_table",
        ),
    ])
}
