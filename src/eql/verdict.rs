//! What an evaluation returns: the verdict, the reasons as a tree that mirrors the query, the
//! fields the event lacks, and a one-line summary for people.
//!
//! Reasons are data derived after the boolean result; they never decide it.

use std::fmt;

use serde::{Serialize, Serializer};

use crate::eql::ast::Op;

text_enum! {
    /// Why a clause held or failed: `matched`, `field_absent`, ...
    pub enum ReasonKind {
        /// The clause held: a value matched, or every part of an `and` held, or one of an `or`.
        Matched = "matched",
        /// The field has no value (missing, `null`, `[]`, `[null]`). A negated clause holds for it.
        FieldAbsent = "field_absent",
        /// The field has values and none matched.
        ValueMismatch = "value_mismatch",
        /// No value matched a case-sensitive test, but one would if case were ignored.
        CaseMismatch = "case_mismatch",
        /// The field holds an object where a value is expected: no value.
        ObjectValue = "object_value",
        /// The field's only values are longer than `ignore_above` (1024): not indexed, no value.
        ValueTooLong = "value_too_long",
        /// The field's values nest deeper than the event depth limit: not read.
        TooDeep = "too_deep",
        /// A `not`, `!=` or `not in` whose inner test held: the event is excluded.
        Excluded = "excluded",
        /// An `and` with a failed part, or an `or` with none held.
        ClauseFailed = "clause_failed",
        /// A constant `true` or `false`.
        Constant = "constant",
        /// An exception item matched, so the alert is suppressed.
        Exception = "exception",
    }
}

/// The operator of a node of the reasons tree. Serialized as the text JS sees (`and`, `==`,
/// `is not one of`, ...): [`ReasonOp::as_str`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReasonOp {
    /// Every part holds.
    And,
    /// One part holds.
    Or,
    /// The part does not hold.
    Not,
    /// A constant `true` or `false`.
    Const,
    /// The category (`network where`): `event.category == "network"`.
    Where,
    /// A comparison of the query with a value or a list, as written (`==`, `:`, `not in`, ...).
    Compare(Op),
    /// `field == null`: the field has no value. Serialized as `==`.
    IsNull,
    /// `field != null`: the field has a value, an existence test rather than an exclusion.
    /// Serialized as `!=`.
    NotNull,
    /// An exception item (in [`Verdict::exceptions`]).
    Exception,
    /// An item's `os_types` condition.
    OsTypes,
    /// A `match` entry.
    Is,
    /// A `match` entry, `excluded`.
    IsNot,
    /// A `match_any` entry.
    IsOneOf,
    /// A `match_any` entry, `excluded`.
    IsNotOneOf,
    /// A `wildcard` entry.
    Matches,
    /// A `wildcard` entry, `excluded`.
    DoesNotMatch,
    /// An `exists` entry.
    Exists,
    /// An `exists` entry, `excluded`.
    DoesNotExist,
    /// A `nested` entry.
    Nested,
}

impl ReasonOp {
    /// The text JS and people see.
    pub fn as_str(self) -> &'static str {
        match self {
            ReasonOp::And => "and",
            ReasonOp::Or => "or",
            ReasonOp::Not => "not",
            ReasonOp::Const => "const",
            ReasonOp::Where => "where",
            ReasonOp::Compare(op) => op.as_str(),
            ReasonOp::IsNull => "==",
            ReasonOp::NotNull => "!=",
            ReasonOp::Exception => "exception",
            ReasonOp::OsTypes => "os_types",
            ReasonOp::Is => "is",
            ReasonOp::IsNot => "is not",
            ReasonOp::IsOneOf => "is one of",
            ReasonOp::IsNotOneOf => "is not one of",
            ReasonOp::Matches => "matches",
            ReasonOp::DoesNotMatch => "does not match",
            ReasonOp::Exists => "exists",
            ReasonOp::DoesNotExist => "does not exist",
            ReasonOp::Nested => "nested",
        }
    }

    /// Whether the node excludes events when its inner test holds (`not`, `!=`, `not in`,
    /// `not in~`); `!= null` is an existence test, not an exclusion.
    pub fn is_exclusion(self) -> bool {
        matches!(self, ReasonOp::Not | ReasonOp::Compare(Op::NotEq | Op::NotIn | Op::NotInInsensitive))
    }

    /// Whether the node is a wildcard comparison (`:`, `like`, `like~`).
    pub fn is_wildcard(self) -> bool {
        matches!(self, ReasonOp::Compare(Op::Colon | Op::Like | Op::LikeInsensitive))
    }
}

