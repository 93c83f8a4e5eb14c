//! A JavaScript event read in place, property by property, only along the paths the rule reads:
//! the shared traversal of `input/event.rs` over [`JsNode`], with the reads of `reads.js`.
//!
//! Every value read from JS is checked before it is used: a read that throws answers "absent" and
//! the exception is rethrown after the evaluation ([`Reader::finish`]); an array whose `length` is
//! not an array length is a `TypeError` naming the field; an array longer than a JSON line of
//! `max_line_bytes` can hold is a limit error, raised before any element is read (a sparse array
//! of length 2^32-1 costs nothing); a string too long to be indexed crosses as its length only.

use std::cell::RefCell;

use wasm_bindgen::prelude::*;

use crate::input::event::{visit, visit_nodes, Event, FieldPath, Item, PathKey, Shape, Tree, IGNORE_ABOVE};
use crate::{Error, ErrorKind, Limits};

/// What `reads.js` answers about a value, as one number (a crossing costs more than what it asks,
/// so a node's shape is one call). Defined here only: [`define`] hands them to `reads.js`.
mod kind {
    /// Not an own property.
    pub const ABSENT: f64 = -1.0;
    /// An array whose `length` is not an array length; the length is kept for the message.
    pub const BAD_LENGTH: f64 = -2.0;
    /// Nothing JSON would carry as a value: `null`, `undefined`, NaN, functions, ...
    pub const NOTHING: f64 = 0.0;
    pub const STRING: f64 = 1.0;
    /// A string longer than `IGNORE_ABOVE` UTF-16 units; its length in characters is kept.
    pub const LONG_STRING: f64 = 2.0;
    /// A finite number.
    pub const NUMBER: f64 = 3.0;
    pub const TRUE: f64 = 4.0;
    pub const FALSE: f64 = 5.0;
    /// An object that is not an array.
    pub const OBJECT: f64 = 6.0;
    /// An array of length n is `ARRAY + n`.
    pub const ARRAY: f64 = 7.0;
}

#[wasm_bindgen(module = "/src/wasm/reads.js")]
extern "C" {
    /// Hands the kind codes and `IGNORE_ABOVE` to `reads.js`.
    fn define_kinds(codes: &[f64]);
    /// The kind of `obj[key]` if `key` is an own property of `obj`, else `ABSENT`.
    fn own_kind(obj: &JsValue, key: &JsValue) -> f64;
    /// The kind of `arr[i]`.
    fn element_kind(arr: &JsValue, i: u32) -> f64;
    /// The value the last read found (an object or an array).
    fn last_value() -> JsValue;
    /// The same, a string (its kind said so).
    fn last_string() -> String;
    /// The same, a number (a finite number, a long string's length).
    fn last_number() -> f64;
    /// The same, described for a message.
    fn last_described() -> String;
    /// `[exception]` for the first exception a read caught since the last call, or `undefined`.
    fn take_thrown() -> JsValue;
}

/// Hands the kind codes to `reads.js`; called once per instance, before any read.
pub(super) fn define() {
    use kind::*;
    let codes = [
        ABSENT,
        BAD_LENGTH,
        NOTHING,
        STRING,
        LONG_STRING,
        NUMBER,
        TRUE,
        FALSE,
        OBJECT,
        ARRAY,
        IGNORE_ABOVE as f64,
    ];
    define_kinds(&codes);
}

/// What one evaluation of a JS event shares: the prepared keys, the bound on array lengths and
/// the first error found.
pub(super) struct Reader<'a> {
    /// For each field the rule reads, the JS string of every key the traversal may ask for
    /// (indexed by [`FieldPath::key_id`]), made once so that no key crosses per event.
    keys: &'a [Vec<JsValue>],
    fields: &'a [FieldPath],
    /// The longest array read: what a JSON line of `max_line_bytes` can hold (`[0,0,...]`).
    max_elements: usize,
    error: RefCell<Option<JsValue>>,
}

impl<'a> Reader<'a> {
    pub(super) fn new(keys: &'a [Vec<JsValue>], fields: &'a [FieldPath], limits: &Limits) -> Reader<'a> {
        Reader { keys, fields, max_elements: limits.max_line_bytes / 2, error: RefCell::new(None) }
    }

    /// The event `root` (an object) read through this reader.
    pub(super) fn event(&'a self, root: JsValue) -> JsEvent<'a> {
        JsEvent { root, reader: self }
    }

    /// Throws what the reads found wrong, if anything: the first exception an event's getter or
    /// trap threw, else the first invalid value.
    pub(super) fn finish(&self) -> Result<(), JsValue> {
        let thrown = take_thrown();
        if !thrown.is_undefined() {
            return Err(thrown.unchecked_into::<js_sys::Array>().get(0));
        }
        match self.error.borrow_mut().take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    fn fail(&self, path: &FieldPath, make: impl FnOnce(&str) -> JsValue) {
        let mut error = self.error.borrow_mut();
        if error.is_none() {
            *error = Some(make(path.as_str()));
        }
    }
}

/// The JS string of every key the traversal of `path` may ask for.
pub(super) fn make_keys(path: &FieldPath) -> Vec<JsValue> {
    path.keys().into_iter().map(|k| k.map_or(JsValue::UNDEFINED, JsValue::from_str)).collect()
}

/// A JS event read in place. A value nested deeper than the limit on a path the rule reads (a
/// cyclic object, most likely) is no value, and the reason says `too_deep`, on both evaluation
/// paths alike; it is not an error, since the fast path may never reach it.
pub(super) struct JsEvent<'a> {
    root: JsValue,
    reader: &'a Reader<'a>,
}

