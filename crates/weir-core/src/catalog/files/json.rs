//! `weir.JSONDataset` (also `json.JSONDataset`): one JSON document per file.
//!
//! Loads structured data; saves anything that can be viewed as structured data (parameters,
//! JSON values, typed artefacts, text). Output follows Kedro's `JSONDataset`, which calls
//! Python's `json.dump` with `indent=2` by default: the same layout, with a trailing newline
//! added so the file is a well-formed text file.
//!
//! `save_args`: `indent` (spaces, default 2; `null` for one line, written with `", "` and
//! `": "` separators like Python), `sort_keys` (default `false`), `ensure_ascii` (default
//! `false`; `true` escapes non-ASCII characters as `\uXXXX` like Python's default).
//!
//! # Limitations
//!
//! NaN and infinite floats cannot be stored: JSON has no spelling for them (Python writes
//! `NaN`, which is not JSON). `indent` takes a number of spaces, not a string.

use std::io;

use serde::Serialize;
use serde_json::Value;
use serde_json::ser::{Formatter, PrettyFormatter, Serializer};

use crate::catalog::{CatalogError, Dataset, DatasetContext, DatasetSpec};
use crate::data::{DataKind, Payload};

use super::{EntryKeys, FileEntry, FileTarget};

const SAVE_KEYS: &[&str] = &["indent", "sort_keys", "ensure_ascii"];

/// Kedro's `JSONDataset` writes with `indent=2` unless told otherwise.
const DEFAULT_INDENT: usize = 2;

/// A JSON file.
#[derive(Debug)]
pub struct JsonDataset {
    target: FileTarget,
    layout: JsonLayout,
}

/// How a JSON document is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct JsonLayout {
    /// Spaces per level, or `None` for one line.
    pub(crate) indent: Option<usize>,
    /// Sort object keys.
    pub(crate) sort_keys: bool,
    /// Escape non-ASCII characters.
    pub(crate) ensure_ascii: bool,
}

impl JsonDataset {
    /// The canonical type name.
    pub const TYPE_NAME: &'static str = "weir.JSONDataset";

    /// Builds the dataset a catalog entry describes.
    pub fn from_spec(spec: &DatasetSpec, context: &DatasetContext) -> Result<Self, CatalogError> {
        let keys = EntryKeys { type_name: Self::TYPE_NAME, extra: &[], load: &[], save: SAVE_KEYS };
        let entry = FileEntry::parse(spec, context, keys)?;
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
        Ok(JsonDataset { target: entry.target, layout })
    }
}

impl Dataset for JsonDataset {
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
        let value = structured_of(&self.target, &payload)?;
        let text = to_json_text(value, self.layout).map_err(|error| {
            self.target.save_error(format!("cannot encode JSON: {error}"), None)
        })?;
        self.target.write_bytes(text.as_bytes())
    }

    fn loads(&self) -> Option<DataKind> {
        Some(DataKind::Structured)
    }

    fn accepts(&self, kind: DataKind) -> bool {
        matches!(kind, DataKind::Structured | DataKind::Object | DataKind::Text)
    }

    delegate_to_file_target!();
}

/// The structured view of `payload`, or a save error naming what it was.
pub(crate) fn structured_of(target: &FileTarget, payload: &Payload) -> Result<Value, CatalogError> {
    payload.to_structured().map_err(|error| {
        target.save_error(
            error.to_string(),
            Some(
                "JSON and YAML datasets store parameters, serde values and artefacts; \
                 save tables with a CSV or Parquet dataset"
                    .to_owned(),
            ),
        )
    })
}

/// `value` as JSON text laid out as `layout` says, ending with a newline.
pub(crate) fn to_json_text(mut value: Value, layout: JsonLayout) -> Result<String, io::Error> {
    if layout.sort_keys {
        value.sort_all_objects();
    }

    let mut bytes = Vec::new();
    if let Some(width) = layout.indent {
        let indent = " ".repeat(width);
        let formatter = PrettyFormatter::with_indent(indent.as_bytes());
        value.serialize(&mut Serializer::with_formatter(&mut bytes, formatter))?;
    } else {
        value.serialize(&mut Serializer::with_formatter(&mut bytes, PythonCompact))?;
    }

    let text = String::from_utf8(bytes).map_err(io::Error::other)?;
    let mut text = if layout.ensure_ascii { escape_non_ascii(&text) } else { text };
    text.push('\n');
    Ok(text)
}

/// Python's one-line layout: `{"a": 1, "b": [1, 2]}`, spaces after `,` and `:`.
struct PythonCompact;

impl Formatter for PythonCompact {
    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        if first { Ok(()) } else { writer.write_all(b", ") }
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        if first { Ok(()) } else { writer.write_all(b", ") }
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        writer.write_all(b": ")
    }
}

