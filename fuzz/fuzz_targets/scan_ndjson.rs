//! The NDJSON scanner on arbitrary bytes: no panic; every non-blank line is matched, not matched
//! or rejected (read = matched + not matched + rejected); line numbers are in range and in order;
//! and each line gets the outcome `evaluate_json` gives it (the byte pre-filter never lies).
#![no_main]

use std::sync::OnceLock;

use external_ip_lookup_rule::{Limits, Rule};
use libfuzzer_sys::fuzz_target;

fn rule() -> &'static Rule {
    static RULE: OnceLock<Rule> = OnceLock::new();
    // A small line limit, so that the limit path is fuzzed too.
    RULE.get_or_init(|| {
        Rule::builder().limits(Limits { max_line_bytes: 4096, ..Limits::default() }).build().unwrap()
    })
}

fuzz_target!(|data: &[u8]| {
    let rule = rule();
    let r = rule.scan_ndjson(data);
    let c = r.counts;
    assert_eq!(c.lines, c.matched + c.unmatched + c.rejected, "{c:?}");
    assert_eq!(r.matched.len() as u64, c.matched);
    assert_eq!(r.errors.len() as u64, c.rejected);
    let mut lines: Vec<&[u8]> = data.split(|&b| b == b'\n').collect();
    if data.ends_with(b"\n") || data.is_empty() {
        lines.pop();
    }
    assert_eq!(c.lines + c.blank, lines.len() as u64, "{c:?}");
    assert!(r.matched.windows(2).all(|w| w[0] < w[1]));
    assert!(r.errors.windows(2).all(|w| w[0].line < w[1].line));
    // The same outcome as evaluating each line on its own.
    let mut matched = r.matched.iter().peekable();
    let mut errors = r.errors.iter().peekable();
    for (no, raw) in (1u64..).zip(&lines) {
        let mut line: &[u8] = raw.strip_suffix(b"\r").unwrap_or(raw);
        line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
        let is_match = matched.next_if(|&&m| m == no).is_some();
        let is_error = errors.next_if(|e| e.line == no).is_some();
        if line.iter().all(|b| b.is_ascii_whitespace()) {
            assert!(!is_match && !is_error, "blank line {no}");
            continue;
        }
        let expected = match std::str::from_utf8(line) {
            Ok(text) if line.len() <= rule.limits().max_line_bytes => rule.evaluate_json(text).map(|v| v.matched),
            _ => {
                assert!(is_error, "line {no} must be rejected");
                continue;
            }
        };
        match expected {
            Ok(m) => assert!(!is_error && m == is_match, "line {no}: evaluate_json says matched={m}, scan says matched={is_match} rejected={is_error}"),
            Err(e) => assert!(is_error, "line {no}: evaluate_json rejects it ({e}), the scan does not"),
        }
    }
});
