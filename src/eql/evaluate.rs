//! Evaluation of a compiled query against an event: the boolean fast path and the explaining path.
//!
//! Both walk the same compiled tree and decide every leaf with the same primitive,
//! [`Test::accepts`], applied to the same items from [`Event::visit_field`]. The fast path
//! short-circuits (cheap exact terms first) and allocates nothing for string values; the explaining
//! path never short-circuits, so that every clause gets its reason. A property test pins the two to
//! the same answer.

use crate::eql::compile::{CompiledQuery, Leaf, Node, NodeKind, Test};
use crate::eql::verdict::{expected_phrase, Reason, ReasonKind, ReasonOp};
use crate::input::event::{Event, Item};

/// The boolean fast path.
pub(crate) fn matches<E: Event + ?Sized>(q: &CompiledQuery, event: &E, max_depth: usize) -> bool {
    eval(q, &q.root, event, max_depth) == Some(true)
}

/// The value of a node in Elasticsearch's three-valued logic: `None` is `null`, which only a
/// `?field` the mapping lacks makes (a `not` of it stays `null`); every other leaf is a filter,
/// true or false.
fn eval<E: Event + ?Sized>(q: &CompiledQuery, node: &Node, event: &E, max_depth: usize) -> Option<bool> {
    match &node.kind {
        NodeKind::All { children, order } => {
            let mut null = false;
            for &i in order {
                match eval(q, &children[i], event, max_depth) {
                    Some(false) => return Some(false),
                    None => null = true,
                    Some(true) => {}
                }
            }
            (!null).then_some(true)
        }
        NodeKind::Any(children) => {
            let mut null = false;
            for c in children {
                match eval(q, c, event, max_depth) {
                    Some(true) => return Some(true),
                    None => null = true,
                    Some(false) => {}
                }
            }
            (!null).then_some(false)
        }
        NodeKind::Not(inner) => eval(q, inner, event, max_depth).map(|b| !b),
        NodeKind::Const(b) => Some(*b),
        NodeKind::Null => None,
        NodeKind::Leaf(leaf) => {
            let test = &leaf.test;
            let positive = event.visit_field(&q.fields[leaf.field], max_depth, &mut |item| match item {
                Item::Text(s) => test.accepts(s),
                Item::Null => leaf.null_value.as_deref().is_some_and(|v| test.accepts(v)),
                _ => false,
            });
            Some(positive != leaf.negated)
        }
    }
}

/// The explaining path: the reasons tree, and the fields with no value.
pub(crate) fn explain<E: Event + ?Sized>(
    q: &CompiledQuery,
    event: &E,
    max_depth: usize,
) -> (Reason, Vec<String>) {
    let mut missing = Vec::new();
    let (reason, _) = explain_node(q, &q.root, event, max_depth, &mut missing);
    (reason, missing)
}

/// The reason of `node`, with its value in the three-valued logic of [`eval`] (what `eval` would
/// return, found from the children's values rather than by reading the event again; a reason
/// holds exactly when the value is `Some(true)`).
fn explain_node<E: Event + ?Sized>(
    q: &CompiledQuery,
    node: &Node,
    event: &E,
    max_depth: usize,
    missing: &mut Vec<String>,
) -> (Reason, Option<bool>) {
    let clause = node.span.text(&q.source).to_string();
    let op = match &node.kind {
        NodeKind::All { .. } => ReasonOp::And,
        NodeKind::Any(_) => ReasonOp::Or,
        NodeKind::Not(_) => ReasonOp::Not,
        NodeKind::Const(_) | NodeKind::Null => ReasonOp::Const,
        NodeKind::Leaf(leaf) => leaf.op,
    };
    let mut r = Reason {
        clause,
        start: node.span.start,
        end: node.span.end,
        op,
        held: false,
        kind: ReasonKind::Matched,
        field: None,
        values: Vec::new(),
        matched: Vec::new(),
        note: None,
        children: Vec::new(),
    };
    let value = match &node.kind {
        NodeKind::All { children, .. } => {
            let (children, value) = explain_children(q, children, event, max_depth, missing, false);
            r.children = children;
            r.held = r.children.iter().all(|c| c.held);
            r.kind = if r.held { ReasonKind::Matched } else { ReasonKind::ClauseFailed };
            value
        }
        NodeKind::Any(children) => {
            let (children, value) = explain_children(q, children, event, max_depth, missing, true);
            r.children = children;
            r.held = r.children.iter().any(|c| c.held);
            r.kind = if r.held { ReasonKind::Matched } else { ReasonKind::ClauseFailed };
            value
        }
        NodeKind::Not(inner) => {
            let (inner, inner_value) = explain_node(q, inner, event, max_depth, missing);
            // `not null` is null: the three-valued value decides, not the inner reason alone.
            r.held = inner_value == Some(false);
            r.kind = if r.held {
                // Say why the excluded clause did not hold: absent field, other value, ...
                match inner.kind {
                    ReasonKind::ClauseFailed | ReasonKind::Matched => ReasonKind::Matched,
                    k => k,
                }
            } else {
                ReasonKind::Excluded
            };
            r.field = inner.field.clone();
            r.values = inner.values.clone();
            r.matched = inner.matched.clone();
            r.children = vec![inner];
            inner_value.map(|b| !b)
        }
        NodeKind::Const(b) => {
            r.held = *b;
            r.kind = ReasonKind::Constant;
            Some(*b)
        }
        NodeKind::Null => {
            r.held = false;
            r.kind = ReasonKind::Constant;
            r.note = Some(
                "the optional field is not in the mapping: Elasticsearch reads it as null, and a comparison with null is null (neither true nor false)"
                    .into(),
            );
            None
        }
        NodeKind::Leaf(leaf) => {
            explain_leaf(q, leaf, event, max_depth, missing, &mut r);
            Some(r.held)
        }
    };
    (r, value)
}

