//! Parsing only the fields a rule reads from one JSON line.
//!
//! A candidate line of an NDJSON scan holds sixty-odd fields, of which the rule reads six or
//! seven. Building the whole tree allocates every key and string; this parse walks the bytes and
//! keeps only the subtrees on the way to a field the rule (or one of its exceptions) reads,
//! skipping the rest. Dotted keys are followed as the field reader follows them: a key is kept when
//! it is a prefix of, equal to, or inside a needed path. The kept tree gives every field exactly
//! the values the full tree would.
//!
//! The walk runs on lines the syntax check ([`crate::input::json_check`]) has passed as objects, so it
//! only finds where values end; every value it keeps is parsed by serde_json from its own bytes,
//! so strings, escapes and numbers are exactly serde_json's. Should the walk meet anything it does
//! not expect, it hands the whole line to serde_json instead.

use std::borrow::Cow;

use serde_json::{Map, Value};

/// The dotted paths to keep. A hit's `_source.`-prefixed paths and its `_index`/`_id` are kept too.
#[derive(Clone, Debug, Default)]
pub(crate) struct Needed {
    paths: Vec<String>,
}

impl Needed {
    /// The paths of `fields`, repeats kept once (in linear time, not by a scan of the list per field).
    pub(crate) fn new<'a>(fields: impl IntoIterator<Item = &'a str>) -> Needed {
        let mut paths: Vec<String> = Vec::new();
        for f in crate::distinct(fields) {
            paths.push(f.to_string());
            paths.push(format!("_source.{f}"));
        }
        paths.push("_index".into());
        paths.push("_id".into());
        Needed { paths }
    }

    /// Whether the node at `path` is on the way to, at, or inside a needed path.
    fn keep(&self, path: &str) -> Keep {
        let mut keep = Keep::No;
        let first = path.as_bytes().first();
        for p in &self.paths {
            // Most keys differ from a needed path in their first byte: skip the comparisons.
            if p.as_bytes().first() != first {
                continue;
            }
            if p == path || path.strip_prefix(p.as_str()).is_some_and(|rest| rest.starts_with('.')) {
                return Keep::All;
            }
            if p.strip_prefix(path).is_some_and(|rest| rest.starts_with('.')) {
                keep = Keep::Some;
            }
        }
        keep
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Keep {
    No,
    /// On the way to a needed path: keep the members that are needed.
    Some,
    /// At or inside a needed path: keep everything.
    All,
}

/// Parses `line`, keeping only what `needed` reads. Errors are serde_json's.
pub(crate) fn parse_needed(line: &str, needed: &Needed) -> serde_json::Result<Value> {
    match walk(line, needed) {
        Ok(v) => Ok(v),
        Err(Unexpected) => serde_json::from_str(line),
    }
}

/// The pruned tree of a valid line.
fn walk(line: &str, needed: &Needed) -> Walked<Value> {
    let mut w = Walk { text: line, b: line.as_bytes(), i: 0, needed, path: String::new() };
    w.ws()?;
    let v = w.object()?;
    w.ws()?;
    (w.i == line.len()).then_some(v).ok_or(Unexpected)
}

/// The walk met something a valid line would not hold.
#[derive(Debug)]
struct Unexpected;

type Walked<T> = Result<T, Unexpected>;

struct Walk<'b, 'n> {
    text: &'b str,
    /// `text` as bytes.
    b: &'b [u8],
    i: usize,
    needed: &'n Needed,
    /// The dotted path of the object being walked ("" at the root): one buffer for the whole
    /// line, each key appended and cut off again.
    path: String,
}

impl<'b> Walk<'b, '_> {
    fn peek(&self) -> Walked<u8> {
        self.b.get(self.i).copied().ok_or(Unexpected)
    }

    fn ws(&mut self) -> Walked<()> {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.b.get(self.i) {
            self.i += 1;
        }
        Ok(())
    }

    fn expect(&mut self, c: u8) -> Walked<()> {
        self.ws()?;
        if self.peek()? != c {
            return Err(Unexpected);
        }
        self.i += 1;
        Ok(())
    }

    /// Walks the members of the container opened at `i` (`{` or `[`, closed by `close`),
    /// calling `member` at each one.
    fn members(&mut self, close: u8, mut member: impl FnMut(&mut Self) -> Walked<()>) -> Walked<()> {
        self.i += 1;
        self.ws()?;
        if self.peek()? == close {
            self.i += 1;
            return Ok(());
        }
        loop {
            self.ws()?;
            member(self)?;
            self.ws()?;
            match self.peek()? {
                b',' => self.i += 1,
                c if c == close => {
                    self.i += 1;
                    return Ok(());
                }
                _ => return Err(Unexpected),
            }
        }
    }

    /// An object at `i`, keeping the members on the way to or inside a needed path.
    fn object(&mut self) -> Walked<Value> {
        if self.peek()? != b'{' {
            return Err(Unexpected);
        }
        let mut out = Map::new();
        let len = self.path.len();
        self.members(b'}', |w| {
            let (start, end) = w.string()?;
            let raw = w.text.get(start + 1..end - 1).ok_or(Unexpected)?;
            // Keys without escapes are borrowed as they are; the others are decoded by serde_json.
            let key: Cow<'_, str> = if raw.contains('\\') {
                let quoted = w.text.get(start..end).ok_or(Unexpected)?;
                Cow::Owned(serde_json::from_str::<String>(quoted).map_err(|_| Unexpected)?)
            } else {
                Cow::Borrowed(raw)
            };
            if len > 0 {
                w.path.push('.');
            }
            w.path.push_str(&key);
            w.expect(b':')?;
            w.ws()?;
            let kept = match w.needed.keep(&w.path) {
                Keep::No => None,
                Keep::All => Some(w.whole()?),
                Keep::Some => Some(w.some()?),
            };
            if kept.is_none() {
                w.skip()?;
            }
            w.path.truncate(len);
            if let Some(v) = kept {
                out.insert(key.into_owned(), v);
            }
            Ok(())
        })?;
        Ok(Value::Object(out))
    }

    /// A value on the way to a needed path: objects are walked on, arrays element by element
    /// (an array's elements share its path), anything else is kept.
    fn some(&mut self) -> Walked<Value> {
        match self.peek()? {
            b'{' => self.object(),
            b'[' => {
                let mut out = Vec::new();
                self.members(b']', |w| {
                    out.push(w.some()?);
                    Ok(())
                })?;
                Ok(Value::Array(out))
            }
            _ => self.whole(),
        }
    }

    /// The value at `i`, whole, parsed by serde_json from its bytes.
    fn whole(&mut self) -> Walked<Value> {
        let start = self.i;
        self.skip()?;
        serde_json::from_slice(&self.b[start..self.i]).map_err(|_| Unexpected)
    }

    /// Moves past the string at `i`; returns its span, quotes included.
    fn string(&mut self) -> Walked<(usize, usize)> {
        let start = self.i;
        if self.peek()? != b'"' {
            return Err(Unexpected);
        }
        let mut j = start + 1;
        loop {
            j += memchr::memchr2(b'"', b'\\', &self.b[j..]).ok_or(Unexpected)?;
            if self.b[j] == b'"' {
                self.i = j + 1;
                return Ok((start, j + 1));
            }
            // A backslash escapes the next byte (a `\u` escape's digits need no care).
            j += 2;
            if j > self.b.len() {
                return Err(Unexpected);
            }
        }
    }

    /// Moves past the value at `i`.
    fn skip(&mut self) -> Walked<()> {
        match self.peek()? {
            b'"' => self.string().map(|_| ()),
            b'{' | b'[' => {
                // Count brackets outside strings; the line is valid, so they pair up.
                let mut depth = 0usize;
                loop {
                    match self.peek()? {
                        b'"' => {
                            self.string()?;
                        }
                        b'{' | b'[' => {
                            depth += 1;
                            self.i += 1;
                        }
                        b'}' | b']' => {
                            depth -= 1;
                            self.i += 1;
                            if depth == 0 {
                                return Ok(());
                            }
                        }
                        _ => self.i += 1,
                    }
                }
            }
            _ => {
                // A number or a literal: up to the next delimiter.
                while let Some(&c) = self.b.get(self.i) {
                    if matches!(c, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r') {
                        break;
                    }
                    self.i += 1;
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::event::{Event, FieldPath, Item};
    use proptest::prelude::*;
    use serde_json::json;

    fn values(v: &Value, f: &str) -> Vec<String> {
        let mut out = Vec::new();
        v.visit_field(&FieldPath::new(f), 128, &mut |i| {
            if let Item::Text(s) = i {
                out.push(s.to_string());
            }
            false
        });
        out
    }

    #[test]
    fn keeps_exactly_the_needed_fields() {
        let doc = json!({
            "dns": {"question": {"name": "a", "type": "A"}, "Ext": {"status": 0}},
            "dns.question.name": "b",
            "dns.question": {"name": "c"},
            "process": [{"name": "p1", "pid": 1}, {"name": "p2"}],
            "event": {"category": ["network"], "action": "x", "big": {"deep": [1, 2, 3]}},
            "sig": {"nested": [{"a": 1, "b": 2}]},
        });
        let line = serde_json::to_string(&doc).unwrap();
        let needed = Needed::new(["dns.question.name", "process.name", "event.category", "sig.nested"]);
        let pruned = walk(&line, &needed).unwrap();
        for f in ["dns.question.name", "process.name", "event.category", "sig.nested.a", "sig.nested.b"] {
            assert_eq!(values(&pruned, f), values(&doc, f), "{f}");
        }
        assert!(pruned["event"].get("action").is_none());
        assert!(pruned["dns"].get("Ext").is_none());
        assert!(pruned["process"][0].get("pid").is_none());
        let hit = json!({"_index": "i", "_id": "1", "_source": doc});
        let pruned = parse_needed(&serde_json::to_string(&hit).unwrap(), &needed).unwrap();
        assert_eq!(pruned["_index"], "i");
        assert_eq!(values(&pruned["_source"], "dns.question.name"), values(&doc, "dns.question.name"));
    }

    #[test]
    fn needed_paths_are_kept_once() {
        // 100,000 fields (a rule's and its exceptions'), half of them repeats: a set, not a scan
        // of the list per field (that took O(n^2)).
        let fields: Vec<String> = (0..100_000).map(|i| format!("f{}", i % 50_000)).collect();
        let needed = Needed::new(fields.iter().map(String::as_str));
        assert_eq!(needed.paths.len(), 2 * 50_000 + 2);
        assert!(needed.keep("f49999") == Keep::All && needed.keep("_source.f7") == Keep::All);
    }

    #[test]
    fn errors_are_serde_jsons() {
        let needed = Needed::new(["a"]);
        assert!(parse_needed("{\"a\":1,}", &needed).is_err());
        assert!(parse_needed("{\"b\":[1,}", &needed).is_err());
        assert!(parse_needed("{\"a\":1} x", &needed).is_err());
    }

    /// A JSON value whose keys come from a small set (needed names, their dotted joins, others),
    /// with escapes, numbers and nesting.
    fn arb_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i32>().prop_map(|n| json!(n)),
            (-1e6f64..1e6).prop_map(|f| json!(f)),
            "[a-z\\\\\"/{}\\[\\], :\u{e9}\u{1F600}\t]{0,12}".prop_map(Value::String),
        ];
        let key = prop_oneof![
            Just("a"),
            Just("b"),
            Just("c"),
            Just("a.b"),
            Just("b.c"),
            Just("a.b.c"),
            Just("x"),
            Just("a\"b"),
            Just("_source"),
        ];
        leaf.prop_recursive(4, 40, 6, move |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                proptest::collection::vec((key.clone(), inner), 0..5)
                    .prop_map(|kv| Value::Object(kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn pruned_fields_equal_the_full_trees(
            members in proptest::collection::vec(("[abcx_]{1,3}|a\\.b|a\\.b\\.c|_source", arb_value()), 0..6),
            pretty in any::<bool>(),
        ) {
            let doc = Value::Object(members.into_iter().collect());
            let line = if pretty {
                // Whitespace everywhere JSON allows it, on one line.
                serde_json::to_string_pretty(&doc).unwrap().replace('\n', " \t")
            } else {
                serde_json::to_string(&doc).unwrap()
            };
            let needed = Needed::new(["a.b.c", "a.b", "b", "x.a"]);
            // The walk itself, not the fall-back to serde_json.
            let pruned = walk(&line, &needed).unwrap();
            // The full parse of the same text, not `doc`: serde_json's float parsing may round
            // a printed f64 to a neighbour.
            let full: Value = serde_json::from_str(&line).unwrap();
            for f in ["a.b.c", "a.b", "b", "x.a", "a.b.c.a", "_source.a.b"] {
                prop_assert_eq!(values(&pruned, f), values(&full, f), "{} in {}", f, line);
            }
        }
    }
}