impl fmt::Display for ReasonOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ReasonOp {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// One node of the reasons tree: a clause of the query and what became of it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Reason {
    /// The clause's source text, exactly as written in the query.
    pub clause: String,
    /// Byte range of the clause in the query text.
    pub start: usize,
    /// End of the byte range.
    pub end: usize,
    /// `and`, `or`, `not`, `where` (the category), a comparison operator (`==`, `:`, `not in`, ...),
    /// `const`, or for exceptions `exception` and the entries' operators (`is`, `matches`, ...).
    pub op: ReasonOp,
    /// Whether the clause held.
    pub held: bool,
    /// Why.
    pub kind: ReasonKind,
    /// The field a comparison reads.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The values the event has in that field (as keyword text).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
    /// The list entries (terms or patterns) that a value matched, e.g. `*api.ipify.org`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub matched: Vec<String>,
    /// A sentence for people when the kind alone does not say enough.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The parts of an `and`, `or` or `not`, in query order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<Reason>,
}

/// The rule a verdict is about.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RuleRef {
    /// Elastic's rule_id.
    pub id: String,
    /// The rule's name.
    pub name: String,
    /// The rule's version.
    pub version: String,
}

/// The result of evaluating one event.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Verdict {
    /// Whether the rule raises an alert for the event.
    pub matched: bool,
    /// Which rule.
    pub rule: RuleRef,
    /// One line for people, e.g. "powershell.exe looked up api.ipify.org (matched *api.ipify.org);
    /// not an excluded program".
    pub summary: String,
    /// The query's clauses, as a tree.
    pub reasons: Reason,
    /// Fields the rule reads that the event has no value for, in query order.
    pub missing_fields: Vec<String>,
    /// Whether the query itself matched; differs from `matched` when an exception suppressed it.
    pub query_matched: bool,
    /// The name of the exception item that suppressed the alert.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppressed_by: Option<String>,
    /// One reason per exception item of the rule (kind `exception` for an item that matched).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub exceptions: Vec<Reason>,
    /// How a Sysmon record was mapped to ECS (input modes `sysmon` and `auto`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input: Option<crate::input::adapt::InputMapping>,
    /// `_index` of an Elasticsearch hit.
    #[serde(rename = "_index", skip_serializing_if = "Option::is_none")]
    pub index: Option<String>,
    /// `_id` of an Elasticsearch hit.
    #[serde(rename = "_id", skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

impl Reason {
    /// Every leaf comparison under this node, depth first.
    pub fn leaves(&self) -> Vec<&Reason> {
        let mut out = Vec::new();
        let mut stack = vec![self];
        while let Some(r) = stack.pop() {
            if r.children.is_empty() {
                out.push(r);
            } else {
                stack.extend(r.children.iter().rev());
            }
        }
        out
    }

    /// The first node, depth first, whose clause text is `clause`.
    pub fn find(&self, clause: &str) -> Option<&Reason> {
        if self.clause == clause {
            return Some(self);
        }
        self.children.iter().find_map(|c| c.find(clause))
    }
}

/// Builds the one-line summary from the reasons.
pub(crate) fn summarize(matched: bool, root: &Reason) -> String {
    let top: Vec<&Reason> =
        if root.op == ReasonOp::And { root.children.iter().collect() } else { vec![root] };
    if matched {
        let first = |field: &str| {
            root.leaves()
                .into_iter()
                .find(|r| r.field.as_deref() == Some(field) && !r.values.is_empty())
                .map(|r| r.values[0].clone())
        };
        let who = first("process.name")
            .or_else(|| first("process.executable"))
            .filter(|w| !w.trim().is_empty())
            .unwrap_or_else(|| "a process".into());
        let lookup = root
            .leaves()
            .into_iter()
            .find(|r| r.field.as_deref() == Some("dns.question.name") && r.held && !r.matched.is_empty());
        let mut s = match lookup {
            Some(r) => {
                format!("{who} looked up {} (matched {})", first_matching_value(r), r.matched.join(", "))
            }
            None => format!("{who} matched every clause"),
        };
        // The exclusions that held, in query order (`!= null` is an existence test, not one).
        let exclusions = top.iter().filter(|r| r.op.is_exclusion());
        for r in exclusions {
            let what =
                match r.field.as_deref().or_else(|| r.leaves().first().and_then(|l| l.field.as_deref())) {
                    Some(f) if f.starts_with("user.") => "not an excluded user",
                    Some(f) if f.starts_with("process.") => "not an excluded program",
                    _ => continue,
                };
            if !s.contains(what) {
                s.push_str("; ");
                s.push_str(what);
            }
        }
        return s;
    }
    let mut s = String::from("no alert: ");
    for (i, r) in top.iter().filter(|r| !r.held).enumerate() {
        if i > 0 {
            s.push_str("; ");
        }
        describe_failure(r, &mut s);
    }
    s
}

