/**
 * Exact equality of two engine states, by walking both in parallel the way digest.ts walks one
 * (same exclusions: the calendar by its time zone, the line-plan cache by its keys, the ledger's
 * memo of its own hash, optionally the queues' read cursors).
 *
 * The property runs prove "a rejected or replayed submission changes nothing" by comparing the
 * main state with a shadow state that never saw the submission. Comparing the two directly costs
 * about one load per field, against hashing every field of both states; it cannot collide; and
 * when it fails, `locateDifference` names the field: "state.lines.received.chunks[0][41]: 1200 versus 0".
 */
import { Ledger } from '../../src/domain/ledger.ts';
import { Queue } from '../../src/domain/model.ts';
import type { EngineState } from '../../src/domain/state.ts';

const PICKER_FIELDS = new Set(['head', 'late', 'completedFirst']);
const LEDGER_MEMO_FIELDS = new Set(['hashedUpTo', 'hashA', 'hashB']);

function show(x: unknown): string {
  if (x === null || typeof x !== 'object') return typeof x === 'string' ? JSON.stringify(x) : String(x);
  if (ArrayBuffer.isView(x)) return `${x.constructor.name}(${(x as unknown as ArrayLike<number>).length})`;
  if (x instanceof Map) return `Map(${x.size})`;
  if (x instanceof Set) return `Set(${x.size})`;
  if (Array.isArray(x)) return `Array(${x.length})`;
  return x.constructor?.name ?? 'object';
}

function isCalendar(x: object): x is { timeZone: string } {
  const c = x as { timeZone?: unknown; dayNumber?: unknown };
  return typeof c.timeZone === 'string' && typeof c.dayNumber === 'function';
}

class Locator {
  private readonly paired = new Map<object, object>();

  constructor(private readonly pickers: boolean) {}

  /** Two objects known to correspond, such as the two states that views point back at. */
  pair(a: object, b: object): void {
    this.paired.set(a, b);
  }

  /** The first difference below `where`, or null. */
  find(where: string, a: unknown, b: unknown): string | null {
    if (a === b) return null;
    if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
      if (typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b)) return null;
      if (typeof a === 'function' && typeof b === 'function') return null;
      return `${where}: ${show(a)} versus ${show(b)}`;
    }
    const before = this.paired.get(a);
    if (before !== undefined) return before === b ? null : `${where}: refers to different objects`;
    this.paired.set(a, b);
    if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return `${where}: ${show(a)} versus ${show(b)}`;
    if (ArrayBuffer.isView(a) && ArrayBuffer.isView(b) && sameBytes(a, b)) return null;
    if (Array.isArray(a) || ArrayBuffer.isView(a)) {
      const xa = a as unknown as ArrayLike<unknown>;
      const xb = b as unknown as ArrayLike<unknown>;
      if (xa.length !== xb.length) return `${where}.length: ${xa.length} versus ${xb.length}`;
      for (let i = 0; i < xa.length; i++) {
        const d = this.find(`${where}[${i}]`, xa[i], xb[i]);
        if (d) return d;
      }
      return null;
    }
    if (a instanceof Map && b instanceof Map) {
      if (a.size !== b.size) return `${where}.size: ${a.size} versus ${b.size}`;
      const ka = [...a.keys()];
      const kb = [...b.keys()];
      for (let i = 0; i < ka.length; i++) {
        const d = this.find(`${where}.key[${i}]`, ka[i], kb[i]) ?? this.find(`${where}.get(${show(ka[i])})`, a.get(ka[i]), b.get(kb[i]));
        if (d) return d;
      }
      return null;
    }
    if (a instanceof Set && b instanceof Set) return this.find(where, [...a], [...b]);
    if (isCalendar(a) && isCalendar(b)) return a.timeZone === b.timeZone ? null : `${where}.timeZone: ${a.timeZone} versus ${b.timeZone}`;
    if (a instanceof Ledger && b instanceof Ledger && a.hash() !== b.hash()) return `${where}.hash(): ${a.hash()} versus ${b.hash()}`;
    const skip = a instanceof Ledger ? LEDGER_MEMO_FIELDS : a instanceof Queue && !this.pickers ? PICKER_FIELDS : null;
    const ka = Object.keys(a).filter((k) => !skip?.has(k));
    const kb = Object.keys(b).filter((k) => !skip?.has(k));
    if (ka.join() !== kb.join()) return `${where} fields: ${ka.join()} versus ${kb.join()}`;
    for (const k of ka) {
      const d = this.find(`${where}.${k}`, (a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]);
      if (d) return d;
    }
    return null;
  }
}

