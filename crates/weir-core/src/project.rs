//! A project session: configuration → catalog → pipeline → runner.
//!
//! [`ProjectDefinition`] is what a project's `main` provides (its pipelines, any custom dataset
//! types, configuration merge settings). [`Session`] opens that definition against a `conf/`
//! folder for one environment and runtime parameters, and runs pipelines. This is the only
//! module that uses every other one; the CLI drives it and nothing in weir-core depends on it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::catalog::{
    CatalogError, DataCatalog, DatasetContext, DatasetRegistry, MemoryDataset, version,
};
use crate::config::{ConfigError, ConfigLoader, ConfigSection, MergeStrategy, lookup_param};
use crate::data::Payload;
use crate::error::{Hinted, close_matches};
use crate::hooks::{CatalogCreated, Hook, HookError, Hooks};
use crate::pipeline::{
    ALL_PARAMETERS, PARAMS_PREFIX, Pipeline, PipelineError, PipelineFilter, PipelineRegistry,
};
use crate::runner::{NodeGate, RunError, RunOptions, RunSummary, Runner, StopSignal};

/// Everything a project defines in code.
#[derive(Debug, Clone)]
pub struct ProjectDefinition {
    /// The named pipelines.
    pub pipelines: PipelineRegistry,
    /// Dataset types the catalog may use (weir's built-ins unless replaced).
    pub dataset_types: DatasetRegistry,
    /// Merge strategies per configuration section (Kedro's `merge_strategy`).
    pub merge_strategies: Vec<(String, MergeStrategy)>,
    /// Hooks called during sessions and runs, in registration order.
    pub hooks: Hooks,
}

impl From<PipelineRegistry> for ProjectDefinition {
    fn from(pipelines: PipelineRegistry) -> Self {
        ProjectDefinition {
            pipelines,
            dataset_types: DatasetRegistry::with_builtins(),
            merge_strategies: Vec::new(),
            hooks: Hooks::new(),
        }
    }
}

impl ProjectDefinition {
    /// Sets how a configuration section merges across environments.
    #[must_use]
    pub fn merge_strategy(mut self, section: &str, strategy: MergeStrategy) -> Self {
        self.merge_strategies.push((section.to_owned(), strategy));
        self
    }

    /// Registers a hook; hooks are called in the order they are registered (see
    /// [`crate::hooks`]).
    #[must_use]
    pub fn hook<H: Hook + 'static>(mut self, hook: H) -> Self {
        self.hooks.push(hook);
        self
    }
}

/// How to open a session.
#[derive(Debug, Clone, Default)]
pub struct SessionOptions {
    /// The project's root folder; relative dataset paths resolve against it.
    pub project_root: PathBuf,
    /// The configuration folder; `<project_root>/conf` when `None`.
    pub conf_source: Option<PathBuf>,
    /// The run environment; `local` when `None`.
    pub env: Option<String>,
    /// Runtime parameters (`--params`), already parsed.
    pub runtime_params: serde_json::Map<String, serde_json::Value>,
    /// Versions to load, by dataset name (`--load-versions`).
    pub load_versions: HashMap<String, String>,
}

/// What a caller adds to one run of [`Session::run_configured`].
#[derive(Debug, Clone, Default)]
pub struct RunSettings {
    /// Load and save each node's datasets concurrently (`--async`).
    pub is_async: bool,
    /// Raised to stop the run early (Ctrl-C, SIGTERM).
    pub stop: StopSignal,
    /// Hooks of the caller (run records, a progress display), called before the project's.
    pub hooks: Hooks,
    /// Decides which nodes need to run (`--skip-unchanged`); all of them when `None`.
    pub gate: Option<std::sync::Arc<dyn NodeGate>>,
}

