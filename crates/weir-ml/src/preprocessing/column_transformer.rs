//! [`ColumnTransformer`]: applies one transformer to each named group of columns and joins the
//! outputs side by side, like scikit-learn's `ColumnTransformer`; [`TransformerSpec`] names a
//! transformer and its options so the whole thing can be written in a parameters file.
//!
//! Output columns come step by step, in step order, each step's outputs in its transformer's
//! order, then the remainder (with `remainder: passthrough`) in input order. Names are the
//! transformers' own (`Age_3`, `BMI`), as with scikit-learn's `verbose_feature_names_out=False`;
//! two equal names are an error at fit time. `verbose_feature_names_out: true` prefixes them with
//! `<step>__` (and the remainder with `remainder__`), as scikit-learn does by default.
//!
//! In YAML:
//!
//! ```yaml
//! steps:
//!   - name: scale
//!     transformer: {standard_scaler: {}}
//!     columns: [BMI]
//!   - name: onehot
//!     transformer:
//!       chain:
//!         - simple_imputer: {strategy: most_frequent}
//!         - one_hot: {handle_unknown: ignore}
//!     columns: [Age, Education]
//! remainder: passthrough          # or drop (the default)
//! verbose_feature_names_out: false  # the default
//! ```
//!
//! Transformer keys: `standard_scaler: {}`, `min_max_scaler: {feature_range: [0, 1], clip}`,
//! `simple_imputer: {strategy, fill_value}`, `one_hot: {handle_unknown, drop}`,
//! `ordinal: {unknown_value}`, and `chain: [<transformer>, ...]`, which fits each transformer
//! on the output of the one before.
//!
//! weir's configuration loader hands parameters to nodes as JSON values, which is where the
//! `{one_hot: {...}}` form of these enums is read. Code reading YAML itself should do the
//! same (`serde_norway::from_str::<serde_json::Value>` then `serde_json::from_value`):
//! `serde_norway` deserialising straight into the enums expects YAML tags (`!one_hot`).
//!
//! # Limitations
//! Columns are chosen by name only (no dtype or pattern selectors), and there are no sparse
//! outputs or custom transformers.

use polars::prelude::{Column, DataFrame};
use serde::{Deserialize, Serialize};

use super::columns::check_unique;
use super::{
    MinMaxScaler, MinMaxScalerParams, OneHotEncoder, OneHotEncoderParams, OrdinalEncoder,
    OrdinalEncoderParams, SimpleImputer, SimpleImputerParams, StandardScaler,
};
use crate::error::{MlError, Result};
use crate::matrix::{Matrix, column_names, find_column};

/// Options of [`StandardScaler`] inside a [`TransformerSpec`]: none yet, written `{}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StandardScalerParams {}

/// An unfitted transformer with its options, as written in a parameters file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum TransformerSpec {
    /// [`StandardScaler`].
    StandardScaler(StandardScalerParams),
    /// [`MinMaxScaler`].
    MinMaxScaler(MinMaxScalerParams),
    /// [`SimpleImputer`].
    SimpleImputer(SimpleImputerParams),
    /// [`OneHotEncoder`].
    #[serde(alias = "one_hot_encoder")]
    OneHot(OneHotEncoderParams),
    /// [`OrdinalEncoder`].
    #[serde(alias = "ordinal_encoder")]
    Ordinal(OrdinalEncoderParams),
    /// Transformers applied one after the other, each fitted on the previous one's output.
    Chain(Vec<TransformerSpec>),
}

/// A fitted transformer of any kind, as saved inside a [`FittedColumnTransformer`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FittedTransformer {
    /// A fitted [`StandardScaler`].
    StandardScaler(StandardScaler),
    /// A fitted [`MinMaxScaler`].
    MinMaxScaler(MinMaxScaler),
    /// A fitted [`SimpleImputer`].
    SimpleImputer(SimpleImputer),
    /// A fitted [`OneHotEncoder`].
    OneHot(OneHotEncoder),
    /// A fitted [`OrdinalEncoder`].
    Ordinal(OrdinalEncoder),
    /// Fitted transformers applied in order.
    Chain(Vec<FittedTransformer>),
}

