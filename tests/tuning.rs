//! Tuning end to end: exceptions as Kibana applies them, list edits equal to query edits, coverage
//! packs, suggested exceptions.

use external_ip_lookup_rule::{
    packs, parse_exceptions, versions, ErrorKind, ExceptionEntry, ExceptionItem, ListEdits, Operator, OsType,
    ReasonKind, Rule, RuleBuilder, Verdict, WarningKind,
};
use serde_json::{json, Value};

fn lookup(domain: &str, exe: &str, user: &str, cmd: &str) -> Value {
    let name = exe.rsplit('\\').next().unwrap();
    json!({
        "event": {"category": ["network"], "action": "lookup_requested"},
        "network": {"protocol": "dns"},
        "host": {"name": "WS-042", "os": {"type": "windows"}},
        "process": {"name": name, "executable": exe, "command_line": cmd,
                    "code_signature": {"trusted": false, "subject_name": "Unknown"}},
        "user": {"id": "S-1-5-21-1-2-3-1001", "name": user},
        "dns": {"question": {"name": domain}}
    })
}

const PS: &str = r"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe";

fn with_exceptions(items: Value) -> Rule {
    let items = external_ip_lookup_rule::exceptions_from_value(&items).unwrap();
    RuleBuilder::new().exceptions(items).build().unwrap()
}

fn entry(field: &str, operator: &str, kind: &str, value: Value) -> Value {
    json!({"field": field, "operator": operator, "type": kind, "value": value})
}

#[test]
fn every_entry_type_and_operator() {
    let ev = lookup("api.ipify.org", PS, "alice", "powershell -c (iwr api.ipify.org).Content");
    assert!(Rule::default_rule().matches(&ev));
    let cases = [
        (entry("user.name", "included", "match", json!("alice")), true),
        (entry("user.name", "included", "match", json!("ALICE")), false),
        (entry("user.name", "excluded", "match", json!("bob")), true),
        (entry("user.name", "excluded", "match", json!("alice")), false),
        (entry("user.name", "included", "match_any", json!(["bob", "alice"])), true),
        (entry("user.name", "excluded", "match_any", json!(["bob", "alice"])), false),
        (entry("process.command_line", "included", "wildcard", json!("powershell -c *")), true),
        (entry("process.command_line", "excluded", "wildcard", json!("powershell -c *")), false),
        (entry("process.executable", "included", "wildcard", json!("C:\\\\Windows\\\\*")), true),
        (entry("process.executable", "included", "wildcard", json!("c:\\\\windows\\\\*")), false),
        (json!({"field": "process.parent.name", "operator": "included", "type": "exists"}), false),
        (json!({"field": "process.parent.name", "operator": "excluded", "type": "exists"}), true),
        (json!({"field": "user.name", "operator": "included", "type": "exists"}), true),
    ];
    for (e, suppresses) in cases {
        let rule = with_exceptions(json!([{"name": "x", "entries": [e.clone()]}]));
        let v = rule.evaluate(&ev);
        assert_eq!(!v.matched, suppresses, "{e}");
        assert_eq!(rule.matches(&ev), v.matched, "fast path agrees: {e}");
        assert!(v.query_matched, "the query itself still matches: {e}");
        if suppresses {
            assert_eq!(v.suppressed_by.as_deref(), Some("x"));
            assert_eq!(v.exceptions[0].kind, ReasonKind::Exception);
            assert!(v.summary.starts_with("suppressed by exception \"x\""), "{}", v.summary);
        }
    }
}

#[test]
fn entries_are_anded_and_items_ored() {
    let ev = lookup("api.ipify.org", PS, "alice", "cmd");
    let a = entry("user.name", "included", "match", json!("alice"));
    let b = entry("process.name", "included", "match", json!("cmd.exe"));
    let c = entry("process.name", "included", "match", json!("powershell.exe"));
    assert!(with_exceptions(json!([{"entries": [a, b]}])).matches(&ev), "a and b: b fails");
    assert!(!with_exceptions(json!([{"entries": [a, c]}])).matches(&ev), "a and c");
    assert!(!with_exceptions(json!([{"entries": [b]}, {"entries": [c]}])).matches(&ev), "b or c");
    let v = with_exceptions(json!([{"name": "first", "entries": [b]}, {"name": "second", "entries": [c]}]))
        .evaluate(&ev);
    assert_eq!(v.suppressed_by.as_deref(), Some("second"));
    assert_eq!(v.exceptions.len(), 2);
    assert!(!v.exceptions[0].held && v.exceptions[1].held);
}

