//! The block classifiers for x86_64: SSE2 (the baseline) and AVX2 with PCLMULQDQ (detected at run
//! time by the caller, [`has_avx2`]).

use super::{run, Check, Classes, Simd};
use std::arch::x86_64::*;

/// Hides a mask's origin from the optimiser.
///
/// LLVM sees each mask is a `pmovmskb` and turns the bit operations on several of them back into
/// 64-lane byte-vector operations, which it lowers byte by byte with `pextrb`/`pinsrb`: that made
/// the scanner slower than the scalar walk. An empty `asm!` block stops it.
#[inline(always)]
fn hide(mut x: u64) -> u64 {
    // SAFETY: the assembly is empty: it only claims to read and write `x`'s register.
    unsafe { std::arch::asm!("/* {0} */", inout(reg) x, options(pure, nomem, nostack, preserves_flags)) };
    x
}

#[inline(always)]
fn opaque(c: Classes) -> Classes {
    Classes {
        quote: hide(c.quote),
        backslash: hide(c.backslash),
        structural: hide(c.structural),
        delimiter: hide(c.delimiter),
        control: hide(c.control),
        non_ascii: hide(c.non_ascii),
        dollar: hide(c.dollar),
    }
}

/// SSE2: 16 bytes per compare; every x86_64 CPU has it.
pub(super) struct Sse2;

impl Simd for Sse2 {
    #[inline(always)]
    fn new() -> Sse2 {
        Sse2
    }

    #[inline(always)]
    unsafe fn classify(&self, block: &[u8; 64]) -> Classes {
        let mut c = Classes::default();
        for k in 0..4 {
            // SAFETY: each load reads 16 of the block's 64 bytes, and SSE2 is in the x86_64
            // baseline.
            let part = unsafe {
                let v = _mm_loadu_si128(block.as_ptr().add(16 * k) as *const __m128i);
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
                [
                    bits(quote),
                    bits(eq(b'\\')),
                    bits(structural),
                    bits(delimiter),
                    bits(control),
                    bits(v),
                    bits(eq(b'$')),
                ]
            };
            c.or_shifted(part, 16 * k);
        }
        c
    }

    #[inline(always)]
    fn opaque(c: Classes) -> Classes {
        opaque(c)
    }
}

/// AVX2 compares (32 bytes each) and PCLMULQDQ for the prefix xor.
pub(super) struct Avx2;

impl Simd for Avx2 {
    #[inline(always)]
    fn new() -> Avx2 {
        Avx2
    }

    #[inline(always)]
    unsafe fn classify(&self, block: &[u8; 64]) -> Classes {
        let mut c = Classes::default();
        for k in 0..2 {
            // SAFETY: each load reads 32 of the block's 64 bytes; the caller guarantees AVX2.
            let part = unsafe {
                let v = _mm256_loadu_si256(block.as_ptr().add(32 * k) as *const __m256i);
                let eq = |x: u8| _mm256_cmpeq_epi8(v, _mm256_set1_epi8(x as i8));
                // simdjson's table look-ups by low nibble (a byte with the high bit set looks up
                // 0). Whitespace is exact. `[ ]` are `{ }` with bit 0x20 clear; the structural
                // test also takes 0x0C and 0x1A (see Classes::structural).
                // The same 16 bytes in both lanes (vpshufb looks up within each 128-bit lane).
                let lanes = |t: [u8; 16]| _mm256_loadu_si256([t, t].as_ptr() as *const __m256i);
                let whitespace_table = lanes([
                    b' ', 100, 100, 100, 17, 100, 113, 2, 100, b'\t', b'\n', 112, 100, b'\r', 100, 100,
                ]);
                let structural_table = lanes([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, b':', b'{', b',', b'}', 0, 0]);
                let whitespace = _mm256_cmpeq_epi8(v, _mm256_shuffle_epi8(whitespace_table, v));
                let folded = _mm256_or_si256(v, _mm256_set1_epi8(0x20));
                let structural = _mm256_cmpeq_epi8(folded, _mm256_shuffle_epi8(structural_table, v));
                let quote = eq(b'"');
                let delimiter = _mm256_or_si256(_mm256_or_si256(structural, whitespace), quote);
                let control_max = _mm256_set1_epi8(0x1F);
                let control = _mm256_cmpeq_epi8(_mm256_max_epu8(v, control_max), control_max);
                let bits = |m: __m256i| _mm256_movemask_epi8(m) as u32 as u64;
                [
                    bits(quote),
                    bits(eq(b'\\')),
                    bits(structural),
                    bits(delimiter),
                    bits(control),
                    bits(v),
                    bits(eq(b'$')),
                ]
            };
            c.or_shifted(part, 32 * k);
        }
        c
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

    #[inline(always)]
    fn opaque(c: Classes) -> Classes {
        opaque(c)
    }
}

/// The check with AVX2 and PCLMULQDQ, and BMI1/BMI2 (every AVX2 CPU but a few early VIA ones
/// has them) for the token loop's bit operations (`blsr`, `shrx`).
///
/// # Safety
/// The CPU must support AVX2, PCLMULQDQ, BMI1 and BMI2 ([`has_avx2`]).
#[target_feature(enable = "avx2,pclmulqdq,bmi1,bmi2")]
pub(in super::super) unsafe fn check_avx2(b: &[u8]) -> Check {
    // SAFETY: the caller guarantees the features.
    unsafe { run::<Avx2>(b) }
}

/// The check with SSE2 only.
pub(in super::super) fn check_sse2(b: &[u8]) -> Check {
    // SAFETY: SSE2 is in the x86_64 baseline.
    unsafe { run::<Sse2>(b) }
}

/// Whether [`check_avx2`] may run here.
pub(in super::super) fn has_avx2() -> bool {
    std::is_x86_feature_detected!("avx2")
        && std::is_x86_feature_detected!("pclmulqdq")
        && std::is_x86_feature_detected!("bmi1")
        && std::is_x86_feature_detected!("bmi2")
}
