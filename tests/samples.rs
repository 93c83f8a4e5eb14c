//! Every catalog version's own samples (`rules/samples/v*.ndjson`, embedded at build time) get the
//! verdict they expect, and every version carries at least five true positives and five true
//! negatives.

use external_ip_lookup_rule::{versions, Rule};

#[test]
fn every_sample_gets_its_expected_verdict() {
    let mut failures = Vec::new();
    for entry in versions() {
        let rule = Rule::version(&entry.version).unwrap();
        let samples = rule.samples();
        let positives = samples.iter().filter(|s| s.expect == "match").count();
        let negatives = samples.iter().filter(|s| s.expect == "no_match").count();
        assert_eq!(
            positives + negatives,
            samples.len(),
            "v{}: every sample expects \"match\" or \"no_match\"",
            entry.version
        );
        assert!(positives >= 5, "v{}: {positives} true positives; at least 5 are needed", entry.version);
        assert!(negatives >= 5, "v{}: {negatives} true negatives; at least 5 are needed", entry.version);
        for (i, sample) in samples.iter().enumerate() {
            assert!(!sample.why.trim().is_empty(), "v{} sample {}: no `why`", entry.version, i + 1);
            let expected = sample.expect == "match";
            let verdict = rule.evaluate(&sample.event);
            if verdict.matched != expected {
                failures.push(format!(
                    "v{} sample {} ({}): expected {}, got {} -- {}",
                    entry.version,
                    i + 1,
                    sample.why,
                    sample.expect,
                    if verdict.matched { "match" } else { "no_match" },
                    verdict.summary
                ));
            }
            assert_eq!(
                rule.matches(&sample.event),
                verdict.matched,
                "v{} sample {} ({}): the fast path disagrees",
                entry.version,
                i + 1,
                sample.why
            );
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Samples are written for their own version's query; the versions' differences show in them.
#[test]
fn samples_tell_the_versions_apart() {
    let v4 = Rule::version("4").unwrap();
    let v102 = Rule::version("102").unwrap();
    // Version 4 does not list ipapi.co; version 102 does.
    let ipapi =
        v102.samples().iter().find(|s| s.why.contains("ipapi.co")).expect("a 102 sample for ipapi.co");
    assert!(v102.matches(&ipapi.event), "{}", ipapi.why);
    assert!(!v4.matches(&ipapi.event), "{}", ipapi.why);
    // Version 108 needs the signature to be trusted before a Program Files path is excluded.
    let v108 = Rule::version("108").unwrap();
    let unsigned = v108
        .samples()
        .iter()
        .find(|s| s.why.contains("unsigned program"))
        .expect("a 108 sample for an unsigned program");
    assert!(v108.matches(&unsigned.event), "{}", unsigned.why);
    assert!(!v102.matches(&unsigned.event), "{}", unsigned.why);
}
