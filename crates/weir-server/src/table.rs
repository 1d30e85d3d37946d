//! Request rows in, response rows out: JSON instances and CSV bodies become `DataFrame`s checked
//! against an input's [`TableSchema`], and output frames become JSON rows or CSV text.
//!
//! A schema is the column names and dtypes of the input dataset as configured, read once at
//! start-up (e.g. the header and types of the CSV the catalog declares). A request must carry
//! every schema column with a compatible type; its columns are then cast to the schema's dtypes,
//! so nodes see exactly what they would see when the pipeline reads the file.
//!
//! # Limitations
//! - JSON values are typed as integers, floats, text, booleans or null; nested objects and
//!   arrays are rejected. Dates and times are sent as text and cast to the schema's dtype.
//! - Columns that the schema does not know are kept as they are, after the schema's columns.

use std::io::Cursor;

use weir_core::polars::prelude::{
    AnyValue, CsvReadOptions, CsvWriter, DataFrame, DataType, IntoColumn, NamedFrom, SerReader,
    SerWriter, Series,
};

/// The columns an input dataset is expected to have.
#[derive(Debug, Clone, PartialEq)]
pub struct TableSchema {
    columns: Vec<SchemaColumn>,
}

/// One expected column.
#[derive(Debug, Clone, PartialEq)]
pub struct SchemaColumn {
    /// The column's name.
    pub name: String,
    /// The dtype nodes receive.
    pub dtype: DataType,
    /// Whether empty values are allowed (the sample the schema came from had some).
    pub nullable: bool,
}

/// Why request rows do not fit: missing columns and columns of the wrong type.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SchemaMismatch {
    /// Schema columns the request lacks.
    pub missing: Vec<String>,
    /// Columns present with the wrong type or with empty values, each with an explanation.
    pub mistyped: Vec<(String, String)>,
}

impl SchemaMismatch {
    fn is_empty(&self) -> bool {
        self.missing.is_empty() && self.mistyped.is_empty()
    }

    /// One line naming every problem, for the `detail` of a 422 response.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if !self.missing.is_empty() {
            parts.push(format!("missing column(s) {}", quote_all(&self.missing)));
        }
        for (column, problem) in &self.mistyped {
            parts.push(format!("column `{column}` {problem}"));
        }
        parts.join("; ")
    }
}

impl TableSchema {
    /// The schema of `frame`: its columns, dtypes and whether each holds empty values.
    pub fn of_frame(frame: &DataFrame) -> TableSchema {
        let columns = frame
            .columns()
            .iter()
            .map(|column| SchemaColumn {
                name: column.name().to_string(),
                dtype: column.dtype().clone(),
                nullable: column.null_count() > 0,
            })
            .collect();
        TableSchema { columns }
    }

    /// The expected columns, in order.
    pub fn columns(&self) -> &[SchemaColumn] {
        &self.columns
    }

    /// Checks `frame` and casts its columns to the schema's dtypes, schema columns first.
    pub fn conform(&self, frame: &DataFrame) -> Result<DataFrame, SchemaMismatch> {
        let mut mismatch = SchemaMismatch::default();
        let mut columns = Vec::with_capacity(frame.width());

        for expected in &self.columns {
            let Ok(column) = frame.column(&expected.name) else {
                mismatch.missing.push(expected.name.clone());
                continue;
            };
            match conform_column(column.as_materialized_series(), expected) {
                Ok(series) => columns.push(series.into_column()),
                Err(problem) => mismatch.mistyped.push((expected.name.clone(), problem)),
            }
        }
        if !mismatch.is_empty() {
            return Err(mismatch);
        }

        let extra = frame
            .columns()
            .iter()
            .filter(|column| self.columns.iter().all(|c| c.name != column.name().as_str()));
        columns.extend(extra.cloned());
        DataFrame::new(frame.height(), columns).map_err(|error| SchemaMismatch {
            missing: Vec::new(),
            mistyped: vec![(String::new(), error.to_string())],
        })
    }
}

/// Casts one request column to the expected dtype, or says why it cannot be.
fn conform_column(series: &Series, expected: &SchemaColumn) -> Result<Series, String> {
    let found = series.dtype();
    if !expected.nullable && series.null_count() > 0 {
        let row = series.iter().position(|value| value.is_null()).unwrap_or_default();
        return Err(format!("has an empty value (row {row}) but must always be filled"));
    }
    if found == &expected.dtype {
        return Ok(series.clone());
    }

    let compatible = match found {
        DataType::Null => true,
        DataType::Int64 => expected.dtype.is_primitive_numeric(),
        DataType::Float64 if expected.dtype.is_integer() => has_only_whole_numbers(series),
        DataType::Float64 => expected.dtype.is_float(),
        DataType::String => expected.dtype.is_temporal(),
        _ => false,
    };
    let cast = if compatible { series.strict_cast(&expected.dtype).ok() } else { None };
    cast.ok_or_else(|| {
        format!("expects {} but holds {}", describe_dtype(&expected.dtype), describe_dtype(found))
    })
}