#[test]
fn a_kibana_export_loads_as_is() {
    let export = std::fs::read_to_string("tests/fixtures/kibana_exception_list_export.ndjson").unwrap();
    let items = parse_exceptions(&export).unwrap();
    assert_eq!(items.len(), 2);
    let rule = RuleBuilder::new().exceptions(items).build().unwrap();
    let backup =
        lookup("checkip.amazonaws.com", r"C:\Backup\agent.exe", "svc_backup", r"C:\Backup\agent.exe --check");
    let v = rule.evaluate(&backup);
    assert!(!v.matched && v.query_matched);
    assert_eq!(v.suppressed_by.as_deref(), Some("Backup agent checks its public IP"));
    let other = lookup("checkip.amazonaws.com", r"C:\Backup\agent.exe", "mallory", "x");
    assert!(rule.matches(&other));
}

#[test]
fn bad_exception_files_name_the_item_and_entry() {
    let bad = [
        (
            json!([{"name": "a", "entries": [{"field": "x", "operator": "included", "type": "regexp", "value": "y"}]}]),
            "item 1 (\"a\"), entry 1: unknown type \"regexp\"",
        ),
        (
            json!([{"entries": [entry("x", "included", "match", json!("y"))]}, {"entries": [{"operator": "included", "type": "match", "value": "y"}]}]),
            "item 2, entry 1: `field` is missing",
        ),
        (
            json!([{"entries": [entry("x", "included", "match_any", json!("y"))]}]),
            "item 1, entry 1 (match_any on x): `value` must be a non-empty array of strings",
        ),
        (
            json!([{"entries": [entry("x", "included", "wildcard", json!(7))]}]),
            "item 1, entry 1 (wildcard on x): `value` must be a string",
        ),
        (
            json!([{"entries": [entry("x", "sometimes", "match", json!("y"))]}]),
            "item 1, entry 1 (match on x): `operator` must be",
        ),
    ];
    for (items, expected) in bad {
        let e = external_ip_lookup_rule::exceptions_from_value(&items).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Tuning);
        assert!(e.message().contains(expected), "{} does not contain {expected}", e.message());
    }
    let e = parse_exceptions("{\"entries\": [}\n").unwrap_err();
    assert!(e.message().contains("line 1"), "{e}");
}

