//! Transformers fitted on a `DataFrame` and applied to others: [`StandardScaler`] for numeric
//! features and [`LabelEncoder`] for class labels.
//!
//! Both follow scikit-learn's semantics (population statistics, sorted classes) so that numbers
//! can be checked against it. Both are `Serialize + Deserialize`, so a fitted transformer can be
//! saved as a catalog artefact and applied in a later run.
//!
//! # Limitations
//! No one-hot or ordinal encoder, imputer or column transformer yet.

mod label_encoder;
mod scaler;

pub use label_encoder::{ClassLabels, LabelEncoder};
pub use scaler::StandardScaler;
