//! Decision trees, the building block of [`crate::ensemble`] and [`crate::boosting`]: [`Tree`]
//! is a fitted tree in flat arrays; the crate-private builder grows one from histogram-binned
//! features for the forests (gradient boosting has its own grower over the same bins).
//!
//! There is no stand-alone `DecisionTreeClassifier` yet (a forest of one tree without
//! bootstrap and with every feature per split is one).
//!
//! # Limitations
//! Features are binned into at most 256 bins, so on features with more distinct values split
//! thresholds are restricted to quantile cut points. No missing values, no sparse input.

mod binning;
mod builder;
mod model;

pub(crate) use binning::BinnedFeatures;
pub(crate) use builder::{GrownTree, Impurity, Targets, TreeSettings, grow};
pub use model::Tree;
