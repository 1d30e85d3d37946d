//! `export airflow|argo|kubeflow`: hands a pipeline to an orchestrator as one task per node or
//! per group of nodes, each task running the project's binary (in its container image) with
//! `run --nodes <names> --env <env>`.
//!
//! This module builds the task graph shared by the three exporters:
//! 1. **Groups.** `--group-by none` makes one task per node; `namespace` one task per top-level
//!    namespace (a node outside any namespace stays a task of its own, as in Kedro);
//!    `layer` one task per data layer (`metadata.layer` of the catalog, as `weir viz` and
//!    kedro-viz read it): a node belongs to the last layer, in Kedro's layer order, among the
//!    datasets it writes; a node writing no layered dataset takes the last layer among the
//!    datasets it reads, and a node with neither joins a task called `unlayered`.
//! 2. **Dependencies.** Task B runs after task A when a node of B reads a dataset a node of A
//!    writes (`params:` inputs are configuration, not data). Grouping can make two tasks depend
//!    on each other (a cycle, easy with layers); that is an error naming the tasks and the
//!    datasets that tie them.
//! 3. **Data between tasks.** Tasks run in separate processes (usually separate pods), so a
//!    dataset that lives in memory (not declared in the catalog, or a `MemoryDataset`) cannot
//!    go from one task to another: an error names it and the two tasks.
//! 4. **Names.** Each orchestrator has its own rules (Airflow task ids, Kubernetes DNS-1123
//!    labels for Argo and Kubeflow); names are rewritten to fit and kept unique with a `-2`
//!    (or `_2`) suffix.
//!
//! The exporters (`airflow`, `argo`, `kubeflow`) turn the graph into text; nothing is sent to
//! an orchestrator.
//!
//! # Limitations
//! - A declared dataset on the local file system (`data/...`) that crosses a task boundary is
//!   accepted, with a warning when tasks run in separate pods: the pods must share a volume,
//!   or the dataset must live on an object store (`s3://`, `gs://`).
//! - `--conf-source` is used to read the catalog at export time only; the tasks run with the
//!   configuration baked into the image (or the binary's working folder).
//! - Node names must not contain commas: `run --nodes` splits its value on them.

mod airflow;
mod argo;
mod kubeflow;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use weir_core::catalog::storage::write_bytes_atomic;
use weir_core::error::Hinted;
use weir_core::pipeline::{Pipeline, PipelineFilter, is_parameter};
use weir_core::project::{ProjectDefinition, Session};
use weir_server::viz::CatalogInfo;
use weir_server::viz::graph::{layer_key, ordered_layers};

use crate::cli::{AirflowOperator, ExportArgs, ExportCommonArgs, ExportGroupBy, ExportTarget};
use crate::report::{self, EXIT_USAGE};

/// The name of the group holding nodes that touch no layered dataset (`--group-by layer`).
const UNLAYERED: &str = "unlayered";

/// Runs `weir export <target>`.
pub(crate) fn export(project: ProjectDefinition, root: &Path, args: &ExportArgs) -> ExitCode {
    let common = args.target.common();
    let session = match super::open_session(project, root, &common.config, &[]) {
        Ok(session) => session,
        Err(code) => return code,
    };
    let pipeline = match session.pipeline(&common.pipeline, &PipelineFilter::default()) {
        Ok(pipeline) => pipeline,
        Err(error) => return report::fail(&error, EXIT_USAGE),
    };
    let plan = match Plan::new(&session, &pipeline, common, root) {
        Ok(plan) => plan,
        Err(error) => return report::fail(&error, EXIT_USAGE),
    };
    let text = match &args.target {
        ExportTarget::Airflow(airflow) => {
            let binary = match airflow::Binary::resolve(airflow, root) {
                Ok(binary) => binary,
                Err(error) => return report::fail(&error, EXIT_USAGE),
            };
            if airflow.operator == AirflowOperator::Kubernetes {
                warn_local_crossings(&session, &plan, "KubernetesPodOperator");
            }
            airflow::render(&plan, airflow, &binary)
        }
        ExportTarget::Argo(argo) => {
            warn_local_crossings(&session, &plan, "Argo");
            argo::render(&plan, argo)
        }
        ExportTarget::Kubeflow(kubeflow) => {
            warn_local_crossings(&session, &plan, "Kubeflow");
            kubeflow::render(&plan, kubeflow)
        }
    };
    let Some(output) = &common.output else {
        return super::print_stdout(&text);
    };
    match write_bytes_atomic(output, text.as_bytes()) {
        Ok(()) => {
            tracing::info!(file = %output.display(), tasks = plan.graph.tasks.len(), "exported");
            ExitCode::SUCCESS
        }
        Err(error) => {
            report::print_message(
                &format!("cannot write `{}`: {error}", output.display()),
                &["check that the folder exists and is writable".to_owned()],
            );
            ExitCode::from(EXIT_USAGE)
        }
    }
}

