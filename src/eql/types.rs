//! Values of typed fields, read as Elasticsearch's field mappers read them: numbers
//! (`NumberFieldMapper`, with `coerce`), dates (`DateFieldMapper`, `strict_date_optional_time||
//! epoch_millis`), IP addresses (`IpFieldMapper`, `InetAddresses`) and booleans
//! (`BooleanFieldMapper`).

use std::cmp::Ordering;

use crate::eql::mapping::FieldType;

/// A value of a typed field, comparable with another of the same type. (No `Debug`: printing an
/// `i128` pulls 128-bit division into the WebAssembly module.)
#[derive(Clone, PartialEq)]
pub(crate) enum Typed {
    /// A whole number, exactly.
    Int(i128),
    /// A number with a fraction or an exponent.
    Float(f64),
    /// Nanoseconds since the epoch.
    Instant(i128),
    /// An IPv6 address (IPv4 as IPv4-mapped), with a prefix length (128 for one address).
    Ip([u8; 16], u8),
    Bool(bool),
    Text(String),
    /// A `version` value as Elasticsearch encodes it to sort ([`encode_version`]).
    Version(Vec<u8>),
}

impl Typed {
    /// Compares two values of one field type; `None` when they do not compare (NaN).
    pub(crate) fn compare(&self, other: &Typed) -> Option<Ordering> {
        match (self, other) {
            (Typed::Int(a), Typed::Int(b)) => Some(a.cmp(b)),
            (Typed::Int(a), Typed::Float(b)) => (*a as f64).partial_cmp(b),
            (Typed::Float(a), Typed::Int(b)) => a.partial_cmp(&(*b as f64)),
            (Typed::Float(a), Typed::Float(b)) => a.partial_cmp(b),
            (Typed::Instant(a), Typed::Instant(b)) => Some(a.cmp(b)),
            (Typed::Ip(a, _), Typed::Ip(b, _)) => Some(a.cmp(b)),
            (Typed::Bool(a), Typed::Bool(b)) => Some(a.cmp(b)),
            (Typed::Text(a), Typed::Text(b)) => Some(a.as_str().cmp(b.as_str())),
            (Typed::Version(a), Typed::Version(b)) => Some(a.cmp(b)),
            _ => None,
        }
    }

    /// Whether an address lies in this network (an address is a /128 or, for IPv4, a /32).
    pub(crate) fn contains(&self, ip: &Typed) -> bool {
        let (Typed::Ip(net, prefix), Typed::Ip(addr, _)) = (self, ip) else { return false };
        let whole = usize::from(*prefix / 8);
        let rest = prefix % 8;
        net[..whole] == addr[..whole]
            && (rest == 0 || (net[whole] ^ addr[whole]) & (0xffu8 << (8 - rest)) == 0)
    }
}

/// The value a document's text has in a field of type `ty`, `None` when Elasticsearch could not
/// index it (the document would be rejected, or the value ignored with `ignore_malformed`).
pub(crate) fn read(ty: FieldType, text: &str) -> Option<Typed> {
    match ty {
        FieldType::Keyword | FieldType::Other => Some(Typed::Text(text.to_string())),
        FieldType::Integer { min, max } => {
            // `coerce` (the default): strings are parsed and fractions truncated.
            let t = text.trim();
            let n = match t.parse::<i128>() {
                Ok(n) => n,
                Err(_) => {
                    let f: f64 = number_text(t)?.parse().ok()?;
                    if !f.is_finite() {
                        return None;
                    }
                    f.trunc() as i128
                }
            };
            (min..=max).contains(&n).then_some(Typed::Int(n))
        }
        FieldType::Float { bits } => {
            let f: f64 = number_text(text.trim())?.parse().ok()?;
            if !f.is_finite() {
                return None;
            }
            Some(Typed::Float(if bits < 64 { f as f32 as f64 } else { f }))
        }
        FieldType::Date { nanos } => parse_date(text, nanos).map(Typed::Instant),
        FieldType::Ip => parse_ip(text).map(|a| Typed::Ip(a, 128)),
        FieldType::Version => encode_version(text).map(Typed::Version),
        FieldType::Boolean => match text {
            "true" => Some(Typed::Bool(true)),
            // BooleanFieldMapper: false, "false" and "" are false.
            "false" | "" => Some(Typed::Bool(false)),
            _ => None,
        },
    }
}

