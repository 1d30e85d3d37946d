//! [`SimpleImputer`]: fills missing values (nulls, and NaN in float columns) with a per-column
//! statistic learnt at fit time, with scikit-learn's strategies.
//!
//! `mean` and `median` need numeric columns; `most_frequent` takes the most frequent value,
//! the smallest one on a tie, as scikit-learn does; `constant` fills with `fill_value`
//! (default 0 for numbers and `missing_value` for strings, as in scikit-learn).
//!
//! Numeric columns come out as `Float64`, except that an integer column stays `Int64` when its
//! fill is a whole number under `most_frequent` or `constant`, so an encoder after the imputer
//! still sees integer categories (`Age_3`, not scikit-learn's `Age_3.0`). String and
//! categorical columns come out as `String`.
//!
//! # Limitations
//! Only nulls and NaN count as missing (no `missing_values` sentinel such as `-1`). A column
//! with no value at all is an error, where scikit-learn drops it with a warning. No
//! `add_indicator`. Integer columns pass through `f64`, so values beyond 2^53 lose precision.

use std::cmp::Ordering;

use polars::prelude::{Column, DataFrame, DataType, PlSmallStr};
use serde::{Deserialize, Serialize};

use super::columns::{cast, check_rows, column_list, replace_columns};
use crate::error::{MlError, Result};
use crate::matrix::find_column;

/// How [`SimpleImputer`] picks the fill value of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImputeStrategy {
    /// The mean of the present values (numeric columns only).
    #[default]
    Mean,
    /// The median of the present values (numeric columns only).
    Median,
    /// The most frequent present value, the smallest on a tie.
    MostFrequent,
    /// `fill_value`.
    Constant,
}

/// A fill value: a number for numeric columns, text for string columns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FillValue {
    /// For numeric columns.
    Number(f64),
    /// For string and categorical columns.
    Text(String),
}

/// Options of [`SimpleImputer`]; in YAML `{strategy: most_frequent}` or
/// `{strategy: constant, fill_value: unknown}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SimpleImputerParams {
    /// `mean` (default), `median`, `most_frequent` or `constant`.
    pub strategy: ImputeStrategy,
    /// The value used by `constant`; see the module docs for the defaults.
    pub fill_value: Option<FillValue>,
}

/// A fitted imputer: one fill value per column. [`SimpleImputer::fit`] returns it, so there is
/// no way to transform before fitting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimpleImputer {
    params: SimpleImputerParams,
    feature_names: Vec<String>,
    statistics: Vec<FillValue>,
}

/// A column's present values, numeric or text.
enum Present {
    Numbers(Vec<f64>),
    Texts(Vec<String>),
}

impl SimpleImputer {
    /// Learns a fill value for each named column of `df`.
    ///
    /// Fails on an empty list or table, repeats, unknown columns, types other than numeric,
    /// string or categorical, `mean`/`median` on a string column, a `fill_value` of the wrong
    /// kind, and a column with no value present.
    pub fn fit<S: AsRef<str>>(
        df: &DataFrame,
        columns: &[S],
        params: &SimpleImputerParams,
    ) -> Result<Self> {
        let names = column_list(columns, "the list of columns to impute")?;
        check_rows(df, "the table to fit the imputer on")?;
        let statistics = names
            .iter()
            .map(|name| statistic(find_column(df, name)?, params))
            .collect::<Result<_>>()?;
        Ok(SimpleImputer { params: params.clone(), feature_names: names, statistics })
    }

    /// A copy of `df` with the missing values of every fitted column filled, in place; other
    /// columns are left untouched. Fails when a fitted column is absent or changed kind
    /// (numeric against text).
    pub fn transform(&self, df: &DataFrame) -> Result<DataFrame> {
        let mut replaced = Vec::with_capacity(self.feature_names.len());
        for (name, fill) in self.feature_names.iter().zip(&self.statistics) {
            let filled = self.fill(find_column(df, name)?, fill)?;
            replaced.push((name.clone(), vec![filled]));
        }
        replace_columns(df, replaced)
    }

    /// The output columns: the fitted columns, in fit order.
    pub fn feature_names_out(&self) -> &[String] {
        &self.feature_names
    }

    /// The fill value of each column, in fit order (scikit-learn's `statistics_`).
    pub fn statistics(&self) -> &[FillValue] {
        &self.statistics
    }

