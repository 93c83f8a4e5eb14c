//! The WebAssembly bindings: a thin layer over [`Rule`], compiled only for wasm32.
//!
//! Every export has one shape: JS arguments -> the Rust API -> one serializer out, and every error
//! goes through [`into_js_error`], which throws a real JS `Error` (or `TypeError`) carrying `code`,
//! `line` and `column`. Nothing here may panic or trap; if the module traps all the same (out of
//! memory), the JS wrapper (`js/api.cjs`) makes a new instance and recompiles the rules in use.
//!
//! A compiled rule is a handle (an index into [`RULES`]), not a wasm-bindgen class: the wrapper
//! frees it, and after a new instance is made, an old handle is never freed in the new one.
//!
//! The wrapper decides what an event argument is (an object, or JSON text as bytes) and checks its
//! type and size before it crosses. An object is read in place ([`js_event`]), only along the
//! paths the rule reads; JSON text and NDJSON cross as bytes.

mod js_event;

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::Reflect;
use serde::Serialize;
use serde_json::Value;
use wasm_bindgen::prelude::*;

use crate::eql::parse::{highlight, parse_query};
use crate::input::event::{FieldPath, Item};
use crate::{
    exceptions_from_value, parse_exceptions, Error, ErrorKind, Event, InputMode, Limits, ListEdits,
    ReasonKind, Rule, RuleBuilder, Verdict,
};
use js_event::{make_keys, own_object, own_text, Reader};

#[wasm_bindgen(start)]
fn start() {
    js_event::define();
}

/// Options of `compileRule(options)`, as JSON text; the JS wrapper validates their types first.
#[derive(serde::Deserialize, Default)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
struct RuleOptions {
    version: Option<String>,
    query: Option<String>,
    /// Read as a value first, then as [`Limits`], so that the error names the limits.
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
    /// An index mapping: its JSON text or the object.
    mapping: Option<Value>,
}

/// A compiled rule with what reading JS events needs, made once.
struct Compiled {
    rule: Rule,
    /// For each field the rule reads, the JS string of every key the traversal may ask for.
    keys: Vec<Vec<JsValue>>,
    /// `_source`, `_index` and `_id`, the keys of an Elasticsearch hit.
    hit_keys: [JsValue; 3],
}

thread_local! {
    /// The rules compiled and not yet freed, by handle; freed slots are reused.
    static RULES: RefCell<Vec<Option<Rc<Compiled>>>> = const { RefCell::new(Vec::new()) };
}

fn rule(handle: u32) -> Result<Rc<Compiled>, JsValue> {
    RULES
        .with(|r| r.borrow().get(handle as usize).cloned().flatten())
        .ok_or_else(|| type_error("this rule was freed"))
}

