//! The data dictionary: which survey column is of which type, and what that means for the
//! preprocessing.
//!
//! The dictionary is a table with `column`, `type` and `description` columns and optional
//! `min` / `max` columns (`data/01_raw/data_dictionary.csv`). [`ColumnGroups::from_dictionary`]
//! reads it into groups by type; the groups then decide how each column is read and checked
//! ([`ColumnGroups::cast`]) and encoded ([`ColumnGroups::column_transformer`]):
//!
//! | type | read as | encoded by |
//! | --- | --- | --- |
//! | `Float` | `Float64` | standard scaler |
//! | `Categorical` | `Int64` codes | one-hot (unseen codes give all zeros) |
//! | `Ordinal` | `Int64` codes | ordinal (unseen codes give -1) |
//! | `Boolean` | `Int64` 0 / 1 | ordinal (unseen codes give -1) |
//!
//! The target column is listed in the dictionary like any other and set apart by name.
//!
//! Reading is strict: a value that is not a number, a fraction in a code column, a `Boolean`
//! value other than 0 / 1 and a value outside the row's `min` / `max` (each optional, both
//! inclusive) are errors naming the dataset, the column, up to three offending values and
//! their count.

use std::collections::BTreeMap;

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
    /// The allowed range of each column with a `min` or `max` in the dictionary.
    #[serde(default)]
    pub ranges: BTreeMap<String, Range>,
}

/// The inclusive bounds of a column's values; either may be absent.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Range {
    /// The smallest allowed value.
    pub min: Option<f64>,
    /// The largest allowed value.
    pub max: Option<f64>,
}

/// Where the data dictionary is, for hints.
const DICTIONARY_FILE: &str =
    "the `data_dictionary` dataset (data/01_raw/data_dictionary.csv by default)";

/// How many offending values an error message shows.
const EXAMPLES: usize = 3;

