#!/usr/bin/env bash
# Generates a project from each `weir new` starter in a temporary folder, builds it against this
# checkout's crates (`weir new`'s default: the checkout `weir` was built from), runs its tests
# and `weir run`, and checks the files the run writes. In the `empty` project it adds two
# pipelines (their nodes must not clash in `__default__`) and removes one.
#
# Usage: scripts/starter-test.sh [STARTER...]   (default: empty iris diabetes)
#
# The projects build in this workspace's target folder with this workspace's Cargo.lock, so
# weir's dependencies (Polars above all) are not built again. The course data is read from
# ../shared/data/course, beside the repository (WEIR_COURSE_DATA overrides it).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

started=$SECONDS
step() { printf '\n==> %s (%ss elapsed)\n' "$*" "$((SECONDS - started))"; }
fail() { printf 'starter-test: %s\n' "$*" >&2; exit 1; }

starters=("$@")
[ ${#starters[@]} -gt 0 ] || starters=(empty iris diabetes)

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$repo/target}"
export WEIR_COURSE_DATA="${WEIR_COURSE_DATA:-$(cd "$repo/.." && pwd)/shared/data/course}"
unset WEIR_PATH WEIR_PROJECT_DIR WEIR_ENV WEIR_RUNS_DB RUST_LOG

step "the weir binary (as cargo test --workspace builds it)"
# A no-op after the test step; `cargo build -p weir-cli` would resolve Polars' features for one
# package and build it once more.
cargo test --workspace --locked --no-run --quiet
weir="$CARGO_TARGET_DIR/debug/weir"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Files a default run must write, per starter (see each example's README and catalog).
expected_outputs() {
    case "$1" in
        iris) echo "data/07_model_output/iris_predictions.csv data/08_reporting/classification_report.json data/06_models/scaler.pkl" ;;
        diabetes) echo "data/07_model_output/diabetes_predictions.csv data/08_reporting/classification_report.json data/08_reporting/feature_importances.png" ;;
        empty) echo "" ;;
    esac
}

for starter in "${starters[@]}"; do
    name="starter_$starter"
    project="$work/$name"

    step "weir new $name --starter $starter"
    "$weir" new "$name" --starter "$starter" --path "$work"
    # The workspace's lock file pins the same dependency versions, so nothing is rebuilt.
    cp "$repo/Cargo.lock" "$project/Cargo.lock"
    grep -qx "weir = { path = \"$(cd "$repo/crates/weir" && pwd -P)\" }" "$project/Cargo.toml" \
        || fail "$starter: Cargo.toml does not depend on this checkout's crates/weir"

    if [ "$starter" = empty ]; then
        step "weir pipeline create greeting, then farewell ($starter)"
        (cd "$project" && "$weir" pipeline create greeting && "$weir" pipeline create farewell)
    fi

    step "cargo test ($starter)"
    (cd "$project" && cargo test --quiet)

    # The diabetes catalog reads its inference input from the course folder by default.
    run_args=(run)
    if [ "$starter" = diabetes ]; then
        run_args+=(--params "diabetes_predict_path=$WEIR_COURSE_DATA/diabetes_predict.csv")
    fi
    step "weir ${run_args[*]} ($starter)"
    (cd "$project" && "$weir" "${run_args[@]}")
    for output in $(expected_outputs "$starter"); do
        [ -s "$project/$output" ] || fail "$starter: \`weir run\` did not write $output"
    done
    versions=$(find "$project/data/06_models" -path '*model.pkl/*/model.pkl' 2>/dev/null | wc -l)
    if [ "$starter" != empty ] && [ "$versions" -lt 1 ]; then
        fail "$starter: no versioned data/06_models/model.pkl/<version>/model.pkl"
    fi

    if [ "$starter" = empty ]; then
        step "weir pipeline delete greeting ($starter)"
        (cd "$project" && "$weir" pipeline delete greeting --yes)
        [ ! -e "$project/src/pipelines/greeting.rs" ] || fail "greeting.rs was not removed"
        (cd "$project" && cargo test --quiet)
    fi
done

step "done: ${starters[*]}"