/// Escapes every non-ASCII character as `\uXXXX` (UTF-16 units, lowercase hex, as Python does).
/// Outside strings JSON text is ASCII already, so the whole text can be escaped at once.
fn escape_non_ascii(text: &str) -> String {
    use std::fmt::Write;

    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        if character.is_ascii() {
            escaped.push(character);
            continue;
        }
        let mut units = [0u16; 2];
        for unit in character.encode_utf16(&mut units) {
            let _ = write!(escaped, "\\u{unit:04x}");
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{context, file_names, spec, write_file};
    use super::*;
    use crate::data::{Artefact, NodeData};
    use polars::df;
    use serde_json::json;

    fn dataset(root: &std::path::Path, options: Value) -> JsonDataset {
        JsonDataset::from_spec(&spec("metrics", options), &context(root, "v1")).unwrap()
    }

    fn saved_text(root: &std::path::Path, options: Value, value: Value) -> String {
        dataset(root, options).save(Payload::Structured(value)).unwrap();
        std::fs::read_to_string(root.join("m.json")).unwrap()
    }

    #[test]
    fn default_layout_matches_python_json_dump_with_indent_2() {
        // Python: json.dump({"accuracy": 0.93, "labels": ["a", "b"], "empty": {}}, f, indent=2)
        let dir = tempfile::tempdir().unwrap();
        let value = json!({"accuracy": 0.93, "labels": ["a", "b"], "empty": {}});
        let text = saved_text(dir.path(), json!({"filepath": "m.json"}), value);
        assert_eq!(
            text,
            "{\n  \"accuracy\": 0.93,\n  \"labels\": [\n    \"a\",\n    \"b\"\n  ],\n  \"empty\": {}\n}\n"
        );
    }

    #[test]
    fn indent_null_sort_keys_and_ensure_ascii_match_python() {
        // Python: json.dumps({"b": [1, 2], "a": "é"}, indent=None, sort_keys=True)
        //   == '{"a": "\\u00e9", "b": [1, 2]}'
        let dir = tempfile::tempdir().unwrap();
        let options = json!({
            "filepath": "m.json",
            "save_args": {"indent": null, "sort_keys": true, "ensure_ascii": true},
        });
        let text = saved_text(dir.path(), options, json!({"b": [1, 2], "a": "é"}));
        assert_eq!(text, "{\"a\": \"\\u00e9\", \"b\": [1, 2]}\n");
    }

    #[test]
    fn indent_4_nests_by_four_spaces() {
        let dir = tempfile::tempdir().unwrap();
        let options = json!({"filepath": "m.json", "save_args": {"indent": 4}});
        let text = saved_text(dir.path(), options, json!({"a": {"b": 1}}));
        assert_eq!(text, "{\n    \"a\": {\n        \"b\": 1\n    }\n}\n");
    }

    #[test]
    fn round_trip_of_structured_data_and_artefacts() {
        let dir = tempfile::tempdir().unwrap();
        let json_dataset = dataset(dir.path(), json!({"filepath": "m.json"}));
        let value = json!({"n": 3, "nested": {"list": [1.5, null, true]}});
        json_dataset.save(Payload::Structured(value.clone())).unwrap();
        let Payload::Structured(back) = json_dataset.load().unwrap() else { panic!("structured") };
        assert_eq!(back, value);

        json_dataset.save(Artefact::new(vec![1u32, 2]).into_payload()).unwrap();
        let Payload::Structured(back) = json_dataset.load().unwrap() else { panic!("structured") };
        assert_eq!(back, json!([1, 2]));
    }

    #[test]
    fn saving_a_frame_fails_and_keeps_the_old_file_byte_identical() {
        let dir = tempfile::tempdir().unwrap();
        let json_dataset = dataset(dir.path(), json!({"filepath": "m.json"}));
        json_dataset.save(Payload::Structured(json!({"kept": true}))).unwrap();
        let before = std::fs::read(dir.path().join("m.json")).unwrap();

        let frame = df!("a" => [1]).unwrap();
        let error = json_dataset.save(Payload::Frame(frame)).unwrap_err();

        assert!(error.to_string().contains("cannot save dataset `metrics`"), "{error}");
        assert_eq!(std::fs::read(dir.path().join("m.json")).unwrap(), before);
        assert_eq!(file_names(dir.path()), vec!["m.json"]);
    }

    #[test]
    fn invalid_json_names_the_dataset() {
        let dir = tempfile::tempdir().unwrap();
        write_file(&dir.path().join("m.json"), b"{not json");
        let error = dataset(dir.path(), json!({"filepath": "m.json"})).load().unwrap_err();
        assert!(
            error.to_string().contains("`metrics`") && error.to_string().contains("invalid JSON")
        );
    }

    #[test]
    fn load_args_are_not_supported() {
        let dir = tempfile::tempdir().unwrap();
        let options = json!({"filepath": "m.json", "load_args": {"encoding": "utf-8"}});
        let error = JsonDataset::from_spec(&spec("metrics", options), &context(dir.path(), "v1"))
            .unwrap_err();
        assert!(error.to_string().contains("it takes none"), "{error}");
    }
}
