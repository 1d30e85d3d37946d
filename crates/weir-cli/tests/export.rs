//! `weir export airflow|argo|kubeflow`, checked by the orchestrators' own tools:
//!
//! - Airflow 3: the generated DAG files load in a `DagBag` with no import errors and the tasks
//!   and edges worked out by hand below; the iris DAG with BashOperator tasks then runs end to
//!   end with `airflow dags test` against the built iris binary, and its outputs are checked.
//! - Argo: the `Workflow` manifests validate against Argo's published JSON schema
//!   (`../shared/schemas/argo-workflows.schema.json`), and a broken copy does not.
//! - Kubeflow: the pipeline specs parse into the kfp SDK's `PipelineSpec` protobuf, and have no
//!   dangling references (which the protobuf parse does not check).
//!
//! The tools come from `scripts/with-services.sh` (`WEIR_TEST_PYTHON`, `WEIR_TEST_AIRFLOW`,
//! `WEIR_TEST_KFP_PYTHON`).

#![allow(clippy::print_stderr, reason = "a test says when it skips for want of a tool")]
#![allow(clippy::doc_markdown, reason = "node and task names in prose")]
#![allow(
    clippy::needless_raw_string_hashes,
    reason = "embedded Python scripts keep one quoting style"
)]
#![allow(clippy::needless_pass_by_value, reason = "node functions take their inputs by value")]
//! Without them these tests say so and pass, unless `WEIR_REQUIRE_SERVICES=1`.
//!
//! Two projects: a temporary copy of the iris example (run through its real binary, built
//! here with `cargo build -p iris`), and a small fixture with nested namespaces run in this
//! process through `weir_cli::run_with_args`.

#![allow(clippy::disallowed_methods, reason = "the tests write their fixture files directly")]

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Output};
use std::sync::OnceLock;
use std::time::SystemTime;

use serde_json::Value;
use weir_core::pipeline::{Pipeline, PipelineRegistry, modular, node};

const REPOSITORY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

// ---------------------------------------------------------------------------------------------
// Tools and projects

/// The services' Python (and Airflow) when `scripts/with-services.sh` runs the tests.
fn tools() -> Option<(PathBuf, PathBuf)> {
    let python = std::env::var_os("WEIR_TEST_PYTHON").map(PathBuf::from);
    let airflow = std::env::var_os("WEIR_TEST_AIRFLOW").map(PathBuf::from);
    if let (Some(python), Some(airflow)) = (python, airflow) {
        return Some((python, airflow));
    }
    let message = "the export tests need Airflow and kfp: run them through \
                   `./scripts/with-services.sh cargo test -p weir-cli --test export`";
    assert!(std::env::var("WEIR_REQUIRE_SERVICES").as_deref() != Ok("1"), "{message}");
    eprintln!("skipped: {message}");
    None
}

/// The iris binary, built once per test process (it carries the `export` command too).
fn iris_binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "--quiet", "-p", "iris", "--bin", "iris"])
            .current_dir(REPOSITORY)
            .status()
            .expect("cargo runs");
        assert!(status.success(), "`cargo build -p iris` failed");
        // This test runs from <target>/debug/deps/; the binary sits in <target>/debug/.
        let exe = std::env::current_exe().expect("the test's own path");
        let debug = exe.parent().and_then(Path::parent).expect("<target>/debug");
        let binary = debug.join("iris");
        assert!(binary.is_file(), "no iris binary at {}", binary.display());
        binary
    })
}

/// A temporary copy of the iris project (configuration and raw data), with an environment
/// `airflow` that declares the data engineering pipeline's in-memory `iris_split` as a
/// Parquet file, so that it can pass from one task to another.
fn iris_project() -> tempfile::TempDir {
    let source = Path::new(REPOSITORY).join("examples/iris");
    let dir = tempfile::tempdir().expect("a temporary folder");
    copy_tree(&source.join("conf/base"), &dir.path().join("conf/base"));
    copy_tree(&source.join("data/01_raw"), &dir.path().join("data/01_raw"));
    write(dir.path(), "conf/local/.gitkeep", "");
    write(
        dir.path(),
        "conf/airflow/catalog.yml",
        "iris_split:\n  type: pandas.ParquetDataset\n  filepath: data/02_intermediate/iris_split.parquet\n  \
         metadata:\n    layer: intermediate\n",
    );
    dir
}

fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("a writable folder");
    for entry in fs::read_dir(from).expect("a readable folder") {
        let entry = entry.expect("an entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("a type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).expect("a copy");
        }
    }
}

fn write(root: &Path, relative: &str, text: &str) {
    let path = root.join(relative);
    fs::create_dir_all(path.parent().expect("a parent folder")).expect("a writable folder");
    fs::write(path, text).expect("a writable file");
}

/// Runs the iris binary inside `project`.
fn iris(project: &Path, args: &[&str]) -> Output {
    Command::new(iris_binary())
        .args(args)
        .current_dir(project)
        .env_remove("WEIR_ENV")
        .env_remove("WEIR_PROJECT_DIR")
        .env_remove("RUST_LOG")
        .output()
        .expect("the iris binary runs")
}

fn exported(project: &Path, args: &[&str]) {
    let output = iris(project, args);
    assert!(output.status.success(), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
}

// The fixture: `ingest` (no namespace) -> namespace `features` (two nodes sharing an in-memory
// dataset) -> namespace `model` (one node, and one in the nested namespace `model.eval`, also
// sharing an in-memory dataset) -> `publish` (no namespace).

fn tidy(text: String) -> String {
    text.trim().to_lowercase()
}

#[expect(clippy::needless_pass_by_value, reason = "node functions own their inputs")]
fn split_words(text: String) -> String {
    text.split_whitespace().collect::<Vec<_>>().join("\n")
}

#[expect(clippy::needless_pass_by_value, reason = "node functions own their inputs")]
fn count_words(words: String) -> String {
    words.lines().count().to_string()
}

#[expect(clippy::needless_pass_by_value, reason = "node functions own their inputs")]
fn fit(count: String, scale: i64) -> i64 {
    count.parse::<i64>().unwrap_or(0) * scale
}

fn score(fitted: i64) -> String {
    format!("score {fitted}")
}

fn publish(text: String) -> String {
    text
}

fn fixture_registry() -> PipelineRegistry {
    let features = modular(Pipeline::new([
        node(split_words, "clean", "tokens").name("extract"),
        node(count_words, "tokens", "counts").name("count"),
    ]))
    .namespace("features")
    .inputs(["clean"])
    .outputs(["counts"])
    .build()
    .expect("a valid modular pipeline");
    let eval = modular(Pipeline::new([node(score, "fitted", "score").name("score")]))
        .namespace("eval")
        .inputs(["fitted"])
        .outputs(["score"])
        .build()
        .expect("a valid modular pipeline");
    let model = modular(
        Pipeline::new([node(fit, ["counts", "params:scale"], "fitted").name("fit")]) + eval,
    )
    .namespace("model")
    .inputs(["counts"])
    .outputs(["score"])
    .parameters(["params:scale"])
    .build()
    .expect("a valid modular pipeline");
    let pipeline = Pipeline::new([node(tidy, "raw", "clean").name("ingest")])
        + features
        + model
        + Pipeline::new([node(publish, "score", "report").name("publish")]);
    PipelineRegistry::new().with("__default__", pipeline)
}

fn fixture_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let text = |path: &str| format!("  type: text.TextDataset\n  filepath: {path}\n");
    write(
        dir.path(),
        "conf/base/catalog.yml",
        &format!(
            "raw:\n{}clean:\n{}counts:\n{}score:\n{}report:\n{}",
            text("data/raw.txt"),
            text("data/clean.txt"),
            text("data/counts.txt"),
            text("data/score.txt"),
            text("data/report.txt"),
        ),
    );
    write(dir.path(), "conf/base/parameters.yml", "scale: 3\n");
    write(dir.path(), "conf/local/.gitkeep", "");
    dir
}

