//! The WebAssembly bindings: a thin layer over [`Rule`], compiled only for wasm32.
//!
//! Every method has one shape: JS argument -> the Rust API -> one serializer out, and every error
//! goes through [`into_js_error`], which throws a real JS `Error` (or `TypeError`) carrying `code`,
//! `line` and `column`. Nothing here may panic: a trap would leave the module unusable.
//!
//! Events cross the boundary in the cheapest way measured in `engineering-notes.md`: a JS object is
//! read in place, property by property, only along the paths the rule reads (the shared traversal
//! of `event.rs` over [`JsNode`]); JSON text and NDJSON cross as bytes.

use std::fmt::Write;

use js_sys::{Array, Reflect, Uint8Array};
use serde::Serialize;
use serde_json::Value;
use wasm_bindgen::prelude::*;

use crate::input::event::{visit, visit_nodes, Event, FieldPath, Item, PathKey, Shape, Tree};
use crate::{
    exceptions_from_value, parse_exceptions, Error, ErrorKind, InputMode, Limits, ListEdits, Rule,
    RuleBuilder, Verdict,
};

/// Options of `new Rule(options)`; the JS wrapper validates their types first.
#[derive(serde::Deserialize, Default)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
struct RuleOptions {
    version: Option<String>,
    query: Option<String>,
    /// Read as JSON first: serde-wasm-bindgen reads only the properties a struct names, so an
    /// unknown (misspelt) limit would pass unseen; serde_json rejects it.
    limits: Option<Value>,
    /// Exception items (array, one item) or the text of a Kibana export or JSON array.
    exceptions: Option<Value>,
    add_domains: Vec<String>,
    remove_domains: Vec<String>,
    add_excluded_executables: Vec<String>,
    remove_excluded_executables: Vec<String>,
    packs: Vec<String>,
    /// `ecs` (default), `sysmon` or `auto`.
    input: Option<String>,
}

/// A compiled rule, for JavaScript.
#[wasm_bindgen(js_name = Rule)]
pub struct WasmRule {
    rule: Rule,
    /// For each field the rule reads, the JS string of every key the traversal may ask for
    /// (indexed by [`FieldPath::key_id`]), made once so that no key crosses per event.
    keys: Vec<Vec<JsValue>>,
    /// `_source`, `_index` and `_id`, the keys of an Elasticsearch hit.
    hit_keys: [JsValue; 3],
}

#[wasm_bindgen(js_class = Rule)]
impl WasmRule {
    /// Compiles a rule from `{ version?, query?, limits? }`.
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<WasmRule, JsValue> {
        let options: RuleOptions = if options.is_undefined() || options.is_null() {
            RuleOptions::default()
        } else {
            from_js(&options).map_err(|e| type_error(&format!("invalid rule options: {e}")))?
        };
        let mut b = RuleBuilder::new();
        if let Some(v) = &options.version {
            b.version(v);
        }
        if let Some(q) = &options.query {
            b.query(q);
        }
        if let Some(l) = options.limits {
            let l: Limits =
                serde_json::from_value(l).map_err(|e| type_error(&format!("invalid limits: {e}")))?;
            b.limits(l);
        }
        b.edits(ListEdits {
            add_domains: options.add_domains,
            remove_domains: options.remove_domains,
            add_excluded_executables: options.add_excluded_executables,
            remove_excluded_executables: options.remove_excluded_executables,
            packs: options.packs,
        });
        let items = match &options.exceptions {
            None => Vec::new(),
            Some(Value::String(text)) => parse_exceptions(text).map_err(into_js_error)?,
            Some(v) => exceptions_from_value(v).map_err(into_js_error)?,
        };
        b.exceptions(items);
        if let Some(mode) = &options.input {
            let mode = InputMode::parse(mode).ok_or_else(|| {
                type_error(&format!(
                    "compileRule: `input` must be \"ecs\", \"sysmon\" or \"auto\", not \"{mode}\""
                ))
            })?;
            b.input(mode);
        }
        let rule = b.build().map_err(into_js_error)?;
        let keys = rule.compiled().fields.iter().map(make_keys).collect();
        // Every explained verdict carries these texts (the root's is the whole query): interned,
        // each verdict reuses the same JS strings instead of decoding and collecting new ones.
        for clause in rule.compiled().clause_texts() {
            wasm_bindgen::intern(clause);
        }
        let hit_keys = ["_source", "_index", "_id"].map(JsValue::from_str);
        Ok(WasmRule { rule, keys, hit_keys })
    }

