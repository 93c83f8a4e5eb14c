#!/usr/bin/env bash
# Differential test against the Python `eql` package (PythonEngine), on generated events in the
# subset where `eql` agrees with Elasticsearch (docs/eql-semantics.md, last section;
# tests/differential/compare.py says how events are kept in it).
#
#   bash scripts/differential.sh [EVENTS_PER_VERSION]     # default 2000, for each of 4 versions
#
# Creates .venv with python3 -m venv and installs eql==1.0.1 into it (once). Prints how many
# events it compared and the disagreements; exits non-zero on any disagreement. When python3 is
# not installed it prints "skipped: python3 not available" and exits 0.
set -euo pipefail
cd "$(dirname "$0")/.."

EQL_VERSION=1.0.1
events=${1:-2000}

if ! command -v python3 >/dev/null 2>&1; then
  echo "differential: skipped: python3 not available"
  exit 0
fi
if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c "import eql, sys; sys.exit(eql.__version__ != '$EQL_VERSION')" 2>/dev/null; then
  python3 -m venv .venv
  .venv/bin/python -m pip install --quiet --disable-pip-version-check "eql==$EQL_VERSION"
fi

cargo build --quiet --example verdicts
bin="$(cargo metadata --format-version 1 --no-deps | .venv/bin/python -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/debug/examples/verdicts"
.venv/bin/python tests/differential/compare.py "$bin {version}" --events "$events"
