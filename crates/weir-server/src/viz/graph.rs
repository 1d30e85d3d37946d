//! The graph model the page draws and the exports write: vertices (nodes, datasets, parameters,
//! collapsed namespaces) and edges, built from a [`Pipeline`] and the catalog's configuration,
//! then placed by [`super::layout`].
//!
//! Vertex ids are prefixed by kind (`n:` node, `d:` dataset, `p:` parameters, `ns:` collapsed
//! namespace) because a node and a dataset may share a name.

use std::collections::{BTreeSet, HashMap};

use weir_core::config::ConfigSection;
use weir_core::pipeline::{Pipeline, is_parameter};

/// Kedro's data layers, in the order they are drawn (top to bottom). Other layer names follow
/// them in the order they are first met.
pub const KNOWN_LAYERS: [&str; 8] = [
    "raw",
    "intermediate",
    "primary",
    "feature",
    "model_input",
    "models",
    "model_output",
    "reporting",
];

/// What a vertex stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VertexKind {
    /// A pipeline node (a function).
    Node,
    /// A dataset, declared or in memory.
    Dataset,
    /// A `params:` or `parameters` input.
    Parameters,
    /// Every node of a collapsed namespace.
    Namespace,
}

impl VertexKind {
    /// The word used in the JSON and as a CSS class.
    pub fn as_str(self) -> &'static str {
        match self {
            VertexKind::Node => "node",
            VertexKind::Dataset => "dataset",
            VertexKind::Parameters => "parameters",
            VertexKind::Namespace => "namespace",
        }
    }

    fn prefix(self) -> &'static str {
        match self {
            VertexKind::Node => "n:",
            VertexKind::Dataset => "d:",
            VertexKind::Parameters => "p:",
            VertexKind::Namespace => "ns:",
        }
    }
}

/// One box of the drawing.
#[derive(Debug, Clone)]
pub struct Vertex {
    /// Unique within the graph: the kind's prefix and the name.
    pub id: String,
    /// What it stands for.
    pub kind: VertexKind,
    /// The node, dataset or namespace name.
    pub name: String,
    /// The namespace of a node (or the collapsed namespace itself).
    pub namespace: Option<String>,
    /// The node's tags (for a collapsed namespace: the union of its nodes' tags).
    pub tags: Vec<String>,
    /// The dataset's `metadata.layer`, as configured.
    pub layer: Option<String>,
    /// The dataset's type as configured (`pandas.CSVDataset`); `None` for memory datasets.
    pub dataset_type: Option<String>,
    /// How many pipeline nodes a collapsed namespace holds.
    pub node_count: usize,
    /// Top-left corner and size, set by the layout.
    pub x: f64,
    /// Top edge.
    pub y: f64,
    /// Width.
    pub width: f64,
    /// Height.
    pub height: f64,
}

/// A line from a vertex to one that depends on it.
#[derive(Debug, Clone)]
pub struct Edge {
    /// Index of the source vertex.
    pub source: usize,
    /// Index of the target vertex.
    pub target: usize,
    /// The points the line passes through, from the source's bottom to the target's top.
    pub points: Vec<(f64, f64)>,
}

/// A horizontal band holding the datasets of one layer (and the nodes between them).
#[derive(Debug, Clone, PartialEq)]
pub struct Band {
    /// The layer's name as configured.
    pub name: String,
    /// Top edge.
    pub top: f64,
    /// Bottom edge.
    pub bottom: f64,
}

/// A pipeline as a placed graph.
#[derive(Debug, Clone)]
pub struct Graph {
    /// The pipeline's name.
    pub pipeline: String,
    /// Boxes.
    pub vertices: Vec<Vertex>,
    /// Lines.
    pub edges: Vec<Edge>,
    /// Layer bands, top to bottom (empty when no dataset has a layer).
    pub bands: Vec<Band>,
    /// Every tag of the pipeline's nodes.
    pub tags: Vec<String>,
    /// Every namespace of the pipeline's nodes, outer ones before inner ones.
    pub namespaces: Vec<String>,
    /// The namespaces drawn collapsed.
    pub collapsed: Vec<String>,
    /// Whether parameter inputs are drawn.
    pub parameters_shown: bool,
    /// The drawing's size.
    pub width: f64,
    /// The drawing's height.
    pub height: f64,
}

/// What to draw.
#[derive(Debug, Clone, Default)]
pub struct GraphOptions {
    /// Draw `params:` inputs as vertices.
    pub show_parameters: bool,
    /// Namespaces drawn as one box each (a namespace nested in a collapsed one disappears
    /// into it).
    pub collapsed: BTreeSet<String>,
}

/// What the graph needs to know of the catalog: each declared dataset's type and layer.
#[derive(Debug, Clone, Default)]
pub struct CatalogInfo {
    types: HashMap<String, String>,
    layers: HashMap<String, String>,
}

