//! Kedro compatibility: configuration written for Kedro loads unchanged through
//! `config::ConfigLoader` and `catalog::DataCatalog`, wherever weir has the feature.
//!
//! The YAML below comes from two public sources and is reproduced verbatim (each constant names
//! its source): the `conf/` files of Kedro's starters (`kedro-org/kedro-starters`: spaceflights,
//! spaceflights with viz, pandas-iris, mini-kedro) and the snippets of Kedro's documentation
//! (`docs/catalog-data/*.md`, `docs/configure/advanced_configuration.md`). Snippets marked
//! "written for this test" fill gaps the public files leave (data to load, a local override).
//!
//! Each test writes a `conf/` tree into a temporary project, loads it with the `ConfigLoader`,
//! builds the catalog with the built-in `DatasetRegistry`, and checks what Kedro documents: the
//! dataset type, the resolved path, the merged parameters, the bytes on disk. Where a Kedro entry
//! uses a type or an option weir does not have, the test pins the error: it must name the dataset
//! and the type or key, so a user knows exactly which entry to change.
//!
//! # Limitations
//!
//! Only local storage is exercised; remote URLs are checked for their error. The tests read the
//! catalog through `ConfigLoader` and `DataCatalog` directly, not through `project::Session`,
//! so they need no pipeline.

#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]
#![allow(clippy::disallowed_methods, reason = "tests write their fixture files directly")]

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use polars::df;
use polars::prelude::DataFrame;
use serde_json::{Value, json};
use weir_core::catalog::{CatalogError, DataCatalog, Dataset, DatasetContext, DatasetRegistry};
use weir_core::config::{
    ConfigError, ConfigLoader, MergeStrategy, lookup_param, parse_runtime_params,
};
use weir_core::data::{Artefact, NodeData, Payload};

/// The version a first run saves, in Kedro's `YYYY-MM-DDThh.mm.ss.sssZ` format.
const FIRST_RUN: &str = "2024-01-05T10.11.12.345Z";

/// The version a later run saves.
const SECOND_RUN: &str = "2024-01-06T08.00.00.000Z";

// ---------------------------------------------------------------------------------------------
// Kedro's configuration, verbatim
// ---------------------------------------------------------------------------------------------

/// `spaceflights-pandas/{{ cookiecutter.repo_name }}/conf/base/catalog.yml` (kedro-starters).
const SPACEFLIGHTS_CATALOG: &str = r#"# Here you can define all your data sets by using simple YAML syntax.
#
# Documentation for this file format can be found in "The Data Catalog"
# Link: https://docs.kedro.org/en/stable/data/data_catalog.html
#
# We support interacting with a variety of data stores including local file systems, cloud, network and HDFS
#
# An example data set definition can look as follows:
#
#bikes:
#  type: pandas.CSVDataset
#  filepath: "data/01_raw/bikes.csv"
#
#weather:
#  type: spark.SparkDataset
#  filepath: s3a://your_bucket/data/01_raw/weather*
#  file_format: csv
#  credentials: dev_s3
#  load_args:
#    header: True
#    inferSchema: True
#  save_args:
#    sep: '|'
#    header: True
#
#scooters:
#  type: pandas.SQLTableDataset
#  credentials: scooters_credentials
#  table_name: scooters
#  load_args:
#    index_col: ['name']
#    columns: ['name', 'gear']
#  save_args:
#    if_exists: 'replace'
#    # if_exists: 'fail'
#    # if_exists: 'append'
#
# The Data Catalog supports being able to reference the same file using two different Dataset implementations
# (transcoding), templating and a way to reuse arguments that are frequently repeated. See more here:
# https://docs.kedro.org/en/stable/data/data_catalog.html

companies:
  type: pandas.CSVDataset
  filepath: data/01_raw/companies.csv

reviews:
  type: pandas.CSVDataset
  filepath: data/01_raw/reviews.csv

shuttles:
  type: pandas.ExcelDataset
  filepath: data/01_raw/shuttles.xlsx
  load_args:
    engine: openpyxl

preprocessed_companies:
  type: pandas.ParquetDataset
  filepath: data/02_intermediate/preprocessed_companies.parquet

preprocessed_shuttles:
  type: pandas.ParquetDataset
  filepath: data/02_intermediate/preprocessed_shuttles.parquet

model_input_table:
  type: pandas.ParquetDataset
  filepath: data/03_primary/model_input_table.parquet

regressor:
  type: pickle.PickleDataset
  filepath: data/06_models/regressor.pickle
  versioned: true
"#;

/// The entries `spaceflights-pandas-viz/.../conf/base/catalog.yml` adds to the spaceflights
/// catalog (kedro-starters), verbatim.
const SPACEFLIGHTS_VIZ_CATALOG_EXTRA: &str = r"shuttle_passenger_capacity_plot_exp:
  type: plotly.PlotlyDataset
  filepath: data/08_reporting/shuttle_passenger_capacity_plot_exp.json
  versioned: true
  plotly_args:
    type: bar
    fig:
      x: shuttle_type
      y: passenger_capacity
      orientation: h
    layout:
      xaxis_title: Shuttles
      yaxis_title: Average passenger capacity
      title: Shuttle Passenger capacity

shuttle_passenger_capacity_plot_go:
  type: plotly.JSONDataset
  filepath: data/08_reporting/shuttle_passenger_capacity_plot_go.json
  versioned: true

dummy_confusion_matrix:
  type: kedro_datasets.matplotlib.MatplotlibDataset
  filepath: data/08_reporting/dummy_confusion_matrix.png
  versioned: true
";

/// `spaceflights/.../conf/base/parameters/data_science.yml` (kedro-starters).
const SPACEFLIGHTS_DATA_SCIENCE_PARAMETERS: &str = "model_options:
  test_size: 0.2
  random_state: 3
  features:
    - engines
    - passenger_capacity
    - crew
    - d_check_complete
    - moon_clearance_complete
    - iata_approved
    - company_rating
    - review_scores_rating

model_options_experimental:
  test_size: 0.3
  random_state: 8
  features:
    - engines
    - passenger_capacity
    - crew
    - review_scores_rating";

/// `pandas-iris/.../conf/base/catalog.yml` (kedro-starters, the stored version predates
/// kedro-datasets 2.0 and still spells `CSVDataSet`).
const IRIS_CATALOG: &str = "# Here you can define all your data sets by using simple YAML syntax.
#
# Documentation for this file format can be found in \"The Data Catalog\"
# Link: https://kedro.readthedocs.io/en/stable/data/data_catalog.html

example_iris_data:
  type: pandas.CSVDataSet
  filepath: data/01_raw/iris.csv";

/// `pandas-iris/.../conf/base/parameters/data_science.yml` (kedro-starters).
const IRIS_DATA_SCIENCE_PARAMETERS: &str =
    "# This is a boilerplate parameters config generated for pipeline 'data_science'
# using Kedro {{ cookiecutter.kedro_version }}.
#
# Documentation for this file format can be found in \"Parameters\"
# Link: https://kedro.readthedocs.io/en/0.18.0/kedro_project_setup/configuration.html#parameters

model_options:
  train_fraction: 0.8
  random_state: 3
  target_column: species
";

/// `pandas-iris/.../conf/base/parameters.yml` (kedro-starters): comments only.
const IRIS_PARAMETERS: &str =
    "# Parameters for the example pipeline. Feel free to delete these once you
# remove the example pipeline from hooks.py and the example nodes in
# `src/pipelines/`
";

