import { describe, expect, it } from 'vitest';
import { DomainError } from './errors.ts';
import {
  AMOUNT_MAX_FEN,
  BP_MAX,
  BP_ONE,
  allocate,
  applyBp,
  checkAmount,
  checkBp,
  isAmount,
  isBp,
  mulDivFloor,
} from './money.ts';
import { Prng } from './random.ts';

/** A uniform integer in [0, max] for max up to 2^53 - 1, built from two 32-bit draws. */
function uniformUpTo(rng: Prng, max: number): number {
  if (max < 0x1_0000_0000) return rng.intBelow(max + 1);
  // Draw the high bits from the smallest power-of-two range that covers max, so that rejection
  // discards fewer than half of the draws.
  const highRange = 2 ** Math.ceil(Math.log2(Math.floor(max / 0x1_0000_0000) + 1));
  for (;;) {
    const x = rng.intBelow(highRange) * 0x1_0000_0000 + rng.nextUint32();
    if (x <= max) return x;
  }
}

/** Values spread over every order of magnitude, which uniform draws alone would not reach. */
function logUniformUpTo(rng: Prng, max: number): number {
  const digits = rng.intInRange(0, Math.ceil(Math.log10(max + 1)));
  return Math.min(max, uniformUpTo(rng, Math.min(max, 10 ** digits)));
}

function expectRejection(fn: () => unknown, code: string, details?: Record<string, unknown>): void {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe(code);
    if (details) expect((error as DomainError).details).toMatchObject(details);
    return;
  }
  expect.unreachable('expected a rejection');
}

describe('constants', () => {
  it('keep applyBp inside exact arithmetic', () => {
    expect(AMOUNT_MAX_FEN).toBe(10_000_000_000);
    expect(BP_MAX).toBe(100_000);
    expect(BP_ONE).toBe(10_000);
    // The largest result must itself be an exact integer.
    expect(Number.isSafeInteger((AMOUNT_MAX_FEN / BP_ONE) * BP_MAX)).toBe(true);
  });
});

describe('applyBp', () => {
  const exact = (amount: number, bp: number): number => Number((BigInt(amount) * BigInt(bp)) / BigInt(BP_ONE));

  it('handles edge values exactly', () => {
    const amounts = [0, 1, 9_999, 10_000, 10_001, 123_456_789, AMOUNT_MAX_FEN - 1, AMOUNT_MAX_FEN];
    const bps = [0, 1, 3_333, 9_999, BP_ONE, BP_ONE + 1, 999_999, BP_MAX];
    for (const a of amounts) for (const b of bps) expect(applyBp(a, b)).toBe(exact(a, b));
  });

  it('matches BigInt on many random inputs, including products above 2^53', () => {
    // applyBp stays exact well beyond the accepted bounds (100× the amount, 10× the ratio), so the
    // bounds are a policy, not what keeps the arithmetic right.
    const amountMax = AMOUNT_MAX_FEN * 100;
    const bpMax = BP_MAX * 10;
    const rng = new Prng(20_240_601);
    let aboveSafe = 0;
    for (let i = 0; i < 200_000; i++) {
      const amount = i % 2 === 0 ? uniformUpTo(rng, amountMax) : logUniformUpTo(rng, amountMax);
      const bp = i % 3 === 0 ? rng.intInRange(0, bpMax) : logUniformUpTo(rng, bpMax);
      if (amount * bp > Number.MAX_SAFE_INTEGER) aboveSafe++;
      const got = applyBp(amount, bp);
      if (got !== exact(amount, bp)) expect({ amount, bp, got }).toEqual({ amount, bp, got: exact(amount, bp) });
    }
    // The test would prove little if the naive product never left the exact range.
    expect(aboveSafe).toBeGreaterThan(10_000);
  });

  it('is exact on both sides of a 2^53 product, where it switches from one division to the split', () => {
    const wrong: [number, number][] = [];
    // Ratios from 3 bp up, so that every amount tried is itself a safe integer.
    for (const bp of [3, 7, 9_999, BP_ONE, 10_001, 33_333, 99_999, BP_MAX, 999_999]) {
      const edge = Math.floor(2 ** 53 / bp);
      for (let amount = edge - 5_000; amount <= edge + 5_000; amount++) if (applyBp(amount, bp) !== exact(amount, bp)) wrong.push([amount, bp]);
    }
    expect(wrong).toEqual([]);
  });

  it('gives back the amount at 100% and never -0', () => {
    expect(applyBp(987_654_321, BP_ONE)).toBe(987_654_321);
    expect(Object.is(applyBp(0, 5_000), 0)).toBe(true);
    expect(Object.is(applyBp(5_000, 0), 0)).toBe(true);
  });
});

