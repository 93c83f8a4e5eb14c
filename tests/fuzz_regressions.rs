//! Replays every input kept in `tests/fuzz_regressions/<target>/` (crashes found by
//! `scripts/fuzz.sh`, and hand-made hostile seeds) through the API its fuzz target drives, with
//! the fuzz target's checks. See `fuzz/fuzz_targets/`.

use std::path::{Path, PathBuf};

use external_ip_lookup_rule::{parse_query, versions, Limits, LineOutcome, Rule};

fn inputs(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_regressions").join(target);
    let mut out: Vec<_> = std::fs::read_dir(&dir)
        .map(|rd| rd.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.is_file()).collect())
        .unwrap_or_default();
    out.sort();
    out.into_iter().map(|p| (p.clone(), std::fs::read(&p).unwrap())).collect()
}

#[test]
fn parse_query_regressions() {
    let default = Rule::default_rule();
    let samples = default.samples();
    for (path, data) in inputs("parse_query") {
        let Ok(text) = std::str::from_utf8(&data) else { continue };
        if let Err(e) = parse_query(text, &Limits::default()) {
            if let Some(p) = e.position() {
                assert!(p.offset <= text.len(), "{}", path.display());
            }
        }
        let Ok(rule) = Rule::builder().query(text).build() else { continue };
        for s in samples {
            let fast = rule.matches_value(&s.event).unwrap();
            assert_eq!(fast, rule.evaluate_value(&s.event).unwrap().matched, "{}", path.display());
        }
    }
}

#[test]
fn evaluate_json_regressions() {
    let rules: Vec<Rule> = versions().iter().map(|v| Rule::version(&v.version).unwrap()).collect();
    for (path, data) in inputs("evaluate_json") {
        let Ok(text) = std::str::from_utf8(&data) else { continue };
        for rule in &rules {
            let verdict = rule.evaluate_json(text);
            if let Ok(value) = serde_json::from_str::<serde_json::Value>(text) {
                if let Ok(fast) = rule.matches_value(&value) {
                    assert_eq!(Some(fast), verdict.as_ref().ok().map(|v| v.matched), "{}", path.display());
                }
            }
            if text.contains(['\n', '\r']) || text.starts_with('\u{feff}') {
                continue;
            }
            match (&verdict, rule.judge_line(text.as_bytes())) {
                (_, LineOutcome::Blank) => assert!(text.trim().is_empty()),
                (Ok(v), LineOutcome::Matched) => assert!(v.matched, "{}", path.display()),
                (Ok(v), LineOutcome::Unmatched) => assert!(!v.matched, "{}", path.display()),
                (Err(_), LineOutcome::Rejected(_)) => {}
                (v, o) => panic!("{}: evaluate_json {v:?}, scanner {o:?}", path.display()),
            }
        }
    }
}

#[test]
fn scan_ndjson_regressions() {
    let rule = Rule::builder().limits(Limits { max_line_bytes: 4096, ..Limits::default() }).build().unwrap();
    for (path, data) in inputs("scan_ndjson") {
        let name = path.display();
        let r = rule.scan_ndjson(&data);
        let c = r.counts;
        assert_eq!(c.lines, c.matched + c.unmatched + c.rejected, "{name}: {c:?}");
        assert_eq!((r.matched.len() as u64, r.errors.len() as u64), (c.matched, c.rejected), "{name}");
        let mut lines: Vec<&[u8]> = data.split(|&b| b == b'\n').collect();
        if data.ends_with(b"\n") || data.is_empty() {
            lines.pop();
        }
        assert_eq!(c.lines + c.blank, lines.len() as u64, "{name}: {c:?}");
        for (no, raw) in (1u64..).zip(&lines) {
            let mut line: &[u8] = raw.strip_suffix(b"\r").unwrap_or(raw);
            line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
            let is_match = r.matched.contains(&no);
            let is_error = r.errors.iter().any(|e| e.line == no);
            if line.iter().all(|b| b.is_ascii_whitespace()) {
                assert!(!is_match && !is_error, "{name}: blank line {no}");
                continue;
            }
            match std::str::from_utf8(line) {
                Ok(text) if line.len() <= rule.limits().max_line_bytes => match rule.evaluate_json(text) {
                    Ok(v) => assert!(!is_error && v.matched == is_match, "{name}: line {no}"),
                    Err(e) => assert!(
                        is_error,
                        "{name}: line {no}: evaluate_json rejects it ({e}), the scan does not"
                    ),
                },
                _ => assert!(is_error, "{name}: line {no} must be rejected"),
            }
        }
    }
}

/// The targets whose checks live in the library (`external_ip_lookup_rule::fuzzing`): their kept
/// inputs, and their seeds, through the same checks.
#[test]
fn wildcard_and_exceptions_regressions_and_seeds() {
    use external_ip_lookup_rule::fuzzing;
    let seeds = |target: &str| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds").join(target);
        let mut out: Vec<Vec<u8>> =
            std::fs::read_dir(dir).unwrap().map(|e| std::fs::read(e.unwrap().path()).unwrap()).collect();
        out.extend(inputs(target).into_iter().map(|(_, data)| data));
        assert!(out.len() >= 3, "{target} has seeds");
        out
    };
    seeds("wildcard").iter().for_each(|d| fuzzing::wildcard(d));
    seeds("exceptions").iter().for_each(|d| fuzzing::exceptions(d));
}
