//! Event JSON text to a value: serde_json, with what Elasticsearch does about lone surrogates, and
//! the names of JSON types for error messages.

use serde_json::Value;

use crate::error::{Error, ErrorKind, Result};

/// Parses one event's JSON text, with serde_json's line and column in the message. A leading byte
/// order mark is skipped, as the NDJSON scan skips it on every line.
pub(crate) fn parse_event(bytes: &[u8]) -> Result<Value> {
    parse_line(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))
}

/// [`parse_event`] for a line whose byte order mark, if any, is already skipped.
///
/// A lone UTF-16 surrogate escape (`"\ud800"`, which `JSON.stringify` writes for a lone surrogate)
/// is read as U+FFFD, as Elasticsearch indexes it (Lucene turns a lone surrogate into U+FFFD when
/// it encodes the term as UTF-8) and as a JS string crossing into wasm reads; serde_json alone
/// would refuse the whole event.
pub(crate) fn parse_line(bytes: &[u8]) -> Result<Value> {
    let first = match serde_json::from_slice(bytes) {
        Ok(v) => return Ok(v),
        Err(e) => e,
    };
    if memchr::memmem::find(bytes, b"\\u").is_some() {
        let rewritten = replace_lone_surrogates(bytes);
        if rewritten != bytes {
            if let Ok(v) = serde_json::from_slice(&rewritten) {
                return Ok(v);
            }
        }
    }
    Err(Error::new(ErrorKind::Event, format!("invalid JSON: {first}")))
}

/// Rewrites each `\uXXXX` escape of a lone surrogate as `\uFFFD`; pairs stay.
fn replace_lone_surrogates(bytes: &[u8]) -> Vec<u8> {
    let hex = |at: usize| -> Option<u16> {
        let digits = bytes.get(at..at + 4)?;
        u16::from_str_radix(std::str::from_utf8(digits).ok()?, 16).ok()
    };
    let escape_at = |at: usize| -> Option<u16> {
        if bytes.get(at) == Some(&b'\\') && bytes.get(at + 1) == Some(&b'u') {
            hex(at + 2)
        } else {
            None
        }
    };
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'\\' {
            out.push(bytes[i]);
            i += 1;
            continue;
        }
        match escape_at(i) {
            Some(high @ 0xD800..=0xDBFF) if matches!(escape_at(i + 6), Some(0xDC00..=0xDFFF)) => {
                let _ = high;
                out.extend_from_slice(&bytes[i..i + 12]);
                i += 12;
            }
            Some(0xD800..=0xDFFF) => {
                out.extend_from_slice(b"\\uFFFD");
                i += 6;
            }
            _ => {
                // Any other escape: copy it whole, so an escaped backslash is not read again.
                let end = (i + 2).min(bytes.len());
                out.extend_from_slice(&bytes[i..end]);
                i = end;
            }
        }
    }
    out
}

/// "a string", "an object", ...: what a value is, for messages.
pub(crate) fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lone_surrogate_escapes_read_as_replacement_characters() {
        let v = parse_event(br#"{"a":"\ud800x","b":"\ud83d\ude00","c":"\\ud800","d":"\udc00"}"#).unwrap();
        assert_eq!(v["a"], "\u{FFFD}x");
        assert_eq!(v["b"], "\u{1F600}");
        assert_eq!(v["c"], "\\ud800");
        assert_eq!(v["d"], "\u{FFFD}");
        assert!(parse_event(br#"{"a":"\uZZZZ"}"#).is_err());
    }

    #[test]
    fn a_byte_order_mark_is_skipped() {
        assert_eq!(parse_event(b"\xEF\xBB\xBF{\"a\":1}").unwrap()["a"], 1);
        assert!(parse_event(b"\xEF\xBB\xBF\xEF\xBB\xBF{}").is_err(), "only one");
    }
}
