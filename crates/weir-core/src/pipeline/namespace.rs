//! Modular pipelines: one pipeline instantiated several times under namespaces, with its inputs,
//! outputs and parameters remapped (Kedro's `pipeline(pipe, inputs=, outputs=, parameters=,
//! namespace=)`).
//!
//! With a namespace `ns`, every dataset name becomes `ns.<name>` and every `params:<key>`
//! becomes `params:ns.<key>`, except the names listed as inputs, outputs or parameters: those
//! keep their name, or take the new one they are mapped to. `parameters` (all parameters) never
//! changes. Node names become `ns.<name>`, and nested namespaces join with dots.
//!
//! ```
//! use weir_core::pipeline::{Pipeline, modular, node};
//!
//! fn train(rows: f64, c: f64) -> f64 { rows * c }
//!
//! let base = Pipeline::new([node(train, ["rows", "params:c"], "model")]);
//! let europe = modular(base).namespace("europe").input("rows", "rows_eu").build().unwrap();
//! let node = &europe.nodes()[0];
//! assert_eq!(node.node_name(), "europe.train");
//! assert_eq!(node.inputs(), ["rows_eu", "params:europe.c"]);
//! assert_eq!(node.outputs(), ["europe.model"]);
//! ```

use std::collections::{BTreeMap, BTreeSet};

use super::graph::check_known;
use super::{ALL_PARAMETERS, PARAMS_PREFIX, Pipeline, PipelineError};

/// Builds a remapped copy of a pipeline; see the module docs.
pub fn modular(pipeline: Pipeline) -> ModularPipeline {
    ModularPipeline { pipeline, ..ModularPipeline::default() }
}

/// A pipeline with the remapping to apply to it.
#[derive(Debug, Clone, Default)]
pub struct ModularPipeline {
    pipeline: Pipeline,
    namespace: Option<String>,
    inputs: BTreeMap<String, String>,
    outputs: BTreeMap<String, String>,
    parameters: BTreeMap<String, String>,
    tags: Vec<String>,
}

impl ModularPipeline {
    /// Prefixes dataset, parameter and node names with `namespace`.
    #[must_use]
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = Some(namespace.into());
        self
    }

    /// Maps the free input `name` to `new_name` (pass the same name to keep it unprefixed).
    #[must_use]
    pub fn input(mut self, name: impl Into<String>, new_name: impl Into<String>) -> Self {
        self.inputs.insert(name.into(), new_name.into());
        self
    }

    /// Keeps these free inputs' names out of the namespace.
    #[must_use]
    pub fn inputs<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        for name in names {
            let name = name.into();
            self.inputs.insert(name.clone(), name);
        }
        self
    }

    /// Maps the output `name` to `new_name`.
    #[must_use]
    pub fn output(mut self, name: impl Into<String>, new_name: impl Into<String>) -> Self {
        self.outputs.insert(name.into(), new_name.into());
        self
    }

    /// Keeps these outputs' names out of the namespace.
    #[must_use]
    pub fn outputs<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        for name in names {
            let name = name.into();
            self.outputs.insert(name.clone(), name);
        }
        self
    }

    /// Maps the parameter `name` to `new_name` (with or without the `params:` prefix).
    #[must_use]
    pub fn parameter(mut self, name: &str, new_name: &str) -> Self {
        self.parameters.insert(as_param(name), as_param(new_name));
        self
    }

    /// Keeps these parameters out of the namespace (with or without the `params:` prefix).
    #[must_use]
    pub fn parameters<'a>(mut self, names: impl IntoIterator<Item = &'a str>) -> Self {
        for name in names {
            self.parameters.insert(as_param(name), as_param(name));
        }
        self
    }

    /// Adds tags to every node.
    #[must_use]
    pub fn tags<S: Into<String>>(mut self, tags: impl IntoIterator<Item = S>) -> Self {
        self.tags.extend(tags.into_iter().map(Into::into));
        self
    }

    /// Checks the mapping against the pipeline and builds the remapped copy.
    pub fn build(self) -> Result<Pipeline, PipelineError> {
        self.check_names_exist()?;
        self.check_inputs_and_outputs()?;

        let mapping: BTreeMap<&str, &str> = self
            .inputs
            .iter()
            .chain(&self.outputs)
            .chain(&self.parameters)
            .map(|(from, to)| (from.as_str(), to.as_str()))
            .collect();
        let namespace = self.namespace.as_deref();
        let rename = |name: &str| rename(name, &mapping, namespace);

        let nodes = self
            .pipeline
            .nodes()
            .iter()
            .map(|node| node.relocated(namespace, rename).tags(self.tags.iter().cloned()));
        Ok(Pipeline::new(nodes))
    }

    /// Every name to remap must be used by the pipeline.
    fn check_names_exist(&self) -> Result<(), PipelineError> {
        let mut known = self.pipeline.datasets();
        // A transcoded dataset (`t@polars`) is mapped by its name before the `@` (Kedro's
        // `_validate_datasets_exist`).
        let bases: Vec<String> =
            known.iter().map(|name| super::strip_transcoding(name).to_owned()).collect();
        known.extend(bases);
        known.extend(
            self.pipeline.all_inputs().into_iter().filter(|name| name.starts_with(PARAMS_PREFIX)),
        );
        let mapped: BTreeSet<String> = self
            .inputs
            .keys()
            .chain(self.outputs.keys())
            .chain(self.parameters.keys())
            .cloned()
            .collect();
        let mapped: Vec<String> = mapped.into_iter().collect();
        check_known("datasets or parameters", &mapped, &known)
    }

    /// Inputs must be free inputs (not parameters); outputs must be produced by a node.
    fn check_inputs_and_outputs(&self) -> Result<(), PipelineError> {
        // Compared by the name before any `@`, as Kedro's `_validate_inputs_outputs` does.
        let free_inputs: BTreeSet<String> = self
            .pipeline
            .inputs()
            .iter()
            .map(|name| super::strip_transcoding(name).to_owned())
            .collect();
        let base = |name: &String| super::strip_transcoding(name).to_owned();
        let invalid = |message: String| Err(PipelineError::ModularPipeline(message));
        if let Some(name) = self.inputs.keys().find(|name| super::is_parameter(name)) {
            return invalid(format!(
                "`{name}` is a parameter: map it with `parameter`, not `input`"
            ));
        }
        if let Some(name) = self.inputs.keys().find(|name| !free_inputs.contains(&base(name))) {
            return invalid(format!(
                "`{name}` is written by a node of the pipeline, so it cannot be mapped as an input"
            ));
        }
        if let Some(name) = self.outputs.keys().find(|name| free_inputs.contains(&base(name))) {
            return invalid(format!(
                "`{name}` is not written by any node, so it cannot be an output"
            ));
        }
        Ok(())
    }
}

