//! The wildcard matcher (EQL and Lucene syntax, both cases) and globset's set against the simple
//! reference matcher, on arbitrary patterns and values. See `external_ip_lookup_rule::fuzzing`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| external_ip_lookup_rule::fuzzing::wildcard(data));