/// A misspelt entry type or operator, or a misspelt key, must never reach the compiler: Kibana
/// would refuse the item, and an entry read as something else could suppress every alert.
#[test]
fn misspelt_exceptions_fail_loudly_on_every_path() {
    let good = json!({"field": "user.name", "operator": "included", "type": "match", "value": "svc"});
    let mut bad_type = good.clone();
    bad_type["type"] = json!("mtach");
    let mut bad_operator = good.clone();
    bad_operator["operator"] = json!("exclude");
    let mut bad_entry_key = good.clone();
    bad_entry_key.as_object_mut().unwrap().insert("vaule".into(), json!("svc"));
    let nested_operator = json!({"field": "process.Ext.code_signature", "type": "nested", "entries": [
        {"field": "subject_name", "type": "match", "operator": "inlcuded", "value": "x"}]});
    let cases = [
        (json!({"name": "n", "entries": [bad_type]}), ["entry 1", "unknown type \"mtach\" in `type`"]),
        (
            json!({"name": "n", "entries": [good.clone(), bad_operator]}),
            ["entry 2", "`operator` must be \"included\" or \"excluded\", not \"exclude\""],
        ),
        (json!({"name": "n", "entries": [bad_entry_key]}), ["entry 1", "unknown key `vaule`"]),
        (
            json!({"name": "n", "entries": [nested_operator]}),
            ["entry 1 (nested on process.Ext.code_signature), sub-entry 1", "not \"inlcuded\""],
        ),
        (
            json!({"name": "n", "entires": [good.clone()]}),
            ["(\"n\")", "unknown key `entires` (did you mean `entries`?)"],
        ),
        (
            json!({"name": "n", "os_types": ["window"], "entries": [good.clone()]}),
            ["(\"n\")", "`os_types` has \"window\""],
        ),
    ];
    for (item, expected) in cases {
        let text = serde_json::to_string(&json!([item])).unwrap();
        let ndjson = format!(
            "{}\n{}\n",
            r#"{"list_id":"l","type":"detection","name":"L"}"#,
            serde_json::to_string(&item).unwrap()
        );
        let errors = [
            ("value", external_ip_lookup_rule::exceptions_from_value(&json!([item])).map(|_| ())),
            ("one item", external_ip_lookup_rule::exceptions_from_value(&item).map(|_| ())),
            ("JSON text", parse_exceptions(&text).map(|_| ())),
            ("NDJSON export", parse_exceptions(&ndjson).map(|_| ())),
        ];
        for (path, r) in errors {
            let e = r.expect_err(&format!("{path} accepted {item}"));
            assert_eq!(e.kind(), ErrorKind::Tuning, "{path}");
            for x in expected {
                assert!(e.message().contains(x), "{path}: {} lacks {x}", e.message());
            }
        }
        // serde, as a Rust user or the JS bindings deserialize an item.
        let e = serde_json::from_value::<ExceptionItem>(item.clone()).expect_err("serde accepted it");
        assert!(e.to_string().contains(expected[1]), "serde: {e}");
        let e = serde_json::from_str::<Vec<ExceptionItem>>(&text).expect_err("serde accepted it");
        assert!(e.to_string().contains(expected[1]), "serde: {e}");
    }
    // An entry alone, through serde.
    let e = serde_json::from_value::<ExceptionEntry>(
        json!({"field": "a", "operator": "excluded", "type": "regex", "value": "x"}),
    )
    .unwrap_err();
    assert!(e.to_string().contains("unknown type \"regex\""), "{e}");
    // Built in Rust, the types leave no room for a misspelling; what they allow is checked at build.
    let empty = ExceptionItem { item_id: None, name: Some("all".into()), os_types: vec![], entries: vec![] };
    let e = RuleBuilder::new().exceptions(vec![empty]).build().unwrap_err();
    assert!(e.message().contains("item 1 (\"all\"): `entries` is empty"), "{e}");
    let blank = ExceptionItem {
        item_id: None,
        name: None,
        os_types: vec![],
        entries: vec![
            ExceptionEntry::Exists { field: "user.name".into(), operator: Operator::Included },
            ExceptionEntry::MatchAny {
                field: "host.name".into(),
                operator: Operator::Excluded,
                value: vec![],
            },
        ],
    };
    let e = RuleBuilder::new().exceptions(vec![blank]).build().unwrap_err();
    assert!(
        e.message().contains("item 1, entry 2 (match_any on host.name): `value` must be a non-empty array"),
        "{e}"
    );
    let deep = ExceptionEntry::Nested {
        field: "a".into(),
        entries: vec![ExceptionEntry::Nested { field: "b".into(), entries: vec![] }],
    };
    let item = ExceptionItem { item_id: None, name: None, os_types: vec![], entries: vec![deep] };
    let e = RuleBuilder::new().exceptions(vec![item]).build().unwrap_err();
    assert!(e.message().contains("cannot nest"), "{e}");
}

