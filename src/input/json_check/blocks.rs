//! The syntax check 64 bytes at a time (simdjson's two stages, for validation only).
//!
//! The scalar walk ([`super::walk`]) spends most of its time deciding what each byte is. Here
//! stage 1 classifies a whole 64-byte block into one bit per byte (quotes, backslashes,
//! structural characters, whitespace, control and non-ASCII bytes), works out which characters
//! are escaped and which bytes lie inside strings with a few integer operations on those masks,
//! and checks string contents and escapes for the whole block at once. Every number or literal is
//! checked where it starts. Stage 2 then visits only the tokens (structural characters, opening
//! quotes, the first byte of every number or literal) with a table-driven state machine: an ECS
//! event has one token per five or six bytes.
//!
//! The answers are the walk's, with [`Check::Unsure`] wherever serde_json needs more than
//! syntax; see the parent module. Why the lexing can be trusted even on broken input: the masks
//! are exact up to the first backslash outside a string, and such a backslash starts a run of
//! scalar bytes that fails its check, so nothing after it can turn an invalid line into `Object`;
//! and any line with such a backslash is invalid JSON, so an `Invalid` found past it is still
//! right. Likewise every check may answer in any order: each `Invalid` it gives is an error
//! serde_json meets too, wherever it stops first.
//!
//! Everything here but the classification of a block is architecture-neutral: one driver
//! ([`run`]), generic over a [`Simd`] classifier: `x86::Sse2` (the x86_64 baseline), `x86::Avx2`
//! (with carry-less multiplication, detected at run time), `wasm::Simd128` (WebAssembly SIMD,
//! when the module is built with `+simd128`) and, in the tests, `Portable` (eight bytes at a time
//! in a `u64`). They give the same masks, so every ISA gives the same answers: the tests hold
//! each classifier to a byte-by-byte reference and every variant's answer to the portable one's.

use super::walk::{literal, number};
use super::{Check, MAX_DEPTH, RAW_VALUE_KEY};

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub(super) mod wasm;
#[cfg(target_arch = "x86_64")]
pub(super) mod x86;

/// The per-byte classes of one 64-byte block, bit `i` for byte `i`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Classes {
    quote: u64,
    backslash: u64,
    /// `{ } [ ] : ,`; a classifier may also set it for 0x0C and 0x1A (`,` and `:` less 0x20),
    /// control characters that are rejected inside strings and, as tokens, by every state (see
    /// [`NEXT`]).
    structural: u64,
    /// Bytes that end a number or literal: structural, whitespace (space, tab, line feed,
    /// carriage return) or a quote.
    delimiter: u64,
    /// below 0x20
    control: u64,
    /// 0x80 and above
    non_ascii: u64,
    /// `$`, which starts serde_json's RawValue key
    dollar: u64,
}

#[cfg(any(target_arch = "x86_64", test))]
impl Classes {
    /// Adds the masks of a part of the block (in the order of the fields) that starts at byte
    /// `shift`.
    #[inline(always)]
    fn or_shifted(&mut self, part: [u64; 7], shift: usize) {
        let [q, bs, st, dm, ct, hi, dl] = part;
        self.quote |= q << shift;
        self.backslash |= bs << shift;
        self.structural |= st << shift;
        self.delimiter |= dm << shift;
        self.control |= ct << shift;
        self.non_ascii |= hi << shift;
        self.dollar |= dl << shift;
    }
}

/// What one instruction set provides to the generic scanner.
trait Simd: Sized {
    /// What the classifier keeps for a whole line (made once per line, not per block).
    fn new() -> Self;

    /// Classifies the 64 bytes of `block`.
    ///
    /// # Safety
    /// The CPU must support the instruction set.
    unsafe fn classify(&self, block: &[u8; 64]) -> Classes;

    /// Bit `i` of the result is the xor of bits `0..=i` of `x`.
    ///
    /// # Safety
    /// The CPU must support the instruction set.
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

    /// The same masks, their origin hidden from the optimiser where that helps (see
    /// `x86::hide`).
    #[inline(always)]
    fn opaque(c: Classes) -> Classes {
        c
    }
}

