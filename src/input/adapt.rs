//! Sysmon DNS events (Event ID 22) in their common JSON shapes, mapped to the ECS fields the rule
//! reads. Separate from the engine: the engine only ever sees ECS; this module decides what a
//! Sysmon record means in ECS and records, for every rule field, which source field fed it.
//!
//! Elastic's rule reads Elastic Defend events; a Sysmon record of the same behaviour has no
//! `event.action: "lookup_requested"` and no `process.code_signature`. The mapping:
//!
//! | ECS field | from |
//! |---|---|
//! | `dns.question.name` | `QueryName` |
//! | `process.executable` | `Image` |
//! | `process.name` | the file name of `Image` |
//! | `process.pid` | `ProcessId` |
//! | `event.category`, `event.action`, `network.protocol` | `["network"]`, `"lookup_requested"`, `"dns"` (what EID 22 is) |
//! | `host.name`, `host.os.type` | `Computer` / `Hostname`, `"windows"` |
//! | `@timestamp` | `UtcTime` |
//! | `user.name`, `user.domain` | `User` (`DOMAIN\name`, written by newer Sysmon) |
//! | `user.id` | only for the well-known accounts in `User`: `NT AUTHORITY\SYSTEM` S-1-5-18, `LOCAL SERVICE` S-1-5-19, `NETWORK SERVICE` S-1-5-20 |
//!
//! The record's own `UserID` (`Security.UserID`, Winlogbeat's `winlog.user.identifier`) is the
//! account Sysmon runs as (S-1-5-18), not the account that made the query: it is never taken for
//! `user.id`. `process.code_signature.*` stays absent, so version 108's signed-program exclusions
//! cannot be judged, and the verdict says so.

use serde::Serialize;
use serde_json::{json, Map, Value};

text_enum! {
    /// Which input shapes an evaluation accepts: `ecs`, `sysmon` or `auto`.
    #[derive(Default)]
    pub enum InputMode {
        /// Plain ECS, as Elastic's rule reads it. The default: Elastic's verdicts untouched.
        #[default]
        Ecs = "ecs",
        /// Sysmon records only; anything else is not matched, with the reason.
        Sysmon = "sysmon",
        /// Sysmon records are mapped; anything else is read as ECS.
        Auto = "auto",
    }
}

/// How an input record was read, for the verdict: the shape, and where each rule field came from.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct InputMapping {
    /// `evtx-json`, `nxlog-json`, `wazuh-json`, `winlogbeat-ecs`, or `ecs` for a record passed
    /// through, `unknown` for one `sysmon` mode could not read.
    pub shape: &'static str,
    /// What became of the record.
    pub status: MappingStatus,
    /// For each ECS field set: the source field and the value.
    pub fields: Vec<MappedField>,
    /// What a person auditing the mapping should know.
    pub notes: Vec<String>,
}

text_enum! {
    /// What became of an input record: `mapped`, `not_dns_query`, ...
    pub enum MappingStatus {
        /// A Sysmon DNS query (event 22), mapped to ECS.
        Mapped = "mapped",
        /// A Sysmon record of another event ID: not matched.
        NotDnsQuery = "not_dns_query",
        /// A Sysmon event 22 without a query name: nothing was looked up, not matched.
        MissingQueryName = "missing_query_name",
        /// Input mode `sysmon`, and not a Sysmon record in a known shape: not matched.
        NotSysmon = "not_sysmon",
        /// Input mode `auto`, and not a Sysmon record: read as ECS.
        PassedThrough = "passed_through",
    }
}

impl MappingStatus {
    /// Whether a record with this status can match (a mapped DNS query, or a record read as ECS).
    pub fn can_match(self) -> bool {
        matches!(self, MappingStatus::Mapped | MappingStatus::PassedThrough)
    }
}

/// One ECS field set by the mapping.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MappedField {
    /// The ECS field.
    pub field: &'static str,
    /// The source field, or `constant` for what EID 22 means.
    pub from: String,
    /// The value set.
    pub value: Value,
}

/// The outcome of adapting one record.
pub(crate) struct Adapted {
    /// The event to evaluate: the record with the ECS fields added, or the record itself.
    pub event: Option<Value>,
    pub mapping: Option<InputMapping>,
}

