//! Machine-learning building blocks for weir nodes, working on Polars `DataFrame`s with
//! scikit-learn's semantics.
//!
//! The crate is laid out like scikit-learn, one module per family:
//!
//! | module | what lives there |
//! | --- | --- |
//! | [`matrix`] | [`Matrix`], a dense row-major `f64` matrix, and `DataFrame` ⇄ matrix helpers |
//! | [`preprocessing`] | [`StandardScaler`](preprocessing::StandardScaler), [`MinMaxScaler`](preprocessing::MinMaxScaler), [`SimpleImputer`](preprocessing::SimpleImputer), [`OneHotEncoder`](preprocessing::OneHotEncoder), [`OrdinalEncoder`](preprocessing::OrdinalEncoder), [`LabelEncoder`](preprocessing::LabelEncoder), [`ColumnTransformer`](preprocessing::ColumnTransformer) |
//! | [`linear`] | [`LogisticRegression`](linear::LogisticRegression) (binary and multinomial); regression by least squares solved in closed form, [`LinearRegression`](linear::LinearRegression) and [`Ridge`](linear::Ridge), both fitted into a [`FittedLinearRegression`](linear::FittedLinearRegression) |
//! | [`ensemble`] | [`RandomForestClassifier`](ensemble::RandomForestClassifier), [`RandomForestRegressor`](ensemble::RandomForestRegressor) |
//! | [`boosting`] | [`HistGradientBoostingClassifier`](boosting::HistGradientBoostingClassifier), gradient boosting on histogram-binned features (binary and multiclass) |
//! | [`tree`] | [`Tree`](tree::Tree), the fitted decision tree the forests are made of |
//! | [`metrics`] | accuracy, confusion matrix, per-class and averaged scores, `classification_report`, ROC AUC, log-loss; regression errors (MAE, MAPE, RMSE, R²) |
//! | [`model_selection`] | [`assign_split`](model_selection::assign_split), a seeded train/test split; k-fold and stratified folds, `cross_val_score`; hyper-parameter search over any [`ClassifierSpec`](estimator::ClassifierSpec): [`GridSearch`](model_selection::GridSearch), [`RandomizedSearch`](model_selection::RandomizedSearch), scored by a [`Scoring`](model_selection::Scoring) |
//! | [`estimator`] | [`ClassifierSpec`](estimator::ClassifierSpec), a classifier named in YAML (`logistic_regression`, `random_forest`, `hist_gradient_boosting`), and [`FittedClassifier`](estimator::FittedClassifier), any of them fitted |
//! | [`pipeline`] | [`ModelPipeline`](pipeline::ModelPipeline): preprocessing + classifier fitted and saved as one artefact |
//! | [`inspection`] | [`permutation_importance`](inspection::permutation_importance) for any fitted classifier, [`importance_frame`](inspection::importance_frame) |
//! | [`optim`] | the L-BFGS solver behind [`LogisticRegression`](linear::LogisticRegression) |
//! | [`error`] | [`MlError`], with a `hint()` for the CLI |
//!
//! Every fitted object is `Debug + Clone + Serialize + Deserialize`, so the catalog can save it
//! as an artefact (`MessagePack` with field names) and a later run can load it and predict;
//! `tests/contracts.rs` round-trips each one and checks that user mistakes (unknown columns,
//! unseen categories, wrong types, NaN or nulls) end in an error naming the column, with a hint.
//! Numbers are checked against scikit-learn by the crate's `*_reference.rs` tests; the expected
//! values are made by the `crates/weir-ml/scripts/make_*reference.py` scripts.
//!
//! This crate depends on Polars, serde, rayon (parallel fits) and `rand_chacha` (seeded draws),
//! never on weir-core, so it can be used outside a weir project.
//!
//! # Example
//!
//! ```
//! use polars::df;
//! use weir_ml::linear::{LogisticRegression, LogisticRegressionParams};
//! use weir_ml::metrics::{accuracy, classification_report};
//! use weir_ml::preprocessing::{LabelEncoder, StandardScaler};
//!
//! let flowers = df!(
//!     "petal_length" => [1.4, 1.3, 1.5, 4.7, 4.5, 4.9, 6.0, 5.1, 5.9],
//!     "petal_width" => [0.2, 0.2, 0.2, 1.4, 1.5, 1.5, 2.5, 1.9, 2.1],
//!     "species" => [
//!         "Iris-setosa", "Iris-setosa", "Iris-setosa",
//!         "Iris-versicolor", "Iris-versicolor", "Iris-versicolor",
//!         "Iris-virginica", "Iris-virginica", "Iris-virginica",
//!     ],
//! )?;
//! let features = ["petal_length", "petal_width"];
//!
//! // Scale the features and encode the species as codes 0, 1, 2.
//! let (scaler, mut scaled) = StandardScaler::fit_transform(&flowers, &features)?;
//! let encoder = LabelEncoder::fit(flowers.column("species")?)?;
//! scaled.with_column(encoder.transform(flowers.column("species")?)?)?;
//!
//! // Fit a multinomial logistic regression and predict the training rows.
//! let params = LogisticRegressionParams { c: 10.0, ..Default::default() };
//! let model = LogisticRegression::new(params).fit_df(&scaled, &features, "species")?;
//! let predicted = model.predict_df(&scaled)?;
//!
//! // Score the predictions with the species names.
//! let truth = encoder.encode(flowers.column("species")?)?;
//! let codes: Vec<usize> = predicted.u32()?.into_no_null_iter().map(|c| c as usize).collect();
//! let names = encoder.classes().names();
//! let names: Vec<&str> = names.iter().map(String::as_str).collect();
//! let report = classification_report(&truth, &codes, None, Some(&names))?;
//!
//! assert_eq!(accuracy(&truth, &codes)?, 1.0);
//! assert_eq!(report.classes["Iris-virginica"].support, 3);
//! assert_eq!(scaler.feature_names(), features);
//!
//! // Fitted objects survive serialisation, as catalog artefacts do.
//! let saved = serde_json::to_string(&model)?;
//! let loaded: weir_ml::linear::FittedLogisticRegression = serde_json::from_str(&saved)?;
//! assert_eq!(loaded.predict_df(&scaled)?, predicted);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Fitting comes first
//!
//! There is no way to predict or transform with an unfitted object: an estimator's `fit`
//! returns a different, fitted type, and only that type has `predict` or `transform`
//! (transformers have no unfitted type at all: `StandardScaler::fit` is how one is made). So
//! forgetting to fit does not compile:
//!
//! ```compile_fail,E0599
//! use weir_ml::Matrix;
//! use weir_ml::linear::{LogisticRegression, LogisticRegressionParams};
//!
//! let x = Matrix::from_rows(&[[0.0], [1.0]])?;
//! let model = LogisticRegression::new(LogisticRegressionParams::default());
//! // `LogisticRegression` has no `predict`; `model.fit(&x, &[0, 1])?.predict(&x)` does.
//! let predicted = model.predict(&x)?;
//! # Ok::<(), weir_ml::MlError>(())
//! ```
//!
//! while the same lines with the `fit` do:
//!
//! ```
//! use weir_ml::Matrix;
//! use weir_ml::linear::{LogisticRegression, LogisticRegressionParams};
//!
//! let x = Matrix::from_rows(&[[0.0], [1.0]])?;
//! let model = LogisticRegression::new(LogisticRegressionParams::default()).fit(&x, &[0, 1])?;
//! let predicted = model.predict(&x)?;
//! # Ok::<(), weir_ml::MlError>(())
//! ```
//!
//! Neither does it for a whole pipeline read from parameters:
//!
//! ```compile_fail,E0599
//! use polars::df;
//! use weir_ml::pipeline::ModelPipeline;
//!
//! fn serve(pipeline: &ModelPipeline) -> Result<(), Box<dyn std::error::Error>> {
//!     let rows = df!("BMI" => [31.0])?;
//!     // Only the `FittedModelPipeline` returned by `pipeline.fit_df(..)` predicts.
//!     let predicted = pipeline.predict_df(&rows)?;
//!     Ok(())
//! }
//! ```

pub mod boosting;
pub mod ensemble;
pub mod error;
pub mod estimator;
pub mod inspection;
pub mod linear;
pub mod matrix;
pub mod metrics;
pub mod model_selection;
pub mod optim;
pub mod pipeline;
mod predictions;
pub mod preprocessing;
pub mod tree;

pub use error::{MlError, Result};
pub use matrix::Matrix;