/// Any target: each class eight bytes at a time in a `u64` (SWAR), one bit per byte gathered with
/// a multiplication. The scalar reference the SIMD classifiers are tested against, through the
/// same driver. Not the fall-back where none runs: the walk is faster (see the parent module).
#[cfg(test)]
pub(super) struct Portable;

#[cfg(test)]
impl Portable {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    const HIGHS: u64 = 0x8080_8080_8080_8080;

    /// The high bit of each byte of `x` that is `c` (exact: no borrow crosses bytes).
    #[inline(always)]
    fn eq(x: u64, c: u8) -> u64 {
        let y = x ^ (Self::ONES * c as u64);
        !(((y & Self::LOW7) + Self::LOW7) | y | Self::LOW7)
    }

    /// Bit `k` of the result is the high bit of byte `k` of `h` (all other bits clear).
    #[inline(always)]
    fn gather(h: u64) -> u64 {
        ((h >> 7).wrapping_mul(0x0102_0408_1020_4080)) >> 56
    }
}

#[cfg(test)]
impl Simd for Portable {
    #[inline(always)]
    fn new() -> Portable {
        Portable
    }

    #[inline(always)]
    unsafe fn classify(&self, block: &[u8; 64]) -> Classes {
        let mut c = Classes::default();
        for (k, word) in block.chunks_exact(8).enumerate() {
            let x = u64::from_le_bytes(word.try_into().expect("eight bytes"));
            let eq = |c: u8| Self::eq(x, c);
            // `[` and `]` are `{` and `}` with bit 0x20 clear.
            let folded = x | (Self::ONES * 0x20);
            let structural = Self::eq(folded, b'{') | Self::eq(folded, b'}') | eq(b':') | eq(b',');
            let quote = eq(b'"');
            let whitespace = eq(b' ') | eq(b'\t') | eq(b'\n') | eq(b'\r');
            // Below 0x20: neither the high bit nor a carry out of the low seven bits plus 0x60.
            let control = !(((x & Self::LOW7) + Self::ONES * 0x60) | x) & Self::HIGHS;
            let g = Self::gather;
            c.or_shifted(
                [
                    g(quote),
                    g(eq(b'\\')),
                    g(structural),
                    g(structural | whitespace | quote),
                    g(control),
                    g(x & Self::HIGHS),
                    g(eq(b'$')),
                ],
                8 * k,
            );
        }
        c
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

// Stage 2's states: what the next token may be. The container is part of the state, so that a
// closing bracket needs no stack look-up and a `,` knows what follows. A state is held as its
// number times 6, the shift of its field in a transition word (below).
/// Outside the top-level object, before or after it: `{` (which [`Parser::bracket`] refuses
/// after the first object has closed).
const TOP: u8 = 0;
/// Right after `{`: a key or `}`.
const OBJ_FIRST_KEY: u8 = 6;
/// After `,` in an object: a key.
const OBJ_KEY: u8 = 12;
/// After a key: `:`.
const COLON: u8 = 18;
/// After `:`: a value.
const OBJ_VALUE: u8 = 24;
/// Right after `[`: a value or `]`.
const ARR_FIRST_VALUE: u8 = 30;
/// After `,` in an array: a value.
const ARR_VALUE: u8 = 36;
/// After a value in an object: `,` or `}`.
const OBJ_AFTER: u8 = 42;
/// After a value in an array: `,` or `]`.
const ARR_AFTER: u8 = 48;
/// A syntax error was seen; it stays.
const ERROR: u8 = 54;
// Transitions that need the container stack, handled off the fast path.
/// Open an object.
const PUSH_OBJ: u8 = 60;
/// Open an array.
const PUSH_ARR: u8 = 61;
/// Close the innermost container (the state says it is the right kind).
const POP: u8 = 62;

/// The transitions by token byte: 6 bits per state, the next state of state `s` in bits
/// `s..s + 6`. A shift and a mask per token is a shorter dependency chain than a table load, and
/// tokens come every five bytes or so. A byte that is not structural or a quote is the first of a
/// number or literal (or of a stray run, which fails on its own check).
static NEXT: [u64; 256] = {
    let mut t = [error_row(); 256];
    set(&mut t, TOP, b'{', PUSH_OBJ);
    set(&mut t, OBJ_FIRST_KEY, b'"', COLON);
    set(&mut t, OBJ_FIRST_KEY, b'}', POP);
    set(&mut t, OBJ_KEY, b'"', COLON);
    set(&mut t, COLON, b':', OBJ_VALUE);
    let mut k = 0;
    while k < 3 {
        let (state, after) =
            [(OBJ_VALUE, OBJ_AFTER), (ARR_FIRST_VALUE, ARR_AFTER), (ARR_VALUE, ARR_AFTER)][k];
        set(&mut t, state, b'{', PUSH_OBJ);
        set(&mut t, state, b'[', PUSH_ARR);
        set(&mut t, state, b'"', after);
        let mut byte = 0;
        while byte < 256 {
            if !matches!(byte as u8, b'{' | b'}' | b'[' | b']' | b':' | b',' | b'"') {
                set(&mut t, state, byte as u8, after);
            }
            byte += 1;
        }
        k += 1;
    }
    set(&mut t, ARR_FIRST_VALUE, b']', POP);
    set(&mut t, OBJ_AFTER, b',', OBJ_KEY);
    set(&mut t, OBJ_AFTER, b'}', POP);
    set(&mut t, ARR_AFTER, b',', ARR_VALUE);
    set(&mut t, ARR_AFTER, b']', POP);
    // A control character is never a token of valid JSON (a classifier may mark two structural,
    // see Classes::structural).
    let mut byte = 0;
    while byte < 0x20 {
        t[byte] = error_row();
        byte += 1;
    }
    t
};

/// The transitions of a byte that is an error in every state.
const fn error_row() -> u64 {
    let mut row = 0u64;
    let mut state = TOP;
    while state <= ERROR {
        row |= (ERROR as u64) << state;
        state += 6;
    }
    row
}

const fn set(t: &mut [u64; 256], state: u8, byte: u8, next: u8) {
    let shift = state as u32;
    let row = &mut t[byte as usize];
    *row = (*row & !(0x3F << shift)) | ((next as u64) << shift);
}

/// Stage 2: the token state machine.
struct Parser {
    state: u8,
    /// The open containers, one bit each (1 for an object), innermost in bit 0.
    stack: u128,
    depth: usize,
    /// Whether the top-level object has closed.
    closed: bool,
}

impl Parser {
    /// Feeds the tokens at the set bits of `tokens`; `block` holds their bytes.
    #[inline(always)]
    fn tokens(&mut self, mut tokens: u64, block: &[u8; 64]) -> Result<(), Check> {
        let mut state = self.state as u32;
        while tokens != 0 {
            let row = NEXT[block[tokens.trailing_zeros() as usize] as usize];
            let next = (row >> state) as u32 & 0x3F;
            state = if next < PUSH_OBJ as u32 { next } else { self.bracket(next as u8)? as u32 };
            tokens &= tokens - 1;
        }
        self.state = state as u8;
        if self.state == ERROR {
            return Err(Check::Invalid);
        }
        Ok(())
    }

    /// Opens or closes a container; returns the state after it.
    ///
    /// Inlined: a call out of the AVX2 code costs a `vzeroupper` and reloading the vector
    /// constants, on one token in ten.
    #[inline(always)]
    fn bracket(&mut self, action: u8) -> Result<u8, Check> {
        if action == POP {
            self.stack >>= 1;
            self.depth -= 1;
            return Ok(if self.depth == 0 {
                self.closed = true;
                TOP
            } else if self.stack & 1 == 1 {
                OBJ_AFTER
            } else {
                ARR_AFTER
            });
        }
        if self.closed {
            // A second top-level value.
            return Err(Check::Invalid);
        }
        if self.depth >= MAX_DEPTH {
            return Err(Check::Unsure);
        }
        let object = action == PUSH_OBJ;
        self.stack = (self.stack << 1) | object as u128;
        self.depth += 1;
        Ok(if object { OBJ_FIRST_KEY } else { ARR_FIRST_VALUE })
    }
}

/// Checks the number or literal starting at `b[i]` (the first byte of a run of bytes that are not
/// whitespace, structural, quotes or inside strings): it must be valid and fill the run.
#[inline(always)]
fn scalar(b: &[u8], i: usize) -> Result<(), Check> {
    let end = match b[i] {
        b't' => literal(b, i, b"true"),
        b'f' => literal(b, i, b"false"),
        b'n' => literal(b, i, b"null"),
        b'-' | b'0'..=b'9' => number(b, i),
        _ => Err(Check::Invalid),
    }?;
    match b.get(end) {
        None | Some(b' ' | b'\t' | b'\n' | b'\r' | b',' | b'}' | b']' | b':' | b'[' | b'{' | b'"') => Ok(()),
        Some(_) => Err(Check::Invalid),
    }
}

/// The state carried from one block to the next.
struct Scanner {
    escapes: Escapes,
    /// All ones when the next block starts inside a string.
    in_string: u64,
    /// 1 when the last byte of the previous block was part of a number or literal.
    prev_scalar: u64,
    /// 1 when the last byte of the previous block opened a string.
    prev_open: u64,
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
            prev_open: 0,
            non_ascii: 0,
            parser: Parser { state: TOP, stack: 0, depth: 0, closed: false },
        }
    }

