#!/usr/bin/env bash
# Sets up what is missing, then runs every test: formatting and lints, the Rust tests (with
# globset and with the crate's own matcher; the semantics corpus, properties, hostile input,
# Sysmon samples), the TypeScript declarations, the differential test against Python's eql, the
# Node tests against the built WebAssembly package (API, CLI, tuning, hostile input), and the
# browser tests in Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
SETUP_BROWSER=1 bash scripts/setup.sh

step() { printf '\n== %s\n' "$*"; }
step "cargo fmt --check";        cargo fmt --check
step "cargo clippy";             cargo clippy --all-targets -- -D warnings
step "cargo test";               cargo test
step "cargo test (own matcher)"; cargo test --no-default-features
step "eslint";                   npx --no-install eslint .
step "typescript declarations";  npx --no-install tsc --noEmit -p tests/types
step "typescript (browser)";     npx --no-install tsc --noEmit -p tests/types/browser
step "differential (eql)";       bash scripts/differential.sh
step "node --test"
node_tests=$(find tests -name '*.test.mjs' -o -name '*.test.cjs' | grep -v '/browser/' | sort)
# shellcheck disable=SC2086
node --test $node_tests

# The browser pages (www/) and their end-to-end tests in Debian's Chromium (installed above).
step "build the browser pages";  npm run --silent build:www
step "browser tests (Chromium)"; node --test tests/browser/
