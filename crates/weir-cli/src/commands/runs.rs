//! `runs list`, `runs show ID` and `runs diff A B`: the run records of the project (see
//! `weir_core::records`), as aligned tables or JSON.
//!
//! `runs diff` compares parameters, node durations and metrics: the values of the structured
//! datasets each run saved whose name contains `metric`, `report` or `score`, as the run
//! recorded them (so an overwritten file does not matter).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

use serde_json::{Value, json};
use weir_core::error::close_matches;
use weir_core::records::store::{DatasetRecord, NodeRecord};
use weir_core::records::{RunRecord, RunStore};

use crate::cli::{GlobalArgs, OutputFormat, RunsCommand, RunsDiffArgs, RunsListArgs, RunsShowArgs};
use crate::recording;

use super::text::{header, indent, table};
use crate::report::{self, EXIT_USAGE};

/// Runs one `runs` subcommand.
pub(crate) fn runs(root: &Path, global: &GlobalArgs, command: &RunsCommand) -> ExitCode {
    let path = recording::store_path(global, root);
    if !path.exists()
        && let RunsCommand::List(args) = command
    {
        return super::print_stdout(&empty_list(args, &path));
    }
    if !path.exists() {
        report::print_message(
            &format!("no run records at `{}`", path.display()),
            &["runs are recorded by `run`; run a pipeline first (or point --runs-db at the records file)".to_owned()],
        );
        return ExitCode::from(EXIT_USAGE);
    }
    let store = match RunStore::open(&path) {
        Ok(store) => store,
        Err(error) => return report::fail(&error, EXIT_USAGE),
    };
    let result = match command {
        RunsCommand::List(args) => list(&store, args),
        RunsCommand::Show(args) => show(&store, args),
        RunsCommand::Diff(args) => diff(&store, args),
    };
    match result {
        Ok(text) => super::print_stdout(&text),
        Err(code) => code,
    }
}

/// `runs list` before any run was recorded: an empty list.
fn empty_list(args: &RunsListArgs, path: &Path) -> String {
    if args.format == OutputFormat::Json {
        return "[]\n".to_owned();
    }
    format!("no runs recorded yet (records are kept in `{}`)\n", path.display())
}

fn list(store: &RunStore, args: &RunsListArgs) -> Result<String, ExitCode> {
    let runs = store.runs(args.limit).map_err(|error| report::fail(&error, EXIT_USAGE))?;
    if args.format == OutputFormat::Json {
        let items: Vec<Value> = runs.iter().map(run_json).collect();
        return Ok(format!("{}\n", Value::Array(items)));
    }
    let mut rows = vec![header(&["ID", "STATUS", "PIPELINE", "ENV", "DURATION", "GIT"])];
    for run in &runs {
        rows.push(vec![
            run.start.id.clone(),
            run.status_text().to_owned(),
            run.start.pipeline.clone(),
            run.start.env.clone(),
            run_duration(run),
            git_text(run),
        ]);
    }
    Ok(table(&rows))
}

fn show(store: &RunStore, args: &RunsShowArgs) -> Result<String, ExitCode> {
    let run = find_run(store, &args.id)?;
    let nodes = store.nodes(&run.start.id).map_err(|error| report::fail(&error, EXIT_USAGE))?;
    let datasets =
        store.datasets(&run.start.id).map_err(|error| report::fail(&error, EXIT_USAGE))?;
    if args.format == OutputFormat::Json {
        let mut value = run_json(&run);
        value["nodes"] = nodes.iter().map(node_json).collect();
        value["datasets"] = datasets.iter().map(dataset_json).collect();
        return Ok(format!("{value}\n"));
    }

    let mut text = String::new();
    let start = &run.start;
    let fields = [
        ("run", start.id.clone()),
        ("status", run.status_text().to_owned()),
        ("pipeline", start.pipeline.clone()),
        ("env", start.env.clone()),
        ("started", start.started_at.clone()),
        ("finished", run.finished_at.clone().unwrap_or_else(|| "-".to_owned())),
        ("duration", run_duration(&run)),
        ("git", git_text(&run)),
        ("command", start.command.clone()),
    ];
    for (name, value) in fields {
        let _ = writeln!(text, "{name:<9} {value}");
    }
    if let Some(error) = &run.error {
        let _ = writeln!(text, "{:<9} {error}", "error");
    }
    if !run.resume_from.is_empty() {
        let _ = writeln!(text, "{:<9} --from-nodes {}", "resume", run.resume_from.join(","));
    }
    text.push_str("\noptions\n");
    for (key, value) in flatten(&start.options) {
        if value != "[]" && value != "null" {
            let _ = writeln!(text, "  {key} = {value}");
        }
    }
    text.push_str("\nparameters\n");
    for (key, value) in flatten(&start.parameters) {
        let _ = writeln!(text, "  {key} = {value}");
    }
    text.push_str("\nnodes\n");
    text.push_str(&indent(&nodes_table(&nodes)));
    text.push_str("\ndatasets\n");
    text.push_str(&indent(&datasets_table(&datasets)));
    Ok(text)
}