/// Compiles a rule from its options (JSON text); returns its handle.
#[wasm_bindgen]
pub fn compile(options: &str) -> Result<u32, JsValue> {
    let options: RuleOptions =
        serde_json::from_str(options).map_err(|e| type_error(&format!("invalid rule options: {e}")))?;
    let mut b = RuleBuilder::new();
    if let Some(v) = &options.version {
        b.version(v);
    }
    if let Some(q) = &options.query {
        b.query(q);
    }
    if let Some(l) = options.limits {
        let l: Limits = serde_json::from_value(l).map_err(|e| type_error(&format!("invalid limits: {e}")))?;
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
    match &options.mapping {
        None => {}
        Some(Value::String(text)) => {
            b.mapping(crate::Mapping::from_json(text).map_err(into_js_error)?);
        }
        Some(v) => {
            b.mapping(crate::Mapping::from_value(v).map_err(into_js_error)?);
        }
    }
    let rule = b.build().map_err(into_js_error)?;
    let keys = rule.compiled().fields.iter().map(make_keys).collect();
    let hit_keys = ["_source", "_index", "_id"].map(JsValue::from_str);
    let compiled = Some(Rc::new(Compiled { rule, keys, hit_keys }));
    Ok(RULES.with(|r| {
        let mut r = r.borrow_mut();
        match r.iter().position(Option::is_none) {
            Some(free) => {
                r[free] = compiled;
                free as u32
            }
            None => {
                r.push(compiled);
                (r.len() - 1) as u32
            }
        }
    }))
}

/// Frees a rule's handle (the JS wrapper does, when its `Rule` is collected).
#[wasm_bindgen]
pub fn free(handle: u32) {
    RULES.with(|r| {
        if let Some(slot) = r.borrow_mut().get_mut(handle as usize) {
            *slot = None;
        }
    });
}

/// The fast path for a JS object (an event or a hit).
#[wasm_bindgen(js_name = matchesObject)]
pub fn matches_object(handle: u32, event: JsValue) -> Result<bool, JsValue> {
    let c = rule(handle)?;
    let hit = c.hit(&event)?;
    let reader = Reader::new(&c.keys, &c.rule.compiled().fields, c.rule.limits());
    let m = c.rule.matches(&reader.event(hit.source));
    reader.finish()?;
    Ok(m)
}

/// The fast path for JSON text (UTF-8 bytes).
#[wasm_bindgen(js_name = matchesJson)]
pub fn matches_json(handle: u32, bytes: &[u8]) -> Result<bool, JsValue> {
    let c = rule(handle)?;
    c.rule.matches_value(&parse_json(bytes)?).map_err(into_js_error)
}

/// The verdict with reasons for a JS object (an event or a hit), packed ([`pack_verdict`]).
#[wasm_bindgen(js_name = evaluateObject)]
pub fn evaluate_object(handle: u32, event: JsValue) -> Result<String, JsValue> {
    let c = rule(handle)?;
    let hit = c.hit(&event)?;
    let reader = Reader::new(&c.keys, &c.rule.compiled().fields, c.rule.limits());
    let mut verdict = c.rule.evaluate(&reader.event(hit.source));
    reader.finish()?;
    verdict.index = hit.index;
    verdict.id = hit.id;
    pack_verdict(&verdict)
}

/// The verdict with reasons for JSON text (UTF-8 bytes), packed ([`pack_verdict`]).
#[wasm_bindgen(js_name = evaluateJson)]
pub fn evaluate_json(handle: u32, bytes: &[u8]) -> Result<String, JsValue> {
    let c = rule(handle)?;
    pack_verdict(&c.rule.evaluate_value(&parse_json(bytes)?).map_err(into_js_error)?)
}

/// What every verdict of a rule shares, for `js/api.cjs` to unpack verdicts with
/// ([`pack_verdict`]): `{ rule, kinds, nodes }`, with `kinds` the texts of the reason kinds by
/// code and `nodes` the query's reasons tree in preorder, each `[start, end, clause, op, field,
/// children]` (`field` null where a reason has none, `children` their count). None of it depends
/// on the event: it is read off the verdict of an empty event.
#[wasm_bindgen(js_name = verdictShape)]
pub fn verdict_shape(handle: u32) -> Result<JsValue, JsValue> {
    /// `[start, end, clause, op, field, children]`.
    type Node<'a> = (usize, usize, &'a str, &'static str, Option<&'a str>, usize);
    #[derive(Serialize)]
    struct Shape<'a> {
        rule: &'a crate::RuleRef,
        kinds: Vec<&'static str>,
        nodes: Vec<Node<'a>>,
    }
    fn walk<'a>(
        r: &'a crate::Reason,
        texts: &mut impl Iterator<Item = (crate::Span, &'a str)>,
        out: &mut Vec<Node<'a>>,
    ) {
        // The query's text of the clause, as the verdict has it (the same preorder).
        let text = match texts.next() {
            Some((span, text)) if (span.start, span.end) == (r.start, r.end) => text,
            _ => &r.clause,
        };
        out.push((r.start, r.end, text, r.op.as_str(), r.field.as_deref(), r.children.len()));
        r.children.iter().for_each(|c| walk(c, texts, out));
    }
    let c = rule(handle)?;
    let empty = c.rule.evaluate(&Value::Object(serde_json::Map::new()));
    let mut texts = c.rule.compiled().clause_texts().into_iter();
    let mut nodes = Vec::new();
    walk(&empty.reasons, &mut texts, &mut nodes);
    to_js(&Shape { rule: &empty.rule, kinds: KINDS.iter().map(|k| k.as_str()).collect(), nodes })
}