fn has_only_whole_numbers(series: &Series) -> bool {
    let Ok(values) = series.f64() else { return false };
    values.iter().flatten().all(|value| value.fract() == 0.0)
}

/// A dtype in words a client understands.
pub fn describe_dtype(dtype: &DataType) -> String {
    let text = if dtype.is_integer() {
        "integers"
    } else if dtype.is_float() {
        "numbers"
    } else if dtype == &DataType::String {
        "text"
    } else if dtype == &DataType::Boolean {
        "booleans"
    } else if dtype == &DataType::Null {
        "only empty values"
    } else {
        return format!("`{dtype}` values");
    };
    text.to_owned()
}

/// Turns JSON objects (one per row) into a frame, typing each column from its values.
///
/// Keys missing from an object are empty values. An entry that is not an object, or a column
/// mixing kinds of values, is an error naming the row or column.
pub fn frame_from_instances(instances: &[serde_json::Value]) -> Result<DataFrame, String> {
    let mut names: Vec<&str> = Vec::new();
    for (row, instance) in instances.iter().enumerate() {
        let Some(object) = instance.as_object() else {
            return Err(format!(
                "instance {row} is {}, not a JSON object of column names to values",
                json_kind(instance)
            ));
        };
        for key in object.keys() {
            if !names.contains(&key.as_str()) {
                names.push(key);
            }
        }
    }

    let mut columns = Vec::with_capacity(names.len());
    for name in names {
        let values: Vec<&serde_json::Value> = instances
            .iter()
            .map(|instance| instance.get(name).unwrap_or(&serde_json::Value::Null))
            .collect();
        columns.push(series_from_values(name, &values)?.into_column());
    }
    DataFrame::new(instances.len(), columns).map_err(|error| error.to_string())
}

/// One column from JSON values of a single kind (nulls allowed anywhere).
fn series_from_values(name: &str, values: &[&serde_json::Value]) -> Result<Series, String> {
    use serde_json::Value;

    let filled: Vec<&Value> = values.iter().copied().filter(|v| !v.is_null()).collect();
    let mixed = || {
        format!(
            "column `{name}` mixes kinds of values: every value must be a number, every one text or every one a boolean"
        )
    };
    let series = if filled.is_empty() {
        Series::full_null(name.into(), values.len(), &DataType::Null)
    } else if filled.iter().all(|v| v.is_i64()) {
        Series::new(name.into(), values.iter().map(|v| v.as_i64()).collect::<Vec<_>>())
    } else if filled.iter().all(|v| v.is_number()) {
        Series::new(name.into(), values.iter().map(|v| v.as_f64()).collect::<Vec<_>>())
    } else if filled.iter().all(|v| v.is_string()) {
        Series::new(name.into(), values.iter().map(|v| v.as_str()).collect::<Vec<_>>())
    } else if filled.iter().all(|v| v.is_boolean()) {
        Series::new(name.into(), values.iter().map(|v| v.as_bool()).collect::<Vec<_>>())
    } else if let Some(nested) = filled.iter().find(|v| v.is_object() || v.is_array()) {
        return Err(format!(
            "column `{name}` holds {}: values must be numbers, text or booleans",
            json_kind(nested)
        ));
    } else {
        return Err(mixed());
    };
    Ok(series)
}

fn json_kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "text",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// Reads a CSV body with a header row.
pub fn frame_from_csv(body: &[u8]) -> Result<DataFrame, String> {
    CsvReadOptions::default()
        .with_has_header(true)
        .into_reader_with_file_handle(Cursor::new(body))
        .finish()
        .map_err(|error| error.to_string())
}

/// A frame as JSON objects, one per row.
pub fn frame_to_rows(frame: &DataFrame) -> Vec<serde_json::Value> {
    let columns = frame.columns();
    (0..frame.height())
        .map(|row| {
            let object = columns
                .iter()
                .map(|column| {
                    let value = column.get(row).map_or(serde_json::Value::Null, |v| to_json(&v));
                    (column.name().to_string(), value)
                })
                .collect();
            serde_json::Value::Object(object)
        })
        .collect()
}

/// A frame as CSV text with a header row.
pub fn frame_to_csv(frame: &DataFrame) -> Result<Vec<u8>, String> {
    let mut buffer = Vec::new();
    let mut frame = frame.clone();
    CsvWriter::new(&mut buffer).finish(&mut frame).map_err(|error| error.to_string())?;
    Ok(buffer)
}

