'use strict';
// Module poisoning (issue 19): hostile JS values that used to leave the wasm module dead for the
// rest of the process (a Proxy whose `length` lies, a throwing `Symbol.toPrimitive`, detached
// buffers, fake typed arrays, Proxy lists). Each kind is fed 20,000 times; each call must return
// or throw an Error with a code (or the caller's own exception), never trap; then a true positive
// still matches, through the API and through the stream API.

const assert = require('node:assert/strict');
const { test } = require('node:test');
const { once } = require('node:events');

const api = require('external-ip-lookup-rule');

const ROUNDS = 20_000;

const { matchingEvent } = require('./helpers.cjs');

const hit = () => ({ ...matchingEvent(), host: { os: { type: 'windows' } } });
const withName = (name) => ({ ...hit(), dns: { question: { name } } });

function stillWorks() {
  assert.equal(api.matches(hit()), true);
  assert.equal(api.evaluate(hit()).matched, true);
  assert.equal(api.matches(JSON.stringify(hit())), true);
  assert.equal(api.matches(withName('example.com')), false);
  assert.deepEqual(api.scanNdjson(`${JSON.stringify(hit())}\n{}\n`).matched, [1]);
  assert.equal(api.compileRule({ version: '104' }).matches({ ...hit(), host: { os: { type: 'windows' } } }), true);
}

/** Runs `f` ROUNDS times; each must throw what `expected` accepts, never a trap. */
function hostile(f, expected) {
  for (let i = 0; i < ROUNDS; i++) {
    let threw = false;
    try {
      f(i);
    } catch (e) {
      threw = true;
      assert.ok(!(e instanceof WebAssembly.RuntimeError), `call ${i}: the module trapped: ${e && e.stack}`);
      assert.ok(expected(e), `call ${i}: unexpected error ${e && e.stack}`);
    }
    assert.ok(threw, `call ${i}: no error`);
  }
  stillWorks();
}

const typeError = (pattern) => (e) => e instanceof TypeError && e.code === 'invalid_argument' && pattern.test(e.message);

function lyingArray(length) {
  return new Proxy([], { get: (t, k) => (k === 'length' ? length : t[k]) });
}

test('a Proxy array whose length is not an array length, on a field the rule reads', () => {
  for (const length of [-5, -4, 1e10, 2 ** 32, 1.5, NaN, '3', null]) {
    const event = withName(lyingArray(length));
    hostile(
      (i) => (i % 2 ? api.matches(event) : api.evaluate(event)),
      typeError(/`dns\.question\.name`: an array of the event has length/),
    );
  }
});

test('a length that is an object with a throwing Symbol.toPrimitive or valueOf', () => {
  const length = {
    [Symbol.toPrimitive]() {
      throw new Error('toPrimitive ran');
    },
    valueOf() {
      throw new Error('valueOf ran');
    },
  };
  const event = withName(lyingArray(length));
  hostile((i) => (i % 2 ? api.matches(event) : api.evaluate(event)), typeError(/length an object/));
});

test('a sparse array of length 2^32-1 on a read field: a limit error, at once', () => {
  const sparse = [];
  sparse.length = 2 ** 32 - 1;
  sparse[5] = 'api.ipify.org';
  const event = withName(sparse);
  const started = Date.now();
  hostile(
    (i) => (i % 2 ? api.matches(event) : api.evaluate(event)),
    (e) => e.code === 'limit' && /4294967295 elements/.test(e.message),
  );
  assert.ok(Date.now() - started < 60_000, 'bounded time');
  // An array of a legitimate length is read whole, holes being no value.
  const ok = [];
  ok.length = 1000;
  ok[999] = 'api.ipify.org';
  assert.equal(api.matches(withName(ok)), true);
  assert.equal(api.evaluate(withName(ok)).matched, true);
});

test('detached buffers and fake typed arrays are TypeErrors', () => {
  const buffer = new ArrayBuffer(16);
  const view = new Uint8Array(buffer);
  structuredClone(buffer, { transfer: [buffer] });
  hostile((i) => [api.evaluate, api.matches, api.scanNdjson][i % 3](i % 2 ? buffer : view), typeError(/detached/));
  const fake = Object.create(Uint8Array.prototype);
  hostile((i) => [api.evaluate, api.matches][i % 2](fake), typeError(/claims to be a Uint8Array/));
  const fakeBuffer = Object.create(ArrayBuffer.prototype);
  hostile((i) => [api.evaluate, api.matches][i % 2](fakeBuffer), typeError(/claims to be/));
  hostile(() => api.scanNdjson(fake), typeError(/takes a Uint8Array/));
});

