//! Hooks: code a project plugs into the run's lifecycle, with Kedro's hook names.
//!
//! A [`Hook`] implements any of the eleven events (`after_catalog_created`,
//! `before_pipeline_run`, `after_pipeline_run`, `on_pipeline_error`, `before_node_run`,
//! `after_node_run`, `on_node_error`, `before_dataset_loaded`, `after_dataset_loaded`,
//! `before_dataset_saved`, `after_dataset_saved`); every method has a no-op default. Each event
//! receives a borrowed context struct, so a hook that does nothing costs nothing and a hook that
//! looks at data never copies it. [`Hooks`] holds the registered hooks and calls them.
//!
//! Semantics, and where they differ from Kedro's (<https://docs.kedro.org>, hooks built on
//! pluggy):
//! - **Order**: every event calls the hooks in registration order. Pluggy calls
//!   implementations last-registered-first (LIFO) for every event, so in Kedro the last entry of
//!   `HOOKS` runs first; weir reads top to bottom instead, for before- and after-events alike.
//! - **Failures**: a hook returns `Err` or panics → the run fails with a message naming the hook
//!   and the event ([`HookError`]). A failing node-level hook fails that node (the runner then
//!   reports it like any node failure, with a resume point); a failing pipeline-level hook fails
//!   the run. Failures inside `on_node_error` and `on_pipeline_error` are logged and never hide
//!   the error being reported.
//! - **Threads**: hooks are `Send + Sync`. The parallel runner, and `--async` loads and saves,
//!   call them from worker threads, possibly at the same time; keep state behind a `Mutex`.
//! - Unlike Kedro's `before_node_run`, a hook cannot replace a node's inputs.
//!
//! This module uses `pipeline`, `catalog` and `data`; the runners and the project session call
//! it.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::catalog::DataCatalog;
use crate::data::Payload;
use crate::pipeline::{Node, Pipeline};

/// What a hook returns: `Err` fails the run (see the module docs).
pub type HookResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

/// Code called at points of a run. Every method does nothing unless overridden.
///
/// ```
/// use std::sync::Mutex;
/// use weir_core::hooks::{Hook, HookResult, NodeFinished};
///
/// #[derive(Default)]
/// struct SlowNodes(Mutex<Vec<String>>);
///
/// impl Hook for SlowNodes {
///     fn after_node_run(&self, event: &NodeFinished<'_>) -> HookResult {
///         let mut slow = self.0.lock().map_err(|_| "a previous call panicked")?;
///         if event.elapsed.as_secs() >= 60 {
///             slow.push(event.node.node_name().to_owned());
///         }
///         Ok(())
///     }
/// }
/// ```
#[allow(unused_variables, reason = "the defaults ignore their event")]
pub trait Hook: Send + Sync {
    /// The catalog of a session was built (Kedro's `after_catalog_created`).
    fn after_catalog_created(&self, event: &CatalogCreated<'_>) -> HookResult {
        Ok(())
    }

    /// A run is about to start, before the wiring checks.
    fn before_pipeline_run(&self, event: &PipelineStarting<'_>) -> HookResult {
        Ok(())
    }

    /// Every node finished.
    fn after_pipeline_run(&self, event: &PipelineFinished<'_>) -> HookResult {
        Ok(())
    }

    /// The run failed (wiring checks, a node, or a node-level hook).
    fn on_pipeline_error(&self, event: &PipelineFailed<'_>) -> HookResult {
        Ok(())
    }

    /// A node's inputs are loaded and its function is about to be called.
    fn before_node_run(&self, event: &NodeStarting<'_>) -> HookResult {
        Ok(())
    }

    /// A node's function returned; its outputs are not saved yet.
    fn after_node_run(&self, event: &NodeFinished<'_>) -> HookResult {
        Ok(())
    }

    /// A node's function failed or panicked (load and save failures are not node errors,
    /// as in Kedro; they reach `on_pipeline_error`).
    fn on_node_error(&self, event: &NodeFailed<'_>) -> HookResult {
        Ok(())
    }

    /// A dataset is about to be loaded for a node.
    fn before_dataset_loaded(&self, event: &DatasetLoading<'_>) -> HookResult {
        Ok(())
    }

    /// A dataset was loaded for a node.
    fn after_dataset_loaded(&self, event: &DatasetLoaded<'_>) -> HookResult {
        Ok(())
    }

    /// A node's output is about to be saved.
    fn before_dataset_saved(&self, event: &DatasetSaving<'_>) -> HookResult {
        Ok(())
    }

