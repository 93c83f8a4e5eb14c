#!/usr/bin/env bash
# Runs each cargo-fuzz target (fuzz/fuzz_targets/) for a bounded time and keeps every crash.
#
#   bash scripts/fuzz.sh [SECONDS] [TARGET...]     # default: 60 s each, every target
#
# Needs the nightly toolchain and cargo-fuzz (both installed when missing: rustup, crates.io). Inputs that
# crash, leak, hang (over 10 s) or run out of memory (over 2 GB) are copied into
# tests/fuzz_regressions/<target>/, which `cargo test --test fuzz_regressions` replays through
# the same API. The fuzz crate is its own workspace with its own target dir (fuzz/target).
# Exits non-zero when a target found something.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then targets=(parse_query evaluate_json scan_ndjson wildcard exceptions); fi
case $seconds in ''|*[!0-9]*) echo "usage: $0 [SECONDS] [TARGET...]" >&2; exit 2 ;; esac

if ! rustup toolchain list | grep -q '^nightly'; then
  rustup toolchain install nightly --profile minimal
fi
# The version is pinned so that a fresh machine fuzzes as this one did.
fuzz_version=0.13.2
if [ "$(cargo fuzz --version 2>/dev/null | awk '{print $2}')" != "$fuzz_version" ]; then
  cargo install cargo-fuzz --version "$fuzz_version" --locked
fi

declare -A dict=([parse_query]=fuzz/dicts/eql.dict [evaluate_json]=fuzz/dicts/json.dict [scan_ndjson]=fuzz/dicts/json.dict
  [wildcard]=fuzz/dicts/wildcard.dict [exceptions]=fuzz/dicts/exceptions.dict)
declare -A max_len=([parse_query]=4096 [evaluate_json]=16384 [scan_ndjson]=65536 [wildcard]=512 [exceptions]=8192)

for t in "${targets[@]}"; do cargo +nightly fuzz build "$t"; done
found=0
summary=()
for t in "${targets[@]}"; do
  mkdir -p "fuzz/corpus/$t" "fuzz/artifacts/$t" "tests/fuzz_regressions/$t"
  printf '\n== fuzzing %s for %s s\n' "$t" "$seconds"
  start=$(date +%s)
  set +e
  cargo +nightly fuzz run "$t" "fuzz/corpus/$t" "fuzz/seeds/$t" -- \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len="${max_len[$t]}" \
    -dict="${dict[$t]}" -print_final_stats=1 > "fuzz/artifacts/$t.log" 2>&1
  status=$?
  set -e
  elapsed=$(( $(date +%s) - start ))
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "fuzz/artifacts/$t.log" | grep -o '[0-9]*$' || echo '?')
  new=0
  for f in "fuzz/artifacts/$t"/crash-* "fuzz/artifacts/$t"/leak-* "fuzz/artifacts/$t"/timeout-* "fuzz/artifacts/$t"/oom-* "fuzz/artifacts/$t"/slow-unit-*; do
    [ -e "$f" ] || continue
    cp "$f" "tests/fuzz_regressions/$t/"
    echo "  kept $(basename "$f") in tests/fuzz_regressions/$t/"
    new=$((new + 1))
  done
  rm -f "fuzz/artifacts/$t"/crash-* "fuzz/artifacts/$t"/leak-* "fuzz/artifacts/$t"/timeout-* "fuzz/artifacts/$t"/oom-* "fuzz/artifacts/$t"/slow-unit-*
  if [ "$status" -ne 0 ] || [ "$new" -ne 0 ]; then
    found=1
    grep -m 5 -E 'panicked|ERROR|SUMMARY' "fuzz/artifacts/$t.log" || true
    summary+=("$t: ${elapsed} s, ${runs} runs, FOUND $new input(s) (exit $status); log: fuzz/artifacts/$t.log")
  else
    summary+=("$t: ${elapsed} s, ${runs} runs, nothing found")
  fi
done
printf '\n== fuzz summary\n'
printf '%s\n' "${summary[@]}"
exit "$found"
