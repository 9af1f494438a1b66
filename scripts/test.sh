#!/usr/bin/env bash
# Runs every test: Rust unit and integration tests (storage conformance on SQLite and
# PostgreSQL), then the end-to-end suite (boto3, the AWS CLI, pycognito and the Node.js clients
# against a running `cognate`) on the embedded SQLite store and on PostgreSQL.
#
# On a fresh machine with a Rust toolchain, Python 3 and Node.js it installs what is missing
# itself: the Debian packages SAML builds and tests with (apt-get, as root), the Python packages (tests/e2e/requirements.txt), the Node packages (npm ci in
# tests/e2e/js), Chromium for the browser tests (apt-get, as root), and a local PostgreSQL
# when none answers on 127.0.0.1:5432 (started if installed, installed with apt-get when run
# as root). It fails, rather than passing, when a group of tests cannot run;
# COGNATE_TEST_SKIP_POSTGRES=1 skips the PostgreSQL pass explicitly.
set -euo pipefail
cd "$(dirname "$0")/.."

PG_URL="${COGNATE_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/test}"

say() { printf '\n== %s\n' "$*"; }
die() { printf '\nscripts/test.sh: %s\n' "$*" >&2; exit 1; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi; }
apt_install() {
  command -v apt-get >/dev/null || return 1
  as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

python_packages() {
  command -v python3 >/dev/null || die "python3 is not installed (the end-to-end tests need Python 3.11+ with pip)"
  python3 -m pip install --quiet --disable-pip-version-check -r tests/e2e/requirements.txt
}

node_packages() {
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    apt_install nodejs npm || die "Node.js 20+ with npm is not installed (the JavaScript client tests need it)"
  fi
  # npm ci wipes and reinstalls; only do it when the lock file changed since the last install.
  local stamp=tests/e2e/js/node_modules/.cognate-lock-sha256
  local want
  want="$(sha256sum tests/e2e/js/package-lock.json | cut -d' ' -f1)"
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    npm ci --prefix tests/e2e/js --no-audit --no-fund --loglevel=error
    echo "$want" >"$stamp"
  fi
}

# The hosted-UI browser tests (test_browser.py, test_openid_client.py) drive Debian's Chromium
# through playwright-core, which cannot download a browser of its own here.
browser() {
  [ -x /usr/bin/chromium ] && return 0
  echo "Chromium is not installed: installing it with apt-get"
  apt_install chromium || die "/usr/bin/chromium is not installed and could not be installed (the browser tests need it)"
}

# SAML (cognate-saml, samael) builds against the C xmlsec1/libxml2/OpenSSL stack, and the SAML
# tests' identity provider (pysaml2) signs and encrypts with Debian's xmlsec1.
saml_packages() {
  local missing=()
  for pkg in pkg-config libssl-dev libxml2-dev libxmlsec1-dev libclang-dev xmlsec1; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "installing ${missing[*]} with apt-get (SAML build and tests)"
  apt_install "${missing[@]}" || die "${missing[*]} are not installed and could not be installed (SAML needs them)"
}

pg_answers() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; }

# Starts an installed PostgreSQL, or installs one (as root, with apt-get) whose postgres user
# has the password `postgres`; sets PG_URL accordingly. Returns non-zero when neither works.
postgres_server() {
  pg_answers && return 0
  if ! command -v pg_ctlcluster >/dev/null || [ -z "$(ls /etc/postgresql 2>/dev/null)" ]; then
    echo "PostgreSQL is not installed: installing it with apt-get"
    apt_install postgresql postgresql-client || return 1
  fi
  local version
  version="$(ls /etc/postgresql | sort -V | tail -n 1)"
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null || true
  for _ in $(seq 1 60); do pg_answers && break; sleep 0.5; done
  pg_answers || return 1
  # A cluster made by the package accepts only passwords over TCP: give `postgres` one.
  if ! psql "$PG_URL" -qc 'SELECT 1' >/dev/null 2>&1 && [ -z "${COGNATE_TEST_PG_URL:-}" ]; then
    as_root su postgres -c "psql -qc \"ALTER USER postgres PASSWORD 'postgres'\"" >/dev/null
    PG_URL="postgres://postgres:postgres@127.0.0.1:5432/test"
  fi
}

# The database named in PG_URL, created when the server answers but it does not exist yet.
postgres_database() {
  psql "$PG_URL" -qc 'SELECT 1' >/dev/null 2>&1 && return 0
  local admin_url="${PG_URL%/*}/postgres"
  psql "$admin_url" -qc "CREATE DATABASE ${PG_URL##*/}" >/dev/null 2>&1 || true
  psql "$PG_URL" -qc 'SELECT 1' >/dev/null
}

say "installing test dependencies (SAML build packages, Python and Node packages, Chromium)"
command -v dpkg >/dev/null && saml_packages
python_packages
node_packages
browser

skip_pg="${COGNATE_TEST_SKIP_POSTGRES:-}"
if [ -z "$skip_pg" ]; then
  command -v psql >/dev/null || apt_install postgresql-client || die "psql is not installed"
  if ! postgres_server || ! postgres_database; then
    die "PostgreSQL does not answer on 127.0.0.1:5432 (database $(basename "$PG_URL")) and could not be started.
Start it (or set COGNATE_TEST_PG_URL), or run with COGNATE_TEST_SKIP_POSTGRES=1 to skip the PostgreSQL tests."
  fi
  export COGNATE_TEST_PG_URL="$PG_URL"
else
  printf '\n!!!!!!!!\n!! COGNATE_TEST_SKIP_POSTGRES is set: the PostgreSQL tests are NOT run.\n!!!!!!!!\n' >&2
  export COGNATE_TEST_SKIP_POSTGRES=1
fi

say "support matrix is current"
python3 tools/gen-support-matrix.py --check

say "Rust tests"
cargo test --workspace --locked
cargo build --locked -p cognate

say "end-to-end on SQLite"
(cd tests/e2e && python3 -m pytest)

if [ -n "$skip_pg" ]; then
  printf '\n!! PostgreSQL end-to-end pass skipped (COGNATE_TEST_SKIP_POSTGRES)\n' >&2
  exit 0
fi

say "end-to-end on PostgreSQL"
schema="e2e_$(date +%s)_$$"
psql "$PG_URL" -qc "CREATE SCHEMA $schema"
trap 'psql "$PG_URL" -qc "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true' EXIT
export COGNATE_E2E_DATABASE_URL="$PG_URL?options[search_path]=$schema"
# The suite keeps several servers running at once (the session's, the trigger and clock
# servers, module ones); at 16 connections each they could exhaust PostgreSQL's default
# max_connections (100), and a new server would wait for one until it timed out.
export COGNATE_DATABASE_MAX_CONNECTIONS=4
COGNATE_MASTER_KEY="$(head -c 32 /dev/urandom | base64)"
export COGNATE_MASTER_KEY
(cd tests/e2e && python3 -m pytest)
