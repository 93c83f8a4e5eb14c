//! Wildcard patterns, with Elasticsearch's semantics: the lists of the query (`:`, `like`,
//! `like~`), compiled into one set each, and the `wildcard` entries of exception items.
//!
//! Elasticsearch turns a pattern into a Lucene wildcard automaton: `*` is any run of characters
//! (newlines included), `?` exactly one code point, the match is anchored at both ends, and
//! case-insensitive matching folds ASCII letters only. The two texts differ only in escapes
//! ([`Syntax`]): in EQL a backslash is a literal backslash; in Lucene's wildcard query (Kibana's
//! `wildcard` exception entries) `\` escapes the next character.
//!
//! One matcher implements that, [`Wildcard`], and the tests hold it to [`wildcard_match`], a
//! deliberately simple reference. A pattern `s0*s1*...*sn` is compiled into its segments: it
//! matches when `s0` is a prefix, `sn` a suffix, and `s1..sn-1` occur in order in between; taking
//! each middle segment at its leftmost place is always right. Each segment is found in time
//! linear in the value: a segment of literal characters by Knuth-Morris-Pratt (over UTF-8 bytes,
//! ASCII-folded when matching ignores case), a segment with `?` by the bit-parallel shift-and
//! algorithm over code points (one machine word per 64 code points of the segment). So a value
//! costs O(value + pattern) per pattern (O(value x segment / 64) for a middle segment with `?`
//! longer than 64 code points), never the O(value x pattern) of backtracking: a list of long
//! `*...*` patterns cannot stall an evaluation. The limit `max_pattern_bytes` bounds the total.
//!
//! With the `globset` feature (on by default, for native builds), a [`globset::GlobSet`] over a
//! whole list decides the query's lists in one pass, configured so that globset means the same
//! thing: `backslash_escape(false)` (its default on Linux and wasm would eat the `\` of
//! `?:\Program Files\*.exe`), `literal_separator(false)` (EQL `*` crosses `\` and `/`), runs of
//! `*` collapsed (globset gives `**` a directory meaning), and `[ ] { }` escaped as `[[]`, `[]]`,
//! `[{]`, `[}]` (literal in EQL). globset's case folding is ASCII only, like Elasticsearch's. It
//! matches bytes, so its `?` is one byte where EQL's is one code point: for a value with non-ASCII
//! characters, the patterns with `?` are decided by [`Wildcard`] instead.
//!
//! Why globset at all: it pulls in regex-automata, which adds about 180 KB (gzip) to the `.wasm`,
//! over the package's size budget; natively that cost is irrelevant and its one-pass set matching
//! scales to long user lists. The WebAssembly build uses [`Wildcard`] alone, and
//! `cargo test --no-default-features` runs every test on it alone.

use std::collections::BinaryHeap;

#[cfg(feature = "globset")]
use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

use crate::error::Result;
#[cfg(feature = "globset")]
use crate::error::{Error, ErrorKind};

/// How a pattern's text is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Syntax {
    /// EQL: `*` and `?` are wildcards, every other character (a backslash too) is itself.
    Eql,
    /// Lucene's wildcard query: as EQL, but `\` makes the next character literal (`\*`, `\?`,
    /// `\\`); a trailing `\` is itself.
    Lucene,
}

/// The most bytes of patterns one list may have for globset to build its automaton (about 10,000
/// domain patterns): a list of 1 MB of long patterns took seconds to build, for no gain.
#[cfg(feature = "globset")]
const GLOBSET_MAX_BYTES: usize = 256 << 10;

/// A compiled list of EQL wildcard patterns.
#[derive(Clone, Debug)]
pub struct PatternSet {
    patterns: Vec<String>,
    case_insensitive: bool,
    compiled: Vec<Wildcard>,
    /// `None` when the list is too large for globset's automaton (hostile input): [`Wildcard`]
    /// then decides every value, exactly, instead of the rule failing to compile.
    #[cfg(feature = "globset")]
    set: Option<GlobSet>,
    /// Indices of the patterns containing `?`, decided by [`Wildcard`] on non-ASCII values.
    #[cfg(feature = "globset")]
    qmark: Vec<usize>,
}

