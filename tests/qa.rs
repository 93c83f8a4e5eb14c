//! Elasticsearch's own EQL QA suite: the single-event queries of `test_queries.toml` that use only
//! constructs this engine evaluates, run over the suite's data (`test_data.json`, the endgame-140
//! events) with its index mapping, each expected to match exactly the suite's event ids. The data
//! and the chosen queries are vendored in `tests/data/qa/` (see its README).
//!
//! Elasticsearch indexes the data with `mapping-default.json` plus dynamic mapping for the fields
//! that file lacks (`file_path`, `key_path`, ...: strings become `text` with a `keyword`
//! sub-field, whole numbers `long`, as `DocumentParser` maps them), so the rule runs against that
//! effective mapping, built here the same way.

use external_ip_lookup_rule::{Mapping, Rule};
use serde::Deserialize;
use serde_json::{json, Map, Value};

#[derive(Deserialize)]
struct Queries {
    #[allow(dead_code)]
    about: String,
    queries: Vec<QaQuery>,
}

#[derive(Deserialize)]
struct QaQuery {
    name: String,
    query: String,
    expected_event_ids: Vec<u64>,
}

fn read(name: &str) -> String {
    let path = format!("{}/tests/data/qa/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Adds to `props` what Elasticsearch's dynamic mapping gives the fields of `doc` it lacks.
fn dynamic(props: &mut Map<String, Value>, doc: &Map<String, Value>) {
    for (k, v) in doc {
        if props.contains_key(k) {
            if let (Some(Value::Object(sub)), Value::Object(d)) =
                (props.get_mut(k).and_then(|p| p.get_mut("properties")), v)
            {
                dynamic(sub, d);
            }
            continue;
        }
        let ty = match v {
            Value::String(_) => {
                json!({"type": "text", "fields": {"keyword": {"type": "keyword", "ignore_above": 256}}})
            }
            Value::Number(n) if n.is_i64() || n.is_u64() => json!({"type": "long"}),
            Value::Number(_) => json!({"type": "float"}),
            Value::Bool(_) => json!({"type": "boolean"}),
            Value::Array(a) => match a.iter().find(|x| !x.is_null()) {
                Some(Value::String(_)) => json!({"type": "text", "fields": {"keyword": {"type": "keyword"}}}),
                Some(Value::Number(_)) => json!({"type": "long"}),
                Some(Value::Object(_)) | None => json!({"properties": {}}),
                Some(_) => json!({"type": "keyword"}),
            },
            Value::Object(d) => {
                let mut sub = Map::new();
                dynamic(&mut sub, d);
                json!({ "properties": sub })
            }
            Value::Null => continue,
        };
        props.insert(k.clone(), ty);
    }
}

fn setup() -> (Vec<Value>, Mapping, Vec<QaQuery>) {
    let events: Vec<Value> = serde_json::from_str(&read("test_data.json")).unwrap();
    let mut mapping: Value = serde_json::from_str(&read("mapping-default.json")).unwrap();
    let props = mapping["properties"].as_object_mut().unwrap();
    for e in &events {
        dynamic(props, e.as_object().unwrap());
    }
    let mapping = Mapping::from_value(&mapping).unwrap();
    let queries: Queries = serde_json::from_str(&read("queries.json")).unwrap();
    (events, mapping, queries.queries)
}

fn id(e: &Value) -> u64 {
    e["serial_event_id"].as_u64().unwrap()
}

#[test]
fn elasticsearch_qa_queries_match_the_suites_event_ids() {
    let (events, mapping, queries) = setup();
    assert_eq!(events.len(), 102);
    assert!(queries.len() >= 35);
    let mut failures = Vec::new();
    for q in &queries {
        let rule = match Rule::builder().query(&q.query).mapping(mapping.clone()).build() {
            Ok(r) => r,
            Err(e) => {
                failures.push(format!("{}: does not compile: {e}", q.name));
                continue;
            }
        };
        let mut fast = Vec::new();
        let mut explained = Vec::new();
        let mut text = Vec::new();
        for e in &events {
            if rule.matches(e) {
                fast.push(id(e));
            }
            if rule.evaluate(e).matched {
                explained.push(id(e));
            }
            if rule.evaluate_json(&e.to_string()).unwrap().matched {
                text.push(id(e));
            }
        }
        let mut expected = q.expected_event_ids.clone();
        expected.sort_unstable();
        for (path, got) in [("matches", fast), ("evaluate", explained), ("evaluate_json", text)] {
            if got != expected {
                failures
                    .push(format!("{} ({path}): expected {expected:?}, got {got:?}\n  {}", q.name, q.query));
            }
        }
        // The NDJSON scan agrees too.
        let ndjson: String = events.iter().map(|e| format!("{e}\n")).collect();
        let scanned: Vec<u64> = rule
            .scan_ndjson(ndjson.as_bytes())
            .matched
            .iter()
            .map(|&line| id(&events[line as usize - 1]))
            .collect();
        if scanned != expected {
            failures.push(format!("{} (scan_ndjson): expected {expected:?}, got {scanned:?}", q.name));
        }
    }
    assert!(failures.is_empty(), "{} failure(s):\n{}", failures.len(), failures.join("\n"));
}

/// The suite's mapping is a real one: a field it lacks is Elasticsearch's "Unknown column".
#[test]
fn the_suites_mapping_refuses_unknown_columns() {
    let (_, mapping, _) = setup();
    let e = Rule::builder().query("process where proces_name == \"x\"").mapping(mapping.clone()).build();
    let e = e.unwrap_err();
    assert_eq!(e.kind().code(), "verification");
    assert!(e.message().contains("`process_name`"), "{e}");
    assert!(Rule::builder().query("process where ?proces_name == null").mapping(mapping).build().is_ok());
}