/// `mini-kedro/.../conf/local/credentials.yml` (kedro-starters): the template, comments only.
const CREDENTIALS_TEMPLATE: &str = "
# Here you can define credentials for different data sets and environment.
#
# Example:
#
# dev_s3:
#     client_kwargs:
#          aws_access_key_id: token
#          aws_secret_access_key: key
#
# prod_s3:
#     aws_access_key_id: token
#     aws_secret_access_key: key
#
# dev_sql:
#     username: admin
#     password: admin
";

/// `docs/configure/advanced_configuration.md`, "How to load credentials through environment
/// variables".
const CREDENTIALS_FROM_ENV: &str = "dev_s3:
  client_kwargs:
    aws_access_key_id: ${oc.env:AWS_ACCESS_KEY_ID}
    aws_secret_access_key: ${oc.env:AWS_SECRET_ACCESS_KEY}
";

/// `docs/catalog-data/data_catalog.md`, "Dataset access credentials": credentials file.
const DOCS_CREDENTIALS: &str = "dev_s3:
  client_kwargs:
    aws_access_key_id: key
    aws_secret_access_key: secret
";

/// `docs/catalog-data/data_catalog.md`, "Dataset access credentials": catalog entry.
const DOCS_MOTORBIKES_ON_S3: &str = "motorbikes:
  type: pandas.CSVDataset
  filepath: s3://your_bucket/data/02_intermediate/company/motorbikes.csv
  credentials: dev_s3
  load_args:
    sep: ','
";

/// `docs/catalog-data/data_catalog.md`, "Use the Data Catalog within Kedro configuration":
/// the `base` entry.
const DOCS_CARS_BASE: &str = "cars:
  filepath: s3://my_bucket/cars.csv
  type: pandas.CSVDataset
";

/// The same section: the `local` entry that overrides it.
const DOCS_CARS_LOCAL: &str = "cars:
  filepath: data/01_raw/cars.csv
  type: pandas.CSVDataset
";

/// `docs/catalog-data/data_catalog.md`, "Dataset versioning".
const DOCS_CARS_VERSIONED: &str = "cars:
  type: pandas.CSVDataset
  filepath: data/01_raw/company/cars.csv
  versioned: True
";

/// `docs/catalog-data/data_catalog_yaml_examples.md`, "Load multiple datasets with similar
/// configuration using YAML anchors".
const DOCS_ANCHORS: &str = "_csv: &csv
  type: spark.SparkDataset
  file_format: csv
  load_args:
    sep: ','
    na_values: ['#NA', NA]
    header: True
    inferSchema: False

cars:
  <<: *csv
  filepath: s3a://data/01_raw/cars.csv

trucks:
  <<: *csv
  filepath: s3a://data/01_raw/trucks.csv

bikes:
  <<: *csv
  filepath: s3a://data/01_raw/bikes.csv
  load_args:
    header: False
";

/// The same section: nested anchors.
const DOCS_NESTED_ANCHORS: &str = "_csv: &csv
  type: spark.SparkDataset
  file_format: csv
  load_args: &csv_load_args
    header: True
    inferSchema: False

airplanes:
  <<: *csv
  filepath: s3a://data/01_raw/airplanes.csv
  load_args:
    <<: *csv_load_args
    sep: ;
";

/// `docs/configure/advanced_configuration.md`, "Catalog" templating: `catalog.yml`.
const DOCS_TEMPLATED_CATALOG: &str = "companies:
  type: ${_pandas.type}
  filepath: data/01_raw/companies.csv
";

/// The same section: `catalog_globals.yml`.
const DOCS_TEMPLATE_VALUES: &str = "_pandas:
  type: pandas.CSVDataset
";

/// `docs/configure/advanced_configuration.md`, "How to load a data catalog with templating in
/// code?".
const DOCS_TEMPLATE_IN_SAME_FILE: &str = "# Example catalog with templating
companies:
  type: ${_dataset_type}
  filepath: data/01_raw/companies.csv

_dataset_type: pandas.CSVDataset
";

/// `docs/configure/advanced_configuration.md`, "Parameters" templating: `parameters.yml`.
const DOCS_TEMPLATED_PARAMETERS: &str = "model_options:
  test_size: ${data.size}
  random_state: 3
";

/// The same section: `parameters_globals.yml`.
const DOCS_PARAMETER_VALUES: &str = "data:
  size: 0.2
";

/// `docs/configure/advanced_configuration.md`, "How to use global variables": `globals.yml`.
const DOCS_GLOBALS: &str = "my_global_value: 45
dataset_type:
  csv: pandas.CSVDataset
";

/// The same section: `parameters.yml`.
const DOCS_GLOBALS_PARAMETERS: &str = "my_param : \"${globals:my_global_value}\"\n";

/// The same section: `catalog.yml`.
const DOCS_GLOBALS_CATALOG: &str = "companies:
  filepath: data/01_raw/companies.csv
  type: \"${globals:dataset_type.csv}\"
";

/// The same section: a default for a missing global.
const DOCS_GLOBALS_DEFAULT: &str = "my_param: \"${globals: nonexistent_global, 23}\"\n";

/// `docs/configure/advanced_configuration.md`, "How to override configuration with runtime
/// parameters": `parameters.yml`.
const DOCS_RUNTIME_PARAMETERS: &str = "model_options:
  random_state: \"${runtime_params:random}\"
";

/// The same section: a catalog entry with a default.
const DOCS_RUNTIME_CATALOG: &str = "companies:
  type: pandas.CSVDataset
  filepath: \"${runtime_params:folder, 'data/01_raw'}/companies.csv\"
";

/// The same section, "How to use `globals` and `runtime_params`": `parameters.yml`.
const DOCS_RUNTIME_OR_GLOBAL_PARAMETERS: &str = "model_options:
  random_state: \"${runtime_params:random, ${globals:my_global_value}}\"
";

/// The same section: `globals.yml`.
const DOCS_RUNTIME_OR_GLOBAL_GLOBALS: &str = "my_global_value: 4\n";

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// A temporary Kedro-style project: `conf/` plus whatever data the test writes.
struct Project {
    dir: tempfile::TempDir,
}

impl Project {
    /// A project holding `files`, each a path relative to the project root and its content.
    /// `conf/base` always exists.
    fn new(files: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("conf/base")).unwrap();
        let project = Project { dir };
        for (path, content) in files {
            project.write(path, content.as_bytes());
        }
        project
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn write(&self, path: &str, content: &[u8]) {
        let path = self.root().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }

    /// A loader for `env` (`local` when `None`) with `--params` given as `params`.
    fn loader(&self, env: Option<&str>, params: &str) -> ConfigLoader {
        let runtime_params = parse_runtime_params(params).unwrap();
        ConfigLoader::new(self.root().join("conf"), env, runtime_params).unwrap()
    }

    fn context(&self, save_version: &str, load_versions: &[(&str, &str)]) -> DatasetContext {
        DatasetContext {
            project_root: self.root().to_path_buf(),
            save_version: save_version.to_owned(),
            load_versions: load_versions
                .iter()
                .map(|(name, version)| ((*name).to_owned(), (*version).to_owned()))
                .collect(),
        }
    }

    /// The whole catalog of the `local` environment, as a session builds it.
    fn catalog(&self, context: &DatasetContext) -> Result<DataCatalog, CatalogError> {
        build_catalog(&self.loader(None, ""), context)
    }

