'use strict';
// The JS API contract in CommonJS: names, shapes, input forms, metadata, and errors that leave the
// module answering.

const { describe, test } = require('node:test');
const { api, assert, RULE_ID, VERSIONS, matchingEvent, withField, flatten, throwsThenRecovers, withoutHit } = require('./helpers.cjs');

const { evaluate, matches, compileRule, versions, scanNdjson } = require('external-ip-lookup-rule');

describe('exports', () => {
  test('the contract names are functions', () => {
    for (const name of ['evaluate', 'matches', 'compileRule', 'versions', 'scanNdjson']) {
      assert.equal(typeof api[name], 'function', name);
    }
    assert.equal(typeof api.Rule, 'function', 'Rule class');
  });

  test('require resolves the package root to the CommonJS entry', () => {
    assert.equal(require.resolve('external-ip-lookup-rule'), require.resolve('../../js/node.cjs'));
    assert.equal(require('../..'), api);
  });

  test('versions() lists the four published versions, 102 the default', () => {
    assert.deepEqual(versions(), [
      { version: '4', stack: '7.13', default: false },
      { version: '102', stack: '8.6', default: true },
      { version: '104', stack: '8.7', default: false },
      { version: '108', stack: '8.14', default: false },
    ]);
  });

  test('versions() returns fresh objects each call', () => {
    const first = versions();
    first[0].version = 'changed';
    first.pop();
    assert.equal(versions().length, 4);
    assert.equal(versions()[0].version, '4');
  });
});

describe('evaluate and matches (default rule, version 102)', () => {
  test('a verdict has the documented shape', () => {
    const v = evaluate(matchingEvent());
    assert.equal(v.matched, true);
    assert.equal(v.query_matched, true);
    assert.equal('suppressed_by' in v, false);
    assert.equal('exceptions' in v, false, 'no exceptions key without exception items');
    assert.deepEqual(v.rule, { id: RULE_ID, name: 'External IP Lookup from Non-Browser Process', version: '102' });
    assert.equal(typeof v.summary, 'string');
    assert.match(v.summary, /looked up api\.ipify\.org \(matched \*api\.ipify\.org\)/);
    assert.deepEqual(v.missing_fields, []);
    assert.equal(v._index, undefined);
    assert.equal(v._id, undefined);
    assert.equal('_index' in v, false, 'no _index key for a plain event');
    const r = v.reasons;
    assert.equal(r.op, 'and');
    assert.equal(r.held, true);
    assert.equal(r.kind, 'matched');
    assert.equal(r.start, 0);
    assert.equal(r.end, compileRule().query.length);
    assert.deepEqual(
      r.children.map((c) => [c.op, c.field]),
      [
        ['where', 'event.category'],
        ['==', 'network.protocol'],
        ['!=', 'process.name'],
        ['not in', 'user.id'],
        ['==', 'event.action'],
        [':', 'dns.question.name'],
        ['not', 'process.executable'],
      ],
    );
    const query = compileRule().query;
    for (const c of r.children.filter((c) => c.op !== 'where')) {
      // (The category node's range covers `network` only: see known-issues.test.cjs.)
      assert.equal(query.slice(c.start, c.end), c.clause, 'clause is its byte range of the query (ASCII query)');
    }
    const dns = r.children[5];
    assert.deepEqual(dns.values, ['api.ipify.org']);
    assert.deepEqual(dns.matched, ['*api.ipify.org']);
  });

  test('a non-match says why, and lists missing fields in query order', () => {
    const v = evaluate({ event: { category: ['process'], action: 'start' }, process: { name: 'x.exe' } });
    assert.equal(v.matched, false);
    assert.match(v.summary, /^no alert: /);
    assert.equal(v.reasons.kind, 'clause_failed');
    assert.deepEqual(v.missing_fields, ['network.protocol', 'user.id', 'dns.question.name', 'process.executable']);
    assert.equal(v.reasons.children[0].kind, 'value_mismatch');
  });

  test('matches() is a boolean and agrees with evaluate()', () => {
    assert.equal(matches(matchingEvent()), true);
    assert.equal(matches({}), false);
    assert.equal(typeof matches({}), 'boolean');
  });

  test('the default functions are the default rule', () => {
    const rule = compileRule();
    const e = matchingEvent();
    assert.deepEqual(evaluate(e), rule.evaluate(e));
    assert.deepEqual(compileRule({}).evaluate(e), compileRule(null).evaluate(e));
    assert.deepEqual(compileRule({ version: '102' }).evaluate(e), evaluate(e));
  });
});