impl Adapted {
    /// Whether the record can match at all (a mapped DNS query, or a passed-through record).
    pub fn can_match(&self) -> bool {
        self.mapping.as_ref().is_none_or(|m| m.status.can_match())
    }
}

/// The fields of a Sysmon record, wherever its shape keeps them.
struct Record<'a> {
    shape: &'static str,
    event_id: Option<String>,
    data: &'a Map<String, Value>,
    /// Prefix of the data fields in the source, for the audit (`EventData.`, ``, `win.eventdata.`).
    prefix: &'static str,
    computer: Option<(String, &'static str)>,
    /// Wazuh's JSON doubles every backslash in event data.
    doubled_backslashes: bool,
}

fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Object(o) => text(o.get("#text")),
        _ => None,
    }
}

fn is_sysmon(name: Option<&Value>) -> bool {
    name.and_then(Value::as_str).is_some_and(|s| s.contains("Sysmon"))
}

/// Recognises a Sysmon record in one of the supported shapes.
fn recognise(v: &Value) -> Option<Record<'_>> {
    let o = v.as_object()?;
    // EVTX as JSON (the `evtx` crate, python-evtx): `{Event: {System, EventData}}` or the inner object.
    let event = o.get("Event").and_then(Value::as_object).unwrap_or(o);
    if let (Some(system), Some(data)) =
        (event.get("System").and_then(Value::as_object), event.get("EventData").and_then(Value::as_object))
    {
        let provider = system.get("Provider").and_then(|p| p.get("#attributes")).and_then(|a| a.get("Name"));
        let channel = system.get("Channel");
        if is_sysmon(provider) || is_sysmon(channel) {
            return Some(Record {
                shape: "evtx-json",
                event_id: text(system.get("EventID")),
                data,
                prefix: "EventData.",
                computer: text(system.get("Computer")).map(|c| (c, "System.Computer")),
                doubled_backslashes: false,
            });
        }
    }
    // Wazuh's eventchannel JSON: `{win: {system: {...}, eventdata: {...}}}`, camelCase keys.
    if let Some(win) = o.get("win").and_then(Value::as_object) {
        let system = win.get("system").and_then(Value::as_object)?;
        if is_sysmon(system.get("providerName")) || is_sysmon(system.get("channel")) {
            return Some(Record {
                shape: "wazuh-json",
                event_id: text(system.get("eventID")),
                data: win.get("eventdata").and_then(Value::as_object)?,
                prefix: "win.eventdata.",
                computer: text(system.get("computer")).map(|c| (c, "win.system.computer")),
                doubled_backslashes: true,
            });
        }
    }
    // Flat NXLog / Windows event forwarding JSON.
    if o.contains_key("EventID") && (is_sysmon(o.get("SourceName")) || is_sysmon(o.get("Channel"))) {
        let computer = text(o.get("Hostname"))
            .map(|c| (c, "Hostname"))
            .or_else(|| text(o.get("Computer")).map(|c| (c, "Computer")));
        return Some(Record {
            shape: "nxlog-json",
            event_id: text(o.get("EventID")),
            data: o,
            prefix: "",
            computer,
            doubled_backslashes: false,
        });
    }
    None
}

/// Winlogbeat's Sysmon module already writes ECS; it is recognised by `event.module: "sysmon"`.
fn is_winlogbeat_sysmon(v: &Value) -> bool {
    let module = v.pointer("/event/module").or_else(|| v.get("event.module"));
    module.and_then(Value::as_str) == Some("sysmon")
}

/// Case-insensitive lookup of a data field (`QueryName` in EVTX and NXLog, `queryName` in Wazuh).
fn data_field<'a>(data: &'a Map<String, Value>, name: &str) -> Option<(&'a str, &'a Value)> {
    data.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(k, v)| (k.as_str(), v))
}

/// Well-known accounts as Sysmon writes them in `User`.
fn well_known_sid(user: &str) -> Option<&'static str> {
    let (domain, name) = user.split_once('\\')?;
    if !domain.eq_ignore_ascii_case("NT AUTHORITY") {
        return None;
    }
    match name.to_ascii_uppercase().as_str() {
        "SYSTEM" => Some("S-1-5-18"),
        "LOCAL SERVICE" => Some("S-1-5-19"),
        "NETWORK SERVICE" => Some("S-1-5-20"),
        _ => None,
    }
}

