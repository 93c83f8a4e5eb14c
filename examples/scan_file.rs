//! Scans an NDJSON file with the default rule, natively, and prints the best of N timings as JSON:
//! `{"bytes":..,"lines":..,"matched":..,"seconds":..}`. Used by `npm run bench` to put the
//! native scan beside the WebAssembly one on the same bytes.
//!
//!     cargo run --release --example scan_file -- FILE [RUNS]

use std::time::Instant;

use external_ip_lookup_rule::Rule;

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("usage: scan_file FILE [RUNS]");
    let runs: usize = args.next().and_then(|r| r.parse().ok()).unwrap_or(5);
    let bytes = std::fs::read(&path).expect("the file reads");
    let rule = Rule::default_rule();
    let mut best = f64::MAX;
    let mut counts = None;
    for _ in 0..runs.max(1) {
        let t = Instant::now();
        let r = rule.scan_ndjson(&bytes);
        best = best.min(t.elapsed().as_secs_f64());
        counts = Some(r.counts);
    }
    let c = counts.expect("one run");
    println!(r#"{{"bytes":{},"lines":{},"matched":{},"seconds":{best}}}"#, bytes.len(), c.lines, c.matched);
}
