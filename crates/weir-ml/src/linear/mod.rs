//! Linear models: [`LogisticRegression`] for classification, fitted with weir's own L-BFGS
//! solver ([`crate::optim`]).
//!
//! # Limitations
//! No linear or ridge regression yet; they would reuse the solver and the matrix helpers.

mod logistic;
mod loss;

pub use logistic::{
    ClassWeight, FittedLogisticRegression, LogisticRegression, LogisticRegressionParams,
};

pub(crate) use logistic::{default_names, labelled_features};
