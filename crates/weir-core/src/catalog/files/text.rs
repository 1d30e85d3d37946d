//! `weir.TextDataset` (also `text.TextDataset`): a UTF-8 text file, loaded and saved whole.
//!
//! `load_args` and `save_args` take `encoding` (UTF-8 only), as does
//! `fs_args.open_args_load`/`open_args_save` in Kedro's spelling.
//!
//! # Limitations
//!
//! UTF-8 only; line endings are kept as they are, never translated.

use crate::catalog::{CatalogError, Dataset, DatasetContext, DatasetSpec};
use crate::data::{DataKind, Payload};

use super::{EntryKeys, FileEntry, FileTarget};

const ENCODING_KEY: &[&str] = &["encoding"];

/// A text file.
#[derive(Debug)]
pub struct TextDataset {
    target: FileTarget,
}

impl TextDataset {
    /// The canonical type name.
    pub const TYPE_NAME: &'static str = "weir.TextDataset";

    /// Builds the dataset a catalog entry describes.
    pub fn from_spec(spec: &DatasetSpec, context: &DatasetContext) -> Result<Self, CatalogError> {
        let keys = EntryKeys {
            type_name: Self::TYPE_NAME,
            extra: &[],
            load: ENCODING_KEY,
            save: ENCODING_KEY,
        };
        let entry = FileEntry::parse(spec, context, keys)?;
        entry.load_args.require_utf8(ENCODING_KEY)?;
        entry.save_args.require_utf8(ENCODING_KEY)?;
        Ok(TextDataset { target: entry.target })
    }
}

impl Dataset for TextDataset {
    fn type_name(&self) -> &str {
        Self::TYPE_NAME
    }

    fn load(&self) -> Result<Payload, CatalogError> {
        let bytes = self.target.read_bytes()?;
        let text = String::from_utf8(bytes).map_err(|error| {
            self.target.load_error(
                format!(
                    "the file is not valid UTF-8 (first bad byte at offset {})",
                    error.utf8_error().valid_up_to()
                ),
                Some(
                    "weir reads text as UTF-8 only; convert the file (e.g. with `iconv`)"
                        .to_owned(),
                ),
            )
        })?;
        Ok(Payload::Text(text))
    }

    fn save(&self, payload: Payload) -> Result<(), CatalogError> {
        let Payload::Text(text) = payload else {
            return Err(self.target.wrong_payload(&payload, "text"));
        };
        self.target.write_bytes(text.as_bytes())
    }

    fn loads(&self) -> Option<DataKind> {
        Some(DataKind::Text)
    }

    fn accepts(&self, kind: DataKind) -> bool {
        kind == DataKind::Text
    }

    delegate_to_file_target!();
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{context, spec, write_file};
    use super::*;
    use serde_json::{Value, json};

    fn dataset(root: &std::path::Path, options: Value) -> Result<TextDataset, CatalogError> {
        TextDataset::from_spec(&spec("report", options), &context(root, "v1"))
    }

    #[test]
    fn round_trip_keeps_every_byte() {
        let dir = tempfile::tempdir().unwrap();
        let text = dataset(dir.path(), json!({"filepath": "out/report.md"})).unwrap();
        let content = "# Résumé\r\nline two\n";
        text.save(Payload::Text(content.to_owned())).unwrap();
        assert_eq!(std::fs::read(dir.path().join("out/report.md")).unwrap(), content.as_bytes());
        let Payload::Text(back) = text.load().unwrap() else { panic!("text expected") };
        assert_eq!(back, content);
    }

    #[test]
    fn a_non_utf8_file_is_refused_with_a_hint() {
        let dir = tempfile::tempdir().unwrap();
        write_file(&dir.path().join("latin.txt"), b"caf\xe9");
        let error =
            dataset(dir.path(), json!({"filepath": "latin.txt"})).unwrap().load().unwrap_err();
        assert!(error.to_string().contains("offset 3"), "{error}");
    }

    #[test]
    fn encodings_other_than_utf8_are_refused_everywhere() {
        let dir = tempfile::tempdir().unwrap();
        for options in [
            json!({"filepath": "a.txt", "load_args": {"encoding": "cp1252"}}),
            json!({"filepath": "a.txt", "save_args": {"encoding": "utf-16"}}),
            json!({"filepath": "a.txt", "fs_args": {"open_args_load": {"encoding": "latin-1"}}}),
        ] {
            let error = dataset(dir.path(), options).unwrap_err();
            assert!(error.to_string().contains("UTF-8 only"), "{error}");
        }
        assert!(
            dataset(dir.path(), json!({"filepath": "a.txt", "load_args": {"encoding": "UTF8"}}))
                .is_ok()
        );
    }
}
