'use strict';
// What an input is, from its first bytes: gzip (decompressed here, member by member), zstd
// (decompressed where this Node.js has zstd), or something that is no JSON text at all (xz,
// bzip2, zip, 7z, lz4, a Windows EVTX log, binary data, UTF-16, CSV), which is an input error
// naming what it is and what to do.
//
// Gzip is read member by member with a raw inflater, the header and the trailer parsed here:
// everything a corrupt file holds is decoded and handed on before the corruption (a bad CRC,
// trailing garbage, a cut-off end) is reported. Node's gunzip stream drops the output of the
// step in which it finds the error (the last 16 KB or so: several events).

const zlib = require('node:zlib');

class InputError extends Error {}

const PIECE = 16 << 10; // compressed bytes inflated at a time: bounds the output of one step

function startsWith(buf, bytes, at = 0) {
  if (buf.length < at + bytes.length) return false;
  for (let i = 0; i < bytes.length; i++) if (buf[at + i] !== bytes[i]) return false;
  return true;
}

const GZIP = [0x1f, 0x8b];
const ZSTD = [0x28, 0xb5, 0x2f, 0xfd];

// Formats that are not read, with the command that makes them readable (FILE is the input).
const NOT_READ = [
  { what: 'xz-compressed data', magic: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], fix: 'xz -dc FILE | external-ip-lookup-rule scan -' },
  { what: 'zip archive', magic: [0x50, 0x4b, 0x03, 0x04], fix: 'unzip -p FILE | external-ip-lookup-rule scan -' },
  { what: '7z archive', magic: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c], fix: '7z x -so FILE | external-ip-lookup-rule scan -' },
  { what: 'lz4-compressed data', magic: [0x04, 0x22, 0x4d, 0x18], fix: 'lz4 -dc FILE | external-ip-lookup-rule scan -' },
  {
    what: 'Windows event log (EVTX), a binary format this tool does not read',
    magic: [...Buffer.from('ElfFile\0', 'latin1')],
    fix: 'evtx_dump -o jsonl FILE > events.ndjson (the evtx crate), then scan events.ndjson with --input sysmon',
  },
];

function isBzip2(h) {
  // "BZh", the block size 1-9, then a block's magic (pi) or the end-of-stream magic (sqrt(pi)).
  return (
    startsWith(h, [0x42, 0x5a, 0x68]) &&
    h[3] >= 0x31 &&
    h[3] <= 0x39 &&
    (startsWith(h, [0x31, 0x41, 0x59, 0x26, 0x53, 0x59], 4) || startsWith(h, [0x17, 0x72, 0x45, 0x38, 0x50, 0x90], 4))
  );
}

/** The input error for a head that is no format this tool reads, or null. */
function notRead(head, name) {
  const file = name === '<stdin>' ? '...' : name;
  for (const f of NOT_READ) {
    if (startsWith(head, f.magic)) return `${f.what}: ${f.fix.replace('FILE', file)}`;
  }
  if (isBzip2(head))
    return `bzip2-compressed data, which this tool does not decompress: bzip2 -dc ${file} | external-ip-lookup-rule scan -`;
  if (startsWith(head, ZSTD) && typeof zlib.createZstdDecompress !== 'function') {
    return `zstd-compressed data, and this Node.js (${process.version}) cannot decompress zstd (Node.js 22.15 and later can): zstd -dc ${file} | external-ip-lookup-rule scan -`;
  }
  return null;
}

/**
 * Why decoded text is not JSON events (binary, UTF-16, CSV), or null. `head` is the start of
 * the text, `format` the format detected for it.
 */
