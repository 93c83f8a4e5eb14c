//! The syntax check on x86_64, 64 bytes at a time (simdjson's two stages, for validation only).
//!
//! The scalar walk ([`super::walk`]) spends most of its time deciding what each byte is. Here
//! stage 1 classifies a whole 64-byte block with SIMD compares into one bit per byte (quotes,
//! backslashes, structural characters, whitespace, control and non-ASCII bytes), works out which
//! characters are escaped and which bytes lie inside strings with a few integer operations on
//! those masks, and checks string contents for the whole block at once. Stage 2 then visits only
//! the tokens (structural characters, opening quotes, the first byte of every number or literal)
//! with a small state machine: an ECS event has one token per five to ten bytes.
//!
//! The answers are the walk's, with [`Check::Unsure`] wherever serde_json needs more than
//! syntax; see the parent module. Why the lexing can be trusted even on broken input: the masks are
//! exact up to the first backslash outside a string, and such a backslash is a scalar token that
//! stage 2 rejects, so nothing after it can turn an invalid line into `Object`; and any line with
//! such a backslash is invalid JSON, so an `Invalid` from stage 1 past it is still right.
//!
//! Two instantiations of the same generic code: AVX2 with carry-less multiplication (detected at
//! run time) and SSE2 (the x86_64 baseline).

use super::walk::{literal, number};
use super::{Check, MAX_DEPTH, RAW_VALUE_KEY};
use std::arch::x86_64::*;

/// The per-byte classes of one 64-byte block, bit `i` for byte `i`.
#[derive(Clone, Copy)]
struct Classes {
    quote: u64,
    backslash: u64,
    /// `{ } [ ] : ,`
    structural: u64,
    /// Bytes that end a number or literal: structural, whitespace (space, tab, line feed,
    /// carriage return) or a quote.
    delimiter: u64,
    /// below 0x20
    control: u64,
    /// 0x80 and above
    non_ascii: u64,
}

impl Classes {
    /// The same masks, their origin hidden from the optimiser.
    ///
    /// LLVM sees each mask is a `pmovmskb` and turns the bit operations on several of them back
    /// into 64-lane byte-vector operations, which it lowers byte by byte with `pextrb`/`pinsrb`:
    /// that made the scanner slower than the scalar walk. An empty `asm!` block stops it.
    #[inline(always)]
    fn opaque(self) -> Classes {
        #[inline(always)]
        fn hide(mut x: u64) -> u64 {
            // SAFETY: the assembly is empty: it only claims to read and write `x`'s register.
            unsafe {
                std::arch::asm!("/* {0} */", inout(reg) x, options(pure, nomem, nostack, preserves_flags))
            };
            x
        }
        Classes {
            quote: hide(self.quote),
            backslash: hide(self.backslash),
            structural: hide(self.structural),
            delimiter: hide(self.delimiter),
            control: hide(self.control),
            non_ascii: hide(self.non_ascii),
        }
    }
}

/// What one instruction set provides to the generic scanner.
trait Simd {
    /// Classifies the 64 bytes at `p`.
    ///
    /// # Safety
    /// `p` must be valid for reading 64 bytes, and the CPU must support the instruction set.
    unsafe fn classify(p: *const u8) -> Classes;

    /// Bit `i` of the result is the xor of bits `0..=i` of `x`.
    ///
    /// # Safety
    /// The CPU must support the instruction set.
    unsafe fn prefix_xor(x: u64) -> u64;
}

/// SSE2: 16 bytes per compare; every x86_64 CPU has it.
struct Sse2;