    /// Every entry of the `local` environment's catalog built on its own, so one unsupported
    /// entry does not hide the others.
    fn build_each(&self) -> BTreeMap<String, Result<Arc<dyn Dataset>, CatalogError>> {
        build_each(&self.loader(None, ""), &self.context(FIRST_RUN, &[]))
    }
}

fn build_catalog(
    loader: &ConfigLoader,
    context: &DatasetContext,
) -> Result<DataCatalog, CatalogError> {
    let catalog = loader.load("catalog").unwrap();
    let credentials = loader.load("credentials").unwrap();
    DataCatalog::from_config(
        &catalog.values,
        &catalog.sources,
        &credentials.values,
        &DatasetRegistry::with_builtins(),
        context,
    )
}

fn build_each(
    loader: &ConfigLoader,
    context: &DatasetContext,
) -> BTreeMap<String, Result<Arc<dyn Dataset>, CatalogError>> {
    let catalog = loader.load("catalog").unwrap();
    let credentials = loader.load("credentials").unwrap();
    let registry = DatasetRegistry::with_builtins();

    let mut built = BTreeMap::new();
    for (name, entry) in &catalog.values {
        let mut single = serde_json::Map::new();
        single.insert(name.clone(), entry.clone());
        let result = DataCatalog::from_config(
            &single,
            &catalog.sources,
            &credentials.values,
            &registry,
            context,
        )
        .map(|catalog| catalog.dataset(name));
        built.insert(name.clone(), result);
    }
    built
}

type Built = BTreeMap<String, Result<Arc<dyn Dataset>, CatalogError>>;

/// Asserts that `name` built as `type_name` with `filepath` `location`.
fn assert_builds(built: &Built, name: &str, type_name: &str, location: &str) {
    let dataset = match built.get(name) {
        Some(Ok(dataset)) => dataset,
        Some(Err(error)) => panic!("`{name}` should build: {error}"),
        None => panic!("`{name}` is not in the catalog: {:?}", built.keys()),
    };
    assert_eq!(dataset.type_name(), type_name, "{name}");
    assert_eq!(dataset.location().as_deref(), Some(location), "{name}");
}

/// Asserts that `name` failed with the unknown-type error naming the dataset and its type.
fn assert_unknown_type(built: &Built, name: &str, type_name: &str) {
    let error = match built.get(name) {
        Some(Err(error)) => error,
        Some(Ok(dataset)) => panic!("`{name}` should not build, got {dataset:?}"),
        None => panic!("`{name}` is not in the catalog: {:?}", built.keys()),
    };
    let CatalogError::UnknownType { dataset, type_name: written, .. } = error else {
        panic!("`{name}`: expected an unknown-type error, got {error:?}");
    };
    assert_eq!((dataset.as_str(), written.as_str()), (name, type_name));
    let message = error.to_string();
    let expected = format!("unknown dataset type `{type_name}` for `{name}` (");
    assert!(message.starts_with(&expected), "{message}");
    assert!(message.contains("catalog"), "the message points at the file: {message}");
}

/// Asserts that `name` failed as an invalid entry whose message contains every one of `parts`.
fn assert_invalid_entry(built: &Built, name: &str, parts: &[&str]) {
    let error = match built.get(name) {
        Some(Err(error)) => error,
        Some(Ok(dataset)) => panic!("`{name}` should not build, got {dataset:?}"),
        None => panic!("`{name}` is not in the catalog: {:?}", built.keys()),
    };
    assert!(matches!(error, CatalogError::InvalidEntry { .. }), "`{name}`: {error:?}");
    let message = error.to_string();
    assert!(message.starts_with(&format!("invalid catalog entry `{name}`")), "{message}");
    for part in parts {
        assert!(message.contains(part), "`{name}`: {message} lacks {part}");
    }
}

fn frame_of(payload: Payload) -> DataFrame {
    match payload {
        Payload::Frame(frame) => frame,
        other => panic!("expected a DataFrame, got {}", other.describe()),
    }
}

/// A fitted model as a node would produce it; stands in for the spaceflights regressor.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct Regressor {
    coefficients: Vec<f64>,
    intercept: f64,
}

// ---------------------------------------------------------------------------------------------
// The spaceflights starter
// ---------------------------------------------------------------------------------------------

#[test]
fn spaceflights_catalog_builds_every_entry_weir_has_a_type_for() {
    let project = Project::new(&[
        ("conf/base/catalog.yml", SPACEFLIGHTS_CATALOG),
        ("conf/local/credentials.yml", CREDENTIALS_TEMPLATE),
    ]);
    let built = project.build_each();

    assert_eq!(built.len(), 7, "{:?}", built.keys());
    assert_builds(&built, "companies", "weir.CSVDataset", "data/01_raw/companies.csv");
    assert_builds(&built, "reviews", "weir.CSVDataset", "data/01_raw/reviews.csv");
    assert_builds(
        &built,
        "preprocessed_companies",
        "weir.ParquetDataset",
        "data/02_intermediate/preprocessed_companies.parquet",
    );
    assert_builds(
        &built,
        "preprocessed_shuttles",
        "weir.ParquetDataset",
        "data/02_intermediate/preprocessed_shuttles.parquet",
    );
    assert_builds(
        &built,
        "model_input_table",
        "weir.ParquetDataset",
        "data/03_primary/model_input_table.parquet",
    );
    assert_builds(&built, "regressor", "weir.ArtefactDataset", "data/06_models/regressor.pickle");
    assert_builds(&built, "shuttles", "weir.ExcelDataset", "data/01_raw/shuttles.xlsx");
}

#[test]
fn spaceflights_whole_catalog_builds_with_its_excel_input_read_only() {
    let project = Project::new(&[("conf/base/catalog.yml", SPACEFLIGHTS_CATALOG)]);
    let catalog = project.catalog(&project.context(FIRST_RUN, &[])).unwrap();

    let shuttles = catalog.dataset("shuttles");
    assert_eq!(shuttles.type_name(), "weir.ExcelDataset");
    assert!(!shuttles.accepts(weir_core::data::DataKind::Frame), "Excel is read only in weir");
}

#[test]
fn spaceflights_viz_types_are_reported_as_unknown_by_name() {
    let project = Project::new(&[
        ("conf/base/catalog.yml", SPACEFLIGHTS_CATALOG),
        ("conf/base/catalog_viz.yml", SPACEFLIGHTS_VIZ_CATALOG_EXTRA),
    ]);
    let built = project.build_each();

    assert_unknown_type(&built, "shuttle_passenger_capacity_plot_exp", "plotly.PlotlyDataset");
    assert_unknown_type(&built, "shuttle_passenger_capacity_plot_go", "plotly.JSONDataset");
    assert_unknown_type(
        &built,
        "dummy_confusion_matrix",
        "kedro_datasets.matplotlib.MatplotlibDataset",
    );
    assert_builds(&built, "companies", "weir.CSVDataset", "data/01_raw/companies.csv");
}

