/**
 * An order completes (确认收货): frozen rewards of its lines become cash, its lines start
 * counting towards accumulated-spend tiers, lines settled on completion extract now, and under
 * `completedFirst` its entries become payable.
 */
import type { Context } from '../context.ts';
import { reject } from '../errors.ts';
import { releaseFrozen } from '../payout.ts';
import { heapPush } from '../queue-order.ts';
import { completePoolEntries } from '../programs/pool.ts';
import { addTurnover } from '../rewards/dividend.ts';
import { releaseLineRewards } from '../rewards/distribution.ts';
import { settleLine } from '../settle.ts';

export interface CompletedResult {
  orderId: string;
  releasedFen: number;
}

export function applyCompleted(ctx: Context, orderId: string): CompletedResult {
  const { state } = ctx;
  const order = state.order(orderId) ?? reject('UNKNOWN_ORDER', `order ${orderId} is not known`, { orderId });
  if (order.completed) reject('ORDER_ALREADY_COMPLETED', `order ${orderId} already completed`, { orderId });
  if (order.lines.every((line) => line.refunded)) {
    reject('ORDER_FULLY_REFUNDED', `every line of order ${orderId} was refunded`, { orderId });
  }

  order.completedAt = ctx.at;
  let releasedFen = 0;
  const lines = order.lines;
  for (const line of lines) {
    if (line.refunded) continue;
    order.member.spend.push(line.row);
    const entry = line.entry;
    if (!entry) continue;
    // Until now every payment to the entry was frozen: all it received is released.
    releasedFen += entry.receivedFen;
    releaseFrozen(ctx, entry, entry.receivedFen);
    if (entry.isActive && entry.seq > 0) {
      heapPush(state, entry.queue.completedFirst, entry.row);
      ctx.touch(entry.queue);
    }
  }
  for (const line of lines) if (line.settleOn === 'completed') settleLine(ctx, line);
  for (const line of lines) {
    if (line.refunded) continue;
    releaseLineRewards(ctx, line);
    completePoolEntries(ctx, line);
    addTurnover(ctx, line, 1);
  }
  return { orderId, releasedFen };
}