    /// The fast path: whether the rule matches an event (object, hit, JSON string or bytes).
    pub fn matches(&self, event: JsValue) -> Result<bool, JsValue> {
        match self.input(&event)? {
            Input::Object { source, .. } => {
                let ev = JsEvent { root: source, keys: &self.keys, fields: &self.rule.compiled().fields };
                rethrow()?;
                let m = self.rule.matches(&ev);
                rethrow()?;
                Ok(m)
            }
            Input::Json(v) => self.rule.matches_value(&v).map_err(into_js_error),
        }
    }

    /// The verdict with reasons for an event (object, hit, JSON string or bytes).
    pub fn evaluate(&self, event: JsValue) -> Result<JsValue, JsValue> {
        let verdict: Verdict = match self.input(&event)? {
            Input::Object { source, index, id } => {
                let ev = JsEvent { root: source, keys: &self.keys, fields: &self.rule.compiled().fields };
                rethrow()?;
                let mut v = self.rule.evaluate(&ev);
                rethrow()?;
                v.index = index;
                v.id = id;
                v
            }
            Input::Json(v) => self.rule.evaluate_value(&v).map_err(into_js_error)?,
        };
        to_js(&verdict)
    }

    /// Scans NDJSON bytes.
    #[wasm_bindgen(js_name = scanNdjson)]
    pub fn scan_ndjson(&self, bytes: &[u8]) -> Result<JsValue, JsValue> {
        to_js(&self.rule.scan_ndjson(bytes))
    }

    /// The rule's metadata.
    pub fn info(&self) -> Result<JsValue, JsValue> {
        to_js(self.rule.info())
    }

    /// The field paths the rule reads.
    pub fn fields(&self) -> Result<JsValue, JsValue> {
        to_js(&self.rule.fields())
    }

    /// Compile-time warnings.
    pub fn warnings(&self) -> Result<JsValue, JsValue> {
        to_js(self.rule.warnings())
    }

    /// The effective EQL text.
    pub fn query(&self) -> String {
        self.rule.query().to_string()
    }

    /// The version's sample events with their expected verdicts.
    pub fn samples(&self) -> Result<JsValue, JsValue> {
        to_js(self.rule.samples())
    }

    /// The exact terms a matching event must hold: `[{ field, terms }]` (see
    /// [`Rule::required_terms`]); the JS wrapper checks them before crossing into wasm.
    #[wasm_bindgen(js_name = requiredTerms)]
    pub fn required_terms(&self) -> Result<JsValue, JsValue> {
        #[derive(Serialize)]
        struct Required<'a> {
            field: &'a str,
            terms: &'a [String],
        }
        let list: Vec<Required<'_>> =
            self.rule.required_terms().into_iter().map(|(field, terms)| Required { field, terms }).collect();
        to_js(&list)
    }

    /// The exception items in force.
    pub fn exceptions(&self) -> Result<JsValue, JsValue> {
        to_js(self.rule.exceptions())
    }

    /// Suggests an exception item from false positives, checked against true positives.
    #[wasm_bindgen(js_name = suggestException)]
    pub fn suggest_exception(
        &self,
        false_positives: JsValue,
        true_positives: JsValue,
    ) -> Result<JsValue, JsValue> {
        let fps = events_from_js(false_positives, "falsePositives")?;
        let tps = events_from_js(true_positives, "truePositives")?;
        to_js(&self.rule.suggest_exception(&fps, &tps))
    }
}

