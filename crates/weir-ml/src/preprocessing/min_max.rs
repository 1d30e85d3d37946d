//! [`MinMaxScaler`]: maps each numeric column linearly onto a target range, with
//! scikit-learn's formulas (`x * scale + min` with `scale = (hi - lo) / (max - min)` and
//! `min = lo - data_min * scale`; a constant column gets range 1 and maps to `lo`).
//!
//! # Limitations
//! NaN, infinities and nulls are rejected (scikit-learn skips NaN while fitting and passes it
//! through); impute first with [`super::SimpleImputer`].

use polars::prelude::{Column, DataFrame};
use serde::{Deserialize, Serialize};

use super::columns::{check_rows, column_list, replace_columns};
use crate::error::{MlError, Result};
use crate::matrix::float_values;

/// Options of [`MinMaxScaler`]; in YAML `{feature_range: [0, 1], clip: false}`, both optional.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MinMaxScalerParams {
    /// The `(low, high)` range the fitted minimum and maximum map to; low must be below high.
    pub feature_range: (f64, f64),
    /// Whether to clip transformed values into `feature_range`.
    pub clip: bool,
}

impl Default for MinMaxScalerParams {
    fn default() -> Self {
        MinMaxScalerParams { feature_range: (0.0, 1.0), clip: false }
    }
}

/// A fitted min-max scaler: per-column minimum, maximum and the affine map derived from them.
///
/// There is no unfitted scaler: [`MinMaxScaler::fit`] returns this type, so `transform` cannot
/// run before `fit`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MinMaxScaler {
    params: MinMaxScalerParams,
    feature_names: Vec<String>,
    data_min: Vec<f64>,
    data_max: Vec<f64>,
    scale: Vec<f64>,
    min: Vec<f64>,
}

impl MinMaxScaler {
    /// Learns the minimum and maximum of the named numeric columns of `df`.
    ///
    /// Fails on an empty column list or table, repeats, unknown or non-numeric columns,
    /// missing or non-finite values, and a `feature_range` whose low end is not below its high.
    pub fn fit<S: AsRef<str>>(
        df: &DataFrame,
        columns: &[S],
        params: &MinMaxScalerParams,
    ) -> Result<Self> {
        let (low, high) = params.feature_range;
        if !(low.is_finite() && high.is_finite() && low < high) {
            return Err(MlError::InvalidParameter {
                name: "feature_range",
                reason: format!("needs low < high, both finite; got ({low}, {high})"),
            });
        }
        let names = column_list(columns, "the list of columns to scale")?;
        check_rows(df, "the table to fit the scaler on")?;

        let mut scaler = MinMaxScaler {
            params: params.clone(),
            feature_names: Vec::new(),
            data_min: Vec::new(),
            data_max: Vec::new(),
            scale: Vec::new(),
            min: Vec::new(),
        };
        for name in names {
            let values = float_values(df, &name)?;
            let data_min = values.iter().copied().fold(f64::INFINITY, f64::min);
            let data_max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let range = if data_max - data_min == 0.0 { 1.0 } else { data_max - data_min };
            let scale = (high - low) / range;
            scaler.feature_names.push(name);
            scaler.data_min.push(data_min);
            scaler.data_max.push(data_max);
            scaler.scale.push(scale);
            scaler.min.push(low - data_min * scale);
        }
        Ok(scaler)
    }

    /// A copy of `df` in which every fitted column is replaced, in place, by its scaled values
    /// as `Float64`; other columns are left untouched.
    pub fn transform(&self, df: &DataFrame) -> Result<DataFrame> {
        let (low, high) = self.params.feature_range;
        let mut replaced = Vec::with_capacity(self.feature_names.len());
        for (j, name) in self.feature_names.iter().enumerate() {
            let scaled: Vec<f64> = float_values(df, name)?
                .into_iter()
                .map(|v| v * self.scale[j] + self.min[j])
                .map(|v| if self.params.clip { v.clamp(low, high) } else { v })
                .collect();
            replaced.push((name.clone(), vec![Column::new(name.as_str().into(), scaled)]));
        }
        replace_columns(df, replaced)
    }

    /// The output columns: the fitted columns, in fit order.
    pub fn feature_names_out(&self) -> &[String] {
        &self.feature_names
    }

    /// Per-column minimum seen at fit time.
    pub fn data_min(&self) -> &[f64] {
        &self.data_min
    }

    /// Per-column maximum seen at fit time.
    pub fn data_max(&self) -> &[f64] {
        &self.data_max
    }

    /// Per-column factor (scikit-learn's `scale_`).
    pub fn scale(&self) -> &[f64] {
        &self.scale
    }

    /// Per-column offset added after scaling (scikit-learn's `min_`).
    pub fn min(&self) -> &[f64] {
        &self.min
    }
}

#[cfg(test)]
mod tests {
    use polars::df;

    use super::*;

    #[test]
    fn maps_onto_the_range_and_keeps_other_columns() {
        let df = df!("x" => [1.0, 3.0, 5.0], "c" => [2i64, 2, 2], "s" => ["a", "b", "c"]).unwrap();
        let params = MinMaxScalerParams { feature_range: (-1.0, 1.0), clip: false };

        let scaler = MinMaxScaler::fit(&df, &["x", "c"], &params).unwrap();
        let out = scaler.transform(&df).unwrap();

        assert_eq!(float_values(&out, "x").unwrap(), [-1.0, 0.0, 1.0]);
        assert_eq!(float_values(&out, "c").unwrap(), [-1.0; 3]);
        assert_eq!(out.column("s").unwrap(), df.column("s").unwrap());
    }

    #[test]
    fn clip_bounds_values_outside_the_fitted_range() {
        let train = df!("x" => [0.0, 10.0]).unwrap();
        let test = df!("x" => [-5.0, 20.0]).unwrap();
        let params = MinMaxScalerParams { clip: true, ..Default::default() };

        let out = MinMaxScaler::fit(&train, &["x"], &params).unwrap().transform(&test).unwrap();

        assert_eq!(float_values(&out, "x").unwrap(), [0.0, 1.0]);
    }

    #[test]
    fn bad_range_and_nan_are_rejected() {
        let df = df!("x" => [1.0, f64::NAN]).unwrap();
        let backwards = MinMaxScalerParams { feature_range: (1.0, 0.0), clip: false };

        let range = MinMaxScaler::fit(&df, &["x"], &backwards).unwrap_err();
        let nan = MinMaxScaler::fit(&df, &["x"], &MinMaxScalerParams::default()).unwrap_err();

        assert!(matches!(range, MlError::InvalidParameter { name: "feature_range", .. }));
        assert!(matches!(nan, MlError::NonFiniteValues { count: 1, .. }));
    }
}
