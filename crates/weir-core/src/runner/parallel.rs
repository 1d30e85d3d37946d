//! The parallel runner: every node whose inputs are ready runs at once, on a fixed number of
//! worker threads.
//!
//! The scheduler is a small state machine (`Schedule`) behind one mutex: a worker takes the
//! first ready node in the pipeline's order, runs it without holding the lock, then records
//! the outcome under the lock (counting down the nodes waiting on it, releasing memory data
//! nobody reads any more) and wakes the others. Completions are therefore handled one at a
//! time, in the order they happen, and the choice of the next node is deterministic given
//! that order.
//!
//! Data is shared between threads, not copied: in-memory datasets hand out `Payload` clones,
//! which share their buffers (`DataFrame` columns and artefacts live behind `Arc`).
//!
//! Unlike Kedro's `ParallelRunner`, which runs nodes in separate processes and so refuses
//! in-memory datasets that cannot be pickled, weir's workers are threads of one process: every
//! dataset, in memory or not, works with this runner.
//!
//! A failure stops the scheduling of new nodes; nodes already running finish (their outputs
//! are saved), then the run reports every failure and where to resume.
//!
//! # Limitations
//!
//! Nodes run on plain threads, so a node that itself uses rayon (Polars does) competes with the
//! other workers for the same cores; pick `--workers` with that in mind.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::num::NonZeroUsize;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use tracing::info;

use crate::catalog::DataCatalog;
use crate::pipeline::{Node, Pipeline, strip_transcoding};

use super::task::{self, TaskFailure};
use super::{
    FailedNode, RunError, RunOptions, RunSummary, count_readers, gate_skips, interrupted, millis,
    nodes_failed, release_unneeded, run_pipeline,
};

/// Runs ready nodes at the same time on `workers` threads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParallelRunner {
    workers: NonZeroUsize,
}

impl Default for ParallelRunner {
    /// As many workers as the machine has cores (1 when that cannot be known).
    fn default() -> Self {
        ParallelRunner { workers: thread::available_parallelism().unwrap_or(NonZeroUsize::MIN) }
    }
}

impl ParallelRunner {
    /// A runner with `workers` threads.
    pub fn new(workers: NonZeroUsize) -> Self {
        ParallelRunner { workers }
    }

    /// The number of worker threads.
    pub fn workers(&self) -> NonZeroUsize {
        self.workers
    }

    /// Runs `pipeline` (already validated) against `catalog`, without hooks.
    pub fn run(&self, pipeline: &Pipeline, catalog: &DataCatalog) -> Result<RunSummary, RunError> {
        self.run_with(pipeline, catalog, &RunOptions::default())
    }

    /// Runs `pipeline` (already validated) against `catalog` with `options` (hooks, `--async`).
    pub fn run_with(
        &self,
        pipeline: &Pipeline,
        catalog: &DataCatalog,
        options: &RunOptions,
    ) -> Result<RunSummary, RunError> {
        run_pipeline(pipeline, catalog, options, || self.run_nodes(pipeline, catalog, options))
    }

    fn run_nodes(
        self,
        pipeline: &Pipeline,
        catalog: &DataCatalog,
        options: &RunOptions,
    ) -> Result<RunSummary, RunError> {
        let schedule = Schedule::new(pipeline);
        let workers = self.workers.get().min(schedule.order.len()).max(1);
        info!(nodes = schedule.order.len(), workers, runner = "parallel", "starting run");

        let shared = Shared { state: Mutex::new(schedule), wakeup: Condvar::new() };
        thread::scope(|scope| {
            for _ in 0..workers {
                scope.spawn(|| work(&shared, catalog, options));
            }
        });

        let schedule = shared.state.into_inner().unwrap_or_else(PoisonError::into_inner);
        schedule.into_result(pipeline, catalog)
    }
}

/// The schedule and the condition workers wait on for a change of it.
struct Shared<'p> {
    state: Mutex<Schedule<'p>>,
    wakeup: Condvar,
}

