/**
 * The test harness's own seeded generator (sfc32 seeded through splitmix32). It is deliberately
 * independent of src/domain/random.ts: the property tests must not share code with what they check.
 */
function splitmix32(state: number): () => number {
  let s = state >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export class TestRng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    const next = splitmix32(seed);
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let i = 0; i < 12; i++) this.u32();
  }

  u32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** Uniform integer in [0, n) for 1 ≤ n ≤ 2^32 (modulo bias is irrelevant for test data). */
  below(n: number): number {
    return n <= 1 ? 0 : Math.floor((this.u32() / 0x1_0000_0000) * n);
  }

  /** Uniform integer in [lo, hi], inclusive; hi − lo may exceed 2^32. */
  int(lo: number, hi: number): number {
    const span = hi - lo + 1;
    if (span <= 0x1_0000_0000) return lo + this.below(span);
    const x = this.u32() * 0x1_0000_0000 + this.u32();
    return lo + (x % span);
  }

  chance(p: number): boolean {
    return this.u32() / 0x1_0000_0000 < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('TestRng.pick: empty list');
    return items[this.below(items.length)]!;
  }

  /** Picks by weight from `[item, weight]` pairs. */
  weighted<T>(pairs: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, w] of pairs) total += w;
    let x = this.u32() / 0x1_0000_0000 * total;
    for (const [item, w] of pairs) {
      if (x < w) return item;
      x -= w;
    }
    return pairs[pairs.length - 1]![0];
  }

  /** Mostly recent: picks from the last `window` items with probability `p`, else from all. */
  pickRecent<T>(items: readonly T[], window: number, p = 0.7): T {
    if (items.length > window && this.chance(p)) return items[items.length - window + this.below(window)]!;
    return this.pick(items);
  }

  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.below(i + 1);
      [items[i], items[j]] = [items[j]!, items[i]!];
    }
    return items;
  }
}
