//! EQL text to syntax tree.
//!
//! The subset is the one this rule family is written in: `<category> where <condition>` and
//! `any where`; `and`, `or`, `not`, parentheses; `==`, `!=`, `:`, `in`, `not in`, `in~`, `not in~`,
//! `like`, `like~` with single values or lists; strings, numbers, `true`, `false`, `null`;
//! comments. Everything else Elasticsearch's EQL accepts (sequences, samples, pipes, functions,
//! `?optional` fields, field-to-field comparisons, ranges) is refused with an error of kind
//! [`ErrorKind::Unsupported`] at its position. Keywords are lowercase, as in Elasticsearch's
//! grammar. Recursion is bounded by [`Limits::max_query_depth`], so no input overflows the stack.

use crate::eql::ast::{Expr, ExprKind, Literal, LiteralValue, Op, Predicate, Query, Span};
use crate::error::{Error, ErrorKind, Result};
use crate::limits::Limits;

/// Parses a whole query.
pub fn parse_query(source: &str, limits: &Limits) -> Result<Query> {
    limits.check_query_bytes(source.len(), "query is")?;
    let tokens = match (Lexer { src: source, pos: 0 }).tokens() {
        Ok(tokens) => tokens,
        Err(e) => {
            // Sequences and samples hold what the lexer of the subset does not know (`1h`):
            // name the construct rather than the character.
            let first = source.trim_start();
            let at = source.len() - first.len();
            if let Some((w, what)) = UNSUPPORTED_WORDS.iter().find(|(w, _)| {
                first.strip_prefix(w).is_some_and(|r| r.starts_with(|c: char| c.is_whitespace()))
            }) {
                let _ = w;
                return Err(Error::at(
                    ErrorKind::Unsupported,
                    format!("{what} are not supported"),
                    source,
                    at,
                ));
            }
            return Err(e);
        }
    };
    let mut p = Parser { src: source, tokens, pos: 0, depth: 0, limits };
    let query = p.query()?;
    Ok(query)
}

/// What a piece of query text is, for an editor's highlighting ([`highlight`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
pub(crate) enum TokenKind {
    /// A keyword of Elasticsearch's EQL grammar (`and`, `where`, `sequence`, ...).
    Keyword,
    /// `true`, `false`, `null`.
    Atom,
    /// The event category before `where`.
    Category,
    /// A field name, bare or in backquotes.
    Field,
    /// A string literal, its quotes included.
    String,
    /// A number.
    Number,
    /// `==`, `!=`, `:`, `~`.
    Operator,
    /// `(`, `)`, `,`.
    Punctuation,
    /// A line or bracketed comment.
    Comment,
    /// Valid EQL outside the subset (`<`, `|`, `[`, arithmetic).
    Unsupported,
    /// What the lexer refuses (an unterminated string, a stray `=`): up to where lexing resumes.
    Invalid,
}

impl TokenKind {
    /// The kinds' names, in the order of their discriminants (for the wasm bindings).
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    pub(crate) const NAMES: [&'static str; 11] = [
        "keyword",
        "atom",
        "category",
        "field",
        "string",
        "number",
        "operator",
        "punctuation",
        "comment",
        "unsupported",
        "invalid",
    ];
}

/// The tokens and comments of `source` with their byte spans, in order, for highlighting; the
/// lexer of [`parse_query`], resuming after what it refuses (the rest of the line for a string,
/// else one character), so text being typed is highlighted as far as it goes.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
pub(crate) fn highlight(source: &str) -> Vec<(TokenKind, Span)> {
    let mut lx = Lexer { src: source, pos: 0 };
    let mut out: Vec<(TokenKind, Span)> = Vec::new();
    loop {
        let rest = &source[lx.pos..];
        lx.pos += rest.len() - rest.trim_start().len();
        let start = lx.pos;
        let rest = &source[start..];
        let Some(c) = rest.chars().next() else { return out };
        if rest.starts_with("//") || rest.starts_with("/*") {
            let len = if rest.starts_with("//") {
                rest.find('\n').unwrap_or(rest.len())
            } else {
                bracketed_comment_len(rest).unwrap_or(rest.len())
            };
            lx.pos += len;
            out.push((TokenKind::Comment, Span::new(start, lx.pos)));
            continue;
        }
        let kind = match lx.token(c) {
            Ok(Tok::Ident(word)) => match source.as_bytes()[start] {
                b'`' => TokenKind::Field,
                _ if word == "true" || word == "false" || word == "null" => TokenKind::Atom,
                _ if is_grammar_keyword(&word) => {
                    if word == "where" {
                        // `network where`: the word before is the category.
                        if let [(k @ TokenKind::Field, _)] = out.as_mut_slice() {
                            *k = TokenKind::Category;
                        }
                    }
                    TokenKind::Keyword
                }
                _ => TokenKind::Field,
            },
            Ok(Tok::QuotedIdent(_)) => TokenKind::Field,
            Ok(Tok::Str(_)) => TokenKind::String,
            Ok(Tok::Num(_)) => TokenKind::Number,
            Ok(
                Tok::EqEq
                | Tok::NotEq
                | Tok::Colon
                | Tok::Tilde
                | Tok::Lt
                | Tok::Le
                | Tok::Gt
                | Tok::Ge
                | Tok::Question,
            ) => TokenKind::Operator,
            // `=` is only valid in `with maxspan=`, outside the subset.
            Ok(Tok::Assign) => TokenKind::Invalid,
            Ok(Tok::LParen | Tok::RParen | Tok::Comma) => TokenKind::Punctuation,
            Ok(Tok::Unsupported(_)) => TokenKind::Unsupported,
            Ok(Tok::Eof) => return out,
            Err(_) => {
                lx.pos = if c == '"' {
                    start + rest.find(['\r', '\n']).unwrap_or(rest.len())
                } else {
                    start + c.len_utf8()
                };
                TokenKind::Invalid
            }
        };
        out.push((kind, Span::new(start, lx.pos)));
    }
}

/// The keywords of Elasticsearch's EQL grammar (`EqlBase.g4`), those outside the subset included.
fn is_grammar_keyword(w: &str) -> bool {
    matches!(
        w,
        "and"
            | "any"
            | "by"
            | "in"
            | "join"
            | "like"
            | "maxspan"
            | "not"
            | "of"
            | "or"
            | "regex"
            | "runs"
            | "sample"
            | "sequence"
            | "until"
            | "where"
            | "with"
    )
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Ident(String),
    /// A field name with a backquoted segment (`` `sequence` ``, ``process.`name` ``): always a
    /// field, never a keyword.
    QuotedIdent(String),
    Str(String),
    Num(String),
    LParen,
    RParen,
    Comma,
    EqEq,
    NotEq,
    Colon,
    Tilde,
    Lt,
    Le,
    Gt,
    Ge,
    /// `?` before a field: optional.
    Question,
    /// `=`: only in `with maxspan=`.
    Assign,
    /// Something valid in EQL but outside the subset, with what to call it.
    Unsupported(&'static str),
    Eof,
}

#[derive(Clone, Debug)]
struct Token {
    tok: Tok,
    span: Span,
}

struct Lexer<'a> {
    src: &'a str,
    pos: usize,
}

impl<'a> Lexer<'a> {
    fn err(&self, kind: ErrorKind, msg: impl Into<String>, at: usize) -> Error {
        Error::at(kind, msg, self.src, at)
    }

