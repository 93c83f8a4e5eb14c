//! Native NDJSON scan throughput, side by side with the speed of reading the bytes and with the
//! naive way (parse every line into a tree, then match). Figures, not a test: `cargo bench`.
//!
//! The events come from `bench/generate.mjs` (the realistic mix of `npm run bench`: over 90% not
//! DNS lookups, a few per cent IP-lookup queries, some by excluded programs; 0.8-1.5 KB each),
//! written once to `target/bench/mix.ndjson` by Node.js. `BENCH_EVENTS` sets how many (default
//! 200,000, about 230 MB).

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use external_ip_lookup_rule::bench_internals::{check_object, check_object_walk, Check};
use external_ip_lookup_rule::{LineOutcome, Rule};
use serde_json::Value;

fn data() -> Vec<u8> {
    let n: usize = std::env::var("BENCH_EVENTS").ok().and_then(|s| s.parse().ok()).unwrap_or(200_000);
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let path = root.join(format!("target/bench/mix-{n}.ndjson"));
    if !path.exists() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let script = format!(
            "import('./bench/generate.mjs').then(async (g) => {{ const fs = await import('node:fs'); \
             const out = fs.createWriteStream({path:?}); const step = 10000; \
             for (let i = 0; i < {n}; i += step) {{ const evs = g.generateEvents(Math.min(step, {n} - i), {{ seed: 42 + i }}); \
             if (!out.write(g.toNdjson(evs))) await new Promise((r) => out.once('drain', r)); }} out.end(); }})",
            path = path.to_str().unwrap()
        );
        let status =
            Command::new("node").arg("-e").arg(script).current_dir(&root).status().expect("node runs");
        assert!(status.success(), "generating the events failed");
    }
    std::fs::read(&path).unwrap()
}

/// Best of `runs` timings of `f`.
fn best<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut best = Duration::MAX;
    let mut out = None;
    for _ in 0..runs {
        let t = Instant::now();
        let r = f();
        best = best.min(t.elapsed());
        out = Some(r);
    }
    (best, out.unwrap())
}

fn main() {
    let bytes = data();
    let mb = bytes.len() as f64 / 1e6;
    let lines = bytes.iter().filter(|&&b| b == b'\n').count();
    let rule = Rule::default_rule();
    if std::env::var_os("BENCH_PROFILE_SCAN").is_some() {
        // For `perf record`: the scan alone, repeated.
        for _ in 0..5 {
            std::hint::black_box(rule.scan_ndjson(&bytes));
        }
        return;
    }
    println!("native NDJSON scan: {lines} events, {mb:.0} MB, rule version {}", rule.info().version);
    println!("{:<44} {:>10} {:>12} {:>8}", "", "MB/s", "events/s", "ratio");

    let (t_read, n) = best(3, || memchr::memchr_iter(b'\n', &bytes).count());
    assert_eq!(n, lines);
    let (t_scan, r) = best(3, || rule.scan_ndjson(&bytes));
    assert_eq!(r.counts.lines as usize, lines);
    let (t_tree, m) = best(1, || {
        bytes
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .filter(|l| serde_json::from_slice::<Value>(l).map(|v| rule.matches(&v)).unwrap_or(false))
            .count()
    });
    assert_eq!(m as u64, r.counts.matched, "the naive path and the scan agree");
    let row = |name: &str, t: Duration, base: Duration| {
        let s = t.as_secs_f64();
        println!("{name:<44} {:>10.0} {:>12.0} {:>7.2}x", mb / s, lines as f64 / s, base.as_secs_f64() / s);
    };
    let (t_utf8, ok) = best(3, || std::str::from_utf8(&bytes).is_ok());
    assert!(ok);
    let (t_valid, bad) = best(1, || {
        bytes
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .filter(|l| serde_json::from_slice::<serde::de::IgnoredAny>(l).is_err())
            .count()
    });
    assert_eq!(bad, 0);
    // The syntax check every line goes through, alone: the block scanner the scan uses (AVX2 or
    // SSE2 on x86_64, simd128 in wasm, the walk elsewhere) and the portable walk.
    let line_list: Vec<&[u8]> = bytes.split(|&b| b == b'\n').filter(|l| !l.is_empty()).collect();
    let checks = |check: fn(&[u8]) -> Check| {
        line_list.iter().filter(|l| check(std::hint::black_box(l)) == Check::Object).count()
    };
    let (t_check, objects) = best(5, || checks(check_object));
    let (t_walk, walked) = best(5, || checks(check_object_walk));
    assert_eq!(objects, lines, "every generated event is an object the check is sure of");
    assert_eq!(walked, lines);
    // The public line-at-a-time entry point, on the same lines: it prepares the scan's context
    // (the pre-filter's searchers, the fields to keep) on every call.
    let (t_judge, judged) =
        best(1, || line_list.iter().filter(|l| rule.judge_line(l) == LineOutcome::Matched).count());
    assert_eq!(judged as u64, r.counts.matched, "judge_line and the scan agree");
    row("reading the bytes (memchr line count)", t_read, t_scan);
    row("  UTF-8 validation of all bytes", t_utf8, t_scan);
    row("  JSON validation of every line (IgnoredAny)", t_valid, t_scan);
    row("  syntax check of every line (fast path)", t_check, t_scan);
    row("  syntax check of every line (portable walk)", t_walk, t_scan);
    row("scan_ndjson (pre-filter, validate, match)", t_scan, t_scan);
    row("Rule::judge_line per line", t_judge, t_scan);
    row("serde_json::Value per line + matches", t_tree, t_scan);
    println!(
        "matched {} of {} events; target: scan_ndjson >= 1000 MB/s on one core ({:.0}% of target)",
        r.counts.matched,
        lines,
        mb / t_scan.as_secs_f64() / 10.0
    );
}
