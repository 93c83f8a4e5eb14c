//! Sysmon DNS events (EID 22) from real public samples, read through the `sysmon` and `auto` input
//! modes. The samples are vendored in `tests/data/` (a README per source names its repository,
//! commit and licence), so a clone tests itself with nothing beside it.
//!
//! Every real record is a negative (none queries an IP-lookup service). The positives here are
//! DERIVED: copies of the same records with only the queried name changed to `api.ipify.org`
//! (`QueryName`, or `dns.question.name` for Winlogbeat). Such a copy must fire unless one of the
//! rule's exclusions applies to the record as it is: the process is an excluded program (checked
//! here with the reference wildcard matcher against version 102's published exclusion list), the
//! record's user is a service account (LOCAL SERVICE or NETWORK SERVICE), or it has no process.

use std::path::PathBuf;

use external_ip_lookup_rule::{wildcard_match, InputMode, MappingStatus, Rule, RuleBuilder, Verdict};
use serde_json::Value;

fn samples_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

fn read_json(rel: &str) -> Value {
    let text = std::fs::read_to_string(samples_dir().join(rel)).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Every real record, with where it came from.
fn real_records() -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let otrf =
        std::fs::read_to_string(samples_dir().join("otrf-security-datasets/sysmon_eid22_events.ndjson"))
            .unwrap();
    for (i, line) in otrf.lines().enumerate() {
        out.push((format!("otrf line {}", i + 1), serde_json::from_str(line).unwrap()));
    }
    for f in [
        "evtx-derived/EVTX-ATTACK-SAMPLES_Sysmon_UACME_64_eid22.json",
        "evtx-derived/EVTX-to-MITRE-Attack_PSexec_eid22.json",
    ] {
        out.push((f.to_string(), read_json(f)));
    }
    for f in [
        "sigma-regression-pr/dns_query_win_remote_access_software_domains_non_browsers.json",
        "sigma-regression-pr/dns_query_win_ligolo_ng.json",
        "sigma-regression-pr/dns_query_win_wildcard_dns_service.json",
    ] {
        out.push((f.to_string(), read_json(f)));
    }
    out.push(("wazuh".into(), read_json("wazuh-ruleset-test/sysmon_eid22_msedge.json")));
    for (i, e) in read_json("elastic-beats-winlogbeat/sysmon-10.2-dns.golden.first_event.json")
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        out.push((format!("winlogbeat event {}", i + 1), e.clone()));
    }
    out
}

fn sysmon_rule(version: &str, mode: InputMode) -> Rule {
    RuleBuilder::new().version(version).input(mode).build().unwrap()
}

/// Sets the queried name wherever the record's shape keeps it.
fn with_query_name(rec: &Value, name: &str) -> Value {
    let mut r = rec.clone();
    let slots = [
        "/Event/EventData/QueryName",
        "/EventData/QueryName",
        "/QueryName",
        "/win/eventdata/queryName",
        "/dns/question/name",
    ];
    for s in slots {
        if let Some(v) = r.pointer_mut(s) {
            *v = Value::String(name.into());
            return r;
        }
    }
    panic!("no query name in {rec}");
}

/// What the mapped record says about its process and user, for the independent expectation.
fn expected_to_fire(v: &Verdict) -> bool {
    let mapping = v.input.as_ref().unwrap();
    let field = |f: &str| {
        mapping.fields.iter().find(|m| m.field == f).and_then(|m| m.value.as_str()).map(str::to_string)
    };
    let exe = field("process.executable");
    let Some(exe) = exe else { return false };
    let exclusions = [
        r"?:\Program Files\*.exe",
        r"?:\Program Files (x86)\*.exe",
        r"?:\Windows\System32\WWAHost.exe",
        r"?:\Windows\System32\smartscreen.exe",
        r"?:\Windows\System32\MicrosoftEdgeCP.exe",
        r"?:\ProgramData\Microsoft\Windows Defender\Platform\*\MsMpEng.exe",
        r"?:\Users\*\AppData\Local\Google\Chrome\Application\chrome.exe",
        r"?:\Users\*\AppData\Local\Programs\Fiddler\Fiddler.exe",
        r"?:\Users\*\AppData\Local\Programs\Microsoft VS Code\Code.exe",
        r"?:\Users\*\AppData\Local\Microsoft\OneDrive\OneDrive.exe",
    ];
    let excluded_program = exclusions.iter().any(|p| wildcard_match(p, &exe, true));
    let service = matches!(field("user.id").as_deref(), Some("S-1-5-19" | "S-1-5-20"));
    !excluded_program && !service
}

#[test]
fn every_real_record_is_mapped_and_none_fires() {
    let records = real_records();
    assert_eq!(records.len(), 1000 + 2 + 3 + 1 + 1);
    for mode in [InputMode::Sysmon, InputMode::Auto] {
        let rule = sysmon_rule("102", mode);
        let mut shapes = std::collections::BTreeMap::new();
        for (at, rec) in &records {
            let v = rule.evaluate_value(rec).unwrap();
            let m = v.input.as_ref().unwrap_or_else(|| panic!("{at}: no mapping"));
            assert_eq!(m.status, MappingStatus::Mapped, "{at}: {m:?}");
            *shapes.entry(m.shape).or_insert(0) += 1;
            assert!(!v.matched, "{at} is a real negative: {}", v.summary);
            assert_eq!(rule.matches_value(rec).unwrap(), v.matched, "{at}");
            let q = m.fields.iter().find(|f| f.field == "dns.question.name").unwrap();
            assert!(
                q.from.ends_with("QueryName")
                    || q.from.ends_with("queryName")
                    || q.from.contains("Winlogbeat"),
                "{at}: {q:?}"
            );
        }
        assert_eq!(shapes.get("nxlog-json"), Some(&1000));
        assert_eq!(shapes.get("evtx-json"), Some(&5));
        assert_eq!(shapes.get("wazuh-json"), Some(&1));
        assert_eq!(shapes.get("winlogbeat-ecs"), Some(&1));
    }
    // Plain ECS mode reads none of them as a DNS lookup: Elastic's verdicts are untouched.
    let ecs = Rule::default_rule();
    assert!(records.iter().all(|(_, r)| !ecs.matches_value(r).unwrap()));
}

