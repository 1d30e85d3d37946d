//! [`OrdinalEncoder`]: replaces each category by its position among the column's sorted
//! categories, as `Float64` (scikit-learn's default output type).
//!
//! A category unseen at fit time fails the transform, unless `unknown_value` is set, in which
//! case it is encoded as that number (scikit-learn's `handle_unknown="use_encoded_value"`).
//!
//! # Limitations
//! Nulls are rejected rather than passed through (impute first); float and boolean columns are
//! rejected; no explicit category lists or infrequent-category grouping.

use polars::prelude::{Column, DataFrame};
use serde::{Deserialize, Serialize};

use super::ClassLabels;
use super::columns::{
    category_positions, check_rows, column_list, learn_categories, replace_columns, unseen_error,
};
use crate::error::{MlError, Result};

/// Options of [`OrdinalEncoder`]; in YAML `{unknown_value: -1}`, or `{}` to fail on unseen
/// categories.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OrdinalEncoderParams {
    /// The code of unseen categories; `None` (default) makes them an error. It must not be a
    /// valid code (`0` to `n_categories - 1`) of any column.
    pub unknown_value: Option<f64>,
}

/// A fitted ordinal encoder. [`OrdinalEncoder::fit`] returns it, so there is no way to
/// transform before fitting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrdinalEncoder {
    params: OrdinalEncoderParams,
    feature_names: Vec<String>,
    categories: Vec<ClassLabels>,
}

impl OrdinalEncoder {
    /// Learns the sorted categories of each named integer, string or categorical column.
    ///
    /// Fails on an empty list or table, repeats, unknown columns, other types, nulls, and an
    /// `unknown_value` that is also a valid code.
    pub fn fit<S: AsRef<str>>(
        df: &DataFrame,
        columns: &[S],
        params: &OrdinalEncoderParams,
    ) -> Result<Self> {
        let names = column_list(columns, "the list of columns to encode")?;
        check_rows(df, "the table to fit the encoder on")?;
        let categories: Vec<ClassLabels> =
            names.iter().map(|name| learn_categories(df, name)).collect::<Result<_>>()?;
        if let Some(value) = params.unknown_value {
            let largest = categories.iter().map(ClassLabels::len).max().unwrap_or(0);
            if value >= 0.0 && value < largest as f64 && value.fract() == 0.0 {
                return Err(MlError::InvalidParameter {
                    name: "unknown_value",
                    reason: format!(
                        "{value} is also the code of a fitted category; use a negative number"
                    ),
                });
            }
        }
        Ok(OrdinalEncoder { params: params.clone(), feature_names: names, categories })
    }

    /// A copy of `df` in which every fitted column is replaced, in place, by its codes as
    /// `Float64`; other columns are left untouched.
    pub fn transform(&self, df: &DataFrame) -> Result<DataFrame> {
        let mut replaced = Vec::with_capacity(self.feature_names.len());
        for (name, categories) in self.feature_names.iter().zip(&self.categories) {
            let positions = category_positions(df, name, categories)?;
            let unknown = match self.params.unknown_value {
                Some(value) => value,
                None if positions.contains(&None) => {
                    return Err(unseen_error(df, name, &positions, categories)?);
                }
                None => f64::NAN,
            };
            let codes: Vec<f64> =
                positions.iter().map(|p| p.map_or(unknown, |k| k as f64)).collect();
            replaced.push((name.clone(), vec![Column::new(name.as_str().into(), codes)]));
        }
        replace_columns(df, replaced)
    }

    /// The output columns: the fitted columns, in fit order.
    pub fn feature_names_out(&self) -> &[String] {
        &self.feature_names
    }

    /// The sorted categories of each column, in fit order; code `k` is position `k`.
    pub fn categories(&self) -> &[ClassLabels] {
        &self.categories
    }
}

#[cfg(test)]
mod tests {
    use polars::df;

    use super::*;
    use crate::matrix::float_values;

    #[test]
    fn codes_follow_sorted_categories_and_unknowns_follow_the_params() {
        let train = df!("s" => ["b", "a", "c"], "i" => [5i64, 1, 5]).unwrap();
        let test = df!("s" => ["c", "z"], "i" => [1i64, 5]).unwrap();
        let strict = OrdinalEncoder::fit(&train, &["s", "i"], &OrdinalEncoderParams::default());
        let lenient = OrdinalEncoderParams { unknown_value: Some(-1.0) };

        let codes = strict.as_ref().unwrap().transform(&train).unwrap();
        let unknown = strict.unwrap().transform(&test).unwrap_err();
        let tolerant = OrdinalEncoder::fit(&train, &["s"], &lenient).unwrap().transform(&test);

        assert_eq!(float_values(&codes, "s").unwrap(), [1.0, 0.0, 2.0]);
        assert_eq!(float_values(&codes, "i").unwrap(), [1.0, 0.0, 1.0]);
        assert!(matches!(unknown, MlError::UnseenLabels { ref labels, .. } if labels == &["z"]));
        assert_eq!(float_values(&tolerant.unwrap(), "s").unwrap(), [2.0, -1.0]);
    }

    #[test]
    fn an_unknown_value_that_is_a_valid_code_is_rejected() {
        let train = df!("s" => ["b", "a"]).unwrap();
        let params = OrdinalEncoderParams { unknown_value: Some(1.0) };

        let error = OrdinalEncoder::fit(&train, &["s"], &params).unwrap_err();

        assert!(matches!(error, MlError::InvalidParameter { name: "unknown_value", .. }));
    }
}
