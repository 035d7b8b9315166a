/**
 * Deterministic randomness. The domain never asks the platform for entropy: every random choice
 * is drawn from a generator seeded by a recorded seed, usually derived from the engine's seed and
 * the identity of the decision (`deriveSeed(engineSeed, 'group', queueKey, groupNo)`), so that a
 * replay or an auditor can re-derive every draw. Everything here is 32-bit integer arithmetic
 * with explicit byte order, so results are identical on every platform and Node version.
 */
import { assert, reject } from './errors.ts';

/** An unsigned 32-bit integer. */
export type Seed = number;

const TWO_POW_32 = 4_294_967_296;

export function isSeed(x: unknown): x is Seed {
  return typeof x === 'number' && Number.isInteger(x) && x >= 0 && x < TWO_POW_32;
}

/** Validates a seed coming from outside the domain and returns it. */
export function checkSeed(x: unknown, field: string): Seed {
  if (!isSeed(x)) {
    reject('INVALID_SEED', `${field} must be an unsigned 32-bit integer`, { field, value: x });
  }
  return x + 0;
}

/** The murmur3 finaliser: a bijection on 32-bit integers with full avalanche. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** One murmur3_32 block step: absorbs the 32-bit word `k` into the state `h`. */
function mixWord(h: number, k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

// Numbers are hashed through their IEEE-754 bits read in an explicit byte order, which makes the
// encoding exact for every number and independent of the platform's endianness. The view is
// shared so that hashing allocates nothing.
const scratch = new DataView(new ArrayBuffer(8));

const HASH_INIT = 0x3c6ef372;
const TAG_NUMBER = 0x6e756d00;
const TAG_STRING = 0x73747200;

/**
 * Derives a child seed from a parent seed and a path of parts, as a murmur3_32 hash over a
 * self-delimiting encoding of the parts: each part carries a type tag, and strings carry their
 * length, so ('ab', 'c'), ('a', 'bc'), ('1') and (1) all hash differently. Strings are hashed as
 * UTF-16 code units, which is how JavaScript defines them everywhere.
 */
export function deriveSeed(seed: Seed, ...parts: (number | string)[]): Seed {
  assert(isSeed(seed), 'deriveSeed: seed must be an unsigned 32-bit integer');
  // The seed is absorbed as data into a fixed initial state rather than used as the state itself,
  // so that seed 0 with no parts does not land on the finaliser's fixed point fmix32(0) = 0.
  let h = mixWord(HASH_INIT, seed | 0);
  let words = 1;
  for (let p = 0; p < parts.length; p++) {
    const part = parts[p];
    if (typeof part === 'number') {
      assert(Number.isFinite(part), 'deriveSeed: number parts must be finite');
      // Adding zero maps -0 to +0, so the two zeros, which compare equal, also hash equal.
      scratch.setFloat64(0, part + 0, true);
      h = mixWord(h, TAG_NUMBER);
      h = mixWord(h, scratch.getUint32(0, true));
      h = mixWord(h, scratch.getUint32(4, true));
      words += 3;
    } else {
      assert(typeof part === 'string', 'deriveSeed: parts must be numbers or strings');
      const len = part.length;
      h = mixWord(h, TAG_STRING);
      h = mixWord(h, len);
      let i = 0;
      for (; i + 1 < len; i += 2) h = mixWord(h, part.charCodeAt(i) | (part.charCodeAt(i + 1) << 16));
      if (i < len) h = mixWord(h, part.charCodeAt(i));
      words += 2 + ((len + 1) >>> 1);
    }
  }
  return fmix32(h ^ Math.imul(words, 4));
}

/**
 * A small fast generator: sfc32 (Chris Doty-Humphrey's Small Fast Counting generator), which
 * passes PractRand and BigCrush and has a guaranteed minimum period of 2^32 thanks to its counter.
 * The 32-bit seed goes into the counter word next to fixed constants, and the first outputs are
 * discarded so that nearby seeds have decorrelated streams from the first draw.
 */
export class Prng {
  private a = 0;
  private b = 0;
  private c = 0;
  private d = 0;

  constructor(seed: Seed) {
    this.reset(seed);
  }

  /** Restarts the generator as if it had just been constructed with `seed`, without allocating. */
  reset(seed: Seed): void {
    assert(isSeed(seed), 'Prng: seed must be an unsigned 32-bit integer');
    this.a = 0x9e3779b9 | 0;
    this.b = 0x243f6a88 | 0;
    this.c = 0xb7e15162 | 0;
    this.d = seed | 0;
    for (let i = 0; i < 15; i++) this.nextUint32();
  }

  /** A uniformly distributed integer in [0, 2^32). */
  nextUint32(): number {
    const a = this.a;
    const b = this.b;
    const c = this.c;
    const d = this.d;
    const t = (((a + b) | 0) + d) | 0;
    this.d = (d + 1) | 0;
    this.a = b ^ (b >>> 9);
    this.b = (c + (c << 3)) | 0;
    this.c = (((c << 21) | (c >>> 11)) + t) | 0;
    return t >>> 0;
  }

  /**
   * A uniformly distributed integer in [0, n) for 1 ≤ n ≤ 2^32. Taking `x % n` alone would favour
   * small results whenever n does not divide 2^32, so the lowest (2^32 mod n) raw values are
   * rejected: what remains is an exact multiple of n. At most half the draws are rejected in the
   * worst case, and for the small n typical here almost none are.
   */
  intBelow(n: number): number {
    assert(Number.isInteger(n) && n >= 1 && n <= TWO_POW_32, 'Prng.intBelow: n must be an integer in [1, 2^32]');
    const threshold = TWO_POW_32 % n;
    for (;;) {
      const x = this.nextUint32();
      if (x >= threshold) return x % n;
    }
  }

  /** A uniformly distributed integer in [min, max], where the range holds at most 2^32 values. */
  intInRange(min: number, max: number): number {
    assert(
      Number.isSafeInteger(min) && Number.isSafeInteger(max) && min <= max && max - min < TWO_POW_32,
      'Prng.intInRange: min and max must be safe integers with min <= max and at most 2^32 values between',
    );
    return min + this.intBelow(max - min + 1);
  }
}

// chooseK reuses one generator and one map, which is safe because the domain is synchronous and
// chooseK does not call out while it holds them.
const chooseRng = new Prng(0);
const chooseSwaps = new Map<number, number>();

/**
 * k distinct indices drawn uniformly from [0, n), in ascending order, as a pure function of the
 * seed. It runs the first k steps of a Fisher–Yates shuffle of 0..n-1. When k is small relative to
 * n the shuffled array is kept virtual (only displaced slots are stored in a map), so the cost is
 * O(k log k) whatever n is; otherwise a dense array is cheaper. Both representations perform the
 * identical shuffle, so the result does not depend on which one was used.
 */
export function chooseK(seed: Seed, n: number, k: number): number[] {
  assert(Number.isInteger(n) && n >= 0 && n <= TWO_POW_32, 'chooseK: n must be an integer in [0, 2^32]');
  assert(Number.isInteger(k) && k >= 0 && k <= n, 'chooseK: k must be an integer in [0, n]');
  const rng = chooseRng;
  rng.reset(seed);
  const out = new Array<number>(k);
  if (n <= 4 * k) {
    const slots = new Float64Array(n);
    for (let i = 0; i < n; i++) slots[i] = i;
    for (let i = 0; i < k; i++) {
      const j = i + rng.intBelow(n - i);
      const picked = slots[j] as number;
      slots[j] = slots[i] as number;
      out[i] = picked;
    }
  } else {
    const swaps = chooseSwaps;
    try {
      for (let i = 0; i < k; i++) {
        const j = i + rng.intBelow(n - i);
        const picked = swaps.get(j) ?? j;
        swaps.set(j, swaps.get(i) ?? i);
        out[i] = picked;
      }
    } finally {
      swaps.clear();
    }
  }
  return out.sort(ascending);
}

function ascending(a: number, b: number): number {
  return a - b;
}
