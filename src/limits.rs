//! Limits that protect the host from hostile queries and events.
//!
//! The module runs inside other people's pipelines and pages on attacker-controlled data. Each limit
//! bounds the time, the memory or the stack one input can take; exceeding one is an error (kind
//! [`crate::ErrorKind::Limit`]) whose message names the limit, never a panic.
//!
//! | limit | default | bounds |
//! |---|---|---|
//! | `max_query_bytes` | 1 MiB | query text read by the lexer |
//! | `max_list_entries` | 10,000 | entries of one `in` / `:` / `like` list |
//! | `max_query_depth` | 200 (at most 300) | nesting of parentheses and `not` (the parser's recursion) |
//! | `max_query_fields` | 1,000 | distinct fields one query reads |
//! | `max_field_segments` | 32 | dot-separated segments of one field name |
//! | `max_event_depth` | 128 (at most 512) | nesting followed while reading one field of an event |
//! | `max_line_bytes` | 16 MiB | one NDJSON line; a longer line is rejected and counted |
//! | `max_pattern_bytes` | 1 MiB | wildcard patterns of one rule (query lists and exception `wildcard` values) |
//! | `max_exception_items` | 1,000 | exception items of one rule |
//! | `max_exception_entries` | 10,000 | exception entries of one rule (sub-entries and `match_any` values counted) |
//!
//! The defaults hold any real rule and event with room to spare. The two depths bound recursion,
//! so they have hard ceilings that the stack survives: [`MAX_QUERY_DEPTH_CEILING`] and
//! [`MAX_EVENT_DEPTH_CEILING`]; asking for more is an error naming the limit. Measured (a query
//! of nested parentheses, an event of nested arrays, compiled, evaluated with reasons and
//! serialized): the WebAssembly module (1 MiB of stack, in Node's default 984 KiB of native stack)
//! survives 1,200 levels of query and 2,000 of event; a native debug build on a 2 MiB thread, 400
//! and 1,024. The ceilings keep a factor of two or more below the smaller.

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind, Result};
use crate::input::event::FieldPath;

/// Configurable limits. `Limits::default()` is generous for real rules and events.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct Limits {
    /// Largest query text, in bytes. Default: 1 MiB.
    pub max_query_bytes: usize,
    /// Most entries in one list (`in (...)`, `: (...)`). Default: 10,000. Each wildcard entry
    /// becomes part of one automaton, so this bounds compile time and memory.
    pub max_list_entries: usize,
    /// Deepest nesting of parentheses and `not` in a query. Default: 200, as Elasticsearch's
    /// parser refuses deeper expressions; at most [`MAX_QUERY_DEPTH_CEILING`] (300).
    pub max_query_depth: usize,
    /// Most distinct fields one query (with its exceptions) reads. Default: 1,000, Elasticsearch's
    /// own `index.mapping.total_fields.limit`: an index cannot map more fields than that.
    pub max_query_fields: usize,
    /// Most dot-separated segments in one field name. Default: 32 (Elasticsearch's
    /// `index.mapping.depth.limit` is 20). A field is read through every way of splitting its
    /// name into keys (`a.b.c` as `a`/`b`/`c`, `a.b`/`c`, ...): the WebAssembly build prepares a
    /// key for each, quadratic in the number of segments.
    pub max_field_segments: usize,
    /// Deepest nesting of arrays and objects followed while reading one field of an event.
    /// Default: 128, serde_json's own recursion limit for parsing; at most
    /// [`MAX_EVENT_DEPTH_CEILING`] (512).
    pub max_event_depth: usize,
    /// Longest NDJSON line, in bytes; a longer line is rejected (counted, with its line number).
    /// Default: 16 MiB.
    pub max_line_bytes: usize,
    /// Most bytes of wildcard patterns in one rule: the entries of the query's `:`, `like` and
    /// `like~` lists and the exception items' `wildcard` values. Default: 1 MiB. Matching a
    /// value costs time linear in the value and in the patterns: this bounds the time of one
    /// evaluation (and, with the query, the memory of the compiled lists).
    pub max_pattern_bytes: usize,
    /// Most exception items in one rule. Default: 1,000.
    pub max_exception_items: usize,
    /// Most exception entries in one rule, over all its items, counting each sub-entry of a
    /// `nested` entry and each value of a `match_any` entry as one. Default: 10,000. An
    /// evaluation tests each: this bounds its time.
    pub max_exception_entries: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_query_bytes: 1 << 20,
            max_list_entries: 10_000,
            max_query_depth: 200,
            max_query_fields: 1_000,
            max_field_segments: 32,
            max_event_depth: 128,
            max_line_bytes: 16 << 20,
            max_pattern_bytes: 1 << 20,
            max_exception_items: 1_000,
            max_exception_entries: 10_000,
        }
    }
}

