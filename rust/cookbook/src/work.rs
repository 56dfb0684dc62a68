//! The deterministic work a job does: `n` splitmix64 steps from a seed.
//!
//! Every language computes the same bits, so results can be compared across languages, and the
//! loop has a serial data dependency, so the compiler cannot shorten it: `n` is a real CPU cost.

/// One splitmix64 step. Wrapping arithmetic is the algorithm, not an accident: the constants are
/// chosen for arithmetic modulo 2^64.
pub const fn step(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Applies [`step`] `n` times to `seed`; `work(seed, 0) == seed`.
pub const fn work(seed: u64, n: u64) -> u64 {
    let mut x = seed;
    let mut i = 0;
    while i < n {
        x = step(x);
        i += 1;
    }
    x
}

/// A 64-bit value as it crosses the language boundary: 16 lowercase hex digits, because a JSON
/// number cannot carry 64 bits in every language.
pub fn hex(value: u64) -> String {
    format!("{value:016x}")
}