describe('isAmount / checkAmount', () => {
  it('accepts safe non-negative integers up to the maximum', () => {
    for (const x of [0, 1, 100, AMOUNT_MAX_FEN]) {
      expect(isAmount(x)).toBe(true);
      expect(checkAmount(x, 'price')).toBe(x);
    }
  });

  it('normalises -0 to 0', () => {
    expect(Object.is(checkAmount(-0, 'price'), 0)).toBe(true);
  });

  it('rejects everything else with INVALID_AMOUNT and the field', () => {
    const bad: unknown[] = [-1, 0.5, 1.000001, NaN, Infinity, -Infinity, AMOUNT_MAX_FEN + 1, '100', null, undefined, 10n, {}];
    for (const x of bad) {
      expect(isAmount(x)).toBe(false);
      expectRejection(() => checkAmount(x, 'price'), 'INVALID_AMOUNT', { field: 'price', value: x });
    }
  });
});

describe('isBp / checkBp', () => {
  it('accepts integers in [0, max]', () => {
    expect(isBp(0)).toBe(true);
    expect(isBp(BP_MAX)).toBe(true);
    expect(isBp(BP_MAX + 1)).toBe(false);
    expect(isBp(BP_ONE, BP_ONE)).toBe(true);
    expect(isBp(BP_ONE + 1, BP_ONE)).toBe(false);
    expect(checkBp(2_500, 'ratio')).toBe(2_500);
    expect(checkBp(BP_ONE, 'ratio', BP_ONE)).toBe(BP_ONE);
  });

  it('rejects everything else with INVALID_RATIO', () => {
    const bad: unknown[] = [-1, 0.5, NaN, BP_MAX + 1, '10', null];
    for (const x of bad) expectRejection(() => checkBp(x, 'ratio'), 'INVALID_RATIO', { field: 'ratio', value: x });
    expectRejection(() => checkBp(BP_ONE + 1, 'ratio', BP_ONE), 'INVALID_RATIO', { max: BP_ONE });
  });
});

describe('mulDivFloor', () => {
  it('is exact on both the double and the BigInt path', () => {
    expect(mulDivFloor(7, 3, 2)).toBe(10);
    expect(mulDivFloor(0, 5, 3)).toBe(0);
    const big = Number.MAX_SAFE_INTEGER;
    expect(mulDivFloor(big, big, big)).toBe(big);
    expect(mulDivFloor(big, 3, 7)).toBe(Number((BigInt(big) * 3n) / 7n));
    const rng = new Prng(7);
    for (let i = 0; i < 20_000; i++) {
      const a = logUniformUpTo(rng, Number.MAX_SAFE_INTEGER);
      const b = logUniformUpTo(rng, Number.MAX_SAFE_INTEGER);
      const c = 1 + logUniformUpTo(rng, Number.MAX_SAFE_INTEGER - 1);
      const want = (BigInt(a) * BigInt(b)) / BigInt(c);
      if (want > BigInt(Number.MAX_SAFE_INTEGER)) continue;
      expect(mulDivFloor(a, b, c)).toBe(Number(want));
    }
  });

  it('asserts on invalid operands and unrepresentable results', () => {
    expect(() => mulDivFloor(1, 1, 0)).toThrow(/invariant/);
    expect(() => mulDivFloor(-1, 1, 1)).toThrow(/invariant/);
    expect(() => mulDivFloor(1.5, 1, 1)).toThrow(/invariant/);
    expect(() => mulDivFloor(Number.MAX_SAFE_INTEGER, 4, 2)).toThrow(/invariant/);
  });
});

