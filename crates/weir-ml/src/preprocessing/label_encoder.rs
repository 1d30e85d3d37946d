//! [`LabelEncoder`]: maps class labels (strings or integers) to codes `0..K` and back, with
//! scikit-learn's ordering.
//!
//! Classes are sorted like `numpy.unique`: strings by Unicode code point (so `"Z"` comes before
//! `"a"`, and `"10"` before `"9"`), integers numerically. Code `k` is the `k`-th class.
//! Categorical columns are read through their string values.
//!
//! # Limitations
//! Labels must be all strings or all integers; float and boolean labels are rejected. Nulls are
//! rejected rather than treated as a class.

use std::collections::BTreeSet;

use polars::prelude::{Column, DataType};
use serde::{Deserialize, Serialize};

use crate::error::{MlError, Result};

/// The sorted, distinct classes a [`LabelEncoder`] knows; position `k` holds the label of code
/// `k`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClassLabels {
    /// String labels, sorted by code point.
    Strings(Vec<String>),
    /// Integer labels, sorted numerically.
    Integers(Vec<i64>),
}

impl ClassLabels {
    /// Number of classes.
    pub fn len(&self) -> usize {
        match self {
            ClassLabels::Strings(classes) => classes.len(),
            ClassLabels::Integers(classes) => classes.len(),
        }
    }

    /// Whether there are no classes.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every class as text, in code order: handy as `target_names` of a classification report.
    pub fn names(&self) -> Vec<String> {
        match self {
            ClassLabels::Strings(classes) => classes.clone(),
            ClassLabels::Integers(classes) => classes.iter().map(ToString::to_string).collect(),
        }
    }
}

/// Labels read from a column, before or after encoding.
enum Labels {
    Strings(Vec<String>),
    Integers(Vec<i64>),
}

/// Encodes class labels as codes `0..K`; see the module docs for the ordering.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelEncoder {
    classes: ClassLabels,
}

impl LabelEncoder {
    /// Learns the sorted distinct labels of a string, categorical or integer column.
    pub fn fit(column: &Column) -> Result<Self> {
        let classes = match read_labels(column)? {
            Labels::Strings(values) => ClassLabels::Strings(
                values.into_iter().collect::<BTreeSet<_>>().into_iter().collect(),
            ),
            Labels::Integers(values) => ClassLabels::Integers(
                values.into_iter().collect::<BTreeSet<_>>().into_iter().collect(),
            ),
        };
        Self::from_classes(classes)
    }

    /// An encoder over classes that are already known; they are sorted and de-duplicated here.
    pub fn from_classes(classes: ClassLabels) -> Result<Self> {
        let classes = match classes {
            ClassLabels::Strings(c) => ClassLabels::Strings(sorted_distinct(c)),
            ClassLabels::Integers(c) => ClassLabels::Integers(sorted_distinct(c)),
        };
        if classes.is_empty() {
            return Err(MlError::EmptyInput { what: "the label column" });
        }
        if u32::try_from(classes.len()).is_err() {
            return Err(MlError::InvalidParameter {
                name: "labels",
                reason: format!("{} classes do not fit in UInt32 codes", classes.len()),
            });
        }
        Ok(LabelEncoder { classes })
    }

    /// The known classes, in code order.
    pub fn classes(&self) -> &ClassLabels {
        &self.classes
    }

    /// Number of classes.
    pub fn n_classes(&self) -> usize {
        self.classes.len()
    }

    /// The code of every label in `column`; fails naming the labels it has not seen.
    pub fn encode(&self, column: &Column) -> Result<Vec<usize>> {
        let name = column.name().to_string();
        match (&self.classes, read_labels(column)?) {
            (ClassLabels::Strings(classes), Labels::Strings(values)) => {
                codes_of(&name, classes, &values, String::clone)
            }
            (ClassLabels::Integers(classes), Labels::Integers(values)) => {
                codes_of(&name, classes, &values, ToString::to_string)
            }
            (ClassLabels::Strings(_), Labels::Integers(_)) => Err(MlError::UnsupportedDtype {
                column: name,
                dtype: column.dtype().to_string(),
                expected: "string labels, as at fit time,",
            }),
            (ClassLabels::Integers(_), Labels::Strings(_)) => Err(MlError::UnsupportedDtype {
                column: name,
                dtype: column.dtype().to_string(),
                expected: "integer labels, as at fit time,",
            }),
        }
    }

