//! The semantics corpus: table-driven cases from `tests/corpus/semantics.json`, each run against
//! every catalog version it applies to (or against an inline query), checking the verdict, the fast
//! path, and the reasons of named clauses.
//!
//! A case is a JSON object:
//!
//! - `name`: unique; `why`: what it shows; `source`: where a decision not settled by
//!   `docs/eql-semantics.md` was taken from (Elasticsearch's source or docs).
//! - `versions`: `"all"` or a list of catalog versions; `query`: inline EQL that replaces the
//!   version's query (then `versions` defaults to `["102"]`, for the metadata only).
//! - `event`: the whole event; otherwise the file's `base` event. `set` (dotted path -> value, into
//!   nested objects) and `remove` (dotted paths) edit it. A value `{"$repeat": s, "times": n,
//!   "prefix": p, "suffix": q}` becomes the string `p + s*n + q`.
//! - `matched`: `true`/`false`, or a map version -> bool. `error`: the query must not compile, with
//!   this error code (`syntax`, `unsupported`, ...).
//! - `reasons`: checks of reason nodes. Selectors: `top` (index among the root's children),
//!   `clause` (exact source text), `field`, `op`; the first node depth-first that fits them all is
//!   checked against `held`, `kind`, `matched`, `values`, `note_contains`.
//! - `missing_fields` (list, or map version -> list), `summary_contains`.
//! - `mapping`: an index mapping (as `GET index/_mapping` returns it, or `{"properties": ...}`)
//!   that the rule runs against instead of the default ECS one; `warning`: a warning kind the
//!   compiled rule must report (e.g. `unknown_field`).

use std::collections::{BTreeMap, BTreeSet};

