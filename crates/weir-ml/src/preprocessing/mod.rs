//! Transformers fitted on a `DataFrame` and applied to others: scalers ([`StandardScaler`],
//! [`MinMaxScaler`]), [`SimpleImputer`], encoders ([`OneHotEncoder`], [`OrdinalEncoder`],
//! [`LabelEncoder`] for class labels) and [`ColumnTransformer`], which applies them to groups
//! of columns.
//!
//! All follow scikit-learn's semantics (population statistics, sorted categories, scikit-learn's
//! output names such as `Age_3`) so that numbers can be checked against it, and all are
//! `Serialize + Deserialize`, so a fitted transformer can be saved as a catalog artefact and
//! applied in a later run.
//!
//! There is no unfitted transformer object to misuse: each `fit` is an associated function
//! that returns the fitted type, so calling `transform` before `fit` does not compile. The
//! options live in separate `*Params` structs that read from YAML. Transforms replace the
//! fitted columns at their position and leave the other columns alone;
//! [`FittedColumnTransformer::transform`] returns exactly its output columns.
//!
//! # Why weir has its own
//! linfa-preprocessing (0.7) has scalers, normalisation, text vectorisers and whitening on
//! ndarray, but no categorical encoder, imputer or column transformer. smartcore's
//! `preprocessing::categorical` one-hot encodes columns of its own numeric matrices, picked by
//! index, with numbers as categories. Neither reads Polars columns, keeps string categories
//! with output names such as `Age_3`, or saves a fitted column transformer as a serde value,
//! and a conversion layer around them would be longer than these transformers.
//!
//! # Limitations
//! Dense output only; no polynomial features, binning, power transforms or robust scaling.

mod column_transformer;
mod columns;
mod imputer;
mod label_encoder;
mod min_max;
mod one_hot;
mod ordinal;
mod scaler;

pub use column_transformer::{
    ColumnStep, ColumnTransformer, FittedColumnStep, FittedColumnTransformer, FittedTransformer,
    Remainder, StandardScalerParams, TransformerSpec,
};
pub use imputer::{FillValue, ImputeStrategy, SimpleImputer, SimpleImputerParams};
pub use label_encoder::{ClassLabels, LabelEncoder};
pub use min_max::{MinMaxScaler, MinMaxScalerParams};
pub use one_hot::{DropCategory, HandleUnknown, OneHotEncoder, OneHotEncoderParams};
pub use ordinal::{OrdinalEncoder, OrdinalEncoderParams};
pub use scaler::StandardScaler;
