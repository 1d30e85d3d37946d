//! The crate's error type, [`MlError`], and the helpers that build its messages.
//!
//! Every fallible function of weir-ml returns [`Result`]. Messages follow weir's wording rules:
//! lowercase, no trailing period, names in backticks, and the fix kept apart in
//! [`MlError::hint`]. weir-ml does not depend on weir-core, so the hint is an inherent method
//! here; the CLI renders it on its own `hint:` line like any other weir hint.
//!
//! This module depends on nothing else in the crate.

use polars::prelude::PolarsError;

/// The result type of every fallible weir-ml function.
pub type Result<T, E = MlError> = std::result::Result<T, E>;

/// How many names a message lists before it says "and N more".
const LISTED_NAMES: usize = 8;

/// Everything that can go wrong while fitting, transforming or scoring.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MlError {
    /// A column asked for by name is not in the `DataFrame`.
    #[error("unknown column `{name}`; available columns: {}", quoted_list(available))]
    UnknownColumn {
        /// The name that was asked for.
        name: String,
        /// The columns the `DataFrame` has.
        available: Vec<String>,
    },

    /// A column has a type the operation cannot use.
    #[error("column `{column}` has type `{dtype}`, but {expected} is needed")]
    UnsupportedDtype {
        /// The column.
        column: String,
        /// Its type, as Polars prints it.
        dtype: String,
        /// What the operation accepts, in words.
        expected: &'static str,
    },

    /// A column holds nulls where values are required.
    #[error("column `{column}` holds {count} null value(s)")]
    NullValues {
        /// The column.
        column: String,
        /// How many nulls it holds.
        count: usize,
    },

    /// A column holds NaN or infinite values.
    #[error("column `{column}` holds {count} NaN or infinite value(s)")]
    NonFiniteValues {
        /// The column (or `x<j>` for column `j` of a bare matrix).
        column: String,
        /// How many such values it holds.
        count: usize,
    },

    /// There is nothing to work on.
    #[error("{what} is empty")]
    EmptyInput {
        /// What is empty, e.g. "the training data".
        what: &'static str,
    },

    /// Two inputs that must line up do not.
    #[error("{left} has {left_len} entries but {right} has {right_len}")]
    LengthMismatch {
        /// The first input.
        left: &'static str,
        /// Its length.
        left_len: usize,
        /// The second input.
        right: &'static str,
        /// Its length.
        right_len: usize,
    },

    /// A fitted model sees a different number of features than it was fitted on.
    #[error("the model was fitted on {expected} feature(s) but the input has {actual}")]
    FeatureCountMismatch {
        /// Features at fit time.
        expected: usize,
        /// Features now.
        actual: usize,
    },

    /// A label encoder meets labels it was not fitted on.
    #[error(
        "column `{column}` holds {} label(s) unseen at fit time: {}; known classes: {}",
        labels.len(), quoted_list(labels), quoted_list(classes)
    )]
    UnseenLabels {
        /// The column being encoded.
        column: String,
        /// The unseen labels, sorted and without repeats.
        labels: Vec<String>,
        /// The classes the encoder knows.
        classes: Vec<String>,
    },

    /// A class code is negative or past the last class.
    #[error("column `{column}` holds code {code}, but only codes 0 to {max} exist")]
    InvalidCode {
        /// The column being decoded.
        column: String,
        /// The offending code.
        code: i64,
        /// The largest valid code.
        max: usize,
    },

    /// A classifier was given a target with one class only.
    #[error("the target holds a single class `{class}`; a classifier needs at least two")]
    SingleClass {
        /// The only class present.
        class: String,
    },

    /// A parameter or argument has a value the operation cannot use.
    #[error("invalid `{name}`: {reason}")]
    InvalidParameter {
        /// The parameter.
        name: &'static str,
        /// Why the value is rejected.
        reason: String,
    },

    /// Polars failed underneath an operation.
    #[error("polars failed while {context}")]
    Polars {
        /// What weir-ml was doing.
        context: String,
        /// Polars' own error.
        #[source]
        source: PolarsError,
    },
}

