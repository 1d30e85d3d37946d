//! `weir.MetricsDataset` (short `metrics`, Kedro's `tracking.MetricsDataset`): a flat map of
//! metric names to numbers, saved as a JSON object and kept with the run's records.
//!
//! ```yaml
//! model_metrics:
//!   type: tracking.MetricsDataset
//!   filepath: data/09_tracking/model_metrics.json
//! ```
//!
//! As in Kedro, the dataset is versioned unless the entry says otherwise
//! (`model_metrics.json/<version>/model_metrics.json`), and every value is written as a float
//! (`120` becomes `120.0`), laid out with an indent of 2. Whatever the dataset's name, the run
//! recorder keeps the saved values with the run, so `weir runs diff` compares them.
//!
//! The node returns any serde value that is an object of numbers: a `serde_json::Value`, a
//! `HashMap<String, f64>` or a struct of `f64` fields wrapped in `Artefact`/`Params`. A value
//! that is not a number (a string, `true`, `null`, a list, a nested object) is refused, naming
//! the key.
//!
//! `save_args` takes the JSON dataset's `indent`, `sort_keys` and `ensure_ascii`.
//!
//! # Differences from Kedro
//!
//! - Kedro ignores `versioned: false` for this type; weir honours it.
//! - Kedro's `MetricsDataset` is write-only; weir loads the latest (or pinned) version as
//!   structured data, so a reporting node can read it.
//! - Kedro converts values with Python's `float()`, which also accepts numeric strings and
//!   booleans; weir accepts JSON numbers only.
//!
//! # Limitations
//!
//! Non-finite numbers (NaN, infinity) cannot be stored: JSON has no spelling for them.

use serde_json::{Map, Number, Value};

use crate::catalog::{CatalogError, Dataset, DatasetContext, DatasetSpec};
use crate::data::{DataKind, Payload};

use super::json::{JsonLayout, structured_of, to_json_text};
use super::{EntryKeys, FileEntry, FileTarget};

const SAVE_KEYS: &[&str] = &["indent", "sort_keys", "ensure_ascii"];

/// Kedro's JSON-based datasets write with `indent=2` unless told otherwise.
const DEFAULT_INDENT: usize = 2;

/// A JSON file of named numbers.
#[derive(Debug)]
pub struct MetricsDataset {
    target: FileTarget,
    layout: JsonLayout,
}

impl MetricsDataset {
    /// The canonical type name.
    pub const TYPE_NAME: &'static str = "weir.MetricsDataset";

    /// Builds the dataset a catalog entry describes; versioned unless `versioned: false`.
    pub fn from_spec(spec: &DatasetSpec, context: &DatasetContext) -> Result<Self, CatalogError> {
        let mut versioned = spec.clone();
        versioned.options.entry("versioned").or_insert(Value::Bool(true));
        let keys = EntryKeys { type_name: Self::TYPE_NAME, extra: &[], load: &[], save: SAVE_KEYS };
        let entry = FileEntry::parse(&versioned, context, keys)?;
        let save_args = &entry.save_args;
        let indent = match save_args.get(&["indent"])? {
            None => Some(DEFAULT_INDENT),
            Some((_, Value::Null)) => None,
            Some((name, value)) => Some(save_args.count_value(name, value)?),
        };
        let layout = JsonLayout {
            indent,
            sort_keys: save_args.boolean(&["sort_keys"])?.unwrap_or(false),
            ensure_ascii: save_args.boolean(&["ensure_ascii"])?.unwrap_or(false),
        };
        Ok(MetricsDataset { target: entry.target, layout })
    }

    /// `value` as a flat object of floats, or a save error naming the first key that is not a
    /// number.
    fn metrics_of(&self, value: Value) -> Result<Map<String, Value>, CatalogError> {
        let hint = || {
            Some(
                "a metrics dataset stores a flat map of names to numbers, e.g. \
                 `{\"accuracy\": 0.93, \"f1\": 0.91}`; store other values with a JSON dataset"
                    .to_owned(),
            )
        };
        let Value::Object(map) = value else {
            let shape = super::args::shape(&value);
            return Err(self.target.save_error(
                format!("expected a map of metric names to numbers, got {shape}"),
                hint(),
            ));
        };
        let mut metrics = Map::with_capacity(map.len());
        for (key, value) in map {
            let number = match &value {
                Value::Number(number) => number.as_f64().and_then(Number::from_f64),
                _ => None,
            };
            let Some(number) = number else {
                let shape = super::args::shape(&value);
                return Err(self
                    .target
                    .save_error(format!("metric `{key}` is {shape}, not a number"), hint()));
            };
            metrics.insert(key, Value::Number(number));
        }
        Ok(metrics)
    }
}

