//! `catalog describe NAME`, `catalog resolve` and `catalog patterns`: what the catalog makes of
//! one name, of every dataset of a pipeline, and the dataset factory patterns in rank order.
//!
//! Kedro 1.x spells the last two `catalog resolve-patterns` and `catalog list-patterns` (and
//! 0.18 `catalog rank`); those spellings are aliases. Entries are shown as configured, with
//! credentials by name: a `credentials:` mapping written inline has its values replaced by
//! `***`.

use std::path::Path;
use std::process::ExitCode;

use weir_core::catalog::DataCatalog;
use weir_core::error::{SourceLocation, close_matches};
use weir_core::pipeline::{Pipeline, PipelineFilter, is_parameter};
use weir_core::project::{ProjectDefinition, ProjectError, Session};

use crate::cli::{
    CatalogDescribeArgs, CatalogPatternsArgs, CatalogResolveArgs, OutputFormat, ResolveFormat,
};
use crate::commands::text::{indent, table};
use crate::report::{self, EXIT_USAGE};

/// Where a dataset's entry comes from.
enum Origin {
    /// A catalog key of its own.
    Declared(Option<SourceLocation>),
    /// A dataset factory pattern.
    Factory { pattern: String, source: Option<SourceLocation> },
    /// Nothing: an in-memory dataset.
    Memory,
}

impl Origin {
    fn of(session: &Session, name: &str) -> Origin {
        if let Some(matched) = session.catalog().factory_match(name) {
            return Origin::Factory { pattern: matched.pattern, source: matched.source };
        }
        if session.catalog().is_declared(name) {
            return Origin::Declared(session.catalog_config().sources.get(name).cloned());
        }
        Origin::Memory
    }

    fn kind(&self) -> &'static str {
        match self {
            Origin::Declared(_) => "declared",
            Origin::Factory { .. } => "factory",
            Origin::Memory => "memory",
        }
    }

    fn pattern(&self) -> Option<&str> {
        match self {
            Origin::Factory { pattern, .. } => Some(pattern),
            _ => None,
        }
    }

    fn source(&self) -> Option<&SourceLocation> {
        match self {
            Origin::Declared(source) | Origin::Factory { source, .. } => source.as_ref(),
            Origin::Memory => None,
        }
    }

    /// One line saying where the entry comes from.
    fn describe(&self) -> String {
        let at = self.source().map(|s| format!(" ({s})")).unwrap_or_default();
        match self {
            Origin::Declared(_) => format!("declared{at}"),
            Origin::Factory { pattern, .. } => format!("dataset factory `{pattern}`{at}"),
            Origin::Memory => {
                "in memory: not declared in the catalog and no dataset factory matches".to_owned()
            }
        }
    }
}

/// The entry of `name` as the catalog uses it, credentials redacted; a memory dataset's entry
/// is Kedro's `type: MemoryDataset`.
fn entry_of(session: &Session, name: &str, origin: &Origin) -> serde_json::Value {
    let entry = match origin {
        Origin::Factory { .. } => session.catalog().factory_match(name).map(|m| m.entry),
        Origin::Declared(_) => session.catalog_config().values.get(name).cloned(),
        Origin::Memory => None,
    };
    entry.map_or_else(|| serde_json::json!({"type": "MemoryDataset"}), |e| redacted(&e))
}

/// `entry` with the values of every inline `credentials:` mapping replaced by `***`.
fn redacted(entry: &serde_json::Value) -> serde_json::Value {
    match entry {
        serde_json::Value::Object(map) => serde_json::Value::Object(
            map.iter()
                .map(|(key, value)| {
                    let value = match value {
                        serde_json::Value::Object(inline) if key == "credentials" => {
                            serde_json::Value::Object(
                                inline.keys().map(|k| (k.clone(), "***".into())).collect(),
                            )
                        }
                        other => redacted(other),
                    };
                    (key.clone(), value)
                })
                .collect(),
        ),
        serde_json::Value::Array(items) => {
            serde_json::Value::Array(items.iter().map(redacted).collect())
        }
        other => other.clone(),
    }
}

/// The dataset names of every pipeline of the project.
fn pipeline_datasets(session: &Session) -> std::collections::BTreeSet<String> {
    session
        .pipelines()
        .names()
        .filter_map(|name| session.pipelines().get(name).ok())
        .flat_map(Pipeline::datasets)
        .collect()
}