test('typed arrays other than Uint8Array are TypeErrors, not "not matched"', () => {
  const text = JSON.stringify(hit());
  const kinds = [
    new Uint16Array(8),
    new Int8Array(Buffer.from(text)),
    new Float64Array(2),
    new Uint8ClampedArray(Buffer.from(text)),
    new DataView(new ArrayBuffer(4)),
    new BigInt64Array(1),
  ];
  hostile(
    (i) => [api.evaluate, api.matches, api.scanNdjson][i % 3](kinds[i % kinds.length]),
    typeError(/not a (Uint16|Int8|Float64|Uint8Clamped|BigInt64)Array|DataView/),
  );
});

test('a Uint8Array whose own length or buffer property lies is read as what it is', () => {
  const bytes = Buffer.from(JSON.stringify(hit()));
  const lying = new Uint8Array(bytes);
  Object.defineProperty(lying, 'length', { value: 1e10 });
  Object.defineProperty(lying, 'buffer', { value: new ArrayBuffer(2) });
  for (let i = 0; i < ROUNDS; i++) assert.equal(api.matches(lying), true);
  stillWorks();
});

test('Proxy lists given to suggestException and compileRule', () => {
  const trapLength = new Proxy([], {
    get: (t, k) => {
      if (k === 'length') throw new Error('length trap');
      return t[k];
    },
  });
  const trapGet = new Proxy([hit()], {
    get: (t, k) => {
      if (k === '0') throw new Error('element trap');
      return t[k];
    },
  });
  const lists = [
    trapLength,
    trapGet,
    lyingArray(-5),
    lyingArray(1e10),
    lyingArray({
      valueOf() {
        throw new Error('no');
      },
    }),
  ];
  const own = (e) => e instanceof Error && (/trap/.test(e.message) || e.code === 'invalid_argument');
  const rule = api.compileRule({});
  hostile((i) => rule.suggestException(lists[i % lists.length]), own);
  hostile((i) => rule.suggestException([hit()], lists[i % lists.length]), own);
  hostile((i) => api.compileRule({ addDomains: lists[i % lists.length] }), own);
  hostile(
    () =>
      rule.suggestException([
        hit(),
        {
          get x() {
            throw new Error('getter trap');
          },
        },
      ]),
    own,
  );
});

test('getters and traps that throw while the engine reads: the caller gets the exception', () => {
  const revoked = Proxy.revocable({}, {});
  revoked.revoke();
  const boom = new Error('getter trap');
  const events = [
    {
      ...hit(),
      get dns() {
        throw boom;
      },
    },
    { ...hit(), dns: revoked.proxy },
    {
      ...hit(),
      dns: {
        question: new Proxy(
          {},
          {
            getOwnPropertyDescriptor() {
              throw boom;
            },
          },
        ),
      },
    },
    {
      ...hit(),
      dns: {
        question: {
          name: new Proxy(['x'], {
            get(t, k) {
              if (k === '0') throw boom;
              return t[k];
            },
          }),
        },
      },
    },
    {
      _source: new Proxy(hit(), {
        get() {
          throw boom;
        },
      }),
    },
  ];
  const own = (e) => e === boom || (e instanceof TypeError && /revoked/.test(e.message));
  hostile((i) => (i % 2 ? api.evaluate : api.matches)(events[i % events.length]), own);
});

test('the sizes that cannot cross: a limit error before any copy', () => {
  const big = Buffer.allocUnsafeSlow(3.9e9);
  for (let i = 0; i < 100; i++) {
    for (const f of [() => api.scanNdjson(big), () => api.evaluate(big), () => api.matches(big)]) {
      assert.throws(f, (e) => e.code === 'limit' && /more than 1073741824 bytes/.test(e.message));
    }
  }
  assert.throws(
    () => api.compileRule({ query: 'a'.repeat(5e8) }),
    (e) => e.code === 'limit' && /max_query_bytes/.test(e.message),
  );
  stillWorks();
});

test('through the stream API: hostile objects are rejected with a reason, true positives still alert', async () => {
  const sparse = [];
  sparse.length = 2 ** 32 - 1;
  const hostileEvents = [
    withName(lyingArray(-5)),
    withName(sparse),
    withName(
      lyingArray({
        [Symbol.toPrimitive]() {
          throw new Error('x');
        },
      }),
    ),
    {
      ...hit(),
      get dns() {
        throw new Error('getter');
      },
    },
  ];
  const scanner = api.createScanner({ objectMode: true });
  const alerts = [];
  scanner.on('data', (a) => alerts.push(a));
  let rejected = 0;
  scanner.on('rejected', () => rejected++);
  const n = 2000;
  for (let i = 0; i < n; i++) {
    if (!scanner.write(hostileEvents[i % hostileEvents.length])) await once(scanner, 'drain');
  }
  scanner.write(hit());
  scanner.end(Buffer.from(''));
  await once(scanner, 'end');
  assert.equal(rejected, n);
  assert.equal(alerts.length, 1);
  assert.deepEqual(scanner.counts, { lines: n + 1, matched: 1, unmatched: 0, rejected: n, blank: 0 });
  stillWorks();
});