/// Scans NDJSON bytes.
#[wasm_bindgen(js_name = scanNdjson)]
pub fn scan_ndjson(handle: u32, bytes: &[u8]) -> Result<JsValue, JsValue> {
    to_js(&rule(handle)?.rule.scan_ndjson(bytes))
}

/// The rule's metadata.
#[wasm_bindgen]
pub fn info(handle: u32) -> Result<JsValue, JsValue> {
    to_js(rule(handle)?.rule.info())
}

/// The field paths the rule reads.
#[wasm_bindgen]
pub fn fields(handle: u32) -> Result<JsValue, JsValue> {
    to_js(&rule(handle)?.rule.fields())
}

/// Compile-time warnings.
#[wasm_bindgen]
pub fn warnings(handle: u32) -> Result<JsValue, JsValue> {
    to_js(rule(handle)?.rule.warnings())
}

/// The version's sample events with their expected verdicts.
#[wasm_bindgen]
pub fn samples(handle: u32) -> Result<JsValue, JsValue> {
    to_js(rule(handle)?.rule.samples())
}

/// The exception items in force.
#[wasm_bindgen]
pub fn exceptions(handle: u32) -> Result<JsValue, JsValue> {
    to_js(rule(handle)?.rule.exceptions())
}

/// The limits in force.
#[wasm_bindgen]
pub fn limits(handle: u32) -> Result<JsValue, JsValue> {
    to_js(rule(handle)?.rule.limits())
}

/// The default limits.
#[wasm_bindgen(js_name = defaultLimits)]
pub fn default_limits() -> Result<JsValue, JsValue> {
    to_js(&Limits::default())
}

/// What a matching event must hold, for the JS wrapper to rule events out before crossing:
/// `[{ field, terms }]` (one of these exact terms, see [`Rule::required_terms`]) and
/// `[{ field, patterns, caseInsensitive }]` (a value matching one of these wildcard patterns).
#[wasm_bindgen]
pub fn prefilter(handle: u32) -> Result<JsValue, JsValue> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Check<'a> {
        field: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        terms: Option<&'a [String]>,
        #[serde(skip_serializing_if = "Option::is_none")]
        patterns: Option<&'a [String]>,
        case_insensitive: bool,
    }
    let c = rule(handle)?;
    let terms = c.rule.required_terms().into_iter().map(|(field, terms)| Check {
        field,
        terms: Some(terms),
        patterns: None,
        case_insensitive: false,
    });
    let patterns = crate::input::scan::required_patterns(&c.rule).into_iter().map(|(field, set)| Check {
        field,
        terms: None,
        patterns: Some(set.patterns()),
        case_insensitive: set.case_insensitive(),
    });
    to_js(&terms.chain(patterns).collect::<Vec<_>>())
}

/// Suggests an exception item from false positives, checked against true positives; each event
/// is JSON text (the wrapper stringifies objects).
#[wasm_bindgen(js_name = suggestException)]
pub fn suggest_exception(
    handle: u32,
    false_positives: Vec<String>,
    true_positives: Vec<String>,
) -> Result<JsValue, JsValue> {
    let c = rule(handle)?;
    let parse = |list: Vec<String>, what: &str| -> Result<Vec<Value>, JsValue> {
        list.iter()
            .enumerate()
            .map(|(i, text)| {
                crate::input::json::parse_event(text.as_bytes()).map_err(|e| {
                    into_js_error(Error::new(ErrorKind::Event, format!("{what}[{i}]: {}", e.message())))
                })
            })
            .collect()
    };
    let fps = parse(false_positives, "falsePositives")?;
    let tps = parse(true_positives, "truePositives")?;
    to_js(&c.rule.suggest_exception(&fps, &tps))
}