    /// Stage 1 for one block: `block` is the 64 bytes at `b[offset..]`, padded with spaces past
    /// the end of `b`. Returns the block's tokens for stage 2, one bit each.
    ///
    /// # Safety
    /// The CPU must support `S`'s instruction set.
    #[inline(always)]
    unsafe fn block<S: Simd>(
        &mut self,
        simd: &S,
        b: &[u8],
        offset: usize,
        block: &[u8; 64],
    ) -> Result<u64, Check> {
        // SAFETY: the caller guarantees the instruction set.
        let c = unsafe { S::opaque(simd.classify(block)) };
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

        // A string that may spell serde_json's RawValue key (as a key or not: rare either way).
        let open = quote & in_string;
        let mut dollar = c.dollar & ((open << 1) | self.prev_open);
        self.prev_open = open >> 63;
        while dollar != 0 {
            let at = offset + dollar.trailing_zeros() as usize;
            if b.get(at..at + RAW_VALUE_KEY.len()) == Some(RAW_VALUE_KEY) {
                return Err(Check::Unsure);
            }
            dollar &= dollar - 1;
        }

        // Outside strings every byte is whitespace, structural, a quote or part of a scalar (a
        // number or literal, or a stray byte that fails as one).
        let structural = c.structural & !in_string;
        let scalar_bytes = !(in_string | c.delimiter);
        let scalar_start = scalar_bytes & !((scalar_bytes << 1) | self.prev_scalar);
        self.prev_scalar = scalar_bytes >> 63;
        let mut starts = scalar_start;
        while starts != 0 {
            scalar(b, offset + starts.trailing_zeros() as usize)?;
            starts &= starts - 1;
        }
        Ok(structural | open | scalar_start)
    }