fn first_matching_value(r: &Reason) -> &str {
    r.values.first().map_or("", String::as_str)
}

/// A short phrase for a clause that did not hold, written to `out` (the summary of every event
/// that does not match has some: written in place, not formatted piece by piece).
fn describe_failure(r: &Reason, out: &mut String) {
    let field = r.field.as_deref().unwrap_or("");
    // One value quoted, or a list of them, each cut to a length.
    let shown = |v: &[String], out: &mut String| {
        if v.len() == 1 {
            quoted(&v[0], 80, out);
        } else {
            out.push('[');
            for (i, x) in v.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                quoted(x, 40, out);
            }
            out.push(']');
        }
    };
    match r.kind {
        ReasonKind::FieldAbsent => push_all(out, &[field, " is absent"]),
        ReasonKind::ObjectValue => push_all(out, &[field, " holds an object, not a value"]),
        ReasonKind::ValueTooLong => {
            push_all(out, &[field, " is longer than 1024 characters, so not indexed"])
        }
        ReasonKind::TooDeep => push_all(out, &[field, " nests too deep to read"]),
        ReasonKind::CaseMismatch => {
            push_all(out, &[field, " is "]);
            shown(&r.values, out);
            push_all(out, &[": only the case differs (", r.op.as_str(), " is case-sensitive)"]);
        }
        ReasonKind::ValueMismatch if r.op == ReasonOp::Where => {
            out.push_str("event.category is ");
            shown(&r.values, out);
            push_all(out, &[", not \"", r.clause.trim_end_matches(" where"), "\""]);
        }
        ReasonKind::ValueMismatch => {
            push_all(out, &[field, " is "]);
            shown(&r.values, out);
            push_all(out, &[", not ", r.note.as_deref().unwrap_or("another value")]);
        }
        ReasonKind::Excluded => match (r.field.as_deref(), r.matched.is_empty()) {
            (Some(f), false) => {
                push_all(out, &[f, " "]);
                shown(&r.values, out);
                push_all(out, &[" is excluded (matched ", &r.matched.join(", "), ")"]);
            }
            _ => {
                let inner = r.leaves().into_iter().filter(|l| l.held && !l.values.is_empty()).map(|l| {
                    let mut part = String::new();
                    push_all(&mut part, &[l.field.as_deref().unwrap_or(""), " "]);
                    shown(&l.values, &mut part);
                    if !l.matched.is_empty() {
                        push_all(&mut part, &[" (matched ", &l.matched.join(", "), ")"]);
                    }
                    part
                });
                let inner: Vec<String> = inner.collect();
                if inner.is_empty() {
                    push_all(out, &["excluded by `", &truncate(&r.clause, 80), "`"]);
                } else {
                    push_all(out, &["excluded: ", &inner.join(" and ")]);
                }
            }
        },
        _ => push_all(out, &["`", &truncate(&squash(&r.clause), 80), "` did not hold"]),
    }
}

fn push_all(out: &mut String, parts: &[&str]) {
    parts.iter().for_each(|p| out.push_str(p));
}

/// `"s"`, with `s` cut to `max` characters and an ellipsis if it is longer.
fn quoted(s: &str, max: usize, out: &mut String) {
    out.push('"');
    match s.char_indices().nth(max) {
        None => out.push_str(s),
        Some((cut, _)) => {
            out.push_str(&s[..cut]);
            out.push('…');
        }
    }
    out.push('"');
}

/// What a clause that failed expected, as its note says: `"x"`, `one of "x", "y"`, `any of 5
/// entries`, `matching "*x"`, `matching any of 19 patterns`. Written piece by piece: a note of
/// every event that does not match.
pub(crate) fn expected_phrase(entries: &[String], op: ReasonOp) -> String {
    let mut s = String::new();
    let n = entries.len();
    if op.is_wildcard() {
        if n > 3 {
            return format!("matching any of {n} patterns");
        }
        s.push_str("matching ");
    }
    match n {
        0 => s.push_str("nothing"),
        1 => push_all(&mut s, &["\"", &entries[0], "\""]),
        2 | 3 => {
            s.push_str("one of ");
            for (i, e) in entries.iter().enumerate() {
                push_all(&mut s, &[if i > 0 { ", \"" } else { "\"" }, e, "\""]);
            }
        }
        n => return format!("any of {n} entries"),
    }
    s
}

fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max).collect();
        t.push('…');
        t
    }
}

