// The baseline a Node.js user would write instead of this package: the rule (version 102)
// translated by hand into plain JavaScript with RegExps, on parsed objects, and `JSON.parse` per
// line plus that matcher for NDJSON.
//
//   network where network.protocol == "dns" and
//     process.name != null and user.id not in ("S-1-5-19", "S-1-5-20") and
//     event.action == "lookup_requested" and
//     dns.question.name : ( 19 patterns ) and
//     not process.executable : ( 10 patterns )
//
// Faithful to Elasticsearch's semantics (see docs/eql-semantics.md) for events
// whose fields are nested objects: a field is an array or a single value and any element counts;
// null, [] and [null] are no value; numbers and booleans are their text; an object is no value; a
// string longer than 1024 UTF-16 units is not indexed (no value); `==` and `in` are case-sensitive;
// `:` is case-insensitive for ASCII letters only; `*` is any run, `?` exactly one code point; the
// negated clauses hold when the field is absent. It does not read dotted keys
// (`{"dns.question.name": ...}`) or arrays of objects, which the generated events do not use.

const DOMAIN_PATTERNS = [
  '*api.ipify.org',
  '*freegeoip.app',
  '*checkip.amazonaws.com',
  '*checkip.dyndns.org',
  '*freegeoip.app',
  '*icanhazip.com',
  '*ifconfig.*',
  '*ipecho.net',
  '*ipgeoapi.com',
  '*ipinfo.io',
  '*ip.anysrc.net',
  '*myexternalip.com',
  '*myipaddress.com',
  '*showipaddress.com',
  '*whatismyipaddress.com',
  '*wtfismyip.com',
  '*ipapi.co',
  '*ip-lookup.net',
  '*ipstack.com',
];

const EXCLUDED_EXECUTABLES = [
  '?:\\Program Files\\*.exe',
  '?:\\Program Files (x86)\\*.exe',
  '?:\\Windows\\System32\\WWAHost.exe',
  '?:\\Windows\\System32\\smartscreen.exe',
  '?:\\Windows\\System32\\MicrosoftEdgeCP.exe',
  '?:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\*\\MsMpEng.exe',
  '?:\\Users\\*\\AppData\\Local\\Google\\Chrome\\Application\\chrome.exe',
  '?:\\Users\\*\\AppData\\Local\\Programs\\Fiddler\\Fiddler.exe',
  '?:\\Users\\*\\AppData\\Local\\Programs\\Microsoft VS Code\\Code.exe',
  '?:\\Users\\*\\AppData\\Local\\Microsoft\\OneDrive\\OneDrive.exe',
];

/**
 * One anchored, case-insensitive RegExp for a list of EQL wildcard patterns. Without the `u` flag,
 * `i` folds only within ASCII for these ASCII patterns (a non-ASCII character never equals an ASCII
 * one), as Elasticsearch does; `?` is spelled as one code point (a surrogate pair or one unit).
 */
export function wildcardsToRegExp(patterns) {
  const alternatives = patterns.map((p) =>
    p
      .split('')
      .map((c) => {
        if (c === '*') return '[^]*';
        if (c === '?') return '(?:[\\uD800-\\uDBFF][\\uDC00-\\uDFFF]|[^])';
        return c.replace(/[\\^$.|+()[\]{}/-]/g, '\\$&');
      })
      .join(''),
  );
  return new RegExp(`^(?:${alternatives.join('|')})$`, 'i');
}

const DOMAINS = wildcardsToRegExp(DOMAIN_PATTERNS);
const EXCLUDED = wildcardsToRegExp(EXCLUDED_EXECUTABLES);
const EXCLUDED_USERS = new Set(['S-1-5-19', 'S-1-5-20']);

/** The values of a keyword field, as Elasticsearch would index them. */
function each(value, test) {
  if (value === null || value === undefined) return false;
  if (Array.isArray(value)) {
    for (const v of value) if (each(v, test)) return true;
    return false;
  }
  switch (typeof value) {
    case 'string':
      return value.length <= 1024 && test(value);
    case 'number':
      return Number.isFinite(value) && test(String(value));
    case 'boolean':
      return test(value ? 'true' : 'false');
    default:
      return false; // an object is no value
  }
}

const any = () => true;
const isNetwork = (v) => v === 'network';
const isDns = (v) => v === 'dns';
const isLookup = (v) => v === 'lookup_requested';
const isExcludedUser = (v) => EXCLUDED_USERS.has(v);
const isIpLookupService = (v) => DOMAINS.test(v);
const isExcludedProgram = (v) => EXCLUDED.test(v);

/** The rule, version 102, by hand. `event` is a parsed ECS document with nested fields. */
export function baselineMatches(event) {
  const e = event.event;
  const process = event.process;
  return (
    e != null &&
    each(e.category, isNetwork) &&
    each(event.network?.protocol, isDns) &&
    each(e.action, isLookup) &&
    each(process?.name, any) &&
    !each(event.user?.id, isExcludedUser) &&
    each(event.dns?.question?.name, isIpLookupService) &&
    !each(process?.executable, isExcludedProgram)
  );
}

/**
 * NDJSON the way a Node user would scan it: decode, split lines, `JSON.parse` each, match.
 * Returns the same shape of counts as `scanNdjson`.
 */
export function baselineScan(bytes) {
  const text = typeof bytes === 'string' ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  const matched = [];
  const counts = { lines: 0, matched: 0, unmatched: 0, rejected: 0, blank: 0 };
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === '') {
      counts.blank++;
      continue;
    }
    let doc;
    try {
      doc = JSON.parse(line);
    } catch {
      counts.rejected++;
      continue;
    }
    if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
      counts.rejected++;
    } else if (baselineMatches(doc)) {
      counts.matched++;
      matched.push(i + 1);
    } else {
      counts.unmatched++;
    }
  }
  counts.lines = counts.matched + counts.unmatched + counts.rejected;
  return { matched, counts };
}