/// Adapts one record according to `mode`.
pub(crate) fn adapt(value: &Value, mode: InputMode, reads_code_signature: bool) -> Adapted {
    if mode == InputMode::Ecs {
        return Adapted { event: None, mapping: None };
    }
    if let Some(rec) = recognise(value) {
        return map_record(value, &rec, reads_code_signature);
    }
    if is_winlogbeat_sysmon(value) {
        return map_winlogbeat(value, reads_code_signature);
    }
    let mapping = match mode {
        InputMode::Auto => InputMapping {
            shape: "ecs",
            status: MappingStatus::PassedThrough,
            fields: Vec::new(),
            notes: Vec::new(),
        },
        _ => InputMapping {
            shape: "unknown",
            status: MappingStatus::NotSysmon,
            fields: Vec::new(),
            notes: vec![
                "not a Sysmon record in a known shape (EVTX JSON, NXLog JSON, Wazuh JSON, Winlogbeat ECS)"
                    .into(),
            ],
        },
    };
    Adapted { event: None, mapping: Some(mapping) }
}

fn code_signature_note(reads: bool, notes: &mut Vec<String>) {
    if reads {
        notes.push(
            "process.code_signature.* is not in Sysmon records: the exclusions that need a trusted signature (version 108's signed programs) could not be judged and do not apply".into(),
        );
    }
}

fn map_record(value: &Value, rec: &Record<'_>, reads_code_signature: bool) -> Adapted {
    let mut m = InputMapping {
        shape: rec.shape,
        status: MappingStatus::Mapped,
        fields: Vec::new(),
        notes: Vec::new(),
    };
    if rec.event_id.as_deref() != Some("22") {
        m.status = MappingStatus::NotDnsQuery;
        m.notes.push(format!(
            "Sysmon event {} is not a DNS query (event 22)",
            rec.event_id.as_deref().unwrap_or("without an ID")
        ));
        return Adapted { event: None, mapping: Some(m) };
    }
    let get = |name: &str| -> Option<(String, String)> {
        let (key, v) = data_field(rec.data, name)?;
        let mut s = text(Some(v))?;
        if rec.doubled_backslashes {
            s = s.replace("\\\\", "\\");
        }
        Some((s, format!("{}{key}", rec.prefix)))
    };
    let Some((query, query_from)) = get("QueryName").filter(|(q, _)| !q.is_empty()) else {
        m.status = MappingStatus::MissingQueryName;
        m.notes.push("Sysmon event 22 without a QueryName: nothing was looked up".into());
        return Adapted { event: None, mapping: Some(m) };
    };
    if rec.doubled_backslashes {
        m.notes.push("Wazuh doubles backslashes in event data; they were read as single".into());
    }
    let mut out = value.as_object().cloned().unwrap_or_default();
    set_event_22(&mut out, &mut m);
    let mut set = |field, from, v, m: &mut InputMapping| set_mapped(&mut out, m, field, from, v);
    set("dns.question.name", query_from, json!(query), &mut m);
    if let Some((image, from)) = get("Image") {
        let name = image.rsplit(['\\', '/']).next().unwrap_or(&image).to_string();
        set("process.executable", from.clone(), json!(image), &mut m);
        set("process.name", format!("file name of {from}"), json!(name), &mut m);
    } else {
        m.notes.push("no Image: process.name and process.executable are absent".into());
    }
    if let Some((pid, from)) = get("ProcessId") {
        if let Ok(n) = pid.parse::<u64>() {
            set("process.pid", from, json!(n), &mut m);
        }
    }
    if let Some((host, from)) = rec.computer.clone() {
        set("host.name", from.to_string(), json!(host), &mut m);
    }
    if let Some((t, from)) = get("UtcTime") {
        if let Some(ts) = utc_time(&t) {
            set("@timestamp", from, json!(ts), &mut m);
        }
    }
    match get("User").filter(|(u, _)| !u.is_empty() && u != "-") {
        Some((user, from)) => {
            match user.split_once('\\') {
                Some((domain, name)) => {
                    set("user.domain", from.clone(), json!(domain), &mut m);
                    set("user.name", from.clone(), json!(name), &mut m);
                }
                None => set("user.name", from.clone(), json!(user), &mut m),
            }
            match well_known_sid(&user) {
                Some(sid) => set("user.id", format!("{from} (well-known account)"), json!(sid), &mut m),
                None => m.notes.push(format!(
                    "user.id is absent: `{user}` is not a well-known account and Sysmon does not record the querying user's SID"
                )),
            }
        }
        None => m.notes.push(
            "no User field (older Sysmon): the querying user is unknown, so user.id is absent; the record's UserID is Sysmon's own account and is not used".into(),
        ),
    }
    code_signature_note(reads_code_signature, &mut m.notes);
    Adapted { event: Some(Value::Object(out)), mapping: Some(m) }
}

