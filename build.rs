//! Embeds the rule catalog (`rules/`) at build time.
//!
//! The published versions are TOML files copied from elastic/detection-rules. Parsing TOML at run
//! time would put a TOML parser into the WebAssembly module, so this script reads them once and
//! writes one JSON document (`$OUT_DIR/catalog.json`) that `src/catalog.rs` includes. The rule
//! stays data: editing a TOML file or adding a version to `rules/catalog.toml` needs no code.

use std::{env, fs, path::Path};

use serde_json::{json, Map, Value};

fn main() {
    let rules = Path::new("rules");
    println!("cargo:rerun-if-changed=rules");
    let index: toml::Value = read_toml(&rules.join("catalog.toml"));
    let default = index["default"].as_str().expect("catalog.toml: `default` must be a string");
    let mut versions = Vec::new();
    for entry in index["version"].as_array().expect("catalog.toml: [[version]] tables") {
        let version = str_field(entry, "version");
        let file = rules.join(str_field(entry, "file"));
        println!("cargo:rerun-if-changed={}", file.display());
        let doc = read_toml(&file);
        let rule = doc.get("rule").unwrap_or_else(|| panic!("{}: no [rule] table", file.display()));
        let declared = rule.get("version").and_then(|v| v.as_integer());
        if let Some(declared) = declared {
            assert_eq!(declared.to_string(), version, "{}: version mismatch", file.display());
        }
        let mut info = Map::new();
        info.insert("version".into(), json!(version));
        info.insert("stack".into(), json!(str_field(entry, "stack")));
        info.insert("default".into(), json!(version == default));
        info.insert("source".into(), json!(str_field(entry, "source")));
        info.insert("changes".into(), json!(str_field(entry, "changes")));
        let rule_json = to_json(rule);
        for (key, value) in rule_json.as_object().expect("[rule] is a table") {
            let key = match key.as_str() {
                "version" => continue,
                "type" => "rule_type",
                other => other,
            };
            info.insert(key.to_string(), value.clone());
        }
        if let Some(meta) = doc.get("metadata") {
            info.insert("metadata".into(), to_json(meta));
        }
        // Kibana's defaults when a rule file does not set them (every 5 minutes, at most 100 alerts).
        info.entry("interval").or_insert(json!("5m"));
        info.entry("max_signals").or_insert(json!(100));
        let samples = match entry.get("samples").and_then(|s| s.as_str()) {
            Some(path) => {
                let path = rules.join(path);
                println!("cargo:rerun-if-changed={}", path.display());
                read_samples(&path)
            }
            None => Vec::new(),
        };
        info.insert("samples".into(), Value::Array(samples));
        versions.push(Value::Object(info));
    }
    let packs_path = rules.join("packs.toml");
    println!("cargo:rerun-if-changed={}", packs_path.display());
    let packs = read_packs(&packs_path);
    let catalog = json!({ "default": default, "versions": versions, "packs": packs });
    let out = Path::new(&env::var("OUT_DIR").unwrap()).join("catalog.json");
    fs::write(out, serde_json::to_string(&catalog).unwrap()).unwrap();
}

/// Coverage packs: `domains` are EQL patterns as they are; `contains` entries (Sigma's substring
/// match) become `*entry*`.
fn read_packs(path: &Path) -> Vec<Value> {
    let doc = read_toml(path);
    let mut out = Vec::new();
    for pack in doc["pack"].as_array().expect("packs.toml: [[pack]] tables") {
        let list = |key: &str| -> Vec<String> {
            pack.get(key)
                .and_then(|v| v.as_array())
                .map(|a| {
                    a.iter().map(|s| s.as_str().expect("pack entries are strings").to_string()).collect()
                })
                .unwrap_or_default()
        };
        let mut patterns = list("domains");
        patterns.extend(list("contains").into_iter().map(|d| format!("*{d}*")));
        out.push(json!({
            "name": str_field(pack, "name"),
            "title": str_field(pack, "title"),
            "source": str_field(pack, "source"),
            "semantics": str_field(pack, "semantics"),
            "patterns": patterns,
        }));
    }
    out
}

fn read_toml(path: &Path) -> toml::Value {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn str_field<'a>(table: &'a toml::Value, key: &str) -> &'a str {
    table.get(key).and_then(|v| v.as_str()).unwrap_or_else(|| panic!("catalog.toml: `{key}` missing"))
}

fn to_json(value: &toml::Value) -> Value {
    serde_json::to_value(value).expect("TOML converts to JSON")
}

/// Each line of a samples file: `{"expect": "match" | "no_match", "why": "...", "event": {...}}`.
fn read_samples(path: &Path) -> Vec<Value> {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty() && !line.trim_start().starts_with("//"))
        .map(|(i, line)| {
            let sample: Value =
                serde_json::from_str(line).unwrap_or_else(|e| panic!("{}:{}: {e}", path.display(), i + 1));
            let expect = sample["expect"].as_str().unwrap_or("");
            assert!(
                expect == "match" || expect == "no_match",
                "{}:{}: `expect` must be \"match\" or \"no_match\"",
                path.display(),
                i + 1
            );
            assert!(sample["event"].is_object(), "{}:{}: `event` must be an object", path.display(), i + 1);
            sample
        })
        .collect()
}
