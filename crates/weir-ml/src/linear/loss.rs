//! The penalised log-loss of logistic regression and its gradient, the objective that
//! [`crate::optim::minimize`] solves for [`super::LogisticRegression`].
//!
//! With `K` classes the parameters are `V` weight vectors (`V = 1` for two classes, one sigmoid
//! vector for the second class; `V = K` otherwise, a full softmax), each holding one weight per
//! feature followed by the intercept when there is one. The objective is
//!
//! ```text
//! f(W) = (1 / S) * (sum_i s_i * logloss_i(W) + ||W||^2 / (2 C))
//! ```
//!
//! where `s_i` are the sample weights, `S` their sum and the penalty leaves intercepts out. This
//! is scikit-learn's objective divided by `S`, which has the same minimiser and keeps gradients
//! of a size that does not depend on the number of rows.
//!
//! Rows are processed in fixed chunks whose partial sums are added in chunk order, so the
//! result is the same whatever the number of threads.

use rayon::prelude::*;

use crate::matrix::Matrix;

/// Rows per parallel chunk; fixed so that sums do not depend on the thread count.
const CHUNK_ROWS: usize = 4096;

/// Everything the objective needs besides the parameters.
pub(crate) struct LogLoss<'a> {
    pub(crate) x: &'a Matrix,
    /// Position of each row's label in the sorted classes.
    pub(crate) targets: &'a [usize],
    pub(crate) sample_weights: &'a [f64],
    pub(crate) n_classes: usize,
    pub(crate) fit_intercept: bool,
    /// `1 / (C * S)`.
    pub(crate) l2: f64,
    /// `S`, the sum of sample weights.
    pub(crate) weight_sum: f64,
}

impl LogLoss<'_> {
    /// Number of weight vectors: one for a binary problem, one per class otherwise.
    pub(crate) fn n_vectors(&self) -> usize {
        vectors_for(self.n_classes)
    }

    /// Parameters per vector: features plus the intercept.
    pub(crate) fn width(&self) -> usize {
        self.x.n_cols() + usize::from(self.fit_intercept)
    }

    /// Writes the gradient at `params` into `gradient` and returns the objective.
    pub(crate) fn evaluate(&self, params: &[f64], gradient: &mut [f64]) -> f64 {
        let n_rows = self.x.n_rows();
        let partials: Vec<(f64, Vec<f64>)> = (0..n_rows.div_ceil(CHUNK_ROWS))
            .into_par_iter()
            .map(|chunk| {
                let rows = chunk * CHUNK_ROWS..((chunk + 1) * CHUNK_ROWS).min(n_rows);
                self.chunk_loss(params, rows)
            })
            .collect();

        gradient.fill(0.0);
        let mut loss = 0.0;
        for (chunk_loss, chunk_gradient) in partials {
            loss += chunk_loss;
            gradient.iter_mut().zip(&chunk_gradient).for_each(|(g, c)| *g += c);
        }

        let scale = 1.0 / self.weight_sum;
        for g in gradient.iter_mut() {
            *g *= scale;
        }
        loss *= scale;

        let (penalty, width, n_features) = (self.l2, self.width(), self.x.n_cols());
        let mut squares = 0.0;
        for v in 0..self.n_vectors() {
            for j in 0..n_features {
                let w = params[v * width + j];
                squares += w * w;
                gradient[v * width + j] += penalty * w;
            }
        }
        loss + 0.5 * penalty * squares
    }

    /// Weighted log-loss and its gradient, summed over `rows`, without penalty or scaling.
    fn chunk_loss(&self, params: &[f64], rows: std::ops::Range<usize>) -> (f64, Vec<f64>) {
        let (n_vectors, width) = (self.n_vectors(), self.width());
        let mut gradient = vec![0.0; params.len()];
        let mut scores = vec![0.0; n_vectors];
        let mut loss = 0.0;

        for i in rows {
            let row = self.x.row(i);
            linear_scores(params, row, self.fit_intercept, &mut scores);
            let weight = self.sample_weights[i];
            let target = self.targets[i];

            // Turn the scores into d(loss)/d(score) in place, adding up the loss on the way.
            if n_vectors == 1 {
                let z = scores[0];
                let is_positive = target == 1;
                loss += weight * (softplus(z) - if is_positive { z } else { 0.0 });
                scores[0] = sigmoid(z) - if is_positive { 1.0 } else { 0.0 };
            } else {
                let log_norm = log_sum_exp(&scores);
                loss += weight * (log_norm - scores[target]);
                for (k, score) in scores.iter_mut().enumerate() {
                    *score = (*score - log_norm).exp() - if k == target { 1.0 } else { 0.0 };
                }
            }

            for (v, &d_score) in scores.iter().enumerate() {
                let step = weight * d_score;
                let block = &mut gradient[v * width..(v + 1) * width];
                block.iter_mut().zip(row).for_each(|(g, x)| *g += step * x);
                if self.fit_intercept {
                    block[width - 1] += step;
                }
            }
        }
        (loss, gradient)
    }
}

