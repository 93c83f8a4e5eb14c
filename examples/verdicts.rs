//! Prints one verdict per NDJSON line of standard input: `true`, `false`, or `error: <message>`.
//! Used by the differential test (`scripts/differential.sh`).
//!
//!     cargo run --example verdicts -- [VERSION] < events.ndjson

use std::io::{BufRead, BufWriter, Write};

use external_ip_lookup_rule::Rule;

fn main() {
    let version = std::env::args().nth(1).unwrap_or_else(|| "102".to_string());
    let rule = match Rule::version(&version) {
        Ok(rule) => rule,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let stdin = std::io::stdin();
    let mut out = BufWriter::new(std::io::stdout().lock());
    for line in stdin.lock().lines() {
        let line = line.expect("standard input is UTF-8 text");
        let verdict = match rule.evaluate_json(&line) {
            Ok(v) => v.matched.to_string(),
            Err(e) => format!("error: {e}").replace('\n', " "),
        };
        writeln!(out, "{verdict}").expect("standard output is writable");
    }
}