impl ExportTarget {
    fn common(&self) -> &ExportCommonArgs {
        match self {
            ExportTarget::Airflow(args) => &args.common,
            ExportTarget::Argo(args) => &args.common,
            ExportTarget::Kubeflow(args) => &args.common,
        }
    }
}

/// Declared datasets on the local file system that go from one task to another: fine on one
/// host, lost between pods unless they share a volume.
fn warn_local_crossings(session: &Session, plan: &Plan, runner: &str) {
    for dataset in &plan.crossing {
        let location = session.catalog().dataset(dataset).location().unwrap_or_default();
        if !location.is_empty() && !location.contains("://") {
            tracing::warn!(
                dataset = dataset.as_str(),
                location = location.as_str(),
                "`{dataset}` goes from one task to another but is a local file; with {runner} \
                 each task runs in its own pod, so mount a shared volume at the project folder \
                 or put the dataset on an object store (s3://, gs://)"
            );
        }
    }
}

/// What every exporter needs: the tasks, what each runs, and the container settings.
#[derive(Debug)]
pub(crate) struct Plan {
    /// The pipeline's name.
    pub(crate) pipeline: String,
    /// The configuration environment the tasks run with.
    pub(crate) env: String,
    /// How nodes were grouped (for the file's header).
    pub(crate) group_by: &'static str,
    /// The tasks and their dependencies.
    pub(crate) graph: TaskGraph,
    /// The container image.
    pub(crate) image: String,
    /// The project binary's name, the command run in the image.
    pub(crate) binary_name: String,
    /// Retries after a failed attempt.
    pub(crate) retries: u32,
    /// CPU request (Kubernetes quantity), with its value in cores.
    pub(crate) cpu: Option<(String, f64)>,
    /// Memory request and limit (Kubernetes quantity), with its value in bytes.
    pub(crate) memory: Option<(String, f64)>,
    /// Datasets written by one task and read by another.
    pub(crate) crossing: BTreeSet<String>,
    runtime_params: Option<String>,
}

impl Plan {
    fn new(
        session: &Session,
        pipeline: &Pipeline,
        args: &ExportCommonArgs,
        root: &Path,
    ) -> Result<Plan, ExportError> {
        if pipeline.is_empty() {
            return Err(ExportError::EmptyPipeline { pipeline: args.pipeline.clone() });
        }
        let catalog = session.catalog();
        let info = CatalogInfo::from_config(session.catalog_config());
        let graph = TaskGraph::build(pipeline, args.group_by, &info, &|dataset| {
            !catalog.dataset(dataset).is_persistent()
        })?;
        let cpu = args
            .cpu
            .as_deref()
            .map(|value| parse_cpu(value).map(|cores| (value.to_owned(), cores)))
            .transpose()?;
        let memory = args
            .memory
            .as_deref()
            .map(|value| parse_memory(value).map(|bytes| (value.to_owned(), bytes)))
            .transpose()?;
        let binary_name = binary_name(root);
        let image = args.image.clone().unwrap_or_else(|| format!("{binary_name}:latest"));
        let crossing = graph.crossing_datasets();
        Ok(Plan {
            pipeline: args.pipeline.clone(),
            env: args.config.env.clone(),
            group_by: match args.group_by {
                ExportGroupBy::None => "none",
                ExportGroupBy::Namespace => "namespace",
                ExportGroupBy::Layer => "layer",
            },
            graph,
            image,
            binary_name,
            retries: args.retries,
            cpu,
            memory,
            crossing,
            runtime_params: args.config.params.clone(),
        })
    }

    /// The arguments after the binary that run `task`: `run [--pipeline P] --nodes a,b --env E`.
    pub(crate) fn run_args(&self, task: &Task) -> Vec<String> {
        let mut args = vec!["run".to_owned()];
        if self.pipeline != "__default__" {
            args.extend(["--pipeline".to_owned(), self.pipeline.clone()]);
        }
        args.extend(["--nodes".to_owned(), task.nodes.join(",")]);
        args.extend(["--env".to_owned(), self.env.clone()]);
        if let Some(params) = &self.runtime_params {
            args.extend(["--params".to_owned(), params.clone()]);
        }
        args
    }

    /// The binary's path in the image `weir docker init` writes (`/app/<bin>`, its entry point).
    pub(crate) fn image_binary(&self) -> String {
        format!("/app/{}", self.binary_name)
    }

