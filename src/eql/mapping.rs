//! Field types: the index mapping a rule runs against.
//!
//! Elasticsearch compares a field by its mapped type: a `long` field's term `1.0` is the number 1,
//! a `date` field's `"2017-08-30T20:47:33Z"` is an instant, an `ip` field's `"::ffff:10.0.0.1"` is
//! `10.0.0.1`. A rule carries a [`Mapping`]: by default the ECS types of the fields a detection
//! rule reads ([`Mapping::ecs`], from `ecs_fields.txt`), or an index mapping as
//! `GET index/_mapping` returns it ([`Mapping::from_json`]).
//!
//! A field the mapping lacks is refused as Elasticsearch refuses it ("Unknown column") when a
//! mapping is given; with the default ECS mapping it is read as a keyword and the rule gets an
//! `unknown_field` warning naming the closest ECS field.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde_json::Value;

use crate::error::{Error, ErrorKind, Result};

/// How a field is compared, after Elasticsearch's field mappers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FieldType {
    /// `keyword`, `constant_keyword`, `wildcard`, and `text` with a keyword sub-field: exact text.
    Keyword,
    /// `long`, `integer`, `short`, `byte` (with their ranges) and `unsigned_long`.
    Integer { min: i128, max: i128 },
    /// `double`, `float`, `half_float`, `scaled_float`: `bits` is the stored precision.
    Float { bits: u8 },
    /// `date` (milliseconds) and `date_nanos`.
    Date { nanos: bool },
    /// `ip`: IPv4 and IPv6, IPv4-mapped addresses equal to IPv4.
    Ip,
    /// `boolean`.
    Boolean,
    /// `version`: text for equality and patterns, software-version order for ranges.
    Version,
    /// Anything EQL cannot compare (`text` without a keyword, `geo_point`, objects...).
    Other,
}

impl FieldType {
    /// Elasticsearch's name of the type family, for messages.
    pub(crate) fn name(self) -> &'static str {
        match self {
            FieldType::Keyword => "keyword",
            FieldType::Integer { .. } => "long",
            FieldType::Float { .. } => "double",
            FieldType::Date { nanos: false } => "date",
            FieldType::Date { nanos: true } => "date_nanos",
            FieldType::Ip => "ip",
            FieldType::Boolean => "boolean",
            FieldType::Version => "version",
            FieldType::Other => "unsupported",
        }
    }

    /// Whether values compare as text for equality, lists and patterns (keywords and versions:
    /// a version's encoding is one-to-one, so its terms are its text).
    pub(crate) fn is_text(self) -> bool {
        matches!(self, FieldType::Keyword | FieldType::Version)
    }

    fn parse(name: &str) -> FieldType {
        let int = |min: i128, max: i128| FieldType::Integer { min, max };
        match name {
            "keyword" | "constant_keyword" | "wildcard" | "match_only_text" => FieldType::Keyword,
            "version" => FieldType::Version,
            "long" => int(i64::MIN.into(), i64::MAX.into()),
            "integer" => int(i32::MIN.into(), i32::MAX.into()),
            "short" => int(i16::MIN.into(), i16::MAX.into()),
            "byte" => int(i8::MIN.into(), i8::MAX.into()),
            "unsigned_long" => int(0, u64::MAX.into()),
            "double" | "scaled_float" => FieldType::Float { bits: 64 },
            "float" => FieldType::Float { bits: 32 },
            "half_float" => FieldType::Float { bits: 16 },
            "date" => FieldType::Date { nanos: false },
            "date_nanos" => FieldType::Date { nanos: true },
            "ip" => FieldType::Ip,
            "boolean" => FieldType::Boolean,
            _ => FieldType::Other,
        }
    }
}

/// One mapped field.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct FieldMapping {
    pub ty: FieldType,
    /// The `_source` path the values are read from: the field itself, an alias's `path`, or the
    /// parent of a multi-field (`file_name.keyword` reads `file_name`).
    pub source: Option<String>,
    /// `null_value`: what an explicit `null` in a document is indexed as.
    pub null_value: Option<String>,
}

/// The field types a rule compares by. See the module docs.
#[derive(Clone, Debug, PartialEq)]
pub struct Mapping {
    fields: BTreeMap<String, FieldMapping>,
    ecs: bool,
}

impl Mapping {
    /// The default mapping: the ECS types of the fields detection rules read (`@timestamp` a
    /// date, `source.ip` an ip, `process.pid` a long, `process.code_signature.trusted` a
    /// boolean, most others keywords).
    pub fn ecs() -> Mapping {
        Mapping::ecs_ref().clone()
    }