/// `name` → `params:name` unless it already has the prefix (or is `parameters`).
fn as_param(name: &str) -> String {
    if name.starts_with(PARAMS_PREFIX) || name == ALL_PARAMETERS {
        name.to_owned()
    } else {
        format!("{PARAMS_PREFIX}{name}")
    }
}

/// Kedro's renaming rules, first match wins: mapped names, `parameters`, transcoded names
/// whose dataset is mapped (`t@polars` with `t` → `x` becomes `x@polars`), single parameters
/// (prefixed inside `params:`), then datasets (prefixed).
fn rename(name: &str, mapping: &BTreeMap<&str, &str>, namespace: Option<&str>) -> String {
    if let Some(new_name) = mapping.get(name) {
        return (*new_name).to_owned();
    }
    if name == ALL_PARAMETERS {
        return name.to_owned();
    }
    if let Some((base, suffix)) = name.split_once(super::TRANSCODING_SEPARATOR)
        && let Some(new_base) = mapping.get(base)
        && !name.starts_with(PARAMS_PREFIX)
    {
        return format!("{new_base}{}{suffix}", super::TRANSCODING_SEPARATOR);
    }
    let Some(namespace) = namespace else { return name.to_owned() };
    match name.strip_prefix(PARAMS_PREFIX) {
        Some(key) => format!("{PARAMS_PREFIX}{namespace}.{key}"),
        None => format!("{namespace}.{name}"),
    }
}

#[cfg(test)]
#[allow(clippy::needless_pass_by_value, reason = "node functions take their inputs by value")]
mod tests {
    use super::*;
    use crate::pipeline::{PipelineFilter, node};

    fn prepare(raw: f64, scale: f64) -> f64 {
        raw * scale
    }

    fn fit(features: f64, all: serde_json::Value) -> f64 {
        let _ = all;
        features
    }

    /// raw --prepare(params:scale)--> features --fit(parameters)--> model
    fn base() -> Pipeline {
        Pipeline::new([
            node(prepare, ["raw", "params:scale"], "features").tags(["prep"]),
            node(fit, ["features", "parameters"], "model"),
        ])
    }

