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
//! | `a < 5`, `<=`, `>`, `>=` | range on the field's type (numbers, dates, ips, keyword text) | no |
//! | `a regex "p"`, `regex~` | Lucene regexp set, anchored | no |
//! | `startsWith(a, "p")`, `endsWith`, `stringContains`, `~` forms | prefix / suffix / substring | no |
//! | `cidrMatch(a, "10.0.0.0/8", ...)` | ip networks | no |
//!
//! A negated test is Elasticsearch's `must_not`: it holds when the field is absent. Fields are
//! typed by the rule's [`Mapping`]: numbers, dates, ips and booleans compare as values of their
//! type, keywords as text.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use crate::eql::ast::{Expr, ExprKind, Literal, LiteralValue, Op, Predicate, Query, Span};
use crate::eql::mapping::{FieldType, Mapping};
use crate::eql::pattern::{subsumes, term_eq, PatternSet};
use crate::eql::regexp::Regex;
use crate::eql::types::{self, Typed};
use crate::eql::verdict::ReasonOp;
use crate::error::{Error, ErrorKind, Result};
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
    /// bindings' `verdictShape` hands them to JS once per rule, so that packed verdicts cross
    /// without the query's text).
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    pub(crate) fn clause_texts(&self) -> Vec<(Span, &str)> {
        fn walk<'s>(node: &Node, source: &'s str, out: &mut Vec<(Span, &'s str)>) {
            out.push((node.span, node.span.text(source)));
            match &node.kind {
                NodeKind::All { children, .. } | NodeKind::Any(children) => {
                    children.iter().for_each(|c| walk(c, source, out))
                }
                NodeKind::Not(child) => walk(child, source, out),
                NodeKind::Leaf(_) | NodeKind::Const(_) | NodeKind::Null => {}
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
    /// A comparison of a `?field` the mapping lacks: Elasticsearch folds the field to `null`, and
    /// the comparison to `null`, which no `not` turns true.
    Null,
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
    /// The mapping's `null_value`: what an explicit `null` in the document is indexed as.
    pub null_value: Option<String>,
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
    /// A comparison on the field's type: a value read as `ty` compares with `values`.
    Typed(Box<TypedTest>),
    /// `startsWith`, `endsWith`, `stringContains`: one of `needles` is a prefix, suffix or part.
    Substring { kind: SubstringKind, needles: Vec<String>, case_insensitive: bool },
    /// `regex`: one of the patterns matches the whole value.
    Regex { regexes: Vec<Regex>, sources: Vec<String>, case_insensitive: bool },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SubstringKind {
    Prefix,
    Suffix,
    Part,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Cmp {
    /// Equal to one of the values (an ip network contains the value).
    Eq,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Clone)]
pub(crate) struct TypedTest {
    pub ty: FieldType,
    pub cmp: Cmp,
    pub values: Vec<Typed>,
    /// The literals as written, for reasons.
    pub entries: Vec<String>,
}

impl std::fmt::Debug for TypedTest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TypedTest({}, {:?}, {:?})", self.ty.name(), self.cmp, self.entries)
    }
}

impl TypedTest {
    fn accepts_entry(&self, i: usize, v: &Typed) -> bool {
        let x = &self.values[i];
        let ord = v.compare(x);
        match self.cmp {
            Cmp::Eq => match x {
                Typed::Ip(_, p) if *p < 128 => x.contains(v),
                _ => ord == Some(std::cmp::Ordering::Equal),
            },
            Cmp::Lt => ord == Some(std::cmp::Ordering::Less),
            Cmp::Le => matches!(ord, Some(std::cmp::Ordering::Less | std::cmp::Ordering::Equal)),
            Cmp::Gt => ord == Some(std::cmp::Ordering::Greater),
            Cmp::Ge => matches!(ord, Some(std::cmp::Ordering::Greater | std::cmp::Ordering::Equal)),
        }
    }

    fn accepts(&self, value: &str) -> bool {
        match types::read(self.ty, value) {
            Some(v) => (0..self.values.len()).any(|i| self.accepts_entry(i, &v)),
            None => false,
        }
    }
}

/// ASCII-folded `a` contains/starts/ends with `b`.
fn substring(kind: SubstringKind, hay: &str, needle: &str, ci: bool) -> bool {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    let eq = |a: &[u8]| if ci { a.eq_ignore_ascii_case(n) } else { a == n };
    if n.len() > h.len() {
        return false;
    }
    match kind {
        SubstringKind::Prefix => eq(&h[..n.len()]),
        SubstringKind::Suffix => eq(&h[h.len() - n.len()..]),
        SubstringKind::Part => h.windows(n.len().max(1)).any(eq) || n.is_empty(),
    }
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
            Test::Typed(t) => t.accepts(value),
            Test::Substring { kind, needles, case_insensitive } => {
                needles.iter().any(|n| substring(*kind, value, n, *case_insensitive))
            }
            Test::Regex { regexes, .. } => regexes.iter().any(|r| r.is_match(value)),
        }
    }

    /// Whether `value` would pass if case were ignored (for `case_mismatch`).
    pub fn accepts_folded(&self, value: &str) -> bool {
        match self {
            Test::Exists => true,
            Test::Terms { terms, .. } => terms.iter().any(|t| term_eq(t, value, true)),
            Test::Patterns { set, folded } => folded.as_ref().unwrap_or(set).is_match(value),
            Test::Substring { kind, needles, .. } => needles.iter().any(|n| substring(*kind, value, n, true)),
            Test::Typed(_) | Test::Regex { .. } => self.accepts(value),
        }
    }

    /// Whether the test already folds case (then a case mismatch cannot be the reason).
    pub fn case_insensitive(&self) -> bool {
        match self {
            Test::Exists => true,
            Test::Terms { case_insensitive, .. } => *case_insensitive,
            Test::Patterns { set, .. } => set.case_insensitive(),
            Test::Typed(_) => true,
            Test::Substring { case_insensitive, .. } | Test::Regex { case_insensitive, .. } => {
                *case_insensitive
            }
        }
    }

    /// Whether a document's value could not be indexed in the field's type (a `long` field
    /// holding `"abc"`): Elasticsearch rejects such a document.
    pub fn malformed(&self, value: &str) -> Option<&'static str> {
        match self {
            Test::Typed(t) if types::read(t.ty, value).is_none() => Some(t.ty.name()),
            _ => None,
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
            Test::Typed(t) => {
                if let Some(v) = types::read(t.ty, value) {
                    let hits = (0..t.values.len()).filter(|&i| t.accepts_entry(i, &v));
                    into.extend(hits.map(|i| t.entries[i].clone()));
                }
            }
            Test::Substring { kind, needles, case_insensitive } => {
                into.extend(needles.iter().filter(|n| substring(*kind, value, n, *case_insensitive)).cloned())
            }
            Test::Regex { regexes, sources, .. } => into.extend(
                regexes.iter().zip(sources).filter(|(r, _)| r.is_match(value)).map(|(_, s)| s.clone()),
            ),
        }
    }

    /// The entries, for messages.
    pub fn entries(&self) -> &[String] {
        match self {
            Test::Exists => &[],
            Test::Terms { terms, .. } => terms,
            Test::Patterns { set, .. } => set.patterns(),
            Test::Typed(t) => &t.entries,
            Test::Substring { needles, .. } => needles,
            Test::Regex { sources, .. } => sources,
        }
    }

    fn cost(&self) -> u8 {
        match self {
            Test::Exists => 1,
            Test::Terms { terms, .. } if terms.len() <= 4 => 2,
            Test::Terms { .. } => 3,
            Test::Typed(_) | Test::Substring { .. } => 3,
            Test::Patterns { .. } => 4,
            Test::Regex { .. } => 5,
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
        /// A field the default ECS mapping lacks: read as a keyword; `suggestion` names the
        /// closest ECS field.
        UnknownField = "unknown_field",
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
    /// What to write instead, when there is one (`unknown_field`: the closest known field).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggestion: Option<String>,
}

pub(crate) fn compile(source: &str, query: &Query, mapping: &Mapping) -> Result<CompiledQuery> {
    let mut c = Compiler {
        fields: Vec::new(),
        field_ids: HashMap::new(),
        warnings: Vec::new(),
        locator: Locator::new(source),
        source,
        mapping,
        warned: HashSet::new(),
    };
    let mut items = Vec::new();
    if let Some((category, span)) = &query.category {
        let (path, _, null_value) = c
            .resolve("event.category", *span, false)?
            .unwrap_or_else(|| ("event.category".into(), FieldType::Keyword, None));
        let field = c.field(&path);
        items.push(Node {
            kind: NodeKind::Leaf(Box::new(Leaf {
                field,
                op: ReasonOp::Where,
                negated: false,
                test: Test::Terms { terms: vec![category.clone()], case_insensitive: false },
                null_value,
            })),
            span: *span,
        });
    }
    let condition = match &query.condition.kind {
        // `any where flag`: the field is the whole condition (no category to `and` it with).
        ExprKind::Predicate(p) if p.op == Op::Field && items.is_empty() => {
            Node { kind: c.bare(p, Place::Alone)?, span: query.condition.span }
        }
        _ => c.node(&query.condition)?,
    };
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

/// Where a field alone stands as a condition (see [`Compiler::bare`]).
#[derive(Clone, Copy, PartialEq)]
enum Place {
    /// The whole filter condition (`any where flag`).
    Alone,
    /// An operand of `and` / `or`, the category's included.
    Logic,
    /// Directly under `not`.
    Not,
}

struct Compiler<'a> {
    source: &'a str,
    mapping: &'a Mapping,
    /// Fields already warned about.
    warned: HashSet<String>,
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
            ExprKind::Not(inner) => NodeKind::Not(Box::new(match &inner.kind {
                ExprKind::Predicate(p) if p.op == Op::Field => {
                    Node { kind: self.bare(p, Place::Not)?, span: inner.span }
                }
                _ => self.node(inner)?,
            })),
            ExprKind::Constant(b) => NodeKind::Const(*b),
            ExprKind::Predicate(p) if p.op == Op::Field => self.bare(p, Place::Logic)?,
            ExprKind::Predicate(p) => match self.leaf(p)? {
                Some(leaf) => NodeKind::Leaf(Box::new(leaf)),
                None => {
                    // `?field` outside the mapping is `null`: `== null` holds, the rest is null.
                    let null_check = p.values.len() == 1 && p.values[0].value == LiteralValue::Null;
                    match p.op {
                        Op::Eq | Op::Colon if null_check => NodeKind::Const(true),
                        Op::NotEq if null_check => NodeKind::Const(false),
                        _ => NodeKind::Null,
                    }
                }
            },
        };
        Ok(Node { kind, span: expr.span })
    }

    /// The field alone as a condition (`where flag`), as Elasticsearch reads it where it stands.
    /// The parser `and`s a category with the condition (`LogicalPlanBuilder.visitEventFilter`), so
    /// only `any where x` leaves the field as the whole filter condition ([`Place::Alone`]).
    ///
    /// - A boolean field is `flag == true` as the whole condition and as an `and`/`or` operand
    ///   (ql `AnalyzerRules.AddMissingEqualsToBoolField`, which rewrites exactly there). Under
    ///   `not`, which that rule leaves alone, it is refused as unsupported.
    /// - A `?field` the mapping lacks is `null` (`OptionalMissingAttribute`, type NULL): an
    ///   operand that never holds, `not` included (ql `PruneFilters` folds `x and null` to null,
    ///   `x or null` to `x`; `FoldNull` folds `not null`); QA `test_extra.toml`
    ///   `optionalMissingFieldImplicitBooleanEquality`: `OPTIONAL where ?inexistent_field`
    ///   matches nothing. As the whole condition, ql `VerifierChecks.checkFilterConditionType`
    ///   refuses it: `"Condition expression needs to be boolean, found [NULL]"`.
    /// - Any other type is refused, as `checkFilterConditionType` and the boolean operators'
    ///   `TypeResolutions.isBoolean` refuse it
    ///   (`"must be [boolean], found value [x] type [keyword]"`).
    fn bare(&mut self, p: &Predicate, place: Place) -> Result<NodeKind> {
        let err = |kind, msg: String| Err(Error::at(kind, msg, self.source, p.field_span.start));
        let Some((_, ty, _)) = self.resolve(&p.field, p.field_span, p.optional)? else {
            if place == Place::Alone {
                return err(
                    ErrorKind::Verification,
                    format!(
                        "`?{}` is null (the mapping lacks it), and a condition needs to be a boolean \
                         (Elasticsearch: \"Condition expression needs to be boolean, found [NULL]\")",
                        p.field
                    ),
                );
            }
            return Ok(NodeKind::Null);
        };
        if ty != FieldType::Boolean {
            return err(
                ErrorKind::Verification,
                format!(
                    "`{}` is a {} field, and a field alone as a condition must be a boolean; compare it (`{} == ...`)",
                    p.field,
                    ty.name(),
                    p.field
                ),
            );
        }
        if place == Place::Not {
            return err(
                ErrorKind::Unsupported,
                format!(
                    "a boolean field alone under `not` is not supported; compare it (`not {} == true`)",
                    p.field
                ),
            );
        }
        let eq = Predicate {
            op: Op::Eq,
            values: vec![Literal { value: LiteralValue::Bool(true), span: p.field_span }],
            list: false,
            ..p.clone()
        };
        Ok(self.leaf(&eq)?.map_or(NodeKind::Null, |l| NodeKind::Leaf(Box::new(l))))
    }

    /// The `_source` path, type and `null_value` of a field, after the mapping; `None` for a
    /// `?field` the mapping lacks.
    fn resolve(
        &mut self,
        name: &str,
        span: Span,
        optional: bool,
    ) -> Result<Option<(String, FieldType, Option<String>)>> {
        if let Some(f) = self.mapping.get(name) {
            let path = f.source.clone().unwrap_or_else(|| name.to_string());
            return Ok(Some((path, f.ty, f.null_value.clone())));
        }
        if optional {
            return Ok(None);
        }
        // The suggestion costs an edit distance per mapped field: for the first fields only
        // (hostile input: a query may name thousands).
        let warned = self.warned.contains(name);
        let closest = if self.warned.len() < 50 && !warned {
            self.mapping.closest(name).map(str::to_string)
        } else {
            None
        };
        if !self.mapping.is_ecs() {
            // Elasticsearch's Verifier: "Unknown column [x], did you mean [y]?".
            let hint = closest.map(|c| format!("; did you mean `{c}`?")).unwrap_or_default();
            return Err(Error::at(
                ErrorKind::Verification,
                format!("unknown column `{name}`: the mapping has no such field{hint} (write `?{name}` for a field that may be unmapped)"),
                self.source,
                span.start,
            ));
        }
        if !warned {
            self.warned.insert(name.to_string());
            let hint =
                closest.as_ref().map(|c| format!("; the closest ECS field is `{c}`")).unwrap_or_default();
            self.warn_with(
                WarningKind::UnknownField,
                format!("`{name}` is not an ECS field, so it is read as a keyword{hint}"),
                span,
                closest,
            );
        }
        Ok(Some((name.to_string(), FieldType::Keyword, None)))
    }

    fn leaf(&mut self, p: &Predicate) -> Result<Option<Leaf>> {
        let Some((path, ty, null_value)) = self.resolve(&p.field, p.field_span, p.optional)? else {
            return Ok(None);
        };
        let field = self.field(&path);
        let only_null = p.values.len() == 1 && p.values[0].value == LiteralValue::Null;
        let exists = only_null && matches!(p.op, Op::Eq | Op::NotEq | Op::Colon);
        if !exists {
            self.check_types(p, ty)?;
        }
        let texts: Vec<&str> = p.values.iter().filter_map(|l| l.value.as_text()).collect();
        let cmp = match p.op {
            Op::Lt => Some(Cmp::Lt),
            Op::Le => Some(Cmp::Le),
            Op::Gt => Some(Cmp::Gt),
            Op::Ge => Some(Cmp::Ge),
            _ => None,
        };
        let typed_eq = !ty.is_text()
            && matches!(p.op, Op::Eq | Op::NotEq | Op::In | Op::NotIn | Op::Colon | Op::CidrMatch);
        let (negated, test) = match p.op {
            _ if exists => (p.op != Op::NotEq, Test::Exists),
            Op::Lt | Op::Le | Op::Gt | Op::Ge | Op::CidrMatch => {
                let ty = if p.op == Op::CidrMatch { FieldType::Ip } else { ty };
                (false, Test::Typed(Box::new(self.typed(p, ty, cmp.unwrap_or(Cmp::Eq))?)))
            }
            _ if typed_eq => {
                (matches!(p.op, Op::NotEq | Op::NotIn), Test::Typed(Box::new(self.typed(p, ty, Cmp::Eq)?)))
            }
            // `:` with no string is equality (a number or a boolean has no case or wildcard).
            Op::Colon if !p.values.iter().any(|l| matches!(l.value, LiteralValue::Str(_))) => {
                (false, Test::Terms { terms: self.dedup(p, false), case_insensitive: false })
            }
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
            Op::Regex | Op::RegexInsensitive => {
                let ci = p.op == Op::RegexInsensitive;
                let mut regexes = Vec::new();
                for lit in &p.values {
                    let text = lit.value.as_text().unwrap_or("");
                    let re = Regex::new(text, ci).map_err(|e| {
                        Error::at(ErrorKind::Syntax, e.message().to_string(), self.source, lit.span.start)
                    })?;
                    regexes.push(re);
                }
                let sources = texts.iter().map(|t| t.to_string()).collect();
                (false, Test::Regex { regexes, sources, case_insensitive: ci })
            }
            Op::StartsWith { insensitive }
            | Op::EndsWith { insensitive }
            | Op::StringContains { insensitive } => {
                let kind = match p.op {
                    Op::StartsWith { .. } => SubstringKind::Prefix,
                    Op::EndsWith { .. } => SubstringKind::Suffix,
                    _ => SubstringKind::Part,
                };
                let needles = texts.iter().map(|t| t.to_string()).collect();
                (false, Test::Substring { kind, needles, case_insensitive: insensitive })
            }
            // `node` gives a field alone to `bare`, never here.
            Op::Field => {
                return Err(Error::at(
                    ErrorKind::Unsupported,
                    format!("`{}` alone is not a comparison", p.field),
                    self.source,
                    p.field_span.start,
                ))
            }
        };
        let op = match p.op {
            Op::Eq | Op::Colon if exists => ReasonOp::IsNull,
            Op::NotEq if exists => ReasonOp::NotNull,
            op => ReasonOp::Compare(op),
        };
        Ok(Some(Leaf { field, op, negated, test, null_value }))
    }

    /// Elasticsearch's type checks of a comparison (ql `In.resolveType` with
    /// `DataTypes.areCompatible`, the string functions' `isStringAndExact`, `cidrMatch`'s
    /// `isIPAndExact`, the wildcard and regexp queries' keyword-only fields).
    fn check_types(&self, p: &Predicate, ty: FieldType) -> Result<()> {
        let at =
            |msg: String, span: Span| Err(Error::at(ErrorKind::Verification, msg, self.source, span.start));
        let family = |l: &Literal| match l.value {
            LiteralValue::Str(_) => Some("keyword"),
            LiteralValue::Number(_) => Some("number"),
            LiteralValue::Bool(_) => Some("boolean"),
            LiteralValue::Null => None,
        };
        if ty == FieldType::Other {
            return at(
                format!(
                    "`{}` has a type EQL cannot compare (not a keyword, number, date, ip or boolean)",
                    p.field
                ),
                p.field_span,
            );
        }
        let string_only = matches!(
            p.op,
            Op::Like
                | Op::LikeInsensitive
                | Op::Regex
                | Op::RegexInsensitive
                | Op::InInsensitive
                | Op::NotInInsensitive
        ) || matches!(
            p.op,
            Op::StartsWith { .. } | Op::EndsWith { .. } | Op::StringContains { .. }
        ) || (p.op == Op::Colon
            && p.values.iter().any(|l| matches!(&l.value, LiteralValue::Str(s) if s.contains(['*', '?']))));
        if string_only && !ty.is_text() {
            return at(
                format!("`{}` works on keyword fields; `{}` is a {}", p.op.as_str(), p.field, ty.name()),
                p.field_span,
            );
        }
        if p.op == Op::CidrMatch && !matches!(ty, FieldType::Ip | FieldType::Keyword) {
            return at(
                format!("`cidrMatch` works on ip fields; `{}` is a {}", p.field, ty.name()),
                p.field_span,
            );
        }
        if p.list && !p.op.is_function() {
            // A list's entries must all be of the field's type family, or of one family for a
            // field the mapping lacks.
            let mapped = self.mapping.get(&p.field).is_some();
            let want = match ty {
                _ if !mapped => None,
                FieldType::Keyword | FieldType::Version | FieldType::Ip => Some("keyword"),
                FieldType::Integer { .. } | FieldType::Float { .. } => Some("number"),
                FieldType::Boolean => Some("boolean"),
                _ => None,
            };
            let first = p.values.iter().find_map(family);
            for (i, lit) in p.values.iter().enumerate() {
                let Some(f) = family(lit) else { continue };
                let wrong = match want {
                    Some(w) => f != w && !(w == "boolean" && f == "keyword"),
                    // Dates take strings and epoch numbers alike.
                    None if mapped => false,
                    None => Some(f) != first,
                };
                if wrong {
                    let what = if want.is_some() {
                        format!("the field is a {}", ty.name())
                    } else {
                        "the list mixes types".to_string()
                    };
                    return at(
                        format!("entry {} of `{} {}` is a {f}, but {what}: Elasticsearch refuses a list whose entries are not all of the field's type", i + 1, p.field, p.op.as_str()),
                        lit.span,
                    );
                }
            }
        }
        Ok(())
    }

    /// The literals of a typed comparison, read as the field's type.
    fn typed(&self, p: &Predicate, ty: FieldType, cmp: Cmp) -> Result<TypedTest> {
        let mut values = Vec::new();
        let mut entries = Vec::new();
        for lit in &p.values {
            let Some(text) = lit.value.as_text() else { continue };
            let v = match (ty, &lit.value) {
                (FieldType::Ip, LiteralValue::Str(s)) => types::parse_cidr(s),
                (FieldType::Integer { .. }, LiteralValue::Number(_) | LiteralValue::Str(_))
                    if cmp == Cmp::Eq =>
                {
                    // A term with a fraction matches no long (NumberFieldMapper.LONG.termQuery).
                    match text.parse::<f64>() {
                        Ok(f) if f.fract() != 0.0 => Some(Typed::Float(f)),
                        _ => types::read(ty, text),
                    }
                }
                (FieldType::Integer { .. }, LiteralValue::Number(_) | LiteralValue::Str(_)) => text
                    .parse::<i128>()
                    .map(Typed::Int)
                    .ok()
                    .or_else(|| text.parse::<f64>().ok().map(Typed::Float)),
                (FieldType::Boolean, LiteralValue::Number(_)) => None,
                (FieldType::Keyword, _) => Some(Typed::Text(text.to_string())),
                (FieldType::Version, _) => types::encode_version(text).map(Typed::Version),
                _ => types::read(ty, text),
            };
            let Some(v) = v else {
                return Err(Error::at(
                    ErrorKind::Verification,
                    format!("`{text}` is not a valid {} for `{}`", ty.name(), p.field),
                    self.source,
                    lit.span.start,
                ));
            };
            values.push(v);
            entries.push(text.to_string());
        }
        Ok(TypedTest { ty, cmp, values, entries })
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
        self.warn_with(kind, message, span, None);
    }

    #[cold]
    fn warn_with(&mut self, kind: WarningKind, message: String, span: Span, suggestion: Option<String>) {
        let (line, column) = self.locator.locate(span.start);
        self.warnings.push(Warning { kind, message, line, column, suggestion });
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
            // A field with a `null_value` matches documents that hold no term's bytes (`null`).
            NodeKind::Leaf(leaf) if !leaf.negated && leaf.null_value.is_none() => match &leaf.test {
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
        compile(src, &parse_query(src, &Limits::default()).unwrap(), &Mapping::ecs()).unwrap()
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
        assert_eq!(
            kinds,
            [
                (WarningKind::UnknownField, 1),
                (WarningKind::DuplicateEntry, 1),
                (WarningKind::SubsumedEntry, 2)
            ]
        );
        assert!(q.warnings[2].message.contains("*myipaddress.com"));
    }

    #[test]
    fn unknown_fields_warn_once_with_the_closest_ecs_field() {
        let q = compiled("any where dns.question.nmae : \"x\" and dns.question.nmae != null and ?x == 1");
        let w: Vec<_> = q.warnings.iter().filter(|w| w.kind == WarningKind::UnknownField).collect();
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].suggestion.as_deref(), Some("dns.question.name"));
        assert_eq!((w[0].line, w[0].column), (1, 11));
        assert!(w[0].message.contains("`dns.question.name`"), "{}", w[0].message);
    }

    #[test]
    fn a_given_mapping_refuses_unknown_columns() {
        let m =
            Mapping::from_json(r#"{"properties": {"pid": {"type": "long"}, "name": {"type": "keyword"}}}"#)
                .unwrap();
        let c = |src: &str| compile(src, &parse_query(src, &Limits::default()).unwrap(), &m);
        let e = c("any where nmae == \"x\"").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Verification);
        assert!(e.message().contains("did you mean `name`"), "{e}");
        assert_eq!(e.column(), 11);
        assert!(c("any where ?nmae == \"x\"").is_ok());
        assert!(c("any where pid in (1, 2.5) and name in (\"a\")").is_ok());
        assert_eq!(c("any where pid in (1, \"2\")").unwrap_err().kind(), ErrorKind::Verification);
        assert_eq!(c("any where name in (\"a\", 1)").unwrap_err().kind(), ErrorKind::Verification);
        assert_eq!(c("any where startsWith(pid, \"1\")").unwrap_err().kind(), ErrorKind::Verification);
        assert_eq!(c("any where pid == \"x\"").unwrap_err().kind(), ErrorKind::Verification);
    }

    #[test]
    fn a_null_value_field_gives_no_required_term() {
        let m = Mapping::from_json(
            r#"{"properties": {"user": {"type": "keyword", "null_value": "N/A"}, "a": {"type": "keyword"}}}"#,
        )
        .unwrap();
        let src = "any where user == \"N/A\" and a == \"x\"";
        let q = compile(src, &parse_query(src, &Limits::default()).unwrap(), &m).unwrap();
        let fields: Vec<&str> = q.required_terms.iter().map(|(f, _)| q.fields[*f].as_str()).collect();
        assert_eq!(fields, ["a"]);
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