/// The values of the field `path` in a JS object (an event or a hit's `_source`), as the engine
/// reads them: the keyword text of each value, in document order (objects, strings too long to be
/// indexed and what lies deeper than `max_event_depth` are no values).
#[wasm_bindgen(js_name = fieldValues)]
pub fn field_values(event: JsValue, path: &str) -> Result<JsValue, JsValue> {
    let path = FieldPath::new(path);
    let limits = Limits::default();
    let source = own_object(&event, &JsValue::from_str("_source")).unwrap_or(event);
    let reader = Reader::new(&[], &[], &limits);
    let values = texts(&reader.event(source), &path, &limits);
    reader.finish()?;
    to_js(&values)
}

/// [`field_values`] for JSON text (UTF-8 bytes).
#[wasm_bindgen(js_name = fieldValuesJson)]
pub fn field_values_json(bytes: &[u8], path: &str) -> Result<JsValue, JsValue> {
    let value = crate::input::json::parse_event(bytes).map_err(into_js_error)?;
    let limits = Limits::default();
    let hit = crate::Hit::split(&value);
    to_js(&texts(hit.source, &FieldPath::new(path), &limits))
}

fn texts(event: &dyn Event, path: &FieldPath, limits: &Limits) -> Vec<String> {
    let mut out = Vec::new();
    event.visit_field(path, limits.max_event_depth, &mut |item| {
        if let Item::Text(t) = item {
            out.push(t.to_string());
        }
        false
    });
    out
}

/// The tokens and comments of a query text for highlighting, flat: `[kind, from, to, ...]` with
/// UTF-16 offsets and `kind` an index into [`token_kinds`], in order. Text being typed is
/// highlighted as far as the lexer reads it. (Flat numbers: objects built here cost 3 KB of
/// module; `js/api.cjs` makes them.)
#[wasm_bindgen(js_name = queryTokens)]
pub fn query_tokens(text: &str) -> Vec<u32> {
    let mut at = Utf16::new(text);
    let mut out = Vec::new();
    for (kind, span) in highlight(text) {
        out.extend([kind as u32, at.at(span.start), at.at(span.end)]);
    }
    out
}

/// The names of the token kinds of [`query_tokens`], space-separated, by index.
#[wasm_bindgen(js_name = tokenKinds)]
pub fn token_kinds() -> String {
    crate::eql::parse::TokenKind::NAMES.join(" ")
}

/// The fields of the default (ECS) mapping, newline-separated, in order: what an editor offers to
/// complete a field name with.
#[wasm_bindgen(js_name = knownFields)]
pub fn known_fields() -> String {
    let mut out = String::new();
    for name in crate::eql::mapping::Mapping::ecs_ref().field_names() {
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(name);
    }
    out
}

/// The lists the tuning edits in a query text, as an editor shows them, for the domains and for
/// the excluded executables: `[from, to, [from, to, value, ...]]` in UTF-16 code units, or
/// `null`. Throws the query's syntax error.
#[wasm_bindgen(js_name = tunableLists)]
pub fn tunable_lists(text: &str) -> Result<js_sys::Array, JsValue> {
    let query = parse_query(text, &Limits::default()).map_err(into_js_error)?;
    let mut at = Utf16::new(text);
    let out = js_sys::Array::new();
    for list in crate::tuning::lists::tunable_lists(&query) {
        let Some((span, entries)) = list else {
            out.push(&JsValue::NULL);
            continue;
        };
        let flat = js_sys::Array::new();
        for (span, value) in entries {
            flat.push(&at.at(span.start).into());
            flat.push(&at.at(span.end).into());
            flat.push(&value.into());
        }
        out.push(&js_sys::Array::of3(&at.at(span.start).into(), &at.at(span.end).into(), &flat));
    }
    Ok(out)
}

/// The coverage packs: `[{ name, title, source, semantics, patterns }]`.
#[wasm_bindgen]
pub fn packs() -> Result<JsValue, JsValue> {
    to_js(crate::packs())
}

