//! Properties over generated ECS-like events, for every catalog version:
//!
//! (a) the fast path and the explaining path agree (`matches == evaluate().matched`);
//! (b) an event written with nested objects, with dotted keys, or with a mix gets one verdict;
//! (c) adding fields the rule does not read never changes the verdict;
//! (d) reordering object keys or array elements never changes it.
//!
//! Values come from a vocabulary of matching domains, near misses, case variants, excluded and
//! non-excluded executables, S-1-5-19/20, signed apps, numbers and booleans, and each field may be
//! a value, an array, missing, `null`, `[]`, `[null]` or an object.

use std::sync::OnceLock;

use external_ip_lookup_rule::{versions, Rule};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use serde_json::{json, Map, Value};

const CATEGORY: &[&str] = &["network", "Network", "process", "dns"];
const ACTION: &[&str] = &["lookup_requested", "lookup_result", "Lookup_Requested", "connection_attempted"];
const PROTOCOL: &[&str] = &["dns", "DNS", "udp", "http"];
const OS: &[&str] = &["windows", "Windows", "linux", "macos"];
const NAME: &[&str] = &[
    "powershell.exe",
    "firefox.exe",
    "FIREFOX.EXE",
    "Evernote.exe",
    "Loom.exe",
    "opera.exe",
    "brave.exe",
    "vivaldi.exe",
    "curl.exe",
    "",
];
const EXECUTABLE: &[&str] = &[
    r"C:\Users\bob\AppData\Local\Temp\evil.exe",
    r"C:\Program Files\App\app.exe",
    r"d:\program files\x\y.EXE",
    r"\\?\C:\Program Files\x.exe",
    "C:/Program Files/x.exe",
    "\u{e9}:\\Program Files\\x.exe",
    r"C:\Program Files (x86)\y\z.exe",
    r"C:\Windows\System32\WWAHost.exe",
    r"C:\Windows\Prey\versions\1.2\bin\node.exe",
    r"C:\Users\bob\AppData\Local\Google\Chrome\Application\chrome.exe",
    r"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe",
    "",
];
const TRUSTED: &[&str] = &["true", "false", "", "TRUE"];
const SIGNER: &[&str] = &[
    "Mozilla Corporation",
    "Evernote Corporation",
    "Loom, Inc.",
    "Opera Norway AS",
    "Brave Software, Inc.",
    "Vivaldi Technologies AS",
    "mozilla corporation",
    "Microsoft Corporation",
    "Google LLC",
];
const USER: &[&str] = &["S-1-5-21-1-2-3-1001", "S-1-5-19", "S-1-5-20", "s-1-5-19", "S-1-5-18", ""];
const DNS: &[&str] = &[
    "api.ipify.org",
    "API.IPIFY.ORG",
    "api.ipify.org.",
    "ifconfig.me",
    "ifconfigme",
    "ipapi.co",
    "ip-lookup.net",
    "whatismyipaddress.com",
    "notmyipaddress.com",
    "www.elastic.co",
    "",
    "API.\u{130}PIFY.ORG",
    "checkip.amazonaws.com.cn",
];

/// The fields the rule versions read, with their vocabularies (the first entry is the one that
/// helps an alert, and is drawn more often).
const FIELDS: &[(&str, &[&str])] = &[
    ("event.category", CATEGORY),
    ("event.action", ACTION),
    ("network.protocol", PROTOCOL),
    ("host.os.type", OS),
    ("process.name", NAME),
    ("process.executable", EXECUTABLE),
    ("process.code_signature.trusted", TRUSTED),
    ("process.code_signature.subject_name", SIGNER),
    ("user.id", USER),
    ("dns.question.name", DNS),
];

/// Fields no version reads, none a prefix or an extension of a field that one reads.
const UNRELATED: &[(&str, &str)] = &[
    ("@timestamp", "2024-05-21T10:21:07.512Z"),
    ("message", "Endpoint DNS event"),
    ("event.kind", "event"),
    ("event.type", "protocol"),
    ("host.name", "WS-042"),
    ("host.os.family", "windows"),
    ("process.pid", "6312"),
    ("process.parent.name", "explorer.exe"),
    ("process.code_signature.exists", "true"),
    ("user.name", "alice"),
    ("dns.question.type", "A"),
    ("dns.resolved_ip", "104.26.12.205"),
    ("network.transport", "udp"),
];

