//! Elastic exception lists: items that suppress alerts, evaluated as Kibana builds them.
//!
//! Kibana turns the exception items of a rule into one Query DSL filter and runs the rule's EQL
//! search with it negated (`must_not`), so an event that any item matches never becomes an alert.
//! The filter comes from `buildExceptionFilter` in Kibana's
//! `packages/kbn-securitysolution-list-utils/src/build_exception_filter/index.ts` (the lists
//! plugin's `build_exception_filter.ts` in newer releases); each entry type here follows the clause
//! that file builds for it:
//!
//! | entry `type` | Kibana's clause | meaning here |
//! |---|---|---|
//! | `match` | `match_phrase` | a value equals `value` exactly (keyword fields: case-sensitive) |
//! | `match_any` | `should` of `match_phrase` | a value equals one of `value[]` |
//! | `wildcard` | `wildcard` query | Lucene wildcard, case-sensitive: `*`, `?` (one code point), and `\` escapes the next character |
//! | `exists` | `exists` | the field has a value |
//! | `nested` | `nested` query on `field` | one object of the array at `field` satisfies every sub-entry |
//!
//! `operator: "excluded"` wraps the clause in `bool.must_not` (a missing field then passes).
//! Entries of an item are ANDed (`bool.filter`), items are ORed (`bool.should`). An item's
//! `os_types` adds `host.os.type` (or `host.os.name.caseless`) equal to one of them, as
//! `transformOsType` does.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::eql::compile::Warning;
use crate::eql::verdict::{Reason, ReasonKind};
use crate::error::{Error, ErrorKind, Result};
use crate::input::event::{Event, FieldPath, Item};

/// One exception list item, as Kibana exports it (fields this engine does not use are ignored).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExceptionItem {
    /// Kibana's `item_id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_id: Option<String>,
    /// The item's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Operating systems the item applies to (`windows`, `linux`, `macos`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub os_types: Vec<String>,
    /// The entries, ANDed.
    pub entries: Vec<ExceptionEntry>,
}

/// One entry of an exception item.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExceptionEntry {
    /// The field (relative to the parent for entries inside `nested`).
    pub field: String,
    /// `included` or `excluded`; absent inside `nested`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
    /// `match`, `match_any`, `wildcard`, `exists` or `nested`.
    #[serde(rename = "type")]
    pub kind: String,
    /// A string (`match`, `wildcard`) or strings (`match_any`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
    /// Sub-entries of a `nested` entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entries: Option<Vec<ExceptionEntry>>,
}

/// Reads exception items from a Kibana exception-list export (NDJSON: the list, its items and an
/// export summary), a JSON array of items, one item, or an object with `items`.
pub fn parse_exceptions(text: &str) -> Result<Vec<ExceptionItem>> {
    let trimmed = text.trim_start();
    if trimmed.is_empty() {
        return Ok(Vec::new());
    }
    match serde_json::from_str::<Value>(text) {
        Ok(value) => exceptions_from_value(&value),
        Err(_) => {
            // NDJSON: keep the lines that are items (they have `entries`).
            let mut items = Vec::new();
            for (i, line) in text.lines().enumerate() {
                if line.trim().is_empty() {
                    continue;
                }
                let v: Value = serde_json::from_str(line).map_err(|e| {
                    Error::new(ErrorKind::Tuning, format!("exceptions, line {}: invalid JSON: {e}", i + 1))
                })?;
                if v.get("entries").is_some() {
                    items.push((format!("line {}", i + 1), v));
                }
            }
            items.iter().map(|(at, v)| item_from_value(v, at)).collect()
        }
    }
}

/// Reads exception items from a JSON value (see [`parse_exceptions`]).
pub fn exceptions_from_value(value: &Value) -> Result<Vec<ExceptionItem>> {
    match value {
        Value::Array(items) => {
            items.iter().enumerate().map(|(i, v)| item_from_value(v, &format!("item {}", i + 1))).collect()
        }
        Value::Object(o) if o.contains_key("entries") => Ok(vec![item_from_value(value, "item 1")?]),
        Value::Object(o) if o.contains_key("items") => exceptions_from_value(&o["items"]),
        Value::Null => Ok(Vec::new()),
        _ => Err(Error::new(
            ErrorKind::Tuning,
            "exceptions must be an array of exception items, one item, or a Kibana exception-list export",
        )),
    }
}