/// The published versions: `[{ version, stack, default }]`.
#[wasm_bindgen]
pub fn versions() -> Result<JsValue, JsValue> {
    to_js(&crate::versions())
}

/// The verdict for JSON text as serde_json writes it, for the tests that hold the packed verdicts
/// ([`pack_verdict`], unpacked by `js/api.cjs`) to the verdict's own serialization.
#[wasm_bindgen(js_name = verdictJsonForTests)]
pub fn verdict_json_for_tests(handle: u32, bytes: &[u8]) -> Result<String, JsValue> {
    let c = rule(handle)?;
    let verdict = c.rule.evaluate_value(&parse_json(bytes)?).map_err(into_js_error)?;
    serde_json::to_string(&verdict).map_err(|e| JsValue::from(js_sys::Error::new(&e.to_string())))
}

/// Traps, for the tests of the wrapper's recovery (a new instance, the rules recompiled).
#[wasm_bindgen(js_name = trapForTests)]
pub fn trap_for_tests() {
    core::arch::wasm32::unreachable()
}

/// UTF-8 byte offsets of a text to UTF-16 code units, cheaply for offsets that ascend.
struct Utf16<'a> {
    text: &'a str,
    byte: usize,
    unit: usize,
}

impl<'a> Utf16<'a> {
    fn new(text: &'a str) -> Self {
        Utf16 { text, byte: 0, unit: 0 }
    }

    fn at(&mut self, byte: usize) -> u32 {
        if byte < self.byte {
            (self.byte, self.unit) = (0, 0);
        }
        self.unit += self.text.get(self.byte..byte).map_or(0, |s| s.encode_utf16().count());
        self.byte = byte;
        self.unit as u32
    }
}

/// A JS event: a hit's `_source` with its `_index` and `_id`, or the event itself.
struct JsHit {
    source: JsValue,
    index: Option<String>,
    id: Option<String>,
}

impl Compiled {
    fn hit(&self, event: &JsValue) -> Result<JsHit, JsValue> {
        if self.rule.input_mode() != InputMode::Ecs {
            // The Sysmon adapter reads JSON values: js/api.cjs sends such events as JSON text.
            return Err(type_error("with the `sysmon` and `auto` input modes, events cross as JSON text"));
        }
        let [source_key, index_key, id_key] = &self.hit_keys;
        let hit = match own_object(event, source_key) {
            Some(source) => JsHit { index: own_text(event, index_key), id: own_text(event, id_key), source },
            None => JsHit { source: event.clone(), index: None, id: None },
        };
        // A getter of `_source` may have thrown.
        Reader::new(&[], &[], self.rule.limits()).finish()?;
        Ok(hit)
    }
}

/// One event's JSON text.
fn parse_json(bytes: &[u8]) -> Result<Value, JsValue> {
    crate::input::json::parse_event(bytes).map_err(into_js_error)
}

/// The reason kinds by the code [`pack_verdict`] gives them.
const KINDS: [ReasonKind; 11] = [
    ReasonKind::Matched,
    ReasonKind::FieldAbsent,
    ReasonKind::ValueMismatch,
    ReasonKind::CaseMismatch,
    ReasonKind::ObjectValue,
    ReasonKind::ValueTooLong,
    ReasonKind::TooDeep,
    ReasonKind::Excluded,
    ReasonKind::ClauseFailed,
    ReasonKind::Constant,
    ReasonKind::Exception,
];

fn kind_code(kind: ReasonKind) -> usize {
    // Exhaustive: a new kind does not compile until it has a code.
    match kind {
        ReasonKind::Matched => 0,
        ReasonKind::FieldAbsent => 1,
        ReasonKind::ValueMismatch => 2,
        ReasonKind::CaseMismatch => 3,
        ReasonKind::ObjectValue => 4,
        ReasonKind::ValueTooLong => 5,
        ReasonKind::TooDeep => 6,
        ReasonKind::Excluded => 7,
        ReasonKind::ClauseFailed => 8,
        ReasonKind::Constant => 9,
        ReasonKind::Exception => 10,
    }
}

