#!/usr/bin/env node
// The command line: `external-ip-lookup-rule scan [FILE...]` (see `--help` and cli/main.cjs).
import cli from '../cli/main.cjs';

try {
  process.exitCode = await cli.main(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`external-ip-lookup-rule: internal error: ${err && err.stack ? err.stack : err}\n`);
  process.exitCode = 2;
}