/// `catalog describe NAME`.
pub(crate) fn describe(
    project: ProjectDefinition,
    root: &Path,
    args: &CatalogDescribeArgs,
) -> ExitCode {
    let session = match super::super::open_session(project, root, &args.config, &[]) {
        Ok(session) => session,
        Err(code) => return code,
    };
    let name = args.name.as_str();
    let catalog = session.catalog();
    let used = pipeline_datasets(&session);
    let known = catalog.is_declared(name)
        || used.contains(name)
        || catalog.matching_factory(name).is_some_and(|f| !f.is_catch_all());
    if !known || is_parameter(name) {
        return unknown_dataset(name, catalog, &used);
    }
    if let Err(error) = catalog.resolve([name]) {
        return report::fail(&ProjectError::Catalog(error), EXIT_USAGE);
    }

    let origin = Origin::of(&session, name);
    let dataset = catalog.dataset(name);
    let users: Vec<String> = session
        .pipelines()
        .names()
        .filter(|p| session.pipelines().get(p).is_ok_and(|p| p.datasets().contains(name)))
        .map(str::to_owned)
        .collect();
    let description = Description {
        name: name.to_owned(),
        type_name: entry_of(&session, name, &origin)
            .get("type")
            .and_then(|t| t.as_str().map(str::to_owned))
            .filter(|_| !matches!(origin, Origin::Memory))
            .unwrap_or_else(|| dataset.type_name().to_owned()),
        location: dataset.location(),
        entry: entry_of(&session, name, &origin),
        read_only: catalog.is_read_only(name),
        exists: dataset.exists().map_err(|e| e.to_string()),
        versions: dataset.versions().map_err(|e| e.to_string()),
        pipelines: users,
        origin,
    };
    let text = match args.format {
        OutputFormat::Table => description.to_text(),
        OutputFormat::Json => pretty_json(&description.to_json()),
    };
    super::super::print_stdout(&text)
}

/// What `describe` reports about one dataset.
struct Description {
    name: String,
    origin: Origin,
    type_name: String,
    location: Option<String>,
    entry: serde_json::Value,
    read_only: bool,
    exists: Result<bool, String>,
    versions: Result<Vec<String>, String>,
    pipelines: Vec<String>,
}

impl Description {
    fn to_text(&self) -> String {
        let exists = match &self.exists {
            Ok(true) => "yes".to_owned(),
            Ok(false) => "no".to_owned(),
            Err(error) => format!("unknown ({error})"),
        };
        let versions = match &self.versions {
            Ok(versions) if versions.is_empty() => "none".to_owned(),
            Ok(versions) => versions.join(", "),
            Err(error) => format!("unknown ({error})"),
        };
        let used_by = if self.pipelines.is_empty() {
            "no pipeline".to_owned()
        } else {
            self.pipelines.iter().map(|p| format!("`{p}`")).collect::<Vec<_>>().join(", ")
        };
        let rows = vec![
            vec!["dataset".to_owned(), self.name.clone()],
            vec!["from".to_owned(), self.origin.describe()],
            vec!["type".to_owned(), self.type_name.clone()],
            vec!["location".to_owned(), self.location.clone().unwrap_or_else(|| "(memory)".into())],
            vec!["read only".to_owned(), if self.read_only { "yes" } else { "no" }.to_owned()],
            vec!["exists".to_owned(), exists],
            vec!["versions".to_owned(), versions],
            vec!["used by".to_owned(), used_by],
        ];
        let mut text = table(&rows);
        text.push_str("entry:\n");
        text.push_str(&indent(&yaml_of(&self.entry)));
        text
    }

    fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "dataset": self.name,
            "source": self.origin.kind(),
            "factory": self.origin.pattern(),
            "defined_at": self.origin.source().map(ToString::to_string),
            "type": self.type_name,
            "location": self.location,
            "read_only": self.read_only,
            "exists": self.exists.as_ref().ok(),
            "versions": self.versions.as_ref().ok(),
            "errors": self.exists.as_ref().err().or(self.versions.as_ref().err()),
            "pipelines": self.pipelines,
            "entry": self.entry,
        })
    }
}