/// The coverage packs: `[{ name, title, source, semantics, patterns }]`.
#[wasm_bindgen]
pub fn packs() -> Result<JsValue, JsValue> {
    to_js(crate::packs())
}

/// A JS value read as JSON-like data through `JSON.stringify` and serde_json, never with
/// serde-wasm-bindgen's `from_value` (hostile input): that recursion has no bound, so a cyclic or
/// very deep object overflowed the wasm stack, and a trapped module fails every later call. Here
/// a cycle is `JSON.stringify`'s TypeError and the nesting is bounded by serde_json's recursion
/// limit (128), as for JSON text.
fn from_js<T: serde::de::DeserializeOwned>(value: &JsValue) -> Result<T, String> {
    let text = js_sys::JSON::stringify(value).map_err(|e| {
        e.dyn_ref::<js_sys::Error>()
            .map_or_else(|| "JSON.stringify failed".to_string(), |e| String::from(e.message()))
    })?;
    let text = text.as_string().ok_or_else(|| "JSON.stringify gave no text".to_string())?;
    serde_json::from_str(&text).map_err(|e| e.to_string())
}

/// An array of events (objects, hits or JSON strings) as JSON values.
fn events_from_js(list: JsValue, what: &str) -> Result<Vec<Value>, JsValue> {
    if list.is_undefined() || list.is_null() {
        return Ok(Vec::new());
    }
    if !is_array_checked(&list)? {
        return Err(type_error(&format!("{what} must be an array of events")));
    }
    let arr: Array = list.unchecked_into();
    let mut out = Vec::with_capacity(arr.length() as usize);
    for (i, v) in arr.iter().enumerate() {
        let value = match v.as_string() {
            Some(text) => serde_json::from_str(&text).map_err(|e| {
                into_js_error(Error::new(ErrorKind::Event, format!("{what}[{i}]: invalid JSON: {e}")))
            })?,
            None => {
                from_js(&v).map_err(|e| type_error(&format!("{what}[{i}] is not a JSON-like event: {e}")))?
            }
        };
        out.push(value);
    }
    Ok(out)
}

/// The published versions: `[{ version, stack, default }]`.
#[wasm_bindgen]
pub fn versions() -> Result<JsValue, JsValue> {
    to_js(&crate::versions())
}

enum Input {
    Object { source: JsValue, index: Option<String>, id: Option<String> },
    Json(Value),
}

impl WasmRule {
    fn input(&self, event: &JsValue) -> Result<Input, JsValue> {
        let input = self.read_input(event)?;
        match input {
            // Sysmon shapes are recognised and mapped on JSON values.
            Input::Object { source, index, id } if self.rule.input_mode() != InputMode::Ecs => {
                let mut v: Value =
                    from_js(&source).map_err(|e| type_error(&format!("the event is not JSON-like: {e}")))?;
                if let (Some(obj), true) = (v.as_object_mut(), index.is_some() || id.is_some()) {
                    // Keep the hit's identity for the verdict.
                    let source = Value::Object(std::mem::take(obj));
                    v = serde_json::json!({ "_index": index, "_id": id, "_source": source });
                }
                Ok(Input::Json(v))
            }
            other => Ok(other),
        }
    }

