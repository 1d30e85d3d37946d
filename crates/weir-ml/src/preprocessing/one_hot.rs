//! [`OneHotEncoder`]: one `Float64` indicator column per category, named `<column>_<category>`
//! (scikit-learn's `get_feature_names_out`, e.g. `Age_3`), with categories sorted like
//! scikit-learn's (integers numerically, strings by code point).
//!
//! Unseen categories fail the transform by default; with `handle_unknown: ignore` their rows
//! get zeros in every indicator of the column. `drop: first` leaves out each column's first
//! category, `drop: if_binary` only for columns with exactly two.
//!
//! # Limitations
//! Nulls are rejected rather than treated as a category (impute first), float and boolean
//! columns are rejected (cast them to integers or strings), the output is dense, and there are
//! no explicit category lists or infrequent-category grouping.

use polars::prelude::{Column, DataFrame};
use serde::{Deserialize, Serialize};

use super::ClassLabels;
use super::columns::{
    category_positions, check_rows, check_unique, column_list, learn_categories, replace_columns,
    unseen_error,
};
use crate::error::Result;

/// What an encoder does with a category it did not see at fit time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HandleUnknown {
    /// Fail the transform, naming the unseen values.
    #[default]
    Error,
    /// Encode the row as zeros in every indicator of the column.
    Ignore,
}

/// Which category [`OneHotEncoder`] leaves out of each column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DropCategory {
    /// The first (smallest) category of every column.
    First,
    /// The first category of columns with exactly two categories.
    IfBinary,
}

/// Options of [`OneHotEncoder`]; in YAML `{handle_unknown: ignore, drop: if_binary}`, both
/// optional (defaults `error` and no drop, as in scikit-learn).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OneHotEncoderParams {
    /// `error` (default) or `ignore`.
    pub handle_unknown: HandleUnknown,
    /// `null` (default), `first` or `if_binary`.
    pub drop: Option<DropCategory>,
}

/// A fitted one-hot encoder. [`OneHotEncoder::fit`] returns it, so there is no way to transform
/// before fitting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OneHotEncoder {
    params: OneHotEncoderParams,
    feature_names: Vec<String>,
    categories: Vec<ClassLabels>,
    dropped_first: Vec<bool>,
    feature_names_out: Vec<String>,
}

impl OneHotEncoder {
    /// Learns the sorted categories of each named integer, string or categorical column.
    ///
    /// Fails on an empty list or table, repeats, unknown columns, other types and nulls.
    pub fn fit<S: AsRef<str>>(
        df: &DataFrame,
        columns: &[S],
        params: &OneHotEncoderParams,
    ) -> Result<Self> {
        let names = column_list(columns, "the list of columns to encode")?;
        check_rows(df, "the table to fit the encoder on")?;
        let categories: Vec<ClassLabels> =
            names.iter().map(|name| learn_categories(df, name)).collect::<Result<_>>()?;
        let dropped_first = categories
            .iter()
            .map(|c| match params.drop {
                None => false,
                Some(DropCategory::First) => true,
                Some(DropCategory::IfBinary) => c.len() == 2,
            })
            .collect::<Vec<_>>();

        let mut feature_names_out = Vec::new();
        for ((name, categories), &dropped) in names.iter().zip(&categories).zip(&dropped_first) {
            let kept = categories.names().into_iter().skip(usize::from(dropped));
            feature_names_out.extend(kept.map(|category| format!("{name}_{category}")));
        }
        check_unique(feature_names_out.iter().map(String::as_str))?;
        Ok(OneHotEncoder {
            params: params.clone(),
            feature_names: names,
            categories,
            dropped_first,
            feature_names_out,
        })
    }

    /// A copy of `df` in which every fitted column is replaced, at its position, by its
    /// indicator columns; other columns are left untouched.
    pub fn transform(&self, df: &DataFrame) -> Result<DataFrame> {
        let mut replaced = Vec::with_capacity(self.feature_names.len());
        let mut out_names = self.feature_names_out.iter();
        for (j, name) in self.feature_names.iter().enumerate() {
            let categories = &self.categories[j];
            let positions = category_positions(df, name, categories)?;
            if self.params.handle_unknown == HandleUnknown::Error && positions.contains(&None) {
                return Err(unseen_error(df, name, &positions, categories)?);
            }
            let first = usize::from(self.dropped_first[j]);
            let indicators = (first..categories.len())
                .map(|k| {
                    let ones: Vec<f64> =
                        positions.iter().map(|p| if *p == Some(k) { 1.0 } else { 0.0 }).collect();
                    let out = out_names.next().expect("one output name per kept category");
                    Column::new(out.as_str().into(), ones)
                })
                .collect();
            replaced.push((name.clone(), indicators));
        }
        replace_columns(df, replaced)
    }