#[test]
fn spaceflights_raw_csv_loads_and_parquet_round_trips() {
    let project = Project::new(&[("conf/base/catalog.yml", SPACEFLIGHTS_CATALOG)]);
    // Rows in the shape of the starter's `companies.csv`.
    project.write(
        "data/01_raw/companies.csv",
        b"id,company_rating,company_location,total_fleet_count,iata_approved\n\
          35029,100%,Niue,4.0,f\n\
          30292,67%,Anguilla,6.0,f\n\
          19032,67%,Russian Federation,4.0,f\n",
    );
    let built = project.build_each();
    let companies = built["companies"].as_ref().unwrap();
    let parquet = built["preprocessed_companies"].as_ref().unwrap();

    let frame = frame_of(companies.load().unwrap());
    let expected = df!(
        "id" => [35029i64, 30292, 19032],
        "company_rating" => ["100%", "67%", "67%"],
        "company_location" => ["Niue", "Anguilla", "Russian Federation"],
        "total_fleet_count" => [4.0, 6.0, 4.0],
        "iata_approved" => ["f", "f", "f"],
    )
    .unwrap();
    assert!(frame.equals(&expected), "{frame}");

    assert!(!parquet.exists().unwrap());
    parquet.save(Payload::Frame(frame.clone())).unwrap();
    let written = project.root().join("data/02_intermediate/preprocessed_companies.parquet");
    assert!(written.is_file());
    assert!(frame_of(parquet.load().unwrap()).equals(&expected));
}

#[test]
fn spaceflights_versioned_regressor_uses_kedros_layout_and_weirs_artefact_format() {
    let project = Project::new(&[("conf/base/catalog.yml", SPACEFLIGHTS_CATALOG)]);
    let loader = project.loader(None, "");
    let first_model = Regressor { coefficients: vec![0.5, -1.25], intercept: 3.0 };
    let second_model = Regressor { coefficients: vec![0.75, -1.0], intercept: 2.5 };

    let first_run = build_each(&loader, &project.context(FIRST_RUN, &[]));
    let regressor = first_run["regressor"].as_ref().unwrap();
    regressor.save(Artefact::new(first_model.clone()).into_payload()).unwrap();

    // Kedro: `<filepath>/<version>/<file name>`.
    let first_path = project
        .root()
        .join("data/06_models/regressor.pickle")
        .join(FIRST_RUN)
        .join("regressor.pickle");
    let bytes = std::fs::read(&first_path).unwrap();
    assert_eq!(&bytes[..8], b"WEIRART\0", "an artefact file, not a Python pickle");
    assert_ne!(bytes[0], 0x80, "Python pickles (protocol 2+) start with 0x80");

    let error = regressor.save(Artefact::new(second_model.clone()).into_payload()).unwrap_err();
    assert!(error.to_string().contains("already exists"), "{error}");

    let second_run = build_each(&loader, &project.context(SECOND_RUN, &[]));
    let regressor = second_run["regressor"].as_ref().unwrap();
    regressor.save(Artefact::new(second_model.clone()).into_payload()).unwrap();
    assert_eq!(regressor.versions().unwrap(), vec![FIRST_RUN, SECOND_RUN]);

    let latest = Artefact::<Regressor>::from_payload(regressor.load().unwrap()).unwrap();
    assert_eq!(*latest, second_model);

    let pinned_run = build_each(&loader, &project.context(SECOND_RUN, &[("regressor", FIRST_RUN)]));
    let pinned = pinned_run["regressor"].as_ref().unwrap();
    let first_back = Artefact::<Regressor>::from_payload(pinned.load().unwrap()).unwrap();
    assert_eq!(*first_back, first_model);
    assert_eq!(std::fs::read(&first_path).unwrap(), bytes, "old versions are never rewritten");
}

#[test]
fn spaceflights_parameters_load_as_written() {
    let project = Project::new(&[(
        "conf/base/parameters/data_science.yml",
        SPACEFLIGHTS_DATA_SCIENCE_PARAMETERS,
    )]);
    let parameters = project.loader(None, "").load("parameters").unwrap().values;

    assert_eq!(lookup_param(&parameters, "model_options.test_size"), Some(&json!(0.2)));
    assert_eq!(lookup_param(&parameters, "model_options.random_state"), Some(&json!(3)));
    assert_eq!(
        lookup_param(&parameters, "model_options_experimental.random_state"),
        Some(&json!(8))
    );
    let features = lookup_param(&parameters, "model_options.features").unwrap();
    assert_eq!(features.as_array().map(Vec::len), Some(8));
    assert_eq!(features[0], json!("engines"));
}

// ---------------------------------------------------------------------------------------------
// Merge strategies (Kedro: "How to change the merge strategy used by OmegaConfigLoader")
// ---------------------------------------------------------------------------------------------

/// Written for this test: a `local` override of one spaceflights parameter.
const LOCAL_TEST_SIZE_OVERRIDE: &str = "model_options:\n  test_size: 0.3\n";

#[test]
fn soft_merge_of_parameters_keeps_the_base_keys_the_override_does_not_mention() {
    let project = Project::new(&[
        ("conf/base/parameters/data_science.yml", SPACEFLIGHTS_DATA_SCIENCE_PARAMETERS),
        ("conf/local/parameters.yml", LOCAL_TEST_SIZE_OVERRIDE),
    ]);
    let loader = project.loader(None, "").with_merge_strategy("parameters", MergeStrategy::Soft);
    let parameters = loader.load("parameters").unwrap().values;

    let model_options = &parameters["model_options"];
    assert_eq!(model_options["test_size"], json!(0.3));
    assert_eq!(model_options["random_state"], json!(3));
    assert_eq!(model_options["features"].as_array().map(Vec::len), Some(8));
    assert_eq!(parameters["model_options_experimental"]["test_size"], json!(0.3));
}

#[test]
fn destructive_merge_is_the_default_and_replaces_the_whole_key() {
    let project = Project::new(&[
        ("conf/base/parameters/data_science.yml", SPACEFLIGHTS_DATA_SCIENCE_PARAMETERS),
        ("conf/local/parameters.yml", LOCAL_TEST_SIZE_OVERRIDE),
    ]);
    let parameters = project.loader(None, "").load("parameters").unwrap().values;

    // Kedro: "Any configuration for that key besides that given in the overriding environment
    // is discarded."
    assert_eq!(parameters["model_options"], json!({"test_size": 0.3}));
    assert_eq!(parameters["model_options_experimental"]["random_state"], json!(8));
}

#[test]
fn a_local_catalog_entry_replaces_the_base_entry_on_s3() {
    let project = Project::new(&[
        ("conf/base/catalog.yml", DOCS_CARS_BASE),
        ("conf/local/catalog.yml", DOCS_CARS_LOCAL),
    ]);
    assert_builds(&project.build_each(), "cars", "weir.CSVDataset", "data/01_raw/cars.csv");

    let base_only = build_each(&project.loader(Some("base"), ""), &project.context(FIRST_RUN, &[]));
    assert_builds(&base_only, "cars", "weir.CSVDataset", "s3://my_bucket/cars.csv");
}

// ---------------------------------------------------------------------------------------------
// The iris starter
// ---------------------------------------------------------------------------------------------

#[test]
fn iris_starter_parameters_load_and_the_pre_2_0_type_spelling_is_named() {
    let project = Project::new(&[
        ("conf/base/catalog.yml", IRIS_CATALOG),
        ("conf/base/parameters.yml", IRIS_PARAMETERS),
        ("conf/base/parameters/data_science.yml", IRIS_DATA_SCIENCE_PARAMETERS),
        ("conf/local/credentials.yml", CREDENTIALS_TEMPLATE),
    ]);
    let parameters = project.loader(None, "").load("parameters").unwrap().values;
    assert_eq!(
        Value::Object(parameters),
        json!({"model_options": {"train_fraction": 0.8, "random_state": 3, "target_column": "species"}})
    );
    assert!(project.loader(None, "").load("credentials").unwrap().values.is_empty());

    // kedro-datasets 2.0 renamed `CSVDataSet` to `CSVDataset`; weir knows the new spelling only
    // and suggests it.
    let built = project.build_each();
    assert_unknown_type(&built, "example_iris_data", "pandas.CSVDataSet");
    let Err(error) = &built["example_iris_data"] else { unreachable!("checked above") };
    let hint = weir_core::error::Hinted::hint(error).unwrap();
    assert!(hint.contains("`pandas.CSVDataset`"), "{hint}");
}

