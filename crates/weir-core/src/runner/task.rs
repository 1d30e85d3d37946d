//! One node's work, shared by every runner: load the inputs, call the function, save the
//! outputs, with the node- and dataset-level hooks around each step.
//!
//! With `--async` ([`RunOptions::is_async`]) the inputs load on one thread each and the outputs
//! save on one thread each, as Kedro's async mode does with a thread pool; the function itself
//! still runs once all inputs are in. A failure is reported for the first failing input or
//! output in declaration order, so the message does not depend on thread timing.
//!
//! A panic anywhere in this work (the function, a hook, a dataset's own code) becomes a failure
//! of the node, never a crash of the run.

use std::thread;
use std::time::Instant;

use tracing::debug;

use crate::catalog::DataCatalog;
use crate::data::Payload;
use crate::error::Hinted;
use crate::hooks::{
    DatasetLoaded, DatasetLoading, DatasetSaved, DatasetSaving, HookError, NamedData, NodeFailed,
    NodeFinished, NodeStarting, call_guarded, flatten_error,
};
use crate::pipeline::{HintedFailure, Node, NodeCallError};

use super::RunOptions;

/// Why a node failed, as its cause and an optional hint.
#[derive(Debug)]
pub(crate) struct TaskFailure {
    pub(crate) cause: String,
    pub(crate) hint: Option<String>,
}

impl From<HookError> for TaskFailure {
    fn from(error: HookError) -> Self {
        TaskFailure { cause: error.to_string(), hint: None }
    }
}

/// Loads, calls and saves one node.
pub(crate) fn run_node(
    node: &Node,
    catalog: &DataCatalog,
    options: &RunOptions,
) -> Result<(), TaskFailure> {
    // A panic in a dataset's own code fails the node like any other error: a runner must never
    // lose track of a node it started (the parallel runner would wait for it forever).
    let work = || {
        let inputs = load_inputs(node, catalog, options)?;
        let outputs = call_node(node, inputs, catalog, options)?;
        save_outputs(node, outputs, catalog, options)
    };
    guarded(work)
}

/// Runs `work` with panics turned into a failure (and kept out of the CLI's panic output).
fn guarded<T>(work: impl FnOnce() -> Result<T, TaskFailure>) -> Result<T, TaskFailure> {
    call_guarded(work).unwrap_or_else(|panic| Err(TaskFailure { cause: panic, hint: None }))
}

fn load_inputs(
    node: &Node,
    catalog: &DataCatalog,
    options: &RunOptions,
) -> Result<Vec<Payload>, TaskFailure> {
    let names = node.inputs();
    if !options.is_async || names.len() < 2 {
        return names.iter().map(|name| load_one(node, name, catalog, options)).collect();
    }

    thread::scope(|scope| {
        let loads: Vec<_> = names
            .iter()
            .map(|name| scope.spawn(move || guarded(|| load_one(node, name, catalog, options))))
            .collect();
        let results: Vec<_> = loads.into_iter().map(|load| joined(load.join())).collect();
        results.into_iter().collect()
    })
}

fn load_one(
    node: &Node,
    name: &str,
    catalog: &DataCatalog,
    options: &RunOptions,
) -> Result<Payload, TaskFailure> {
    let hooks = &options.hooks;
    let run_id = options.run_id.as_str();
    let loading = DatasetLoading { run_id, dataset: name, node };
    hooks.emit("before_dataset_loaded", |hook| hook.before_dataset_loaded(&loading))?;

    debug!(dataset = name, "loading");
    let started = Instant::now();
    let payload = catalog
        .load(name)
        .map_err(|error| TaskFailure { cause: error.to_string(), hint: error.hint() })?;

    let loaded = DatasetLoaded {
        run_id,
        dataset: name,
        catalog,
        node,
        data: &payload,
        elapsed: started.elapsed(),
    };
    hooks.emit("after_dataset_loaded", |hook| hook.after_dataset_loaded(&loaded))?;
    Ok(payload)
}

