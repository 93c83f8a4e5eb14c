#!/usr/bin/env bash
# Sets up what is missing, then runs every test: formatting (rustfmt, Prettier) and lints, the
# Rust tests (with globset and with the crate's own matcher; the semantics corpus, properties,
# hostile input, Sysmon samples), the build at the declared minimum Rust version, the API docs, the TypeScript
# declarations, the differential test against Python's eql, the Node tests against the built
# WebAssembly package (API, CLI, tuning, hostile input), the browser tests in Chromium, and each
# fuzz target for a bounded time (FUZZ_SECONDS, 20 s by default; 0 skips them).
set -euo pipefail
cd "$(dirname "$0")/.."
SETUP_BROWSER=1 bash scripts/setup.sh

step() { printf '\n== %s\n' "$*"; }
step "cargo fmt --check";        cargo fmt --check
step "cargo clippy";             cargo clippy --all-targets -- -D warnings
step "cargo test";               cargo test
step "cargo test (own matcher)"; cargo test --no-default-features

# The minimum supported Rust version is the one Cargo.toml declares (rust-version): the crate,
# its tests and its WebAssembly bindings must build with it. Its own target dir, so that the two
# toolchains do not rebuild each other's artefacts.
msrv=$(sed -n 's/^rust-version = "\(.*\)"/\1/p' Cargo.toml)
if ! rustup toolchain list | grep -q "^$msrv"; then rustup toolchain install "$msrv" --profile minimal; fi
if ! rustup target list --toolchain "$msrv" --installed | grep -qx wasm32-unknown-unknown; then
  rustup target add --toolchain "$msrv" wasm32-unknown-unknown
fi
step "cargo +$msrv check (MSRV)"
CARGO_TARGET_DIR=target/msrv cargo "+$msrv" check --all-targets
CARGO_TARGET_DIR=target/msrv cargo "+$msrv" check --lib --target wasm32-unknown-unknown --no-default-features
step "cargo doc";                RUSTDOCFLAGS="-D warnings" cargo doc --no-deps
step "cargo doc (private items)"; RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --document-private-items
step "eslint";                   npx --no-install eslint .
step "prettier";                 npx --no-install prettier --check .
step "typescript declarations";  npx --no-install tsc --noEmit -p tests/types
step "typescript (browser)";     npx --no-install tsc --noEmit -p tests/types/browser
step "differential (eql)";       bash scripts/differential.sh
step "node --test"
node_tests=$(find tests -name '*.test.mjs' -o -name '*.test.cjs' | grep -v '/browser/' | sort)
# shellcheck disable=SC2086
node --test $node_tests
step "JS-object fuzzer, 30 s";   node tests/js/fuzz-objects.cjs --seconds 30

# The browser pages (www/) and their end-to-end tests in Debian's Chromium (installed above).
step "build the browser pages";  npm run --silent build:www
step "browser tests (Chromium)"; node --test tests/browser/

# Each cargo-fuzz target for a bounded time (nightly; scripts/fuzz.sh installs what is missing):
# a crash, leak, hang or out-of-memory fails the run, and the input is kept in
# tests/fuzz_regressions/ for `cargo test` to replay.
fuzz_seconds=${FUZZ_SECONDS:-20}
if [ "$fuzz_seconds" != 0 ]; then
  step "fuzz (${fuzz_seconds} s per target)"; bash scripts/fuzz.sh "$fuzz_seconds"
fi