// ---------------------------------------------------------------------------------------------
// Kedro's Data Catalog YAML examples, one conf tree per snippet
// ---------------------------------------------------------------------------------------------

/// What loading one documented snippet must give.
enum Expect {
    /// Builds as this weir type at this location.
    Builds(&'static str, &'static str),
    /// Fails with the unknown-type error for this type.
    UnknownType(&'static str),
    /// Fails as an invalid entry whose message names all of these.
    Invalid(&'static [&'static str]),
    /// Fails; the error names the dataset (used where the credentials or the type may be
    /// reported first).
    FailsNaming,
}

/// The credentials the documented snippets refer to. `dev_s3`, `dev_minio`, `dev_abs`,
/// `usda_credentials` and `cluster_credentials` are verbatim from the YAML examples page; the
/// two others are written for this test.
const DOCS_EXAMPLE_CREDENTIALS: &str = "dev_s3:
  client_kwargs:
    aws_access_key_id: key
    aws_secret_access_key: secret

dev_minio:
  key: token
  secret: key
  client_kwargs:
    endpoint_url : 'http://localhost:9000'

dev_abs:
  account_name: accountname
  account_key: key

usda_credentials:
  - username
  - password

cluster_credentials:
  username: my_username
  host: host_address
  port: 22
  password: password

my_gcp_credentials:
  token: not-a-real-token

scooters_credentials:
  con: sqlite:///kedro.db
";

/// `docs/catalog-data/data_catalog_yaml_examples.md`, every snippet with a real `type`.
const DOCS_YAML_EXAMPLES: &[(&str, &str, Expect)] = &[
    (
        "bikes",
        "bikes:\n  type: pandas.CSVDataset\n  filepath: data/01_raw/bikes.csv\n",
        Expect::Builds("weir.CSVDataset", "data/01_raw/bikes.csv"),
    ),
    (
        "cars",
        "cars:
  type: pandas.CSVDataset
  filepath: data/01_raw/company/cars.csv
  load_args:
    sep: ','
  save_args:
    index: False
    date_format: '%Y-%m-%d %H:%M'
    decimal: .
",
        Expect::Builds("weir.CSVDataset", "data/01_raw/company/cars.csv"),
    ),
    (
        "boats",
        "boats:
  type: pandas.CSVDataset
  filepath: data/01_raw/company/boats.csv.gz
  load_args:
    sep: ','
    compression: 'gzip'
  fs_args:
    open_args_load:
      mode: 'rb'
",
        Expect::Invalid(&["`load_args` key `compression`"]),
    ),
    (
        "motorbikes",
        "motorbikes:
  type: pandas.CSVDataset
  filepath: s3://your_bucket/data/02_intermediate/company/motorbikes.csv
  credentials: dev_s3
  load_args:
    sep: ','
    skiprows: 5
    skipfooter: 1
    na_values: ['#NA', NA]
",
        Expect::Invalid(&["`load_args` key `skipfooter`"]),
    ),
    (
        "airplanes",
        "airplanes:
  type: pickle.PickleDataset
  filepath: data/06_models/airplanes.pkl
  backend: pickle
",
        Expect::Builds("weir.ArtefactDataset", "data/06_models/airplanes.pkl"),
    ),
    (
        "rockets",
        "rockets:
  type: pandas.ExcelDataset
  filepath: gcs://your_bucket/data/02_intermediate/company/motorbikes.xlsx
  fs_args:
    project: my-project
  credentials: my_gcp_credentials
  save_args:
    sheet_name: Sheet1
",
        // An Excel dataset now; the example's GCS service-account file does not exist here.
        Expect::FailsNaming,
    ),
    (
        "trains",
        "trains:
  type: pandas.ExcelDataset
  filepath: data/02_intermediate/company/trains.xlsx
  load_args:
    sheet_name: [Sheet1, Sheet2, Sheet3]
",
        Expect::Invalid(&["`load_args.sheet_name` must name one sheet"]),
    ),
    (
        "results_plot",
        "results_plot:
  type: matplotlib.MatplotlibDataset
  filepath: gcs://your_bucket/data/08_results/plots/output_1.jpeg
  fs_args:
    project: my-project
  credentials: my_gcp_credentials
",
        Expect::UnknownType("matplotlib.MatplotlibDataset"),
    ),
    (
        "skateboards",
        "skateboards:
  type: pandas.HDFDataset
  filepath: data/02_intermediate/skateboards.hdf
  key: name
  load_args:
    columns: [brand, length]
  save_args:
    mode: w  # Overwrite even when the file already exists
    dropna: True
",
        Expect::UnknownType("pandas.HDFDataset"),
    ),
    (
        "trucks",
        "trucks:
  type: pandas.ParquetDataset
  filepath: data/02_intermediate/trucks.parquet
  load_args:
    columns: [name, gear, disp, wt]
    categories: list
    index: name
  save_args:
    compression: GZIP
    file_scheme: hive
    has_nulls: False
    partition_on: [name]
",
        Expect::Invalid(&["`load_args` key `categories`", "`weir.ParquetDataset`"]),
    ),
    (
        "weather",
        "weather:
  type: spark.SparkDataset
  filepath: s3a://your_bucket/data/01_raw/weather*
  credentials: dev_s3
  file_format: csv
  load_args:
    header: True
    inferSchema: True
  save_args:
    sep: '|'
    header: True
",
        Expect::UnknownType("spark.SparkDataset"),
    ),
    (
        "scooters",
        "scooters:
  type: pandas.SQLTableDataset
  credentials: scooters_credentials
  table_name: scooters
  load_args:
    index_col: [name]
    columns: [name, gear]
  save_args:
    if_exists: replace
",
        Expect::Invalid(&["the `load_args` key `index_col`"]),
    ),
    (
        "scooters_query",
        "scooters_query:
  type: pandas.SQLQueryDataset
  credentials: scooters_credentials
  sql: select * from cars where gear=4
  load_args:
    index_col: [name]
",
        Expect::Invalid(&["the `load_args` key `index_col`"]),
    ),
    (
        "us_corn_yield_data",
        "us_corn_yield_data:
  type: api.APIDataset
  url: https://quickstats.nass.usda.gov
  credentials: usda_credentials
  load_args:
    params:
      key: SOME_TOKEN
      format: JSON
      commodity_desc: CORN
      statisticcat_des: YIELD
      agg_level_desc: STATE
      year: 2000
",
        Expect::FailsNaming,
    ),
    (
        "test",
        "test:
  type: pandas.CSVDataset
  filepath: s3://your_bucket/test.csv # assume `test.csv` is uploaded to the MinIO server.
  credentials: dev_minio
",
        Expect::Builds("weir.CSVDataset", "s3://your_bucket/test.csv"),
    ),
    (
        "ml_model",
        "ml_model:
  type: pickle.PickleDataset
  filepath: \"abfs://models/ml_models.pickle\"
  versioned: True
  credentials: dev_abs
",
        // The documentation's placeholder account key is not valid base64.
        Expect::Invalid(&["cannot set up `abfs://models`", "Invalid Access Key"]),
    ),
    (
        "cool_dataset",
        "cool_dataset:
  type: pandas.CSVDataset
  filepath: \"sftp:///path/to/remote_cluster/cool_data.csv\"
  credentials: cluster_credentials
",
        Expect::Invalid(&["`sftp:///path/to/remote_cluster/cool_data.csv`", "`sftp://`"]),
    ),
];

