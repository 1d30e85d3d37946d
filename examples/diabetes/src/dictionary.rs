//! The data dictionary: which survey column is of which type, and what that means for the
//! preprocessing.
//!
//! The dictionary is a table with `column`, `type` and `description` columns
//! (`data/01_raw/data_dictionary.csv`). [`ColumnGroups::from_dictionary`] reads it into groups
//! by type; the groups then decide how each column is read ([`ColumnGroups::cast`]) and
//! encoded ([`ColumnGroups::column_transformer`]):
//!
//! | type | read as | encoded by |
//! | --- | --- | --- |
//! | `Float` | `Float64` | standard scaler |
//! | `Categorical` | `Int64` codes | one-hot (unseen codes give all zeros) |
//! | `Ordinal` | `Int64` codes | ordinal (unseen codes give -1) |
//! | `Boolean` | `Int64` 0 / 1 | ordinal (unseen codes give -1) |
//!
//! The target column is listed in the dictionary like any other and set apart by name.

use serde::{Deserialize, Serialize};
use weir::ml::preprocessing::{ColumnStep, ColumnTransformer, Remainder, TransformerSpec};
use weir::polars::prelude::DataType;
use weir::prelude::*;

/// The four column types of the survey.
const TYPES: [&str; 4] = ["Boolean", "Categorical", "Ordinal", "Float"];

/// The dictionary's columns grouped by type, with the target set apart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnGroups {
    /// The label column.
    pub target: String,
    /// Every feature column, in dictionary order.
    pub features: Vec<String>,
    /// 0 / 1 columns.
    pub boolean: Vec<String>,
    /// Unordered codes.
    pub categorical: Vec<String>,
    /// Ordered codes.
    pub ordinal: Vec<String>,
    /// Measurements.
    pub float: Vec<String>,
}

impl ColumnGroups {
    /// Groups the rows of `dictionary` by their `type`, setting `target` apart.
    ///
    /// Fails on a missing `column` or `type` column, an empty or repeated column name, a type
    /// other than the four known ones (naming the column), and a target that the dictionary
    /// does not list.
    pub fn from_dictionary(dictionary: &DataFrame, target: &str) -> NodeResult<ColumnGroups> {
        let names = text_column(dictionary, "column")?;
        let types = text_column(dictionary, "type")?;

        let mut groups = ColumnGroups {
            target: target.to_owned(),
            features: Vec::new(),
            boolean: Vec::new(),
            categorical: Vec::new(),
            ordinal: Vec::new(),
            float: Vec::new(),
        };
        let mut seen_target = false;
        for (row, (name, kind)) in names.iter().zip(&types).enumerate() {
            let name = name.trim();
            let kind = kind.trim();
            if name.is_empty() {
                return Err(dictionary_error(format!("row {} has an empty `column`", row + 1)));
            }
            if names[..row].iter().any(|other| other.trim() == name) {
                return Err(dictionary_error(format!("column `{name}` is listed twice")));
            }
            let group = match kind {
                "Boolean" => &mut groups.boolean,
                "Categorical" => &mut groups.categorical,
                "Ordinal" => &mut groups.ordinal,
                "Float" => &mut groups.float,
                other => {
                    return Err(NodeError::with_hint(
                        dictionary_error(format!(
                            "column `{name}` has type `{other}`, which is not one of {}",
                            TYPES.map(|t| format!("`{t}`")).join(", ")
                        )),
                        "fix that row of the `data_dictionary` dataset \
                         (data/01_raw/data_dictionary.csv by default)",
                    ));
                }
            };
            if name == target {
                seen_target = true;
                continue;
            }
            group.push(name.to_owned());
            groups.features.push(name.to_owned());
        }
        if !seen_target {
            return Err(NodeError::with_hint(
                dictionary_error(format!("the target column `{target}` is not listed")),
                "add a row for it, or set `target.column` in parameters_data_engineering.yml",
            ));
        }
        Ok(groups)
    }

    /// The preprocessing: a standard scaler for `Float` columns, one-hot for `Categorical`,
    /// ordinal codes for `Ordinal` and `Boolean`; other columns are dropped.
    pub fn column_transformer(&self) -> NodeResult<ColumnTransformer> {
        let spec = |value: serde_json::Value| -> NodeResult<TransformerSpec> {
            Ok(serde_json::from_value(value)?)
        };
        let ordinal: Vec<String> = self.ordinal.iter().chain(&self.boolean).cloned().collect();
        let groups = [
            ("float", spec(serde_json::json!({"standard_scaler": {}}))?, self.float.clone()),
            (
                "categorical",
                spec(serde_json::json!({"one_hot": {"handle_unknown": "ignore"}}))?,
                self.categorical.clone(),
            ),
            ("ordinal", spec(serde_json::json!({"ordinal": {"unknown_value": -1.0}}))?, ordinal),
        ];
        let steps = groups
            .into_iter()
            .filter(|(_, _, columns)| !columns.is_empty())
            .map(|(name, transformer, columns)| ColumnStep {
                name: name.to_owned(),
                transformer,
                columns,
            })
            .collect();
        Ok(ColumnTransformer {
            steps,
            remainder: Remainder::Drop,
            verbose_feature_names_out: false,
        })
    }