/// A name nothing knows: the error with close matches, exit code 2.
fn unknown_dataset(
    name: &str,
    catalog: &DataCatalog,
    used: &std::collections::BTreeSet<String>,
) -> ExitCode {
    let mut candidates: Vec<&str> = catalog.declared().map(|(n, _)| n).collect();
    candidates.extend(used.iter().map(String::as_str));
    candidates.sort_unstable();
    candidates.dedup();
    let matches = close_matches(name, candidates);
    let hint = if matches.is_empty() {
        "`weir catalog list` shows the datasets of each pipeline".to_owned()
    } else {
        let quoted: Vec<String> = matches.iter().map(|m| format!("`{m}`")).collect();
        format!("did you mean {}?", quoted.join(" or "))
    };
    report::print_message(
        &format!(
            "dataset `{name}` is not declared in the catalog, used by a pipeline or matched by a dataset factory"
        ),
        &[hint],
    );
    ExitCode::from(EXIT_USAGE)
}

/// `catalog resolve`: every dataset of the pipeline with the entry it will use.
pub(crate) fn resolve(
    project: ProjectDefinition,
    root: &Path,
    args: &CatalogResolveArgs,
) -> ExitCode {
    let session = match super::super::open_session(project, root, &args.config, &[]) {
        Ok(session) => session,
        Err(code) => return code,
    };
    let names: Vec<String> = match &args.pipeline {
        Some(name) => vec![name.clone()],
        None if session.pipelines().get("__default__").is_ok() => vec!["__default__".to_owned()],
        None => session.pipelines().names().map(str::to_owned).collect(),
    };
    let datasets: Vec<String> = if names.is_empty() {
        // No project code (the standalone `weir`): the declared entries.
        session.catalog().declared().map(|(n, _)| n.to_owned()).collect()
    } else {
        match session.pipelines_combined(&names, &PipelineFilter::default()) {
            Ok(pipeline) => pipeline.datasets().into_iter().collect(),
            Err(error) => return report::fail(&error, EXIT_USAGE),
        }
    };

    let resolved: Vec<(String, Origin, serde_json::Value)> = datasets
        .into_iter()
        .map(|name| {
            let origin = Origin::of(&session, &name);
            let entry = entry_of(&session, &name, &origin);
            (name, origin, entry)
        })
        .collect();
    let text = match args.format {
        ResolveFormat::Yaml => {
            let mut text = String::new();
            for (name, origin, entry) in &resolved {
                text.push_str(&format!("# {}\n", origin.describe()));
                let single = serde_json::Map::from_iter([(name.clone(), entry.clone())]);
                text.push_str(&yaml_of(&serde_json::Value::Object(single)));
            }
            text
        }
        ResolveFormat::Json => {
            let map: serde_json::Map<String, serde_json::Value> = resolved
                .iter()
                .map(|(name, origin, entry)| {
                    let value = serde_json::json!({
                        "source": origin.kind(),
                        "factory": origin.pattern(),
                        "defined_at": origin.source().map(ToString::to_string),
                        "entry": entry,
                    });
                    (name.clone(), value)
                })
                .collect();
            pretty_json(&serde_json::Value::Object(map))
        }
    };
    super::super::print_stdout(&text)
}

/// `catalog patterns`: the factory patterns in matching order.
pub(crate) fn patterns(
    project: ProjectDefinition,
    root: &Path,
    args: &CatalogPatternsArgs,
) -> ExitCode {
    let session = match super::super::open_session(project, root, &args.config, &[]) {
        Ok(session) => session,
        Err(code) => return code,
    };
    let factories = session.catalog().factories();
    let text = match args.format {
        OutputFormat::Table => {
            let rows: Vec<Vec<String>> = factories
                .iter()
                .enumerate()
                .map(|(rank, factory)| {
                    let mut row = vec![
                        (rank + 1).to_string(),
                        factory.pattern().to_owned(),
                        factory.source().map(ToString::to_string).unwrap_or_default(),
                    ];
                    if factory.is_catch_all() {
                        row.push("(catch-all: replaces the in-memory default)".to_owned());
                    }
                    row
                })
                .collect();
            if rows.is_empty() { "no dataset factory patterns\n".to_owned() } else { table(&rows) }
        }
        OutputFormat::Json => {
            let list: Vec<serde_json::Value> = factories
                .iter()
                .map(|factory| {
                    serde_json::json!({
                        "pattern": factory.pattern(),
                        "defined_at": factory.source().map(ToString::to_string),
                        "catch_all": factory.is_catch_all(),
                    })
                })
                .collect();
            pretty_json(&serde_json::Value::Array(list))
        }
    };
    super::super::print_stdout(&text)
}

fn yaml_of(value: &serde_json::Value) -> String {
    serde_norway::to_string(value).unwrap_or_else(|error| format!("# cannot render: {error}\n"))
}

fn pretty_json(value: &serde_json::Value) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}
