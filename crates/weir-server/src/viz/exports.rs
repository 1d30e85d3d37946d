//! Static pictures of a placed [`Graph`]: JSON, Graphviz DOT, Mermaid, SVG and a single
//! offline HTML file (what `weir viz export --format ...` writes).
//!
//! DOT and Mermaid leave the layout to their own tools (layers become clusters / subgraphs);
//! SVG and HTML use weir's layout, so they look like the page.

use std::fmt::Write as _;
use std::str::FromStr;

use super::graph::{Graph, Vertex, VertexKind, ordered_layers};

/// The formats `viz export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// The page, graph included, as one file that works offline.
    Html,
    /// A picture.
    Svg,
    /// A Mermaid flowchart.
    Mermaid,
    /// A Graphviz digraph.
    Dot,
    /// The graph model the page reads.
    Json,
}

impl FromStr for ExportFormat {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.to_ascii_lowercase().as_str() {
            "html" => Ok(ExportFormat::Html),
            "svg" => Ok(ExportFormat::Svg),
            "mermaid" | "mmd" => Ok(ExportFormat::Mermaid),
            "dot" | "graphviz" => Ok(ExportFormat::Dot),
            "json" => Ok(ExportFormat::Json),
            other => Err(format!("unknown export format `{other}`")),
        }
    }
}

/// Writes `graph` in `format`.
pub fn render(graph: &Graph, format: ExportFormat) -> String {
    match format {
        ExportFormat::Html => to_html(graph),
        ExportFormat::Svg => to_svg(graph),
        ExportFormat::Mermaid => to_mermaid(graph),
        ExportFormat::Dot => to_dot(graph),
        ExportFormat::Json => {
            let mut text = serde_json::to_string_pretty(&graph.to_json())
                .unwrap_or_else(|_| graph.to_json().to_string());
            text.push('\n');
            text
        }
    }
}

fn dot_quote(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Graphviz DOT: nodes are boxes, datasets ellipses, parameters notes, layers clusters.
pub fn to_dot(graph: &Graph) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "digraph {} {{", dot_quote(&graph.pipeline));
    out.push_str("  rankdir=TB;\n  node [fontname=\"Helvetica\", fontsize=11];\n");
    let shape = |vertex: &Vertex| match vertex.kind {
        VertexKind::Node => "box, style=rounded",
        VertexKind::Namespace => "box3d",
        VertexKind::Dataset => "ellipse",
        VertexKind::Parameters => "note",
    };
    let mut layered: Vec<(String, Vec<&Vertex>)> = Vec::new();
    for vertex in &graph.vertices {
        let line = format!(
            "{} [label={}, shape={}];",
            dot_quote(&vertex.id),
            dot_quote(&vertex.label()),
            shape(vertex)
        );
        match &vertex.layer {
            Some(layer) => match layered.iter_mut().find(|(name, _)| name == layer) {
                Some((_, members)) => members.push(vertex),
                None => layered.push((layer.clone(), vec![vertex])),
            },
            None => {
                let _ = writeln!(out, "  {line}");
            }
        }
    }
    sort_layers(&mut layered);
    for (at, (layer, members)) in layered.iter().enumerate() {
        let _ = writeln!(out, "  subgraph cluster_{at} {{");
        let _ = writeln!(out, "    label={};", dot_quote(layer));
        for vertex in members {
            let _ = writeln!(
                out,
                "    {} [label={}, shape={}];",
                dot_quote(&vertex.id),
                dot_quote(&vertex.label()),
                shape(vertex)
            );
        }
        out.push_str("  }\n");
    }
    for edge in &graph.edges {
        let _ = writeln!(
            out,
            "  {} -> {};",
            dot_quote(&graph.vertices[edge.source].id),
            dot_quote(&graph.vertices[edge.target].id)
        );
    }
    out.push_str("}\n");
    out
}

/// Puts layer groups in drawing order (Kedro's layers first).
fn sort_layers<T>(layered: &mut [(String, T)]) {
    let order = ordered_layers(layered.iter().map(|(name, _)| name.as_str()));
    layered.sort_by_key(|(name, _)| order.iter().position(|l| l == name).unwrap_or(usize::MAX));
}

fn mermaid_label(text: &str) -> String {
    text.replace('"', "#quot;")
}

