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
use serde_json::{Map, Value};

use crate::eql::compile::{Warning, WarningKind};
use crate::eql::pattern::{Syntax, Wildcard};
use crate::eql::verdict::{Reason, ReasonKind, ReasonOp};
use crate::error::{Error, ErrorKind, Result};
use crate::input::event::{Event, FieldPath, Item};

/// One exception list item, as Kibana exports it.
///
/// Deserializing one (with serde, from JS, from a file) goes through the same reader as
/// [`exceptions_from_value`]: Kibana's other item keys (`list_id`, `comments`, ...) are accepted
/// and ignored, any other key is an error naming it, and so is an unknown entry `type` or
/// `operator`. An item built in Rust is checked when the rule is built.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Value")]
pub struct ExceptionItem {
    /// Kibana's `item_id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_id: Option<String>,
    /// The item's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Operating systems the item applies to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub os_types: Vec<OsType>,
    /// The entries, ANDed. Must not be empty.
    pub entries: Vec<ExceptionEntry>,
}

/// One entry of an exception item, by its `type` (Kibana's entry schemas; value-list entries,
/// `type: "list"`, are not supported).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", try_from = "Value")]
pub enum ExceptionEntry {
    /// A value of `field` equals `value` exactly (keyword fields: case-sensitive).
    Match {
        /// The field (relative to the parent inside `nested`).
        field: String,
        /// Whether the entry holds when the condition does (`included`) or when it does not.
        operator: Operator,
        /// The value.
        value: String,
    },
    /// A value of `field` equals one of `value`.
    MatchAny {
        /// The field (relative to the parent inside `nested`).
        field: String,
        /// Whether the entry holds when the condition does (`included`) or when it does not.
        operator: Operator,
        /// The values; not empty.
        value: Vec<String>,
    },
    /// A value of `field` matches the Lucene wildcard `value`: `*`, `?` (one code point), `\`
    /// escaping the next character; case-sensitive.
    Wildcard {
        /// The field (relative to the parent inside `nested`).
        field: String,
        /// Whether the entry holds when the condition does (`included`) or when it does not.
        operator: Operator,
        /// The pattern.
        value: String,
    },
    /// `field` has a value.
    Exists {
        /// The field (relative to the parent inside `nested`).
        field: String,
        /// Whether the entry holds when the condition does (`included`) or when it does not.
        operator: Operator,
    },
    /// One object of the array at `field` satisfies every sub-entry. Kibana's nested entry has
    /// no operator; its sub-entries cannot nest.
    Nested {
        /// The array of objects.
        field: String,
        /// The sub-entries, ANDed within one object; not empty. Read from JSON, a sub-entry
        /// without `operator` is `included`.
        entries: Vec<ExceptionEntry>,
    },
}

text_enum! {
    /// How an entry's condition counts: `included` or `excluded`.
    #[derive(Default)]
    pub enum Operator {
        /// The entry holds when the condition does.
        #[default]
        Included = "included",
        /// The entry holds when the condition does not (`bool.must_not`: a missing field passes).
        Excluded = "excluded",
    }
}

text_enum! {
    /// An operating system of an item's `os_types`, as Kibana names it; compared with
    /// `host.os.type` (or `host.os.name.caseless`).
    pub enum OsType {
        /// `linux`.
        Linux = "linux",
        /// `macos`.
        Macos = "macos",
        /// `windows`.
        Windows = "windows",
    }
}

impl ExceptionEntry {
    /// The entry's `type`: `match`, `match_any`, `wildcard`, `exists` or `nested`.
    pub fn type_name(&self) -> &'static str {
        match self {
            ExceptionEntry::Match { .. } => "match",
            ExceptionEntry::MatchAny { .. } => "match_any",
            ExceptionEntry::Wildcard { .. } => "wildcard",
            ExceptionEntry::Exists { .. } => "exists",
            ExceptionEntry::Nested { .. } => "nested",
        }
    }

    /// The field the entry reads (relative to the parent inside `nested`).
    pub fn field(&self) -> &str {
        match self {
            ExceptionEntry::Match { field, .. }
            | ExceptionEntry::MatchAny { field, .. }
            | ExceptionEntry::Wildcard { field, .. }
            | ExceptionEntry::Exists { field, .. }
            | ExceptionEntry::Nested { field, .. } => field,
        }
    }

    /// The operator; `None` for `nested`.
    pub fn operator(&self) -> Option<Operator> {
        match self {
            ExceptionEntry::Match { operator, .. }
            | ExceptionEntry::MatchAny { operator, .. }
            | ExceptionEntry::Wildcard { operator, .. }
            | ExceptionEntry::Exists { operator, .. } => Some(*operator),
            ExceptionEntry::Nested { .. } => None,
        }
    }
}

