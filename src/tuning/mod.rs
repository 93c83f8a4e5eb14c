//! Tuning the rule without forking it, as its guide asks: `lists` edits the query's own lists
//! (domains, excluded executables, coverage packs), `exceptions` reads and compiles Elastic
//! exception items, `suggest` proposes an exception from false positives.

pub(crate) mod exceptions;
pub(crate) mod lists;
pub(crate) mod suggest;
