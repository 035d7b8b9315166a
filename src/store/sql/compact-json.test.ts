import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeCompact, encodeCompact } from './compact-json.ts';

describe('compact JSON for payloads and outcomes', () => {
  it('round-trips any JSON value exactly as JSON.stringify and JSON.parse would', () => {
    const names = fc.oneof(fc.string(), fc.constantFrom('entryId', 'A', 'z', '0', '!', '!A', '!!x', '~', '__proto__', 'constructor', '_', '中', ''));
    const value = fc.letrec((tie) => ({
      v: fc.oneof({ depthSize: 'small' }, fc.jsonValue({ maxDepth: 1 }), fc.string({ unit: 'binary' }), fc.array(tie('v'), { maxLength: 4 }), fc.dictionary(names, tie('v'), { maxKeys: 5 })),
    })).v;
    fc.assert(fc.property(value, (v) => {
      const text = encodeCompact(v);
      expect(text.startsWith('~')).toBe(true);
      const back = decodeCompact(text);
      expect(JSON.stringify(back)).toBe(JSON.stringify(v));
      expect(back).toEqual(JSON.parse(JSON.stringify(v)));
    }), { seed: 20261122, numRuns: 3_000 });
  });

  it('writes known field names as one letter and escapes names that could be mistaken for one', () => {
    const outcome = { eventNo: 5, notices: [{ kind: 'entryCreated', memberId: 'm1', entryId: 3, amountFen: 5_000 }] };
    const text = encodeCompact(outcome);
    expect(text.length).toBeLessThan(JSON.stringify(outcome).length * 0.75);
    expect(decodeCompact(encodeCompact({ A: 1, '!B': 2, entryId: 3, _: 4 }))).toEqual({ A: 1, '!B': 2, entryId: 3, _: 4 });
    const proto = decodeCompact(encodeCompact(JSON.parse('{"__proto__": {"polluted": 1}}'))) as Record<string, unknown>;
    expect(Object.getPrototypeOf(proto)).toBe(Object.prototype);
    expect(Object.keys(proto)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('reads rows written before the codec (plain JSON) as they are, and refuses an unknown code', () => {
    expect(decodeCompact('{"entryId":1,"A":2}')).toEqual({ entryId: 1, A: 2 });
    expect(() => decodeCompact('~{"9":1}')).toThrow(/unknown field code/);
  });
});