    fn peek(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }

    fn peek_at(&self, n: usize) -> Option<char> {
        self.src[self.pos..].chars().nth(n)
    }

    fn tokens(mut self) -> Result<Vec<Token>> {
        let mut out = Vec::new();
        loop {
            self.skip_space_and_comments()?;
            let start = self.pos;
            let Some(c) = self.peek() else {
                out.push(Token { tok: Tok::Eof, span: Span::new(start, start) });
                return Ok(out);
            };
            let tok = self.token(c)?;
            out.push(Token { tok, span: Span::new(start, self.pos) });
        }
    }

    /// The token starting with `c` at `self.pos`.
    #[inline(never)]
    fn token(&mut self, c: char) -> Result<Tok> {
        let start = self.pos;
        let tok = match c {
            '(' => self.one(Tok::LParen),
            ')' => self.one(Tok::RParen),
            ',' => self.one(Tok::Comma),
            ':' => self.one(Tok::Colon),
            '~' => self.one(Tok::Tilde),
            '=' if self.peek_at(1) == Some('=') => {
                self.pos += 2;
                Tok::EqEq
            }
            '=' => self.one(Tok::Assign),
            '!' if self.peek_at(1) == Some('=') => {
                self.pos += 2;
                Tok::NotEq
            }
            '!' => return Err(self.err(ErrorKind::Syntax, "unexpected `!`; use `not` or `!=`", start)),
            '<' | '>' => {
                self.pos += 1;
                let eq = self.peek() == Some('=');
                if eq {
                    self.pos += 1;
                }
                match (c, eq) {
                    ('<', false) => Tok::Lt,
                    ('<', true) => Tok::Le,
                    (_, false) => Tok::Gt,
                    (_, true) => Tok::Ge,
                }
            }
            '|' => self.one(Tok::Unsupported("pipes (`|`)")),
            '[' | ']' => self.one(Tok::Unsupported("sequences and joins (`[...]`)")),
            '+' | '*' | '/' | '%' => self.one(Tok::Unsupported("arithmetic")),
            '-' if self.peek_at(1).is_some_and(|d| d.is_ascii_digit()) => self.number()?,
            '-' => self.one(Tok::Unsupported("arithmetic")),
            // `?"..."` and `?'...'` are old-style strings, refused by Elasticsearch too
            // (AbstractBuilder.unquoteString).
            '?' if matches!(self.peek_at(1), Some('"' | '\'')) => {
                return Err(self.err(
                    ErrorKind::Syntax,
                    "`?\"...\"` strings are not EQL any more; use `\"\"\"...\"\"\"` for a raw string",
                    start,
                ))
            }
            '?' => self.one(Tok::Question),
            '\'' => {
                return Err(self.err(
                    ErrorKind::Syntax,
                    "single quotes are not strings in EQL; use double quotes",
                    start,
                ))
            }
            '"' => self.string()?,
            '`' => self.quoted_ident()?,
            c if c.is_ascii_digit() => self.number()?,
            c if c.is_alphabetic() || c == '_' || c == '@' => self.ident()?,
            other => {
                return Err(self.err(ErrorKind::Syntax, format!("unexpected character `{other}`"), start))
            }
        };
        Ok(tok)
    }

    fn one(&mut self, tok: Tok) -> Tok {
        self.pos += 1;
        tok
    }

    fn skip_space_and_comments(&mut self) -> Result<()> {
        loop {
            let rest = &self.src[self.pos..];
            let trimmed = rest.trim_start();
            self.pos += rest.len() - trimmed.len();
            if trimmed.starts_with("//") {
                self.pos += trimmed.find('\n').unwrap_or(trimmed.len());
            } else if trimmed.starts_with("/*") {
                match bracketed_comment_len(trimmed) {
                    Some(len) => self.pos += len,
                    None => {
                        return Err(self.err(
                            ErrorKind::Syntax,
                            "unterminated comment; missing `*/`",
                            self.pos,
                        ))
                    }
                }
            } else {
                return Ok(());
            }
        }
    }

    /// A field name or a word: plain segments, `` `quoted` `` segments, joined by dots.
    fn ident(&mut self) -> Result<Tok> {
        let start = self.pos;
        let mut name = String::new();
        let mut quoted = false;
        loop {
            if self.peek() == Some('`') {
                self.quoted_segment(&mut name)?;
                quoted = true;
            } else {
                let seg_start = self.pos;
                while let Some(c) = self.peek() {
                    if c.is_alphanumeric() || c == '_' || c == '@' || c == '.' {
                        self.pos += c.len_utf8();
                    } else {
                        break;
                    }
                }
                name.push_str(&self.src[seg_start..self.pos]);
            }
            // A quoted segment may follow a dot (`process.`name``), and a dot may follow it.
            if self.peek() == Some('`') && name.ends_with('.') {
                continue;
            }
            if quoted && self.peek() == Some('.') {
                name.push('.');
                self.pos += 1;
                continue;
            }
            break;
        }
        if self.pos == start {
            return Err(self.err(ErrorKind::Syntax, "expected a field name", start));
        }
        Ok(if quoted { Tok::QuotedIdent(name) } else { Tok::Ident(name) })
    }

    /// `` `field with spaces` ``: Elasticsearch's escaped identifier (QUOTED_IDENTIFIER);
    /// `` ` `` doubles to escape itself.
    fn quoted_ident(&mut self) -> Result<Tok> {
        self.ident()
    }

    fn quoted_segment(&mut self, name: &mut String) -> Result<()> {
        let start = self.pos;
        self.pos += 1;
        loop {
            match self.peek() {
                None => {
                    return Err(self.err(
                        ErrorKind::Syntax,
                        "unterminated quoted field name; missing '`'",
                        start,
                    ))
                }
                Some('`') if self.peek_at(1) == Some('`') => {
                    name.push('`');
                    self.pos += 2;
                }
                Some('`') => {
                    self.pos += 1;
                    return Ok(());
                }
                Some(c) => {
                    name.push(c);
                    self.pos += c.len_utf8();
                }
            }
        }
    }

    fn number(&mut self) -> Result<Tok> {
        let start = self.pos;
        if self.peek() == Some('-') {
            self.pos += 1;
        }
        let mut seen_dot = false;
        let mut seen_exp = false;
        while let Some(c) = self.peek() {
            match c {
                '0'..='9' => self.pos += 1,
                '.' if !seen_dot && !seen_exp && self.peek_at(1).is_some_and(|d| d.is_ascii_digit()) => {
                    seen_dot = true;
                    self.pos += 1;
                }
                'e' | 'E' if !seen_exp => {
                    seen_exp = true;
                    self.pos += 1;
                    if matches!(self.peek(), Some('+' | '-')) {
                        self.pos += 1;
                    }
                }
                c if c.is_alphanumeric() || c == '_' => {
                    return Err(self.err(ErrorKind::Syntax, "invalid number", start));
                }
                _ => break,
            }
        }
        let text = &self.src[start..self.pos];
        if text.ends_with(['e', 'E', '+', '-']) {
            return Err(self.err(ErrorKind::Syntax, "invalid number", start));
        }
        Ok(Tok::Num(text.to_string()))
    }