/// The entry types, as their `type` reads.
const ENTRY_TYPES: &str = "match, match_any, wildcard, exists or nested";

/// The keys of an item in Kibana's exception-list item schema (`exceptionListItemSchema`, with
/// `expire_time` from 8.7), and `_tags` and `comment` of 7.x exports. Only `entries`, `item_id`,
/// `name` and `os_types` are read; any other key is an error.
const ITEM_KEYS: &[&str] = &[
    "_tags",
    "_version",
    "comment",
    "comments",
    "created_at",
    "created_by",
    "description",
    "entries",
    "expire_time",
    "id",
    "item_id",
    "list_id",
    "meta",
    "name",
    "namespace_type",
    "os_types",
    "tags",
    "tie_breaker_id",
    "type",
    "updated_at",
    "updated_by",
];

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
            // NDJSON: every line is the list, an item or the export summary.
            let mut items = Vec::new();
            for (i, line) in text.lines().enumerate() {
                if line.trim().is_empty() {
                    continue;
                }
                let at = format!("line {}", i + 1);
                let v: Value = serde_json::from_str(line)
                    .map_err(|e| tuning(format!("exceptions, {at}: invalid JSON: {e}")))?;
                if !is_list_or_summary(&v) {
                    items.push(item_from_value(&v, &at)?);
                }
            }
            Ok(items)
        }
    }
}

/// Whether a line of an export is the list itself or the export summary, not an item: the summary
/// counts what was exported, the list has a `list_id` and a list `type` but neither `entries` nor
/// an `item_id`.
fn is_list_or_summary(v: &Value) -> bool {
    let Some(o) = v.as_object() else { return false };
    if o.keys().any(|k| k.starts_with("exported_") || k.starts_with("missing_exception")) {
        return true;
    }
    let list_type = o.get("type").and_then(Value::as_str).is_some_and(|t| t != "simple");
    o.contains_key("list_id") && list_type && !o.contains_key("entries") && !o.contains_key("item_id")
}

/// Reads exception items from a JSON value (see [`parse_exceptions`]).
pub fn exceptions_from_value(value: &Value) -> Result<Vec<ExceptionItem>> {
    match value {
        Value::Array(items) => {
            items.iter().enumerate().map(|(i, v)| item_from_value(v, &format!("item {}", i + 1))).collect()
        }
        Value::Object(o) if o.contains_key("items") && !o.contains_key("entries") => {
            exceptions_from_value(&o["items"])
        }
        Value::Object(_) => Ok(vec![item_from_value(value, "item 1")?]),
        Value::Null => Ok(Vec::new()),
        _ => Err(tuning(
            "exceptions must be an array of exception items, one item, or a Kibana exception-list export"
                .into(),
        )),
    }
}

impl TryFrom<Value> for ExceptionItem {
    type Error = Error;
    fn try_from(v: Value) -> Result<ExceptionItem> {
        item_from_value(&v, "item")
    }
}

impl TryFrom<Value> for ExceptionEntry {
    type Error = Error;
    fn try_from(v: Value) -> Result<ExceptionEntry> {
        read_entry(&v, false).map_err(|why| tuning(format!("exception entry{why}")))
    }
}

/// Why a part of an item is wrong, starting where in the item (`", entry 2 (match on x): ..."`);
/// the caller prefixes the item. One message is formatted per error, not one per check.
type Why<T> = std::result::Result<T, String>;

/// `": `key` is missing"` or `": `key` must be <want>, not <got>"`.
fn bad(key: &str, want: &str, got: Option<&Value>) -> String {
    match got {
        None => format!(": `{key}` is missing"),
        Some(v) => format!(": `{key}` must be {want}, not {}", short(v)),
    }
}