impl Simd for Sse2 {
    #[inline(always)]
    unsafe fn classify(p: *const u8) -> Classes {
        let mut c = Classes { quote: 0, backslash: 0, structural: 0, delimiter: 0, control: 0, non_ascii: 0 };
        for k in 0..4 {
            // SAFETY: the caller guarantees 64 readable bytes at `p`, and SSE2 is in the x86_64
            // baseline.
            let (q, bs, st, ws, ct, hi) = unsafe {
                let v = _mm_loadu_si128(p.add(16 * k) as *const __m128i);
                let eq = |x: u8| _mm_cmpeq_epi8(v, _mm_set1_epi8(x as i8));
                // `[` and `]` are `{` and `}` with bit 0x20 clear.
                let folded = _mm_or_si128(v, _mm_set1_epi8(0x20));
                let fold_eq = |x: u8| _mm_cmpeq_epi8(folded, _mm_set1_epi8(x as i8));
                let structural = _mm_or_si128(
                    _mm_or_si128(fold_eq(b'{'), fold_eq(b'}')),
                    _mm_or_si128(eq(b':'), eq(b',')),
                );
                let quote = eq(b'"');
                let whitespace =
                    _mm_or_si128(_mm_or_si128(eq(b' '), eq(b'\t')), _mm_or_si128(eq(b'\n'), eq(b'\r')));
                let delimiter = _mm_or_si128(_mm_or_si128(structural, whitespace), quote);
                // A byte is a control character when max(byte, 0x1F) is 0x1F (unsigned).
                let control_max = _mm_set1_epi8(0x1F);
                let control = _mm_cmpeq_epi8(_mm_max_epu8(v, control_max), control_max);
                let bits = |m: __m128i| _mm_movemask_epi8(m) as u16 as u64;
                (bits(quote), bits(eq(b'\\')), bits(structural), bits(delimiter), bits(control), bits(v))
            };
            let shift = 16 * k;
            c.quote |= q << shift;
            c.backslash |= bs << shift;
            c.structural |= st << shift;
            c.delimiter |= ws << shift;
            c.control |= ct << shift;
            c.non_ascii |= hi << shift;
        }
        c.opaque()
    }

    #[inline(always)]
    unsafe fn prefix_xor(mut x: u64) -> u64 {
        x ^= x << 1;
        x ^= x << 2;
        x ^= x << 4;
        x ^= x << 8;
        x ^= x << 16;
        x ^= x << 32;
        x
    }
}

/// AVX2 compares (32 bytes each) and PCLMULQDQ for the prefix xor.
struct Avx2;

impl Simd for Avx2 {
    #[inline(always)]
    unsafe fn classify(p: *const u8) -> Classes {
        let mut c = Classes { quote: 0, backslash: 0, structural: 0, delimiter: 0, control: 0, non_ascii: 0 };
        for k in 0..2 {
            // SAFETY: the caller guarantees 64 readable bytes at `p` and AVX2 support.
            let (q, bs, st, ws, ct, hi) = unsafe {
                let v = _mm256_loadu_si256(p.add(32 * k) as *const __m256i);
                let eq = |x: u8| _mm256_cmpeq_epi8(v, _mm256_set1_epi8(x as i8));
                let folded = _mm256_or_si256(v, _mm256_set1_epi8(0x20));
                let fold_eq = |x: u8| _mm256_cmpeq_epi8(folded, _mm256_set1_epi8(x as i8));
                let structural = _mm256_or_si256(
                    _mm256_or_si256(fold_eq(b'{'), fold_eq(b'}')),
                    _mm256_or_si256(eq(b':'), eq(b',')),
                );
                let quote = eq(b'"');
                let whitespace = _mm256_or_si256(
                    _mm256_or_si256(eq(b' '), eq(b'\t')),
                    _mm256_or_si256(eq(b'\n'), eq(b'\r')),
                );
                let delimiter = _mm256_or_si256(_mm256_or_si256(structural, whitespace), quote);
                let control_max = _mm256_set1_epi8(0x1F);
                let control = _mm256_cmpeq_epi8(_mm256_max_epu8(v, control_max), control_max);
                let bits = |m: __m256i| _mm256_movemask_epi8(m) as u32 as u64;
                (bits(quote), bits(eq(b'\\')), bits(structural), bits(delimiter), bits(control), bits(v))
            };
            let shift = 32 * k;
            c.quote |= q << shift;
            c.backslash |= bs << shift;
            c.structural |= st << shift;
            c.delimiter |= ws << shift;
            c.control |= ct << shift;
            c.non_ascii |= hi << shift;
        }
        c.opaque()
    }

