//! List edits on the query text: add or remove IP-lookup domains and excluded executables, and
//! switch on coverage packs, without touching the query by hand.
//!
//! An edit is made on the EQL text itself, at the places the rule marks ("Add new external IP
//! lookup services here": the `dns.question.name : (...)` list; "Insert noisy false positives
//! here": the `process.executable : (...)` list under `not`), and the edited text is then parsed
//! and compiled like any query. So a tuned rule is exactly what editing the lists by hand gives,
//! and [`Rule::query`](crate::Rule::query) is the effective text, ready to paste into Kibana.

use serde::{Deserialize, Serialize};

use crate::catalog::packs;
use crate::eql::ast::{Expr, ExprKind, LiteralValue, Op, Predicate, Span};
use crate::eql::compile::{Warning, WarningKind};
use crate::eql::parse::parse_query;
use crate::error::{Error, ErrorKind, Result};
use crate::limits::Limits;

/// List edits and packs. Empty by default: the published rule, untouched.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct ListEdits {
    /// Patterns added to the `dns.question.name` list.
    pub add_domains: Vec<String>,
    /// Patterns removed from it (exact text of an entry).
    pub remove_domains: Vec<String>,
    /// Patterns added to the excluded `process.executable` list.
    pub add_excluded_executables: Vec<String>,
    /// Patterns removed from it.
    pub remove_excluded_executables: Vec<String>,
    /// Coverage packs to switch on, by name (see [`crate::packs`]).
    pub packs: Vec<String>,
}

impl ListEdits {
    /// Whether there is nothing to do.
    pub fn is_empty(&self) -> bool {
        *self == ListEdits::default()
    }
}

#[derive(Clone, Copy, PartialEq)]
enum List {
    Domains,
    ExcludedExecutables,
}

impl List {
    fn describe(self) -> &'static str {
        match self {
            List::Domains => "the `dns.question.name :` list of domains",
            List::ExcludedExecutables => "the excluded `process.executable :` list under `not`",
        }
    }
}

/// Applies `edits` to `query`; returns the edited text.
///
/// Each step (packs, removals, additions, per list) parses the text once and edits every entry
/// of the step in one pass, so that long edit lists cost linear time (hostile input: one parse per
/// entry would be quadratic). The result is what applying the entries one by one gives.
pub(crate) fn apply(query: &str, edits: &ListEdits, limits: &Limits) -> Result<String> {
    // The edited text is at least the query and each added entry in quotes: bounded before any
    // of it is made (hostile input: a long query or many long entries).
    limits.check_query_bytes(query.len(), "query is")?;
    let added = [&edits.add_domains, &edits.add_excluded_executables].into_iter().flatten();
    let at_least = added.fold(query.len(), |n, p| n.saturating_add(p.len() + 2));
    limits.check_query_bytes(at_least, "the edited query would be at least")?;
    let mut text = query.to_string();
    let mut pack_patterns: Vec<&str> = Vec::new();
    for name in &edits.packs {
        let pack = packs().iter().find(|p| &p.name == name).ok_or_else(|| {
            let known: Vec<&str> = packs().iter().map(|p| p.name.as_str()).collect();
            Error::new(
                ErrorKind::Tuning,
                format!("unknown pack \"{name}\"; known packs: {}", known.join(", ")),
            )
        })?;
        pack_patterns.extend(pack.patterns.iter().map(String::as_str));
    }
    fn strs(v: &[String]) -> Vec<&str> {
        v.iter().map(String::as_str).collect()
    }
    text = add(&text, List::Domains, &pack_patterns, limits)?;
    text = remove(&text, List::Domains, &strs(&edits.remove_domains), limits)?;
    text = add(&text, List::Domains, &strs(&edits.add_domains), limits)?;
    text = remove(&text, List::ExcludedExecutables, &strs(&edits.remove_excluded_executables), limits)?;
    text = add(&text, List::ExcludedExecutables, &strs(&edits.add_excluded_executables), limits)?;
    Ok(text)
}

/// Finds the predicate holding `list`, with the expression it is (for its span).
fn find(expr: &Expr, list: List, under_not: bool) -> Option<(&Expr, &Predicate)> {
    match &expr.kind {
        ExprKind::And(items) | ExprKind::Or(items) => items.iter().find_map(|e| find(e, list, under_not)),
        ExprKind::Not(inner) => find(inner, list, true),
        ExprKind::Predicate(p) => {
            let wildcard = matches!(p.op, Op::Colon | Op::Like | Op::LikeInsensitive);
            let hit = match list {
                List::Domains => p.field == "dns.question.name" && wildcard && !under_not,
                List::ExcludedExecutables => p.field == "process.executable" && wildcard && under_not,
            };
            hit.then_some((expr, p))
        }
        ExprKind::Constant(_) => None,
    }
}

