//! A pipeline made ready to score requests: what it reads from the request, what it reads from
//! memory, and how one request runs.
//!
//! At start-up [`ServedPipeline::from_session`] loads, once, every free input of the pipeline
//! that does not come from the request (fitted models, scalers, encoders, lookup tables) and
//! every parameter it reads, and keeps their payloads. Payloads share their data (`Arc`s and
//! Polars buffers), so each request gets a fresh in-memory [`DataCatalog`] holding clones of
//! them plus the request's rows, runs the pipeline with weir-core's [`SequentialRunner`], and
//! reads the output from memory: no dataset the catalog declares is read or written per request.
//!
//! # Limitations
//! - Datasets that nodes derive from preloaded inputs alone are recomputed for every request.
//! - Artefacts stored in weir's artefact format are decoded by the node argument that reads
//!   them, once per request; for large models that decode is part of each request's latency.
//! - One output is returned: the pipeline's only final output, or the one chosen at start-up.

use std::collections::BTreeSet;
use std::sync::Arc;

use weir_core::catalog::{CatalogError, DataCatalog};
use weir_core::data::{DataKind, NodeData, Payload};
use weir_core::error::close_matches;
use weir_core::pipeline::{Pipeline, is_parameter};
use weir_core::polars::prelude::DataFrame;
use weir_core::project::{Session, memory_input};
use weir_core::runner::{RunError, SequentialRunner};

use crate::error::ServeError;
use crate::table::TableSchema;

/// How many rows of an input's configured data the start-up check scores.
const WARM_UP_ROWS: usize = 5;

/// A pipeline ready to score requests.
#[derive(Debug, Clone)]
pub struct ServedPipeline {
    name: String,
    pipeline: Arc<Pipeline>,
    preloaded: Arc<Vec<(String, Payload)>>,
    inputs: Vec<RequestInput>,
    output: String,
    output_schema: Option<TableSchema>,
}

/// A dataset fed from the request body, with the columns it must have when known.
#[derive(Debug, Clone)]
pub struct RequestInput {
    /// The dataset's name in the pipeline.
    pub name: String,
    /// The expected columns; `None` when nothing told them at start-up.
    pub schema: Option<TableSchema>,
}

/// Why a request could not be scored.
#[derive(Debug)]
pub enum PredictError {
    /// A node failed on the request's rows.
    NodeFailed {
        /// The failing node.
        node: String,
        /// The cause, for the server log only.
        cause: String,
    },
    /// The run could not start or its output could not be read (a server-side problem).
    Internal(String),
}

impl ServedPipeline {
    /// Prepares pipeline `name` of `session`: `inputs` are fed from requests (default: the free
    /// inputs whose catalog entry loads a table, when there is exactly one) and `output` is
    /// returned (default: the only final output).
    pub fn from_session(
        session: &Session,
        name: &str,
        inputs: &[String],
        output: Option<&str>,
    ) -> Result<ServedPipeline, ServeError> {
        let pipeline = session.pipeline(name, &weir_core::pipeline::PipelineFilter::default())?;
        let inputs = request_inputs(session.catalog(), name, &pipeline, inputs)?;
        let output = pick_output(name, &pipeline, output)?;

        let mut preloaded = session.parameter_inputs(&pipeline)?;
        for dataset in pipeline.inputs() {
            if is_parameter(&dataset) || inputs.contains(&dataset) {
                continue;
            }
            tracing::info!(pipeline = name, dataset = dataset.as_str(), "preloading");
            let payload = session
                .catalog()
                .load(&dataset)
                .map_err(|source| ServeError::Preload { dataset: dataset.clone(), source })?;
            preloaded.push((dataset, payload));
        }

        let request_inputs =
            inputs.iter().map(|input| sample_schema(session.catalog(), input)).collect();
        let mut served = ServedPipeline::new(name, pipeline, preloaded, request_inputs, &output)?;
        served.warm_up(session.catalog())?;
        Ok(served)
    }