fn map_winlogbeat(value: &Value, reads_code_signature: bool) -> Adapted {
    let mut m = InputMapping {
        shape: "winlogbeat-ecs",
        status: MappingStatus::Mapped,
        fields: Vec::new(),
        notes: Vec::new(),
    };
    let code = value.pointer("/event/code").or_else(|| value.pointer("/winlog/event_id"));
    let code = text(code);
    if code.as_deref() != Some("22") {
        m.status = MappingStatus::NotDnsQuery;
        m.notes.push(format!(
            "Sysmon event {} is not a DNS query (event 22)",
            code.as_deref().unwrap_or("without a code")
        ));
        return Adapted { event: None, mapping: Some(m) };
    }
    if value.pointer("/dns/question/name").and_then(Value::as_str).is_none_or(str::is_empty) {
        m.status = MappingStatus::MissingQueryName;
        m.notes.push("Sysmon event 22 without dns.question.name: nothing was looked up".into());
        return Adapted { event: None, mapping: Some(m) };
    }
    let mut out = value.as_object().cloned().unwrap_or_default();
    set_event_22(&mut out, &mut m);
    let mut set = |field, from, v, m: &mut InputMapping| set_mapped(&mut out, m, field, from, v);
    let record_sid = value.pointer("/winlog/user/identifier").and_then(Value::as_str);
    let event_user = value.pointer("/winlog/event_data/User").and_then(Value::as_str);
    match event_user {
        Some(user) => match well_known_sid(user) {
            Some(sid) => {
                set("user.id", "winlog.event_data.User (well-known account)".into(), json!(sid), &mut m)
            }
            None => remove_service_sid(&mut out, record_sid, &mut m),
        },
        None => remove_service_sid(&mut out, record_sid, &mut m),
    }
    for f in ["dns.question.name", "process.executable", "process.name", "host.name"] {
        let path = format!("/{}", f.replace('.', "/"));
        if let Some(v) = value.pointer(&path) {
            m.fields.push(MappedField {
                field: f,
                from: format!("{f} (Winlogbeat's own ECS field)"),
                value: v.clone(),
            });
        }
    }
    code_signature_note(reads_code_signature, &mut m.notes);
    Adapted { event: Some(Value::Object(out)), mapping: Some(m) }
}

/// Sets one ECS field and records where it came from.
fn set_mapped(
    out: &mut Map<String, Value>,
    m: &mut InputMapping,
    field: &'static str,
    from: String,
    v: Value,
) {
    set_path(out, field, v.clone(), m);
    m.fields.push(MappedField { field, from, value: v });
}

/// What every Sysmon event 22 is, whatever its shape: a DNS lookup on Windows.
fn set_event_22(out: &mut Map<String, Value>, m: &mut InputMapping) {
    let constant = || "constant (Sysmon event 22 is a DNS query)".to_string();
    set_mapped(out, m, "event.category", constant(), json!(["network"]));
    set_mapped(out, m, "event.action", constant(), json!("lookup_requested"));
    set_mapped(out, m, "network.protocol", constant(), json!("dns"));
    set_mapped(out, m, "host.os.type", "constant (Sysmon runs on Windows)".into(), json!("windows"));
}

/// Winlogbeat copies the record's account (Sysmon's own, S-1-5-18) into `user.id`; it is not the
/// querying user, so it is removed.
fn remove_service_sid(out: &mut Map<String, Value>, record_sid: Option<&str>, m: &mut InputMapping) {
    let user_id = out.get("user").and_then(|u| u.get("id")).and_then(Value::as_str).map(str::to_string);
    if let (Some(id), Some(sid)) = (user_id, record_sid) {
        if id == sid {
            if let Some(Value::Object(user)) = out.get_mut("user") {
                user.remove("id");
            }
            m.notes.push(format!(
                "user.id {id} removed: it is the record's account (winlog.user.identifier, Sysmon's own service), not the querying user"
            ));
        }
    }
}