/// An error for the first key of `obj` not in `known`.
fn check_keys(obj: &Map<String, Value>, known: &[&str], has: &str) -> Why<()> {
    match obj.keys().find(|k| !known.contains(&k.as_str())) {
        None => Ok(()),
        Some(key) => {
            let hint = match known.iter().find(|k| close(k, key)) {
                Some(k) => format!(" (did you mean `{k}`?)"),
                None => String::new(),
            };
            Err(format!(": unknown key `{}`{hint}; {has}", key.chars().take(60).collect::<String>()))
        }
    }
}

/// Whether `typo` is one edit (a letter added, dropped, changed, or two swapped) from `word`.
fn close(word: &str, typo: &str) -> bool {
    let (a, b) = (word.as_bytes(), typo.as_bytes());
    let p = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let s = a[p..].iter().rev().zip(b[p..].iter().rev()).take_while(|(x, y)| x == y).count();
    let (ra, rb) = (&a[p..a.len() - s], &b[p..b.len() - s]);
    let swapped = ra.len() == 2 && rb.len() == 2 && ra[0] == rb[1] && ra[1] == rb[0];
    ra.len().max(rb.len()) == 1 || swapped
}

fn item_from_value(v: &Value, at: &str) -> Result<ExceptionItem> {
    read_item(v).map_err(|why| {
        let name = v.get("name").and_then(Value::as_str);
        tuning(format!("exception {}{why}", item_label(at, name)))
    })
}

/// `item 2 ("name")`, or `item 2`.
fn item_label(at: &str, name: Option<&str>) -> String {
    match name {
        Some(n) => format!("{at} (\"{}\")", n.chars().take(80).collect::<String>()),
        None => at.to_string(),
    }
}

fn read_item(v: &Value) -> Why<ExceptionItem> {
    let obj = v.as_object().ok_or(": an item must be an object")?;
    check_keys(obj, ITEM_KEYS, "an item has Kibana's keys (`entries`, `name`, `item_id`, `os_types`, ...)")?;
    match obj.get("type") {
        None | Some(Value::Null) => {}
        Some(Value::String(t)) if t == "simple" => {}
        other => {
            let mut why = bad("type", "\"simple\"", other);
            why.push_str(" (a list's type: is this the list rather than one of its items?)");
            return Err(why);
        }
    }
    let entries = read_entries(obj, false)?;
    let text = |k: &str| match obj.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        other => Err(bad(k, "a string", other)),
    };
    let os_types = match obj.get("os_types") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a
            .iter()
            .map(|o| {
                o.as_str().and_then(OsType::parse).ok_or_else(|| {
                    format!(": `os_types` has {}; expected \"linux\", \"macos\" or \"windows\"", short(o))
                })
            })
            .collect::<Why<_>>()?,
        other => return Err(bad("os_types", "an array", other)),
    };
    let item = ExceptionItem { item_id: text("item_id")?, name: text("name")?, os_types, entries };
    check_item(&item)?;
    Ok(item)
}

/// The `entries` of an item, or the sub-entries of a `nested` entry.
fn read_entries(obj: &Map<String, Value>, nested: bool) -> Why<Vec<ExceptionEntry>> {
    let Some(Value::Array(entries)) = obj.get("entries") else {
        return Err(bad("entries", "an array", obj.get("entries")));
    };
    let what = if nested { "sub-entry" } else { "entry" };
    entries
        .iter()
        .enumerate()
        .map(|(i, e)| read_entry(e, nested).map_err(|why| format!(", {what} {}{why}", i + 1)))
        .collect()
}