    /// One line saying where the file came from, for its header comment.
    pub(crate) fn provenance(&self, target: &str) -> String {
        format!(
            "Generated by `weir export {target}` from the `{}` pipeline (environment `{}`, \
             grouped by {}). Regenerate it rather than editing it.",
            self.pipeline, self.env, self.group_by
        )
    }
}

/// The project binary's file name: the program running this command (a project binary, also
/// when the standalone `weir` forwarded to it), or the project folder's name.
fn binary_name(root: &Path) -> String {
    let from_exe = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.file_stem().map(|stem| stem.to_string_lossy().into_owned()));
    // Cargo's test binaries are called `<test>-<16 hex digits>`: no project's name.
    let is_test_binary = |name: &str| {
        name.rsplit_once('-').is_some_and(|(_, hash)| {
            hash.len() == 16 && hash.chars().all(|c| c.is_ascii_hexdigit())
        })
    };
    if let Some(name) = from_exe.filter(|name| name != "weir" && !is_test_binary(name)) {
        return name;
    }
    let folder = if root.as_os_str().is_empty() {
        std::env::current_dir().ok()
    } else {
        std::path::absolute(root).ok()
    };
    folder
        .and_then(|folder| folder.file_name().map(|name| name.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "weir".to_owned())
}

/// The project folder as an absolute path (the working folder of `BashOperator` tasks).
pub(crate) fn absolute_root(root: &Path) -> PathBuf {
    let root = if root.as_os_str().is_empty() { Path::new(".") } else { root };
    std::fs::canonicalize(root)
        .or_else(|_| std::path::absolute(root))
        .unwrap_or_else(|_| root.to_path_buf())
}

/// One task: a group of nodes run by one `run --nodes` command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Task {
    /// The group's name as weir knows it (node, namespace or layer).
    pub(crate) name: String,
    /// Its nodes, in run order.
    pub(crate) nodes: Vec<String>,
}

/// Tasks in a dependency order, with the tasks each one waits for.
#[derive(Debug, Clone)]
pub(crate) struct TaskGraph {
    /// The tasks, each after every task it depends on.
    pub(crate) tasks: Vec<Task>,
    /// For each task, the indices of the tasks it runs after.
    pub(crate) upstream: Vec<BTreeSet<usize>>,
    /// For each dependency (upstream, downstream), the datasets passed along it.
    pub(crate) passed: BTreeMap<(usize, usize), BTreeSet<String>>,
}