#[test]
fn derived_ip_lookups_fire_unless_an_exclusion_applies() {
    let rule = sysmon_rule("102", InputMode::Sysmon);
    let (mut fired, mut excluded) = (0, 0);
    for (at, rec) in real_records() {
        let derived = with_query_name(&rec, "api.ipify.org");
        let v = rule.evaluate_value(&derived).unwrap();
        let expected = expected_to_fire(&v);
        assert_eq!(v.matched, expected, "{at} (derived): {}", v.summary);
        assert_eq!(rule.matches_value(&derived).unwrap(), expected, "{at} (derived), fast path");
        if expected {
            fired += 1;
            let dns =
                v.reasons.children.iter().find(|r| r.field.as_deref() == Some("dns.question.name")).unwrap();
            assert_eq!(dns.matched, ["*api.ipify.org"], "{at}");
        } else {
            excluded += 1;
        }
    }
    // Both outcomes occur in the real data: browsers under Program Files, and plain programs.
    assert!(fired > 100 && excluded > 10, "fired {fired}, excluded {excluded}");
}

#[test]
fn the_user_caveat() {
    let base = |user: Option<&str>| {
        let mut r = serde_json::json!({"EventID": 22, "SourceName": "Microsoft-Windows-Sysmon", "UserID": "S-1-5-18",
            "Hostname": "WS1", "QueryName": "api.ipify.org", "Image": "C:\\Temp\\x.exe", "UtcTime": "2024-01-01 00:00:00.000"});
        if let Some(u) = user {
            r["User"] = Value::String(u.into());
        }
        r
    };
    let rule = sysmon_rule("102", InputMode::Sysmon);
    // The record's UserID is Sysmon's own account: never taken for user.id.
    let v = rule.evaluate_value(&base(None)).unwrap();
    assert!(v.matched);
    assert!(v.input.as_ref().unwrap().fields.iter().all(|f| f.field != "user.id"));
    assert!(v.input.as_ref().unwrap().notes.iter().any(|n| n.contains("Sysmon's own account")));
    // The well-known service accounts keep the rule's exclusion meaningful.
    for (user, fires) in [
        ("NT AUTHORITY\\LOCAL SERVICE", false),
        ("NT AUTHORITY\\NETWORK SERVICE", false),
        ("NT AUTHORITY\\SYSTEM", true),
        ("CORP\\alice", true),
    ] {
        let v = rule.evaluate_value(&base(Some(user))).unwrap();
        assert_eq!(v.matched, fires, "{user}: {}", v.summary);
    }
}

#[test]
fn version_108_says_the_signed_program_exclusions_could_not_be_judged() {
    let rule = sysmon_rule("108", InputMode::Sysmon);
    let rec = with_query_name(&read_json("wazuh-ruleset-test/sysmon_eid22_msedge.json"), "api.ipify.org");
    let v = rule.evaluate_value(&rec).unwrap();
    // msedge.exe under Program Files (x86): 108 excludes it only with a trusted signature, which
    // Sysmon cannot give, so it fires.
    assert!(v.matched, "{}", v.summary);
    assert!(v.input.unwrap().notes.iter().any(|n| n.contains("could not be judged")));
    assert!(v.missing_fields.iter().any(|f| f.starts_with("process.code_signature")));
}

#[test]
fn other_sysmon_events_and_missing_query_names_are_counted_not_matched() {
    let rule = sysmon_rule("102", InputMode::Auto);
    let mut rec = read_json("evtx-derived/EVTX-to-MITRE-Attack_PSexec_eid22.json");
    rec["System"]["EventID"] = Value::from(3);
    let v = rule.evaluate_value(&rec).unwrap();
    assert!(!v.matched);
    assert_eq!(v.input.as_ref().unwrap().status, MappingStatus::NotDnsQuery);
    assert!(v.summary.contains("not a DNS query"), "{}", v.summary);
    let mut rec = read_json("evtx-derived/EVTX-to-MITRE-Attack_PSexec_eid22.json");
    rec["EventData"].as_object_mut().unwrap().remove("QueryName");
    let v = rule.evaluate_value(&rec).unwrap();
    assert_eq!(v.input.as_ref().unwrap().status, MappingStatus::MissingQueryName);
    // NDJSON: every line is counted.
    let lines = [
        serde_json::to_string(&rec).unwrap(),
        serde_json::to_string(&with_query_name(
            &read_json("evtx-derived/EVTX-to-MITRE-Attack_PSexec_eid22.json"),
            "api.ipify.org",
        ))
        .unwrap(),
        "not json".to_string(),
    ]
    .join("\n");
    let r = rule.scan_ndjson(lines.as_bytes());
    assert_eq!((r.counts.lines, r.counts.matched + r.counts.unmatched + r.counts.rejected), (3, 3));
    assert_eq!(r.counts.rejected, 1);
}