describe('allocate', () => {
  it('splits proportionally with the largest remainder and ties to the lower index', () => {
    expect(allocate(100, [1, 1, 1])).toEqual([34, 33, 33]);
    expect(allocate(2, [1, 1, 1])).toEqual([1, 1, 0]);
    expect(allocate(10, [1, 2, 3])).toEqual([2, 3, 5]);
    // Remainders: 7·1 mod 4 = 3, 7·3 mod 4 = 1, so the first weight gets the spare unit.
    expect(allocate(7, [1, 3])).toEqual([2, 5]);
    expect(allocate(5, [0, 2, 0, 3])).toEqual([0, 2, 0, 3]);
    expect(allocate(1, [0, 0, 5])).toEqual([0, 0, 1]);
  });

  it('handles empty and zero cases', () => {
    expect(allocate(0, [])).toEqual([]);
    expect(allocate(0, [0, 0])).toEqual([0, 0]);
    expect(allocate(0, [3, 4])).toEqual([0, 0]);
    expect(() => allocate(1, [0, 0])).toThrow(/invariant/);
    expect(() => allocate(1, [])).toThrow(/invariant/);
    expect(() => allocate(-1, [1])).toThrow(/invariant/);
    expect(() => allocate(1, [1, -1])).toThrow(/invariant/);
    expect(() => allocate(1, [0.5])).toThrow(/invariant/);
  });

  /** The largest-remainder reference, entirely in BigInt. */
  function reference(total: number, weights: readonly number[]): number[] {
    const sum = weights.reduce((s, w) => s + BigInt(w), 0n);
    const t = BigInt(total);
    const parts = weights.map((w) => (t * BigInt(w)) / sum);
    const rems = weights.map((w, i) => t * BigInt(w) - (parts[i] as bigint) * sum);
    let left = t - parts.reduce((s, p) => s + p, 0n);
    const order = weights.map((_, i) => i).sort((i, j) => {
      const a = rems[i] as bigint;
      const b = rems[j] as bigint;
      return a > b ? -1 : a < b ? 1 : i - j;
    });
    for (const i of order) {
      if (left === 0n) break;
      parts[i] = (parts[i] as bigint) + 1n;
      left--;
    }
    return parts.map(Number);
  }

  it('always sums to the total and matches the BigInt reference on random inputs', () => {
    const rng = new Prng(42);
    for (let i = 0; i < 20_000; i++) {
      const n = rng.intInRange(1, 12);
      // Mix small totals and weights (the double path) with huge ones (the BigInt path).
      const huge = i % 4 === 0;
      const total = huge ? uniformUpTo(rng, Number.MAX_SAFE_INTEGER) : logUniformUpTo(rng, AMOUNT_MAX_FEN);
      const weights: number[] = [];
      for (let j = 0; j < n; j++) {
        const zero = rng.intBelow(5) === 0;
        weights.push(zero ? 0 : huge ? uniformUpTo(rng, Number.MAX_SAFE_INTEGER) : logUniformUpTo(rng, 1_000_000));
      }
      if (!weights.some((w) => w > 0)) weights[0] = 1;
      const parts = allocate(total, weights);
      expect(parts.reduce((s, p) => s + p, 0)).toBe(total);
      expect(parts).toEqual(reference(total, weights));
      weights.forEach((w, j) => {
        if (w === 0) expect(parts[j]).toBe(0);
      });
    }
  });
});
