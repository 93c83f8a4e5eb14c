//! Suggesting an exception from known false positives, checked against known true positives.
//!
//! The rule's guide advises exceptions "preferably with a combination of user and command line
//! conditions". Candidates are tried in that order of preference, each built from the exact values
//! the false positives have (`match` for one value, `match_any` for several), so the item is as
//! narrow as those fields allow. The first candidate that suppresses every false positive the rule
//! raises and keeps every true positive firing wins; when none does, the suggestion says why.

use serde::Serialize;
use serde_json::Value;

use crate::input::event::{Event, FieldPath, Hit, Item};
use crate::rule::Rule;
use crate::tuning::exceptions::{compile_items, ExceptionEntry, ExceptionItem, Operator};

/// Field combinations, most preferred first.
const CANDIDATES: &[&[&str]] = &[
    &["user.name", "process.command_line"],
    &["user.id", "process.command_line"],
    &["user.name", "process.executable"],
    &["user.id", "process.executable"],
    &["user.name", "process.command_line", "host.name"],
    &["user.name", "process.executable", "host.name"],
    &["user.name", "process.executable", "dns.question.name"],
    &["process.executable", "dns.question.name", "host.name"],
    &["process.command_line"],
    &["process.executable"],
];

/// Most distinct values one `match_any` entry may list before the candidate is too broad a guess.
const MAX_VALUES: usize = 20;

/// The outcome of [`Rule::suggest_exception`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Suggestion {
    /// The exception item, or `None` when no candidate works.
    pub item: Option<ExceptionItem>,
    /// What was done or why nothing works, for people.
    pub explanation: String,
    /// Indices of the false positives the item suppresses.
    pub suppressed: Vec<usize>,
    /// Indices of the false positives the rule does not raise anyway (nothing to suppress).
    pub not_alerting: Vec<usize>,
    /// Indices of the true positives that still fire with the item.
    pub still_firing: Vec<usize>,
    /// Indices of the true positives the rule does not raise even without the item.
    pub not_firing: Vec<usize>,
}

pub(crate) fn suggest(rule: &Rule, false_positives: &[Value], true_positives: &[Value]) -> Suggestion {
    let fires = |v: &Value| rule.matches_value(v).unwrap_or(false);
    let (alerting, not_alerting): (Vec<usize>, Vec<usize>) =
        (0..false_positives.len()).partition(|&i| fires(&false_positives[i]));
    let (firing, not_firing): (Vec<usize>, Vec<usize>) =
        (0..true_positives.len()).partition(|&i| fires(&true_positives[i]));
    let mut s = Suggestion {
        item: None,
        explanation: String::new(),
        suppressed: Vec::new(),
        not_alerting,
        still_firing: Vec::new(),
        not_firing,
    };
    if alerting.is_empty() {
        s.explanation = "none of the false positives raises an alert: there is nothing to suppress".into();
        return s;
    }
    let depth = rule.limits().max_event_depth;
    let mut conflicts = Vec::new();
    let mut unfit = Vec::new();
    for fields in CANDIDATES {
        let entries = match entries_for(fields, &alerting, false_positives, depth) {
            Ok(entries) => entries,
            Err(why) => {
                unfit.push((why, fields.join(" + ")));
                continue;
            }
        };
        let item = ExceptionItem {
            item_id: None,
            name: Some(format!("Suggested: {}", fields.join(" + "))),
            os_types: Vec::new(),
            entries,
        };
        // The entries come from the events' values, so the item is valid; should it not be, the
        // candidate is skipped rather than suggested.
        let Ok((mut compiled, _)) = compile_items(std::slice::from_ref(&item)) else { continue };
        let compiled = compiled.remove(0);
        let suppresses = |v: &Value| compiled.matches(Hit::split(v).source as &dyn Event, depth);
        if let Some(tp) = firing.iter().find(|&&i| suppresses(&true_positives[i])) {
            conflicts.push(format!("{} would also suppress true positive #{}", fields.join(" + "), tp + 1));
            continue;
        }
        s.suppressed = alerting.iter().copied().filter(|&i| suppresses(&false_positives[i])).collect();
        debug_assert_eq!(s.suppressed, alerting);
        s.still_firing = firing.clone();
        s.explanation = format!(
            "suppresses {} false positive(s) by {}; all {} true positive(s) that fire still fire",
            s.suppressed.len(),
            fields.join(" + "),
            firing.len()
        );
        s.item = Some(item);
        return s;
    }
    // The reasons, each with the candidates it rules out, in the order they first apply.
    let mut reasons: Vec<(String, Vec<String>)> = Vec::new();
    for (why, candidate) in unfit {
        match reasons.iter_mut().find(|(w, _)| *w == why) {
            Some((_, cs)) => cs.push(candidate),
            None => reasons.push((why, vec![candidate])),
        }
    }
    let unfit: Vec<String> =
        reasons.into_iter().map(|(why, cs)| format!("{why} ({})", cs.join(", "))).collect();
    s.explanation = if conflicts.is_empty() {
        format!("no exception fits: {}", unfit.join("; "))
    } else {
        conflicts.extend(unfit);
        format!(
            "no exception separates the false positives from the true positives: {}",
            conflicts.join("; ")
        )
    };
    s
}

/// The entries matching the given false positives on `fields`, or why there are none: a false
/// positive lacks a field, or there are more than [`MAX_VALUES`] distinct values. Linear in the
/// false positives: the count of distinct values stops past the maximum.
fn entries_for(
    fields: &[&str],
    alerting: &[usize],
    events: &[Value],
    depth: usize,
) -> Result<Vec<ExceptionEntry>, String> {
    fields
        .iter()
        .map(|field| {
            let path = FieldPath::new(field);
            // At most MAX_VALUES + 1 distinct values are kept: each new one is looked up among
            // at most MAX_VALUES, so the count is linear in the false positives.
            let mut values: Vec<String> = Vec::new();
            for &i in alerting {
                let mut first = None;
                Hit::split(&events[i]).source.visit_field(&path, depth, &mut |item| {
                    if let Item::Text(s) = item {
                        first = Some(s.to_string());
                        true
                    } else {
                        false
                    }
                });
                let Some(v) = first else {
                    return Err(format!("false positive #{} has no {field}", i + 1));
                };
                if !values.contains(&v) {
                    if values.len() == MAX_VALUES {
                        return Err(format!(
                            "the false positives have more than {MAX_VALUES} distinct values of {field}"
                        ));
                    }
                    values.push(v);
                }
            }
            let (field, operator) = (field.to_string(), Operator::Included);
            Ok(if values.len() == 1 {
                ExceptionEntry::Match { field, operator, value: values.remove(0) }
            } else {
                ExceptionEntry::MatchAny { field, operator, value: values }
            })
        })
        .collect()
}
