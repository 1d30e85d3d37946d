//! Machine-learning building blocks for weir nodes, working on Polars `DataFrame`s with
//! scikit-learn's semantics.
//!
//! The crate is laid out like scikit-learn, one module per family:
//!
//! | module | what lives there |
//! | --- | --- |
//! | [`matrix`] | [`Matrix`], a dense row-major `f64` matrix, and `DataFrame` ⇄ matrix helpers |
//! | [`preprocessing`] | [`StandardScaler`](preprocessing::StandardScaler), [`MinMaxScaler`](preprocessing::MinMaxScaler), [`SimpleImputer`](preprocessing::SimpleImputer), [`OneHotEncoder`](preprocessing::OneHotEncoder), [`OrdinalEncoder`](preprocessing::OrdinalEncoder), [`LabelEncoder`](preprocessing::LabelEncoder), [`ColumnTransformer`](preprocessing::ColumnTransformer) |
//! | [`linear`] | [`LogisticRegression`](linear::LogisticRegression) (binary and multinomial), [`LinearRegression`](linear::LinearRegression), [`Ridge`](linear::Ridge) |
//! | [`ensemble`] | [`RandomForestClassifier`](ensemble::RandomForestClassifier), [`RandomForestRegressor`](ensemble::RandomForestRegressor) |
//! | [`boosting`] | [`HistGradientBoostingClassifier`](boosting::HistGradientBoostingClassifier) |
//! | [`tree`] | [`Tree`](tree::Tree), the fitted decision tree the forests are made of |
//! | [`metrics`] | accuracy, confusion matrix, per-class and averaged scores, `classification_report`, ROC AUC, log-loss, regression errors |
//! | [`model_selection`] | [`assign_split`](model_selection::assign_split), a seeded train/test split; k-fold and stratified folds, `cross_val_score`; [`GridSearch`](model_selection::GridSearch), [`RandomizedSearch`](model_selection::RandomizedSearch) |
//! | [`estimator`] | [`ClassifierSpec`](estimator::ClassifierSpec), a classifier named in YAML, and [`FittedClassifier`](estimator::FittedClassifier) |
//! | [`pipeline`] | [`ModelPipeline`](pipeline::ModelPipeline): preprocessing + classifier fitted and saved as one artefact |
//! | [`inspection`] | [`permutation_importance`](inspection::permutation_importance), [`importance_frame`](inspection::importance_frame) |
//! | [`optim`] | the L-BFGS solver behind the linear models |
//! | [`error`] | [`MlError`], with a `hint()` for the CLI |
//!
//! Every fitted object is `Debug + Clone + Serialize + Deserialize`, so the catalog can save it
//! as an artefact (`MessagePack` with field names) and a later run can load it and predict.
//! Numbers are checked against scikit-learn by the crate's tests; the expected values are made
//! by `crates/weir-ml/scripts/make_reference.py`.
//!
//! This crate depends on Polars and serde only, never on weir-core, so it can be used outside
//! a weir project.
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
pub mod preprocessing;
pub mod tree;

pub use error::{MlError, Result};
pub use matrix::Matrix;
