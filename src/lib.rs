//! Elastic Security's detection rule "External IP Lookup from Non-Browser Process" as data: its EQL
//! text parsed and compiled at load, evaluated on ECS events with Elasticsearch's semantics, and
//! every verdict explained.
//!
//! The pipeline has one module per stage:
//!
//! ```text
//! EQL text --parse--> syntax tree with spans --compile--> fields resolved, pattern sets
//!          --evaluate(event)--> Verdict { matched, reasons, summary, missing_fields }
//! ```
//!
//! `event` is the one place that reads fields (nested objects, dotted keys, arrays, absent values);
//! `catalog` holds the published versions, embedded at build time from `rules/`.
//!
//! ```
//! use external_ip_lookup_rule::Rule;
//! use serde_json::json;
//!
//! let rule = Rule::default_rule(); // version 102
//! let event = json!({
//!     "event": { "category": ["network"], "action": "lookup_requested" },
//!     "network": { "protocol": "dns" },
//!     "process": { "name": "powershell.exe",
//!                  "executable": "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe" },
//!     "user": { "id": "S-1-5-21-1-2-3-1001" },
//!     "dns": { "question": { "name": "api.ipify.org" } }
//! });
//! assert!(rule.matches(&event));
//! let verdict = rule.evaluate(&event);
//! assert!(verdict.matched);
//! assert_eq!(
//!     verdict.summary,
//!     "powershell.exe looked up api.ipify.org (matched *api.ipify.org); not an excluded user; not an excluded program"
//! );
//! # Ok::<(), external_ip_lookup_rule::Error>(())
//! ```
#![deny(missing_docs)]

/// A closed vocabulary: an enum of unit variants, each with its text, which is what it serializes
/// to and deserializes from (an unknown text is an error naming the known ones). One definition of
/// each word, used by every path, and smaller in the `.wasm` than serde's derives.
macro_rules! text_enum {
    ($(#[$meta:meta])* pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal,)* }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name { $($(#[$vmeta])* $variant,)* }

        impl $name {
            /// The text.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text,)* }
            }

            /// The variant whose text is `text`.
            pub fn parse(text: &str) -> Option<$name> {
                match text {
                    $($text => Some($name::$variant),)*
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<$name, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                $name::parse(&text).ok_or_else(|| {
                    <D::Error as serde::de::Error>::unknown_variant(&text, &[$($text),*])
                })
            }
        }
    };
}

/// The distinct strings of `items`, in time linear in their number.
pub(crate) fn distinct<'a>(items: impl IntoIterator<Item = &'a str>) -> std::collections::HashSet<&'a str> {
    items.into_iter().collect()
}

mod catalog;
mod eql;
mod error;
mod input;
mod limits;
mod rule;
mod tuning;

#[cfg(target_arch = "wasm32")]
mod wasm;

pub use catalog::{
    default_version, packs, versions, AttackRef, Pack, RuleInfo, Sample, Technique, Threat, VersionEntry,
};
pub use eql::ast::{Expr, ExprKind, Literal, LiteralValue, Op, Predicate, Query, Span};
pub use eql::compile::{Warning, WarningKind};
pub use eql::mapping::Mapping;
pub use eql::parse::parse_query;
pub use eql::pattern::{wildcard_match, PatternSet};
pub use eql::verdict::{Reason, ReasonKind, ReasonOp, RuleRef, Verdict};
pub use error::{Error, ErrorKind, Position, Result};
pub use input::adapt::{InputMapping, InputMode, MappedField, MappingStatus};
pub use input::event::{
    visit, visit_nodes, write_js_number, Event, FieldPath, Hit, Item, PathKey, Shape, Tree, IGNORE_ABOVE,
};
pub use input::scan::{Counts, LineError, LineOutcome, ScanResult};
pub use limits::{Limits, MAX_EVENT_DEPTH_CEILING, MAX_QUERY_DEPTH_CEILING};
pub use rule::{Rule, RuleBuilder};
pub use tuning::exceptions::{
    exceptions_from_value, parse_exceptions, ExceptionEntry, ExceptionItem, Operator, OsType,
};
pub use tuning::lists::ListEdits;
pub use tuning::suggest::Suggestion;

/// The checks of the fuzz targets, shared with the replay of their regressions. Not API.
#[doc(hidden)]
#[cfg(not(target_arch = "wasm32"))]
pub mod fuzzing;

/// Internals for `benches/scan.rs` to time on their own. Not API: no stability promise, may change
/// or go in any release.
#[doc(hidden)]
pub mod bench_internals {
    pub use crate::input::json_check::{check_object, check_object_walk, Check};
}

/// The README's Rust example, compiled and run by `cargo test` so that it cannot go stale.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
