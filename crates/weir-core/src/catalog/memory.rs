//! The in-memory dataset: what every name a pipeline uses but the catalog does not declare
//! becomes. It holds one payload and hands it to each reader as its [`CopyMode`] says: shared
//! by default (`DataFrame` columns and artefacts are not copied), or as a copy the reader owns.
//!
//! # Copy modes and Kedro
//!
//! Kedro's `MemoryDataset` takes `copy_mode: deepcopy | copy | assign` and, when it is left out,
//! copies pandas frames and `NumPy` arrays (`copy`), deep-copies other Python objects
//! (`deepcopy`) and shares Spark frames (`assign`). The copies protect readers from a node that
//! changes its input in place. In weir that cannot happen when values are shared: a node
//! receives its input by value, and Polars clones a shared column buffer before any write to it
//! (copy-on-write), while artefacts are read-only behind an `Arc`. So weir shares by default
//! (`assign`), and `copy`/`deepcopy` are there for entries that ask for them: the reader then
//! gets a value whose buffers no one else holds (a frame rebuilt column by column through an
//! in-memory Arrow IPC round trip, artefacts re-encoded, bytes copied), which it can change in
//! place without a copy-on-write clone, and which keeps nothing of the stored value alive.
//!
//! # Limitations
//!
//! - `copy` and `deepcopy` behave the same: a payload holds no nested references that a
//!   shallow copy would keep sharing.
//! - A `LazyFrame` is a query plan and is shared in every mode; its data is read when it is
//!   collected.
//! - Values are copied when they are loaded, not when they are saved (the saving node has
//!   already given its value away).

use std::sync::{Arc, RwLock};

use polars::prelude::{DataFrame, IpcReader, IpcWriter, SerReader, SerWriter};
use serde_json::Value;

use crate::data::{DataKind, EncodedArtefact, Payload};

use super::{CatalogError, Dataset, DatasetSpec};

/// How a memory dataset hands its value to readers (Kedro's `copy_mode`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CopyMode {
    /// Every reader shares the stored value (weir's default; see the module docs).
    #[default]
    Assign,
    /// Every reader gets a copy that shares no buffer with the stored value.
    Copy,
    /// The same as [`CopyMode::Copy`] (Kedro's `deepcopy`).
    DeepCopy,
}

impl CopyMode {
    /// The mode Kedro's `copy_mode` value names: `assign`, `copy` or `deepcopy`.
    pub fn parse(name: &str) -> Option<CopyMode> {
        match name {
            "assign" => Some(CopyMode::Assign),
            "copy" => Some(CopyMode::Copy),
            "deepcopy" => Some(CopyMode::DeepCopy),
            _ => None,
        }
    }

    /// The `copy_mode` of a catalog entry; `assign` when left out or `null`.
    pub fn from_spec(spec: &DatasetSpec) -> Result<CopyMode, CatalogError> {
        let invalid = |message: String| CatalogError::InvalidEntry {
            dataset: spec.name.clone(),
            message,
            source_location: spec.source.clone(),
            hint: Some(
                "write `copy_mode: assign` (share, the default), `copy` or `deepcopy`".to_owned(),
            ),
        };
        match spec.options.get("copy_mode") {
            None | Some(Value::Null) => Ok(CopyMode::Assign),
            Some(Value::String(name)) => CopyMode::parse(name)
                .ok_or_else(|| invalid(format!("unknown `copy_mode` `{name}`"))),
            Some(other) => Err(invalid(format!("`copy_mode` must be a string, got `{other}`"))),
        }
    }
}

/// A dataset that lives only for the run.
#[derive(Debug)]
pub struct MemoryDataset {
    name: String,
    value: RwLock<Option<Payload>>,
    copy_mode: CopyMode,
}

impl MemoryDataset {
    /// An empty memory dataset called `name`.
    pub fn new(name: &str) -> Self {
        MemoryDataset {
            name: name.to_owned(),
            value: RwLock::new(None),
            copy_mode: CopyMode::Assign,
        }
    }

    /// A memory dataset that already holds `payload` (for injected inputs).
    pub fn with_payload(name: &str, payload: Payload) -> Self {
        MemoryDataset {
            name: name.to_owned(),
            value: RwLock::new(Some(payload)),
            copy_mode: CopyMode::Assign,
        }
    }