fn item_from_value(v: &Value, at: &str) -> Result<ExceptionItem> {
    let obj = v.as_object().ok_or_else(|| tuning(format!("exception {at}: an item must be an object")))?;
    let label =
        obj.get("name").and_then(Value::as_str).map(|n| format!("{at} (\"{n}\")")).unwrap_or(at.to_string());
    let entries = obj
        .get("entries")
        .and_then(Value::as_array)
        .ok_or_else(|| tuning(format!("exception {label}: `entries` must be an array")))?;
    if entries.is_empty() {
        return Err(tuning(format!(
            "exception {label}: `entries` is empty; an empty item would suppress every alert"
        )));
    }
    let entries = entries
        .iter()
        .enumerate()
        .map(|(i, e)| entry_from_value(e, &label, &(i + 1).to_string(), false))
        .collect::<Result<_>>()?;
    let text = |k: &str| obj.get(k).and_then(Value::as_str).map(str::to_string);
    let os_types = match obj.get("os_types") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a
            .iter()
            .map(|o| {
                o.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| tuning(format!("exception {label}: `os_types` must be strings")))
            })
            .collect::<Result<_>>()?,
        Some(_) => return Err(tuning(format!("exception {label}: `os_types` must be an array"))),
    };
    Ok(ExceptionItem { item_id: text("item_id"), name: text("name"), os_types, entries })
}

fn entry_from_value(v: &Value, item: &str, at: &str, nested: bool) -> Result<ExceptionEntry> {
    let here = format!("exception {item}, entry {at}");
    let obj = v.as_object().ok_or_else(|| tuning(format!("{here}: an entry must be an object")))?;
    let field = match obj.get("field") {
        Some(Value::String(f)) if !f.is_empty() => f.clone(),
        Some(_) => return Err(tuning(format!("{here}: `field` must be a non-empty string"))),
        None => return Err(tuning(format!("{here}: `field` is missing"))),
    };
    let kind = obj
        .get("type")
        .and_then(Value::as_str)
        .ok_or_else(|| tuning(format!("{here}: `type` is missing")))?;
    let operator = match obj.get("operator") {
        Some(Value::String(o)) if o == "included" || o == "excluded" => Some(o.clone()),
        Some(other) => {
            return Err(tuning(format!(
                "{here}: `operator` must be \"included\" or \"excluded\", not {other}"
            )))
        }
        None if nested => None,
        None if kind == "nested" => None,
        None => return Err(tuning(format!("{here}: `operator` is missing"))),
    };
    let value = obj.get("value").cloned();
    let need_string = |v: &Option<Value>| match v {
        Some(Value::String(_)) => Ok(()),
        Some(other) => {
            Err(tuning(format!("{here} ({kind} on {field}): `value` must be a string, not {other}")))
        }
        None => Err(tuning(format!("{here} ({kind} on {field}): `value` is missing"))),
    };
    let mut sub = None;
    match kind {
        "match" | "wildcard" => need_string(&value)?,
        "match_any" => match &value {
            Some(Value::Array(a)) if !a.is_empty() && a.iter().all(Value::is_string) => {}
            _ => {
                return Err(tuning(format!(
                    "{here} (match_any on {field}): `value` must be a non-empty array of strings"
                )))
            }
        },
        "exists" => {}
        "nested" if nested => return Err(tuning(format!("{here}: `nested` entries cannot nest"))),
        "nested" => {
            let list =
                obj.get("entries").and_then(Value::as_array).filter(|a| !a.is_empty()).ok_or_else(|| {
                    tuning(format!("{here} (nested on {field}): `entries` must be a non-empty array"))
                })?;
            sub = Some(
                list.iter()
                    .enumerate()
                    .map(|(i, e)| entry_from_value(e, item, &format!("{at}.{}", i + 1), true))
                    .collect::<Result<Vec<_>>>()?,
            );
        }
        "list" => {
            return Err(tuning(format!(
            "{here}: value-list entries (`type: \"list\"`) need Kibana's value lists and are not supported"
        )))
        }
        other => {
            return Err(tuning(format!(
                "{here}: unknown type \"{other}\"; expected match, match_any, wildcard, exists or nested"
            )))
        }
    }
    Ok(ExceptionEntry { field, operator, kind: kind.to_string(), value, entries: sub })
}

fn tuning(message: String) -> Error {
    Error::new(ErrorKind::Tuning, message)
}