    fn finish(&self, b: &[u8]) -> Check {
        if self.in_string != 0 || self.parser.state != TOP || !self.parser.closed {
            return Check::Invalid;
        }
        // Outside strings a non-ASCII byte is a scalar that failed; inside, serde_json rejects
        // invalid UTF-8. The line is UTF-8 exactly when every string is.
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
    // SAFETY: the caller guarantees the instruction set.
    match unsafe { scan(&mut scanner, &S::new(), b) } {
        Ok(()) => scanner.finish(b),
        Err(c) => c,
    }
}

/// Both stages over `b`, stage 2 one block behind stage 1.
///
/// The token loop's exit is mispredicted on most blocks; with the next block's stage 1 placed
/// before it in program order, the CPU runs the two side by side instead of discarding the
/// stage 1 work it had started past the loop.
///
/// # Safety
/// The CPU must support `S`'s instruction set.
#[inline(always)]
unsafe fn scan<S: Simd>(scanner: &mut Scanner, simd: &S, b: &[u8]) -> Result<(), Check> {
    let mut padded = [b' '; 64];
    let mut chunks = b.chunks_exact(64);
    let mut offset = 0;
    let mut pending: Option<(u64, &[u8; 64])> = None;
    for chunk in &mut chunks {
        let block: &[u8; 64] = chunk.try_into().expect("64 bytes");
        // SAFETY: the caller guarantees the instruction set.
        let tokens = unsafe { scanner.block(simd, b, offset, block) }?;
        if let Some((tokens, block)) = pending {
            scanner.parser.tokens(tokens, block)?;
        }
        pending = Some((tokens, block));
        offset += 64;
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        padded[..rest.len()].copy_from_slice(rest);
        // SAFETY: as above.
        let tokens = unsafe { scanner.block(simd, b, offset, &padded) }?;
        if let Some((tokens, block)) = pending {
            scanner.parser.tokens(tokens, block)?;
        }
        pending = Some((tokens, &padded));
    }
    if let Some((tokens, block)) = pending {
        scanner.parser.tokens(tokens, block)?;
    }
    Ok(())
}

/// The check with the portable classifier.
#[cfg(test)]
pub(super) fn check_portable(b: &[u8]) -> Check {
    // SAFETY: plain integer code.
    unsafe { run::<Portable>(b) }
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
            // SAFETY: plain integer code.
            prop_assert_eq!(unsafe { Portable::prefix_xor(x) }, want);
            #[cfg(target_arch = "x86_64")]
            if x86::has_avx2() {
                // SAFETY: PCLMULQDQ is checked just above.
                prop_assert_eq!(unsafe { x86_tests::clmul_prefix_xor(x) }, want);
            }
        }
    }

    fn byte() -> impl Strategy<Value = u8> {
        prop_oneof![any::<u8>(), proptest::sample::select(&b"{}[]:,\" \t\r\n\\$\x0c\x1a\x7b\x5b"[..])]
    }

    /// A classifier by name, with whether it may mark 0x0C and 0x1A structural (see
    /// [`Classes::structural`]).
    type Classifier = (&'static str, bool, fn(&[u8; 64]) -> Classes);

    /// Every classifier this CPU runs.
    fn classifiers() -> Vec<Classifier> {
        // SAFETY: plain integer code.
        let mut out: Vec<Classifier> = vec![("portable", false, |b| unsafe { Portable.classify(b) })];
        #[cfg(target_arch = "x86_64")]
        {
            // SAFETY: SSE2 is in the x86_64 baseline.
            out.push(("sse2", false, |b| unsafe { x86::Sse2.classify(b) }));
            if x86::has_avx2() {
                // SAFETY: checked just above.
                out.push(("avx2", true, |b| unsafe { x86_tests::classify_avx2(b) }));
            }
        }
        out
    }

    proptest! {
        #[test]
        fn the_classifiers_agree(block in proptest::collection::vec(byte(), 64)) {
            let block: [u8; 64] = block.try_into().unwrap();
            let bit = |f: fn(u8) -> bool| (0..64).filter(|&i| f(block[i])).fold(0u64, |m, i| m | 1 << i);
            let want = Classes {
                quote: bit(|c| c == b'"'),
                backslash: bit(|c| c == b'\\'),
                structural: bit(|c| b"{}[]:,".contains(&c)),
                delimiter: bit(|c| b"{}[]:,\" \t\n\r".contains(&c)),
                control: bit(|c| c < 0x20),
                non_ascii: bit(|c| c >= 0x80),
                dollar: bit(|c| c == b'$'),
            };
            let extra = bit(|c| c == 0x0C || c == 0x1A);
            for (name, loose, classify) in classifiers() {
                let got = classify(&block);
                let want = if loose {
                    Classes { structural: want.structural | extra, delimiter: want.delimiter | extra, ..want }
                } else {
                    want
                };
                prop_assert_eq!(got, want, "{}", name);
            }
        }
    }

    /// The AVX2 code, compiled with its features.
    #[cfg(target_arch = "x86_64")]
    mod x86_tests {
        use super::super::{x86::Avx2, Classes, Simd};

        #[target_feature(enable = "avx2")]
        pub(super) unsafe fn classify_avx2(block: &[u8; 64]) -> Classes {
            // SAFETY: the caller checked the features.
            unsafe { Avx2.classify(block) }
        }

        #[target_feature(enable = "avx2,pclmulqdq")]
        pub(super) unsafe fn clmul_prefix_xor(x: u64) -> u64 {
            // SAFETY: the caller checked the features.
            unsafe { Avx2::prefix_xor(x) }
        }
    }
}