    /// The same dataset, handing its value to readers as `copy_mode` says.
    #[must_use]
    pub fn with_copy_mode(mut self, copy_mode: CopyMode) -> Self {
        self.copy_mode = copy_mode;
        self
    }

    /// How readers get the value.
    pub fn copy_mode(&self) -> CopyMode {
        self.copy_mode
    }

    fn load_error(&self, message: String) -> CatalogError {
        CatalogError::Load {
            dataset: self.name.clone(),
            type_name: "weir.MemoryDataset".to_owned(),
            location: None,
            message,
            hint: Some(
                "drop `copy_mode` (or set it to `assign`) to share the value instead".to_owned(),
            ),
        }
    }

    /// `payload` with every buffer copied (see the module docs).
    fn copied(&self, payload: Payload) -> Result<Payload, CatalogError> {
        Ok(match payload {
            Payload::Frame(frame) => Payload::Frame(
                copy_frame(&frame)
                    .map_err(|error| self.load_error(format!("cannot copy the frame: {error}")))?,
            ),
            Payload::Bytes(bytes) => Payload::Bytes(Arc::from(&*bytes)),
            Payload::Object(object) => {
                let bytes = object.to_msgpack().map_err(|error| {
                    self.load_error(format!(
                        "cannot copy the artefact `{}`: {error}",
                        object.type_name()
                    ))
                })?;
                Payload::Encoded(EncodedArtefact {
                    type_name: object.type_name().to_owned(),
                    bytes: bytes.into(),
                })
            }
            Payload::Encoded(encoded) => Payload::Encoded(EncodedArtefact {
                type_name: encoded.type_name,
                bytes: Arc::from(&*encoded.bytes),
            }),
            // Text and structured values were cloned into new buffers by `load` already.
            other @ (Payload::Text(_) | Payload::Structured(_) | Payload::Lazy(_)) => other,
        })
    }
}

/// A copy of `frame` that shares no buffer with it: written to Arrow IPC in memory and read
/// back, which handles every column type alike.
fn copy_frame(frame: &DataFrame) -> polars::prelude::PolarsResult<DataFrame> {
    let mut buffer = Vec::new();
    IpcWriter::new(&mut buffer).finish(&mut frame.clone())?;
    IpcReader::new(std::io::Cursor::new(buffer)).finish()
}

