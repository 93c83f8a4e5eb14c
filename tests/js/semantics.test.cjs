'use strict';
// Elasticsearch's semantics of the rule, through the JS API, from the worked examples of
// docs/eql-semantics.md: case, wildcards, `?` as one code point, arrays, absent
// values, numbers as text, objects, ignore_above, and what the reasons say.

const { describe, test } = require('node:test');
const { assert, matchingEvent, withField } = require('./helpers.cjs');

const { evaluate, matches, compileRule } = require('external-ip-lookup-rule');

const base = matchingEvent();
const verdictWith = (path, value) => evaluate(withField(base, path, value));
const child = (verdict, field) => verdict.reasons.children.find((c) => c.field === field);

/** [field, value, matched?, why] */
const CASES = [
  ['dns.question.name', 'API.IPIFY.ORG', true, '`:` ignores ASCII case'],
  ['dns.question.name', 'x.y.api.ipify.org', true, 'leading `*` takes subdomains'],
  ['dns.question.name', 'api.ipify.org.', false, 'a trailing dot is another name'],
  ['dns.question.name', 'ifconfigme', false, '`*ifconfig.*` needs the dot'],
  ['dns.question.name', 'ifconfig.me', true, '`*ifconfig.*`'],
  ['dns.question.name', 'ifconfig.', true, '`*` matches the empty string'],
  ['dns.question.name', 'www.whatismyipaddress.com', true, 'subsumed entry still matches'],
  ['dns.question.name', 'chec\u212Aip.amazonaws.com', false, 'the Kelvin sign is not k: ASCII folding only'],
  ['dns.question.name', 'AP\u0130.IPIFY.ORG', false, 'dotted capital I is not I'],
  ['dns.question.name', 'api.ipify.org\n', false, 'patterns are anchored'],
  ['network.protocol', 'DNS', false, '`==` is case-sensitive'],
  ['event.action', 'Lookup_Requested', false, '`==` is case-sensitive'],
  ['event.category', 'Network', false, 'the category is case-sensitive'],
  ['event.category', 'network', true, 'a single category string'],
  ['event.category', ['process', 'network'], true, 'any element of the array'],
  ['event.category', [['network']], true, 'nested arrays flatten'],
  ['user.id', 's-1-5-19', true, '`not in` is case-sensitive: not excluded'],
  ['user.id', 'S-1-5-19', false, 'LOCAL SERVICE is excluded'],
  ['user.id', 'S-1-5-20', false, 'NETWORK SERVICE is excluded'],
  ['user.id', ['S-1-5-21-1', 'S-1-5-20'], false, 'must_not: any element excludes'],
  ['user.id', undefined, true, 'a missing user.id passes `not in`'],
  ['user.id', null, true, 'null is missing'],
  ['process.executable', 'd:\\program files\\x\\y.EXE', false, 'excluded: any drive, any ASCII case, * crosses \\'],
  ['process.executable', 'C:\\Program Files (x86)\\a\\b.exe', false, 'excluded'],
  ['process.executable', '\\\\?\\C:\\Program Files\\x.exe', true, 'not excluded: the prefix is not one character'],
  ['process.executable', 'C:/Program Files/x.exe', true, 'not excluded: / is not \\'],
  ['process.executable', 'é:\\Program Files\\x.exe', false, '`?` is one code point'],
  ['process.executable', '😀:\\Program Files\\x.exe', false, '`?` is one code point, even outside the BMP'],
  ['process.executable', 'CC:\\Program Files\\x.exe', true, '`?` is exactly one'],
  ['process.executable', 'C:\\Users\\bob\\AppData\\Local\\Google\\Chrome\\Application\\chrome.exe', false, 'Chrome in the profile'],
  ['process.executable', 'C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18\\MsMpEng.exe', false, 'Defender'],
  ['process.executable', 'C:\\Program Files\\x.dll', true, 'not .exe'],
  ['process.executable', ['C:\\Temp\\a.exe', 'D:\\Program Files\\b.exe'], false, 'must_not: any element excludes'],
  ['process.executable', undefined, true, 'a missing executable passes `not`'],
  ['process.executable', [], true, '[] is missing'],
  ['process.name', undefined, false, 'process.name must exist'],
  ['process.name', null, false, 'null is absent'],
  ['process.name', [], false, '[] is absent'],
  ['process.name', [null], false, '[null] is absent'],
  ['process.name', '', true, 'the empty string is a value'],
  ['process.name', 123, true, 'a number is a value (its text)'],
  ['process.name', false, true, 'a boolean is a value (its text)'],
  ['process.name', { a: 1 }, false, 'an object is no value'],
];