    /// A served pipeline from parts: `preloaded` payloads are shared by every request, the
    /// request fills `inputs`, and `output` is read back.
    pub fn new(
        name: &str,
        pipeline: Pipeline,
        preloaded: Vec<(String, Payload)>,
        inputs: Vec<RequestInput>,
        output: &str,
    ) -> Result<ServedPipeline, ServeError> {
        if !pipeline.outputs().contains(output) {
            return Err(ServeError::UnknownOutput {
                pipeline: name.to_owned(),
                output: output.to_owned(),
                outputs: pipeline.outputs().into_iter().collect(),
            });
        }
        Ok(ServedPipeline {
            name: name.to_owned(),
            pipeline: Arc::new(pipeline),
            preloaded: Arc::new(preloaded),
            inputs,
            output: output.to_owned(),
            output_schema: None,
        })
    }

    /// The pipeline's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The datasets each request fills.
    pub fn inputs(&self) -> &[RequestInput] {
        &self.inputs
    }

    /// The dataset returned to the client.
    pub fn output(&self) -> &str {
        &self.output
    }

    /// The output's columns, when the start-up check saw them.
    pub fn output_schema(&self) -> Option<&TableSchema> {
        self.output_schema.as_ref()
    }

    /// The names of the preloaded datasets and parameters.
    pub fn preloaded(&self) -> impl Iterator<Item = &str> {
        self.preloaded.iter().map(|(name, _)| name.as_str())
    }

    /// Runs the pipeline on one request's frames (one per request input, by name) and returns
    /// the output payload.
    pub fn predict(&self, frames: Vec<(String, DataFrame)>) -> Result<Payload, PredictError> {
        let mut catalog = DataCatalog::new();
        for (name, payload) in self.preloaded.iter() {
            catalog.add(name.clone(), memory_input(name, payload.clone()));
        }
        for (name, frame) in frames {
            let dataset = memory_input(&name, frame.into_payload());
            catalog.add(name, dataset);
        }

        match SequentialRunner.run(&self.pipeline, &catalog) {
            Ok(_) => {}
            Err(RunError::NodeFailed { node, cause, .. }) => {
                return Err(PredictError::NodeFailed { node, cause });
            }
            Err(other) => return Err(PredictError::Internal(other.to_string())),
        }
        catalog.load(&self.output).map_err(|error| PredictError::Internal(error.to_string()))
    }

    /// Scores the first rows of each input's configured data, so a pipeline that cannot run
    /// fails at start-up rather than on the first request, and records the output's columns.
    fn warm_up(&mut self, catalog: &DataCatalog) -> Result<(), ServeError> {
        let mut frames = Vec::new();
        for input in &self.inputs {
            let Some(frame) = load_frame(catalog, &input.name) else {
                tracing::info!(
                    pipeline = self.name.as_str(),
                    dataset = input.name.as_str(),
                    "no sample rows to check the pipeline with"
                );
                return Ok(());
            };
            frames.push((input.name.clone(), frame.head(Some(WARM_UP_ROWS))));
        }

        let output = self.predict(frames).map_err(|error| match error {
            PredictError::NodeFailed { node, cause } => {
                ServeError::WarmUp { pipeline: self.name.clone(), node: Some(node), cause }
            }
            PredictError::Internal(cause) => {
                ServeError::WarmUp { pipeline: self.name.clone(), node: None, cause }
            }
        })?;
        if let Ok(frame) = DataFrame::from_payload(output) {
            self.output_schema = Some(TableSchema::of_frame(&frame));
        }
        Ok(())
    }
}

/// The request-fed inputs: those named, checked against the pipeline's free inputs, or the
/// only free input whose catalog entry loads a table.
fn request_inputs(
    catalog: &DataCatalog,
    pipeline_name: &str,
    pipeline: &Pipeline,
    named: &[String],
) -> Result<Vec<String>, ServeError> {
    let free: BTreeSet<String> =
        pipeline.inputs().into_iter().filter(|input| !is_parameter(input)).collect();

    if named.is_empty() {
        let tables: Vec<String> = free
            .iter()
            .filter(|input| {
                catalog
                    .is_declared(input)
                    .then(|| catalog.dataset(input).loads())
                    .flatten()
                    .is_some_and(|kind| matches!(kind, DataKind::Frame | DataKind::Lazy))
            })
            .cloned()
            .collect();
        return match tables.as_slice() {
            [only] => Ok(vec![only.clone()]),
            _ => Err(ServeError::NoRequestInput {
                pipeline: pipeline_name.to_owned(),
                candidates: free.into_iter().collect(),
            }),
        };
    }

    for input in named {
        if !free.contains(input) {
            let suggestions = close_matches(input, free.iter().map(String::as_str))
                .into_iter()
                .map(str::to_owned)
                .collect();
            return Err(ServeError::UnknownInput {
                pipeline: pipeline_name.to_owned(),
                input: input.clone(),
                suggestions,
                free_inputs: free.into_iter().collect(),
            });
        }
    }
    Ok(named.to_vec())
}

