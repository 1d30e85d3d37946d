//! Unconstrained smooth minimisation: a limited-memory BFGS solver ([`minimize`]) written for
//! weir-ml's models.
//!
//! The search direction comes from the classic two-loop recursion over the last `memory`
//! correction pairs, scaled by `s·y / y·y` of the newest pair. The step length comes from a
//! bracketing line search for the weak Wolfe conditions (sufficient decrease with `c1 = 1e-4`,
//! curvature with `c2 = 0.9`): the step doubles until the curvature condition holds, and once a
//! too-long step is known the bracket shrinks by safeguarded quadratic interpolation. The first
//! trial step is 1 (the quasi-Newton step), or `1 / max|g|` on the first iteration where no
//! curvature is known yet.
//!
//! It stops when the largest gradient component is at most the tolerance, when an iteration
//! lowers the objective by less than `64 ε` relative to its size (nothing more can be gained in
//! `f64`), after `max_iter` iterations, or when the line search cannot find a strictly lower
//! point.
//!
//! # Limitations
//! No bounds (this is L-BFGS, not L-BFGS-B) and no sparse vectors; the objective is called
//! serially, though it may parallelise internally.

/// Settings of [`minimize`].
#[derive(Debug, Clone, PartialEq)]
pub struct LbfgsOptions {
    /// Correction pairs kept for the Hessian approximation.
    pub memory: usize,
    /// Iterations (direction plus line search) before giving up.
    pub max_iter: usize,
    /// Stop once every gradient component is at most this in absolute value.
    pub gradient_tolerance: f64,
    /// Objective evaluations allowed in one line search.
    pub max_line_search_steps: usize,
}

impl Default for LbfgsOptions {
    fn default() -> Self {
        LbfgsOptions {
            memory: 10,
            max_iter: 1000,
            gradient_tolerance: 1e-8,
            max_line_search_steps: 50,
        }
    }
}

/// Why [`minimize`] stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LbfgsStatus {
    /// The gradient fell within the tolerance.
    GradientTolerance,
    /// The objective stopped decreasing beyond `f64` rounding.
    NoFurtherProgress,
    /// `max_iter` iterations ran out first.
    MaxIterations,
    /// The line search found no acceptable step (the objective or gradient may be wrong).
    LineSearchFailed,
}

impl LbfgsStatus {
    /// Whether the point returned is a minimum to the precision asked for or to `f64` precision.
    pub fn is_converged(self) -> bool {
        matches!(self, LbfgsStatus::GradientTolerance | LbfgsStatus::NoFurtherProgress)
    }
}

/// What [`minimize`] found.
#[derive(Debug, Clone, PartialEq)]
pub struct LbfgsResult {
    /// The best point.
    pub x: Vec<f64>,
    /// The objective there.
    pub value: f64,
    /// The largest absolute gradient component there.
    pub gradient_norm: f64,
    /// Iterations run.
    pub n_iter: usize,
    /// Why it stopped.
    pub status: LbfgsStatus,
}

/// Relative decrease below which another iteration is pointless (scipy's `factr` idea).
const NO_PROGRESS: f64 = 64.0 * f64::EPSILON;

/// Minimises `objective` from `x0`. The objective writes the gradient at `x` into its second
/// argument and returns the value.
pub fn minimize<F>(mut objective: F, x0: Vec<f64>, options: &LbfgsOptions) -> LbfgsResult
where
    F: FnMut(&[f64], &mut [f64]) -> f64,
{
    let mut x = x0;
    let mut gradient = vec![0.0; x.len()];
    let mut value = objective(&x, &mut gradient);
    let mut memory = CorrectionPairs::new(options.memory.max(1));

    let mut status = LbfgsStatus::MaxIterations;
    let mut n_iter = 0;
    while n_iter < options.max_iter {
        if max_abs(&gradient) <= options.gradient_tolerance {
            status = LbfgsStatus::GradientTolerance;
            break;
        }
        n_iter += 1;

        let mut direction = memory.direction(&gradient);
        let mut slope = dot(&direction, &gradient);
        if slope >= 0.0 {
            // The approximation lost positive definiteness: restart from steepest descent.
            memory.clear();
            direction = gradient.iter().map(|g| -g).collect();
            slope = -dot(&gradient, &gradient);
        }
        let first_step = if memory.is_empty() { 1.0 / max_abs(&gradient) } else { 1.0 };

        let start = Point { x: &x, value, slope };
        let Some(step) = line_search(
            &mut objective,
            &start,
            &direction,
            first_step,
            options.max_line_search_steps,
        ) else {
            status = LbfgsStatus::LineSearchFailed;
            break;
        };

        let s: Vec<f64> = step.x.iter().zip(&x).map(|(new, old)| new - old).collect();
        let y: Vec<f64> = step.gradient.iter().zip(&gradient).map(|(new, old)| new - old).collect();
        memory.push(s, y);

        let decrease = value - step.value;
        let size = value.abs().max(step.value.abs());
        x = step.x;
        gradient = step.gradient;
        value = step.value;
        if decrease <= NO_PROGRESS * size {
            status = if max_abs(&gradient) <= options.gradient_tolerance {
                LbfgsStatus::GradientTolerance
            } else {
                LbfgsStatus::NoFurtherProgress
            };
            break;
        }
    }
    if status == LbfgsStatus::MaxIterations && max_abs(&gradient) <= options.gradient_tolerance {
        status = LbfgsStatus::GradientTolerance;
    }

    LbfgsResult { gradient_norm: max_abs(&gradient), x, value, n_iter, status }
}

