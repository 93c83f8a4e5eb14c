//! Reading a field of an event the way Elasticsearch indexes it. All event access lives here.
//!
//! A dotted path reads nested objects and dotted keys alike (`{"dns":{"question":{"name":..}}}`,
//! `{"dns.question.name":..}` and `{"dns":{"question.name":..}}` are one field, and a document that
//! has several of them has all their values). Arrays are multi-valued fields, arrays of objects
//! flatten, and nested arrays flatten too. `null`, `[]` and `[null]` are no value. Numbers and
//! booleans are their text (keyword fields index `123` as `"123"`). An object where a value is
//! expected is no value; so is a string longer than [`IGNORE_ABOVE`] characters, which
//! Elasticsearch does not index.
//!
//! The traversal is written once, over the [`Tree`] trait, and serves both `serde_json::Value` and
//! (in the wasm build) JavaScript objects read in place, property by property.

use serde_json::Value;

/// Elastic Defend maps the rule's fields as `keyword` with `ignore_above: 1024`: longer values are
/// not indexed, so they match nothing and do not exist. Counted in UTF-16 code units, as Java does.
pub const IGNORE_ABOVE: usize = 1024;

/// A field path, split once at compile time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldPath {
    text: String,
    /// Byte offset of the end of each segment in `text`.
    ends: Vec<usize>,
}

impl FieldPath {
    /// Splits a dotted path (`dns.question.name`).
    pub fn new(path: &str) -> FieldPath {
        let mut ends: Vec<usize> = path.match_indices('.').map(|(i, _)| i).collect();
        ends.push(path.len());
        FieldPath { text: path.to_string(), ends }
    }

    /// The path as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Number of segments.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Always false: a path has at least one segment.
    pub fn is_empty(&self) -> bool {
        false
    }

    fn start(&self, seg: usize) -> usize {
        if seg == 0 {
            0
        } else {
            self.ends[seg - 1] + 1
        }
    }

    /// The key spanning segments `from..to` (`to` exclusive), e.g. `question.name`.
    pub fn key(&self, from: usize, to: usize) -> PathKey<'_> {
        PathKey { text: &self.text[self.start(from)..self.ends[to - 1]], id: self.key_id(from, to) }
    }

    /// A dense index for the key `from..to`, for implementations that cache keys (the wasm build
    /// keeps one JS string per key).
    pub fn key_id(&self, from: usize, to: usize) -> usize {
        from * (self.len() + 1) + to
    }

    /// Every key the traversal may ask for, by id (`None` where no key has that id).
    pub fn keys(&self) -> Vec<Option<&str>> {
        let n = self.len();
        let mut out = vec![None; n * (n + 1) + n + 1];
        for from in 0..n {
            for to in from + 1..=n {
                let k = self.key(from, to);
                out[k.id] = Some(k.text);
            }
        }
        out
    }
}

/// One object key derived from a path.
#[derive(Clone, Copy, Debug)]
pub struct PathKey<'a> {
    /// The key text.
    pub text: &'a str,
    /// Its id, see [`FieldPath::key_id`].
    pub id: usize,
}

/// One thing found at a field path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Item<'a> {
    /// A value, as the text a keyword field would hold.
    Text(&'a str),
    /// An object where a value is expected: no value.
    Object,
    /// A string longer than [`IGNORE_ABOVE`]: not indexed, so no value. Carries its length.
    TooLong(usize),
    /// Nesting deeper than the limit on the way to the field: the rest is not read.
    TooDeep,
    /// An explicit `null` (alone or in an array): no value, unless the mapping gives the field a
    /// `null_value`.
    Null,
}

/// What a node of an event tree is, as far as field reading cares.
pub enum Shape<'a> {
    /// `null` or `undefined`.
    Null,
    /// A scalar, as keyword text.
    Text(&'a str),
    /// A string longer than [`IGNORE_ABOVE`] UTF-16 units, of this many characters: an
    /// implementation that can tell without reading the string says so (the wasm build does).
    Long(usize),
    /// An array of this many elements.
    Array(usize),
    /// An object (keys are read with [`Tree::get`]).
    Object,
}

