//! Ensembles of decision trees: [`RandomForestClassifier`] and [`RandomForestRegressor`], with
//! scikit-learn's parameters and semantics.
//!
//! Features are binned once per fit (at most 256 bins each, exact when a feature has that few
//! distinct values), and every tree is grown from histograms of those bins, in parallel with
//! rayon. Each tree draws its bootstrap sample and its per-split feature order from its own
//! `ChaCha20` stream derived from `random_state`, so a seed gives the same forest, bit for bit,
//! with any number of threads; the exact scheme is in the docs of the private `forest` module:
//! key = the seed's 8 little-endian bytes and 24 zero bytes, stream = tree index + 1.
//!
//! # Why weir's own code
//! Checked before writing this: linfa-trees 0.8 fits single decision trees only (no forest),
//! and smartcore 0.5's `RandomForestClassifier` rescans every row at each split on one
//! thread (58 s for one full-depth tree on 200,000 rows) and has no `predict_proba` or
//! importances. A forest that meets weir's bars (parallel, seeded per tree, probabilities,
//! importances, flat serde trees) had to be written.
//!
//! # Example
//!
//! ```
//! use weir_ml::Matrix;
//! use weir_ml::ensemble::{RandomForestClassifier, RandomForestClassifierParams};
//!
//! let x = Matrix::from_rows(&[[1.0, 0.0], [2.0, 1.0], [8.0, 0.0], [9.0, 1.0]])?;
//! let params = RandomForestClassifierParams { n_estimators: 10, ..Default::default() };
//! let forest = RandomForestClassifier::new(params).fit(&x, &[0, 0, 1, 1])?;
//!
//! assert_eq!(forest.predict(&x)?, [0, 0, 1, 1]);
//! assert_eq!(forest.predict_proba(&x)?.shape(), (4, 2));
//! # Ok::<(), weir_ml::MlError>(())
//! ```
//!
//! # Limitations
//! Gradient boosting lives in [`crate::boosting`]. No extra trees, out-of-bag scores or sample weights yet. Results match
//! scikit-learn's in distribution, not draw for draw: the random streams differ.

mod classifier;
mod forest;
mod regressor;

pub use classifier::{
    Criterion, FittedRandomForestClassifier, ForestClassWeight, RandomForestClassifier,
    RandomForestClassifierParams,
};
pub use forest::{FeatureRule, MaxFeatures};

pub(crate) use classifier::encode_classes;
pub(crate) use forest::{
    check_predict_input, check_training_data, in_pool, invalid, predict_chunk, tree_rng,
};
pub use regressor::{
    FittedRandomForestRegressor, RandomForestRegressor, RandomForestRegressorParams,
};