/// The last few `(s, y)` pairs: `s` the step taken, `y` the change in gradient along it.
struct CorrectionPairs {
    capacity: usize,
    pairs: std::collections::VecDeque<(Vec<f64>, Vec<f64>, f64)>,
}

impl CorrectionPairs {
    fn new(capacity: usize) -> Self {
        CorrectionPairs { capacity, pairs: std::collections::VecDeque::with_capacity(capacity) }
    }

    fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    fn clear(&mut self) {
        self.pairs.clear();
    }

    /// Stores a pair unless its curvature `s·y` is too small to keep the approximation positive
    /// definite.
    fn push(&mut self, s: Vec<f64>, y: Vec<f64>) {
        let sy = dot(&s, &y);
        if sy <= f64::EPSILON * dot(&y, &y) || sy <= 0.0 {
            return;
        }
        if self.pairs.len() == self.capacity {
            self.pairs.pop_front();
        }
        self.pairs.push_back((s, y, 1.0 / sy));
    }

    /// `-H g` by the two-loop recursion.
    fn direction(&self, gradient: &[f64]) -> Vec<f64> {
        let mut q: Vec<f64> = gradient.to_vec();
        let mut alphas = Vec::with_capacity(self.pairs.len());
        for (s, y, rho) in self.pairs.iter().rev() {
            let alpha = rho * dot(s, &q);
            axpy(-alpha, y, &mut q);
            alphas.push(alpha);
        }

        let gamma = self.pairs.back().map_or(1.0, |(_, y, rho)| 1.0 / (rho * dot(y, y)));
        for v in &mut q {
            *v *= gamma;
        }

        for ((s, y, rho), alpha) in self.pairs.iter().zip(alphas.into_iter().rev()) {
            let beta = rho * dot(y, &q);
            axpy(alpha - beta, s, &mut q);
        }
        for v in &mut q {
            *v = -*v;
        }
        q
    }
}

/// Where a line search starts: the point, its value, and the slope along the search direction.
struct Point<'a> {
    x: &'a [f64],
    value: f64,
    slope: f64,
}

/// An accepted step: the new point with its value and gradient.
struct Step {
    x: Vec<f64>,
    value: f64,
    gradient: Vec<f64>,
}

/// Finds a step length along `direction` meeting the weak Wolfe conditions; see the module docs.
/// Falls back to the best point with sufficient decrease when the curvature condition is never
/// met, and returns `None` when no trial lowered the objective enough.
fn line_search<F>(
    objective: &mut F,
    start: &Point<'_>,
    direction: &[f64],
    first_step: f64,
    max_steps: usize,
) -> Option<Step>
where
    F: FnMut(&[f64], &mut [f64]) -> f64,
{
    const SUFFICIENT_DECREASE: f64 = 1e-4;
    const CURVATURE: f64 = 0.9;

    // `low` always satisfies sufficient decrease; `high` (once finite) does not.
    let (mut low, mut low_value, mut low_slope) = (0.0, start.value, start.slope);
    let mut high = f64::INFINITY;
    let mut high_value = f64::INFINITY;
    let mut best: Option<Step> = None;
    let mut t = first_step;

    for _ in 0..max_steps {
        let x: Vec<f64> = start.x.iter().zip(direction).map(|(xi, di)| xi + t * di).collect();
        let mut gradient = vec![0.0; x.len()];
        let value = objective(&x, &mut gradient);
        let slope = dot(&gradient, direction);

        // Strictly below, so that a step too small to move the value is never accepted;
        // NaN fails this test too.
        let decreased = value < start.value + SUFFICIENT_DECREASE * t * start.slope;
        if !decreased {
            high = t;
            high_value = value;
        } else if slope < CURVATURE * start.slope {
            (low, low_value, low_slope) = (t, value, slope);
            best = Some(Step { x, value, gradient });
        } else {
            return Some(Step { x, value, gradient });
        }

        t = if high.is_finite() {
            interpolate(low, low_value, low_slope, high, high_value)
        } else {
            2.0 * t
        };
    }
    best
}

