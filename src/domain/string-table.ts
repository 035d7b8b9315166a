/**
 * A compact set of strings numbered in insertion order: the characters of every string sit in
 * one UTF-16 arena, found through an open-addressing hash table of indices. A shop's order and
 * line ids cost about two bytes per character plus a few bytes of index, where a Map<string,
 * number> costs a heap string and a hash-table entry each (around 60 bytes for a short id).
 *
 * The arena and the per-string columns are chunked (columns.ts), so they grow without copying.
 * A string never straddles two arena chunks: one that would is placed at the next chunk's start
 * (ids are short, so the gap is a few characters per 16k), and reading it takes one chunk.
 */
import { CHUNK_BITS, CHUNK_MASK, CHUNK_ROWS, Int32Column, Uint16Column, nextChunkedCapacity } from './columns.ts';
import { assert } from './errors.ts';

/** A slot holds index + 1, so that a fresh (zero-filled) slot array needs no fill to be empty. */
const EMPTY = 0;

/** FNV-1a as a signed 32-bit integer (a small integer for V8: no heap number per call). */
function hashOf(s: string): number {
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h;
}

export class StringTable {
  private readonly chars = new Uint16Column();
  private charsCapacity = 0;
  private charsUsed = 0;
  private readonly starts = new Int32Column();
  private readonly lengths = new Uint16Column();
  private capacity = 0;
  /**
   * Open addressing with linear probing, two words per slot: the string's index + 1 (EMPTY when
   * the slot is free) and its hash. A probe compares hashes in the slot it already read and touches
   * the arena only on a match, so passing an occupied slot costs no cache miss of its own.
   */
  private slots = new Int32Array(2 * 32);
  /** The last string `intern` saw and its index: consecutive lines mostly reuse one line id. */
  private lastInterned: string | null = null;
  private lastIndex = -1;
  size = 0;

  /** The index of `s`, or -1 when it is not in the table. */
  find(s: string): number {
    const hash = hashOf(s);
    const slots = this.slots;
    const mask = (slots.length >>> 1) - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const entry = slots[2 * slot]!;
      if (entry === EMPTY) return -1;
      if (slots[2 * slot + 1] === hash && this.equals(entry - 1, s)) return entry - 1;
    }
  }

  /** The index of `s`, adding it when it is new. */
  intern(s: string): number {
    if (s === this.lastInterned) return this.lastIndex;
    const found = this.find(s);
    const index = found >= 0 ? found : this.add(s);
    this.lastInterned = s;
    this.lastIndex = index;
    return index;
  }

  /** Adds `s` and returns its new index, or returns -1 when it is already present: one probe. */
  addIfAbsent(s: string): number {
    const hash = hashOf(s);
    const slots = this.slots;
    const mask = (slots.length >>> 1) - 1;
    let slot = hash & mask;
    for (let entry = slots[2 * slot]!; entry !== EMPTY; entry = slots[2 * slot]!) {
      if (slots[2 * slot + 1] === hash && this.equals(entry - 1, s)) return -1; // present: nothing changed, not even the layout
      slot = (slot + 1) & mask;
    }
    const index = this.store(s);
    if ((this.size + 1) * 4 > (slots.length >>> 1) * 3) {
      this.rehash(slots.length);
      this.place(index, hash);
    } else {
      slots[2 * slot] = index + 1;
      slots[2 * slot + 1] = hash;
    }
    return index;
  }

  /** Adds a string known not to be in the table and returns its index. */
  add(s: string): number {
    if ((this.size + 1) * 4 > (this.slots.length >>> 1) * 3) this.rehash(this.slots.length);
    const index = this.store(s);
    this.place(index, hashOf(s));
    return index;
  }

  /** Copies the characters into the arena and numbers the string. */
  private store(s: string): number {
    const length = s.length;
    assert(length <= CHUNK_ROWS, 'StringTable: a string is longer than an arena chunk');
    if (this.size === this.capacity) {
      this.capacity = nextChunkedCapacity(this.capacity);
      this.starts.reserve(this.capacity);
      this.lengths.reserve(this.capacity);
    }
    let start = this.charsUsed;
    if ((start & CHUNK_MASK) + length > CHUNK_ROWS) start = (start | CHUNK_MASK) + 1; // next chunk
    while (start + length > this.charsCapacity) {
      this.charsCapacity = nextChunkedCapacity(this.charsCapacity);
      this.chars.reserve(this.charsCapacity);
    }
    const index = this.size++;
    this.starts.set(index, start);
    this.lengths.set(index, length);
    const chunk = this.chars.chunks[start >>> CHUNK_BITS]!;
    const offset = start & CHUNK_MASK;
    for (let i = 0; i < length; i++) chunk[offset + i] = s.charCodeAt(i);
    this.charsUsed = start + length;
    return index;
  }

  get(index: number): string {
    const start = this.starts.get(index);
    const offset = start & CHUNK_MASK;
    return String.fromCharCode(...this.chars.chunks[start >>> CHUNK_BITS]!.subarray(offset, offset + this.lengths.get(index)));
  }

  private equals(index: number, s: string): boolean {
    if (this.lengths.get(index) !== s.length) return false;
    const start = this.starts.get(index);
    const chunk = this.chars.chunks[start >>> CHUNK_BITS]!;
    const offset = start & CHUNK_MASK;
    for (let i = 0; i < s.length; i++) if (chunk[offset + i] !== s.charCodeAt(i)) return false;
    return true;
  }

  private place(index: number, hash: number): void {
    const slots = this.slots;
    const mask = (slots.length >>> 1) - 1;
    let slot = hash & mask;
    while (slots[2 * slot] !== EMPTY) slot = (slot + 1) & mask;
    slots[2 * slot] = index + 1;
    slots[2 * slot + 1] = hash;
  }

  /** Twice the slots, every string placed again by the hash its slot kept: no arena reads. */
  private rehash(slotCount: number): void {
    const old = this.slots;
    this.slots = new Int32Array(2 * slotCount);
    for (let i = 0; i < old.length; i += 2) if (old[i] !== EMPTY) this.place(old[i]! - 1, old[i + 1]!);
  }
}