/// Weight vectors needed for `n_classes` classes.
pub(crate) fn vectors_for(n_classes: usize) -> usize {
    if n_classes == 2 { 1 } else { n_classes }
}

/// `w_v · x + b_v` for every vector `v` of the flat parameter layout.
pub(crate) fn linear_scores(params: &[f64], row: &[f64], fit_intercept: bool, out: &mut [f64]) {
    let width = row.len() + usize::from(fit_intercept);
    for (v, score) in out.iter_mut().enumerate() {
        let block = &params[v * width..(v + 1) * width];
        let linear: f64 = block.iter().zip(row).map(|(w, x)| w * x).sum();
        *score = if fit_intercept { linear + block[width - 1] } else { linear };
    }
}

/// `ln(1 + e^z)` without overflow.
pub(crate) fn softplus(z: f64) -> f64 {
    if z > 0.0 { z + (-z).exp().ln_1p() } else { z.exp().ln_1p() }
}

/// `1 / (1 + e^-z)` without overflow.
pub(crate) fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// `ln(sum_k e^{z_k})` shifted by the maximum so nothing overflows.
pub(crate) fn log_sum_exp(scores: &[f64]) -> f64 {
    let max = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    max + scores.iter().map(|z| (z - max).exp()).sum::<f64>().ln()
}

#[cfg(test)]
#[expect(clippy::float_cmp, reason = "the compared values are exact")]
mod tests {
    use super::*;

    fn problem(n_classes: usize) -> (Matrix, Vec<usize>, Vec<f64>) {
        let x = Matrix::from_rows(&[[0.5, -1.0], [1.5, 0.2], [-0.3, 0.8], [2.0, 1.0], [0.1, -0.4]])
            .unwrap();
        let targets: Vec<usize> = (0..5).map(|i| i % n_classes).collect();
        let weights = vec![1.0, 2.0, 0.5, 1.0, 1.5];
        (x, targets, weights)
    }

    /// The analytic gradient agrees with central finite differences.
    fn check_gradient(n_classes: usize, fit_intercept: bool) {
        let (x, targets, weights) = problem(n_classes);
        let weight_sum: f64 = weights.iter().sum();
        let loss = LogLoss {
            x: &x,
            targets: &targets,
            sample_weights: &weights,
            n_classes,
            fit_intercept,
            l2: 1.0 / (0.7 * weight_sum),
            weight_sum,
        };
        let n_params = loss.n_vectors() * loss.width();
        let params: Vec<f64> = (0..n_params).map(|i| 0.3 * (i as f64) - 0.5).collect();

        let mut gradient = vec![0.0; n_params];
        loss.evaluate(&params, &mut gradient);

        let mut scratch = vec![0.0; n_params];
        for p in 0..n_params {
            let h = 1e-6;
            let (mut up, mut down) = (params.clone(), params.clone());
            up[p] += h;
            down[p] -= h;
            let numeric =
                (loss.evaluate(&up, &mut scratch) - loss.evaluate(&down, &mut scratch)) / (2.0 * h);
            assert!(
                (numeric - gradient[p]).abs() < 1e-7,
                "param {p}: {numeric} vs {}",
                gradient[p]
            );
        }
    }

    #[test]
    fn binary_gradient_matches_finite_differences() {
        check_gradient(2, true);
        check_gradient(2, false);
    }

    #[test]
    fn multinomial_gradient_matches_finite_differences() {
        check_gradient(3, true);
        check_gradient(4, false);
    }

    #[test]
    fn binary_loss_at_zero_is_ln_2() {
        let (x, targets, weights) = problem(2);
        let loss = LogLoss {
            x: &x,
            targets: &targets,
            sample_weights: &weights,
            n_classes: 2,
            fit_intercept: true,
            l2: 1.0,
            weight_sum: weights.iter().sum(),
        };

        let value = loss.evaluate(&[0.0; 3], &mut [0.0; 3]);

        assert!((value - std::f64::consts::LN_2).abs() < 1e-15);
    }

    #[test]
    fn stable_helpers_survive_extreme_scores() {
        assert_eq!(softplus(1000.0), 1000.0);
        assert_eq!(softplus(-1000.0), 0.0);
        assert_eq!(sigmoid(-1000.0), 0.0);
        assert_eq!(sigmoid(1000.0), 1.0);
        assert!((log_sum_exp(&[1000.0, 1000.0]) - (1000.0 + std::f64::consts::LN_2)).abs() < 1e-12);
    }
}
