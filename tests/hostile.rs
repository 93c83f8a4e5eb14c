//! Hostile input through the Rust API: none may panic, hang, overflow the stack, change a verdict
//! it should not, or lose an event (`lines == matched + unmatched + rejected`, and every physical
//! line is an event or blank). Each case runs in bounded, linear time even in a debug build.
//!
//! The same cases through the JS API are in `tests/js/hostile.test.mjs`.

use std::time::{Duration, Instant};

use external_ip_lookup_rule::{ErrorKind, Limits, ReasonKind, Rule, ScanResult, WarningKind};
use serde_json::{json, Value};

const HIT: &str = r#"{"event":{"category":["network"],"action":"lookup_requested"},"network":{"protocol":"dns"},"process":{"name":"x.exe","executable":"C:\\Temp\\x.exe"},"user":{"id":"S-1-5-21-1"},"dns":{"question":{"name":"api.ipify.org"}}}"#;
const MISS: &str = r#"{"event":{"category":["network"],"action":"lookup_requested"},"network":{"protocol":"dns"},"process":{"name":"x.exe"},"dns":{"question":{"name":"example.com"}}}"#;

/// Generous: the point is "bounded" (each case's quadratic version would take hours), not a
/// benchmark. Debug builds on a shared, loaded machine are slow: a 100 MB line took 20 s at a
/// load of 12 on two cores.
const BOUND: Duration = Duration::from_secs(90);

fn timed<T>(what: &str, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = f();
    let took = start.elapsed();
    eprintln!("{what}: {took:?}");
    assert!(took < BOUND, "{what} took {took:?}");
    out
}

/// Counts add up, and every physical line is counted once.
fn check_counts(bytes: &[u8], r: &ScanResult) {
    let c = r.counts;
    assert_eq!(c.lines, c.matched + c.unmatched + c.rejected, "{c:?}");
    assert_eq!(r.matched.len() as u64, c.matched, "{c:?}");
    assert_eq!(r.errors.len() as u64, c.rejected, "{c:?}");
    let mut physical = memchr_count(bytes) as u64;
    if !bytes.is_empty() && !bytes.ends_with(b"\n") {
        physical += 1;
    }
    assert_eq!(c.lines + c.blank, physical, "{c:?}");
}

fn memchr_count(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b == b'\n').count()
}

/// A document nested `depth` deep, built without recursion: `[[[...]]]` or `{"a":{"a":...}}`.
fn deep_text(depth: usize, object: bool) -> String {
    if object {
        format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth))
    } else {
        format!("{}{}", "[".repeat(depth), "]".repeat(depth))
    }
}

#[test]
fn json_nested_10000_deep() {
    let rule = Rule::default_rule();
    for object in [false, true] {
        let text = deep_text(10_000, object);
        let e = timed("evaluate_json", || rule.evaluate_json(&text)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Event);
        assert!(e.message().contains("recursion limit"), "{e}");
        // Deep under a field the rule reads, inside an event that would otherwise match.
        let inner = deep_text(10_000, object);
        let event = HIT.replace("\"api.ipify.org\"", &inner);
        assert!(rule.evaluate_json(&event).is_err());
        // The scanner rejects such lines whichever way it reads them, and counts them.
        let ndjson = format!("{text}\n{event}\n{HIT}\n{}\n", deep_text(10_000, !object));
        let r = timed("scan_ndjson", || rule.scan_ndjson(ndjson.as_bytes()));
        check_counts(ndjson.as_bytes(), &r);
        assert_eq!(r.matched, [3], "{r:?}");
        assert_eq!(r.errors.iter().map(|e| e.line).collect::<Vec<_>>(), [1, 2, 4], "{:?}", r.errors);
    }
}

