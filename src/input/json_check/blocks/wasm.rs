//! The block classifier for WebAssembly SIMD (`simd128`, fixed-width 128-bit vectors), compiled
//! in when the module is built with `-C target-feature=+simd128` (.cargo/config.toml). Engines
//! without it refuse the whole module at compile time; there is no run-time detection in wasm.

use super::{run, Check, Classes, Simd};
use core::arch::wasm32::*;

/// 16 bytes per compare, the same operations as x86's SSE2 classifier.
pub(super) struct Simd128;

impl Simd for Simd128 {
    #[inline(always)]
    unsafe fn classify(block: &[u8; 64]) -> Classes {
        let mut c = Classes::default();
        for k in 0..4 {
            // SAFETY: each load reads 16 of the block's 64 bytes (v128_load needs no alignment).
            let v = unsafe { v128_load(block.as_ptr().add(16 * k) as *const v128) };
            let eq = |x: u8| u8x16_eq(v, u8x16_splat(x));
            // `[` and `]` are `{` and `}` with bit 0x20 clear.
            let folded = v128_or(v, u8x16_splat(0x20));
            let fold_eq = |x: u8| u8x16_eq(folded, u8x16_splat(x));
            let structural = v128_or(v128_or(fold_eq(b'{'), fold_eq(b'}')), v128_or(eq(b':'), eq(b',')));
            let quote = eq(b'"');
            let whitespace = v128_or(v128_or(eq(b' '), eq(b'\t')), v128_or(eq(b'\n'), eq(b'\r')));
            let delimiter = v128_or(v128_or(structural, whitespace), quote);
            let control = u8x16_lt(v, u8x16_splat(0x20));
            let bits = |m: v128| u8x16_bitmask(m) as u64;
            c.or_shifted(
                [
                    bits(quote),
                    bits(eq(b'\\')),
                    bits(structural),
                    bits(delimiter),
                    bits(control),
                    bits(v),
                    bits(eq(b'$')),
                ],
                16 * k,
            );
        }
        c
    }
}

/// The check with WebAssembly SIMD.
pub(in super::super) fn check_simd128(b: &[u8]) -> Check {
    // SAFETY: the module is built with simd128 (this file is compiled only then), and an engine
    // without it does not instantiate the module.
    unsafe { run::<Simd128>(b) }
}
