#!/usr/bin/env bash
# CSV to Parquet, weir against pandas + pyarrow, side by side on one generated file.
#
#   benches/csv_to_parquet/run.sh [ROWS] [REPEAT]
#
# ROWS defaults to 2,000,000 (10 numeric + 2 text columns), REPEAT to 5. The weir side is the
# `csv_to_parquet` bench of weir-core, built in the release profile (set CARGO_TARGET_DIR to
# reuse a release build of Polars); it loads with `weir.CSVDataset` and saves with
# `weir.ParquetDataset` (label `weir`), then does the same with two `weir.LazyPolarsDataset`
# entries, whose save streams the CSV scan into the Parquet file (label `weir-lazy`): the code
# a catalog run executes. The pandas side runs `pd.read_csv` and
# `to_parquet` in a virtual environment created under target/ (override with VENV). Both write
# Snappy-compressed Parquet (pandas' default), then both write Zstandard (weir's default).
# Prints every repetition, the medians and the ratio pandas / weir.
set -euo pipefail

rows=${1:-2000000}
repeat=${2:-5}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=${WORK:-$root/target/csv_to_parquet}
venv=${VENV:-$root/target/csv_to_parquet-venv}
mkdir -p "$work/weir" "$work/pandas"

if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet pandas pyarrow
fi
python="$venv/bin/python"

csv="$work/table-$rows.csv"
if [ ! -f "$csv" ]; then
    echo "generating $csv" >&2
    "$python" "$here/generate.py" --rows "$rows" --out "$csv.tmp"
    mv "$csv.tmp" "$csv"
fi

echo "building the weir side (release)" >&2
weir=$(cd "$root" && cargo build --release -p weir-core --bench csv_to_parquet \
    --message-format=json 2>/dev/null | "$python" -c '
import json, sys
for line in sys.stdin:
    message = json.loads(line)
    if message.get("reason") == "compiler-artifact" and message.get("executable") \
            and message["target"]["name"] == "csv_to_parquet":
        print(message["executable"])')
if [ -z "$weir" ]; then
    echo "error: the csv_to_parquet bench did not build; run the cargo command above to see why" >&2
    exit 1
fi

echo "table: $rows rows, $(du -h "$csv" | cut -f1) of CSV; $(nproc) cores; $(date -u +%FT%TZ)"
echo "  pandas $("$python" -c 'import pandas; print(pandas.__version__)'), pyarrow $("$python" -c 'import pyarrow; print(pyarrow.__version__)')"
# Warm the page cache so neither side pays for the first read from disk.
cat "$csv" > /dev/null

results="$work/results.txt"
: > "$results"
for compression in snappy zstd; do
    "$weir" --csv "$csv" --out "$work/weir" --compression "$compression" --repeat "$repeat" | tee -a "$results"
    "$weir" --csv "$csv" --out "$work/weir" --compression "$compression" --repeat "$repeat" \
        --mode lazy | tee -a "$results"
    "$python" "$here/pandas_side.py" --csv "$csv" --out "$work/pandas" \
        --compression "$compression" --repeat "$repeat" | tee -a "$results"
    "$python" "$here/pandas_side.py" --csv "$csv" --out "$work/pandas" \
        --compression "$compression" --repeat "$repeat" --engine pyarrow | tee -a "$results"
done

echo
echo "medians (load + save, seconds) and ratios:"
"$python" - "$results" <<'PY'
import sys
medians = {}
for line in open(sys.argv[1]):
    label, compression, rep, *rest = line.split()
    if rep == "median":
        medians[(label, compression)] = float(rest[0])
for compression in ("snappy", "zstd"):
    for ours in ("weir", "weir-lazy"):
        weir = medians[(ours, compression)]
        for label in ("pandas", "pandas[pyarrow-csv]"):
            other = medians[(label, compression)]
            print(f"  {compression:6}  {ours:9} {weir:6.2f} s   {label:19} {other:6.2f} s   {other / weir:5.1f}x")
PY
