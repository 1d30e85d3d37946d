//! `weir.YAMLDataset` (also `yaml.YAMLDataset`): one YAML document per file, read and written
//! with `serde_norway`.
//!
//! Loads structured data; saves the same payloads as the JSON dataset, in block style as Kedro's
//! `YAMLDataset` does (`default_flow_style: False`).
//!
//! `save_args`: `sort_keys` (default `false`), `default_flow_style` (`false` only).
//!
//! # Limitations
//!
//! - Keys are kept in the order they were built; `PyYAML` sorts them unless told `sort_keys:
//!   False`. Set `sort_keys: true` to get `PyYAML`'s default order.
//! - Values must fit JSON's model: mappings with non-string keys, anchors reused as merge keys
//!   and tagged values are read as far as that model allows, or refused.
//! - An empty file loads as `null`, like `PyYAML`'s `safe_load`.

use serde_json::Value;

use crate::catalog::{CatalogError, Dataset, DatasetContext, DatasetSpec};
use crate::data::{DataKind, Payload};

use super::json::structured_of;
use super::{EntryKeys, FileEntry, FileTarget};

const SAVE_KEYS: &[&str] = &["sort_keys", "default_flow_style"];

/// A YAML file.
#[derive(Debug)]
pub struct YamlDataset {
    target: FileTarget,
    sort_keys: bool,
}

impl YamlDataset {
    /// The canonical type name.
    pub const TYPE_NAME: &'static str = "weir.YAMLDataset";

    /// Builds the dataset a catalog entry describes.
    pub fn from_spec(spec: &DatasetSpec, context: &DatasetContext) -> Result<Self, CatalogError> {
        let keys = EntryKeys { type_name: Self::TYPE_NAME, extra: &[], load: &[], save: SAVE_KEYS };
        let entry = FileEntry::parse(spec, context, keys)?;
        let save_args = &entry.save_args;

        if save_args.boolean(&["default_flow_style"])? == Some(true) {
            return Err(save_args.error(
                "`save_args.default_flow_style: true` is not supported; files are written in block style"
                    .to_owned(),
                Some("drop `default_flow_style`".to_owned()),
            ));
        }
        let sort_keys = save_args.boolean(&["sort_keys"])?.unwrap_or(false);
        Ok(YamlDataset { target: entry.target, sort_keys })
    }
}

impl Dataset for YamlDataset {
    fn type_name(&self) -> &str {
        Self::TYPE_NAME
    }

    fn load(&self) -> Result<Payload, CatalogError> {
        let bytes = self.target.read_bytes()?;
        let text = String::from_utf8(bytes).map_err(|error| {
            self.target.load_error(format!("the file is not valid UTF-8: {error}"), None)
        })?;
        if text.trim().is_empty() {
            return Ok(Payload::Structured(Value::Null));
        }
        let value = serde_norway::from_str(&text)
            .map_err(|error| self.target.load_error(format!("invalid YAML: {error}"), None))?;
        Ok(Payload::Structured(value))
    }

    fn save(&self, payload: Payload) -> Result<(), CatalogError> {
        let mut value = structured_of(&self.target, &payload)?;
        if self.sort_keys {
            value.sort_all_objects();
        }
        let text = serde_norway::to_string(&value).map_err(|error| {
            self.target.save_error(format!("cannot encode YAML: {error}"), None)
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

#[cfg(test)]
mod tests {
    use super::super::test_support::{context, spec, write_file};
    use super::*;
    use serde_json::json;

    fn dataset(root: &std::path::Path, options: Value) -> YamlDataset {
        YamlDataset::from_spec(&spec("params_out", options), &context(root, "v1")).unwrap()
    }

    #[test]
    fn block_style_output_matches_pyyaml() {
        // `PyYAML`: yaml.dump({"b": [1, 2], "a": {"x": "1"}}, default_flow_style=False,
        // sort_keys=True) == "a:\n  x: '1'\nb:\n- 1\n- 2\n"
        let dir = tempfile::tempdir().unwrap();
        let options = json!({"filepath": "p.yml", "save_args": {"sort_keys": true}});
        let yaml = dataset(dir.path(), options);
        yaml.save(Payload::Structured(json!({"b": [1, 2], "a": {"x": "1"}}))).unwrap();
        let text = std::fs::read_to_string(dir.path().join("p.yml")).unwrap();
        assert_eq!(text, "a:\n  x: '1'\nb:\n- 1\n- 2\n");
    }

    #[test]
    fn round_trip_keeps_types() {
        let dir = tempfile::tempdir().unwrap();
        let yaml = dataset(dir.path(), json!({"filepath": "conf/p.yml"}));
        let value = json!({"seed": 42, "ratio": 0.25, "name": "yes", "flags": [true, null]});
        yaml.save(Payload::Structured(value.clone())).unwrap();
        let Payload::Structured(back) = yaml.load().unwrap() else { panic!("structured") };
        assert_eq!(back, value);
    }

    #[test]
    fn an_empty_file_loads_as_null_and_bad_yaml_names_the_dataset() {
        let dir = tempfile::tempdir().unwrap();
        write_file(&dir.path().join("p.yml"), b"\n");
        let yaml = dataset(dir.path(), json!({"filepath": "p.yml"}));
        assert!(matches!(yaml.load().unwrap(), Payload::Structured(Value::Null)));

        write_file(&dir.path().join("p.yml"), b"a: [1, 2\n");
        let error = yaml.load().unwrap_err();
        assert!(error.to_string().contains("`params_out`"), "{error}");
        assert!(error.to_string().contains("invalid YAML"), "{error}");
    }
}