describe('input forms', () => {
  const hitOf = (source) => ({
    _index: '.ds-logs-endpoint.events.network-default-2023.03.14-000001',
    _id: 'Xk2Y1YYBc',
    _score: 1,
    _source: source,
  });
  const events = [matchingEvent(), withField(matchingEvent(), 'process.executable', 'C:\\Program Files\\x.exe'), {}];

  test('object, JSON string, Uint8Array and Buffer give the same verdict', () => {
    for (const e of events) {
      const expected = evaluate(e);
      const json = JSON.stringify(e);
      assert.deepEqual(evaluate(json), expected);
      assert.deepEqual(evaluate(new TextEncoder().encode(json)), expected);
      assert.deepEqual(evaluate(Buffer.from(json)), expected);
      for (const form of [e, json, new TextEncoder().encode(json), Buffer.from(json)]) {
        assert.equal(matches(form), expected.matched);
      }
    }
  });

  test('a Uint8Array view into a larger buffer reads only its bytes', () => {
    const json = JSON.stringify(matchingEvent());
    const big = Buffer.from(`xxxx${json}yyyy`);
    assert.equal(matches(big.subarray(4, 4 + Buffer.byteLength(json))), true);
  });

  test('an Elasticsearch hit is evaluated on _source and keeps _index and _id, in every form', () => {
    for (const e of events) {
      const hit = hitOf(e);
      const expected = evaluate(e);
      const json = JSON.stringify(hit);
      for (const form of [hit, json, new TextEncoder().encode(json)]) {
        const v = evaluate(form);
        assert.equal(v._index, hit._index);
        assert.equal(v._id, hit._id);
        assert.deepEqual(withoutHit(v), expected);
        assert.equal(matches(form), expected.matched);
      }
    }
  });

  test("the JS pre-check reads a hit's _source only, and a rule without exact terms skips it", () => {
    // The event around _source holds the terms, _source does not: no match; and the reverse.
    const outer = { ...matchingEvent(), _source: { ...matchingEvent(), event: { category: ['network'], action: 'x' } } };
    assert.equal(matches(outer), false);
    assert.equal(evaluate(outer).matched, false);
    const inner = { event: { action: 'other' }, _source: matchingEvent() };
    assert.equal(matches(inner), true);
    assert.equal(evaluate(inner).matched, true);
    // No term the check could require: every event goes to the engine.
    const anyDns = compileRule({ query: 'any where dns.question.name : "*.org"' });
    assert.equal(anyDns.matches({ dns: { question: { name: 'api.ipify.org' } } }), true);
    assert.equal(anyDns.matches({ dns: { question: { name: 'example.com' } } }), false);
    assert.equal(anyDns.matches({ _source: { dns: { question: { name: 'a.org' } } } }), true);
  });

  test('a hit without _index or _id keeps what it has', () => {
    const v = evaluate({ _id: 'only-id', _source: matchingEvent() });
    assert.equal(v.matched, true);
    assert.equal(v._id, 'only-id');
    assert.equal('_index' in v, false);
  });

  test('dotted keys: fully dotted, partly dotted and nested are the same event', () => {
    for (const e of [matchingEvent(), withField(matchingEvent(), 'user.id', 'S-1-5-20')]) {
      const expected = evaluate(e);
      const dotted = flatten(e);
      assert.ok('dns.question.name' in dotted);
      assert.deepEqual(evaluate(dotted), expected);
      assert.deepEqual(evaluate(JSON.stringify(dotted)), expected);
      const partly = { ...e, dns: { 'question.name': e.dns.question.name }, 'process.executable': e.process.executable };
      partly.process = { ...e.process };
      delete partly.process.executable;
      assert.deepEqual(evaluate(partly), expected);
      assert.equal(matches(partly), expected.matched);
    }
  });

  test('dotted and nested spellings of one field add up to one multi-valued field', () => {
    const e = withField(matchingEvent(), 'dns.question.name', 'www.example.com');
    assert.equal(matches(e), false);
    assert.equal(matches({ ...e, 'dns.question.name': 'api.ipify.org' }), true);
    const v = evaluate({ ...e, 'dns.question.name': 'api.ipify.org' });
    assert.deepEqual([...v.reasons.children[5].values].sort(), ['api.ipify.org', 'www.example.com']);
    // A must_not clause excludes when any spelling holds an excluded value.
    assert.equal(matches({ ...matchingEvent(), 'process.executable': 'C:\\Program Files\\x.exe' }), false);
  });

  test('inherited properties are not event fields', () => {
    const proto = { dns: { question: { name: 'api.ipify.org' } } };
    const e = Object.assign(Object.create(proto), withField(matchingEvent(), 'dns', undefined));
    assert.equal(e.dns.question.name, 'api.ipify.org');
    assert.equal(matches(e), false);
  });
});

