//! [`StandardScaler`]: centres numeric columns on their mean and divides by their standard
//! deviation, with scikit-learn's semantics.
//!
//! The statistics are the population ones (`ddof = 0`). A column whose variance is zero, or
//! within the rounding error of the variance computation, gets scale 1 so that it is centred
//! but not blown up, as in scikit-learn's `StandardScaler`.
//!
//! # Limitations
//! Always centres and always scales (no `with_mean`/`with_std` switches yet), fits in one pass
//! over an in-memory `DataFrame` (no `partial_fit`), and takes no sample weights.

use polars::prelude::{Column, DataFrame};
use serde::{Deserialize, Serialize};

use crate::error::{MlError, Result};
use crate::matrix::{Matrix, float_values};

/// Per-column mean and standard deviation, learnt by [`StandardScaler::fit`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StandardScaler {
    feature_names: Vec<String>,
    mean: Vec<f64>,
    var: Vec<f64>,
    scale: Vec<f64>,
    n_samples_seen: usize,
}

impl StandardScaler {
    /// Learns mean and standard deviation of the named numeric columns of `df`.
    ///
    /// Fails on an empty column list or table, repeated or unknown names, non-numeric columns,
    /// and nulls, NaN or infinities.
    pub fn fit<S: AsRef<str>>(df: &DataFrame, columns: &[S]) -> Result<Self> {
        let names: Vec<String> = columns.iter().map(|c| c.as_ref().to_owned()).collect();
        check_names(&names)?;
        if df.height() == 0 {
            return Err(MlError::EmptyInput { what: "the table to fit the scaler on" });
        }

        let mut scaler = StandardScaler {
            feature_names: Vec::with_capacity(names.len()),
            mean: Vec::with_capacity(names.len()),
            var: Vec::with_capacity(names.len()),
            scale: Vec::with_capacity(names.len()),
            n_samples_seen: df.height(),
        };
        for name in names {
            let values = float_values(df, &name)?;
            let (mean, var) = mean_and_variance(&values);
            scaler.feature_names.push(name);
            scaler.mean.push(mean);
            scaler.var.push(var);
            scaler.scale.push(scale_for(mean, var, values.len()));
        }
        Ok(scaler)
    }

    /// Fits on `columns` of `df` and returns the scaler together with the transformed table.
    pub fn fit_transform<S: AsRef<str>>(
        df: &DataFrame,
        columns: &[S],
    ) -> Result<(Self, DataFrame)> {
        let scaler = Self::fit(df, columns)?;
        let transformed = scaler.transform(df)?;
        Ok((scaler, transformed))
    }

    /// A copy of `df` in which every fitted column is replaced, in place, by its scaled values
    /// as `Float64`. Other columns are left untouched.
    pub fn transform(&self, df: &DataFrame) -> Result<DataFrame> {
        self.map_columns(df, |value, mean, scale| (value - mean) / scale)
    }

    /// Undoes [`transform`](Self::transform): `value * scale + mean` for every fitted column.
    pub fn inverse_transform(&self, df: &DataFrame) -> Result<DataFrame> {
        self.map_columns(df, |value, mean, scale| value * scale + mean)
    }

    /// Scales a bare matrix whose columns are the fitted features, in order.
    pub fn transform_matrix(&self, x: &Matrix) -> Result<Matrix> {
        if x.n_cols() != self.feature_names.len() {
            return Err(MlError::FeatureCountMismatch {
                expected: self.feature_names.len(),
                actual: x.n_cols(),
            });
        }
        x.check_finite(&self.feature_names)?;

        let mut scaled = x.clone();
        for r in 0..scaled.n_rows() {
            for (j, value) in scaled.row_mut(r).iter_mut().enumerate() {
                *value = (*value - self.mean[j]) / self.scale[j];
            }
        }
        Ok(scaled)
    }

    /// The fitted column names, in fit order.
    pub fn feature_names(&self) -> &[String] {
        &self.feature_names
    }

    /// Per-column means.
    pub fn mean(&self) -> &[f64] {
        &self.mean
    }

    /// Per-column population variances.
    pub fn var(&self) -> &[f64] {
        &self.var
    }

    /// Per-column divisors: the standard deviation, or 1 for a constant column.
    pub fn scale(&self) -> &[f64] {
        &self.scale
    }

    /// Number of rows the statistics were computed on.
    pub fn n_samples_seen(&self) -> usize {
        self.n_samples_seen
    }

    fn map_columns(&self, df: &DataFrame, f: impl Fn(f64, f64, f64) -> f64) -> Result<DataFrame> {
        let mut out = df.clone();
        for (j, name) in self.feature_names.iter().enumerate() {
            let values = float_values(df, name)?;
            let mapped: Vec<f64> =
                values.into_iter().map(|v| f(v, self.mean[j], self.scale[j])).collect();
            out.with_column(Column::new(name.as_str().into(), mapped))
                .map_err(MlError::polars(format!("replacing column `{name}`")))?;
        }
        Ok(out)
    }
}

/// Rejects an empty list and repeated names.
fn check_names(names: &[String]) -> Result<()> {
    if names.is_empty() {
        return Err(MlError::EmptyInput { what: "the list of columns to scale" });
    }
    for (i, name) in names.iter().enumerate() {
        if names[..i].contains(name) {
            return Err(MlError::InvalidParameter {
                name: "columns",
                reason: format!("column `{name}` is listed twice"),
            });
        }
    }
    Ok(())
}