impl TransformerSpec {
    /// Fits on `columns` of `df`.
    pub fn fit<S: AsRef<str>>(&self, df: &DataFrame, columns: &[S]) -> Result<FittedTransformer> {
        Ok(match self {
            TransformerSpec::StandardScaler(_) => {
                FittedTransformer::StandardScaler(StandardScaler::fit(df, columns)?)
            }
            TransformerSpec::MinMaxScaler(p) => {
                FittedTransformer::MinMaxScaler(MinMaxScaler::fit(df, columns, p)?)
            }
            TransformerSpec::SimpleImputer(p) => {
                FittedTransformer::SimpleImputer(SimpleImputer::fit(df, columns, p)?)
            }
            TransformerSpec::OneHot(p) => {
                FittedTransformer::OneHot(OneHotEncoder::fit(df, columns, p)?)
            }
            TransformerSpec::Ordinal(p) => {
                FittedTransformer::Ordinal(OrdinalEncoder::fit(df, columns, p)?)
            }
            TransformerSpec::Chain(specs) => fit_chain(specs, df, columns)?,
        })
    }
}

/// Fits each transformer of a chain on the output of the previous one.
fn fit_chain<S: AsRef<str>>(
    specs: &[TransformerSpec],
    df: &DataFrame,
    columns: &[S],
) -> Result<FittedTransformer> {
    if specs.is_empty() {
        return Err(MlError::EmptyInput { what: "the `chain` of transformers" });
    }
    let mut names: Vec<String> = columns.iter().map(|c| c.as_ref().to_owned()).collect();
    let mut current = df.clone();
    let mut fitted = Vec::with_capacity(specs.len());
    for (i, spec) in specs.iter().enumerate() {
        let step = spec.fit(&current, &names)?;
        if i + 1 < specs.len() {
            current = step.transform(&current)?;
            names = step.feature_names_out().to_vec();
        }
        fitted.push(step);
    }
    Ok(FittedTransformer::Chain(fitted))
}

impl FittedTransformer {
    /// A copy of `df` with the fitted columns replaced by their outputs; other columns stay.
    pub fn transform(&self, df: &DataFrame) -> Result<DataFrame> {
        match self {
            FittedTransformer::StandardScaler(t) => t.transform(df),
            FittedTransformer::MinMaxScaler(t) => t.transform(df),
            FittedTransformer::SimpleImputer(t) => t.transform(df),
            FittedTransformer::OneHot(t) => t.transform(df),
            FittedTransformer::Ordinal(t) => t.transform(df),
            FittedTransformer::Chain(steps) => {
                steps.iter().try_fold(df.clone(), |current, step| step.transform(&current))
            }
        }
    }

    /// The names of the output columns, in order.
    pub fn feature_names_out(&self) -> &[String] {
        match self {
            FittedTransformer::StandardScaler(t) => t.feature_names(),
            FittedTransformer::MinMaxScaler(t) => t.feature_names_out(),
            FittedTransformer::SimpleImputer(t) => t.feature_names_out(),
            FittedTransformer::OneHot(t) => t.feature_names_out(),
            FittedTransformer::Ordinal(t) => t.feature_names_out(),
            FittedTransformer::Chain(steps) => {
                steps.last().map_or(&[], FittedTransformer::feature_names_out)
            }
        }
    }
}

/// What happens to the input columns that no step names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Remainder {
    /// Leave them out of the output (scikit-learn's default).
    #[default]
    Drop,
    /// Append them, unchanged, after the transformed columns.
    Passthrough,
}

/// One step of a [`ColumnTransformer`]: a transformer applied to a group of columns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnStep {
    /// The step's name, unique within the transformer.
    pub name: String,
    /// What to fit on the columns.
    pub transformer: TransformerSpec,
    /// The input columns of this step.
    pub columns: Vec<String>,
}

/// Transformers applied to groups of columns; see the module docs for the YAML shape.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ColumnTransformer {
    /// The steps, in output order.
    pub steps: Vec<ColumnStep>,
    /// `drop` (default) or `passthrough`.
    pub remainder: Remainder,
    /// Whether output names get a `<step>__` prefix.
    pub verbose_feature_names_out: bool,
}

/// A fitted step: its name, input columns and fitted transformer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FittedColumnStep {
    /// The step's name.
    pub name: String,
    /// The input columns.
    pub columns: Vec<String>,
    /// The fitted transformer.
    pub transformer: FittedTransformer,
}