impl TaskGraph {
    /// Groups the nodes of `pipeline` and orders the groups; `in_memory` tells whether a
    /// dataset lives in memory.
    pub(crate) fn build(
        pipeline: &Pipeline,
        group_by: ExportGroupBy,
        catalog: &CatalogInfo,
        in_memory: &dyn Fn(&str) -> bool,
    ) -> Result<TaskGraph, ExportError> {
        let sorted = pipeline.sorted_nodes();
        let layers = LayerOrder::new(pipeline, catalog);

        // Groups in the order their first node runs; keys keep a node named like a namespace
        // apart from that namespace.
        let mut key_index: HashMap<(u8, String), usize> = HashMap::new();
        let mut tasks: Vec<Task> = Vec::new();
        let mut group_of: HashMap<&str, usize> = HashMap::new();
        for node in &sorted {
            let (kind, name) = match group_by {
                ExportGroupBy::None => (0, node.node_name().to_owned()),
                ExportGroupBy::Namespace => match node.namespace() {
                    Some(namespace) => {
                        (1, namespace.split('.').next().unwrap_or(namespace).to_owned())
                    }
                    None => (0, node.node_name().to_owned()),
                },
                ExportGroupBy::Layer => (2, layers.of(node, catalog)),
            };
            let at = *key_index.entry((kind, name.clone())).or_insert_with(|| {
                tasks.push(Task { name, nodes: Vec::new() });
                tasks.len() - 1
            });
            tasks[at].nodes.push(node.node_name().to_owned());
            group_of.insert(node.node_name(), at);
        }

        let mut producer: HashMap<&str, usize> = HashMap::new();
        for node in &sorted {
            for output in node.outputs() {
                producer.insert(output.as_str(), group_of[node.node_name()]);
            }
        }
        let mut passed: BTreeMap<(usize, usize), BTreeSet<String>> = BTreeMap::new();
        let mut writer_node: HashMap<&str, &weir_core::pipeline::Node> = HashMap::new();
        for node in &sorted {
            for output in node.outputs() {
                writer_node.insert(output.as_str(), node);
            }
        }
        // (dataset, writing task, reading task, a grouping keeping both nodes together)
        let mut crossings: Vec<(String, usize, usize, Option<&'static str>)> = Vec::new();
        for node in &sorted {
            let reader = group_of[node.node_name()];
            for input in node.inputs() {
                if is_parameter(input) {
                    continue;
                }
                let Some(&writer) = producer.get(input.as_str()) else { continue };
                if writer == reader {
                    continue;
                }
                let datasets = passed.entry((writer, reader)).or_default();
                if datasets.insert(input.clone()) && in_memory(input) {
                    let together = writer_node
                        .get(input.as_str())
                        .and_then(|from| grouping_keeping(from, node, &layers, catalog));
                    crossings.push((input.clone(), writer, reader, together));
                }
            }
        }

        let order = match topological_order(tasks.len(), &passed) {
            Ok(order) => order,
            Err(stuck) => return Err(cycle_error(group_by, &tasks, &passed, &stuck)),
        };
        if let Some((dataset, writer, reader, together)) = crossings.first() {
            let mut others: Vec<String> = Vec::new();
            for (other, ..) in &crossings {
                if other != dataset && !others.contains(other) {
                    others.push(other.clone());
                }
            }
            return Err(ExportError::MemoryCrossing {
                dataset: dataset.clone(),
                producer: tasks[*writer].name.clone(),
                reader: tasks[*reader].name.clone(),
                others,
                regroup: together.filter(|g| *g != group_by_name(group_by)),
            });
        }

        // Renumber the tasks in dependency order.
        let mut position = vec![0; tasks.len()];
        for (new, old) in order.iter().enumerate() {
            position[*old] = new;
        }
        let mut ordered: Vec<Task> = Vec::with_capacity(tasks.len());
        for old in &order {
            ordered.push(tasks[*old].clone());
        }
        let mut upstream = vec![BTreeSet::new(); tasks.len()];
        let mut renumbered = BTreeMap::new();
        for ((writer, reader), datasets) in passed {
            upstream[position[reader]].insert(position[writer]);
            renumbered.insert((position[writer], position[reader]), datasets);
        }
        Ok(TaskGraph { tasks: ordered, upstream, passed: renumbered })
    }

    /// Every dataset that goes from one task to another.
    pub(crate) fn crossing_datasets(&self) -> BTreeSet<String> {
        self.passed.values().flatten().cloned().collect()
    }
}

/// A `--group-by` that puts both nodes in one task: their common top-level namespace, or
/// their common layer.
fn grouping_keeping(
    first: &weir_core::pipeline::Node,
    second: &weir_core::pipeline::Node,
    layers: &LayerOrder,
    catalog: &CatalogInfo,
) -> Option<&'static str> {
    let top = |node: &weir_core::pipeline::Node| {
        node.namespace().map(|n| n.split('.').next().unwrap_or(n).to_owned())
    };
    if top(first).is_some() && top(first) == top(second) {
        return Some("namespace");
    }
    if layers.of(first, catalog) == layers.of(second, catalog) {
        return Some("layer");
    }
    None
}

fn group_by_name(group_by: ExportGroupBy) -> &'static str {
    match group_by {
        ExportGroupBy::None => "none",
        ExportGroupBy::Namespace => "namespace",
        ExportGroupBy::Layer => "layer",
    }
}

/// Kahn's algorithm, taking the earliest-created ready task first (so the order follows the
/// pipeline's run order). `Err` holds the tasks left on or behind a cycle.
fn topological_order(
    count: usize,
    edges: &BTreeMap<(usize, usize), BTreeSet<String>>,
) -> Result<Vec<usize>, Vec<usize>> {
    let mut waiting = vec![0_usize; count];
    let mut downstream = vec![Vec::new(); count];
    for &(writer, reader) in edges.keys() {
        waiting[reader] += 1;
        downstream[writer].push(reader);
    }
    let mut ready: BTreeSet<usize> = (0..count).filter(|&task| waiting[task] == 0).collect();
    let mut order = Vec::with_capacity(count);
    while let Some(task) = ready.pop_first() {
        order.push(task);
        for &next in &downstream[task] {
            waiting[next] -= 1;
            if waiting[next] == 0 {
                ready.insert(next);
            }
        }
    }
    if order.len() == count {
        Ok(order)
    } else {
        Err((0..count).filter(|task| waiting[*task] > 0).collect())
    }
}