    fn read_input(&self, event: &JsValue) -> Result<Input, JsValue> {
        // A revoked Proxy throws here: the exception goes back to the caller.
        let kind = event_kind(event);
        rethrow()?;
        match kind {
            INPUT_OBJECT => {}
            INPUT_STRING => return parse_json(event.as_string().unwrap_or_default().as_bytes()),
            INPUT_BYTES => return parse_json(&Uint8Array::from(event.clone()).to_vec()),
            INPUT_BUFFER => return parse_json(&Uint8Array::new(event).to_vec()),
            k => {
                let what = match k {
                    INPUT_ARRAY => "array".to_string(),
                    _ if event.is_null() => "null".to_string(),
                    _ => event.js_typeof().as_string().unwrap_or_default(),
                };
                return Err(type_error(&format!(
                    "an event must be an object, a JSON string or a Uint8Array of JSON, not {what}"
                )));
            }
        }
        // An Elasticsearch hit: evaluate `_source`, keep `_index` and `_id`.
        if let Some(source) = JsNode::member(event, &self.hit_keys[0], &[]).and_then(|n| n.object()) {
            let text = |k: &JsValue| match JsNode::member(event, k, &[])?.value {
                Payload::Text(t) => Some(t),
                _ => None,
            };
            return Ok(Input::Object { index: text(&self.hit_keys[1]), id: text(&self.hit_keys[2]), source });
        }
        Ok(Input::Object { source: event.clone(), index: None, id: None })
    }
}

fn parse_json(bytes: &[u8]) -> Result<Input, JsValue> {
    crate::input::json::parse_event(bytes).map(Input::Json).map_err(into_js_error)
}

/// What [`kind`] answers, as one number: a crossing into JS costs more than what it asks, so a
/// node's shape is one call, not one per question.
mod kind {
    // 0: nothing JSON would carry as a value.
    pub const STRING: f64 = 1.0;
    pub const NUMBER: f64 = 2.0;
    pub const TRUE: f64 = 3.0;
    pub const FALSE: f64 = 4.0;
    pub const OBJECT: f64 = 5.0;
    /// An array of length n is `ARRAY + n`.
    pub const ARRAY: f64 = 6.0;
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_namespace = Array, js_name = isArray)]
    fn is_array_checked(value: &JsValue) -> Result<bool, JsValue>;
}

// The reads of the traversal, each one crossing instead of two to five.
//
// Hostile input: an event's getter or Proxy trap may throw. A JS exception thrown inside an
// import declared without `catch` unwinds through the wasm frames and leaves the module's stack
// pointer and borrow flags as they were mid-call; enough of them and the module traps on every
// call. So every read of an event catches in JS, keeps the first exception, and answers "absent";
// `matches`/`evaluate` rethrow it once they are done ([`rethrow`]). Catching here rather than with
// wasm-bindgen's `catch` also spares a closure per read, which showed as garbage-collector time.
#[wasm_bindgen(inline_js = r#"
let pending;
function keep(e) {
  if (pending === undefined) pending = [e];
}
export function take_thrown() {
  const p = pending;
  pending = undefined;
  return p;
}
// The value the last `own_kind`/`element_kind` read, for `last_value`/`last_string`/`last_number`.
let last;
export function own_kind(obj, key) {
  try {
    if (!Object.hasOwn(obj, key)) return -1;
    last = obj[key];
    return kind(last);
  } catch (e) {
    keep(e);
    return -1;
  }
}
export function element_kind(arr, i) {
  try {
    last = arr[i];
    return kind(last);
  } catch (e) {
    keep(e);
    return 0;
  }
}
export function last_value() {
  const v = last;
  last = undefined;
  return v;
}
export function last_string() {
  const v = last;
  last = undefined;
  return v;
}
export function last_number() {
  const v = last;
  last = undefined;
  return v;
}
function kind(v) {
  try {
    switch (typeof v) {
      case 'string': return 1;
      case 'number': return Number.isFinite(v) ? 2 : 0;
      case 'boolean': return v ? 3 : 4;
      case 'object': {
        if (v === null) return 0;
        if (!Array.isArray(v)) return 5;
        const n = v.length;
        return typeof n === 'number' ? 6 + n : 6;
      }
      default: return 0;
    }
  } catch (e) {
    keep(e);
    return 0;
  }
}
export function event_kind(v) {
  try {
    if (typeof v === 'string') return 1;
    if (v instanceof Uint8Array) return 2;
    if (v instanceof ArrayBuffer) return 3;
    if (v === null || typeof v !== 'object') return 0;
    return Array.isArray(v) ? 5 : 4;
  } catch (e) {
    keep(e);
    return 0;
  }
}
"#)]
extern "C" {
    /// The [`kind`] of `obj[key]` if `key` is an own property of `obj`, else -1; the value is
    /// kept for one `last_*` call.
    fn own_kind(obj: &JsValue, key: &JsValue) -> f64;
    /// The [`kind`] of `arr[i]`; the value is kept for one `last_*` call.
    fn element_kind(arr: &JsValue, i: u32) -> f64;
    /// The value the last `own_kind` or `element_kind` read.
    fn last_value() -> JsValue;
    /// The same, a string (its kind said so).
    fn last_string() -> String;
    /// The same, a finite number (its kind said so).
    fn last_number() -> f64;
    /// What an argument of `matches`/`evaluate` is: one of the `INPUT_` constants.
    fn event_kind(value: &JsValue) -> u32;
    /// `[exception]` for the first exception a read caught since the last call, or `undefined`.
    fn take_thrown() -> JsValue;
}

