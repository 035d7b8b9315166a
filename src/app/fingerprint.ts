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
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
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
  keys.sort();
  let out = '{';
  for (const key of keys) {
    const item = topLevel !== undefined && Object.hasOwn(topLevel, key) ? topLevel[key] : record[key];
    if (item === undefined) continue;
    out += `${out.length === 1 ? '' : ','}${JSON.stringify(key)}:${canonicalJson(item)}`;
  }
  return `${out}}`;
}

/** The fingerprint of an event whose instant the service stamped is taken with `at: null`, so a retry stamped later matches. */
export const STAMPED: Readonly<Record<string, unknown>> = Object.freeze({ at: null });