/// Finds one cycle among the `stuck` tasks and describes it. Every stuck task waits for
/// another stuck task, so walking upstream from one of them must come back to a task already
/// seen.
fn cycle_error(
    group_by: ExportGroupBy,
    tasks: &[Task],
    edges: &BTreeMap<(usize, usize), BTreeSet<String>>,
    stuck: &[usize],
) -> ExportError {
    let stuck: BTreeSet<usize> = stuck.iter().copied().collect();
    let upstream_of = |task: usize| -> Option<usize> {
        edges.keys().find(|(writer, reader)| *reader == task && stuck.contains(writer)).map(|e| e.0)
    };
    let mut seen: Vec<usize> = stuck.first().copied().into_iter().collect();
    let cycle_start = loop {
        let Some(&at) = seen.last() else { break 0 };
        let Some(previous) = upstream_of(at) else { break 0 };
        if let Some(found) = seen.iter().position(|task| *task == previous) {
            break found;
        }
        seen.push(previous);
    };
    // `seen[cycle_start..]` walks the cycle against the data; turn it around and start it at
    // the task created first, so the message does not depend on where the walk began.
    let mut cycle: Vec<usize> = seen[cycle_start..].to_vec();
    cycle.reverse();
    if let Some(first) = cycle.iter().enumerate().min_by_key(|(_, task)| **task).map(|(at, _)| at) {
        cycle.rotate_left(first);
    }
    let mut steps = Vec::with_capacity(cycle.len() + 1);
    if let Some(&first) = cycle.first() {
        steps.push((tasks[first].name.clone(), Vec::new()));
    }
    for at in 1..=cycle.len() {
        let (from, to) = (cycle[at - 1], cycle[at % cycle.len()]);
        let datasets = edges.get(&(from, to)).map(|d| d.iter().cloned().collect());
        steps.push((tasks[to].name.clone(), datasets.unwrap_or_default()));
    }
    ExportError::Cycle { group_by: group_by_name(group_by), steps }
}

/// The layers present in a pipeline's datasets, in Kedro's order, and the layer of each node.
struct LayerOrder {
    keys: Vec<String>,
    names: Vec<String>,
}

impl LayerOrder {
    fn new(pipeline: &Pipeline, catalog: &CatalogInfo) -> LayerOrder {
        let datasets = pipeline.datasets();
        let names = ordered_layers(datasets.iter().filter_map(|d| catalog.layer(d)));
        let keys = names.iter().map(|name| layer_key(name)).collect();
        LayerOrder { keys, names }
    }

    /// The last layer among `datasets`, if any has one.
    fn last_of<'a>(
        &self,
        datasets: impl IntoIterator<Item = &'a String>,
        catalog: &CatalogInfo,
    ) -> Option<String> {
        datasets
            .into_iter()
            .filter(|d| !is_parameter(d))
            .filter_map(|d| catalog.layer(d))
            .filter_map(|layer| self.keys.iter().position(|key| *key == layer_key(layer)))
            .max()
            .map(|at| self.names[at].clone())
    }

    fn of(&self, node: &weir_core::pipeline::Node, catalog: &CatalogInfo) -> String {
        self.last_of(node.outputs(), catalog)
            .or_else(|| self.last_of(node.inputs(), catalog))
            .unwrap_or_else(|| UNLAYERED.to_owned())
    }
}

/// Cores from a Kubernetes CPU quantity: `2`, `0.5`, `500m`.
fn parse_cpu(value: &str) -> Result<f64, ExportError> {
    let invalid = || ExportError::InvalidQuantity {
        option: "--cpu",
        value: value.to_owned(),
        example: "`2`, `0.5` or `500m` (millicores)",
    };
    let (number, scale) = match value.strip_suffix('m') {
        Some(number) => (number, 0.001),
        None => (value, 1.0),
    };
    let cores: f64 = number.parse().map_err(|_| invalid())?;
    if !cores.is_finite() || cores <= 0.0 {
        return Err(invalid());
    }
    Ok(cores * scale)
}

/// Bytes from a Kubernetes memory quantity: `512Mi`, `2Gi`, `1G`, `1000000`.
fn parse_memory(value: &str) -> Result<f64, ExportError> {
    const SUFFIXES: [(&str, f64); 12] = [
        ("Ki", 1024.0),
        ("Mi", 1_048_576.0),
        ("Gi", 1_073_741_824.0),
        ("Ti", 1_099_511_627_776.0),
        ("Pi", 1_125_899_906_842_624.0),
        ("Ei", 1_152_921_504_606_846_976.0),
        ("k", 1e3),
        ("M", 1e6),
        ("G", 1e9),
        ("T", 1e12),
        ("P", 1e15),
        ("E", 1e18),
    ];
    let invalid = || ExportError::InvalidQuantity {
        option: "--memory",
        value: value.to_owned(),
        example: "`512Mi`, `2Gi` or `4G`",
    };
    let (number, scale) = SUFFIXES
        .iter()
        .find_map(|(suffix, scale)| value.strip_suffix(suffix).map(|number| (number, *scale)))
        .unwrap_or((value, 1.0));
    let amount: f64 = number.parse().map_err(|_| invalid())?;
    if !amount.is_finite() || amount <= 0.0 || number.contains(['e', 'E']) {
        return Err(invalid());
    }
    Ok(amount * scale)
}

