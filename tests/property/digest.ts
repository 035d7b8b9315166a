/**
 * A canonical digest of the whole engine state, written independently of the engine's own
 * (src/domain/digest.ts) so that a field the engine forgets to hash is still covered here.
 *
 * The walk is reflective: every own field of every object reachable from the state, in a fixed
 * order, folded into two 32-bit lanes, so a field the engine grows later is covered without
 * touching this file. Typed-array columns are hashed over their whole capacity, so a write past
 * a table's length is seen too. An object met twice (a member in `members` and `memberList`) is
 * walked once and then stands for itself by the order it was first met in.
 *
 * Three things hold caches that reads fill and are summarised instead: the calendar (its time
 * zone), the line-plan cache (its keys), and the ledger's memo of its own hash (left out; the
 * hash itself is folded in). `pickers: false` leaves out the queues' lazily maintained read
 * cursors (head and the two heaps): the invariant auditor advances them when it looks for a
 * payable entry, so a run that audits and one that does not hold the same state but different
 * cursors.
 */
import { Ledger } from '../../src/domain/ledger.ts';
import { Queue } from '../../src/domain/model.ts';
import type { EngineState } from '../../src/domain/state.ts';

const PICKER_FIELDS = new Set(['head', 'late', 'completedFirst']);
const LEDGER_MEMO_FIELDS = new Set(['hashedUpTo', 'hashA', 'hashB']);

const TAG = {
  undef: 0x7fff_ff01, null: 0x7fff_ff02, back: 0x7fff_ff03, arr: 0x7fff_ff04, map: 0x7fff_ff05, set: 0x7fff_ff06,
  obj: 0x7fff_ff07, typed: 0x7fff_ff08, fn: 0x7fff_ff09, big: 0x7fff_ff0a, str: 0x7fff_ff0b, t: 0x7fff_ff0c, f: 0x7fff_ff0d,
  float: 0x7fff_ff0e, wide: 0x7fff_ff0f,
};

/** Strings are hashed once and remembered: keys, ids and statuses repeat on every digest. */
const STRING_WORDS = new Map<string, number>();

function stringWord(s: string): number {
  let w = STRING_WORDS.get(s);
  if (w === undefined) {
    let a = 0x811c9dc5 ^ s.length;
    for (let i = 0; i < s.length; i++) {
      a = Math.imul(a ^ s.charCodeAt(i), 0x01000193);
      a ^= a >>> 13;
    }
    w = a | 0;
    if (STRING_WORDS.size > 1_000_000) STRING_WORDS.clear();
    STRING_WORDS.set(s, w);
  }
  return w;
}

class Hasher {
  private a = 0x3c6ef372;
  private b = 0x1b873593;
  private n = 0;

  word(k: number): void {
    this.a = Math.imul(this.a ^ k, 0x01000193);
    this.a ^= this.a >>> 15;
    const b = (this.b << 5) | (this.b >>> 27);
    this.b = Math.imul(b ^ k ^ this.n, 0x5bd1e995);
    this.n++;
  }

  /** `word` over a whole array, with the lanes in locals. */
  words(w: Uint32Array): void {
    let a = this.a;
    let b = this.b;
    let n = this.n;
    for (let i = 0; i < w.length; i++) {
      const k = w[i]! | 0;
      a = Math.imul(a ^ k, 0x01000193);
      a ^= a >>> 15;
      b = Math.imul(((b << 5) | (b >>> 27)) ^ k ^ n, 0x5bd1e995);
      n++;
    }
    this.a = a;
    this.b = b;
    this.n = n;
  }

  num(x: number): void {
    if ((x | 0) === x) {
      this.word(x);
    } else if (Number.isSafeInteger(x)) {
      const m = x < 0 ? -x : x;
      const lo = m % 0x1_0000_0000;
      this.word(x < 0 ? -TAG.wide : TAG.wide);
      this.word(lo);
      this.word((m - lo) / 0x1_0000_0000);
    } else {
      this.word(TAG.float);
      this.str(Object.is(x, -0) ? '-0' : String(x));
    }
  }

  str(s: string): void {
    this.word(TAG.str);
    this.word(stringWord(s));
    this.word(s.length);
  }

  hex(): string {
    const f = (h: number) => {
      h ^= h >>> 16;
      h = Math.imul(h, 0x85ebca6b);
      h ^= h >>> 13;
      h = Math.imul(h, 0xc2b2ae35);
      h ^= h >>> 16;
      return (h >>> 0).toString(16).padStart(8, '0');
    };
    return f(this.a ^ this.n) + f(this.b ^ Math.imul(this.n, 0x9e3779b1));
  }
}

function isCalendar(x: object): x is { timeZone: string } {
  const c = x as { timeZone?: unknown; dayNumber?: unknown };
  return typeof c.timeZone === 'string' && typeof c.dayNumber === 'function';
}

class Walker {
  readonly h = new Hasher();
  private readonly seen = new Map<object, number>();

  constructor(private readonly pickers: boolean) {}

  /** Marks an object as met, so that later references to it are back-references. */
  markSeen(x: object): void {
    this.seen.set(x, this.seen.size);
  }

  value(x: unknown): void {
    const h = this.h;
    switch (typeof x) {
      case 'number':
        return h.num(x);
      case 'string':
        return h.str(x);
      case 'boolean':
        return h.word(x ? TAG.t : TAG.f);
      case 'undefined':
        return h.word(TAG.undef);
      case 'bigint':
        h.word(TAG.big);
        return h.str(x.toString());
      case 'function':
      case 'symbol':
        return h.word(TAG.fn);
      default:
        if (x === null || x === undefined) return h.word(TAG.null);
        return this.object(x);
    }
  }