    fn string(&mut self) -> Result<Tok> {
        let start = self.pos;
        if self.src[self.pos..].starts_with("\"\"\"") {
            // Elasticsearch's grammar: '"""' (~[\r\n])*? '"""' '"'? '"'? -- one line, and up to two
            // more quotes belong to the token, so `"""say "hi""""` is `say "hi"`.
            let body_start = self.pos + 3;
            let rest = &self.src[body_start..];
            let line_end = rest.find(['\r', '\n']).unwrap_or(rest.len());
            return match rest[..line_end].find("\"\"\"") {
                Some(end) => {
                    let extra = rest[end + 3..].bytes().take(2).take_while(|&b| b == b'"').count();
                    self.pos = body_start + end + 3 + extra;
                    Ok(Tok::Str(rest[..end + extra].to_string()))
                }
                None if line_end < rest.len() => Err(self.err(
                    ErrorKind::Syntax,
                    "line break inside a raw string; a `\"\"\"` string ends on its line",
                    body_start + line_end,
                )),
                None => Err(self.err(ErrorKind::Syntax, "unterminated raw string; missing `\"\"\"`", start)),
            };
        }
        self.pos += 1;
        let mut out = String::new();
        loop {
            let Some(c) = self.peek() else {
                return Err(self.err(ErrorKind::Syntax, "unterminated string; missing `\"`", start));
            };
            match c {
                '"' => {
                    self.pos += 1;
                    return Ok(Tok::Str(out));
                }
                '\n' | '\r' => {
                    return Err(self.err(
                        ErrorKind::Syntax,
                        "line break inside a string; close it with `\"` or use `\\n`",
                        self.pos,
                    ))
                }
                '\\' => {
                    let esc_at = self.pos;
                    self.pos += 1;
                    let Some(e) = self.peek() else {
                        return Err(self.err(ErrorKind::Syntax, "unterminated string; missing `\"`", start));
                    };
                    self.pos += e.len_utf8();
                    match e {
                        '\\' => out.push('\\'),
                        '"' => out.push('"'),
                        'n' => out.push('\n'),
                        'r' => out.push('\r'),
                        't' => out.push('\t'),
                        // Also valid in Elasticsearch's grammar (STRING_ESCAPE: [btnfr"'\\]).
                        'b' => out.push('\u{8}'),
                        'f' => out.push('\u{c}'),
                        '\'' => out.push('\''),
                        'u' => out.push(self.unicode_escape(esc_at)?),
                        other => {
                            return Err(self.err(
                                ErrorKind::Syntax,
                                format!("unknown escape `\\{other}`; write `\\\\` for a backslash"),
                                esc_at,
                            ))
                        }
                    }
                }
                c => {
                    out.push(c);
                    self.pos += c.len_utf8();
                }
            }
        }
    }

    /// `\u{XXXX}` with 2 to 8 hex digits (the `\u` is consumed).
    fn unicode_escape(&mut self, esc_at: usize) -> Result<char> {
        let bad = |l: &Self| {
            l.err(
                ErrorKind::Syntax,
                "invalid unicode escape; expected `\\u{XXXX}` with 2 to 8 hex digits",
                esc_at,
            )
        };
        if self.peek() != Some('{') {
            return Err(bad(self));
        }
        self.pos += 1;
        let digits_start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_hexdigit()) {
            self.pos += 1;
        }
        let digits = &self.src[digits_start..self.pos];
        if self.peek() != Some('}') || !(2..=8).contains(&digits.len()) {
            return Err(bad(self));
        }
        self.pos += 1;
        u32::from_str_radix(digits, 16).ok().and_then(char::from_u32).ok_or_else(|| {
            self.err(ErrorKind::Syntax, format!("`\\u{{{digits}}}` is not a unicode scalar value"), esc_at)
        })
    }
}

struct Parser<'a> {
    src: &'a str,
    tokens: Vec<Token>,
    pos: usize,
    depth: usize,
    limits: &'a Limits,
}

/// Words that start EQL constructs this engine does not evaluate.
const UNSUPPORTED_WORDS: &[(&str, &str)] = &[
    ("sequence", "sequences"),
    ("sample", "samples"),
    ("join", "joins"),
    ("until", "sequences (`until`)"),
    ("by", "join keys (`by`)"),
    ("with", "sequence options (`with maxspan`)"),
    ("maxspan", "sequence options (`maxspan`)"),
    ("runs", "sequence options (`runs`)"),
    ("of", "process relationships (`descendant of [...]`)"),
];

/// The functions of Elasticsearch's `EqlFunctionRegistry` this engine does not evaluate.
const UNSUPPORTED_FUNCTIONS: &[&str] = &[
    "add",
    "between",
    "concat",
    "divide",
    "indexOf",
    "length",
    "modulo",
    "multiply",
    "number",
    "string",
    "substring",
    "subtract",
    "wildcard",
];

impl<'a> Parser<'a> {
    fn peek(&self) -> &Token {
        &self.tokens[self.pos.min(self.tokens.len() - 1)]
    }

    fn peek_n(&self, n: usize) -> &Token {
        &self.tokens[(self.pos + n).min(self.tokens.len() - 1)]
    }

    fn next(&mut self) -> Token {
        let t = self.peek().clone();
        if self.pos < self.tokens.len() - 1 {
            self.pos += 1;
        }
        t
    }

    fn is_word(&self, word: &str) -> bool {
        matches!(&self.peek().tok, Tok::Ident(w) if w == word)
    }

    fn err_at(&self, kind: ErrorKind, msg: impl Into<String>, at: usize) -> Error {
        Error::at(kind, msg, self.src, at)
    }

    /// An error for the current token, unsupported when it is a known EQL construct.
    fn unexpected(&self, expected: &str) -> Error {
        let t = self.peek();
        let at = t.span.start;
        match &t.tok {
            Tok::Unsupported(what) => {
                self.err_at(ErrorKind::Unsupported, format!("{what} are not supported"), at)
            }
            Tok::Ident(w) => {
                if let Some((_, what)) = UNSUPPORTED_WORDS.iter().find(|(k, _)| k == w) {
                    return self.err_at(ErrorKind::Unsupported, format!("{what} are not supported"), at);
                }
                let lower = w.to_ascii_lowercase();
                if lower != *w
                    && ["and", "or", "not", "in", "like", "regex", "where", "null", "true", "false", "any"]
                        .contains(&lower.as_str())
                {
                    return self.err_at(
                        ErrorKind::Syntax,
                        format!("expected {expected}, found `{w}`; EQL keywords are lowercase (`{lower}`)"),
                        at,
                    );
                }
                self.err_at(ErrorKind::Syntax, format!("expected {expected}, found `{w}`"), at)
            }
            Tok::Eof => {
                self.err_at(ErrorKind::Syntax, format!("expected {expected}, found end of query"), at)
            }
            other => {
                self.err_at(ErrorKind::Syntax, format!("expected {expected}, found {}", describe(other)), at)
            }
        }
    }