impl CatalogInfo {
    /// Reads the `type` and `metadata.layer` of every entry of the catalog section.
    pub fn from_config(section: &ConfigSection) -> CatalogInfo {
        let mut info = CatalogInfo::default();
        for (name, entry) in &section.values {
            if let Some(type_name) = entry.get("type").and_then(serde_json::Value::as_str) {
                info.types.insert(name.clone(), type_name.to_owned());
            }
            let layer = entry
                .get("metadata")
                .and_then(|metadata| metadata.get("layer"))
                .and_then(serde_json::Value::as_str);
            if let Some(layer) = layer {
                info.layers.insert(name.clone(), layer.to_owned());
            }
        }
        info
    }

    /// Adds an entry (tests, and projects without configuration files).
    #[must_use]
    pub fn with(mut self, name: &str, type_name: &str, layer: Option<&str>) -> CatalogInfo {
        self.types.insert(name.to_owned(), type_name.to_owned());
        if let Some(layer) = layer {
            self.layers.insert(name.to_owned(), layer.to_owned());
        }
        self
    }

    /// The configured layer of `dataset`.
    pub fn layer(&self, dataset: &str) -> Option<&str> {
        self.layers.get(dataset).map(String::as_str)
    }

    /// The configured type of `dataset`.
    pub fn type_name(&self, dataset: &str) -> Option<&str> {
        self.types.get(dataset).map(String::as_str)
    }
}

/// A layer name compared loosely: `Model Input`, `model-input` and `model_input` are one layer.
pub fn layer_key(layer: &str) -> String {
    layer.trim().to_lowercase().replace([' ', '-'], "_")
}

/// The layers present, in drawing order: Kedro's known layers first, then the others as met.
pub fn ordered_layers<'a>(present: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut others: Vec<String> = Vec::new();
    let mut known: Vec<(usize, String)> = Vec::new();
    for layer in present {
        let key = layer_key(layer);
        if known.iter().any(|(_, l)| layer_key(l) == key)
            || others.iter().any(|l| layer_key(l) == key)
        {
            continue;
        }
        match KNOWN_LAYERS.iter().position(|k| *k == key) {
            Some(rank) => known.push((rank, layer.to_owned())),
            None => others.push(layer.to_owned()),
        }
    }
    known.sort_by_key(|(rank, _)| *rank);
    known.into_iter().map(|(_, layer)| layer).chain(others).collect()
}

/// The outermost collapsed namespace holding `namespace`, if any.
fn collapsed_group<'a>(
    namespace: Option<&str>,
    collapsed: &'a BTreeSet<String>,
) -> Option<&'a str> {
    let namespace = namespace?;
    collapsed
        .iter()
        .filter(|c| namespace == c.as_str() || namespace.starts_with(&format!("{c}.")))
        .min_by_key(|c| c.len())
        .map(String::as_str)
}

/// Every namespace and its parents (`a.b` gives `a` and `a.b`), outer ones first.
fn namespaces_of(pipeline: &Pipeline) -> Vec<String> {
    let mut all = BTreeSet::new();
    for node in pipeline.nodes() {
        let Some(namespace) = node.namespace() else { continue };
        let mut prefix = String::new();
        for part in namespace.split('.') {
            if !prefix.is_empty() {
                prefix.push('.');
            }
            prefix.push_str(part);
            all.insert(prefix.clone());
        }
    }
    all.into_iter().collect()
}

