import { describe, expect, it } from 'vitest';
import { Prng } from './random.ts';
import { StringTable } from './string-table.ts';

/** The table's private slots, to check that a probe for a present string changes nothing. */
function slotsOf(t: StringTable): Int32Array {
  return (t as unknown as { slots: Int32Array }).slots;
}

describe('StringTable', () => {
  it('numbers strings in insertion order and finds each again, across many rehashes', () => {
    const t = new StringTable();
    const rng = new Prng(3);
    const ids: string[] = [];
    const seen = new Set<string>();
    while (ids.length < 20_000) {
      // Short ids, long ids, empty, non-ASCII and lone surrogates: every UTF-16 code unit round-trips.
      const len = rng.intBelow(4) === 0 ? rng.intBelow(40) : 1 + rng.intBelow(8);
      let s = '';
      for (let i = 0; i < len; i++) s += String.fromCharCode(rng.intBelow(3) === 0 ? rng.intBelow(0x10000) : 48 + rng.intBelow(75));
      if (seen.has(s)) continue;
      seen.add(s);
      if (t.addIfAbsent(s) !== ids.length) throw new Error(`addIfAbsent numbered ${JSON.stringify(s)} wrongly`);
      ids.push(s);
    }
    expect(t.size).toBe(ids.length);
    const wrong = ids.filter((s, i) => t.find(s) !== i || t.get(i) !== s || t.intern(s) !== i);
    expect(wrong).toEqual([]);
    expect(t.find('not there, surely: \u0000')).toBe(-1);
    expect(t.size).toBe(ids.length);
  });

  it('add, intern and addIfAbsent agree, and a present string leaves the layout untouched', () => {
    const t = new StringTable();
    const numbered: number[] = [];
    for (let i = 0; i < 1_000; i++) numbered.push(i % 3 === 0 ? t.add(`o${i}`) : i % 3 === 1 ? t.intern(`o${i}`) : t.addIfAbsent(`o${i}`));
    expect(numbered).toEqual(numbered.map((_, i) => i));
    const before = Int32Array.from(slotsOf(t));
    const again: number[] = [];
    for (let i = 0; i < 1_000; i++) again.push(t.addIfAbsent(`o${i}`), t.intern(`o${i}`) - i);
    expect(new Set(again)).toEqual(new Set([-1, 0]));
    expect(slotsOf(t)).toEqual(before);
    expect(t.size).toBe(1_000);
    expect(t.find('o1000')).toBe(-1);
  });

  it('keeps long strings whole across the arena\'s chunk boundaries', () => {
    const t = new StringTable();
    // 1,000-character strings: many of them would straddle a chunk boundary (16,384 characters).
    const ids = Array.from({ length: 300 }, (_, i) => `${i}:`.padEnd(1_000, String.fromCharCode(97 + (i % 26))));
    for (const [i, s] of ids.entries()) expect(t.addIfAbsent(s)).toBe(i);
    expect(ids.filter((s, i) => t.find(s) !== i || t.get(i) !== s)).toEqual([]);
  });
});