/// Reads one entry. Inside `nested`, a missing `operator` is `included`.
fn read_entry(v: &Value, nested: bool) -> Why<ExceptionEntry> {
    let obj = v.as_object().ok_or(": an entry must be an object")?;
    let kind = match obj.get("type") {
        Some(Value::String(t)) => t.as_str(),
        other => return Err(bad("type", "a string", other)),
    };
    let keys: &[&str] = match kind {
        "match" | "match_any" | "wildcard" => &["field", "operator", "type", "value"],
        "exists" => &["field", "operator", "type"],
        "nested" => &["entries", "field", "type"],
        "list" => {
            return Err(
                ": value-list entries (`type: \"list\"`) need Kibana's value lists and are not supported"
                    .into(),
            )
        }
        other => {
            return Err(format!(
                ": unknown type \"{}\" in `type`; expected {ENTRY_TYPES}",
                other.chars().take(60).collect::<String>()
            ))
        }
    };
    let field = match obj.get("field") {
        Some(Value::String(f)) => f.clone(),
        other => return Err(bad("field", "a string", other)),
    };
    let at = format!(" ({kind} on {})", field.chars().take(80).collect::<String>());
    read_body(obj, kind, field, keys, nested).map_err(|why| at + &why)
}

fn read_body(
    obj: &Map<String, Value>,
    kind: &str,
    field: String,
    keys: &[&str],
    nested: bool,
) -> Why<ExceptionEntry> {
    if kind == "nested" && obj.contains_key("operator") {
        return Err(": `operator` does not apply to a nested entry (Kibana ignores it); give each sub-entry its operator".into());
    }
    check_keys(obj, keys, &format!("a {kind} entry has `{}`", keys.join("`, `")))?;
    let operator = match obj.get("operator") {
        Some(o) => o
            .as_str()
            .and_then(Operator::parse)
            .ok_or_else(|| bad("operator", "\"included\" or \"excluded\"", Some(o)))?,
        None if nested || kind == "nested" => Operator::Included,
        None => return Err(bad("operator", "", None)),
    };
    let value = obj.get("value");
    let string = || match value {
        Some(Value::String(s)) => Ok(s.clone()),
        other => Err(bad("value", "a string", other)),
    };
    Ok(match kind {
        "match" => ExceptionEntry::Match { field, operator, value: string()? },
        "wildcard" => ExceptionEntry::Wildcard { field, operator, value: string()? },
        "match_any" => match value {
            Some(Value::Array(a)) if a.iter().all(Value::is_string) => ExceptionEntry::MatchAny {
                field,
                operator,
                value: a.iter().filter_map(Value::as_str).map(str::to_string).collect(),
            },
            other => return Err(bad("value", "a non-empty array of strings", other)),
        },
        "exists" => ExceptionEntry::Exists { field, operator },
        _ => ExceptionEntry::Nested { field, entries: read_entries(obj, true)? },
    })
}

/// The checks the types cannot make, on every path (read from JSON or built in Rust): an item has
/// entries, an entry a field, `match_any` values, `nested` sub-entries that do not nest.
fn check_item(item: &ExceptionItem) -> Why<()> {
    if item.entries.is_empty() {
        return Err(": `entries` is empty; an empty item would suppress every alert".into());
    }
    item.entries
        .iter()
        .enumerate()
        .try_for_each(|(i, e)| check_entry(e, false).map_err(|why| format!(", entry {}{why}", i + 1)))
}

fn check_entry(e: &ExceptionEntry, nested: bool) -> Why<()> {
    let why = match e {
        _ if e.field().is_empty() => Some(": `field` must be a non-empty string".to_string()),
        ExceptionEntry::MatchAny { value, .. } if value.is_empty() => {
            Some(": `value` must be a non-empty array of strings".into())
        }
        ExceptionEntry::Nested { .. } if nested => Some(": `nested` entries cannot nest".into()),
        ExceptionEntry::Nested { entries, .. } if entries.is_empty() => {
            Some(": `entries` must be a non-empty array".into())
        }
        ExceptionEntry::Nested { entries, .. } => entries
            .iter()
            .enumerate()
            .try_for_each(|(i, s)| check_entry(s, true).map_err(|why| format!(", sub-entry {}{why}", i + 1)))
            .err(),
        _ => None,
    };
    match why {
        None => Ok(()),
        Some(why) => {
            Err(format!(" ({} on {}){why}", e.type_name(), e.field().chars().take(80).collect::<String>()))
        }
    }
}

/// A JSON value for a message: its text, cut at 60 characters.
fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 60 {
        format!("{}...", s.chars().take(60).collect::<String>())
    } else {
        s
    }
}

fn tuning(message: String) -> Error {
    Error::new(ErrorKind::Tuning, message)
}

