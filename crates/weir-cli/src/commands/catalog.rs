//! `catalog list`: the datasets of each pipeline with their type and location.
//!
//! Locations come from `Dataset::location`, which never includes credentials. A dataset built
//! from a dataset factory shows the pattern it came from. `describe`, `resolve` and `patterns`
//! live in [`describe`].

mod describe;

pub(crate) use describe::{describe, patterns, resolve};

use std::path::Path;
use std::process::ExitCode;

use weir_core::pipeline::PipelineFilter;
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
    /// The dataset factory pattern the dataset was built from.
    factory: Option<String>,
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
        // `Session::pipeline` also builds the datasets that dataset factories match.
        let pipeline = match session.pipeline(&name, &PipelineFilter::default()) {
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
            let factory = session.catalog().factory_match(&dataset).map(|m| m.pattern);
            Row {
                factory,
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
    if let Some(matched) = session.catalog().factory_match(dataset) {
        return matched.entry.get("type")?.as_str().map(str::to_owned);
    }
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
            .map(|row| {
                let mut cells =
                    vec![row.dataset.clone(), row.type_name.clone(), row.location.clone()];
                if let Some(pattern) = &row.factory {
                    cells.push(format!("from factory `{pattern}`"));
                }
                cells
            })
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
                            "factory": row.factory,
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

/// `catalog validate`: checks the persisted data of datasets with a `schema:` (declared, or built
/// by a dataset factory for a pipeline in scope) against it, without running nodes. One line
/// per dataset (`ok`, `violations`, `missing`, `error`), the violations indented below; exit code 1 when a dataset breaks its contract or cannot be read,
/// or when a dataset named on the command line has no data. Missing data of a dataset picked by
/// default is reported but does not fail (outputs of a pipeline not yet run are missing).
pub(crate) fn validate(
    project: ProjectDefinition,
    root: &Path,
    args: &crate::cli::CatalogValidateArgs,
) -> ExitCode {
    use weir_core::catalog::Dataset as _;
    use weir_core::catalog::contract::Validation;

    let session = match super::open_session(project, root, &args.config, &[]) {
        Ok(session) => session,
        Err(code) => return code,
    };
    let catalog = session.catalog();
    let in_pipeline: Option<Vec<String>> = match &args.pipeline {
        Some(name) => match session.pipelines().get(name) {
            Ok(pipeline) => Some(pipeline.datasets().into_iter().collect()),
            Err(error) => return report::fail(&error, EXIT_USAGE),
        },
        None => None,
    };
    if let Err(code) = build_factory_datasets(&session, args) {
        return code;
    }
    let named = !args.datasets.is_empty();
    let mut selected: Vec<String> =
        if named { args.datasets.clone() } else { catalog.contracted() };
    if let Some(datasets) = &in_pipeline {
        if let Some(outside) = selected.iter().find(|name| named && !datasets.contains(name)) {
            report::print_message(
                &format!(
                    "dataset `{outside}` is not used by pipeline `{}`",
                    args.pipeline.as_deref().unwrap_or_default()
                ),
                &["leave out --pipeline, or name datasets the pipeline reads or writes".to_owned()],
            );
            return ExitCode::from(EXIT_USAGE);
        }
        selected.retain(|name| datasets.contains(name));
    }
    for name in &selected {
        if catalog.contract(name).is_some() {
            continue;
        }
        let (message, hint) = if catalog.is_declared(name) {
            (
                format!("dataset `{name}` has no `schema:` in the catalog"),
                "add a `schema:` with its `columns:` to the entry (docs/catalog.md, \"Data contracts\")"
                    .to_owned(),
            )
        } else {
            let hint = weir_core::error::did_you_mean(name, catalog.declared().map(|(n, _)| n))
                .unwrap_or_else(|| {
                    "`weir catalog list` shows the datasets the catalog declares".to_owned()
                });
            (format!("dataset `{name}` is not in the catalog"), hint)
        };
        report::print_message(&message, &[hint]);
        return ExitCode::from(EXIT_USAGE);
    }
    if selected.is_empty() {
        let text = match &args.pipeline {
            Some(pipeline) => format!("no dataset of pipeline `{pipeline}` has a `schema:`\n"),
            None => "no catalog entry has a `schema:`\n".to_owned(),
        };
        return super::print_stdout(&text);
    }

    let mut rows = Vec::new();
    let mut details = Vec::new();
    let mut failed = false;
    for name in selected {
        let Some(checked) = catalog.contract(&name) else { continue };
        let location = checked.location().unwrap_or_else(|| "(memory)".to_owned());
        let (status, summary, detail): (&str, String, Vec<String>) = match checked.validate() {
            Validation::Passed { rows: Some(count) } => ("ok", format!("{count} rows"), Vec::new()),
            Validation::Passed { rows: None } => ("ok", String::new(), Vec::new()),
            Validation::Broken(violations) => {
                failed = true;
                let count = violations.len();
                let noun = if count == 1 { "violation" } else { "violations" };
                let lines = violations.into_iter().map(|v| v.message).collect();
                ("violations", format!("{count} {noun}"), lines)
            }
            Validation::Missing => {
                failed |= named;
                ("missing", "no data".to_owned(), Vec::new())
            }
            Validation::Failed(error) => {
                failed = true;
                ("error", String::new(), error.to_string().lines().map(str::to_owned).collect())
            }
            _ => ("error", "unknown outcome".to_owned(), Vec::new()),
        };
        rows.push(vec![name, status.to_owned(), location, summary]);
        details.push(detail);
    }

    let mut text = String::new();
    for (line, detail) in table(&rows).lines().zip(details) {
        text.push_str(line);
        text.push('\n');
        for item in detail {
            text.push_str(&format!("    {item}\n"));
        }
    }
    let code = super::print_stdout(&text);
    if failed { ExitCode::from(report::EXIT_NODE_FAILED) } else { code }
}

/// Builds the datasets that dataset factories give the pipelines in scope (and the datasets
/// named on the command line), so that a factory's `schema:` is validated like a declared
/// entry's.
fn build_factory_datasets(
    session: &Session,
    args: &crate::cli::CatalogValidateArgs,
) -> Result<(), ExitCode> {
    let pipelines: Vec<String> = match &args.pipeline {
        Some(name) => vec![name.clone()],
        None => session.pipelines().names().map(str::to_owned).collect(),
    };
    for name in pipelines {
        // `Session::pipeline` builds the datasets that dataset factories match.
        if let Err(error) = session.pipeline(&name, &PipelineFilter::default()) {
            return Err(report::fail(&error, EXIT_USAGE));
        }
    }
    let catalog = session.catalog();
    let matched = args
        .datasets
        .iter()
        .filter(|name| catalog.matching_factory(name).is_some_and(|f| !f.is_catch_all()));
    if let Err(error) = catalog.resolve(matched) {
        return Err(report::fail(&weir_core::project::ProjectError::Catalog(error), EXIT_USAGE));
    }
    Ok(())
}