impl ColumnGroups {
    /// Groups the rows of `dictionary` by their `type`, setting `target` apart.
    ///
    /// Fails on a missing `column` or `type` column, an empty or repeated column name, a type
    /// other than the four known ones (naming the column), and a target that the dictionary
    /// does not list.
    pub fn from_dictionary(dictionary: &DataFrame, target: &str) -> NodeResult<ColumnGroups> {
        let names = text_column(dictionary, "column")?;
        let types = text_column(dictionary, "type")?;
        let mins = bound_column(dictionary, "min", &names)?;
        let maxs = bound_column(dictionary, "max", &names)?;

        let mut groups = ColumnGroups {
            target: target.to_owned(),
            features: Vec::new(),
            boolean: Vec::new(),
            categorical: Vec::new(),
            ordinal: Vec::new(),
            float: Vec::new(),
            ranges: BTreeMap::new(),
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
            if let (Some(min), Some(max)) = (mins[row], maxs[row])
                && min > max
            {
                return Err(dictionary_error(format!(
                    "column `{name}` has `min` {min} above `max` {max}"
                )));
            }
            if mins[row].is_some() || maxs[row].is_some() {
                groups.ranges.insert(name.to_owned(), Range { min: mins[row], max: maxs[row] });
            }
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
    /// codes otherwise. Other columns are left as they are. `dataset` names the table in errors.
    ///
    /// Fails, naming the dataset and the column, when a feature is missing or holds nulls,
    /// values that are not numbers, fractions in a code column, a `Boolean` value other than
    /// 0 / 1, or values outside the dictionary's `min` / `max`.
    pub fn cast(&self, table: DataFrame, dataset: &str) -> NodeResult<DataFrame> {
        let mut table = table;
        for name in &self.features {
            let Ok(column) = table.column(name) else {
                return Err(NodeError::with_hint(
                    NodeError::msg(format!("`{dataset}` has no column `{name}`")),
                    "the data dictionary lists it; add it to the table or remove its row",
                ));
            };
            if column.null_count() > 0 {
                return Err(NodeError::with_hint(
                    NodeError::msg(format!(
                        "`{dataset}`, column `{name}`: {} missing value(s); the model needs \
                         every value",
                        column.null_count()
                    )),
                    "fill in or drop those rows",
                ));
            }
            let values = numbers(dataset, name, column)?;
            let is_float = self.float.contains(name);
            if !is_float {
                check(
                    dataset,
                    name,
                    &values,
                    |v| v.fract() != 0.0,
                    "are not whole numbers",
                    "the data dictionary says it holds whole-number codes; fix the values, or \
                     give the column the type `Float`",
                )?;
            }
            if self.boolean.contains(name) {
                check(
                    dataset,
                    name,
                    &values,
                    |v| !(0.0..=1.0).contains(&v), // whole numbers, checked above
                    "are neither 0 nor 1",
                    &format!(
                        "the data dictionary says it is `Boolean`; fix the values, or correct \
                         the column's `type` in {DICTIONARY_FILE}"
                    ),
                )?;
            }
            if let Some(range) = self.ranges.get(name) {
                let low = range.min.unwrap_or(f64::NEG_INFINITY);
                let high = range.max.unwrap_or(f64::INFINITY);
                let allowed = match (range.min, range.max) {
                    (Some(min), Some(max)) => format!("lie outside {min} to {max}"),
                    (Some(min), None) => format!("lie below {min}"),
                    (None, _) => format!("lie above {high}"),
                };
                check(
                    dataset,
                    name,
                    &values,
                    |v| v < low || v > high,
                    &allowed,
                    &format!(
                        "fix the values, or the column's `type`, `min` or `max` in \
                         {DICTIONARY_FILE}"
                    ),
                )?;
            }
            let cast = if is_float {
                Column::new(name.as_str().into(), values)
            } else {
                #[expect(clippy::cast_possible_truncation, reason = "whole numbers, checked above")]
                let codes: Vec<i64> = values.iter().map(|&v| v as i64).collect();
                Column::new(name.as_str().into(), codes)
            };
            table.with_column(cast)?;
        }
        Ok(table)
    }
}

/// The values of `column` (no nulls) as numbers; text that is not a number is an error showing
/// up to [`EXAMPLES`] such values and their count.
fn numbers(dataset: &str, name: &str, column: &Column) -> NodeResult<Vec<f64>> {
    let cast = column.cast(&DataType::Float64).map_err(|_| {
        NodeError::msg(format!(
            "`{dataset}`, column `{name}` holds {} values, but the data dictionary says it \
             holds numbers",
            column.dtype()
        ))
    })?;
    let cast = cast.f64()?;
    if cast.null_count() == 0 {
        return Ok(cast.into_no_null_iter().collect());
    }
    // The column had no nulls before the cast, so every null now is a value that is no number.
    let text = column.cast(&DataType::String)?;
    let bad: Vec<String> = text
        .str()?
        .iter()
        .zip(cast.iter())
        .filter(|(_, number)| number.is_none())
        .map(|(value, _)| format!("`{}`", value.unwrap_or_default()))
        .collect();
    Err(offending(
        dataset,
        name,
        &bad,
        "are not numbers",
        "fix those values in the file; every column the data dictionary lists holds numbers",
    ))
}

/// Fails when `is_bad` holds for any of `values`, naming up to [`EXAMPLES`] and the count.
fn check(
    dataset: &str,
    name: &str,
    values: &[f64],
    is_bad: impl Fn(f64) -> bool,
    what: &str,
    hint: &str,
) -> NodeResult<()> {
    let bad: Vec<String> = values.iter().filter(|&&v| is_bad(v)).map(f64::to_string).collect();
    if bad.is_empty() { Ok(()) } else { Err(offending(dataset, name, &bad, what, hint)) }
}

fn offending(dataset: &str, name: &str, bad: &[String], what: &str, hint: &str) -> NodeError {
    let examples = bad.iter().take(EXAMPLES).cloned().collect::<Vec<_>>().join(", ");
    NodeError::with_hint(
        NodeError::msg(format!(
            "`{dataset}`, column `{name}`: {} value(s) {what}, e.g. {examples}",
            bad.len()
        )),
        hint.to_owned(),
    )
}

/// The optional numeric column `name` of the dictionary (all `None` when absent); text that is
/// not a number is an error naming the dictionary row.
fn bound_column(
    dictionary: &DataFrame,
    name: &str,
    rows: &[String],
) -> NodeResult<Vec<Option<f64>>> {
    let Ok(column) = dictionary.column(name) else { return Ok(vec![None; rows.len()]) };
    let text = column.cast(&DataType::String)?;
    let mut bounds = Vec::with_capacity(rows.len());
    for (row, value) in text.str()?.iter().enumerate() {
        let value = value.unwrap_or_default().trim();
        if value.is_empty() {
            bounds.push(None);
            continue;
        }
        let Ok(bound) = value.parse::<f64>() else {
            let column_name = rows.get(row).map_or("", |n| n.trim());
            return Err(dictionary_error(format!(
                "column `{column_name}` has `{name}` `{value}`, which is not a number"
            )));
        };
        bounds.push(Some(bound));
    }
    Ok(bounds)
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
        let cast = groups.cast(df!("Age" => [1.0, 13.0]).unwrap(), "t").unwrap();
        assert_eq!(cast.column("Age").unwrap().dtype(), &DataType::Int64);
        let error = groups.cast(df!("Age" => [1.5]).unwrap(), "t").unwrap_err().to_string();
        assert!(error.contains("`Age`") && error.contains("1.5"), "{error}");
    }

    #[test]
    fn ranges_come_from_optional_min_and_max_and_are_checked() {
        let table = df!(
            "column" => ["Diabetes", "GenHlth", "MentHlth"],
            "type" => ["Categorical", "Ordinal", "Ordinal"],
            "min" => [None, Some(1.0), None],
            "max" => [None, Some(5.0), Some(30.0)],
            "description" => ["x", "x", "x"]
        )
        .unwrap();
        let groups = ColumnGroups::from_dictionary(&table, "Diabetes").unwrap();
        assert_eq!(groups.ranges["GenHlth"], Range { min: Some(1.0), max: Some(5.0) });
        assert_eq!(groups.ranges["MentHlth"], Range { min: None, max: Some(30.0) });
        assert!(!groups.ranges.contains_key("Diabetes"));

        let ok = df!("GenHlth" => [1, 5], "MentHlth" => [-3, 30]).unwrap();
        groups.cast(ok, "t").unwrap();
        let bad = df!("GenHlth" => [6, 1], "MentHlth" => [31, 0]).unwrap();
        let error = groups.cast(bad, "t").unwrap_err().to_string();
        assert!(error.contains("`t`, column `GenHlth`: 1 value(s) lie outside 1 to 5, e.g. 6"));
        let bad = df!("GenHlth" => [1, 1], "MentHlth" => [31, 0]).unwrap();
        let error = groups.cast(bad, "t").unwrap_err().to_string();
        assert!(error.contains("column `MentHlth`: 1 value(s) lie above 30, e.g. 31"), "{error}");
    }

    #[test]
    fn a_bound_that_is_not_a_number_or_min_above_max_is_an_error() {
        let table = df!(
            "column" => ["Diabetes", "Age"],
            "type" => ["Categorical", "Categorical"],
            "min" => ["", "one"],
            "max" => ["", "13"]
        )
        .unwrap();
        let error = ColumnGroups::from_dictionary(&table, "Diabetes").unwrap_err().to_string();
        assert!(error.contains("`Age` has `min` `one`"), "{error}");
        let table = df!(
            "column" => ["Diabetes", "Age"],
            "type" => ["Categorical", "Categorical"],
            "min" => [None, Some(13)],
            "max" => [None, Some(1)]
        )
        .unwrap();
        let error = ColumnGroups::from_dictionary(&table, "Diabetes").unwrap_err().to_string();
        assert!(error.contains("`Age` has `min` 13 above `max` 1"), "{error}");
    }

    #[test]
    fn text_that_is_not_a_number_is_named_with_the_count() {
        let table = dictionary(&[("Diabetes", "Categorical"), ("BMI", "Float")]);
        let groups = ColumnGroups::from_dictionary(&table, "Diabetes").unwrap();
        let raw = df!("BMI" => ["20", "fat", "x", "30", "y", "z"]).unwrap();
        let error = groups.cast(raw, "raw").unwrap_err().to_string();
        assert!(
            error.contains("`raw`, column `BMI`: 4 value(s) are not numbers, e.g. `fat`, `x`, `y`"),
            "{error}"
        );
    }
}