    /// The codes of `column` as a `UInt32` column of the same name.
    pub fn transform(&self, column: &Column) -> Result<Column> {
        let codes = self.encode(column)?;
        let codes: Vec<u32> = codes
            .into_iter()
            .map(|code| u32::try_from(code).expect("fit caps the class count at u32::MAX"))
            .collect();
        Ok(Column::new(column.name().clone(), codes))
    }

    /// Turns an integer column of codes back into labels (a `String` or `Int64` column of the
    /// same name); fails on nulls and on codes outside `0..K`.
    pub fn inverse_transform(&self, codes: &Column) -> Result<Column> {
        let name = codes.name().to_string();
        if !codes.dtype().is_integer() {
            return Err(MlError::UnsupportedDtype {
                column: name,
                dtype: codes.dtype().to_string(),
                expected: "an integer type",
            });
        }
        if codes.null_count() > 0 {
            return Err(MlError::NullValues { column: name, count: codes.null_count() });
        }

        let cast = codes
            .cast(&DataType::Int64)
            .map_err(MlError::polars(format!("casting `{name}` to Int64")))?;
        let raw = cast.i64().map_err(MlError::polars(format!("reading `{name}` as Int64")))?;
        let max = self.n_classes() - 1;
        let checked: Vec<usize> = raw
            .into_no_null_iter()
            .map(|code| match usize::try_from(code) {
                Ok(index) if index <= max => Ok(index),
                _ => Err(MlError::InvalidCode { column: name.clone(), code, max }),
            })
            .collect::<Result<_>>()?;
        self.decode(&checked, &name)
    }

    /// The labels of `codes` as a column called `name`; fails on codes outside `0..K`.
    pub fn decode(&self, codes: &[usize], name: &str) -> Result<Column> {
        let max = self.n_classes() - 1;
        if let Some(&bad) = codes.iter().find(|&&code| code > max) {
            return Err(MlError::InvalidCode {
                column: name.to_owned(),
                code: i64::try_from(bad).unwrap_or(i64::MAX),
                max,
            });
        }

        Ok(match &self.classes {
            ClassLabels::Strings(classes) => {
                let labels: Vec<&str> = codes.iter().map(|&c| classes[c].as_str()).collect();
                Column::new(name.into(), labels)
            }
            ClassLabels::Integers(classes) => {
                let labels: Vec<i64> = codes.iter().map(|&c| classes[c]).collect();
                Column::new(name.into(), labels)
            }
        })
    }
}

/// Reads a label column as strings or integers, rejecting nulls and other types.
fn read_labels(column: &Column) -> Result<Labels> {
    let name = column.name().to_string();
    if column.null_count() > 0 {
        return Err(MlError::NullValues { column: name, count: column.null_count() });
    }

    let dtype = column.dtype();
    if dtype.is_integer() {
        let cast = column
            .cast(&DataType::Int64)
            .map_err(MlError::polars(format!("casting `{name}` to Int64")))?;
        let values = cast.i64().map_err(MlError::polars(format!("reading `{name}` as Int64")))?;
        return Ok(Labels::Integers(values.into_no_null_iter().collect()));
    }
    if matches!(dtype, DataType::String | DataType::Categorical(..) | DataType::Enum(..)) {
        let cast = column
            .cast(&DataType::String)
            .map_err(MlError::polars(format!("casting `{name}` to String")))?;
        let values = cast.str().map_err(MlError::polars(format!("reading `{name}` as String")))?;
        return Ok(Labels::Strings(values.iter().flatten().map(str::to_owned).collect()));
    }
    Err(MlError::UnsupportedDtype {
        column: name,
        dtype: dtype.to_string(),
        expected: "a string, categorical or integer type",
    })
}

/// Looks every value up in the sorted `classes`; unseen values become one error listing them.
fn codes_of<T: Ord + Clone>(
    column: &str,
    classes: &[T],
    values: &[T],
    to_text: impl Fn(&T) -> String,
) -> Result<Vec<usize>> {
    let mut unseen = BTreeSet::new();
    let codes: Vec<usize> = values
        .iter()
        .map(|value| {
            classes.binary_search(value).unwrap_or_else(|_| {
                unseen.insert(value.clone());
                0
            })
        })
        .collect();

    if unseen.is_empty() {
        return Ok(codes);
    }
    Err(MlError::UnseenLabels {
        column: column.to_owned(),
        labels: unseen.iter().map(&to_text).collect(),
        classes: classes.iter().map(&to_text).collect(),
    })
}