/// Calls the function between `before_node_run` and `after_node_run` (or `on_node_error`).
fn call_node(
    node: &Node,
    inputs: Vec<Payload>,
    catalog: &DataCatalog,
    options: &RunOptions,
) -> Result<Vec<Payload>, TaskFailure> {
    let hooks = &options.hooks;
    let run_id = options.run_id.as_str();
    let is_async = options.is_async;
    // Hooks see the inputs after the function consumed them; payloads share their data, so
    // keeping a copy costs a few reference counts, and nothing when no hook is registered.
    let kept: Vec<Payload> = if hooks.is_empty() { Vec::new() } else { inputs.clone() };
    let named_inputs = NamedData::new(node.inputs(), &kept);

    let starting = NodeStarting { run_id, node, catalog, inputs: named_inputs, is_async };
    hooks.emit("before_node_run", |hook| hook.before_node_run(&starting))?;

    let started = Instant::now();
    let result = match call_guarded(|| node.run(inputs)) {
        Ok(result) => result.map_err(|error| describe_call_error(node, error)),
        Err(panic) => Err(TaskFailure { cause: panic, hint: None }),
    };
    let elapsed = started.elapsed();

    match result {
        Err(failure) => {
            let failed = NodeFailed {
                run_id,
                node,
                catalog,
                inputs: named_inputs,
                error: &failure.cause,
                is_async,
            };
            hooks.emit_quietly("on_node_error", |hook| hook.on_node_error(&failed));
            Err(failure)
        }
        Ok(outputs) => {
            let finished = NodeFinished {
                run_id,
                node,
                catalog,
                inputs: named_inputs,
                outputs: NamedData::new(node.outputs(), &outputs),
                elapsed,
                is_async,
            };
            hooks.emit("after_node_run", |hook| hook.after_node_run(&finished))?;
            Ok(outputs)
        }
    }
}

fn describe_call_error(node: &Node, error: NodeCallError) -> TaskFailure {
    match error {
        NodeCallError::Argument { index, error } => {
            let dataset = node.inputs().get(index).map_or("?", String::as_str);
            let expected = node.argument_types().get(index).map_or("?", |t| t.name);
            TaskFailure {
                cause: format!(
                    "argument {} (`{expected}`) cannot be read from dataset `{dataset}`: {error}",
                    index + 1
                ),
                hint: Some(format!("check that `{dataset}` holds what the node expects")),
            }
        }
        NodeCallError::Failed(error) => {
            let hint = error.downcast_ref::<HintedFailure>().map(|h| h.hint().to_owned());
            TaskFailure { cause: flatten_error(error.as_ref()), hint }
        }
        NodeCallError::Arity { expected, given } => TaskFailure {
            cause: format!("the function takes {expected} arguments but {given} inputs were given"),
            hint: None,
        },
    }
}

fn save_outputs(
    node: &Node,
    outputs: Vec<Payload>,
    catalog: &DataCatalog,
    options: &RunOptions,
) -> Result<(), TaskFailure> {
    let pairs: Vec<(&String, Payload)> = node.outputs().iter().zip(outputs).collect();
    if !options.is_async || pairs.len() < 2 {
        for (name, payload) in pairs {
            save_one(node, name, payload, catalog, options)?;
        }
        return Ok(());
    }

    thread::scope(|scope| {
        let saves: Vec<_> = pairs
            .into_iter()
            .map(|(name, payload)| {
                scope.spawn(move || guarded(|| save_one(node, name, payload, catalog, options)))
            })
            .collect();
        let results: Vec<_> = saves.into_iter().map(|save| joined(save.join())).collect();
        results.into_iter().collect()
    })
}

fn save_one(
    node: &Node,
    name: &str,
    payload: Payload,
    catalog: &DataCatalog,
    options: &RunOptions,
) -> Result<(), TaskFailure> {
    let hooks = &options.hooks;
    let run_id = options.run_id.as_str();
    let saving = DatasetSaving { run_id, dataset: name, node, data: &payload };
    hooks.emit("before_dataset_saved", |hook| hook.before_dataset_saved(&saving))?;

    debug!(dataset = name, "saving");
    let kept = (!hooks.is_empty()).then(|| payload.clone());
    let started = Instant::now();
    catalog
        .save(name, payload)
        .map_err(|error| TaskFailure { cause: error.to_string(), hint: error.hint() })?;

    let Some(data) = &kept else { return Ok(()) };
    let saved =
        DatasetSaved { run_id, dataset: name, catalog, node, data, elapsed: started.elapsed() };
    hooks.emit("after_dataset_saved", |hook| hook.after_dataset_saved(&saved))?;
    Ok(())
}

/// The result of a load or save thread, which [`guarded`] keeps from panicking.
fn joined<T>(result: thread::Result<Result<T, TaskFailure>>) -> Result<T, TaskFailure> {
    result.unwrap_or_else(|_| {
        Err(TaskFailure { cause: "a load or save thread panicked".to_owned(), hint: None })
    })
}
