/**
 * Deterministic CPU work: `work(seed, n)` applies one splitmix64 step `n` times to `seed` in
 * unsigned 64-bit arithmetic and returns the result as 16 lowercase hex digits, bit-identical in
 * every language of the cookbook.
 *
 * A JavaScript number is a double and holds integers exactly only up to 2^53, so the 64-bit state
 * cannot live in one number. BigInt would be correct (with `BigInt.asUintN(64, ...)` after every
 * operation), but each operation allocates a new BigInt and the loop runs about half as fast.
 * Here the state is kept as two unsigned 32-bit halves instead: additions carry by hand, shifts
 * move bits between the halves, and products use `Math.imul` (the low 32 bits of a 32x32
 * product) plus 16-bit partial products for the high 32 bits, which stay exact in a double.
 * Nothing is allocated inside the loop, which is what the benchmark measures.
 *
 * @module
 */

const TWO_POW_32 = 0x1_0000_0000;
const UINT64_END = 1n << 64n;

/** The high 32 bits of the 64-bit product of two unsigned 32-bit integers. */
function mulHigh32(a: number, b: number): number {
  const a0 = a & 0xffff;
  const a1 = a >>> 16;
  const b0 = b & 0xffff;
  const b1 = b >>> 16;
  // Every partial product is below 2^32 and every sum below 2^53: exact in a double.
  const low = a0 * b0;
  const cross1 = a1 * b0;
  const cross2 = a0 * b1;
  const carry = ((low >>> 16) + (cross1 & 0xffff) + (cross2 & 0xffff)) >>> 16;
  return (a1 * b1 + (cross1 >>> 16) + (cross2 >>> 16) + carry) >>> 0;
}

function splitSeed(seed: bigint | number): [hi: number, lo: number] {
  if (typeof seed === "bigint") {
    if (seed < 0n || seed >= UINT64_END) {
      throw new RangeError(`seed must be an unsigned 64-bit integer, got ${String(seed)}`);
    }
    return [Number(seed >> 32n), Number(seed & 0xffff_ffffn)];
  }
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new RangeError(`seed must be an integer from 0 to 2^53 - 1, got ${String(seed)}`);
  }
  return [Math.floor(seed / TWO_POW_32), seed % TWO_POW_32];
}

function hex32(x: number): string {
  return x.toString(16).padStart(8, "0");
}

/** Applies `n` splitmix64 steps to `seed`; returns the result as 16 lowercase hex digits. */
export function work(seed: bigint | number, n: number): string {
  const [hi, lo] = steps(seed, n);
  return hex32(hi) + hex32(lo);
}

/**
 * `work(seed, n)` as a BigInt, for a caller that computes with the 64-bit value rather than
 * writing it out (retry's jitter draws): the same steps, without a round trip through hex.
 */
export function workBigInt(seed: bigint | number, n: number): bigint {
  const [hi, lo] = steps(seed, n);
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** The `n` steps, on the two unsigned 32-bit halves of the state. */
function steps(seed: bigint | number, n: number): [hi: number, lo: number] {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new RangeError(`n must be a non-negative integer, got ${String(n)}`);
  }
  let [hi, lo] = splitSeed(seed);
  for (let i = 0; i < n; i++) {
    // z = x + 0x9E3779B97F4A7C15
    let sum = lo + 0x7f4a7c15;
    hi = (hi + 0x9e3779b9 + (sum >= TWO_POW_32 ? 1 : 0)) >>> 0;
    lo = sum >>> 0;

    // z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
    lo = (lo ^ ((lo >>> 30) | (hi << 2))) >>> 0;
    hi = (hi ^ (hi >>> 30)) >>> 0;
    sum = mulHigh32(lo, 0x1ce4e5b9) + Math.imul(hi, 0x1ce4e5b9) + Math.imul(lo, 0xbf58476d);
    hi = sum >>> 0;
    lo = Math.imul(lo, 0x1ce4e5b9) >>> 0;

    // z = (z ^ (z >> 27)) * 0x94D049BB133111EB
    lo = (lo ^ ((lo >>> 27) | (hi << 5))) >>> 0;
    hi = (hi ^ (hi >>> 27)) >>> 0;
    sum = mulHigh32(lo, 0x133111eb) + Math.imul(hi, 0x133111eb) + Math.imul(lo, 0x94d049bb);
    hi = sum >>> 0;
    lo = Math.imul(lo, 0x133111eb) >>> 0;

    // z ^ (z >> 31)
    lo = (lo ^ ((lo >>> 31) | (hi << 1))) >>> 0;
    hi = (hi ^ (hi >>> 31)) >>> 0;
  }
  return [hi, lo];
}
