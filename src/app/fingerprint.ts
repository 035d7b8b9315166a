import { type EngineEvent, parseEvent } from '../domain/events.ts';
import { jsonString } from './json-string.ts';

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

/**
 * JSON with object keys sorted at every depth, so two payloads that differ only in key order
 * (settings objects pass through parsing as given) have one fingerprint. Stored fingerprints
 * depend on this exact text: fingerprint.test.ts pins it. Written as loops over one string, as it
 * runs for every submitted event. `topLevel` overrides members of the outermost object, as if
 * spread over it (`{ ...value, ...topLevel }`) without copying it.
 */
export function canonicalJson(value: unknown, topLevel?: Readonly<Record<string, unknown>>): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return jsonString(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null'; // what JSON.stringify writes
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      break;
    default:
      return JSON.stringify(value) ?? 'null';
  }
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      out += (i === 0 ? '' : ',') + (item === undefined ? 'null' : canonicalJson(item));
    }
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  if (topLevel !== undefined) for (const key of Object.keys(topLevel)) if (!Object.hasOwn(record, key)) keys.push(key);
  sortKeys(keys);
  let out = '{';
  let first = true;
  for (const key of keys) {
    const item = topLevel !== undefined && Object.hasOwn(topLevel, key) ? topLevel[key] : record[key];
    if (item === undefined) continue;
    const quoted = quotedKey(key);
    out += (first ? quoted.first : quoted.next) + canonicalJson(item);
    first = false;
  }
  return `${out}}`;
}

/**
 * Sorts keys as `keys.sort()` does (UTF-16 code unit order; keys are unique, so stability does not
 * matter). Events have a handful of keys per object, where an insertion sort in place costs less
 * than the builtin's set-up; long lists (settings maps keyed by shop ids) still use the builtin.
 */
function sortKeys(keys: string[]): void {
  if (keys.length > 12) {
    keys.sort();
    return;
  }
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i]!;
    let j = i - 1;
    while (j >= 0 && keys[j]! > key) {
      keys[j + 1] = keys[j]!;
      j--;
    }
    keys[j + 1] = key;
  }
}

/**
 * A key quoted, with its colon, as an object's first member and (comma in front) as a later one:
 * two concatenations a member instead of four. The compact writer (compact-json.ts) keeps its own
 * cache of this shape, on purpose: see there.
 */
interface QuotedKey {
  first: string;
  next: string;
}

/** Quoted object keys, remembered: events repeat a few dozen field names. Bounded, since settings keys come from outside. */
const quotedKeys = new Map<string, QuotedKey>();
const QUOTED_KEYS_MAX = 4_096;

function quotedKey(key: string): QuotedKey {
  let quoted = quotedKeys.get(key);
  if (quoted === undefined) {
    const text = JSON.stringify(key);
    quoted = { first: `${text}:`, next: `,${text}:` };
    if (quotedKeys.size < QUOTED_KEYS_MAX) quotedKeys.set(key, quoted);
  }
  return quoted;
}

/** The fingerprint of an event whose instant the service stamped is taken with `at: null`, so a retry stamped later matches. */
const STAMPED: Readonly<Record<string, unknown>> = Object.freeze({ at: null });

/**
 * A submitted event, parsed, with `now()` stamped on it when it came without an instant, and its
 * payload fingerprint: what both services do with every submission before the idempotency check.
 */
export function parseSubmitted(input: unknown, now: () => number): { event: EngineEvent; print: string } {
  const stamped = input !== null && typeof input === 'object' && !Array.isArray(input) && (input as Record<string, unknown>).at === undefined;
  const event = parseEvent(input, stamped ? now() : undefined);
  return { event, print: fingerprint(canonicalJson(event, stamped ? STAMPED : undefined)) };
}