/// The characters that change the display order of the text around them: the bidirectional
/// marks, embeddings, overrides and isolates, with how a note names them.
const DIRECTION_CONTROLS: [(char, &str); 12] = [
    ('\u{061C}', "U+061C"),
    ('\u{200E}', "U+200E"),
    ('\u{200F}', "U+200F"),
    ('\u{202A}', "U+202A"),
    ('\u{202B}', "U+202B"),
    ('\u{202C}', "U+202C"),
    ('\u{202D}', "U+202D"),
    ('\u{202E}', "U+202E"),
    ('\u{2066}', "U+2066"),
    ('\u{2067}', "U+2067"),
    ('\u{2068}', "U+2068"),
    ('\u{2069}', "U+2069"),
];

/// Notes every leaf whose values hold direction-changing characters: event text is written by
/// whoever controls the event, and U+202E before a reversed path makes an alerting
/// `process.executable` display as an excluded browser's. Every consumer of the verdict (pages,
/// CLI, API) gets the warning, whatever it renders.
pub(crate) fn flag_direction_controls(r: &mut Reason) {
    for c in &mut r.children {
        flag_direction_controls(c);
    }
    // Every character of DIRECTION_CONTROLS is encoded from a lead byte 0xD8 or 0xE2: a value
    // without either has none (most values, checked in one pass).
    let suspect = |v: &String| v.bytes().any(|b| b == 0xd8 || b == 0xe2);
    if !r.children.is_empty() || !r.values.iter().any(suspect) {
        return;
    }
    let mut note = String::new();
    for (c, name) in DIRECTION_CONTROLS {
        if r.values.iter().any(|v| v.contains(c)) {
            note.push_str(if note.is_empty() { "contains direction-override characters (" } else { ", " });
            note.push_str(name);
        }
    }
    if note.is_empty() {
        return;
    }
    note.push(')');
    if let Some(n) = r.note.take() {
        note = n + "; " + &note;
    }
    r.note = Some(note);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RuleBuilder;
    use serde_json::json;

    #[test]
    fn not_null_is_an_existence_test_not_an_exclusion() {
        let rule = RuleBuilder::new()
            .query("network where process.name != null and user.id != \"S-1-5-18\"")
            .build()
            .unwrap();
        let v = rule.evaluate(&json!({"event": {"category": "network"}, "process": {"name": "x.exe"}}));
        assert!(v.matched);
        assert_eq!(v.reasons.children[1].op, ReasonOp::NotNull);
        assert_eq!(v.reasons.children[2].op, ReasonOp::Compare(Op::NotEq));
        assert!(v.summary.ends_with("matched every clause; not an excluded user"), "{}", v.summary);
        // The text a JS caller sees is the operator as written.
        let text = serde_json::to_value(&v.reasons).unwrap();
        assert_eq!(text["children"][1]["op"], "!=");
        assert_eq!(text["children"][0]["op"], "where");
        // A clause whose value merely ends in "null" is an exclusion like any other.
        let rule = RuleBuilder::new().query("network where process.name != \"null\"").build().unwrap();
        let v = rule.evaluate(&json!({"event": {"category": "network"}, "process": {"name": "x.exe"}}));
        assert!(v.summary.ends_with("not an excluded program"), "{}", v.summary);
    }

    #[test]
    fn direction_controls_start_with_the_lead_bytes_checked() {
        for (c, _) in DIRECTION_CONTROLS {
            let mut buf = [0; 4];
            assert!(matches!(c.encode_utf8(&mut buf).as_bytes()[0], 0xd8 | 0xe2), "{c:?}");
        }
    }

    #[test]
    fn direction_overrides_in_values_are_noted() {
        // U+202E then a reversed browser path: displays as "C:\Program Files (x86)\...\chrome.exe".
        let spoof = "\u{202E}exe.emorhc\\noitacilppA\\emorhC\\elgooG\\)68x( seliF margorP\\:C";
        let rule = RuleBuilder::new().build().unwrap();
        let event = json!({"event": {"category": "network", "action": "lookup_requested"}, "network": {"protocol": "dns"},
            "process": {"name": "chrome.exe", "executable": spoof}, "dns": {"question": {"name": "api.ipify.org"}}});
        let v = rule.evaluate(&event);
        assert!(v.matched, "the spoofed path is not an excluded one");
        let flagged: Vec<&Reason> = v
            .reasons
            .leaves()
            .into_iter()
            .filter(|r| r.note.as_deref().is_some_and(|n| n.contains("direction-override")))
            .collect();
        assert_eq!(flagged.len(), 1, "{:#?}", v.reasons);
        assert_eq!(flagged[0].field.as_deref(), Some("process.executable"));
        assert!(flagged[0]
            .note
            .as_deref()
            .unwrap()
            .ends_with("contains direction-override characters (U+202E)"));
        // Plain values get no such note.
        let plain = rule.evaluate(&json!({"process": {"executable": "C:\\x.exe"}}));
        assert!(plain.reasons.leaves().iter().all(|r| !r
            .note
            .as_deref()
            .unwrap_or("")
            .contains("direction")));
    }
}
