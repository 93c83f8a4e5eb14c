//! The rule: a catalog version (or an edited query) compiled once, then evaluated many times.

use std::sync::OnceLock;

use serde_json::Value;

use crate::catalog::{self, RuleInfo, Sample};
use crate::distinct;
use crate::eql::ast::{ExprKind, Op, Query};
use crate::eql::compile::{compile, CompiledQuery, Warning};
use crate::eql::evaluate;
use crate::eql::mapping::Mapping;
use crate::eql::parse::parse_query;
use crate::eql::verdict::{flag_direction_controls, summarize, RuleRef, Verdict};
use crate::error::{Error, ErrorKind, Result};
use crate::input::adapt::{adapt, InputMode};
use crate::input::event::{Event, FieldPath, Hit};
use crate::input::json::{json_type, parse_event};
use crate::input::scan::{self, LineOutcome, ScanResult};
use crate::limits::{exceeded, Limits};
use crate::tuning::exceptions::{self, compile_items, CompiledItem, ExceptionItem};
use crate::tuning::lists::{self, ListEdits};
use crate::tuning::suggest::{self, Suggestion};

/// A compiled rule. Cheap to share across threads; compile once, evaluate many events.
#[derive(Clone, Debug)]
pub struct Rule {
    version: catalog::Version,
    /// The effective query text.
    text: String,
    /// The version's metadata with the effective query, made on first [`Rule::info`]: compiling
    /// and judging need only the version's identity, so a fresh module parses no catalog JSON.
    info: OnceLock<RuleInfo>,
    /// The byte pre-filter and the fields a candidate line is parsed for, made on the first scan
    /// or [`Rule::judge_line`].
    line_prep: OnceLock<scan::LinePrep>,
    query: CompiledQuery,
    exceptions: Vec<CompiledItem>,
    exception_items: Vec<ExceptionItem>,
    warnings: Vec<Warning>,
    limits: Limits,
    input: InputMode,
    reads_code_signature: bool,
}

/// Builds a [`Rule`] from a catalog version, optionally with another query text.
#[derive(Clone, Debug, Default)]
pub struct RuleBuilder {
    version: Option<String>,
    query: Option<String>,
    edits: ListEdits,
    exceptions: Vec<ExceptionItem>,
    limits: Limits,
    input: InputMode,
    mapping: Option<Mapping>,
}

impl RuleBuilder {
    /// A builder for the default version with its published query.
    pub fn new() -> RuleBuilder {
        RuleBuilder::default()
    }

    /// The catalog version whose metadata the rule carries (`"4"`, `"102"`, `"104"`, `"108"`).
    /// By default, `"102"`.
    pub fn version(&mut self, version: &str) -> &mut RuleBuilder {
        self.version = Some(version.to_string());
        self
    }

    /// EQL text that replaces the version's query. By default, the version's published query.
    pub fn query(&mut self, query: impl Into<String>) -> &mut RuleBuilder {
        self.query = Some(query.into());
        self
    }

    /// Edits of the domain and excluded-executable lists, and coverage packs, applied to the query
    /// text (see [`ListEdits`]). By default, none.
    pub fn edits(&mut self, edits: ListEdits) -> &mut RuleBuilder {
        self.edits = edits;
        self
    }

    /// Exception items: an event any of them matches raises no alert. By default, none.
    pub fn exceptions(&mut self, items: Vec<ExceptionItem>) -> &mut RuleBuilder {
        self.exceptions = items;
        self
    }

    /// Which input shapes [`Rule::evaluate_value`] accepts: plain ECS (the default, Elastic's
    /// verdicts untouched), Sysmon DNS records only, or both (see [`InputMode`]).
    pub fn input(&mut self, mode: InputMode) -> &mut RuleBuilder {
        self.input = mode;
        self
    }

    /// The index mapping the rule runs against: fields compare by their mapped type, and a field
    /// the mapping lacks is an error of kind [`ErrorKind::Verification`], as Elasticsearch's
    /// "Unknown column" (unless written `?field`). By default, [`Mapping::ecs`]: the ECS types,
    /// with an `unknown_field` warning for other fields.
    pub fn mapping(&mut self, mapping: Mapping) -> &mut RuleBuilder {
        self.mapping = Some(mapping);
        self
    }

