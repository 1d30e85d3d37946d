//! The progress bar of `weir run`: one line at the bottom of a terminal with the nodes done out
//! of the total, the nodes running now, the time elapsed and an estimate of the time left.
//!
//! [`ProgressHook`] is a run hook: `before_pipeline_run` shows the bar, `before_node_run` adds
//! a node to the running ones, `after_node_run` counts it done, `on_node_error` only removes it,
//! and `after_pipeline_run` or `on_pipeline_error` clears the bar. While the bar is shown, log
//! lines go through it (`logging::write_above`), which takes the bar down, writes the line and
//! draws the bar again below it, so the two never mix on one line.
//!
//! The bar is shown only when stderr is a terminal, logs are text and `--quiet` is off
//! ([`progress_hook`]); anywhere else the `running node` and `completed node` log lines are the
//! whole story, as before.
//!
//! # Limitations
//!
//! - The time left assumes the remaining nodes take, on average, as long as the finished ones
//!   did (wall-clock time per finished node, so parallel workers count). Until a node has
//!   finished there is no estimate (`--:--:--`), and one slow node late in a run makes it low.
//! - Nodes that `--skip-unchanged` skips never reach the hooks, so with skips the count stops
//!   short of the total; the bar is cleared at the end of the run all the same.
//! - Writes to stderr that bypass `tracing` (a node's own `eprintln!`) are not routed through the
//!   bar: such a line can share the terminal row with the bar until the next redraw.
//! - A terminal that cannot move the cursor (`TERM=dumb`) is not detected.

use std::io::IsTerminal;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use indicatif::{FormattedDuration, ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};
use weir_core::hooks::{
    Hook, HookResult, NodeFailed, NodeFinished, NodeStarting, PipelineFailed, PipelineFinished,
    PipelineStarting,
};

use crate::cli::{GlobalArgs, LogFormat};
use crate::logging::{self, LogsAboveBar};

/// The bar's line; `weir_eta` is [`eta`], `wide_msg` the running nodes.
const TEMPLATE: &str =
    "{spinner} [{bar:16}] {pos}/{len} nodes, {elapsed_precise} (ETA {weir_eta})  {wide_msg}";

/// How often the spinner, the elapsed time and the estimate are redrawn between node events.
const TICK: Duration = Duration::from_millis(120);

/// The progress bar for a run of `total_nodes` nodes: `Some` when stderr is a terminal, logs
/// are text and `--quiet` is off, `None` otherwise.
///
/// Register it on the run's hooks (`Hooks::push_shared`) and call [`ProgressHook::finish`]
/// once the run returned, whatever its outcome. `before_pipeline_run` replaces `total_nodes`
/// with the size of the pipeline the runner was given.
pub(crate) fn progress_hook(global: &GlobalArgs, total_nodes: usize) -> Option<Arc<ProgressHook>> {
    let shown = shows_bar(std::io::stderr().is_terminal(), global);
    shown.then(|| Arc::new(ProgressHook::new(total_nodes, ProgressDrawTarget::stderr(), true)))
}

/// Whether a run shows the bar: only on a terminal, with text logs, without `--quiet`.
fn shows_bar(stderr_is_terminal: bool, global: &GlobalArgs) -> bool {
    stderr_is_terminal && global.log_format == LogFormat::Text && !global.quiet
}

/// Time left: the remaining nodes at the pace set by the finished ones (`elapsed / done` each).
/// `None` until a node has finished.
fn eta(elapsed: Duration, done: u64, total: u64) -> Option<Duration> {
    if done == 0 {
        return None;
    }
    let remaining = u128::from(total.saturating_sub(done));
    let nanos = elapsed.as_nanos() * remaining / u128::from(done);
    Some(Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX)))
}

/// What the bar shows, apart from the total (the bar's length) and the time.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct Progress {
    done: usize,
    /// Node names, in the order they started.
    running: Vec<String>,
}

impl Progress {
    fn node_started(&mut self, node: &str) {
        self.running.push(node.to_owned());
    }

    fn node_finished(&mut self, node: &str) {
        self.running.retain(|running| running != node);
        self.done += 1;
    }

    fn node_failed(&mut self, node: &str) {
        self.running.retain(|running| running != node);
    }

    /// The bar's message: the nodes running now.
    fn message(&self) -> String {
        if self.running.is_empty() {
            return String::new();
        }
        format!("running: {}", self.running.join(", "))
    }
}

