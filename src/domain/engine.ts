/**
 * The engine: applies one event to the state. Each handler checks everything before its first
 * change, so a rejected event (a DomainError) leaves the state exactly as it was. At the end of
 * every accepted event each touched queue offers its undistributed balance to its entries.
 */
import { Context } from './context.ts';
import { reject } from './errors.ts';
import { VOLUME_MAX_FEN } from './money.ts';
import type { EngineEvent } from './events.ts';
import { applyMerge, applyMember, applyPause, applyReset, applySettings } from './handlers/admin.ts';
import { applyCompleted } from './handlers/completed.ts';
import { applyExchange, applyPointsTransfer } from './handlers/exchange.ts';
import { applyLotteryDraw } from './handlers/lottery.ts';
import { applyPaid } from './handlers/paid.ts';
import { applyRefunded } from './handlers/refunded.ts';
import { applyWithdrawalPaid, applyWithdrawalRejected, applyWithdrawalRequest } from './handlers/withdrawals.ts';
import { applyPoolRelease } from './programs/release.ts';
import { runDueSteps } from './scheduler.ts';
import { applyDividend } from './rewards/dividend.ts';
import type { EngineState } from './state.ts';
import { type EventOutcome, finish } from './step.ts';

export type { EventOutcome } from './step.ts';

function dispatch(ctx: Context, event: EngineEvent): unknown {
  switch (event.type) {
    case 'settings':
      return applySettings(ctx, event.settings);
    case 'member':
      return applyMember(ctx, event);
    case 'paid':
      return applyPaid(ctx, event.orderId, event.memberId, event.lines);
    case 'completed':
      return applyCompleted(ctx, event.orderId);
    case 'refunded':
      return applyRefunded(ctx, event.orderId, event.lineIds);
    case 'lotteryDraw':
      return applyLotteryDraw(ctx, event, event.seed, event.ratioBp);
    case 'exchange':
      return applyExchange(ctx, event, event.target);
    case 'pointsTransfer':
      return applyPointsTransfer(ctx, event.fromMemberId, event.toMemberId, event.points);
    case 'pause':
    case 'resume':
      return applyPause(ctx, event.type === 'pause', event.queue);
    case 'reset':
      return applyReset(ctx, event.queues);
    case 'merge':
      return applyMerge(ctx, event.sources, event.target);
    case 'tick':
      return { now: event.at };
    case 'poolRelease':
      return applyPoolRelease(ctx, event.programId);
    case 'dividend':
      return applyDividend(ctx, event.fromDate, event.toDate);
    case 'withdrawalRequested':
      return applyWithdrawalRequest(ctx, event.withdrawalId, event.memberId, event.amountFen);
    case 'withdrawalPaid':
      return applyWithdrawalPaid(ctx, event.withdrawalId);
    case 'withdrawalRejected':
      return applyWithdrawalRejected(ctx, event.withdrawalId);
  }
}

/** Applies one parsed event. A rejection throws a DomainError before the event changed anything. */
export function applyEvent(state: EngineState, event: EngineEvent): EventOutcome {
  if (event.at < state.now) {
    reject('CLOCK_WENT_BACKWARDS', `event time ${event.at} is before the engine's time ${state.now}`, { at: event.at, now: state.now });
  }
  if (state.ledger.volumeMax >= VOLUME_MAX_FEN || state.entitlementIssuedFen >= VOLUME_MAX_FEN) {
    // Past this, sums could stop being exact integers: refuse rather than risk a wrong fen.
    reject('LIMIT_EXCEEDED', 'the platform reached the engine\'s exact-arithmetic bound (2^52 fen of volume in one unit)', {
      volumeMax: state.ledger.volumeMax,
      entitlementIssuedFen: state.entitlementIssuedFen,
    });
  }
  const scheduled = runDueSteps(state, event.at);
  const ctx = new Context(state, state.eventNo + 1, event.at);
  const result = dispatch(ctx, event);
  return finish(ctx, event, result, scheduled);
}
