//! Dataset type names, weir's own and Kedro's aliases, mapped to constructors.
//!
//! [`DatasetRegistry::with_builtins`] knows every built-in type under three kinds of name: the
//! canonical `weir.CSVDataset`, the short `csv`, and the Kedro spellings (`pandas.CSVDataset`,
//! also with the `kedro_datasets.` prefix). Kedro's `pickle.PickleDataset` maps to weir's
//! artefact format: no Python pickle is ever read or written.

use std::sync::Arc;

use indexmap::IndexMap;
use serde_json::Value;

use super::files::{
    self, ArtefactDataset, BinaryDataset, CsvDataset, JsonDataset, ParquetDataset, TextDataset,
    YamlDataset,
};
use super::{CatalogError, Dataset, DatasetContext, DatasetSpec, MemoryDataset};

/// One built-in type: its canonical name, short name, Kedro aliases and constructor.
struct Builtin {
    canonical: &'static str,
    short: Option<&'static str>,
    /// Kedro names, registered as written and with the `kedro_datasets.` prefix.
    kedro: &'static [&'static str],
    /// Kedro names registered only as written.
    kedro_plain: &'static [&'static str],
    constructor: DatasetConstructor,
}

const BUILTINS: &[Builtin] = &[
    Builtin {
        canonical: CsvDataset::TYPE_NAME,
        short: Some("csv"),
        kedro: &["pandas.CSVDataset", "polars.CSVDataset"],
        kedro_plain: &[],
        constructor: |spec, context| Ok(Arc::new(CsvDataset::from_spec(spec, context)?)),
    },
    Builtin {
        canonical: ParquetDataset::TYPE_NAME,
        short: Some("parquet"),
        kedro: &["pandas.ParquetDataset", "polars.ParquetDataset"],
        kedro_plain: &[],
        constructor: |spec, context| Ok(Arc::new(ParquetDataset::from_spec(spec, context)?)),
    },
    Builtin {
        canonical: files::NdjsonDataset::TYPE_NAME,
        short: Some("ndjson"),
        kedro: &[],
        kedro_plain: &[],
        constructor: |spec, context| Ok(Arc::new(files::NdjsonDataset::from_spec(spec, context)?)),
    },
    Builtin {
        // Kedro's pandas JSON dataset, which weir reads as JSON lines only (`lines: true`); it
        // builds a `weir.NDJSONDataset` and has no weir name of its own.
        canonical: "pandas.JSONDataset",
        short: None,
        kedro: &[],
        kedro_plain: &["kedro_datasets.pandas.JSONDataset"],
        constructor: |spec, context| {
            Ok(Arc::new(files::NdjsonDataset::from_pandas_spec(spec, context)?))
        },
    },
    Builtin {
        canonical: files::ExcelDataset::TYPE_NAME,
        short: Some("excel"),
        kedro: &["pandas.ExcelDataset"],
        kedro_plain: &[],
        constructor: |spec, context| Ok(Arc::new(files::ExcelDataset::from_spec(spec, context)?)),
    },
    Builtin {
        canonical: files::LazyPolarsDataset::TYPE_NAME,
        short: Some("lazy"),
        kedro: &["polars.LazyPolarsDataset"],
        kedro_plain: &[],
        constructor: |spec, context| {
            Ok(Arc::new(files::LazyPolarsDataset::from_spec(spec, context)?))
        },
    },
    Builtin {
        canonical: files::IpcDataset::TYPE_NAME,
        short: Some("ipc"),
        kedro: &["pandas.FeatherDataset"],
        kedro_plain: &["feather"],
        constructor: |spec, context| Ok(Arc::new(files::IpcDataset::from_spec(spec, context)?)),
    },
    Builtin {
        canonical: JsonDataset::TYPE_NAME,
        short: Some("json"),
        kedro: &["json.JSONDataset"],
        kedro_plain: &[],
        constructor: |spec, context| Ok(Arc::new(JsonDataset::from_spec(spec, context)?)),
    },
    Builtin {
        canonical: YamlDataset::TYPE_NAME,
        short: Some("yaml"),
        kedro: &["yaml.YAMLDataset"],
        kedro_plain: &[],
        constructor: |spec, context| Ok(Arc::new(YamlDataset::from_spec(spec, context)?)),
    },
    Builtin {
        canonical: TextDataset::TYPE_NAME,
        short: Some("text"),
        kedro: &["text.TextDataset"],
        kedro_plain: &[],
        constructor: |spec, context| Ok(Arc::new(TextDataset::from_spec(spec, context)?)),
    },
    Builtin {
        canonical: ArtefactDataset::TYPE_NAME,
        short: Some("artefact"),
        kedro: &["pickle.PickleDataset"],
        kedro_plain: &[],
        constructor: |spec, context| Ok(Arc::new(ArtefactDataset::from_spec(spec, context)?)),
    },
    Builtin {
        canonical: BinaryDataset::TYPE_NAME,
        short: Some("binary"),
        kedro: &["matplotlib.MatplotlibWriter", "pillow.ImageDataset"],
        kedro_plain: &[],
        constructor: |spec, context| Ok(Arc::new(BinaryDataset::from_spec(spec, context)?)),
    },
    Builtin {
        canonical: files::PlotDataset::TYPE_NAME,
        short: Some("plot"),
        kedro: &[],
        kedro_plain: &[],
        constructor: |spec, context| Ok(Arc::new(files::PlotDataset::from_spec(spec, context)?)),
    },
    Builtin {
        canonical: files::MetricsDataset::TYPE_NAME,
        short: Some("metrics"),
        kedro: &["tracking.MetricsDataset"],
        kedro_plain: &[],
        constructor: |spec, context| Ok(Arc::new(files::MetricsDataset::from_spec(spec, context)?)),
    },
    Builtin {
        canonical: "weir.MemoryDataset",
        short: Some("memory"),
        kedro: &[],
        kedro_plain: &["MemoryDataset", "kedro.io.MemoryDataset"],
        constructor: memory_from_spec,
    },
    Builtin {
        canonical: "weir.EagerPolarsDataset",
        short: None,
        kedro: &["polars.EagerPolarsDataset"],
        kedro_plain: &[],
        constructor: files::eager_polars_from_spec,
    },
    Builtin {
        canonical: super::sql::SqlTableDataset::TYPE_NAME,
        short: Some("sql_table"),
        kedro: &["pandas.SQLTableDataset"],
        kedro_plain: &[],
        constructor: |spec, context| {
            Ok(Arc::new(super::sql::SqlTableDataset::from_spec(spec, context)?))
        },
    },
    Builtin {
        canonical: super::sql::SqlQueryDataset::TYPE_NAME,
        short: Some("sql_query"),
        kedro: &["pandas.SQLQueryDataset"],
        // Kedro's experimental Polars query dataset takes the same keys.
        kedro_plain: &[
            "polars.PolarsDatabaseDataset",
            "kedro_datasets_experimental.polars.PolarsDatabaseDataset",
        ],
        constructor: |spec, context| {
            Ok(Arc::new(super::sql::SqlQueryDataset::from_spec(spec, context)?))
        },
    },
    Builtin {
        canonical: super::partitioned::PartitionedDataset::TYPE_NAME,
        short: Some("partitioned"),
        kedro: &["partitions.PartitionedDataset"],
        kedro_plain: &["PartitionedDataset", "kedro.io.PartitionedDataset"],
        constructor: super::partitioned::partitioned_from_spec,
    },
    Builtin {
        canonical: super::partitioned::IncrementalDataset::TYPE_NAME,
        short: Some("incremental"),
        kedro: &["partitions.IncrementalDataset"],
        kedro_plain: &["IncrementalDataset", "kedro.io.IncrementalDataset"],
        constructor: super::partitioned::incremental_from_spec,
    },
];