/// The minimiser of the quadratic through `(low, f_low)` with slope `d_low` and `(high,
/// f_high)`, kept within the middle 80% of the bracket (bisection when `f_high` is not finite).
fn interpolate(low: f64, f_low: f64, d_low: f64, high: f64, f_high: f64) -> f64 {
    let width = high - low;
    let curvature = f_high - f_low - d_low * width;
    let guess = if f_high.is_finite() && curvature > 0.0 {
        low - d_low * width * width / (2.0 * curvature)
    } else {
        low + 0.5 * width
    };
    guess.clamp(low + 0.1 * width, high - 0.1 * width)
}

pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn axpy(alpha: f64, x: &[f64], y: &mut [f64]) {
    y.iter_mut().zip(x).for_each(|(yi, xi)| *yi += alpha * xi);
}

fn max_abs(values: &[f64]) -> f64 {
    values.iter().fold(0.0, |m, v| m.max(v.abs()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rosenbrock's banana function, minimum 0 at (1, 1).
    fn rosenbrock(x: &[f64], g: &mut [f64]) -> f64 {
        let (a, b) = (x[0], x[1]);
        g[0] = -2.0 * (1.0 - a) - 400.0 * a * (b - a * a);
        g[1] = 200.0 * (b - a * a);
        (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2)
    }

    #[test]
    fn finds_the_rosenbrock_minimum() {
        let result = minimize(rosenbrock, vec![-1.2, 1.0], &LbfgsOptions::default());

        assert!(result.status.is_converged(), "{result:?}");
        assert!((result.x[0] - 1.0).abs() < 1e-6, "{result:?}");
        assert!((result.x[1] - 1.0).abs() < 1e-6, "{result:?}");
    }

    #[test]
    fn solves_an_ill_conditioned_quadratic_exactly() {
        // f(x) = sum_i (i + 1)^3 (x_i - i)^2 / 2, minimum at x_i = i.
        let n = 20;
        let f = |x: &[f64], g: &mut [f64]| {
            let mut value = 0.0;
            for i in 0..x.len() {
                let weight = ((i + 1) as f64).powi(3);
                let d = x[i] - i as f64;
                g[i] = weight * d;
                value += 0.5 * weight * d * d;
            }
            value
        };
        let options = LbfgsOptions { gradient_tolerance: 1e-10, ..LbfgsOptions::default() };

        let result = minimize(f, vec![0.0; n], &options);

        assert_eq!(result.status, LbfgsStatus::GradientTolerance, "{result:?}");
        for (i, xi) in result.x.iter().enumerate() {
            assert!((xi - i as f64).abs() < 1e-9, "x[{i}] = {xi}");
        }
    }

    #[test]
    fn starting_at_the_minimum_takes_no_iteration() {
        let result = minimize(rosenbrock, vec![1.0, 1.0], &LbfgsOptions::default());

        assert_eq!(result.n_iter, 0);
        assert_eq!(result.status, LbfgsStatus::GradientTolerance);
    }

    #[test]
    fn iteration_budget_is_respected() {
        let options = LbfgsOptions { max_iter: 3, ..LbfgsOptions::default() };

        let result = minimize(rosenbrock, vec![-1.2, 1.0], &options);

        assert_eq!(result.n_iter, 3);
        assert_eq!(result.status, LbfgsStatus::MaxIterations);
    }

    #[test]
    fn a_wrong_gradient_makes_the_line_search_fail_not_loop() {
        // The gradient points uphill, so no step along -g lowers the value.
        let wrong = |x: &[f64], g: &mut [f64]| {
            g[0] = -2.0 * x[0];
            x[0] * x[0]
        };

        let result = minimize(wrong, vec![3.0], &LbfgsOptions::default());

        assert_eq!(result.status, LbfgsStatus::LineSearchFailed);
        assert_eq!(result.x, vec![3.0]);
    }
}
