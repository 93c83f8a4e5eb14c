//! Everything about reading events: `event` is the one place fields are read (nested objects,
//! dotted keys, arrays, absent values); `json_check` and `sparse` check and parse NDJSON lines
//! keeping only the fields the rule reads; `scan` judges NDJSON; `adapt` maps Sysmon records to
//! ECS.

pub(crate) mod adapt;
pub(crate) mod event;
pub(crate) mod json;
pub(crate) mod json_check;
pub(crate) mod scan;
pub(crate) mod sparse;
