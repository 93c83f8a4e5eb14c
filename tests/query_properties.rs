//! Property: the order of the entries of a list in the query (`in (...)`, `: (...)`, `like~ (...)`)
//! never changes a verdict. Elasticsearch compiles a list into `terms` or a `should` of wildcards,
//! neither of which has an order. Checked on every published version's query with every list
//! shuffled, on generated events and the catalog's samples. (The event-side properties are in
//! `tests/properties.rs`.)

use external_ip_lookup_rule::{parse_query, versions, Expr, ExprKind, Limits, Rule, Span};
use proptest::prelude::*;
use serde_json::{json, Value};

/// The spans of the entries of each list in the query, in order.
fn lists(expr: &Expr, out: &mut Vec<Vec<Span>>) {
    match &expr.kind {
        ExprKind::And(items) | ExprKind::Or(items) => items.iter().for_each(|e| lists(e, out)),
        ExprKind::Not(inner) => lists(inner, out),
        ExprKind::Predicate(p) if p.list && p.values.len() > 1 => {
            out.push(p.values.iter().map(|l| l.span).collect())
        }
        _ => {}
    }
}

/// `text` with the entries of every list permuted by a Fisher-Yates shuffle seeded with `seed`.
fn shuffle_lists(text: &str, seed: u64) -> String {
    let query = parse_query(text, &Limits::default()).unwrap();
    let mut spans = Vec::new();
    lists(&query.condition, &mut spans);
    let mut state = seed | 1;
    let mut next = move || {
        // xorshift64
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    // (span to replace, replacement), in text order.
    let mut edits: Vec<(Span, String)> = Vec::new();
    for list in spans {
        let mut order: Vec<usize> = (0..list.len()).collect();
        for i in (1..order.len()).rev() {
            order.swap(i, (next() % (i as u64 + 1)) as usize);
        }
        for (slot, &from) in list.iter().zip(&order) {
            edits.push((*slot, list[from].text(text).to_string()));
        }
    }
    edits.sort_by_key(|(s, _)| s.start);
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    for (span, entry) in edits {
        out.push_str(&text[pos..span.start]);
        out.push_str(&entry);
        pos = span.end;
    }
    out.push_str(&text[pos..]);
    out
}

fn pick(pool: &'static [&'static str]) -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        1 => Just(None),
        6 => prop::sample::select(pool).prop_map(|s| Some(s.to_string())),
    ]
}

const NAMES: &[&str] = &[
    "api.ipify.org",
    "API.IPIFY.ORG",
    "ipinfo.io",
    "checkip.dyndns.org",
    "ifconfig.me",
    "ifconfigme",
    "icanhazip.com",
    "myexternalip.com",
    "ip-api.com",
    "wtfismyip.com",
    "api.ipify.org.",
    "example.com",
    "www.ip.sb",
    "ipecho.net",
    "freegeoip.app",
    "api.myip.com",
    "ident.me",
    "whatismyipaddress.com",
];
const EXES: &[&str] = &[
    "C:\\Program Files\\Mozilla Firefox\\firefox.exe",
    "C:\\Program Files (x86)\\Google\\Chrome\\Application\\chrome.exe",
    "C:\\Users\\a\\AppData\\Local\\Temp\\x.exe",
    "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
    "C:\\Windows\\System32\\svchost.exe",
    "d:\\program files\\x\\y.EXE",
    "C:/Program Files/x.exe",
    "C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE",
];
const PROCS: &[&str] = &["powershell.exe", "firefox.exe", "chrome.exe", "svchost.exe", "x.exe", "msedge.exe"];
const USERS: &[&str] = &["S-1-5-18", "S-1-5-19", "S-1-5-20", "S-1-5-21-1-2-3-1001", "s-1-5-19"];

fn events() -> impl Strategy<Value = Value> {
    (pick(NAMES), pick(EXES), pick(PROCS), pick(USERS), any::<bool>(), any::<bool>()).prop_map(
        |(name, exe, proc_name, user, trusted, lookup)| {
            let mut e = json!({
                "event": { "category": ["network"], "action": if lookup { "lookup_requested" } else { "lookup_result" } },
                "network": { "protocol": "dns" },
                "process": { "code_signature": { "trusted": trusted, "subject_name": "Microsoft Corporation" } },
            });
            if let Some(n) = name {
                e["dns"] = json!({ "question": { "name": n } });
            }
            if let Some(x) = exe {
                e["process"]["executable"] = json!(x);
            }
            if let Some(p) = proc_name {
                e["process"]["name"] = json!(p);
            }
            if let Some(u) = user {
                e["user"] = json!({ "id": u });
            }
            e
        },
    )
}

fn version_index() -> impl Strategy<Value = usize> {
    0..versions().len()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn reordering_query_lists_never_changes_a_verdict(
        v in version_index(),
        seed in any::<u64>(),
        batch in prop::collection::vec(events(), 16),
    ) {
        let version = &versions()[v].version;
        let rule = Rule::version(version).unwrap();
        let shuffled_text = shuffle_lists(rule.query(), seed);
        let shuffled = Rule::builder().version(version).query(&shuffled_text).build().unwrap();
        for e in batch.iter().chain(rule.samples().iter().map(|s| &s.event)) {
            let a = rule.evaluate_value(e).unwrap();
            let b = shuffled.evaluate_value(e).unwrap();
            prop_assert_eq!(a.matched, b.matched, "version {}, event {}", version, e);
            prop_assert_eq!(a.query_matched, b.query_matched);
            prop_assert_eq!(rule.matches_value(e).unwrap(), shuffled.matches_value(e).unwrap());
            let mut ma: Vec<&String> = a.reasons.leaves().into_iter().flat_map(|r| &r.matched).collect();
            let mut mb: Vec<&String> = b.reasons.leaves().into_iter().flat_map(|r| &r.matched).collect();
            ma.sort();
            mb.sort();
            prop_assert_eq!(ma, mb, "the entries that matched differ");
        }
    }
}

#[test]
fn shuffling_keeps_every_entry() {
    let rule = Rule::default_rule();
    let text = rule.query();
    for seed in [1, 2, 3, 0xdead_beef] {
        let shuffled = shuffle_lists(text, seed);
        assert_eq!(shuffled.len(), text.len());
        let mut a: Vec<char> = text.chars().collect();
        let mut b: Vec<char> = shuffled.chars().collect();
        a.sort_unstable();
        b.sort_unstable();
        assert_eq!(a, b);
    }
    assert_ne!(shuffle_lists(text, 7), text, "the lists are actually shuffled");
}