/// A fitted [`ColumnTransformer`]: the fitted steps, the passed-through columns and the output
/// names. Produced by [`ColumnTransformer::fit`] only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FittedColumnTransformer {
    steps: Vec<FittedColumnStep>,
    remainder: Vec<String>,
    verbose_feature_names_out: bool,
    feature_names_out: Vec<String>,
}

impl ColumnTransformer {
    /// Fits every step on its columns of `df` and works out the output names.
    ///
    /// Fails on steps without a name or columns, repeated step names, unknown columns,
    /// the errors of each transformer, an empty output, and two outputs with the same name.
    pub fn fit(&self, df: &DataFrame) -> Result<FittedColumnTransformer> {
        self.check_steps()?;
        let mut steps = Vec::with_capacity(self.steps.len());
        for step in &self.steps {
            let input = select(df, &step.columns)?;
            let transformer = step.transformer.fit(&input, &step.columns)?;
            steps.push(FittedColumnStep {
                name: step.name.clone(),
                columns: step.columns.clone(),
                transformer,
            });
        }
        let remainder = match self.remainder {
            Remainder::Drop => Vec::new(),
            Remainder::Passthrough => column_names(df)
                .into_iter()
                .filter(|c| !self.steps.iter().any(|s| s.columns.contains(c)))
                .collect(),
        };
        let mut fitted = FittedColumnTransformer {
            steps,
            remainder,
            verbose_feature_names_out: self.verbose_feature_names_out,
            feature_names_out: Vec::new(),
        };
        fitted.feature_names_out = fitted.output_names();
        if fitted.feature_names_out.is_empty() {
            return Err(MlError::EmptyInput { what: "the output of the column transformer" });
        }
        check_unique(fitted.feature_names_out.iter().map(String::as_str))?;
        Ok(fitted)
    }

    fn check_steps(&self) -> Result<()> {
        for (i, step) in self.steps.iter().enumerate() {
            let problem = if step.name.is_empty() {
                Some(format!("step {i} has an empty name"))
            } else if self.steps[..i].iter().any(|s| s.name == step.name) {
                Some(format!("step name `{}` is used twice", step.name))
            } else if step.columns.is_empty() {
                Some(format!("step `{}` lists no columns", step.name))
            } else {
                None
            };
            if let Some(reason) = problem {
                return Err(MlError::InvalidParameter { name: "steps", reason });
            }
        }
        Ok(())
    }
}

impl FittedColumnTransformer {
    /// A table holding exactly the output columns, in
    /// [`feature_names_out`](Self::feature_names_out) order. Every input column the fit used
    /// must be present; others are ignored.
    pub fn transform(&self, df: &DataFrame) -> Result<DataFrame> {
        let mut out: Vec<Column> = Vec::with_capacity(self.feature_names_out.len());
        for step in &self.steps {
            let transformed = step.transformer.transform(&select(df, &step.columns)?)?;
            for name in step.transformer.feature_names_out() {
                out.push(find_column(&transformed, name)?.clone());
            }
        }
        for name in &self.remainder {
            out.push(find_column(df, name)?.clone());
        }
        for (column, name) in out.iter_mut().zip(&self.feature_names_out) {
            column.rename(name.as_str().into());
        }
        DataFrame::new(df.height(), out).map_err(MlError::polars("joining the transformed columns"))
    }

    /// The transformed table as a matrix, for a model; every output column must be numeric
    /// (a passed-through text column is reported by name).
    pub fn transform_matrix(&self, df: &DataFrame) -> Result<Matrix> {
        Matrix::from_columns(&self.transform(df)?, &self.feature_names_out)
    }

    /// The output column names.
    pub fn feature_names_out(&self) -> &[String] {
        &self.feature_names_out
    }

    /// The fitted steps, in order.
    pub fn steps(&self) -> &[FittedColumnStep] {
        &self.steps
    }

    /// The columns passed through unchanged (empty with `remainder: drop`).
    pub fn remainder(&self) -> &[String] {
        &self.remainder
    }

    fn output_names(&self) -> Vec<String> {
        let prefixed = |prefix: &str, name: &String| {
            if self.verbose_feature_names_out { format!("{prefix}__{name}") } else { name.clone() }
        };
        let steps = self.steps.iter().flat_map(|step| {
            step.transformer.feature_names_out().iter().map(|name| prefixed(&step.name, name))
        });
        let remainder = self.remainder.iter().map(|name| prefixed("remainder", name));
        steps.chain(remainder).collect()
    }
}