/// Anything that stops a session from opening or a run from finishing.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProjectError {
    /// Configuration could not be read.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The catalog could not be built.
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    /// A pipeline is malformed or was sliced to nothing.
    #[error("{}{error}", pipeline.as_ref().map(|p| format!("in pipeline `{p}`: ")).unwrap_or_default())]
    Pipeline {
        /// The pipeline's name, when known.
        pipeline: Option<String>,
        /// The problem.
        error: PipelineError,
    },
    /// Nodes read parameters that configuration does not define.
    #[error("--load-versions names dataset `{dataset}`, which the catalog does not declare")]
    UnknownLoadVersionDataset {
        /// The name given.
        dataset: String,
        /// Close matches among declared datasets.
        suggestions: Vec<String>,
    },
    /// A version pinned with `--load-versions` is not in storage.
    #[error("dataset `{dataset}` has no version `{version}`")]
    MissingLoadVersion {
        /// The dataset.
        dataset: String,
        /// The version asked for.
        version: String,
        /// The versions present, oldest first.
        available: Vec<String>,
    },
    /// Nodes read parameters that configuration does not define.
    #[error("{} read(s) parameter `{key}`, which is not defined", nodes_text(.nodes))]
    MissingParameter {
        /// The dotted key.
        key: String,
        /// The nodes reading it.
        nodes: Vec<String>,
        /// Close matches among defined keys.
        suggestions: Vec<String>,
    },
    /// The run failed.
    #[error(transparent)]
    Run(#[from] RunError),
    /// A hook failed while the session opened (`after_catalog_created`).
    #[error(transparent)]
    Hook(#[from] HookError),
}

fn nodes_text(nodes: &[String]) -> String {
    let quoted: Vec<String> = nodes.iter().map(|n| format!("`{n}`")).collect();
    format!("node {}", quoted.join(", "))
}

impl Hinted for ProjectError {
    fn hint(&self) -> Option<String> {
        match self {
            ProjectError::Config(error) => error.hint(),
            ProjectError::Catalog(error) => error.hint(),
            ProjectError::Pipeline { error, .. } => error.hint(),
            ProjectError::Run(error) => error.hint(),
            ProjectError::Hook(_) => {
                Some("fix the hook, or remove it from the project's `ProjectDefinition`".to_owned())
            }
            ProjectError::UnknownLoadVersionDataset { suggestions, .. } => {
                Some(if suggestions.is_empty() {
                    "pin versions of datasets declared with `versioned: true` in the catalog"
                        .to_owned()
                } else {
                    let quoted: Vec<String> =
                        suggestions.iter().map(|s| format!("`{s}`")).collect();
                    format!("did you mean {}?", quoted.join(" or "))
                })
            }
            ProjectError::MissingLoadVersion { available, .. } => Some(if available.is_empty() {
                "nothing has been saved yet: run the pipeline that writes it first".to_owned()
            } else {
                let latest =
                    available.iter().rev().take(5).map(|v| format!("`{v}`")).collect::<Vec<_>>();
                format!("the most recent versions are {}", latest.join(", "))
            }),
            ProjectError::MissingParameter { key, suggestions, .. } => {
                if suggestions.is_empty() {
                    Some(format!(
                        "define `{key}` in conf/base/parameters*.yml or pass --params \"{key}=...\""
                    ))
                } else {
                    let quoted: Vec<String> =
                        suggestions.iter().map(|s| format!("`{s}`")).collect();
                    Some(format!("did you mean {}?", quoted.join(" or ")))
                }
            }
        }
    }
}

impl ProjectError {
    /// Whether a node failed during the run (exit code 1) rather than the set-up (exit code 2).
    pub fn is_node_failure(&self) -> bool {
        matches!(self, ProjectError::Run(error) if error.is_node_failure())
    }
}

impl From<(String, PipelineError)> for ProjectError {
    fn from((pipeline, error): (String, PipelineError)) -> Self {
        ProjectError::Pipeline { pipeline: Some(pipeline), error }
    }
}

/// A project opened for one environment: configuration read, catalog built.
#[derive(Debug)]
pub struct Session {
    definition: ProjectDefinition,
    config: ConfigLoader,
    catalog_config: ConfigSection,
    parameters: serde_json::Map<String, serde_json::Value>,
    catalog: DataCatalog,
    save_version: String,
}

impl Session {
    /// Reads configuration, builds the catalog and validates every pipeline.
    pub fn open(
        definition: ProjectDefinition,
        options: SessionOptions,
    ) -> Result<Self, ProjectError> {
        definition.pipelines.validate()?;

        let conf_source = options.conf_source.unwrap_or_else(|| options.project_root.join("conf"));
        let mut config =
            ConfigLoader::new(conf_source, options.env.as_deref(), options.runtime_params)?;
        for (section, strategy) in &definition.merge_strategies {
            config = config.with_merge_strategy(section, *strategy);
        }

        let catalog_config = config.load("catalog")?;
        let credentials = config.load("credentials")?;
        let parameters = config.load("parameters")?.values;

        let save_version = version::generate_version(chrono::Utc::now());
        let context = DatasetContext {
            project_root: options.project_root,
            save_version: save_version.clone(),
            load_versions: options.load_versions,
        };
        let catalog = DataCatalog::from_config(
            &catalog_config.values,
            &catalog_config.sources,
            &credentials.values,
            &definition.dataset_types,
            &context,
        )?;
        catalog.resolve(context.load_versions.keys())?;
        check_load_versions(&catalog, &context.load_versions)?;
        let created = CatalogCreated {
            catalog: &catalog,
            save_version: &save_version,
            load_versions: &context.load_versions,
        };
        definition
            .hooks
            .emit("after_catalog_created", |hook| hook.after_catalog_created(&created))?;

        Ok(Session { definition, config, catalog_config, parameters, catalog, save_version })
    }

    /// The project's pipelines.
    pub fn pipelines(&self) -> &PipelineRegistry {
        &self.definition.pipelines
    }

    /// The catalog of this session.
    pub fn catalog(&self) -> &DataCatalog {
        &self.catalog
    }

    /// The catalog section as configured (after merging and interpolation).
    pub fn catalog_config(&self) -> &ConfigSection {
        &self.catalog_config
    }

    /// The merged parameters, runtime overrides included.
    pub fn parameters(&self) -> &serde_json::Map<String, serde_json::Value> {
        &self.parameters
    }

    /// The configuration loader.
    pub fn config(&self) -> &ConfigLoader {
        &self.config
    }

    /// The version that versioned datasets save in this session.
    pub fn save_version(&self) -> &str {
        &self.save_version
    }

    /// The pipeline called `name`, sliced by `filter`.
    pub fn pipeline(&self, name: &str, filter: &PipelineFilter) -> Result<Pipeline, ProjectError> {
        let pipeline = self
            .definition
            .pipelines
            .get(name)
            .map_err(|error| ProjectError::Pipeline { pipeline: None, error })?;
        let pipeline = if filter.is_empty() {
            pipeline.clone()
        } else {
            pipeline.filter(filter).map_err(|error| ProjectError::from((name.to_owned(), error)))?
        };
        self.resolve_datasets(&pipeline)?;
        Ok(pipeline)
    }

    /// Builds the datasets of `pipeline` that dataset factories match, so that the catalog
    /// hands them out by name (see [`DataCatalog::resolve`]). [`Session::pipeline`] and the
    /// runs do it; callers holding a pipeline from elsewhere call it themselves.
    pub fn resolve_datasets(&self, pipeline: &Pipeline) -> Result<(), ProjectError> {
        Ok(self.catalog.resolve(pipeline.datasets())?)
    }

    /// The named pipelines added together (Kedro's `--pipelines a,b`), sliced by `filter`.
    pub fn pipelines_combined(
        &self,
        names: &[String],
        filter: &PipelineFilter,
    ) -> Result<Pipeline, ProjectError> {
        let mut combined = Pipeline::default();
        for name in names {
            let pipeline = self
                .definition
                .pipelines
                .get(name)
                .map_err(|error| ProjectError::Pipeline { pipeline: None, error })?;
            combined = combined + pipeline.clone();
        }
        let combined = if filter.is_empty() {
            combined
        } else {
            combined.filter(filter).map_err(|error| ProjectError::from((names.join(","), error)))?
        };
        self.resolve_datasets(&combined)?;
        Ok(combined)
    }

    /// Runs `pipeline` sequentially, after checking that every parameter it reads exists.
    pub fn run(&self, pipeline: &Pipeline) -> Result<RunSummary, ProjectError> {
        self.run_with(pipeline, Runner::default(), false)
    }

    /// Runs `pipeline` with `runner` and the project's hooks; `is_async` loads and saves each
    /// node's datasets concurrently. The run id hooks see is the session's save version.
    pub fn run_with(
        &self,
        pipeline: &Pipeline,
        runner: Runner,
        is_async: bool,
    ) -> Result<RunSummary, ProjectError> {
        self.run_configured(pipeline, runner, RunSettings { is_async, ..RunSettings::default() })
    }

    /// Runs `pipeline` with `runner`, the built-in hooks of `settings` (called before the
    /// project's own) and its stop signal.
    pub fn run_configured(
        &self,
        pipeline: &Pipeline,
        runner: Runner,
        settings: RunSettings,
    ) -> Result<RunSummary, ProjectError> {
        self.resolve_datasets(pipeline)?;
        self.bind_parameters(pipeline)?;
        let mut hooks = settings.hooks;
        hooks.extend(&self.definition.hooks);
        let options = RunOptions {
            run_id: self.save_version.clone(),
            is_async: settings.is_async,
            hooks,
            stop: settings.stop,
            gate: settings.gate,
        };
        Ok(runner.run_with(pipeline, &self.catalog, &options)?)
    }

    /// Adds each parameter the pipeline reads to the catalog as an in-memory dataset.
    fn bind_parameters(&self, pipeline: &Pipeline) -> Result<(), ProjectError> {
        for (input, payload) in self.parameter_inputs(pipeline)? {
            self.catalog.dataset(&input).save(payload)?;
        }
        Ok(())
    }

    /// The value of every parameter input `pipeline` reads (`params:<key>` and `parameters`),
    /// by input name, for callers that run the pipeline against a catalog of their own (the
    /// inference server binds them once and shares them between requests).
    ///
    /// A key that configuration does not define is an error naming the nodes that read it.
    pub fn parameter_inputs(
        &self,
        pipeline: &Pipeline,
    ) -> Result<Vec<(String, Payload)>, ProjectError> {
        let mut bound = Vec::new();
        for input in pipeline.all_inputs() {
            let payload = if input == ALL_PARAMETERS {
                Payload::Structured(serde_json::Value::Object(self.parameters.clone()))
            } else if let Some(key) = input.strip_prefix(PARAMS_PREFIX) {
                let Some(value) = lookup_param(&self.parameters, key) else {
                    return Err(self.missing_parameter(pipeline, key));
                };
                Payload::Structured(value.clone())
            } else {
                continue;
            };
            bound.push((input, payload));
        }
        Ok(bound)
    }

    fn missing_parameter(&self, pipeline: &Pipeline, key: &str) -> ProjectError {
        let input = format!("{PARAMS_PREFIX}{key}");
        let nodes = pipeline
            .nodes()
            .iter()
            .filter(|node| node.inputs().contains(&input))
            .map(|node| node.node_name().to_owned())
            .collect();
        let defined = flatten_keys(&self.parameters);
        let suggestions = close_matches(key, defined.iter().map(String::as_str))
            .into_iter()
            .map(str::to_owned)
            .collect();
        ProjectError::MissingParameter { key: key.to_owned(), nodes, suggestions }
    }
}

/// Every dataset pinned with `--load-versions` must be declared and have that version, checked
/// before any node runs.
fn check_load_versions(
    catalog: &DataCatalog,
    load_versions: &HashMap<String, String>,
) -> Result<(), ProjectError> {
    let mut pinned: Vec<(&String, &String)> = load_versions.iter().collect();
    pinned.sort();
    for (dataset, version) in pinned {
        if !catalog.is_declared(dataset) {
            let declared = catalog.declared().map(|(name, _)| name);
            let suggestions =
                close_matches(dataset, declared).into_iter().map(str::to_owned).collect();
            return Err(ProjectError::UnknownLoadVersionDataset {
                dataset: dataset.clone(),
                suggestions,
            });
        }
        let available = catalog.dataset(dataset).versions()?;
        if !available.contains(version) {
            return Err(ProjectError::MissingLoadVersion {
                dataset: dataset.clone(),
                version: version.clone(),
                available,
            });
        }
    }
    Ok(())
}

/// Every dotted key path in a parameters map (`model`, `model.C`, ...).
fn flatten_keys(map: &serde_json::Map<String, serde_json::Value>) -> Vec<String> {
    let mut keys = Vec::new();
    for (key, value) in map {
        keys.push(key.clone());
        if let Some(inner) = value.as_object() {
            keys.extend(flatten_keys(inner).into_iter().map(|sub| format!("{key}.{sub}")));
        }
    }
    keys
}

/// Finds the project root from `start`: the nearest folder (itself or a parent) holding
/// `conf/base`.
pub fn find_project_root(start: &Path) -> Option<PathBuf> {
    start.ancestors().find(|dir| dir.join("conf").join("base").is_dir()).map(Path::to_path_buf)
}

/// Wraps a payload as an in-memory dataset, for inputs injected by the caller.
pub fn memory_input(name: &str, payload: Payload) -> std::sync::Arc<MemoryDataset> {
    std::sync::Arc::new(MemoryDataset::with_payload(name, payload))
}
