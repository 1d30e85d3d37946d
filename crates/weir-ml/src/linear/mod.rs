//! Linear models: [`LogisticRegression`] for classification, fitted with weir's own L-BFGS
//! solver ([`crate::optim`]), and [`LinearRegression`] / [`Ridge`] for regression, solved in
//! closed form by a Householder QR factorisation.
//!
//! # Why weir's own code
//! linfa-linear 0.8 solves ordinary least squares (and linfa-elasticnet ridge-like penalties),
//! but on ndarray 0.16 while Polars uses 0.17, so every fit would copy the data across two
//! ndarray versions, and its fitted types would not share weir's serde shape (feature names,
//! `MessagePack` artefacts). A QR solve of a few dozen columns is about a hundred lines, so weir
//! keeps it here, checked against scikit-learn (`tests/fixtures/linear.json`).
//!
//! # Limitations
//! No lasso, elastic net, sample weights or multi-output regression.

mod logistic;
mod loss;
mod regression;

pub use logistic::{
    ClassWeight, FittedLogisticRegression, LogisticRegression, LogisticRegressionParams,
};
pub use regression::{
    FittedLinearRegression, LinearRegression, LinearRegressionParams, Ridge, RidgeParams,
};

pub(crate) use logistic::{default_names, labelled_features};