/// Rewrites `names` with `sanitise`, then appends `{separator}2`, `{separator}3`... to
/// repeats, keeping each within `max_len` characters.
pub(crate) fn unique_names(
    names: impl IntoIterator<Item = String>,
    sanitise: impl Fn(&str) -> String,
    separator: char,
    max_len: usize,
) -> Vec<String> {
    let mut taken: BTreeSet<String> = BTreeSet::new();
    let mut result = Vec::new();
    for name in names {
        let base = truncate(&sanitise(&name), max_len);
        let mut candidate = base.clone();
        let mut counter = 2;
        while taken.contains(&candidate) {
            let suffix = format!("{separator}{counter}");
            let head = truncate(&base, max_len.saturating_sub(suffix.len()));
            candidate = format!("{}{suffix}", head.trim_end_matches(['-', '_', '.']));
            counter += 1;
        }
        taken.insert(candidate.clone());
        result.push(candidate);
    }
    result
}

fn truncate(text: &str, max_len: usize) -> String {
    let cut: String = text.chars().take(max_len).collect();
    if cut.len() < text.len() { cut.trim_end_matches(['-', '_', '.']).to_owned() } else { cut }
}

/// A Kubernetes DNS-1123 label: lowercase letters, digits and `-`, starting and ending with a
/// letter or digit (the length is cut by [`unique_names`]).
pub(crate) fn dns_label(name: &str) -> String {
    let mut label = String::with_capacity(name.len());
    for c in name.chars() {
        let c = c.to_ascii_lowercase();
        let c = if c.is_ascii_lowercase() || c.is_ascii_digit() { c } else { '-' };
        if c == '-' && (label.is_empty() || label.ends_with('-')) {
            continue;
        }
        label.push(c);
    }
    let label = label.trim_end_matches('-');
    if label.is_empty() { "task".to_owned() } else { label.to_owned() }
}

/// The longest DNS-1123 label.
pub(crate) const DNS_LABEL_MAX: usize = 63;

/// What went wrong turning a pipeline into tasks.
#[derive(Debug)]
pub(crate) enum ExportError {
    /// The pipeline has no nodes.
    EmptyPipeline { pipeline: String },
    /// An in-memory dataset would have to go from one task to another.
    MemoryCrossing {
        dataset: String,
        producer: String,
        reader: String,
        others: Vec<String>,
        regroup: Option<&'static str>,
    },
    /// Grouping made tasks depend on each other in a cycle: each step is a task and the
    /// datasets it reads from the step before.
    Cycle { group_by: &'static str, steps: Vec<(String, Vec<String>)> },
    /// `--cpu` or `--memory` is not a Kubernetes quantity.
    InvalidQuantity { option: &'static str, value: String, example: &'static str },
    /// `--binary` was not given and the running program's path is unknown.
    NoBinary { source: std::io::Error },
}

fn backticked(names: &[String]) -> String {
    names.iter().map(|name| format!("`{name}`")).collect::<Vec<_>>().join(", ")
}

impl fmt::Display for ExportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExportError::EmptyPipeline { pipeline } => {
                write!(f, "pipeline `{pipeline}` has no nodes to export")
            }
            ExportError::MemoryCrossing { dataset, producer, reader, others, .. } => {
                write!(
                    f,
                    "dataset `{dataset}` lives in memory but would go from task `{producer}` \
                     to task `{reader}`, which run as separate processes"
                )?;
                if !others.is_empty() {
                    write!(f, " (so would {})", backticked(others))?;
                }
                Ok(())
            }
            ExportError::Cycle { group_by, steps } => {
                write!(f, "grouping by {group_by} makes tasks depend on each other in a cycle: ")?;
                for (at, (task, datasets)) in steps.iter().enumerate() {
                    if at > 0 {
                        write!(f, " -> ")?;
                    }
                    write!(f, "`{task}`")?;
                    if !datasets.is_empty() {
                        write!(f, " (reads {})", backticked(datasets))?;
                    }
                }
                Ok(())
            }
            ExportError::InvalidQuantity { option, value, .. } => {
                write!(f, "{option} `{value}` is not a Kubernetes quantity")
            }
            ExportError::NoBinary { source } => {
                write!(f, "cannot tell the path of the project binary: {source}")
            }
        }
    }
}

