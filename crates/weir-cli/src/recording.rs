//! What `run` adds around a session's run: the run records store and what is written of a run
//! when it starts (git state, command line, options a resume needs), and the signal handlers
//! that turn Ctrl-C and SIGTERM into a clean stop.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use weir_core::records::{RunStart, RunStore, StoreError};
use weir_core::runner::StopSignal;

use crate::cli::{GlobalArgs, RunArgs, RunnerChoice};

/// The run records file: `--runs-db`/`WEIR_RUNS_DB`, or `.weir/runs.sqlite` in the project.
pub(crate) fn store_path(global: &GlobalArgs, root: &Path) -> PathBuf {
    global.runs_db.clone().unwrap_or_else(|| root.join(".weir").join("runs.sqlite"))
}

/// Opens the store; the default `.weir` folder gets a `.gitignore` so records stay out of git.
pub(crate) fn open_store(global: &GlobalArgs, root: &Path) -> Result<Arc<RunStore>, StoreError> {
    let path = store_path(global, root);
    let store = RunStore::open(&path)?;
    if global.runs_db.is_none() {
        ignore_in_git(path.parent().unwrap_or(root));
    }
    Ok(Arc::new(store))
}

fn ignore_in_git(folder: &Path) {
    let ignore = folder.join(".gitignore");
    if ignore.exists() {
        return;
    }
    let written = weir_core::catalog::storage::write_atomic(&ignore, |out| {
        std::io::Write::write_all(out, b"# Run records of `weir run`: local to this machine.\n*\n")
    });
    if let Err(error) = written {
        tracing::debug!(%error, "cannot write .weir/.gitignore");
    }
}

/// The options of a run that a resume needs, as recorded.
pub(crate) fn recorded_options(args: &RunArgs) -> serde_json::Value {
    serde_json::json!({
        "pipelines": args.pipelines,
        "tags": args.tags,
        "nodes": args.nodes,
        "from_nodes": args.from_nodes,
        "to_nodes": args.to_nodes,
        "from_inputs": args.from_inputs,
        "to_outputs": args.to_outputs,
        "namespaces": args.namespaces,
        "load_versions": args.load_versions,
        "runner": if args.runner == RunnerChoice::Parallel { "parallel" } else { "sequential" },
        "workers": args.workers,
        "async": args.is_async,
    })
}

/// Sets the slicing options of `args` from a recorded run, starting from `resume_from`.
pub(crate) fn apply_recorded_options(
    args: &mut RunArgs,
    options: &serde_json::Value,
    resume_from: &[String],
) {
    let list = |key: &str| -> Vec<String> {
        options[key]
            .as_array()
            .map(|items| items.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
            .unwrap_or_default()
    };
    args.tags = list("tags");
    args.nodes = list("nodes");
    args.to_nodes = list("to_nodes");
    args.from_inputs = list("from_inputs");
    args.to_outputs = list("to_outputs");
    args.namespaces = list("namespaces");
    args.load_versions = list("load_versions");
    args.from_nodes = resume_from.to_vec();
}

/// What is recorded of a run as it starts.
pub(crate) fn run_start(
    id: &str,
    root: &Path,
    args: &RunArgs,
    parameters: &serde_json::Map<String, serde_json::Value>,
) -> RunStart {
    let (git_commit, git_dirty) = git_state(root);
    RunStart {
        id: id.to_owned(),
        pipeline: pipeline_key(&args.pipelines),
        env: args.config.env.clone(),
        started_at: weir_core::records::recorder::now_rfc3339(),
        git_commit,
        git_dirty,
        command: command_line(),
        parameters: serde_json::Value::Object(parameters.clone()),
        options: recorded_options(args),
        pid: Some(std::process::id()),
    }
}

/// The pipelines of a run as recorded: names sorted and comma-joined, so `-p a,b` and
/// `-p b,a` (the same combined pipeline) are one pipeline to `--resume`.
pub(crate) fn pipeline_key(pipelines: &[String]) -> String {
    let mut names: Vec<&str> =
        pipelines.iter().map(|name| name.trim()).filter(|n| !n.is_empty()).collect();
    names.sort_unstable();
    names.dedup();
    names.join(",")
}

/// The command line, with the value of `--params` left out (it may hold secrets).
fn command_line() -> String {
    let mut words = Vec::new();
    let mut hide_next = false;
    for arg in std::env::args() {
        if hide_next {
            words.push("<left out>".to_owned());
            hide_next = false;
        } else if arg == "--params" {
            words.push(arg);
            hide_next = true;
        } else if arg.starts_with("--params=") {
            words.push("--params=<left out>".to_owned());
        } else {
            words.push(arg);
        }
    }
    words.join(" ")
}

/// The project's git commit and whether tracked files have uncommitted changes; `None` when
/// the project is not a git checkout or git is not installed.
fn git_state(root: &Path) -> (Option<String>, Option<bool>) {
    let dir = if root.as_os_str().is_empty() { Path::new(".") } else { root };
    let git = |args: &[&str]| {
        let output = Command::new("git").arg("-C").arg(dir).args(args).output().ok()?;
        output.status.success().then(|| String::from_utf8_lossy(&output.stdout).into_owned())
    };
    let Some(commit) = git(&["rev-parse", "HEAD"]) else { return (None, None) };
    let dirty = git(&["status", "--porcelain", "--untracked-files=no"]).map(|s| !s.is_empty());
    (Some(commit.trim().to_owned()), dirty)
}

/// Raises `stop` on the first Ctrl-C or SIGTERM; a second one ends the process at once with
/// exit code 130 (saves are atomic, so even then no half-written dataset is left in place).
pub(crate) fn stop_on_signals() -> StopSignal {
    let stop = StopSignal::new();
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        let installed = signal_hook::flag::register_conditional_shutdown(signal, 130, stop.flag())
            .and_then(|_| signal_hook::flag::register(signal, stop.flag()));
        if let Err(error) = installed {
            tracing::warn!(%error, signal, "cannot handle the signal; it will end the run at once");
        }
    }
    stop
}
