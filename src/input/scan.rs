//! Scanning NDJSON bytes: every line is counted as matched, not matched or rejected with a reason.
//!
//! Most events in a real stream are not DNS lookups. Before a line is parsed into a tree, it is
//! checked for the exact terms the query requires (`"network"`, `"dns"`, `"lookup_requested"`)
//! and for the literal runs of its required wildcard lists (the IP-lookup domains): a document
//! that matches holds each as (part of) a value, so its JSON text contains their bytes, unless the
//! text spells one of their characters with a `\u` escape ([`Prefilter`]).
//! Such a line is still validated (UTF-8, JSON syntax, an object) without building a tree, so a
//! malformed line is rejected whichever path it takes.

use std::cell::RefCell;

use memchr::memmem;
use serde::Serialize;

use crate::eql::pattern::PatternSet;
use crate::input::adapt::InputMode;
use crate::input::json::{json_type, parse_line};
use crate::input::json_check::{check_object, Check};
use crate::input::sparse::{parse_needed, Needed};
use crate::rule::Rule;

/// What a scan found.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ScanResult {
    /// 1-based line numbers of the events the rule matched.
    pub matched: Vec<u64>,
    /// The byte offset in the scanned bytes where each matched line starts, in the order of
    /// `matched`: callers slice the matched lines out without splitting the input again.
    pub offsets: Vec<u64>,
    /// Rejected lines, with the reason.
    pub errors: Vec<LineError>,
    /// Counts; `lines == matched + unmatched + rejected` always.
    pub counts: Counts,
}

/// A rejected line.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LineError {
    /// 1-based line number.
    pub line: u64,
    /// Why it was rejected.
    pub message: String,
}

/// Counts of a scan. Blank lines are not events and are counted apart.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Events read (non-blank lines).
    pub lines: u64,
    /// Events the rule matched.
    pub matched: u64,
    /// Events the rule did not match.
    pub unmatched: u64,
    /// Lines that are not events (invalid UTF-8 or JSON, not an object, too long).
    pub rejected: u64,
    /// Blank lines, skipped.
    pub blank: u64,
}

/// The outcome for one line.
#[derive(Clone, Debug, PartialEq)]
pub enum LineOutcome {
    /// The rule matched.
    Matched,
    /// The rule did not match.
    Unmatched,
    /// The line is not an event.
    Rejected(String),
    /// Empty or whitespace only.
    Blank,
}

/// The byte-level pre-filter derived from what a matching event must hold: each of the query's
/// required exact terms (`"lookup_requested"`, `"network"`, `"dns"`) and a value of each required
/// wildcard list (`dns.question.name : ("*api.ipify.org", ...)`), whose patterns' literal runs
/// are searched for, ignoring ASCII case when the list does (as `:` does).
///
/// A value's JSON text holds its characters as they are or as `\uXXXX` escapes (a term or run
/// with a character JSON may escape otherwise is not searched for). So when a group's needles are
/// all missing, the line may still match only if it has a real `\u` escape (not an escaped
/// backslash followed by `u`, as in `C:\\users`) that decodes to a character of one of the group's
/// needles, or one that is half of a surrogate pair; anything else is ruled out. An ordinary
/// Windows path or an escaped `<` elsewhere in the event does not make it a candidate.
#[derive(Clone, Debug)]
pub(crate) struct Prefilter {
    groups: Vec<Group>,
}

/// Needles of which a matching line holds at least one.
#[derive(Clone, Debug)]
struct Group {
    finders: Vec<memmem::Finder<'static>>,
    /// The needles are lower-case and are searched for in the line's ASCII lower-case copy.
    folded: bool,
    /// The characters of the needles (lower-case when folded), for lines with `\u` escapes.
    chars: Vec<char>,
}

/// Whether a needle can be searched for as bytes: not empty, and no character JSON escapes
/// otherwise than as `\uXXXX` (`"`, `\`, `/`, controls).
fn searchable(needle: &str) -> bool {
    !needle.is_empty() && !needle.bytes().any(|b| b == b'"' || b == b'\\' || b == b'/' || b < 0x20)
}

