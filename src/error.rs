//! Errors with a place: every error about a query says where (line, column and the offending
//! excerpt with a caret), in the manner of serde_json's errors.
//!
//! The error is a small handle (`Box` inside) because it travels through every `Result` of the
//! compile path; positions are computed from a byte offset only when an error is made.

use std::fmt;

/// What went wrong, for callers that branch on it. New kinds may be added.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The query text is not valid EQL (an unexpected token, an unterminated string, ...).
    Syntax,
    /// Valid EQL that this engine does not evaluate (sequences, pipes, functions, ...).
    Unsupported,
    /// A configured limit was exceeded; the message names the limit.
    Limit,
    /// A rule version that the catalog does not hold; the message lists the known ones.
    UnknownVersion,
    /// An event that cannot be read (invalid JSON, not an object, nested too deep).
    Event,
    /// An exception list or a tuning option that cannot be used.
    Tuning,
    /// Valid EQL that Elasticsearch refuses against the rule's mapping (its `VerificationException`):
    /// a field the mapping lacks ("Unknown column"), a list mixing types, a function given a field
    /// of the wrong type.
    Verification,
}

impl ErrorKind {
    /// A stable, machine-readable code (`"syntax"`, `"unsupported"`, ...), used by the JS API.
    pub fn code(self) -> &'static str {
        match self {
            ErrorKind::Syntax => "syntax",
            ErrorKind::Unsupported => "unsupported",
            ErrorKind::Limit => "limit",
            ErrorKind::UnknownVersion => "unknown_version",
            ErrorKind::Event => "event",
            ErrorKind::Tuning => "tuning",
            ErrorKind::Verification => "verification",
        }
    }
}

/// A place in a query text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Position {
    /// Byte offset into the query text.
    pub offset: usize,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, counted in characters (code points).
    pub column: usize,
    /// The offending line followed by a caret line pointing at the column.
    pub excerpt: String,
}

impl Position {
    /// Computes line, column and excerpt of `offset` in `source`. Called only when an error is made.
    #[cold]
    pub fn locate(source: &str, offset: usize) -> Position {
        let mut offset = offset.min(source.len());
        while !source.is_char_boundary(offset) {
            offset -= 1;
        }
        let line_start = source[..offset].rfind('\n').map_or(0, |i| i + 1);
        let line_end = source[offset..].find('\n').map_or(source.len(), |i| offset + i);
        let line = source[..line_start].matches('\n').count() + 1;
        let column = source[line_start..offset].chars().count() + 1;
        let text = source[line_start..line_end].trim_end_matches('\r');
        // Keep very long lines readable: show at most 60 characters each side of the caret.
        let before: String = {
            let chars: Vec<char> = source[line_start..offset].chars().collect();
            let skip = chars.len().saturating_sub(60);
            let mut s: String = chars[skip..].iter().collect();
            if skip > 0 {
                s.insert_str(0, "...");
            }
            s
        };
        let after: String = text[(offset - line_start).min(text.len())..].chars().take(60).collect();
        let caret_pad: String = before.chars().map(|c| if c == '\t' { '\t' } else { ' ' }).collect();
        Position { offset, line, column, excerpt: format!("{before}{after}\n{caret_pad}^") }
    }
}

/// An error from parsing or compiling a rule, or from reading an event.
pub struct Error(Box<ErrorImpl>);

struct ErrorImpl {
    kind: ErrorKind,
    message: String,
    position: Option<Position>,
}

impl Error {
    #[cold]
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error(Box::new(ErrorImpl { kind, message: message.into(), position: None }))
    }

    #[cold]
    pub(crate) fn at(kind: ErrorKind, message: impl Into<String>, source: &str, offset: usize) -> Error {
        Error(Box::new(ErrorImpl {
            kind,
            message: message.into(),
            position: Some(Position::locate(source, offset)),
        }))
    }

    /// What kind of error this is.
    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }

    /// The message without position, short and lowercase, with tokens in backticks.
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// Where in the query text the error is, when it is about a query.
    pub fn position(&self) -> Option<&Position> {
        self.0.position.as_ref()
    }

    /// 1-based line of the error, or 0 when it has no position.
    pub fn line(&self) -> usize {
        self.0.position.as_ref().map_or(0, |p| p.line)
    }

    /// 1-based column of the error, or 0 when it has no position.
    pub fn column(&self) -> usize {
        self.0.position.as_ref().map_or(0, |p| p.column)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0.position {
            Some(p) => write!(f, "{} at line {} column {}\n{}", self.0.message, p.line, p.column, p.excerpt),
            None => f.write_str(&self.0.message),
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Error({:?}, {:?}, line {}, column {})",
            self.kind(),
            self.message(),
            self.line(),
            self.column()
        )
    }
}

impl std::error::Error for Error {}

/// Shorthand for results of this crate.
pub type Result<T> = std::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn position_counts_lines_and_characters() {
        let src = "network where\n  é == \"x\" and\n  bad";
        let off = src.find("bad").unwrap();
        let p = Position::locate(src, off);
        assert_eq!((p.line, p.column), (3, 3));
        assert_eq!(p.excerpt, "  bad\n  ^");
        let off = src.find("==").unwrap();
        let p = Position::locate(src, off);
        assert_eq!((p.line, p.column), (2, 5));
    }

    #[test]
    fn display_has_position_and_caret() {
        let e = Error::at(ErrorKind::Syntax, "expected `where`", "network whre x", 8);
        assert_eq!(e.to_string(), "expected `where` at line 1 column 9\nnetwork whre x\n        ^");
        assert_eq!(e.line(), 1);
        assert_eq!(Error::new(ErrorKind::Event, "x").line(), 0);
    }

    #[test]
    fn offset_past_end_or_inside_a_character_is_clamped() {
        let p = Position::locate("aé", 2);
        assert_eq!(p.column, 2);
        let p = Position::locate("ab", 99);
        assert_eq!(p.column, 3);
    }
}
