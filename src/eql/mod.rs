//! The EQL stages, one module each: `parse` (text to [`ast`] with spans), `compile` (field paths
//! resolved once, wildcard lists compiled into [`pattern`] sets), `evaluate` (the bool fast path
//! and the explaining path over the same compiled query) and `verdict` (what an explanation says).

pub(crate) mod ast;
pub(crate) mod compile;
pub(crate) mod evaluate;
pub(crate) mod mapping;
pub(crate) mod parse;
pub(crate) mod pattern;
pub(crate) mod regexp;
pub(crate) mod types;
pub(crate) mod verdict;
