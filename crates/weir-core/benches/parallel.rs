//! The parallel runner against the sequential one: a wide pipeline of CPU-bound nodes (where
//! threads should pay off), and the scheduling overhead on pipelines whose nodes do nothing.
//!
//! - `wide_cpu_bound`: 16 independent nodes, each spinning a deterministic loop for roughly
//!   20 ms; with 2 workers the parallel run should take about half the sequential time.
//! - `chain_overhead`: a 10,000-node chain, where nothing can run in parallel, so the figure is
//!   the scheduler's own cost per node.
//! - `fan_out_overhead`: one source read by 5,000 nodes, the most the ready queue holds.
//!
//! `cargo bench -p weir-core --bench parallel`

use std::num::NonZeroUsize;

use weir_core::catalog::DataCatalog;
use weir_core::data::NodeData;
use weir_core::pipeline::{Pipeline, node};
use weir_core::polars::df;
use weir_core::polars::prelude::DataFrame;
use weir_core::runner::{ParallelRunner, RunOptions, Runner, SequentialRunner};

fn main() {
    divan::main();
}

/// Iterations of [`spin`]: about three cheap operations each, so roughly 20 ms per node in a
/// release build (not yet measured on the reference machine: tune it when recording figures).
const SPIN_ROUNDS: u64 = 12_000_000;

/// A deterministic busy loop (an xorshift generator) whose result depends on every round, so
/// the compiler cannot skip it.
fn spin(seed: u64) -> u64 {
    let mut state = seed | 1;
    for _ in 0..SPIN_ROUNDS {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
    }
    state
}

fn cpu_bound(seed: u64) -> u64 {
    spin(seed)
}

fn pass_through(frame: DataFrame) -> DataFrame {
    frame
}

fn runner(name: &str, workers: usize) -> Runner {
    match name {
        "sequential" => Runner::Sequential(SequentialRunner),
        _ => Runner::Parallel(ParallelRunner::new(
            NonZeroUsize::new(workers).expect("at least one worker"),
        )),
    }
}

/// `seed -> spin_i -> out_i` for 16 nodes.
fn wide(width: usize) -> Pipeline {
    (0..width)
        .map(|i| node(cpu_bound, "seed", format!("out{i}")).name(format!("spin{i}")))
        .collect()
}

/// `d0 -> n0 -> d1 -> n1 -> ... -> d<length>`.
fn chain(length: usize) -> Pipeline {
    (0..length)
        .map(|i| node(pass_through, format!("d{i}"), format!("d{}", i + 1)).name(format!("n{i}")))
        .collect()
}

/// `d0 -> n_i -> out_i` for `width` nodes.
fn fan_out(width: usize) -> Pipeline {
    (0..width).map(|i| node(pass_through, "d0", format!("out{i}")).name(format!("n{i}"))).collect()
}

fn bench_run(bencher: divan::Bencher<'_, '_>, pipeline: &Pipeline, runner: Runner, source: &str) {
    pipeline.validate().expect("a valid pipeline");
    let input = df!("x" => [1.0, 2.0, 3.0]).expect("a frame").into_payload();
    let seed = 0x9E37_79B9_u64.into_payload();
    let options = RunOptions::default();

    bencher
        .with_inputs(|| {
            let catalog = DataCatalog::new();
            let payload = if source == "seed" { seed.clone() } else { input.clone() };
            catalog.save(source, payload).expect("memory saves cannot fail");
            catalog
        })
        .bench_values(|catalog| runner.run_with(pipeline, &catalog, &options).expect("a run"));
}

#[divan::bench(args = ["sequential", "parallel"], sample_count = 5)]
fn wide_cpu_bound(bencher: divan::Bencher<'_, '_>, runner_name: &str) {
    bench_run(bencher, &wide(16), runner(runner_name, 2), "seed");
}

#[divan::bench(args = ["sequential", "parallel"], sample_count = 10)]
fn chain_overhead(bencher: divan::Bencher<'_, '_>, runner_name: &str) {
    bench_run(bencher, &chain(10_000), runner(runner_name, 2), "d0");
}

#[divan::bench(args = ["sequential", "parallel"], sample_count = 10)]
fn fan_out_overhead(bencher: divan::Bencher<'_, '_>, runner_name: &str) {
    bench_run(bencher, &fan_out(5_000), runner(runner_name, 2), "d0");
}
