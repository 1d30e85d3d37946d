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

/// The same chain with what `weir run` adds by default: the run recorder and the
/// fingerprinter (one SQLite write per node and dataset, a fingerprint per node), on a fresh
/// records file each time. Compare with `no_op_chain` for the cost of run records per node.
#[divan::bench(args = [1_000], sample_count = 10)]
fn no_op_chain_recorded(bencher: divan::Bencher<'_, '_>, length: usize) {
    use std::sync::Arc;
    use weir_core::hooks::{Hook, Hooks};
    use weir_core::records::{Fingerprinter, RunRecorder, RunStart, RunStore};
    use weir_core::runner::{NodeGate, RunOptions};

    let pipeline = chain(length);
    let input = df!("x" => [1.0, 2.0, 3.0]).expect("a frame").into_payload();
    let folder = tempfile::tempdir().expect("a temporary folder");

    bencher
        .with_inputs(|| {
            let catalog = DataCatalog::new();
            catalog.save("d0", input.clone()).expect("memory saves cannot fail");
            let path = folder.path().join(format!("{}.sqlite", rand_name()));
            let store = Arc::new(RunStore::open(&path).expect("a records file"));
            let start = RunStart { id: "bench".to_owned(), ..RunStart::default() };
            let fingerprints =
                Arc::new(Fingerprinter::new(Arc::clone(&store), "bench", false, &[]));
            let mut hooks = Hooks::new();
            hooks.push_shared("RunRecorder", Arc::new(RunRecorder::new(store, start)));
            hooks.push_shared("Fingerprinter", Arc::clone(&fingerprints) as Arc<dyn Hook>);
            let options = RunOptions {
                run_id: "bench".to_owned(),
                hooks,
                gate: Some(fingerprints as Arc<dyn NodeGate>),
                ..RunOptions::default()
            };
            (catalog, options)
        })
        .bench_values(|(catalog, options)| {
            SequentialRunner.run_with(&pipeline, &catalog, &options).expect("a run")
        });
}

/// A name no other sample uses.
fn rand_name() -> String {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    format!("runs-{}", NEXT.fetch_add(1, Ordering::Relaxed))
}