    fn wiring(pipeline: &Pipeline) -> Vec<(String, Vec<String>, Vec<String>)> {
        pipeline
            .sorted_nodes()
            .iter()
            .map(|n| (n.node_name().to_owned(), n.inputs().to_vec(), n.outputs().to_vec()))
            .collect()
    }

    fn strings(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn namespace_prefixes_datasets_parameters_and_node_names() {
        let europe = modular(base()).namespace("europe").build().unwrap();
        assert_eq!(
            wiring(&europe),
            [
                (
                    "europe.prepare".to_owned(),
                    strings(&["europe.raw", "params:europe.scale"]),
                    strings(&["europe.features"])
                ),
                (
                    "europe.fit".to_owned(),
                    strings(&["europe.features", "parameters"]),
                    strings(&["europe.model"])
                ),
            ]
        );
        assert_eq!(europe.nodes()[0].namespace(), Some("europe"));
    }

    #[test]
    fn mapped_and_kept_names_escape_the_namespace() {
        let europe = modular(base())
            .namespace("europe")
            .inputs(["raw"])
            .output("model", "model_eu")
            .parameter("scale", "scale_eu")
            .build()
            .unwrap();
        let wiring = wiring(&europe);
        assert_eq!(wiring[0].1, strings(&["raw", "params:scale_eu"]));
        assert_eq!(wiring[1].2, strings(&["model_eu"]));
    }

    #[test]
    fn a_mapped_dataset_renames_its_transcoded_versions() {
        // Kedro's `_rename`: "if transcode base is mapped to a new name, update with new base".
        let transcoded = Pipeline::new([
            node(prepare, ["raw@csv", "params:scale"], "features@polars").name("prepare"),
            node(fit, ["features@lazy", "parameters"], "model").name("fit"),
        ]);
        let europe = modular(transcoded)
            .namespace("europe")
            .inputs(["raw"])
            .output("features", "features_eu")
            .build()
            .unwrap();
        let wiring = wiring(&europe);
        assert_eq!(wiring[0].1, strings(&["raw@csv", "params:europe.scale"]));
        assert_eq!(wiring[0].2, strings(&["features_eu@polars"]));
        assert_eq!(wiring[1].1, strings(&["features_eu@lazy", "parameters"]));
        assert_eq!(wiring[1].2, strings(&["europe.model"]));
    }

    #[test]
    fn one_pipeline_instantiated_twice_shares_only_the_free_input() {
        let both = modular(base()).namespace("a").inputs(["raw"]).build().unwrap()
            + modular(base()).namespace("b").inputs(["raw"]).build().unwrap();
        both.validate().unwrap();
        assert_eq!(both.len(), 4);
        assert_eq!(
            both.inputs(),
            ["params:a.scale", "params:b.scale", "parameters", "raw"].map(String::from).into()
        );
    }

    #[test]
    fn nested_namespaces_join_with_dots() {
        let inner = modular(base()).namespace("inner").build().unwrap();
        let outer = modular(inner).namespace("outer").build().unwrap();
        let node = outer.find("outer.inner.prepare").unwrap();
        assert_eq!(node.namespace(), Some("outer.inner"));
        assert_eq!(node.inputs()[1], "params:outer.inner.scale");
    }

    #[test]
    fn namespace_filter_keeps_a_namespace_and_its_children() {
        let inner = modular(base()).namespace("inner").build().unwrap();
        let all = modular(inner).namespace("outer").build().unwrap()
            + modular(base()).namespace("other").build().unwrap();
        let filter =
            PipelineFilter { namespaces: vec!["outer".into()], ..PipelineFilter::default() };
        let kept = all.filter(&filter).unwrap();
        assert_eq!(kept.len(), 2);
        assert!(kept.nodes().iter().all(|n| n.node_name().starts_with("outer.inner.")));
    }

    #[test]
    fn mapping_mistakes_are_named() {
        let error = modular(base()).input("raww", "x").build().unwrap_err();
        assert!(
            matches!(error, PipelineError::UnknownNames { ref suggestions, .. } if suggestions == &["raw"]),
            "{error}"
        );

        let error = modular(base()).input("features", "x").build().unwrap_err();
        assert!(error.to_string().contains("`features` is written by a node"), "{error}");

        let error = modular(base()).output("raw", "x").build().unwrap_err();
        assert!(error.to_string().contains("`raw` is not written by any node"), "{error}");
    }
}
