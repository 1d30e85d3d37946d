//! The data catalog: named datasets built from `catalog*.yml` entries, loaded and saved by name.
//!
//! - [`dataset`]: the [`Dataset`] trait and the spec/context datasets are built from.
//! - [`registry`]: type names (weir's and Kedro's aliases) to constructors.
//! - [`factory`]: dataset factories (`"{name}_raw":` patterns), ranked as Kedro ranks them.
//! - [`memory`], [`files`]: the built-in dataset types.
//! - [`version`]: Kedro-compatible versioned paths.
//! - [`storage`]: atomic writes and path helpers.
//! - [`contract`]: the optional `schema:` of an entry, checked on load and save.
//!
//! The catalog takes configuration that is already parsed and interpolated (see `config`); it
//! never reads `conf/` itself. It depends on `data` and `error` only.

pub mod contract;
pub mod dataset;
pub mod factory;
pub mod files;
pub mod memory;
pub mod partitioned;
pub mod registry;
pub mod sql;
pub mod storage;
pub mod version;

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use indexmap::IndexMap;

use crate::data::Payload;
use crate::error::{Hinted, Secret, SourceLocation};

pub use dataset::{DataStamp, Dataset, DatasetContext, DatasetSpec};
pub use factory::{Factory, FactoryMatch};
pub use memory::MemoryDataset;
pub use registry::DatasetRegistry;
pub use sql::{SqlQueryDataset, SqlTableDataset};

/// Everything that can go wrong building the catalog or moving data through it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CatalogError {
    /// The entry is not a mapping, lacks `type`, or has an option of the wrong shape.
    #[error("invalid catalog entry `{dataset}`{}: {message}", at(.source_location.as_ref()))]
    InvalidEntry {
        /// The dataset's name.
        dataset: String,
        /// What is wrong.
        message: String,
        /// Where the entry is.
        source_location: Option<SourceLocation>,
        /// How to fix it.
        hint: Option<String>,
    },
    /// No dataset type is registered under this name.
    #[error("unknown dataset type `{type_name}` for `{dataset}`{}", at(.source_location.as_ref()))]
    UnknownType {
        /// The dataset's name.
        dataset: String,
        /// The type as written.
        type_name: String,
        /// Where the entry is.
        source_location: Option<SourceLocation>,
        /// Close matches among registered types.
        suggestions: Vec<String>,
    },
    /// The entry names credentials that `credentials*.yml` does not define.
    #[error("dataset `{dataset}` uses credentials `{credentials}`, which are not defined")]
    MissingCredentials {
        /// The dataset's name.
        dataset: String,
        /// The credentials key.
        credentials: String,
    },
    /// A name that is neither in the catalog nor produced in memory.
    #[error("dataset `{0}` is not in the catalog")]
    NotFound(String),
    /// A save to a dataset the catalog marks `read_only: true`.
    #[error("dataset `{0}` is read-only (`read_only: true` in the catalog) and was not saved")]
    ReadOnly(String),
    /// Loading failed.
    #[error("cannot load dataset `{dataset}` ({type_name}{}): {message}", location_suffix(.location.as_deref()))]
    Load {
        /// The dataset's name.
        dataset: String,
        /// Its type.
        type_name: String,
        /// Where it lives.
        location: Option<String>,
        /// What went wrong.
        message: String,
        /// How to fix it.
        hint: Option<String>,
    },
    /// Saving failed; the previous content, if any, is untouched.
    #[error("cannot save dataset `{dataset}` ({type_name}{}): {message}", location_suffix(.location.as_deref()))]
    Save {
        /// The dataset's name.
        dataset: String,
        /// Its type.
        type_name: String,
        /// Where it lives.
        location: Option<String>,
        /// What went wrong.
        message: String,
        /// How to fix it.
        hint: Option<String>,
    },
    /// A memory dataset was read before anything was saved to it.
    #[error("dataset `{0}` has no data: nothing saved it in this run")]
    NoData(String),
    /// A dataset factory pattern matched the name, but the entry it gives does not build.
    #[error("cannot build dataset `{dataset}` from factory pattern `{pattern}`{}", at(.source_location.as_ref()))]
    Factory {
        /// The dataset's name.
        dataset: String,
        /// The pattern that matched.
        pattern: String,
        /// Where the pattern is written.
        source_location: Option<SourceLocation>,
        /// Why the entry does not build.
        #[source]
        error: Box<CatalogError>,
    },
}