/// A compiled item.
#[derive(Clone, Debug)]
pub(crate) struct CompiledItem {
    pub label: String,
    entries: Vec<Entry>,
    os_types: Vec<String>,
    os_fields: [FieldPath; 2],
}

#[derive(Clone, Debug)]
struct Entry {
    field: FieldPath,
    excluded: bool,
    test: EntryTest,
    /// `user.name is "alice"`, as Kibana's UI would say it.
    text: String,
    op: &'static str,
}

#[derive(Clone, Debug)]
enum EntryTest {
    Terms(Vec<String>),
    Wildcard(LuceneWildcard),
    Exists,
    Nested(Vec<Entry>),
}

pub(crate) fn compile_items(items: &[ExceptionItem]) -> (Vec<CompiledItem>, Vec<Warning>) {
    let mut warnings = Vec::new();
    let compiled = items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let label = item
                .name
                .clone()
                .or_else(|| item.item_id.clone())
                .unwrap_or_else(|| format!("item {}", i + 1));
            let entries: Vec<Entry> = item.entries.iter().map(|e| compile_entry(e, None)).collect();
            lint_item(&label, &entries, &mut warnings);
            CompiledItem {
                label,
                entries,
                os_types: item.os_types.clone(),
                os_fields: [FieldPath::new("host.os.type"), FieldPath::new("host.os.name.caseless")],
            }
        })
        .collect();
    (compiled, warnings)
}

fn compile_entry(e: &ExceptionEntry, parent: Option<&str>) -> Entry {
    let full = match parent {
        Some(p) => format!("{p}.{}", e.field),
        None => e.field.clone(),
    };
    let excluded = e.operator.as_deref() == Some("excluded");
    let strings = |v: &Option<Value>| -> Vec<String> {
        match v {
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).map(str::to_string).collect(),
            _ => Vec::new(),
        }
    };
    let (test, op, text) = match e.kind.as_str() {
        "match" => {
            let v = strings(&e.value);
            let t = format!("{full} {} \"{}\"", if excluded { "is not" } else { "is" }, v.join(""));
            (EntryTest::Terms(v), if excluded { "is not" } else { "is" }, t)
        }
        "match_any" => {
            let v = strings(&e.value);
            let list = v.iter().map(|s| format!("\"{s}\"")).collect::<Vec<_>>().join(", ");
            let t = format!("{full} {} ({list})", if excluded { "is not one of" } else { "is one of" });
            (EntryTest::Terms(v), if excluded { "is not one of" } else { "is one of" }, t)
        }
        "wildcard" => {
            let v = strings(&e.value).concat();
            let t = format!("{full} {} \"{v}\"", if excluded { "does not match" } else { "matches" });
            (
                EntryTest::Wildcard(LuceneWildcard::new(&v)),
                if excluded { "does not match" } else { "matches" },
                t,
            )
        }
        "exists" => {
            let t = format!("{full} {}", if excluded { "does not exist" } else { "exists" });
            (EntryTest::Exists, if excluded { "does not exist" } else { "exists" }, t)
        }
        _ => {
            let subs: Vec<Entry> = e
                .entries
                .as_deref()
                .unwrap_or_default()
                .iter()
                .map(|s| compile_entry(s, Some(&e.field)))
                .collect();
            let t = format!(
                "{full} has one object where {}",
                subs.iter().map(|s| s.text.clone()).collect::<Vec<_>>().join(" and ")
            );
            (EntryTest::Nested(subs), "nested", t)
        }
    };
    Entry { field: FieldPath::new(&full), excluded, test, text, op }
}

/// Warnings for items that can never match, and for wildcard values whose backslashes Elasticsearch
/// reads as escapes.
fn lint_item(label: &str, entries: &[Entry], warnings: &mut Vec<Warning>) {
    let mut warn = |message: String| {
        warnings.push(Warning { kind: "exception_never_matches", message, line: 0, column: 0 })
    };
    for (i, a) in entries.iter().enumerate() {
        for b in &entries[i + 1..] {
            if a.field != b.field {
                continue;
            }
            let absent_a = matches!(a.test, EntryTest::Exists) && a.excluded;
            let absent_b = matches!(b.test, EntryTest::Exists) && b.excluded;
            let needs_value = |e: &Entry| !e.excluded;
            if (absent_a && needs_value(b)) || (absent_b && needs_value(a)) {
                warn(format!(
                    "exception \"{label}\" can never match: `{}` and `{}` contradict each other",
                    a.text, b.text
                ));
            }
        }
    }
    for e in entries {
        if let EntryTest::Wildcard(w) = &e.test {
            if w.source.contains('\\') {
                warnings.push(Warning {
                    kind: "exception_wildcard_backslash",
                    message: format!(
                        "exception \"{label}\": in `{}` Elasticsearch's wildcard query reads each `\\` as an escape of the next character; write `\\\\` for a backslash",
                        e.text
                    ),
                    line: 0,
                    column: 0,
                });
            }
        }
    }
}