impl<'p> Shared<'p> {
    fn lock(&self) -> MutexGuard<'_, Schedule<'p>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// One worker: take a ready node, run it unlocked, record the outcome, until the run is over.
fn work(shared: &Shared<'_>, catalog: &DataCatalog, options: &RunOptions) {
    let mut state = shared.lock();
    loop {
        if options.stop.is_requested() {
            state.interrupt();
        }
        if let Some(index) = state.start_next() {
            let node = state.order[index];
            drop(state);

            let outcome = if gate_skips(node, catalog, options) {
                Ok(None)
            } else {
                info!(node = node.node_name(), "running node");
                let started = Instant::now();
                task::run_node(node, catalog, options).map(|()| Some(started.elapsed()))
            };

            state = shared.lock();
            state.finish(index, outcome, catalog);
            shared.wakeup.notify_all();
            continue;
        }
        if state.is_over() {
            return;
        }
        state = shared.wakeup.wait(state).unwrap_or_else(PoisonError::into_inner);
    }
}

/// Which nodes wait, which are ready, which run, and what finished.
struct Schedule<'p> {
    /// The nodes in the pipeline's order; indices below refer to this list.
    order: Vec<&'p Node>,
    /// For each node, the nodes reading one of its outputs.
    dependents: Vec<Vec<usize>>,
    /// For each node, how many of the nodes it reads from have not finished.
    waiting_on: Vec<usize>,
    /// Nodes whose inputs are all there, lowest index first.
    ready: BTreeSet<usize>,
    running: usize,
    /// Set by the first failure or a stop request: no node starts after it.
    stopping: bool,
    /// Set by a stop request ([`super::StopSignal`]).
    interrupted: bool,
    readers_left: HashMap<String, usize>,
    final_outputs: BTreeSet<String>,
    done: Vec<(String, Duration)>,
    skipped: Vec<String>,
    failures: BTreeMap<usize, FailedNode>,
}

impl<'p> Schedule<'p> {
    fn new(pipeline: &'p Pipeline) -> Self {
        let order = pipeline.sorted_nodes();
        let producer: HashMap<&str, usize> = order
            .iter()
            .enumerate()
            .flat_map(|(index, node)| {
                node.outputs().iter().map(move |o| (strip_transcoding(o), index))
            })
            .collect();

        let mut dependents = vec![Vec::new(); order.len()];
        let mut waiting_on = vec![0; order.len()];
        for (index, node) in order.iter().enumerate() {
            // A transcoded input (`t@lazy`) waits for the writer of any version of `t`.
            let upstream: BTreeSet<usize> = node
                .inputs()
                .iter()
                .filter_map(|input| producer.get(strip_transcoding(input)))
                .copied()
                .collect();
            waiting_on[index] = upstream.len();
            for parent in upstream {
                dependents[parent].push(index);
            }
        }
        let ready = (0..order.len()).filter(|&index| waiting_on[index] == 0).collect();

        Schedule {
            readers_left: count_readers(&order),
            final_outputs: pipeline.outputs(),
            order,
            dependents,
            waiting_on,
            ready,
            running: 0,
            stopping: false,
            interrupted: false,
            done: Vec::new(),
            skipped: Vec::new(),
            failures: BTreeMap::new(),
        }
    }

    /// The next node to run, counted as running; none once a node has failed.
    fn start_next(&mut self) -> Option<usize> {
        if self.stopping {
            return None;
        }
        let index = self.ready.pop_first()?;
        self.running += 1;
        Some(index)
    }

    /// Records how node `index` ended (ran for a duration, or was skipped: `None`): frees
    /// what it read, readies what waited on it, or, on failure, stops scheduling.
    fn finish(
        &mut self,
        index: usize,
        outcome: Result<Option<Duration>, TaskFailure>,
        catalog: &DataCatalog,
    ) {
        self.running -= 1;
        let node = self.order[index];

        match outcome {
            Ok(Some(elapsed)) => {
                info!(node = node.node_name(), elapsed_ms = millis(elapsed), "completed node");
                self.done.push((node.node_name().to_owned(), elapsed));
            }
            Ok(None) => self.skipped.push(node.node_name().to_owned()),
            Err(TaskFailure { cause, hint }) => {
                self.stopping = true;
                let failed = FailedNode { node: node.node_name().to_owned(), cause, hint };
                self.failures.insert(index, failed);
                return;
            }
        }
        release_unneeded(node, &mut self.readers_left, &self.final_outputs, catalog);

        for &child in &self.dependents[index] {
            self.waiting_on[child] -= 1;
            if self.waiting_on[child] == 0 {
                self.ready.insert(child);
            }
        }
    }

    /// Stops scheduling because the run was asked to stop.
    fn interrupt(&mut self) {
        self.stopping = true;
        self.interrupted = true;
    }

    /// Whether no node runs and none may start.
    fn is_over(&self) -> bool {
        self.running == 0 && (self.stopping || self.ready.is_empty())
    }