describe('worked examples', () => {
  for (const [field, value, want, why] of CASES) {
    test(`${field} = ${JSON.stringify(value)} -> ${want ? 'match' : 'no match'} (${why})`, () => {
      const e = withField(base, field, value);
      assert.equal(matches(e), want, 'matches()');
      assert.equal(evaluate(e).matched, want, evaluate(e).summary);
      assert.equal(matches(JSON.stringify(e)), want, 'as JSON text');
    });
  }
});

describe('the reasons say why', () => {
  test('case_mismatch for a case-sensitive test that differs only in case', () => {
    const v = verdictWith('event.action', 'Lookup_Requested');
    const r = child(v, 'event.action');
    assert.equal(r.kind, 'case_mismatch');
    assert.equal(r.held, false);
    assert.deepEqual(r.values, ['Lookup_Requested']);
    assert.match(v.summary, /only the case differs/);
    assert.equal(child(verdictWith('network.protocol', 'DNS'), 'network.protocol').kind, 'case_mismatch');
  });

  test('value_mismatch names the values seen', () => {
    const v = verdictWith('dns.question.name', 'www.example.com');
    const r = child(v, 'dns.question.name');
    assert.equal(r.kind, 'value_mismatch');
    assert.deepEqual(r.values, ['www.example.com']);
    assert.match(v.summary, /dns\.question\.name is "www\.example\.com"/);
  });

  test('excluded names the exclusion that held and the pattern', () => {
    const v = verdictWith('process.executable', 'C:\\Program Files\\x.exe');
    const r = v.reasons.children.find((c) => c.op === 'not');
    assert.equal(r.kind, 'excluded');
    assert.equal(r.held, false);
    assert.deepEqual(r.children[0].matched, ['?:\\Program Files\\*.exe']);
    assert.match(v.summary, /is excluded \(matched \?:\\Program Files\\\*\.exe\)/);
    const u = child(verdictWith('user.id', 'S-1-5-19'), 'user.id');
    assert.deepEqual([u.op, u.kind, u.held, u.matched], ['not in', 'excluded', false, ['S-1-5-19']]);
  });

  test('field_absent for a missing field; a negated clause holds for it', () => {
    const v = verdictWith('user.id', undefined);
    const r = child(v, 'user.id');
    assert.deepEqual([r.kind, r.held], ['field_absent', true]);
    assert.deepEqual(v.missing_fields, ['user.id']);
    const n = child(verdictWith('process.name', []), 'process.name');
    assert.deepEqual([n.kind, n.held], ['field_absent', false]);
  });

  test('object_value for an object where a value is expected', () => {
    const v = verdictWith('process.name', { a: 1 });
    assert.equal(child(v, 'process.name').kind, 'object_value');
    assert.deepEqual(v.missing_fields, ['process.name']);
  });

  test('value_too_long: a value over 1024 characters is not indexed, so it excludes nothing', () => {
    const long = `C:\\Program Files\\${'x'.repeat(1100)}.exe`;
    const v = verdictWith('process.executable', long);
    assert.equal(v.matched, true, 'the exclusion does not see the value');
    const r = v.reasons.children.find((c) => c.op === 'not');
    assert.equal(r.kind, 'value_too_long');
    assert.deepEqual(v.missing_fields, ['process.executable']);
    const d = verdictWith('dns.question.name', `${'a'.repeat(1020)}.api.ipify.org`);
    assert.equal(d.matched, false);
    assert.equal(child(d, 'dns.question.name').kind, 'value_too_long');
    // 1024 UTF-16 units is still indexed.
    const edge = `${'a'.repeat(1024 - '.api.ipify.org'.length)}.api.ipify.org`;
    assert.equal(edge.length, 1024);
    assert.equal(verdictWith('dns.question.name', edge).matched, true);
  });

  test('ignore_above counts UTF-16 units, as Java does', () => {
    // 600 astral characters are 600 code points but 1200 UTF-16 units: not indexed.
    const astral = `${'😀'.repeat(600)}.api.ipify.org`;
    assert.equal(verdictWith('dns.question.name', astral).matched, false);
    // 1000 two-byte characters (é) are 1000 units: indexed, though 2000 bytes of UTF-8.
    const latin = `${'é'.repeat(1000)}.api.ipify.org`;
    assert.equal(verdictWith('dns.question.name', latin).matched, true);
  });

  test('a matched pattern is named, and several values are all listed', () => {
    const v = verdictWith('dns.question.name', ['www.example.com', 'ipv4.icanhazip.com']);
    const r = child(v, 'dns.question.name');
    assert.equal(r.kind, 'matched');
    assert.deepEqual(r.values, ['www.example.com', 'ipv4.icanhazip.com']);
    assert.deepEqual(r.matched, ['*icanhazip.com']);
  });
});

