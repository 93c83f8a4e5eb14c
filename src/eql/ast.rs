//! The syntax tree of an EQL query, as written. Every node keeps its source span so that a reason
//! can quote the exact clause text; nothing here is resolved or compiled yet (see `compile`).

use serde::Serialize;

/// A byte range `[start, end)` in the query text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    pub(crate) fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }

    pub(crate) fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }

    /// The text this span covers in `source`.
    pub fn text(self, source: &str) -> &str {
        source.get(self.start..self.end).unwrap_or("")
    }
}

/// A parsed query: `<category> where <condition>` or `any where <condition>`.
#[derive(Clone, Debug, PartialEq)]
pub struct Query {
    /// The event category (`network`) with the span of `network where`, or `None` for `any`.
    pub category: Option<(String, Span)>,
    /// The condition after `where`.
    pub condition: Expr,
}

/// A boolean expression with its span.
#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    /// What the expression is.
    pub kind: ExprKind,
    /// Where it is written.
    pub span: Span,
}

/// The kinds of expression. `and` and `or` chains are flattened (`a and b and c` is one `And`).
#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    /// All must hold.
    And(Vec<Expr>),
    /// One must hold.
    Or(Vec<Expr>),
    /// `not X`.
    Not(Box<Expr>),
    /// `field <op> value-or-list`.
    Predicate(Predicate),
    /// `true` or `false` as a condition.
    Constant(bool),
}

/// `field <op> value-or-list`.
#[derive(Clone, Debug, PartialEq)]
pub struct Predicate {
    /// The dotted field path.
    pub field: String,
    /// Where the field is written.
    pub field_span: Span,
    /// `?field`: a field the mapping may lack; then it has no value instead of being an error.
    pub optional: bool,
    /// The operator.
    pub op: Op,
    /// The right-hand side: one literal, or the entries of a parenthesised list.
    pub values: Vec<Literal>,
    /// Whether the right-hand side was written as a list.
    pub list: bool,
}

/// The comparison operators this engine evaluates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Op {
    /// `==`, case-sensitive exact.
    Eq,
    /// `!=`, `must_not` of `==`.
    NotEq,
    /// `in (...)`, case-sensitive terms.
    In,
    /// `not in (...)`.
    NotIn,
    /// `in~ (...)`, case-insensitive terms.
    InInsensitive,
    /// `not in~ (...)`.
    NotInInsensitive,
    /// `:`, case-insensitive, wildcard when the value has `*` or `?`.
    Colon,
    /// `like`, case-sensitive wildcard.
    Like,
    /// `like~`, case-insensitive wildcard.
    LikeInsensitive,
    /// `regex`, Lucene's regular expression syntax, anchored, case-sensitive.
    Regex,
    /// `regex~`, the same, ASCII case-insensitive.
    RegexInsensitive,
    /// `<` on the field's type.
    Lt,
    /// `<=`.
    Le,
    /// `>`.
    Gt,
    /// `>=`.
    Ge,
    /// `startsWith(field, "prefix")`; `insensitive` for `startsWith~`.
    StartsWith {
        /// The `~` form.
        insensitive: bool,
    },
    /// `endsWith(field, "suffix")`.
    EndsWith {
        /// The `~` form.
        insensitive: bool,
    },
    /// `stringContains(field, "part")`.
    StringContains {
        /// The `~` form.
        insensitive: bool,
    },
    /// `cidrMatch(field, "10.0.0.0/8", ...)`.
    CidrMatch,
    /// The field alone as a condition (`where flag`), no values: Elasticsearch reads a boolean
    /// field so as `flag == true` (ql `AnalyzerRules.AddMissingEqualsToBoolField`) and a `?field`
    /// the mapping lacks as `null`; it refuses other types.
    Field,
}

impl Op {
    /// The operator as written in EQL.
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "==",
            Op::NotEq => "!=",
            Op::In => "in",
            Op::NotIn => "not in",
            Op::InInsensitive => "in~",
            Op::NotInInsensitive => "not in~",
            Op::Colon => ":",
            Op::Like => "like",
            Op::LikeInsensitive => "like~",
            Op::Regex => "regex",
            Op::RegexInsensitive => "regex~",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::StartsWith { insensitive: false } => "startsWith",
            Op::StartsWith { insensitive: true } => "startsWith~",
            Op::EndsWith { insensitive: false } => "endsWith",
            Op::EndsWith { insensitive: true } => "endsWith~",
            Op::StringContains { insensitive: false } => "stringContains",
            Op::StringContains { insensitive: true } => "stringContains~",
            Op::CidrMatch => "cidrMatch",
            Op::Field => "",
        }
    }

    /// Whether the operator is a function call (`startsWith(field, ...)`).
    pub fn is_function(self) -> bool {
        matches!(
            self,
            Op::StartsWith { .. } | Op::EndsWith { .. } | Op::StringContains { .. } | Op::CidrMatch
        )
    }
}

/// A literal on the right-hand side.
#[derive(Clone, Debug, PartialEq)]
pub struct Literal {
    /// The value.
    pub value: LiteralValue,
    /// Where it is written.
    pub span: Span,
}

/// Literal values.
#[derive(Clone, Debug, PartialEq)]
pub enum LiteralValue {
    /// A string, escapes resolved.
    Str(String),
    /// A number, as its text (keyword fields compare numbers by their text).
    Number(String),
    /// `true` or `false`.
    Bool(bool),
    /// `null`.
    Null,
}

impl LiteralValue {
    /// The text a keyword field would hold for this literal, or `None` for `null`.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            LiteralValue::Str(s) | LiteralValue::Number(s) => Some(s),
            LiteralValue::Bool(true) => Some("true"),
            LiteralValue::Bool(false) => Some("false"),
            LiteralValue::Null => None,
        }
    }
}