    #[inline(always)]
    unsafe fn prefix_xor(x: u64) -> u64 {
        // SAFETY: the caller guarantees PCLMULQDQ support; a carry-less multiplication by all ones
        // is the prefix xor.
        unsafe {
            let product = _mm_clmulepi64_si128(_mm_set_epi64x(0, x as i64), _mm_set1_epi8(-1), 0);
            _mm_cvtsi128_si64(product) as u64
        }
    }
}

/// Which characters are escaped, carried from block to block (simdjson's escape scanner).
#[derive(Default)]
struct Escapes {
    /// 1 when the first byte of the next block is escaped by a backslash ending this one.
    next_is_escaped: u64,
}

impl Escapes {
    /// The mask of the characters a backslash escapes (the byte after each odd-numbered backslash
    /// of a run).
    #[inline(always)]
    fn next(&mut self, backslash: u64) -> u64 {
        const ODD_BITS: u64 = 0xAAAA_AAAA_AAAA_AAAA;
        if backslash == 0 {
            let escaped = self.next_is_escaped;
            self.next_is_escaped = 0;
            return escaped;
        }
        // A backslash escaped from the previous block starts nothing.
        let potential_escape = backslash & !self.next_is_escaped;
        // Runs that start on an even bit: subtracting carries through each run and leaves, with
        // the odd bits, a 1 at every escape and at every character escaped.
        let maybe_escaped = potential_escape << 1;
        let escape_and_terminal_code = ((maybe_escaped | ODD_BITS).wrapping_sub(potential_escape)) ^ ODD_BITS;
        let escaped = escape_and_terminal_code ^ (backslash | self.next_is_escaped);
        let escape = escape_and_terminal_code & backslash;
        self.next_is_escaped = escape >> 63;
        escaped
    }
}

/// What stage 2 expects next.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Want {
    /// The top-level `{`.
    Start,
    /// A value after `:` or `,` in an array.
    Value,
    /// A value or `]` right after `[`.
    FirstValue,
    /// A key after `,` in an object.
    Key,
    /// A key or `}` right after `{`.
    FirstKey,
    /// The `:` after a key.
    Colon,
    /// `,` or a closing bracket after a value.
    After,
}

/// Stage 2: the token state machine.
struct Parser {
    want: Want,
    /// The open containers, one bit each (1 for an object), innermost in bit 0.
    stack: u128,
    depth: usize,
}

impl Parser {
    #[inline(always)]
    fn open(&mut self, object: bool) -> Result<(), Check> {
        if self.depth >= MAX_DEPTH {
            return Err(Check::Unsure);
        }
        self.stack = (self.stack << 1) | object as u128;
        self.depth += 1;
        self.want = if object { Want::FirstKey } else { Want::FirstValue };
        Ok(())
    }

    #[inline(always)]
    fn close(&mut self) {
        self.stack >>= 1;
        self.depth -= 1;
        self.want = Want::After;
    }

