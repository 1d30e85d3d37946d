#!/usr/bin/env bash
# Throughput and latency of `weir serve` on the iris model, side by side with a minimal
# FastAPI + scikit-learn server answering the same contract (fastapi_reference.py).
#
#   crates/weir-server/benches/serve_bench.sh
#
# Builds the iris binary in release, trains it on a temporary copy of examples/iris, starts
# both servers on loopback, and runs `wrk` (Debian package `wrk`) against each with the same
# single-row request; then times a 10,000-row batch with curl. Both servers run on the same
# machine as wrk, so the figures include wrk's own CPU use. Stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/../../.."
root=$PWD

duration=${DURATION:-10s}
connections=${CONNECTIONS:-16}
weir_port=${WEIR_PORT:-18080}
fastapi_port=${FASTAPI_PORT:-18081}
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }

echo "==> building the iris binary (release)"
cargo build --release -p iris --quiet
iris=${CARGO_TARGET_DIR:-$root/target}/release/iris

echo "==> training on a copy of examples/iris"
cp -r examples/iris/conf examples/iris/data "$work/"
(cd "$work" && "$iris" run -q)

echo "==> preparing the FastAPI reference"
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q fastapi uvicorn pandas scikit-learn

one_row='{"instances": [{"Id": 1, "SepalLengthCm": 5.1, "SepalWidthCm": 3.5, "PetalLengthCm": 1.4, "PetalWidthCm": 0.2}]}'
cat > "$work/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '$one_row'
LUA
python3 - "$work/batch.json" <<'PY'
import json, random, sys
random.seed(7)
rows = [{"Id": i, "SepalLengthCm": round(random.uniform(4.3, 7.9), 1),
         "SepalWidthCm": round(random.uniform(2.0, 4.4), 1),
         "PetalLengthCm": round(random.uniform(1.0, 6.9), 1),
         "PetalWidthCm": round(random.uniform(0.1, 2.5), 1)} for i in range(10_000)]
json.dump({"instances": rows}, open(sys.argv[1], "w"))
PY

wait_for() {
  for _ in $(seq 1 100); do
    curl -s -o /dev/null -X POST -H 'Content-Type: application/json' -d "$one_row" "$1" && return 0
    sleep 0.2
  done
  echo "server at $1 did not start" >&2
  exit 1
}

measure() {
  local name=$1 url=$2
  wait_for "$url"
  echo "==> $name: wrk -t2 -c$connections -d$duration (one row per request)"
  wrk -t2 -c"$connections" -d"$duration" --latency -s "$work/post.lua" "$url" | grep -E "requests in|Non-2xx|Socket errors|Requests/sec|Latency|50%|90%|99%"
  echo "==> $name: one 10,000-row batch, 5 times (seconds)"
  for _ in 1 2 3 4 5; do
    curl -s -o /dev/null -w '%{time_total}\n' -X POST -H 'Content-Type: application/json' \
      --data-binary @"$work/batch.json" "$url"
  done
}

(cd "$work" && "$iris" serve --pipeline model_predict --port "$weir_port" --max-body-bytes 10000000 -q) &
pids+=($!)
measure "weir serve" "http://127.0.0.1:$weir_port/v1/pipelines/model_predict/predict"
kill "${pids[0]}"; wait "${pids[0]}" 2>/dev/null || true

"$work/venv/bin/python" crates/weir-server/benches/fastapi_reference.py "$work/data/01_raw/iris.csv" "$fastapi_port" &
pids+=($!)
measure "FastAPI + scikit-learn" "http://127.0.0.1:$fastapi_port/v1/pipelines/model_predict/predict"