/// A compiled item.
#[derive(Clone, Debug)]
pub(crate) struct CompiledItem {
    pub label: String,
    entries: Vec<Entry>,
    os_types: Vec<&'static str>,
    os_fields: [FieldPath; 2],
}

#[derive(Clone, Debug)]
struct Entry {
    field: FieldPath,
    excluded: bool,
    test: EntryTest,
    /// `user.name is "alice"`, as Kibana's UI would say it.
    text: String,
    op: ReasonOp,
}

#[derive(Clone, Debug)]
enum EntryTest {
    Terms(Vec<String>),
    /// Lucene's wildcard query; `escapes` when the pattern has a `\` (for the lint).
    Wildcard {
        matcher: Wildcard,
        escapes: bool,
    },
    Exists,
    Nested(Vec<Entry>),
}

/// The size of `items` as the limits count it: entries (each sub-entry of a `nested` entry and each
/// value of a `match_any` entry counted as one), and bytes of `wildcard` values. Deeper levels than
/// one `nested` are not walked: they are an error.
pub(crate) fn size(items: &[ExceptionItem]) -> (usize, usize) {
    let (mut entries, mut bytes) = (0usize, 0usize);
    let mut count = |e: &ExceptionEntry| match e {
        ExceptionEntry::MatchAny { value, .. } => entries += value.len().max(1),
        ExceptionEntry::Wildcard { value, .. } => {
            entries += 1;
            bytes += value.len();
        }
        _ => entries += 1,
    };
    for e in items.iter().flat_map(|i| &i.entries) {
        count(e);
        if let ExceptionEntry::Nested { entries: subs, .. } = e {
            subs.iter().for_each(&mut count);
        }
    }
    (entries, bytes)
}

/// Compiles items, checking each (an item built in Rust has not been through the reader).
pub(crate) fn compile_items(items: &[ExceptionItem]) -> Result<(Vec<CompiledItem>, Vec<Warning>)> {
    let mut warnings = Vec::new();
    let compiled = items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            check_item(item).map_err(|why| {
                tuning(format!(
                    "exception {}{why}",
                    item_label(&format!("item {}", i + 1), item.name.as_deref())
                ))
            })?;
            let label = item
                .name
                .clone()
                .or_else(|| item.item_id.clone())
                .unwrap_or_else(|| format!("item {}", i + 1));
            let entries: Vec<Entry> = item.entries.iter().map(|e| compile_entry(e, None)).collect();
            lint_item(&label, &entries, &mut warnings);
            Ok(CompiledItem {
                label,
                entries,
                os_types: item.os_types.iter().map(|o| o.as_str()).collect(),
                os_fields: [FieldPath::new("host.os.type"), FieldPath::new("host.os.name.caseless")],
            })
        })
        .collect::<Result<_>>()?;
    Ok((compiled, warnings))
}

fn compile_entry(e: &ExceptionEntry, parent: Option<&str>) -> Entry {
    let full = match parent {
        Some(p) => format!("{p}.{}", e.field()),
        None => e.field().to_string(),
    };
    let excluded = e.operator() == Some(Operator::Excluded);
    let pick = |included: ReasonOp, excluded_op: ReasonOp| if excluded { excluded_op } else { included };
    let (test, op, text) = match e {
        ExceptionEntry::Match { value, .. } => {
            let op = pick(ReasonOp::Is, ReasonOp::IsNot);
            (EntryTest::Terms(vec![value.clone()]), op, format!("{full} {op} \"{value}\""))
        }
        ExceptionEntry::MatchAny { value, .. } => {
            let op = pick(ReasonOp::IsOneOf, ReasonOp::IsNotOneOf);
            let list = value.iter().map(|s| format!("\"{s}\"")).collect::<Vec<_>>().join(", ");
            (EntryTest::Terms(value.clone()), op, format!("{full} {op} ({list})"))
        }
        ExceptionEntry::Wildcard { value, .. } => {
            let op = pick(ReasonOp::Matches, ReasonOp::DoesNotMatch);
            let matcher = Wildcard::new(value, Syntax::Lucene, false);
            (
                EntryTest::Wildcard { matcher, escapes: value.contains('\\') },
                op,
                format!("{full} {op} \"{value}\""),
            )
        }
        ExceptionEntry::Exists { .. } => {
            let op = pick(ReasonOp::Exists, ReasonOp::DoesNotExist);
            (EntryTest::Exists, op, format!("{full} {op}"))
        }
        ExceptionEntry::Nested { field, entries } => {
            let subs: Vec<Entry> = entries.iter().map(|s| compile_entry(s, Some(field))).collect();
            let t = format!(
                "{full} has one object where {}",
                subs.iter().map(|s| s.text.as_str()).collect::<Vec<_>>().join(" and ")
            );
            (EntryTest::Nested(subs), ReasonOp::Nested, t)
        }
    };
    Entry { field: FieldPath::new(&full), excluded, test, text, op }
}

