/**
 * Settlement (结算): a line's extraction (提取) moves from platform funding into its queue,
 * at payment or at completion depending on the settlement event fixed when it was paid.
 */
import type { Context } from './context.ts';
import type { Line, Queue } from './model.ts';
import { applyBp } from './money.ts';
import { FLAG_REFUNDED, FLAG_SETTLED } from './tables.ts';

/** A merged queue forwards to the queue that absorbed it. */
export function currentQueue(queue: Queue): Queue {
  let q = queue;
  while (q.mergedInto) q = q.mergedInto;
  return q;
}

export function settleLine(ctx: Context, line: Line): void {
  settleRow(ctx, line.row);
}

/** settleLine for a line known by its row, as the paid handler has it (no view per line). */
export function settleRow(ctx: Context, row: number): void {
  const { state } = ctx;
  const t = state.lines;
  const queueNo = t.queue.get(row);
  if (queueNo === 0) return;
  const flags = t.flags.get(row);
  if ((flags & (FLAG_SETTLED | FLAG_REFUNDED)) !== 0) return;
  t.flags.set(row, flags | FLAG_SETTLED);
  const extractFen = applyBp(t.paid.get(row), t.extractBp.get(row));
  if (extractFen === 0) return;
  const queue = currentQueue(state.queueList[queueNo - 1]!);
  state.ledger.transfer(state.platform.funding, queue.account, extractFen, 'CNY', 'line', row + 1, ctx.eventNo);
  const day = ctx.day;
  const inflow = queue.inflowByDay;
  inflow.set(day, (inflow.get(day) ?? 0) + extractFen);
  if (inflow.size > 8) inflow.delete(inflow.keys().next().value!);
  queue.lastInflowAt = ctx.at;
  ctx.touch(queue);
}