/// The run hook that draws the bar; see the module docs.
#[derive(Debug)]
pub(crate) struct ProgressHook {
    bar: ProgressBar,
    progress: Mutex<Progress>,
    /// Where the bar is drawn once the run starts; taken then.
    target: Mutex<Option<ProgressDrawTarget>>,
    /// Whether the target is the real stderr: log lines then go through the bar, and a
    /// background tick keeps the clock moving.
    on_stderr: bool,
    /// Routes log lines through the bar while it is shown; dropping it stops that.
    logs: Mutex<Option<LogsAboveBar>>,
}

impl ProgressHook {
    fn new(total_nodes: usize, target: ProgressDrawTarget, on_stderr: bool) -> Self {
        let style = ProgressStyle::with_template(TEMPLATE)
            .expect("the progress template is valid (checked by the tests)")
            .with_key("weir_eta", write_eta);
        let bar =
            ProgressBar::with_draw_target(Some(to_u64(total_nodes)), ProgressDrawTarget::hidden())
                .with_style(style);
        ProgressHook {
            bar,
            progress: Mutex::new(Progress::default()),
            target: Mutex::new(Some(target)),
            on_stderr,
            logs: Mutex::new(None),
        }
    }

    /// Clears the bar if it is still shown and gives stderr back to the log lines; calling it
    /// again does nothing.
    pub(crate) fn finish(&self) {
        drop(lock(&self.logs).take());
        self.bar.disable_steady_tick();
        if !self.bar.is_finished() {
            self.bar.finish_and_clear();
        }
    }

    /// The run starts with `total_nodes` nodes: reset the count and show the bar.
    fn start(&self, total_nodes: usize) {
        let mut progress = lock(&self.progress);
        *progress = Progress::default();
        self.bar.reset();
        self.bar.set_length(to_u64(total_nodes));
        self.bar.set_message(progress.message());
        let Some(target) = lock(&self.target).take() else {
            return;
        };
        self.bar.set_draw_target(target);
        if self.on_stderr {
            *lock(&self.logs) = Some(logging::write_above(&self.bar));
            self.bar.enable_steady_tick(TICK);
        }
        self.bar.tick();
    }

    /// A node was skipped (`--skip-unchanged`): it leaves the total, so the count and the ETA
    /// follow the nodes that really run.
    pub(crate) fn node_skipped(&self) {
        let _progress = lock(&self.progress);
        let total = self.bar.length().unwrap_or(0);
        self.bar.set_length(total.saturating_sub(1));
    }

    fn update(&self, change: impl FnOnce(&mut Progress)) {
        let mut progress = lock(&self.progress);
        change(&mut progress);
        self.bar.set_position(to_u64(progress.done));
        self.bar.set_message(progress.message());
    }
}

impl Drop for ProgressHook {
    fn drop(&mut self) {
        self.finish();
    }
}

impl Hook for ProgressHook {
    fn before_pipeline_run(&self, event: &PipelineStarting<'_>) -> HookResult {
        self.start(event.pipeline.nodes().len());
        Ok(())
    }

    fn after_pipeline_run(&self, _: &PipelineFinished<'_>) -> HookResult {
        self.finish();
        Ok(())
    }

    fn on_pipeline_error(&self, _: &PipelineFailed<'_>) -> HookResult {
        self.finish();
        Ok(())
    }

    fn before_node_run(&self, event: &NodeStarting<'_>) -> HookResult {
        let node = event.node.node_name();
        self.update(|progress| progress.node_started(node));
        Ok(())
    }

    fn after_node_run(&self, event: &NodeFinished<'_>) -> HookResult {
        let node = event.node.node_name();
        self.update(|progress| progress.node_finished(node));
        Ok(())
    }

    fn on_node_error(&self, event: &NodeFailed<'_>) -> HookResult {
        let node = event.node.node_name();
        self.update(|progress| progress.node_failed(node));
        Ok(())
    }
}

/// The `weir_eta` template key: [`eta`] from the bar's own position, length and clock.
fn write_eta(state: &ProgressState, out: &mut dyn std::fmt::Write) {
    let total = state.len().unwrap_or(0);
    let _ignored = match eta(state.elapsed(), state.pos(), total) {
        Some(left) => write!(out, "{}", FormattedDuration(left)),
        None => out.write_str("--:--:--"),
    };
}

/// A bar's state stays usable after a panic elsewhere: it is only ever drawn.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