/// The most `max_query_depth` may be raised to: each level of nesting is a few frames of recursion
/// in the parser, the compiler and both evaluators.
pub const MAX_QUERY_DEPTH_CEILING: usize = 300;

/// The most `max_event_depth` may be raised to: each level is a frame of recursion in the field
/// reader.
pub const MAX_EVENT_DEPTH_CEILING: usize = 512;

/// The error for `what` (a count, `over the limit <name> = <limit>`).
pub(crate) fn exceeded(what: String, name: &str, limit: usize) -> Error {
    Error::new(ErrorKind::Limit, format!("{what}, over the limit {name} = {limit}"))
}

impl Limits {
    /// Checks the depths against their hard ceilings (see [`MAX_QUERY_DEPTH_CEILING`]).
    pub(crate) fn check_ceilings(&self) -> Result<()> {
        for (name, value, ceiling) in [
            ("max_query_depth", self.max_query_depth, MAX_QUERY_DEPTH_CEILING),
            ("max_event_depth", self.max_event_depth, MAX_EVENT_DEPTH_CEILING),
        ] {
            if value > ceiling {
                return Err(Error::new(
                    ErrorKind::Limit,
                    format!("{name} = {value} is over its ceiling {ceiling}: deeper nesting could overflow the stack"),
                ));
            }
        }
        Ok(())
    }

    /// Checks a query's length against `max_query_bytes`, before anything is made of it; `what`
    /// says which text (`query is`, `the edited query would be at least`).
    pub(crate) fn check_query_bytes(&self, bytes: usize, what: &str) -> Result<()> {
        if bytes > self.max_query_bytes {
            return Err(exceeded(format!("{what} {bytes} bytes"), "max_query_bytes", self.max_query_bytes));
        }
        Ok(())
    }

    /// Checks the bytes of a rule's wildcard patterns against `max_pattern_bytes`.
    pub(crate) fn check_pattern_bytes(&self, bytes: usize) -> Result<()> {
        if bytes > self.max_pattern_bytes {
            return Err(exceeded(
                format!("the rule's wildcard patterns total {bytes} bytes"),
                "max_pattern_bytes",
                self.max_pattern_bytes,
            ));
        }
        Ok(())
    }

    /// Checks the fields a compiled query reads against `max_query_fields` and
    /// `max_field_segments`.
    pub(crate) fn check_fields(&self, fields: &[FieldPath]) -> Result<()> {
        if fields.len() > self.max_query_fields {
            return Err(Error::new(
                ErrorKind::Limit,
                format!(
                    "query reads {} distinct fields, over the limit max_query_fields = {}",
                    fields.len(),
                    self.max_query_fields
                ),
            ));
        }
        if let Some(f) = fields.iter().find(|f| f.len() > self.max_field_segments) {
            let name: String = f.as_str().chars().take(60).collect();
            let more = if name.len() < f.as_str().len() { "..." } else { "" };
            return Err(Error::new(
                ErrorKind::Limit,
                format!(
                    "field `{name}{more}` has {} segments, over the limit max_field_segments = {}",
                    f.len(),
                    self.max_field_segments
                ),
            ));
        }
        Ok(())
    }
}
