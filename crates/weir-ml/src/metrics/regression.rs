//! Regression metrics with scikit-learn's definitions: [`mean_absolute_error`],
//! [`root_mean_squared_error`], [`mean_absolute_percentage_error`] and [`r2_score`].
//!
//! # Limitations
//! One output column and no sample weights.

use crate::error::{MlError, Result};

/// Mean of `|y_true - y_pred|`.
pub fn mean_absolute_error(y_true: &[f64], y_pred: &[f64]) -> Result<f64> {
    check(y_true, y_pred)?;
    Ok(mean(y_true.iter().zip(y_pred).map(|(t, p)| (t - p).abs())))
}

/// Square root of the mean of `(y_true - y_pred)^2`.
pub fn root_mean_squared_error(y_true: &[f64], y_pred: &[f64]) -> Result<f64> {
    check(y_true, y_pred)?;
    Ok(mean(y_true.iter().zip(y_pred).map(|(t, p)| (t - p) * (t - p))).sqrt())
}

/// Mean of `|y_true - y_pred| / max(|y_true|, eps)`, a fraction (not per cent); a zero truth
/// gives a huge term rather than an error, as in scikit-learn.
pub fn mean_absolute_percentage_error(y_true: &[f64], y_pred: &[f64]) -> Result<f64> {
    check(y_true, y_pred)?;
    Ok(mean(y_true.iter().zip(y_pred).map(|(t, p)| (t - p).abs() / t.abs().max(f64::EPSILON))))
}

/// The coefficient of determination `1 - SS_res / SS_tot`. A constant truth scores 1 when the
/// predictions are exact and 0 otherwise, scikit-learn's `force_finite` convention.
pub fn r2_score(y_true: &[f64], y_pred: &[f64]) -> Result<f64> {
    check(y_true, y_pred)?;
    let average = mean(y_true.iter().copied());
    let residual: f64 = y_true.iter().zip(y_pred).map(|(t, p)| (t - p) * (t - p)).sum();
    let total: f64 = y_true.iter().map(|t| (t - average) * (t - average)).sum();
    if total == 0.0 {
        return Ok(if residual == 0.0 { 1.0 } else { 0.0 });
    }
    Ok(1.0 - residual / total)
}

fn mean(values: impl ExactSizeIterator<Item = f64>) -> f64 {
    let n = values.len() as f64;
    values.sum::<f64>() / n
}

fn check(y_true: &[f64], y_pred: &[f64]) -> Result<()> {
    if y_true.is_empty() {
        return Err(MlError::EmptyInput { what: "the list of true values" });
    }
    if y_true.len() != y_pred.len() {
        return Err(MlError::LengthMismatch {
            left: "the true values",
            left_len: y_true.len(),
            right: "the predicted values",
            right_len: y_pred.len(),
        });
    }
    for (what, values) in [("the true values", y_true), ("the predicted values", y_pred)] {
        let count = values.iter().filter(|v| !v.is_finite()).count();
        if count > 0 {
            return Err(MlError::NonFiniteValues { column: what.to_owned(), count });
        }
    }
    Ok(())
}

#[cfg(test)]
#[expect(clippy::float_cmp, reason = "the compared values are exact")]
mod tests {
    use super::*;

    #[test]
    fn constant_truth_follows_force_finite() {
        assert_eq!(r2_score(&[2.0, 2.0], &[2.0, 2.0]).unwrap(), 1.0);
        assert_eq!(r2_score(&[2.0, 2.0], &[1.0, 2.0]).unwrap(), 0.0);
    }

    #[test]
    fn hand_computed_errors() {
        let y_true = [1.0, 2.0, 4.0];
        let y_pred = [2.0, 2.0, 1.0];

        assert_eq!(mean_absolute_error(&y_true, &y_pred).unwrap(), 4.0 / 3.0);
        assert_eq!(root_mean_squared_error(&y_true, &y_pred).unwrap(), (10.0f64 / 3.0).sqrt());
        assert_eq!(mean_absolute_percentage_error(&y_true, &y_pred).unwrap(), (1.0 + 0.75) / 3.0);
    }

    #[test]
    fn bad_input_is_rejected() {
        assert!(r2_score(&[], &[]).is_err());
        assert!(mean_absolute_error(&[1.0], &[1.0, 2.0]).is_err());
        assert!(root_mean_squared_error(&[f64::NAN], &[1.0]).is_err());
    }
}