    /// One token: the byte `c` at `b[i]`.
    #[inline(always)]
    fn token(&mut self, b: &[u8], i: usize, c: u8) -> Result<(), Check> {
        match self.want {
            Want::Value | Want::FirstValue => match c {
                b'"' => self.want = Want::After,
                b'{' => return self.open(true),
                b'[' => return self.open(false),
                b']' if self.want == Want::FirstValue => self.close(),
                b't' | b'f' | b'n' | b'-' | b'0'..=b'9' => {
                    let end = match c {
                        b't' => literal(b, i, b"true"),
                        b'f' => literal(b, i, b"false"),
                        b'n' => literal(b, i, b"null"),
                        _ => number(b, i),
                    }?;
                    // The scalar must end where its run of non-structural bytes ends.
                    match b.get(end) {
                        None
                        | Some(
                            b' ' | b'\t' | b'\n' | b'\r' | b',' | b'}' | b']' | b':' | b'[' | b'{' | b'"',
                        ) => {}
                        Some(_) => return Err(Check::Invalid),
                    }
                    self.want = Want::After;
                }
                _ => return Err(Check::Invalid),
            },
            Want::Key | Want::FirstKey => match c {
                b'"' => {
                    if b.get(i + 1) == Some(&b'$')
                        && b.get(i + 1..i + 1 + RAW_VALUE_KEY.len()) == Some(RAW_VALUE_KEY)
                    {
                        return Err(Check::Unsure);
                    }
                    self.want = Want::Colon;
                }
                b'}' if self.want == Want::FirstKey => self.close(),
                _ => return Err(Check::Invalid),
            },
            Want::Colon => {
                if c != b':' {
                    return Err(Check::Invalid);
                }
                self.want = Want::Value;
            }
            Want::After => {
                if self.depth == 0 {
                    return Err(Check::Invalid);
                }
                let in_object = self.stack & 1 == 1;
                match (c, in_object) {
                    (b',', true) => self.want = Want::Key,
                    (b',', false) => self.want = Want::Value,
                    (b'}', true) | (b']', false) => self.close(),
                    _ => return Err(Check::Invalid),
                }
            }
            Want::Start => {
                if c != b'{' {
                    return Err(Check::Invalid);
                }
                return self.open(true);
            }
        }
        Ok(())
    }
}

/// The state carried from one block to the next.
struct Scanner {
    escapes: Escapes,
    /// All ones when the next block starts inside a string.
    in_string: u64,
    /// 1 when the last byte of the previous block was part of a number or literal.
    prev_scalar: u64,
    /// Any byte 0x80 or above seen so far.
    non_ascii: u64,
    parser: Parser,
}

impl Scanner {
    fn new() -> Scanner {
        Scanner {
            escapes: Escapes::default(),
            in_string: 0,
            prev_scalar: 0,
            non_ascii: 0,
            parser: Parser { want: Want::Start, stack: 0, depth: 0 },
        }
    }

    /// One block: `block` is the 64 bytes at `b[offset..]`, padded with spaces past the end of `b`.
    #[inline(always)]
    fn block<S: Simd>(&mut self, b: &[u8], offset: usize, block: &[u8; 64]) -> Result<(), Check> {
        // SAFETY: `block` is 64 bytes; the caller of `run` guarantees the instruction set.
        let c = unsafe { S::classify(block.as_ptr()) };
        let escaped = self.escapes.next(c.backslash);
        let quote = c.quote & !escaped;
        // SAFETY: as above.
        let in_string = unsafe { S::prefix_xor(quote) } ^ self.in_string;
        self.in_string = ((in_string as i64) >> 63) as u64;

        // String contents: no control characters, only the escapes JSON has.
        if c.control & in_string != 0 {
            return Err(Check::Invalid);
        }
        let mut e = escaped;
        while e != 0 {
            match block[e.trailing_zeros() as usize] {
                b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => {}
                // serde_json checks hex digits and surrogate pairs: let it decide.
                b'u' => return Err(Check::Unsure),
                _ => return Err(Check::Invalid),
            }
            e &= e - 1;
        }
        self.non_ascii |= c.non_ascii;

        // Outside strings every byte is whitespace, structural, a quote or part of a scalar (a
        // number or literal, or a stray byte stage 2 rejects).
        let structural = c.structural & !in_string;
        let scalar = !(in_string | c.delimiter);
        let scalar_start = scalar & !((scalar << 1) | self.prev_scalar);
        self.prev_scalar = scalar >> 63;
        let mut tokens = structural | (quote & in_string) | scalar_start;
        while tokens != 0 {
            let at = tokens.trailing_zeros() as usize;
            self.parser.token(b, offset + at, block[at])?;
            tokens &= tokens - 1;
        }
        Ok(())
    }

