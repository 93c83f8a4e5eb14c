//! Syntax tree to compiled query: field paths resolved once, literals turned into the Query DSL
//! meaning Elasticsearch gives them (term, terms, wildcard, exists, must_not), wildcard lists
//! compiled into one [`PatternSet`] each, and compile-time warnings about the lists.
//!
//! | EQL | compiled test | negated |
//! |---|---|---|
//! | `network where` | terms `event.category` ["network"], case-sensitive | no |
//! | `a == "v"` / `a != "v"` | terms ["v"], case-sensitive | `!=` |
//! | `a == null` / `a != null` | exists | `== null` |
//! | `a in (..)` / `not in` | terms, case-sensitive, `null` entries skipped | `not in` |
//! | `a in~ (..)` / `not in~` | terms, ASCII case-insensitive | `not in~` |
//! | `a : (..)`, `a like~ (..)` | wildcard set, ASCII case-insensitive | no |
//! | `a like (..)` | wildcard set, case-sensitive | no |
//!
//! A negated test is Elasticsearch's `must_not`: it holds when the field is absent.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use crate::eql::ast::{Expr, ExprKind, LiteralValue, Op, Predicate, Query, Span};
use crate::eql::pattern::{subsumes, term_eq, PatternSet};
use crate::eql::verdict::ReasonOp;
use crate::error::Result;
use crate::input::event::FieldPath;

/// A query compiled for evaluation.
#[derive(Clone, Debug)]
pub(crate) struct CompiledQuery {
    pub source: String,
    pub fields: Vec<FieldPath>,
    pub root: Node,
    /// The exact, case-sensitive terms of the top-level conjunction, with the field (index into
    /// `fields`) each must be a value of: a matching document has one of each set. The NDJSON scan
    /// looks for them as bytes, and the JS wrapper checks them before crossing into wasm.
    pub required_terms: Vec<(usize, Vec<String>)>,
    pub warnings: Vec<Warning>,
}