impl MlError {
    /// How the user can fix the problem, if there is something useful to say.
    pub fn hint(&self) -> Option<String> {
        match self {
            MlError::UnknownColumn { name, available } => Some(
                did_you_mean(name, available)
                    .unwrap_or_else(|| "check the column names of the input table".to_owned()),
            ),
            MlError::UnsupportedDtype { column, .. } => {
                Some(format!("cast `{column}` to a supported type in an earlier node"))
            }
            MlError::NullValues { .. } | MlError::NonFiniteValues { .. } => {
                Some("drop or impute missing values in an earlier node".to_owned())
            }
            MlError::UnseenLabels { .. } => Some(
                "fit the encoder on data that holds every label, or filter these rows out first"
                    .to_owned(),
            ),
            MlError::SingleClass { .. } => {
                Some("check the split and filters: the training rows need two classes".to_owned())
            }
            MlError::FeatureCountMismatch { .. } => {
                Some("pass the same feature columns at fit and at predict time".to_owned())
            }
            _ => None,
        }
    }

    /// Wraps a Polars error with what weir-ml was doing when it happened.
    pub(crate) fn polars(context: impl Into<String>) -> impl FnOnce(PolarsError) -> MlError {
        let context = context.into();
        move |source| MlError::Polars { context, source }
    }
}

/// `` `a`, `b`, `c` ``, cut after a few names with "and N more".
pub(crate) fn quoted_list(names: &[String]) -> String {
    if names.is_empty() {
        return "(none)".to_owned();
    }

    let shown: Vec<String> = names.iter().take(LISTED_NAMES).map(|n| format!("`{n}`")).collect();
    let hidden = names.len().saturating_sub(LISTED_NAMES);
    if hidden == 0 { shown.join(", ") } else { format!("{} and {hidden} more", shown.join(", ")) }
}

/// A "did you mean" hint naming the candidate closest to `name`, when one is close enough.
pub(crate) fn did_you_mean(name: &str, candidates: &[String]) -> Option<String> {
    let lowered = name.to_lowercase();
    let (distance, best) = candidates
        .iter()
        .map(|candidate| (edit_distance(&lowered, &candidate.to_lowercase()), candidate))
        .min_by_key(|(distance, _)| *distance)?;

    // Allow roughly one typo per three characters, and always a couple.
    let allowed = (name.chars().count() / 3).max(2);
    (distance <= allowed).then(|| format!("did you mean `{best}`?"))
}

/// Levenshtein distance between two strings, counted in characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut above: Vec<usize> = (0..=b.len()).collect();
    for (i, left) in a.chars().enumerate() {
        let mut row = Vec::with_capacity(b.len() + 1);
        row.push(i + 1);
        for (j, right) in b.iter().enumerate() {
            let replace = above[j] + usize::from(left != *right);
            let delete = above[j + 1] + 1;
            let insert = row[j] + 1;
            row.push(replace.min(delete).min(insert));
        }
        above = row;
    }
    above[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn unknown_column_lists_available_and_suggests_the_closest() {
        let error = MlError::UnknownColumn {
            name: "sepal_lenght".to_owned(),
            available: names(&["sepal_length", "petal_width"]),
        };

        assert_eq!(
            error.to_string(),
            "unknown column `sepal_lenght`; available columns: `sepal_length`, `petal_width`"
        );
        assert_eq!(error.hint().as_deref(), Some("did you mean `sepal_length`?"));
    }

    #[test]
    fn far_names_get_no_suggestion() {
        assert_eq!(did_you_mean("species", &names(&["sepal_length", "petal_width"])), None);
        assert_eq!(did_you_mean("x", &[]), None);
    }

    #[test]
    fn long_lists_are_cut() {
        let many: Vec<String> = (0..11).map(|i| format!("c{i}")).collect();

        let text = quoted_list(&many);

        assert!(text.ends_with("`c7` and 3 more"), "{text}");
        assert_eq!(quoted_list(&[]), "(none)");
    }

    #[test]
    fn edit_distance_counts_single_edits() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
    }
}