/// A node of an event tree: a JSON value, or a JavaScript value in the wasm build.
pub trait Tree: Sized {
    /// The node's shape; scalars other than strings are written into `buf` as their text.
    fn shape<'s>(&'s self, buf: &'s mut String) -> Shape<'s>;
    /// The member `key` of an object.
    fn get(&self, key: PathKey<'_>) -> Option<Self>;
    /// The element `i` of an array.
    fn index(&self, i: usize) -> Option<Self>;
}

/// Calls `f` on each item at `path` under `root`, stopping as soon as `f` returns true; returns
/// whether it did. Never allocates for string values of a JSON tree.
pub fn visit<T: Tree>(
    root: &T,
    path: &FieldPath,
    max_depth: usize,
    f: &mut dyn FnMut(Item<'_>) -> bool,
) -> bool {
    follow(root, path, 0, 0, max_depth, &mut |end| match end {
        End::TooDeep => f(Item::TooDeep),
        End::Value(_, Shape::Text(s)) => {
            // `take` bounds the count: a 50 MB value costs no more than a 1 KB one (hostile input).
            if s.len() > IGNORE_ABOVE && s.encode_utf16().take(IGNORE_ABOVE + 1).count() > IGNORE_ABOVE {
                f(Item::TooLong(s.chars().count()))
            } else {
                f(Item::Text(s))
            }
        }
        End::Value(_, Shape::Long(chars)) => f(Item::TooLong(chars)),
        End::Value(_, Shape::Object) => f(Item::Object),
        End::Value(_, Shape::Null) => f(Item::Null),
        End::Value(_, Shape::Array(_)) => false,
    })
}

/// What [`follow`] finds at the end of a path.
enum End<'a, T> {
    /// A node that is not an array (arrays are followed into), with its shape.
    Value(&'a T, Shape<'a>),
    /// Nesting deeper than the limit: not followed.
    TooDeep,
}

/// The one traversal of event access: follows `path` from `node` through objects (a key may hold
/// one segment or several, dotted) and arrays (every element, at any depth), and calls `at_end`
/// on what it finds where the path ends, stopping as soon as `at_end` returns true.
fn follow<T: Tree>(
    node: &T,
    path: &FieldPath,
    seg: usize,
    depth: usize,
    max_depth: usize,
    at_end: &mut dyn FnMut(End<'_, T>) -> bool,
) -> bool {
    if depth > max_depth {
        return at_end(End::TooDeep);
    }
    let mut buf = String::new();
    match node.shape(&mut buf) {
        Shape::Null if seg == path.len() => at_end(End::Value(node, Shape::Null)),
        Shape::Null => false,
        Shape::Array(n) => (0..n)
            .any(|i| node.index(i).is_some_and(|el| follow(&el, path, seg, depth + 1, max_depth, at_end))),
        shape if seg == path.len() => at_end(End::Value(node, shape)),
        // A scalar where the path goes on: nothing there.
        Shape::Text(_) | Shape::Long(_) => false,
        Shape::Object => (seg + 1..=path.len()).any(|to| {
            node.get(path.key(seg, to))
                .is_some_and(|child| follow(&child, path, to, depth + 1, max_depth, at_end))
        }),
    }
}

impl Tree for &Value {
    fn shape<'s>(&'s self, buf: &'s mut String) -> Shape<'s> {
        match self {
            Value::Null => Shape::Null,
            Value::String(s) => Shape::Text(s),
            Value::Bool(b) => Shape::Text(if *b { "true" } else { "false" }),
            Value::Number(n) => {
                use std::fmt::Write;
                let _ = write!(buf, "{n}");
                Shape::Text(buf)
            }
            Value::Array(a) => Shape::Array(a.len()),
            Value::Object(_) => Shape::Object,
        }
    }

    fn get(&self, key: PathKey<'_>) -> Option<Self> {
        self.as_object()?.get(key.text)
    }

    fn index(&self, i: usize) -> Option<Self> {
        self.as_array()?.get(i)
    }
}

/// Writes a JavaScript number as `Number.prototype.toString` (and so `JSON.stringify`) writes it:
/// the shortest digits that read back as the same number, plainly from 1e-6 up to 1e21
/// (`0.000001`, `131509374647239400`, `100`), with an exponent outside (`1e-7`, `1e+21`,
/// `1.5e+300`); `-0` is `0`. A JS object and the `JSON.stringify` of it then hold one text for
/// each number, and so get one verdict. (`NaN` and the infinities are no value, as
/// `JSON.stringify` writes `null` for them; they are not written here.)
pub fn write_js_number(x: f64, out: &mut String) {
    if x == 0.0 {
        out.push('0');
        return;
    }
    if x < 0.0 {
        out.push('-');
    }
    // Rust's `{:e}` gives the shortest round-trip digits, as ECMAScript's Number::toString asks.
    let sci = format!("{:e}", x.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let k = digits.len() as i64;
    // The value is 0.d1d2...dk x 10^n.
    let n = exp.parse::<i64>().unwrap_or(0) + 1;
    if k <= n && n <= 21 {
        out.push_str(&digits);
        out.extend(std::iter::repeat_n('0', (n - k) as usize));
    } else if 0 < n && n <= 21 {
        out.push_str(&digits[..n as usize]);
        out.push('.');
        out.push_str(&digits[n as usize..]);
    } else if -6 < n && n <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', (-n) as usize));
        out.push_str(&digits);
    } else {
        out.push_str(&digits[..1]);
        if k > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if n > 0 { '+' } else { '-' });
        out.push_str(&(n - 1).abs().to_string());
    }
}

/// An event an evaluation can read fields from.
pub trait Event {
    /// Calls `f` on each item at `path`, stopping when it returns true; returns whether it did.
    fn visit_field(&self, path: &FieldPath, max_depth: usize, f: &mut dyn FnMut(Item<'_>) -> bool) -> bool;

    /// Calls `f` on each object at `path`, as an event of its own (for Elastic's `nested`
    /// exception entries, which must hold within one element of an array of objects), stopping
    /// when it returns true; returns whether it did.
    fn visit_objects(
        &self,
        path: &FieldPath,
        max_depth: usize,
        f: &mut dyn FnMut(&dyn Event) -> bool,
    ) -> bool;
}

impl Event for Value {
    fn visit_field(&self, path: &FieldPath, max_depth: usize, f: &mut dyn FnMut(Item<'_>) -> bool) -> bool {
        visit(&self, path, max_depth, f)
    }

    fn visit_objects(
        &self,
        path: &FieldPath,
        max_depth: usize,
        f: &mut dyn FnMut(&dyn Event) -> bool,
    ) -> bool {
        visit_nodes(&self, path, max_depth, &mut |node: &&Value| f(*node))
    }
}

/// Calls `f` on each object node at `path` under `root` (arrays flattened), stopping when it
/// returns true; returns whether it did.
pub fn visit_nodes<T: Tree>(
    root: &T,
    path: &FieldPath,
    max_depth: usize,
    f: &mut dyn FnMut(&T) -> bool,
) -> bool {
    follow(root, path, 0, 0, max_depth, &mut |end| match end {
        End::Value(node, Shape::Object) => f(node),
        _ => false,
    })
}

/// An Elasticsearch hit (`{ _index, _id, _source }`) split into its parts; any other value is its
/// own source.
pub struct Hit<'a> {
    /// `_index`, when the value is a hit.
    pub index: Option<&'a str>,
    /// `_id`, when the value is a hit.
    pub id: Option<&'a str>,
    /// The document.
    pub source: &'a Value,
}

impl<'a> Hit<'a> {
    /// Recognises a hit by an object-valued `_source`.
    pub fn split(value: &'a Value) -> Hit<'a> {
        match value.get("_source") {
            Some(source @ Value::Object(_)) => Hit {
                index: value.get("_index").and_then(Value::as_str),
                id: value.get("_id").and_then(Value::as_str),
                source,
            },
            _ => Hit { index: None, id: None, source: value },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn items(doc: &Value, path: &str) -> Vec<String> {
        let mut out = Vec::new();
        doc.visit_field(&FieldPath::new(path), 128, &mut |item| {
            match item {
                Item::Text(s) => out.push(s.to_string()),
                Item::Null => {}
                other => out.push(format!("{other:?}")),
            }
            false
        });
        out
    }

    #[test]
    fn explicit_nulls_are_reported_for_null_value() {
        let mut seen = Vec::new();
        json!({"a": [null, "x", null]}).visit_field(&FieldPath::new("a"), 128, &mut |i| {
            seen.push(format!("{i:?}"));
            false
        });
        assert_eq!(seen, ["Null", "Text(\"x\")", "Null"]);
    }

    #[test]
    fn nested_and_dotted_keys_read_alike() {
        for doc in [
            json!({"dns": {"question": {"name": "x"}}}),
            json!({"dns.question.name": "x"}),
            json!({"dns": {"question.name": "x"}}),
            json!({"dns.question": {"name": "x"}}),
        ] {
            assert_eq!(items(&doc, "dns.question.name"), ["x"], "{doc}");
        }
        let both = json!({"dns": {"question": {"name": "a"}}, "dns.question.name": "b"});
        assert_eq!(items(&both, "dns.question.name"), ["a", "b"]);
    }

    #[test]
    fn arrays_flatten_and_absent_values_vanish() {
        assert_eq!(items(&json!({"a": ["x", null, ["y"]]}), "a"), ["x", "y"]);
        assert_eq!(items(&json!({"p": [{"n": "a"}, {"n": "b"}]}), "p.n"), ["a", "b"]);
        assert!(items(&json!({"a": null}), "a").is_empty());
        assert!(items(&json!({"a": []}), "a").is_empty());
        assert!(items(&json!({"a": [null]}), "a").is_empty());
        assert_eq!(items(&json!({"a": ""}), "a"), [""]);
        assert!(items(&json!({"a": "x"}), "a.b").is_empty());
    }

    #[test]
    fn scalars_are_their_keyword_text() {
        assert_eq!(items(&json!({"a": 123}), "a"), ["123"]);
        assert_eq!(items(&json!({"a": 1.5}), "a"), ["1.5"]);
        assert_eq!(items(&json!({"a": true}), "a"), ["true"]);
        assert_eq!(items(&json!({"a": {"b": 1}}), "a"), ["Object"]);
    }

    #[test]
    fn js_numbers_are_written_as_json_stringify_writes_them() {
        let js = |x: f64| {
            let mut s = String::new();
            write_js_number(x, &mut s);
            s
        };
        // Expected texts from `String(x)` in Node.js (ECMA-262 Number::toString).
        let cases = [
            (0.0, "0"),
            (-0.0, "0"),
            (1.0, "1"),
            (-1.5, "-1.5"),
            (100.0, "100"),
            (1.5e-6, "0.0000015"),
            (1e-6, "0.000001"),
            (1e-7, "1e-7"),
            (1.25e-7, "1.25e-7"),
            (1e21, "1e+21"),
            (1.5e21, "1.5e+21"),
            (1e20, "100000000000000000000"),
            (123456789012345680000.0, "123456789012345680000"),
            (131509374647239400.0, "131509374647239400"),
            (9007199254740993.0, "9007199254740992"),
            (0.1 + 0.2, "0.30000000000000004"),
            (5e-324, "5e-324"),
            (f64::MAX, "1.7976931348623157e+308"),
            (6312.5, "6312.5"),
        ];
        for (x, want) in cases {
            assert_eq!(js(x), want, "{x:e}");
        }
    }

    #[test]
    fn json_numbers_keep_their_text() {
        // What Elasticsearch indexes in a keyword field: Jackson's text of the number token.
        // (serde_json writes the exponent marker `E` as `e`: the one difference left.)
        let doc: Value =
            serde_json::from_str(r#"{"a": 1.50, "b": 1e-7, "c": 1E+21, "d": 131509374647239400, "e": -0}"#)
                .unwrap();
        for (f, want) in
            [("a", "1.50"), ("b", "1e-7"), ("c", "1e+21"), ("d", "131509374647239400"), ("e", "-0")]
        {
            assert_eq!(items(&doc, f), [want]);
        }
    }

    #[test]
    fn long_values_are_not_indexed() {
        let long = "x".repeat(IGNORE_ABOVE + 1);
        assert_eq!(items(&json!({"a": long}), "a"), [format!("TooLong({})", IGNORE_ABOVE + 1)]);
        let at_limit = "é".repeat(IGNORE_ABOVE);
        assert_eq!(items(&json!({"a": at_limit.clone()}), "a"), [at_limit]);
    }

    #[test]
    fn depth_is_bounded() {
        let mut v = json!("x");
        for _ in 0..100 {
            v = json!([v]);
        }
        let doc = json!({ "a": v });
        let mut seen = Vec::new();
        doc.visit_field(&FieldPath::new("a"), 10, &mut |i| {
            seen.push(format!("{i:?}"));
            false
        });
        assert_eq!(seen, ["TooDeep"]);
    }

    #[test]
    fn keys_cover_every_split() {
        let p = FieldPath::new("a.b.c");
        let keys: Vec<&str> = p.keys().into_iter().flatten().collect();
        assert_eq!(keys, ["a", "a.b", "a.b.c", "b", "b.c", "c"]);
    }

    #[test]
    fn hits_are_split() {
        let hit = json!({"_index": "i", "_id": "1", "_source": {"a": 1}});
        let h = Hit::split(&hit);
        assert_eq!((h.index, h.id), (Some("i"), Some("1")));
        assert_eq!(h.source, &json!({"a": 1}));
        let plain = json!({"a": 1});
        assert!(Hit::split(&plain).index.is_none());
    }
}
