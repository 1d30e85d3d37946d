//! The named pipelines of a project, as handed to the CLI by the project's `main`.

use indexmap::IndexMap;

use super::{Pipeline, PipelineError};

/// The name of the pipeline `weir run` runs when none is given.
pub const DEFAULT_PIPELINE: &str = "__default__";

/// Named pipelines.
///
/// ```
/// use weir_core::pipeline::{Pipeline, PipelineRegistry};
///
/// let registry = PipelineRegistry::new()
///     .with("data_engineering", Pipeline::default())
///     .with("training", Pipeline::default())
///     .with_default_of_all();
/// assert_eq!(registry.names().collect::<Vec<_>>(), ["data_engineering", "training", "__default__"]);
/// ```
#[derive(Debug, Clone, Default)]
pub struct PipelineRegistry {
    pipelines: IndexMap<String, Pipeline>,
}

impl PipelineRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        PipelineRegistry::default()
    }

    /// Adds (or replaces) the pipeline called `name`.
    #[must_use]
    pub fn with(mut self, name: impl Into<String>, pipeline: Pipeline) -> Self {
        self.pipelines.insert(name.into(), pipeline);
        self
    }

    /// Sets `__default__` to the sum of every pipeline registered so far.
    #[must_use]
    pub fn with_default_of_all(self) -> Self {
        let all: Pipeline = self
            .pipelines
            .iter()
            .filter(|(name, _)| name.as_str() != DEFAULT_PIPELINE)
            .map(|(_, pipeline)| pipeline.clone())
            .sum();
        self.with(DEFAULT_PIPELINE, all)
    }

    /// The pipeline names, in registration order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.pipelines.keys().map(String::as_str)
    }

    /// Every pipeline with its name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Pipeline)> {
        self.pipelines.iter().map(|(name, pipeline)| (name.as_str(), pipeline))
    }

    /// The pipeline called `name`, or an error listing the known names.
    pub fn get(&self, name: &str) -> Result<&Pipeline, PipelineError> {
        self.pipelines.get(name).ok_or_else(|| PipelineError::UnknownPipeline {
            name: name.to_owned(),
            available: self.pipelines.keys().cloned().collect(),
        })
    }

    /// Validates every pipeline, naming the pipeline in the error.
    pub fn validate(&self) -> Result<(), (String, PipelineError)> {
        for (name, pipeline) in &self.pipelines {
            pipeline.validate().map_err(|error| (name.clone(), error))?;
        }
        Ok(())
    }
}
