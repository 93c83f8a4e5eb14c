//! The evaluator on arbitrary JSON text, for each published version: no panic, the fast path and
//! the explaining path agree, and the NDJSON scanner gives a one-line input the same outcome.
#![no_main]

use std::sync::OnceLock;

use external_ip_lookup_rule::{versions, LineOutcome, Rule};
use libfuzzer_sys::fuzz_target;

fn rules() -> &'static [Rule] {
    static RULES: OnceLock<Vec<Rule>> = OnceLock::new();
    RULES.get_or_init(|| versions().iter().map(|v| Rule::version(&v.version).unwrap()).collect())
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for rule in rules() {
        let verdict = rule.evaluate_json(text);
        if let Ok(value) = serde_json::from_str::<serde_json::Value>(text) {
            if let Ok(fast) = rule.matches_value(&value) {
                assert_eq!(Some(fast), verdict.as_ref().ok().map(|v| v.matched), "paths disagree");
            }
        }
        // One line through the scanner: the same verdict, or rejected when evaluate_json errs.
        if !text.contains('\n') && !text.contains('\r') && !text.starts_with('\u{feff}') {
            let outcome = rule.judge_line(text.as_bytes());
            match (&verdict, &outcome) {
                (_, LineOutcome::Blank) => assert!(text.trim_matches(|c: char| c.is_ascii_whitespace()).is_empty()),
                (Ok(v), LineOutcome::Matched) => assert!(v.matched),
                (Ok(v), LineOutcome::Unmatched) => assert!(!v.matched),
                (Err(_), LineOutcome::Rejected(_)) => {}
                (v, o) => panic!("evaluate_json says {v:?}, the scanner says {o:?} for {text:?}"),
            }
        }
    }
});
