//! From the raw labelled table to the model input table: the column groups of the data
//! dictionary, every column read as its type says, the target as 0 / 1, and a seeded `split`
//! column assigning each row to `train`, `validate` or `test`.

use serde::{Deserialize, Serialize};
use weir::ml::model_selection::assign_split;
use weir::polars::prelude::DataType;
use weir::prelude::*;

use crate::dictionary::ColumnGroups;

/// The raw labelled dataset, as the catalog names it.
const RAW: &str = "diabetes_raw";

/// The `target` parameters: the label column and which of its codes mean 0 and 1.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetParams {
    /// The label column, listed in the data dictionary.
    pub column: String,
    /// Codes that become 0.
    pub negative: Vec<i64>,
    /// Codes that become 1.
    pub positive: Vec<i64>,
}

/// The `split` parameters: fractions of rows (summing to 1) and the seed.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SplitParams {
    /// Rows to fit on.
    pub train: f64,
    /// Rows held out for choices made after fitting (the backtest folds include them).
    pub validate: f64,
    /// Rows held out for the final evaluation.
    pub test: f64,
    /// Seed of the random assignment.
    pub seed: u64,
}

/// The dictionary's column groups, and the dictionary's columns of `raw`, each read as its
/// type says, with the target mapped to 0 and 1.
///
/// One node reads both the dictionary and the raw table, so that running everything downstream
/// of the raw table (`--from-inputs diabetes_raw`) also regroups the columns.
pub fn prepare_table(
    raw: DataFrame,
    dictionary: DataFrame,
    target: Params<TargetParams>,
) -> NodeResult<(DataFrame, Params<ColumnGroups>)> {
    let groups = ColumnGroups::from_dictionary(&dictionary, &target.column)?;
    if raw.height() == 0 {
        return Err(NodeError::with_hint(
            NodeError::msg(format!("`{RAW}` has no rows")),
            "the file holds only a header; run the data_generation pipeline or point \
             `diabetes_raw_path` at a table with rows",
        ));
    }
    let Ok(label) = raw.column(&target.column) else {
        return Err(NodeError::with_hint(
            NodeError::msg(format!("`{RAW}` has no target column `{}`", target.column)),
            "set `target.column` in parameters_data_engineering.yml",
        ));
    };
    let label = binarise(label, &target)?;

    let mut columns: Vec<&str> = groups.features.iter().map(String::as_str).collect();
    columns.push(&target.column);
    let missing = columns.iter().find(|name| raw.column(name).is_err());
    if let Some(name) = missing {
        return Err(NodeError::with_hint(
            NodeError::msg(format!("`{RAW}` has no column `{name}`")),
            "the data dictionary lists it; add it to the table or remove its row",
        ));
    }
    let ignored: Vec<String> = raw
        .get_column_names()
        .into_iter()
        .filter(|name| !columns.contains(&name.as_str()))
        .map(|name| format!("`{name}`"))
        .collect();
    if !ignored.is_empty() {
        weir::tracing::warn!(
            "`{RAW}` has column(s) the data dictionary does not list, which are dropped: {}",
            ignored.join(", ")
        );
    }
    let mut table = groups.cast(raw.select(columns)?, RAW)?;
    table.with_column(label)?;
    Ok((table, Params(groups)))
}

/// The target as `Int64` 0 / 1; a code in neither list is an error naming it.
fn binarise(label: &Column, target: &TargetParams) -> NodeResult<Column> {
    let codes = label.cast(&DataType::Float64)?;
    let mut binary = Vec::with_capacity(codes.len());
    for value in codes.f64()?.iter() {
        #[expect(clippy::cast_possible_truncation, reason = "whole numbers only")]
        let code = value.filter(|v| v.fract() == 0.0).map(|v| v as i64);
        let bit = match code {
            Some(code) if target.negative.contains(&code) => 0,
            Some(code) if target.positive.contains(&code) => 1,
            _ => {
                let shown = value.map_or_else(|| "a missing value".to_owned(), |v| v.to_string());
                return Err(NodeError::with_hint(
                    NodeError::msg(format!(
                        "the target column `{}` holds {shown}, which is neither a negative \
                         code {:?} nor a positive one {:?}",
                        target.column, target.negative, target.positive
                    )),
                    "list the code under `target.negative` or `target.positive` in \
                     parameters_data_engineering.yml",
                ));
            }
        };
        binary.push(bit);
    }
    Ok(Column::new(target.column.as_str().into(), binary))
}

/// Adds a `split` column with exact, seeded counts per split.
pub fn add_split(table: DataFrame, split: Params<SplitParams>) -> NodeResult<DataFrame> {
    let ratios = [("train", split.train), ("validate", split.validate), ("test", split.test)];
    for (name, fraction) in ratios {
        if !fraction.is_finite() || !(0.0..=1.0).contains(&fraction) {
            return Err(NodeError::with_hint(
                NodeError::msg(format!("`split.{name}` is {fraction}; a fraction is 0 to 1")),
                "fix it in parameters_data_engineering.yml",
            ));
        }
    }
    let total: f64 = ratios.iter().map(|(_, fraction)| fraction).sum();
    if (total - 1.0).abs() > 1e-9 {
        return Err(NodeError::with_hint(
            NodeError::msg(format!(
                "`split.train` + `split.validate` + `split.test` is {total}, not 1"
            )),
            "make the fractions in parameters_data_engineering.yml sum to 1",
        ));
    }
    let labels = assign_split(table.height(), &ratios, split.seed)?;

    let mut table = table;
    table.with_column(Column::new("split".into(), labels))?;
    Ok(table)
}

/// The data engineering pipeline.
pub fn pipeline() -> Pipeline {
    Pipeline::new([
        node(
            prepare_table,
            ["diabetes_raw", "data_dictionary", "params:target"],
            ["diabetes_table", "column_groups"],
        ),
        node(add_split, ["diabetes_table", "params:split"], "model_input_table"),
    ])
}
