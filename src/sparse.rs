//! Parsing only the fields a rule reads from one JSON line.
//!
//! A candidate line of an NDJSON scan holds sixty-odd fields, of which the rule reads six or
//! seven. Building the whole tree allocates every key and string; this parse walks the same bytes
//! with serde_json but keeps only the subtrees on the way to a field the rule (or one of its
//! exceptions) reads, skipping the rest with `IgnoredAny`. Dotted keys are followed as the field
//! reader follows them: a key is kept when it is a prefix of, equal to, or inside a needed path.
//! The kept tree gives every field exactly the values the full tree would.

use std::borrow::Cow;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// The dotted paths to keep. A hit's `_source.`-prefixed paths and its `_index`/`_id` are kept too.
#[derive(Clone, Debug, Default)]
pub(crate) struct Needed {
    paths: Vec<String>,
}

impl Needed {
    pub(crate) fn new<'a>(fields: impl IntoIterator<Item = &'a str>) -> Needed {
        let mut paths: Vec<String> = Vec::new();
        for f in fields {
            for p in [f.to_string(), format!("_source.{f}")] {
                if !paths.contains(&p) {
                    paths.push(p);
                }
            }
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
pub(crate) fn parse_needed(line: &[u8], needed: &Needed) -> serde_json::Result<Value> {
    let mut de = serde_json::Deserializer::from_slice(line);
    let v = Pruned { needed, path: String::new() }.deserialize(&mut de)?;
    de.end()?;
    Ok(v)
}

struct Pruned<'n> {
    needed: &'n Needed,
    /// The dotted path of this node ("" at the root).
    path: String,
}

impl<'de> DeserializeSeed<'de> for Pruned<'_> {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

struct Key<'de>(Cow<'de, str>);

impl<'de> serde::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_string())))
            }
            fn visit_string<E>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

impl<'de> Visitor<'de> for Pruned<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(Pruned { needed: self.needed, path: self.path.clone() })? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(Key(k)) = map.next_key::<Key<'de>>()? {
            let path = if self.path.is_empty() { k.to_string() } else { format!("{}.{k}", self.path) };
            match self.needed.keep(&path) {
                Keep::No => {
                    map.next_value::<IgnoredAny>()?;
                }
                Keep::All => {
                    let v: Value = map.next_value()?;
                    out.insert(k.into_owned(), v);
                }
                Keep::Some => {
                    let v = map.next_value_seed(Pruned { needed: self.needed, path })?;
                    out.insert(k.into_owned(), v);
                }
            }
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Event, FieldPath, Item};
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
        let line = serde_json::to_vec(&doc).unwrap();
        let needed = Needed::new(["dns.question.name", "process.name", "event.category", "sig.nested"]);
        let pruned = parse_needed(&line, &needed).unwrap();
        for f in ["dns.question.name", "process.name", "event.category", "sig.nested.a", "sig.nested.b"] {
            assert_eq!(values(&pruned, f), values(&doc, f), "{f}");
        }
        assert!(pruned["event"].get("action").is_none());
        assert!(pruned["dns"].get("Ext").is_none());
        assert!(pruned["process"][0].get("pid").is_none());
        let hit = json!({"_index": "i", "_id": "1", "_source": doc});
        let pruned = parse_needed(&serde_json::to_vec(&hit).unwrap(), &needed).unwrap();
        assert_eq!(pruned["_index"], "i");
        assert_eq!(values(&pruned["_source"], "dns.question.name"), values(&doc, "dns.question.name"));
    }

    #[test]
    fn errors_are_serde_jsons() {
        let needed = Needed::new(["a"]);
        assert!(parse_needed(b"{\"a\":1,}", &needed).is_err());
        assert!(parse_needed(b"{\"b\":[1,}", &needed).is_err());
        assert!(parse_needed(b"{\"a\":1} x", &needed).is_err());
    }
}