    /// Limits on the query and on events. By default, [`Limits::default()`].
    pub fn limits(&mut self, limits: Limits) -> &mut RuleBuilder {
        self.limits = limits;
        self
    }

    /// Parses and compiles the rule.
    pub fn build(&self) -> Result<Rule> {
        self.limits.check_ceilings()?;
        let version = self.version.as_deref().unwrap_or_else(|| catalog::default_version());
        let version = catalog::find(version)?;
        let base = self.query.as_deref().unwrap_or(version.query());
        let edited;
        let text = if self.edits.is_empty() {
            base
        } else {
            edited = lists::apply(base, &self.edits, &self.limits)?;
            &edited
        };
        let ast = parse_query(text, &self.limits)?;
        // Hostile input: every bound is checked before the work it bounds (compiling the lists
        // and the exceptions, then evaluating them).
        let limits = &self.limits;
        if self.exceptions.len() > limits.max_exception_items {
            let what = format!("{} exception items", self.exceptions.len());
            return Err(exceeded(what, "max_exception_items", limits.max_exception_items));
        }
        let (entries, exception_pattern_bytes) = exceptions::size(&self.exceptions);
        if entries > limits.max_exception_entries {
            let what = format!("{entries} exception entries");
            return Err(exceeded(what, "max_exception_entries", limits.max_exception_entries));
        }
        limits.check_pattern_bytes(query_pattern_bytes(&ast).saturating_add(exception_pattern_bytes))?;
        let mapping = self.mapping.as_ref().unwrap_or_else(|| Mapping::ecs_ref());
        let query = compile(text, &ast, mapping)?;
        // Hostile input: bound the fields a query reads (see `Limits::check_fields`).
        limits.check_fields(&query.fields)?;
        let (exceptions, exception_warnings) = compile_items(&self.exceptions)?;
        // Exception fields are bounded like the query's (hostile input: a field of many segments
        // makes many keys to try, and each field read is a path the scan keeps).
        for item in &exceptions {
            if let Some(f) =
                item.fields().into_iter().find(|f| f.split('.').count() > limits.max_field_segments)
            {
                let name: String = f.chars().take(60).collect();
                let what = format!(
                    "exception \"{}\": field `{name}` has {} segments",
                    item.label,
                    f.split('.').count()
                );
                return Err(exceeded(what, "max_field_segments", limits.max_field_segments));
            }
        }
        let fields = distinct(
            query.fields.iter().map(FieldPath::as_str).chain(exceptions.iter().flat_map(|x| x.fields())),
        );
        if fields.len() > limits.max_query_fields {
            let what = format!("the query and its exceptions read {} distinct fields", fields.len());
            return Err(exceeded(what, "max_query_fields", limits.max_query_fields));
        }
        let mut warnings = query.warnings.clone();
        warnings.extend(lists::lint_domains(text, &ast));
        warnings.extend(exception_warnings);
        warnings.extend(unknown_exception_fields(&self.exceptions, &exceptions, mapping));
        let reads_code_signature =
            query.fields.iter().any(|f| f.as_str().starts_with("process.code_signature."));
        Ok(Rule {
            input: self.input,
            reads_code_signature,
            version,
            text: text.to_string(),
            info: OnceLock::new(),
            line_prep: OnceLock::new(),
            query,
            exceptions,
            exception_items: self.exceptions.clone(),
            warnings,
            limits: self.limits.clone(),
        })
    }
}

impl Rule {
    /// A builder (see [`RuleBuilder`]).
    pub fn builder() -> RuleBuilder {
        RuleBuilder::new()
    }

    /// The published rule of `version`.
    pub fn version(version: &str) -> Result<Rule> {
        RuleBuilder::new().version(version).build()
    }

    /// The default rule: version 102, as documented for Elastic Stack 8.6.
    pub fn default_rule() -> Rule {
        // The embedded default query is tested to compile; a failure is a build defect.
        Rule::version(catalog::default_version()).expect("the default rule compiles")
    }