use external_ip_lookup_rule::{versions, Mapping, Reason, Rule, Verdict};
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Corpus {
    #[allow(dead_code)]
    about: String,
    base: Value,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Versions {
    All(String),
    List(Vec<String>),
}

#[derive(Deserialize, Clone)]
#[serde(untagged)]
enum PerVersion<T> {
    Same(T),
    ByVersion(BTreeMap<String, T>),
}

impl<T: Clone> PerVersion<T> {
    fn get(&self, version: &str) -> Option<T> {
        match self {
            PerVersion::Same(t) => Some(t.clone()),
            PerVersion::ByVersion(m) => m.get(version).cloned(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    #[serde(default)]
    why: Option<String>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    versions: Option<Versions>,
    #[serde(default)]
    query: Option<String>,
    #[serde(default)]
    event: Option<Value>,
    #[serde(default)]
    set: BTreeMap<String, Value>,
    #[serde(default)]
    remove: Vec<String>,
    #[serde(default)]
    matched: Option<PerVersion<bool>>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    reasons: Vec<ReasonCheck>,
    #[serde(default)]
    missing_fields: Option<PerVersion<Vec<String>>>,
    #[serde(default)]
    summary_contains: Option<String>,
    #[serde(default)]
    mapping: Option<Value>,
    #[serde(default)]
    warning: Option<String>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct ReasonCheck {
    #[serde(default)]
    top: Option<usize>,
    #[serde(default)]
    clause: Option<String>,
    #[serde(default)]
    field: Option<String>,
    #[serde(default)]
    op: Option<String>,
    #[serde(default)]
    held: Option<bool>,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    matched: Option<Vec<String>>,
    #[serde(default)]
    values: Option<Vec<String>>,
    #[serde(default)]
    note_contains: Option<String>,
}

impl ReasonCheck {
    fn has_selector(&self) -> bool {
        self.top.is_some() || self.clause.is_some() || self.field.is_some() || self.op.is_some()
    }

    fn has_expectation(&self) -> bool {
        self.held.is_some()
            || self.kind.is_some()
            || self.matched.is_some()
            || self.values.is_some()
            || self.note_contains.is_some()
    }

    fn fits(&self, r: &Reason) -> bool {
        self.clause.as_deref().is_none_or(|c| r.clause == c)
            && self.field.as_deref().is_none_or(|f| r.field.as_deref() == Some(f))
            && self.op.as_deref().is_none_or(|o| r.op.as_str() == o)
    }

    fn select<'a>(&self, root: &'a Reason) -> Option<&'a Reason> {
        match self.top {
            Some(i) => root.children.get(i).filter(|r| self.fits(r)),
            None => preorder(root).into_iter().find(|r| self.fits(r)),
        }
    }

    fn check(&self, r: &Reason) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(held) = self.held {
            if r.held != held {
                out.push(format!("held: expected {held}, got {}", r.held));
            }
        }
        if let Some(kind) = &self.kind {
            if r.kind.as_str() != kind {
                out.push(format!("kind: expected {kind}, got {}", r.kind.as_str()));
            }
        }
        if let Some(matched) = &self.matched {
            if &r.matched != matched {
                out.push(format!("matched: expected {matched:?}, got {:?}", r.matched));
            }
        }
        if let Some(values) = &self.values {
            if &r.values != values {
                out.push(format!("values: expected {values:?}, got {:?}", r.values));
            }
        }
        if let Some(note) = &self.note_contains {
            if !r.note.as_deref().unwrap_or("").contains(note.as_str()) {
                out.push(format!("note: expected to contain {note:?}, got {:?}", r.note));
            }
        }
        out
    }
}

fn preorder(root: &Reason) -> Vec<&Reason> {
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(r) = stack.pop() {
        out.push(r);
        stack.extend(r.children.iter().rev());
    }
    out
}

fn load() -> Corpus {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus/semantics.json");
    let text = std::fs::read_to_string(path).expect("tests/corpus/semantics.json");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("semantics.json: {e}"))
}

/// Expands `{"$repeat": ...}` objects into strings, everywhere in `v`.
fn expand(v: &mut Value) {
    match v {
        Value::Object(m) if m.contains_key("$repeat") => {
            let s = m["$repeat"].as_str().expect("$repeat is a string");
            let times = m.get("times").and_then(Value::as_u64).expect("$repeat needs times") as usize;
            let prefix = m.get("prefix").and_then(Value::as_str).unwrap_or("");
            let suffix = m.get("suffix").and_then(Value::as_str).unwrap_or("");
            *v = Value::String(format!("{prefix}{}{suffix}", s.repeat(times)));
        }
        Value::Object(m) => m.values_mut().for_each(expand),
        Value::Array(a) => a.iter_mut().for_each(expand),
        _ => {}
    }
}

/// Sets a dotted path in nested objects, creating (or replacing non-objects by) objects on the way.
fn set_path(event: &mut Value, path: &str, value: Value) {
    let mut node = event;
    let segments: Vec<&str> = path.split('.').collect();
    for seg in &segments[..segments.len() - 1] {
        if !node.get(*seg).is_some_and(Value::is_object) {
            node[*seg] = json!({});
        }
        node = node.get_mut(*seg).expect("just made");
    }
    node[segments[segments.len() - 1]] = value;
}

fn remove_path(event: &mut Value, path: &str) {
    let segments: Vec<&str> = path.split('.').collect();
    let mut node = event;
    for seg in &segments[..segments.len() - 1] {
        match node.get_mut(*seg) {
            Some(n) => node = n,
            None => panic!("remove: no {path}"),
        }
    }
    let removed = node.as_object_mut().and_then(|m| m.remove(segments[segments.len() - 1]));
    assert!(removed.is_some(), "remove: no {path}");
}

fn build_event(case: &Case, base: &Value) -> Value {
    let mut event = case.event.clone().unwrap_or_else(|| base.clone());
    for path in &case.remove {
        remove_path(&mut event, path);
    }
    for (path, value) in &case.set {
        set_path(&mut event, path, value.clone());
    }
    expand(&mut event);
    event
}

fn case_versions(case: &Case, all: &[String]) -> Vec<String> {
    match &case.versions {
        Some(Versions::All(s)) => {
            assert_eq!(s, "all", "{}: versions must be \"all\" or a list", case.name);
            all.to_vec()
        }
        Some(Versions::List(l)) => {
            for v in l {
                assert!(all.contains(v), "{}: unknown version {v}", case.name);
            }
            l.clone()
        }
        None => {
            assert!(case.query.is_some(), "{}: a case without a query needs versions", case.name);
            vec!["102".to_string()]
        }
    }
}

/// Runs one case on one version; returns the failures. Catalog rules are compiled once, in `cache`.
fn run(case: &Case, version: &str, event: &Value, cache: &mut BTreeMap<String, Rule>) -> Vec<String> {
    let built = match (&case.query, &case.mapping) {
        (q, Some(m)) => {
            let mapping = match Mapping::from_value(m) {
                Ok(m) => m,
                Err(e) => return vec![format!("bad mapping: {e}")],
            };
            let mut b = Rule::builder();
            b.version(version).mapping(mapping);
            if let Some(q) = q {
                b.query(q);
            }
            b.build()
        }
        (Some(q), None) => Rule::builder().version(version).query(q).build(),
        (None, None) => match cache.get(version) {
            Some(rule) => Ok(rule.clone()),
            None => Rule::version(version).inspect(|rule| {
                cache.insert(version.to_string(), rule.clone());
            }),
        },
    };
    if let Some(code) = &case.error {
        return match built {
            Ok(_) => vec![format!("expected a {code} error, but the query compiled")],
            Err(e) if e.kind().code() == code => vec![],
            Err(e) => vec![format!("expected a {code} error, got {}: {e}", e.kind().code())],
        };
    }
    let rule = match built {
        Ok(rule) => rule,
        Err(e) => return vec![format!("the query does not compile: {e}")],
    };
    let mut out = Vec::new();
    if let Some(kind) = &case.warning {
        if !rule.warnings().iter().any(|w| w.kind.as_str() == kind) {
            out.push(format!("expected a {kind} warning, got {:?}", rule.warnings()));
        }
    }
    let verdict: Verdict = rule.evaluate(event);
    let expected = case.matched.as_ref().and_then(|m| m.get(version));
    let Some(expected) = expected else {
        return vec![format!("no expected verdict for version {version}")];
    };
    if verdict.matched != expected {
        out.push(format!("matched: expected {expected}, got {} ({})", verdict.matched, verdict.summary));
    }
    if rule.matches(event) != expected {
        out.push(format!("the fast path says {}", rule.matches(event)));
    }
    match rule.evaluate_value(event) {
        Ok(v) if v.matched == expected => {}
        Ok(v) => out.push(format!("evaluate_value says {}", v.matched)),
        Err(e) => out.push(format!("evaluate_value fails: {e}")),
    }
    // The NDJSON scan (its byte pre-filter and partial parse) gives the same verdict.
    let line = format!("{event}\n");
    if (rule.scan_ndjson(line.as_bytes()).counts.matched == 1) != expected {
        out.push(format!("scan_ndjson says {}", !expected));
    }
    // The JSON text path (numbers keep their text) gives the same verdict.
    match rule.evaluate_json(&event.to_string()) {
        Ok(v) if v.matched == expected => {}
        Ok(v) => out.push(format!("evaluate_json says {}", v.matched)),
        Err(e) => out.push(format!("evaluate_json fails: {e}")),
    }
    for check in &case.reasons {
        match check.select(&verdict.reasons) {
            Some(r) => out.extend(check.check(r).into_iter().map(|f| format!("reason {check:?}: {f}"))),
            None => out.push(format!("no reason node fits {check:?}")),
        }
    }
    if let Some(missing) = case.missing_fields.as_ref().and_then(|m| m.get(version)) {
        if verdict.missing_fields != missing {
            out.push(format!("missing_fields: expected {missing:?}, got {:?}", verdict.missing_fields));
        }
    }
    if let Some(s) = &case.summary_contains {
        if !verdict.summary.contains(s.as_str()) {
            out.push(format!("summary: expected to contain {s:?}, got {:?}", verdict.summary));
        }
    }
    out
}

#[test]
fn semantics_corpus() {
    let corpus = load();
    let all: Vec<String> = versions().into_iter().map(|v| v.version).collect();
    assert!(corpus.cases.len() >= 100, "the corpus has {} cases; it needs at least 100", corpus.cases.len());
    let mut names = BTreeSet::new();
    let mut failures = Vec::new();
    let mut runs = 0;
    let mut cache = BTreeMap::new();
    for case in &corpus.cases {
        assert!(names.insert(case.name.as_str()), "duplicate case name {:?}", case.name);
        // Every case asserts something real: a verdict or a compile error, and every reason check
        // names a node and says something about it.
        assert!(
            case.matched.is_some() != case.error.is_some(),
            "{}: a case has exactly one of `matched` and `error`",
            case.name
        );
        for check in &case.reasons {
            assert!(
                check.has_selector() && check.has_expectation(),
                "{}: reason check {check:?} needs a selector and an expectation",
                case.name
            );
        }
        if let Some(source) = &case.source {
            assert!(!source.trim().is_empty(), "{}: empty source", case.name);
        }
        let _ = &case.why;
        let event = build_event(case, &corpus.base);
        for version in case_versions(case, &all) {
            runs += 1;
            for f in run(case, &version, &event, &mut cache) {
                failures.push(format!("[{}] v{version}: {f}", case.name));
            }
        }
    }
    assert!(failures.is_empty(), "{} failure(s) in {runs} runs:\n{}", failures.len(), failures.join("\n"));
}

/// The corpus's base event is a true positive for every version, so that each case's edit is what
/// decides its verdict.
#[test]
fn base_event_matches_every_version() {
    let corpus = load();
    for v in versions() {
        let rule = Rule::version(&v.version).unwrap();
        let verdict = rule.evaluate(&corpus.base);
        assert!(verdict.matched, "v{}: {}", v.version, verdict.summary);
    }
}

/// Nesting deeper than the event depth limit is not read: the field's reason says `too_deep`.
#[test]
fn too_deep_values_are_not_read() {
    let mut name = json!("api.ipify.org");
    for _ in 0..200 {
        name = json!([name]);
    }
    let mut event = load().base;
    event["dns"]["question"]["name"] = name;
    for v in versions() {
        let rule = Rule::version(&v.version).unwrap();
        let verdict = rule.evaluate(&event);
        assert!(!verdict.matched, "v{}", v.version);
        assert!(!rule.matches(&event));
        let leaf =
            verdict.reasons.leaves().into_iter().find(|r| r.field.as_deref() == Some("dns.question.name"));
        assert_eq!(leaf.unwrap().kind.as_str(), "too_deep", "v{}", v.version);
    }
}

/// Corpus events are JSON values; the same verdicts hold for an Elasticsearch hit wrapping them.
#[test]
fn hits_wrap_events() {
    let corpus = load();
    let rule = Rule::default_rule();
    let hit =
        json!({"_index": ".ds-logs-endpoint.events.network-default", "_id": "abc", "_source": corpus.base});
    let v = rule.evaluate_value(&hit).unwrap();
    assert!(v.matched);
    assert_eq!(v.index.as_deref(), Some(".ds-logs-endpoint.events.network-default"));
    assert_eq!(v.id.as_deref(), Some("abc"));
}