/// A list the edits change, as an editor shows it: the predicate's span and its string entries.
pub(crate) type ListSpans<'q> = (Span, Vec<(Span, &'q str)>);

/// The two lists the edits change, for the domains and for the excluded executables, or `None`.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
pub(crate) fn tunable_lists(query: &crate::eql::ast::Query) -> [Option<ListSpans<'_>>; 2] {
    [List::Domains, List::ExcludedExecutables].map(|list| {
        let (expr, p) = find(&query.condition, list, false)?;
        let entries = p
            .values
            .iter()
            .filter_map(|l| match &l.value {
                LiteralValue::Str(s) => Some((l.span, s.as_str())),
                _ => None,
            })
            .collect();
        Some((expr.span, entries))
    })
}

fn locate(query: &crate::eql::ast::Query, list: List) -> Result<&Predicate> {
    find(&query.condition, list, false)
        .map(|(_, p)| p)
        .ok_or_else(|| Error::new(ErrorKind::Tuning, format!("the query has no {} to edit", list.describe())))
}

fn add(text: &str, list: List, patterns: &[&str], limits: &Limits) -> Result<String> {
    if patterns.is_empty() {
        return Ok(text.to_string());
    }
    for pattern in patterns {
        check_pattern(pattern)?;
    }
    let q = parse_query(text, limits)?;
    let p = locate(&q, list)?;
    let last = &p.values[p.values.len() - 1];
    if !p.list {
        // `field : "x"` becomes `field : ("x", "new")`.
        let old = last.span.text(text);
        let quoted: Vec<String> = patterns.iter().map(|p| quote(p)).collect();
        let quoted = quoted.join(", ");
        return Ok(format!("{}({old}, {quoted}){}", &text[..last.span.start], &text[last.span.end..]));
    }
    // Put the entry on a line of its own when the list is written one entry per line.
    let line_start = text[..last.span.start].rfind('\n').map_or(0, |i| i + 1);
    let before = &text[line_start..last.span.start];
    let sep =
        if !before.is_empty() && before.trim().is_empty() { format!(",\n{before}") } else { ", ".into() };
    let mut out =
        String::with_capacity(text.len() + patterns.iter().map(|p| p.len() + sep.len() + 2).sum::<usize>());
    out.push_str(&text[..last.span.end]);
    for pattern in patterns {
        out.push_str(&sep);
        out.push_str(&quote(pattern));
    }
    out.push_str(&text[last.span.end..]);
    Ok(out)
}

fn remove(text: &str, list: List, patterns: &[&str], limits: &Limits) -> Result<String> {
    if patterns.is_empty() {
        return Ok(text.to_string());
    }
    let q = parse_query(text, limits)?;
    let p = locate(&q, list)?;
    // The indices of each string entry, in order, so that each removal takes the first entry
    // still there, as removing one by one would.
    let mut at: std::collections::HashMap<&str, std::collections::VecDeque<usize>> = Default::default();
    for (i, l) in p.values.iter().enumerate() {
        if let LiteralValue::Str(s) = &l.value {
            at.entry(s.as_str()).or_default().push_back(i);
        }
    }
    let mut removed = vec![false; p.values.len()];
    let mut left = p.values.len();
    for pattern in patterns {
        let Some(i) = at.get_mut(pattern).and_then(|q| q.pop_front()) else {
            return Err(Error::new(
                ErrorKind::Tuning,
                format!("cannot remove \"{pattern}\": it is not in {}", list.describe()),
            ));
        };
        if left == 1 {
            return Err(Error::new(
                ErrorKind::Tuning,
                format!("cannot remove \"{pattern}\": it is the only entry of {}", list.describe()),
            ));
        }
        removed[i] = true;
        left -= 1;
    }
    // Entries before the first kept one go with the separators after them; later ones with the
    // separator before them.
    let first = removed.iter().position(|r| !r).expect("one entry is kept");
    let v = &p.values;
    let mut out = String::with_capacity(text.len());
    out.push_str(&text[..v[0].span.start]);
    let mut pos = v[first].span.start;
    for i in first + 1..v.len() {
        if removed[i] {
            out.push_str(&text[pos..v[i - 1].span.end]);
            pos = v[i].span.end;
        }
    }
    out.push_str(&text[pos..]);
    Ok(out)
}