fn to_json(value: &AnyValue<'_>) -> serde_json::Value {
    use serde_json::Value;

    if let Some(text) = value.get_str() {
        return Value::String(text.to_owned());
    }
    match value {
        AnyValue::Null => Value::Null,
        AnyValue::Boolean(b) => Value::Bool(*b),
        AnyValue::Int8(_)
        | AnyValue::Int16(_)
        | AnyValue::Int32(_)
        | AnyValue::Int64(_)
        | AnyValue::UInt8(_)
        | AnyValue::UInt16(_)
        | AnyValue::UInt32(_) => value.extract::<i64>().map_or(Value::Null, Value::from),
        AnyValue::UInt64(v) => Value::from(*v),
        AnyValue::Float32(_) | AnyValue::Float64(_) => value
            .extract::<f64>()
            .and_then(serde_json::Number::from_f64)
            .map_or(Value::Null, Value::Number),
        other => Value::String(other.to_string()),
    }
}

/// The JSON Schema type of a dtype, for the `OpenAPI` document.
pub fn json_schema_type(dtype: &DataType) -> &'static str {
    if dtype.is_integer() {
        "integer"
    } else if dtype.is_float() {
        "number"
    } else if dtype == &DataType::Boolean {
        "boolean"
    } else {
        "string"
    }
}

fn quote_all(names: &[String]) -> String {
    names.iter().map(|name| format!("`{name}`")).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use weir_core::polars::prelude::Column;

    fn column<T, V>(name: &str, values: V) -> Column
    where
        Series: NamedFrom<V, T>,
        T: ?Sized,
    {
        Series::new(name.into(), values).into_column()
    }

    fn iris_schema() -> TableSchema {
        let sample = DataFrame::new(
            1,
            vec![column("Id", [0_i64]), column("SepalLengthCm", [5.1]), column("Kind", ["a"])],
        )
        .unwrap();
        TableSchema::of_frame(&sample)
    }

    fn conform_json(json: &serde_json::Value) -> Result<DataFrame, SchemaMismatch> {
        let instances = json.as_array().unwrap().clone();
        iris_schema().conform(&frame_from_instances(&instances).unwrap())
    }

    #[test]
    fn whole_numbers_feed_float_columns_and_columns_are_reordered() {
        let frame =
            conform_json(&serde_json::json!([{"Kind": "b", "SepalLengthCm": 6, "Id": 7}])).unwrap();
        let names: Vec<&str> = frame.columns().iter().map(|c| c.name().as_str()).collect();
        assert_eq!(names, ["Id", "SepalLengthCm", "Kind"]);
        assert_eq!(frame.column("SepalLengthCm").unwrap().dtype(), &DataType::Float64);
        assert_eq!(frame.column("SepalLengthCm").unwrap().f64().unwrap().get(0), Some(6.0));
    }

    #[test]
    fn missing_and_mistyped_columns_are_all_named() {
        let mismatch =
            conform_json(&serde_json::json!([{"SepalLengthCm": "long", "Id": 1.5}])).unwrap_err();
        assert_eq!(mismatch.missing, ["Kind"]);
        let mistyped: Vec<&str> = mismatch.mistyped.iter().map(|(c, _)| c.as_str()).collect();
        assert_eq!(mistyped, ["Id", "SepalLengthCm"]);
        assert_eq!(
            mismatch.describe(),
            "missing column(s) `Kind`; column `Id` expects integers but holds numbers; \
             column `SepalLengthCm` expects numbers but holds text"
        );
    }

    #[test]
    fn empty_values_are_refused_where_the_sample_had_none() {
        let mismatch =
            conform_json(&serde_json::json!([{"Id": 1, "SepalLengthCm": 5.0, "Kind": "a"}, {"Id": 2, "Kind": "b"}]))
                .unwrap_err();
        assert_eq!(mismatch.mistyped[0].0, "SepalLengthCm");
        assert!(mismatch.mistyped[0].1.contains("row 1"), "{mismatch:?}");
    }

    #[test]
    fn instances_must_be_objects_of_plain_values() {
        let error = frame_from_instances(&[serde_json::json!([1, 2])]).unwrap_err();
        assert!(error.starts_with("instance 0 is an array"), "{error}");
        let error =
            frame_from_instances(&[serde_json::json!({"a": 1}), serde_json::json!({"a": "x"})])
                .unwrap_err();
        assert!(error.starts_with("column `a` mixes"), "{error}");
    }

    #[test]
    fn csv_round_trip_and_json_rows() {
        let frame = frame_from_csv(b"Id,Species\n3,Iris-setosa\n4,\n").unwrap();
        assert_eq!(
            frame_to_rows(&frame),
            [
                serde_json::json!({"Id": 3, "Species": "Iris-setosa"}),
                serde_json::json!({"Id": 4, "Species": null}),
            ]
        );
        let text = String::from_utf8(frame_to_csv(&frame).unwrap()).unwrap();
        assert_eq!(text, "Id,Species\n3,Iris-setosa\n4,\n");
    }
}
