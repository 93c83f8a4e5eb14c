//! The portable syntax check: one scalar walk over the bytes with a state machine.
//!
//! It is the implementation on targets without the block scanner (WebAssembly, non-x86), and the
//! reference faster scanners are tested against.

use super::{Check, MAX_DEPTH, RAW_VALUE_KEY};

/// Checks one line (no line break inside).
pub fn check_object(b: &[u8]) -> Check {
    match syntax(b) {
        // The walk passes any byte 0x80 and above inside strings, where serde_json requires
        // UTF-8 (and outside strings they are errors already). Lines from a `&str` pass at once.
        Check::Object if std::str::from_utf8(b).is_err() => Check::Invalid,
        c => c,
    }
}

/// The syntax walk; strings may hold any bytes but `"`, `\\` and control characters.
fn syntax(b: &[u8]) -> Check {
    let mut i = skip_ws(b, 0);
    if b.get(i) != Some(&b'{') {
        return Check::Invalid;
    }
    // The container stack: true for an object, false for an array.
    let mut stack = [false; MAX_DEPTH + 1];
    let mut depth = 0usize;
    // What comes next: a value (after `:`, `,` in an array, `[`), or a key (after `{`, `,` in an
    // object), or what follows a value.
    #[derive(PartialEq)]
    enum Want {
        Value,
        FirstValue,
        Key,
        FirstKey,
        After,
    }
    let mut want = Want::Value;
    loop {
        i = skip_ws(b, i);
        let Some(&c) = b.get(i) else { return Check::Invalid };
        match want {
            Want::Value | Want::FirstValue => {
                if want == Want::FirstValue && c == b']' {
                    depth -= 1;
                    i += 1;
                    want = Want::After;
                } else {
                    match c {
                        b'{' | b'[' => {
                            if depth == MAX_DEPTH {
                                return Check::Unsure;
                            }
                            stack[depth] = c == b'{';
                            depth += 1;
                            i += 1;
                            want = if c == b'{' { Want::FirstKey } else { Want::FirstValue };
                            continue;
                        }
                        b'"' => match string(b, i + 1) {
                            Ok(end) => i = end,
                            Err(r) => return r,
                        },
                        b't' | b'f' | b'n' | b'-' | b'0'..=b'9' => {
                            let next = match c {
                                b't' => literal(b, i, b"true"),
                                b'f' => literal(b, i, b"false"),
                                b'n' => literal(b, i, b"null"),
                                _ => number(b, i),
                            };
                            match next {
                                Ok(end) => i = end,
                                Err(r) => return r,
                            }
                        }
                        _ => return Check::Invalid,
                    }
                    want = Want::After;
                }
            }
            Want::Key | Want::FirstKey => {
                if want == Want::FirstKey && c == b'}' {
                    depth -= 1;
                    i += 1;
                    want = Want::After;
                } else {
                    if c != b'"' {
                        return Check::Invalid;
                    }
                    if b.get(i + 1..i + 1 + RAW_VALUE_KEY.len()) == Some(RAW_VALUE_KEY) {
                        return Check::Unsure;
                    }
                    match string(b, i + 1) {
                        Ok(end) => i = skip_ws(b, end),
                        Err(r) => return r,
                    }
                    if b.get(i) != Some(&b':') {
                        return Check::Invalid;
                    }
                    i += 1;
                    want = Want::Value;
                    continue;
                }
            }
            Want::After => {
                if depth == 0 {
                    return if i == b.len() { Check::Object } else { Check::Invalid };
                }
                let in_object = stack[depth - 1];
                match (c, in_object) {
                    (b',', true) => want = Want::Key,
                    (b',', false) => want = Want::Value,
                    (b'}', true) | (b']', false) => depth -= 1,
                    _ => return Check::Invalid,
                }
                i += 1;
            }
        }
        if want == Want::After && depth == 0 {
            let end = skip_ws(b, i);
            return if end == b.len() { Check::Object } else { Check::Invalid };
        }
    }
}

#[inline]
fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while let Some(&c) = b.get(i) {
        if c == b' ' || c == b'\t' || c == b'\n' || c == b'\r' {
            i += 1;
        } else {
            break;
        }
    }
    i
}