/// Runs `weir export ...` on the fixture in this process.
fn export_fixture(project: &Path, args: &[&str]) -> ExitCode {
    let mut all = vec!["weir", "--project-dir", project.to_str().expect("a UTF-8 path"), "-q"];
    all.push("export");
    all.extend_from_slice(args);
    weir_cli::run_with_args(fixture_registry(), all)
}

fn run_python(python: &Path, script: &str, args: &[&Path]) -> Value {
    let output =
        Command::new(python).arg("-c").arg(script).args(args).output().expect("python runs");
    assert!(
        output.status.success(),
        "python failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let last = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(last).unwrap_or_else(|_| panic!("no JSON from python:\n{stdout}"))
}

fn edge_set(edges: &[(&str, &str)]) -> BTreeSet<(String, String)> {
    edges.iter().map(|(a, b)| ((*a).to_owned(), (*b).to_owned())).collect()
}

/// The iris `__default__` pipeline's task dependencies with one task per node, worked out from
/// which node writes and which reads each dataset (examples/iris/src/pipelines/):
/// `iris_split` (add_split -> fit_scaler, fit_label_encoder, build_master_table), `scaler`
/// (fit_scaler -> build_master_table, predict), `label_encoder` (fit_label_encoder ->
/// build_master_table, evaluate_model, predict), `master_table` (build_master_table ->
/// train_model, evaluate_model), `model` (train_model -> evaluate_model, predict).
const IRIS_EDGES: [(&str, &str); 12] = [
    ("add_split", "fit_scaler"),
    ("add_split", "fit_label_encoder"),
    ("add_split", "build_master_table"),
    ("fit_scaler", "build_master_table"),
    ("fit_scaler", "predict"),
    ("fit_label_encoder", "build_master_table"),
    ("fit_label_encoder", "evaluate_model"),
    ("fit_label_encoder", "predict"),
    ("build_master_table", "train_model"),
    ("build_master_table", "evaluate_model"),
    ("train_model", "evaluate_model"),
    ("train_model", "predict"),
];

/// The fixture grouped by top-level namespace: `clean`, `counts` and `score` tie the groups.
const FIXTURE_EDGES: [(&str, &str); 3] =
    [("ingest", "features"), ("features", "model"), ("model", "publish")];

// ---------------------------------------------------------------------------------------------
// Errors (no Python needed)

#[test]
fn an_in_memory_dataset_crossing_tasks_is_an_error_naming_it_and_both_tasks() {
    let project = iris_project();
    let output = iris(project.path(), &["export", "argo"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    // Nodes run in levels sorted by name: fit_label_encoder is the first reader of iris_split.
    assert!(
        stderr.contains(
            "error: dataset `iris_split` lives in memory but would go from task `add_split` to \
             task `fit_label_encoder`"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("hint: declare `iris_split` in the catalog")
            && stderr.contains("--group-by namespace"),
        "{stderr}"
    );
    assert!(output.stdout.is_empty());

    // The fixture's in-memory `features.tokens` crosses from one node to the other with one
    // task per node, and stays inside the `features` task when grouped by namespace.
    let fixture = fixture_project();
    let file = fixture.path().join("none.yaml");
    let code = export_fixture(fixture.path(), &["argo", "-o", file.to_str().expect("UTF-8")]);
    assert_eq!(code, ExitCode::from(2));
    assert!(!file.exists());
}

#[test]
fn layers_that_feed_each_other_are_a_cycle_error() {
    let project = iris_project();
    let output =
        iris(project.path(), &["export", "kubeflow", "--env", "airflow", "--group-by", "layer"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    // The `models` layer holds the scaler and encoder (written before the master table, in
    // `primary`) and the model (written from the master table).
    assert!(
        stderr.contains(
            "error: grouping by layer makes tasks depend on each other in a cycle: `models` -> \
             `primary` (reads `label_encoder`, `scaler`) -> `models` (reads `master_table`)"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("--group-by none"), "{stderr}");
}

#[test]
fn bad_resources_are_refused_with_the_expected_form() {
    let project = iris_project();
    let output = iris(project.path(), &["export", "argo", "--env", "airflow", "--memory", "2GB"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--memory `2GB` is not a Kubernetes quantity"), "{stderr}");
    assert!(stderr.contains("hint: write it like `512Mi`"), "{stderr}");
}

// ---------------------------------------------------------------------------------------------
// Airflow

const DAGBAG_SCRIPT: &str = r##"
import json, sys
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(dag_folder=sys.argv[1])
report = {"import_errors": {str(k): str(v) for k, v in bag.import_errors.items()}, "dags": {}}
for dag_id, dag in bag.dags.items():
    tasks = {}
    for task in dag.tasks:
        entry = {"operator": type(task).__name__, "downstream": sorted(task.downstream_task_ids),
                 "retries": task.retries}
        for field in ("image", "arguments", "cmds", "namespace", "bash_command", "cwd"):
            if hasattr(task, field):
                entry[field] = getattr(task, field)
        resources = getattr(task, "container_resources", None)
        if resources is not None:
            entry["requests"] = resources.requests
            entry["limits"] = resources.limits
        tasks[task.task_id] = entry
    report["dags"][dag_id] = tasks
print(json.dumps(report, default=str))
"##;

fn dag_edges(dag: &Value) -> BTreeSet<(String, String)> {
    let mut edges = BTreeSet::new();
    for (task, entry) in dag.as_object().expect("tasks") {
        for next in entry["downstream"].as_array().expect("a list") {
            edges.insert((task.clone(), next.as_str().expect("a task id").to_owned()));
        }
    }
    edges
}

fn task_ids(dag: &Value) -> BTreeSet<String> {
    dag.as_object().expect("tasks").keys().cloned().collect()
}

#[test]
fn airflow_dags_load_and_the_iris_dag_runs_end_to_end() {
    let Some((python, airflow)) = tools() else { return };
    let project = iris_project();
    let root = project.path();
    let work = tempfile::tempdir().expect("a temporary folder");
    let dags = work.path().join("dags");
    fs::create_dir_all(&dags).expect("a dags folder");
    let dag_file = |name: &str| dags.join(name).to_str().expect("UTF-8").to_owned();
    let binary = iris_binary().to_str().expect("UTF-8");

    exported(
        root,
        &["export", "airflow", "--operator", "bash", "--env", "airflow", "--dag-id", "iris_bash"]
            .into_iter()
            .chain(["--binary", binary, "-o", &dag_file("iris_bash.py")])
            .collect::<Vec<_>>(),
    );
    exported(
        root,
        &[
            "export",
            "airflow",
            "--env",
            "airflow",
            "--dag-id",
            "iris_k8s",
            "--image",
            "registry.example/iris:1.0",
            "--retries",
            "2",
            "--cpu",
            "500m",
            "--memory",
            "1Gi",
            "--kube-namespace",
            "pipelines",
            "--schedule",
            "@daily",
            "-o",
            &dag_file("iris_k8s.py"),
        ],
    );
    let fixture = fixture_project();
    let code = export_fixture(
        fixture.path(),
        &[
            "airflow",
            "--group-by",
            "namespace",
            "--dag-id",
            "fixture",
            "--image",
            "fixture:1",
            "--binary",
            "fixture",
            "-o",
            &dag_file("fixture.py"),
        ],
    );
    assert_eq!(code, ExitCode::SUCCESS);

    let airflow_env = |command: &mut Command| {
        command
            .env("AIRFLOW_HOME", work.path().join("airflow_home"))
            .env("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
            .env("AIRFLOW__CORE__DAGS_FOLDER", &dags)
            .env_remove("WEIR_ENV")
            .env_remove("WEIR_PROJECT_DIR")
            .env_remove("RUST_LOG");
    };

    // 1. Every DAG imports, with the expected tasks and edges.
    let mut command = Command::new(&python);
    command.arg("-c").arg(DAGBAG_SCRIPT).arg(&dags);
    airflow_env(&mut command);
    let output = command.output().expect("python runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    let report: Value =
        serde_json::from_str(stdout.lines().last().unwrap_or_default()).expect("the JSON report");
    assert_eq!(report["import_errors"], serde_json::json!({}), "{report:#}");

    let iris_nodes: BTreeSet<String> = [
        "add_split",
        "fit_scaler",
        "fit_label_encoder",
        "build_master_table",
        "train_model",
        "evaluate_model",
        "predict",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    for dag_id in ["iris_bash", "iris_k8s"] {
        let dag = &report["dags"][dag_id];
        assert_eq!(task_ids(dag), iris_nodes, "{dag_id}");
        assert_eq!(dag_edges(dag), edge_set(&IRIS_EDGES), "{dag_id}");
    }
    let k8s = &report["dags"]["iris_k8s"]["train_model"];
    assert_eq!(k8s["operator"], "KubernetesPodOperator");
    assert_eq!(k8s["image"], "registry.example/iris:1.0");
    assert_eq!(k8s["cmds"], serde_json::json!(["/app/iris"]));
    assert_eq!(
        k8s["arguments"],
        serde_json::json!(["run", "--nodes", "train_model", "--env", "airflow"])
    );
    assert_eq!(k8s["namespace"], "pipelines");
    assert_eq!(k8s["retries"], 2);
    assert_eq!(k8s["requests"], serde_json::json!({"cpu": "500m", "memory": "1Gi"}));
    assert_eq!(k8s["limits"], serde_json::json!({"memory": "1Gi"}));
    let bash = &report["dags"]["iris_bash"]["predict"];
    assert_eq!(bash["operator"], "BashOperator");
    assert_eq!(bash["cwd"], fs::canonicalize(root).expect("a path").to_str().expect("UTF-8"));

    let fixture_dag = &report["dags"]["fixture"];
    let expected: BTreeSet<String> =
        ["ingest", "features", "model", "publish"].into_iter().map(str::to_owned).collect();
    assert_eq!(task_ids(fixture_dag), expected);
    assert_eq!(dag_edges(fixture_dag), edge_set(&FIXTURE_EDGES));
    assert_eq!(
        fixture_dag["model"]["arguments"],
        serde_json::json!(["run", "--nodes", "model.fit,model.eval.score", "--env", "local"])
    );

    // 2. The BashOperator DAG runs the iris binary, task by task.
    let mut migrate = Command::new(&airflow);
    migrate.args(["db", "migrate"]);
    airflow_env(&mut migrate);
    let output = migrate.output().expect("airflow runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));

    let started = SystemTime::now();
    let mut test = Command::new(&airflow);
    test.args(["dags", "test", "iris_bash"]);
    airflow_env(&mut test);
    let output = test.output().expect("airflow runs");
    let log = format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{log}");
    assert!(log.contains("state=success") || log.contains("state=DagRunState.SUCCESS"), "{log}");
    for output in [
        "data/02_intermediate/iris_split.parquet",
        "data/06_models/scaler.pkl",
        "data/06_models/label_encoder.pkl",
        "data/03_primary/master_table.csv",
        "data/06_models/model.pkl",
        "data/08_reporting/classification_report.json",
        "data/07_model_output/iris_predictions.csv",
    ] {
        let newest = newest_file(&root.join(output))
            .unwrap_or_else(|| panic!("`{output}` was not written\n{log}"));
        assert!(newest >= started, "`{output}` is older than the DAG run");
    }
    let predictions =
        fs::read_to_string(root.join("data/07_model_output/iris_predictions.csv")).expect("a file");
    assert!(predictions.lines().count() > 1, "{predictions}");
}

/// The latest modification time of `path` or of any file below it (versioned datasets are
/// folders of versions).
fn newest_file(path: &Path) -> Option<SystemTime> {
    let metadata = fs::metadata(path).ok()?;
    if metadata.is_file() {
        return metadata.modified().ok();
    }
    fs::read_dir(path).ok()?.filter_map(Result::ok).filter_map(|e| newest_file(&e.path())).max()
}

// ---------------------------------------------------------------------------------------------
// Argo

const ARGO_SCRIPT: &str = r##"
import copy, json, sys, yaml, jsonschema
schema = json.load(open(sys.argv[1]))
root = {"$ref": "#/definitions/io.argoproj.workflow.v1alpha1.Workflow", "definitions": schema["definitions"]}
validator = jsonschema.Draft7Validator(root)
def errors(doc):
    return sorted(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(doc))
report = {}
for path in sys.argv[2:]:
    doc = yaml.safe_load(open(path))
    templates = {t["name"]: t for t in doc["spec"]["templates"]}
    dag = templates[doc["spec"]["entrypoint"]]["dag"]["tasks"]
    broken = copy.deepcopy(doc)
    broken["spec"]["templates"][1]["retryStrategy"] = {"limit": 2}
    broken["spec"]["templates"][1]["container"]["args"] = "run"
    report[path] = {
        "errors": errors(doc),
        "broken_errors": len(errors(broken)),
        "kind": doc["kind"],
        "tasks": {t["name"]: {"dependencies": t.get("dependencies", []), "template": t["template"]} for t in dag},
        "containers": {n: t["container"] for n, t in templates.items() if "container" in t},
        "retry": {n: t.get("retryStrategy") for n, t in templates.items() if "container" in t},
    }
print(json.dumps(report))
"##;

/// A Python with `jsonschema` and `yaml`: the tools' one (Airflow depends on both), or a
/// virtualenv made for these tests under target/.
fn python_with_jsonschema(python: &Path) -> PathBuf {
    let has = |python: &Path| {
        Command::new(python)
            .args(["-c", "import jsonschema, yaml"])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if has(python) {
        return python.to_path_buf();
    }
    let venv = Path::new(REPOSITORY).join("target/export-test-venv");
    let own = venv.join("bin/python");
    if !has(&own) {
        let status = Command::new(python).args(["-m", "venv"]).arg(&venv).status().expect("venv");
        assert!(status.success());
        let status = Command::new(&own)
            .args(["-m", "pip", "install", "--quiet", "jsonschema", "pyyaml"])
            .status()
            .expect("pip");
        assert!(status.success(), "cannot install jsonschema");
    }
    own
}

#[test]
fn argo_workflows_validate_against_the_published_schema() {
    let Some((python, _)) = tools() else { return };
    let python = python_with_jsonschema(&python);
    let project = iris_project();
    let work = tempfile::tempdir().expect("a temporary folder");
    let iris_file = work.path().join("iris.yaml");
    exported(
        project.path(),
        &[
            "export",
            "argo",
            "--env",
            "airflow",
            "--image",
            "registry.example/iris:1.0",
            "--retries",
            "3",
            "--cpu",
            "1",
            "--memory",
            "512Mi",
            "--service-account",
            "weir",
            "-o",
            iris_file.to_str().expect("UTF-8"),
        ],
    );
    let fixture = fixture_project();
    let fixture_file = work.path().join("fixture.yaml");
    let code = export_fixture(
        fixture.path(),
        &[
            "argo",
            "--group-by",
            "namespace",
            "--name",
            "Fixture Flow",
            "--image",
            "fixture:1",
            "--binary",
            "fixture",
            "-o",
            fixture_file.to_str().expect("UTF-8"),
        ],
    );
    assert_eq!(code, ExitCode::SUCCESS);

    let schema = Path::new(REPOSITORY).join("../shared/schemas/argo-workflows.schema.json");
    let report = run_python(&python, ARGO_SCRIPT, &[&schema, &iris_file, &fixture_file]);

    let iris_report = &report[iris_file.to_str().expect("UTF-8")];
    assert_eq!(iris_report["errors"], serde_json::json!([]), "{iris_report:#}");
    assert!(iris_report["broken_errors"].as_u64() >= Some(2), "the validator catches mistakes");
    assert_eq!(iris_report["kind"], "Workflow");
    let dns = |name: &str| name.replace('_', "-");
    let expected: BTreeSet<(String, String)> =
        IRIS_EDGES.iter().map(|(a, b)| (dns(a), dns(b))).collect();
    assert_eq!(argo_edges(&iris_report["tasks"]), expected);
    let container = &iris_report["containers"]["build-master-table"];
    assert_eq!(container["image"], "registry.example/iris:1.0");
    assert_eq!(container["command"], serde_json::json!(["/app/iris"]));
    assert_eq!(
        container["args"],
        serde_json::json!(["run", "--nodes", "build_master_table", "--env", "airflow"])
    );
    assert_eq!(
        container["resources"],
        serde_json::json!({"requests": {"cpu": "1", "memory": "512Mi"}, "limits": {"memory": "512Mi"}})
    );
    assert_eq!(
        iris_report["retry"]["predict"],
        serde_json::json!({"limit": "3", "retryPolicy": "OnFailure"})
    );

    let fixture_report = &report[fixture_file.to_str().expect("UTF-8")];
    assert_eq!(fixture_report["errors"], serde_json::json!([]), "{fixture_report:#}");
    assert_eq!(argo_edges(&fixture_report["tasks"]), edge_set(&FIXTURE_EDGES));
    let written = fs::read_to_string(&fixture_file).expect("the manifest");
    assert!(written.contains("generateName: fixture-flow-"), "{written}");
}

fn argo_edges(tasks: &Value) -> BTreeSet<(String, String)> {
    let mut edges = BTreeSet::new();
    for (task, entry) in tasks.as_object().expect("tasks") {
        assert_eq!(entry["template"].as_str(), Some(task.as_str()));
        for upstream in entry["dependencies"].as_array().expect("a list") {
            edges.insert((upstream.as_str().expect("a name").to_owned(), task.clone()));
        }
    }
    edges
}

// ---------------------------------------------------------------------------------------------
// Kubeflow

const KFP_SCRIPT: &str = r##"
import copy, json, sys, yaml
from google.protobuf import json_format
from kfp.pipeline_spec import pipeline_spec_pb2

def dangling(doc):
    problems = []
    components = doc.get("components", {})
    executors = doc.get("deploymentSpec", {}).get("executors", {})
    tasks = doc["root"]["dag"]["tasks"]
    for name, task in tasks.items():
        ref = task["componentRef"]["name"]
        if ref not in components:
            problems.append(f"{name}: componentRef {ref} is not a component")
        for upstream in task.get("dependentTasks", []):
            if upstream not in tasks:
                problems.append(f"{name}: dependentTasks {upstream} is not a task")
    for name, component in components.items():
        if component["executorLabel"] not in executors:
            problems.append(f"{name}: executorLabel {component['executorLabel']} has no executor")
    return problems

def parses(doc):
    try:
        json_format.ParseDict(doc, pipeline_spec_pb2.PipelineSpec(), ignore_unknown_fields=False)
        return None
    except json_format.ParseError as error:
        return str(error)

report = {}
for path in sys.argv[1:]:
    docs = list(yaml.safe_load_all(open(path)))
    doc = docs[0]
    spec = pipeline_spec_pb2.PipelineSpec()
    json_format.ParseDict(doc, spec, ignore_unknown_fields=False)
    broken = copy.deepcopy(doc)
    first = next(iter(broken["root"]["dag"]["tasks"].values()))
    first["dependentTasks"] = ["no-such-task"]
    first["componentRef"]["name"] = "comp-missing"
    misspelt = copy.deepcopy(doc)
    next(iter(misspelt["root"]["dag"]["tasks"].values()))["dependentTask"] = []
    report[path] = {
        "documents": len(docs),
        "schema": spec.schema_version,
        "dangling": dangling(doc),
        "broken_dangling": len(dangling(broken)),
        "misspelt_error": parses(misspelt),
        "tasks": {n: sorted(t.dependent_tasks) for n, t in spec.root.dag.tasks.items()},
        "retries": {n: t.retry_policy.max_retry_count for n, t in spec.root.dag.tasks.items()},
        "caching": {n: t.caching_options.enable_cache for n, t in spec.root.dag.tasks.items()},
        "executors": json_format.MessageToDict(spec.deployment_spec)["executors"],
    }
print(json.dumps(report))
"##;

#[test]
fn kubeflow_specs_parse_into_the_kfp_protobuf() {
    if tools().is_none() {
        return;
    }
    // kfp lives in a virtualenv of its own (its kubernetes client clashes with Airflow's).
    let python = PathBuf::from(
        std::env::var_os("WEIR_TEST_KFP_PYTHON")
            .expect("scripts/with-services.sh sets WEIR_TEST_KFP_PYTHON"),
    );
    let has_kfp = Command::new(&python)
        .args(["-c", "import kfp.pipeline_spec"])
        .output()
        .is_ok_and(|output| output.status.success());
    assert!(
        has_kfp,
        "{} cannot import kfp: the virtualenv is incomplete; remove target/kfp-venv \
         and run the tests through scripts/with-services.sh again",
        python.display()
    );
    let project = iris_project();
    let work = tempfile::tempdir().expect("a temporary folder");
    let iris_file = work.path().join("iris.yaml");
    exported(
        project.path(),
        &[
            "export",
            "kubeflow",
            "--env",
            "airflow",
            "--image",
            "europe-docker.pkg.dev/p/r/iris:1.0",
            "--retries",
            "2",
            "--cpu",
            "2",
            "--memory",
            "4Gi",
            "-o",
            iris_file.to_str().expect("UTF-8"),
        ],
    );
    let fixture = fixture_project();
    let fixture_file = work.path().join("fixture.yaml");
    let code = export_fixture(
        fixture.path(),
        &[
            "kubeflow",
            "--group-by",
            "namespace",
            "--image",
            "fixture:1",
            "--binary",
            "fixture",
            "-o",
            fixture_file.to_str().expect("UTF-8"),
        ],
    );
    assert_eq!(code, ExitCode::SUCCESS);

    let report = run_python(&python, KFP_SCRIPT, &[&iris_file, &fixture_file]);

    let iris_report = &report[iris_file.to_str().expect("UTF-8")];
    assert_eq!(iris_report["documents"], 1);
    assert_eq!(iris_report["schema"], "2.1.0");
    assert_eq!(iris_report["dangling"], serde_json::json!([]));
    assert_eq!(iris_report["broken_dangling"], 2, "the reference checks catch mistakes");
    let misspelt = iris_report["misspelt_error"].as_str().unwrap_or_default();
    assert!(misspelt.contains("dependentTask"), "the protobuf parse catches unknown fields");
    let dns = |name: &str| name.replace('_', "-");
    let expected: BTreeSet<(String, String)> =
        IRIS_EDGES.iter().map(|(a, b)| (dns(a), dns(b))).collect();
    assert_eq!(kfp_edges(&iris_report["tasks"]), expected);
    for (task, retries) in iris_report["retries"].as_object().expect("tasks") {
        assert_eq!(retries, 2, "{task}");
        assert_eq!(iris_report["caching"][task], false, "{task}");
    }
    let container = &iris_report["executors"]["exec-train-model"]["container"];
    assert_eq!(container["image"], "europe-docker.pkg.dev/p/r/iris:1.0");
    assert_eq!(container["command"], serde_json::json!(["/app/iris"]));
    assert_eq!(
        container["args"],
        serde_json::json!(["run", "--nodes", "train_model", "--env", "airflow"])
    );
    let resources = &container["resources"];
    assert_eq!(resources["cpuLimit"], 2.0);
    assert_eq!(resources["resourceMemoryLimit"], "4Gi");
    // 4 GiB = 4 * 2^30 bytes = 4.294967296 GB, the unit of `memoryLimit`.
    assert!((resources["memoryLimit"].as_f64().unwrap_or(0.0) - 4.294_967_296).abs() < 1e-9);

    let fixture_report = &report[fixture_file.to_str().expect("UTF-8")];
    assert_eq!(fixture_report["dangling"], serde_json::json!([]));
    assert_eq!(kfp_edges(&fixture_report["tasks"]), edge_set(&FIXTURE_EDGES));
}

fn kfp_edges(tasks: &Value) -> BTreeSet<(String, String)> {
    let mut edges = BTreeSet::new();
    for (task, upstream) in tasks.as_object().expect("tasks") {
        for name in upstream.as_array().expect("a list") {
            edges.insert((name.as_str().expect("a name").to_owned(), task.clone()));
        }
    }
    edges
}