impl std::error::Error for ExportError {}

impl Hinted for ExportError {
    fn hint(&self) -> Option<String> {
        Some(match self {
            ExportError::EmptyPipeline { .. } => {
                "pick another pipeline with --pipeline (`weir pipeline list` shows them)".to_owned()
            }
            ExportError::MemoryCrossing { dataset, regroup, .. } => {
                let mut hint = format!(
                    "declare `{dataset}` in the catalog so both tasks can reach it (e.g. \
                     `type: pandas.ParquetDataset` with `filepath: s3://<bucket>/{dataset}.parquet` \
                     in conf/<env>/catalog.yml)"
                );
                match regroup {
                    Some(grouping) => hint.push_str(&format!(
                        ", or export with `--group-by {grouping}`, which keeps both nodes in one task"
                    )),
                    None => hint.push_str(", or put both nodes in one namespace and export with `--group-by namespace`"),
                }
                hint
            }
            ExportError::Cycle { group_by, .. } => {
                let regroup = if *group_by == "layer" {
                    "give the datasets layers that follow the pipeline's order (a task per \
                     layer must run after every layer it reads)"
                } else {
                    "split the namespaces so that data flows one way between them"
                };
                format!("{regroup}, or export with `--group-by none` (one task per node)")
            }
            ExportError::InvalidQuantity { example, .. } => format!("write it like {example}"),
            ExportError::NoBinary { .. } => {
                "pass the binary's path with --binary (e.g. `--binary target/release/<project>`)"
                    .to_owned()
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use weir_core::pipeline::{modular, node};

    use super::*;

    fn copy(text: String) -> String {
        text
    }

    fn pair(text: String) -> (String, String) {
        (text.clone(), text)
    }

    #[expect(clippy::needless_pass_by_value, reason = "node functions take their inputs by value")]
    fn join(left: String, right: String) -> String {
        left + &right
    }

    /// `a` writes `x`, `b` and `c` read it, `d` reads both; `b`'s output is in layer
    /// `primary`, the others in `raw`/`reporting`.
    fn diamond() -> Pipeline {
        Pipeline::new([
            node(copy, "input", "x").name("a"),
            node(copy, "x", "y").name("b"),
            node(copy, ["x"], "z").name("c"),
            node(join, ["y", "z"], "out").name("d"),
        ])
    }

    fn info() -> CatalogInfo {
        CatalogInfo::default()
            .with("input", "pandas.CSVDataset", Some("raw"))
            .with("x", "pandas.CSVDataset", Some("intermediate"))
            .with("y", "pandas.CSVDataset", Some("primary"))
            .with("z", "pandas.CSVDataset", Some("primary"))
            .with("out", "pandas.CSVDataset", Some("reporting"))
    }

    fn declared(info: &CatalogInfo) -> impl Fn(&str) -> bool + '_ {
        |dataset: &str| info.type_name(dataset).is_none()
    }

    fn edges(graph: &TaskGraph) -> Vec<(String, String)> {
        let mut edges = Vec::new();
        for (reader, upstream) in graph.upstream.iter().enumerate() {
            for writer in upstream {
                edges.push((graph.tasks[*writer].name.clone(), graph.tasks[reader].name.clone()));
            }
        }
        edges.sort();
        edges
    }

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items.iter().map(|(a, b)| ((*a).to_owned(), (*b).to_owned())).collect()
    }

    #[test]
    fn one_task_per_node_follows_the_datasets() {
        let info = info();
        let graph = TaskGraph::build(&diamond(), ExportGroupBy::None, &info, &declared(&info))
            .expect("a valid graph");
        let names: Vec<&str> = graph.tasks.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["a", "b", "c", "d"]);
        assert_eq!(edges(&graph), pairs(&[("a", "b"), ("a", "c"), ("b", "d"), ("c", "d")]));
    }

    #[test]
    fn layers_group_nodes_by_the_last_layer_they_write() {
        let info = info();
        let graph = TaskGraph::build(&diamond(), ExportGroupBy::Layer, &info, &declared(&info))
            .expect("a valid graph");
        let tasks: Vec<(&str, Vec<&str>)> = graph
            .tasks
            .iter()
            .map(|t| (t.name.as_str(), t.nodes.iter().map(String::as_str).collect()))
            .collect();
        assert_eq!(
            tasks,
            [("intermediate", vec!["a"]), ("primary", vec!["b", "c"]), ("reporting", vec!["d"])]
        );
        assert_eq!(edges(&graph), pairs(&[("intermediate", "primary"), ("primary", "reporting")]));
    }

    #[test]
    fn an_in_memory_dataset_between_tasks_is_named_with_both_tasks() {
        let info = CatalogInfo::default().with("input", "pandas.CSVDataset", None);
        let error = TaskGraph::build(&diamond(), ExportGroupBy::None, &info, &declared(&info))
            .expect_err("x is in memory");
        let message = error.to_string();
        assert!(
            message
                .starts_with("dataset `x` lives in memory but would go from task `a` to task `b`"),
            "{message}"
        );
        assert!(message.contains("(so would `y`, `z`)"), "{message}");
        let hint = error.hint().expect("a hint");
        assert!(
            hint.contains("declare `x` in the catalog") && hint.contains("--group-by layer"),
            "{hint}"
        );
    }

    #[test]
    fn a_cycle_between_layers_names_the_tasks_and_datasets() {
        // `a` writes a `models` dataset read by `b` (primary), whose output `c` reads to write
        // another `models` dataset: models -> primary -> models.
        let pipeline = Pipeline::new([
            node(copy, "input", "scaler").name("a"),
            node(copy, "scaler", "table").name("b"),
            node(copy, "table", "model").name("c"),
        ]);
        let info = CatalogInfo::default()
            .with("scaler", "pickle.PickleDataset", Some("models"))
            .with("table", "pandas.CSVDataset", Some("primary"))
            .with("model", "pickle.PickleDataset", Some("models"));
        let error = TaskGraph::build(&pipeline, ExportGroupBy::Layer, &info, &declared(&info))
            .expect_err("a cycle");
        let message = error.to_string();
        assert!(
            message.contains("`models` -> `primary` (reads `scaler`) -> `models` (reads `table`)")
                || message.contains(
                    "`primary` -> `models` (reads `table`) -> `primary` (reads `scaler`)"
                ),
            "{message}"
        );
        assert!(error.hint().expect("a hint").contains("--group-by none"));
    }

    #[test]
    fn namespaces_group_by_their_top_level_and_loose_nodes_stay_alone() {
        let inner = Pipeline::new([
            node(copy, "raw", "mid").name("first"),
            node(pair, "mid", ["left", "right"]).name("second"),
        ]);
        let nested = modular(
            modular(inner)
                .namespace("inner")
                .inputs(["raw"])
                .outputs(["left", "right"])
                .build()
                .expect("valid"),
        )
        .namespace("outer")
        .inputs(["raw"])
        .outputs(["left", "right"])
        .build()
        .expect("valid");
        let pipeline = nested + Pipeline::new([node(join, ["left", "right"], "out").name("outer")]);
        let info = CatalogInfo::default().with("left", "pandas.CSVDataset", None).with(
            "right",
            "pandas.CSVDataset",
            None,
        );
        let graph = TaskGraph::build(&pipeline, ExportGroupBy::Namespace, &info, &declared(&info))
            .expect("mid stays inside `outer`");
        let names: Vec<&str> = graph.tasks.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["outer", "outer"]);
        assert_eq!(graph.tasks[0].nodes, ["outer.inner.first", "outer.inner.second"]);
        assert_eq!(graph.upstream[1], BTreeSet::from([0]));
    }

