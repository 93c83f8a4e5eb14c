#!/usr/bin/env bash
# Sets up what is missing, then scans the bundled sample events with the default rule (version
# 102) and prints the alerts as NDJSON, followed by a summary on stderr.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
status=0
node bin/external-ip-lookup-rule.mjs scan samples/events.ndjson "$@" || status=$?
# Like grep: 0 means "alerts found" (the point of the demo), 1 "none", 2 an error.
[ "$status" -le 1 ] || exit "$status"