impl Group {
    fn new<'a>(needles: impl IntoIterator<Item = &'a str>, folded: bool) -> Group {
        let mut chars = Vec::new();
        let finders = needles
            .into_iter()
            .map(|n| {
                let n = if folded { n.to_ascii_lowercase() } else { n.to_string() };
                // A few dozen distinct characters: a list (a sort would add its code to the .wasm).
                for c in n.chars() {
                    if !chars.contains(&c) {
                        chars.push(c);
                    }
                }
                memmem::Finder::new(n.as_bytes()).into_owned()
            })
            .collect();
        Group { finders, folded, chars }
    }

    fn found(&self, line: &[u8]) -> bool {
        self.finders.iter().any(|f| f.find(line).is_some())
    }
}

/// The characters the line's `\uXXXX` escapes stand for; `None` when one is half of a surrogate
/// pair or is not four hex digits (the line is then left to the full evaluation).
fn escaped_chars(line: &[u8]) -> Option<Vec<char>> {
    let mut out = Vec::new();
    for at in memmem::find_iter(line, b"\\u") {
        // The backslash starts an escape only after an even run of backslashes.
        let run = line[..at].iter().rev().take_while(|&&b| b == b'\\').count();
        if run % 2 == 1 {
            continue;
        }
        let hex = line.get(at + 2..at + 6).filter(|h| h.iter().all(u8::is_ascii_hexdigit))?;
        let code = hex.iter().fold(0, |n, &b| n * 16 + (b as char).to_digit(16).unwrap_or(0));
        out.push(char::from_u32(code)?);
    }
    Some(out)
}

impl Prefilter {
    pub(crate) fn new(rule: &Rule) -> Prefilter {
        if rule.input_mode() != crate::input::adapt::InputMode::Ecs {
            // Sysmon records hold none of the ECS terms until they are mapped: no skipping.
            return Prefilter { groups: Vec::new() };
        }
        let mut groups = rule
            .compiled()
            .required_terms
            .iter()
            .map(|(_, terms)| terms)
            .filter(|terms| terms.iter().all(|t| searchable(t)))
            .map(|terms| Group::new(terms.iter().map(String::as_str), false))
            .collect::<Vec<Group>>();
        // Longer terms are rarer in real data: looking for them first rules most lines out soonest.
        groups.sort_by_key(|g| {
            std::cmp::Reverse(g.finders.iter().map(|f| f.needle().len()).min().unwrap_or(0))
        });
        // The wildcard lists last: they cost more (a lower-case copy, more needles) and rule out
        // the lines that hold every term (lookups of other names).
        for (_, set) in required_patterns(rule) {
            let runs: Option<Vec<&str>> = set.patterns().iter().map(|p| longest_run(p)).collect();
            if let Some(runs) = runs {
                groups.push(Group::new(runs, set.case_insensitive()));
            }
        }
        Prefilter { groups }
    }

    /// False when the line certainly cannot match. `lower` is scratch space for the line's ASCII
    /// lower-case copy (kept by the caller, so that a scan does not allocate one per line).
    #[inline]
    pub(crate) fn may_match(&self, line: &[u8], lower: &mut Vec<u8>) -> bool {
        let mut lowered = false;
        let mut escaped: Option<Option<Vec<char>>> = None;
        for g in &self.groups {
            let found = if g.folded {
                if !lowered {
                    lower.clear();
                    lower.extend(line.iter().map(u8::to_ascii_lowercase));
                    lowered = true;
                }
                g.found(lower)
            } else {
                g.found(line)
            };
            if found {
                continue;
            }
            let Some(chars) = escaped.get_or_insert_with(|| escaped_chars(line)) else { return true };
            let fold = |c: char| if g.folded { c.to_ascii_lowercase() } else { c };
            if !chars.iter().any(|&c| g.chars.contains(&fold(c))) {
                return false;
            }
        }
        true
    }
}

/// The longest run of a wildcard pattern between `*` and `?` that can be searched for as bytes
/// ([`searchable`]); `None` if there is none (the list then gives no group).
fn longest_run(pattern: &str) -> Option<&str> {
    pattern.split(['*', '?']).filter(|r| searchable(r)).max_by_key(|r| r.len())
}

