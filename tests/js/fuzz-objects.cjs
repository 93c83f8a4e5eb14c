'use strict';
// A fuzzer of JS-object shapes for the JS API (issue 19): generated events with Proxies (lying
// lengths, throwing traps, revoked), getters, sparse and huge arrays, typed arrays and buffers
// (detached, fake, of other kinds), cycles, lone surrogates, odd numbers, hits, JSON text and
// bytes, driving `evaluate`, `matches`, `scanNdjson` and `suggestException` with several rules.
//
//   node tests/js/fuzz-objects.cjs [--seconds 30] [--seed N]
//
// It checks that no call traps the module, hangs (> 5 s) or throws anything but an Error with a
// `code` or the generated value's own exception; that `matches(e) === evaluate(e).matched`
// whenever both answer; that `scanNdjson` judges each line as `evaluate` judges its text and its
// counts add up; and, after each batch, that a true positive still matches. The values' getters
// and traps are deterministic (the same answer on every read), so the two paths must agree. Run
// by tests/js/fuzz-objects.test.cjs for a few seconds and by scripts/test.sh for 30 s; exits 1
// with the seed and the case on a failure.

const assert = require('node:assert/strict');
const api = require('external-ip-lookup-rule');
const { prng } = require('./helpers.cjs');

/** Marks the exceptions the generated values throw, so that they are told from the API's. */
const OURS = Symbol('thrown by a generated value');
function thrown(what) {
  const e = new Error(`generated: ${what}`);
  e[OURS] = true;
  return e;
}

const FIELDS = [
  'event.category',
  'event.action',
  'network.protocol',
  'dns.question.name',
  'process.name',
  'process.executable',
  'process.code_signature.trusted',
  'user.id',
  'user.name',
  'host.os.type',
];

const hit = () => ({
  event: { category: ['network'], action: 'lookup_requested' },
  network: { protocol: 'dns' },
  process: { name: 'x.exe', executable: 'C:\\Temp\\x.exe' },
  user: { id: 'S-1-5-21-1', name: 'alice' },
  host: { os: { type: 'windows' } },
  dns: { question: { name: 'api.ipify.org' } },
});

/** JSON.stringify, refusing huge arrays at once (it would walk 2^32 holes before failing). */
function stringify(v) {
  return JSON.stringify(v, (_, x) => {
    if (Array.isArray(x) && x.length > 100_000) throw new RangeError('too long to stringify here');
    return x;
  });
}

