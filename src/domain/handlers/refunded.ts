/**
 * A refund of a whole order or some of its lines (SPEC §3.4, §3.5). All refunded lines are
 * cancelled first, so none of them is paid from this event's returns; then each line's money
 * goes back: frozen rewards to its queue, released rewards too under `clawbackAfterSale`, and an
 * extraction already paid into the queue is absorbed by the platform.
 */
import type { Context } from '../context.ts';
import { reject } from '../errors.ts';
import type { Line } from '../model.ts';
import { endEntry } from '../payout.ts';
import { refundPoolEntries } from '../programs/pool.ts';
import { addTurnover } from '../rewards/dividend.ts';
import { reverseLineRewards } from '../rewards/distribution.ts';

export interface RefundedResult {
  orderId: string;
  lineIds: string[];
  /** Money returned to stream queues. */
  returnedFen: number;
  /** Money returned to pools (frozen acceleration, clawback). */
  poolReturnedFen: number;
  absorbedFen: number;
}

function refundedLines(ctx: Context, orderId: string, lineIds: readonly string[] | undefined): Line[] {
  const order = ctx.state.order(orderId) ?? reject('UNKNOWN_ORDER', `order ${orderId} is not known`, { orderId });
  if (!lineIds) {
    const open = order.lines.filter((line) => !line.refunded);
    if (open.length === 0) reject('NOTHING_TO_REFUND', `every line of order ${orderId} was already refunded`, { orderId });
    return open;
  }
  return lineIds.map((lineId) => {
    const line = order.lines.find((l) => l.id === lineId) ?? reject('UNKNOWN_LINE', `order ${orderId} has no line ${lineId}`, { orderId, lineId });
    if (line.refunded) reject('LINE_ALREADY_REFUNDED', `line ${lineId} of order ${orderId} was already refunded`, { orderId, lineId });
    return line;
  });
}

function cancel(ctx: Context, line: Line): void {
  line.markRefunded(ctx.at);
  const entry = line.entry;
  if (!entry) return;
  if (entry.isActive) {
    endEntry(ctx, entry, 'cancelled');
    ctx.notify('entryCancelled', entry, entry.forfeitedFen);
  } else if (entry.status === 'completed') {
    entry.status = 'cancelled';
    ctx.notify('entryCancelled', entry, 0);
  }
}

/** Returns the money of one refunded line; yields [returned to queue, absorbed by platform]. */
function returnMoney(ctx: Context, line: Line): [number, number] {
  const { state } = ctx;
  const { ledger, platform } = state;
  let returned = 0;
  const entry = line.entry;
  if (entry && entry.seq > 0) {
    const queue = entry.queue;
    const member = entry.member;
    // Everything received before the order completed is still frozen; the line is marked
    // refunded already, which is what makes the entry's frozen part read zero from now on.
    const frozen = line.order.completed ? 0 : entry.receivedFen;
    const released = entry.receivedFen - frozen - entry.returnedFen;
    if (frozen > 0) {
      ledger.transfer(member.frozenAccount, queue.account, frozen, 'CNY', 'entry', entry.no, ctx.eventNo);
      returned += frozen;
    }
    if (state.settings.base.clawbackAfterSale && released > 0) {
      const fromCash = Math.min(released, ledger.balance(member.cashAccount, 'CNY'));
      if (fromCash > 0) ledger.transfer(member.cashAccount, queue.account, fromCash, 'CNY', 'entry', entry.no, ctx.eventNo);
      if (released > fromCash) ledger.transfer(platform.loss, queue.account, released - fromCash, 'CNY', 'entry', entry.no, ctx.eventNo);
      returned += released;
    }
    entry.returnedFen += returned;
    if (returned > 0) ctx.touch(queue);
  }
  let absorbed = 0;
  if (line.settled && line.extractFen > 0) {
    // The extraction already went to other members: they keep it and the platform bears it.
    ledger.transfer(platform.loss, platform.funding, line.extractFen, 'CNY', 'line', line.no, ctx.eventNo);
    absorbed = line.extractFen;
  }
  return [returned, absorbed];
}

export function applyRefunded(ctx: Context, orderId: string, lineIds: readonly string[] | undefined): RefundedResult {
  const lines = refundedLines(ctx, orderId, lineIds);

  // Checks are done: from here on the event applies in full.
  for (const line of lines) cancel(ctx, line);
  let returnedFen = 0;
  let absorbedFen = 0;
  let poolReturnedFen = 0;
  for (const line of lines) {
    const [returned, absorbed] = returnMoney(ctx, line);
    if (line.order.completed) addTurnover(ctx, line, -1);
    else reverseLineRewards(ctx, line);
    poolReturnedFen += refundPoolEntries(ctx, line);
    returnedFen += returned;
    absorbedFen += absorbed;
  }
  return { orderId, lineIds: lines.map((l) => l.id), returnedFen, poolReturnedFen, absorbedFen };
}
