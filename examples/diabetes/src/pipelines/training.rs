//! Fits the model pipeline (the dictionary's preprocessing and a random forest) on the train
//! rows and evaluates it on the test rows: scikit-learn's classification report, the confusion
//! matrix, and a plot of it.
//!
//! The forest's parameters are `classifier` of `parameters_training.yml` with the values of
//! `best_params` (written by the hyperparameter search; `{}` until it runs) put over them.

use serde_json::{Map, Value, json};
use weir::ml::estimator::ClassifierSpec;
use weir::ml::metrics::{ClassificationReport, classification_report, confusion_matrix};
use weir::ml::pipeline::{FittedModelPipeline, ModelPipeline};
use weir::prelude::*;

use super::{features_and_labels, rows_of_split};
use crate::dictionary::ColumnGroups;
use crate::plot;

/// The unfitted model: the dictionary's preprocessing and the configured forest with the
/// searched parameters put over it.
pub fn model_spec(
    groups: &ColumnGroups,
    classifier: &ClassifierSpec,
    best_params: &Value,
) -> NodeResult<ModelPipeline> {
    let Value::Object(overrides) = best_params else {
        return Err(NodeError::with_hint(
            NodeError::msg(format!("`best_params` must be a JSON object, got {best_params}")),
            "write `{}` to data/05_model_input/best_params.json, or run the \
             hyperparameter_search pipeline",
        ));
    };
    let classifier = classifier.with_params(overrides)?;
    let preprocessing = groups.column_transformer()?;
    Ok(ModelPipeline { preprocessing, classifier })
}

/// Fits the model pipeline on the `train` rows.
pub fn train_model(
    table: DataFrame,
    groups: Params<ColumnGroups>,
    classifier: Params<ClassifierSpec>,
    best_params: Value,
) -> NodeResult<Artefact<FittedModelPipeline>> {
    let spec = model_spec(&groups, &classifier, &best_params)?;
    let train = rows_of_split(&table, "train")?;
    let (features, labels) = features_and_labels(&train, &groups)?;
    Ok(Artefact::new(spec.fit(&features, &labels)?))
}

/// The test rows' classification report, confusion matrix (`labels`, `counts` with actual
/// classes as rows) and its plot as PNG bytes.
pub fn evaluate_model(
    table: DataFrame,
    model: Artefact<FittedModelPipeline>,
    groups: Params<ColumnGroups>,
    class_names: Params<Vec<String>>,
) -> NodeResult<(Artefact<ClassificationReport>, Value, Vec<u8>)> {
    if class_names.len() != 2 {
        return Err(NodeError::msg(format!(
            "`class_names` must name the classes 0 and 1, got {} name(s)",
            class_names.len()
        )));
    }
    let test = rows_of_split(&table, "test")?;
    let (features, actual) = features_and_labels(&test, &groups)?;
    let predicted = model.predict(&features)?;

    let names: Vec<&str> = class_names.iter().map(String::as_str).collect();
    let report = classification_report(&actual, &predicted, Some(&[0, 1]), Some(&names))?;
    let matrix = confusion_matrix(&actual, &predicted, Some(&[0, 1]))?;
    let picture = plot::confusion_matrix(&names, &matrix.counts)?;

    let mut counts = Map::new();
    counts.insert("labels".to_owned(), json!(*class_names));
    counts.insert("counts".to_owned(), json!(matrix.counts));
    Ok((Artefact::new(report), Value::Object(counts), picture))
}

/// The training pipeline.
pub fn pipeline() -> Pipeline {
    Pipeline::new([
        node(
            train_model,
            ["model_input_table", "column_groups", "params:classifier", "best_params"],
            "model",
        ),
        node(
            evaluate_model,
            ["model_input_table", "model", "column_groups", "params:class_names"],
            ["classification_report", "confusion_matrix", "confusion_matrix_plot"],
        ),
    ])
}
