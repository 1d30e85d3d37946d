//! [`Matrix`], the dense row-major `f64` matrix that models work on, and the helpers that move
//! data between Polars `DataFrame`s and it.
//!
//! Reading a column checks everything a model needs once, at the boundary: the column exists
//! (with a "did you mean" hint when it does not), it has a numeric type, and it holds no nulls,
//! NaN or infinities. Code behind this boundary may assume clean, finite numbers.
//!
//! # Limitations
//! Matrices are dense and held in memory; there is no sparse or out-of-core storage yet. Integer
//! columns are read as `f64`, so integers beyond 2^53 lose precision.

use polars::prelude::{Column, DataFrame, DataType};
use serde::{Deserialize, Serialize};

use crate::error::{MlError, Result};

/// A dense matrix of `f64` stored row by row: row `r` is `data[r * n_cols..(r + 1) * n_cols]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Matrix {
    n_rows: usize,
    n_cols: usize,
    data: Vec<f64>,
}

impl Matrix {
    /// A matrix of zeros.
    pub fn zeros(n_rows: usize, n_cols: usize) -> Self {
        Matrix { n_rows, n_cols, data: vec![0.0; n_rows * n_cols] }
    }

    /// A matrix over `data`, laid out row by row.
    pub fn from_vec(n_rows: usize, n_cols: usize, data: Vec<f64>) -> Result<Self> {
        if data.len() != n_rows * n_cols {
            return Err(MlError::LengthMismatch {
                left: "the matrix shape",
                left_len: n_rows * n_cols,
                right: "the data",
                right_len: data.len(),
            });
        }
        Ok(Matrix { n_rows, n_cols, data })
    }

    /// A matrix from equally long rows.
    pub fn from_rows<R: AsRef<[f64]>>(rows: &[R]) -> Result<Self> {
        let n_cols = rows.first().map_or(0, |row| row.as_ref().len());
        let mut data = Vec::with_capacity(rows.len() * n_cols);
        for row in rows {
            let row = row.as_ref();
            if row.len() != n_cols {
                return Err(MlError::LengthMismatch {
                    left: "the first row",
                    left_len: n_cols,
                    right: "a later row",
                    right_len: row.len(),
                });
            }
            data.extend_from_slice(row);
        }
        Ok(Matrix { n_rows: rows.len(), n_cols, data })
    }

    /// Reads the named numeric columns of `df`, in the order given, into a matrix.
    ///
    /// Fails on an unknown column, a non-numeric column, nulls, NaN or infinities.
    pub fn from_columns<S: AsRef<str>>(df: &DataFrame, columns: &[S]) -> Result<Self> {
        let values: Vec<Vec<f64>> =
            columns.iter().map(|name| float_values(df, name.as_ref())).collect::<Result<_>>()?;

        let n_rows = df.height();
        let n_cols = values.len();
        let mut data = vec![0.0; n_rows * n_cols];
        for (j, column) in values.iter().enumerate() {
            for (i, value) in column.iter().enumerate() {
                data[i * n_cols + j] = *value;
            }
        }
        Ok(Matrix { n_rows, n_cols, data })
    }

    /// A `DataFrame` with one `Float64` column per matrix column, named by `names`.
    pub fn to_dataframe<S: AsRef<str>>(&self, names: &[S]) -> Result<DataFrame> {
        if names.len() != self.n_cols {
            return Err(MlError::LengthMismatch {
                left: "the matrix columns",
                left_len: self.n_cols,
                right: "the column names",
                right_len: names.len(),
            });
        }

        let columns: Vec<Column> = names
            .iter()
            .enumerate()
            .map(|(j, name)| Column::new(name.as_ref().into(), self.column(j)))
            .collect();
        DataFrame::new(self.n_rows, columns).map_err(MlError::polars("building a DataFrame"))
    }

    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.n_rows
    }

    /// Number of columns.
    pub fn n_cols(&self) -> usize {
        self.n_cols
    }

    /// `(rows, columns)`.
    pub fn shape(&self) -> (usize, usize) {
        (self.n_rows, self.n_cols)
    }

    /// Whether the matrix has no cells.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// All cells, row by row.
    pub fn as_slice(&self) -> &[f64] {
        &self.data
    }

    /// Consumes the matrix and returns its cells, row by row.
    pub fn into_vec(self) -> Vec<f64> {
        self.data
    }

    /// Row `r`. Panics when `r` is out of range, like slice indexing.
    pub fn row(&self, r: usize) -> &[f64] {
        &self.data[r * self.n_cols..(r + 1) * self.n_cols]
    }

    /// Row `r`, mutably. Panics when `r` is out of range.
    pub fn row_mut(&mut self, r: usize) -> &mut [f64] {
        &mut self.data[r * self.n_cols..(r + 1) * self.n_cols]
    }

    /// The rows in order. An empty iterator when the matrix has no columns.
    pub fn rows(&self) -> impl Iterator<Item = &[f64]> {
        self.data.chunks_exact(self.n_cols.max(1)).take(self.n_rows)
    }

    /// Cell `(r, c)`. Panics when out of range.
    pub fn get(&self, r: usize, c: usize) -> f64 {
        assert!(c < self.n_cols, "column {c} out of range for {} columns", self.n_cols);
        self.data[r * self.n_cols + c]
    }

    /// A copy of column `c`. Panics when out of range.
    pub fn column(&self, c: usize) -> Vec<f64> {
        assert!(c < self.n_cols, "column {c} out of range for {} columns", self.n_cols);
        self.rows().map(|row| row[c]).collect()
    }

    /// Fails with [`MlError::NonFiniteValues`] when a cell is NaN or infinite, naming the first
    /// such column as `names[j]`, or `x<j>` when `names` is shorter.
    pub(crate) fn check_finite(&self, names: &[String]) -> Result<()> {
        for j in 0..self.n_cols {
            let count = self.rows().filter(|row| !row[j].is_finite()).count();
            if count > 0 {
                let column = names.get(j).cloned().unwrap_or_else(|| format!("x{j}"));
                return Err(MlError::NonFiniteValues { column, count });
            }
        }
        Ok(())
    }
}