fn sorted_distinct<T: Ord>(values: Vec<T>) -> Vec<T> {
    values.into_iter().collect::<BTreeSet<_>>().into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(name: &str, values: &[&str]) -> Column {
        Column::new(name.into(), values)
    }

    #[test]
    fn string_classes_sort_by_code_point() {
        let encoder = LabelEncoder::fit(&strings("s", &["b", "B", "a", "10", "9", "a"])).unwrap();

        assert_eq!(
            encoder.classes(),
            &ClassLabels::Strings(vec![
                "10".into(),
                "9".into(),
                "B".into(),
                "a".into(),
                "b".into()
            ])
        );
    }

    #[test]
    fn integer_classes_sort_numerically_and_round_trip() {
        let column = Column::new("n".into(), [30i32, -2, 7, 30]);
        let encoder = LabelEncoder::fit(&column).unwrap();

        let codes = encoder.transform(&column).unwrap();
        let back = encoder.inverse_transform(&codes).unwrap();

        assert_eq!(encoder.classes(), &ClassLabels::Integers(vec![-2, 7, 30]));
        assert_eq!(codes.dtype(), &DataType::UInt32);
        assert_eq!(codes.u32().unwrap().into_no_null_iter().collect::<Vec<_>>(), [2, 0, 1, 2]);
        assert_eq!(back.i64().unwrap().into_no_null_iter().collect::<Vec<_>>(), [30, -2, 7, 30]);
    }

    #[test]
    fn unseen_labels_are_named_with_the_known_classes() {
        let encoder = LabelEncoder::fit(&strings("species", &["setosa", "virginica"])).unwrap();

        let error =
            encoder.encode(&strings("species", &["setosa", "dog", "cat", "dog"])).unwrap_err();

        assert_eq!(
            error.to_string(),
            "column `species` holds 2 label(s) unseen at fit time: `cat`, `dog`; \
             known classes: `setosa`, `virginica`"
        );
        assert!(error.hint().is_some());
    }

    #[test]
    fn categorical_columns_encode_like_strings() {
        let column = strings("c", &["y", "x", "y"])
            .cast(&DataType::from_categories(polars::prelude::Categories::global()))
            .unwrap();

        let encoder = LabelEncoder::fit(&column).unwrap();

        assert_eq!(encoder.encode(&column).unwrap(), [1, 0, 1]);
    }

    #[test]
    fn bad_codes_and_bad_columns_are_rejected() {
        let encoder = LabelEncoder::fit(&strings("s", &["a", "b"])).unwrap();

        let too_big = encoder.inverse_transform(&Column::new("c".into(), [0u32, 2])).unwrap_err();
        let negative = encoder.inverse_transform(&Column::new("c".into(), [-1i64])).unwrap_err();
        let floats = LabelEncoder::fit(&Column::new("f".into(), [1.5])).unwrap_err();
        let nulls = LabelEncoder::fit(&Column::new("s".into(), [Some("a"), None])).unwrap_err();
        let ints = encoder.encode(&Column::new("s".into(), [1i64])).unwrap_err();

        assert_eq!(too_big.to_string(), "column `c` holds code 2, but only codes 0 to 1 exist");
        assert!(matches!(negative, MlError::InvalidCode { code: -1, .. }));
        assert!(matches!(floats, MlError::UnsupportedDtype { .. }));
        assert!(matches!(nulls, MlError::NullValues { count: 1, .. }));
        assert!(matches!(ints, MlError::UnsupportedDtype { .. }));
        assert!(LabelEncoder::fit(&strings("e", &[])).is_err());
    }

    #[test]
    fn json_round_trip_keeps_the_encoding() {
        let column = strings("s", &["b", "a", "c"]);
        let encoder = LabelEncoder::fit(&column).unwrap();

        let back: LabelEncoder =
            serde_json::from_str(&serde_json::to_string(&encoder).unwrap()).unwrap();

        assert_eq!(back, encoder);
        assert_eq!(back.encode(&column).unwrap(), [1, 0, 2]);
    }
}
