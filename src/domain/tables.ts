/**
 * Order lines, their entries and orders as columns (see columns.ts for why). A line and the
 * entry it created share one row: every entry has exactly one line. Rare fields (refund time,
 * profit, lottery state, forfeits) live in side maps so the common row stays small.
 */
import { grow, nextCapacity } from './columns.ts';
import type { EntryStatus, NoEntryReason } from './model.ts';

export const STATUS_NONE = 0;
export const STATUSES: readonly EntryStatus[] = ['waiting', 'waiting', 'rewarding', 'completed', 'exchanged', 'cleared', 'cancelled', 'points'];
export const STATUS_CODE: Readonly<Record<EntryStatus, number>> = {
  waiting: 1, rewarding: 2, completed: 3, exchanged: 4, cleared: 5, cancelled: 6, points: 7,
};
export const WAITING = 1;
export const REWARDING = 2;
export const COMPLETED = 3;

export const REASONS: readonly (NoEntryReason | null)[] = [null, 'disabled', 'outsideWindow', 'deduction', 'dailyLimit', 'totalLimit'];

export const FLAG_SETTLE_ON_COMPLETED = 1;
export const FLAG_SETTLED = 2;
export const FLAG_REFUNDED = 4;
export const REASON_SHIFT = 3;

/** The code of a no-entry reason in the flags (its index in REASONS), without a search. */
export function reasonCode(reason: NoEntryReason | null): number {
  switch (reason) {
    case null:
      return 0;
    case 'disabled':
      return 1;
    case 'outsideWindow':
      return 2;
    case 'deduction':
      return 3;
    case 'dailyLimit':
      return 4;
    case 'totalLimit':
      return 5;
  }
}

export class LineTable {
  length = 0;
  capacity = 0;
  /** Order index (0-based). */
  order = new Int32Array(0);
  paid = new Float64Array(0);
  /** 提取比例 fixed at payment; the extraction is floor(paid × extractBp / 10000). */
  extractBp = new Int32Array(0);
  /** Index into the interned line paths (channel, product, store). */
  path = new Int32Array(0);
  /** The queue's number, 0 when the line takes no part. Follows merges. */
  queue = new Int32Array(0);
  flags = new Uint8Array(0);
  /** Index into the interned ids. */
  lineId = new Int32Array(0);
  /** The entry's number, 0 when the line created none. */
  entryNo = new Int32Array(0);
  status = new Uint8Array(0);
  seq = new Int32Array(0);
  /** The entry's ratio: its total is floor(paid × ratioBp / 10000). */
  ratioBp = new Int32Array(0);
  received = new Float64Array(0);

  add(): number {
    if (this.length === this.capacity) this.resize(nextCapacity(this.capacity, this.length + 1));
    return this.length++;
  }

  private resize(capacity: number): void {
    this.capacity = capacity;
    this.order = grow(this.order, capacity);
    this.paid = grow(this.paid, capacity);
    this.extractBp = grow(this.extractBp, capacity);
    this.path = grow(this.path, capacity);
    this.queue = grow(this.queue, capacity);
    this.flags = grow(this.flags, capacity);
    this.lineId = grow(this.lineId, capacity);
    this.entryNo = grow(this.entryNo, capacity);
    this.status = grow(this.status, capacity);
    this.seq = grow(this.seq, capacity);
    this.ratioBp = grow(this.ratioBp, capacity);
    this.received = grow(this.received, capacity);
  }

  hasFlag(row: number, flag: number): boolean {
    return (this.flags[row]! & flag) !== 0;
  }

  setFlag(row: number, flag: number): void {
    this.flags[row]! |= flag;
  }

  reason(row: number): NoEntryReason | null {
    return REASONS[this.flags[row]! >> REASON_SHIFT]!;
  }

  setReason(row: number, reason: NoEntryReason | null): void {
    this.flags[row] = (this.flags[row]! & ((1 << REASON_SHIFT) - 1)) | (reasonCode(reason) << REASON_SHIFT);
  }

  isActive(row: number): boolean {
    const s = this.status[row]!;
    return s === WAITING || s === REWARDING;
  }
}

export class OrderTable {
  length = 0;
  capacity = 0;
  member = new Int32Array(0);
  paidAt = new Float64Array(0);
  /** -1 until the order completes. */
  completedAt = new Float64Array(0);
  firstLine = new Int32Array(0);
  lineCount = new Uint16Array(0);

  /** Adds an order row; its index is the index of its id in the engine's order id table. */
  add(): number {
    if (this.length === this.capacity) {
      const capacity = nextCapacity(this.capacity, this.length + 1);
      this.capacity = capacity;
      this.member = grow(this.member, capacity);
      this.paidAt = grow(this.paidAt, capacity);
      this.completedAt = grow(this.completedAt, capacity);
      this.firstLine = grow(this.firstLine, capacity);
      this.lineCount = grow(this.lineCount, capacity);
    }
    return this.length++;
  }
}