    /// Whether the rule raises an alert for `event`: the fast path, for hot loops.
    pub fn matches<E: Event>(&self, event: &E) -> bool {
        let depth = self.limits.max_event_depth;
        evaluate::matches(&self.query, event, depth)
            && !self.exceptions.iter().any(|x| x.matches(event, depth))
    }

    /// The verdict for `event`, with reasons.
    pub fn evaluate<E: Event>(&self, event: &E) -> Verdict {
        let depth = self.limits.max_event_depth;
        let (mut reasons, missing_fields) = evaluate::explain(&self.query, event, depth);
        flag_direction_controls(&mut reasons);
        let query_matched = reasons.held;
        let mut exceptions: Vec<_> = self.exceptions.iter().map(|x| x.explain(event, depth)).collect();
        exceptions.iter_mut().for_each(flag_direction_controls);
        let suppressed_by = exceptions.iter().position(|r| r.held).map(|i| self.exceptions[i].label.clone());
        let matched = query_matched && suppressed_by.is_none();
        debug_assert_eq!(matched, self.matches(event), "fast path and explanation disagree");
        let mut summary = summarize(query_matched, &reasons);
        if let (true, Some(by)) = (query_matched, &suppressed_by) {
            summary = format!("suppressed by exception \"{by}\": {summary}");
        }
        Verdict {
            matched,
            rule: self.rule_ref(),
            summary,
            reasons,
            missing_fields,
            query_matched,
            suppressed_by: if query_matched { suppressed_by } else { None },
            exceptions,
            input: None,
            index: None,
            id: None,
        }
    }

    /// The verdict for a JSON value that is an event or an Elasticsearch hit (`{_index, _id,
    /// _source}`); a hit's `_index` and `_id` are kept in the verdict.
    ///
    /// In the `sysmon` and `auto` input modes, a Sysmon record is first mapped to ECS, and the
    /// verdict's `input` says how.
    pub fn evaluate_value(&self, value: &Value) -> Result<Verdict> {
        let hit = Hit::split(value);
        check_object(hit.source)?;
        let adapted = adapt(hit.source, self.input, self.reads_code_signature);
        let mut v = self.evaluate(adapted.event.as_ref().unwrap_or(hit.source));
        if !adapted.can_match() {
            v.matched = false;
            v.query_matched = false;
            v.suppressed_by = None;
            let why = adapted.mapping.as_ref().map(|m| m.notes.join("; ")).unwrap_or_default();
            v.summary = format!("no alert: {why}");
        }
        v.input = adapted.mapping;
        v.index = hit.index.map(str::to_string);
        v.id = hit.id.map(str::to_string);
        Ok(v)
    }

    /// Like [`Rule::matches`] for a JSON value that is an event or a hit.
    pub fn matches_value(&self, value: &Value) -> Result<bool> {
        let hit = Hit::split(value);
        check_object(hit.source)?;
        if self.input == InputMode::Ecs {
            return Ok(self.matches(hit.source));
        }
        let adapted = adapt(hit.source, self.input, self.reads_code_signature);
        Ok(adapted.can_match() && self.matches(adapted.event.as_ref().unwrap_or(hit.source)))
    }

    /// The input mode (see [`RuleBuilder::input`]).
    pub fn input_mode(&self) -> InputMode {
        self.input
    }

    /// The verdict for one event given as JSON text.
    pub fn evaluate_json(&self, json: &str) -> Result<Verdict> {
        self.evaluate_value(&parse_event(json.as_bytes())?)
    }

    /// The rule's metadata; `info().query` is the effective query text.
    pub fn info(&self) -> &RuleInfo {
        self.info.get_or_init(|| RuleInfo { query: self.text.clone(), ..self.version.info().clone() })
    }

    /// The effective EQL text.
    pub fn query(&self) -> &str {
        &self.text
    }

    /// The field paths the rule reads, in query order (`event.category` first for a category).
    pub fn fields(&self) -> Vec<&str> {
        self.query.fields.iter().map(|f| f.as_str()).collect()
    }

