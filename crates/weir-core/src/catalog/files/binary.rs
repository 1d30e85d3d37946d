//! `weir.BinaryDataset`: a file of raw bytes (an image, a PDF, a model in a foreign format),
//! loaded and saved whole. Nodes read and return it as `Vec<u8>`.
//!
//! Kedro's `matplotlib.MatplotlibWriter` and `pillow.ImageDataset` map here, so a Kedro
//! catalog entry for a plot or an image loads unchanged: the node hands over the encoded file
//! (e.g. PNG bytes drawn with `plotters`) rather than a Python figure or image object.
//!
//! # Limitations
//!
//! No `load_args`/`save_args`: the bytes are written as given. Kedro's `MatplotlibWriter`
//! options (`save_args: {format: png, dpi: ...}`) are refused with a message, since the node
//! decides the encoding.

use crate::catalog::{CatalogError, Dataset, DatasetContext, DatasetSpec};
use crate::data::{DataKind, Payload};

use super::{EntryKeys, FileEntry, FileTarget};

/// A file of raw bytes.
#[derive(Debug)]
pub struct BinaryDataset {
    target: FileTarget,
}

impl BinaryDataset {
    /// The canonical type name.
    pub const TYPE_NAME: &'static str = "weir.BinaryDataset";

    /// Builds the dataset a catalog entry describes.
    pub fn from_spec(spec: &DatasetSpec, context: &DatasetContext) -> Result<Self, CatalogError> {
        let keys = EntryKeys { type_name: Self::TYPE_NAME, extra: &[], load: &[], save: &[] };
        let entry = FileEntry::parse(spec, context, keys)?;
        Ok(BinaryDataset { target: entry.target })
    }
}

impl Dataset for BinaryDataset {
    fn type_name(&self) -> &str {
        Self::TYPE_NAME
    }

    fn load(&self) -> Result<Payload, CatalogError> {
        Ok(Payload::Bytes(self.target.read_bytes()?.into()))
    }

    fn save(&self, payload: Payload) -> Result<(), CatalogError> {
        let Payload::Bytes(bytes) = payload else {
            return Err(self.target.wrong_payload(&payload, "bytes (`Vec<u8>`)"));
        };
        self.target.write_bytes(&bytes)
    }

    fn loads(&self) -> Option<DataKind> {
        Some(DataKind::Bytes)
    }

    fn accepts(&self, kind: DataKind) -> bool {
        kind == DataKind::Bytes
    }

    delegate_to_file_target!();
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{context, spec};
    use super::*;
    use serde_json::json;

    #[test]
    fn bytes_round_trip_through_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let entry = spec("plot", json!({"filepath": "plots/plot.png"}));
        let dataset = BinaryDataset::from_spec(&entry, &context(dir.path(), "v")).unwrap();
        let png_signature = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];

        dataset.save(Payload::Bytes(png_signature.clone().into())).unwrap();
        assert_eq!(std::fs::read(dir.path().join("plots/plot.png")).unwrap(), png_signature);
        let Payload::Bytes(loaded) = dataset.load().unwrap() else { panic!("bytes expected") };
        assert_eq!(&*loaded, png_signature.as_slice());
    }

    #[test]
    fn text_is_refused_with_the_expected_kind() {
        let dir = tempfile::tempdir().unwrap();
        let entry = spec("plot", json!({"filepath": "plot.png"}));
        let dataset = BinaryDataset::from_spec(&entry, &context(dir.path(), "v")).unwrap();
        let error = dataset.save(Payload::Text("not bytes".to_owned())).unwrap_err();
        assert!(error.to_string().contains("bytes (`Vec<u8>`)"), "{error}");
        assert!(!dataset.accepts(DataKind::Text));
    }
}