    fn fill(&self, column: &Column, fill: &FillValue) -> Result<Column> {
        let name = column.name().clone();
        match (read_column(column)?, fill) {
            (Entries::Numbers { values, integer }, FillValue::Number(fill)) => {
                let whole_fill = matches!(
                    self.params.strategy,
                    ImputeStrategy::MostFrequent | ImputeStrategy::Constant
                ) && fill.fract() == 0.0;
                Ok(fill_numbers(name, values, *fill, integer && whole_fill))
            }
            (Entries::Texts(values), FillValue::Text(fill)) => {
                let filled: Vec<String> =
                    values.into_iter().map(|v| v.unwrap_or_else(|| fill.clone())).collect();
                Ok(Column::new(name, filled))
            }
            (_, fill) => Err(MlError::UnsupportedDtype {
                column: name.to_string(),
                dtype: column.dtype().to_string(),
                expected: if matches!(fill, FillValue::Number(_)) {
                    "a numeric type, as at fit time,"
                } else {
                    "a string or categorical type, as at fit time,"
                },
            }),
        }
    }
}

/// `values` with `None` and NaN replaced by `fill`, as `Int64` when `as_integer`, else `Float64`.
fn fill_numbers(name: PlSmallStr, values: Vec<Option<f64>>, fill: f64, as_integer: bool) -> Column {
    let filled = values.into_iter().map(|v| v.filter(|v| !v.is_nan()).unwrap_or(fill));
    if as_integer {
        #[expect(clippy::cast_possible_truncation, reason = "whole values of an integer column")]
        let ints: Vec<i64> = filled.map(|v| v as i64).collect();
        Column::new(name, ints)
    } else {
        Column::new(name, filled.collect::<Vec<f64>>())
    }
}

/// A column read with its missing entries as `None`.
enum Entries {
    Numbers { values: Vec<Option<f64>>, integer: bool },
    Texts(Vec<Option<String>>),
}

fn read_column(column: &Column) -> Result<Entries> {
    let name = column.name().to_string();
    let dtype = column.dtype();
    if dtype.is_primitive_numeric() {
        let cast = cast(column, &DataType::Float64)?;
        let floats = cast.f64().map_err(MlError::polars(format!("reading `{name}` as Float64")))?;
        return Ok(Entries::Numbers {
            values: floats.iter().collect(),
            integer: dtype.is_integer(),
        });
    }
    if matches!(dtype, DataType::String | DataType::Categorical(..) | DataType::Enum(..)) {
        let cast = cast(column, &DataType::String)?;
        let texts = cast.str().map_err(MlError::polars(format!("reading `{name}` as text")))?;
        return Ok(Entries::Texts(texts.iter().map(|v| v.map(str::to_owned)).collect()));
    }
    Err(MlError::UnsupportedDtype {
        column: name,
        dtype: dtype.to_string(),
        expected: "a numeric, string or categorical type",
    })
}

/// The present (non-null, non-NaN) values of a column.
fn present(column: &Column) -> Result<Present> {
    Ok(match read_column(column)? {
        Entries::Numbers { values, .. } => {
            Present::Numbers(values.into_iter().flatten().filter(|v| !v.is_nan()).collect())
        }
        Entries::Texts(values) => Present::Texts(values.into_iter().flatten().collect()),
    })
}

/// The fill value of one column under `params`.
fn statistic(column: &Column, params: &SimpleImputerParams) -> Result<FillValue> {
    let name = column.name().to_string();
    let present = present(column)?;
    let is_empty = match &present {
        Present::Numbers(values) => values.is_empty(),
        Present::Texts(values) => values.is_empty(),
    };
    if is_empty && params.strategy != ImputeStrategy::Constant {
        return Err(MlError::InvalidParameter {
            name: "columns",
            reason: format!("column `{name}` holds no value to learn a fill value from"),
        });
    }
    match (params.strategy, present) {
        (ImputeStrategy::Mean, Present::Numbers(values)) => {
            Ok(FillValue::Number(values.iter().sum::<f64>() / values.len() as f64))
        }
        (ImputeStrategy::Median, Present::Numbers(mut values)) => {
            values.sort_by(f64::total_cmp);
            let mid = values.len() / 2;
            let median = if values.len() % 2 == 1 {
                values[mid]
            } else {
                f64::midpoint(values[mid - 1], values[mid])
            };
            Ok(FillValue::Number(median))
        }
        (ImputeStrategy::MostFrequent, Present::Numbers(mut values)) => {
            values.sort_by(f64::total_cmp);
            Ok(FillValue::Number(most_frequent(&values, f64::total_cmp)))
        }
        (ImputeStrategy::MostFrequent, Present::Texts(mut values)) => {
            values.sort();
            Ok(FillValue::Text(most_frequent(&values, Ord::cmp)))
        }
        (ImputeStrategy::Constant, present) => constant(&name, params, &present),
        (strategy, Present::Texts(_)) => Err(MlError::UnsupportedDtype {
            column: name,
            dtype: column.dtype().to_string(),
            expected: if strategy == ImputeStrategy::Mean {
                "a numeric type for strategy `mean`"
            } else {
                "a numeric type for strategy `median`"
            },
        }),
    }
}