fn to_u64(count: usize) -> u64 {
    u64::try_from(count).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use std::io;

    use clap::Parser;
    use indicatif::TermLike;
    use weir_core::catalog::DataCatalog;
    use weir_core::data::NodeData;
    use weir_core::hooks::Hooks;
    use weir_core::pipeline::{Pipeline, node};
    use weir_core::runner::{ParallelRunner, RunOptions, Runner, SequentialRunner};

    use super::*;
    use crate::cli::Cli;

    const SECOND: Duration = Duration::from_secs(1);

    fn global(flags: &[&str]) -> GlobalArgs {
        let args = ["weir"].iter().chain(flags).chain(&["run"]);
        Cli::try_parse_from(args).expect("valid arguments").global
    }

    #[test]
    fn the_bar_needs_a_terminal_text_logs_and_no_quiet() {
        assert!(shows_bar(true, &global(&[])));
        assert!(shows_bar(true, &global(&["-v"])));
        assert!(!shows_bar(false, &global(&[])), "not a terminal");
        assert!(!shows_bar(true, &global(&["--quiet"])));
        assert!(!shows_bar(true, &global(&["--log-format", "json"])));
    }

    #[test]
    fn no_hook_where_the_bar_is_not_shown() {
        assert!(progress_hook(&global(&["--quiet"]), 3).is_none());
        assert!(progress_hook(&global(&["--log-format", "json"]), 3).is_none());
        // Under `cargo test` stderr is usually a file or a pipe (CI, editors); on a terminal the
        // hook exists but draws nothing until a run starts.
        let on_terminal = io::stderr().is_terminal();
        assert_eq!(progress_hook(&global(&[]), 3).is_some(), on_terminal);
    }

    #[test]
    fn eta_is_the_remaining_nodes_at_the_average_pace_so_far() {
        // 2 of 5 done in 10 s: 5 s a node, 3 nodes left.
        assert_eq!(eta(10 * SECOND, 2, 5), Some(15 * SECOND));
        assert_eq!(eta(SECOND, 3, 4), Some(Duration::from_nanos(333_333_333)));
        assert_eq!(eta(10 * SECOND, 0, 5), None, "no pace before a node finished");
        assert_eq!(eta(10 * SECOND, 5, 5), Some(Duration::ZERO));
        assert_eq!(eta(10 * SECOND, 6, 5), Some(Duration::ZERO), "never negative");
        let year = 365 * 24 * 3600 * SECOND;
        assert_eq!(eta(year, 1, u64::MAX), Some(Duration::from_nanos(u64::MAX)), "saturates");
    }

    #[test]
    fn nodes_move_from_running_to_done() {
        let mut progress = Progress::default();
        progress.node_started("clean");
        assert_eq!((progress.done, progress.message()), (0, "running: clean".to_owned()));
        progress.node_finished("clean");
        assert_eq!((progress.done, progress.message()), (1, String::new()));
    }

    #[test]
    fn parallel_nodes_show_in_start_order_and_leave_in_any_order() {
        let mut progress = Progress::default();
        for name in ["split", "scale", "encode"] {
            progress.node_started(name);
        }
        assert_eq!(progress.message(), "running: split, scale, encode");
        progress.node_finished("scale");
        assert_eq!(progress.message(), "running: split, encode");
        progress.node_failed("split");
        assert_eq!(progress.running, ["encode"]);
        assert_eq!(progress.done, 1, "a failed node is not done");
    }

    /// A terminal that keeps what is written to it.
    #[derive(Debug, Clone, Default)]
    struct Screen(Arc<Mutex<Vec<String>>>);

    impl Screen {
        fn push(&self, text: &str) {
            self.0.lock().unwrap().push(text.to_owned());
        }

        /// The last bar drawn.
        fn last_bar(&self) -> String {
            let written = self.0.lock().unwrap();
            written.iter().rev().find(|text| text.contains("nodes")).cloned().unwrap_or_default()
        }

        fn bars(&self) -> Vec<String> {
            let written = self.0.lock().unwrap();
            written.iter().filter(|text| text.contains("nodes")).cloned().collect()
        }

        /// Whether the last thing written cleared the line.
        fn ends_cleared(&self) -> bool {
            self.0.lock().unwrap().last().is_some_and(|text| text == "<clear>")
        }
    }

    impl TermLike for Screen {
        fn width(&self) -> u16 {
            160
        }

        fn move_cursor_up(&self, _: usize) -> io::Result<()> {
            Ok(())
        }

        fn move_cursor_down(&self, _: usize) -> io::Result<()> {
            Ok(())
        }

        fn move_cursor_right(&self, _: usize) -> io::Result<()> {
            Ok(())
        }

        fn move_cursor_left(&self, _: usize) -> io::Result<()> {
            Ok(())
        }

        fn write_line(&self, text: &str) -> io::Result<()> {
            self.push(text);
            Ok(())
        }

        fn write_str(&self, text: &str) -> io::Result<()> {
            self.push(text);
            Ok(())
        }

        fn clear_line(&self) -> io::Result<()> {
            self.push("<clear>");
            Ok(())
        }

        fn flush(&self) -> io::Result<()> {
            Ok(())
        }
    }

    fn hook_on(screen: &Screen, total: usize) -> ProgressHook {
        ProgressHook::new(total, ProgressDrawTarget::term_like(Box::new(screen.clone())), false)
    }

    #[test]
    fn the_bar_shows_counts_running_nodes_and_no_estimate_before_a_node_finished() {
        let screen = Screen::default();
        let hook = hook_on(&screen, 0);
        assert!(screen.bars().is_empty(), "nothing is drawn before the run starts");

        hook.start(3);
        hook.update(|progress| progress.node_started("clean"));
        let bar = screen.last_bar();
        assert!(bar.contains("0/3 nodes"), "{bar}");
        assert!(bar.contains("ETA --:--:--"), "{bar}");
        assert!(bar.ends_with("running: clean"), "{bar}");

        hook.update(|progress| progress.node_finished("clean"));
        let bar = screen.last_bar();
        assert!(bar.contains("1/3 nodes"), "{bar}");
        assert!(!bar.contains("ETA --:--:--"), "an estimate once a node finished: {bar}");
        assert!(!bar.contains("running"), "{bar}");

        hook.finish();
        assert!(screen.ends_cleared(), "the bar is cleared: {:?}", screen.0.lock().unwrap());
        hook.finish();
        assert!(screen.ends_cleared(), "finishing twice draws nothing more");
    }

    #[test]
    fn skipped_nodes_leave_the_total() {
        let screen = Screen::default();
        let hook = hook_on(&screen, 0);
        hook.start(3);
        hook.node_skipped();
        hook.update(|progress| progress.node_finished("train"));
        assert!(screen.last_bar().contains("1/2 nodes"), "{}", screen.last_bar());
        hook.finish();
    }

    #[test]
    fn finishing_before_the_run_started_draws_nothing() {
        let screen = Screen::default();
        hook_on(&screen, 2).finish();
        assert!(screen.0.lock().unwrap().is_empty());
    }

    fn double(x: f64) -> f64 {
        x * 2.0
    }

    fn explode(_: f64) -> f64 {
        panic!("boom")
    }

    /// Runs `pipeline` on `a = 1.0` with a progress hook drawing on a [`Screen`].
    fn run(runner: Runner, pipeline: &Pipeline) -> (Screen, Arc<ProgressHook>) {
        let screen = Screen::default();
        let hook = Arc::new(hook_on(&screen, pipeline.nodes().len()));
        let mut hooks = Hooks::new();
        hooks.push_shared("Progress", Arc::clone(&hook) as Arc<dyn Hook>);
        let catalog = DataCatalog::new();
        catalog.save("a", 1.0_f64.into_payload()).unwrap();
        let options = RunOptions { hooks, ..RunOptions::default() };
        let _outcome = runner.run_with(pipeline, &catalog, &options);
        (screen, hook)
    }

    fn runners() -> [Runner; 2] {
        let two = std::num::NonZeroUsize::new(2).unwrap();
        [Runner::Sequential(SequentialRunner), Runner::Parallel(ParallelRunner::new(two))]
    }

    #[test]
    fn a_run_counts_every_node_and_clears_the_bar_at_the_end() {
        let pipeline = Pipeline::new([
            node(double, "a", "b").name("first"),
            node(double, "b", "c").name("second"),
        ]);
        for runner in runners() {
            let (screen, hook) = run(runner, &pipeline);
            let bars = screen.bars();
            assert!(bars.iter().any(|bar| bar.contains("0/2 nodes")), "{runner:?}: {bars:?}");
            assert!(bars.iter().any(|bar| bar.ends_with("running: first")), "{bars:?}");
            assert!(bars.iter().any(|bar| bar.ends_with("running: second")), "{bars:?}");
            assert!(screen.last_bar().contains("2/2 nodes"), "{runner:?}: {bars:?}");
            assert!(screen.ends_cleared(), "{runner:?}: cleared after the run");
            assert_eq!(lock(&hook.progress).done, 2);
        }
    }

    #[test]
    fn a_failed_node_leaves_the_running_set_and_the_bar_is_cleared() {
        let pipeline = Pipeline::new([
            node(double, "a", "b").name("first"),
            node(explode, "b", "c").name("second"),
        ]);
        for runner in runners() {
            let (screen, hook) = run(runner, &pipeline);
            let progress = lock(&hook.progress).clone();
            assert_eq!((progress.done, progress.running.len()), (1, 0), "{runner:?}");
            assert!(screen.last_bar().contains("1/2 nodes"), "{runner:?}");
            assert!(screen.ends_cleared(), "{runner:?}: cleared after the failure");
        }
    }
}
