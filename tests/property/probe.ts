/**
 * Everything the property tests read from the engine state, in one place. The engine keeps
 * orders, lines and entries in typed-array columns with light views over a row; the tests read
 * them through the views (the engine's own vocabulary: an entry's status, total, received amount,
 * queue and sequence) so that a change of storage touches this file only.
 */
import { Entry, Line, type Order, type Queue } from '../../src/domain/model.ts';
import { applyBp } from '../../src/domain/money.ts';
import type { EngineState } from '../../src/domain/state.ts';
import { STATUS_CODE } from '../../src/domain/tables.ts';

export type { Entry, Order, Queue };
export type PayoutRule = 'queue' | 'completedFirst';

export function entryCount(state: EngineState): number {
  return state.entryCount;
}

/** The entry with this number (1-based), or undefined. */
export function entryByNo(state: EngineState, no: number): Entry | undefined {
  return state.entry(no);
}

export function allEntries(state: EngineState): Iterable<Entry> {
  return state.allEntries();
}

/** The line with this number (1-based), or undefined. */
export function lineByNo(state: EngineState, no: number): Line | undefined {
  return no >= 1 && no <= state.lines.length ? new Line(state, no - 1) : undefined;
}

export function orderById(state: EngineState, id: string): Order | undefined {
  return state.order(id);
}

/** The entries of a queue in sequence order (index i holds seq i + 1). */
export function queueLength(q: Queue): number {
  return q.entries.length;
}

export function queueEntry(state: EngineState, q: Queue, index: number): Entry {
  return new Entry(state, q.entries.get(index));
}

export function isActive(e: Entry): boolean {
  const s = e.status;
  return s === 'waiting' || s === 'rewarding';
}

/** May this entry take money from its queue now, under the payout rule in force (SPEC §3.5)? */
export function payableUnder(e: Entry, rule: PayoutRule): boolean {
  return isActive(e) && e.totalFen > e.receivedFen && (rule === 'queue' || e.line.order.completed);
}

/** May an entry be paid at all right now (any rule): active with something pending. */
export function payable(e: Entry): boolean {
  return isActive(e) && e.totalFen > e.receivedFen;
}

export function drawable(e: Entry): boolean {
  return e.lottery !== null && !e.drawn && e.status === 'waiting' && e.receivedFen === 0;
}

// ------------------------------------------------------------------------------------------------
// Row-level reads for the scans that run over every entry after every step. They read the same
// columns the views read, in tight loops, without creating a view per entry.

const WAITING = STATUS_CODE.waiting;
const REWARDING = STATUS_CODE.rewarding;
const COMPLETED = STATUS_CODE.completed;

/** The first entry (by row) whose received amount is over its total, negative, or short of it while completed. */
export function firstBadEntryAmount(state: EngineState): { no: number; total: number; received: number; completed: boolean } | null {
  const t = state.lines;
  const { entryNo, received, paid, ratioBp, status } = t;
  for (let row = 0, n = t.length; row < n; row++) {
    if (entryNo.get(row) === 0) continue;
    const total = applyBp(paid.get(row), ratioBp.get(row));
    const got = received.get(row);
    const completed = status.get(row) === COMPLETED;
    if (got > total || got < 0 || (completed && got !== total)) return { no: entryNo.get(row), total, received: got, completed };
  }
  return null;
}

/**
 * The first entry among the first `end` of a queue that may take money now under `rule`
 * (SPEC §3.5: waiting or rewarding, pending > 0, and under completedFirst its order completed).
 */
export function firstPayableInQueue(state: EngineState, q: Queue, rule: PayoutRule, end: number): Entry | null {
  const t = state.lines;
  const { status, received, paid, ratioBp, order } = t;
  const completedAt = state.orderTable.completedAt;
  const rows = q.entries;
  const last = Math.min(end, q.entries.length);
  for (let i = 0; i < last; i++) {
    const row = rows.get(i);
    const s = status.get(row);
    if (s !== WAITING && s !== REWARDING) continue;
    if (applyBp(paid.get(row), ratioBp.get(row)) <= received.get(row)) continue;
    if (rule === 'completedFirst' && completedAt.get(order.get(row)) < 0) continue;
    return new Entry(state, row);
  }
  return null;
}
