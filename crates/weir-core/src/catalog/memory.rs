//! The in-memory dataset: what every name a pipeline uses but the catalog does not declare
//! becomes. It holds one payload, shared by reference (`DataFrame`s and artefacts are not copied).

use std::sync::RwLock;

use crate::data::{DataKind, Payload};

use super::{CatalogError, Dataset};

/// A dataset that lives only for the run.
#[derive(Debug)]
pub struct MemoryDataset {
    name: String,
    value: RwLock<Option<Payload>>,
}

impl MemoryDataset {
    /// An empty memory dataset called `name`.
    pub fn new(name: &str) -> Self {
        MemoryDataset { name: name.to_owned(), value: RwLock::new(None) }
    }

    /// A memory dataset that already holds `payload` (for injected inputs).
    pub fn with_payload(name: &str, payload: Payload) -> Self {
        MemoryDataset { name: name.to_owned(), value: RwLock::new(Some(payload)) }
    }
}

impl Dataset for MemoryDataset {
    fn type_name(&self) -> &'static str {
        "MemoryDataset"
    }

    fn load(&self) -> Result<Payload, CatalogError> {
        let value = self.value.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        value.clone().ok_or_else(|| CatalogError::NoData(self.name.clone()))
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
