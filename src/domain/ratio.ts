/**
 * Reward ratio resolution (奖励权益比例优先级): walk the line's chain and take the first
 * configured source. A source is configured when a level map has the member's level, when at
 * least one tier holds, or when a lottery or default is present.
 */
import { MS_PER_DAY } from './calendar.ts';
import type { RatioStep } from './line-plan.ts';
import { Line, type Member } from './model.ts';
import type { EngineState } from './state.ts';
import type { LotterySpec, Tier } from './settings.ts';

export interface ResolvedRatio {
  bp: number;
  /** The lottery the member may draw from, when a lottery source won. */
  lottery: LotterySpec | null;
}

/**
 * Completed cash spending of a member in one scope within `days × 24 h` before `at` (both ends
 * inclusive), not counting lines refunded by then. The current order is never complete yet, so
 * it never counts towards its own tier.
 */
export function spendWithin(state: EngineState, member: Member, scope: string, at: number, days: number): number {
  const from = at - days * MS_PER_DAY;
  let sum = 0;
  const spend = member.spend;
  for (let i = spend.length - 1; i >= 0; i--) {
    const line = new Line(state, spend[i]!);
    const completedAt = line.order.completedAt;
    if (completedAt < from) break;
    if (completedAt > at || line.spendScope !== scope) continue;
    if (line.refundedAt >= 0 && line.refundedAt <= at) continue;
    sum += line.paidFen;
  }
  return sum;
}

/** The highest ratio among holding tiers, or -1 when none holds. */
export function bestTier(state: EngineState, tiers: readonly Tier[], member: Member, scope: string, at: number): number {
  let best = -1;
  for (const tier of tiers) {
    if (tier.bp > best && spendWithin(state, member, scope, at, tier.days) >= tier.minFen) best = tier.bp;
  }
  return best;
}

export function resolveRatio(state: EngineState, steps: readonly RatioStep[], member: Member, scope: string, at: number): ResolvedRatio {
  const out: ResolvedRatio = { bp: 0, lottery: null };
  resolveRatioInto(out, state, steps, member, scope, at);
  return out;
}

/** resolveRatio writing into `out`, for the per-line hot path: no object per line. */
export function resolveRatioInto(out: ResolvedRatio, state: EngineState, steps: readonly RatioStep[], member: Member, scope: string, at: number): void {
  out.lottery = null;
  for (let i = 0; i < steps.length; i++) {
    const { source, settings } = steps[i]!;
    if (source === 'level') {
      // Own keys only: a member level such as "constructor" or "toString" would otherwise find
      // a function on Object.prototype and turn the entry's total into NaN.
      const levels = settings.levelBp;
      if (levels && Object.hasOwn(levels, member.level)) {
        out.bp = levels[member.level]!;
        return;
      }
    } else if (source === 'tiers') {
      if (settings.tiers && settings.tiers.length > 0) {
        const bp = bestTier(state, settings.tiers, member, scope, at);
        if (bp >= 0) {
          out.bp = bp;
          return;
        }
      }
    } else if (source === 'lottery') {
      if (settings.lottery) {
        out.bp = firstDefaultAfter(steps, i);
        out.lottery = settings.lottery;
        return;
      }
    } else if (settings.defaultBp !== undefined) {
      out.bp = settings.defaultBp;
      return;
    }
  }
  out.bp = 0;
}

/** An undrawn lottery entry starts at the first default after the winning lottery source. */
function firstDefaultAfter(steps: readonly RatioStep[], index: number): number {
  for (let i = index + 1; i < steps.length; i++) {
    const step = steps[i]!;
    if (step.source === 'default' && step.settings.defaultBp !== undefined) return step.settings.defaultBp;
  }
  return 0;
}
