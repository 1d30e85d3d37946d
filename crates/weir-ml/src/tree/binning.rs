//! [`BinnedFeatures`]: every feature column cut once into at most 256 ordered bins and stored as
//! `u8` codes, so that tree building works on small integer histograms instead of sorting
//! floats at every node.
//!
//! A feature with at most 256 distinct values gets one bin per value, which makes split search
//! exact: every threshold scikit-learn could choose is available. A feature with more distinct
//! values is cut at (up to) 255 quantiles of its training values; thresholds can then only fall
//! between those cut points.
//!
//! Each bin remembers the smallest and largest training value that fell into it, so a split
//! between two occupied bins gets the threshold halfway between the largest value on the left
//! and the smallest on the right, as scikit-learn's does.
//!
//! # Limitations
//! Codes are computed for the training rows only; prediction compares raw values with the
//! thresholds and never bins. Values must be finite (the callers check).

use crate::matrix::Matrix;

/// The largest number of bins per feature, so that a code fits in a `u8`.
pub(crate) const MAX_BINS: usize = 256;

/// The bin codes of a training matrix, column by column, and what each bin holds.
#[derive(Debug, Clone)]
pub(crate) struct BinnedFeatures {
    n_rows: usize,
    /// Column-major codes: feature `f` of row `r` is `codes[f * n_rows + r]`.
    codes: Vec<u8>,
    /// Per feature, the smallest training value of each bin.
    bin_min: Vec<Vec<f64>>,
    /// Per feature, the largest training value of each bin.
    bin_max: Vec<Vec<f64>>,
}

impl BinnedFeatures {
    /// Bins every column of `x`, which must hold finite values only.
    pub(crate) fn new(x: &Matrix) -> Self {
        Self::with_max_bins(x, MAX_BINS, None)
    }

    /// Bins every column of `x` into at most `max_bins` (2 to 256) bins. When `sample` is given,
    /// the cut points come from those rows only (as scikit-learn's histogram boosting does on
    /// large data); every row is still coded and counted in its bin's value range.
    pub(crate) fn with_max_bins(x: &Matrix, max_bins: usize, sample: Option<&[usize]>) -> Self {
        debug_assert!((2..=MAX_BINS).contains(&max_bins));
        let n_rows = x.n_rows();
        let mut codes = Vec::with_capacity(n_rows * x.n_cols());
        let mut bin_min = Vec::with_capacity(x.n_cols());
        let mut bin_max = Vec::with_capacity(x.n_cols());

        for j in 0..x.n_cols() {
            let column = x.column(j);
            let edges = match sample {
                None => bin_edges(&column, max_bins),
                Some(rows) => {
                    let values: Vec<f64> = rows.iter().map(|&r| column[r]).collect();
                    bin_edges(&values, max_bins)
                }
            };
            let mut lows = vec![f64::INFINITY; edges.len() + 1];
            let mut highs = vec![f64::NEG_INFINITY; edges.len() + 1];
            for &value in &column {
                let code = edges.partition_point(|edge| *edge < value);
                lows[code] = lows[code].min(value);
                highs[code] = highs[code].max(value);
                codes.push(u8::try_from(code).expect("at most 255 edges, so codes fit a u8"));
            }
            bin_min.push(lows);
            bin_max.push(highs);
        }
        BinnedFeatures { n_rows, codes, bin_min, bin_max }
    }

    /// Number of features.
    pub(crate) fn n_features(&self) -> usize {
        self.bin_min.len()
    }

    /// The codes of feature `f`, one per training row.
    pub(crate) fn feature(&self, f: usize) -> &[u8] {
        &self.codes[f * self.n_rows..(f + 1) * self.n_rows]
    }

    /// Number of bins of feature `f` (codes are below it).
    pub(crate) fn bin_count(&self, f: usize) -> usize {
        self.bin_min[f].len()
    }

    /// The threshold between occupied bins `left` < `right` of feature `f`: halfway between the
    /// largest value of `left` and the smallest of `right`, or the left value itself when the
    /// halfway point rounds onto the right value (scikit-learn's rule).
    pub(crate) fn threshold(&self, f: usize, left: u8, right: u8) -> f64 {
        let low = self.bin_max[f][usize::from(left)];
        let high = self.bin_min[f][usize::from(right)];
        let middle = low / 2.0 + high / 2.0;
        if middle >= high || !middle.is_finite() { low } else { middle }
    }
}

/// The upper edges of the bins of one column: bin `b` holds the values in
/// `(edges[b - 1], edges[b]]`, and the last bin everything above the last edge.
fn bin_edges(column: &[f64], max_bins: usize) -> Vec<f64> {
    let mut sorted = column.to_vec();
    sorted.sort_unstable_by(f64::total_cmp);
    let mut distinct = sorted.clone();
    distinct.dedup();

    if distinct.len() <= max_bins {
        // One bin per value; the largest value needs no edge of its own.
        distinct.pop();
        return distinct;
    }

    let mut edges: Vec<f64> =
        (1..max_bins).map(|k| sorted[k * sorted.len() / max_bins - 1]).collect();
    edges.dedup();
    if edges.last() == distinct.last() {
        edges.pop();
    }
    edges
}

#[cfg(test)]
#[expect(clippy::float_cmp, reason = "the compared values are exact")]
mod tests {
    use super::*;

    #[test]
    fn few_distinct_values_get_one_bin_each() {
        let x = Matrix::from_rows(&[[3.0], [1.0], [2.0], [3.0], [1.0]]).unwrap();

        let binned = BinnedFeatures::new(&x);

        assert_eq!(binned.feature(0), &[2, 0, 1, 2, 0]);
        assert_eq!(binned.threshold(0, 0, 1), 1.5);
        assert_eq!(binned.threshold(0, 0, 2), 2.0);
    }

    #[test]
    fn many_distinct_values_are_cut_at_quantiles() {
        let rows: Vec<[f64; 1]> = (0..1000).map(|i| [f64::from(i)]).collect();
        let x = Matrix::from_rows(&rows).unwrap();

        let binned = BinnedFeatures::new(&x);
        let codes = binned.feature(0);

        assert_eq!(codes[0], 0);
        assert_eq!(codes[999], 255);
        assert!(codes.windows(2).all(|pair| pair[0] <= pair[1]));
        // Values 0..=2 share the first bin (edge at sorted[1000/256 - 1] = 2).
        assert_eq!(&codes[..4], &[0, 0, 0, 1]);
        assert_eq!(binned.threshold(0, 0, 1), 2.5);
    }

    #[test]
    fn rounding_onto_the_right_value_keeps_the_left_value() {
        let low = 1.0f64;
        let high = f64::from_bits(low.to_bits() + 1);
        let x = Matrix::from_rows(&[[low], [high]]).unwrap();

        let binned = BinnedFeatures::new(&x);

        assert_eq!(binned.threshold(0, 0, 1), low);
    }
}