#[test]
fn every_documented_catalog_example_builds_or_names_what_weir_lacks() {
    for (name, snippet, expect) in DOCS_YAML_EXAMPLES {
        let project = Project::new(&[
            ("conf/base/catalog.yml", snippet),
            ("conf/local/credentials.yml", DOCS_EXAMPLE_CREDENTIALS),
        ]);
        let built = project.build_each();
        assert_eq!(built.len(), 1, "{name}: {:?}", built.keys());

        match expect {
            Expect::Builds(type_name, location) => {
                assert_builds(&built, name, type_name, location);
            }
            Expect::UnknownType(type_name) => assert_unknown_type(&built, name, type_name),
            Expect::Invalid(parts) => assert_invalid_entry(&built, name, parts),
            Expect::FailsNaming => {
                let Err(error) = &built[*name] else { panic!("`{name}` should not build") };
                assert!(error.to_string().contains(&format!("`{name}`")), "{error}");
            }
        }
    }
}

#[test]
fn remote_storage_with_credentials_builds_without_showing_them() {
    let project = Project::new(&[
        ("conf/base/catalog.yml", DOCS_MOTORBIKES_ON_S3),
        ("conf/local/credentials.yml", DOCS_CREDENTIALS),
    ]);
    let built = project.build_each();
    let location = "s3://your_bucket/data/02_intermediate/company/motorbikes.csv";
    assert_builds(&built, "motorbikes", "weir.CSVDataset", location);

    let Ok(dataset) = &built["motorbikes"] else { unreachable!("checked above") };
    let shown = format!("{dataset:?} {:?}", dataset.location());
    assert!(!shown.contains("secret"), "{shown}");
}

#[test]
fn missing_credentials_name_the_dataset_and_the_key() {
    let project = Project::new(&[("conf/base/catalog.yml", DOCS_MOTORBIKES_ON_S3)]);
    let built = project.build_each();
    let Err(error) = &built["motorbikes"] else { panic!("`motorbikes` should not build") };
    assert_eq!(
        error.to_string(),
        "dataset `motorbikes` uses credentials `dev_s3`, which are not defined"
    );
}

#[test]
fn documented_versioned_entry_saves_under_the_version_folder() {
    let project = Project::new(&[("conf/base/catalog.yml", DOCS_CARS_VERSIONED)]);
    let built = project.build_each();
    let cars = built["cars"].as_ref().unwrap();

    let frame = df!("brand" => ["Fiat", "Volvo"], "seats" => [4i64, 5]).unwrap();
    cars.save(Payload::Frame(frame.clone())).unwrap();

    // Kedro: `data/01_raw/company/cars.csv/<version>/cars.csv`.
    let saved =
        project.root().join("data/01_raw/company/cars.csv").join(FIRST_RUN).join("cars.csv");
    assert_eq!(std::fs::read_to_string(saved).unwrap(), "brand,seats\nFiat,4\nVolvo,5\n");
    assert!(frame_of(cars.load().unwrap()).equals(&frame));
}

// ---------------------------------------------------------------------------------------------
// Templates, anchors and merge keys
// ---------------------------------------------------------------------------------------------

#[test]
fn anchor_templates_are_dropped_and_merge_keys_follow_yaml() {
    let project = Project::new(&[
        ("conf/base/catalog.yml", DOCS_ANCHORS),
        ("conf/base/catalog_nested.yml", DOCS_NESTED_ANCHORS),
    ]);
    let catalog = project.loader(None, "").load("catalog").unwrap().values;

    let names: Vec<&str> = catalog.keys().map(String::as_str).collect();
    assert_eq!(names, vec!["cars", "trucks", "bikes", "airplanes"]);

    let full_load_args =
        json!({"sep": ",", "na_values": ["#NA", "NA"], "header": true, "inferSchema": false});
    assert_eq!(catalog["cars"]["load_args"], full_load_args);
    assert_eq!(catalog["cars"]["file_format"], json!("csv"));
    assert_eq!(catalog["cars"]["filepath"], json!("s3a://data/01_raw/cars.csv"));
    // "Locally declared keys entirely override inserted ones as seen in `bikes`."
    assert_eq!(catalog["bikes"]["load_args"], json!({"header": false}));
    // The nested anchor re-inserts the defaults and adds `sep`.
    assert_eq!(
        catalog["airplanes"]["load_args"],
        json!({"header": true, "inferSchema": false, "sep": ";"})
    );

    let built = project.build_each();
    for name in ["cars", "trucks", "bikes", "airplanes"] {
        assert_unknown_type(&built, name, "spark.SparkDataset");
    }
}

/// Written for this test: the documented anchor pattern with a dataset type weir has.
const PANDAS_ANCHORS: &str = "_csv: &csv
  type: pandas.CSVDataset
  load_args: &csv_load_args
    sep: ';'
  save_args:
    sep: ';'
    index: False

cars:
  <<: *csv
  filepath: data/01_raw/cars.csv

trucks:
  <<: *csv
  filepath: data/01_raw/trucks.csv
  load_args:
    <<: *csv_load_args
    na_values: ['#NA', NA]
";

#[test]
fn anchor_templates_over_a_weir_type_build_and_read_with_the_shared_args() {
    let project = Project::new(&[("conf/base/catalog.yml", PANDAS_ANCHORS)]);
    project.write("data/01_raw/trucks.csv", b"name;gear\nactros;12\nmaster;#NA\n");
    let built = project.build_each();

    assert_eq!(built.keys().collect::<Vec<_>>(), vec!["cars", "trucks"]);
    assert_builds(&built, "cars", "weir.CSVDataset", "data/01_raw/cars.csv");
    assert_builds(&built, "trucks", "weir.CSVDataset", "data/01_raw/trucks.csv");

    let trucks = frame_of(built["trucks"].as_ref().unwrap().load().unwrap());
    let expected = df!("name" => ["actros", "master"], "gear" => [Some(12i64), None]).unwrap();
    assert!(trucks.equals_missing(&expected), "{trucks}");
}

#[test]
fn documented_underscore_templates_resolve_across_and_within_files() {
    let across = Project::new(&[
        ("conf/base/catalog.yml", DOCS_TEMPLATED_CATALOG),
        ("conf/base/catalog_globals.yml", DOCS_TEMPLATE_VALUES),
    ]);
    let within = Project::new(&[("conf/base/catalog.yml", DOCS_TEMPLATE_IN_SAME_FILE)]);

    for project in [across, within] {
        let catalog = project.loader(None, "").load("catalog").unwrap().values;
        // Kedro's documented result: {'type': 'pandas.CSVDataset', 'filepath': ...}.
        assert_eq!(
            Value::Object(catalog),
            json!({"companies": {"type": "pandas.CSVDataset", "filepath": "data/01_raw/companies.csv"}})
        );
        assert_builds(
            &project.build_each(),
            "companies",
            "weir.CSVDataset",
            "data/01_raw/companies.csv",
        );
    }
}