    /// Warnings found at compile time: duplicate and subsumed list entries, domain patterns no DNS
    /// name can match, exception items that can never match.
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// The exception items in force.
    pub fn exceptions(&self) -> &[ExceptionItem] {
        &self.exception_items
    }

    /// The true-positive and true-negative samples the catalog version carries. They are written
    /// for the published query; an edited query may judge them otherwise.
    pub fn samples(&self) -> &[Sample] {
        self.version.samples()
    }

    /// The limits in force.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    pub(crate) fn compiled(&self) -> &CompiledQuery {
        &self.query
    }

    /// The exact terms a matching event must hold, by field: `(field, any of these terms)` for each
    /// case-sensitive `==`/`in` of the query's top-level conjunction (and `event.category` for the
    /// category). A cheap necessary condition, for skipping events before the costly path; empty
    /// when the input mode maps Sysmon records (their terms appear only after mapping).
    pub fn required_terms(&self) -> Vec<(&str, &[String])> {
        if self.input != InputMode::Ecs {
            return Vec::new();
        }
        self.query
            .required_terms
            .iter()
            .map(|(f, t)| (self.query.fields[*f].as_str(), t.as_slice()))
            .collect()
    }

    /// Every field path a verdict may read: the query's and the exceptions'.
    pub(crate) fn read_paths(&self) -> Vec<&str> {
        let mut out = self.fields();
        out.extend(self.exceptions.iter().flat_map(|x| x.fields()));
        out
    }

    fn rule_ref(&self) -> RuleRef {
        RuleRef {
            id: self.version.rule_id().to_string(),
            name: self.version.name().to_string(),
            version: self.version.version().to_string(),
        }
    }

    /// Scans NDJSON bytes: the line numbers of matching events, the rejected lines with reasons,
    /// and counts in which every non-blank line is matched, not matched or rejected.
    pub fn scan_ndjson(&self, bytes: &[u8]) -> ScanResult {
        scan::scan(self, bytes, 1)
    }

    /// Like [`Rule::scan_ndjson`] for a chunk of a larger stream whose first line is `first_line`.
    /// The chunk must end at a line boundary.
    pub fn scan_ndjson_from(&self, bytes: &[u8], first_line: u64) -> ScanResult {
        scan::scan(self, bytes, first_line)
    }

    /// Judges one NDJSON line; for callers that stream lines themselves. What a scan prepares
    /// once (the byte pre-filter, the fields to parse) is made on the first call and kept.
    pub fn judge_line(&self, line: &[u8]) -> LineOutcome {
        scan::judge_bytes(&scan::ScanContext::new(self), line)
    }

    /// The narrowest exception item that suppresses every given false positive and keeps every given
    /// true positive firing, preferring user plus command line or executable, as the rule's guide
    /// advises; when none exists, the suggestion says why.
    pub fn suggest_exception(&self, false_positives: &[Value], true_positives: &[Value]) -> Suggestion {
        suggest::suggest(self, false_positives, true_positives)
    }

    pub(crate) fn line_prep(&self) -> &scan::LinePrep {
        self.line_prep.get_or_init(|| scan::LinePrep::new(self))
    }
}

/// Bytes of the patterns of the query's wildcard lists (`:`, `like`, `like~`).
fn query_pattern_bytes(q: &Query) -> usize {
    let mut stack = vec![&q.condition];
    let mut bytes = 0usize;
    while let Some(e) = stack.pop() {
        match &e.kind {
            ExprKind::And(items) | ExprKind::Or(items) => stack.extend(items),
            ExprKind::Not(inner) => stack.push(inner),
            ExprKind::Predicate(p) if matches!(p.op, Op::Colon | Op::Like | Op::LikeInsensitive) => {
                bytes += p.values.iter().filter_map(|l| l.value.as_text()).map(str::len).sum::<usize>();
            }
            ExprKind::Predicate(_) | ExprKind::Constant(_) => {}
        }
    }
    bytes
}