/// What one field holds in a generated event.
#[derive(Clone, Debug)]
enum Slot {
    Missing,
    Null,
    Empty,
    NullArray,
    Object,
    Scalar(Value),
    Array(Vec<Value>),
}

impl Slot {
    fn value(&self) -> Option<Value> {
        match self {
            Slot::Missing => None,
            Slot::Null => Some(Value::Null),
            Slot::Empty => Some(json!([])),
            Slot::NullArray => Some(json!([null])),
            Slot::Object => Some(json!({"text": "api.ipify.org"})),
            Slot::Scalar(v) => Some(v.clone()),
            Slot::Array(a) => Some(Value::Array(a.clone())),
        }
    }
}

fn scalar(vocab: &'static [&'static str]) -> BoxedStrategy<Value> {
    prop_oneof![
        6 => prop::sample::select(vocab).prop_map(|s| Value::String(s.to_string())),
        1 => Just(json!(123)),
        1 => any::<bool>().prop_map(Value::Bool),
    ]
    .boxed()
}

/// Mostly the vocabulary's first value (so that alerts are common enough to test), otherwise any
/// shape.
fn slot(vocab: &'static [&'static str]) -> BoxedStrategy<Slot> {
    prop_oneof![
        25 => Just(Slot::Scalar(Value::String(vocab[0].to_string()))),
        8 => scalar(vocab).prop_map(Slot::Scalar),
        3 => prop::collection::vec(scalar(vocab), 1..4).prop_map(Slot::Array),
        1 => Just(Slot::Missing),
        1 => Just(Slot::Null),
        1 => Just(Slot::Empty),
        1 => Just(Slot::NullArray),
        1 => Just(Slot::Object),
    ]
    .boxed()
}

/// A generated event: a slot per field, and for the mixed form, how many leading segments of each
/// path form one dotted key.
#[derive(Clone, Debug)]
struct Generated {
    slots: Vec<Slot>,
    splits: Vec<usize>,
}

fn generated() -> impl Strategy<Value = Generated> {
    let slots: Vec<BoxedStrategy<Slot>> = FIELDS.iter().map(|(_, vocab)| slot(vocab)).collect();
    let splits: Vec<BoxedStrategy<usize>> =
        FIELDS.iter().map(|(path, _)| (1..=path.split('.').count()).boxed()).collect();
    (slots, splits).prop_map(|(slots, splits)| Generated { slots, splits })
}

/// Inserts `value` at `keys` under `obj`, making objects on the way.
fn insert(obj: &mut Map<String, Value>, keys: &[String], value: Value) {
    if keys.len() == 1 {
        obj.insert(keys[0].clone(), value);
        return;
    }
    let child = obj.entry(keys[0].clone()).or_insert_with(|| json!({}));
    insert(child.as_object_mut().expect("generated paths never cross a leaf"), &keys[1..], value);
}

/// The keys for `path` when its first `split` segments form one dotted key.
fn keys(path: &str, split: usize) -> Vec<String> {
    let segs: Vec<&str> = path.split('.').collect();
    let mut out = vec![segs[..split].join(".")];
    out.extend(segs[split..].iter().map(|s| s.to_string()));
    out
}

impl Generated {
    fn write(&self, split: impl Fn(usize, &str) -> usize) -> Value {
        let mut obj = Map::new();
        for (i, ((path, _), slot)) in FIELDS.iter().zip(&self.slots).enumerate() {
            if let Some(v) = slot.value() {
                insert(&mut obj, &keys(path, split(i, path)), v);
            }
        }
        Value::Object(obj)
    }

    fn nested(&self) -> Value {
        self.write(|_, _| 1)
    }

    fn dotted(&self) -> Value {
        self.write(|_, path| path.split('.').count())
    }

    fn mixed(&self) -> Value {
        self.write(|i, _| self.splits[i])
    }
}

