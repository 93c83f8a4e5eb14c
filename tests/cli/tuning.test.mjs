// Tuning the rule from the command line: --add-domain, --exclude-executable, --exceptions.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

import { fixture, records, run, summaryCounts, tempDir } from './helpers.mjs';

const tmp = tempDir();
const F = fixture('events.ndjson');

function matchedIds(stdout) {
  return records(stdout).map((a) => a['event.id']);
}

describe('rule tuning', () => {
  it('--add-domain adds lookup domains (repeatable)', async () => {
    const r = await run(['scan', '--add-domain', '*www.example.com', '--add-domain', '*nothing.invalid', F]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(matchedIds(r.stdout), ['ev-1', 'ev-3', 'ev-4', 'ev-5']);
    const a = records(r.stdout)[2];
    assert.match(a['kibana.alert.rule.parameters'].query, /"\*www\.example\.com"/);
    assert.equal(a['kibana.alert.rule.immutable'], false);
    assert.match(a.external_ip_lookup_rule.summary, /matched \*www\.example\.com/);
  });

  it('--exclude-executable adds excluded programs (repeatable)', async () => {
    const r = await run([
      'scan',
      '--exclude-executable',
      'C:\\Windows\\System32\\curl.exe',
      '--exclude-executable',
      '?:\\Windows\\System32\\rundll32.exe',
      F,
    ]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(matchedIds(r.stdout), ['ev-1']);
    const v = records((await run(['scan', '-f', 'verdicts', '--exclude-executable', 'C:\\Windows\\System32\\curl.exe', F])).stdout);
    assert.match(v.find((x) => x.event === undefined && x.line === 3).summary, /excluded/);
  });

  it('--exceptions reads a Kibana exception-list export (NDJSON)', async () => {
    const file = path.join(tmp, 'exceptions.ndjson');
    fs.writeFileSync(
      file,
      [
        { id: 'l1', list_id: 'corp-exceptions', name: 'Corp', type: 'detection', namespace_type: 'single', description: 'x' },
        {
          item_id: 'i1',
          list_id: 'corp-exceptions',
          name: 'SQL service uses curl',
          type: 'simple',
          namespace_type: 'single',
          os_types: ['windows'],
          entries: [
            { field: 'user.name', operator: 'included', type: 'match', value: 'svc_sql' },
            { field: 'process.name', operator: 'included', type: 'match_any', value: ['curl.exe', 'wget.exe'] },
          ],
        },
        { exported_exception_list_count: 1, exported_exception_list_item_count: 1, missing_exception_list_item_count: 0 },
      ]
        .map((x) => JSON.stringify(x))
        .join('\n'),
    );
    const r = await run(['scan', '--exceptions', file, F]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(matchedIds(r.stdout), ['ev-1', 'ev-5']);
    assert.deepEqual(summaryCounts(r.stderr), { read: 5, matched: 2, unmatched: 3, rejected: 0 });
    const v = records((await run(['scan', '-f', 'verdicts', '--exceptions', file, F])).stdout);
    assert.match(v.find((x) => x.line === 3).summary, /^suppressed by exception "SQL service uses curl"/);
  });

  it('--exceptions reads a JSON array of items', async () => {
    const file = path.join(tmp, 'exceptions.json');
    fs.writeFileSync(
      file,
      JSON.stringify(
        [{ name: 'WS-042', entries: [{ field: 'host.name', operator: 'included', type: 'wildcard', value: 'WS-0*' }] }],
        null,
        2,
      ),
    );
    const r = await run(['scan', '--exceptions', file, F]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(matchedIds(r.stdout), ['ev-3', 'ev-5']);
  });

  it('reports a bad exception file or pattern as a usage error', async () => {
    const file = path.join(tmp, 'bad-exceptions.json');
    fs.writeFileSync(file, '{"entries": 3}');
    const r = await run(['scan', '--exceptions', file, F]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /cannot compile the rule/);
    const missing = await run(['scan', '--exceptions', path.join(tmp, 'nope.json'), F]);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /cannot read/);
    const empty = await run(['scan', '--add-domain', '', F]);
    assert.equal(empty.status, 2);
  });

  it('a misspelt entry type or operator in --exceptions fails loudly, naming it', async () => {
    const entry = { field: 'user.name', operator: 'included', type: 'match', value: 'svc_sql' };
    const cases = [
      [{ ...entry, type: 'mtach' }, /unknown type "mtach" in `type`/],
      [{ ...entry, operator: 'exclude' }, /`operator` must be "included" or "excluded", not "exclude"/],
    ];
    for (const [bad, message] of cases) {
      for (const [name, text] of [
        ['array.json', JSON.stringify([{ name: 'svc', entries: [bad] }])],
        [
          'export.ndjson',
          [
            { list_id: 'l', type: 'detection', name: 'L' },
            { item_id: 'i', name: 'svc', type: 'simple', entries: [bad] },
          ]
            .map((x) => JSON.stringify(x))
            .join('\n'),
        ],
      ]) {
        const file = path.join(tmp, name);
        fs.writeFileSync(file, text);
        const r = await run(['scan', '--exceptions', file, F]);
        assert.equal(r.status, 2, `${name}: ${r.stderr}`);
        assert.match(r.stderr, /cannot compile the rule/);
        assert.match(r.stderr, /entry 1/);
        assert.match(r.stderr, message);
        assert.equal(r.stdout, '', 'no alert is written');
      }
    }
  });

  it('the tuned rule is the same in worker threads', async () => {
    const args = [
      'scan',
      '-f',
      'verdicts',
      '--batch-size',
      '1',
      '--add-domain',
      '*www.example.com',
      '--exclude-executable',
      'C:\\Windows\\System32\\curl.exe',
    ];
    const single = await run([...args, F]);
    const multi = await run([...args, '--workers', '2', F]);
    assert.equal(multi.stdout, single.stdout);
    assert.deepEqual(
      records(multi.stdout)
        .filter((v) => v.matched)
        .map((v) => v.line),
      [1, 5, 6],
    );
  });
});

describe('--mapping FILE', () => {
  it('gives compileRule the index mapping the rule runs against', async () => {
    const file = path.join(tmp, 'mapping.json');
    // A mapping without the fields the rule reads: the query does not verify.
    fs.writeFileSync(file, JSON.stringify({ mappings: { properties: { foo: { type: 'keyword' } } } }));
    const r = await run(['scan', '--mapping', file, F]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /cannot compile the rule.*unknown column `event\.category`/);
    // With them (nested as GET index/_mapping returns them), the rule runs.
    const keyword = { type: 'keyword' };
    const props = {
      event: { properties: { category: keyword, action: keyword } },
      network: { properties: { protocol: keyword } },
      process: { properties: { name: keyword, executable: keyword } },
      user: { properties: { id: keyword } },
      dns: { properties: { question: { properties: { name: keyword } } } },
    };
    fs.writeFileSync(file, JSON.stringify({ 'logs-endpoint.events.network-default': { mappings: { properties: props } } }));
    const ok = await run(['scan', '--mapping', file, F]);
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(records(ok.stdout).length, 3);
    const missing = await run(['scan', '--mapping', path.join(tmp, 'nope.json'), F]);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /cannot read .*nope\.json: no such file/);
  });
});
