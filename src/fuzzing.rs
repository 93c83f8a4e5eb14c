//! The checks of the fuzz targets that have no other home: `fuzz/fuzz_targets/wildcard.rs` and
//! `exceptions.rs` call them on the fuzzer's inputs, `tests/fuzz_regressions.rs` on the inputs
//! kept in `tests/fuzz_regressions/`. Not API: no stability promise.

use serde_json::{Map, Value};

use crate::eql::pattern::{reference_match, tokens, PatternSet, Syntax, Wildcard};
use crate::tuning::exceptions::{parse_exceptions, ExceptionEntry};
use crate::{Rule, RuleBuilder};

/// The wildcard matcher against the reference, in both syntaxes and both cases, and globset's
/// set (native builds) against it too. The input: a flags byte (bit 0: case-insensitive), then
/// the pattern and the value, split at the first NUL.
pub fn wildcard(data: &[u8]) {
    let Some((&flags, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let (pattern, value) = text.split_once('\0').unwrap_or((text, ""));
    let ci = flags & 1 == 1;
    for syntax in [Syntax::Eql, Syntax::Lucene] {
        let expected = reference_match(&tokens(pattern, syntax), value, ci);
        let got = Wildcard::new(pattern, syntax, ci).is_match(value);
        assert_eq!(got, expected, "{syntax:?} {pattern:?} on {value:?}, case-insensitive {ci}");
    }
    let expected = reference_match(&tokens(pattern, Syntax::Eql), value, ci);
    let set = PatternSet::new(&[pattern], ci).expect("every pattern compiles");
    assert_eq!(set.is_match(value), expected, "set: {pattern:?} on {value:?}, case-insensitive {ci}");
}

/// Exception items read from any text: no panic; what is read serializes and reads back the same;
/// a rule built with them gives one verdict on both paths, for the catalog's samples and for an
/// event made of the items' own fields and values (so that they can match).
pub fn exceptions(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(items) = parse_exceptions(text) else { return };
    let json = serde_json::to_string(&items).expect("items serialize");
    assert_eq!(parse_exceptions(&json).expect("serialized items read back"), items, "round trip of {json}");
    let mut event = Map::new();
    for e in items.iter().flat_map(|i| &i.entries) {
        let (field, value) = entry_value(e);
        event.insert(field.to_string(), value);
    }
    let Ok(rule) = RuleBuilder::new().exceptions(items).build() else { return };
    // The samples match the query: with the items' fields added, the exceptions decide.
    let default = Rule::default_rule();
    let mut events: Vec<Value> = default.samples().iter().map(|s| s.event.clone()).collect();
    for e in &mut events {
        if let Some(o) = e.as_object_mut() {
            o.extend(event.clone());
        }
    }
    events.push(Value::Object(event));
    for e in &events {
        let fast = rule.matches_value(e).expect("an object");
        assert_eq!(fast, rule.evaluate_value(e).expect("an object").matched, "paths disagree on {e}");
    }
}

/// A field and a value that an entry would match.
fn entry_value(e: &ExceptionEntry) -> (&str, Value) {
    match e {
        ExceptionEntry::Match { field, value, .. } | ExceptionEntry::Wildcard { field, value, .. } => {
            (field, Value::String(value.clone()))
        }
        ExceptionEntry::MatchAny { field, value, .. } => {
            (field, Value::String(value.first().cloned().unwrap_or_default()))
        }
        ExceptionEntry::Exists { field, .. } => (field, Value::Bool(true)),
        ExceptionEntry::Nested { field, entries } => {
            let object: Map<String, Value> =
                entries.iter().map(entry_value).map(|(f, v)| (f.to_string(), v)).collect();
            (field, Value::Array(vec![Value::Object(object)]))
        }
    }
}