fn at(location: Option<&SourceLocation>) -> String {
    location.map(|l| format!(" ({l})")).unwrap_or_default()
}

fn location_suffix(location: Option<&str>) -> String {
    location.map(|l| format!(" at `{l}`")).unwrap_or_default()
}

impl Hinted for CatalogError {
    fn hint(&self) -> Option<String> {
        match self {
            CatalogError::InvalidEntry { hint, .. }
            | CatalogError::Load { hint, .. }
            | CatalogError::Save { hint, .. } => hint.clone(),
            CatalogError::UnknownType { suggestions, .. } if !suggestions.is_empty() => {
                let quoted: Vec<String> = suggestions.iter().map(|s| format!("`{s}`")).collect();
                Some(format!("did you mean {}?", quoted.join(" or ")))
            }
            CatalogError::UnknownType { .. } => Some(
                "weir's types are `csv`, `parquet`, `json`, `yaml`, `text`, `artefact`, `binary` and `memory`, \
                 also under Kedro's names; docs/catalog.md lists them all"
                    .to_owned(),
            ),
            CatalogError::MissingCredentials { credentials, .. } => Some(format!(
                "add a `{credentials}:` entry to conf/local/credentials.yml (never commit it)"
            )),
            CatalogError::NoData(_) => Some(
                "declare the dataset in the catalog to persist it, or run the node that produces it"
                    .to_owned(),
            ),
            CatalogError::Factory { error, .. } => error.hint(),
            CatalogError::NotFound(_) => None,
            CatalogError::ReadOnly(dataset) => Some(format!(
                "leave out the node that writes `{dataset}` (e.g. `--from-inputs {dataset}`), or drop `read_only: true` from its entry"
            )),
        }
    }
}

/// The catalog of a run: declared datasets plus in-memory ones created on first use.
#[derive(Debug, Default)]
pub struct DataCatalog {
    declared: IndexMap<String, Arc<dyn Dataset>>,
    memory: RwLock<HashMap<String, Arc<MemoryDataset>>>,
    /// Declared datasets marked `read_only: true`: loads only, never saved.
    read_only: std::collections::HashSet<String>,
    /// Dataset factory patterns in matching order, when the configuration has any.
    factories: Option<factory::Factories>,
    /// Datasets built from factories so far, by name.
    resolved: RwLock<IndexMap<String, factory::Resolved>>,
    /// Declared datasets with a `schema:`, checked on load and save (see [`contract`]).
    contracts: HashMap<String, Arc<contract::ContractDataset>>,
}

impl DataCatalog {
    /// An empty catalog: every dataset is in memory.
    pub fn new() -> Self {
        DataCatalog::default()
    }

    /// Builds every entry of a `catalog*.yml` section.
    ///
    /// Top-level keys starting with `_` are templates and must already be gone. `credentials`
    /// is the merged `credentials*.yml` section. A key with `{` is a dataset factory pattern
    /// (see [`factory`]): it builds no dataset now, but the datasets whose names it matches,
    /// when [`DataCatalog::resolve`] or [`DataCatalog::dataset`] meets them.
    pub fn from_config(
        entries: &serde_json::Map<String, serde_json::Value>,
        sources: &HashMap<String, SourceLocation>,
        credentials: &serde_json::Map<String, serde_json::Value>,
        registry: &DatasetRegistry,
        context: &DatasetContext,
    ) -> Result<Self, CatalogError> {
        let mut catalog = DataCatalog::new();
        let mut patterns = Vec::new();
        for (name, entry) in entries {
            if factory::is_pattern(name) {
                patterns.push(factory_of(name, entry, sources.get(name).cloned())?);
                continue;
            }
            let source = sources.get(name).cloned();
            let (entry, read_only) = without_read_only_key(name, entry, source.as_ref())?;
            let (entry, schema) = contract::without_schema_key(name, &entry, source.as_ref())?;
            let spec = spec_from_entry(name, &entry, source, credentials)?;
            let dataset = registry.build(&spec, context)?;
            let dataset = catalog.with_contract(name, dataset, schema)?;
            catalog.declared.insert(name.clone(), dataset);
            if read_only {
                catalog.read_only.insert(name.clone());
            }
        }
        if !patterns.is_empty() {
            catalog.factories =
                Some(factory::Factories::new(patterns, credentials, registry, context)?);
        }
        Ok(catalog)
    }