/// Warnings for items that can never match, and for wildcard values whose backslashes Elasticsearch
/// reads as escapes.
fn lint_item(label: &str, entries: &[Entry], warnings: &mut Vec<Warning>) {
    let mut warn = |message: String| {
        warnings.push(Warning {
            kind: WarningKind::ExceptionNeverMatches,
            message,
            line: 0,
            column: 0,
            suggestion: None,
        })
    };
    // An entry that needs a value of a field another entry needs absent: one warning per field,
    // in time linear in the entries.
    let absent = crate::distinct(
        entries
            .iter()
            .filter(|e| e.excluded && matches!(e.test, EntryTest::Exists))
            .map(|e| e.field.as_str()),
    );
    let mut reported = crate::distinct([]);
    for e in entries.iter().filter(|e| !e.excluded) {
        let field = e.field.as_str();
        if absent.contains(field) && reported.insert(field) {
            warn(format!(
                "exception \"{label}\" can never match: `{}` and `{field} {}` contradict each other",
                e.text,
                ReasonOp::DoesNotExist
            ));
        }
    }
    for e in entries {
        if let EntryTest::Wildcard { escapes: true, .. } = &e.test {
            warnings.push(Warning {
                kind: WarningKind::ExceptionWildcardBackslash,
                message: format!(
                    "exception \"{label}\": in `{}` Elasticsearch's wildcard query reads each `\\` as an escape of the next character; write `\\\\` for a backslash",
                    e.text
                ),
                line: 0,
                column: 0,
                suggestion: None,
            });
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
                    &mut |item| matches!(item, Item::Text(s) if self.os_types.contains(&s)),
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
                    ReasonOp::OsTypes,
                    held,
                    if held { ReasonKind::Matched } else { ReasonKind::ValueMismatch },
                ),
            );
        }
        let held = children.iter().all(|c| c.held);
        debug_assert_eq!(held, self.matches(event, max_depth));
        let mut r = reason(
            format!("exception \"{}\"", self.label),
            ReasonOp::Exception,
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
        EntryTest::Wildcard { matcher, .. } => matcher.is_match(value),
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

fn reason(clause: String, op: ReasonOp, held: bool, kind: ReasonKind) -> Reason {
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn item(entries: Value) -> CompiledItem {
        let items = exceptions_from_value(&json!([{ "name": "t", "entries": entries }])).unwrap();
        compile_items(&items).unwrap().0.remove(0)
    }

    #[test]
    fn misspelt_keys_get_the_closest_known_one() {
        for (word, typo) in [
            ("entries", "entires"),
            ("entries", "entrie"),
            ("entries", "entriess"),
            ("value", "vaule"),
            ("value", "valeu"),
            ("field", "feild"),
            ("name", "nme"),
        ] {
            assert!(close(word, typo), "{word} {typo}");
        }
        for (word, typo) in
            [("entries", "entries"), ("value", "values_x"), ("field", "xyz"), ("name", "tags")]
        {
            assert!(!close(word, typo), "{word} {typo}");
        }
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
        let it = compile_items(&items).unwrap().0.remove(0);
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
        let (_, w) = compile_items(&items).unwrap();
        let kinds: Vec<_> = w.iter().map(|w| w.kind).collect();
        assert_eq!(kinds, [WarningKind::ExceptionNeverMatches, WarningKind::ExceptionWildcardBackslash]);
    }
}