#[test]
fn every_key_of_a_kibana_export_is_accepted_and_items_round_trip() {
    let export = std::fs::read_to_string("tests/fixtures/kibana_exception_list_export.ndjson").unwrap();
    let items = parse_exceptions(&export).unwrap();
    assert_eq!(items[0].os_types, [OsType::Windows]);
    assert_eq!(
        items[0].entries[1],
        ExceptionEntry::Wildcard {
            field: "process.executable".into(),
            operator: Operator::Included,
            value: "C:\\\\Backup\\\\*.exe".into()
        }
    );
    // Serialized as Kibana writes them, and read back the same.
    let text = serde_json::to_string(&items).unwrap();
    assert!(
        text.contains(r#"{"type":"match","field":"user.name","operator":"included","value":"svc_backup"}"#),
        "{text}"
    );
    assert_eq!(parse_exceptions(&text).unwrap(), items);
    assert_eq!(serde_json::from_str::<Vec<ExceptionItem>>(&text).unwrap(), items);
    // A line of the export that is neither the list, an item nor the summary is an error.
    let stray = format!("{export}{}\n", r#"{"nmae":"x"}"#);
    let e = parse_exceptions(&stray).unwrap_err();
    assert!(e.message().contains("line 5") && e.message().contains("`nmae`"), "{e}");
}

fn rule_with(version: &str, query: Option<&str>, edits: ListEdits) -> Rule {
    let mut b = RuleBuilder::new();
    b.version(version).edits(edits);
    if let Some(q) = query {
        b.query(q);
    }
    b.build().unwrap()
}

fn same_verdicts(a: &Rule, b: &Rule, events: &[Value]) {
    for e in events {
        let (va, vb): (Verdict, Verdict) = (a.evaluate(e), b.evaluate(e));
        assert_eq!(va.matched, vb.matched, "{e}");
        assert_eq!(va.summary, vb.summary, "{e}");
    }
}

#[test]
fn list_edits_equal_query_edits_for_every_version() {
    let events = [
        lookup("api.ipify.org", PS, "alice", ""),
        lookup("ident.me", PS, "alice", ""),
        lookup("www.ident.me", PS, "alice", ""),
        lookup("ipinfo.io", r"C:\Tools\ok.exe", "alice", ""),
        lookup("ipinfo.io", r"C:\Tools\other.exe", "alice", ""),
        lookup("ipstack.com", PS, "alice", ""),
    ];
    for v in versions() {
        let published = Rule::version(&v.version).unwrap();
        let text = published.query().to_string();
        let edits = ListEdits {
            add_domains: vec!["*ident.me".into()],
            add_excluded_executables: vec![r"C:\Tools\ok.exe".into()],
            remove_domains: vec!["*ipinfo.io".into()],
            ..ListEdits::default()
        };
        let tuned = rule_with(&v.version, None, edits);
        // The same edit by hand on the text.
        let by_hand = text.replacen("\"*ipinfo.io\",\n", "", 1).replacen(
            if v.version == "4" { "\"*wtfismyip.com\"" } else { "\"*ipstack.com\"" },
            if v.version == "4" {
                "\"*wtfismyip.com\",\n        \"*ident.me\""
            } else {
                "\"*ipstack.com\",\n        \"*ident.me\""
            },
            1,
        );
        let last_exclusion = "OneDrive.exe\"";
        let by_hand = by_hand.replacen(last_exclusion, "OneDrive.exe\",\n      \"C:\\\\Tools\\\\ok.exe\"", 1);
        let by_hand_rule = rule_with(&v.version, Some(&by_hand), ListEdits::default());
        assert_eq!(
            tuned.query().replace(char::is_whitespace, ""),
            by_hand.replace(char::is_whitespace, ""),
            "version {}",
            v.version
        );
        same_verdicts(&tuned, &by_hand_rule, &events);
        assert!(tuned.matches(&events[1]) && !published.matches(&events[1]), "ident.me added");
        assert!(
            !tuned.matches(&events[3]) || v.version == "108",
            "ok.exe excluded (108 also needs a trusted signature)"
        );
    }
}

#[test]
fn each_pack_adds_its_domains_and_keeps_its_semantics() {
    let base = Rule::default_rule();
    for pack in packs() {
        let rule =
            rule_with("102", None, ListEdits { packs: vec![pack.name.clone()], ..ListEdits::default() });
        assert!(rule.query().len() > base.query().len());
        for p in &pack.patterns {
            assert!(rule.query().contains(&format!("\"{p}\"")), "{} lacks {p}", pack.name);
        }
        assert!(!rule.matches(&lookup("www.elastic.co", PS, "alice", "")), "{}", pack.name);
    }
    let sigma = rule_with(
        "102",
        None,
        ListEdits { packs: vec!["sigma-ip-lookup-apis".into()], ..ListEdits::default() },
    );
    // Sigma's `contains` is a substring match: a name with a suffix after the entry matches.
    assert!(sigma.matches(&lookup("ipwho.is.example.net", PS, "alice", "")));
    assert!(!base.matches(&lookup("ipwho.is", PS, "alice", "")));
    let elastic = rule_with(
        "102",
        None,
        ListEdits { packs: vec!["elastic-public-ip-discovery".into()], ..ListEdits::default() },
    );
    // Elastic's later rule matches exact names: `ident.me` yes, `x.ident.me` no.
    assert!(elastic.matches(&lookup("IDENT.ME", PS, "alice", "")));
    assert!(!elastic.matches(&lookup("x.ident.me", PS, "alice", "")));
    assert!(elastic.matches(&lookup("x.geojs.io", PS, "alice", "")));
    assert!(elastic
        .warnings()
        .iter()
        .any(|w| w.kind == WarningKind::SubsumedEntry || w.kind == WarningKind::DuplicateEntry));
}

#[test]
fn suggestions_on_several_false_positive_sets() {
    let rule = Rule::default_rule();
    // One admin script run daily: user + command line.
    let fp = lookup("api.ipify.org", PS, "svc_monitor", "powershell -File C:\\ops\\wanip.ps1");
    let tp = lookup("api.ipify.org", PS, "alice", "powershell -enc SQBFAFgA");
    let s = rule.suggest_exception(&[fp.clone(), fp.clone()], std::slice::from_ref(&tp));
    let item = s.item.expect(&s.explanation);
    assert_eq!(
        item.entries.iter().map(|e| e.field()).collect::<Vec<_>>(),
        ["user.name", "process.command_line"]
    );
    assert_eq!(s.suppressed, [0, 1]);
    assert_eq!(s.still_firing, [0]);
    let tuned = RuleBuilder::new().exceptions(vec![item]).build().unwrap();
    assert!(!tuned.matches(&fp) && tuned.matches(&tp));

    // Two users running the same tool: match_any on the user.
    let fp2 = lookup("ipinfo.io", r"C:\Tools\inventory.exe", "bob", "inventory.exe --wan");
    let fp3 = lookup("ipinfo.io", r"C:\Tools\inventory.exe", "carol", "inventory.exe --wan");
    let s = rule.suggest_exception(&[fp2.clone(), fp3.clone()], std::slice::from_ref(&tp));
    let item = s.item.expect(&s.explanation);
    assert_eq!(item.entries[0].type_name(), "match_any");
    let tuned = RuleBuilder::new().exceptions(vec![item]).build().unwrap();
    assert!(!tuned.matches(&fp2) && !tuned.matches(&fp3) && tuned.matches(&tp));

    // The false positive has no command line: user + executable.
    let mut fp4 = lookup("icanhazip.com", r"C:\Tools\net.exe", "dave", "");
    fp4["process"].as_object_mut().unwrap().remove("command_line");
    let s = rule.suggest_exception(std::slice::from_ref(&fp4), std::slice::from_ref(&tp));
    let item = s.item.expect(&s.explanation);
    assert_eq!(item.entries[1].field(), "process.executable");

    // No possible exception: the true positive is the same user, command line, executable and host.
    let s = rule.suggest_exception(std::slice::from_ref(&fp), std::slice::from_ref(&fp));
    assert!(s.item.is_none());
    assert!(s.explanation.contains("would also suppress true positive #1"), "{}", s.explanation);

    // Nothing to suppress.
    let s = rule.suggest_exception(&[lookup("www.elastic.co", PS, "x", "y")], &[]);
    assert!(s.item.is_none() && s.not_alerting == [0]);
}

#[test]
fn tuning_errors_are_clear() {
    let mut b = RuleBuilder::new();
    b.edits(ListEdits { remove_domains: vec!["*nope.example".into()], ..ListEdits::default() });
    let e = b.build().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Tuning);
    assert!(e.message().contains("*nope.example"));
    let w = rule_with(
        "102",
        None,
        ListEdits { add_domains: vec!["not a domain".into()], ..ListEdits::default() },
    );
    assert!(w.warnings().iter().any(|w| w.kind == WarningKind::CannotMatchDnsName));
}

#[test]
fn exception_fields_are_bounded_like_the_querys() {
    let long = vec!["a"; 40].join(".");
    let items = external_ip_lookup_rule::exceptions_from_value(&json!([{"name": "deep", "entries": [
        {"field": long, "operator": "included", "type": "exists"}]}]))
    .unwrap();
    let e = RuleBuilder::new().exceptions(items).build().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Limit);
    assert!(e.message().contains("exception \"deep\"") && e.message().contains("max_field_segments"), "{e}");
}