/// A `version` field's value in the byte order Elasticsearch sorts and ranges it by (x-pack
/// `versionfield` `VersionEncoder.encodeVersion`, compared as unsigned bytes like Lucene's
/// `BytesRef`): for a legal version (relaxed semver: `1.2`, `1.2.3.4`, `-pre.release`,
/// `+build`) each run of digits is `0x01`, its length with the top bit set, then the digits, so
/// that numbers compare numerically; then `0x02 '-'` and the pre-release identifiers (numeric
/// ones encoded as numbers, so they sort before alphanumeric ones), or `0x03` when there is none
/// (a pre-release sorts before its release); then the build suffix as text. An illegal version
/// (`bad`) is its text, which sorts after every legal one; the empty string is `0x03`. `None`: a
/// run of 128 or more digits, which Elasticsearch refuses.
pub(crate) fn encode_version(text: &str) -> Option<Vec<u8>> {
    // `VersionParts.ofVersion`: the build suffix from the first `+`, then the pre-release from
    // the first `-`, each only past the first character.
    fn suffix(s: &str, sep: char) -> (&str, Option<&str>) {
        match s.find(sep) {
            Some(i) if i > 0 => (&s[..i], Some(&s[i..])),
            _ => (s, None),
        }
    }
    let (rest, build) = suffix(text, '+');
    let (main, pre) = suffix(rest, '-');
    let alnum = |id: &str| !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    let number = |id: &str| {
        !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) && (id == "0" || !id.starts_with('0'))
    };
    let legal = main.split('.').all(number)
        && pre.is_none_or(|p| {
            p[1..].split('.').all(|id| number(id) || (alnum(id) && !id.bytes().all(|b| b.is_ascii_digit())))
        })
        && build.is_none_or(|b| b[1..].split('.').all(alnum));
    if !legal {
        return Some(if text.is_empty() { vec![0x03] } else { text.as_bytes().to_vec() });
    }
    fn digit_groups(s: &str, out: &mut Vec<u8>) -> Option<()> {
        let bytes = s.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i].is_ascii_digit() {
                let start = i;
                while i < bytes.len() && bytes[i].is_ascii_digit() {
                    i += 1;
                }
                let len = u8::try_from(i - start).ok().filter(|&n| n < 128)?;
                out.extend([0x01, len | 0x80]);
                out.extend(&bytes[start..i]);
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        Some(())
    }
    let mut out = Vec::with_capacity(text.len() + 8);
    digit_groups(main, &mut out)?;
    match pre {
        Some(p) => {
            out.extend([0x02, b'-']);
            for (i, id) in p[1..].split('.').enumerate() {
                if i > 0 {
                    out.push(b'.');
                }
                if id.bytes().all(|b| b.is_ascii_digit()) {
                    digit_groups(id, &mut out)?;
                } else {
                    out.extend(id.as_bytes());
                }
            }
        }
        None => out.push(0x03),
    }
    out.extend(build.unwrap_or("").as_bytes());
    Some(out)
}

/// `text` when it is a JSON-style number (Java's parser takes no `inf`, `nan` or `_`).
fn number_text(text: &str) -> Option<&str> {
    let ok = !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E'))
        && text.bytes().any(|b| b.is_ascii_digit());
    ok.then_some(text)
}

/// A date as `strict_date_optional_time||epoch_millis` reads it, in nanoseconds since the epoch:
/// `2017-08-30`, `2017-08-30T20:47:33`, `...33.5Z`, `...33+02:00`, or epoch milliseconds (a
/// number, or digits in a string, optionally with a fraction).
/// A `date` field keeps milliseconds (`nanos` false: finer digits are dropped), `date_nanos`
/// nanoseconds.
pub(crate) fn parse_date(text: &str, nanos: bool) -> Option<i128> {
    let t = text.trim();
    // The formats are tried in order: `2017` is a year, `1504126053000` epoch milliseconds.
    let digits = if nanos { 9 } else { 3 };
    parse_iso(t, digits).or_else(|| parse_epoch_millis(t, digits))
}

