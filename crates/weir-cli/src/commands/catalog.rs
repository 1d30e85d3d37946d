//! `catalog list`: the datasets of each pipeline with their type and location.
//!
//! Locations come from `Dataset::location`, which never includes credentials.

use std::path::Path;
use std::process::ExitCode;

use weir_core::project::{ProjectDefinition, Session};

use crate::cli::{CatalogListArgs, OutputFormat};
use crate::report::{self, EXIT_USAGE};

use super::text::{indent, table};

/// One row of the listing.
struct Row {
    dataset: String,
    type_name: String,
    location: String,
    declared: bool,
}

pub(crate) fn list(project: ProjectDefinition, root: &Path, args: &CatalogListArgs) -> ExitCode {
    let session = match super::open_session(project, root, &args.config, &[]) {
        Ok(session) => session,
        Err(code) => return code,
    };
    let names: Vec<String> = match &args.pipeline {
        Some(name) => vec![name.clone()],
        None => session.pipelines().names().map(str::to_owned).collect(),
    };

    let mut listing = Vec::new();
    if names.is_empty() {
        // No project code (the standalone `weir` binary): list what the configuration declares.
        let declared: Vec<String> =
            session.catalog().declared().map(|(n, _)| n.to_owned()).collect();
        listing.push((String::new(), rows_for(&session, declared)));
    }
    for name in names {
        let pipeline = match session.pipelines().get(&name) {
            Ok(pipeline) => pipeline,
            Err(error) => return report::fail(&error, EXIT_USAGE),
        };
        let rows = rows_for(&session, pipeline.datasets());
        listing.push((name, rows));
    }

    let text = match args.format {
        OutputFormat::Table => render_table(&listing),
        OutputFormat::Json => render_json(&listing),
    };
    super::print_stdout(&text)
}

/// One row per dataset name, with its type and location.
fn rows_for(session: &Session, datasets: impl IntoIterator<Item = String>) -> Vec<Row> {
    datasets
        .into_iter()
        .map(|dataset| {
            let declared = session.catalog().is_declared(&dataset);
            let entry = session.catalog().dataset(&dataset);
            Row {
                type_name: type_as_written(session, &dataset)
                    .unwrap_or_else(|| entry.type_name().to_owned()),
                location: entry.location().unwrap_or_else(|| "(memory)".to_owned()),
                dataset,
                declared,
            }
        })
        .collect()
}

/// The `type:` as the catalog entry spells it (a Kedro alias stays a Kedro alias).
fn type_as_written(session: &Session, dataset: &str) -> Option<String> {
    let entry = session.catalog_config().values.get(dataset)?;
    entry.get("type")?.as_str().map(str::to_owned)
}

fn render_table(listing: &[(String, Vec<Row>)]) -> String {
    let mut text = String::new();
    for (pipeline, rows) in listing {
        if pipeline.is_empty() {
            text.push_str("declared in the catalog:\n");
        } else {
            text.push_str(&format!("pipeline `{pipeline}`:\n"));
        }
        let cells: Vec<Vec<String>> = rows
            .iter()
            .map(|row| vec![row.dataset.clone(), row.type_name.clone(), row.location.clone()])
            .collect();
        text.push_str(&indent(&table(&cells)));
    }
    text
}

fn render_json(listing: &[(String, Vec<Row>)]) -> String {
    let value: serde_json::Map<String, serde_json::Value> = listing
        .iter()
        .map(|(pipeline, rows)| {
            let datasets: serde_json::Map<String, serde_json::Value> = rows
                .iter()
                .map(|row| {
                    (
                        row.dataset.clone(),
                        serde_json::json!({
                            "type": row.type_name,
                            "location": row.location,
                            "declared": row.declared,
                        }),
                    )
                })
                .collect();
            let key = if pipeline.is_empty() { "declared".to_owned() } else { pipeline.clone() };
            (key, serde_json::Value::Object(datasets))
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    text
}