/// Kedro's datasets live in the `kedro_datasets` package; entries may spell the full path.
const KEDRO_PACKAGE: &str = "kedro_datasets.";

/// Builds a dataset from its catalog entry.
pub type DatasetConstructor =
    fn(&DatasetSpec, &DatasetContext) -> Result<Arc<dyn Dataset>, CatalogError>;

/// The dataset types a project knows, by every name they can be written with.
#[derive(Debug, Clone, Default)]
pub struct DatasetRegistry {
    constructors: IndexMap<String, DatasetConstructor>,
}

impl DatasetRegistry {
    /// A registry with no types at all.
    pub fn empty() -> Self {
        DatasetRegistry::default()
    }

    /// A registry with every built-in type under its canonical, short and Kedro names.
    pub fn with_builtins() -> Self {
        let mut registry = DatasetRegistry::empty();
        for builtin in BUILTINS {
            registry.register(builtin.canonical, builtin.constructor);
            if let Some(short) = builtin.short {
                registry.register(short, builtin.constructor);
            }
            for alias in builtin.kedro {
                registry.register(*alias, builtin.constructor);
                registry.register(format!("{KEDRO_PACKAGE}{alias}"), builtin.constructor);
            }
            for alias in builtin.kedro_plain {
                registry.register(*alias, builtin.constructor);
            }
        }
        registry
    }

