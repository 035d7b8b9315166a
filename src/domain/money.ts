/**
 * Money is always an integer number of fen (0.01 CNY) held in a JavaScript number, and ratios are
 * integer basis points (1 bp = 0.01%). Floats never carry money: every function here is exact for
 * the documented input ranges, and the ranges are chosen so that the hot-path arithmetic stays
 * inside the 2^53 window where doubles represent integers exactly.
 */
import { assert, reject } from './errors.ts';

/**
 * The largest amount the engine accepts for one line or request: 100 million yuan in fen, far
 * above any real order line. With ratios bounded by BP_MAX, one event then moves at most about
 * 10^15 of any unit, well inside the exact range of a double (see VOLUME_MAX_FEN).
 */
export const AMOUNT_MAX_FEN = 10_000_000_000;

/** One hundred percent in basis points. */
export const BP_ONE = 10_000;

/** The largest ratio the engine accepts: 1,000% (a rebate of ten times the price). */
export const BP_MAX = 100_000;

/**
 * The exact-arithmetic bound: the engine accepts events while every unit's total ledger volume
 * and the entitlements it ever issued stay below 2^52 (about 45 trillion yuan). Then every sum
 * it keeps is an exact integer, with room for the largest single event above it.
 */
export const VOLUME_MAX_FEN = 2 ** 52;

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
/** 2^53: every integer below it is a double. */
const EXACT_PRODUCT = 2 ** 53;

/**
 * floor(amount × bp / 10000), exact for 0 ≤ amount ≤ AMOUNT_MAX_FEN and 0 ≤ bp ≤ BP_MAX.
 *
 * The direct product can reach 10^18, far beyond 2^53, so the amount is split as
 * amount = q·10000 + r. Then amount·bp/10000 = q·bp + r·bp/10000, and because q·bp is an
 * integer the floor distributes: floor(...) = q·bp + floor(r·bp/10000). Both products stay
 * below 10^14 and 10^10, so they are exact, and flooring the double quotient of two integers
 * below 2^53 is exact too (a non-integer quotient x/d is at least 1/d away from the next integer,
 * which is more than half an ulp whenever x < 2^53).
 *
 * When the product itself is below 2^53 (every line inside the documented bounds: 10^10 × 10^5
 * = 10^15) it is exact as a double and the split is not needed: one multiplication and one
 * division. A product at or past 2^53 computes as at least 2^53 (rounding is monotonic and 2^53
 * is a double), so it always takes the split.
 *
 * The inputs are not validated here because this runs for every line of every order; callers
 * validate once at the boundary with `checkAmount` and `checkBp`.
 */
export function applyBp(amount: number, bp: number): number {
  const product = amount * bp;
  if (product < EXACT_PRODUCT && product >= 0) return Math.floor(product / BP_ONE);
  const r = amount % BP_ONE;
  // (amount - r) / BP_ONE is an exact integer division, so no floor is needed on that half.
  return ((amount - r) / BP_ONE) * bp + Math.floor((r * bp) / BP_ONE);
}

/** A safe, non-negative integer amount of fen no larger than AMOUNT_MAX_FEN. */
export function isAmount(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0 && x <= AMOUNT_MAX_FEN;
}

/** A non-negative integer ratio in basis points no larger than `max`. */
export function isBp(x: unknown, max: number = BP_MAX): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0 && x <= max;
}

/**
 * Validates an amount coming from outside the domain and returns it. The `+ 0` turns a negative
 * zero into a positive one, so that -0 can never leak into serialised output or hashes.
 */
export function checkAmount(x: unknown, field: string): number {
  if (!isAmount(x)) {
    reject('INVALID_AMOUNT', `${field} must be an integer number of fen between 0 and ${AMOUNT_MAX_FEN}`, {
      field,
      value: x,
    });
  }
  return x + 0;
}

/** Validates a ratio in basis points coming from outside the domain and returns it. */
export function checkBp(x: unknown, field: string, max: number = BP_MAX): number {
  if (!isBp(x, max)) {
    reject('INVALID_RATIO', `${field} must be an integer number of basis points between 0 and ${max}`, {
      field,
      value: x,
      max,
    });
  }
  return x + 0;
}

/**
 * Exact floor(a × b / c) for non-negative safe integers with c > 0 and a result that is itself a
 * safe integer. When the product fits in 2^53 the double path is exact (see `applyBp`); otherwise
 * BigInt takes over. This is meant for cold paths such as forecasts, where the operands are not
 * bounded the way hot-path amounts are.
 */
