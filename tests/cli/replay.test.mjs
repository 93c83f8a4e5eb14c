// --replay: Elastic's scheduling of the rule (5-minute executions looking back 9 minutes,
// max_signals 100, alerts de-duplicated across overlapping executions).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

import { fixture, matchingEvent, records, run, summaryCounts, tempDir } from './helpers.mjs';

const tmp = tempDir();
const MAX_SIGNALS_WARNING = 'This rule reached the maximum alert limit for the rule execution. Some alerts were not created.';

function write(name, events) {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, `${events.map((e) => JSON.stringify(e)).join('\n')}\n`);
  return file;
}

describe('--replay', () => {
  it('caps an execution at max_signals: 250 matching events in one execution give 100 alerts and a truncation notice', async () => {
    // Ingested between 10:06:00 and 10:06:49.8, all seen by the executions of 10:10 and 10:15
    // (windows 10:01-10:10 and 10:06-10:15). @timestamp runs backwards, so EQL's order (by
    // @timestamp) is the reverse of the file's.
    const t0 = Date.UTC(2024, 4, 1, 10, 6, 0);
    const events = Array.from({ length: 250 }, (_, i) =>
      matchingEvent({
        id: `r-${i}`,
        ingested: new Date(t0 + i * 200).toISOString(),
        ts: new Date(t0 - 60000 + (250 - i) * 100).toISOString(),
      }),
    );
    const file = write('replay-250.ndjson', events);
    const r = await run(['scan', '--replay', file]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(summaryCounts(r.stderr), { read: 250, matched: 250, unmatched: 0, rejected: 0 });
    const alerts = records(r.stdout);
    assert.equal(alerts.length, 100);
    // The first execution returns the 100 events with the earliest @timestamp: r-249 .. r-150.
    assert.deepEqual(
      alerts.map((a) => a['event.id']),
      Array.from({ length: 100 }, (_, k) => `r-${249 - k}`),
    );
    assert.equal(new Set(alerts.map((a) => a['kibana.alert.uuid'])).size, 100);
    for (const a of alerts) {
      assert.equal(a['@timestamp'], '2024-05-01T10:10:00.000Z');
      assert.deepEqual(a.external_ip_lookup_rule.execution, {
        started_at: '2024-05-01T10:10:00.000Z',
        from: '2024-05-01T10:01:00.000Z',
        to: '2024-05-01T10:10:00.000Z',
      });
    }
    // The truncation notice, per execution, in Kibana's words.
    assert.match(
      r.stderr,
      new RegExp(`execution at 2024-05-01T10:10:00.000Z: 250 matching events in its window, 100 returned, 150 cut: ${MAX_SIGNALS_WARNING}`),
    );
    assert.match(r.stderr, /^ {2}2024-05-01T10:10:00\.000Z +250 +100 +0 +150 +max_signals reached$/m);
    // The overlapping execution of 10:15 sees the same 250, returns the same 100 (duplicates), no
    // new alert; 150 events never alert.
    assert.match(r.stderr, /^ {2}2024-05-01T10:15:00\.000Z +250 +0 +100 +150 +max_signals reached$/m);
    assert.match(r.stderr, /150 matching events got no alert/);
    assert.match(r.stderr, /replay: 100 alerts from 2 executions/);
  });

  it('de-duplicates events that two overlapping executions both see', async () => {
    // One event at 10:07 (executions 10:10 and 10:15), one at 10:12 (10:15 and 10:20).
    const events = [
      matchingEvent({ id: 'a', ingested: '2024-05-01T10:07:00Z', ts: '2024-05-01T10:06:58Z' }),
      matchingEvent({ id: 'b', ingested: '2024-05-01T10:12:00Z', ts: '2024-05-01T10:11:58Z' }),
    ];
    const file = write('overlap.ndjson', events);
    const r = await run(['scan', '--replay', file]);
    const alerts = records(r.stdout);
    assert.deepEqual(
      alerts.map((a) => [a['event.id'], a['@timestamp']]),
      [
        ['a', '2024-05-01T10:10:00.000Z'],
        ['b', '2024-05-01T10:15:00.000Z'],
      ],
    );
    assert.match(r.stderr, /^ {2}2024-05-01T10:10:00\.000Z +1 +1 +0 +0$/m);
    assert.match(r.stderr, /^ {2}2024-05-01T10:15:00\.000Z +2 +1 +1 +0$/m);
    assert.match(r.stderr, /^ {2}2024-05-01T10:20:00\.000Z +1 +0 +1 +0$/m);
  });

  it('falls back to @timestamp without event.ingested, and reports events it cannot place', async () => {
    const noIngested = matchingEvent({ id: 'ts-only', ts: '2024-05-01T10:02:00Z' });
    const neither = matchingEvent({ id: 'none' });
    delete neither['@timestamp'];
    const badDate = matchingEvent({ id: 'bad', ingested: 'yesterday', ts: '2024-05-01T10:02:00Z' });
    const file = write('fallback.ndjson', [noIngested, neither, badDate]);
    const r = await run(['scan', '--replay', '-f', 'summary', file]);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /^alerts +1 +\(replay of 2 executions\)$/m);
    assert.match(r.stdout, /^ {2}2024-05-01T10:05:00\.000Z +1 +1 +0 +0$/m);
    assert.match(r.stdout, /2 matching events have no usable timestamp/);
    assert.match(r.stdout, /fallback\.ndjson:2: no event\.ingested and no @timestamp/);
    assert.match(r.stdout, /fallback\.ndjson:3: event\.ingested is not a date/);
  });

  it('gives the same alerts with workers', async () => {
    const a = await run(['scan', '--replay', '--batch-size', '1k', fixture('events.ndjson')]);
    const b = await run(['scan', '--replay', '--batch-size', '1k', '--workers', '2', fixture('events.ndjson')]);
    assert.equal(b.stdout, a.stdout);
    assert.equal(records(a.stdout).length, 3);
  });
});
