/**
 * Order lines, their entries and orders as columns (see columns.ts for why). A line and the
 * entry it created share one row: every entry has exactly one line. Rare fields (refund time,
 * profit, lottery state, forfeits) live in side maps so the common row stays small.
 */
import { Float64Column, Int32Column, Uint16Column, Uint8Column, nextChunkedCapacity } from './columns.ts';
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
  readonly order = new Int32Column();
  readonly paid = new Float64Column();
  /** 提取比例 fixed at payment; the extraction is floor(paid × extractBp / 10000). */
  readonly extractBp = new Int32Column();
  /** Index into the interned line paths (channel, product, store). */
  readonly path = new Int32Column();
  /** The queue's number, 0 when the line takes no part. Follows merges. */
  readonly queue = new Int32Column();
  readonly flags = new Uint8Column();
  /** Index into the interned ids. */
  readonly lineId = new Int32Column();
  /** The entry's number, 0 when the line created none. */
  readonly entryNo = new Int32Column();
  readonly status = new Uint8Column();
  readonly seq = new Int32Column();
  /** The entry's ratio: its total is floor(paid × ratioBp / 10000). */
  readonly ratioBp = new Int32Column();
  readonly received = new Float64Column();

  add(): number {
    if (this.length === this.capacity) this.resize(nextChunkedCapacity(this.capacity));
    return this.length++;
  }

  private resize(capacity: number): void {
    this.capacity = capacity;
    this.order.reserve(capacity);
    this.paid.reserve(capacity);
    this.extractBp.reserve(capacity);
    this.path.reserve(capacity);
    this.queue.reserve(capacity);
    this.flags.reserve(capacity);
    this.lineId.reserve(capacity);
    this.entryNo.reserve(capacity);
    this.status.reserve(capacity);
    this.seq.reserve(capacity);
    this.ratioBp.reserve(capacity);
    this.received.reserve(capacity);
  }

  hasFlag(row: number, flag: number): boolean {
    return (this.flags.get(row) & flag) !== 0;
  }

  setFlag(row: number, flag: number): void {
    this.flags.set(row, this.flags.get(row) | flag);
  }

  reason(row: number): NoEntryReason | null {
    return REASONS[this.flags.get(row) >> REASON_SHIFT]!;
  }

  setReason(row: number, reason: NoEntryReason | null): void {
    this.flags.set(row, (this.flags.get(row) & ((1 << REASON_SHIFT) - 1)) | (reasonCode(reason) << REASON_SHIFT));
  }

  isActive(row: number): boolean {
    const s = this.status.get(row);
    return s === WAITING || s === REWARDING;
  }
}

export class OrderTable {
  length = 0;
  capacity = 0;
  readonly member = new Int32Column();
  readonly paidAt = new Float64Column();
  /** -1 until the order completes. */
  readonly completedAt = new Float64Column();
  readonly firstLine = new Int32Column();
  readonly lineCount = new Uint16Column();

  /** Adds an order row; its index is the index of its id in the engine's order id table. */
  add(): number {
    if (this.length === this.capacity) {
      const capacity = nextChunkedCapacity(this.capacity);
      this.capacity = capacity;
      this.member.reserve(capacity);
      this.paidAt.reserve(capacity);
      this.completedAt.reserve(capacity);
      this.firstLine.reserve(capacity);
      this.lineCount.reserve(capacity);
    }
    return this.length++;
  }
}