/// The same JSON with every object's keys inserted in another order and every array rotated.
fn reorder(v: &Value, shift: usize) -> Value {
    match v {
        Value::Object(m) => {
            let mut entries: Vec<(&String, &Value)> = m.iter().collect();
            entries.reverse();
            let n = entries.len().max(1);
            entries.rotate_left(shift % n);
            Value::Object(entries.into_iter().map(|(k, v)| (k.clone(), reorder(v, shift))).collect())
        }
        Value::Array(a) => {
            let mut items: Vec<Value> = a.iter().map(|x| reorder(x, shift)).collect();
            items.reverse();
            let n = items.len().max(1);
            items.rotate_left(shift % n);
            Value::Array(items)
        }
        other => other.clone(),
    }
}

fn rules() -> &'static [Rule] {
    static RULES: OnceLock<Vec<Rule>> = OnceLock::new();
    RULES.get_or_init(|| versions().into_iter().map(|v| Rule::version(&v.version).unwrap()).collect())
}

fn verdict(rule: &Rule, event: &Value) -> bool {
    rule.evaluate(event).matched
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 160, ..ProptestConfig::default() })]

    #[test]
    fn fast_path_agrees_with_explanation(g in generated()) {
        for rule in rules() {
            for event in [g.nested(), g.dotted(), g.mixed()] {
                prop_assert_eq!(
                    rule.matches(&event),
                    rule.evaluate(&event).matched,
                    "v{} on {}", rule.info().version, event
                );
            }
        }
    }

    #[test]
    fn dotted_and_nested_forms_agree(g in generated()) {
        let (nested, dotted, mixed) = (g.nested(), g.dotted(), g.mixed());
        for rule in rules() {
            let expected = verdict(rule, &nested);
            prop_assert_eq!(verdict(rule, &dotted), expected, "v{}: nested {} dotted {}", rule.info().version, nested, dotted);
            prop_assert_eq!(verdict(rule, &mixed), expected, "v{}: nested {} mixed {}", rule.info().version, nested, mixed);
        }
    }

    #[test]
    fn unread_fields_do_not_matter(
        g in generated(),
        extra in prop::sample::subsequence(UNRELATED, 1..=UNRELATED.len()),
        dotted in any::<bool>(),
    ) {
        let event = g.nested();
        let mut more = event.clone();
        for (path, value) in &extra {
            let split = if dotted { path.split('.').count() } else { 1 };
            insert(more.as_object_mut().unwrap(), &keys(path, split), json!(value));
        }
        for rule in rules() {
            for (path, _) in &extra {
                prop_assert!(!rule.fields().contains(path), "{} is read by v{}", path, rule.info().version);
            }
            prop_assert_eq!(verdict(rule, &more), verdict(rule, &event), "v{}: {}", rule.info().version, more);
            prop_assert_eq!(rule.matches(&more), rule.matches(&event));
        }
    }

    #[test]
    fn key_and_element_order_do_not_matter(g in generated(), shift in 0usize..7) {
        for event in [g.nested(), g.mixed()] {
            let moved = reorder(&event, shift);
            for rule in rules() {
                prop_assert_eq!(verdict(rule, &moved), verdict(rule, &event), "v{}: {} vs {}", rule.info().version, event, moved);
                prop_assert_eq!(rule.matches(&moved), rule.matches(&event));
            }
        }
    }
}

/// The generator is not vacuous: every version sees both alerts and non-alerts, and the forms
/// differ as JSON.
#[test]
fn generator_produces_alerts_and_non_alerts() {
    let mut runner = TestRunner::deterministic();
    let strategy = generated();
    let mut alerts = vec![0usize; rules().len()];
    let mut quiet = vec![0usize; rules().len()];
    let mut differing_forms = 0;
    for _ in 0..600 {
        let g = strategy.new_tree(&mut runner).unwrap().current();
        let (nested, dotted) = (g.nested(), g.dotted());
        if nested != dotted {
            differing_forms += 1;
        }
        for (i, rule) in rules().iter().enumerate() {
            if rule.matches(&nested) {
                alerts[i] += 1;
            } else {
                quiet[i] += 1;
            }
        }
    }
    for (i, rule) in rules().iter().enumerate() {
        assert!(alerts[i] >= 30, "v{}: only {} alerts in 600 events", rule.info().version, alerts[i]);
        assert!(quiet[i] >= 30, "v{}: only {} non-alerts", rule.info().version, quiet[i]);
    }
    assert!(differing_forms > 500);
}
