//! The EQL parser and compiler on arbitrary text: no panic, no stack overflow, and every error is
//! positioned inside the text. When the text compiles, both evaluation paths are run on the
//! catalog's sample events and must agree.
#![no_main]

use external_ip_lookup_rule::{parse_query, Limits, Rule};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let limits = Limits::default();
    if let Err(e) = parse_query(text, &limits) {
        if let Some(p) = e.position() {
            assert!(p.offset <= text.len(), "error offset {} past the end of {text:?}", p.offset);
        }
        let _ = e.to_string();
    }
    let Ok(rule) = Rule::builder().query(text).build() else { return };
    let _ = rule.warnings();
    for sample in Rule::default_rule().samples() {
        let fast = rule.matches_value(&sample.event).expect("a sample is an object");
        let verdict = rule.evaluate_value(&sample.event).expect("a sample is an object");
        assert_eq!(fast, verdict.matched, "fast path and explanation disagree on {text:?}");
    }
});