impl CompiledItem {
    /// The field paths the item reads (a nested entry's, and its sub-entries' full paths).
    pub fn fields(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for e in &self.entries {
            out.push(e.field.as_str());
            if let EntryTest::Nested(subs) = &e.test {
                out.extend(subs.iter().map(|s| s.field.as_str()));
            }
        }
        if !self.os_types.is_empty() {
            out.extend(self.os_fields.iter().map(FieldPath::as_str));
        }
        out
    }

    /// Whether the item matches the event (fast path).
    pub fn matches(&self, event: &dyn Event, max_depth: usize) -> bool {
        self.os_matches(event, max_depth) && self.entries.iter().all(|e| entry_holds(e, event, max_depth))
    }

    fn os_matches(&self, event: &dyn Event, max_depth: usize) -> bool {
        self.os_types.is_empty()
            || self.os_fields.iter().any(|f| {
                event.visit_field(
                    f,
                    max_depth,
                    &mut |item| matches!(item, Item::Text(s) if self.os_types.iter().any(|o| o == s)),
                )
            })
    }

    /// The item's reason: held when it matches (kind `exception`), with one child per entry.
    pub fn explain(&self, event: &dyn Event, max_depth: usize) -> Reason {
        let mut children: Vec<Reason> =
            self.entries.iter().map(|e| explain_entry(e, event, max_depth)).collect();
        if !self.os_types.is_empty() {
            let held = self.os_matches(event, max_depth);
            children.insert(
                0,
                reason(
                    format!("host.os.type is one of ({})", self.os_types.join(", ")),
                    "os_types",
                    held,
                    if held { ReasonKind::Matched } else { ReasonKind::ValueMismatch },
                ),
            );
        }
        let held = children.iter().all(|c| c.held);
        debug_assert_eq!(held, self.matches(event, max_depth));
        let mut r = reason(
            format!("exception \"{}\"", self.label),
            "exception",
            held,
            if held { ReasonKind::Exception } else { ReasonKind::ClauseFailed },
        );
        r.children = children;
        r
    }
}

fn positive(e: &Entry, event: &dyn Event, max_depth: usize) -> bool {
    match &e.test {
        EntryTest::Nested(subs) => event.visit_objects(&e.field, max_depth, &mut |obj| {
            subs.iter().all(|s| entry_holds_relative(s, obj, max_depth, &e.field))
        }),
        test => event.visit_field(&e.field, max_depth, &mut |item| match item {
            Item::Text(s) => accepts(test, s),
            _ => false,
        }),
    }
}

fn entry_holds(e: &Entry, event: &dyn Event, max_depth: usize) -> bool {
    positive(e, event, max_depth) != e.excluded
}

/// A sub-entry of `nested`, read relative to one object of the parent's array.
fn entry_holds_relative(e: &Entry, obj: &dyn Event, max_depth: usize, parent: &FieldPath) -> bool {
    let rel = FieldPath::new(
        e.field
            .as_str()
            .strip_prefix(parent.as_str())
            .map_or(e.field.as_str(), |r| r.trim_start_matches('.')),
    );
    let hit = obj.visit_field(&rel, max_depth, &mut |item| match item {
        Item::Text(s) => accepts(&e.test, s),
        _ => false,
    });
    hit != e.excluded
}

fn accepts(test: &EntryTest, value: &str) -> bool {
    match test {
        EntryTest::Terms(terms) => terms.iter().any(|t| t == value),
        EntryTest::Wildcard(w) => w.is_match(value),
        EntryTest::Exists => true,
        EntryTest::Nested(_) => false,
    }
}