    /// Adds or replaces a dataset.
    pub fn add(&mut self, name: impl Into<String>, dataset: Arc<dyn Dataset>) {
        self.declared.insert(name.into(), dataset);
    }

    /// Whether `name` is declared in configuration (as opposed to in memory by default).
    pub fn is_declared(&self, name: &str) -> bool {
        self.declared.contains_key(name) || self.is_resolved(name)
    }

    /// The declared datasets, in the order they were declared.
    pub fn declared(&self) -> impl Iterator<Item = (&str, &Arc<dyn Dataset>)> {
        self.declared.iter().map(|(name, dataset)| (name.as_str(), dataset))
    }

    /// The dataset behind `name`: the declared one, or a memory dataset created on first use.
    pub fn dataset(&self, name: &str) -> Arc<dyn Dataset> {
        if let Some(dataset) = self.declared.get(name) {
            return Arc::clone(dataset);
        }
        if let Some(dataset) = self.factory_dataset(name) {
            return dataset;
        }
        if let Some(memory) = self.memory_read().get(name) {
            return Arc::clone(memory) as Arc<dyn Dataset>;
        }
        let mut memory = self.memory.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        let entry =
            memory.entry(name.to_owned()).or_insert_with(|| Arc::new(MemoryDataset::new(name)));
        Arc::clone(entry) as Arc<dyn Dataset>
    }

    /// Loads `name`.
    pub fn load(&self, name: &str) -> Result<Payload, CatalogError> {
        self.dataset(name).load()
    }

    /// Saves `payload` to `name`; refused for a dataset marked `read_only: true`.
    pub fn save(&self, name: &str, payload: Payload) -> Result<(), CatalogError> {
        if self.is_read_only(name) {
            return Err(CatalogError::ReadOnly(name.to_owned()));
        }
        self.dataset(name).save(payload)
    }

    /// Whether the catalog marks `name` `read_only: true` (a weir key: the data is only ever
    /// loaded, e.g. a real raw file that a generator node must never replace).
    pub fn is_read_only(&self, name: &str) -> bool {
        self.read_only.contains(name) || self.is_factory_read_only(name)
    }

    /// Whether `name` has data to load.
    pub fn exists(&self, name: &str) -> Result<bool, CatalogError> {
        self.dataset(name).exists()
    }

    /// Frees whatever `name` holds in memory.
    pub fn release(&self, name: &str) {
        self.dataset(name).release();
    }