/// Builds the (not yet placed) graph of `pipeline`.
pub fn build(
    name: &str,
    pipeline: &Pipeline,
    catalog: &CatalogInfo,
    options: &GraphOptions,
) -> Graph {
    let mut graph = Graph {
        pipeline: name.to_owned(),
        vertices: Vec::new(),
        edges: Vec::new(),
        bands: Vec::new(),
        tags: pipeline.tags().into_iter().collect(),
        namespaces: namespaces_of(pipeline),
        collapsed: options.collapsed.iter().cloned().collect(),
        parameters_shown: options.show_parameters,
        width: 0.0,
        height: 0.0,
    };
    let mut index: HashMap<String, usize> = HashMap::new();

    // The vertex drawing each node: its own, or its collapsed namespace's.
    let mut owner: HashMap<&str, usize> = HashMap::new();
    for node in pipeline.sorted_nodes() {
        let group = collapsed_group(node.namespace(), &options.collapsed);
        let vertex = if let Some(group) = group {
            let at = vertex_index(&mut graph, &mut index, VertexKind::Namespace, group, catalog);
            let namespace = &mut graph.vertices[at];
            namespace.node_count += 1;
            namespace.namespace = Some(group.to_owned());
            for tag in node.tag_set() {
                if !namespace.tags.contains(tag) {
                    namespace.tags.push(tag.clone());
                }
            }
            at
        } else {
            let at =
                vertex_index(&mut graph, &mut index, VertexKind::Node, node.node_name(), catalog);
            let vertex = &mut graph.vertices[at];
            vertex.namespace = node.namespace().map(str::to_owned);
            vertex.tags = node.tag_set().iter().cloned().collect();
            vertex.node_count = 1;
            at
        };
        owner.insert(node.node_name(), vertex);
    }

    // Which vertex writes each dataset, and which vertices read it.
    let mut producer: HashMap<&str, usize> = HashMap::new();
    let mut readers: HashMap<&str, BTreeSet<usize>> = HashMap::new();
    for node in pipeline.nodes() {
        let at = owner[node.node_name()];
        for output in node.outputs() {
            producer.insert(output.as_str(), at);
        }
        for input in node.inputs() {
            readers.entry(input.as_str()).or_default().insert(at);
        }
    }

    let mut edges: BTreeSet<(usize, usize)> = BTreeSet::new();
    for node in pipeline.sorted_nodes() {
        let at = owner[node.node_name()];
        for input in node.inputs() {
            if is_parameter(input) && !options.show_parameters {
                continue;
            }
            // A dataset written inside the same collapsed namespace is internal to it.
            if producer.get(input.as_str()) == Some(&at) {
                continue;
            }
            let kind =
                if is_parameter(input) { VertexKind::Parameters } else { VertexKind::Dataset };
            let dataset = vertex_index(&mut graph, &mut index, kind, input, catalog);
            edges.insert((dataset, at));
        }
        for output in node.outputs() {
            let internal = readers
                .get(output.as_str())
                .is_some_and(|readers| readers.iter().all(|reader| *reader == at))
                && graph.vertices[at].kind == VertexKind::Namespace;
            if internal {
                continue;
            }
            let dataset =
                vertex_index(&mut graph, &mut index, VertexKind::Dataset, output, catalog);
            edges.insert((at, dataset));
        }
    }
    graph.edges = edges
        .into_iter()
        .map(|(source, target)| Edge { source, target, points: Vec::new() })
        .collect();
    graph
}

fn vertex_index(
    graph: &mut Graph,
    index: &mut HashMap<String, usize>,
    kind: VertexKind,
    name: &str,
    catalog: &CatalogInfo,
) -> usize {
    let id = format!("{}{name}", kind.prefix());
    if let Some(at) = index.get(&id) {
        return *at;
    }
    let is_data = matches!(kind, VertexKind::Dataset | VertexKind::Parameters);
    graph.vertices.push(Vertex {
        id: id.clone(),
        kind,
        name: name.to_owned(),
        namespace: None,
        tags: Vec::new(),
        layer: if is_data { catalog.layer(name).map(str::to_owned) } else { None },
        dataset_type: if is_data { catalog.type_name(name).map(str::to_owned) } else { None },
        node_count: 0,
        x: 0.0,
        y: 0.0,
        width: 0.0,
        height: 0.0,
    });
    index.insert(id, graph.vertices.len() - 1);
    graph.vertices.len() - 1
}

impl Vertex {
    /// The text in the box.
    pub fn label(&self) -> String {
        match self.kind {
            VertexKind::Namespace => format!("{} ({} nodes)", self.name, self.node_count),
            _ => self.name.clone(),
        }
    }
}

