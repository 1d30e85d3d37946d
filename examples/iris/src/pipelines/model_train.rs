//! Fits a multinomial logistic regression on the master table's training rows and reports how
//! it does on the test rows, in scikit-learn's `classification_report` layout.

use weir::ml::linear::{FittedLogisticRegression, LogisticRegression, LogisticRegressionParams};
use weir::ml::metrics::{ClassificationReport, classification_report};
use weir::ml::preprocessing::LabelEncoder;
use weir::prelude::*;

use super::{Columns, LABEL_COLUMN, rows_of_split};

/// Fits the model on the `train` rows.
pub fn train_model(
    master: DataFrame,
    columns: Params<Columns>,
    params: Params<LogisticRegressionParams>,
) -> NodeResult<Artefact<FittedLogisticRegression>> {
    let train = rows_of_split(&master, "train")?;
    let model = LogisticRegression::new(params.into_inner()).fit_df(
        &train,
        &columns.features,
        LABEL_COLUMN,
    )?;
    if !model.converged() {
        weir::tracing::warn!(
            iterations = model.n_iter(),
            "the logistic regression did not converge; raise `model.max_iter`"
        );
    }
    Ok(Artefact::new(model))
}

/// Predicts the `test` rows and reports precision, recall and F1 per species.
pub fn evaluate_model(
    master: DataFrame,
    model: Artefact<FittedLogisticRegression>,
    encoder: Artefact<LabelEncoder>,
) -> NodeResult<Artefact<ClassificationReport>> {
    let test = rows_of_split(&master, "test")?;
    let predicted = codes(&model.predict_df(&test)?)?;
    let actual = codes(test.column(LABEL_COLUMN)?)?;

    let names = encoder.classes().names();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let labels: Vec<usize> = (0..names.len()).collect();
    let report = classification_report(&actual, &predicted, Some(&labels), Some(&names))?;
    Ok(Artefact::new(report))
}

fn codes(column: &Column) -> NodeResult<Vec<usize>> {
    let codes = column.cast(&weir::polars::prelude::DataType::UInt32)?;
    Ok(codes.u32()?.into_no_null_iter().map(|code| code as usize).collect())
}

/// The training pipeline.
pub fn pipeline() -> Pipeline {
    Pipeline::new([
        node(train_model, ["master_table", "params:columns", "params:model"], "model"),
        node(evaluate_model, ["master_table", "model", "label_encoder"], "classification_report"),
    ])
}