    fn query(&mut self) -> Result<Query> {
        let t = self.next();
        let category = match &t.tok {
            Tok::Ident(w) if w == "any" => None,
            Tok::Ident(w) if UNSUPPORTED_WORDS.iter().any(|(k, _)| k == w) => {
                self.pos -= 1;
                return Err(self.unexpected("an event category"));
            }
            Tok::Ident(w) if !w.contains('.') && !is_keyword(w) => Some((w.clone(), t.span)),
            Tok::Str(s) => Some((s.clone(), t.span)),
            _ => {
                self.pos = self.pos.saturating_sub(1);
                return Err(self.unexpected("an event category (`network`, `process`, ..., or `any`)"));
            }
        };
        if !self.is_word("where") {
            return Err(self.unexpected("`where`"));
        }
        let where_tok = self.next();
        // The category's span covers `network where`, the clause a reason quotes for it.
        let category = category.map(|(name, span)| (name, span.to(where_tok.span)));
        let condition = self.or()?;
        if self.peek().tok != Tok::Eof {
            return Err(self.unexpected("`and`, `or` or the end of the query"));
        }
        Ok(Query { category, condition })
    }

    fn enter(&mut self, at: usize) -> Result<()> {
        self.depth += 1;
        if self.depth > self.limits.max_query_depth {
            return Err(self.err_at(
                ErrorKind::Limit,
                format!(
                    "query nests deeper than the limit max_query_depth = {}",
                    self.limits.max_query_depth
                ),
                at,
            ));
        }
        Ok(())
    }

    fn or(&mut self) -> Result<Expr> {
        let first = self.and()?;
        if !self.is_word("or") {
            return Ok(first);
        }
        let mut items = vec![first];
        while self.is_word("or") {
            self.next();
            items.push(self.and()?);
        }
        Ok(chain(items, ExprKind::Or))
    }

    fn and(&mut self) -> Result<Expr> {
        let first = self.unary()?;
        if !self.is_word("and") {
            return Ok(first);
        }
        let mut items = vec![first];
        while self.is_word("and") {
            self.next();
            items.push(self.unary()?);
        }
        Ok(chain(items, ExprKind::And))
    }

    fn unary(&mut self) -> Result<Expr> {
        let t = self.peek().clone();
        self.enter(t.span.start)?;
        let result = if self.is_word("not") {
            self.next();
            let inner = self.unary()?;
            Ok(Expr { span: t.span.to(inner.span), kind: ExprKind::Not(Box::new(inner)) })
        } else {
            self.primary()
        };
        self.depth -= 1;
        result
    }

    /// Whether the token `n` ahead starts a field (`name`, `` `quoted` ``, `?name`) and not a
    /// function call or a keyword.
    fn field_ahead(&self, n: usize) -> bool {
        match &self.peek_n(n).tok {
            Tok::Question | Tok::QuotedIdent(_) => true,
            Tok::Ident(w) => !is_keyword(w) && self.peek_n(n + 1).tok != Tok::LParen,
            _ => false,
        }
    }

    /// Whether a function call starts here: `name(` or `name~(` with nothing between.
    fn function_ahead(&self) -> bool {
        let name = self.peek();
        let next = self.peek_n(1);
        match next.tok {
            Tok::LParen => true,
            Tok::Tilde => next.span.start == name.span.end && self.peek_n(2).tok == Tok::LParen,
            _ => false,
        }
    }

    fn primary(&mut self) -> Result<Expr> {
        let t = self.peek().clone();
        match &t.tok {
            Tok::LParen => {
                self.next();
                let inner = self.or()?;
                let close = self.peek().clone();
                if close.tok != Tok::RParen {
                    if close.tok == Tok::Eof {
                        return Err(self.err_at(
                            ErrorKind::Syntax,
                            "missing `)` closing the `(` of this group",
                            inner.span.end,
                        ));
                    }
                    return Err(self.unexpected("`)`"));
                }
                self.next();
                // The span grows to the parentheses so the clause quotes them.
                Ok(Expr { span: t.span.to(close.span), kind: inner.kind })
            }
            Tok::Ident(w) if (w == "true" || w == "false") && !is_comparison(&self.peek_n(1).tok) => {
                self.next();
                Ok(Expr { span: t.span, kind: ExprKind::Constant(w == "true") })
            }
            Tok::Ident(w) if matches!(w.as_str(), "null" | "true" | "false") => self.literal_left(),
            Tok::Question | Tok::QuotedIdent(_) => self.predicate(),
            Tok::Ident(w) if !is_keyword(w) || w == "any" => {
                if UNSUPPORTED_WORDS.iter().any(|(k, _)| k == w) {
                    return Err(self.unexpected("a condition"));
                }
                if matches!(&self.peek_n(1).tok, Tok::Ident(of) if of == "of") {
                    return Err(self.err_at(
                        ErrorKind::Unsupported,
                        format!("process relationships (`{w} of [...]`) are not supported"),
                        t.span.start,
                    ));
                }
                if self.function_ahead() {
                    return self.function();
                }
                self.predicate()
            }
            Tok::Str(_) | Tok::Num(_) => self.literal_left(),
            _ => Err(self.unexpected("a condition")),
        }
    }

    /// `literal <op> field`, read as `field <mirrored op> literal`; any other expression with a
    /// literal on the left is outside the subset.
    fn literal_left(&mut self) -> Result<Expr> {
        let start = self.pos;
        let lit = self.literal()?;
        let op = match self.peek().tok {
            Tok::EqEq => Some(Op::Eq),
            Tok::NotEq => Some(Op::NotEq),
            Tok::Lt => Some(Op::Gt),
            Tok::Le => Some(Op::Ge),
            Tok::Gt => Some(Op::Lt),
            Tok::Ge => Some(Op::Le),
            _ => None,
        };
        if let (Some(op), true) = (op, self.field_ahead(1)) {
            self.next();
            let (field, field_span, optional) = self.field()?;
            if !is_boundary(&self.peek().tok) {
                return Err(self.unexpected("`and`, `or` or `)`"));
            }
            self.check_values(op, std::slice::from_ref(&lit))?;
            return Ok(Expr {
                span: lit.span.to(field_span),
                kind: ExprKind::Predicate(Predicate {
                    field,
                    field_span,
                    optional,
                    op,
                    values: vec![lit],
                    list: false,
                }),
            });
        }
        let at = self.tokens[start].span.start;
        Err(self.err_at(
            ErrorKind::Unsupported,
            "a literal on the left of a comparison is supported only as `literal <op> field`; \
             expressions there (`null == (...)`, `1 in (...)`) are not",
            at,
        ))
    }

    /// A field: `name`, `` `quoted name` ``, or `?name` (optional).
    fn field(&mut self) -> Result<(String, Span, bool)> {
        let optional = self.peek().tok == Tok::Question;
        if optional {
            self.next();
        }
        let t = self.next();
        let name = match t.tok {
            Tok::Ident(w) if !is_keyword(&w) => w,
            Tok::QuotedIdent(w) => w,
            _ => {
                self.pos -= 1;
                return Err(self.unexpected("a field"));
            }
        };
        if name.is_empty() || name.starts_with('.') || name.ends_with('.') || name.contains("..") {
            return Err(self.err_at(ErrorKind::Syntax, format!("invalid field name `{name}`"), t.span.start));
        }
        Ok((name, t.span, optional))
    }