impl Dataset for MetricsDataset {
    fn type_name(&self) -> &str {
        Self::TYPE_NAME
    }

    fn load(&self) -> Result<Payload, CatalogError> {
        let bytes = self.target.read_bytes()?;
        let value = serde_json::from_slice(&bytes)
            .map_err(|error| self.target.load_error(format!("invalid JSON: {error}"), None))?;
        Ok(Payload::Structured(value))
    }

    fn save(&self, payload: Payload) -> Result<(), CatalogError> {
        let metrics = self.metrics_of(structured_of(&self.target, &payload)?)?;
        let text = to_json_text(Value::Object(metrics), self.layout).map_err(|error| {
            self.target.save_error(format!("cannot encode JSON: {error}"), None)
        })?;
        self.target.write_bytes(text.as_bytes())
    }

    fn loads(&self) -> Option<DataKind> {
        Some(DataKind::Structured)
    }

    fn accepts(&self, kind: DataKind) -> bool {
        matches!(kind, DataKind::Structured | DataKind::Object)
    }

    delegate_to_file_target!();
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{context, file_names, spec};
    use super::*;
    use crate::error::Hinted;
    use serde_json::json;

    const V1: &str = "2024-01-05T10.11.12.345Z";

    fn dataset(root: &std::path::Path, options: Value) -> MetricsDataset {
        MetricsDataset::from_spec(&spec("model_metrics", options), &context(root, V1)).unwrap()
    }

    #[test]
    fn metrics_are_versioned_by_default_and_written_as_floats_like_kedro() {
        let dir = tempfile::tempdir().unwrap();
        let metrics = dataset(dir.path(), json!({"filepath": "tracking/metrics.json"}));
        metrics.save(Payload::Structured(json!({"accuracy": 0.93, "rows": 120}))).unwrap();

        let folder = dir.path().join("tracking/metrics.json");
        assert_eq!(file_names(&folder), vec![V1]);
        // Python: json.dump({k: float(v) ...}, f, indent=2) for Kedro's MetricsDataset.
        let written = std::fs::read_to_string(folder.join(V1).join("metrics.json")).unwrap();
        assert_eq!(written, "{\n  \"accuracy\": 0.93,\n  \"rows\": 120.0\n}\n");
        let Payload::Structured(loaded) = metrics.load().unwrap() else { panic!("structured") };
        assert_eq!(loaded, json!({"accuracy": 0.93, "rows": 120.0}));
    }

    #[test]
    fn versioning_can_be_turned_off() {
        let dir = tempfile::tempdir().unwrap();
        let options =
            json!({"filepath": "m.json", "versioned": false, "save_args": {"indent": null}});
        dataset(dir.path(), options).save(Payload::Structured(json!({"f1": 1}))).unwrap();
        assert_eq!(std::fs::read_to_string(dir.path().join("m.json")).unwrap(), "{\"f1\": 1.0}\n");
    }

    #[test]
    fn values_that_are_not_numbers_are_refused_by_key() {
        let dir = tempfile::tempdir().unwrap();
        let metrics = dataset(dir.path(), json!({"filepath": "m.json"}));
        let cases = [
            (json!({"accuracy": 0.9, "model": "forest"}), "metric `model` is the string `forest`"),
            (json!({"per_class": {"a": 1}}), "metric `per_class` is a mapping"),
            (json!({"flag": true}), "metric `flag` is"),
            (json!({"missing": null}), "metric `missing` is"),
            (json!([1, 2]), "expected a map of metric names to numbers, got a list"),
        ];
        for (value, expected) in cases {
            let error = metrics.save(Payload::Structured(value)).unwrap_err();
            assert!(error.to_string().contains(expected), "`{error}` lacks `{expected}`");
            assert!(error.hint().unwrap().contains("flat map of names to numbers"));
        }
        assert!(file_names(dir.path()).is_empty(), "nothing is written");
        let text = metrics.save(Payload::Text("0.9".to_owned())).unwrap_err();
        assert!(text.to_string().contains("got the string `0.9`"), "{text}");
    }
}