impl CompiledQuery {
    /// The span and source text of every clause, as explained verdicts carry them (the wasm
    /// bindings hand them to JS once, so that verdicts cross without the query's text).
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    pub(crate) fn clause_texts(&self) -> Vec<(Span, &str)> {
        fn walk<'s>(node: &Node, source: &'s str, out: &mut Vec<(Span, &'s str)>) {
            out.push((node.span, node.span.text(source)));
            match &node.kind {
                NodeKind::All { children, .. } | NodeKind::Any(children) => {
                    children.iter().for_each(|c| walk(c, source, out))
                }
                NodeKind::Not(child) => walk(child, source, out),
                NodeKind::Leaf(_) | NodeKind::Const(_) => {}
            }
        }
        let mut out = Vec::new();
        walk(&self.root, &self.source, &mut out);
        out
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Node {
    pub kind: NodeKind,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub(crate) enum NodeKind {
    /// All children hold. `order` is the evaluation order of the fast path: cheap tests first.
    All {
        children: Vec<Node>,
        order: Vec<usize>,
    },
    Any(Vec<Node>),
    Not(Box<Node>),
    Leaf(Box<Leaf>),
    Const(bool),
}

/// A test of one field.
#[derive(Clone, Debug)]
pub(crate) struct Leaf {
    pub field: usize,
    /// The operator as written (`==`, `not in`, ...; `== null` and `!= null` as the existence
    /// tests they are), or `where` for the category.
    pub op: ReasonOp,
    /// `must_not` of the test.
    pub negated: bool,
    pub test: Test,
}

#[derive(Clone, Debug)]
pub(crate) enum Test {
    /// The field has a value.
    Exists,
    /// A value equals one of the terms.
    Terms { terms: Vec<String>, case_insensitive: bool },
    /// A value matches one of the patterns. `folded` is the case-insensitive twin of a
    /// case-sensitive set, used only to explain a `case_mismatch`.
    Patterns { set: Box<PatternSet>, folded: Option<Box<PatternSet>> },
}

impl Test {
    /// Whether one value passes the test: the primitive both evaluation paths share.
    #[inline]
    pub fn accepts(&self, value: &str) -> bool {
        match self {
            Test::Exists => true,
            Test::Terms { terms, case_insensitive } => {
                terms.iter().any(|t| term_eq(t, value, *case_insensitive))
            }
            Test::Patterns { set, .. } => set.is_match(value),
        }
    }

    /// Whether `value` would pass if case were ignored (for `case_mismatch`).
    pub fn accepts_folded(&self, value: &str) -> bool {
        match self {
            Test::Exists => true,
            Test::Terms { terms, .. } => terms.iter().any(|t| term_eq(t, value, true)),
            Test::Patterns { set, folded } => folded.as_ref().unwrap_or(set).is_match(value),
        }
    }

    /// Whether the test already folds case (then a case mismatch cannot be the reason).
    pub fn case_insensitive(&self) -> bool {
        match self {
            Test::Exists => true,
            Test::Terms { case_insensitive, .. } => *case_insensitive,
            Test::Patterns { set, .. } => set.case_insensitive(),
        }
    }

    /// The entries (terms or patterns) that accept `value`.
    pub fn matching_entries(&self, value: &str, into: &mut Vec<String>) {
        match self {
            Test::Exists => {}
            Test::Terms { terms, case_insensitive } => {
                into.extend(terms.iter().filter(|t| term_eq(t, value, *case_insensitive)).cloned())
            }
            Test::Patterns { set, .. } => {
                let mut idx = Vec::new();
                set.matches_into(value, &mut idx);
                into.extend(idx.into_iter().map(|i| set.patterns()[i].clone()));
            }
        }
    }

    /// The entries, for messages.
    pub fn entries(&self) -> &[String] {
        match self {
            Test::Exists => &[],
            Test::Terms { terms, .. } => terms,
            Test::Patterns { set, .. } => set.patterns(),
        }
    }

    fn cost(&self) -> u8 {
        match self {
            Test::Exists => 1,
            Test::Terms { terms, .. } if terms.len() <= 4 => 2,
            Test::Terms { .. } => 3,
            Test::Patterns { .. } => 4,
        }
    }
}

text_enum! {
    /// The kind of a [`Warning`]: `duplicate_entry`, ...
    #[non_exhaustive]
    pub enum WarningKind {
        /// A list names the same entry twice.
        DuplicateEntry = "duplicate_entry",
        /// A list entry is already matched by a broader one.
        SubsumedEntry = "subsumed_entry",
        /// A domain entry has a character no DNS name has.
        CannotMatchDnsName = "cannot_match_dns_name",
        /// An exception item's entries contradict each other.
        ExceptionNeverMatches = "exception_never_matches",
        /// An exception wildcard has `\\`, which Elasticsearch reads as an escape.
        ExceptionWildcardBackslash = "exception_wildcard_backslash",
    }
}

/// Something suspicious about a rule that does not stop it from compiling.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Warning {
    /// A stable kind.
    pub kind: WarningKind,
    /// What is wrong, quoting the entries.
    pub message: String,
    /// 1-based line of the entry in the query text.
    pub line: usize,
    /// 1-based column of the entry.
    pub column: usize,
}

pub(crate) fn compile(source: &str, query: &Query) -> Result<CompiledQuery> {
    let mut c = Compiler {
        fields: Vec::new(),
        field_ids: HashMap::new(),
        warnings: Vec::new(),
        locator: Locator::new(source),
    };
    let mut items = Vec::new();
    if let Some((category, span)) = &query.category {
        let field = c.field("event.category");
        items.push(Node {
            kind: NodeKind::Leaf(Box::new(Leaf {
                field,
                op: ReasonOp::Where,
                negated: false,
                test: Test::Terms { terms: vec![category.clone()], case_insensitive: false },
            })),
            span: *span,
        });
    }
    let condition = c.node(&query.condition)?;
    let whole = Span::new(0, source.len());
    let root = match condition.kind {
        NodeKind::All { children, .. } if !items.is_empty() => {
            items.extend(children);
            all(items, whole)
        }
        _ if !items.is_empty() => {
            items.push(condition);
            all(items, whole)
        }
        _ => condition,
    };
    let required_terms = required_terms(&root);
    Ok(CompiledQuery {
        source: source.to_string(),
        fields: c.fields,
        root,
        required_terms,
        warnings: c.warnings,
    })
}

fn all(children: Vec<Node>, span: Span) -> Node {
    let mut order: Vec<usize> = (0..children.len()).collect();
    order.sort_by_key(|&i| match &children[i].kind {
        NodeKind::Const(_) => 0,
        NodeKind::Leaf(l) => l.test.cost(),
        _ => 9,
    });
    Node { kind: NodeKind::All { children, order }, span }
}

struct Compiler<'a> {
    fields: Vec<FieldPath>,
    /// Index of each field in `fields` (hostile input: a query may name many thousands).
    field_ids: HashMap<String, usize>,
    warnings: Vec<Warning>,
    locator: Locator<'a>,
}

/// Pairwise subsumption checks are quadratic in a list's length: past this many entries, or this
/// many bytes of entries, the `subsumed_entry` lint is skipped (duplicates are still reported).
/// It only ever makes warnings.
const MAX_LINT_PAIRWISE: usize = 500;
const MAX_LINT_PAIRWISE_BYTES: usize = 64 << 10;

/// Line and column of offsets that mostly increase, in time linear in the text overall (one
/// `crate::error::Position::locate` per warning would be quadratic for a long list of flagged entries).
pub(crate) struct Locator<'a> {
    source: &'a str,
    /// The last offset located, with its line and column.
    last: (usize, usize, usize),
}