impl Dataset for MemoryDataset {
    fn type_name(&self) -> &'static str {
        "MemoryDataset"
    }

    fn load(&self) -> Result<Payload, CatalogError> {
        let stored = {
            let value = self.value.read().unwrap_or_else(std::sync::PoisonError::into_inner);
            value.clone().ok_or_else(|| CatalogError::NoData(self.name.clone()))?
        };
        match self.copy_mode {
            CopyMode::Assign => Ok(stored),
            CopyMode::Copy | CopyMode::DeepCopy => self.copied(stored),
        }
    }

    fn save(&self, payload: Payload) -> Result<(), CatalogError> {
        let mut value = self.value.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        *value = Some(payload);
        Ok(())
    }

    fn exists(&self) -> Result<bool, CatalogError> {
        Ok(self.value.read().unwrap_or_else(std::sync::PoisonError::into_inner).is_some())
    }

    fn loads(&self) -> Option<DataKind> {
        None
    }

    fn accepts(&self, _kind: DataKind) -> bool {
        true
    }

    fn is_persistent(&self) -> bool {
        false
    }

    fn release(&self) {
        *self.value.write().unwrap_or_else(std::sync::PoisonError::into_inner) = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Artefact, NodeData};
    use polars::prelude::{Float64Chunked, df};

    /// Where the values of the frame's `x` column (one chunk of `f64`) live.
    fn values_address(frame: &DataFrame) -> usize {
        let column = frame.column("x").unwrap().as_materialized_series().f64().unwrap().clone();
        column.cont_slice().unwrap().as_ptr() as usize
    }

    fn x_column(frame: &DataFrame) -> Float64Chunked {
        frame.column("x").unwrap().as_materialized_series().f64().unwrap().clone()
    }

    fn frame_of(payload: Payload) -> DataFrame {
        DataFrame::from_payload(payload).unwrap()
    }

    fn stored(mode: CopyMode) -> (MemoryDataset, DataFrame) {
        let frame = df!("x" => [1.0, 2.0, 3.0], "name" => ["a", "b", "c"]).unwrap();
        let dataset = MemoryDataset::new("table").with_copy_mode(mode);
        dataset.save(Payload::Frame(frame.clone())).unwrap();
        (dataset, frame)
    }

    #[test]
    fn assign_shares_the_stored_buffers() {
        let (dataset, original) = stored(CopyMode::Assign);
        let loaded = frame_of(dataset.load().unwrap());
        assert_eq!(values_address(&loaded), values_address(&original));

        // Changing a shared column makes Polars copy it first: the stored value is untouched.
        let mut x = x_column(&loaded);
        x.apply_mut(|value| value * 10.0);
        assert_ne!(x.cont_slice().unwrap().as_ptr() as usize, values_address(&original));
        assert_eq!(x_column(&frame_of(dataset.load().unwrap())).get(0), Some(1.0));
    }

    #[test]
    fn copy_and_deepcopy_give_each_reader_its_own_buffers() {
        for mode in [CopyMode::Copy, CopyMode::DeepCopy] {
            let (dataset, original) = stored(mode);
            let first = frame_of(dataset.load().unwrap());
            let second = frame_of(dataset.load().unwrap());
            assert!(first.equals(&original) && second.equals(&original), "{mode:?}");
            let addresses =
                [values_address(&original), values_address(&first), values_address(&second)];
            assert_ne!(addresses[0], addresses[1], "{mode:?}");
            assert_ne!(addresses[0], addresses[2], "{mode:?}");
            assert_ne!(addresses[1], addresses[2], "{mode:?}");

            // A reader changing its copy leaves the stored value and the other reader alone.
            let mut x = x_column(&first);
            x.apply_mut(|value| value * 10.0);
            assert_eq!(x.get(0), Some(10.0));
            assert_eq!(x_column(&second).get(0), Some(1.0));
            assert_eq!(x_column(&frame_of(dataset.load().unwrap())).get(0), Some(1.0));
        }
    }

    #[test]
    fn copied_artefacts_and_bytes_are_new_values() {
        let dataset = MemoryDataset::new("model").with_copy_mode(CopyMode::Copy);
        let model = Artefact::new(vec![0.5_f64, 1.5]);
        dataset.save(model.clone().into_payload()).unwrap();
        let loaded = Artefact::<Vec<f64>>::from_payload(dataset.load().unwrap()).unwrap();
        assert_eq!(*loaded, vec![0.5, 1.5]);
        assert!(!Arc::ptr_eq(&loaded.shared(), &model.shared()));

        let shared = MemoryDataset::new("model");
        shared.save(model.clone().into_payload()).unwrap();
        let loaded = Artefact::<Vec<f64>>::from_payload(shared.load().unwrap()).unwrap();
        assert!(Arc::ptr_eq(&loaded.shared(), &model.shared()));

        let bytes = MemoryDataset::new("png").with_copy_mode(CopyMode::DeepCopy);
        let original: Arc<[u8]> = Arc::from(&b"\x89PNG"[..]);
        bytes.save(Payload::Bytes(Arc::clone(&original))).unwrap();
        let Payload::Bytes(loaded) = bytes.load().unwrap() else { panic!("bytes") };
        assert_eq!(loaded, original);
        assert!(!Arc::ptr_eq(&loaded, &original));
    }

    #[test]
    fn copy_mode_is_read_from_the_entry() {
        let spec = |value: Value| {
            let mut options = serde_json::Map::new();
            options.insert("copy_mode".to_owned(), value);
            DatasetSpec {
                name: "table".to_owned(),
                type_name: "MemoryDataset".to_owned(),
                options,
                credentials: None,
                source: None,
            }
        };
        assert_eq!(
            CopyMode::from_spec(&spec(Value::from("deepcopy"))).unwrap(),
            CopyMode::DeepCopy
        );
        assert_eq!(CopyMode::from_spec(&spec(Value::Null)).unwrap(), CopyMode::Assign);
        let error = CopyMode::from_spec(&spec(Value::from("clone"))).unwrap_err();
        assert!(error.to_string().contains("unknown `copy_mode` `clone`"), "{error}");
        let error = CopyMode::from_spec(&spec(Value::from(1))).unwrap_err();
        assert!(error.to_string().contains("must be a string"), "{error}");
    }
}