    /// `table` with every feature column read as its type says: `Float64` for `Float`, `Int64`
    /// codes otherwise. Other columns are left as they are.
    ///
    /// Fails, naming the column, when a feature is missing, holds nulls, or a code column holds
    /// a value that is not a whole number.
    pub fn cast(&self, table: DataFrame) -> NodeResult<DataFrame> {
        let mut table = table;
        for name in &self.features {
            let Ok(column) = table.column(name) else {
                return Err(NodeError::with_hint(
                    NodeError::msg(format!("the table has no column `{name}`")),
                    "the data dictionary lists it; add it to the table or remove its row",
                ));
            };
            if column.null_count() > 0 {
                return Err(NodeError::msg(format!(
                    "column `{name}` has {} missing value(s); the model needs every value",
                    column.null_count()
                )));
            }
            let cast = if self.float.contains(name) {
                column.cast(&DataType::Float64)?
            } else {
                whole_numbers(name, column)?
            };
            table.with_column(cast)?;
        }
        Ok(table)
    }
}

/// `column` as `Int64`, refusing fractions (a float column of whole numbers is fine, as in
/// files written with `0.0` / `1.0` codes).
fn whole_numbers(name: &str, column: &Column) -> NodeResult<Column> {
    if column.dtype().is_integer() {
        return Ok(column.cast(&DataType::Int64)?);
    }
    let values = column.cast(&DataType::Float64).map_err(|_| {
        NodeError::msg(format!(
            "column `{name}` holds {} values, but the data dictionary says it holds codes",
            column.dtype()
        ))
    })?;
    let fraction = values.f64()?.into_no_null_iter().find(|v| v.fract() != 0.0);
    if let Some(value) = fraction {
        return Err(NodeError::msg(format!(
            "column `{name}` holds the value {value}, but the data dictionary says it holds \
             whole-number codes"
        )));
    }
    Ok(values.cast(&DataType::Int64)?)
}

fn text_column(dictionary: &DataFrame, name: &str) -> NodeResult<Vec<String>> {
    let Ok(column) = dictionary.column(name) else {
        return Err(NodeError::with_hint(
            dictionary_error(format!("it has no `{name}` column")),
            "the data dictionary needs the columns `column`, `type` and `description`",
        ));
    };
    let text = column.cast(&DataType::String)?;
    Ok(text.str()?.iter().map(|value| value.unwrap_or_default().to_owned()).collect())
}

fn dictionary_error(message: String) -> NodeError {
    NodeError::msg(format!("invalid data dictionary: {message}"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

    use weir::polars::df;

    use super::*;

    fn dictionary(rows: &[(&str, &str)]) -> DataFrame {
        let names: Vec<&str> = rows.iter().map(|r| r.0).collect();
        let types: Vec<&str> = rows.iter().map(|r| r.1).collect();
        df!("column" => names, "type" => types, "description" => vec!["x"; rows.len()]).unwrap()
    }

    #[test]
    fn groups_follow_the_types_and_set_the_target_apart() {
        let table = dictionary(&[
            ("Diabetes", "Categorical"),
            ("HighBP", "Boolean"),
            ("BMI", "Float"),
            ("GenHlth", "Ordinal"),
            ("Age", "Categorical"),
        ]);
        let groups = ColumnGroups::from_dictionary(&table, "Diabetes").unwrap();
        assert_eq!(groups.features, ["HighBP", "BMI", "GenHlth", "Age"]);
        assert_eq!(groups.boolean, ["HighBP"]);
        assert_eq!(groups.categorical, ["Age"]);
        assert_eq!(groups.ordinal, ["GenHlth"]);
        assert_eq!(groups.float, ["BMI"]);
    }

    #[test]
    fn an_unknown_type_names_the_column() {
        let table = dictionary(&[("Diabetes", "Categorical"), ("BMI", "Decimal")]);
        let error = ColumnGroups::from_dictionary(&table, "Diabetes").unwrap_err().to_string();
        assert!(error.contains("`BMI`") && error.contains("`Decimal`"), "{error}");
    }

    #[test]
    fn a_missing_target_is_an_error() {
        let table = dictionary(&[("BMI", "Float")]);
        let error = ColumnGroups::from_dictionary(&table, "Diabetes").unwrap_err().to_string();
        assert!(error.contains("`Diabetes`"), "{error}");
    }

    #[test]
    fn cast_reads_float_codes_and_refuses_fractions() {
        let table = dictionary(&[("Diabetes", "Categorical"), ("Age", "Categorical")]);
        let groups = ColumnGroups::from_dictionary(&table, "Diabetes").unwrap();
        let cast = groups.cast(df!("Age" => [1.0, 13.0]).unwrap()).unwrap();
        assert_eq!(cast.column("Age").unwrap().dtype(), &DataType::Int64);
        let error = groups.cast(df!("Age" => [1.5]).unwrap()).unwrap_err().to_string();
        assert!(error.contains("`Age`") && error.contains("1.5"), "{error}");
    }
}