    fn into_result(
        self,
        pipeline: &Pipeline,
        catalog: &DataCatalog,
    ) -> Result<RunSummary, RunError> {
        let finished_all = self.done.len() + self.skipped.len() == self.order.len();
        if self.failures.is_empty() && (finished_all || !self.interrupted) {
            let nodes = self.done;
            return Ok(RunSummary { nodes, skipped: self.skipped, elapsed: Duration::ZERO });
        }
        let ran = self.done.into_iter().map(|(name, _)| name);
        let done = ran.chain(self.skipped).collect();
        if self.failures.is_empty() {
            return Err(interrupted(pipeline, catalog, done));
        }
        let failures = self.failures.into_values().collect();
        Err(nodes_failed(pipeline, catalog, failures, done))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Condvar, Mutex};
    use std::time::Duration;

    use polars::prelude::*;

    use super::*;
    use crate::data::NodeData;
    use crate::pipeline::node;
    use crate::runner::SequentialRunner;

    fn two() -> ParallelRunner {
        ParallelRunner::new(NonZeroUsize::new(2).unwrap())
    }

    fn times(df: DataFrame, factor: f64) -> DataFrame {
        df.lazy().select([col("x") * lit(factor)]).collect().unwrap()
    }

    fn double(df: DataFrame) -> DataFrame {
        times(df, 2.0)
    }

    fn triple(df: DataFrame) -> DataFrame {
        times(df, 3.0)
    }

    fn shift(df: DataFrame) -> DataFrame {
        df.lazy().select([col("x") + lit(1.0)]).collect().unwrap()
    }

    #[expect(clippy::needless_pass_by_value, reason = "node functions own their inputs")]
    fn add(a: DataFrame, b: DataFrame) -> DataFrame {
        let sum = a.column("x").unwrap().as_materialized_series()
            + b.column("x").unwrap().as_materialized_series();
        sum.unwrap().with_name("x".into()).into_frame()
    }

    fn column(catalog: &DataCatalog, name: &str) -> Vec<f64> {
        let frame = DataFrame::from_payload(catalog.load(name).unwrap()).unwrap();
        frame.column("x").unwrap().f64().unwrap().into_no_null_iter().collect()
    }

    /// raw ─┬─ double ─ doubled ─┬─ add ─ sum
    ///      ├─ shift ── shifted ─┘
    ///      └─ triple ─ tripled            (a wide branch left as a final output)
    fn diamond() -> Pipeline {
        Pipeline::new([
            node(double, "raw", "doubled").name("double"),
            node(shift, "raw", "shifted").name("shift"),
            node(triple, "raw", "tripled").name("triple"),
            node(add, ["doubled", "shifted"], "sum").name("add"),
        ])
    }

    fn catalog_with_raw() -> DataCatalog {
        let catalog = DataCatalog::new();
        let raw = df!("x" => [1.0, 2.0, 3.0]).unwrap();
        catalog.save("raw", raw.into_payload()).unwrap();
        catalog
    }

    #[test]
    fn outputs_match_a_sequential_run_and_hand_computed_values() {
        let sequential = catalog_with_raw();
        SequentialRunner.run(&diamond(), &sequential).unwrap();
        let parallel = catalog_with_raw();
        let summary = two().run(&diamond(), &parallel).unwrap();

        // x = 1, 2, 3: 2x + (x + 1) = 3x + 1 and 3x, worked out by hand.
        assert_eq!(column(&parallel, "sum"), [4.0, 7.0, 10.0]);
        assert_eq!(column(&parallel, "tripled"), [3.0, 6.0, 9.0]);
        for output in ["sum", "tripled"] {
            assert_eq!(column(&parallel, output), column(&sequential, output));
        }
        let mut ran: Vec<&str> = summary.nodes.iter().map(|(name, _)| name.as_str()).collect();
        ran.sort_unstable();
        assert_eq!(ran, ["add", "double", "shift", "triple"]);
    }

    #[test]
    fn memory_data_is_released_once_every_reader_finished() {
        let catalog = catalog_with_raw();
        two().run(&diamond(), &catalog).unwrap();
        for released in ["raw", "doubled", "shifted"] {
            assert!(!catalog.exists(released).unwrap(), "`{released}` should be released");
        }
        for kept in ["sum", "tripled"] {
            assert!(catalog.exists(kept).unwrap(), "final output `{kept}` must stay");
        }
    }

