//! A fast JSON syntax check for NDJSON lines the rule cannot match.
//!
//! Most lines of a real stream are skipped by the byte pre-filter, but they must still be counted
//! right: a malformed line is rejected, not "not matched". Building a tree for every line only to
//! throw it away costs several times more than this check, which reads the bytes once and
//! allocates nothing. Over 90% of a scan's lines end here, so its speed bounds the scan's.
//!
//! On x86_64 and in WebAssembly with SIMD the check runs 64 bytes at a time ([`blocks`]:
//! simdjson's stage 1 and a token state machine; AVX2 with PCLMULQDQ when the CPU has them, else
//! SSE2; wasm's simd128), 1.5 to 3 times as fast as the scalar walk ([`walk`]), which is the
//! implementation elsewhere and the reference in tests.
//!
//! It answers for exactly what `serde_json::from_slice::<Value>` accepts, for any bytes, and says
//! [`Check::Unsure`] wherever matching serde_json would take more than a syntax walk: `\u` escapes
//! (surrogate rules), numbers with an exponent or 18+ digits (serde_json's range checks), nesting
//! deeper than serde_json's recursion limit ([`MAX_DEPTH`]) and serde_json's RawValue key
//! ([`RAW_VALUE_KEY`]). The caller then lets serde_json decide. Property tests hold every variant
//! to serde_json's answers and to the walk's.

/// The outcome of [`check_object`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    /// A valid JSON document whose top level is an object.
    Object,
    /// Not valid JSON, or not an object.
    Invalid,
    /// Ask serde_json.
    Unsure,
}

/// The deepest nesting of objects and arrays the check answers for; one more is `Unsure`.
///
/// serde_json starts with a remaining depth of 128, takes one off for each container it enters
/// and fails when that reaches 0: it parses 127 nested containers and rejects 128.
const MAX_DEPTH: usize = 127;

/// serde_json's `raw_value` feature (this crate enables it) reads an object whose key is this
/// as a raw JSON value, not as an object: any key spelled so is `Unsure`. Spelled with a `\u`
/// escape it is `Unsure` anyway.
const RAW_VALUE_KEY: &[u8] = b"$serde_json::private::RawValue";

#[cfg(any(target_arch = "x86_64", all(target_arch = "wasm32", target_feature = "simd128"), test))]
mod blocks;
mod walk;

pub use walk::check_object as check_object_walk;

/// Checks one line (no line break inside), with the fastest variant this CPU runs.
#[inline]
pub fn check_object(b: &[u8]) -> Check {
    #[cfg(target_arch = "x86_64")]
    {
        if has_avx2() {
            // SAFETY: has_avx2 says the CPU supports AVX2, PCLMULQDQ, BMI1 and BMI2.
            unsafe { blocks::x86::check_avx2(b) }
        } else {
            blocks::x86::check_sse2(b)
        }
    }
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    {
        blocks::wasm::check_simd128(b)
    }
    #[cfg(not(any(target_arch = "x86_64", all(target_arch = "wasm32", target_feature = "simd128"))))]
    {
        FALLBACK(b)
    }
}

/// The check on targets without a SIMD classifier: the walk, which is faster than the block
/// scanner with its portable classifier (on x86_64, 750 against 550 MB/s on `npm run bench`'s
/// events; the SSE2 classifier gives 1,440 and AVX2 2,100).
#[cfg(not(any(target_arch = "x86_64", all(target_arch = "wasm32", target_feature = "simd128"))))]
const FALLBACK: fn(&[u8]) -> Check = walk::check_object;

/// Whether the CPU has what [`blocks::x86::check_avx2`] needs, detected once.
#[cfg(target_arch = "x86_64")]
#[inline]
fn has_avx2() -> bool {
    use std::sync::atomic::{AtomicU8, Ordering};
    // 0: not yet detected, 1: no, 2: yes.
    static DETECTED: AtomicU8 = AtomicU8::new(0);
    match DETECTED.load(Ordering::Relaxed) {
        0 => {
            let yes = blocks::x86::has_avx2();
            DETECTED.store(if yes { 2 } else { 1 }, Ordering::Relaxed);
            yes
        }
        d => d == 2,
    }
}

