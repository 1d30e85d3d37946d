"""Kedro's runner overhead per node, on the pipelines weir-core's benches use.

The shapes copy ``crates/weir-core/benches/runner.rs`` and ``parallel.rs``:

- chain: ``d0 -> n0 -> d1 -> n1 -> ... -> d<N>``, where nothing can run in parallel;
- fan-out: the dataset ``d0`` read by ``N`` independent nodes ``n<i>`` writing ``out<i>``
  (``d0`` is a catalog entry, not a node, exactly as in ``parallel.rs``).

Every node returns its input: a three-row frame ``{"x": [1.0, 2.0, 3.0]}``. ``d0`` is declared as
a ``MemoryDataset`` holding it; every other dataset is undeclared, so Kedro creates a
``MemoryDataset`` for it at run time, its default. With ``--payload polars`` the frame is a
Polars ``DataFrame``, which ``MemoryDataset`` passes by reference (copy mode ``assign``), as weir
does; with ``--payload pandas`` it is a pandas ``DataFrame``, which ``MemoryDataset`` copies on
every load and save (copy mode ``copy``), the cost a typical Kedro project pays.

Each measurement runs in a fresh child process. It builds the nodes once; before every run it
builds a new ``Pipeline`` (validation and cycle check happen in the constructor, outside the
timing, like ``pipeline.validate()`` in the Rust benches) and a new catalog, then times
``runner.run(pipeline, catalog)`` with ``time.perf_counter``. The run order is computed lazily
inside the timed call, as weir orders inside its run. Up to 2,000 nodes one untimed warm-up
run comes first, then five timed runs at 1,000 nodes or fewer and three at 2,000; bigger
pipelines get a single timed run.
No hook manager is passed, so Kedro uses its null plugin manager.

Logging: importing ``kedro.runner`` configures Kedro's default logging (Rich handler, ``kedro``
loggers at INFO, three records per node). ``--logging default`` keeps it, with the child's
stdout and stderr sent to ``/dev/null``; ``--logging quiet`` points ``KEDRO_LOGGING_CONFIG`` at
``quiet_logging.yml`` beside this script, Kedro's documented way to replace that configuration,
which leaves the ``kedro`` loggers at WARNING.

Usage (from the repository root)::

    python3 -m venv /tmp/kedro-venv
    /tmp/kedro-venv/bin/pip install 'kedro>=1,<2' pandas polars
    /tmp/kedro-venv/bin/python benches/kedro/measure_kedro.py --json-out /tmp/kedro.json

``--quick`` measures only the smallest sizes. The script prints a table, then the results as
JSON on one line.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
QUIET_LOGGING = HERE / "quiet_logging.yml"

WORKERS = 2

SEQUENTIAL_AND_THREADS = ("sequential", "thread")

# What the default run measures: (logging, payload, shapes, runners, sizes), smallest size
# first. Kedro's runners do work proportional to the pipeline's size for every node (see
# README.md), so a series stops growing once one run takes longer than --max-run-seconds. The
# process-based ParallelRunner costs about 0.1 s per node, so it gets one small size.
PLAN = [
    ("quiet", "polars", ("chain", "fan_out"), SEQUENTIAL_AND_THREADS, (100, 1_000, 2_000, 5_000)),
    ("quiet", "polars", ("chain", "fan_out"), ("process",), (100,)),
    ("quiet", "pandas", ("chain", "fan_out"), SEQUENTIAL_AND_THREADS, (1_000,)),
    ("default", "polars", ("chain", "fan_out"), SEQUENTIAL_AND_THREADS, (1_000,)),
]


def reps_for(size: int, requested: int) -> tuple[int, int]:
    """(warm-up runs, timed runs) for a pipeline of `size` nodes: fewer runs for big ones."""
    if size <= 1_000:
        return 1, requested
    if size <= 2_000:
        return 1, min(requested, 3)
    return 0, 1


def pass_through(frame):
    """The no-op node: return the input unchanged."""
    return frame


def make_payload(kind: str):
    if kind == "polars":
        import polars as pl

        return pl.DataFrame({"x": [1.0, 2.0, 3.0]})
    import pandas as pd

    return pd.DataFrame({"x": [1.0, 2.0, 3.0]})


def make_nodes(shape: str, size: int) -> list:
    from kedro.pipeline import node

    if shape == "chain":
        return [node(pass_through, f"d{i}", f"d{i + 1}", name=f"n{i}") for i in range(size)]
    return [node(pass_through, "d0", f"out{i}", name=f"n{i}") for i in range(size)]


def make_runner(name: str):
    from kedro.runner import ParallelRunner, SequentialRunner, ThreadRunner

    if name == "sequential":
        return SequentialRunner()
    if name == "thread":
        return ThreadRunner(max_workers=WORKERS)
    return ParallelRunner(max_workers=WORKERS)


def make_catalog(runner_name: str, payload):
    from kedro.io import DataCatalog, MemoryDataset, SharedMemoryDataCatalog

    # Kedro's ParallelRunner (processes) only accepts a SharedMemoryDataCatalog.
    catalog_type = SharedMemoryDataCatalog if runner_name == "process" else DataCatalog
    return catalog_type(datasets={"d0": MemoryDataset(data=payload)})


def child(args: argparse.Namespace) -> None:
    """Measure one (shape, runner, size) in this process and write the result as JSON."""
    from kedro.pipeline import Pipeline

    payload = make_payload(args.payload)
    nodes = make_nodes(args.shape, args.size)
    runner = make_runner(args.runner)

    seconds = []
    for rep in range(args.warmup + args.reps):
        pipeline = Pipeline(nodes)
        catalog = make_catalog(args.runner, payload)
        start = time.perf_counter()
        outputs = runner.run(pipeline, catalog)
        elapsed = time.perf_counter() - start
        expected_outputs = 1 if args.shape == "chain" else args.size
        if len(outputs) != expected_outputs:
            raise RuntimeError(f"expected {expected_outputs} outputs, got {len(outputs)}")
        if rep >= args.warmup:
            seconds.append(elapsed)

    Path(args.result_file).write_text(json.dumps({"seconds": seconds}))


def measure(
    logging_mode: str, payload: str, shape: str, runner: str, size: int, requested_reps: int
) -> dict | None:
    """Run one measurement in a fresh child process and return its summary (None if it failed)."""
    warmup, reps = reps_for(size, requested_reps)
    env = dict(os.environ)
    if logging_mode == "quiet":
        env["KEDRO_LOGGING_CONFIG"] = str(QUIET_LOGGING)
    else:
        env.pop("KEDRO_LOGGING_CONFIG", None)

    with tempfile.TemporaryDirectory() as tmp:
        result_file = Path(tmp) / "result.json"
        command = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--child",
            "--payload", payload,
            "--shape", shape,
            "--runner", runner,
            "--size", str(size),
            "--warmup", str(warmup),
            "--reps", str(reps),
            "--result-file", str(result_file),
        ]
        # The child runs in the temporary folder so the default logging configuration's
        # file handlers, if any, write there; its console output goes to /dev/null.
        completed = subprocess.run(
            command,
            cwd=tmp,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
        if completed.returncode != 0 or not result_file.exists():
            tail = "\n".join(completed.stderr.splitlines()[-15:])
            print(
                f"measurement {logging_mode}/{payload}/{shape}/{runner}/{size} failed "
                f"(exit {completed.returncode}), skipped:\n{tail}",
                file=sys.stderr,
            )
            return None
        seconds = json.loads(result_file.read_text())["seconds"]

    median = statistics.median(seconds)
    return {
        "logging": logging_mode,
        "payload": payload,
        "shape": shape,
        "runner": runner,
        "workers": 1 if runner == "sequential" else WORKERS,
        "nodes": size,
        "reps": len(seconds),
        "median_s": median,
        "min_s": min(seconds),
        "max_s": max(seconds),
        "us_per_node_median": median / size * 1e6,
        "us_per_node_min": min(seconds) / size * 1e6,
    }


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def versions() -> dict:
    from importlib.metadata import version

    found = {"python": platform.python_version(), "platform": platform.platform()}
    for package in ("kedro", "pandas", "polars"):
        found[package] = version(package)
    return found


def driver(args: argparse.Namespace) -> None:
    started = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    load_before = load_average()
    results = []

    for logging_mode, payload, shapes, runners, sizes in PLAN:
        if logging_mode not in args.logging or payload not in args.payload:
            continue
        for shape in shapes:
            for runner in runners:
                if shape not in args.shape or runner not in args.runner:
                    continue
                for size in sizes[:1] if args.quick else sizes:
                    if args.sizes and size not in args.sizes:
                        continue
                    result = measure(logging_mode, payload, shape, runner, size, args.reps)
                    if result is None:
                        break
                    results.append(result)
                    print(
                        f"{logging_mode:7} {payload:6} {shape:7} {runner:10} {size:6} nodes: "
                        f"median {result['median_s'] * 1e3:10.1f} ms, "
                        f"{result['us_per_node_median']:8.1f} us/node "
                        f"(load {load_average()})",
                        file=sys.stderr,
                        flush=True,
                    )
                    if result["median_s"] > args.max_run_seconds:
                        break

    report = {
        "started": started,
        "load_average_before": load_before,
        "load_average_after": load_average(),
        "cpus": os.cpu_count(),
        "versions": versions(),
        "results": results,
    }

    header = (
        f"{'logging':7} | {'payload':7} | {'shape':7} | {'runner':10} | {'nodes':>6} | "
        f"{'median run':>11} | {'us/node (median)':>16} | {'us/node (min)':>13}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        print(
            f"{r['logging']:7} | {r['payload']:7} | {r['shape']:7} | {r['runner']:10} | "
            f"{r['nodes']:6} | {r['median_s'] * 1e3:8.1f} ms | "
            f"{r['us_per_node_median']:16.1f} | {r['us_per_node_min']:13.1f}"
        )
    print(json.dumps(report))
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(report, indent=2) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--logging", nargs="+", choices=["quiet", "default"],
                        default=["quiet", "default"])
    parser.add_argument("--payload", nargs="+", choices=["polars", "pandas"],
                        default=["polars", "pandas"])
    parser.add_argument("--shape", nargs="+", choices=["chain", "fan_out"],
                        default=["chain", "fan_out"])
    parser.add_argument("--runner", nargs="+", choices=["sequential", "thread", "process"],
                        default=["sequential", "thread", "process"])
    parser.add_argument("--reps", type=int, default=5,
                        help="timed runs at 1,000 nodes or fewer (3 at 2,000, 1 above)")
    parser.add_argument("--max-run-seconds", type=float, default=30.0,
                        help="stop growing a series once a run takes this long")
    parser.add_argument("--quick", action="store_true", help="smallest size of each series only")
    parser.add_argument("--sizes", nargs="+", type=int, help="only these pipeline sizes")
    parser.add_argument("--json-out", help="also write the JSON report to this file")
    # Internal: one measurement, run by the driver in a fresh process.
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--warmup", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--result-file", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        args.payload, args.shape, args.runner = args.payload[0], args.shape[0], args.runner[0]
        child(args)
    else:
        driver(args)


if __name__ == "__main__":
    main()