/// Mean and population variance by two passes, with the second pass corrected by the sum of
/// deviations (which is zero in exact arithmetic and absorbs the mean's rounding error).
fn mean_and_variance(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;

    let (squares, deviations) = values.iter().fold((0.0, 0.0), |(squares, deviations), v| {
        let d = v - mean;
        (squares + d * d, deviations + d)
    });
    let var = ((squares - deviations * deviations / n) / n).max(0.0);
    (mean, var)
}

/// The divisor for one column: its standard deviation, or 1 when the variance is zero or no
/// larger than the error bound of computing it for `n` values around `mean`.
fn scale_for(mean: f64, var: f64, n: usize) -> f64 {
    let n = n as f64;
    let eps = f64::EPSILON;
    let rounding_bound = n * eps * var + (n * mean * eps).powi(2);
    if var <= rounding_bound { 1.0 } else { var.sqrt() }
}

#[cfg(test)]
mod tests {
    use polars::df;

    use super::*;

    fn table() -> DataFrame {
        df!(
            "x" => [1.0, 2.0, 3.0, 4.0],
            "n" => [2i32, 2, 2, 2],
            "label" => ["a", "b", "a", "b"],
        )
        .unwrap()
    }

    #[test]
    fn population_statistics_and_unit_scale_for_constants() {
        let scaler = StandardScaler::fit(&table(), &["x", "n"]).unwrap();

        // mean 2.5, population variance ((1.5^2 + 0.5^2) * 2) / 4 = 1.25.
        assert_eq!(scaler.mean(), &[2.5, 2.0]);
        assert_eq!(scaler.var(), &[1.25, 0.0]);
        assert_eq!(scaler.scale(), &[1.25f64.sqrt(), 1.0]);
        assert_eq!(scaler.n_samples_seen(), 4);
        assert_eq!(scaler.feature_names(), ["x", "n"]);
    }

    #[test]
    fn transform_replaces_only_fitted_columns_in_place() {
        let scaler = StandardScaler::fit(&table(), &["n"]).unwrap();

        let out = scaler.transform(&table()).unwrap();

        assert_eq!(crate::matrix::column_names(&out), ["x", "n", "label"]);
        assert_eq!(float_values(&out, "n").unwrap(), vec![0.0; 4]);
        assert_eq!(out.column("x").unwrap(), table().column("x").unwrap());
        assert_eq!(out.column("label").unwrap(), table().column("label").unwrap());
    }

    #[test]
    fn inverse_transform_restores_values() {
        let (scaler, scaled) = StandardScaler::fit_transform(&table(), &["x"]).unwrap();

        let back = scaler.inverse_transform(&scaled).unwrap();

        let restored = float_values(&back, "x").unwrap();
        for (got, want) in restored.iter().zip([1.0, 2.0, 3.0, 4.0]) {
            assert!((got - want).abs() < 1e-12, "{got} vs {want}");
        }
    }

    #[test]
    fn matrix_transform_matches_dataframe_transform() {
        let scaler = StandardScaler::fit(&table(), &["x"]).unwrap();
        let x = Matrix::from_columns(&table(), &["x"]).unwrap();

        let scaled = scaler.transform_matrix(&x).unwrap();

        let via_frame = float_values(&scaler.transform(&table()).unwrap(), "x").unwrap();
        assert_eq!(scaled.column(0), via_frame);
        assert!(matches!(
            scaler.transform_matrix(&Matrix::zeros(1, 2)),
            Err(MlError::FeatureCountMismatch { expected: 1, actual: 2 })
        ));
    }

    #[test]
    fn fit_errors_name_the_problem() {
        let unknown = StandardScaler::fit(&table(), &["y"]).unwrap_err();
        let text = StandardScaler::fit(&table(), &["label"]).unwrap_err();
        let twice = StandardScaler::fit(&table(), &["x", "x"]).unwrap_err();
        let none = StandardScaler::fit::<&str>(&table(), &[]).unwrap_err();

        assert!(matches!(unknown, MlError::UnknownColumn { ref name, .. } if name == "y"));
        assert!(matches!(text, MlError::UnsupportedDtype { ref column, .. } if column == "label"));
        assert!(matches!(twice, MlError::InvalidParameter { name: "columns", .. }));
        assert!(matches!(none, MlError::EmptyInput { .. }));
    }

    #[test]
    fn transform_rejects_missing_values() {
        let scaler = StandardScaler::fit(&table(), &["x"]).unwrap();
        let with_null = df!("x" => [Some(1.0), None, None]).unwrap();
        let with_nan = df!("x" => [1.0, f64::NAN]).unwrap();

        let nulls = scaler.transform(&with_null).unwrap_err();
        let nan = scaler.transform(&with_nan).unwrap_err();

        assert_eq!(nulls.to_string(), "column `x` holds 2 null value(s)");
        assert_eq!(nan.to_string(), "column `x` holds 1 NaN or infinite value(s)");
    }

    #[test]
    fn json_round_trip_keeps_the_scaler() {
        let scaler = StandardScaler::fit(&table(), &["x", "n"]).unwrap();

        let json = serde_json::to_string(&scaler).unwrap();
        let back: StandardScaler = serde_json::from_str(&json).unwrap();

        assert_eq!(back, scaler);
        assert_eq!(back.transform(&table()).unwrap(), scaler.transform(&table()).unwrap());
    }
}