fn explain_entry(e: &Entry, event: &dyn Event, max_depth: usize) -> Reason {
    let pos = positive(e, event, max_depth);
    let held = pos != e.excluded;
    let mut values = Vec::new();
    if !matches!(e.test, EntryTest::Nested(_)) {
        event.visit_field(&e.field, max_depth, &mut |item| {
            if let Item::Text(s) = item {
                values.push(s.to_string());
            }
            false
        });
    }
    let kind = if pos {
        if e.excluded {
            ReasonKind::Excluded
        } else {
            ReasonKind::Matched
        }
    } else if values.is_empty() {
        ReasonKind::FieldAbsent
    } else if matches!(&e.test, EntryTest::Terms(t) if values.iter().any(|v| t.iter().any(|t| t.eq_ignore_ascii_case(v))))
    {
        ReasonKind::CaseMismatch
    } else {
        ReasonKind::ValueMismatch
    };
    let mut r = reason(e.text.clone(), e.op, held, kind);
    r.field = Some(e.field.as_str().to_string());
    r.values = values;
    r
}

fn reason(clause: String, op: &'static str, held: bool, kind: ReasonKind) -> Reason {
    Reason {
        clause,
        start: 0,
        end: 0,
        op,
        held,
        kind,
        field: None,
        values: Vec::new(),
        matched: Vec::new(),
        note: None,
        children: Vec::new(),
    }
}

/// A Lucene wildcard pattern as Elasticsearch's `wildcard` query reads it: `*` any run, `?` one
/// code point, `\` escapes the next character; case-sensitive.
#[derive(Clone, Debug)]
struct LuceneWildcard {
    source: String,
    tokens: Vec<Tok>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Tok {
    Star,
    One,
    Char(char),
}

impl LuceneWildcard {
    fn new(pattern: &str) -> LuceneWildcard {
        let mut tokens = Vec::new();
        let mut chars = pattern.chars();
        while let Some(c) = chars.next() {
            tokens.push(match c {
                '*' => Tok::Star,
                '?' => Tok::One,
                '\\' => Tok::Char(chars.next().unwrap_or('\\')),
                c => Tok::Char(c),
            });
        }
        LuceneWildcard { source: pattern.to_string(), tokens }
    }

