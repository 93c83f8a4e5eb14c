//! Limits that protect the host from hostile queries and events.
//!
//! The module runs inside other people's pipelines and pages on attacker-controlled data. Each limit
//! bounds the time or the stack one input can take; exceeding one is an error (kind
//! [`ErrorKind::Limit`](crate::ErrorKind::Limit)) whose message names the limit, never a panic.

use serde::{Deserialize, Serialize};

/// Configurable limits. `Limits::default()` is generous for real rules and events.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Limits {
    /// Largest query text, in bytes. Default: 1 MiB.
    pub max_query_bytes: usize,
    /// Most entries in one list (`in (...)`, `: (...)`). Default: 10,000. Each wildcard entry
    /// becomes part of one automaton, so this bounds compile time and memory.
    pub max_list_entries: usize,
    /// Deepest nesting of parentheses and `not` in a query. Default: 200, as Elasticsearch's
    /// parser refuses deeper expressions.
    pub max_query_depth: usize,
    /// Deepest nesting of arrays and objects followed while reading one field of an event.
    /// Default: 128, serde_json's own recursion limit for parsing.
    pub max_event_depth: usize,
    /// Longest NDJSON line, in bytes; a longer line is rejected (counted, with its line number).
    /// Default: 16 MiB.
    pub max_line_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_query_bytes: 1 << 20,
            max_list_entries: 10_000,
            max_query_depth: 200,
            max_event_depth: 128,
            max_line_bytes: 16 << 20,
        }
    }
}