#[inline]
pub(super) fn literal(b: &[u8], i: usize, word: &[u8]) -> Result<usize, Check> {
    // Byte by byte: a slice comparison would call memcmp for four or five bytes.
    match b.get(i..i + word.len()) {
        Some(got) if got.iter().zip(word).all(|(x, y)| x == y) => Ok(i + word.len()),
        _ => Err(Check::Invalid),
    }
}

/// Skips a string body starting after its opening quote; returns the index after the closing one.
#[inline(always)]
fn string(b: &[u8], mut i: usize) -> Result<usize, Check> {
    loop {
        // Sixteen bytes at a time with SSE2 (every x86_64 has it), then eight at a time, while
        // none is a quote, a backslash or a control character.
        #[cfg(target_arch = "x86_64")]
        {
            i = skip_plain_sse2(b, i);
        }
        while i + 8 <= b.len() {
            // Not `copy_from_slice`: at the WebAssembly build's opt-level "s" that stays a call
            // per eight bytes, which was a sixth of the whole wasm scan.
            let word: [u8; 8] = b[i..i + 8].try_into().expect("eight bytes");
            let special = special_mask(u64::from_le_bytes(word));
            if special != 0 {
                // Jump straight to the first special byte.
                i += (special.trailing_zeros() / 8) as usize;
                break;
            }
            i += 8;
        }
        let &c = b.get(i).ok_or(Check::Invalid)?;
        match c {
            b'"' => return Ok(i + 1),
            b'\\' => {
                match b.get(i + 1) {
                    Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => i += 2,
                    // serde_json checks hex digits and surrogate pairs: let it decide.
                    Some(b'u') => return Err(Check::Unsure),
                    _ => return Err(Check::Invalid),
                }
            }
            0x00..=0x1F => return Err(Check::Invalid),
            _ => i += 1,
        }
    }
}

/// The index of the first byte from `i` on that is `"`, `\\` or below 0x20, or the index where
/// fewer than 16 bytes remain.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn skip_plain_sse2(b: &[u8], mut i: usize) -> usize {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_max_epu8, _mm_movemask_epi8, _mm_or_si128,
        _mm_set1_epi8,
    };
    // SAFETY: SSE2 is part of the x86_64 baseline, so these intrinsics are always available; each
    // load reads the 16 bytes b[i..i + 16], which the loop condition keeps inside `b`.
    unsafe {
        let quote = _mm_set1_epi8(b'"' as i8);
        let backslash = _mm_set1_epi8(b'\\' as i8);
        let control_max = _mm_set1_epi8(0x1F);
        while i + 16 <= b.len() {
            let v = _mm_loadu_si128(b.as_ptr().add(i) as *const __m128i);
            // A byte is a control character when max(byte, 0x1F) is 0x1F (unsigned).
            let control = _mm_cmpeq_epi8(_mm_max_epu8(v, control_max), control_max);
            let special =
                _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)), control);
            let mask = _mm_movemask_epi8(special) as u32;
            if mask != 0 {
                return i + mask.trailing_zeros() as usize;
            }
            i += 16;
        }
    }
    i
}

/// A mask with the high bit set in each byte of `x` that is `"`, `\\` or below 0x20 (SWAR; exact
/// for the lowest such byte, which is all [`string`] uses).
#[inline(always)]
fn special_mask(x: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGHS;
    let quote = zero(x ^ (ONES * b'"' as u64));
    let backslash = zero(x ^ (ONES * b'\\' as u64));
    let control = x.wrapping_sub(ONES * 0x20) & !x & HIGHS;
    quote | backslash | control
}

/// Skips a number; `Unsure` for the ones serde_json range-checks.
#[inline]
pub(super) fn number(b: &[u8], mut i: usize) -> Result<usize, Check> {
    let start = i;
    if b[i] == b'-' {
        i += 1;
    }
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => {
            while matches!(b.get(i), Some(b'0'..=b'9')) {
                i += 1;
            }
        }
        _ => return Err(Check::Invalid),
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if !matches!(b.get(i), Some(b'0'..=b'9')) {
            return Err(Check::Invalid);
        }
        while matches!(b.get(i), Some(b'0'..=b'9')) {
            i += 1;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) || i - start >= 18 {
        return Err(Check::Unsure);
    }
    Ok(i)
}