/// The named columns of `df`, in the order given.
fn select(df: &DataFrame, columns: &[String]) -> Result<DataFrame> {
    let picked: Vec<Column> =
        columns.iter().map(|name| find_column(df, name).cloned()).collect::<Result<_>>()?;
    DataFrame::new(df.height(), picked).map_err(MlError::polars("selecting a step's columns"))
}

#[cfg(test)]
mod tests {
    use polars::df;

    use super::*;
    use crate::matrix::float_values;

    fn table() -> DataFrame {
        df!(
            "Age" => [Some(3i64), None, Some(3), Some(5)],
            "BMI" => [20.0, 30.0, 25.0, 25.0],
            "Sex" => ["m", "f", "f", "m"],
            "Smoker" => [1i64, 0, 0, 1],
        )
        .unwrap()
    }

    /// Reads YAML the way weir's parameters reach a node: as a JSON value first.
    fn from_yaml(yaml: &str) -> serde_json::Result<ColumnTransformer> {
        let value: serde_json::Value = serde_norway::from_str(yaml).expect("valid YAML");
        serde_json::from_value(value)
    }

    fn parse(yaml: &str) -> ColumnTransformer {
        from_yaml(yaml).unwrap()
    }

    const YAML: &str = "
steps:
  - name: onehot
    transformer:
      chain:
        - simple_imputer: {strategy: most_frequent}
        - one_hot: {handle_unknown: ignore}
    columns: [Age, Sex]
  - name: scale
    transformer: {min_max_scaler: {}}
    columns: [BMI]
remainder: passthrough
";

    #[test]
    fn yaml_steps_give_unprefixed_names_and_the_remainder_last() {
        let fitted = parse(YAML).fit(&table()).unwrap();

        let out = fitted.transform(&table()).unwrap();

        let names = ["Age_3", "Age_5", "Sex_f", "Sex_m", "BMI", "Smoker"];
        assert_eq!(fitted.feature_names_out(), names);
        assert_eq!(column_names(&out), names);
        assert_eq!(float_values(&out, "Age_3").unwrap(), [1.0, 1.0, 1.0, 0.0]);
        assert_eq!(float_values(&out, "BMI").unwrap(), [0.0, 1.0, 0.5, 0.5]);
        assert_eq!(fitted.transform_matrix(&table()).unwrap().shape(), (4, 6));
    }

    #[test]
    fn verbose_names_are_prefixed_with_the_step() {
        let mut transformer = parse(YAML);
        transformer.verbose_feature_names_out = true;

        let fitted = transformer.fit(&table()).unwrap();

        assert_eq!(fitted.feature_names_out()[0], "onehot__Age_3");
        assert_eq!(fitted.feature_names_out()[5], "remainder__Smoker");
    }

    #[test]
    fn duplicate_output_names_are_an_error() {
        let twice = parse(
            "
steps:
  - {name: a, transformer: {standard_scaler: {}}, columns: [BMI]}
  - {name: b, transformer: {min_max_scaler: {}}, columns: [BMI]}
",
        );

        let error = twice.fit(&table()).unwrap_err();

        assert!(error.to_string().contains("two columns named `BMI`"), "{error}");
    }

    #[test]
    fn typos_in_yaml_are_rejected_by_serde() {
        let error = from_yaml(
            "steps: [{name: a, transformer: {one_hot: {handle_unknwn: ignore}}, columns: [Sex]}]",
        )
        .unwrap_err();

        assert!(error.to_string().contains("handle_unknwn"), "{error}");
    }

    #[test]
    fn fitted_transformer_survives_messagepack() {
        let fitted = parse(YAML).fit(&table()).unwrap();

        let bytes = rmp_serde::to_vec_named(&fitted).unwrap();
        let back: FittedColumnTransformer = rmp_serde::from_slice(&bytes).unwrap();

        assert_eq!(back, fitted);
        assert_eq!(back.transform(&table()).unwrap(), fitted.transform(&table()).unwrap());
    }

    #[test]
    fn a_missing_column_at_transform_is_named() {
        let fitted = parse(YAML).fit(&table()).unwrap();
        let without = table().drop("Sex").unwrap();

        let error = fitted.transform(&without).unwrap_err();

        assert!(matches!(error, MlError::UnknownColumn { ref name, .. } if name == "Sex"));
    }
}