export function mulDivFloor(a: number, b: number, c: number): number {
  assert(Number.isSafeInteger(a) && a >= 0, 'mulDivFloor: a must be a non-negative safe integer');
  assert(Number.isSafeInteger(b) && b >= 0, 'mulDivFloor: b must be a non-negative safe integer');
  assert(Number.isSafeInteger(c) && c > 0, 'mulDivFloor: c must be a positive safe integer');
  const product = a * b;
  // A true product above 2^53 - 1 rounds to at least 2^53, so this comparison never misroutes.
  if (product <= MAX_SAFE) return Math.floor(product / c) + 0;
  const result = (BigInt(a) * BigInt(b)) / BigInt(c);
  assert(result <= BigInt(MAX_SAFE), 'mulDivFloor: result exceeds Number.MAX_SAFE_INTEGER');
  return Number(result);
}

/**
 * Splits a non-negative integer `total` into parts proportional to non-negative integer
 * `weights`, with the parts summing exactly to `total` (the largest-remainder method).
 *
 * Each part first gets floor(total × w / W), where W is the sum of the weights. The few units
 * left over (fewer than the number of weights) go one each to the parts with the largest
 * remainders, and equal remainders favour the lower index, so the result depends only on the
 * inputs. When every weight is zero there is no proportion to follow, which is only consistent
 * with a zero total.
 *
 * Double arithmetic is used when total × W fits in 2^53, which covers every realistic call;
 * otherwise the same computation runs in BigInt so the result is exact for any safe inputs.
 */
export function allocate(total: number, weights: readonly number[]): number[] {
  assert(Number.isSafeInteger(total) && total >= 0, 'allocate: total must be a non-negative safe integer');
  const n = weights.length;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const w = weights[i];
    assert(w !== undefined && Number.isSafeInteger(w) && w >= 0, 'allocate: weights must be non-negative safe integers');
    sum += w;
  }
  const parts: number[] = new Array<number>(n).fill(0);
  if (total === 0) return parts;
  assert(sum > 0, 'allocate: a positive total needs at least one positive weight');

  // Once the float sum exceeds 2^53 - 1 it may be inexact, but then the BigInt path recomputes it.
  if (sum <= MAX_SAFE && total * sum <= MAX_SAFE) {
    const remainders = new Float64Array(n);
    let given = 0;
    for (let i = 0; i < n; i++) {
      const p = total * (weights[i] as number);
      const q = Math.floor(p / sum);
      parts[i] = q;
      remainders[i] = p - q * sum;
      given += q;
    }
    distributeLeftover(parts, total - given, (i, j) => (remainders[j] as number) - (remainders[i] as number));
    return parts;
  }

  const bigTotal = BigInt(total);
  let bigSum = 0n;
  for (let i = 0; i < n; i++) bigSum += BigInt(weights[i] as number);
  const remainders: bigint[] = new Array<bigint>(n);
  let given = 0;
  for (let i = 0; i < n; i++) {
    const p = bigTotal * BigInt(weights[i] as number);
    const q = p / bigSum;
    // Every part is at most `total`, so converting it back to a number is exact.
    parts[i] = Number(q);
    remainders[i] = p - q * bigSum;
    given += Number(q);
  }
  distributeLeftover(parts, total - given, (i, j) => {
    const a = remainders[i] as bigint;
    const b = remainders[j] as bigint;
    return a > b ? -1 : a < b ? 1 : 0;
  });
  return parts;
}

/**
 * Gives one extra unit to each of the `leftover` parts that rank first under `byRemainderDesc`.
 * The index tiebreak lives here, so the comparator only has to order the remainders.
 */
function distributeLeftover(parts: number[], leftover: number, byRemainderDesc: (i: number, j: number) => number): void {
  assert(leftover >= 0 && leftover < parts.length, 'allocate: leftover must be smaller than the number of parts');
  if (leftover === 0) return;
  const order = new Array<number>(parts.length);
  for (let i = 0; i < parts.length; i++) order[i] = i;
  order.sort((i, j) => byRemainderDesc(i, j) || i - j);
  for (let k = 0; k < leftover; k++) {
    const i = order[k] as number;
    parts[i] = (parts[i] as number) + 1;
  }
}