fn diff(store: &RunStore, args: &RunsDiffArgs) -> Result<String, ExitCode> {
    let first = find_run(store, &args.first)?;
    let second = find_run(store, &args.second)?;
    let load = |run: &RunRecord| -> Result<(Vec<NodeRecord>, SavedMetrics), ExitCode> {
        let fail = |error: weir_core::records::StoreError| report::fail(&error, EXIT_USAGE);
        Ok((store.nodes(&run.start.id).map_err(fail)?, store.metrics(&run.start.id).map_err(fail)?))
    };
    let (first_nodes, first_metrics) = load(&first)?;
    let (second_nodes, second_metrics) = load(&second)?;

    let parameters =
        side_by_side(flatten(&first.start.parameters), flatten(&second.start.parameters));
    let metrics = side_by_side(metrics(&first_metrics), metrics(&second_metrics));
    let durations = side_by_side(durations(&first_nodes), durations(&second_nodes));

    if args.format == OutputFormat::Json {
        let missing_as_null =
            |value: &String| if value == MISSING { Value::Null } else { json!(value) };
        let rows = |rows: &[(String, String, String)], only_changes: bool| -> Value {
            rows.iter()
                .filter(|(_, a, b)| !only_changes || a != b)
                .map(|(key, a, b)| {
                    json!({"key": key, "first": missing_as_null(a), "second": missing_as_null(b)})
                })
                .collect()
        };
        let value = json!({
            "first": first.start.id, "second": second.start.id,
            "parameters": rows(&parameters, true), "metrics": rows(&metrics, false), "durations_ms": rows(&durations, false),
        });
        return Ok(format!("{value}\n"));
    }

    let mut text = format!(
        "first:  {} ({})\nsecond: {} ({})\n",
        first.start.id,
        first.status.as_str(),
        second.start.id,
        second.status.as_str()
    );
    for (title, rows, only_changes) in [
        ("parameters that differ", &parameters, true),
        ("metrics", &metrics, false),
        ("node durations (ms)", &durations, false),
    ] {
        let shown: Vec<&(String, String, String)> =
            rows.iter().filter(|(_, a, b)| !only_changes || a != b).collect();
        let _ = writeln!(text, "\n{title}");
        if shown.is_empty() {
            text.push_str("  (none)\n");
            continue;
        }
        let mut table_rows = vec![header(&["KEY", "FIRST", "SECOND"])];
        table_rows.extend(shown.iter().map(|(k, a, b)| vec![k.clone(), a.clone(), b.clone()]));
        text.push_str(&indent(&table(&table_rows)));
    }
    Ok(text)
}

/// The run `id` names (`latest`: the newest), or a usage error with close matches.
fn find_run(store: &RunStore, id: &str) -> Result<RunRecord, ExitCode> {
    let fail = |error: weir_core::records::StoreError| report::fail(&error, EXIT_USAGE);
    if id == "latest" {
        if let Some(run) = store.runs(1).map_err(fail)?.into_iter().next() {
            return Ok(run);
        }
        return Err(usage("no run is recorded yet", "run a pipeline first"));
    }
    if id.trim().is_empty() {
        return Err(usage(
            "the run id is empty",
            "`runs list` shows the recorded runs; `latest` names the newest",
        ));
    }
    if let Some(run) = store.run(id).map_err(fail)? {
        return Ok(run);
    }
    let ids = store.run_ids().map_err(fail)?;
    let suggestions = close_matches(id, ids.iter().map(String::as_str));
    let hint = match suggestions.first() {
        Some(close) => format!("did you mean `{close}`?"),
        None => "`runs list` shows the recorded runs; `latest` names the newest".to_owned(),
    };
    Err(usage(&format!("no recorded run has the id `{id}`"), &hint))
}

fn usage(message: &str, hint: &str) -> ExitCode {
    report::print_message(message, &[hint.to_owned()]);
    ExitCode::from(EXIT_USAGE)
}

/// What a side of `runs diff` shows for a key the run does not have.
const MISSING: &str = "-";

/// Pairs rows of two runs by key, in key order; a key missing on one side shows `-`.
fn side_by_side(
    first: BTreeMap<String, String>,
    mut second: BTreeMap<String, String>,
) -> Vec<(String, String, String)> {
    let mut rows: Vec<(String, String, String)> = first
        .into_iter()
        .map(|(key, a)| {
            let b = second.remove(&key).unwrap_or_else(|| MISSING.to_owned());
            (key, a, b)
        })
        .collect();
    rows.extend(second.into_iter().map(|(key, b)| (key, MISSING.to_owned(), b)));
    rows.sort();
    rows
}

/// Every leaf of a JSON value by dotted key.
fn flatten(value: &Value) -> BTreeMap<String, String> {
    let mut leaves = BTreeMap::new();
    flatten_into(value, String::new(), &mut leaves);
    leaves
}