    /// The default mapping, made once.
    pub(crate) fn ecs_ref() -> &'static Mapping {
        static ECS: OnceLock<Mapping> = OnceLock::new();
        ECS.get_or_init(|| {
            let mut fields = BTreeMap::new();
            for line in include_str!("ecs_fields.txt").lines() {
                let Some((prefix, rest)) = line.split_once(": ") else { continue };
                if line.starts_with('#') {
                    continue;
                }
                let mut ty = FieldType::Keyword;
                for word in rest.split_whitespace() {
                    match word.strip_prefix(':') {
                        Some(type_name) => ty = FieldType::parse(type_name),
                        None => {
                            let name = word;
                            let path =
                                if prefix == "-" { name.to_string() } else { format!("{prefix}.{name}") };
                            fields.insert(path, FieldMapping { ty, source: None, null_value: None });
                        }
                    }
                }
            }
            Mapping { fields, ecs: true }
        })
    }

    /// An index mapping as JSON text: the answer of `GET index/_mapping` (`{"index": {"mappings":
    /// {...}}}`, several indices merged), a `{"mappings": ...}` object, or a `{"properties": ...}`
    /// object.
    pub fn from_json(text: &str) -> Result<Mapping> {
        let v: Value = serde_json::from_str(text)
            .map_err(|e| Error::new(ErrorKind::Tuning, format!("mapping: invalid JSON: {e}")))?;
        Mapping::from_value(&v)
    }

    /// Like [`Mapping::from_json`] for a parsed value.
    pub fn from_value(v: &Value) -> Result<Mapping> {
        let bad = |msg: &str| Error::new(ErrorKind::Tuning, format!("mapping: {msg}"));
        let obj = v.as_object().ok_or_else(|| bad("must be a JSON object"))?;
        let mut roots: Vec<&Value> = Vec::new();
        if obj.contains_key("properties") {
            roots.push(v);
        } else if let Some(m) = obj.get("mappings") {
            roots.push(m);
        } else {
            for (index, body) in obj {
                let m = body.get("mappings").ok_or_else(|| {
                    bad(&format!("`{index}` has no `mappings`; expected the answer of GET index/_mapping"))
                })?;
                roots.push(m);
            }
        }
        let mut fields = BTreeMap::new();
        for root in roots {
            let props = root.get("properties").unwrap_or(&Value::Null);
            collect(props, "", &mut fields, 0).map_err(|m| bad(&m))?;
        }
        // Aliases read their target's type and source.
        let aliases: Vec<(String, String)> = fields
            .iter()
            .filter(|(_, f)| f.ty == FieldType::Other && f.null_value.as_deref() == Some(ALIAS))
            .filter_map(|(k, f)| Some((k.clone(), f.source.clone()?)))
            .collect();
        for (alias, target) in aliases {
            let resolved = fields.get(&target).cloned().ok_or_else(|| {
                bad(&format!("alias `{alias}` points to `{target}`, which the mapping does not hold"))
            })?;
            let source = resolved.source.clone().or(Some(target));
            fields.insert(alias, FieldMapping { source, ..resolved });
        }
        Ok(Mapping { fields, ecs: false })
    }

    /// Whether this is the default ECS mapping (then unknown fields are warned about, not refused).
    pub fn is_ecs(&self) -> bool {
        self.ecs
    }

    /// The type name of a mapped field (`"keyword"`, `"long"`, `"date"`, `"ip"`, `"boolean"`,
    /// `"double"`, ...), `None` when the mapping lacks it.
    pub fn field_type(&self, path: &str) -> Option<&'static str> {
        self.fields.get(path).map(|f| f.ty.name())
    }

    /// Every mapped field, in order.
    pub fn field_names(&self) -> impl Iterator<Item = &str> {
        self.fields.keys().map(String::as_str)
    }

    pub(crate) fn get(&self, path: &str) -> Option<&FieldMapping> {
        self.fields.get(path)
    }

    /// The mapped field nearest to `path` by edit distance (for "did you mean").
    pub(crate) fn closest(&self, path: &str) -> Option<&str> {
        // Hostile input: a name far longer than any field is nobody's typo.
        if path.len() > 200 {
            return None;
        }
        let mut best: Option<(usize, &str)> = None;
        for name in self.fields.keys() {
            let bound = best.map_or(usize::MAX, |(d, _)| d);
            if let Some(d) = edit_distance(path, name, bound) {
                if d < bound {
                    best = Some((d, name));
                }
            }
        }
        best.map(|(_, n)| n)
    }
}

/// Marks an alias while the mapping is read (its target is in `source`).
const ALIAS: &str = "\u{0}alias";