  private depth = 0;

  object(x: object): void {
    const h = this.h;
    // Only class instances can be shared or point back (members in two collections, views at
    // the state); they are walked once and then referred to. Plain data is walked where it is.
    const proto = Object.getPrototypeOf(x) as object | null;
    const plain = proto === Object.prototype || proto === null || proto === Array.prototype;
    if (!plain) {
      const back = this.seen.get(x);
      if (back !== undefined) {
        h.word(TAG.back);
        h.word(back);
        return;
      }
      this.seen.set(x, this.seen.size);
    }
    if (++this.depth > 200) throw new Error('stateDigest: structure nested deeper than 200 levels (a cycle of plain objects?)');
    try {
      this.walk(x);
    } finally {
      this.depth--;
    }
  }

  private walk(x: object): void {
    const h = this.h;
    if (Array.isArray(x)) {
      h.word(TAG.arr);
      h.word(x.length);
      for (const v of x) this.value(v);
    } else if (ArrayBuffer.isView(x)) {
      this.typed(x);
    } else if (x instanceof Map) {
      h.word(TAG.map);
      h.word(x.size);
      for (const [k, v] of x) {
        this.value(k);
        this.value(v);
      }
    } else if (x instanceof Set) {
      h.word(TAG.set);
      h.word(x.size);
      for (const v of x) this.value(v);
    } else if (isCalendar(x)) {
      h.str(x.timeZone);
    } else if (x instanceof Ledger) {
      h.str(x.hash());
      this.fields(x, LEDGER_MEMO_FIELDS);
    } else if (x instanceof Queue && !this.pickers) {
      this.fields(x, PICKER_FIELDS);
    } else {
      this.fields(x, null);
    }
  }

  /** Recently met field-name lists and their words: most objects share a handful of shapes. */
  private readonly shapes: { keys: string[]; word: number }[] = [];

  /** One word for a list of field names. */
  private shape(keys: string[]): number {
    for (const known of this.shapes) {
      const last = known.keys;
      if (last.length !== keys.length) continue;
      let i = 0;
      while (i < keys.length && keys[i] === last[i]) i++;
      if (i === keys.length) return known.word;
    }
    let w = 0x2545f491 ^ keys.length;
    for (const k of keys) w = Math.imul(w ^ stringWord(k), 0x01000193) ^ (w >>> 13);
    if (this.shapes.length >= 16) this.shapes.pop();
    this.shapes.unshift({ keys, word: w });
    return w;
  }

  private fields(x: object, skip: ReadonlySet<string> | null): void {
    const h = this.h;
    h.word(TAG.obj);
    if (skip === null) {
      // Object.values reads every field natively, in the same order as Object.keys.
      h.word(this.shape(Object.keys(x)));
      for (const v of Object.values(x)) this.value(v);
      return;
    }
    const keys = Object.keys(x).filter((k) => !skip.has(k));
    h.word(this.shape(keys));
    for (const k of keys) this.value((x as Record<string, unknown>)[k]);
  }

  /** Typed arrays by their bytes, through one 32-bit view: one monomorphic loop for every kind. */
  private typed(x: ArrayBufferView): void {
    const h = this.h;
    h.word(TAG.typed);
    h.word(x.byteLength);
    const whole = x.byteOffset % 4 === 0 ? x.byteLength >>> 2 : 0;
    if (whole > 0) h.words(new Uint32Array(x.buffer, x.byteOffset, whole));
    const bytes = new Uint8Array(x.buffer, x.byteOffset + whole * 4, x.byteLength - whole * 4);
    for (let i = 0; i < bytes.length; i++) h.word(bytes[i]!);
  }

  /** Only the keys of a cache of compiled objects (maps of maps), never the compiled values. */
  keysOnly(x: unknown, depth: number): void {
    const h = this.h;
    if (depth > 4 || x === null || typeof x !== 'object') return;
    if (x instanceof Map) {
      h.word(TAG.map);
      h.word(x.size);
      for (const [k, v] of x) {
        this.value(k);
        if (v instanceof Map) this.keysOnly(v, depth + 1);
      }
    } else if (!Array.isArray(x) && !ArrayBuffer.isView(x)) {
      for (const k of Object.keys(x)) {
        h.str(k);
        const v = (x as Record<string, unknown>)[k];
        if (v instanceof Map) this.keysOnly(v, depth + 1);
      }
    }
  }
}

export interface DigestOptions {
  /** Include the queues' read cursors (head, late heap, completedFirst heap). Default true. */
  pickers?: boolean;
  /** Extra numbers from outside the engine state, e.g. the idempotency record count. */
  extra?: readonly number[];
}

/** The digest of the full engine state; equal states give equal digests. */
export function stateDigest(state: EngineState, options: DigestOptions = {}): string {
  const w = new Walker(options.pickers ?? true);
  w.h.word(TAG.obj);
  // The state itself is met first, so views that point back at it stand for it.
  w.markSeen(state);
  const root = state as unknown as Record<string, unknown>;
  for (const k of Object.keys(root)) {
    w.h.str(k);
    if (k === 'plans') w.keysOnly(root[k], 0);
    else w.value(root[k]);
  }
  for (const x of options.extra ?? []) w.h.num(x);
  return w.h.hex();
}