/// A Mermaid flowchart: nodes are rounded boxes, datasets cylinders, parameters flags, layers
/// subgraphs. Vertex ids are `v<index>`, since Mermaid ids cannot hold every name.
pub fn to_mermaid(graph: &Graph) -> String {
    let mut out = String::from("flowchart TB\n");
    let declare = |at: usize, vertex: &Vertex| {
        let label = mermaid_label(&vertex.label());
        match vertex.kind {
            VertexKind::Node => format!("v{at}(\"{label}\")"),
            VertexKind::Namespace => format!("v{at}[[\"{label}\"]]"),
            VertexKind::Dataset => format!("v{at}[(\"{label}\")]"),
            VertexKind::Parameters => format!("v{at}>\"{label}\"]"),
        }
    };
    let mut layered: Vec<(String, Vec<usize>)> = Vec::new();
    for (at, vertex) in graph.vertices.iter().enumerate() {
        match &vertex.layer {
            Some(layer) => match layered.iter_mut().find(|(name, _)| name == layer) {
                Some((_, members)) => members.push(at),
                None => layered.push((layer.clone(), vec![at])),
            },
            None => {
                let _ = writeln!(out, "  {}", declare(at, vertex));
            }
        }
    }
    sort_layers(&mut layered);
    for (band, (layer, members)) in layered.iter().enumerate() {
        let _ = writeln!(out, "  subgraph layer{band}[\"{}\"]", mermaid_label(layer));
        for at in members {
            let _ = writeln!(out, "    {}", declare(*at, &graph.vertices[*at]));
        }
        out.push_str("  end\n");
    }
    for edge in &graph.edges {
        let _ = writeln!(out, "  v{} --> v{}", edge.source, edge.target);
    }
    out
}

/// Escapes text for XML and HTML.
pub fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

/// The path of an edge through its points, as vertical cubic curves (the page draws the same).
pub fn edge_path(points: &[(f64, f64)]) -> String {
    let mut path = String::new();
    let Some((first, rest)) = points.split_first() else { return path };
    let _ = write!(path, "M{:.1},{:.1}", first.0, first.1);
    let mut previous = *first;
    for point in rest {
        let middle = f64::midpoint(previous.1, point.1);
        let _ = write!(
            path,
            " C{:.1},{middle:.1} {:.1},{middle:.1} {:.1},{:.1}",
            previous.0, point.0, point.0, point.1
        );
        previous = *point;
    }
    path
}

const SVG_STYLE: &str = "text{font:12px sans-serif;fill:#1f2933}\
.band{fill:#f4f6f8;stroke:#d9dee3}.band:nth-of-type(even){fill:#fbfcfd}\
.band-label{font-weight:bold;fill:#52606d}\
.edge{fill:none;stroke:#9aa5b1;stroke-width:1.2}\
.v-node{fill:#e3f0ff;stroke:#2f6fb3}.v-namespace{fill:#e8e3ff;stroke:#5b3fb3}\
.v-dataset{fill:#fff;stroke:#52606d}.v-parameters{fill:#fff8e1;stroke:#b38600}";

/// An SVG picture from weir's layout: one `rect` per band and per vertex, one `path` per edge,
/// one `text` per band and per vertex.
pub fn to_svg(graph: &Graph) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w:.0}\" height=\"{h:.0}\" viewBox=\"0 0 {w:.0} {h:.0}\">",
        w = graph.width,
        h = graph.height
    );
    let _ = writeln!(out, "<title>{}</title>", xml_escape(&graph.pipeline));
    let _ = writeln!(out, "<style>{SVG_STYLE}</style>");
    out.push_str("<defs><marker id=\"arrow\" viewBox=\"0 0 8 8\" refX=\"8\" refY=\"4\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0 L8,4 L0,8 z\" fill=\"#9aa5b1\"/></marker></defs>\n");
    for band in &graph.bands {
        let _ = writeln!(
            out,
            "<rect class=\"band\" x=\"0\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\"/><text class=\"band-label\" x=\"10\" y=\"{:.1}\">{}</text>",
            band.top,
            graph.width,
            band.bottom - band.top,
            band.top + 18.0,
            xml_escape(&band.name)
        );
    }
    for edge in &graph.edges {
        let _ = writeln!(
            out,
            "<path class=\"edge\" d=\"{}\" marker-end=\"url(#arrow)\"/>",
            edge_path(&edge.points)
        );
    }
    for vertex in &graph.vertices {
        let radius = match vertex.kind {
            VertexKind::Dataset | VertexKind::Parameters => vertex.height / 2.0,
            VertexKind::Node | VertexKind::Namespace => 4.0,
        };
        let _ = writeln!(
            out,
            "<g><rect class=\"v-{}\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" rx=\"{radius:.1}\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" dominant-baseline=\"central\">{}</text></g>",
            vertex.kind.as_str(),
            vertex.x,
            vertex.y,
            vertex.width,
            vertex.height,
            vertex.x + vertex.width / 2.0,
            vertex.y + vertex.height / 2.0,
            xml_escape(&shorten(&vertex.label()))
        );
    }
    out.push_str("</svg>\n");
    out
}

/// Labels longer than a box holds end in an ellipsis (the page does the same).
pub fn shorten(label: &str) -> String {
    if label.chars().count() <= 40 {
        return label.to_owned();
    }
    let mut short: String = label.chars().take(39).collect();
    short.push('…');
    short
}

/// The page as one self-contained file: styles, script and graph inlined; it makes no request.
pub fn to_html(graph: &Graph) -> String {
    // `</script` (or `<!--`) inside a script element would end or change it: JSON may write
    // `<` as `\u003c`, and `<` only ever appears inside its strings.
    let data = graph.to_json().to_string().replace('<', "\\u003c");
    super::static_files::INDEX_HTML
        .replace(
            "<link rel=\"stylesheet\" href=\"app.css\">",
            &format!("<style>\n{}</style>", super::static_files::APP_CSS),
        )
        .replace(
            "<script src=\"app.js\"></script>",
            &format!(
                "<script type=\"application/json\" id=\"graph-data\">{data}</script>\n<script>\n{}</script>",
                super::static_files::APP_JS.replace("</script", "<\\/script")
            ),
        )
}