/// One implementation of the check, for the tests to run each one the CPU supports.
#[cfg(test)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Variant {
    Walk,
    /// The block scanner with the portable classifier.
    Portable,
    #[cfg(target_arch = "x86_64")]
    Sse2,
    #[cfg(target_arch = "x86_64")]
    Avx2,
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    Simd128,
}

/// The check by `variant`; panics if the CPU cannot run it.
#[cfg(test)]
fn check_object_with(variant: Variant, b: &[u8]) -> Check {
    match variant {
        Variant::Walk => walk::check_object(b),
        Variant::Portable => blocks::check_portable(b),
        #[cfg(target_arch = "x86_64")]
        Variant::Sse2 => blocks::x86::check_sse2(b),
        #[cfg(target_arch = "x86_64")]
        Variant::Avx2 => {
            assert!(blocks::x86::has_avx2(), "no AVX2, PCLMULQDQ, BMI1 or BMI2 here");
            // SAFETY: the CPU has the features (asserted just above).
            unsafe { blocks::x86::check_avx2(b) }
        }
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        Variant::Simd128 => blocks::wasm::check_simd128(b),
    }
}

/// Every variant this CPU runs.
#[cfg(test)]
fn variants() -> Vec<Variant> {
    #[allow(unused_mut)]
    let mut out = vec![Variant::Walk, Variant::Portable];
    #[cfg(target_arch = "x86_64")]
    {
        out.push(Variant::Sse2);
        if blocks::x86::has_avx2() {
            out.push(Variant::Avx2);
        } else {
            eprintln!("no AVX2, PCLMULQDQ, BMI1 or BMI2 here: the AVX2 variant is not tested");
        }
    }
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    out.push(Variant::Simd128);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::Value;

    fn serde_says(line: &[u8]) -> bool {
        matches!(serde_json::from_slice::<Value>(line), Ok(Value::Object(_)))
    }

    /// Every variant answers as serde_json does, or is unsure; the block scanner is at least as
    /// sure as the walk only where the walk is unsure; and the block scanner answers the same with
    /// every classifier (the portable one and each SIMD one).
    fn agrees(line: &[u8]) {
        let walk = walk::check_object(line);
        let portable = blocks::check_portable(line);
        for variant in variants() {
            let c = check_object_with(variant, line);
            if c != Check::Unsure {
                assert_eq!(
                    c == Check::Object,
                    serde_says(line),
                    "{variant:?} says {c:?}: {:?}",
                    String::from_utf8_lossy(line)
                );
            }
            if walk != Check::Unsure {
                assert!(
                    c == walk || c == Check::Unsure,
                    "{variant:?} {c:?}, walk {walk:?}: {:?}",
                    String::from_utf8_lossy(line)
                );
            }
            if variant != Variant::Walk {
                assert_eq!(c, portable, "{variant:?} and Portable: {:?}", String::from_utf8_lossy(line));
            }
        }
    }

    /// Every variant answers `want`.
    fn all_say(line: &[u8], want: Check) {
        for variant in variants() {
            assert_eq!(
                check_object_with(variant, line),
                want,
                "{variant:?}: {:?}",
                String::from_utf8_lossy(line)
            );
        }
    }

    #[test]
    fn known_lines() {
        for ok in [
            r#"{}"#,
            r#" { "a" : [ 1 , -0.5 , true , false , null , "x\"\\\/\b\f\n\r\t" , { } , [ ] ] } "#,
            r#"{"a":{"b":{"c":[[[]]]}}}"#,
            r#"{"a":"0123456789abcdefghijklmnopqrstuvwxyz"}"#,
        ] {
            all_say(ok.as_bytes(), Check::Object);
        }
        for bad in [
            "",
            "[]",
            "1",
            r#"{"a":1,}"#,
            r#"{"a" 1}"#,
            r#"{"a":01}"#,
            r#"{"a":1.}"#,
            r#"{"a":-}"#,
            "{\"a\":\"\x01\"}",
            r#"{"a":"\q"}"#,
            r#"{"a":tru}"#,
            r#"{}x"#,
            r#"{"a":[1 2]}"#,
            r#"{"a":{]}"#,
            r#"{"a":"open}"#,
            r#"{,}"#,
            r#"{"a":1}}"#,
            // 0x0C and 0x1A pass AVX2's structural test (`,` and `:` less 0x20).
            "{\"a\":\x0c}",
            "{\"a\":\x1a}",
            "{\"a\":1\x1a}",
            "{\x0c\"a\":1}",
            "{\"a\"\x1a:1}",
            "{\"a\":[\x0c]}",
            "{\"a\":1,\x1a\"b\":2}",
            "{\"a\":1}\x0c",
        ] {
            all_say(bad.as_bytes(), Check::Invalid);
            assert!(!serde_says(bad.as_bytes()), "{bad}");
        }
        all_say(br#"{"a":"\u0041"}"#, Check::Unsure);
        all_say(br#"{"a":1e400}"#, Check::Unsure);
        let deep = format!("{{\"a\":{}{}}}", "[".repeat(200), "]".repeat(200));
        all_say(deep.as_bytes(), Check::Unsure);
    }

    /// `n` nested containers: the top-level object, then objects (bit set in `shape`) and arrays.
    fn nested(n: usize, shape: usize) -> String {
        let mut inner = String::new();
        for k in (0..n).rev() {
            let object = k == 0 || (shape >> (k % 8)) & 1 == 1;
            inner = match (object, inner.is_empty()) {
                (true, true) => "{}".to_string(),
                (true, false) => format!(r#"{{"k":{inner}}}"#),
                (false, _) => format!("[{inner}]"),
            };
        }
        inner
    }

    #[test]
    fn the_depth_limit_is_serde_jsons() {
        for shape in [0usize, 0xFF, 0x55, 0x0F] {
            for n in 1..=131 {
                let line = nested(n, shape);
                let serde = serde_json::from_str::<Value>(&line);
                // serde_json parses 127 nested containers and rejects 128.
                assert_eq!(serde.is_ok(), n <= 127, "{n} {shape}: {serde:?}");
                let want = if n <= MAX_DEPTH { Check::Object } else { Check::Unsure };
                all_say(line.as_bytes(), want);
            }
        }
    }

    #[test]
    fn the_raw_value_key_is_unsure() {
        let token = "$serde_json::private::RawValue";
        for line in [
            format!(r#"{{"{token}":"1"}}"#),
            format!(r#"{{"{token}":"{{}}"}}"#),
            format!(r#"{{"a":{{"{token}":"[]"}}}}"#),
            format!(r#"{{"a":1,"{token}":"2"}}"#),
        ] {
            all_say(line.as_bytes(), Check::Unsure);
        }
        // What serde_json makes of it: not the object the bytes spell.
        assert_eq!(serde_json::from_str::<Value>(&format!(r#"{{"{token}":"1"}}"#)).unwrap(), Value::from(1));
    }

    proptest! {
        #[test]
        fn agrees_with_serde_json(s in r#"[{}\[\]":, a0-9.eE+\-tfrulns\\\t]{0,40}"#) {
            agrees(s.as_bytes());
        }

        #[test]
        fn agrees_on_mutated_objects(v in proptest::collection::vec(0u8..=255, 0..4), at in 0usize..60) {
            let mut line = br#"{"event":{"category":["network"],"n":-12.5,"ok":true,"s":"a\"b"}}"#.to_vec();
            let at = at.min(line.len());
            line.splice(at..at, v.iter().copied());
            if std::str::from_utf8(&line).is_ok() {
                agrees(&line);
            }
        }
    }

    /// A realistic ECS event (1.2 KB) with a Windows path, numbers, arrays and a non-ASCII name.
    const EVENT: &str = concat!(
        r#"{"@timestamp":"2023-03-14T08:00:00.040Z","agent":{"id":"6d0ca3f2-1b4e-4e6e-9a31-2f2b3c1d9e27","#,
        r#""type":"endpoint","version":"8.6.2"},"data_stream":{"dataset":"endpoint.events.registry","#,
        r#""namespace":"default","type":"logs"},"ecs":{"version":"8.6.0"},"event":{"action":"modification","#,
        r#""category":["registry"],"created":"2023-03-14T08:00:00.040Z","dataset":"endpoint.events.registry","#,
        r#""id":"MvXr5hK8bM0sAq7a++++blVm","ingested":"2023-03-14T08:00:02Z","kind":"event","#,
        r#""module":"endpoint","outcome":"success","sequence":100001,"type":["change"],"risk":-0.25},"#,
        r#""host":{"hostname":"ws-040","id":"c1f8a3f2-1b4e-4e6e-9a31-2f2b3c1d9e27","ip":["10.20.3.59"],"#,
        r#""name":"WS-040","os":{"family":"windows","name":"Windows","platform":"windows","type":"windows","#,
        r#""version":"22H2"}},"message":"Endpoint registry event \"quoted\"","registry":{"data":{"#,
        r#""strings":["7dbfe6841b5ce17d2"],"type":"REG_SZ"},"hive":"HKU","path":"HKEY_USERS\\S-1-5-21-354"#,
        r#"1430928-2051711210-1391384369-1188\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\OneDrive","#,
        r#""value":"OneDrive"},"process":{"entity_id":"+LtsOaKpVNo4UyZI3XAvo46NmfLDttSRVBO/k/KKjSZbarZV5Uf","#,
        r#""executable":"C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE","#,
        r#""name":"OUTLOOK.EXE","pid":4393,"args":[],"parent":{},"ok":true,"gone":null,"no":false},"#,
        r#""user":{"domain":"CORP","id":"S-1-5-21-3541430928-2051711210-1391384369-1188","name":"Zoë 日本"}}"#
    );

    /// One edit of a line: at `at` (a fraction of the length, or right by a 64-byte boundary),
    /// delete `delete` bytes and insert `insert`.
    fn edit(line: &mut Vec<u8>, at: usize, near_block: bool, delete: usize, insert: &[u8]) {
        let at = if near_block { (at / 8 * 64 + at % 8).saturating_sub(4) } else { at };
        let at = at.min(line.len());
        let end = (at + delete).min(line.len());
        line.splice(at..end, insert.iter().copied());
    }

    /// Bytes that matter to JSON syntax, and some that do not.
    fn json_byte() -> impl Strategy<Value = u8> {
        prop_oneof![
            4 => proptest::sample::select(&b"{}[]:,\"\\ \t\r\nu0123456789.eE+-tfrulnsabxyz/"[..]),
            1 => Just(0x01u8),
            1 => proptest::sample::select(&[0xC3u8, 0xA9, 0xE6, 0x97, 0xA5, 0xFF, 0x80][..]),
            1 => any::<u8>(),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn random_json_ish_text(s in r#"[{}\[\]":, a0-9.eE+\-tfrulns\\\t\x01\n/éß日😀]{0,200}"#) {
            agrees(s.as_bytes());
            // Most of the above fails early: also as the contents of a string value.
            agrees(format!(r#"{{"a":"{s}","b":1}}"#).as_bytes());
            agrees(format!(r#"{{"a":[{s}]}}"#).as_bytes());
        }

        #[test]
        fn random_json_ish_bytes(v in proptest::collection::vec(json_byte(), 0..300)) {
            agrees(&v);
            let mut line = br#"{"k":""#.to_vec();
            line.extend_from_slice(&v);
            line.extend_from_slice(br#""}"#);
            agrees(&line);
        }

        #[test]
        fn mutated_events(
            edits in proptest::collection::vec(
                (0usize..1400, any::<bool>(), 0usize..4, proptest::collection::vec(json_byte(), 0..4)),
                1..4,
            )
        ) {
            let mut line = EVENT.as_bytes().to_vec();
            for (at, near_block, delete, insert) in &edits {
                edit(&mut line, *at, *near_block, *delete, insert);
            }
            agrees(&line);
        }

        #[test]
        fn backslash_runs_across_blocks(pad in 0usize..130, run in 0usize..140, after in json_byte(), tail in "[a\"\\\\ u}]{0,3}") {
            let mut line = br#"{"a":""#.to_vec();
            line.extend(std::iter::repeat_n(b'x', pad));
            line.extend(std::iter::repeat_n(b'\\', run));
            line.push(after);
            line.extend_from_slice(tail.as_bytes());
            line.extend_from_slice(br#""}"#);
            agrees(&line);
        }

        #[test]
        fn nesting_near_the_limit(n in 120usize..135, shape in any::<usize>(), cut in 0usize..8) {
            let line = nested(n, shape);
            agrees(line.as_bytes());
            // And broken near either end.
            let b = line.as_bytes();
            agrees(&b[..b.len() - cut.min(b.len())]);
            agrees(&b[cut.min(b.len())..]);
        }
    }

    #[test]
    fn backslash_runs_at_block_boundaries() {
        // Every run length 0..=130 ending at every offset around the first two block boundaries,
        // followed by each byte that matters.
        for run in 0..=130usize {
            for end in [62usize, 63, 64, 65, 66, 126, 127, 128, 129, 130, 190, 191, 192, 193] {
                for after in [b'"', b'\\', b'u', b'n', b'x', b'}', 0x01, 0xC3] {
                    let start = 6;
                    if end < start + run {
                        continue;
                    }
                    let mut line = br#"{"a":""#.to_vec();
                    line.extend(std::iter::repeat_n(b'y', end - start - run));
                    line.extend(std::iter::repeat_n(b'\\', run));
                    line.push(after);
                    line.extend_from_slice(br#""}"#);
                    agrees(&line);
                    // An even run escapes nothing after it: the string is then well formed.
                    if run % 2 == 0 && after == b'x' {
                        all_say(&line, Check::Object);
                    }
                }
            }
        }
    }

    #[test]
    fn the_event_and_its_cuts() {
        all_say(EVENT.as_bytes(), Check::Object);
        for cut in 0..EVENT.len() {
            agrees(&EVENT.as_bytes()[..cut]);
            agrees(&EVENT.as_bytes()[cut..]);
        }
    }

    #[test]
    fn separators_at_every_block_offset() {
        // The event shifted through a whole block, compact and with whitespace around the
        // separators, whole and with its last bytes cut or a separator appended.
        let spaced = EVENT.replace("\",\"", "\" ,\"").replace("\":", "\" : ").replace("],", "] ,\t");
        for event in [EVENT.to_string(), spaced] {
            for shift in 0..64 {
                let line = format!("{}{event}", " ".repeat(shift));
                all_say(line.as_bytes(), Check::Object);
                for tail in [",", ":", " ,", ",,", ": ", "{", "]"] {
                    agrees(format!("{line}{tail}").as_bytes());
                }
                for cut in 1..6 {
                    agrees(&line.as_bytes()[..line.len() - cut]);
                }
            }
        }
        // Lines of exactly one block that end with a separator.
        for sep in [",", ":"] {
            let line = format!("{{}}{}{sep}", " ".repeat(61));
            assert_eq!(line.len(), 64);
            all_say(line.as_bytes(), Check::Invalid);
            let line = format!("{{\"a\":1{}}}{sep}", " ".repeat(56));
            all_say(line.as_bytes(), Check::Invalid);
        }
        for line in [
            r#"{"a":1,,"b":2}"#,
            r#"{"a"::1}"#,
            r#"{"a":1:"b":2}"#,
            r#"{,"a":1}"#,
            r#"[1,]"#,
            r#"{"a":[1,]}"#,
            r#"{"a",1}"#,
            r#"{"a":[1:2]}"#,
        ] {
            all_say(line.as_bytes(), Check::Invalid);
        }
    }
}