impl Graph {
    /// The graph as the JSON the page reads (and `viz export --format json` writes).
    pub fn to_json(&self) -> serde_json::Value {
        let round = |value: f64| (value * 10.0).round() / 10.0;
        let vertices: Vec<serde_json::Value> = self
            .vertices
            .iter()
            .map(|v| {
                serde_json::json!({
                    "id": v.id,
                    "kind": v.kind.as_str(),
                    "name": v.name,
                    "label": v.label(),
                    "namespace": v.namespace,
                    "tags": v.tags,
                    "layer": v.layer,
                    "type": v.dataset_type,
                    "x": round(v.x),
                    "y": round(v.y),
                    "width": round(v.width),
                    "height": round(v.height),
                })
            })
            .collect();
        let edges: Vec<serde_json::Value> = self
            .edges
            .iter()
            .map(|e| {
                let points: Vec<[f64; 2]> =
                    e.points.iter().map(|(x, y)| [round(*x), round(*y)]).collect();
                serde_json::json!({
                    "source": self.vertices[e.source].id,
                    "target": self.vertices[e.target].id,
                    "points": points,
                })
            })
            .collect();
        let bands: Vec<serde_json::Value> = self
            .bands
            .iter()
            .map(|b| serde_json::json!({"name": b.name, "top": round(b.top), "bottom": round(b.bottom)}))
            .collect();
        serde_json::json!({
            "pipeline": self.pipeline,
            "width": round(self.width),
            "height": round(self.height),
            "vertices": vertices,
            "edges": edges,
            "bands": bands,
            "tags": self.tags,
            "namespaces": self.namespaces,
            "collapsed": self.collapsed,
            "parameters_shown": self.parameters_shown,
        })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use weir_core::pipeline::{Pipeline, modular, node};

    use super::*;

    fn double(x: i64) -> i64 {
        x * 2
    }

    fn add(a: i64, b: i64) -> i64 {
        a + b
    }

    /// `raw -> clean -> x`, `x + params:factor -> report -> y`.
    pub(crate) fn small() -> Pipeline {
        Pipeline::new([
            node(double, "raw", "x").name("clean").tags(["prep"]),
            node(add, ["x", "params:factor"], "y").name("report").tags(["report"]),
        ])
    }

    pub(crate) fn small_catalog() -> CatalogInfo {
        CatalogInfo::default().with("raw", "pandas.CSVDataset", Some("raw")).with(
            "y",
            "json.JSONDataset",
            Some("Reporting"),
        )
    }

    fn ids(graph: &Graph, kind: VertexKind) -> Vec<&str> {
        graph.vertices.iter().filter(|v| v.kind == kind).map(|v| v.name.as_str()).collect()
    }

    #[test]
    fn nodes_datasets_and_edges_of_a_small_pipeline_without_parameters() {
        let graph = build("p", &small(), &small_catalog(), &GraphOptions::default());
        assert_eq!(ids(&graph, VertexKind::Node), ["clean", "report"]);
        let mut datasets = ids(&graph, VertexKind::Dataset);
        datasets.sort_unstable();
        assert_eq!(datasets, ["raw", "x", "y"]);
        assert!(ids(&graph, VertexKind::Parameters).is_empty());
        // raw -> clean -> x -> report -> y
        assert_eq!(graph.edges.len(), 4);
        assert_eq!(graph.tags, ["prep", "report"]);
        let json = graph.to_json();
        assert_eq!(json["vertices"].as_array().unwrap().len(), 5);
        assert_eq!(json["edges"].as_array().unwrap().len(), 4);
        let raw = json["vertices"].as_array().unwrap().iter().find(|v| v["id"] == "d:raw").unwrap();
        assert_eq!(raw["layer"], "raw");
        assert_eq!(raw["type"], "pandas.CSVDataset");
        assert_eq!(json["parameters_shown"], false);
    }

    #[test]
    fn parameters_are_drawn_when_asked() {
        let options = GraphOptions { show_parameters: true, ..GraphOptions::default() };
        let graph = build("p", &small(), &small_catalog(), &options);
        assert_eq!(ids(&graph, VertexKind::Parameters), ["params:factor"]);
        assert_eq!(graph.edges.len(), 5);
    }

    #[test]
    fn a_node_and_a_dataset_with_one_name_are_two_vertices() {
        let pipeline = Pipeline::new([node(double, "a", "same").name("same")]);
        let graph = build("p", &pipeline, &CatalogInfo::default(), &GraphOptions::default());
        let ids: Vec<&str> = graph.vertices.iter().map(|v| v.id.as_str()).collect();
        assert!(ids.contains(&"n:same") && ids.contains(&"d:same"), "{ids:?}");
    }

    #[test]
    fn layers_follow_kedros_order_then_the_order_met() {
        // Kedro's data engineering convention, as listed in the viz issue: raw, intermediate,
        // primary, feature, model input, models, model output, reporting.
        let layers =
            ordered_layers(["custom", "Model Output", "raw", "feature", "model_input", "RAW"]);
        assert_eq!(layers, ["raw", "feature", "model_input", "Model Output", "custom"]);
    }

    #[test]
    fn a_collapsed_namespace_is_one_box_hiding_its_internal_datasets() {
        let inner = Pipeline::new([
            node(double, "input", "middle").name("first"),
            node(double, "middle", "output").name("second"),
        ]);
        let placed = modular(inner)
            .namespace("ns")
            .input("input", "raw")
            .output("output", "result")
            .build()
            .unwrap();
        let pipeline = placed + Pipeline::new([node(double, "result", "final").name("after")]);
        let collapsed = GraphOptions {
            collapsed: std::iter::once("ns".to_owned()).collect(),
            ..GraphOptions::default()
        };
        let graph = build("p", &pipeline, &CatalogInfo::default(), &collapsed);
        assert_eq!(ids(&graph, VertexKind::Namespace), ["ns"]);
        assert_eq!(graph.vertices.iter().find(|v| v.name == "ns").unwrap().node_count, 2);
        assert_eq!(ids(&graph, VertexKind::Node), ["after"]);
        let mut datasets = ids(&graph, VertexKind::Dataset);
        datasets.sort_unstable();
        assert_eq!(datasets, ["final", "raw", "result"]);
        assert_eq!(graph.edges.len(), 4);
        assert_eq!(graph.namespaces, ["ns"]);
    }
}