    fn memory_read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<String, Arc<MemoryDataset>>> {
        self.memory.read().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The entry without weir's `read_only` key, and whether it was `true`.
fn without_read_only_key(
    name: &str,
    entry: &serde_json::Value,
    source: Option<&SourceLocation>,
) -> Result<(serde_json::Value, bool), CatalogError> {
    let Some(options) = entry.as_object().filter(|o| o.contains_key("read_only")) else {
        return Ok((entry.clone(), false));
    };
    let mut options = options.clone();
    match options.remove("read_only") {
        Some(serde_json::Value::Bool(read_only)) => {
            Ok((serde_json::Value::Object(options), read_only))
        }
        _ => Err(CatalogError::InvalidEntry {
            dataset: name.to_owned(),
            message: "`read_only` must be `true` or `false`".to_owned(),
            source_location: source.cloned(),
            hint: None,
        }),
    }
}

/// The factory of a catalog key with `{`; a pattern weir cannot read is an error naming it.
fn factory_of(
    key: &str,
    entry: &serde_json::Value,
    source: Option<SourceLocation>,
) -> Result<Factory, CatalogError> {
    Factory::new(key, entry.clone(), source.clone()).map_err(|message| CatalogError::InvalidEntry {
        dataset: key.to_owned(),
        message: format!("invalid dataset factory pattern: {message}"),
        source_location: source,
        hint: Some(
            "placeholders are `{name}` fields as in Kedro's dataset factories; write `{{` and `}}` for literal braces"
                .to_owned(),
        ),
    })
}

fn spec_from_entry(
    name: &str,
    entry: &serde_json::Value,
    source: Option<SourceLocation>,
    credentials: &serde_json::Map<String, serde_json::Value>,
) -> Result<DatasetSpec, CatalogError> {
    let invalid = |message: &str, hint: Option<String>| CatalogError::InvalidEntry {
        dataset: name.to_owned(),
        message: message.to_owned(),
        source_location: source.clone(),
        hint,
    };

    let Some(options) = entry.as_object() else {
        return Err(invalid(
            "an entry must be a mapping with at least a `type` key",
            Some(format!(
                "write it as `{name}:` followed by indented `type: ...` and `filepath: ...` lines"
            )),
        ));
    };
    let Some(type_value) = options.get("type") else {
        return Err(invalid(
            "the `type` key is missing",
            Some("add e.g. `type: pandas.CSVDataset`".to_owned()),
        ));
    };
    let Some(type_name) = type_value.as_str() else {
        return Err(invalid("`type` must be a string", None));
    };

    let credentials = match options.get("credentials") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(key)) => match credentials.get(key) {
            Some(serde_json::Value::Object(map)) => Some(Secret::new(map.clone())),
            Some(_) => {
                return Err(invalid(
                    &format!("credentials `{key}` must be a mapping of names to values"),
                    Some(format!(
                        "write `{key}:` in credentials.yml followed by indented `name: value` lines"
                    )),
                ));
            }
            None => {
                return Err(CatalogError::MissingCredentials {
                    dataset: name.to_owned(),
                    credentials: key.clone(),
                });
            }
        },
        Some(serde_json::Value::Object(inline)) => Some(Secret::new(inline.clone())),
        Some(_) => {
            return Err(invalid("`credentials` must name an entry of credentials.yml", None));
        }
    };

    Ok(DatasetSpec {
        name: name.to_owned(),
        type_name: type_name.to_owned(),
        options: options.clone(),
        credentials,
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog_of(
        entries: &serde_json::Value,
        root: &std::path::Path,
    ) -> Result<DataCatalog, CatalogError> {
        let entries = entries.as_object().unwrap().clone();
        let context = DatasetContext {
            project_root: root.to_path_buf(),
            save_version: "2024-01-05T10.11.12.345Z".to_owned(),
            load_versions: HashMap::new(),
        };
        DataCatalog::from_config(
            &entries,
            &HashMap::new(),
            &serde_json::Map::new(),
            &DatasetRegistry::with_builtins(),
            &context,
        )
    }

    #[test]
    fn a_read_only_dataset_loads_but_refuses_saves() {
        let folder = tempfile::tempdir().unwrap();
        storage::write_atomic(&folder.path().join("real.txt"), |w| {
            std::io::Write::write_all(w, b"the real data")
        })
        .unwrap();
        let catalog = catalog_of(
            &serde_json::json!({"raw": {"type": "text", "filepath": "real.txt", "read_only": true}}),
            folder.path(),
        )
        .unwrap();

        assert!(catalog.is_read_only("raw"));
        assert!(
            matches!(catalog.load("raw").unwrap(), Payload::Text(text) if text == "the real data")
        );
        let error = catalog.save("raw", Payload::Text("generated".to_owned())).unwrap_err();
        assert!(matches!(error, CatalogError::ReadOnly(_)), "{error:?}");
        assert!(error.hint().unwrap().contains("--from-inputs raw"));
        let kept = std::fs::read_to_string(folder.path().join("real.txt")).unwrap();
        assert_eq!(kept, "the real data");
    }

    #[test]
    fn read_only_must_be_a_boolean() {
        let folder = tempfile::tempdir().unwrap();
        let error = catalog_of(
            &serde_json::json!({"raw": {"type": "text", "filepath": "x.txt", "read_only": "yes"}}),
            folder.path(),
        )
        .unwrap_err();
        assert!(error.to_string().contains("`read_only` must be `true` or `false`"), "{error}");
    }
}