/// The returned dataset: the one asked for, or the pipeline's only final output.
fn pick_output(
    pipeline_name: &str,
    pipeline: &Pipeline,
    asked: Option<&str>,
) -> Result<String, ServeError> {
    let outputs: Vec<String> = pipeline.outputs().into_iter().collect();
    match (asked, outputs.as_slice()) {
        (Some(asked), _) => Ok(asked.to_owned()),
        (None, [only]) => Ok(only.clone()),
        (None, _) => Err(ServeError::UnknownOutput {
            pipeline: pipeline_name.to_owned(),
            output: String::new(),
            outputs,
        }),
    }
}

/// An input's schema, from the rows its catalog entry holds at start-up (if any).
fn sample_schema(catalog: &DataCatalog, input: &str) -> RequestInput {
    let schema = load_frame(catalog, input).map(|frame| TableSchema::of_frame(&frame));
    if schema.is_none() {
        tracing::warn!(
            dataset = input,
            "no data to read the expected columns from: requests are not checked against a schema"
        );
    }
    RequestInput { name: input.to_owned(), schema }
}

/// The declared dataset's rows, when it is a table that exists now.
fn load_frame(catalog: &DataCatalog, name: &str) -> Option<DataFrame> {
    if !catalog.is_declared(name) || !catalog.exists(name).unwrap_or(false) {
        return None;
    }
    let payload = catalog.load(name).map_err(|error: CatalogError| {
        tracing::warn!(dataset = name, error = %error, "cannot read sample rows");
    });
    DataFrame::from_payload(payload.ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use weir_core::pipeline::node;
    use weir_core::polars::prelude::{IntoColumn, NamedFrom, Series};

    #[expect(clippy::needless_pass_by_value, reason = "nodes take their inputs by value")]
    fn double(table: DataFrame, factor: f64) -> Result<DataFrame, String> {
        let x = table.column("x").map_err(|e| e.to_string())?.as_materialized_series().clone();
        let doubled = (&x * factor).with_name("y".into());
        DataFrame::new(table.height(), vec![doubled.into_column()]).map_err(|e| e.to_string())
    }

    fn served() -> ServedPipeline {
        let pipeline = Pipeline::new([node(double, ["rows", "params:factor"], "doubled")]);
        ServedPipeline::new(
            "demo",
            pipeline,
            vec![("params:factor".to_owned(), Payload::Structured(serde_json::json!(3.0)))],
            vec![RequestInput { name: "rows".to_owned(), schema: None }],
            "doubled",
        )
        .unwrap()
    }

    #[test]
    fn each_request_sees_its_own_rows_and_the_shared_parameters() {
        let served = served();
        for value in [1.0, 2.0] {
            let rows =
                DataFrame::new(1, vec![Series::new("x".into(), [value]).into_column()]).unwrap();
            let output = served.predict(vec![("rows".to_owned(), rows)]).unwrap();
            let frame = DataFrame::from_payload(output).unwrap();
            assert_eq!(frame.column("y").unwrap().f64().unwrap().get(0), Some(value * 3.0));
        }
    }

    #[test]
    fn a_node_error_names_the_node() {
        let rows = DataFrame::new(1, vec![Series::new("z".into(), [1.0]).into_column()]).unwrap();
        let error = served().predict(vec![("rows".to_owned(), rows)]).unwrap_err();
        let PredictError::NodeFailed { node, .. } = error else { panic!("{error:?}") };
        assert_eq!(node, "double");
    }

    #[test]
    fn an_unknown_output_is_refused() {
        let pipeline = Pipeline::new([node(double, ["rows", "params:factor"], "doubled")]);
        let error =
            ServedPipeline::new("demo", pipeline, Vec::new(), Vec::new(), "tripled").unwrap_err();
        assert!(matches!(error, ServeError::UnknownOutput { .. }), "{error}");
    }
}
