#!/usr/bin/env bash
# Runs every test: Rust unit and integration tests (storage conformance on SQLite and
# PostgreSQL), then the end-to-end suite (boto3 and the AWS CLI against a running `cognate`)
# on the embedded SQLite store and on PostgreSQL.
#
# Needs PostgreSQL on 127.0.0.1:5432 (database `test`, trust auth) and the Python packages in
# tests/e2e/requirements.txt; .ci/run installs and starts both on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."

PG_URL="${COGNATE_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/test}"

cargo test --workspace --locked
cargo build --locked -p cognate

echo "== end-to-end on SQLite"
(cd tests/e2e && python3 -m pytest)

echo "== end-to-end on PostgreSQL"
schema="e2e_$(date +%s)_$$"
psql "$PG_URL" -qc "CREATE SCHEMA $schema"
trap 'psql "$PG_URL" -qc "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true' EXIT
export COGNATE_E2E_DATABASE_URL="$PG_URL?options[search_path]=$schema"
COGNATE_MASTER_KEY="$(head -c 32 /dev/urandom | base64)"
export COGNATE_MASTER_KEY
(cd tests/e2e && python3 -m pytest)