impl<'a> Locator<'a> {
    pub(crate) fn new(source: &'a str) -> Locator<'a> {
        Locator { source, last: (0, 1, 1) }
    }

    /// 1-based line and column (in code points) of byte `offset`, as [`crate::error::Position::locate`] gives.
    pub(crate) fn locate(&mut self, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(self.source.len());
        while !self.source.is_char_boundary(offset) {
            offset -= 1;
        }
        let (from, mut line, mut column) = if offset >= self.last.0 { self.last } else { (0, 1, 1) };
        for c in self.source[from..offset].chars() {
            if c == '\n' {
                line += 1;
                column = 1;
            } else {
                column += 1;
            }
        }
        self.last = (offset, line, column);
        (line, column)
    }
}

impl Compiler<'_> {
    fn field(&mut self, path: &str) -> usize {
        if let Some(&i) = self.field_ids.get(path) {
            return i;
        }
        self.fields.push(FieldPath::new(path));
        self.field_ids.insert(path.to_string(), self.fields.len() - 1);
        self.fields.len() - 1
    }

    fn node(&mut self, expr: &Expr) -> Result<Node> {
        let kind = match &expr.kind {
            ExprKind::And(items) => {
                let children = items.iter().map(|e| self.node(e)).collect::<Result<Vec<_>>>()?;
                return Ok(all(children, expr.span));
            }
            ExprKind::Or(items) => NodeKind::Any(items.iter().map(|e| self.node(e)).collect::<Result<_>>()?),
            ExprKind::Not(inner) => NodeKind::Not(Box::new(self.node(inner)?)),
            ExprKind::Constant(b) => NodeKind::Const(*b),
            ExprKind::Predicate(p) => NodeKind::Leaf(Box::new(self.leaf(p)?)),
        };
        Ok(Node { kind, span: expr.span })
    }

    fn leaf(&mut self, p: &Predicate) -> Result<Leaf> {
        let field = self.field(&p.field);
        let texts: Vec<&str> = p.values.iter().filter_map(|l| l.value.as_text()).collect();
        let only_null = p.values.len() == 1 && p.values[0].value == LiteralValue::Null;
        let (negated, test) = match p.op {
            Op::Eq | Op::NotEq if only_null => (p.op == Op::Eq, Test::Exists),
            Op::Eq | Op::NotEq | Op::In | Op::NotIn => (
                matches!(p.op, Op::NotEq | Op::NotIn),
                Test::Terms { terms: self.dedup(p, false), case_insensitive: false },
            ),
            Op::InInsensitive | Op::NotInInsensitive => (
                p.op == Op::NotInInsensitive,
                Test::Terms { terms: self.dedup(p, true), case_insensitive: true },
            ),
            Op::Colon | Op::LikeInsensitive => {
                self.lint_patterns(p, true);
                (false, Test::Patterns { set: Box::new(PatternSet::new(&texts, true)?), folded: None })
            }
            Op::Like => {
                self.lint_patterns(p, false);
                let set = Box::new(PatternSet::new(&texts, false)?);
                (false, Test::Patterns { set, folded: Some(Box::new(PatternSet::new(&texts, true)?)) })
            }
        };
        let op = match p.op {
            Op::Eq if only_null => ReasonOp::IsNull,
            Op::NotEq if only_null => ReasonOp::NotNull,
            op => ReasonOp::Compare(op),
        };
        Ok(Leaf { field, op, negated, test })
    }