function makeGenerator(random) {
  const int = (n) => Math.floor(random() * n);
  const pick = (xs) => xs[int(xs.length)];
  const chance = (p) => random() < p;

  const STRINGS = [
    'api.ipify.org',
    'API.IPIFY.ORG',
    'x.api.ipify.org',
    'ifconfig.me',
    'example.com',
    '',
    'network',
    'dns',
    'lookup_requested',
    'connection_attempted',
    'windows',
    'S-1-5-19',
    'S-1-5-20',
    'C:\\Program Files\\a.exe',
    'c:\\program files\\a.exe',
    'C:\\Temp\\x.exe',
    'true',
    'false',
    '123',
    '\uD800',
    'api.ipify.org\uDC00',
    '\uD800api.ipify.org',
    '\uFFFD',
    '\u0000',
    '\u202Eexe',
    'é',
    '😀.ipify.org',
  ];
  const NUMBERS = [0, -0, 1, -1, 1.5, 1e21, 1e-7, 2 ** 53, NaN, Infinity, -Infinity, 123];

  function scalar() {
    switch (int(8)) {
      case 0:
        return pick(NUMBERS);
      case 1:
        return chance(0.5);
      case 2:
        return null;
      case 3:
        return undefined;
      case 4:
        return pick([10n, Symbol('s'), () => 'f']);
      case 5:
        return pick(STRINGS).repeat(chance(0.1) ? 200 : 1);
      default:
        return pick(STRINGS);
    }
  }

  function detachedBuffer() {
    const b = new ArrayBuffer(8);
    structuredClone(b, { transfer: [b] });
    return b;
  }

  function binary() {
    const text = JSON.stringify(hit());
    switch (int(8)) {
      case 0:
        return Buffer.from(text);
      case 1:
        return new Uint8Array(Buffer.from(text)).buffer;
      case 2:
        return new Uint16Array(4);
      case 3:
        return new DataView(new ArrayBuffer(4));
      case 4:
        return detachedBuffer();
      case 5: {
        const u = new Uint8Array(8);
        structuredClone(u.buffer, { transfer: [u.buffer] });
        return u;
      }
      case 6:
        return Object.create(Uint8Array.prototype);
      default: {
        const u = new Uint8Array(Buffer.from(text));
        Object.defineProperty(u, 'length', { value: pick([-1, 1e10, 3]) });
        return u;
      }
    }
  }

  const LENGTHS = () => [
    -5,
    -4,
    1e10,
    2 ** 32,
    2 ** 32 - 1,
    1.5,
    NaN,
    '2',
    null,
    undefined,
    {
      [Symbol.toPrimitive]() {
        throw thrown('toPrimitive');
      },
    },
    { valueOf: () => 2 },
  ];

  /** A hostile or ordinary value, at most `depth` levels deep, maybe referring to `ancestors`. */
  function value(depth, ancestors) {
    if (depth <= 0) return scalar();
    switch (int(14)) {
      case 0:
      case 1:
      case 2:
        return scalar();
      case 3: {
        const n = int(4);
        return Array.from({ length: n }, () => value(depth - 1, ancestors));
      }
      case 4: {
        const a = [];
        a.length = chance(0.02) ? 9_000_000 : pick([2 ** 32 - 1, 2 ** 32 - 1, 10_000, 100]);
        a[int(50)] = value(depth - 1, ancestors);
        return a;
      }
      case 5: {
        const target = Array.from({ length: int(3) }, () => value(depth - 1, ancestors));
        const length = pick(LENGTHS());
        const throwAt = chance(0.3) ? String(int(3)) : null;
        return new Proxy(target, {
          get(t, k) {
            if (k === 'length') return length;
            if (k === throwAt) throw thrown('element get');
            return t[k];
          },
        });
      }
      case 6: {
        const target = object(depth - 1, ancestors);
        const trap = pick(['get', 'getOwnPropertyDescriptor', 'has', 'ownKeys', 'getPrototypeOf']);
        return new Proxy(target, {
          [trap]() {
            throw thrown(`${trap} trap`);
          },
        });
      }
      case 7: {
        const r = Proxy.revocable({}, {});
        r.revoke();
        return r.proxy;
      }
      case 8:
        return ancestors.length ? pick(ancestors) : scalar();
      case 9:
        return binary();
      case 10: {
        const o = {};
        const v = value(depth - 1, ancestors);
        const throws = chance(0.3);
        for (const k of ['name', 'type', 'id', 'executable', 'category', 'action', 'protocol', 'question']) {
          Object.defineProperty(o, k, {
            enumerable: true,
            get() {
              if (throws) throw thrown(`getter ${k}`);
              return v;
            },
          });
        }
        return o;
      }
      case 11:
        return pick([new Date(0), new Map([['name', 'x']]), Object.create(null), new (class Event {})()]);
      default:
        return object(depth - 1, ancestors);
    }
  }

  function object(depth, ancestors) {
    const o = {};
    const next = [...ancestors, o];
    for (const k of ['name', 'type', 'id', 'question', 'os', 'executable'].filter(() => chance(0.4))) {
      o[k] = value(depth, next);
    }
    return o;
  }

  /** Sets `path` in `doc` to `v`: nested, dotted at the root, or dotted in the middle. */
  function place(doc, path, v) {
    const segs = path.split('.');
    const split = int(segs.length);
    let node = doc;
    for (let i = 0; i < split; i++) {
      if (node[segs[i]] === null || typeof node[segs[i]] !== 'object' || Array.isArray(node[segs[i]])) node[segs[i]] = {};
      node = node[segs[i]];
    }
    node[segs.slice(split).join('.')] = v;
  }

  /** A generated event and a description of it. */
  function event() {
    const doc = chance(0.7) ? hit() : {};
    const changed = [];
    for (let n = 1 + int(3); n > 0; n--) {
      const f = pick(FIELDS);
      place(doc, f, value(3, [doc]));
      changed.push(f);
    }
    if (chance(0.1)) doc.self = doc;
    return { doc, changed };
  }

  /** What a call is given as its event: the object, a hit, JSON text or bytes, or something else. */
  function input(doc) {
    switch (int(10)) {
      case 0:
        return { _index: 'i', _id: String(int(100)), _source: doc };
      case 1:
      case 2: {
        try {
          const text = stringify(doc);
          if (typeof text === 'string') return chance(0.5) ? text : Buffer.from(text);
        } catch {
          // Not stringifiable: the object itself.
        }
        return doc;
      }
      case 3:
        return chance(0.5) ? binary() : value(2, []);
      default:
        return doc;
    }
  }

  return { event, input, value, int, pick, chance };
}

const RULE_OPTIONS = [
  {},
  { version: '108' },
  { version: '104', addDomains: ['*\uFFFD*', 'ex?mple.com'], removeDomains: ['*ipinfo.io'] },
  { query: 'network where dns.question.name like~ ("*.ipify.*", "x?y") and user.name in~ ("ALICE", "bob") and not process.name : "*.dll"' },
  { query: 'any where process.name != null and (host.os.type == "windows" or event.action == "lookup_requested")' },
  { input: 'auto' },
  {
    exceptions: [
      {
        name: 'n',
        entries: [{ field: 'user', type: 'nested', entries: [{ field: 'name', operator: 'included', type: 'match', value: 'alice' }] }],
      },
    ],
  },
  { limits: { maxEventDepth: 8, maxLineBytes: 4096 } },
];

function kindOf(x) {
  try {
    return Object.prototype.toString.call(x);
  } catch {
    return 'a revoked Proxy';
  }
}