describe('a compiled rule', () => {
  test('info: rule_id, severity, risk score, threat', () => {
    const info = compileRule().info;
    assert.equal(info.rule_id, RULE_ID);
    assert.equal(info.name, 'External IP Lookup from Non-Browser Process');
    assert.equal(info.version, '102');
    assert.equal(info.stack, '8.6');
    assert.equal(info.default, true);
    assert.equal(info.severity, 'low');
    assert.equal(info.risk_score, 21);
    assert.equal(info.from, 'now-9m');
    assert.equal(info.interval, '5m');
    assert.equal(info.max_signals, 100);
    assert.equal(info.timestamp_override, 'event.ingested');
    assert.equal(info.language, 'eql');
    assert.equal(info.rule_type, 'eql');
    assert.equal(info.building_block_type, null);
    assert.match(info.note, /Triage and analysis/);
    assert.ok(Array.isArray(info.index) && info.index.includes('logs-endpoint.events.*'));
    assert.equal(info.threat.length, 1);
    const [threat] = info.threat;
    assert.equal(threat.framework, 'MITRE ATT&CK');
    assert.deepEqual([threat.tactic.id, threat.tactic.name], ['TA0007', 'Discovery']);
    const techniques = Object.fromEntries(threat.technique.map((t) => [t.id, t]));
    assert.deepEqual(Object.keys(techniques).sort(), ['T1016', 'T1614']);
    assert.deepEqual(
      techniques.T1016.subtechnique.map((s) => s.id),
      ['T1016.001'],
    );
    assert.deepEqual(techniques.T1614.subtechnique, []);
    assert.match(techniques.T1016.subtechnique[0].reference, /^https:\/\/attack\.mitre\.org\/techniques\/T1016\/001\/$/);
  });

  test('info differs by version as Elastic published it', () => {
    const byVersion = Object.fromEntries(VERSIONS.map((v) => [v, compileRule({ version: v }).info]));
    for (const v of VERSIONS) {
      assert.equal(byVersion[v].rule_id, RULE_ID);
      assert.equal(byVersion[v].version, v);
      assert.equal(byVersion[v].default, v === '102');
    }
    assert.equal(byVersion['4'].name, 'External IP Lookup fron Non-Browser Process');
    assert.equal(byVersion['4'].note, null);
    assert.equal(byVersion['108'].building_block_type, 'default');
    assert.deepEqual(byVersion['108'].index, ['logs-endpoint.events.network-*']);
  });

  test('query: the version query, or the one given, with the version metadata kept', () => {
    const rule = compileRule({ version: '104' });
    assert.equal(rule.query, rule.info.query);
    assert.match(rule.query, /^network where host\.os\.type == "windows"/);
    const custom = compileRule({ version: '4', query: 'network where dns.question.name : "*.example"' });
    assert.equal(custom.query, 'network where dns.question.name : "*.example"');
    assert.equal(custom.info.query, custom.query);
    assert.equal(custom.info.version, '4');
    assert.deepEqual(custom.fields, ['event.category', 'dns.question.name']);
    assert.equal(custom.evaluate({ event: { category: 'network' }, dns: { question: { name: 'A.EXAMPLE' } } }).rule.version, '4');
    assert.equal(custom.matches({ event: { category: 'network' }, dns: { question: { name: 'A.EXAMPLE' } } }), true);
  });

  test('fields: the paths each version reads, in query order', () => {
    const base = ['network.protocol', 'process.name', 'user.id', 'event.action', 'dns.question.name', 'process.executable'];
    assert.deepEqual(compileRule().fields, ['event.category', ...base]);
    assert.deepEqual(compileRule({ version: '4' }).fields, ['event.category', ...base]);
    assert.deepEqual(compileRule({ version: '104' }).fields, ['event.category', 'host.os.type', ...base]);
    assert.deepEqual(compileRule({ version: '108' }).fields, [
      'event.category',
      'host.os.type',
      ...base,
      'process.code_signature.trusted',
      'process.code_signature.subject_name',
    ]);
  });

  test('warnings: version 102 lists *freegeoip.app twice and *whatismyipaddress.com under *myipaddress.com', () => {
    const rule = compileRule();
    const w = rule.warnings;
    assert.equal(w.length, 2);
    const [dup, sub] = w;
    assert.equal(dup.kind, 'duplicate_entry');
    assert.match(dup.message, /\*freegeoip\.app/);
    assert.equal(sub.kind, 'subsumed_entry');
    assert.match(sub.message, /"\*whatismyipaddress\.com" is already matched by "\*myipaddress\.com"/);
    // line and column point at the entry in the query text (1-based; the query is ASCII).
    const lines = rule.query.split('\n');
    assert.ok(lines[dup.line - 1].slice(dup.column - 1).startsWith('"*freegeoip.app"'));
    assert.ok(lines[sub.line - 1].slice(sub.column - 1).startsWith('"*whatismyipaddress.com"'));
    // The duplicate is the second occurrence.
    const first = lines.findIndex((l) => l.includes('"*freegeoip.app"'));
    assert.ok(dup.line - 1 > first);
  });

  test('warnings: none for a clean query', () => {
    assert.deepEqual(compileRule({ query: 'network where dns.question.name : ("*a.example", "*b.example")' }).warnings, []);
  });

  test('fields and warnings are cached and frozen; info and samples() are fresh copies', () => {
    const rule = compileRule();
    assert.notEqual(rule.info, rule.info);
    assert.deepEqual(rule.info, rule.info);
    assert.equal(rule.fields, rule.fields);
    assert.ok(Object.isFrozen(rule.fields));
    assert.equal(rule.warnings, rule.warnings);
    assert.ok(Object.isFrozen(rule.warnings[0]));
    assert.notEqual(rule.samples(), rule.samples());
  });

  test('a rule is an instance of Rule and scans like the default', () => {
    const rule = compileRule({ version: '102' });
    assert.ok(rule instanceof api.Rule);
    const text = `${JSON.stringify(matchingEvent())}\n{}\n`;
    assert.deepEqual(rule.scanNdjson(text), scanNdjson(text));
  });

  test('limits are applied', () => {
    let deep = 'x.exe';
    for (let i = 0; i < 10; i++) deep = [deep];
    const e = withField(matchingEvent(), 'process.name', deep);
    assert.equal(matches(e), true, 'depth 11 is within the default limit');
    const strict = compileRule({ limits: { maxEventDepth: 4 } });
    assert.equal(strict.matches(e), false, 'past the limit the value is not read');
    const name = strict.evaluate(e).reasons.children.find((r) => r.field === 'process.name');
    assert.equal(name.kind, 'too_deep');
    assert.match(name.note, /max_event_depth = 4/);
    assert.throws(
      () => compileRule({ limits: { maxEventDepht: 4 } }),
      (err) => err instanceof TypeError && /maxEventDepht/.test(err.message),
    );
    assert.throws(
      () => compileRule({ limits: { maxListEntries: 5 } }),
      (err) => err.code === 'limit' && err.line === 6 && /max_list_entries/.test(err.message),
    );
    assert.throws(() => compileRule({ limits: { maxQueryBytes: 10 } }), { code: 'limit' });
    const shortLines = compileRule({ limits: { maxLineBytes: 100 } }).scanNdjson(`${JSON.stringify(matchingEvent())}\n{}\n`);
    assert.deepEqual(shortLines.counts, { lines: 2, matched: 0, unmatched: 1, rejected: 1, blank: 0 });
    assert.match(shortLines.errors[0].message, /max_line_bytes = 100/);
  });
});