    fn is_match(&self, value: &str) -> bool {
        let v: Vec<char> = value.chars().collect();
        let p = &self.tokens;
        let (mut pi, mut vi) = (0, 0);
        let mut star: Option<(usize, usize)> = None;
        while vi < v.len() {
            match p.get(pi) {
                Some(Tok::Star) => {
                    star = Some((pi, vi));
                    pi += 1;
                }
                Some(Tok::One) => {
                    pi += 1;
                    vi += 1;
                }
                Some(Tok::Char(c)) if *c == v[vi] => {
                    pi += 1;
                    vi += 1;
                }
                _ => match star {
                    Some((sp, sv)) => {
                        pi = sp + 1;
                        vi = sv + 1;
                        star = Some((sp, sv + 1));
                    }
                    None => return false,
                },
            }
        }
        p[pi..].iter().all(|t| *t == Tok::Star)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn item(entries: Value) -> CompiledItem {
        let items = exceptions_from_value(&json!([{ "name": "t", "entries": entries }])).unwrap();
        compile_items(&items).0.remove(0)
    }

    #[test]
    fn lucene_wildcards_escape_with_backslash() {
        let w = LuceneWildcard::new(r"C:\\Tools\\*.exe");
        assert!(w.is_match(r"C:\Tools\x.exe"));
        assert!(!w.is_match(r"c:\tools\x.exe"), "case-sensitive");
        let w = LuceneWildcard::new(r"C:\Tools\*");
        assert!(w.is_match("C:Tools*"), "`\\T` is T and `\\*` a literal star");
        assert!(!w.is_match(r"C:\Tools\x"));
        assert!(LuceneWildcard::new("?:x").is_match("é:x"));
    }

    #[test]
    fn entry_types_and_operators() {
        let ev = json!({"user": {"name": "alice"}, "process": {"executable": "C:\\a.exe", "Ext": {"code_signature": [
            {"subject_name": "Evil", "trusted": false}, {"subject_name": "Good", "trusted": true}]}}});
        let m = |entries: Value| item(entries).matches(&ev, 128);
        assert!(m(
            json!([{"field": "user.name", "operator": "included", "type": "match", "value": "alice"}])
        ));
        assert!(!m(
            json!([{"field": "user.name", "operator": "included", "type": "match", "value": "Alice"}])
        ));
        assert!(m(json!([{"field": "user.name", "operator": "excluded", "type": "match", "value": "bob"}])));
        assert!(m(
            json!([{"field": "user.name", "operator": "included", "type": "match_any", "value": ["bob", "alice"]}])
        ));
        assert!(m(
            json!([{"field": "process.executable", "operator": "included", "type": "wildcard", "value": "C:\\\\*.exe"}])
        ));
        assert!(m(json!([{"field": "user.name", "operator": "included", "type": "exists"}])));
        assert!(m(json!([{"field": "user.id", "operator": "excluded", "type": "exists"}])));
        let nested = |a: &str, b: &str| {
            json!([{"field": "process.Ext.code_signature", "type": "nested", "entries": [
                {"field": "subject_name", "operator": "included", "type": "match", "value": a},
                {"field": "trusted", "operator": "included", "type": "match", "value": b}]}])
        };
        assert!(m(nested("Good", "true")));
        assert!(!m(nested("Evil", "true")), "nested entries must hold in one object");
        assert!(m(json!([
            {"field": "user.name", "operator": "included", "type": "match", "value": "alice"},
            {"field": "process.executable", "operator": "included", "type": "match", "value": "C:\\a.exe"}])));
        assert!(!m(json!([
            {"field": "user.name", "operator": "included", "type": "match", "value": "alice"},
            {"field": "process.executable", "operator": "included", "type": "match", "value": "C:\\b.exe"}])));
    }

    #[test]
    fn os_types_add_a_host_condition() {
        let items = exceptions_from_value(&json!([{ "os_types": ["windows"], "entries": [
            {"field": "user.name", "operator": "included", "type": "match", "value": "alice"}]}]))
        .unwrap();
        let it = compile_items(&items).0.remove(0);
        assert!(it.matches(&json!({"user": {"name": "alice"}, "host": {"os": {"type": "windows"}}}), 128));
        assert!(!it.matches(&json!({"user": {"name": "alice"}, "host": {"os": {"type": "linux"}}}), 128));
    }

    #[test]
    fn bad_items_are_rejected_with_item_and_entry() {
        let e = |v: Value| exceptions_from_value(&v).unwrap_err().message().to_string();
        let msg = e(
            json!([{"name": "a", "entries": [{"field": "x", "operator": "included", "type": "regex", "value": "y"}]}]),
        );
        assert!(msg.contains("item 1 (\"a\"), entry 1") && msg.contains("unknown type \"regex\""), "{msg}");
        let msg = e(json!([{"entries": [{"operator": "included", "type": "match", "value": "y"}]}]));
        assert!(msg.contains("`field` is missing"), "{msg}");
        let msg =
            e(json!([{"entries": [{"field": "x", "operator": "included", "type": "match", "value": 5}]}]));
        assert!(msg.contains("must be a string"), "{msg}");
        let msg = e(json!([{"entries": []}]));
        assert!(msg.contains("empty"), "{msg}");
    }

    #[test]
    fn kibana_export_ndjson_is_read_as_is() {
        let export = concat!(
            r#"{"_version":"WzEsMV0=","created_at":"2024-01-01T00:00:00.000Z","description":"d","list_id":"l","name":"List","namespace_type":"single","type":"detection"}"#,
            "\n",
            r#"{"comments":[],"description":"svc","entries":[{"field":"user.name","operator":"included","type":"match","value":"svc_backup"}],"item_id":"i1","list_id":"l","name":"backup","namespace_type":"single","os_types":[],"tags":[],"type":"simple"}"#,
            "\n",
            r#"{"exported_exception_list_count":1,"exported_exception_list_item_count":1,"missing_exception_list_item_count":0,"missing_exception_list_items":[],"missing_exception_lists":[],"missing_exception_lists_count":0}"#,
            "\n",
        );
        let items = parse_exceptions(export).unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].name.as_deref(), Some("backup"));
    }

    #[test]
    fn lint_finds_contradictions_and_backslashes() {
        let items = exceptions_from_value(&json!([{"name": "x", "entries": [
            {"field": "user.name", "operator": "included", "type": "match", "value": "a"},
            {"field": "user.name", "operator": "excluded", "type": "exists"},
            {"field": "process.executable", "operator": "included", "type": "wildcard", "value": "C:\\Tools\\*"}]}]))
        .unwrap();
        let (_, w) = compile_items(&items);
        let kinds: Vec<_> = w.iter().map(|w| w.kind).collect();
        assert_eq!(kinds, ["exception_never_matches", "exception_wildcard_backslash"]);
    }
}