    fn predicate(&mut self) -> Result<Expr> {
        let start = self.peek().span.start;
        let (field, field_span, optional) = self.field()?;
        if self.peek().tok == Tok::LParen {
            return Err(self.err_at(
                ErrorKind::Syntax,
                format!("`{field}` is a field, not a function"),
                field_span.start,
            ));
        }
        if is_boundary(&self.peek().tok) {
            // The field alone (`where flag`): the compiler decides by its type.
            let kind = ExprKind::Predicate(Predicate {
                field,
                field_span,
                optional,
                op: Op::Field,
                values: Vec::new(),
                list: false,
            });
            return Ok(Expr { kind, span: Span::new(start, field_span.end) });
        }
        let op_tok = self.next();
        let (op, list_required) = match &op_tok.tok {
            Tok::EqEq => (Op::Eq, false),
            Tok::NotEq => (Op::NotEq, false),
            Tok::Lt => (Op::Lt, false),
            Tok::Le => (Op::Le, false),
            Tok::Gt => (Op::Gt, false),
            Tok::Ge => (Op::Ge, false),
            Tok::Colon => (Op::Colon, false),
            Tok::Assign => {
                return Err(self.err_at(ErrorKind::Syntax, "expected `==`, found `=`", op_tok.span.start))
            }
            Tok::Ident(w) if w == "like" => (self.tilde(Op::Like, Op::LikeInsensitive), false),
            Tok::Ident(w) if w == "regex" => (self.tilde(Op::Regex, Op::RegexInsensitive), false),
            Tok::Ident(w) if w == "in" => (self.tilde(Op::In, Op::InInsensitive), true),
            Tok::Ident(w) if w == "not" && self.is_word("in") => {
                self.next();
                (self.tilde(Op::NotIn, Op::NotInInsensitive), true)
            }
            Tok::Ident(w) if w == "not" && (self.is_word("like") || self.is_word("regex")) => {
                return Err(self.err_at(
                    ErrorKind::Syntax,
                    "`not like` is not an operator; write `not field like ...`",
                    op_tok.span.start,
                ))
            }
            _ => {
                self.pos -= 1;
                return Err(self.unexpected(
                    "an operator (`==`, `!=`, `<`, `<=`, `>`, `>=`, `:`, `in`, `not in`, `in~`, `like`, `like~`, `regex`, `regex~`)",
                ));
            }
        };
        let single = matches!(op, Op::Eq | Op::NotEq | Op::Lt | Op::Le | Op::Gt | Op::Ge);
        let (values, list, end) = if self.peek().tok == Tok::LParen {
            let (values, list, end) = self.list()?;
            if single && values.len() > 1 {
                return Err(self.err_at(
                    ErrorKind::Syntax,
                    format!("`{}` takes one value; use `in` for a list", op.as_str()),
                    op_tok.span.start,
                ));
            }
            // `a == ("x")` is a parenthesized value in Elasticsearch's grammar.
            (values, list && !single, end)
        } else if list_required {
            return Err(self.unexpected("`(` starting a list"));
        } else {
            let lit = self.literal()?;
            let end = lit.span.end;
            (vec![lit], false, end)
        };
        self.check_values(op, &values)?;
        let span = Span::new(start, end);
        Ok(Expr {
            span,
            kind: ExprKind::Predicate(Predicate { field, field_span, optional, op, values, list }),
        })
    }

    /// The literal kinds each operator takes, as Elasticsearch's verifier checks them.
    fn check_values(&self, op: Op, values: &[Literal]) -> Result<()> {
        for lit in values {
            let is_str = matches!(lit.value, LiteralValue::Str(_));
            let bad = match op {
                Op::Like | Op::LikeInsensitive | Op::Regex | Op::RegexInsensitive => {
                    (!is_str).then_some("string patterns")
                }
                Op::InInsensitive | Op::NotInInsensitive => {
                    matches!(lit.value, LiteralValue::Bool(_) | LiteralValue::Number(_)).then_some("strings")
                }
                Op::Lt | Op::Le | Op::Gt | Op::Ge => {
                    matches!(lit.value, LiteralValue::Bool(_) | LiteralValue::Null)
                        .then_some("a number, a string or a date")
                }
                op if op.is_function() => (!is_str).then_some("string arguments"),
                _ => None,
            };
            if let Some(what) = bad {
                return Err(self.err_at(
                    ErrorKind::Verification,
                    format!("`{}` needs {what}", op.as_str()),
                    lit.span.start,
                ));
            }
        }
        Ok(())
    }

    /// `startsWith(field, "x")`, `endsWith`, `stringContains` (and `~` forms), `cidrMatch`.
    fn function(&mut self) -> Result<Expr> {
        let name_tok = self.next();
        let Tok::Ident(name) = name_tok.tok.clone() else {
            return Err(self.unexpected("a function name"));
        };
        let insensitive = self.peek().tok == Tok::Tilde;
        if insensitive {
            self.next();
        }
        let open = self.next();
        let known = ["startsWith", "endsWith", "stringContains", "cidrMatch"];
        // Function names are resolved case-insensitively (ql FunctionRegistry.normalize).
        let canonical = known.iter().find(|k| k.eq_ignore_ascii_case(&name));
        let op = match canonical.copied() {
            Some("startsWith") => Op::StartsWith { insensitive },
            Some("endsWith") => Op::EndsWith { insensitive },
            Some("stringContains") => Op::StringContains { insensitive },
            Some(_) if insensitive => {
                return Err(self.err_at(
                    ErrorKind::Syntax,
                    format!("`{name}` has no case-insensitive form `{name}~`"),
                    name_tok.span.start,
                ))
            }
            Some(_) => Op::CidrMatch,
            None if UNSUPPORTED_FUNCTIONS.iter().any(|f| f.eq_ignore_ascii_case(&name)) => {
                return Err(self.err_at(
                    ErrorKind::Unsupported,
                    format!("the function `{name}` is not supported"),
                    name_tok.span.start,
                ))
            }
            None => {
                return Err(self.err_at(
                    ErrorKind::Syntax,
                    format!(
                        "unknown function `{name}`; the functions are startsWith, endsWith, stringContains, cidrMatch, {}",
                        UNSUPPORTED_FUNCTIONS.join(", ")
                    ),
                    name_tok.span.start,
                ))
            }
        };
        if !self.field_ahead(0) {
            return Err(self.err_at(
                ErrorKind::Unsupported,
                format!("`{name}` is supported with a field as its first argument"),
                self.peek().span.start,
            ));
        }
        let (field, field_span, optional) = self.field()?;
        let mut values = Vec::new();
        let mut last_end = field_span.end;
        let end = loop {
            let t = self.next();
            match t.tok {
                Tok::Comma => {
                    let lit = self.literal()?;
                    last_end = lit.span.end;
                    values.push(lit);
                }
                Tok::RParen => break t.span.end,
                Tok::Eof => {
                    return Err(self.err_at(
                        ErrorKind::Syntax,
                        format!("missing `)` closing `{name}(`"),
                        last_end,
                    ))
                }
                _ => {
                    self.pos -= 1;
                    return Err(self.unexpected("`,` or `)`"));
                }
            }
        };
        let two = op != Op::CidrMatch;
        if values.is_empty() || (two && values.len() != 1) {
            let want = if two { "exactly two arguments" } else { "a field and at least one CIDR block" };
            return Err(self.err_at(ErrorKind::Syntax, format!("`{name}` takes {want}"), open.span.start));
        }
        self.check_values(op, &values)?;
        if is_comparison(&self.peek().tok) {
            return Err(self.err_at(
                ErrorKind::Unsupported,
                format!("comparing the result of `{name}(...)` is not supported; use it as a condition"),
                self.peek().span.start,
            ));
        }
        let list = values.len() > 1;
        Ok(Expr {
            span: Span::new(name_tok.span.start, end),
            kind: ExprKind::Predicate(Predicate { field, field_span, optional, op, values, list }),
        })
    }