    #[test]
    fn a_failure_stops_scheduling_but_running_nodes_finish() {
        // Drives the state machine directly, so the interleaving is exact: `a` and `b` run,
        // `a` fails; `c` (ready from the start) and `after_b` must never start.
        let pipeline = Pipeline::new([
            node(double, "raw", "a_out").name("a"),
            node(double, "raw", "b_out").name("b"),
            node(double, "raw", "c_out").name("c"),
            node(double, "b_out", "after_b_out").name("after_b"),
        ]);
        let catalog = DataCatalog::new();
        let mut schedule = Schedule::new(&pipeline);
        let name = |s: &Schedule<'_>, i: usize| s.order[i].node_name().to_owned();

        let first = schedule.start_next().unwrap();
        let second = schedule.start_next().unwrap();
        assert_eq!((name(&schedule, first), name(&schedule, second)), ("a".into(), "b".into()));

        let failure = TaskFailure { cause: "boom".to_owned(), hint: None };
        schedule.finish(first, Err(failure), &catalog);
        assert_eq!(schedule.start_next(), None, "nothing starts after a failure");
        assert!(!schedule.is_over(), "`b` is still running");

        schedule.finish(second, Ok(Some(Duration::ZERO)), &catalog);
        assert_eq!(schedule.start_next(), None, "`after_b` became ready but must not start");
        assert!(schedule.is_over());

        let Err(RunError::NodeFailed { node, done, resume_from, .. }) =
            schedule.into_result(&pipeline, &catalog)
        else {
            panic!("expected a single node failure");
        };
        assert_eq!((node.as_str(), done), ("a", vec!["b".to_owned()]));
        // `b_out` lives in memory and died with the run, so `b` must run again.
        assert_eq!(resume_from, ["a", "b", "c"]);
    }

    /// Lets nodes wait for each other, so a test knows they run at the same time.
    #[derive(Default)]
    struct Rendezvous {
        arrived: Mutex<usize>,
        all_here: Condvar,
    }

    impl Rendezvous {
        fn arrive_and_wait(&self, expected: usize) {
            let mut arrived = self.arrived.lock().unwrap();
            *arrived += 1;
            self.all_here.notify_all();
            let timeout = Duration::from_mins(1);
            let (arrived, wait) =
                self.all_here.wait_timeout_while(arrived, timeout, |n| *n < expected).unwrap();
            drop(arrived);
            assert!(!wait.timed_out(), "the other nodes never started");
        }
    }

    fn failing(
        rendezvous: &Arc<Rendezvous>,
        message: &'static str,
    ) -> impl Fn(DataFrame) -> Result<DataFrame, crate::pipeline::NodeFailure> + Send + Sync + 'static
    {
        let rendezvous = Arc::clone(rendezvous);
        move |_| {
            rendezvous.arrive_and_wait(3);
            Err(message.into())
        }
    }

    #[test]
    fn every_failure_is_reported_and_the_other_running_node_finishes() {
        // The three nodes meet before doing anything, so all three run at once on three
        // workers: both failures are reported and `ok`, already running, finishes and saves.
        let rendezvous = Arc::new(Rendezvous::default());
        let meet = Arc::clone(&rendezvous);
        let pipeline = Pipeline::new([
            node(failing(&rendezvous, "first branch broke"), "raw", "one").name("fail_one"),
            node(failing(&rendezvous, "second branch broke"), "raw", "two").name("fail_two"),
            node(
                move |df: DataFrame| {
                    meet.arrive_and_wait(3);
                    double(df)
                },
                "raw",
                "fine",
            )
            .name("ok"),
        ]);
        let catalog = catalog_with_raw();
        let runner = ParallelRunner::new(NonZeroUsize::new(3).unwrap());
        let error = runner.run(&pipeline, &catalog).unwrap_err();

        let RunError::NodesFailed { failures, done, resume_from } = &error else {
            panic!("expected several failures, got {error}");
        };
        let failed: Vec<(&str, &str)> =
            failures.iter().map(|f| (f.node.as_str(), f.cause.as_str())).collect();
        assert_eq!(
            failed,
            [("fail_one", "first branch broke"), ("fail_two", "second branch broke")]
        );
        assert_eq!(done, &["ok"]);
        assert_eq!(column(&catalog, "fine"), [2.0, 4.0, 6.0], "the running node saved its output");
        assert_eq!(resume_from, &["fail_one", "fail_two"]);
        assert_eq!(
            error.to_string(),
            "2 nodes failed: `fail_one` (first branch broke), `fail_two` (second branch broke)"
        );
    }
}
