//! The published versions of the rule, embedded at build time from `rules/` (see `build.rs`).
//!
//! Each version carries Elastic's metadata (rule_id, name, severity, risk score, MITRE ATT&CK
//! mapping, investigation guide, ...) and its own true-positive and true-negative sample events,
//! which the tests check against the compiled rule.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Error, ErrorKind, Result};

/// A version as build.rs embeds it: its key, the texts a compiled rule needs, and its metadata
/// and samples as JSON texts parsed when first asked for (a fresh wasm instance that compiles one
/// rule and judges events parses no JSON of the catalog at all).
struct Embedded {
    version: &'static str,
    stack: &'static str,
    default: bool,
    query: &'static str,
    rule_id: &'static str,
    name: &'static str,
    info: &'static str,
    /// Indices into `SAMPLE_JSON`.
    samples: &'static [usize],
}

// DEFAULT_VERSION, EMBEDDED, SAMPLE_JSON and PACKS_JSON.
include!(concat!(env!("OUT_DIR"), "/catalog.rs"));

/// A rule version's metadata, as Elastic publishes it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RuleInfo {
    /// Elastic's rule_id (the same for every version).
    pub rule_id: String,
    /// The rule's name (version 4 has the typo "fron").
    pub name: String,
    /// Elastic's version number.
    pub version: String,
    /// The Elastic Stack release the version shipped with.
    pub stack: String,
    /// Whether this is the default version (102, the documented 8.6 rule).
    pub default: bool,
    /// What the rule detects.
    pub description: String,
    /// `low`, `medium`, `high` or `critical`.
    pub severity: String,
    /// 0-100.
    pub risk_score: u32,
    /// Index patterns the rule searches.
    pub index: Vec<String>,
    /// Look-back of each execution (`now-9m`).
    pub from: String,
    /// Time between executions (`5m`).
    pub interval: String,
    /// Most alerts per execution (100).
    pub max_signals: u32,
    /// The timestamp field the rule's executions use (`event.ingested`).
    #[serde(default)]
    pub timestamp_override: Option<String>,
    /// Tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// The MITRE ATT&CK mapping.
    #[serde(default)]
    pub threat: Vec<Threat>,
    /// References.
    #[serde(default)]
    pub references: Vec<String>,
    /// Known false positives.
    #[serde(default)]
    pub false_positives: Vec<String>,
    /// The investigation guide (Markdown); version 4 has none.
    #[serde(default)]
    pub note: Option<String>,
    /// The rule's licence.
    pub license: String,
    /// Authors.
    #[serde(default)]
    pub author: Vec<String>,
    /// `eql`.
    pub language: String,
    /// `eql`.
    pub rule_type: String,
    /// `default` for a building-block rule (version 108).
    #[serde(default)]
    pub building_block_type: Option<String>,
    /// The published query text.
    pub query: String,
    /// Where the file was copied from.
    pub source: String,
    /// What changed in this version.
    pub changes: String,
    /// Dates and maturity from the file's `[metadata]`.
    #[serde(default)]
    pub metadata: Value,
}

/// One MITRE ATT&CK mapping.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Threat {
    /// `MITRE ATT&CK`.
    pub framework: String,
    /// The tactic.
    pub tactic: AttackRef,
    /// The techniques.
    #[serde(default)]
    pub technique: Vec<Technique>,
}

/// A tactic or sub-technique reference.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AttackRef {
    /// `TA0007`, `T1016.001`.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its page.
    pub reference: String,
}

/// A technique with its sub-techniques.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Technique {
    /// `T1016`.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its page.
    pub reference: String,
    /// Sub-techniques.
    #[serde(default)]
    pub subtechnique: Vec<AttackRef>,
}

/// A sample event a version carries, with the verdict it must get.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    /// `match` or `no_match`.
    pub expect: String,
    /// What the sample shows.
    #[serde(default)]
    pub why: String,
    /// The event.
    pub event: Value,
}

/// One entry of [`versions`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VersionEntry {
    /// `"102"`.
    pub version: String,
    /// `"8.6"`.
    pub stack: String,
    /// Whether it is the default.
    pub default: bool,
}

/// An opt-in coverage pack: extra domain patterns with their source (`rules/packs.toml`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Pack {
    /// The name to ask for (`sigma-ip-lookup-apis`).
    pub name: String,
    /// A title for people.
    pub title: String,
    /// Where the domains come from.
    pub source: String,
    /// How the source's matching was kept.
    pub semantics: String,
    /// EQL wildcard patterns for `dns.question.name`.
    pub patterns: Vec<String>,
}

