import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, fingerprint } from './fingerprint.ts';

/** The first, plainest definition: the loops in canonicalJson must give exactly its text. */
function reference(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : reference(v))).join(',')}]`;
  const entries = Object.keys(value)
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${reference((value as Record<string, unknown>)[k])}`);
  return `{${entries.join(',')}}`;
}

describe('canonicalJson', () => {
  it('gives the reference text for any JSON value, with undefined members anywhere', () => {
    const withUndefined = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: 'small' }, fc.jsonValue({ maxDepth: 2 }), fc.constant(undefined), fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(fc.string(), tie('value'), { maxKeys: 4 })),
    })).value;
    fc.assert(fc.property(withUndefined, (value) => canonicalJson(value) === reference(value)), { seed: 20261122, numRuns: 2_000 });
  });

  it('escapes every string JSON.stringify escapes, and numbers as it writes them', () => {
    const awkward = ['', 'plain', 'q"uote', 'back\\slash', 'nul\u0000', 'tab\t', '\u001f', '\u2028\u2029', 'lone \ud800', 'lone \udc00', 'pair 😀', '会员', '\u007f'];
    const numbers = [0, -0, 1.5, -1e21, 1e21, 5e-7, Number.MAX_SAFE_INTEGER, NaN, Infinity, -Infinity];
    for (const value of [...awkward, ...numbers, true, false, { [awkward[2]!]: awkward, n: numbers }]) expect(canonicalJson(value)).toBe(reference(value));
    fc.assert(fc.property(fc.string({ unit: 'binary' }), fc.double(), (text, n) => canonicalJson({ text, n }) === reference({ text, n })), { seed: 11, numRuns: 2_000 });
  });

  it('sorts keys as Array.prototype.sort does, for few keys (its own insertion sort) and many (the builtin)', () => {
    fc.assert(fc.property(fc.dictionary(fc.string({ unit: 'binary', maxLength: 6 }), fc.integer(), { maxKeys: 20 }), (value) => canonicalJson(value) === reference(value)), { seed: 3, numRuns: 3_000 });
  });

  it('overrides top-level members as a spread would, without copying', () => {
    fc.assert(fc.property(fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 })), fc.dictionary(fc.string(), fc.option(fc.jsonValue({ maxDepth: 1 }), { nil: undefined })), (value, over) =>
      canonicalJson(value, over) === reference({ ...value, ...over })), { seed: 7, numRuns: 1_000 });
  });

  it('does not depend on key order, and keeps the fingerprints already stored', () => {
    const a = { type: 'paid', orderId: 'o1', lines: [{ lineId: 'l1', paidFen: 100, note: undefined }], at: null };
    const b = { at: null, lines: [{ paidFen: 100, lineId: 'l1' }], orderId: 'o1', type: 'paid' };
    expect(canonicalJson(a)).toBe('{"at":null,"lines":[{"lineId":"l1","paidFen":100}],"orderId":"o1","type":"paid"}');
    expect(canonicalJson(b)).toBe(canonicalJson(a));
    // Pinned: a change here would turn every retry of an earlier request into IDEMPOTENCY_CONFLICT.
    expect(fingerprint(canonicalJson(a))).toBe(fingerprint('{"at":null,"lines":[{"lineId":"l1","paidFen":100}],"orderId":"o1","type":"paid"}'));
    expect(fingerprint('{"at":null,"lines":[{"lineId":"l1","paidFen":100}],"orderId":"o1","type":"paid"}')).toMatchInlineSnapshot(`"91dbdb6d86d6f540"`);
  });
});