fn flatten_into(value: &Value, prefix: String, leaves: &mut BTreeMap<String, String>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                let path = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
                flatten_into(inner, path, leaves);
            }
        }
        Value::String(text) => {
            leaves.insert(prefix, text.clone());
        }
        other => {
            leaves.insert(prefix, other.to_string());
        }
    }
}

fn durations(nodes: &[NodeRecord]) -> BTreeMap<String, String> {
    nodes
        .iter()
        .filter_map(|node| {
            let ms = node.duration?.as_secs_f64() * 1e3;
            Some((node.node.clone(), format!("{ms:.1}")))
        })
        .collect()
}

/// The metrics datasets a run saved, by name.
type SavedMetrics = Vec<(String, Value)>;

/// Every number of the metrics datasets a run saved, by `dataset.key`.
fn metrics(saved: &[(String, Value)]) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    for (dataset, value) in saved {
        for (key, number) in flatten(value) {
            found.insert(format!("{dataset}.{key}"), number);
        }
    }
    found
}

fn run_duration(run: &RunRecord) -> String {
    let parse = |text: &str| chrono::DateTime::parse_from_rfc3339(text).ok();
    let (Some(start), Some(end)) =
        (parse(&run.start.started_at), run.finished_at.as_deref().and_then(parse))
    else {
        return "-".to_owned();
    };
    let ms = (end - start).num_milliseconds();
    if ms < 1000 { format!("{ms} ms") } else { format!("{:.1} s", ms as f64 / 1e3) }
}

fn git_text(run: &RunRecord) -> String {
    match (&run.start.git_commit, run.start.git_dirty) {
        (Some(commit), dirty) => {
            let short: String = commit.chars().take(10).collect();
            if dirty == Some(true) { format!("{short} (dirty)") } else { short }
        }
        (None, _) => "-".to_owned(),
    }
}

fn nodes_table(nodes: &[NodeRecord]) -> String {
    let mut rows = vec![header(&["NODE", "STATUS", "DURATION", "PEAK RSS", "DETAIL"])];
    for node in nodes {
        rows.push(vec![
            node.node.clone(),
            node.status.clone(),
            node.duration.map_or("-".to_owned(), |d| format!("{:.1} ms", d.as_secs_f64() * 1e3)),
            node.peak_rss_bytes
                .map_or("-".to_owned(), |b| format!("{:.1} MiB", b as f64 / 1_048_576.0)),
            node.detail.clone().unwrap_or_default(),
        ]);
    }
    table(&rows)
}

fn datasets_table(datasets: &[DatasetRecord]) -> String {
    let mut rows = vec![header(&["DATASET", "OP", "NODE", "LOCATION", "VERSION"])];
    for dataset in datasets {
        rows.push(vec![
            dataset.dataset.clone(),
            dataset.direction.clone(),
            dataset.node.clone(),
            dataset.location.clone().unwrap_or_else(|| "(memory)".to_owned()),
            dataset.version.clone().unwrap_or_else(|| "-".to_owned()),
        ]);
    }
    table(&rows)
}

fn run_json(run: &RunRecord) -> Value {
    json!({
        "id": run.start.id,
        "status": run.status.as_str(),
        "pipeline": run.start.pipeline,
        "env": run.start.env,
        "started_at": run.start.started_at,
        "finished_at": run.finished_at,
        "git_commit": run.start.git_commit,
        "git_dirty": run.start.git_dirty,
        "command": run.start.command,
        "parameters": run.start.parameters,
        "options": run.start.options,
        "error": run.error,
        "resume_from": run.resume_from,
    })
}

fn node_json(node: &NodeRecord) -> Value {
    json!({
        "node": node.node,
        "status": node.status,
        "started_at": node.started_at,
        "duration_ms": node.duration.map(|d| d.as_secs_f64() * 1e3),
        "peak_rss_bytes": node.peak_rss_bytes,
        "detail": node.detail,
    })
}

fn dataset_json(dataset: &DatasetRecord) -> Value {
    json!({
        "dataset": dataset.dataset,
        "direction": dataset.direction,
        "node": dataset.node,
        "location": dataset.location,
        "version": dataset.version,
        "content_hash": dataset.content_hash,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_parameters_flatten_to_dotted_keys() {
        let flat = flatten(&json!({"model": {"C": 0.5, "kind": "lr"}, "seed": 3}));
        let pairs: Vec<(&str, &str)> = flat.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(pairs, [("model.C", "0.5"), ("model.kind", "lr"), ("seed", "3")]);
    }

    #[test]
    fn side_by_side_marks_keys_missing_on_one_side() {
        let first =
            BTreeMap::from([("a".to_owned(), "1".to_owned()), ("b".to_owned(), "2".to_owned())]);
        let second =
            BTreeMap::from([("b".to_owned(), "3".to_owned()), ("c".to_owned(), "4".to_owned())]);
        let rows = side_by_side(first, second);
        let expected = [("a", "1", "-"), ("b", "2", "3"), ("c", "-", "4")];
        let rows: Vec<(&str, &str, &str)> =
            rows.iter().map(|(k, a, b)| (k.as_str(), a.as_str(), b.as_str())).collect();
        assert_eq!(rows, expected);
    }
}
