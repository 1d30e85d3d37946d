"""The pandas + pyarrow side of the CSV to Parquet benchmark: `pd.read_csv` then
`DataFrame.to_parquet` (pyarrow engine), timed like the weir side and printed in its format:
`<label> <compression> <rep> load_s save_s total_s`, then `<label> <compression> median total_s`.

    python pandas_side.py --csv table.csv --out out/ [--compression snappy] [--repeat 5]
        [--engine c|pyarrow]

`--engine` is `pd.read_csv`'s parser: `c` (pandas' default, one thread) or `pyarrow`
(multi-threaded).
"""

import argparse
import os
import statistics
import time

import pandas as pd


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--csv", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--compression", default="snappy")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--engine", default="c", choices=["c", "pyarrow"])
    args = parser.parse_args()

    os.makedirs(args.out, exist_ok=True)
    label = "pandas" if args.engine == "c" else "pandas[pyarrow-csv]"
    target = os.path.join(args.out, "table.parquet")
    totals = []
    for rep in range(max(args.repeat, 1)):
        started = time.perf_counter()
        frame = pd.read_csv(args.csv, engine=args.engine)
        loaded = time.perf_counter() - started
        frame.to_parquet(target, compression=args.compression, index=False)
        total = time.perf_counter() - started
        print(f"{label} {args.compression} {rep} {loaded:.3f} {total - loaded:.3f} {total:.3f}", flush=True)
        totals.append(total)
        del frame
    print(f"{label} {args.compression} median {statistics.median(totals):.3f}")


if __name__ == "__main__":
    main()