    /// A node's output was saved.
    fn after_dataset_saved(&self, event: &DatasetSaved<'_>) -> HookResult {
        Ok(())
    }
}

/// Datasets by name: a node's inputs or outputs, in declaration order.
#[derive(Debug, Clone, Copy)]
pub struct NamedData<'a> {
    names: &'a [String],
    values: &'a [Payload],
}

impl<'a> NamedData<'a> {
    /// Pairs `names[i]` with `values[i]`.
    pub fn new(names: &'a [String], values: &'a [Payload]) -> Self {
        NamedData { names, values }
    }

    /// The payload called `name`.
    pub fn get(&self, name: &str) -> Option<&'a Payload> {
        self.iter().find(|(n, _)| *n == name).map(|(_, payload)| payload)
    }

    /// `(name, payload)` pairs in declaration order.
    pub fn iter(&self) -> impl Iterator<Item = (&'a str, &'a Payload)> + use<'a> {
        self.names.iter().map(String::as_str).zip(self.values.iter())
    }

    /// How many datasets there are.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

/// `after_catalog_created`: the session's catalog.
#[derive(Debug)]
#[non_exhaustive]
pub struct CatalogCreated<'a> {
    /// The catalog.
    pub catalog: &'a DataCatalog,
    /// The version versioned datasets save in this session.
    pub save_version: &'a str,
    /// Versions to load, by dataset name (`--load-versions`).
    pub load_versions: &'a HashMap<String, String>,
}

/// `before_pipeline_run`.
#[derive(Debug)]
#[non_exhaustive]
pub struct PipelineStarting<'a> {
    /// The run's id (the session's save version in a project).
    pub run_id: &'a str,
    /// The pipeline about to run.
    pub pipeline: &'a Pipeline,
    /// The catalog.
    pub catalog: &'a DataCatalog,
}

/// `after_pipeline_run`.
#[derive(Debug)]
#[non_exhaustive]
pub struct PipelineFinished<'a> {
    /// The run's id.
    pub run_id: &'a str,
    /// The pipeline that ran.
    pub pipeline: &'a Pipeline,
    /// The catalog.
    pub catalog: &'a DataCatalog,
    /// Each node that ran, in order of completion, with its duration.
    pub nodes: &'a [(String, Duration)],
    /// The whole run's duration.
    pub elapsed: Duration,
}

/// `on_pipeline_error`.
#[derive(Debug)]
#[non_exhaustive]
pub struct PipelineFailed<'a> {
    /// The run's id.
    pub run_id: &'a str,
    /// The pipeline that failed.
    pub pipeline: &'a Pipeline,
    /// The catalog.
    pub catalog: &'a DataCatalog,
    /// The error, as the user sees it.
    pub error: &'a str,
    /// The nodes a resumed run should start from; empty when the run failed before any node
    /// ran (a wiring check).
    pub resume_from: &'a [String],
    /// Whether the run was asked to stop (Ctrl-C, SIGTERM) rather than failing.
    pub interrupted: bool,
}

/// `before_node_run`.
#[derive(Debug)]
#[non_exhaustive]
pub struct NodeStarting<'a> {
    /// The run's id.
    pub run_id: &'a str,
    /// The node.
    pub node: &'a Node,
    /// The catalog.
    pub catalog: &'a DataCatalog,
    /// The loaded inputs.
    pub inputs: NamedData<'a>,
    /// Whether inputs and outputs move concurrently (`--async`).
    pub is_async: bool,
}

/// `after_node_run`.
#[derive(Debug)]
#[non_exhaustive]
pub struct NodeFinished<'a> {
    /// The run's id.
    pub run_id: &'a str,
    /// The node.
    pub node: &'a Node,
    /// The catalog.
    pub catalog: &'a DataCatalog,
    /// The loaded inputs.
    pub inputs: NamedData<'a>,
    /// What the function returned, by output name.
    pub outputs: NamedData<'a>,
    /// How long the function took.
    pub elapsed: Duration,
    /// Whether inputs and outputs move concurrently (`--async`).
    pub is_async: bool,
}

/// `on_node_error`.
#[derive(Debug)]
#[non_exhaustive]
pub struct NodeFailed<'a> {
    /// The run's id.
    pub run_id: &'a str,
    /// The node.
    pub node: &'a Node,
    /// The catalog.
    pub catalog: &'a DataCatalog,
    /// The loaded inputs.
    pub inputs: NamedData<'a>,
    /// What went wrong, on one line.
    pub error: &'a str,
    /// Whether inputs and outputs move concurrently (`--async`).
    pub is_async: bool,
}