/// Sets a dotted ECS path in nested objects, noting any original value it replaces.
fn set_path(obj: &mut Map<String, Value>, path: &str, value: Value, m: &mut InputMapping) {
    let mut parts = path.split('.').peekable();
    let mut cur = obj;
    while let Some(part) = parts.next() {
        if parts.peek().is_none() {
            if let Some(old) = cur.insert(part.to_string(), value) {
                if !old.is_object() {
                    m.notes.push(format!("{path} replaced the original value {old}"));
                }
            }
            return;
        }
        let slot = cur.entry(part.to_string()).or_insert_with(|| Value::Object(Map::new()));
        if !slot.is_object() {
            m.notes.push(format!("`{part}` ({slot}) was replaced by an object to hold {path}"));
            *slot = Value::Object(Map::new());
        }
        let Value::Object(next) = slot else { return };
        cur = next;
    }
}

/// `2020-10-20 11:50:59.461` -> `2020-10-20T11:50:59.461Z`.
fn utc_time(t: &str) -> Option<String> {
    let t = t.trim();
    let (date, time) = t.split_once(' ')?;
    (date.len() == 10 && time.len() >= 8).then(|| format!("{date}T{time}Z"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evtx_record_is_mapped_with_sources() {
        let rec = json!({"Event": {"System": {"Provider": {"#attributes": {"Name": "Microsoft-Windows-Sysmon"}},
            "EventID": 22, "Computer": "WS1", "Security": {"#attributes": {"UserID": "S-1-5-18"}}},
            "EventData": {"UtcTime": "2020-10-20 11:50:59.461", "ProcessId": 2428, "QueryName": "api.ipify.org",
                "Image": "C:\\Temp\\x.exe", "User": "CORP\\alice"}}});
        let a = adapt(&rec, InputMode::Sysmon, false);
        let m = a.mapping.unwrap();
        assert_eq!((m.shape, m.status), ("evtx-json", MappingStatus::Mapped));
        let ev = a.event.unwrap();
        assert_eq!(ev["dns"]["question"]["name"], "api.ipify.org");
        assert_eq!(ev["process"]["name"], "x.exe");
        assert_eq!(ev["user"]["name"], "alice");
        assert!(ev["user"].get("id").is_none(), "never the service SID");
        assert_eq!(ev["@timestamp"], "2020-10-20T11:50:59.461Z");
        assert!(ev["Event"].is_object(), "original fields stay");
        let q = m.fields.iter().find(|f| f.field == "dns.question.name").unwrap();
        assert_eq!(q.from, "EventData.QueryName");
    }

    #[test]
    fn well_known_accounts_get_their_sid() {
        assert_eq!(well_known_sid("NT AUTHORITY\\SYSTEM"), Some("S-1-5-18"));
        assert_eq!(well_known_sid("NT AUTHORITY\\LOCAL SERVICE"), Some("S-1-5-19"));
        assert_eq!(well_known_sid("nt authority\\network service"), Some("S-1-5-20"));
        assert_eq!(well_known_sid("CORP\\alice"), None);
    }

    #[test]
    fn other_event_ids_and_missing_query_names_say_why() {
        let rec = json!({"EventID": 1, "SourceName": "Microsoft-Windows-Sysmon", "Image": "x"});
        let a = adapt(&rec, InputMode::Auto, false);
        assert_eq!(a.mapping.as_ref().unwrap().status, MappingStatus::NotDnsQuery);
        assert!(!a.can_match());
        let rec = json!({"EventID": 22, "SourceName": "Microsoft-Windows-Sysmon", "Image": "x"});
        assert_eq!(
            adapt(&rec, InputMode::Auto, false).mapping.unwrap().status,
            MappingStatus::MissingQueryName
        );
        let ecs = json!({"event": {"action": "lookup_requested"}});
        assert_eq!(adapt(&ecs, InputMode::Auto, false).mapping.unwrap().status, MappingStatus::PassedThrough);
        assert_eq!(adapt(&ecs, InputMode::Sysmon, false).mapping.unwrap().status, MappingStatus::NotSysmon);
        assert!(adapt(&ecs, InputMode::Ecs, false).mapping.is_none());
    }
}