/// Each version's metadata and samples, parsed on first use; one slot per embedded version, in
/// catalog order.
static INFOS: [OnceLock<RuleInfo>; EMBEDDED.len()] = [const { OnceLock::new() }; EMBEDDED.len()];
static SAMPLES: [OnceLock<Vec<Sample>>; EMBEDDED.len()] = [const { OnceLock::new() }; EMBEDDED.len()];

/// One embedded version: its query and identity at once, its metadata and samples on demand.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Version {
    at: usize,
}

impl Version {
    fn embedded(self) -> &'static Embedded {
        &EMBEDDED[self.at]
    }

    /// The published query text.
    pub(crate) fn query(self) -> &'static str {
        self.embedded().query
    }

    /// Elastic's rule_id.
    pub(crate) fn rule_id(self) -> &'static str {
        self.embedded().rule_id
    }

    /// The rule's name.
    pub(crate) fn name(self) -> &'static str {
        self.embedded().name
    }

    /// The version key (`"102"`).
    pub(crate) fn version(self) -> &'static str {
        self.embedded().version
    }

    /// The full metadata.
    pub(crate) fn info(self) -> &'static RuleInfo {
        // build.rs wrote this JSON from the same fields; a failure here is a build defect, caught
        // by every test.
        INFOS[self.at].get_or_init(|| {
            let e = self.embedded();
            let info: RuleInfo = serde_json::from_str(e.info).expect("embedded catalog is valid");
            // build.rs wrote these three as literals of their own, and "" in the JSON.
            RuleInfo {
                query: e.query.to_string(),
                rule_id: e.rule_id.to_string(),
                name: e.name.to_string(),
                ..info
            }
        })
    }

    /// The true-positive and true-negative samples.
    pub(crate) fn samples(self) -> &'static [Sample] {
        // build.rs checked the samples' shape.
        SAMPLES[self.at].get_or_init(|| {
            self.embedded()
                .samples
                .iter()
                .map(|&i| serde_json::from_str(SAMPLE_JSON[i]).expect("embedded samples are valid"))
                .collect()
        })
    }
}

/// The published versions, oldest first.
pub fn versions() -> Vec<VersionEntry> {
    EMBEDDED
        .iter()
        .map(|e| VersionEntry {
            version: e.version.to_string(),
            stack: e.stack.to_string(),
            default: e.default,
        })
        .collect()
}

/// The coverage packs.
pub fn packs() -> &'static [Pack] {
    static PACKS: OnceLock<Vec<Pack>> = OnceLock::new();
    PACKS.get_or_init(|| serde_json::from_str(PACKS_JSON).expect("embedded packs are valid"))
}

/// The default version (`"102"`).
pub fn default_version() -> &'static str {
    DEFAULT_VERSION
}

/// A version, or an error listing the known versions.
pub(crate) fn find(version: &str) -> Result<Version> {
    let at = EMBEDDED.iter().position(|e| e.version == version).ok_or_else(|| {
        let known: Vec<&str> = EMBEDDED.iter().map(|e| e.version).collect();
        Error::new(
            ErrorKind::UnknownVersion,
            format!("unknown rule version \"{version}\"; known versions: {}", known.join(", ")),
        )
    })?;
    Ok(Version { at })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_holds_the_four_published_versions() {
        let v: Vec<String> = versions().into_iter().map(|v| v.version).collect();
        assert_eq!(v, ["4", "102", "104", "108"]);
        assert_eq!(default_version(), "102");
        let v = find("102").unwrap();
        let info = v.info();
        assert_eq!((v.rule_id(), v.name(), v.query()), (&*info.rule_id, &*info.name, &*info.query));
        assert_eq!(v.version(), info.version);
        assert_eq!(info.rule_id, "1d72d014-e2ab-4707-b056-9b96abe7b511");
        assert_eq!(info.risk_score, 21);
        assert_eq!(info.severity, "low");
        assert_eq!(info.interval, "5m");
        assert_eq!(info.max_signals, 100);
        assert_eq!(info.from, "now-9m");
        assert_eq!(info.timestamp_override.as_deref(), Some("event.ingested"));
        assert_eq!(info.threat[0].tactic.id, "TA0007");
        assert!(info.note.as_deref().unwrap().contains("Triage and analysis"));
        assert!(!v.samples().is_empty());
        assert_eq!(find("4").unwrap().name(), "External IP Lookup fron Non-Browser Process");
        assert_eq!(find("108").unwrap().info().building_block_type.as_deref(), Some("default"));
        for e in versions() {
            let v = find(&e.version).unwrap();
            let info = v.info();
            assert_eq!((v.rule_id(), v.name(), v.query()), (&*info.rule_id, &*info.name, &*info.query));
        }
    }

    #[test]
    fn unknown_version_lists_the_known_ones() {
        let e = find("7").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::UnknownVersion);
        assert!(e.message().contains("4, 102, 104, 108"), "{e}");
    }
}