fn collect(
    props: &Value,
    prefix: &str,
    out: &mut BTreeMap<String, FieldMapping>,
    depth: usize,
) -> std::result::Result<(), String> {
    if depth > 64 {
        return Err("nests deeper than 64 levels".into());
    }
    let Some(props) = props.as_object() else {
        return if props.is_null() { Ok(()) } else { Err(format!("`{prefix}properties` must be an object")) };
    };
    for (name, def) in props {
        let path = if prefix.is_empty() { name.clone() } else { format!("{prefix}{name}") };
        let ty = def.get("type").and_then(Value::as_str);
        if let Some(sub) = def.get("properties") {
            collect(sub, &format!("{path}."), out, depth + 1)?;
            if ty.is_none() || ty == Some("object") || ty == Some("nested") {
                continue;
            }
        }
        let Some(ty) = ty else { continue };
        if ty == "alias" {
            let target =
                def.get("path").and_then(Value::as_str).ok_or(format!("alias `{path}` has no `path`"))?;
            out.insert(
                path,
                FieldMapping {
                    ty: FieldType::Other,
                    source: Some(target.into()),
                    null_value: Some(ALIAS.into()),
                },
            );
            continue;
        }
        let null_value = def.get("null_value").and_then(|v| match v {
            Value::String(s) => Some(s.clone()),
            Value::Null => None,
            other => Some(other.to_string()),
        });
        let mut field_ty = FieldType::parse(ty);
        // A text field is compared through its keyword sub-field, as EQL's exact match does.
        let subfields = def.get("fields").and_then(Value::as_object);
        if ty == "text" {
            let keyword = subfields
                .and_then(|s| s.values().find(|d| d.get("type").and_then(Value::as_str) == Some("keyword")));
            field_ty = if keyword.is_some() { FieldType::Keyword } else { FieldType::Other };
        }
        for (sub, sdef) in subfields.into_iter().flatten() {
            let sty = sdef.get("type").and_then(Value::as_str).map_or(FieldType::Other, FieldType::parse);
            out.insert(
                format!("{path}.{sub}"),
                FieldMapping { ty: sty, source: Some(path.clone()), null_value: None },
            );
        }
        out.insert(path, FieldMapping { ty: field_ty, source: None, null_value });
    }
    Ok(())
}

/// Levenshtein distance of `a` and `b` in characters, `None` when it is `bound` or more.
fn edit_distance(a: &str, b: &str, bound: usize) -> Option<usize> {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) >= bound {
        return None;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        if cur.iter().min().is_some_and(|&m| m >= bound) {
            return None;
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    let d = prev[b.len()];
    (d < bound).then_some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ecs_types() {
        let m = Mapping::ecs();
        assert_eq!(m.field_type("@timestamp"), Some("date"));
        assert_eq!(m.field_type("source.ip"), Some("ip"));
        assert_eq!(m.field_type("process.pid"), Some("long"));
        assert_eq!(m.field_type("process.code_signature.trusted"), Some("boolean"));
        assert_eq!(m.field_type("dns.question.name"), Some("keyword"));
        assert_eq!(m.field_type("dns.resolved_ip"), Some("ip"));
        assert_eq!(m.field_type("process.parent.pid"), Some("long"));
        assert_eq!(m.field_type("nope"), None);
        assert!(m.field_names().count() > 300);
        assert_eq!(m.closest("dns.question.nmae"), Some("dns.question.name"));
        assert_eq!(m.closest("proces.name"), Some("process.name"));
    }

    #[test]
    fn index_mappings_with_aliases_and_multi_fields() {
        let text = r#"{"endgame": {"mappings": {"properties": {
            "event_type": {"type": "keyword"},
            "event": {"properties": {"category": {"type": "alias", "path": "event_type"}}},
            "file_name": {"type": "text", "fields": {"keyword": {"type": "keyword", "ignore_above": 256}}},
            "hostname": {"type": "text"},
            "pid": {"type": "long"},
            "flag": {"type": "boolean", "null_value": false},
            "user": {"type": "keyword", "null_value": "N/A"}
        }}}}"#;
        let m = Mapping::from_json(text).unwrap();
        assert!(!m.is_ecs());
        assert_eq!(m.field_type("event.category"), Some("keyword"));
        assert_eq!(m.get("event.category").unwrap().source.as_deref(), Some("event_type"));
        assert_eq!(m.field_type("file_name"), Some("keyword"));
        assert_eq!(m.get("file_name.keyword").unwrap().source.as_deref(), Some("file_name"));
        assert_eq!(m.field_type("hostname"), Some("unsupported"));
        assert_eq!(m.get("flag").unwrap().null_value.as_deref(), Some("false"));
        assert_eq!(m.get("user").unwrap().null_value.as_deref(), Some("N/A"));
        assert!(Mapping::from_json(r#"{"properties": {"a": {"type": "alias", "path": "b"}}}"#).is_err());
        assert!(Mapping::from_json("[1]").is_err());
        assert!(Mapping::from_json(r#"{"idx": {}}"#).is_err());
    }

    #[test]
    fn edit_distance_is_bounded() {
        assert_eq!(edit_distance("kitten", "sitting", 10), Some(3));
        assert_eq!(edit_distance("kitten", "sitting", 3), None);
        assert_eq!(edit_distance("", "abc", 10), Some(3));
    }
}
