//! What every classifier does the same way once it has class probabilities: pick the most
//! probable class, and hand predictions and probabilities over as Polars columns
//! (`prediction`, `proba_<class code>`).

use polars::prelude::{Column, DataFrame};

use crate::Result;
use crate::matrix::Matrix;

/// Index of the largest value, the first one on a tie.
pub(crate) fn argmax(values: &[f64]) -> usize {
    let mut best = 0;
    for (i, v) in values.iter().enumerate() {
        if *v > values[best] {
            best = i;
        }
    }
    best
}

/// Class codes as the `UInt32` column `prediction`.
pub(crate) fn prediction_column(codes: Vec<usize>) -> Column {
    let codes: Vec<u32> = codes
        .into_iter()
        .map(|code| u32::try_from(code).expect("fit rejects class codes beyond UInt32"))
        .collect();
    Column::new("prediction".into(), codes)
}

/// Probabilities (one column per class, in `classes` order) as `Float64` columns
/// `proba_<class code>`.
pub(crate) fn proba_frame(proba: &Matrix, classes: &[usize]) -> Result<DataFrame> {
    let names: Vec<String> = classes.iter().map(|class| format!("proba_{class}")).collect();
    proba.to_dataframe(&names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argmax_takes_the_first_of_ties() {
        assert_eq!(argmax(&[0.2, 0.5, 0.5]), 1);
        assert_eq!(argmax(&[1.0]), 0);
    }

    #[test]
    fn probabilities_are_named_after_class_codes() {
        let proba = Matrix::from_rows(&[[0.25, 0.75]]).unwrap();
        let frame = proba_frame(&proba, &[0, 3]).unwrap();
        let names: Vec<&str> = frame.get_column_names().iter().map(|n| n.as_str()).collect();
        assert_eq!(names, ["proba_0", "proba_3"]);
        assert_eq!(prediction_column(vec![3]).u32().unwrap().get(0), Some(3));
    }
}
