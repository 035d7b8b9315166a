/**
 * A string as JSON text, exactly as JSON.stringify writes it. Most strings in payloads, outcomes
 * and account names are plain ids that need no escaping: those are quoted directly, which costs
 * a character-class scan instead of a call into JSON.stringify (about 1,000 instructions of
 * set-up per call, and the serializers make dozens per order). Anything JSON.stringify would
 * escape (a quote, a backslash, a control character, or any surrogate, since a lone one is
 * escaped) takes the JSON.stringify path. json-string.test.ts checks both paths against
 * JSON.stringify on arbitrary strings.
 */
// eslint-disable-next-line no-control-regex -- control characters are exactly what JSON escapes
const NEEDS_ESCAPE = /[\u0000-\u001f"\\\ud800-\udfff]/;

export function jsonString(value: string): string {
  return NEEDS_ESCAPE.test(value) ? JSON.stringify(value) : `"${value}"`;
}
