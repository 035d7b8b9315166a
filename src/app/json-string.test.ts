import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonString } from './json-string.ts';

describe('jsonString', () => {
  it('writes what JSON.stringify writes, for any string', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => jsonString(s) === JSON.stringify(s)), { numRuns: 20_000 });
    fc.assert(fc.property(fc.string({ unit: 'grapheme' }), (s) => jsonString(s) === JSON.stringify(s)), { numRuns: 5_000 });
  });

  it('escapes quotes, backslashes, control characters and lone surrogates, and leaves other text as it is', () => {
    for (const s of ['', 'm1', 'member:A:frozen', '会员', 'a"b', 'a\\b', 'line\nbreak', '\u0000', '\u001f', '\u2028', '\ud800', 'x\udfffy', '😀', '\u007f']) {
      expect(jsonString(s), JSON.stringify(s)).toBe(JSON.stringify(s));
    }
  });
});