/// `before_dataset_loaded`.
#[derive(Debug)]
#[non_exhaustive]
pub struct DatasetLoading<'a> {
    /// The run's id.
    pub run_id: &'a str,
    /// The dataset.
    pub dataset: &'a str,
    /// The node reading it.
    pub node: &'a Node,
}

/// `after_dataset_loaded`.
#[derive(Debug)]
#[non_exhaustive]
pub struct DatasetLoaded<'a> {
    /// The run's id.
    pub run_id: &'a str,
    /// The dataset.
    pub dataset: &'a str,
    /// The catalog holding it.
    pub catalog: &'a DataCatalog,
    /// The node reading it.
    pub node: &'a Node,
    /// What was loaded.
    pub data: &'a Payload,
    /// How long loading took.
    pub elapsed: Duration,
}

/// `before_dataset_saved`.
#[derive(Debug)]
#[non_exhaustive]
pub struct DatasetSaving<'a> {
    /// The run's id.
    pub run_id: &'a str,
    /// The dataset.
    pub dataset: &'a str,
    /// The node writing it.
    pub node: &'a Node,
    /// What is about to be saved.
    pub data: &'a Payload,
}

/// `after_dataset_saved`.
#[derive(Debug)]
#[non_exhaustive]
pub struct DatasetSaved<'a> {
    /// The run's id.
    pub run_id: &'a str,
    /// The dataset.
    pub dataset: &'a str,
    /// The catalog holding it.
    pub catalog: &'a DataCatalog,
    /// The node writing it.
    pub node: &'a Node,
    /// What was saved.
    pub data: &'a Payload,
    /// How long saving took.
    pub elapsed: Duration,
}

/// A hook returned an error or panicked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("hook `{hook}` failed in `{event}`: {cause}")]
pub struct HookError {
    /// The hook's type name.
    pub hook: String,
    /// The event, e.g. `before_node_run`.
    pub event: &'static str,
    /// What went wrong, on one line.
    pub cause: String,
}

/// The hooks of a project, called in registration order.
#[derive(Clone, Default)]
pub struct Hooks {
    registered: Vec<(String, Arc<dyn Hook>)>,
}

impl fmt::Debug for Hooks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.names()).finish()
    }
}

impl Hooks {
    /// No hooks.
    pub fn new() -> Self {
        Hooks::default()
    }

    /// Registers `hook` after those already registered; it is named after its type.
    pub fn push<H: Hook + 'static>(&mut self, hook: H) {
        let name = short_type_name(std::any::type_name::<H>());
        self.registered.push((name.to_owned(), Arc::new(hook)));
    }

    /// Registers a shared hook under `name` (e.g. to read its state after the run).
    pub fn push_shared(&mut self, name: impl Into<String>, hook: Arc<dyn Hook>) {
        self.registered.push((name.into(), hook));
    }

    /// Registers every hook of `others` after those already registered.
    pub fn extend(&mut self, others: &Hooks) {
        self.registered.extend(others.registered.iter().cloned());
    }

    /// Whether no hook is registered (the runner then skips the work of building events).
    pub fn is_empty(&self) -> bool {
        self.registered.is_empty()
    }

    /// The hooks' names, in call order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.registered.iter().map(|(name, _)| name.as_str())
    }

    /// Calls `call` on every hook in order; the first failure stops and is returned.
    pub fn emit(
        &self,
        event: &'static str,
        call: impl Fn(&dyn Hook) -> HookResult,
    ) -> Result<(), HookError> {
        for (name, hook) in &self.registered {
            let failure = match call_guarded(|| call(hook.as_ref())) {
                Ok(Ok(())) => continue,
                Ok(Err(error)) => flatten_error(error.as_ref()),
                Err(panic) => panic,
            };
            return Err(HookError { hook: name.clone(), event, cause: failure });
        }
        Ok(())
    }

    /// Like [`Hooks::emit`], for error events: every hook is called and failures are only
    /// logged, so they never hide the error being reported.
    pub fn emit_quietly(&self, event: &'static str, call: impl Fn(&dyn Hook) -> HookResult) {
        for (name, hook) in &self.registered {
            let failure = match call_guarded(|| call(hook.as_ref())) {
                Ok(Ok(())) => continue,
                Ok(Err(error)) => flatten_error(error.as_ref()),
                Err(panic) => panic,
            };
            tracing::warn!(hook = name.as_str(), event, cause = failure.as_str(), "hook failed");
        }
    }
}