impl PatternSet {
    /// Compiles `patterns` (EQL pattern text, escapes already resolved).
    pub fn new<S: AsRef<str>>(patterns: &[S], case_insensitive: bool) -> Result<PatternSet> {
        let patterns: Vec<String> = patterns.iter().map(|p| p.as_ref().to_string()).collect();
        let compiled = patterns.iter().map(|p| Wildcard::new(p, Syntax::Eql, case_insensitive)).collect();
        #[cfg(feature = "globset")]
        if patterns.iter().map(String::len).sum::<usize>() > GLOBSET_MAX_BYTES {
            // Past this size the automaton costs more to build than it saves: [`Wildcard`] alone
            // decides, in linear time per pattern.
            return Ok(PatternSet { patterns, case_insensitive, compiled, set: None, qmark: Vec::new() });
        }
        #[cfg(feature = "globset")]
        {
            let mut builder = GlobSetBuilder::new();
            let mut qmark = Vec::new();
            for (i, p) in patterns.iter().enumerate() {
                if p.contains('?') {
                    qmark.push(i);
                }
                let glob = GlobBuilder::new(&to_glob(p))
                    .case_insensitive(case_insensitive)
                    .literal_separator(false)
                    .backslash_escape(false)
                    .empty_alternates(false)
                    .build()
                    .map_err(|e| Error::new(ErrorKind::Syntax, format!("pattern \"{p}\": {e}")))?;
                builder.add(glob);
            }
            let set = builder.build().ok();
            Ok(PatternSet { patterns, case_insensitive, compiled, set, qmark })
        }
        #[cfg(not(feature = "globset"))]
        Ok(PatternSet { patterns, case_insensitive, compiled })
    }

    /// The patterns as given.
    pub fn patterns(&self) -> &[String] {
        &self.patterns
    }

    /// Whether matching folds ASCII case.
    pub fn case_insensitive(&self) -> bool {
        self.case_insensitive
    }

    /// Whether any pattern matches `value`.
    #[inline]
    pub fn is_match(&self, value: &str) -> bool {
        #[cfg(feature = "globset")]
        if let Some(set) = self.set.as_ref().filter(|_| self.qmark.is_empty() || value.is_ascii()) {
            return set.is_match(value);
        }
        self.compiled.iter().any(|w| w.is_match(value))
    }

    /// Fills `into` with the indices of the patterns that match `value`, in pattern order.
    pub fn matches_into(&self, value: &str, into: &mut Vec<usize>) {
        into.clear();
        #[cfg(feature = "globset")]
        if let Some(set) = self.set.as_ref().filter(|_| self.qmark.is_empty() || value.is_ascii()) {
            set.matches_into(value, into);
            return;
        }
        into.extend(self.compiled.iter().enumerate().filter(|(_, w)| w.is_match(value)).map(|(i, _)| i));
    }
}

/// A token of a pattern: `*`, `?`, or a literal character.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tok {
    Star,
    One,
    Char(char),
}

/// The tokens of `pattern` read with `syntax`.
pub(crate) fn tokens(pattern: &str, syntax: Syntax) -> Vec<Tok> {
    let mut out = Vec::with_capacity(pattern.len());
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        out.push(match c {
            '*' => Tok::Star,
            '?' => Tok::One,
            '\\' if syntax == Syntax::Lucene => Tok::Char(chars.next().unwrap_or('\\')),
            c => Tok::Char(c),
        });
    }
    out
}

/// One wildcard pattern, compiled into the segments between its `*`s.
#[derive(Clone, Debug)]
pub struct Wildcard {
    /// The segment before the first `*` (the whole pattern when it has none).
    first: Segment,
    /// The segments between `*`s, empty ones dropped, each ready to be found.
    middle: Vec<Middle>,
    /// The segment after the last `*`; `None` when the pattern has no `*`.
    last: Option<Segment>,
    case_insensitive: bool,
}

/// A run of literal characters and `?`s, of a fixed number of code points.
#[derive(Clone, Debug)]
struct Segment {
    /// The code points; `None` is `?`. ASCII letters are lowercased when matching folds case.
    chars: Vec<Option<char>>,
    /// For a segment without `?`: its UTF-8 bytes (ASCII-lowercased likewise).
    literal: Option<Vec<u8>>,
}