const INPUT_STRING: u32 = 1;
const INPUT_BYTES: u32 = 2;
const INPUT_BUFFER: u32 = 3;
const INPUT_OBJECT: u32 = 4;
const INPUT_ARRAY: u32 = 5;

/// Throws the exception an event's getter or trap threw during the reads, if any.
fn rethrow() -> Result<(), JsValue> {
    let thrown = take_thrown();
    if thrown.is_undefined() {
        return Ok(());
    }
    Err(thrown.unchecked_into::<Array>().get(0))
}

/// A JS event read in place. A value nested deeper than the limit on a path the rule reads (a
/// cyclic array, most likely) is no value, and the reason says `too_deep`, on both evaluation
/// paths alike; it is not an error, since the fast path may never reach it.
struct JsEvent<'a> {
    root: JsValue,
    keys: &'a [Vec<JsValue>],
    fields: &'a [FieldPath],
}

impl Event for JsEvent<'_> {
    fn visit_field(&self, path: &FieldPath, max_depth: usize, f: &mut dyn FnMut(Item<'_>) -> bool) -> bool {
        let Some(field) = self.fields.iter().position(|p| p.as_str() == path.as_str()) else {
            // A field outside the query (an exception's): its keys are made for this call.
            let keys = make_keys(path);
            return visit(&JsNode::object_node(&self.root, &keys), path, max_depth, f);
        };
        let node = JsNode::object_node(&self.root, &self.keys[field]);
        visit(&node, path, max_depth, f)
    }

    fn visit_objects(
        &self,
        path: &FieldPath,
        max_depth: usize,
        f: &mut dyn FnMut(&dyn Event) -> bool,
    ) -> bool {
        let keys = make_keys(path);
        visit_nodes(&JsNode::object_node(&self.root, &keys), path, max_depth, &mut |obj: &JsNode<'_>| {
            // visit_nodes calls back on objects only.
            let Payload::Js(root) = &obj.value else { return false };
            f(&JsEvent { root: root.clone(), keys: &[], fields: &[] })
        })
    }
}

fn make_keys(path: &FieldPath) -> Vec<JsValue> {
    path.keys().into_iter().map(|k| k.map_or(JsValue::UNDEFINED, JsValue::from_str)).collect()
}

/// A node of a JS event: its kind and, where the traversal reads it, its value, read from JS in
/// one or two crossings ([`own_kind`] then one `last_*`).
struct JsNode<'k> {
    kind: f64,
    value: Payload,
    keys: &'k [JsValue],
}

enum Payload {
    /// An object or an array, to read on from.
    Js(JsValue),
    Text(String),
    Number(f64),
    /// A boolean or nothing JSON would carry: the kind says all.
    Nothing,
}