function sameBytes(a: ArrayBufferView, b: ArrayBufferView): boolean {
  if (a.constructor !== b.constructor || a.byteLength !== b.byteLength) return false;
  const whole = a.byteOffset % 4 === 0 && b.byteOffset % 4 === 0 ? a.byteLength >>> 2 : 0;
  if (whole > 0) {
    const wa = new Uint32Array(a.buffer, a.byteOffset, whole);
    const wb = new Uint32Array(b.buffer, b.byteOffset, whole);
    for (let i = 0; i < whole; i++) if (wa[i] !== wb[i]) return false;
  }
  const ba = new Uint8Array(a.buffer, a.byteOffset + whole * 4, a.byteLength - whole * 4);
  const bb = new Uint8Array(b.buffer, b.byteOffset + whole * 4, b.byteLength - whole * 4);
  for (let i = 0; i < ba.length; i++) if (ba[i] !== bb[i]) return false;
  return true;
}

function isRecord(x: unknown): x is object {
  return x !== null && typeof x === 'object' && Object.getPrototypeOf(x) === Object.prototype;
}

type RecordComparator = (a: object, b: object, eq: (x: unknown, y: unknown) => boolean) => boolean;
const RECORD_COMPARATORS = new Map<string, RecordComparator>();

/**
 * Field-by-field equality compiled for one record shape (its field names), so that each field is
 * read at its own monomorphic site instead of through a generic keyed read.
 */
function recordComparator(sample: unknown): RecordComparator | null {
  if (!isRecord(sample)) return null;
  const keys = Object.keys(sample);
  const id = keys.join('\u0000');
  let compare = RECORD_COMPARATORS.get(id);
  if (!compare) {
    const terms = keys.map((k) => {
      const f = JSON.stringify(k);
      return `(a[${f}] === b[${f}] || eq(a[${f}], b[${f}]))`;
    });
    compare = new Function('a', 'b', 'eq', `return ${terms.length > 0 ? terms.join(' && ') : 'true'};`) as RecordComparator;
    RECORD_COMPARATORS.set(id, compare);
  }
  return compare;
}

/** The fast yes/no walk; `Locator` repeats it with paths only when this says no. */
class Equality {
  private readonly paired = new Map<object, object>();
  private depth = 0;

  constructor(private readonly pickers: boolean) {}

  pair(a: object, b: object): void {
    this.paired.set(a, b);
  }