    #[test]
    fn names_fit_each_orchestrator_and_stay_unique() {
        let names = ["Model.Fit", "model-fit", "model_fit", "__x__", "---", &"a".repeat(70)];
        let labels =
            unique_names(names.iter().map(|n| (*n).to_owned()), dns_label, '-', DNS_LABEL_MAX);
        assert_eq!(labels[..5], ["model-fit", "model-fit-2", "model-fit-3", "x", "task"]);
        assert_eq!(labels[5].len(), 63);
        let again = unique_names(["a".repeat(70), "a".repeat(70)], dns_label, '-', DNS_LABEL_MAX);
        assert_eq!(again[1].len(), 63);
        assert!(again[1].ends_with("-2"));
    }

    #[test]
    fn quantities_parse_like_kubernetes() {
        assert!((parse_cpu("500m").expect("valid") - 0.5).abs() < 1e-12);
        assert!((parse_cpu("2").expect("valid") - 2.0).abs() < 1e-12);
        assert!((parse_memory("2Gi").expect("valid") - 2_147_483_648.0).abs() < 1e-3);
        assert!((parse_memory("4G").expect("valid") - 4e9).abs() < 1e-3);
        for bad in ["", "two", "-1", "1x"] {
            assert!(parse_cpu(bad).is_err(), "{bad}");
        }
        for bad in ["", "2GB", "-1Gi", "1e3"] {
            assert!(parse_memory(bad).is_err(), "{bad}");
        }
    }
}