function acceptable(e) {
  if (e instanceof WebAssembly.RuntimeError) return false;
  if (e && e[OURS]) return true;
  if (e instanceof TypeError && /revoked/.test(e.message)) return true;
  return e instanceof Error && typeof e.code === 'string' && e.code !== 'internal';
}

/** Runs the fuzzer for `seconds` from `seed`; returns { iterations, seed }, throws on a failure. */
function fuzz({ seconds = 30, seed = Date.now() % 1e9, batch = 100, log = () => {} } = {}) {
  const random = prng(seed);
  const g = makeGenerator(random);
  const rules = RULE_OPTIONS.map((o) => api.compileRule(o));
  const deadline = Date.now() + seconds * 1000;
  let iterations = 0;
  let compared = 0;
  let current = '';
  const call = (f) => {
    const t0 = Date.now();
    let r;
    try {
      r = { value: f() };
    } catch (error) {
      if (!acceptable(error)) {
        throw new Error(`seed ${seed}, iteration ${iterations}: ${current}: not an acceptable error: ${error && error.stack}`);
      }
      r = { error };
    }
    if (Date.now() - t0 > 5000) throw new Error(`seed ${seed}, iteration ${iterations}: ${current}: took ${Date.now() - t0} ms`);
    return r;
  };
  while (Date.now() < deadline) {
    for (let b = 0; b < batch; b++, iterations++) {
      const rule = g.pick(rules);
      const { doc, changed } = g.event();
      const x = g.input(doc);
      current = `rule ${JSON.stringify(RULE_OPTIONS[rules.indexOf(rule)])}, fields ${changed.join(', ')}, input ${kindOf(x)}`;
      const m = call(() => rule.matches(x));
      const v = call(() => rule.evaluate(x));
      if (m.error === undefined && v.error === undefined) {
        compared++;
        assert.equal(m.value, v.value.matched, `seed ${seed}, iteration ${iterations}: ${current}: matches and evaluate disagree`);
      }
      if (g.chance(0.1)) {
        const list = g.chance(0.7) ? [doc, x, g.value(2, [])] : g.value(2, []);
        call(() => rule.suggestException(list, g.chance(0.5) ? [hit()] : list));
      }
      if (g.chance(0.1)) {
        const lines = [];
        for (let i = 0; i < 5; i++) {
          try {
            const t = stringify(g.event().doc);
            if (typeof t === 'string') lines.push(t);
          } catch {
            // A cyclic or BigInt event has no JSON text.
          }
          if (g.chance(0.2)) lines.push(g.pick(['{', '[]', 'null', '\uFEFF{}', '{"a":1}', 'x'.repeat(5000)]));
        }
        const s = call(() => rule.scanNdjson(g.chance(0.5) ? lines.join('\n') : Buffer.from(lines.join('\r\n'))));
        if (s.value) {
          const c = s.value.counts;
          assert.equal(c.lines, c.matched + c.unmatched + c.rejected);
          const want = [];
          const tooLong = [];
          lines.forEach((line, i) => {
            if (line.trim() === '') return;
            // A line over max_line_bytes is rejected by the scan (evaluate takes any length).
            if (Buffer.byteLength(line) > rule.limits.maxLineBytes) return tooLong.push(i + 1);
            const r = call(() => rule.evaluate(line));
            if (r.value && r.value.matched) want.push(i + 1);
          });
          const shown = JSON.stringify(lines).slice(0, 2000);
          assert.deepEqual(s.value.matched, want, `seed ${seed}, iteration ${iterations}: scanNdjson and evaluate disagree on ${shown}`);
          const rejected = new Set(s.value.errors.map((e) => e.line));
          for (const l of tooLong) assert.ok(rejected.has(l), `seed ${seed}: line ${l} over max_line_bytes not rejected`);
        }
      }
    }
    // After each batch: the module still judges a true positive (and a negative) right.
    current = 'the check after a batch';
    assert.equal(api.matches(hit()), true, `seed ${seed}, after iteration ${iterations}`);
    assert.equal(api.evaluate(JSON.stringify(hit())).matched, true);
    assert.equal(api.matches({ ...hit(), dns: { question: { name: 'example.com' } } }), false);
    for (const r of rules) call(() => r.matches(hit()));
    log(iterations);
  }
  return { iterations, compared, seed };
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const opt = (name, dflt) => {
    const i = args.indexOf(name);
    return i >= 0 ? Number(args[i + 1]) : dflt;
  };
  const seconds = opt('--seconds', 30);
  const seed = opt('--seed', Date.now() % 1e9);
  try {
    const r = fuzz({ seconds, seed });
    console.log(
      `fuzz-objects: ${r.iterations} events in ${seconds} s (seed ${r.seed}), ${r.compared} compared both ways: no trap, no disagreement`,
    );
  } catch (e) {
    console.error(`fuzz-objects: FAILED (rerun with --seed ${seed})\n${e.stack}`);
    process.exit(1);
  }
}

module.exports = { fuzz };
