/**
 * Money moving out of a queue to its entries (SPEC §3.4) and the ways an entry ends.
 * Every movement is one ledger transfer whose cause is the entry it concerns.
 */
import type { Context } from './context.ts';
import { assert } from './errors.ts';
import type { Entry, EntryStatus, Queue } from './model.ts';
import { nextPayable } from './queue-order.ts';

/** Pays `amountFen` from the entry's queue: frozen until its order completes, cash after. */
function payEntry(ctx: Context, entry: Entry, amountFen: number): void {
  const { state } = ctx;
  const member = entry.member;
  const completedOrder = entry.line.order.completed;
  state.ledger.transfer(
    entry.queue.account,
    completedOrder ? member.cashAccount : member.frozenAccount,
    amountFen,
    'CNY',
    'entry',
    entry.no,
    ctx.eventNo,
  );
  entry.receivedFen += amountFen;
  if (!completedOrder) entry.frozenFen += amountFen;
  entry.queue.pendingFen -= amountFen;
  assert(entry.receivedFen <= entry.totalFen, 'an entry received more than its total');
  ctx.notify('rewardReceived', entry, amountFen);
  if (entry.receivedFen === entry.totalFen) {
    entry.status = 'completed';
    entry.queue.activeCount--;
    ctx.notify('entryCompleted', entry, entry.totalFen);
  } else {
    entry.status = 'rewarding';
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
    const entry = nextPayable(queue, rule);
    if (!entry) break;
    const amount = Math.min(entry.totalFen - entry.receivedFen, left);
    payEntry(ctx, entry, amount);
    left -= amount;
  }
}

/** The order completed: money the entry received while frozen becomes withdrawable cash. */
export function releaseFrozen(ctx: Context, entry: Entry): void {
  if (entry.frozenFen === 0) return;
  const member = entry.member;
  ctx.state.ledger.transfer(member.frozenAccount, member.cashAccount, entry.frozenFen, 'CNY', 'entry', entry.no, ctx.eventNo);
  entry.frozenFen = 0;
}

/**
 * Ends an active entry's pending amount (exchange, reset, cancellation). Frozen money it already
 * received is untouched: it keeps waiting for its order's completion or refund.
 */
export function endEntry(ctx: Context, entry: Entry, status: Extract<EntryStatus, 'exchanged' | 'cleared' | 'cancelled'>): number {
  assert(entry.isActive, 'only an active entry can end');
  const pending = entry.totalFen - entry.receivedFen;
  if (status !== 'exchanged') entry.forfeitedFen += pending;
  entry.queue.pendingFen -= pending;
  entry.queue.activeCount--;
  entry.status = status;
  ctx.touch(entry.queue);
  return pending;
}
