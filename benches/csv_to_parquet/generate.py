"""Writes the benchmark table: N rows, 10 numeric columns (5 floats, 5 integers) and 2 text
columns (a low-cardinality category and a unique-ish identifier), seeded so every run of the
benchmark reads the same bytes.

    python generate.py --rows 2000000 --out table.csv
"""

import argparse

import numpy as np
import pandas as pd


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    rng = np.random.default_rng(20261204)
    n = args.rows
    columns = {}
    for i in range(5):
        columns[f"f{i}"] = rng.normal(loc=i * 10.0, scale=3.0 + i, size=n).round(6)
    for i in range(5):
        columns[f"i{i}"] = rng.integers(0, 10 ** (i + 2), size=n)
    cities = np.array(["Amsterdam", "Berlin", "Cairo", "Delhi", "Lima", "Oslo", "Quito", "Seoul"])
    columns["city"] = cities[rng.integers(0, len(cities), size=n)]
    columns["code"] = pd.Series(rng.integers(0, 36**6, size=n)).map(lambda v: np.base_repr(v, 36))
    pd.DataFrame(columns).to_csv(args.out, index=False)


if __name__ == "__main__":
    main()
