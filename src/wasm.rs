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

use crate::event::{visit, visit_nodes, Event, FieldPath, Item, PathKey, Shape, Tree};
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
        Ok(WasmRule { rule, keys })
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
        if let Some(text) = event.as_string() {
            return parse_json(text.as_bytes());
        }
        if event.is_instance_of::<Uint8Array>() {
            return parse_json(&Uint8Array::from(event.clone()).to_vec());
        }
        if event.is_instance_of::<js_sys::ArrayBuffer>() {
            return parse_json(&Uint8Array::new(event).to_vec());
        }
        // `?`: a revoked Proxy throws here; the exception goes back to the caller (see `caught`).
        let is_array = is_array_checked(event)?;
        if !event.is_object() || is_array {
            let what = if is_array {
                "array".to_string()
            } else if event.is_null() {
                "null".to_string()
            } else {
                event.js_typeof().as_string().unwrap_or_default()
            };
            return Err(type_error(&format!(
                "an event must be an object, a JSON string or a Uint8Array of JSON, not {what}"
            )));
        }
        // An Elasticsearch hit: evaluate `_source`, keep `_index` and `_id`.
        let source = get_own(event, &JsValue::from_str("_source"));
        if let Some(source) = source.filter(|s| s.is_object() && !caught(is_array_checked(s), true)) {
            let text = |k: &str| get_own(event, &JsValue::from_str(k)).and_then(|v| v.as_string());
            return Ok(Input::Object { index: text("_index"), id: text("_id"), source });
        }
        Ok(Input::Object { source: event.clone(), index: None, id: None })
    }
}

fn parse_json(bytes: &[u8]) -> Result<Input, JsValue> {
    crate::rule::parse_event(bytes).map(Input::Json).map_err(into_js_error)
}

/// An own property (never one inherited from a prototype, so `constructor` or `__proto__` read
/// only what the event itself holds).
fn get_own(obj: &JsValue, key: &JsValue) -> Option<JsValue> {
    if !caught(has_own_checked(obj, key), false) {
        return None;
    }
    caught(Reflect::get(obj, key).map(Some), None)
}

// Hostile input: an event's getter or Proxy trap may throw. A JS exception thrown inside an
// import declared without `catch` unwinds through the wasm frames and leaves the module's stack
// pointer and borrow flags as they were mid-call; enough of them and the module traps on every
// call. So every read of an event goes through an import that catches, the first exception is
// kept here, the value reads as absent, and `matches`/`evaluate` rethrow it once they are done.
#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_namespace = Object, js_name = hasOwn)]
    fn has_own_checked(obj: &JsValue, key: &JsValue) -> Result<bool, JsValue>;
    #[wasm_bindgen(catch, js_namespace = Array, js_name = isArray)]
    fn is_array_checked(value: &JsValue) -> Result<bool, JsValue>;
}

thread_local! {
    static THROWN: std::cell::RefCell<Option<JsValue>> = const { std::cell::RefCell::new(None) };
}

/// The value of `r`, or `fallback` after keeping the exception (the first one) for [`rethrow`].
fn caught<T>(r: Result<T, JsValue>, fallback: T) -> T {
    r.unwrap_or_else(|e| {
        THROWN.with(|t| {
            t.borrow_mut().get_or_insert(e);
        });
        fallback
    })
}

/// Throws the exception an event's getter or trap threw during the evaluation, if any.
fn rethrow() -> Result<(), JsValue> {
    match THROWN.with(|t| t.borrow_mut().take()) {
        Some(e) => Err(e),
        None => Ok(()),
    }
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
            let node = JsNode { value: self.root.clone(), keys: &keys };
            return visit(&node, path, max_depth, f);
        };
        let node = JsNode { value: self.root.clone(), keys: &self.keys[field] };
        visit(&node, path, max_depth, f)
    }

    fn visit_objects(
        &self,
        path: &FieldPath,
        max_depth: usize,
        f: &mut dyn FnMut(&dyn Event) -> bool,
    ) -> bool {
        let keys = make_keys(path);
        let node = JsNode { value: self.root.clone(), keys: &keys };
        visit_nodes(&node, path, max_depth, &mut |obj: &JsNode<'_>| {
            let sub = JsEvent { root: obj.value.clone(), keys: &[], fields: &[] };
            f(&sub)
        })
    }
}

fn make_keys(path: &FieldPath) -> Vec<JsValue> {
    path.keys().into_iter().map(|k| k.map_or(JsValue::UNDEFINED, JsValue::from_str)).collect()
}

struct JsNode<'k> {
    value: JsValue,
    keys: &'k [JsValue],
}

impl Tree for JsNode<'_> {
    fn shape<'s>(&'s self, buf: &'s mut String) -> Shape<'s> {
        let v = &self.value;
        if let Some(s) = v.as_string() {
            *buf = s;
            return Shape::Text(buf);
        }
        if let Some(n) = v.as_f64() {
            if !n.is_finite() {
                // JSON.stringify writes NaN and Infinity as null.
                return Shape::Null;
            }
            if n.fract() == 0.0 && n.abs() < 1e21 {
                let _ = write!(buf, "{n:.0}");
            } else {
                let _ = write!(buf, "{n}");
            }
            return Shape::Text(buf);
        }
        if let Some(b) = v.as_bool() {
            return Shape::Text(if b { "true" } else { "false" });
        }
        if caught(is_array_checked(v), false) {
            let length = caught(Reflect::get(v, &JsValue::from_str("length")), JsValue::UNDEFINED);
            return Shape::Array(length.as_f64().unwrap_or(0.0) as usize);
        }
        if v.is_object() {
            return Shape::Object;
        }
        // null, undefined, functions, symbols, bigints: nothing JSON would carry as a value.
        Shape::Null
    }

    fn get(&self, key: PathKey<'_>) -> Option<Self> {
        let k = self.keys.get(key.id)?;
        let value = get_own(&self.value, k)?;
        Some(JsNode { value, keys: self.keys })
    }

    fn index(&self, i: usize) -> Option<Self> {
        let value = caught(Reflect::get(&self.value, &JsValue::from(i as u32)), JsValue::UNDEFINED);
        Some(JsNode { value, keys: self.keys })
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
