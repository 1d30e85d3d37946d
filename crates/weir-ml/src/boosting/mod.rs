//! Gradient boosting on histogram-binned features:
//! [`HistGradientBoostingClassifier`], with scikit-learn's parameters and semantics
//! (binary log-loss, multiclass softmax, leaf-wise trees limited by `max_leaf_nodes` and
//! `max_depth`, `min_samples_leaf`, `l2_regularization`, up to 255 bins per feature).
//!
//! Features are binned once with the random forests' binning ([`crate::tree`]): a feature with
//! at most `max_bins` distinct values gets one bin per value, otherwise bins are cut at
//! quantiles, computed on a seeded sample of 200,000 rows when there are more (as
//! scikit-learn does). Trees are [`Tree`](crate::tree::Tree)s with one value per leaf, so
//! prediction walks raw feature values like the forests do.
//!
//! # Reproducibility
//! A fit is a fixed sequence of sums: histograms are built one feature per rayon task, each
//! over the node's rows in one order, and nothing else runs in parallel, so a given seed gives
//! the same model, bit for bit, with any number of threads. Without more than 200,000 rows the
//! seed is not used at all (scikit-learn's fit is deterministic then too).
//!
//! # Why weir's own code
//! Checked before writing this: smartcore 0.5's `ensemble` module has random forests only, and
//! linfa-trees 0.8 fits single decision trees; neither has histogram gradient boosting.
//! forust-ml has binary log-loss and squared loss only (no softmax) and its package lacks a
//! license field; perpetual's stable 2.x releases need a nightly compiler. Sharing the
//! forests' binning and flat trees keeps one artefact format and one prediction path.
//!
//! # Limitations
//! No early stopping: every fit runs `max_iter` iterations, where scikit-learn's default
//! `early_stopping="auto"` holds out 10 % of the rows and stops after 10 iterations without
//! improvement on tables over 10,000 rows. Compare with scikit-learn's `early_stopping=False`.
//! No regressor, missing values, categorical features, monotonic or interaction constraints,
//! class or sample weights, or feature importances. Ties between equally good splits go to the
//! lower feature and bin, which may differ from scikit-learn's choice, so models agree in
//! quality, not split for split.
//!
//! # Example
//!
//! ```
//! use weir_ml::Matrix;
//! use weir_ml::boosting::{HistGradientBoostingClassifier, HistGradientBoostingClassifierParams};
//!
//! let rows: Vec<[f64; 2]> = (0..60).map(|i| [f64::from(i), f64::from(i % 7)]).collect();
//! let x = Matrix::from_rows(&rows)?;
//! let y: Vec<usize> = (0..60).map(|i| usize::from(i >= 30)).collect();
//! let params = HistGradientBoostingClassifierParams { min_samples_leaf: 5, ..Default::default() };
//! let model = HistGradientBoostingClassifier::new(params).fit(&x, &y)?;
//!
//! assert_eq!(model.predict(&x)?, y);
//! assert_eq!(model.predict_proba(&x)?.shape(), (60, 2));
//! # Ok::<(), weir_ml::MlError>(())
//! ```

mod classifier;
mod grower;

pub use classifier::{
    FittedHistGradientBoostingClassifier, HistGradientBoostingClassifier,
    HistGradientBoostingClassifierParams,
};