    /// Turns `in`/`like`/`regex` into their `~` forms when a `~` follows directly.
    fn tilde(&mut self, plain: Op, insensitive: Op) -> Op {
        let prev_end = self.tokens[self.pos - 1].span.end;
        if self.peek().tok == Tok::Tilde && self.peek().span.start == prev_end {
            self.next();
            insensitive
        } else {
            plain
        }
    }

    fn list(&mut self) -> Result<(Vec<Literal>, bool, usize)> {
        let open = self.next();
        let mut values: Vec<Literal> = Vec::new();
        loop {
            if values.len() >= self.limits.max_list_entries {
                return Err(self.err_at(
                    ErrorKind::Limit,
                    format!(
                        "list has more entries than the limit max_list_entries = {}",
                        self.limits.max_list_entries
                    ),
                    open.span.start,
                ));
            }
            values.push(self.literal()?);
            let last_end = values[values.len() - 1].span.end;
            let t = self.next();
            match t.tok {
                Tok::Comma => continue,
                Tok::RParen => return Ok((values, true, t.span.end)),
                // The list ends without `)`: at the end of the query, or with what follows on a
                // later line. Blame the missing `)` where it belongs, after the last entry.
                ref tok if *tok == Tok::Eof || self.src[last_end..t.span.start].contains('\n') => {
                    let (line, column) = crate::eql::compile::Locator::new(self.src).locate(open.span.start);
                    return Err(self.err_at(
                        ErrorKind::Syntax,
                        format!("unclosed list: missing `)` to close the `(` at line {line} column {column}"),
                        last_end,
                    ));
                }
                _ => {
                    self.pos -= 1;
                    return Err(self.unexpected("`,` or `)`"));
                }
            }
        }
    }

    fn literal(&mut self) -> Result<Literal> {
        let t = self.next();
        let value = match t.tok {
            Tok::Str(s) => LiteralValue::Str(s),
            Tok::Num(n) => match normalize_number(&n) {
                Some(text) => LiteralValue::Number(text),
                None => {
                    return Err(self.err_at(
                        ErrorKind::Syntax,
                        format!("number {n} is too large"),
                        t.span.start,
                    ))
                }
            },
            Tok::Ident(w) if w == "null" => LiteralValue::Null,
            Tok::Ident(w) if w == "true" => LiteralValue::Bool(true),
            Tok::Ident(w) if w == "false" => LiteralValue::Bool(false),
            Tok::Ident(ref w) if !is_keyword(w) => {
                let msg = if self.peek().tok == Tok::LParen || self.peek().tok == Tok::Tilde {
                    format!("functions (`{w}(...)`) as values are not supported")
                } else {
                    format!("field-to-field comparisons are not supported (`{w}` is a field); quote a string value")
                };
                return Err(self.err_at(ErrorKind::Unsupported, msg, t.span.start));
            }
            Tok::QuotedIdent(ref w) => {
                return Err(self.err_at(
                    ErrorKind::Unsupported,
                    format!("field-to-field comparisons are not supported (`{w}` is a field)"),
                    t.span.start,
                ))
            }
            Tok::Question => {
                return Err(self.err_at(
                    ErrorKind::Unsupported,
                    "field-to-field comparisons are not supported (`?field` is a field)",
                    t.span.start,
                ))
            }
            Tok::LParen => {
                return Err(self.err_at(
                    ErrorKind::Unsupported,
                    "expressions as values are not supported; write a literal",
                    t.span.start,
                ))
            }
            _ => {
                self.pos -= 1;
                return Err(self.unexpected("a value (a string, a number, `true`, `false` or `null`)"));
            }
        };
        Ok(Literal { value, span: t.span })
    }
}

fn is_comparison(t: &Tok) -> bool {
    matches!(t, Tok::EqEq | Tok::NotEq | Tok::Lt | Tok::Le | Tok::Gt | Tok::Ge | Tok::Colon)
}

/// A token that ends a condition.
fn is_boundary(t: &Tok) -> bool {
    matches!(t, Tok::Eof | Tok::RParen) || matches!(t, Tok::Ident(w) if w == "and" || w == "or")
}

fn chain(items: Vec<Expr>, make: fn(Vec<Expr>) -> ExprKind) -> Expr {
    let span = items[0].span.to(items[items.len() - 1].span);
    Expr { kind: make(items), span }
}

fn is_keyword(w: &str) -> bool {
    matches!(w, "and" | "or" | "not" | "in" | "like" | "regex" | "where" | "null" | "true" | "false" | "any")
}

/// The text a keyword field's term query gets for a numeric literal. Elasticsearch parses an
/// integer into an int, a long or an unsigned long (`007` is `7`), and a decimal, or an integer too
/// large for those, into a double (`ExpressionBuilder.visitIntegerLiteral`/`visitDecimalLiteral`);
/// the term is then the value's `toString()`, so a double reads as Java writes it: `1.50` is `1.5`,
/// `1e3` is `1000.0`, `1e7` is `1.0E7`. `None` for a number too large for a double, which
/// Elasticsearch refuses.
fn normalize_number(text: &str) -> Option<String> {
    if let Ok(n) = text.parse::<i64>() {
        return Some(n.to_string());
    }
    if let Ok(n) = text.parse::<u64>() {
        return Some(n.to_string());
    }
    let x: f64 = text.parse().ok()?;
    x.is_finite().then(|| java_double(x))
}

/// Java's `Double.toString` (JDK 19 and later: the shortest digits that round-trip, as Rust
/// prints them): `d.ddd` between 10^-3 and 10^7, otherwise `d.dddE±n`, always with a fraction digit.
fn java_double(x: f64) -> String {
    let abs = x.abs();
    if abs == 0.0 || (1e-3..1e7).contains(&abs) {
        let s = format!("{x}");
        if s.contains('.') {
            s
        } else {
            format!("{s}.0")
        }
    } else {
        let s = format!("{x:e}");
        let (mantissa, exponent) = s.split_once('e').unwrap_or((&s, "0"));
        let dot = if mantissa.contains('.') { "" } else { ".0" };
        format!("{mantissa}{dot}E{exponent}")
    }
}

