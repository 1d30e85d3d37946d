//! Column plumbing shared by the transformers of this module: checking a list of column names,
//! reading a categorical column, and rebuilding a table with some columns replaced.

use std::collections::HashSet;

use polars::prelude::{Column, DataFrame, DataType};

use super::ClassLabels;
use crate::error::{MlError, Result};
use crate::matrix::{column_names, find_column};

/// The values of a categorical column: strings (also from categorical columns) or integers.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Values {
    /// String or categorical values.
    Strings(Vec<String>),
    /// Integer values, widened to `i64`.
    Integers(Vec<i64>),
}

/// `columns` as owned names, rejecting an empty list and repeats.
pub(crate) fn column_list<S: AsRef<str>>(columns: &[S], what: &'static str) -> Result<Vec<String>> {
    let names: Vec<String> = columns.iter().map(|c| c.as_ref().to_owned()).collect();
    if names.is_empty() {
        return Err(MlError::EmptyInput { what });
    }
    for (i, name) in names.iter().enumerate() {
        if names[..i].contains(name) {
            return Err(MlError::InvalidParameter {
                name: "columns",
                reason: format!("column `{name}` is listed twice"),
            });
        }
    }
    Ok(names)
}

/// Rejects fitting on a table without rows.
pub(crate) fn check_rows(df: &DataFrame, what: &'static str) -> Result<()> {
    if df.height() == 0 { Err(MlError::EmptyInput { what }) } else { Ok(()) }
}

/// Reads column `name` as categories: integer, string or categorical, without nulls.
pub(crate) fn categorical_values(df: &DataFrame, name: &str) -> Result<Values> {
    let column = find_column(df, name)?;
    if column.null_count() > 0 {
        return Err(MlError::NullValues { column: name.to_owned(), count: column.null_count() });
    }
    let dtype = column.dtype();
    if dtype.is_integer() {
        let cast = cast(column, &DataType::Int64)?;
        let values = cast.i64().map_err(MlError::polars(format!("reading `{name}` as Int64")))?;
        return Ok(Values::Integers(values.into_no_null_iter().collect()));
    }
    if matches!(dtype, DataType::String | DataType::Categorical(..) | DataType::Enum(..)) {
        let cast = cast(column, &DataType::String)?;
        let values = cast.str().map_err(MlError::polars(format!("reading `{name}` as text")))?;
        return Ok(Values::Strings(values.iter().flatten().map(str::to_owned).collect()));
    }
    Err(MlError::UnsupportedDtype {
        column: name.to_owned(),
        dtype: dtype.to_string(),
        expected: "an integer, string or categorical type",
    })
}

/// `column` cast to `dtype`, with the column named in the error.
pub(crate) fn cast(column: &Column, dtype: &DataType) -> Result<Column> {
    column.cast(dtype).map_err(MlError::polars(format!("casting `{}` to {dtype}", column.name())))
}

/// A copy of `df` in which each column named in `replaced` is swapped, at its position, for the
/// columns given with it (none, one or several). Fails when two output columns share a name.
pub(crate) fn replace_columns(
    df: &DataFrame,
    mut replaced: Vec<(String, Vec<Column>)>,
) -> Result<DataFrame> {
    let mut out: Vec<Column> = Vec::with_capacity(df.width() + replaced.len());
    for column in df.columns() {
        match replaced.iter().position(|(name, _)| name == column.name().as_str()) {
            Some(k) => out.append(&mut replaced.swap_remove(k).1),
            None => out.push(column.clone()),
        }
    }
    if let Some((name, _)) = replaced.first() {
        return Err(MlError::UnknownColumn { name: name.clone(), available: column_names(df) });
    }
    check_unique(out.iter().map(|c| c.name().as_str()))?;
    DataFrame::new(df.height(), out).map_err(MlError::polars("assembling the transformed table"))
}

/// Fails naming the first output name that appears twice.
pub(crate) fn check_unique<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<()> {
    let mut seen = HashSet::new();
    for name in names {
        if !seen.insert(name) {
            return Err(MlError::InvalidParameter {
                name: "columns",
                reason: format!(
                    "the output would hold two columns named `{name}`; rename or drop one of the \
                     inputs, or set `verbose_feature_names_out: true`"
                ),
            });
        }
    }
    Ok(())
}

/// The sorted distinct values of the categorical column `name`.
pub(crate) fn learn_categories(df: &DataFrame, name: &str) -> Result<ClassLabels> {
    Ok(match categorical_values(df, name)? {
        Values::Strings(mut v) => {
            v.sort();
            v.dedup();
            ClassLabels::Strings(v)
        }
        Values::Integers(mut v) => {
            v.sort_unstable();
            v.dedup();
            ClassLabels::Integers(v)
        }
    })
}

/// The position of each value of column `name` among `categories`, `None` for a value unseen
/// at fit time. Fails when the column is missing, holds nulls or changed kind since fit.
pub(crate) fn category_positions(
    df: &DataFrame,
    name: &str,
    categories: &ClassLabels,
) -> Result<Vec<Option<usize>>> {
    let values = categorical_values(df, name)?;
    match (categories, values) {
        (ClassLabels::Strings(known), Values::Strings(values)) => {
            Ok(values.iter().map(|v| known.binary_search(v).ok()).collect())
        }
        (ClassLabels::Integers(known), Values::Integers(values)) => {
            Ok(values.iter().map(|v| known.binary_search(v).ok()).collect())
        }
        (known, _) => Err(MlError::UnsupportedDtype {
            column: name.to_owned(),
            dtype: find_column(df, name)?.dtype().to_string(),
            expected: if matches!(known, ClassLabels::Strings(_)) {
                "a string or categorical type, as at fit time,"
            } else {
                "an integer type, as at fit time,"
            },
        }),
    }
}

/// The error for values of column `name` that the encoder did not see at fit time.
pub(crate) fn unseen_error(
    df: &DataFrame,
    name: &str,
    positions: &[Option<usize>],
    categories: &ClassLabels,
) -> Result<MlError> {
    let values = match categorical_values(df, name)? {
        Values::Strings(v) => v,
        Values::Integers(v) => v.iter().map(ToString::to_string).collect(),
    };
    let mut labels: Vec<String> =
        positions.iter().zip(values).filter(|(p, _)| p.is_none()).map(|(_, v)| v).collect();
    labels.sort();
    labels.dedup();
    Ok(MlError::UnseenLabels { column: name.to_owned(), labels, classes: categories.names() })
}