    /// The terms of a list, `null`s skipped, with a warning for each duplicate.
    fn dedup(&mut self, p: &Predicate, case_insensitive: bool) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut seen = HashSet::new();
        for lit in &p.values {
            let Some(text) = lit.value.as_text() else { continue };
            if !seen.insert(fold(text, case_insensitive)) {
                self.warn(
                    WarningKind::DuplicateEntry,
                    format!("`{}` lists \"{text}\" twice", p.field),
                    lit.span,
                );
            } else {
                out.push(text.to_string());
            }
        }
        out
    }

    fn lint_patterns(&mut self, p: &Predicate, case_insensitive: bool) {
        let texts: Vec<(&str, Span)> =
            p.values.iter().filter_map(|l| Some((l.value.as_text()?, l.span))).collect();
        // Folded once, not once per pair: the pairwise check runs at every compile, start-up
        // included.
        let folded: Vec<_> = texts.iter().map(|(t, _)| fold(t, case_insensitive)).collect();
        let pairwise = texts.len() <= MAX_LINT_PAIRWISE
            && texts.iter().map(|(t, _)| t.len()).sum::<usize>() <= MAX_LINT_PAIRWISE_BYTES;
        let mut seen = HashSet::new();
        for (i, (text, span)) in texts.iter().enumerate() {
            if !seen.insert(&folded[i]) {
                self.warn(
                    WarningKind::DuplicateEntry,
                    format!("`{}` lists \"{text}\" twice", p.field),
                    *span,
                );
            } else if let Some(by) = (0..if pairwise { texts.len() } else { 0 })
                .find(|&j| subsumes(&folded[j], &folded[i], false))
                .map(|j| texts[j].0)
            {
                self.warn(
                    WarningKind::SubsumedEntry,
                    format!("`{}`: \"{text}\" is already matched by \"{by}\"", p.field),
                    *span,
                );
            }
        }
    }

    #[cold]
    fn warn(&mut self, kind: WarningKind, message: String, span: Span) {
        let (line, column) = self.locator.locate(span.start);
        self.warnings.push(Warning { kind, message, line, column });
    }
}

/// The key under which `term_eq` makes two terms equal.
fn fold(text: &str, case_insensitive: bool) -> std::borrow::Cow<'_, str> {
    if case_insensitive {
        std::borrow::Cow::Owned(text.to_ascii_lowercase())
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// The exact terms every matching document must contain, from the top-level conjunction.
fn required_terms(root: &Node) -> Vec<(usize, Vec<String>)> {
    let children: &[Node] = match &root.kind {
        NodeKind::All { children, .. } => children,
        _ => std::slice::from_ref(root),
    };
    children
        .iter()
        .filter_map(|n| match &n.kind {
            NodeKind::Leaf(leaf) if !leaf.negated => match &leaf.test {
                Test::Terms { terms, case_insensitive: false } if !terms.is_empty() => {
                    Some((leaf.field, terms.clone()))
                }
                _ => None,
            },
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eql::parse::parse_query;
    use crate::limits::Limits;

    fn compiled(src: &str) -> CompiledQuery {
        compile(src, &parse_query(src, &Limits::default()).unwrap()).unwrap()
    }

    #[test]
    fn category_becomes_the_first_clause_and_fields_are_shared() {
        let q = compiled("network where a == \"x\" and a != null");
        let NodeKind::All { children, order } = &q.root.kind else { panic!() };
        assert_eq!(children.len(), 3);
        assert_eq!(q.fields.iter().map(|f| f.as_str()).collect::<Vec<_>>(), ["event.category", "a"]);
        assert_eq!(order[0], 2, "exists is cheapest");
        assert_eq!(q.required_terms, vec![(0, vec!["network".to_string()]), (1, vec!["x".to_string()])]);
    }

    #[test]
    fn warnings_for_duplicates_and_subsumed_entries() {
        let q = compiled("any where d : (\"*freegeoip.app\", \"*myipaddress.com\", \"*freegeoip.app\",\n \"*whatismyipaddress.com\")");
        let kinds: Vec<_> = q.warnings.iter().map(|w| (w.kind, w.line)).collect();
        assert_eq!(kinds, [(WarningKind::DuplicateEntry, 1), (WarningKind::SubsumedEntry, 2)]);
        assert!(q.warnings[1].message.contains("*myipaddress.com"));
    }

    #[test]
    fn null_literals() {
        let q = compiled("any where a == null");
        let NodeKind::Leaf(l) = &q.root.kind else { panic!() };
        assert!(l.negated && matches!(l.test, Test::Exists));
        let q = compiled("any where a in (null, \"x\")");
        let NodeKind::Leaf(l) = &q.root.kind else { panic!() };
        assert_eq!(l.test.entries(), ["x"]);
    }
}
