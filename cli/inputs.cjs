'use strict';
// The inputs named on the command line: `-` (standard input), files, directories (read
// recursively, as ripgrep does: hidden entries skipped, symbolic links to directories not
// followed, files in name order) and globs the shell left unexpanded because they were quoted
// (`*`, `?`, `[...]` within a path segment, `**` for any number of directories).

const fs = require('node:fs');
const path = require('node:path');

const GLOB_CHARS = /[*?[]/;

/** A RegExp for one path segment of a glob. */
function segmentRegExp(seg) {
  let re = '';
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i];
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const close = seg.indexOf(']', i + 2);
      if (close < 0) {
        re += '\\[';
        continue;
      }
      let body = seg.slice(i + 1, close);
      const negate = body[0] === '!' || body[0] === '^';
      if (negate) body = body.slice(1);
      re += `[${negate ? '^' : ''}${body.replace(/[\\\]]/g, '\\$&')}]`;
      i = close;
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

function entries(dir) {
  try {
    return fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } catch {
    return [];
  }
}

/** Every path matching a glob, sorted. */
function expandGlob(pattern) {
  const absolute = path.isAbsolute(pattern);
  const segs = pattern.split(/[\\/]+/).filter((s, i) => s !== '' || i === 0);
  let bases = [absolute ? path.parse(pattern).root : '.'];
  if (absolute || segs[0] === '') segs.shift();
  const join = (base, name) => (base === '.' ? name : path.join(base, name));
  for (let k = 0; k < segs.length; k++) {
    const seg = segs[k];
    const last = k === segs.length - 1;
    const next = [];
    if (seg === '**') {
      // Zero or more directories: the bases themselves and every directory below them.
      const walk = (dir) => {
        next.push(dir);
        for (const e of entries(dir)) if (e.isDirectory() && !e.name.startsWith('.')) walk(join(dir, e.name));
      };
      for (const b of bases) walk(b);
      bases = last
        ? next.flatMap((d) =>
            entries(d)
              .filter((e) => !e.name.startsWith('.'))
              .map((e) => join(d, e.name)),
          )
        : next;
      continue;
    }
    if (!GLOB_CHARS.test(seg)) {
      for (const b of bases) {
        const p = join(b, seg);
        if (fs.existsSync(p)) next.push(p);
      }
    } else {
      const re = segmentRegExp(seg);
      const hidden = seg.startsWith('.');
      for (const b of bases) {
        for (const e of entries(b)) {
          if (e.name.startsWith('.') && !hidden) continue;
          if (!re.test(e.name)) continue;
          if (!last && !e.isDirectory() && !(e.isSymbolicLink() && isDir(join(b, e.name)))) continue;
          next.push(join(b, e.name));
        }
      }
    }
    bases = next;
  }
  return [...new Set(bases)].sort();
}

function isDir(p) {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** The regular files under a directory, recursively, in name order; hidden entries skipped. */
function walkDir(dir, out = []) {
  for (const e of entries(dir)) {
    if (e.name.startsWith('.')) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walkDir(p, out);
    else if (e.isFile()) out.push(p);
    else if (e.isSymbolicLink()) {
      try {
        if (fs.statSync(p).isFile()) out.push(p); // links to files are read, links to directories not followed
      } catch {
        // a dangling link
      }
    }
  }
  return out;
}

/**
 * The inputs to read: [{ path ('-' for standard input), explicit (named on the command line,
 * rather than found in a directory) }], and errors ["pattern: no file matches"].
 */
function expandInputs(args) {
  const inputs = [];
  const errors = [];
  const addPath = (p, explicit) => {
    let st = null;
    try {
      st = fs.statSync(p);
    } catch {
      st = null;
    }
    if (st && st.isDirectory()) {
      const files = walkDir(p);
      if (files.length === 0) errors.push(`${p}: the directory has no file to read`);
      for (const f of files) inputs.push({ path: f, explicit: false });
    } else {
      inputs.push({ path: p, explicit });
    }
  };
  for (const a of args) {
    if (a === '-') inputs.push({ path: '-', explicit: true });
    else if (!fs.existsSync(a) && GLOB_CHARS.test(a)) {
      const found = expandGlob(a);
      if (found.length === 0) errors.push(`${a}: no file matches`);
      for (const f of found) addPath(f, true); // as if the shell had expanded it
    } else addPath(a, true);
  }
  return { inputs, errors };
}

module.exports = { expandGlob, expandInputs, segmentRegExp, walkDir };
