#!/usr/bin/env bash
# `weir viz` in a real headless browser: Debian's Chromium driven by playwright-core.
#
# Starts `iris viz` on a temporary copy of the iris project and `large_pipeline viz` (1,000
# nodes, crates/weir-cli/examples/large_pipeline.rs) on a generated project, then runs
# crates/weir-server/tests/browser/viz.test.mjs against them: nodes and edges drawn, the details
# panel, the dataset preview, the tag filter, search, lineage, namespaces, run statuses
# refreshed during a run, and the time to draw 1,000 nodes. Screenshots land in
# target/browser-test/.
#
# Needs: node (18+), npm, and /usr/bin/chromium (installed with apt-get when run as root).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

chromium=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium" ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && apt-get install -y -qq chromium
  else
    echo "error: $chromium is missing" >&2
    echo "hint: install it with \`sudo apt-get install -y chromium\`, or set CHROMIUM to a Chromium binary" >&2
    exit 2
  fi
fi

cache="$repo/target/browser-test"
mkdir -p "$cache"
if [ ! -d "$cache/node_modules/playwright-core" ]; then
  npm install --prefix "$cache" --no-audit --no-fund --silent playwright-core@1
fi

# The binaries as `cargo test --workspace` builds them (a no-op right after the test step):
# `cargo build -p iris` would resolve Polars' features for one package and build it once more.
cargo test --workspace --locked --no-run --quiet

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# The iris project: its configuration and raw data, nothing produced yet.
mkdir -p "$work/iris/data"
cp -r examples/iris/conf "$work/iris/"
cp -r examples/iris/data/01_raw "$work/iris/data/"

# The large project: raw inputs in the `raw` layer, reports in `reporting`.
mkdir -p "$work/large/conf/base" "$work/large/conf/local"
for region in $(seq 0 19); do
  r=$(printf '%02d' "$region")
  printf 'raw_%s:\n  type: json.JSONDataset\n  filepath: data/01_raw/raw_%s.json\n  metadata:\n    layer: raw\n' "$r" "$r"
  printf 'report_%s:\n  type: json.JSONDataset\n  filepath: data/08_reporting/report_%s.json\n  metadata:\n    layer: reporting\n' "$r" "$r"
done > "$work/large/conf/base/catalog.yml"
echo '{}' > "$work/large/conf/base/parameters.yml"

# Starts `$1 viz` on project `$2` and sets `url` to the address it announces on stdout (not in
# a subshell, so that its PID is remembered and stopped on exit).
start_viz() {
  local binary=$1 project=$2 out="$work/$(basename "$2").out"
  "$binary" viz --port 0 --project-dir "$project" >"$out" 2>"$out.err" &
  pids+=("$!")
  for _ in $(seq 1 100); do
    if grep -q '^weir viz: ' "$out"; then
      url=$(sed -n 's/^weir viz: //p' "$out")
      return 0
    fi
    sleep 0.1
  done
  echo "error: \`$binary viz\` did not start; its log:" >&2
  cat "$out.err" >&2
  return 1
}

start_viz "$repo/target/debug/iris" "$work/iris"
iris_url=$url
start_viz "$repo/target/debug/examples/large_pipeline" "$work/large"
large_url=$url

IRIS_URL="$iris_url" LARGE_URL="$large_url" \
  IRIS_BIN="$repo/target/debug/iris" IRIS_PROJECT="$work/iris" \
  IRIS_CSV="$repo/examples/iris/data/01_raw/iris.csv" \
  CHROMIUM="$chromium" PLAYWRIGHT_DIR="$cache" SCREENSHOTS="$cache" \
  node crates/weir-server/tests/browser/viz.test.mjs