/// A middle segment, found by Knuth-Morris-Pratt (a literal one: its bytes and failure function)
/// or by shift-and (one with `?`).
#[derive(Clone, Debug)]
enum Middle {
    Literal(Vec<u8>, Vec<u32>),
    Mixed(ShiftAnd),
}

impl Wildcard {
    /// Compiles one pattern read with `syntax`.
    pub fn new(pattern: &str, syntax: Syntax, case_insensitive: bool) -> Wildcard {
        let mut segments: Vec<Vec<Option<char>>> = vec![Vec::new()];
        let mut chars = pattern.chars();
        while let Some(c) = chars.next() {
            let c = match c {
                '*' => {
                    segments.push(Vec::new());
                    continue;
                }
                '?' => None,
                '\\' if syntax == Syntax::Lucene => Some(chars.next().unwrap_or('\\')),
                c => Some(c),
            };
            if let Some(segment) = segments.last_mut() {
                segment.push(c.map(|c| fold(c, case_insensitive)));
            }
        }
        let last = if segments.len() > 1 { segments.pop().map(Segment::new) } else { None };
        let mut segments = segments.into_iter();
        let first = Segment::new(segments.next().unwrap_or_default());
        let mut middle = Vec::new();
        for chars in segments.filter(|s| !s.is_empty()) {
            middle.push(match Segment::new(chars) {
                Segment { literal: Some(bytes), .. } => {
                    let fail = failure(&bytes);
                    Middle::Literal(bytes, fail)
                }
                Segment { chars, .. } => Middle::Mixed(ShiftAnd::new(&chars)),
            });
        }
        Wildcard { first, middle, last, case_insensitive }
    }

    /// Whether the pattern matches the whole of `value`.
    pub fn is_match(&self, value: &str) -> bool {
        let v = value.as_bytes();
        let Some(mut pos) = self.first.match_at(value, 0, self.case_insensitive) else { return false };
        let Some(last) = &self.last else { return pos == v.len() };
        for m in &self.middle {
            let found = match m {
                Middle::Literal(bytes, fail) => kmp_find(bytes, fail, v, pos, self.case_insensitive),
                Middle::Mixed(sa) => sa.find(value, pos, self.case_insensitive),
            };
            match found {
                Some(end) => pos = end,
                None => return false,
            }
        }
        // The last segment ends the value: it starts its length before the end.
        let start = match &last.literal {
            Some(bytes) => v.len().checked_sub(bytes.len()),
            None => value.char_indices().rev().nth(last.chars.len() - 1).map(|(i, _)| i),
        };
        start.is_some_and(|s| s >= pos && last.match_at(value, s, self.case_insensitive) == Some(v.len()))
    }
}

impl Segment {
    fn new(chars: Vec<Option<char>>) -> Segment {
        let mut literal = Some(String::with_capacity(chars.len()));
        for c in &chars {
            match (c, literal.as_mut()) {
                (Some(c), Some(l)) => l.push(*c),
                _ => literal = None,
            }
        }
        Segment { chars, literal: literal.map(String::into_bytes) }
    }

    /// Matches the segment at byte `pos` of `value`; returns the end, or `None`.
    #[inline]
    fn match_at(&self, value: &str, pos: usize, case_insensitive: bool) -> Option<usize> {
        if let Some(lit) = &self.literal {
            let v = value.as_bytes().get(pos..pos.checked_add(lit.len())?)?;
            let same = if case_insensitive { v.eq_ignore_ascii_case(lit) } else { v == lit.as_slice() };
            return same.then_some(pos + lit.len());
        }
        let rest = value.get(pos..)?;
        let mut it = rest.char_indices();
        for want in &self.chars {
            let (_, c) = it.next()?;
            if want.is_some_and(|w| w != fold(c, case_insensitive)) {
                return None;
            }
        }
        Some(pos + it.next().map_or(rest.len(), |(i, _)| i))
    }
}

#[inline]
fn fold(c: char, case_insensitive: bool) -> char {
    if case_insensitive {
        c.to_ascii_lowercase()
    } else {
        c
    }
}