/// A verdict as one string that `js/api.cjs` (`unpackVerdict`) turns back into the object its
/// JSON would be, with what every verdict of the rule shares taken from [`verdict_shape`]: the
/// rule, and of each reason of the query its span, clause text, operator and field. What
/// depends on the event is written in order, strings as their length in UTF-16 code units then
/// their text, numbers as [`Packed::num`]:
///
/// - flags: 1 matched, 2 query_matched, 4 suppressed_by, 8 exceptions, 16 input, 32 `_index`,
///   64 `_id` (present);
/// - the summary;
/// - each reason of the query, in preorder: `2 * kind + held`, the values (a count, then each),
///   the matched entries (the same), the note (0 for none, else its length + 1, then its text);
/// - the missing fields (a count, then each);
/// - those of suppressed_by, exceptions (JSON text), input (JSON text), `_index` and `_id` that
///   the flags say are present.
///
/// Building the objects in JS from this costs a fraction of serializing the verdict to JSON in
/// wasm and parsing it in JS (the query's texts alone are most of that JSON).
fn pack_verdict(v: &Verdict) -> Result<String, JsValue> {
    let mut p = Packed(String::with_capacity(512));
    let flags = [
        v.matched,
        v.query_matched,
        v.suppressed_by.is_some(),
        !v.exceptions.is_empty(),
        v.input.is_some(),
        v.index.is_some(),
        v.id.is_some(),
    ];
    p.num(flags.iter().rev().fold(0, |acc, &f| acc * 2 + usize::from(f)));
    p.str(&v.summary);
    p.reason(&v.reasons);
    p.list(&v.missing_fields);
    if let Some(by) = &v.suppressed_by {
        p.str(by);
    }
    if !v.exceptions.is_empty() {
        p.str(&json_text(&v.exceptions)?);
    }
    if let Some(input) = &v.input {
        p.str(&json_text(input)?);
    }
    for text in [&v.index, &v.id].into_iter().flatten() {
        p.str(text);
    }
    Ok(p.0)
}

/// The text [`pack_verdict`] writes.
struct Packed(String);

impl Packed {
    /// A number as base-64 digits, least significant first, each but the last + 0x40: every
    /// digit is one ASCII character, so that a verdict of ASCII text is ASCII (the glue's
    /// TextDecoder takes several times longer over text with one character that is not).
    fn num(&mut self, mut n: usize) {
        while n >= 0x40 {
            self.0.push(char::from(0x40 + (n & 0x3f) as u8));
            n >>= 6;
        }
        self.0.push(char::from(n as u8));
    }

    fn str(&mut self, s: &str) {
        self.num(utf16_len(s));
        self.0.push_str(s);
    }

    fn list(&mut self, items: &[String]) {
        self.num(items.len());
        items.iter().for_each(|s| self.str(s));
    }

    fn reason(&mut self, r: &crate::Reason) {
        self.num(2 * kind_code(r.kind) + usize::from(r.held));
        self.list(&r.values);
        self.list(&r.matched);
        match &r.note {
            None => self.num(0),
            Some(n) => {
                self.num(utf16_len(n) + 1);
                self.0.push_str(n);
            }
        }
        r.children.iter().for_each(|c| self.reason(c));
    }
}

/// The length of `s` in UTF-16 code units, as JS counts it.
fn utf16_len(s: &str) -> usize {
    if s.is_ascii() {
        return s.len();
    }
    // One unit per character, two for those of four bytes.
    s.bytes().map(|b| usize::from(b & 0xc0 != 0x80) + usize::from(b >= 0xf0)).sum()
}

fn json_text<T: Serialize + ?Sized>(value: &T) -> Result<String, JsValue> {
    serde_json::to_string(value)
        .map_err(|e| JsValue::from(js_sys::Error::new(&format!("cannot convert the result: {e}"))))
}

/// A result as a JS value, through JSON text: one serializer for every type costs less module
/// than building objects in place (3 KB gzip).
fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsValue> {
    js_sys::JSON::parse(&json_text(value)?)
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
