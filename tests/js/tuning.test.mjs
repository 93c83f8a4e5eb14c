// Tuning through the JS API: exceptions (objects, a Kibana export as text), list edits, packs,
// suggested exceptions, and bad exception files.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { compileRule, packs, suggestException } from 'external-ip-lookup-rule';

const PS = 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe';
const lookup = (domain, user = 'alice', exe = PS, cmd = 'powershell -c iwr') => ({
  event: { category: ['network'], action: 'lookup_requested' },
  network: { protocol: 'dns' },
  host: { name: 'WS-042', os: { type: 'windows' } },
  process: { name: exe.split('\\').pop(), executable: exe, command_line: cmd },
  user: { id: 'S-1-5-21-1-2-3-1001', name: user },
  dns: { question: { name: domain } },
});

test('an exception item suppresses the alert and says which', () => {
  const rule = compileRule({
    exceptions: [{ name: 'alice', entries: [{ field: 'user.name', operator: 'included', type: 'match', value: 'alice' }] }],
  });
  const v = rule.evaluate(lookup('api.ipify.org'));
  assert.equal(v.matched, false);
  assert.equal(v.query_matched, true);
  assert.equal(v.suppressed_by, 'alice');
  assert.equal(v.exceptions[0].kind, 'exception');
  assert.equal(rule.matches(lookup('api.ipify.org')), false);
  assert.equal(rule.matches(lookup('api.ipify.org', 'bob')), true);
});

test('a Kibana exception-list export loads as text', () => {
  const text = readFileSync(new URL('../fixtures/kibana_exception_list_export.ndjson', import.meta.url), 'utf8');
  const rule = compileRule({ exceptions: text });
  assert.equal(rule.exceptions.length, 2);
  const backup = lookup('checkip.amazonaws.com', 'svc_backup', 'C:\\Backup\\agent.exe');
  assert.equal(rule.evaluate(backup).suppressed_by, 'Backup agent checks its public IP');
});

test('bad exception files are rejected naming item and entry, and the module keeps answering', () => {
  assert.throws(
    () => compileRule({ exceptions: [{ name: 'a', entries: [{ field: 'x', operator: 'included', type: 'regexp', value: 'y' }] }] }),
    (e) => e.code === 'tuning' && /item 1 \("a"\), entry 1: unknown type "regexp"/.test(e.message),
  );
  assert.throws(
    () => compileRule({ exceptions: [{ entries: [{ operator: 'included', type: 'match', value: 'y' }] }] }),
    /`field` is missing/,
  );
  assert.throws(() => compileRule({ addDomains: 'x' }), TypeError);
  assert.equal(compileRule({}).matches(lookup('api.ipify.org')), true);
});

test('a misspelt entry type, operator or item key is an error naming it, never an item that suppresses', () => {
  const entry = { field: 'user.name', operator: 'included', type: 'match', value: 'alice' };
  const cases = [
    [{ name: 'a', entries: [{ ...entry, type: 'mtach' }] }, /item 1 \("a"\), entry 1: unknown type "mtach" in `type`/],
    [
      { name: 'a', entries: [{ ...entry, operator: 'exclude' }] },
      /entry 1 \(match on user\.name\): `operator` must be "included" or "excluded", not "exclude"/,
    ],
    [{ name: 'a', entires: [entry] }, /unknown key `entires` \(did you mean `entries`\?\)/],
    [{ name: 'a', entries: [{ ...entry, vaule: 'x' }] }, /unknown key `vaule`/],
  ];
  for (const [item, message] of cases) {
    for (const exceptions of [[item], item, JSON.stringify([item]), JSON.stringify(item) + '\n']) {
      assert.throws(
        () => compileRule({ exceptions }),
        (e) => e.code === 'tuning' && message.test(e.message),
        JSON.stringify(exceptions),
      );
    }
  }
  // The same items, spelt right, suppress the alert.
  assert.equal(compileRule({ exceptions: [{ name: 'a', entries: [entry] }] }).matches(lookup('api.ipify.org')), false);
});

test('list edits change the effective query and the verdicts', () => {
  const rule = compileRule({ addDomains: ['*ident.me'], removeDomains: ['*ipinfo.io'], addExcludedExecutables: ['C:\\Tools\\ok.exe'] });
  assert.match(rule.query, /"\*ident\.me"/);
  assert.doesNotMatch(rule.query, /"\*ipinfo\.io"/);
  assert.match(rule.query, /"C:\\\\Tools\\\\ok\.exe"/);
  assert.equal(rule.matches(lookup('ident.me')), true);
  assert.equal(rule.matches(lookup('ipinfo.io')), false);
  assert.equal(rule.matches(lookup('api.ipify.org', 'alice', 'C:\\Tools\\ok.exe')), false);
  const byHand = compileRule({ query: rule.query });
  for (const d of ['ident.me', 'ipinfo.io', 'api.ipify.org']) {
    assert.equal(byHand.matches(lookup(d)), rule.matches(lookup(d)), d);
  }
});

test('coverage packs are opt-in', () => {
  const names = packs().map((p) => p.name);
  assert.deepEqual(names, ['elastic-public-ip-discovery', 'sigma-ip-lookup-apis']);
  assert.equal(compileRule({}).matches(lookup('ipwho.is')), false);
  assert.equal(compileRule({ packs: ['sigma-ip-lookup-apis'] }).matches(lookup('ipwho.is')), true);
  assert.equal(compileRule({ packs: ['elastic-public-ip-discovery'] }).matches(lookup('myip.opendns.com')), true);
  assert.throws(() => compileRule({ packs: ['nope'] }), /unknown pack "nope"/);
});

test('suggestException proposes user + command line and keeps true positives firing', () => {
  const fp = lookup('api.ipify.org', 'svc_monitor', PS, 'powershell -File C:\\ops\\wanip.ps1');
  const tp = lookup('api.ipify.org', 'alice', PS, 'powershell -enc SQBFAFgA');
  const s = suggestException([fp], [tp]);
  assert.deepEqual(
    s.item.entries.map((e) => e.field),
    ['user.name', 'process.command_line'],
  );
  const tuned = compileRule({ exceptions: [s.item] });
  assert.equal(tuned.matches(fp), false);
  assert.equal(tuned.matches(tp), true);
  const none = suggestException([fp], [fp]);
  assert.equal(none.item, null);
  assert.match(none.explanation, /would also suppress true positive #1/);
});