impl Event for JsEvent<'_> {
    fn visit_field(&self, path: &FieldPath, max_depth: usize, f: &mut dyn FnMut(Item<'_>) -> bool) -> bool {
        let r = self.reader;
        match r.fields.iter().position(|p| p.as_str() == path.as_str()) {
            Some(field) => visit(&JsNode::object(&self.root, &r.keys[field], path, r), path, max_depth, f),
            // A field outside the query (an exception's, a `nested` entry's): keys made for the call.
            None => {
                let keys = make_keys(path);
                visit(&JsNode::object(&self.root, &keys, path, r), path, max_depth, f)
            }
        }
    }

    fn visit_objects(
        &self,
        path: &FieldPath,
        max_depth: usize,
        f: &mut dyn FnMut(&dyn Event) -> bool,
    ) -> bool {
        let keys = make_keys(path);
        let root = JsNode::object(&self.root, &keys, path, self.reader);
        // An object's fields are read with keys made per call: no field of `fields` is under it.
        let nested = Reader {
            keys: &[],
            fields: &[],
            max_elements: self.reader.max_elements,
            error: RefCell::new(None),
        };
        let found = visit_nodes(&root, path, max_depth, &mut |obj: &JsNode<'_>| {
            // visit_nodes calls back on objects only.
            let Payload::Js(o) = &obj.value else { return false };
            f(&JsEvent { root: o.clone(), reader: &nested })
        });
        if let Some(e) = nested.error.into_inner() {
            self.reader.fail(path, |_| e);
        }
        found
    }
}

/// A node of a JS event: its kind and, where the traversal reads it, its value.
pub(super) struct JsNode<'k> {
    kind: f64,
    value: Payload,
    keys: &'k [JsValue],
    path: &'k FieldPath,
    reader: &'k Reader<'k>,
}

enum Payload {
    /// An object or an array, to read on from.
    Js(JsValue),
    Text(String),
    /// A finite number, or a long string's length in characters.
    Number(f64),
    /// A boolean or nothing JSON would carry: the kind says all.
    Nothing,
}

impl<'k> JsNode<'k> {
    /// A node known to be an object (an event, a hit's `_source`).
    fn object(value: &JsValue, keys: &'k [JsValue], path: &'k FieldPath, reader: &'k Reader<'k>) -> Self {
        JsNode { kind: kind::OBJECT, value: Payload::Js(value.clone()), keys, path, reader }
    }

    /// The node whose kind was just read, with its value (one more crossing where there is one).
    fn read(&self, kind: f64) -> JsNode<'k> {
        let value = match kind {
            kind::STRING => Payload::Text(last_string()),
            kind::NUMBER | kind::LONG_STRING => Payload::Number(last_number()),
            kind::BAD_LENGTH => {
                let length = last_described();
                self.reader.fail(self.path, |field| {
                    super::type_error(&format!(
                        "`{field}`: an array of the event has length {length}, not an integer from 0 to 2^32-1"
                    ))
                });
                Payload::Nothing
            }
            k if k == kind::OBJECT || k >= kind::ARRAY => Payload::Js(last_value()),
            _ => Payload::Nothing,
        };
        JsNode { kind, value, keys: self.keys, path: self.path, reader: self.reader }
    }
}

/// The own property `key` of the JS object `obj` (never one inherited from a prototype, so
/// `constructor` or `__proto__` read only what the event itself holds), read as a bare node.
pub(super) fn own_text(obj: &JsValue, key: &JsValue) -> Option<String> {
    (own_kind(obj, key) == kind::STRING).then(last_string)
}

/// Whether the own property `key` of `obj` is an object (not an array); the object if so.
pub(super) fn own_object(obj: &JsValue, key: &JsValue) -> Option<JsValue> {
    let k = own_kind(obj, key);
    if k == kind::OBJECT {
        Some(last_value())
    } else {
        // Whatever the read kept is let go: only objects are read on.
        let _ = last_value();
        None
    }
}

impl Tree for JsNode<'_> {
    fn shape<'s>(&'s self, buf: &'s mut String) -> Shape<'s> {
        match (&self.value, self.kind) {
            (Payload::Text(t), _) => Shape::Text(t),
            (Payload::Number(n), kind::LONG_STRING) => Shape::Long(*n as usize),
            (Payload::Number(n), _) => {
                // As `JSON.stringify` writes it: the JSON text of the object reads the same.
                crate::input::event::write_js_number(*n, buf);
                Shape::Text(buf)
            }
            (_, kind::TRUE) => Shape::Text("true"),
            (_, kind::FALSE) => Shape::Text("false"),
            (Payload::Js(_), kind::OBJECT) => Shape::Object,
            (Payload::Js(_), k) if k >= kind::ARRAY => {
                // reads.js checked that the length is an integer below 2^32.
                let n = (k - kind::ARRAY) as usize;
                if n > self.reader.max_elements {
                    let max = self.reader.max_elements;
                    self.reader.fail(self.path, |field| {
                        super::into_js_error(Error::new(
                            ErrorKind::Limit,
                            format!(
                                "`{field}`: an array of {n} elements, more than a JSON line of max_line_bytes \
                                 can hold ({max})"
                            ),
                        ))
                    });
                    return Shape::Null;
                }
                Shape::Array(n)
            }
            // null, undefined, NaN and the infinities (JSON.stringify writes null), functions,
            // symbols, bigints: nothing JSON would carry as a value.
            _ => Shape::Null,
        }
    }

    fn get(&self, key: PathKey<'_>) -> Option<Self> {
        let Payload::Js(obj) = &self.value else { return None };
        let kind = own_kind(obj, self.keys.get(key.id)?);
        (kind != kind::ABSENT).then(|| self.read(kind))
    }

    fn index(&self, i: usize) -> Option<Self> {
        let Payload::Js(arr) = &self.value else { return None };
        Some(self.read(element_kind(arr, i as u32)))
    }
}
