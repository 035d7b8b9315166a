/**
 * The end of every step (an event, a scheduled reset or a scheduled release): touched queues
 * offer their undistributed balance, continuous pools release, and the step is stamped.
 */
import type { Context, Notice } from './context.ts';
import type { EngineEvent } from './events.ts';
import { offerQueue } from './payout.ts';
import { releaseContinuous } from './programs/pool.ts';

export interface EventOutcome {
  eventNo: number;
  type: EngineEvent['type'];
  at: number;
  result: unknown;
  /** Entries cleared by a scheduled reset that fell due before this event. */
  scheduledResets: number;
  /** Time-driven steps (resets, daily releases) that fell due before this event, in order. */
  scheduled: EventOutcome[];
  notices: Notice[];
}

export function finish(ctx: Context, event: EngineEvent, result: unknown, scheduled: EventOutcome[] = []): EventOutcome {
  const { state } = ctx;
  for (let i = 0, queue = ctx.touchedAt(0); queue !== null; queue = ctx.touchedAt(++i)) offerQueue(ctx, queue);
  if (state.programList.length > 0) releaseContinuous(ctx);
  state.eventNo = ctx.eventNo;
  state.now = event.at;
  let scheduledResets = 0;
  for (let i = 0; i < scheduled.length; i++) scheduledResets += (scheduled[i]!.result as { cleared?: number }).cleared ?? 0;
  return { eventNo: ctx.eventNo, type: event.type, at: event.at, result, scheduledResets, scheduled, notices: ctx.takeNotices() };
}