/// `my_crate::hooks::Timer<T>` → `Timer<T>`.
fn short_type_name(full: &str) -> &str {
    let head = full.split('<').next().unwrap_or(full);
    let start = head.rfind("::").map_or(0, |i| i + 2);
    &full[start..]
}

/// An error and its causes on one line.
pub(crate) fn flatten_error(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}

thread_local! {
    static IN_USER_CODE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether the current thread is inside project code the runner guards (a node's function or
/// a hook); see `runner::is_running_node`.
pub(crate) fn is_in_user_code() -> bool {
    IN_USER_CODE.with(std::cell::Cell::get)
}

/// Calls `f` with the "inside user code" flag set, turning a panic into an error message.
pub(crate) fn call_guarded<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    let was_inside = IN_USER_CODE.with(|flag| flag.replace(true));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    IN_USER_CODE.with(|flag| flag.set(was_inside));
    result.map_err(|panic| {
        let message = panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic payload".to_owned());
        format!("panicked: {message}")
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    #[derive(Default)]
    struct Log(Mutex<Vec<String>>);

    struct Tagged(&'static str, Arc<Log>);

    impl Hook for Tagged {
        fn before_pipeline_run(&self, _: &PipelineStarting<'_>) -> HookResult {
            self.1.0.lock().unwrap().push(self.0.to_owned());
            Ok(())
        }
    }

    struct Failing;

    impl Hook for Failing {
        fn before_pipeline_run(&self, _: &PipelineStarting<'_>) -> HookResult {
            Err("no tracking server".into())
        }
    }

    struct Panicking;

    impl Hook for Panicking {
        fn before_pipeline_run(&self, _: &PipelineStarting<'_>) -> HookResult {
            panic!("hook bug")
        }
    }

    fn starting(hooks: &Hooks) -> Result<(), HookError> {
        let pipeline = Pipeline::default();
        let catalog = DataCatalog::new();
        let event = PipelineStarting { run_id: "r", pipeline: &pipeline, catalog: &catalog };
        hooks.emit("before_pipeline_run", |hook| hook.before_pipeline_run(&event))
    }

    #[test]
    fn hooks_run_in_registration_order_not_pluggy_lifo() {
        let log = Arc::new(Log::default());
        let mut hooks = Hooks::new();
        for tag in ["first", "second", "third"] {
            hooks.push_shared(tag, Arc::new(Tagged(tag, Arc::clone(&log))));
        }
        starting(&hooks).unwrap();
        assert_eq!(*log.0.lock().unwrap(), ["first", "second", "third"]);
    }

    #[test]
    fn an_error_stops_the_event_and_names_the_hook() {
        let log = Arc::new(Log::default());
        let mut hooks = Hooks::new();
        hooks.push(Failing);
        hooks.push_shared("after", Arc::new(Tagged("after", Arc::clone(&log))));
        let error = starting(&hooks).unwrap_err();
        assert_eq!(
            error.to_string(),
            "hook `Failing` failed in `before_pipeline_run`: no tracking server"
        );
        assert!(log.0.lock().unwrap().is_empty(), "later hooks are not called");
    }

    #[test]
    fn a_panic_becomes_a_hook_error() {
        let mut hooks = Hooks::new();
        hooks.push(Panicking);
        let error = starting(&hooks).unwrap_err();
        assert_eq!(
            (error.hook.as_str(), error.cause.as_str()),
            ("Panicking", "panicked: hook bug")
        );
        assert!(!is_in_user_code(), "the flag is reset after the panic");
    }

    #[test]
    fn error_events_call_every_hook_despite_failures() {
        let log = Arc::new(Log::default());
        let mut hooks = Hooks::new();
        hooks.push(Failing);
        hooks.push(Panicking);
        hooks.push_shared("last", Arc::new(Tagged("last", Arc::clone(&log))));
        let pipeline = Pipeline::default();
        let catalog = DataCatalog::new();
        let event = PipelineStarting { run_id: "r", pipeline: &pipeline, catalog: &catalog };
        hooks.emit_quietly("before_pipeline_run", |hook| hook.before_pipeline_run(&event));
        assert_eq!(*log.0.lock().unwrap(), ["last"]);
    }

    #[test]
    fn type_names_are_shortened() {
        assert_eq!(short_type_name("my_crate::hooks::Timer"), "Timer");
        assert_eq!(short_type_name("a::Wrap<b::Inner>"), "Wrap<b::Inner>");
        assert_eq!(short_type_name("Plain"), "Plain");
    }
}