/// The wildcard lists of the query's top-level conjunction, by field: a matching event has a value
/// of the field that matches one of the patterns (`dns.question.name : ("*api.ipify.org", ...)`).
/// Empty when the input mode maps Sysmon records, as for [`Rule::required_terms`].
pub(crate) fn required_patterns(rule: &Rule) -> Vec<(&str, &PatternSet)> {
    use crate::eql::compile::{NodeKind, Test};
    let q = rule.compiled();
    if rule.input_mode() != InputMode::Ecs {
        return Vec::new();
    }
    let children = match &q.root.kind {
        NodeKind::All { children, .. } => children.as_slice(),
        _ => std::slice::from_ref(&q.root),
    };
    children
        .iter()
        .filter_map(|n| match &n.kind {
            // A field with a `null_value` matches documents that hold none of its values' bytes.
            NodeKind::Leaf(leaf) if !leaf.negated && leaf.null_value.is_none() => match &leaf.test {
                Test::Patterns { set, .. } => Some((q.fields[leaf.field].as_str(), &**set)),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

/// What judging a line needs from a rule besides the rule: built once per rule, on its first
/// scan or [`Rule::judge_line`], and kept in the rule (building it per call made a caller that
/// streams lines one at a time pay for it on every line).
#[derive(Clone, Debug)]
pub(crate) struct LinePrep {
    prefilter: Prefilter,
    /// The fields to keep when parsing a candidate line; `None` to parse everything (the Sysmon
    /// adapter reads whole records).
    needed: Option<Needed>,
}

impl LinePrep {
    pub(crate) fn new(rule: &Rule) -> LinePrep {
        let needed = (rule.input_mode() == InputMode::Ecs).then(|| Needed::new(rule.read_paths()));
        LinePrep { prefilter: Prefilter::new(rule), needed }
    }
}

/// A rule and its [`LinePrep`], borrowed for a scan or a line.
pub(crate) struct ScanContext<'r> {
    rule: &'r Rule,
    prefilter: &'r Prefilter,
    needed: Option<&'r Needed>,
    /// Scratch space of [`Prefilter::may_match`], reused from line to line.
    lower: RefCell<Vec<u8>>,
}

impl<'r> ScanContext<'r> {
    pub(crate) fn new(rule: &'r Rule) -> ScanContext<'r> {
        let prep = rule.line_prep();
        ScanContext {
            rule,
            prefilter: &prep.prefilter,
            needed: prep.needed.as_ref(),
            lower: RefCell::default(),
        }
    }
}

/// Judges one NDJSON line (without its line break) that may not be UTF-8.
pub(crate) fn judge_bytes(ctx: &ScanContext<'_>, line: &[u8]) -> LineOutcome {
    if let Ok(text) = std::str::from_utf8(line) {
        return judge_line(ctx, text);
    }
    // The carriage return and byte order mark that judge_line trims are valid UTF-8: what is
    // left still holds the invalid byte.
    let mut trimmed = line.strip_suffix(b"\r").unwrap_or(line);
    trimmed = trimmed.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(trimmed);
    let max = ctx.rule.limits().max_line_bytes;
    if trimmed.len() > max {
        return too_long(trimmed.len(), max);
    }
    let at = std::str::from_utf8(trimmed).err().map_or(0, |e| e.valid_up_to());
    LineOutcome::Rejected(format!("invalid UTF-8 at byte {}", at + 1))
}

fn too_long(len: usize, max: usize) -> LineOutcome {
    LineOutcome::Rejected(format!("line is {len} bytes, over the limit max_line_bytes = {max}"))
}

/// Judges one NDJSON line (without its line break).
///
/// A line the pre-filter rules out is only syntax-checked ([`check_object`]); a candidate line is
/// syntax-checked and then parsed keeping only the fields the rule reads ([`parse_needed`]).
/// Anything the fast check is not sure of goes through serde_json's full parse, which is the
/// reference for what is valid and gives the error message.
pub(crate) fn judge_line(ctx: &ScanContext<'_>, line: &str) -> LineOutcome {
    let line = trim_line(line);
    if line.bytes().all(|b| b.is_ascii_whitespace()) {
        return LineOutcome::Blank;
    }
    let max = ctx.rule.limits().max_line_bytes;
    if line.len() > max {
        return too_long(line.len(), max);
    }
    let bytes = line.as_bytes();
    let syntax = check_object(bytes);
    if !ctx.prefilter.may_match(bytes, &mut ctx.lower.borrow_mut()) {
        return match syntax {
            Check::Object => LineOutcome::Unmatched,
            Check::Invalid | Check::Unsure => match parse_line(bytes) {
                Err(e) => LineOutcome::Rejected(e.message().to_string()),
                Ok(serde_json::Value::Object(_)) => LineOutcome::Unmatched,
                Ok(_) => LineOutcome::Rejected(not_an_object(bytes)),
            },
        };
    }
    let value = match (syntax, ctx.needed) {
        (Check::Object, Some(needed)) => parse_needed(line, needed).map_err(|e| format!("invalid JSON: {e}")),
        _ => parse_line(bytes).map_err(|e| e.message().to_string()),
    };
    match value {
        Err(message) => LineOutcome::Rejected(message),
        Ok(value) => match ctx.rule.matches_value(&value) {
            Ok(true) => LineOutcome::Matched,
            Ok(false) => LineOutcome::Unmatched,
            Err(e) => LineOutcome::Rejected(e.message().to_string()),
        },
    }
}

fn not_an_object(line: &[u8]) -> String {
    match serde_json::from_slice::<serde_json::Value>(line) {
        Ok(v) => format!("an event must be a JSON object, not {}", json_type(&v)),
        Err(e) => format!("invalid JSON: {e}"),
    }
}

fn trim_line(mut line: &str) -> &str {
    if let Some(rest) = line.strip_suffix('\r') {
        line = rest;
    }
    line.strip_prefix('\u{FEFF}').unwrap_or(line)
}

/// Scans NDJSON `bytes`, numbering lines from `first_line`.
pub(crate) fn scan(rule: &Rule, bytes: &[u8], first_line: u64) -> ScanResult {
    let ctx = ScanContext::new(rule);
    // One pass over all the bytes is cheaper than one per line; lines are checked one by one only
    // when some byte is not UTF-8, to say which.
    let text = std::str::from_utf8(bytes).ok();
    let mut out = ScanResult::default();
    // Lines found with memchr (SIMD): a byte-at-a-time split took a third of the scan.
    let ends = memchr::memchr_iter(b'\n', bytes).chain(std::iter::once(bytes.len()));
    let mut start = 0;
    for (no, end) in (first_line..).zip(ends) {
        let outcome = match text {
            // A line break is ASCII: the slice is on character boundaries.
            Some(text) => judge_line(&ctx, text.get(start..end).unwrap_or_default()),
            None => judge_bytes(&ctx, &bytes[start..end]),
        };
        let line_start = start;
        start = end + 1;
        match outcome {
            LineOutcome::Blank => out.counts.blank += 1,
            LineOutcome::Matched => {
                out.counts.matched += 1;
                out.matched.push(no);
                out.offsets.push(line_start as u64);
            }
            LineOutcome::Unmatched => out.counts.unmatched += 1,
            LineOutcome::Rejected(message) => {
                out.counts.rejected += 1;
                out.errors.push(LineError { line: no, message });
            }
        }
    }
    // A final line break does not start another line.
    if bytes.ends_with(b"\n") || bytes.is_empty() {
        out.counts.blank -= 1;
    }
    out.counts.lines = out.counts.matched + out.counts.unmatched + out.counts.rejected;
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const HIT: &str = r#"{"event":{"category":["network"],"action":"lookup_requested"},"network":{"protocol":"dns"},"process":{"name":"x.exe","executable":"C:\\Temp\\x.exe"},"dns":{"question":{"name":"api.ipify.org"}}}"#;

    #[test]
    fn counts_add_up_and_lines_are_numbered() {
        let rule = Rule::default_rule();
        let text = format!("{HIT}\n\n{{\"a\":1}}\nnot json\n[1]\n{HIT}\r\n");
        let r = rule.scan_ndjson(text.as_bytes());
        assert_eq!(r.matched, [1, 6]);
        let sixth = text.split('\n').take(5).map(|l| l.len() + 1).sum::<usize>();
        assert_eq!(r.offsets, [0, sixth as u64]);
        assert_eq!(r.counts, Counts { lines: 5, matched: 2, unmatched: 1, rejected: 2, blank: 1 });
        assert_eq!(r.errors.iter().map(|e| e.line).collect::<Vec<_>>(), [4, 5]);
        assert!(r.errors[0].message.starts_with("invalid JSON"), "{:?}", r.errors);
        assert!(r.errors[1].message.contains("not an array"), "{:?}", r.errors);
    }

    #[test]
    fn escaped_terms_are_not_skipped() {
        let rule = Rule::default_rule();
        let escaped = HIT.replace("lookup_requested", "lookup\\u005frequested");
        assert_eq!(rule.scan_ndjson(escaped.as_bytes()).counts.matched, 1);
    }

    #[test]
    fn only_escapes_of_needed_characters_keep_a_line() {
        let rule = Rule::default_rule();
        let pf = Prefilter::new(&rule);
        let other = r#"{"event":{"category":["network"],"action":"connection_attempted"},"process":{"executable":"C:\\users\\a\\update.exe","args":["a \u003e b"]}}"#;
        assert!(
            !pf.may_match(other.as_bytes(), &mut Vec::new()),
            "a path and an escaped `>` make no candidate"
        );
        // Every term, but a domain that is not listed: ruled out before any parse.
        let ordinary = HIT.replace("api.ipify.org", "jvb.example.com");
        assert!(!pf.may_match(ordinary.as_bytes(), &mut Vec::new()));
        // `j` is in no listed domain; `w` is.
        assert!(!pf.may_match(ordinary.replace("jvb", "\\u006avb").as_bytes(), &mut Vec::new()));
        assert!(pf.may_match(ordinary.replace("jvb", "\\u0077vb").as_bytes(), &mut Vec::new()));
        // `\\u0061` is a backslash and `u0061`, not an escape of `a`.
        let not_escape = HIT.replace("lookup_requested", "lookup_re\\\\u0071uested");
        assert!(!pf.may_match(not_escape.as_bytes(), &mut Vec::new()));
        for hit in [
            HIT.to_string(),
            HIT.replace("api.ipify.org", "API.IPIFY.ORG"),
            HIT.replace("api.ipify.org", "\\u0061pi.ipify.org"),
            HIT.replace("api.ipify.org", "\\u0041PI.ipify.org"),
            HIT.replace("lookup_requested", "lookup_re\\u0071uested"),
            HIT.replace("x.exe\"", "x.exe\\u003c\""),
            HIT.replace("x.exe\"", "\\ud83d\\ude00\""),
        ] {
            assert!(pf.may_match(hit.as_bytes(), &mut Vec::new()), "{hit}");
            assert_eq!(rule.scan_ndjson(hit.as_bytes()).counts.matched, 1, "{hit}");
        }
    }

    #[test]
    fn invalid_utf8_and_empty_input() {
        let rule = Rule::default_rule();
        let r = rule.scan_ndjson(b"{\"a\":\"\xff\"}\n");
        assert_eq!(r.counts.rejected, 1);
        assert!(r.errors[0].message.contains("UTF-8"));
        let r = rule.scan_ndjson(b"");
        assert_eq!(r.counts, Counts::default());
        let r = rule.scan_ndjson(b"{}");
        assert_eq!(r.counts.lines, 1);
    }

    #[test]
    fn fast_and_full_paths_agree() {
        // Every line judged by the fast path (pre-filter, syntax check, partial parse) gets the
        // outcome of the full path (every line parsed whole, then matched).
        let rule = Rule::default_rule();
        let fast = ScanContext::new(&rule);
        let everything = Prefilter { groups: Vec::new() };
        let full =
            ScanContext { rule: &rule, prefilter: &everything, needed: None, lower: RefCell::default() };
        let bundled = include_str!("../../samples/events.ndjson");
        let lines =
            [r#"{"a":1}"#, "[1]", "nope", "{\"a\":1,}", r#"{"event":{"action":"x"}}"#, r#"{"a":1e400}"#, HIT]
                .into_iter()
                .chain(bundled.lines());
        for line in lines {
            let variants = [
                line.to_string(),
                line.replace("lookup_requested", "lookup\\u005frequested"),
                line.replace(".ipify.", "\\u002eIPIFY."),
                line.replace("ifconfig", "IFCONFI\\u0047"),
            ];
            for variant in variants {
                let a = judge_bytes(&fast, variant.as_bytes());
                let b = judge_bytes(&full, variant.as_bytes());
                assert_eq!(std::mem::discriminant(&a), std::mem::discriminant(&b), "{variant}");
                assert_eq!(a == LineOutcome::Matched, b == LineOutcome::Matched, "{variant}");
            }
        }
    }
}