#[cfg(test)]
mod tests {
    use weir_core::pipeline::{Pipeline, node};

    use super::super::graph::tests::{small, small_catalog};
    use super::super::graph::{CatalogInfo, GraphOptions};
    use super::*;

    fn small_graph() -> Graph {
        super::super::place("p", &small(), &small_catalog(), &GraphOptions::default())
    }

    fn count(text: &str, needle: &str) -> usize {
        text.matches(needle).count()
    }

    #[test]
    fn dot_declares_every_vertex_once_and_every_edge() {
        let dot = to_dot(&small_graph());
        assert!(dot.starts_with("digraph \"p\" {\n"));
        assert!(dot.ends_with("}\n"));
        assert_eq!(count(&dot, " -> "), 4);
        assert!(dot.contains("  \"d:raw\" -> \"n:clean\";\n"));
        assert!(dot.contains("  \"n:report\" -> \"d:y\";\n"));
        assert_eq!(count(&dot, "[label="), 5);
        assert!(dot.contains("\"n:clean\" [label=\"clean\", shape=box, style=rounded];"));
        // One cluster per layer, in Kedro's order.
        let raw = dot.find("label=\"raw\";").unwrap();
        let reporting = dot.find("label=\"Reporting\";").unwrap();
        assert!(raw < reporting);
    }

    #[test]
    fn dot_escapes_quotes_in_names() {
        fn double(x: i64) -> i64 {
            x * 2
        }
        let pipeline = Pipeline::new([node(double, "a\"b", "c").name("n")]);
        let graph =
            super::super::place("p", &pipeline, &CatalogInfo::default(), &GraphOptions::default());
        assert!(to_dot(&graph).contains("\"d:a\\\"b\" [label=\"a\\\"b\""));
        assert!(to_mermaid(&graph).contains("[(\"a#quot;b\")]"));
    }

    #[test]
    fn mermaid_is_a_flowchart_with_shapes_layers_and_edges() {
        let mermaid = to_mermaid(&small_graph());
        let lines: Vec<&str> = mermaid.lines().collect();
        assert_eq!(lines[0], "flowchart TB");
        assert_eq!(count(&mermaid, " --> "), 4);
        assert_eq!(count(&mermaid, "  subgraph "), 2);
        assert_eq!(count(&mermaid, "  end"), 2);
        assert!(lines.iter().any(|l| l.trim() == "v0(\"clean\")"), "{mermaid}");
        assert!(lines.iter().any(|l| l.trim().ends_with("[(\"raw\")]")), "{mermaid}");
    }

    #[test]
    fn svg_has_a_box_and_a_label_per_vertex_and_a_path_per_edge() {
        let graph = small_graph();
        let svg = to_svg(&graph);
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert_eq!(count(&svg, "<rect class=\"v-"), 5);
        assert_eq!(count(&svg, "<path class=\"edge\""), 4);
        assert_eq!(count(&svg, "<rect class=\"band\""), 2);
        assert_eq!(count(&svg, "<text "), 5 + 2);
        assert!(svg.trim_end().ends_with("</svg>"));
    }

    #[test]
    fn html_is_self_contained_and_makes_no_request() {
        let html = to_html(&small_graph());
        assert!(!html.contains("http://") && !html.contains("https://"));
        assert!(!html.contains("<script src") && !html.contains("<link rel=\"stylesheet\""));
        assert!(html.contains("<script type=\"application/json\" id=\"graph-data\">"));
        assert!(html.contains("function edgePath"));
        assert!(html.contains(".v-node rect"));
    }

    #[test]
    fn a_name_holding_a_closing_script_tag_cannot_end_the_inlined_data() {
        fn double(x: i64) -> i64 {
            x * 2
        }
        let pipeline = Pipeline::new([node(double, "</script><script>alert(1)</script>", "b")]);
        let graph =
            super::super::place("p", &pipeline, &CatalogInfo::default(), &GraphOptions::default());
        let html = to_html(&graph);
        // The page's own two script elements, and no third.
        assert_eq!(count(&html, "</script>"), 2);
        assert!(!html.contains("<script>alert"));
    }

    #[test]
    fn json_export_is_the_graph_model() {
        let json: serde_json::Value =
            serde_json::from_str(&render(&small_graph(), ExportFormat::Json)).unwrap();
        assert_eq!(json["vertices"].as_array().unwrap().len(), 5);
        assert_eq!(json["edges"].as_array().unwrap().len(), 4);
        assert_eq!(json["bands"][0]["name"], "raw");
        assert_eq!("MMD".parse::<ExportFormat>(), Ok(ExportFormat::Mermaid));
        assert!("png".parse::<ExportFormat>().is_err());
    }
}