#[test]
fn value_nested_10000_deep_built_in_memory() {
    // A `Value` made in memory has no parser limit: reading it stops at `max_event_depth`.
    let rule = Rule::default_rule();
    let mut deep = json!("api.ipify.org");
    for _ in 0..10_000 {
        deep = Value::Array(vec![deep]);
    }
    let mut event: Value = serde_json::from_str(HIT).unwrap();
    event["dns"]["question"]["name"] = deep;
    let verdict = timed("evaluate", || rule.evaluate_value(&event)).unwrap();
    assert!(!verdict.matched);
    assert!(verdict.reasons.leaves().iter().any(|r| r.kind == ReasonKind::TooDeep), "{}", verdict.summary);
    assert!(!rule.matches(&event));
    // Take it apart without recursion (a recursive drop of 10,000 levels could overflow a test
    // thread's stack; that is serde_json's drop, not this crate).
    let mut v = event["dns"]["question"]["name"].take();
    while let Value::Array(mut a) = v {
        v = a.pop().unwrap_or(Value::Null);
    }
}

#[test]
fn string_value_of_50_mb() {
    let rule = Rule::default_rule();
    let big = "a".repeat(50 << 20);
    // As the looked-up name: longer than ignore_above, so not indexed: no match.
    let event = HIT.replace("api.ipify.org", &big);
    let v = timed("evaluate_json", || rule.evaluate_json(&event)).unwrap();
    assert!(!v.matched);
    assert!(v.summary.len() < 10_000, "the summary must not quote the value");
    // As the executable: not indexed, so the exclusion cannot apply and the event matches, as in
    // Elasticsearch.
    let event = HIT.replace("C:\\\\Temp\\\\x.exe", &big);
    let v = timed("evaluate_json", || rule.evaluate_json(&event)).unwrap();
    assert!(v.matched, "{}", v.summary);
    // In NDJSON the line is over the default max_line_bytes (16 MiB): rejected, counted.
    let ndjson = format!("{event}\n{MISS}\n");
    let r = timed("scan_ndjson", || rule.scan_ndjson(ndjson.as_bytes()));
    check_counts(ndjson.as_bytes(), &r);
    assert_eq!((r.counts.matched, r.counts.unmatched, r.counts.rejected), (0, 1, 1));
    assert!(r.errors[0].message.contains("max_line_bytes"));
    // Under a raised limit it is read, with the same verdict as above.
    let rule =
        Rule::builder().limits(Limits { max_line_bytes: 64 << 20, ..Limits::default() }).build().unwrap();
    let r = timed("scan_ndjson", || rule.scan_ndjson(ndjson.as_bytes()));
    check_counts(ndjson.as_bytes(), &r);
    assert_eq!((r.counts.matched, r.counts.unmatched), (1, 1), "{:?}", r.errors);
}

#[test]
fn invalid_utf8_in_ndjson() {
    let rule = Rule::default_rule();
    let bad: &[&[u8]] = &[
        b"{\"a\":\"\xff\"}",
        b"\xc3",                         // truncated sequence
        b"{\"a\":\"\xc0\xaf\"}",         // overlong encoding
        b"{\"a\":\"\xed\xa0\x80\"}",     // an encoded surrogate
        b"{\"a\":\"\xf4\x90\x80\x80\"}", // past U+10FFFF
        b"\xef\xbb",                     // half a byte-order mark
    ];
    let mut input = Vec::new();
    for b in bad {
        input.extend_from_slice(b);
        input.push(b'\n');
        input.extend_from_slice(HIT.as_bytes());
        input.push(b'\n');
    }
    // A matching line with invalid UTF-8 inside a value the rule reads.
    input.extend_from_slice(HIT.replace("x.exe", "x\u{fffd}.exe").as_bytes());
    input.push(b'\n');
    let mut broken = HIT.as_bytes().to_vec();
    let at = HIT.find("ipify").unwrap();
    broken[at] = 0xff;
    input.extend_from_slice(&broken);
    let r = rule.scan_ndjson(&input);
    check_counts(&input, &r);
    assert_eq!(r.counts.rejected, bad.len() as u64 + 1, "{:?}", r.errors);
    assert_eq!(r.counts.matched, bad.len() as u64 + 1);
    for e in &r.errors {
        assert!(e.message.contains("UTF-8"), "{e:?}");
    }
    assert_eq!(r.errors.last().unwrap().line, 2 * bad.len() as u64 + 2);
}

