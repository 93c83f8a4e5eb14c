//! The block classifier for WebAssembly SIMD (`simd128`, fixed-width 128-bit vectors), compiled
//! in when the module is built with `-C target-feature=+simd128` (.cargo/config.toml). Engines
//! without it refuse the whole module at compile time; there is no run-time detection in wasm.

use super::{run, Check, Classes, Simd};
use core::arch::wasm32::*;

/// 16 bytes per vector. Whitespace and structural characters are found as on AVX2, by table
/// look-ups on the low nibble (`i8x16.swizzle`), the rest by compares.
///
/// Written for V8's code generator (Node 20), which does not hoist or unroll: the vector
/// constants are loaded once per line and kept here (as `v128.const` in the block loop, each use
/// built the constant from two 64-bit immediates), and a block is classified class by class over
/// its four vectors, each mask gathered with constant shifts (a loop over the vectors held seven
/// masks across iterations, spilled to the stack, with a variable shift and an interrupt check
/// per vector). Without these the scanner was no faster than the scalar walk.
pub(super) struct Simd128 {
    low_nibble: v128,
    whitespace_table: v128,
    structural_table: v128,
    bit_20: v128,
    control_max: v128,
    quote: v128,
    backslash: v128,
    dollar: v128,
}

const fn splat(x: u8) -> v128 {
    u8x16(x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x)
}

/// The constants of [`Simd128`], in its field order.
static CONSTANTS: [v128; 8] = [
    splat(0x0F),
    // A byte is whitespace when it equals its entry; the filler entries (100, 17, 113, 2, 112)
    // equal no byte with that low nibble.
    u8x16(b' ', 100, 100, 100, 17, 100, 113, 2, 100, b'\t', b'\n', 112, 100, b'\r', 100, 100),
    // A byte is structural when, with bit 0x20 set (`[ ]` are `{ }` without it), it equals its
    // entry. Also takes 0x0C and 0x1A (see Classes::structural).
    u8x16(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, b':', b'{', b',', b'}', 0, 0),
    splat(0x20),
    splat(0x1F),
    splat(b'"'),
    splat(b'\\'),
    splat(b'$'),
];

impl Simd for Simd128 {
    #[inline(always)]
    fn new() -> Simd128 {
        // SAFETY: reads of a static; volatile so that the loads stay loads (see the type's doc).
        let k = |i: usize| unsafe { core::ptr::read_volatile(&CONSTANTS[i]) };
        Simd128 {
            low_nibble: k(0),
            whitespace_table: k(1),
            structural_table: k(2),
            bit_20: k(3),
            control_max: k(4),
            quote: k(5),
            backslash: k(6),
            dollar: k(7),
        }
    }

    #[inline(always)]
    unsafe fn classify(&self, block: &[u8; 64]) -> Classes {
        // SAFETY: each load reads 16 of the block's 64 bytes (v128_load needs no alignment).
        let v = |k: usize| unsafe { v128_load(block.as_ptr().add(16 * k) as *const v128) };
        let v = [v(0), v(1), v(2), v(3)];
        let bits = |class: &dyn Fn(v128) -> v128| {
            let m = |k: usize| u8x16_bitmask(class(v[k])) as u64;
            m(0) | (m(1) << 16) | (m(2) << 32) | (m(3) << 48)
        };
        let quote = bits(&|x| u8x16_eq(x, self.quote));
        let structural = bits(&|x| {
            u8x16_eq(
                v128_or(x, self.bit_20),
                u8x16_swizzle(self.structural_table, v128_and(x, self.low_nibble)),
            )
        });
        let whitespace =
            bits(&|x| u8x16_eq(x, u8x16_swizzle(self.whitespace_table, v128_and(x, self.low_nibble))));
        Classes {
            quote,
            backslash: bits(&|x| u8x16_eq(x, self.backslash)),
            structural,
            delimiter: structural | whitespace | quote,
            // min(byte, 0x1F) is the byte (unsigned): two instructions fewer than `u8x16_lt` in V8.
            control: bits(&|x| u8x16_eq(u8x16_min(x, self.control_max), x)),
            non_ascii: bits(&|x| x),
            dollar: bits(&|x| u8x16_eq(x, self.dollar)),
        }
    }
}

/// The check with WebAssembly SIMD.
pub(in super::super) fn check_simd128(b: &[u8]) -> Check {
    // SAFETY: the module is built with simd128 (this file is compiled only then), and an engine
    // without it does not instantiate the module.
    unsafe { run::<Simd128>(b) }
}
