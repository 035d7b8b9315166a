/**
 * A payload fingerprint for idempotency: two independent 32-bit FNV-1a lanes over the canonical
 * JSON of the parsed event. Parsing fixes the key order, so equal payloads give equal text.
 */
export function fingerprint(canonical: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ canonical.length;
  for (let i = 0; i < canonical.length; i++) {
    const c = canonical.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}