function notJsonText(head, format, name) {
  const file = name === '<stdin>' ? '...' : name;
  if (startsWith(head, [0xff, 0xfe]) || startsWith(head, [0xfe, 0xff])) {
    return `UTF-16 text, which this tool does not read: iconv -f UTF-16 -t UTF-8 ${file} | external-ip-lookup-rule scan -`;
  }
  const nul = head.subarray(0, 4096).indexOf(0);
  if (nul >= 0) return `binary data (a NUL byte at byte ${nul + 1}), not JSON text`;
  if (format === 'ndjson') {
    const text = head.subarray(0, 8192).toString('utf8');
    const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
    const first = lines[0];
    if (first && !/^\s*[{[]/.test(first)) {
      for (const sep of [',', '\t', ';']) {
        const cols = fields(first, sep);
        if (cols < 2) continue;
        const rows = lines.slice(1, lines.length > 2 ? -1 : undefined); // the last line may be cut
        if (rows.every((l) => fields(l, sep) === cols)) {
          const kind = sep === '\t' ? 'TSV' : 'CSV';
          return `${kind} (a header of ${cols} columns: ${JSON.stringify(first.slice(0, 60))}), not JSON events: this tool reads NDJSON, JSON arrays and search responses`;
        }
      }
    }
  }
  return null;
}

// The fields of a CSV line (quotes respected).
function fields(line, sep) {
  let n = 1;
  let quoted = false;
  for (const c of line) {
    if (c === '"') quoted = !quoted;
    else if (c === sep && !quoted) n++;
  }
  return n;
}

// CRC-32 (IEEE), for Node.js versions without zlib.crc32.
let table = null;
function crc32(buf, crc = 0) {
  if (typeof zlib.crc32 === 'function') return zlib.crc32(buf, crc);
  if (!table) {
    table = new Int32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c;
    }
  }
  let c = ~crc;
  for (let i = 0; i < buf.length; i++) c = table[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

/** The length of a gzip header at the start of `buf`, 0 when more bytes are needed. */
function gzipHeaderLength(buf) {
  if (buf.length < 10) return 0;
  if (buf[2] !== 8) throw new InputError(`gzip: unknown compression method ${buf[2]}`);
  const flags = buf[3];
  let pos = 10;
  if (flags & 4) {
    if (buf.length < pos + 2) return 0;
    pos += 2 + buf.readUInt16LE(pos);
  }
  for (const bit of [8, 16]) {
    if (flags & bit) {
      const nul = buf.indexOf(0, pos);
      if (nul < 0) return 0;
      pos = nul + 1;
    }
  }
  if (flags & 2) pos += 2;
  return buf.length >= pos ? pos : 0;
}

/**
 * Gunzips a stream of chunks, member after member: yields every decoded chunk, then throws an
 * InputError for a bad CRC or size, trailing garbage (zero padding is allowed, as in gzip) or a
 * cut-off end.
 * @param first the first bytes (a copy the caller gives up)
 * @param next () => Promise<Buffer|null>, the following chunks (each copied here)
 */
async function* gunzip(first, next) {
  let buf = first;
  let done = false;
  let offset = 0; // input bytes before buf
  const more = async () => {
    if (done) return false;
    const chunk = await next();
    if (chunk === null) {
      done = true;
      return false;
    }
    buf = buf.length ? Buffer.concat([buf, chunk]) : Buffer.from(chunk);
    return true;
  };
  for (let member = 1; ; member++) {
    while (buf.length < 2 && (await more()));
    if (buf.length === 0) return;
    if (!startsWith(buf, GZIP)) {
      if (member === 1) throw new InputError('gzip: not gzip data');
      // After the last member: zero padding is ignored; anything else is garbage.
      for (;;) {
        const bad = buf.findIndex((b) => b !== 0);
        if (bad >= 0) {
          throw new InputError(
            `gzip: trailing garbage after the compressed data, at byte ${offset + bad + 1} (everything before it was read)`,
          );
        }
        offset += buf.length;
        buf = Buffer.alloc(0);
        if (!(await more())) return;
      }
    }
    let headerLength;
    while ((headerLength = gzipHeaderLength(buf)) === 0) {
      if (!(await more())) throw new InputError(`gzip: the data is cut short in the header of member ${member}`);
    }
    buf = buf.subarray(headerLength);
    offset += headerLength;

    const raw = zlib.createInflateRaw();
    const outs = [];
    let error = null;
    raw.on('data', (d) => outs.push(d));
    raw.on('error', (e) => (error = e));
    let crc = 0;
    let size = 0;
    let fed = 0;
    let last = null;
    let ended = false;
    try {
      for (;;) {
        if (buf.length === 0 && !(await more())) break;
        last = buf.subarray(0, PIECE);
        buf = buf.subarray(last.length);
        await new Promise((resolve) => raw.write(last, resolve));
        fed += last.length;
        for (const o of outs.splice(0)) {
          crc = crc32(o, crc);
          size += o.length;
          yield o;
        }
        if (error)
          throw new InputError(`gzip: ${error.message}, at about byte ${offset + raw.bytesWritten} (everything before it was read)`);
        if (raw.bytesWritten < fed) {
          ended = true;
          break;
        }
      }
    } finally {
      raw.destroy();
    }
    if (!ended) throw new InputError(`gzip: unexpected end of file: the data is cut short (everything before it was read)`);
    // What the inflater did not take is the trailer, and what follows it.
    const unused = fed - raw.bytesWritten;
    buf = Buffer.concat([last.subarray(last.length - unused), buf]);
    offset += raw.bytesWritten;
    while (buf.length < 8 && (await more()));
    if (buf.length < 8)
      throw new InputError(`gzip: the data is cut short in the trailer of member ${member} (everything before it was read)`);
    const wantCrc = buf.readUInt32LE(0);
    const wantSize = buf.readUInt32LE(4);
    if (wantCrc !== crc >>> 0 || wantSize !== size % 2 ** 32) {
      throw new InputError(
        `gzip: member ${member} fails its check (${wantCrc !== crc >>> 0 ? 'CRC' : 'size'} mismatch): the data is corrupt (all ${size} bytes decoded were read)`,
      );
    }
    buf = buf.subarray(8);
    offset += 8;
  }
}

/**
 * Decoded chunks of an input: gunzipped or un-zstd'ed when its first bytes say so; an
 * InputError when the input is a format this tool does not read. A chunk is only valid until the
 * next one is asked for.
 * @param chunks an async iterable of Buffers (possibly reused by the reader)
 * @param name the input's name, for messages
 */
async function* decode(chunks, name) {
  const it = chunks[Symbol.asyncIterator]();
  let head = Buffer.alloc(0);
  let done = false;
  while (head.length < 16) {
    const r = await it.next();
    if (r.done) {
      done = true;
      break;
    }
    head = Buffer.concat([head, r.value]); // a copy: the reader reuses its buffer
  }
  if (head.length === 0) return;
  const why = notRead(head, name);
  if (why) throw new InputError(why);
  const next = async () => {
    if (done) return null;
    const r = await it.next();
    if (r.done) {
      done = true;
      return null;
    }
    return r.value;
  };
  try {
    if (startsWith(head, GZIP)) {
      yield* gunzip(head, async () => {
        const c = await next();
        return c === null ? null : Buffer.from(c);
      });
    } else if (startsWith(head, ZSTD)) {
      yield* zstd(head, next);
    } else {
      yield head;
      for (let c = await next(); c !== null; c = await next()) yield c;
    }
  } finally {
    if (!done && it.return) await it.return(); // stops the reader (and closes the file) early
  }
}

// zstd through Node's zlib (Node.js 22.15 and later; notRead refuses zstd elsewhere).
async function* zstd(head, next) {
  const z = zlib.createZstdDecompress();
  const outs = [];
  let error = null;
  z.on('data', (d) => outs.push(d));
  z.on('error', (e) => (error = e));
  const write = (buf) => new Promise((resolve) => z.write(buf, resolve));
  try {
    for (let c = head; c !== null; c = await next()) {
      for (let i = 0; i < c.length; i += PIECE) {
        await write(Buffer.from(c.subarray(i, i + PIECE)));
        yield* outs.splice(0);
        if (error) throw new InputError(`zstd: ${error.message} (everything before it was read)`);
      }
    }
    await new Promise((resolve) => z.end(resolve));
    yield* outs.splice(0);
    if (error) throw new InputError(`zstd: ${error.message} (everything before it was read)`);
  } finally {
    z.destroy();
  }
}

module.exports = { InputError, crc32, decode, gunzip, notJsonText, notRead };
