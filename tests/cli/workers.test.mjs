// --workers N: the same output, in input order, whatever thread judged each batch.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import zlib from 'node:zlib';

import { NOW, fixtureEvents, records, run, summaryCounts, tempDir } from './helpers.mjs';

const tmp = tempDir();

// 6,000 events, every third one a match, numbered so that order shows; some lines malformed.
function bigInput() {
  const [hitEvent, , , noEvent] = fixtureEvents();
  const lines = [];
  for (let i = 0; i < 6000; i++) {
    if (i % 997 === 5) {
      lines.push(`{"broken": ${i}`);
      continue;
    }
    const e = structuredClone(i % 3 === 0 ? hitEvent : noEvent);
    e.event.id = `n-${i}`;
    e.event.sequence = i;
    lines.push(JSON.stringify(e));
  }
  return `${lines.join('\n')}\n`;
}

describe('--workers', () => {
  const text = bigInput();
  const file = path.join(tmp, 'big.ndjson');
  fs.writeFileSync(file, text);

  for (const format of ['alerts', 'verdicts', 'csv']) {
    it(`keeps input order (${format})`, async () => {
      const args = ['scan', '--now', NOW, '-f', format, '--batch-size', '16k'];
      const single = await run([...args, file]);
      const multi = await run([...args, '--workers', '3', file]);
      assert.equal(single.status, 0);
      assert.equal(multi.status, 0, multi.stderr);
      assert.equal(multi.stdout, single.stdout);
      assert.deepEqual(summaryCounts(multi.stderr), summaryCounts(single.stderr));
      assert.equal(multi.stderr.replace(/\(.*?\)/, ''), single.stderr.replace(/\(.*?\)/, ''));
      if (format === 'alerts') {
        const seq = records(multi.stdout).map((a) => a['event.sequence']);
        assert.equal(seq.length, 2000 - 2);
        assert.deepEqual(
          seq,
          [...seq].sort((x, y) => x - y),
        );
      }
    });
  }

  it('keeps order across several inputs, gzip and JSON among them', async () => {
    const gz = path.join(tmp, 'big.ndjson.gz');
    fs.writeFileSync(gz, zlib.gzipSync(text));
    const arr = path.join(tmp, 'big.json');
    fs.writeFileSync(
      arr,
      `[\n${text
        .trim()
        .split('\n')
        .filter((l) => !l.startsWith('{"broken'))
        .join(',\n')}\n]\n`,
    );
    const args = ['scan', '--now', NOW, '-f', 'verdicts', '--batch-size', '32k'];
    const single = await run([...args, gz, arr, file]);
    const multi = await run([...args, '--workers', '2', gz, arr, file]);
    assert.equal(multi.stdout, single.stdout);
    const v = records(multi.stdout);
    assert.deepEqual(summaryCounts(multi.stderr).read, v.length);
    const files = [...new Set(v.map((x) => x.file))];
    assert.deepEqual(files, [gz, arr, file]);
  });

  it('gives the same summary table', async () => {
    const single = await run(['scan', '-f', 'summary', '--batch-size', '8k', file]);
    const multi = await run(['scan', '-f', 'summary', '--batch-size', '8k', '--workers', '4', file]);
    assert.equal(multi.stdout, single.stdout);
    assert.match(multi.stdout, /^matched +1,998$/m);
  });
});
