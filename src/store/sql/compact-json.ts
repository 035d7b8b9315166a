/**
 * The text of an events row's payload and outcome: JSON whose most frequent field names are
 * written as one letter (`"entryId"` → `"A"`), marked by a leading `~`. An order's row shrinks by
 * about a third (601 → 344 characters of payload and outcome for a one-line paid order), and on
 * SQLite the bytes written per commit are what bounds batched throughput (docs/ARCHITECTURE.md,
 * "One row per event"). Rows written before this codec, plain JSON, still read as they are.
 *
 * Exactness: every value round-trips as JSON.stringify/JSON.parse would carry it; a field whose
 * own name is one letter or digit, or starts with `!`, is written with a `!` in front, so no name
 * from outside (settings keys are shop ids) is ever mistaken for a code. compact-json.test.ts
 * checks the round trip for arbitrary JSON.
 *
 * FIELDS is part of the stored format: append to it, never reorder or remove.
 */
import { jsonString } from '../../app/json-string.ts';

const FIELDS = [
  'entryId', 'memberId', 'kind', 'amountFen', 'lineId', 'at', 'type', 'orderId', 'totalFen', 'lines',
  'channel', 'productId', 'storeId', 'paidFen', 'deductedFen', 'queue', 'extractFen', 'reason', 'eventNo', 'result',
  'scheduledResets', 'scheduled', 'notices', 'target', 'releasedFen', 'pendingFen', 'units', 'lineIds', 'seed', 'reset',
  'ratioBp', 'returnedFen', 'poolReturnedFen', 'absorbedFen', 'created', 'points', 'fromMemberId', 'toMemberId',
] as const;

const CODE_LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
if (FIELDS.length > CODE_LETTERS.length) throw new Error('compact-json: more fields than one-letter codes');

const CODE_OF = new Map<string, string>(FIELDS.map((name, i) => [name, CODE_LETTERS[i]!]));
const NAME_OF = new Map<string, string>(FIELDS.map((name, i) => [CODE_LETTERS[i]!, name]));
const MARK = '~';

/** A name that needs the escape: one letter or digit (a code, or could be one later), or one starting with the escape itself. */
const NEEDS_ESCAPE = /^(?:[A-Za-z0-9]|!.*)$/s;

/**
 * A field's encoded name (quoted, coded or escaped) with its colon, as the first field of an
 * object and, with a comma in front, as a later one: a member is then written with two string
 * concatenations instead of four, and concatenation is the writer's largest cost. canonicalJson
 * (fingerprint.ts) keeps a cache of the same shape: sharing one (a class, a closure or a common
 * constructor) measured 3–4% more instructions per order on the durable path (bench:instructions).
 */
interface EncodedName {
  first: string;
  next: string;
}

/** Encoded names, remembered: outcomes repeat a few dozen names. Bounded, since settings keys come from outside. */
const encodedNames = new Map<string, EncodedName>();
const ENCODED_NAMES_MAX = 4_096;

function encodedName(name: string): EncodedName {
  let encoded = encodedNames.get(name);
  if (encoded === undefined) {
    const code = CODE_OF.get(name);
    const quoted = code !== undefined ? `"${code}"` : JSON.stringify(NEEDS_ESCAPE.test(name) ? `!${name}` : name);
    encoded = { first: `${quoted}:`, next: `,${quoted}:` };
    if (encodedNames.size < ENCODED_NAMES_MAX) encodedNames.set(name, encoded);
  }
  return encoded;
}

/** JSON.stringify's text, with field names coded (no toJSON: payloads and outcomes are plain data). */
function write(value: unknown): string | undefined {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return jsonString(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      break;
    default:
      return JSON.stringify(value); // undefined, functions and symbols vanish; a bigint throws, as in JSON.stringify
  }
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + (write(value[i]) ?? 'null');
    return `${out}]`;
  }
  let out = '{';
  let first = true;
  for (const name of Object.keys(value)) {
    const item = write((value as Record<string, unknown>)[name]);
    if (item === undefined) continue;
    const encoded = encodedName(name);
    out += (first ? encoded.first : encoded.next) + item;
    first = false;
  }
  return `${out}}`;
}

export function encodeCompact(value: unknown): string {
  const text = write(value);
  if (text === undefined) throw new TypeError('compact-json: nothing to encode');
  return MARK + text;
}

const ONE_LETTER_OR_DIGIT = /^[A-Za-z0-9]$/;

function decodedName(name: string): string {
  if (name.charCodeAt(0) === 33 /* ! */) return name.slice(1);
  if (name.length === 1 && ONE_LETTER_OR_DIGIT.test(name)) {
    const full = NAME_OF.get(name);
    if (full === undefined) throw new Error(`compact-json: unknown field code ${JSON.stringify(name)}`);
    return full;
  }
  return name;
}

function rename(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = rename(value[i]);
    return value;
  }
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(value)) {
    const full = decodedName(name);
    const item = rename((value as Record<string, unknown>)[name]);
    // A field named __proto__ is data, as JSON.parse made it, never the prototype.
    if (full === '__proto__') Object.defineProperty(out, full, { value: item, enumerable: true, writable: true, configurable: true });
    else out[full] = item;
  }
  return out;
}

/** The value of a payload or outcome column: compact text (leading `~`) or plain JSON from before. */
export function decodeCompact(text: string): unknown {
  if (text.charCodeAt(0) !== 126 /* ~ */) return JSON.parse(text);
  return rename(JSON.parse(text.slice(1)));
}