/// The reasons of the parts of an `and` (`any` false) or an `or` (`any` true), and its value as
/// [`eval`] finds it: `Some(any)` if a part has that value, else null if a part is null.
fn explain_children<E: Event + ?Sized>(
    q: &CompiledQuery,
    children: &[Node],
    event: &E,
    max_depth: usize,
    missing: &mut Vec<String>,
    any: bool,
) -> (Vec<Reason>, Option<bool>) {
    let (mut decided, mut null) = (false, false);
    let reasons = children
        .iter()
        .map(|c| {
            let (reason, value) = explain_node(q, c, event, max_depth, missing);
            match value {
                Some(b) if b == any => decided = true,
                None => null = true,
                Some(_) => {}
            }
            reason
        })
        .collect();
    let value = if decided { Some(any) } else { (!null).then_some(!any) };
    (reasons, value)
}

fn explain_leaf<E: Event + ?Sized>(
    q: &CompiledQuery,
    leaf: &Leaf,
    event: &E,
    max_depth: usize,
    missing: &mut Vec<String>,
    r: &mut Reason,
) {
    let path = &q.fields[leaf.field];
    let test = &leaf.test;
    r.field = Some(path.as_str().to_string());
    let (mut objects, mut too_long, mut too_deep) = (0usize, 0usize, false);
    let mut positive = false;
    let mut folded = false;
    let mut malformed = None;
    event.visit_field(path, max_depth, &mut |item| {
        let item = match item {
            Item::Null => match leaf.null_value.as_deref() {
                Some(v) => Item::Text(v),
                None => Item::Null,
            },
            other => other,
        };
        match item {
            Item::Null => {}
            Item::Text(s) => {
                r.values.push(s.to_string());
                if malformed.is_none() {
                    malformed = test.malformed(s);
                }
                if test.accepts(s) {
                    positive = true;
                    test.matching_entries(s, &mut r.matched);
                } else if !test.case_insensitive() && test.accepts_folded(s) {
                    folded = true;
                }
            }
            Item::Object => objects += 1,
            Item::TooLong(_) => too_long += 1,
            Item::TooDeep => too_deep = true,
        }
        false
    });
    dedup_in_place(&mut r.matched);
    let has_value = !r.values.is_empty();
    if !has_value && !missing.iter().any(|m| m == path.as_str()) {
        missing.push(path.as_str().to_string());
    }
    r.held = positive != leaf.negated;
    r.kind = if positive {
        if leaf.negated {
            ReasonKind::Excluded
        } else {
            ReasonKind::Matched
        }
    } else if has_value {
        if folded {
            ReasonKind::CaseMismatch
        } else {
            ReasonKind::ValueMismatch
        }
    } else if too_deep {
        ReasonKind::TooDeep
    } else if objects > 0 {
        ReasonKind::ObjectValue
    } else if too_long > 0 {
        ReasonKind::ValueTooLong
    } else {
        ReasonKind::FieldAbsent
    };
    r.note = match r.kind {
        ReasonKind::ObjectValue => Some(format!("{} holds an object where a value is expected: no value", path.as_str())),
        ReasonKind::ValueTooLong => Some(format!(
            "{} is longer than ignore_above (1024 characters): Elasticsearch does not index it, so it has no value",
            path.as_str()
        )),
        ReasonKind::TooDeep => Some(format!(
            "{} nests deeper than the limit max_event_depth = {max_depth} (is it cyclic?): no value",
            path.as_str()
        )),
        ReasonKind::FieldAbsent if leaf.negated => Some(format!("{} is absent, so the exclusion does not apply", path.as_str())),
        ReasonKind::ValueMismatch if malformed.is_some() => Some(format!(
            "{} is mapped as {}, and a value that is not one is not indexed (Elasticsearch rejects the document)",
            path.as_str(),
            malformed.unwrap_or_default()
        )),
        ReasonKind::ValueMismatch | ReasonKind::CaseMismatch if !matches!(test, Test::Exists) => {
            Some(expected_phrase(test.entries(), leaf.op))
        }
        // Only the category's clause has a note of its own.
        _ if leaf.op == ReasonOp::Where => {
            Some(format!("the category means event.category == \"{}\"", test.entries().join("")))
        }
        _ => None,
    };
}

fn dedup_in_place(v: &mut Vec<String>) {
    let mut seen: Vec<String> = Vec::with_capacity(v.len());
    v.retain(|x| {
        if seen.contains(x) {
            false
        } else {
            seen.push(x.clone());
            true
        }
    });
}
