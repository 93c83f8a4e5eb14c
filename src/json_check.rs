//! A fast JSON syntax check for NDJSON lines the rule cannot match.
//!
//! Most lines of a real stream are skipped by the byte pre-filter, but they must still be counted
//! right: a malformed line is rejected, not "not matched". Building a tree for every line only to
//! throw it away costs several times more than this check, which walks the bytes once, allocates
//! nothing, and skips string contents eight bytes at a time.
//!
//! It answers for exactly what `serde_json::from_slice::<Value>` accepts, and says [`Check::Unsure`]
//! wherever matching serde_json would take more than a syntax walk: `\u` escapes (surrogate
//! rules), numbers with an exponent or 18+ digits (serde_json's range checks), and nesting deeper
//! than serde_json's recursion limit. The caller then lets serde_json decide. A property test holds
//! the two to the same answers.

/// The outcome of [`check_object`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Check {
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

mod walk;

pub(crate) use walk::check_object;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::Value;

    fn serde_says(line: &[u8]) -> bool {
        matches!(serde_json::from_slice::<Value>(line), Ok(Value::Object(_)))
    }

    fn agrees(line: &[u8]) {
        match check_object(line) {
            Check::Unsure => {}
            c => assert_eq!(c == Check::Object, serde_says(line), "{:?}", String::from_utf8_lossy(line)),
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
            assert_eq!(check_object(ok.as_bytes()), Check::Object, "{ok}");
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
        ] {
            assert_eq!(check_object(bad.as_bytes()), Check::Invalid, "{bad}");
            assert!(!serde_says(bad.as_bytes()), "{bad}");
        }
        assert_eq!(check_object(br#"{"a":"\u0041"}"#), Check::Unsure);
        assert_eq!(check_object(br#"{"a":1e400}"#), Check::Unsure);
        let deep = format!("{{\"a\":{}{}}}", "[".repeat(200), "]".repeat(200));
        assert_eq!(check_object(deep.as_bytes()), Check::Unsure);
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
                assert_eq!(check_object(line.as_bytes()), want, "{n} {shape}");
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
            assert_eq!(check_object(line.as_bytes()), Check::Unsure, "{line}");
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
}
