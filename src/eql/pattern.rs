//! Wildcard lists (`:`, `like`, `like~`) compiled into one set, with Elasticsearch's semantics.
//!
//! Elasticsearch turns an EQL pattern into a Lucene wildcard automaton: `*` is any run of
//! characters (newlines included), `?` exactly one code point, the match is anchored at both ends,
//! a backslash is a literal backslash, and case-insensitive matching folds ASCII letters only.
//!
//! Two matchers implement that, and the tests hold them to [`wildcard_match`], a deliberately
//! simple reference:
//!
//! - [`Wildcard`], compiled per pattern into the literal segments between `*`s, matched with the
//!   classic leftmost-segment scan over UTF-8 bytes (`?` steps over one code point). It is small
//!   (a few KB of wasm) and exact. The WebAssembly build uses it alone.
//! - With the `globset` feature (on by default, for native builds), a [`globset::GlobSet`] over the
//!   whole list, configured so that globset means the same thing: `backslash_escape(false)` (its
//!   default on Linux and wasm would eat the `\` of `?:\Program Files\*.exe`),
//!   `literal_separator(false)` (EQL `*` crosses `\` and `/`), runs of `*` collapsed (globset gives
//!   `**` a directory meaning), and `[ ] { }` escaped as `[[]`, `[]]`, `[{]`, `[}]` (literal in EQL).
//!   globset's case folding is ASCII only, like Elasticsearch's. It matches bytes, so its `?` is one
//!   byte where EQL's is one code point: for a value with non-ASCII characters, the patterns with `?`
//!   are decided by [`Wildcard`] instead.
//!
//! Why two: globset pulls in regex-automata, which adds about 180 KB (gzip) to the `.wasm`, over the
//! package's size budget; natively that cost is irrelevant and globset's one-pass set matching
//! scales to long user lists. `cargo test --no-default-features` runs every test on `Wildcard` alone.

#[cfg(feature = "globset")]
use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

use crate::error::Result;
#[cfg(feature = "globset")]
use crate::error::{Error, ErrorKind};

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
        let compiled = patterns.iter().map(|p| Wildcard::new(p, case_insensitive)).collect();
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

/// One EQL wildcard pattern, compiled into the segments between its `*`s.
///
/// A segment is a fixed number of code points (literal characters and `?`), so a pattern
/// `s0*s1*...*sn` matches when `s0` is a prefix, `sn` a suffix, and `s1..sn-1` occur in order in
/// between; taking each middle segment at its leftmost place is always right.
#[derive(Clone, Debug)]
pub struct Wildcard {
    /// Segments between `*`s; a pattern without `*` has one.
    segments: Vec<Segment>,
    case_insensitive: bool,
}

#[derive(Clone, Debug)]
struct Segment {
    /// The segment's bytes; `?` stands for one code point.
    bytes: Vec<u8>,
    /// Its length in code points.
    chars: usize,
}

impl Wildcard {
    /// Compiles one pattern.
    pub fn new(pattern: &str, case_insensitive: bool) -> Wildcard {
        let segments = pattern
            .split('*')
            .map(|s| Segment { bytes: s.as_bytes().to_vec(), chars: s.chars().count() })
            .collect();
        Wildcard { segments, case_insensitive }
    }

    /// Whether the pattern matches the whole of `value`.
    pub fn is_match(&self, value: &str) -> bool {
        let v = value.as_bytes();
        let segs = &self.segments;
        if segs.len() == 1 {
            return self.match_at(&segs[0], v, 0) == Some(v.len());
        }
        let Some(mut pos) = self.match_at(&segs[0], v, 0) else { return false };
        for seg in &segs[1..segs.len() - 1] {
            if seg.bytes.is_empty() {
                continue;
            }
            match (pos..=v.len())
                .filter(|&s| value.is_char_boundary(s))
                .find_map(|s| self.match_at(seg, v, s))
            {
                Some(end) => pos = end,
                None => return false,
            }
        }
        let last = &segs[segs.len() - 1];
        let start = if last.chars == 0 {
            v.len()
        } else {
            match value.char_indices().rev().nth(last.chars - 1) {
                Some((i, _)) => i,
                None => return false,
            }
        };
        start >= pos && self.match_at(last, v, start) == Some(v.len())
    }

    /// Matches `seg` at byte `pos` of `v`; returns the end, or `None`.
    #[inline]
    fn match_at(&self, seg: &Segment, v: &[u8], mut pos: usize) -> Option<usize> {
        for &p in &seg.bytes {
            let &b = v.get(pos)?;
            if p == b'?' {
                pos += utf8_len(b);
            } else if p == b || (self.case_insensitive && p.eq_ignore_ascii_case(&b)) {
                pos += 1;
            } else {
                return None;
            }
        }
        (pos <= v.len()).then_some(pos)
    }
}

/// Length of the UTF-8 sequence a leading byte starts.
#[inline]
fn utf8_len(lead: u8) -> usize {
    match lead {
        0x00..=0x7F => 1,
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        _ => 4,
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
/// code point, ASCII-only case folding when `case_insensitive`.
// Not inlined: callers on the compile path (the lint) would carry its code into start-up.
#[inline(never)]
pub fn wildcard_match(pattern: &str, value: &str, case_insensitive: bool) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let v: Vec<char> = value.chars().collect();
    let eq = |a: char, b: char| {
        if case_insensitive {
            a.eq_ignore_ascii_case(&b)
        } else {
            a == b
        }
    };
    // Iterative matching with backtracking to the last `*`: linear space, O(p*v) time at worst.
    let (mut pi, mut vi) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while vi < v.len() {
        if pi < p.len() && p[pi] == '*' {
            star = Some((pi, vi));
            pi += 1;
        } else if pi < p.len() && (p[pi] == '?' || eq(p[pi], v[vi])) {
            pi += 1;
            vi += 1;
        } else if let Some((sp, sv)) = star {
            pi = sp + 1;
            vi = sv + 1;
            star = Some((sp, sv + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
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
    // A plain `b` is one value: `a` subsumes it when it matches it.
    if !b.contains(['*', '?']) {
        return wildcard_match(a, b, case_insensitive);
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
            Wildcard::new(pattern, ci).is_match(value),
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
            prop_assert_eq!(Wildcard::new(&pattern, ci).is_match(&value), expected);
        }
    }
}
