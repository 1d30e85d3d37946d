//! `pipeline list` and `pipeline describe`: what the project's `main` registered.

use std::process::ExitCode;

use weir_core::project::ProjectDefinition;

use crate::cli::{OutputFormat, PipelineDescribeArgs, PipelineListArgs};
use crate::report::{self, EXIT_USAGE};

pub(crate) fn list(project: &ProjectDefinition, args: &PipelineListArgs) -> ExitCode {
    let pipelines = &project.pipelines;
    let text = match args.format {
        OutputFormat::Table => {
            let width = pipelines.names().map(str::len).max().unwrap_or(0);
            let mut text = String::new();
            for (name, pipeline) in pipelines.iter() {
                let nodes = if pipeline.len() == 1 { "node" } else { "nodes" };
                text.push_str(&format!("{name:width$}  {} {nodes}\n", pipeline.len()));
            }
            if text.is_empty() {
                report::print_message(
                    "this binary has no pipelines",
                    &["a project's pipelines are compiled into its own binary: run `cargo run -- pipeline list` inside the project".to_owned()],
                );
                return ExitCode::from(EXIT_USAGE);
            }
            text
        }
        OutputFormat::Json => {
            let names: Vec<&str> = pipelines.names().collect();
            format!("{}\n", serde_json::json!(names))
        }
    };
    super::print_stdout(&text)
}

pub(crate) fn describe(project: &ProjectDefinition, args: &PipelineDescribeArgs) -> ExitCode {
    let pipeline = match project.pipelines.get(&args.name) {
        Ok(pipeline) => pipeline,
        Err(error) => return report::fail(&error, EXIT_USAGE),
    };
    if let Err(error) = pipeline.validate() {
        return report::fail(&error, EXIT_USAGE);
    }

    let nodes = pipeline.sorted_nodes();
    let text = match args.format {
        OutputFormat::Table => {
            let inputs: Vec<String> = pipeline.inputs().into_iter().collect();
            let outputs: Vec<String> = pipeline.outputs().into_iter().collect();
            let mut text = format!(
                "inputs: {}\noutputs: {}\nnodes, in run order:\n",
                inputs.join(", "),
                outputs.join(", ")
            );
            for node in &nodes {
                let tags: Vec<&str> = node.tag_set().iter().map(String::as_str).collect();
                let tags = if tags.is_empty() {
                    String::new()
                } else {
                    format!("  tags: {}", tags.join(", "))
                };
                text.push_str(&format!(
                    "  {}: [{}] -> [{}]{tags}\n",
                    node.node_name(),
                    node.inputs().join(", "),
                    node.outputs().join(", "),
                ));
            }
            text
        }
        OutputFormat::Json => {
            let nodes: Vec<serde_json::Value> = nodes
                .iter()
                .map(|node| {
                    serde_json::json!({
                        "name": node.node_name(),
                        "function": node.function_name(),
                        "inputs": node.inputs(),
                        "outputs": node.outputs(),
                        "tags": node.tag_set(),
                    })
                })
                .collect();
            let description = serde_json::json!({
                "inputs": pipeline.inputs(),
                "outputs": pipeline.outputs(),
                "nodes": nodes,
            });
            format!("{}\n", serde_json::to_string_pretty(&description).unwrap_or_default())
        }
    };
    super::print_stdout(&text)
}