#[test]
fn lone_surrogate_escapes() {
    // A Rust string cannot hold a lone surrogate; JSON text can spell one as an escape. It reads as
    // U+FFFD (as Elasticsearch indexes it), on every path alike: the scanner, `evaluate_json` and
    // the fast path agree, and the next line is unaffected.
    let rule = Rule::default_rule();
    for esc in [r"\ud800", r"\udc00", r"\ud800\u0041", r"\udbff\ud800"] {
        for (line, expect) in [
            (HIT.replace("api.ipify.org", &format!("api{esc}.ipify.org")), false),
            (HIT.replace("api.ipify.org", &format!("{esc}api.ipify.org")), true),
        ] {
            let v = rule.evaluate_json(&line).unwrap();
            assert_eq!(v.matched, expect, "{line}");
            let value: Value = serde_json::from_str(&line).unwrap_or(Value::Null);
            if value.is_object() {
                assert_eq!(rule.matches_value(&value).unwrap(), expect);
            }
            let input = format!("{line}\n{HIT}\n");
            let r = rule.scan_ndjson(input.as_bytes());
            check_counts(input.as_bytes(), &r);
            assert_eq!(r.counts.rejected, 0, "{esc}: {r:?}");
            assert_eq!(r.counts.matched, 1 + expect as u64, "{esc}: {r:?}");
        }
    }
    // A valid pair is one code point: `?` matches it.
    let rule = Rule::builder().query("any where a : \"x?y\"").build().unwrap();
    assert!(rule.evaluate_json(r#"{"a":"x\ud83d\ude00y"}"#).unwrap().matched);
}

#[test]
fn proto_and_constructor_keys_are_plain_keys() {
    let rule = Rule::default_rule();
    let mut event: Value = serde_json::from_str(HIT).unwrap();
    event["__proto__"] = json!({ "dns": { "question": { "name": "example.com" } } });
    event["constructor"] =
        json!({ "prototype": { "process": { "executable": "C:\\Program Files\\x.exe" } } });
    assert!(rule.evaluate_value(&event).unwrap().matched);
    let text = r#"{"__proto__":{"event":{"category":"network"}},"constructor":"x","dns":{"question":{"name":"api.ipify.org"}}}"#;
    let v = rule.evaluate_json(text).unwrap();
    assert!(!v.matched);
    assert!(v.missing_fields.contains(&"event.category".to_string()), "{:?}", v.missing_fields);
    // A query may name such fields; they are read like any other.
    let q = Rule::builder()
        .query("any where __proto__.polluted == \"yes\" and constructor : \"x*\"")
        .build()
        .unwrap();
    assert!(q.evaluate_json(r#"{"__proto__":{"polluted":"yes"},"constructor":"xyz"}"#).unwrap().matched);
    assert!(!q.evaluate_json(r#"{"constructor":"xyz"}"#).unwrap().matched);
    let input = format!("{text}\n{HIT}\n{{\"__proto__\":null}}\n");
    let r = rule.scan_ndjson(input.as_bytes());
    check_counts(input.as_bytes(), &r);
    assert_eq!(r.matched, [2]);
}

/// Short entries, so that 100,000 of them stay under `max_query_bytes`.
fn list_query(n: usize, op: &str) -> String {
    let entries: Vec<String> = (0..n).map(|i| format!("\"*{i}\"")).collect();
    format!("network where dns.question.name {op} ({})", entries.join(","))
}

#[test]
fn query_with_100000_list_entries() {
    for op in [":", "in", "like~"] {
        let q = list_query(100_000, op);
        let e = timed("build", || Rule::builder().query(&q).build()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Limit);
        assert!(e.message().contains("max_list_entries"), "{e}");
    }
    // Raising the limits makes it a long list, compiled in bounded time (exact terms; a wildcard
    // list that long is a compile-time cost the host opts into).
    let limits = Limits { max_list_entries: 100_000, max_query_bytes: 4 << 20, ..Limits::default() };
    let q = list_query(100_000, "in").replace('*', "");
    let rule = timed("build", || Rule::builder().query(&q).limits(limits).build()).unwrap();
    let hit = json!({"event": {"category": "network"}, "dns": {"question": {"name": "99999"}}});
    assert!(rule.matches(&hit));
    assert!(rule.evaluate(&hit).matched);
}

#[test]
fn long_lists_compile_in_bounded_time() {
    // The compile-time lint (duplicates, subsumed entries) must not be quadratic in the list.
    for (op, entry) in
        [("in", "d{i}.example"), ("in~", "d{i}.example"), (":", "d{i}.example"), (":", "*d{i}.example")]
    {
        let entries: Vec<String> =
            (0..10_000).map(|i| format!("\"{}\"", entry.replace("{i}", &i.to_string()))).collect();
        let q = format!("any where a {op} ({}, {})", entries.join(", "), entries[..100].join(", "));
        let limits = Limits { max_list_entries: 20_000, ..Limits::default() };
        let rule =
            timed(&format!("{op} {entry}"), || Rule::builder().query(&q).limits(limits).build()).unwrap();
        assert!(rule.warnings().iter().any(|w| w.kind == WarningKind::DuplicateEntry));
        assert!(rule.matches(&json!({"a": "d42.example"})));
    }
}

#[test]
fn wildcard_lists_too_large_for_one_automaton_still_compile() {
    // `?` patterns make a large automaton; past what globset can build, the exact per-pattern
    // matcher takes over instead of failing.
    let entries: Vec<String> = (0..3_000).map(|i| format!("\"?*d{i}*x*.example\"")).collect();
    let q = format!("any where a : ({})", entries.join(", "));
    let rule = timed("build", || Rule::builder().query(&q).build()).unwrap();
    assert!(rule.matches(&json!({"a": "Ad2999yx.example"})));
    assert!(!rule.matches(&json!({"a": "d2999yx.example"})));
}

#[test]
fn query_with_10000_nested_parentheses() {
    let rule = |q: &str| timed("build", || Rule::builder().query(q).build());
    let parens = format!("any where {}a == \"x\"{}", "(".repeat(10_000), ")".repeat(10_000));
    let e = rule(&parens).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Limit);
    assert!(e.message().contains("max_query_depth"), "{e}");
    let nots = format!("any where {}a == \"x\"", "not ".repeat(10_000));
    assert!(rule(&nots).unwrap_err().message().contains("max_query_depth"));
    let mixed = format!("any where {}a == \"x\"{}", "not (".repeat(5_000), ")".repeat(5_000));
    assert!(rule(&mixed).unwrap_err().message().contains("max_query_depth"));
    // Unbalanced: an error, not a hang.
    assert!(rule(&format!("any where {}", "(".repeat(10_000))).is_err());
    assert!(rule(&format!("any where a == \"x\"{}", ")".repeat(10_000))).is_err());
    // At the limit, it compiles and evaluates.
    let ok = format!("any where {}a == \"x\"{}", "(".repeat(150), ")".repeat(150));
    assert!(rule(&ok).unwrap().matches(&json!({"a": "x"})));
}

#[test]
fn query_size_and_shape_limits_name_themselves() {
    let limits = Limits::default();
    let huge = format!("any where a == \"{}\"", "x".repeat(limits.max_query_bytes));
    let e = Rule::builder().query(&huge).build().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Limit);
    assert!(e.message().contains("max_query_bytes"), "{e}");
    // A field path of very many segments.
    let path = vec!["a"; 100_000].join(".");
    let e =
        timed("build", || Rule::builder().query(format!("any where {path} == \"x\"")).build()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Limit);
    assert!(e.message().contains("max_field_segments"), "{e}");
    // Very many distinct fields.
    let ors: Vec<String> = (0..60_000).map(|i| format!("f{i} == \"x\"")).collect();
    let e = timed("build", || Rule::builder().query(format!("any where {}", ors.join(" or "))).build())
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Limit);
    assert!(e.message().contains("max_query_fields"), "{e}");
    // Very many clauses on few fields compile and evaluate in bounded time.
    let ors: Vec<String> = (0..60_000).map(|i| format!("f{} == \"{i}\"", i % 10)).collect();
    let rule =
        timed("build", || Rule::builder().query(format!("any where {}", ors.join(" or "))).build()).unwrap();
    assert!(timed("evaluate", || rule.evaluate(&json!({"f9": "59999"}))).matched);
}

#[test]
fn ndjson_line_of_100_mb() {
    let rule = Rule::default_rule();
    let big = "a".repeat(100 << 20);
    let mut input = format!("{HIT}\n{{\"x\":\"{big}\"}}\n{HIT}\n").into_bytes();
    let r = timed("scan_ndjson", || rule.scan_ndjson(&input));
    check_counts(&input, &r);
    assert_eq!(r.matched, [1, 3]);
    assert_eq!(r.errors.len(), 1);
    assert_eq!(r.errors[0].line, 2);
    assert!(r.errors[0].message.contains("max_line_bytes"), "{:?}", r.errors);
    // Without a final line break, and as the only line.
    input.truncate(input.len() - 1);
    check_counts(&input, &rule.scan_ndjson(&input));
    let only = format!("{{\"x\":\"{big}\"}}");
    let r = rule.scan_ndjson(only.as_bytes());
    check_counts(only.as_bytes(), &r);
    assert_eq!(r.counts.rejected, 1);
    // With the limit raised above it, the line is read.
    let rule =
        Rule::builder().limits(Limits { max_line_bytes: 128 << 20, ..Limits::default() }).build().unwrap();
    let line = HIT.replace("\"user\"", &format!("\"pad\":\"{big}\",\"user\""));
    let r = timed("scan_ndjson", || rule.scan_ndjson(line.as_bytes()));
    assert_eq!(r.matched, [1], "{:?}", r.errors);
}

#[test]
fn empty_input() {
    let rule = Rule::default_rule();
    for input in ["", "\n", "\n\n\n", "   ", "\r\n", " \t \r\n\n", "\u{feff}", "\u{feff}\n"] {
        let r = rule.scan_ndjson(input.as_bytes());
        check_counts(input.as_bytes(), &r);
        assert_eq!(r.counts.lines, 0, "{input:?}: {r:?}");
    }
    for text in ["", " ", "\n", "\u{feff}"] {
        assert_eq!(rule.evaluate_json(text).unwrap_err().kind(), ErrorKind::Event, "{text:?}");
    }
    assert!(!rule.evaluate_json("{}").unwrap().matched);
    assert!(Rule::builder().query("").build().is_err());
    assert!(Rule::builder().query("   ").build().is_err());
}

#[test]
fn truncated_gzip_bytes() {
    // Compressed bytes passed as NDJSON by mistake (the CLI decompresses `.gz`; the library reads
    // what it is given): binary garbage, every line rejected or counted, nothing lost.
    let rule = Rule::default_rule();
    let gz =
        std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/hostile/truncated.ndjson.gz"))
            .unwrap();
    assert_eq!(&gz[..2], b"\x1f\x8b");
    for cut in [0, 1, 2, 10, gz.len() / 3, gz.len()] {
        let r = rule.scan_ndjson(&gz[..cut]);
        check_counts(&gz[..cut], &r);
        assert_eq!(r.counts.matched, 0);
    }
}

#[test]
fn every_hostile_line_in_one_stream() {
    // The cases above together, then a normal event: it still gets the right verdict and line.
    let rule = Rule::default_rule();
    let mut input = Vec::new();
    for line in [
        deep_text(10_000, true).into_bytes(),
        b"{\"a\":\"\xff\"}".to_vec(),
        br#"{"a":"\ud800"}"#.to_vec(),
        br#"{"__proto__":{"x":1},"constructor":{}}"#.to_vec(),
        Vec::new(),
        b"\x1f\x8b\x08\x00".to_vec(),
        b"[1,2,3]".to_vec(),
        b"null".to_vec(),
        b"{\"a\":1e400}".to_vec(),
        b"{\"a\":1}{\"b\":2}".to_vec(),
        b"{\"a\":\"\x00\"}".to_vec(),
        MISS.as_bytes().to_vec(),
        HIT.as_bytes().to_vec(),
    ] {
        input.extend_from_slice(&line);
        input.push(b'\n');
    }
    let r = rule.scan_ndjson(&input);
    check_counts(&input, &r);
    assert_eq!(r.matched, [13], "{:?}", r.errors);
    // Unmatched: the lone surrogate (read as U+FFFD), `__proto__`, `1e400` (valid JSON, whose
    // text a keyword field indexes, as Jackson reads it; JSON.parse reads it too), MISS.
    assert_eq!((r.counts.unmatched, r.counts.rejected, r.counts.blank), (4, 7, 1), "{r:?}");
    assert!(rule.evaluate_json(HIT).unwrap().matched);
}

/// A list of long `*...*` patterns: each value is matched in time linear in the value and the
/// patterns (backtracking took 1.25 s per 1 KB value on 1 MB of such patterns, release build).
#[test]
fn long_wildcard_patterns_are_matched_in_linear_time() {
    let seg = "a".repeat(1000);
    let entries: Vec<String> = (0..1000).map(|i| format!("\"*{seg}b{i}*\"")).collect();
    let q = format!("any where a : ({})", entries.join(","));
    let rule = timed("build", || Rule::builder().query(&q).build()).unwrap();
    let value = json!({"a": "a".repeat(1024)});
    let start = Instant::now();
    for _ in 0..10 {
        assert!(!timed("matches", || rule.matches(&value)));
    }
    assert!(timed("evaluate", || !rule.evaluate(&value).matched));
    println!("1,000 patterns of 1 KB, 1 KB value: {:?} per match", start.elapsed() / 10);
    let hit = json!({"a": format!("{}b999{}", "a".repeat(1000), "a".repeat(10))});
    assert!(rule.matches(&hit));

    // Over `max_pattern_bytes` (the query alone within its own limit): an error naming it, before
    // the lists are compiled.
    let entries: Vec<String> = (0..2000).map(|i| format!("\"*{seg}{i}*\"")).collect();
    let q = format!("any where a : ({})", entries.join(","));
    let limits = Limits { max_query_bytes: 4 << 20, ..Limits::default() };
    let e = timed("build", || Rule::builder().query(&q).limits(limits.clone()).build()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Limit);
    assert!(e.message().contains("max_pattern_bytes = 1048576"), "{e}");
    // Raised, it compiles and stays linear.
    let limits = Limits { max_pattern_bytes: 4 << 20, ..limits };
    let rule = timed("build", || Rule::builder().query(&q).limits(limits).build()).unwrap();
    assert!(!timed("matches", || rule.matches(&value)));

    // The compile-time lint compares entries pairwise (up to 500 entries and 64 KiB of them),
    // each comparison a linear match: a list of long entries compiles in bounded time.
    let mut entries: Vec<String> = (0..250).map(|i| format!("\"*{seg}b{i}*\"")).collect();
    entries.extend((0..250).map(|i| format!("\"{}{i}\"", "a".repeat(1000))));
    let q = format!("any where a : ({})", entries.join(","));
    timed("lint of 250 x 250 long entries", || Rule::builder().query(&q).build()).unwrap();
}

fn items(n: usize, entry: impl Fn(usize) -> Value) -> Vec<external_ip_lookup_rule::ExceptionItem> {
    let items: Vec<Value> = (0..n).map(|i| json!({"name": format!("x{i}"), "entries": [entry(i)]})).collect();
    external_ip_lookup_rule::exceptions_from_value(&Value::Array(items)).unwrap()
}

#[test]
fn exceptions_are_bounded_in_items_entries_fields_and_patterns() {
    let build =
        |items, limits: Limits| timed("build", || Rule::builder().exceptions(items).limits(limits).build());
    let name = |i: usize| json!({"field": "user.name", "operator": "included", "type": "match", "value": format!("u{i}")});
    // 160,000 items: an error naming the limit, before they are compiled.
    let e = build(items(160_000, name), Limits::default()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Limit);
    assert!(e.message().contains("160000 exception items, over the limit max_exception_items = 1000"), "{e}");
    // At the limit, a rule that evaluates in bounded time.
    let rule = build(items(1000, name), Limits::default()).unwrap();
    let hit: Value = serde_json::from_str(HIT).unwrap();
    assert!(timed("matches", || rule.matches(&hit)));
    let v = timed("evaluate", || rule.evaluate(&hit));
    assert!(v.matched && v.exceptions.len() == 1000);
    // Entries: one item of 20,000 `match_any` values counts 20,000.
    let many = json!({"field": "user.name", "operator": "included", "type": "match_any",
        "value": (0..20_000).map(|i| format!("u{i}")).collect::<Vec<_>>()});
    let e = build(items(1, |_| many.clone()), Limits::default()).unwrap_err();
    assert!(
        e.message().contains("20000 exception entries, over the limit max_exception_entries = 10000"),
        "{e}"
    );
    // Fields: 16,000 distinct exception fields count against max_query_fields.
    let field = |i: usize| json!({"field": format!("f{i}"), "operator": "included", "type": "exists"});
    let raised = Limits { max_exception_items: 20_000, max_exception_entries: 20_000, ..Limits::default() };
    let e = build(items(16_000, field), raised.clone()).unwrap_err();
    let read = 16_000 + Rule::default_rule().fields().len();
    let expected = format!(
        "the query and its exceptions read {read} distinct fields, over the limit max_query_fields = 1000"
    );
    assert!(e.message().contains(&expected), "{e}");
    // Wildcard values count against max_pattern_bytes with the query's.
    let long = |i: usize| json!({"field": "user.name", "operator": "included", "type": "wildcard", "value": format!("*{}{i}*", "a".repeat(2000))});
    let e = build(items(600, long), Limits::default()).unwrap_err();
    assert!(e.message().contains("max_pattern_bytes"), "{e}");
    // Within the limits, a scan of a rule that reads 990 exception fields stays linear.
    let rule = build(items(990, field), raised).unwrap();
    let text = format!("{HIT}\n{MISS}\n").repeat(500);
    let r = timed("scan", || rule.scan_ndjson(text.as_bytes()));
    check_counts(text.as_bytes(), &r);
    assert_eq!(r.counts.matched, 500);
}

/// 40,000 false positives: linear, and a true explanation when the values are too many.
#[test]
fn suggest_exception_on_40000_false_positives() {
    let rule = Rule::default_rule();
    let fp = |i: usize| {
        let mut v: Value = serde_json::from_str(HIT).unwrap();
        v["user"]["name"] = json!(format!("u{i}"));
        v["process"]["command_line"] = json!(format!("x.exe --run {i}"));
        v
    };
    let fps: Vec<Value> = (0..40_000).map(fp).collect();
    let start = Instant::now();
    let s = timed("suggest", || rule.suggest_exception(&fps, &[]));
    println!("suggestException on 40,000 false positives: {:?}", start.elapsed());
    // Every user name differs, but all share the user id and the executable.
    let item = s.item.expect(&s.explanation);
    assert_eq!(item.entries.iter().map(|e| e.field()).collect::<Vec<_>>(), ["user.id", "process.executable"]);
    assert_eq!(s.suppressed.len(), 40_000);
    // With distinct executables too, nothing fits, and the explanation says why for each candidate.
    let fps: Vec<Value> = (0..40_000)
        .map(|i| {
            let mut v = fp(i);
            v["process"]["executable"] = json!(format!("C:\\Temp\\x{i}.exe"));
            v
        })
        .collect();
    let s = timed("suggest", || rule.suggest_exception(&fps, &[]));
    assert!(s.item.is_none());
    let expected = "no exception fits: the false positives have more than 20 distinct values of user.name \
        (user.name + process.command_line, user.name + process.executable, user.name + process.command_line + host.name, \
        user.name + process.executable + host.name, user.name + process.executable + dns.question.name); \
        the false positives have more than 20 distinct values of process.command_line (user.id + process.command_line, process.command_line); \
        the false positives have more than 20 distinct values of process.executable (user.id + process.executable, \
        process.executable + dns.question.name + host.name, process.executable)";
    assert_eq!(s.explanation, expected);
    // A false positive without a field says which.
    let mut bare: Value = serde_json::from_str(HIT).unwrap();
    bare["process"].as_object_mut().unwrap().remove("executable");
    let s = rule.suggest_exception(&[bare], &[]);
    assert!(
        s.explanation.contains("false positive #1 has no user.name (user.name + process.command_line"),
        "{}",
        s.explanation
    );
    assert!(!s.explanation.contains("lack"), "{}", s.explanation);
}

/// The depths bound recursion: raising them past the ceilings the stack survives is an error
/// naming the limit; at the ceilings a query and an event compile, evaluate and serialize.
#[test]
fn depth_limits_have_ceilings_the_stack_survives() {
    use external_ip_lookup_rule::{MAX_EVENT_DEPTH_CEILING, MAX_QUERY_DEPTH_CEILING};
    for limits in [
        Limits { max_query_depth: MAX_QUERY_DEPTH_CEILING + 1, ..Limits::default() },
        Limits { max_query_depth: usize::MAX, ..Limits::default() },
        Limits { max_event_depth: MAX_EVENT_DEPTH_CEILING + 1, ..Limits::default() },
    ] {
        let e = Rule::builder().limits(limits).build().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Limit);
        assert!(e.message().contains("is over its ceiling"), "{e}");
        assert!(e.message().contains("max_query_depth") || e.message().contains("max_event_depth"), "{e}");
    }
    let limits = Limits {
        max_query_depth: MAX_QUERY_DEPTH_CEILING,
        max_event_depth: MAX_EVENT_DEPTH_CEILING,
        ..Limits::default()
    };
    let d = MAX_QUERY_DEPTH_CEILING - 1;
    for q in [
        format!("any where {}a.b == \"x\"{}", "(".repeat(d), ")".repeat(d)),
        format!("any where {}a.b == \"x\"", "not ".repeat(d)),
    ] {
        let rule = timed("build", || Rule::builder().query(&q).limits(limits.clone()).build()).unwrap();
        let v = rule.evaluate(&json!({"a": {"b": "x"}}));
        serde_json::to_string(&v).unwrap();
    }
    let mut deep = json!("x");
    for _ in 0..MAX_EVENT_DEPTH_CEILING - 2 {
        deep = Value::Array(vec![deep]);
    }
    let rule = Rule::builder().query("any where a.b == \"x\"").limits(limits).build().unwrap();
    let event = json!({"a": {"b": deep}});
    assert!(rule.matches(&event) && rule.evaluate(&event).matched);
}

/// A long query, or list edits that would make one, is refused before any of it is copied or
/// parsed.
#[test]
fn long_queries_and_edits_are_refused_before_they_are_made() {
    let big = "x".repeat(64 << 20);
    let q = format!("any where a == \"{big}\"");
    let e = timed("build", || Rule::builder().query(q).build()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Limit);
    assert!(e.message().contains("query is 67108881 bytes, over the limit max_query_bytes = 1048576"), "{e}");
    let edits = external_ip_lookup_rule::ListEdits { add_domains: vec![big.clone()], ..Default::default() };
    let e = timed("build", || Rule::builder().edits(edits).build()).unwrap_err();
    assert!(e.message().contains("the edited query would be at least"), "{e}");
    assert!(e.message().contains("max_query_bytes"), "{e}");
    let many = vec!["*a.example".to_string(); 200_000];
    let edits = external_ip_lookup_rule::ListEdits { add_excluded_executables: many, ..Default::default() };
    let e = timed("build", || Rule::builder().edits(edits).build()).unwrap_err();
    assert!(e.message().contains("max_query_bytes"), "{e}");
}