#[test]
fn documented_parameter_templating_resolves_across_parameter_files() {
    let project = Project::new(&[
        ("conf/base/parameters.yml", DOCS_TEMPLATED_PARAMETERS),
        ("conf/base/parameters_globals.yml", DOCS_PARAMETER_VALUES),
    ]);
    let parameters = project.loader(None, "").load("parameters").unwrap().values;
    assert_eq!(parameters["model_options"], json!({"test_size": 0.2, "random_state": 3}));
    assert_eq!(parameters["data"], json!({"size": 0.2}));
}

// ---------------------------------------------------------------------------------------------
// Globals and runtime parameters
// ---------------------------------------------------------------------------------------------

#[test]
fn documented_globals_reach_parameters_and_catalog_with_their_types() {
    let project = Project::new(&[
        ("conf/base/globals.yml", DOCS_GLOBALS),
        ("conf/base/parameters.yml", DOCS_GLOBALS_PARAMETERS),
        ("conf/base/catalog.yml", DOCS_GLOBALS_CATALOG),
    ]);
    let parameters = project.loader(None, "").load("parameters").unwrap().values;
    assert_eq!(parameters["my_param"], json!(45));
    assert_builds(
        &project.build_each(),
        "companies",
        "weir.CSVDataset",
        "data/01_raw/companies.csv",
    );

    let with_default = Project::new(&[
        ("conf/base/globals.yml", DOCS_GLOBALS),
        ("conf/base/parameters.yml", DOCS_GLOBALS_DEFAULT),
    ]);
    let parameters = with_default.loader(None, "").load("parameters").unwrap().values;
    assert_eq!(parameters["my_param"], json!(23));
}

#[test]
fn documented_runtime_params_override_parameters_and_catalog_paths() {
    let project = Project::new(&[
        ("conf/base/parameters.yml", DOCS_RUNTIME_PARAMETERS),
        ("conf/base/catalog.yml", DOCS_RUNTIME_CATALOG),
    ]);

    // `kedro run --params random=3`
    let loader = project.loader(None, "random=3");
    let parameters = loader.load("parameters").unwrap().values;
    assert_eq!(parameters["model_options"]["random_state"], json!(3));

    // "If the `folder` parameter is not passed ..., the default value is used."
    let built = build_each(&loader, &project.context(FIRST_RUN, &[]));
    assert_builds(&built, "companies", "weir.CSVDataset", "data/01_raw/companies.csv");

    let loader = project.loader(None, "random=3,folder=data/custom");
    let built = build_each(&loader, &project.context(FIRST_RUN, &[]));
    assert_builds(&built, "companies", "weir.CSVDataset", "data/custom/companies.csv");

    // Without `--params random=...` the parameter has no value and no default.
    let error = project.loader(None, "").load("parameters").unwrap_err();
    assert!(matches!(error, ConfigError::UnresolvedInterpolation { .. }), "{error:?}");
    assert!(error.to_string().contains("${runtime_params:random}"), "{error}");
}

#[test]
fn documented_runtime_param_falls_back_to_a_global() {
    let project = Project::new(&[
        ("conf/base/globals.yml", DOCS_RUNTIME_OR_GLOBAL_GLOBALS),
        ("conf/base/parameters.yml", DOCS_RUNTIME_OR_GLOBAL_PARAMETERS),
    ]);
    let fallback = project.loader(None, "").load("parameters").unwrap().values;
    assert_eq!(fallback["model_options"]["random_state"], json!(4));

    let given = project.loader(None, "random=3").load("parameters").unwrap().values;
    assert_eq!(given["model_options"]["random_state"], json!(3));
}

// ---------------------------------------------------------------------------------------------
// Round trips with load_args and save_args
// ---------------------------------------------------------------------------------------------

/// Written for this test, with the options of the documented snippets "Save data to a CSV file
/// without row names (index) using utf-8 encoding" and "using specified load/save arguments".
const ROUND_TRIP_CATALOG: &str = "companies_export:
  type: pandas.CSVDataset
  filepath: data/02_intermediate/companies_export.csv
  load_args:
    sep: ';'
  save_args:
    sep: ';'
    index: False
    encoding: \"utf-8\"

metrics:
  type: json.JSONDataset
  filepath: data/08_reporting/metrics.json
  save_args:
    indent: 4

regressor:
  type: kedro_datasets.pickle.PickleDataset
  filepath: data/06_models/regressor.pkl
  backend: pickle

parameters_out:
  type: yaml.YAMLDataset
  filepath: data/08_reporting/parameters.yml
";

#[test]
fn csv_with_sep_and_index_false_writes_what_pandas_writes_and_reads_it_back() {
    let project = Project::new(&[("conf/base/catalog.yml", ROUND_TRIP_CATALOG)]);
    let catalog = project.catalog(&project.context(FIRST_RUN, &[])).unwrap();

    let frame = df!("id" => [1i64, 2], "name" => ["ACME", "B;C"], "rating" => [0.9, 0.25]).unwrap();
    catalog.save("companies_export", Payload::Frame(frame.clone())).unwrap();

    // Python: csv.writer(delimiter=";", lineterminator="\n") over the same rows, which is what
    // `DataFrame.to_csv(sep=";", index=False)` produces.
    let text =
        std::fs::read_to_string(project.root().join("data/02_intermediate/companies_export.csv"))
            .unwrap();
    assert_eq!(text, "id;name;rating\n1;ACME;0.9\n2;\"B;C\";0.25\n");

    assert!(frame_of(catalog.load("companies_export").unwrap()).equals(&frame));
}

#[test]
fn json_with_indent_writes_what_python_json_dump_writes() {
    let project = Project::new(&[("conf/base/catalog.yml", ROUND_TRIP_CATALOG)]);
    let catalog = project.catalog(&project.context(FIRST_RUN, &[])).unwrap();

    let metrics = json!({"accuracy": 0.93, "labels": ["setosa", "versicolor"],
                         "report": {"f1": 0.5, "support": 30}});
    catalog.save("metrics", Payload::Structured(metrics.clone())).unwrap();

    // Python: json.dumps(metrics, indent=4); weir adds the final newline.
    let python = "{\n    \"accuracy\": 0.93,\n    \"labels\": [\n        \"setosa\",\n        \
                  \"versicolor\"\n    ],\n    \"report\": {\n        \"f1\": 0.5,\n        \
                  \"support\": 30\n    }\n}";
    let text =
        std::fs::read_to_string(project.root().join("data/08_reporting/metrics.json")).unwrap();
    assert_eq!(text, format!("{python}\n"));

    let Payload::Structured(back) = catalog.load("metrics").unwrap() else {
        panic!("JSON loads as structured data")
    };
    assert_eq!(back, metrics);
}