    /// The indicator column names, `<column>_<category>`, column by column.
    pub fn feature_names_out(&self) -> &[String] {
        &self.feature_names_out
    }

    /// The fitted input columns.
    pub fn feature_names_in(&self) -> &[String] {
        &self.feature_names
    }

    /// The sorted categories of each input column (dropped ones included), in fit order.
    pub fn categories(&self) -> &[ClassLabels] {
        &self.categories
    }
}

#[cfg(test)]
mod tests {
    use polars::df;
    use polars::prelude::DataType;

    use super::*;
    use crate::error::MlError;
    use crate::matrix::{column_names, float_values};

    fn table() -> DataFrame {
        df!("Age" => [3i64, 10, 3, 2], "x" => [0.5, 1.5, 2.5, 3.5], "Sex" => ["m", "f", "f", "m"])
            .unwrap()
    }

    #[test]
    fn indicators_replace_the_column_in_place_with_sorted_names() {
        let params = OneHotEncoderParams::default();
        let encoder = OneHotEncoder::fit(&table(), &["Age", "Sex"], &params).unwrap();

        let out = encoder.transform(&table()).unwrap();

        assert_eq!(encoder.feature_names_out(), ["Age_2", "Age_3", "Age_10", "Sex_f", "Sex_m"]);
        assert_eq!(column_names(&out), ["Age_2", "Age_3", "Age_10", "x", "Sex_f", "Sex_m"]);
        assert_eq!(float_values(&out, "Age_3").unwrap(), [1.0, 0.0, 1.0, 0.0]);
        assert_eq!(out.column("Sex_m").unwrap().dtype(), &DataType::Float64);
    }

    #[test]
    fn unknown_categories_fail_or_become_zeros() {
        let test = df!("Age" => [4i64, 3]).unwrap();
        let strict =
            OneHotEncoder::fit(&table(), &["Age"], &OneHotEncoderParams::default()).unwrap();
        let ignore = OneHotEncoderParams { handle_unknown: HandleUnknown::Ignore, drop: None };
        let lenient = OneHotEncoder::fit(&table(), &["Age"], &ignore).unwrap();

        let error = strict.transform(&test).unwrap_err();
        let out = lenient.transform(&test).unwrap();

        assert_eq!(
            error.to_string(),
            "column `Age` holds 1 label(s) unseen at fit time: `4`; known classes: `2`, `3`, `10`"
        );
        assert_eq!(float_values(&out, "Age_2").unwrap(), [0.0, 0.0]);
        assert_eq!(float_values(&out, "Age_3").unwrap(), [0.0, 1.0]);
    }

    #[test]
    fn drop_if_binary_only_drops_two_category_columns() {
        let params =
            OneHotEncoderParams { drop: Some(DropCategory::IfBinary), ..Default::default() };

        let encoder = OneHotEncoder::fit(&table(), &["Age", "Sex"], &params).unwrap();

        assert_eq!(encoder.feature_names_out(), ["Age_2", "Age_3", "Age_10", "Sex_m"]);
    }

    #[test]
    fn floats_nulls_and_kind_changes_are_rejected() {
        let params = OneHotEncoderParams::default();
        let nulls = df!("a" => [Some("x"), None]).unwrap();

        let float = OneHotEncoder::fit(&table(), &["x"], &params).unwrap_err();
        let null = OneHotEncoder::fit(&nulls, &["a"], &params).unwrap_err();
        let encoder = OneHotEncoder::fit(&table(), &["Sex"], &params).unwrap();
        let changed = encoder.transform(&df!("Sex" => [1i64]).unwrap()).unwrap_err();

        assert!(matches!(float, MlError::UnsupportedDtype { ref column, .. } if column == "x"));
        assert!(matches!(null, MlError::NullValues { count: 1, .. }));
        assert!(matches!(changed, MlError::UnsupportedDtype { ref column, .. } if column == "Sex"));
    }
}
