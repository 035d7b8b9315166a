/** Text checks shared by event and settings validation. */

/**
 * True when the text holds no control character (U+0000–U+001F, U+007F) and no lone surrogate.
 * Ids are refused otherwise: PostgreSQL text cannot hold U+0000 (a write failed with a 500), SQL
 * drivers turn a lone surrogate into U+FFFD so two different ids or idempotency keys met in the
 * database as one, and neither belongs in an id shown to members or written to logs.
 */
export function isPlainText(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return false;
    if (c >= 0xdc00 && c <= 0xdfff) return false; // a low surrogate without its high half
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1); // NaN past the end
      if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
      i++;
    }
  }
  return true;
}
