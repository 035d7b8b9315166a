/**
 * Settlement (结算): a line's extraction (提取) moves from platform funding into its queue,
 * at payment or at completion depending on the settlement event fixed when it was paid.
 */
import type { Context } from './context.ts';
import type { Line, Queue } from './model.ts';

/** A merged queue forwards to the queue that absorbed it. */
export function currentQueue(queue: Queue): Queue {
  let q = queue;
  while (q.mergedInto) q = q.mergedInto;
  return q;
}

export function settleLine(ctx: Context, line: Line): void {
  if (!line.queue || line.settled || line.refunded) return;
  line.markSettled();
  if (line.extractFen === 0) return;
  const { state } = ctx;
  const queue = currentQueue(line.queue);
  state.ledger.transfer(state.platform.funding, queue.account, line.extractFen, 'CNY', 'line', line.no, ctx.eventNo);
  const day = state.calendar.dayNumber(ctx.at);
  queue.inflowByDay.set(day, (queue.inflowByDay.get(day) ?? 0) + line.extractFen);
  if (queue.inflowByDay.size > 8) queue.inflowByDay.delete(queue.inflowByDay.keys().next().value!);
  queue.lastInflowAt = ctx.at;
  ctx.touch(queue);
}