fn parse_epoch_millis(t: &str, digits: usize) -> Option<i128> {
    if let Some(n) = number_text(t) {
        if !n.contains(['e', 'E']) && !n[1..].contains(['-', '+']) {
            let (int, frac) = n.split_once('.').unwrap_or((n, ""));
            let neg = int.starts_with('-');
            let ms: i128 = int.trim_start_matches(['-', '+']).parse().ok()?;
            let mut ns = ms.checked_mul(1_000_000)?;
            let frac: String = frac.chars().take(digits - 3).chain(std::iter::repeat('0')).take(6).collect();
            ns += frac.parse::<i128>().ok()?;
            return Some(if neg { -ns } else { ns });
        }
    }
    None
}

fn parse_iso(t: &str, keep: usize) -> Option<i128> {
    let b = t.as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> {
        let s = t.get(from..from + len)?;
        s.bytes().all(|c| c.is_ascii_digit()).then(|| s.parse().ok())?
    };
    let year = num(0, 4)?;
    let mut i = 4;
    let (mut month, mut day) = (1, 1);
    if b.get(i) == Some(&b'-') {
        month = num(i + 1, 2)?;
        i += 3;
        if b.get(i) == Some(&b'-') {
            day = num(i + 1, 2)?;
            i += 3;
        }
    }
    let (mut h, mut m, mut s, mut ns) = (0i64, 0i64, 0i64, 0i64);
    if b.get(i) == Some(&b'T') {
        h = num(i + 1, 2)?;
        i += 3;
        if b.get(i) == Some(&b':') {
            m = num(i + 1, 2)?;
            i += 3;
            if b.get(i) == Some(&b':') {
                s = num(i + 1, 2)?;
                i += 3;
                if matches!(b.get(i), Some(b'.' | b',')) {
                    let start = i + 1;
                    let mut j = start;
                    while b.get(j).is_some_and(u8::is_ascii_digit) {
                        j += 1;
                    }
                    if j == start || j - start > 9 {
                        return None;
                    }
                    let digits: String =
                        t[start..j].chars().take(keep).chain(std::iter::repeat('0')).take(9).collect();
                    ns = digits.parse().ok()?;
                    i = j;
                }
            }
        }
    }
    let mut offset_min = 0i64;
    match b.get(i) {
        None => {}
        Some(b'Z') if i + 1 == b.len() => {}
        Some(&sign @ (b'+' | b'-')) => {
            let oh = num(i + 1, 2)?;
            let rest = &t[i + 3..];
            let om = match rest.strip_prefix(':').unwrap_or(rest) {
                "" => 0,
                r if r.len() == 2 => r.parse().ok()?,
                _ => return None,
            };
            offset_min = (oh * 60 + om) * if sign == b'-' { -1 } else { 1 };
        }
        _ => return None,
    }
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days_in = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in[month as usize - 1]
        || h > 23
        || m > 59
        || s > 59
    {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + h * 3600 + m * 60 + s - offset_min * 60;
    Some(i128::from(secs) * 1_000_000_000 + i128::from(ns))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// An IPv4 or IPv6 address as 16 bytes (IPv4 as `::ffff:a.b.c.d`, which Elasticsearch indexes
/// IPv4 as, so the two forms are one address).
pub(crate) fn parse_ip(text: &str) -> Option<[u8; 16]> {
    if let Some(v4) = parse_v4(text) {
        let mut out = [0u8; 16];
        out[10] = 0xff;
        out[11] = 0xff;
        out[12..].copy_from_slice(&v4);
        return Some(out);
    }
    // InetAddresses.forString also takes a scope id (`fe80::1%eth0`), ignored.
    parse_v6(text.split('%').next().unwrap_or(text))
}

/// Four decimal octets (`10.6.48.157`), no leading zeros beyond one digit (InetAddresses).
fn parse_v4(text: &str) -> Option<[u8; 4]> {
    let mut out = [0u8; 4];
    let mut parts = text.split('.');
    for o in &mut out {
        let p = parts.next()?;
        if p.is_empty()
            || p.len() > 3
            || !p.bytes().all(|b| b.is_ascii_digit())
            || (p.len() > 1 && p.starts_with('0'))
        {
            return None;
        }
        *o = p.parse().ok()?;
    }
    parts.next().is_none().then_some(out)
}

/// Eight groups of hex digits, one `::` for a run of zero groups, an IPv4 tail allowed.
fn parse_v6(text: &str) -> Option<[u8; 16]> {
    let groups = |s: &str, tail_v4: bool| -> Option<Vec<u16>> {
        let mut out = Vec::new();
        if s.is_empty() {
            return Some(out);
        }
        let parts: Vec<&str> = s.split(':').collect();
        for (i, p) in parts.iter().enumerate() {
            if tail_v4 && i == parts.len() - 1 && p.contains('.') {
                let v4 = parse_v4(p)?;
                out.push(u16::from_be_bytes([v4[0], v4[1]]));
                out.push(u16::from_be_bytes([v4[2], v4[3]]));
            } else {
                if p.is_empty() || p.len() > 4 {
                    return None;
                }
                out.push(u16::from_str_radix(p, 16).ok()?);
            }
        }
        Some(out)
    };
    let all: Vec<u16> = match text.split_once("::") {
        Some((head, tail)) => {
            let (h, t) = (groups(head, false)?, groups(tail, true)?);
            if h.len() + t.len() > 7 {
                return None;
            }
            let mut v = h;
            v.resize(8 - t.len(), 0);
            v.extend(t);
            v
        }
        None => groups(text, true)?,
    };
    if all.len() != 8 {
        return None;
    }
    let mut out = [0u8; 16];
    for (i, g) in all.iter().enumerate() {
        out[2 * i..2 * i + 2].copy_from_slice(&g.to_be_bytes());
    }
    Some(out)
}

/// A CIDR block (`10.0.0.0/8`, `2001:db8::/32`) or one address, as a network.
pub(crate) fn parse_cidr(text: &str) -> Option<Typed> {
    let Some((addr, prefix)) = text.split_once('/') else {
        return parse_ip(text).map(|a| Typed::Ip(a, 128));
    };
    let v4 = parse_v4(addr).is_some();
    let bytes = parse_ip(addr)?;
    let p: u8 = prefix.parse().ok()?;
    let (max, add) = if v4 { (32, 96) } else { (128, 0) };
    if p > max {
        return None;
    }
    let net = Typed::Ip(bytes, p + add);
    // The address part must have no bits set past the prefix? Elasticsearch masks them.
    Some(match net {
        Typed::Ip(mut b, p) => {
            for (i, byte) in b.iter_mut().enumerate() {
                let keep = (usize::from(p)).saturating_sub(i * 8).min(8);
                *byte &= if keep == 0 { 0 } else { 0xffu8 << (8 - keep) };
            }
            Typed::Ip(b, p)
        }
        other => other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_date_ms(t: &str) -> Option<i128> {
        parse_date(t, false)
    }

    const LONG: FieldType = FieldType::Integer { min: i64::MIN as i128, max: i64::MAX as i128 };

    #[test]
    fn versions_sort_as_elasticsearch_sorts_them() {
        // semver.org's precedence example, then the relaxed forms and the QA suite's values
        // (test_extra.toml sequenceWithVersionRangeCheck*: 1.2.4-SNAPSHOT < 1.2.4 < 1.5.0 <
        // 1.11.3, and the illegal `bad` after them all).
        let ordered = [
            "1.0.0-1",
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
            "1.0.0+build.1",
            "1.2",
            "1.2.0",
            "1.2.4-SNAPSHOT",
            "1.2.4",
            "1.5.0",
            "1.11.3",
            "2.0.0.1",
            "10.0.0",
            "",
            "01.2.3",
            "1.0.0-01",
            "bad",
        ];
        let enc: Vec<Vec<u8>> = ordered.iter().map(|v| encode_version(v).unwrap()).collect();
        for i in 1..enc.len() {
            assert!(enc[i - 1] < enc[i], "{:?} < {:?}", ordered[i - 1], ordered[i]);
        }
        // One-to-one: equal encodings are equal texts.
        assert_eq!(encode_version("1.2.4"), encode_version("1.2.4"));
        assert_ne!(encode_version("1.2.4"), encode_version("1.2.4+x"));
        // A run of 128 digits is refused (VersionEncoder.prefixDigitGroupsWithLength).
        assert!(encode_version(&format!("1.{}", "9".repeat(128))).is_none());
        assert!(encode_version(&format!("1.{}", "9".repeat(127))).is_some());
        assert!(
            read(FieldType::Version, "1.11.3").unwrap().compare(&read(FieldType::Version, "1.5.0").unwrap())
                == Some(Ordering::Greater)
        );
    }

    #[test]
    fn longs_are_coerced() {
        assert!(read(LONG, "6312") == Some(Typed::Int(6312)));
        assert!(read(LONG, "6312.9") == Some(Typed::Int(6312)));
        assert!(read(LONG, "-1.5") == Some(Typed::Int(-1)));
        assert!(read(LONG, "131509374647239400") == Some(Typed::Int(131509374647239400)));
        assert!(read(LONG, "1e3") == Some(Typed::Int(1000)));
        assert!(read(LONG, "true").is_none());
        assert!(read(LONG, "x").is_none());
        assert!(read(LONG, "1e30").is_none());
        assert!(read(FieldType::Integer { min: 0, max: 255 }, "256").is_none());
    }

    #[test]
    fn dates_in_iso_and_epoch_millis() {
        let at = parse_date_ms("2017-08-30T20:47:33Z").unwrap();
        assert_eq!(at, 1_504_126_053_000 * 1_000_000);
        assert_eq!(parse_date_ms("1504126053000"), Some(at));
        assert_eq!(parse_date_ms("2017-08-30T22:47:33+02:00"), Some(at));
        assert_eq!(parse_date_ms("2017-08-30T20:47:33.5Z"), Some(at + 500_000_000));
        assert_eq!(parse_date_ms("2017-08-30"), Some(1_504_051_200_000 * 1_000_000));
        assert_eq!(parse_date_ms("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_date_ms("2017-02-30"), None);
        assert_eq!(parse_date_ms("yesterday"), None);
        let ms = read(FieldType::Date { nanos: false }, "2017-08-30T20:47:33.123456Z");
        assert!(ms == Some(Typed::Instant(1_504_126_053_123 * 1_000_000)));
        let ns = read(FieldType::Date { nanos: true }, "2017-08-30T20:47:33.123456Z");
        assert!(ns == Some(Typed::Instant(1_504_126_053_123_456_000)));
    }

    #[test]
    fn ips_and_cidrs() {
        assert_eq!(parse_ip("::ffff:10.6.48.157"), parse_ip("10.6.48.157"));
        assert!(parse_ip("10.6.48").is_none());
        assert!(parse_ip("010.1.1.1").is_none() && parse_ip("1.2.3.256").is_none());
        assert_eq!(parse_ip("::1").unwrap()[15], 1);
        assert_eq!(parse_ip("2001:db8::8a2e:370:7334"), parse_ip("2001:0db8:0000:0000:0000:8a2e:0370:7334"));
        assert!(
            parse_ip("1::2::3").is_none()
                && parse_ip("1:2:3:4:5:6:7:8:9").is_none()
                && parse_ip("fe80::1%eth0").is_some()
        );
        let net = parse_cidr("10.6.0.0/16").unwrap();
        assert!(net.contains(&Typed::Ip(parse_ip("10.6.48.157").unwrap(), 128)));
        assert!(!net.contains(&Typed::Ip(parse_ip("10.7.0.1").unwrap(), 128)));
        let v6 = parse_cidr("2001:db8::/32").unwrap();
        assert!(v6.contains(&Typed::Ip(parse_ip("2001:db8:1::5").unwrap(), 128)));
        assert!(parse_cidr("10.0.0.0/33").is_none());
        assert!(parse_cidr("10.0.0.1/8").unwrap().contains(&Typed::Ip(parse_ip("10.200.0.1").unwrap(), 128)));
    }

    #[test]
    fn booleans() {
        assert!(read(FieldType::Boolean, "") == Some(Typed::Bool(false)));
        assert!(read(FieldType::Boolean, "TRUE").is_none());
    }
}
