//! The framework's own overhead: chains of no-op nodes passing a `DataFrame` along in memory.
//!
//! Everything a real run does per node is measured (wiring checks, ordering, loading from and
//! saving to the in-memory datasets, releasing them), and nothing else: the nodes themselves
//! return their input. Divide the time by the chain's length for the overhead per node.
//!
//! `cargo bench -p weir-core --bench runner`

use weir_core::catalog::DataCatalog;
use weir_core::data::NodeData;
use weir_core::pipeline::{Pipeline, node};
use weir_core::polars::df;
use weir_core::polars::prelude::DataFrame;
use weir_core::runner::SequentialRunner;

fn main() {
    divan::main();
}

fn pass_through(frame: DataFrame) -> DataFrame {
    frame
}

/// `d0 -> n0 -> d1 -> n1 -> ... -> d<length>`.
fn chain(length: usize) -> Pipeline {
    (0..length)
        .map(|i| node(pass_through, format!("d{i}"), format!("d{}", i + 1)).name(format!("n{i}")))
        .collect()
}

#[divan::bench(args = [1_000, 10_000], sample_count = 20)]
fn no_op_chain(bencher: divan::Bencher<'_, '_>, length: usize) {
    let pipeline = chain(length);
    pipeline.validate().expect("a valid chain");
    let input = df!("x" => [1.0, 2.0, 3.0]).expect("a frame").into_payload();

    bencher
        .with_inputs(|| {
            let catalog = DataCatalog::new();
            catalog.save("d0", input.clone()).expect("memory saves cannot fail");
            catalog
        })
        .bench_values(|catalog| SequentialRunner.run(&pipeline, &catalog).expect("a run"));
}

#[divan::bench(args = [1_000, 10_000], sample_count = 20)]
fn validate_and_order(bencher: divan::Bencher<'_, '_>, length: usize) {
    let pipeline = chain(length);
    bencher.bench(|| {
        pipeline.validate().expect("a valid chain");
        pipeline.sorted_nodes().len()
    });
}