  eq(a: unknown, b: unknown): boolean {
    if (a === b) return true;
    if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
      if (typeof a === 'number' && typeof b === 'number') return Number.isNaN(a) && Number.isNaN(b);
      return typeof a === 'function' && typeof b === 'function';
    }
    const proto = Object.getPrototypeOf(a) as object | null;
    if (proto !== Object.getPrototypeOf(b)) return false;
    if (++this.depth > 200) throw new Error('statesEqual: structure nested deeper than 200 levels');
    try {
      // Plain data first: it is most of what there is (side maps of small records, settings).
      if (proto === Object.prototype || proto === null) return this.fields(a, b, null);
      if (proto === Array.prototype) return this.arrays(a as unknown[], b as unknown[]);
      if (ArrayBuffer.isView(a)) return sameBytes(a, b as ArrayBufferView);
      if (a instanceof Map) return this.maps(a, b as Map<unknown, unknown>);
      if (a instanceof Set) return this.arrays([...a], [...(b as Set<unknown>)]);
      // A class instance: shared or pointed back at, so it pairs with one object only.
      const before = this.paired.get(a);
      if (before !== undefined) return before === b;
      this.paired.set(a, b);
      if (isCalendar(a)) return a.timeZone === (b as { timeZone: string }).timeZone;
      if (a instanceof Ledger) return a.hash() === (b as Ledger).hash() && this.fields(a, b, LEDGER_MEMO_FIELDS);
      return this.fields(a, b, a instanceof Queue && !this.pickers ? PICKER_FIELDS : null);
    } finally {
      this.depth--;
    }
  }

  private arrays(a: unknown[], b: unknown[]): boolean {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!this.eq(a[i], b[i])) return false;
    return true;
  }

  private maps(a: Map<unknown, unknown>, b: Map<unknown, unknown>): boolean {
    if (a.size !== b.size) return false;
    const records = a.size >= 8 ? recordComparator(a.values().next().value) : null;
    const ib = b.entries();
    let i = 0;
    for (const [ka, va] of a) {
      const [kb, vb] = ib.next().value as [unknown, unknown];
      if (!this.eq(ka, kb)) return false;
      // Large side maps hold records of one shape: compare their fields with code compiled for
      // that shape, and every 16th pair reflectively, which would notice a record of another shape.
      const fast = records !== null && (i++ & 15) !== 0 && isRecord(va) && isRecord(vb);
      if (!(fast ? records(va, vb, this.eqFn) : this.eq(va, vb))) return false;
    }
    return true;
  }

  private readonly eqFn = (x: unknown, y: unknown): boolean => this.eq(x, y);

  /**
   * Own fields, by for…in (these objects have no enumerable inherited fields and both sides share
   * a prototype), which allocates no key lists; the counts catch a field only one side has.
   */
  private fields(a: object, b: object, skip: ReadonlySet<string> | null): boolean {
    const ra = a as Record<string, unknown>;
    const rb = b as Record<string, unknown>;
    let count = 0;
    for (const k in ra) {
      count++;
      if (skip !== null && skip.has(k)) continue;
      if (!this.eq(ra[k], rb[k])) return false;
    }
    // eslint-disable-next-line @typescript-eslint/no-unused-vars
    for (const _ in rb) count--;
    return count === 0;
  }
}

/** True when the two states are equal in every field (with the exclusions above). */
export function statesEqual(a: EngineState, b: EngineState, options: LocateOptions = {}): boolean {
  const equality = new Equality(options.pickers ?? true);
  equality.pair(a, b);
  const ra = a as unknown as Record<string, unknown>;
  const rb = b as unknown as Record<string, unknown>;
  const ka = Object.keys(ra);
  const kb = Object.keys(rb);
  if (ka.length !== kb.length || ka.some((k, i) => k !== kb[i])) return false;
  for (const k of ka) {
    if (!(k === 'plans' ? equality.eq(planKeys(ra[k]), planKeys(rb[k])) : equality.eq(ra[k], rb[k]))) return false;
  }
  return true;
}

function planKeys(plans: unknown): unknown {
  if (plans instanceof Map) return [...plans].map(([k, v]) => [k, v instanceof Map ? planKeys(v) : null]);
  if (plans !== null && typeof plans === 'object') return Object.entries(plans).map(([k, v]) => [k, v instanceof Map ? planKeys(v) : null]);
  return null;
}

export interface LocateOptions {
  /** Compare the queues' read cursors too. Default true. */
  pickers?: boolean;
}

/** Where `a` first differs from `b` (`state.<field>…: a versus b`), or null when no difference is found. */
export function locateDifference(a: EngineState, b: EngineState, options: LocateOptions = {}): string | null {
  const locator = new Locator(options.pickers ?? true);
  locator.pair(a, b);
  const ra = a as unknown as Record<string, unknown>;
  const rb = b as unknown as Record<string, unknown>;
  const ka = Object.keys(ra);
  if (ka.join() !== Object.keys(rb).join()) return 'state fields differ';
  for (const k of ka) {
    const d = k === 'plans' ? locator.find('state.plans (keys)', planKeys(ra[k]), planKeys(rb[k])) : locator.find(`state.${k}`, ra[k], rb[k]);
    if (d) return d;
  }
  return null;
}