/// The column `name` of `df`, or an error listing the columns that exist.
pub fn find_column<'a>(df: &'a DataFrame, name: &str) -> Result<&'a Column> {
    df.column(name)
        .map_err(|_| MlError::UnknownColumn { name: name.to_owned(), available: column_names(df) })
}

/// The values of the numeric column `name` as `f64`, checked to be present and finite.
pub fn float_values(df: &DataFrame, name: &str) -> Result<Vec<f64>> {
    let column = find_column(df, name)?;
    column_float_values(column)
}

/// The values of a numeric column as `f64`, checked to be present and finite.
pub fn column_float_values(column: &Column) -> Result<Vec<f64>> {
    let name = column.name().to_string();
    if !column.dtype().is_primitive_numeric() {
        return Err(MlError::UnsupportedDtype {
            column: name,
            dtype: column.dtype().to_string(),
            expected: "an integer or float type",
        });
    }

    let nulls = column.null_count();
    if nulls > 0 {
        return Err(MlError::NullValues { column: name, count: nulls });
    }

    let cast = column
        .cast(&DataType::Float64)
        .map_err(MlError::polars(format!("casting `{name}` to Float64")))?;
    let floats = cast.f64().map_err(MlError::polars(format!("reading `{name}` as Float64")))?;
    let values: Vec<f64> = floats.into_no_null_iter().collect();

    let non_finite = values.iter().filter(|v| !v.is_finite()).count();
    if non_finite > 0 {
        return Err(MlError::NonFiniteValues { column: name, count: non_finite });
    }
    Ok(values)
}

/// The names of the columns of `df`, as owned strings.
pub fn column_names(df: &DataFrame) -> Vec<String> {
    df.get_column_names().iter().map(ToString::to_string).collect()
}

#[cfg(test)]
mod tests {
    use polars::df;

    use super::*;

    fn table() -> DataFrame {
        df!(
            "a" => [1.0, 2.0, 3.0],
            "b" => [10i64, 20, 30],
            "name" => ["x", "y", "z"],
        )
        .expect("valid frame")
    }

    #[test]
    fn from_columns_lays_rows_out_in_the_given_column_order() {
        let m = Matrix::from_columns(&table(), &["b", "a"]).unwrap();

        assert_eq!(m.shape(), (3, 2));
        assert_eq!(m.as_slice(), &[10.0, 1.0, 20.0, 2.0, 30.0, 3.0]);
        assert_eq!(m.row(1), &[20.0, 2.0]);
        assert_eq!(m.column(1), vec![1.0, 2.0, 3.0]);
    }

    #[test]
    fn unknown_column_error_lists_what_exists() {
        let error = Matrix::from_columns(&table(), &["c"]).unwrap_err();

        assert!(
            matches!(&error, MlError::UnknownColumn { name, available }
                if name == "c" && available == &["a", "b", "name"]),
            "{error:?}"
        );
    }

    #[test]
    fn string_column_is_rejected_with_its_type() {
        let error = float_values(&table(), "name").unwrap_err();

        assert_eq!(
            error.to_string(),
            "column `name` has type `str`, but an integer or float type is needed"
        );
    }

    #[test]
    fn nulls_and_nan_are_counted() {
        let df = df!(
            "nulls" => [Some(1.0), None, None],
            "nan" => [f64::NAN, 1.0, f64::INFINITY],
        )
        .unwrap();

        let nulls = float_values(&df, "nulls").unwrap_err();
        let nan = float_values(&df, "nan").unwrap_err();

        assert!(matches!(nulls, MlError::NullValues { ref column, count: 2 } if column == "nulls"));
        assert!(
            matches!(nan, MlError::NonFiniteValues { ref column, count: 2 } if column == "nan")
        );
    }

    #[test]
    fn dataframe_round_trip_keeps_values_and_names() {
        let m = Matrix::from_rows(&[[1.0, 2.0], [3.0, 4.0]]).unwrap();

        let df = m.to_dataframe(&["p", "q"]).unwrap();
        let back = Matrix::from_columns(&df, &["p", "q"]).unwrap();

        assert_eq!(back, m);
        assert_eq!(column_names(&df), ["p", "q"]);
    }

    #[test]
    fn ragged_rows_and_bad_shapes_are_rejected() {
        assert!(Matrix::from_rows(&[vec![1.0, 2.0], vec![3.0]]).is_err());
        assert!(Matrix::from_vec(2, 2, vec![1.0; 3]).is_err());
        assert!(Matrix::zeros(2, 2).to_dataframe(&["only_one"]).is_err());
    }

    #[test]
    fn check_finite_names_the_column() {
        let m = Matrix::from_rows(&[[1.0, f64::NAN], [2.0, f64::NAN]]).unwrap();

        let error = m.check_finite(&[]).unwrap_err();

        assert!(
            matches!(error, MlError::NonFiniteValues { ref column, count: 2 } if column == "x1")
        );
    }
}
