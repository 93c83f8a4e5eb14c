//! Elasticsearch's own EQL QA suite: the single-event queries of `test_queries.toml` that use only
//! constructs this engine evaluates, run over the suite's data (`test_data.json`, the endgame-140
//! events) with its index mapping, each expected to match exactly the suite's event ids. The data
//! and the chosen queries are vendored in `tests/data/qa/` (see its README).
//!
//! Elasticsearch indexes the data with `mapping-default.json` plus dynamic mapping for the fields
//! that file lacks (`file_path`, `key_path`, ...: strings become `text` with a `keyword`
//! sub-field, whole numbers `long`, as `DocumentParser` maps them), so the rule runs against that
//! effective mapping, built here the same way.
//!
//! The second half runs every query of the suite's `test_extra.toml` (vendored whole, and as JSON
//! in `extra_queries.json`) over its `extra` index (`extra.data`, `extra.mapping`, plus dynamic
//! mapping). The queries this engine refuses as `unsupported` (sequences) are counted by reason and
//! printed, not dropped; every other query must match exactly the suite's ids.

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
            if let Some(Value::Object(sub)) = props.get_mut(k).and_then(|p| p.get_mut("properties")) {
                let docs: Vec<&Map<String, Value>> = match v {
                    Value::Object(d) => vec![d],
                    Value::Array(a) => a.iter().filter_map(Value::as_object).collect(),
                    _ => Vec::new(),
                };
                for d in docs {
                    dynamic(sub, d);
                }
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
            // An array is mapped by its first non-null value; an empty or all-null one adds no
            // field (Elasticsearch's dynamic field mapping table).
            Value::Array(a) => match a.iter().find(|x| !x.is_null()) {
                None => continue,
                Some(Value::Object(_)) => {
                    let mut sub = Map::new();
                    for d in a.iter().filter_map(Value::as_object) {
                        dynamic(&mut sub, d);
                    }
                    json!({ "properties": sub })
                }
                Some(first) => {
                    let mut one = Map::new();
                    dynamic(&mut one, &Map::from_iter([(k.clone(), first.clone())]));
                    match one.remove(k) {
                        Some(ty) => ty,
                        None => continue,
                    }
                }
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

/// The paths (fast, explained, JSON text, NDJSON scan) whose matched ids are not `expected`, with
/// the ids each gave.
fn disagreements(
    rule: &Rule,
    events: &[Value],
    id: fn(&Value) -> u64,
    expected: &[u64],
) -> Vec<(&'static str, Vec<u64>)> {
    let pick = |f: &dyn Fn(&Value) -> bool| events.iter().filter(|e| f(e)).map(id).collect::<Vec<_>>();
    let ndjson: String = events.iter().map(|e| format!("{e}\n")).collect();
    let scanned: Vec<u64> = rule
        .scan_ndjson(ndjson.as_bytes())
        .matched
        .iter()
        .map(|&line| id(&events[line as usize - 1]))
        .collect();
    [
        ("matches", pick(&|e| rule.matches(e))),
        ("evaluate", pick(&|e| rule.evaluate(e).matched)),
        ("evaluate_json", pick(&|e| rule.evaluate_json(&e.to_string()).unwrap().matched)),
        ("scan_ndjson", scanned),
    ]
    .into_iter()
    .filter(|(_, got)| got != expected)
    .collect()
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
        let mut expected = q.expected_event_ids.clone();
        expected.sort_unstable();
        for (path, got) in disagreements(&rule, &events, id, &expected) {
            failures.push(format!("{} ({path}): expected {expected:?}, got {got:?}\n  {}", q.name, q.query));
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

// ---- test_extra.toml over the `extra` index ----

/// The `extra` index as the suite loads it (`DataLoader.load(client, TEST_EXTRA_INDEX, ...)`):
/// `extra.mapping` with its `[runtime_random_keyword_type]` placeholder replaced by `keyword` or
/// `wildcard` (`DataLoader.getReplacementPatterns`, chosen at random per run there; both are run
/// here), plus dynamic mapping for the fields it lacks.
fn extra_setup(keyword_type: &str) -> (Vec<Value>, Mapping) {
    let events: Vec<Value> = serde_json::from_str(&read("extra.data")).unwrap();
    let text = read("extra.mapping").replace("[runtime_random_keyword_type]", keyword_type);
    let mut mapping: Value = serde_json::from_str(&text).unwrap();
    let props = mapping["properties"].as_object_mut().unwrap();
    for e in &events {
        dynamic(props, e.as_object().unwrap());
    }
    (events, Mapping::from_value(&mapping).unwrap())
}

/// The suite's event id in the `extra` index: the `sequence` field, its tiebreaker
/// (`EqlExtraSpecTestCase.tiebreaker`, read by `BaseEqlSpecTestCase.extractIds`).
fn extra_id(e: &Value) -> u64 {
    e["sequence"].as_u64().unwrap()
}

/// `extra_queries.json` is `test_extra.toml` as it is: the same queries, in order, with the same
/// names, texts and ids.
#[test]
fn extra_queries_json_is_the_vendored_toml() {
    let toml = read("test_extra.toml");
    let queries: Queries = serde_json::from_str(&read("extra_queries.json")).unwrap();
    // Tables start a line; the commented-out one (`#[[queries]]`) is not a query.
    let toml = format!("\n{toml}");
    let blocks: Vec<&str> = toml.split("\n[[queries]]\n").skip(1).collect();
    assert_eq!(blocks.len(), queries.queries.len(), "one JSON query per [[queries]] table");
    for (q, block) in queries.queries.iter().zip(blocks) {
        let head = format!("name = \"{}\"\nquery = '''\n{}'''\nexpected_event_ids  = [", q.name, q.query);
        assert!(block.starts_with(&head), "{}: not the TOML's text", q.name);
        let ids: Vec<u64> = block[head.len()..]
            .split(']')
            .next()
            .unwrap()
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| s.parse().unwrap())
            .collect();
        assert_eq!(ids, q.expected_event_ids, "{}", q.name);
    }
}

#[test]
fn elasticsearch_qa_extra_queries_match_the_suites_event_ids() {
    let queries: Queries = serde_json::from_str(&read("extra_queries.json")).unwrap();
    assert_eq!(queries.queries.len(), 40);
    for keyword_type in ["keyword", "wildcard"] {
        let (events, mapping) = extra_setup(keyword_type);
        assert_eq!(events.len(), 23);
        let mut ran = 0;
        let mut skipped: std::collections::BTreeMap<String, Vec<&str>> = Default::default();
        let mut failures = Vec::new();
        for q in &queries.queries {
            let rule = match Rule::builder().query(&q.query).mapping(mapping.clone()).build() {
                Ok(r) => r,
                Err(e) if e.kind().code() == "unsupported" => {
                    skipped.entry(e.message().to_string()).or_default().push(&q.name);
                    continue;
                }
                Err(e) => {
                    failures.push(format!("{}: does not compile: {e}", q.name));
                    continue;
                }
            };
            ran += 1;
            let mut expected = q.expected_event_ids.clone();
            expected.sort_unstable();
            for (path, got) in disagreements(&rule, &events, extra_id, &expected) {
                failures.push(format!(
                    "{} ({path}, event_type {keyword_type}): expected {expected:?}, got {got:?}\n  {}",
                    q.name, q.query
                ));
            }
        }
        let skipped_count: usize = skipped.values().map(Vec::len).sum();
        println!(
            "test_extra.toml (event_type {keyword_type}): {ran} ran, {skipped_count} skipped as unsupported"
        );
        for (reason, names) in &skipped {
            println!("  {} skipped: {reason} ({})", names.len(), names.join(", "));
        }
        assert_eq!(
            ran + skipped_count + failures.iter().filter(|f| f.contains("does not compile")).count(),
            40
        );
        assert!(failures.is_empty(), "{} failure(s):\n{}", failures.len(), failures.join("\n"));
        assert!(ran >= 6, "the six single-event queries run");
    }
}
