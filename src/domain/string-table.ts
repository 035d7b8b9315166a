/**
 * A compact set of strings numbered in insertion order: the characters of every string sit in
 * one UTF-16 arena, found through an open-addressing hash table of indices. A shop's order and
 * line ids cost about two bytes per character plus a few bytes of index, where a Map<string,
 * number> costs a heap string and a hash-table entry each (around 60 bytes for a short id).
 */
import { grow, nextCapacity } from './columns.ts';

const EMPTY = -1;

function hashOf(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export class StringTable {
  private chars = new Uint16Array(256);
  private charsUsed = 0;
  private starts = new Int32Array(16);
  private lengths = new Uint16Array(16);
  /**
   * Open addressing with linear probing, two words per slot: the string's index (EMPTY when the
   * slot is free) and its hash. A probe compares hashes in the slot it already read and touches
   * the arena only on a match, so passing an occupied slot costs no cache miss of its own.
   */
  private slots = new Int32Array(2 * 32).fill(EMPTY);
  size = 0;

  /** The index of `s`, or -1 when it is not in the table. */
  find(s: string): number {
    const hash = hashOf(s) | 0;
    const slots = this.slots;
    const mask = (slots.length >>> 1) - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const index = slots[2 * slot]!;
      if (index === EMPTY) return -1;
      if (slots[2 * slot + 1] === hash && this.equals(index, s)) return index;
    }
  }

  /** The index of `s`, adding it when it is new. */
  intern(s: string): number {
    const found = this.find(s);
    return found >= 0 ? found : this.add(s);
  }

  /** Adds `s` and returns its new index, or returns -1 when it is already present: one probe. */
  addIfAbsent(s: string): number {
    const hash = hashOf(s) | 0;
    const slots = this.slots;
    const mask = (slots.length >>> 1) - 1;
    let slot = hash & mask;
    for (let index = slots[2 * slot]!; index !== EMPTY; index = slots[2 * slot]!) {
      if (slots[2 * slot + 1] === hash && this.equals(index, s)) return -1; // present: nothing changed, not even the layout
      slot = (slot + 1) & mask;
    }
    const index = this.store(s);
    if ((this.size + 1) * 4 > (slots.length >>> 1) * 3) {
      this.rehash(slots.length);
      this.place(index, hash);
    } else {
      slots[2 * slot] = index;
      slots[2 * slot + 1] = hash;
    }
    return index;
  }

  /** Adds a string known not to be in the table and returns its index. */
  add(s: string): number {
    if ((this.size + 1) * 4 > (this.slots.length >>> 1) * 3) this.rehash(this.slots.length);
    const index = this.store(s);
    this.place(index, hashOf(s) | 0);
    return index;
  }

  /** Copies the characters into the arena and numbers the string. */
  private store(s: string): number {
    if (this.size === this.starts.length) {
      const capacity = nextCapacity(this.starts.length, this.size + 1);
      this.starts = grow(this.starts, capacity);
      this.lengths = grow(this.lengths, capacity);
    }
    if (this.charsUsed + s.length > this.chars.length) this.chars = grow(this.chars, nextCapacity(this.chars.length, this.charsUsed + s.length));
    const index = this.size++;
    const start = this.charsUsed;
    this.starts[index] = start;
    this.lengths[index] = s.length;
    const chars = this.chars;
    for (let i = 0; i < s.length; i++) chars[start + i] = s.charCodeAt(i);
    this.charsUsed = start + s.length;
    return index;
  }

  get(index: number): string {
    const start = this.starts[index]!;
    return String.fromCharCode(...this.chars.subarray(start, start + this.lengths[index]!));
  }

  private equals(index: number, s: string): boolean {
    if (this.lengths[index] !== s.length) return false;
    const start = this.starts[index]!;
    for (let i = 0; i < s.length; i++) if (this.chars[start + i] !== s.charCodeAt(i)) return false;
    return true;
  }

  private place(index: number, hash: number): void {
    const slots = this.slots;
    const mask = (slots.length >>> 1) - 1;
    let slot = hash & mask;
    while (slots[2 * slot] !== EMPTY) slot = (slot + 1) & mask;
    slots[2 * slot] = index;
    slots[2 * slot + 1] = hash;
  }

  /** Twice the slots, every string placed again by the hash its slot kept: no arena reads. */
  private rehash(slotCount: number): void {
    const old = this.slots;
    this.slots = new Int32Array(2 * slotCount).fill(EMPTY);
    for (let i = 0; i < old.length; i += 2) if (old[i] !== EMPTY) this.place(old[i]!, old[i + 1]!);
  }
}
