/**
 * Money moving out of a queue to its entries (SPEC §3.4) and the ways an entry ends.
 * Every movement is one ledger transfer whose cause is the entry it concerns.
 */
import type { Context } from './context.ts';
import { assert } from './errors.ts';
import type { Entry, EntryStatus, Queue } from './model.ts';
import { COMPLETED, REWARDING } from './tables.ts';
import { nextPayable } from './queue-order.ts';

/** Pays `amountFen` from the entry's queue: frozen until its order completes, cash after. `before` is what it had received. */
function payRow(ctx: Context, queue: Queue, row: number, totalFen: number, before: number, amountFen: number): void {
  const { state } = ctx;
  const t = state.lines;
  const order = t.order.get(row);
  const member = state.memberList[state.orderTable.member.get(order) - 1]!;
  const completedOrder = state.orderTable.completedAt.get(order) >= 0;
  const entryNo = t.entryNo.get(row);
  state.ledger.transfer(queue.account, completedOrder ? member.cashAccount : member.frozenAccount, amountFen, 'CNY', 'entry', entryNo, ctx.eventNo);
  const received = before + amountFen;
  t.received.set(row, received);
  queue.ahead.change(t.seq.get(row), totalFen - before, totalFen - received);
  queue.pendingFen -= amountFen;
  assert(received <= totalFen, 'an entry received more than its total');
  ctx.notifyRaw('rewardReceived', member, entryNo, amountFen);
  if (received === totalFen) {
    t.status.set(row, COMPLETED);
    queue.activeCount--;
    ctx.notifyRaw('entryCompleted', member, entryNo, totalFen);
  } else {
    t.status.set(row, REWARDING);
  }
}

/**
 * Offers the queue's undistributed balance to its payable entries in sequence order: the head
 * takes min(pending, left) and the rest flows on. What nobody can take stays in the queue.
 */
export function offerQueue(ctx: Context, queue: Queue): void {
  const { state } = ctx;
  if (state.isPaused || queue.paused || queue.mergedInto) return;
  let left = state.ledger.balance(queue.account, 'CNY');
  const rule = state.settings.base.payoutRule;
  while (left > 0) {
    const row = nextPayable(state, queue, rule);
    if (row < 0) break;
    const total = state.totalOf(row);
    const received = state.lines.received.get(row);
    const amount = Math.min(total - received, left);
    payRow(ctx, queue, row, total, received, amount);
    left -= amount;
  }
}

/** The order completed: money the entry received while frozen becomes withdrawable cash. */
export function releaseFrozen(ctx: Context, entry: Entry, frozenFen: number): void {
  if (frozenFen === 0) return;
  const member = entry.member;
  ctx.state.ledger.transfer(member.frozenAccount, member.cashAccount, frozenFen, 'CNY', 'entry', entry.no, ctx.eventNo);
}

/**
 * Ends an active entry's pending amount (exchange, reset, cancellation). Frozen money it already
 * received is untouched: it keeps waiting for its order's completion or refund.
 */
export function endEntry(ctx: Context, entry: Entry, status: Extract<EntryStatus, 'exchanged' | 'cleared' | 'cancelled'>): number {
  assert(entry.isActive, 'only an active entry can end');
  const pending = entry.totalFen - entry.receivedFen;
  entry.queue.ahead.change(entry.seq, pending, 0);
  if (status !== 'exchanged') entry.forfeitedFen += pending;
  entry.queue.pendingFen -= pending;
  entry.queue.activeCount--;
  entry.status = status;
  ctx.touch(entry.queue);
  return pending;
}
