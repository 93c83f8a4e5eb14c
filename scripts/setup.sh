#!/usr/bin/env bash
# Installs what a fresh machine lacks and builds the package. Idempotent: a second run only
# checks. Used by `npm run demo`, `npm test` and CI (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[setup] %s\n' "$*" >&2; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_updated=
apt_install() {
  if [ -z "$apt_updated" ]; then as_root apt-get update -qq; apt_updated=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

command -v node >/dev/null && command -v npm >/dev/null || { say "installing Node.js and npm"; apt_install nodejs npm; }
command -v cargo >/dev/null || { say "cargo is missing: install Rust with rustup first"; exit 2; }

# The WebAssembly target of the Rust toolchain.
if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# wasm-bindgen's CLI must be exactly the version of the crate pinned in Cargo.toml.
want=$(sed -n 's/^wasm-bindgen = .*"=\([0-9.]*\)".*/\1/p' Cargo.toml)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$want" ]; then
  say "installing wasm-bindgen-cli $want (builds from source, about 6 minutes)"
  cargo install wasm-bindgen-cli --version "$want"
fi

# npm packages (binaryen for wasm-opt, eslint, typescript, ...), from the lock file.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
fi

# Debian's Chromium for the browser tests, when they are asked for (scripts/test.sh).
if [ "${SETUP_BROWSER:-0}" = 1 ] && ! command -v chromium >/dev/null; then
  say "installing Chromium from Debian"
  apt_install chromium
fi

bash scripts/build-wasm.sh >&2