#[cfg(test)]
thread_local! {
    /// Characters (or bytes) the finders have read: the tests count work instead of timing it.
    static STEPS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Counts one step of a finder (tests only).
#[inline(always)]
fn step() {
    #[cfg(test)]
    STEPS.with(|s| s.set(s.get() + 1));
}

/// The Knuth-Morris-Pratt failure function of `pat`: for each prefix, the length of its longest
/// proper prefix that is also its suffix.
fn failure(pat: &[u8]) -> Vec<u32> {
    let mut fail = vec![0u32; pat.len()];
    let mut k = 0usize;
    for i in 1..pat.len() {
        while k > 0 && pat[i] != pat[k] {
            k = fail[k - 1] as usize;
        }
        if pat[i] == pat[k] {
            k += 1;
        }
        fail[i] = k as u32;
    }
    fail
}

/// The end of the leftmost occurrence of `pat` in `v[from..]`, in time linear in `v`. `pat` is
/// lowercased when `case_insensitive`; so is each byte of `v` as it is read. A match starts at a
/// character boundary: `pat` starts with a leading byte, which no continuation byte equals.
fn kmp_find(pat: &[u8], fail: &[u32], v: &[u8], from: usize, case_insensitive: bool) -> Option<usize> {
    let mut k = 0usize;
    for (i, &b) in v.get(from..)?.iter().enumerate() {
        let b = if case_insensitive { b.to_ascii_lowercase() } else { b };
        step();
        while k > 0 && pat[k] != b {
            // Amortized: k falls at most as often as it rose, once per byte read.
            k = fail[k - 1] as usize;
            step();
        }
        if pat[k] == b {
            k += 1;
            if k == pat.len() {
                return Some(from + i + 1);
            }
        }
    }
    None
}

/// The shift-and automaton of a segment with `?`: bit `j` of the state says the last `j + 1`
/// code points read match the segment's first `j + 1`. A character's mask is dense (one bit per
/// position) when it occurs at least once per word of the state, else the list of its
/// positions: each step costs O(words) either way, and the masks O(segment) memory.
#[derive(Clone, Debug)]
struct ShiftAnd {
    len: usize,
    /// The positions that are `?`.
    any: Vec<u64>,
    /// Each literal character of the segment, sorted, with where it stands.
    masks: Vec<(char, Mask)>,
}

#[derive(Clone, Debug)]
enum Mask {
    Dense(Vec<u64>),
    Sparse(Vec<u32>),
}

impl ShiftAnd {
    fn new(chars: &[Option<char>]) -> ShiftAnd {
        let words = chars.len().div_ceil(64);
        let mut any = vec![0u64; words];
        let mut at: Vec<(char, u32)> = Vec::new();
        for (j, c) in chars.iter().enumerate() {
            match c {
                None => any[j / 64] |= 1 << (j % 64),
                Some(c) => at.push((*c, j as u32)),
            }
        }
        // Sorted by a heap: a slice sort would add kilobytes to the `.wasm`.
        let at = BinaryHeap::from(at).into_sorted_vec();
        let mut masks: Vec<(char, Mask)> = Vec::new();
        for group in at.chunk_by(|a, b| a.0 == b.0) {
            let (c, positions): (char, Vec<u32>) = (group[0].0, group.iter().map(|&(_, j)| j).collect());
            let mask = if positions.len() >= words {
                let mut m = vec![0u64; words];
                for &j in &positions {
                    m[j as usize / 64] |= 1 << (j % 64);
                }
                Mask::Dense(m)
            } else {
                Mask::Sparse(positions)
            };
            masks.push((c, mask));
        }
        ShiftAnd { len: chars.len(), any, masks }
    }

    /// The end (a byte offset) of the leftmost occurrence in `value[from..]`. All occurrences
    /// have the same number of code points, so the leftmost to end is the leftmost to start.
    fn find(&self, value: &str, from: usize, case_insensitive: bool) -> Option<usize> {
        let words = self.any.len();
        let (mut state, mut shifted) = (vec![0u64; words], vec![0u64; words]);
        let top = self.len - 1;
        for (i, c) in value.get(from..)?.char_indices() {
            for _ in 0..words {
                step();
            }
            // shifted = (state << 1) | 1: a match may start at every character.
            let mut carry = 1u64;
            for (s, st) in shifted.iter_mut().zip(&state) {
                *s = (st << 1) | carry;
                carry = st >> 63;
            }
            for ((st, s), a) in state.iter_mut().zip(&shifted).zip(&self.any) {
                *st = s & a;
            }
            let c = fold(c, case_insensitive);
            if let Ok(k) = self.masks.binary_search_by(|(m, _)| m.cmp(&c)) {
                match &self.masks[k].1 {
                    Mask::Dense(m) => {
                        for ((st, s), m) in state.iter_mut().zip(&shifted).zip(m) {
                            *st |= s & m;
                        }
                    }
                    Mask::Sparse(ps) => {
                        for &j in ps {
                            let (w, b) = (j as usize / 64, j % 64);
                            state[w] |= shifted[w] & (1 << b);
                        }
                    }
                }
            }
            if state[top / 64] >> (top % 64) & 1 == 1 {
                return Some(from + i + c.len_utf8());
            }
        }
        None
    }
}

#[cfg(feature = "globset")]
/// Rewrites an EQL pattern as a globset glob with the same meaning (see the module docs).
fn to_glob(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut prev_star = false;
    for c in pattern.chars() {
        if c == '*' && prev_star {
            continue;
        }
        prev_star = c == '*';
        match c {
            '[' => out.push_str("[[]"),
            ']' => out.push_str("[]]"),
            '{' => out.push_str("[{]"),
            '}' => out.push_str("[}]"),
            c => out.push(c),
        }
    }
    out
}

/// The reference matcher: EQL wildcard semantics over code points, anchored, `*` any run, `?` one
/// code point, ASCII-only case folding when `case_insensitive`. Deliberately simple (backtracking
/// to the last `*`: O(pattern x value) at worst), for the tests to hold the crate's matcher and globset
/// to; the engine never runs it.
pub fn wildcard_match(pattern: &str, value: &str, case_insensitive: bool) -> bool {
    reference_match(&tokens(pattern, Syntax::Eql), value, case_insensitive)
}

/// The reference on tokens (either syntax).
pub(crate) fn reference_match(p: &[Tok], value: &str, case_insensitive: bool) -> bool {
    let v: Vec<char> = value.chars().collect();
    let (mut pi, mut vi) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while vi < v.len() {
        match p.get(pi) {
            Some(Tok::Star) => {
                star = Some((pi, vi));
                pi += 1;
            }
            Some(Tok::One) => (pi, vi) = (pi + 1, vi + 1),
            Some(Tok::Char(c)) if fold(*c, case_insensitive) == fold(v[vi], case_insensitive) => {
                (pi, vi) = (pi + 1, vi + 1)
            }
            _ => match star {
                Some((sp, sv)) => {
                    (pi, vi) = (sp + 1, sv + 1);
                    star = Some((sp, sv + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|t| *t == Tok::Star)
}

/// Whether `value` equals `term`, folding ASCII case when `case_insensitive`.
#[inline]
pub fn term_eq(term: &str, value: &str, case_insensitive: bool) -> bool {
    if case_insensitive {
        term.eq_ignore_ascii_case(value)
    } else {
        term == value
    }
}

/// Whether pattern `a` matches every value pattern `b` matches (`b` is subsumed by `a`), decided
/// conservatively: `b` must be a plain string or its wildcards must line up with `a`'s. Used for
/// warnings only, never for verdicts.
pub fn subsumes(a: &str, b: &str, case_insensitive: bool) -> bool {
    if a == b {
        return false;
    }
    // A plain `b` is one value: `a` subsumes it when it matches it (a plain `a` is another value).
    if !b.contains(['*', '?']) {
        if !a.contains(['*', '?']) {
            return false;
        }
        return Wildcard::new(a, Syntax::Eql, case_insensitive).is_match(b);
    }
    // Common shape in rules: both are `*suffix` or `prefix*`. Compared as bytes, without
    // lower-cased copies: this runs for every pair of a list at every compile, start-up included.
    let plain = |s: &str| !s.contains(['*', '?']);
    let eq = |x: &[u8], y: &[u8]| if case_insensitive { x.eq_ignore_ascii_case(y) } else { x == y };
    if let (Some(sa), Some(sb)) = (a.strip_prefix('*'), b.strip_prefix('*')) {
        if plain(sa) && plain(sb) {
            return sb.len() >= sa.len() && eq(&sb.as_bytes()[sb.len() - sa.len()..], sa.as_bytes());
        }
    }
    if let (Some(pa), Some(pb)) = (a.strip_suffix('*'), b.strip_suffix('*')) {
        if plain(pa) && plain(pb) {
            return pb.len() >= pa.len() && eq(&pb.as_bytes()[..pa.len()], pa.as_bytes());
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn m(pattern: &str, value: &str, ci: bool) -> bool {
        let set = PatternSet::new(&[pattern], ci).unwrap();
        let by_set = set.is_match(value);
        assert_eq!(
            by_set,
            wildcard_match(pattern, value, ci),
            "set and reference disagree: {pattern:?} {value:?}"
        );
        assert_eq!(
            by_set,
            Wildcard::new(pattern, Syntax::Eql, ci).is_match(value),
            "Wildcard disagrees: {pattern:?} {value:?}"
        );
        by_set
    }

    #[test]
    fn specification_examples() {
        assert!(m("*api.ipify.org", "API.IPIFY.ORG", true));
        assert!(!m("*api.ipify.org", "api.ipify.org.", true));
        assert!(!m("*ifconfig.*", "ifconfigme", true));
        assert!(m("*ifconfig.*", "ifconfig.me", true));
        assert!(m(r"?:\Program Files\*.exe", r"d:\program files\x\y.EXE", true));
        assert!(!m(r"?:\Program Files\*.exe", r"\\?\C:\Program Files\x.exe", true));
        assert!(!m(r"?:\Program Files\*.exe", "C:/Program Files/x.exe", true));
        assert!(m(r"?:\Program Files\*.exe", r"é:\Program Files\x.exe", true));
        assert!(!m("É*", "é", true));
        assert!(!m("I", "İ", true));
        assert!(m("a*b", "a\nb", true));
        assert!(m("*", "", true));
        assert!(!m("?", "", true));
        assert!(m("??", "éé", false));
        assert!(!m("???", "éé", false));
        assert!(m("**x", "abcx", false));
        assert!(m("a/**/b", "a/b", false) == wildcard_match("a/**/b", "a/b", false));
    }

    #[test]
    fn brackets_and_braces_are_literal() {
        assert!(m("[ab]", "[ab]", false));
        assert!(!m("[ab]", "a", false));
        assert!(m("{a,b}", "{a,b}", false));
        assert!(!m("{a,b}", "a", false));
        assert!(m("x]*", "x]y", false));
    }

    #[test]
    fn case_sensitive_like() {
        assert!(!m("*.EXE", "a.exe", false));
        assert!(m("*.exe", "a.exe", false));
    }

    #[test]
    fn matches_into_reports_every_pattern() {
        let set = PatternSet::new(&["*.org", "*ipify.org", "?pi.ipify.org", "x"], true).unwrap();
        let mut into = Vec::new();
        set.matches_into("api.ipify.org", &mut into);
        assert_eq!(into, vec![0, 1, 2]);
        set.matches_into("épi.ipify.org", &mut into);
        assert_eq!(into, vec![0, 1, 2]);
    }

    #[test]
    fn lucene_escapes() {
        let w = |p: &str, v: &str| {
            let got = Wildcard::new(p, Syntax::Lucene, false).is_match(v);
            assert_eq!(got, reference_match(&tokens(p, Syntax::Lucene), v, false), "{p:?} {v:?}");
            got
        };
        assert!(w(r"C:\\Tools\\*.exe", r"C:\Tools\x.exe"));
        assert!(!w(r"C:\\Tools\\*.exe", r"c:\tools\x.exe"), "case-sensitive");
        assert!(w(r"C:\Tools\*", "C:Tools*"), "`\\T` is T and `\\*` a literal star");
        assert!(!w(r"C:\Tools\*", r"C:\Tools\x"));
        assert!(w(r"a\?", "a?") && !w(r"a\?", "ab"));
        assert!(w("a\\", "a\\"), "a trailing backslash is itself");
        assert!(w("?:x", "é:x"));
        assert!(w(r"*\**", "a*b") && !w(r"*\**", "ab"));
    }

    /// A middle segment is found in time linear in the value: counted, not timed, by the steps
    /// the finders take. Backtracking would take about value x segment = 4,000,000 steps here.
    #[test]
    fn long_patterns_on_long_values_do_not_backtrack() {
        let seg = "a".repeat(1000) + "b";
        let value = "a".repeat(4000);
        let cases = [
            // A literal segment (Knuth-Morris-Pratt): at most two steps per byte.
            (format!("*{seg}*"), 2 * 4000),
            // A segment with `?` (shift-and): one step per character and word of state (16).
            (format!("*{}?b*", "a".repeat(999)), 16 * 4000),
        ];
        for (p, bound) in cases {
            for ci in [false, true] {
                let w = Wildcard::new(&p, Syntax::Eql, ci);
                STEPS.with(|s| s.set(0));
                assert!(!w.is_match(&value), "{p}");
                let steps = STEPS.with(|s| s.get());
                assert!(steps <= bound, "{p}: {steps} steps");
                assert!(w.is_match(&format!("{value}{seg}")), "{p}");
            }
        }
    }

    #[test]
    fn subsumption_for_warnings() {
        assert!(subsumes("*myipaddress.com", "*whatismyipaddress.com", true));
        assert!(!subsumes("*whatismyipaddress.com", "*myipaddress.com", true));
        assert!(subsumes("*.com", "api.x.com", true));
        assert!(subsumes("c:\\x*", "C:\\X\\y*", true));
        assert!(!subsumes("*a", "*a", true));
    }

    proptest! {
        // globset, configured as above, and the reference matcher agree on every ASCII value, and
        // on non-ASCII values through the `?` fall-back.
        #[test]
        fn set_agrees_with_reference(
            pattern in "[ab*?\\\\\\[\\]{}/.é]{0,8}",
            value in "[abAB\\\\\\[\\]{}/.éÉ\n]{0,10}",
            ci in any::<bool>(),
        ) {
            let set = PatternSet::new(&[&pattern], ci).unwrap();
            let expected = wildcard_match(&pattern, &value, ci);
            prop_assert_eq!(set.is_match(&value), expected);
            prop_assert_eq!(Wildcard::new(&pattern, Syntax::Eql, ci).is_match(&value), expected);
        }

        // The same with Lucene's escapes, as exception entries read them, against the reference
        // on the same tokens; and long segments (over one 64-bit word of shift-and state).
        #[test]
        fn lucene_syntax_agrees_with_reference(
            pattern in "[ab*?\\\\é]{0,10}",
            value in "[abAB*?\\\\éÉ]{0,12}",
            ci in any::<bool>(),
        ) {
            let expected = reference_match(&tokens(&pattern, Syntax::Lucene), &value, ci);
            prop_assert_eq!(Wildcard::new(&pattern, Syntax::Lucene, ci).is_match(&value), expected);
        }

        #[test]
        fn long_segments_agree_with_reference(
            mid in "[ab?]{60,140}",
            value in "[abé]{0,40}",
            ci in any::<bool>(),
        ) {
            // The value repeats the middle segment's literal letters around it, so that matches
            // exist and the state crosses words.
            let filled: String = mid.chars().map(|c| if c == '?' { 'é' } else { c }).collect();
            // Folding is exercised too: the occurrence in upper case when matching ignores case.
            let filled = if ci { filled.to_ascii_uppercase() } else { filled };
            let value = format!("{value}{filled}{value}");
            let pattern = format!("*{mid}*");
            let expected = wildcard_match(&pattern, &value, ci);
            prop_assert!(expected, "the filled segment occurs");
            prop_assert_eq!(Wildcard::new(&pattern, Syntax::Eql, ci).is_match(&value), expected);
            let miss = format!("{value}{}", "b".repeat(3));
            let pattern = format!("*{mid}b*a");
            prop_assert_eq!(Wildcard::new(&pattern, Syntax::Eql, ci).is_match(&miss), wildcard_match(&pattern, &miss, ci));
        }
    }
}
