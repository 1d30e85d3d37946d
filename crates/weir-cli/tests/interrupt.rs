//! SIGTERM during a run: the running node finishes and its output is saved whole, no other
//! node starts, the run is recorded as interrupted with where to resume, the exit code is 130,
//! and no thread outlives the run.
//!
//! The signal is real (raised to this test process, whose only test this is) and goes through
//! the handlers `weir run` installs.

#![allow(clippy::disallowed_methods, reason = "the test writes its fixture files directly")]

use std::path::Path;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use weir_core::pipeline::{Pipeline, PipelineRegistry, node};
use weir_core::records::{RunStatus, RunStore};

static SLOW_NODE_STARTED: AtomicBool = AtomicBool::new(false);
static SIGNAL_SENT: AtomicBool = AtomicBool::new(false);

/// Tells the test it runs, then waits until the signal has been sent.
fn slow(seconds: f64) -> String {
    SLOW_NODE_STARTED.store(true, Ordering::SeqCst);
    wait_for(&SIGNAL_SENT, Duration::from_secs_f64(seconds));
    "slow output, written whole".to_owned()
}

#[expect(clippy::needless_pass_by_value, reason = "node functions own their inputs")]
fn after(text: String) -> String {
    format!("{text}, then more")
}

fn wait_for(flag: &AtomicBool, limit: Duration) {
    let started = Instant::now();
    while !flag.load(Ordering::SeqCst) && started.elapsed() < limit {
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn write(root: &Path, relative: &str, text: &str) {
    let path = root.join(relative);
    std::fs::create_dir_all(path.parent().expect("a parent folder")).expect("a writable folder");
    std::fs::write(path, text).expect("a writable file");
}

fn threads_of_this_process() -> usize {
    std::fs::read_dir("/proc/self/task").map_or(0, Iterator::count)
}

#[test]
fn sigterm_lets_the_running_node_finish_and_records_an_interrupted_run() {
    let project = tempfile::tempdir().unwrap();
    let root = project.path();
    write(root, "conf/base/parameters.yml", "wait_seconds: 30\n");
    write(
        root,
        "conf/base/catalog.yml",
        "slow_text:\n  type: text.TextDataset\n  filepath: data/slow.txt\n\
         after_text:\n  type: text.TextDataset\n  filepath: data/after.txt\n",
    );
    std::fs::create_dir_all(root.join("conf/local")).unwrap();
    let registry = PipelineRegistry::new().with(
        "__default__",
        Pipeline::new([
            node(slow, "params:wait_seconds", "slow_text").name("slow"),
            node(after, "slow_text", "after_text").name("after"),
        ]),
    );
    let threads_before = threads_of_this_process();

    let signaller = std::thread::spawn(|| {
        wait_for(&SLOW_NODE_STARTED, Duration::from_secs(30));
        signal_hook::low_level::raise(signal_hook::consts::SIGTERM).unwrap();
        SIGNAL_SENT.store(true, Ordering::SeqCst);
    });
    let root_arg = root.to_str().unwrap();
    let code = weir_cli::run_with_args(registry, ["weir", "--project-dir", root_arg, "run", "-q"]);
    signaller.join().unwrap();

    assert_eq!(code, ExitCode::from(130));
    assert_eq!(
        std::fs::read_to_string(root.join("data/slow.txt")).unwrap(),
        "slow output, written whole"
    );
    assert!(!root.join("data/after.txt").exists(), "no node starts after the signal");
    let mut left: Vec<String> = std::fs::read_dir(root.join("data"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["slow.txt"], "no temporary file is left behind");

    let store = RunStore::open(&root.join(".weir/runs.sqlite")).unwrap();
    let run = store.runs(1).unwrap().pop().expect("the run is recorded");
    assert_eq!(run.status, RunStatus::Interrupted);
    assert_eq!(run.resume_from, ["after"]);
    assert!(run.finished_at.is_some());

    assert_eq!(threads_of_this_process(), threads_before, "no thread outlives the run");
}