/// The first value of the longest run in sorted `values` (so the smallest on a tie).
fn most_frequent<T: Clone>(values: &[T], cmp: impl Fn(&T, &T) -> Ordering) -> T {
    let (mut best, mut best_len) = (0, 0);
    let mut start = 0;
    while start < values.len() {
        let end =
            start + values[start..].iter().take_while(|v| cmp(v, &values[start]).is_eq()).count();
        if end - start > best_len {
            (best, best_len) = (start, end - start);
        }
        start = end;
    }
    values[best].clone()
}

/// `fill_value`, or its default, checked against the kind of the column.
fn constant(name: &str, params: &SimpleImputerParams, present: &Present) -> Result<FillValue> {
    match (present, &params.fill_value) {
        (Present::Numbers(_), None) => Ok(FillValue::Number(0.0)),
        (Present::Texts(_), None) => Ok(FillValue::Text("missing_value".to_owned())),
        (Present::Numbers(_), Some(FillValue::Number(v))) if v.is_finite() => {
            Ok(FillValue::Number(*v))
        }
        (Present::Texts(_), Some(FillValue::Text(v))) => Ok(FillValue::Text(v.clone())),
        (_, Some(value)) => Err(MlError::InvalidParameter {
            name: "fill_value",
            reason: format!(
                "{value:?} does not suit column `{name}`; numeric columns need a finite number \
                 and string columns need text"
            ),
        }),
    }
}

#[cfg(test)]
mod tests {
    use polars::df;

    use super::*;

    fn table() -> DataFrame {
        df!(
            "f" => [Some(1.0), None, Some(f64::NAN), Some(4.0), Some(4.0)],
            "i" => [Some(3i64), Some(1), None, Some(1), Some(3)],
            "s" => [Some("b"), None, Some("a"), Some("b"), Some("a")],
        )
        .unwrap()
    }

    fn params(strategy: ImputeStrategy) -> SimpleImputerParams {
        SimpleImputerParams { strategy, fill_value: None }
    }

    #[test]
    fn strategies_on_numbers_treat_null_and_nan_as_missing() {
        let check = |strategy, want: [f64; 2]| {
            let imputer = SimpleImputer::fit(&table(), &["f", "i"], &params(strategy)).unwrap();
            assert_eq!(
                imputer.statistics(),
                [FillValue::Number(want[0]), FillValue::Number(want[1])]
            );
        };
        check(ImputeStrategy::Mean, [3.0, 2.0]);
        check(ImputeStrategy::Median, [4.0, 2.0]);
        check(ImputeStrategy::MostFrequent, [4.0, 1.0]);
        check(ImputeStrategy::Constant, [0.0, 0.0]);
    }

    #[test]
    fn most_frequent_strings_take_the_smallest_on_a_tie_and_keep_integers() {
        let imputer =
            SimpleImputer::fit(&table(), &["s", "i"], &params(ImputeStrategy::MostFrequent))
                .unwrap();

        let out = imputer.transform(&table()).unwrap();

        assert_eq!(imputer.statistics()[0], FillValue::Text("a".to_owned()));
        let s: Vec<&str> = out.column("s").unwrap().str().unwrap().iter().flatten().collect();
        assert_eq!(s, ["b", "a", "a", "b", "a"]);
        assert_eq!(out.column("i").unwrap().dtype(), &DataType::Int64);
        assert_eq!(out.column("f").unwrap(), table().column("f").unwrap());
    }

    #[test]
    fn mean_on_text_and_wrong_fill_values_are_rejected() {
        let mean = SimpleImputer::fit(&table(), &["s"], &params(ImputeStrategy::Mean)).unwrap_err();
        let fill = SimpleImputerParams {
            strategy: ImputeStrategy::Constant,
            fill_value: Some(FillValue::Text("x".to_owned())),
        };
        let wrong = SimpleImputer::fit(&table(), &["f"], &fill).unwrap_err();

        assert!(matches!(mean, MlError::UnsupportedDtype { ref column, .. } if column == "s"));
        assert!(matches!(wrong, MlError::InvalidParameter { name: "fill_value", .. }));
    }

    #[test]
    fn transform_rejects_a_column_that_changed_kind() {
        let imputer =
            SimpleImputer::fit(&table(), &["s"], &params(ImputeStrategy::MostFrequent)).unwrap();
        let numbers = df!("s" => [1.0, 2.0]).unwrap();

        let error = imputer.transform(&numbers).unwrap_err();

        assert!(matches!(error, MlError::UnsupportedDtype { ref column, .. } if column == "s"));
    }
}