describe('wrong inputs throw, and the module keeps answering', () => {
  const isTypeError = (what) => (err) => {
    assert.ok(err instanceof TypeError, `${what}: TypeError, got ${err}`);
    assert.equal(err.code, 'invalid_argument', `${what}: code`);
    return true;
  };

  for (const [name, value] of [
    ['a number', 42],
    ['undefined', undefined],
    ['null', null],
    ['an array', [matchingEvent()]],
    ['a boolean', true],
    ['a function', () => {}],
    ['a symbol', Symbol('event')],
    ['a bigint', 10n],
  ]) {
    test(`evaluate(${name}) and matches(${name}) throw a TypeError`, () => {
      throwsThenRecovers(() => evaluate(value), isTypeError(`evaluate(${name})`));
      throwsThenRecovers(() => matches(value), isTypeError(`matches(${name})`));
    });
  }

  test('evaluate() with no argument throws a TypeError', () => {
    throwsThenRecovers(() => evaluate(), TypeError);
  });

  for (const [name, text] of [
    ['invalid JSON', '{"event": '],
    ['not JSON at all', 'event.category = network'],
    ['an empty string', ''],
    ['a JSON array', '[{"event":{}}]'],
    ['a JSON string', '"network"'],
    ['JSON null', 'null'],
  ]) {
    test(`${name} as a string or bytes throws an Error with code "event"`, () => {
      const check = (err) => err instanceof Error && err.code === 'event' && typeof err.message === 'string';
      throwsThenRecovers(() => evaluate(text), check);
      throwsThenRecovers(() => matches(text), check);
      throwsThenRecovers(() => evaluate(new TextEncoder().encode(text)), check);
    });
  }

  test('invalid UTF-8 bytes throw an Error with code "event"', () => {
    throwsThenRecovers(() => evaluate(new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d])), { code: 'event' });
  });

  test('a cyclic array on a field the rule reads is no value (too_deep), alike on both paths', () => {
    const cycle = [];
    cycle.push(cycle);
    const e = withField(matchingEvent(), 'process.name', 'x');
    e.process.name = cycle;
    assert.equal(matches(e), false);
    const v = evaluate(e);
    assert.equal(v.matched, false);
    const name = v.reasons.children.find((r) => r.field === 'process.name');
    assert.equal(name.kind, 'too_deep');
    assert.match(name.note, /cyclic/);
    const e2 = matchingEvent();
    const cats = ['network'];
    cats.push(cats);
    e2.event.category = cats;
    assert.equal(matches(e2), evaluate(e2).matched, 'a matching value before the cycle: both paths agree');
    assert.equal(matches(matchingEvent()), true, 'the module keeps answering');
  });

  test('a cyclic object away from the fields the rule reads is fine', () => {
    const e = matchingEvent();
    e.process.parent = e.process;
    e.self = e;
    assert.equal(matches(e), true);
    assert.equal(evaluate(e).matched, true);
  });

  test('a bad query throws an Error with code "syntax", line, column and excerpt', () => {
    const check = (err) => {
      assert.ok(err instanceof Error);
      assert.equal(err.code, 'syntax');
      assert.equal(err.line, 2);
      assert.equal(err.column, 16);
      assert.equal(typeof err.excerpt, 'string');
      assert.equal(err.excerpt, '  a == "x" and and\n               ^');
      assert.match(err.message, /line 2 column 16/);
      return true;
    };
    throwsThenRecovers(() => compileRule({ query: 'network where\n  a == "x" and and' }), check);
    throwsThenRecovers(
      () => compileRule({ query: 'network whre x' }),
      (err) => err.code === 'syntax' && err.line === 1 && err.column === 9,
    );
    throwsThenRecovers(() => compileRule({ query: '' }), { code: 'syntax' });
    throwsThenRecovers(() => compileRule({ query: 'network where dns.question.name : "unterminated' }), { code: 'syntax' });
  });

  test('a column is counted in characters, the offset in bytes', () => {
    const before = 'network where process.name == "é😀" and ';
    assert.throws(
      () => compileRule({ query: `${before}and` }),
      (err) => err.code === 'syntax' && err.line === 1 && err.column === [...before].length + 1 && err.offset === Buffer.byteLength(before),
    );
  });

  test('unsupported EQL throws code "unsupported"', () => {
    throwsThenRecovers(() => compileRule({ query: 'sequence [network where true] [process where true]' }), { code: 'unsupported' });
  });

  test('an unknown version throws code "unknown_version" listing the known ones', () => {
    throwsThenRecovers(
      () => compileRule({ version: '7' }),
      (err) => err instanceof Error && err.code === 'unknown_version' && /4, 102, 104, 108/.test(err.message),
    );
    throwsThenRecovers(() => compileRule({ version: '' }), { code: 'unknown_version' });
  });

  test('an unknown option, or an option of the wrong type, throws a TypeError', () => {
    throwsThenRecovers(() => compileRule({ versoin: '102' }), TypeError);
    throwsThenRecovers(() => compileRule({ version: 102 }), TypeError);
    throwsThenRecovers(() => compileRule({ query: 42 }), TypeError);
    throwsThenRecovers(() => compileRule('102'), TypeError);
    throwsThenRecovers(() => compileRule([]), TypeError);
    throwsThenRecovers(() => compileRule({ limits: { maxEventDepth: 'deep' } }), TypeError);
    throwsThenRecovers(() => compileRule({ limits: { maxEventDepth: -1 } }), TypeError);
  });

  test('scanNdjson of something that is not bytes or text throws a TypeError', () => {
    for (const bad of [42, undefined, null, {}, [1, 2]]) {
      throwsThenRecovers(() => scanNdjson(bad), TypeError);
      throwsThenRecovers(() => compileRule().scanNdjson(bad), TypeError);
    }
  });

  test('many errors in a row do not wear the module out', () => {
    for (let i = 0; i < 2000; i++) {
      assert.throws(() => evaluate('{'), { code: 'event' });
      assert.throws(() => compileRule({ query: 'network where (' }), { code: 'syntax' });
    }
    assert.equal(matches(matchingEvent()), true);
  });
});
