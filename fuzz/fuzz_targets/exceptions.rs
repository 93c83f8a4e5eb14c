//! Exception lists from arbitrary text: no panic, a round trip through serde reads the same
//! items, and a rule with them gives one verdict on both paths. See
//! `external_ip_lookup_rule::fuzzing`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| external_ip_lookup_rule::fuzzing::exceptions(data));