fn check_object(v: &Value) -> Result<()> {
    if v.is_object() {
        Ok(())
    } else {
        Err(Error::new(ErrorKind::Event, format!("an event must be a JSON object, not {}", json_type(v))))
    }
}

/// `unknown_field` warnings for exception entries on fields the default ECS mapping lacks, as the
/// query's fields get them: an exception on `user.nmae` silently never applies. A nested entry's
/// parent is an object, not a field: its sub-entries are judged. At most 50, as for the query.
fn unknown_exception_fields(
    items: &[ExceptionItem],
    compiled: &[CompiledItem],
    mapping: &Mapping,
) -> Vec<Warning> {
    let mut out = Vec::new();
    if !mapping.is_ecs() {
        return out;
    }
    for (item, c) in items.iter().zip(compiled) {
        for e in &item.entries {
            let fields: Vec<String> = match e {
                exceptions::ExceptionEntry::Nested { field, entries } => {
                    entries.iter().map(|s| format!("{field}.{}", s.field())).collect()
                }
                _ => vec![e.field().to_string()],
            };
            for f in fields {
                if out.len() >= 50 || mapping.get(&f).is_some() {
                    continue;
                }
                let closest = mapping.closest(&f).map(str::to_string);
                let hint =
                    closest.as_ref().map(|c| format!("; the closest ECS field is `{c}`")).unwrap_or_default();
                out.push(Warning {
                    kind: crate::eql::compile::WarningKind::UnknownField,
                    message: format!("exception \"{}\": `{f}` is not an ECS field{hint}", c.label),
                    line: 0,
                    column: 0,
                    suggestion: closest,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_made_on_demand_carries_the_effective_query() {
        let edited = Rule::builder()
            .version("104")
            .edits(ListEdits { add_domains: vec!["*ident.me".into()], ..ListEdits::default() })
            .build()
            .unwrap();
        assert!(edited.query().contains("\"*ident.me\""));
        let info = edited.info();
        assert_eq!(info.query, edited.query());
        assert_eq!(info.version, "104");
        assert_eq!(info.rule_id, "1d72d014-e2ab-4707-b056-9b96abe7b511");
        // A verdict names the rule as its metadata does, with or without the metadata parsed.
        let fresh = Rule::version("104").unwrap();
        let verdict = fresh.evaluate_json("{}").unwrap();
        assert_eq!((verdict.rule.id.as_str(), verdict.rule.name.as_str()), (&*info.rule_id, &*info.name));
        assert_eq!(verdict.rule.version, "104");
        let published = Rule::version("104").unwrap();
        assert_eq!(published.info().query, catalog::find("104").unwrap().info().query);
    }

    #[test]
    fn exceptions_on_fields_ecs_lacks_warn_with_the_closest_field() {
        let items: Vec<ExceptionItem> = serde_json::from_value(serde_json::json!([
            {"name": "bob", "entries": [{"field": "user.nmae", "operator": "included", "type": "match", "value": "bob"}]},
            {"entries": [{"field": "process.code_signature", "type": "nested", "entries": [
                {"field": "trusted", "operator": "included", "type": "match", "value": "true"},
                {"field": "subjct_name", "operator": "included", "type": "match", "value": "x"}]}]},
            {"entries": [{"field": "user.name", "operator": "included", "type": "match", "value": "bob"}]}
        ]))
        .unwrap();
        let rule = Rule::builder().exceptions(items).build().unwrap();
        let w: Vec<_> = rule.warnings().iter().filter(|w| w.kind.as_str() == "unknown_field").collect();
        assert_eq!(w.len(), 2, "{w:#?}");
        assert_eq!(
            w[0].message,
            "exception \"bob\": `user.nmae` is not an ECS field; the closest ECS field is `user.name`"
        );
        assert_eq!(w[0].suggestion.as_deref(), Some("user.name"));
        assert!(
            w[1].message.contains("`process.code_signature.subjct_name` is not an ECS field"),
            "{}",
            w[1].message
        );
        assert_eq!(w[1].suggestion.as_deref(), Some("process.code_signature.subject_name"));
    }
}
