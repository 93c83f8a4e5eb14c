// The reads the engine makes of a JavaScript event (src/wasm/js_event.rs imports them): one
// crossing per node instead of two to five, and every read made safe.
//
// Hostile input: a getter or a Proxy trap may throw, and an array's `length` may be anything. A JS
// exception thrown through an import unwinds the wasm frames without restoring the module's stack
// pointer or borrow flags, and enough of them leave the module unusable. So nothing here throws:
// an exception is caught and kept (the first one), the read answers "absent", and the engine
// rethrows it once the call is done (`take_thrown`). No user code runs outside a `try`: a length
// is used only if it is already a number (no `valueOf` or `Symbol.toPrimitive` called).
//
// The kind codes are the engine's (`kind` in js_event.rs); `define_kinds` receives them when the
// module is instantiated.

let ABSENT, BAD_LENGTH, NOTHING, STRING, LONG_STRING, NUMBER, TRUE, FALSE, OBJECT, ARRAY;
// Strings longer than this (in UTF-16 code units) are not indexed: only their length crosses.
let IGNORE_ABOVE;

function define_kinds(codes) {
  [ABSENT, BAD_LENGTH, NOTHING, STRING, LONG_STRING, NUMBER, TRUE, FALSE, OBJECT, ARRAY, IGNORE_ABOVE] = codes;
}

let pending;
function keep(e) {
  if (pending === undefined) pending = [e];
}

/** `[exception]` for the first exception a read caught since the last call, or `undefined`. */
function take_thrown() {
  const p = pending;
  pending = undefined;
  return p;
}

// What the last read found, for one `last_*` call.
let last;

/** The kind of `obj[key]` if `key` is an own property of `obj`, else ABSENT. */
function own_kind(obj, key) {
  try {
    if (!Object.hasOwn(obj, key)) return ABSENT;
    return kind(obj[key]);
  } catch (e) {
    keep(e);
    return ABSENT;
  }
}

/** The kind of `arr[i]`. */
function element_kind(arr, i) {
  try {
    return kind(arr[i]);
  } catch (e) {
    keep(e);
    return NOTHING;
  }
}

// Array.isArray may throw (a revoked Proxy): the callers catch.
function kind(v) {
  switch (typeof v) {
    case 'string':
      if (v.length > IGNORE_ABOVE) {
        last = codePoints(v);
        return LONG_STRING;
      }
      last = v;
      return STRING;
    case 'number':
      last = v;
      return Number.isFinite(v) ? NUMBER : NOTHING;
    case 'boolean':
      return v ? TRUE : FALSE;
    case 'object': {
      if (v === null) return NOTHING;
      last = v;
      if (!Array.isArray(v)) return OBJECT;
      const n = v.length;
      if (Number.isInteger(n) && n >= 0 && n <= 0xffffffff) return ARRAY + n;
      last = n;
      return BAD_LENGTH;
    }
    default:
      // undefined, functions, symbols, bigints: nothing JSON would carry as a value.
      return NOTHING;
  }
}

function codePoints(s) {
  let n = s.length;
  for (let i = 0; i + 1 < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

function last_value() {
  const v = last;
  last = undefined;
  return v;
}

/** A description of the value `last` holds, for an error message (never runs user code). */
function last_described() {
  const v = last;
  last = undefined;
  if (typeof v === 'number' || v === null || v === undefined) return String(v);
  if (typeof v === 'string') return JSON.stringify(v.length > 20 ? `${v.slice(0, 20)}...` : v);
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

export { define_kinds, take_thrown, own_kind, element_kind, last_value, last_described };
// The same value, when its kind said it is a string or a number.
export { last_value as last_string, last_value as last_number };