fn check_pattern(pattern: &str) -> Result<()> {
    if pattern.is_empty() {
        return Err(Error::new(ErrorKind::Tuning, "an empty pattern cannot be added"));
    }
    Ok(())
}

/// `pattern` as an EQL string literal.
pub(crate) fn quote(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 2);
    out.push('"');
    for c in pattern.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{{{:02x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Lint of a compiled query's domain list: entries that no DNS name can match.
pub(crate) fn lint_domains(text: &str, q: &crate::eql::ast::Query) -> Vec<Warning> {
    let Some((_, p)) = find(&q.condition, List::Domains, false) else { return Vec::new() };
    // One locator for the whole list: linear in the text however many entries are flagged.
    let mut locator = crate::eql::compile::Locator::new(text);
    p.values
        .iter()
        .filter_map(|lit| {
            let LiteralValue::Str(s) = &lit.value else { return None };
            let bad =
                s.chars().find(|c| !(c.is_alphanumeric() || matches!(c, '.' | '-' | '_' | '*' | '?')))?;
            let (line, column) = locator.locate(lit.span.start);
            Some(Warning {
                kind: WarningKind::CannotMatchDnsName,
                message: format!("\"{s}\" cannot match a DNS name: it contains `{bad}`"),
                line,
                column,
                suggestion: None,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::find as find_version;

    fn edits() -> ListEdits {
        ListEdits::default()
    }

    #[test]
    fn adding_keeps_one_entry_per_line() {
        let q = find_version("102").unwrap().query();
        let out =
            apply(q, &ListEdits { add_domains: vec!["*ident.me".into()], ..edits() }, &Limits::default())
                .unwrap();
        assert!(out.contains("        \"*ipstack.com\",\n        \"*ident.me\"\n    ) and"), "{out}");
        let out = apply(
            q,
            &ListEdits { add_excluded_executables: vec![r"C:\Tools\ok.exe".into()], ..edits() },
            &Limits::default(),
        )
        .unwrap();
        assert!(out.contains("OneDrive.exe\",\n      \"C:\\\\Tools\\\\ok.exe\"\n    )"), "{out}");
    }

    #[test]
    fn removing_first_middle_and_last() {
        let q = "any where dns.question.name : (\"a\", \"b\", \"c\")";
        let rm =
            |p: &str| apply(q, &ListEdits { remove_domains: vec![p.into()], ..edits() }, &Limits::default());
        assert_eq!(rm("a").unwrap(), "any where dns.question.name : (\"b\", \"c\")");
        assert_eq!(rm("b").unwrap(), "any where dns.question.name : (\"a\", \"c\")");
        assert_eq!(rm("c").unwrap(), "any where dns.question.name : (\"a\", \"b\")");
        assert_eq!(rm("zz").unwrap_err().kind(), ErrorKind::Tuning);
    }

    #[test]
    fn single_values_become_lists_and_missing_lists_are_errors() {
        let q = "any where dns.question.name : \"a\"";
        let out =
            apply(q, &ListEdits { add_domains: vec!["b".into()], ..edits() }, &Limits::default()).unwrap();
        assert_eq!(out, "any where dns.question.name : (\"a\", \"b\")");
        let e = apply(
            q,
            &ListEdits { add_excluded_executables: vec!["x".into()], ..edits() },
            &Limits::default(),
        )
        .unwrap_err();
        assert!(e.message().contains("has no"), "{e}");
    }

    #[test]
    fn quoting_round_trips() {
        for s in [r"C:\a\b", "q\"x", "tab\there", "\u{1}"] {
            let q = format!("any where a == {}", quote(s));
            let parsed = parse_query(&q, &Limits::default()).unwrap();
            let ExprKind::Predicate(p) = parsed.condition.kind else { panic!() };
            assert_eq!(p.values[0].value, LiteralValue::Str(s.to_string()));
        }
    }

    #[test]
    fn unknown_pack_lists_the_known_ones() {
        let e = apply(
            "any where dns.question.name : \"a\"",
            &ListEdits { packs: vec!["nope".into()], ..edits() },
            &Limits::default(),
        )
        .unwrap_err();
        assert!(e.message().contains("sigma-ip-lookup-apis"), "{e}");
    }

    #[test]
    fn lint_flags_impossible_domain_patterns() {
        let text = "any where dns.question.name : (\"*ok.com\", \"bad name.com\", \"c:\\\\x\")";
        let w = lint_domains(text, &parse_query(text, &Limits::default()).unwrap());
        assert_eq!(w.len(), 2);
        assert_eq!(w[0].kind, WarningKind::CannotMatchDnsName);
    }
}