    /// Registers `constructor` under `name` (replacing an earlier registration).
    pub fn register(
        &mut self,
        name: impl Into<String>,
        constructor: DatasetConstructor,
    ) -> &mut Self {
        self.constructors.insert(name.into(), constructor);
        self
    }

    /// Every registered type name.
    pub fn type_names(&self) -> impl Iterator<Item = &str> {
        self.constructors.keys().map(String::as_str)
    }

    /// Builds the dataset an entry describes.
    pub fn build(
        &self,
        spec: &DatasetSpec,
        context: &DatasetContext,
    ) -> Result<Arc<dyn Dataset>, CatalogError> {
        let Some(constructor) = self.constructors.get(&spec.type_name) else {
            return Err(CatalogError::UnknownType {
                dataset: spec.name.clone(),
                type_name: spec.type_name.clone(),
                source_location: spec.source.clone(),
                suggestions: crate::error::close_matches(&spec.type_name, self.type_names())
                    .into_iter()
                    .map(str::to_owned)
                    .collect(),
            });
        };
        constructor(spec, context)
    }
}

/// Builds a memory dataset. Kedro's `data` key gives it a starting value; `copy_mode` says
/// whether readers share it (`assign`, the default) or get copies (see `memory::CopyMode`).
fn memory_from_spec(
    spec: &DatasetSpec,
    _context: &DatasetContext,
) -> Result<Arc<dyn Dataset>, CatalogError> {
    const KEYS: &[&str] = &["type", "metadata", "copy_mode", "data"];
    if let Some(unknown) = spec.options.keys().find(|key| !KEYS.contains(&key.as_str())) {
        let listed: Vec<String> = KEYS.iter().map(|key| format!("`{key}`")).collect();
        return Err(CatalogError::InvalidEntry {
            dataset: spec.name.clone(),
            message: format!(
                "`weir.MemoryDataset` does not support the key `{unknown}`; supported: {}",
                listed.join(", ")
            ),
            source_location: spec.source.clone(),
            hint: crate::error::did_you_mean(unknown, KEYS.iter().copied()),
        });
    }

    let dataset = match spec.options.get("data") {
        None | Some(Value::Null) => MemoryDataset::new(&spec.name),
        Some(data) => {
            MemoryDataset::with_payload(&spec.name, crate::data::Payload::Structured(data.clone()))
        }
    };
    Ok(Arc::new(dataset.with_copy_mode(super::memory::CopyMode::from_spec(spec)?)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Payload;
    use serde_json::json;

    fn spec(type_name: &str, options: Value) -> DatasetSpec {
        let Value::Object(mut options) = options else { panic!("test options are a JSON object") };
        options.insert("type".to_owned(), Value::String(type_name.to_owned()));
        DatasetSpec {
            name: "example".to_owned(),
            type_name: type_name.to_owned(),
            options,
            credentials: None,
            source: None,
        }
    }

    fn context(root: &std::path::Path) -> DatasetContext {
        DatasetContext {
            project_root: root.to_path_buf(),
            save_version: "2024-01-05T10.11.12.345Z".to_owned(),
            load_versions: std::collections::HashMap::new(),
        }
    }

    #[test]
    fn every_kedro_alias_builds_the_matching_type() {
        let dir = tempfile::tempdir().unwrap();
        let registry = DatasetRegistry::with_builtins();
        let cases = [
            ("pandas.CSVDataset", "weir.CSVDataset"),
            ("kedro_datasets.pandas.CSVDataset", "weir.CSVDataset"),
            ("polars.CSVDataset", "weir.CSVDataset"),
            ("kedro_datasets.polars.CSVDataset", "weir.CSVDataset"),
            ("pandas.ParquetDataset", "weir.ParquetDataset"),
            ("kedro_datasets.polars.ParquetDataset", "weir.ParquetDataset"),
            ("json.JSONDataset", "weir.JSONDataset"),
            ("kedro_datasets.json.JSONDataset", "weir.JSONDataset"),
            ("yaml.YAMLDataset", "weir.YAMLDataset"),
            ("kedro_datasets.yaml.YAMLDataset", "weir.YAMLDataset"),
            ("text.TextDataset", "weir.TextDataset"),
            ("kedro_datasets.text.TextDataset", "weir.TextDataset"),
            ("pickle.PickleDataset", "weir.ArtefactDataset"),
            ("kedro_datasets.pickle.PickleDataset", "weir.ArtefactDataset"),
            ("csv", "weir.CSVDataset"),
            ("artefact", "weir.ArtefactDataset"),
            ("matplotlib.MatplotlibWriter", "weir.BinaryDataset"),
            ("kedro_datasets.pillow.ImageDataset", "weir.BinaryDataset"),
            ("weir.YAMLDataset", "weir.YAMLDataset"),
        ];
        for (alias, canonical) in cases {
            let built = registry
                .build(&spec(alias, json!({"filepath": "data/x"})), &context(dir.path()))
                .unwrap_or_else(|error| panic!("{alias}: {error}"));
            assert_eq!(built.type_name(), canonical, "{alias}");
            assert_eq!(built.location().as_deref(), Some("data/x"), "{alias}");
        }
    }

    #[test]
    fn ndjson_ipc_excel_and_lazy_types_build_under_their_kedro_names() {
        let dir = tempfile::tempdir().unwrap();
        let registry = DatasetRegistry::with_builtins();
        let cases = [
            ("ndjson", json!({}), "weir.NDJSONDataset"),
            ("pandas.JSONDataset", json!({"load_args": {"lines": true}}), "weir.NDJSONDataset"),
            (
                "kedro_datasets.pandas.JSONDataset",
                json!({"save_args": {"orient": "records", "lines": true}}),
                "weir.NDJSONDataset",
            ),
            ("ipc", json!({}), "weir.IPCDataset"),
            ("feather", json!({}), "weir.IPCDataset"),
            ("pandas.FeatherDataset", json!({}), "weir.IPCDataset"),
            ("kedro_datasets.pandas.FeatherDataset", json!({}), "weir.IPCDataset"),
            ("excel", json!({}), "weir.ExcelDataset"),
            (
                "pandas.ExcelDataset",
                json!({"load_args": {"engine": "openpyxl"}}),
                "weir.ExcelDataset",
            ),
            ("lazy", json!({"file_format": "csv"}), "weir.LazyPolarsDataset"),
            (
                "polars.LazyPolarsDataset",
                json!({"file_format": "parquet"}),
                "weir.LazyPolarsDataset",
            ),
            ("polars.EagerPolarsDataset", json!({"file_format": "ipc"}), "weir.IPCDataset"),
            ("polars.EagerPolarsDataset", json!({"file_format": "feather"}), "weir.IPCDataset"),
            ("polars.EagerPolarsDataset", json!({"file_format": "ndjson"}), "weir.NDJSONDataset"),
        ];
        for (alias, mut options, canonical) in cases {
            options["filepath"] = json!("data/x");
            let built = registry
                .build(&spec(alias, options), &context(dir.path()))
                .unwrap_or_else(|error| panic!("{alias}: {error}"));
            assert_eq!(built.type_name(), canonical, "{alias}");
        }
    }

    #[test]
    fn memory_aliases_build_memory_datasets() {
        let dir = tempfile::tempdir().unwrap();
        let registry = DatasetRegistry::with_builtins();
        for alias in ["MemoryDataset", "kedro.io.MemoryDataset", "weir.MemoryDataset", "memory"] {
            let built = registry.build(&spec(alias, json!({})), &context(dir.path())).unwrap();
            assert!(!built.is_persistent(), "{alias}");
        }
        let seeded = registry
            .build(&spec("MemoryDataset", json!({"data": [1, 2]})), &context(dir.path()))
            .unwrap();
        let Payload::Structured(value) = seeded.load().unwrap() else { panic!("structured") };
        assert_eq!(value, json!([1, 2]));
    }

    #[test]
    fn eager_polars_picks_the_format() {
        let dir = tempfile::tempdir().unwrap();
        let registry = DatasetRegistry::with_builtins();
        let ctx = context(dir.path());
        let parquet = spec(
            "polars.EagerPolarsDataset",
            json!({"filepath": "x.pq", "file_format": "parquet"}),
        );
        assert_eq!(registry.build(&parquet, &ctx).unwrap().type_name(), "weir.ParquetDataset");
        let excel = spec(
            "polars.EagerPolarsDataset",
            json!({"filepath": "x.xlsx", "file_format": "excel"}),
        );
        let error = registry.build(&excel, &ctx).unwrap_err();
        assert!(error.to_string().contains("`excel` is not supported"), "{error}");
    }

    #[test]
    fn a_misspelt_type_suggests_the_kedro_name() {
        let dir = tempfile::tempdir().unwrap();
        let registry = DatasetRegistry::with_builtins();
        let error = registry
            .build(&spec("pandas.CSVDatset", json!({"filepath": "x.csv"})), &context(dir.path()))
            .unwrap_err();
        let CatalogError::UnknownType { suggestions, .. } = error else { panic!("{error:?}") };
        assert_eq!(suggestions.first().map(String::as_str), Some("pandas.CSVDataset"));
    }

    #[test]
    fn the_default_registry_is_empty() {
        assert_eq!(DatasetRegistry::default().type_names().count(), 0);
    }
}