#[test]
fn pickle_alias_round_trips_a_typed_value_and_a_yaml_dataset_round_trips_parameters() {
    let project = Project::new(&[("conf/base/catalog.yml", ROUND_TRIP_CATALOG)]);
    let catalog = project.catalog(&project.context(FIRST_RUN, &[])).unwrap();
    assert_eq!(catalog.dataset("regressor").type_name(), "weir.ArtefactDataset");

    let model = Regressor { coefficients: vec![1.5, -0.5, 0.125], intercept: -2.0 };
    catalog.save("regressor", Artefact::new(model.clone()).into_payload()).unwrap();
    let bytes = std::fs::read(project.root().join("data/06_models/regressor.pkl")).unwrap();
    assert_eq!(&bytes[..8], b"WEIRART\0");
    let back = Artefact::<Regressor>::from_payload(catalog.load("regressor").unwrap()).unwrap();
    assert_eq!(*back, model);

    let parameters = json!({"model_options": {"test_size": 0.2, "random_state": 3}});
    catalog.save("parameters_out", Payload::Structured(parameters.clone())).unwrap();
    let text =
        std::fs::read_to_string(project.root().join("data/08_reporting/parameters.yml")).unwrap();
    // PyYAML: yaml.dump(parameters, default_flow_style=False, sort_keys=False).
    assert_eq!(text, "model_options:\n  test_size: 0.2\n  random_state: 3\n");
    let Payload::Structured(back) = catalog.load("parameters_out").unwrap() else {
        panic!("YAML loads as structured data")
    };
    assert_eq!(back, parameters);
}

#[test]
fn a_python_pickle_from_a_kedro_run_is_refused_with_a_hint() {
    let project = Project::new(&[("conf/base/catalog.yml", ROUND_TRIP_CATALOG)]);
    // `pickle.dumps(1, protocol=4)`, as Kedro's PickleDataset would have left it.
    project.write(
        "data/06_models/regressor.pkl",
        b"\x80\x04\x95\x04\x00\x00\x00\x00\x00\x00\x00K\x01.",
    );
    let catalog = project.catalog(&project.context(FIRST_RUN, &[])).unwrap();

    let error = catalog.load("regressor").unwrap_err();
    assert!(error.to_string().contains("Python pickle"), "{error}");
    assert!(error.to_string().contains("`regressor`"), "{error}");
    assert!(weir_core::error::Hinted::hint(&error).is_some());
}

// ---------------------------------------------------------------------------------------------
// Memory datasets and metadata
// ---------------------------------------------------------------------------------------------

/// Written for this test: Kedro's memory dataset spelled out, and `metadata` as kedro-viz
/// reads it.
const MEMORY_AND_METADATA: &str = "scratch:
  type: MemoryDataset
  copy_mode: assign

companies:
  type: pandas.CSVDataset
  filepath: data/01_raw/companies.csv
  metadata:
    kedro-viz:
      layer: raw
      preview_args:
        nrows: 5
";

#[test]
fn undeclared_and_memory_typed_datasets_live_in_memory_and_metadata_is_accepted() {
    let project = Project::new(&[("conf/base/catalog.yml", MEMORY_AND_METADATA)]);
    let loader = project.loader(None, "");
    let catalog = build_catalog(&loader, &project.context(FIRST_RUN, &[])).unwrap();

    assert!(!catalog.dataset("scratch").is_persistent());
    assert!(catalog.is_declared("scratch"));
    assert!(!catalog.is_declared("model_input_table"));
    assert!(!catalog.dataset("model_input_table").is_persistent());

    let table = df!("a" => [1i64, 2]).unwrap();
    catalog.save("model_input_table", Payload::Frame(table.clone())).unwrap();
    assert!(frame_of(catalog.load("model_input_table").unwrap()).equals(&table));
    catalog.release("model_input_table");
    assert!(matches!(catalog.load("model_input_table"), Err(CatalogError::NoData(_))));

    assert_eq!(catalog.dataset("companies").type_name(), "weir.CSVDataset");
    let entries = loader.load("catalog").unwrap().values;
    assert_eq!(entries["companies"]["metadata"]["kedro-viz"]["layer"], json!("raw"));
}

// ---------------------------------------------------------------------------------------------
// Credentials from environment variables
// ---------------------------------------------------------------------------------------------

/// Environment variable that tells a re-run of this test binary which case to check. Tests may
/// not set environment variables in their own process, so the test runs itself as a child.
const CHILD_CASE: &str = "WEIR_KEDRO_COMPAT_CREDENTIALS_CASE";

/// Test values the child sees in `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`.
const TEST_KEY_ID: &str = "AKIA-WEIR-TEST-ID";
const TEST_SECRET: &str = "weir-test-secret-value";

/// Written for this test: a local dataset that names the credentials.
const LOCAL_WITH_CREDENTIALS: &str = "motorbikes:
  type: pandas.CSVDataset
  filepath: data/02_intermediate/company/motorbikes.csv
  credentials: dev_s3
";

#[test]
fn documented_oc_env_credentials_resolve_and_never_show_in_listings() {
    match std::env::var(CHILD_CASE).as_deref() {
        Ok("set") => check_credentials_from_environment(),
        Ok("unset") => check_credentials_without_environment(),
        _ => run_credential_cases_as_children(),
    }
}

fn run_credential_cases_as_children() {
    let test_binary = std::env::current_exe().unwrap();
    let test_name = "documented_oc_env_credentials_resolve_and_never_show_in_listings";
    for case in ["set", "unset"] {
        let mut command = std::process::Command::new(&test_binary);
        command.args([test_name, "--exact", "--test-threads=1"]).env(CHILD_CASE, case);
        if case == "set" {
            command.env("AWS_ACCESS_KEY_ID", TEST_KEY_ID);
            command.env("AWS_SECRET_ACCESS_KEY", TEST_SECRET);
        } else {
            command.env_remove("AWS_ACCESS_KEY_ID").env_remove("AWS_SECRET_ACCESS_KEY");
        }
        let output = command.output().unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "case `{case}` failed:\n{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(stdout.contains("1 passed"), "case `{case}` ran no test:\n{stdout}");
    }
}

fn credentials_project() -> Project {
    Project::new(&[
        ("conf/base/catalog.yml", LOCAL_WITH_CREDENTIALS),
        ("conf/local/credentials.yml", CREDENTIALS_FROM_ENV),
    ])
}

fn check_credentials_from_environment() {
    let project = credentials_project();
    let loader = project.loader(None, "");
    let credentials = loader.load("credentials").unwrap().values;
    assert_eq!(
        credentials["dev_s3"],
        json!({"client_kwargs": {"aws_access_key_id": TEST_KEY_ID,
                                 "aws_secret_access_key": TEST_SECRET}})
    );

    let catalog = build_catalog(&loader, &project.context(FIRST_RUN, &[])).unwrap();
    let motorbikes = catalog.dataset("motorbikes");
    assert_eq!(
        motorbikes.location().as_deref(),
        Some("data/02_intermediate/company/motorbikes.csv")
    );
    let shown = format!("{catalog:?} {motorbikes:?} {:?}", motorbikes.location());
    for secret in [TEST_KEY_ID, TEST_SECRET] {
        assert!(!shown.contains(secret), "a credential leaked into `{shown}`");
    }
    let entry = loader.load("catalog").unwrap().values;
    assert_eq!(entry["motorbikes"]["credentials"], json!("dev_s3"));
}

fn check_credentials_without_environment() {
    let error = credentials_project().loader(None, "").load("credentials").unwrap_err();
    assert!(matches!(error, ConfigError::UnresolvedInterpolation { .. }), "{error:?}");
    let message = error.to_string();
    assert!(message.contains("${oc.env:AWS_ACCESS_KEY_ID}"), "{message}");
    assert!(message.contains("environment variable not set"), "{message}");
}

#[test]
fn oc_env_outside_credentials_is_refused_as_in_kedro() {
    let project = Project::new(&[("conf/base/catalog.yml", CREDENTIALS_FROM_ENV)]);
    let error = project.loader(None, "").load("catalog").unwrap_err();
    assert!(matches!(error, ConfigError::EnvResolverNotAllowed { .. }), "{error:?}");
}