describe('event shapes', () => {
  test('arrays of objects flatten', () => {
    const e = withField(base, 'process', [{ name: 'a.exe' }, { executable: 'C:\\Temp\\a.exe' }]);
    assert.equal(matches(e), true);
    const excluded = withField(base, 'process', [
      { name: 'a.exe', executable: 'C:\\Temp\\a.exe' },
      { executable: 'C:\\Program Files\\b.exe' },
    ]);
    assert.equal(matches(excluded), false);
  });

  test('a number value is compared as its text on a keyword field', () => {
    const rule = compileRule({ query: 'process where process.name == "6312" and process.name : "63*"' });
    assert.equal(rule.matches({ event: { category: 'process' }, process: { name: 6312 } }), true);
    assert.equal(rule.matches({ event: { category: 'process' }, process: { name: '6312' } }), true);
    assert.equal(rule.matches({ event: { category: 'process' }, process: { name: 6312.5 } }), false);
  });

  test('a long field (ECS process.pid) compares numbers, coercing as NumberFieldMapper does', () => {
    const rule = compileRule({ query: 'process where process.pid == "6312"' });
    assert.equal(rule.matches({ event: { category: 'process' }, process: { pid: 6312 } }), true);
    assert.equal(rule.matches({ event: { category: 'process' }, process: { pid: '6312' } }), true);
    // coerce truncates the fraction: 6312.5 is indexed as 6312.
    assert.equal(rule.matches({ event: { category: 'process' }, process: { pid: 6312.5 } }), true);
    // A wildcard on a long is refused, as Elasticsearch refuses it.
    assert.throws(() => compileRule({ query: 'process where process.pid : "63*"' }), { code: 'verification' });
  });

  test('booleans are "true" and "false"', () => {
    const rule = compileRule({ query: 'any where process.code_signature.trusted == true' });
    assert.equal(rule.matches({ process: { code_signature: { trusted: true } } }), true);
    assert.equal(rule.matches({ process: { code_signature: { trusted: 'true' } } }), true);
    assert.equal(rule.matches({ process: { code_signature: { trusted: false } } }), false);
  });

  test('NaN and Infinity are no value (JSON has none)', () => {
    assert.equal(matches(withField(base, 'process.name', NaN)), false);
    assert.equal(matches(withField(base, 'process.name', Infinity)), false);
  });

  test('the other operators of the grammar', () => {
    const e = { event: { category: ['network'] }, user: { name: 'Alice' }, process: { name: 'PowerShell.exe' } };
    const q = (query) => compileRule({ query }).matches(e);
    assert.equal(q('network where user.name in~ ("alice", "bob")'), true);
    assert.equal(q('network where user.name in ("alice", "bob")'), false);
    assert.equal(q('network where user.name not in~ ("alice")'), false);
    assert.equal(q('network where process.name like "PowerShell.*"'), true);
    assert.equal(q('network where process.name like "powershell.*"'), false);
    assert.equal(q('network where process.name like~ "powershell.*"'), true);
    assert.equal(q('network where process.name : "powershell.exe"'), true, '`:` without wildcards is case-insensitive equality');
    assert.equal(q('network where user.id == null'), true);
    assert.equal(q('network where user.name != null and not user.name == "Bob"'), true);
    assert.equal(q('network where user.name == "x" or (process.name : "*.exe" and true)'), true);
    assert.equal(q('network where false'), false);
    assert.equal(q('process where true'), false);
    assert.equal(q('any where true'), true);
    assert.equal(q('network where /* comment */ true // trailing'), true);
    assert.equal(q('network where process.name : """PowerShell.exe"""'), true, 'raw strings');
    assert.equal(q('network where user.name == "\\u{41}lice"'), true, 'unicode escapes');
  });
});