impl<'k> JsNode<'k> {
    /// A node known to be an object (an event, a hit's `_source`).
    fn object_node(value: &JsValue, keys: &'k [JsValue]) -> JsNode<'k> {
        JsNode { kind: kind::OBJECT, value: Payload::Js(value.clone()), keys }
    }

    /// The own property `key` of `obj` (never one inherited from a prototype, so `constructor` or
    /// `__proto__` read only what the event itself holds).
    fn member(obj: &JsValue, key: &JsValue, keys: &'k [JsValue]) -> Option<JsNode<'k>> {
        let kind = own_kind(obj, key);
        (kind >= 0.0).then(|| JsNode::read(kind, keys))
    }

    /// The node whose kind was just read, with the value [`last_value`] and its kin hold.
    fn read(kind: f64, keys: &'k [JsValue]) -> JsNode<'k> {
        let value = match kind {
            kind::STRING => Payload::Text(last_string()),
            kind::NUMBER => Payload::Number(last_number()),
            k if k == kind::OBJECT || k >= kind::ARRAY => Payload::Js(last_value()),
            _ => Payload::Nothing,
        };
        JsNode { kind, value, keys }
    }

    /// The JS object this node is, if it is one (not an array).
    fn object(self) -> Option<JsValue> {
        match self.value {
            Payload::Js(v) if self.kind == kind::OBJECT => Some(v),
            _ => None,
        }
    }
}

impl Tree for JsNode<'_> {
    fn shape<'s>(&'s self, buf: &'s mut String) -> Shape<'s> {
        match (&self.value, self.kind) {
            (Payload::Text(t), _) => Shape::Text(t),
            (Payload::Number(n), _) => {
                if n.fract() == 0.0 && n.abs() < 1e21 {
                    let _ = write!(buf, "{n:.0}");
                } else {
                    let _ = write!(buf, "{n}");
                }
                Shape::Text(buf)
            }
            (_, kind::TRUE) => Shape::Text("true"),
            (_, kind::FALSE) => Shape::Text("false"),
            (Payload::Js(_), kind::OBJECT) => Shape::Object,
            // An array's length is below 2^32.
            (Payload::Js(_), k) if k >= kind::ARRAY => Shape::Array((k - kind::ARRAY) as usize),
            // null, undefined, NaN and the infinities (JSON.stringify writes null), functions,
            // symbols, bigints: nothing JSON would carry as a value.
            _ => Shape::Null,
        }
    }

    fn get(&self, key: PathKey<'_>) -> Option<Self> {
        let Payload::Js(obj) = &self.value else { return None };
        JsNode::member(obj, self.keys.get(key.id)?, self.keys)
    }

    fn index(&self, i: usize) -> Option<Self> {
        let Payload::Js(arr) = &self.value else { return None };
        Some(JsNode::read(element_kind(arr, i as u32), self.keys))
    }
}

fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsValue> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| JsValue::from(js_sys::Error::new(&format!("cannot convert the result: {e}"))))
}

fn type_error(message: &str) -> JsValue {
    let e = js_sys::TypeError::new(message);
    let _ = Reflect::set(&e, &"code".into(), &"invalid_argument".into());
    e.into()
}

/// Turns an [`Error`] into a thrown JS `Error` with `code`, `line`, `column` and `excerpt`.
fn into_js_error(err: Error) -> JsValue {
    let e = js_sys::Error::new(&err.to_string());
    let _ = Reflect::set(&e, &"code".into(), &err.kind().code().into());
    if let Some(p) = err.position() {
        let _ = Reflect::set(&e, &"line".into(), &(p.line as f64).into());
        let _ = Reflect::set(&e, &"column".into(), &(p.column as f64).into());
        let _ = Reflect::set(&e, &"offset".into(), &(p.offset as f64).into());
        let _ = Reflect::set(&e, &"excerpt".into(), &p.excerpt.as_str().into());
    }
    e.into()
}