    fn finish(&self, b: &[u8]) -> Check {
        if self.in_string != 0 || self.parser.want != Want::After || self.parser.depth != 0 {
            return Check::Invalid;
        }
        // Outside strings a non-ASCII byte is a scalar stage 2 rejected; inside, serde_json
        // rejects invalid UTF-8. The line is UTF-8 exactly when every string is.
        if self.non_ascii != 0 && std::str::from_utf8(b).is_err() {
            return Check::Invalid;
        }
        Check::Object
    }
}

/// The whole check with instruction set `S`.
///
/// # Safety
/// The CPU must support `S`'s instruction set.
#[inline(always)]
unsafe fn run<S: Simd>(b: &[u8]) -> Check {
    let mut scanner = Scanner::new();
    let mut chunks = b.chunks_exact(64);
    let mut offset = 0;
    for chunk in &mut chunks {
        let block: &[u8; 64] = chunk.try_into().expect("64 bytes");
        if let Err(c) = scanner.block::<S>(b, offset, block) {
            return c;
        }
        offset += 64;
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut block = [b' '; 64];
        block[..rest.len()].copy_from_slice(rest);
        if let Err(c) = scanner.block::<S>(b, offset, &block) {
            return c;
        }
    }
    scanner.finish(b)
}

/// The check with AVX2 and PCLMULQDQ.
///
/// # Safety
/// The CPU must support AVX2 and PCLMULQDQ.
#[target_feature(enable = "avx2,pclmulqdq")]
pub(super) unsafe fn check_avx2(b: &[u8]) -> Check {
    // SAFETY: the caller guarantees the features.
    unsafe { run::<Avx2>(b) }
}

/// The check with SSE2 only.
pub(super) fn check_sse2(b: &[u8]) -> Check {
    // SAFETY: SSE2 is in the x86_64 baseline.
    unsafe { run::<Sse2>(b) }
}

/// Whether [`check_avx2`] may run here.
pub(super) fn has_avx2() -> bool {
    std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("pclmulqdq")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The escaped characters of `bytes`, byte by byte.
    fn escaped_reference(bytes: &[u8]) -> Vec<bool> {
        let mut out = vec![false; bytes.len()];
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'\\' && i + 1 < bytes.len() {
                out[i + 1] = true;
                i += 2;
            } else {
                i += 1;
            }
        }
        out
    }

    proptest! {
        #[test]
        fn escape_scanner_matches_a_byte_walk(bits in proptest::collection::vec(any::<u64>(), 1..5), dense in 0u32..4) {
            // Dense backslash runs: and several random masks together.
            let bits: Vec<u64> = bits.iter().map(|&x| match dense {
                0 => x,
                1 => x | x.rotate_left(1),
                2 => x | x.rotate_left(1) | x.rotate_left(2) | x.rotate_left(3),
                _ => !x | x.rotate_left(7),
            }).collect();
            let bytes: Vec<u8> = (0..bits.len() * 64).map(|i| if bits[i / 64] >> (i % 64) & 1 == 1 { b'\\' } else { b'a' }).collect();
            let want = escaped_reference(&bytes);
            let mut scanner = Escapes::default();
            for (k, &mask) in bits.iter().enumerate() {
                let got = scanner.next(mask);
                for j in 0..64 {
                    prop_assert_eq!(got >> j & 1 == 1, want[k * 64 + j], "block {} bit {}", k, j);
                }
            }
        }

        #[test]
        fn prefix_xor_agrees(x in any::<u64>()) {
            let mut want = 0u64;
            let mut acc = 0;
            for i in 0..64 {
                acc ^= x >> i & 1;
                want |= acc << i;
            }
            // SAFETY: SSE2 is baseline; PCLMULQDQ is checked.
            unsafe {
                prop_assert_eq!(Sse2::prefix_xor(x), want);
                if has_avx2() {
                    prop_assert_eq!(clmul_prefix_xor(x), want);
                }
            }
        }
    }

    #[target_feature(enable = "avx2,pclmulqdq")]
    unsafe fn clmul_prefix_xor(x: u64) -> u64 {
        // SAFETY: the caller checked the features.
        unsafe { Avx2::prefix_xor(x) }
    }
}