/// Length of the bracketed comment at the start of `s` (which starts with `/*`). Elasticsearch's
/// grammar nests them (`BRACKETED_COMMENT: '/*' (BRACKETED_COMMENT|.)*? '*/'`), so
/// `/* a /* b */ c */` is one comment; when the nesting does not balance, the first `*/` ends it.
fn bracketed_comment_len(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let (mut depth, mut i) = (1usize, 2usize);
    while i + 1 < b.len() {
        match (b[i], b[i + 1]) {
            (b'/', b'*') => {
                depth += 1;
                i += 2;
            }
            (b'*', b'/') => {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => i += 1,
        }
    }
    s[2..].find("*/").map(|end| end + 4)
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::Ident(w) | Tok::QuotedIdent(w) => format!("`{w}`"),
        Tok::Lt => "`<`".into(),
        Tok::Le => "`<=`".into(),
        Tok::Gt => "`>`".into(),
        Tok::Ge => "`>=`".into(),
        Tok::Question => "`?`".into(),
        Tok::Assign => "`=`".into(),
        Tok::Str(s) => format!("string \"{s}\""),
        Tok::Num(n) => format!("number {n}"),
        Tok::LParen => "`(`".into(),
        Tok::RParen => "`)`".into(),
        Tok::Comma => "`,`".into(),
        Tok::EqEq => "`==`".into(),
        Tok::NotEq => "`!=`".into(),
        Tok::Colon => "`:`".into(),
        Tok::Tilde => "`~`".into(),
        Tok::Unsupported(what) => what.to_string(),
        Tok::Eof => "end of query".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Query> {
        parse_query(s, &Limits::default())
    }

    fn pred(s: &str) -> Predicate {
        match parse(&format!("any where {s}")).unwrap().condition.kind {
            ExprKind::Predicate(p) => p,
            other => panic!("not a predicate: {other:?}"),
        }
    }

    #[test]
    fn category_and_any() {
        let q = parse("network where a == \"x\"").unwrap();
        assert_eq!(q.category.unwrap().0, "network");
        assert!(parse("any where a == \"x\"").unwrap().category.is_none());
        assert_eq!(parse("\"network\" where true").unwrap().category.unwrap().0, "network");
    }

    #[test]
    fn every_operator() {
        assert_eq!(pred("a == \"x\"").op, Op::Eq);
        assert_eq!(pred("a != null").op, Op::NotEq);
        assert_eq!(pred("a : \"x*\"").op, Op::Colon);
        assert_eq!(pred("a : (\"x\", \"y\")").values.len(), 2);
        assert_eq!(pred("a in (\"x\")").op, Op::In);
        assert_eq!(pred("a not in (\"x\")").op, Op::NotIn);
        assert_eq!(pred("a in~ (\"x\")").op, Op::InInsensitive);
        assert_eq!(pred("a not in~ (\"x\")").op, Op::NotInInsensitive);
        assert_eq!(pred("a like \"x\"").op, Op::Like);
        assert_eq!(pred("a like~ (\"x\", \"y\")").op, Op::LikeInsensitive);
        assert_eq!(pred("a == 5").values[0].value, LiteralValue::Number("5".into()));
        assert_eq!(pred("a == -5").values[0].value, LiteralValue::Number("-5".into()));
        assert_eq!(pred("a == 1.5").values[0].value, LiteralValue::Number("1.5".into()));
        assert_eq!(pred("a == true").values[0].value, LiteralValue::Bool(true));
        assert_eq!(pred("a in (null, \"x\")").values[0].value, LiteralValue::Null);
    }

    #[test]
    fn string_escapes_and_raw_strings() {
        let p = pred(r#"a : "?:\\Program Files\\*.exe""#);
        assert_eq!(p.values[0].value, LiteralValue::Str(r"?:\Program Files\*.exe".into()));
        let p = pred(r#"a == "q\"\n\r\t\u{e9}\u{1F600}""#);
        assert_eq!(p.values[0].value, LiteralValue::Str("q\"\n\r\té\u{1F600}".into()));
        let p = pred(r#"a : """C:\Windows\*""""#);
        assert_eq!(p.values[0].value, LiteralValue::Str(r"C:\Windows\*".into()));
    }

    #[test]
    fn numbers_read_as_elasticsearch_writes_their_terms() {
        let n = |s: &str| pred(&format!("a == {s}")).values[0].value.clone();
        assert_eq!(n("007"), LiteralValue::Number("7".into()));
        assert_eq!(n("18446744073709551615"), LiteralValue::Number("18446744073709551615".into()));
        assert_eq!(n("18446744073709551616"), LiteralValue::Number("1.8446744073709552E19".into()));
        assert_eq!(n("1.50"), LiteralValue::Number("1.5".into()));
        assert_eq!(n("1.0"), LiteralValue::Number("1.0".into()));
        assert_eq!(n("1e3"), LiteralValue::Number("1000.0".into()));
        assert_eq!(n("0.001"), LiteralValue::Number("0.001".into()));
        assert_eq!(n("0.0001"), LiteralValue::Number("1.0E-4".into()));
        assert_eq!(n("1e7"), LiteralValue::Number("1.0E7".into()));
        assert_eq!(n("12345678.9"), LiteralValue::Number("1.23456789E7".into()));
        assert_eq!(n("-2.5"), LiteralValue::Number("-2.5".into()));
        assert!(parse("any where a == 1e999").unwrap_err().message().contains("too large"));
    }

    #[test]
    fn bracketed_comments_nest() {
        let q = parse("any where /* a /* b */ c */ x == \"1\"").unwrap();
        assert!(matches!(q.condition.kind, ExprKind::Predicate(_)));
        // Unbalanced nesting: the first `*/` ends the comment.
        assert!(parse("any where /* a /* b */ x == \"1\"").is_ok());
        assert!(parse("any where /* a */ x == \"1\" /* b */").is_ok());
    }

    #[test]
    fn raw_strings_stay_on_one_line_and_may_end_in_quotes() {
        let p = pred(r#"a == """say "hi"""""#);
        assert_eq!(p.values[0].value, LiteralValue::Str(r#"say "hi""#.into()));
        let p = pred(r#"a == """x""""""#);
        assert_eq!(p.values[0].value, LiteralValue::Str(r#"x"""#.into()));
        let e = parse("any where a == \"\"\"x\ny\"\"\"").unwrap_err();
        assert!(e.message().contains("line break"), "{e}");
    }

    #[test]
    fn backspace_formfeed_and_single_quote_escapes() {
        let p = pred(r#"a == "\b\f\'""#);
        assert_eq!(p.values[0].value, LiteralValue::Str("\u{8}\u{c}'".into()));
    }

    #[test]
    fn highlighting_covers_tokens_and_comments_and_resumes_after_errors() {
        let src = "network where a.b : (\"x\", 1) // c\n and not `f g` == null and x = \"open";
        let got: Vec<(TokenKind, &str)> =
            highlight(src).into_iter().map(|(k, span)| (k, span.text(src))).collect();
        use TokenKind::*;
        assert_eq!(
            got,
            [
                (Category, "network"),
                (Keyword, "where"),
                (Field, "a.b"),
                (Operator, ":"),
                (Punctuation, "("),
                (String, "\"x\""),
                (Punctuation, ","),
                (Number, "1"),
                (Punctuation, ")"),
                (Comment, "// c"),
                (Keyword, "and"),
                (Keyword, "not"),
                (Field, "`f g`"),
                (Operator, "=="),
                (Atom, "null"),
                (Keyword, "and"),
                (Field, "x"),
                (Invalid, "="),
                (Invalid, "\"open"),
            ]
        );
        assert_eq!(
            highlight("a < 1 | /* open"),
            [
                (Field, Span::new(0, 1)),
                (Operator, Span::new(2, 3)),
                (Number, Span::new(4, 5)),
                (Unsupported, Span::new(6, 7)),
                (Comment, Span::new(8, 15)),
            ]
        );
    }

    #[test]
    fn precedence_not_and_or() {
        let q = parse("any where not a == \"1\" and b == \"2\" or c == \"3\"").unwrap();
        let ExprKind::Or(items) = q.condition.kind else { panic!() };
        assert_eq!(items.len(), 2);
        let ExprKind::And(ands) = &items[0].kind else { panic!() };
        assert!(matches!(ands[0].kind, ExprKind::Not(_)));
    }

    #[test]
    fn comments_are_skipped_and_spans_quote_the_source() {
        let src = "any where /* c */ a == \"x\" // end\n and (b : \"y\")";
        let q = parse(src).unwrap();
        let ExprKind::And(items) = q.condition.kind else { panic!() };
        assert_eq!(items[0].span.text(src), "a == \"x\"");
        assert_eq!(items[1].span.text(src), "(b : \"y\")");
    }

    #[test]
    fn errors_have_positions_and_kinds() {
        let e = parse("network where a = \"x\"").unwrap_err();
        assert_eq!((e.kind(), e.line(), e.column()), (ErrorKind::Syntax, 1, 17));
        let e = parse("network whre a == \"x\"").unwrap_err();
        assert!(e.message().contains("`where`"), "{e}");
        let e = parse("sequence [network where true]").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unsupported);
        let e = parse("any where a == \"x\" | head 5").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unsupported);
        let e = parse("any where length(a) > 5").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unsupported);
        let e = parse("any where a == b").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unsupported);
        let e = parse("any where a == 'x'").unwrap_err();
        assert!(e.message().contains("single quotes"));
        let e = parse("any where a == \"x\" AND b == \"y\"").unwrap_err();
        assert!(e.message().contains("lowercase"), "{e}");
        let e = parse("any where a == \"x").unwrap_err();
        assert!(e.message().contains("unterminated"));
        let e = parse("any where a == \"\\q\"").unwrap_err();
        assert!(e.message().contains("unknown escape"));
        let e = parse("any where a : (\"x\", )").unwrap_err();
        assert_eq!(e.column(), 21);
        let e = parse("any where a like 5").unwrap_err();
        assert!(e.message().contains("string patterns"));
        let e = parse("any where /* open").unwrap_err();
        assert!(e.message().contains("comment"));
    }

    #[test]
    fn backquoted_names_are_always_fields() {
        for word in ["sequence", "sample", "join", "by", "until", "where", "and", "true", "null", "in", "any"]
        {
            let p = pred(&format!("`{word}` == 20"));
            assert_eq!(p.field, word);
        }
        assert_eq!(pred("process.`name` == \"x\"").field, "process.name");
        assert_eq!(pred("`a b`.c == \"x\"").field, "a b.c");
        assert_eq!(pred("`a``b` == \"x\"").field, "a`b");
    }

    #[test]
    fn functions_ranges_regex_and_optional_fields() {
        assert_eq!(pred("a < 5").op, Op::Lt);
        assert_eq!(pred("a >= \"x\"").op, Op::Ge);
        let flipped = pred("0 <= a");
        assert_eq!((flipped.op, flipped.field.as_str()), (Op::Ge, "a"));
        assert_eq!(pred("-1 < a").op, Op::Gt);
        assert_eq!(pred("a regex~ (\"x.*\", \"y\")").op, Op::RegexInsensitive);
        let p = pred("startsWith~(a, \"x\")");
        assert_eq!((p.op, p.values.len()), (Op::StartsWith { insensitive: true }, 1));
        assert_eq!(pred("cidrMatch(a, \"10.0.0.0/8\", \"::1\")").values.len(), 2);
        assert_eq!(pred("stringcontains(a, \"x\")").op, Op::StringContains { insensitive: false });
        assert!(pred("?a == \"x\"").optional);
        assert_eq!(pred("a : 1").values[0].value, LiteralValue::Number("1".into()));
    }

    #[test]
    fn a_field_alone_is_a_condition_the_compiler_types() {
        let p = pred("?process.code_signature.trusted");
        assert_eq!(
            (p.op, p.field.as_str(), p.optional, p.values.len()),
            (Op::Field, "process.code_signature.trusted", true, 0)
        );
        let q = parse("any where a == 1 and (b)").unwrap();
        let ExprKind::And(items) = &q.condition.kind else { panic!("{q:?}") };
        assert!(matches!(&items[1].kind, ExprKind::Predicate(p) if p.op == Op::Field && p.field == "b"));
        assert_eq!(items[1].span.text("any where a == 1 and (b)"), "(b)");
        assert!(parse("any where not b or c").is_ok());
    }

    #[test]
    fn valid_elasticsearch_eql_outside_the_subset_is_unsupported_where_it_starts() {
        let cases = [
            ("any where length(a) == 2", "length"),
            ("any where null == (a > 1)", "null"),
            ("any where null : (exit_code > -1)", "null"),
            ("any where a == b", "b"),
            ("any where a in (b, \"x\")", "b"),
            ("any where startsWith(\"abc\", a)", "\"abc\""),
            ("any where startsWith(a, \"x\") == true", "=="),
            ("any where a + 1 == 2", "+"),
            ("any where descendant of [process where true]", "descendant"),
            ("sequence with maxspan=1h [any where true] [any where true]", "sequence"),
            ("sequence by a [any where true] [any where true]", "sequence"),
            ("sample by a [any where true] [any where true]", "sample"),
            ("any where a == \"x\" | head 1", "|"),
            ("any where a[1] == 2", "["),
        ];
        for (q, at) in cases {
            let e = parse(q).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Unsupported, "{q}: {e}");
            assert_eq!(&q[e.position().unwrap().offset..][..at.len()], at, "{q}: {e}");
        }
        assert_eq!(parse("any where nope(a)").unwrap_err().kind(), ErrorKind::Syntax);
        assert_eq!(parse("any where cidrMatch~(a, \"x\")").unwrap_err().kind(), ErrorKind::Syntax);
        assert_eq!(parse("any where startsWith(a)").unwrap_err().kind(), ErrorKind::Syntax);
    }

    #[test]
    fn an_unclosed_list_blames_the_missing_parenthesis() {
        let src = "network where dns.question.name : (\"*ipify.org\", \"*ident.me\"";
        let e = parse(src).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Syntax);
        assert!(e.message().contains("missing `)`"), "{e}");
        assert_eq!(e.position().unwrap().offset, src.len());
        let src = "network where a : (\"x\", \"y\"\n and b == \"z\"";
        let e = parse(src).unwrap_err();
        assert_eq!(e.position().unwrap().offset, src.find('\n').unwrap());
        let e = parse("network where a : (\"x\" \"y\")").unwrap_err();
        assert!(e.message().contains("expected `,` or `)`"), "{e}");
        let e = parse("network where (a == \"x\"").unwrap_err();
        assert!(e.message().contains("missing `)`"), "{e}");
    }

    #[test]
    fn deep_nesting_is_a_limit_error_not_a_stack_overflow() {
        let deep = format!("any where {}a == \"x\"{}", "(".repeat(10_000), ")".repeat(10_000));
        let e = parse(&deep).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Limit);
        assert!(e.message().contains("max_query_depth"));
        let nots = format!("any where {}a == \"x\"", "not ".repeat(10_000));
        assert_eq!(parse(&nots).unwrap_err().kind(), ErrorKind::Limit);
        let ok = format!("any where {}a == \"x\"{}", "(".repeat(100), ")".repeat(100));
        assert!(parse(&ok).is_ok());
    }

    #[test]
    fn long_lists_hit_the_entry_limit() {
        let limits = Limits { max_list_entries: 3, ..Limits::default() };
        let e = parse_query("any where a in (\"1\", \"2\", \"3\", \"4\")", &limits).unwrap_err();
        assert!(e.message().contains("max_list_entries"));
        assert!(parse_query("any where a in (\"1\", \"2\", \"3\")", &limits).is_ok());
    }
}
