/**
 * Pool release now (an operator's command). Daily releases run from scheduler.ts, continuous
 * ones after every event (releaseContinuous).
 */
import type { Context } from '../context.ts';
import { reject } from '../errors.ts';
import { type ReleaseResult, poolOf, releasePool } from './pool.ts';

export function applyPoolRelease(ctx: Context, programId: string): ReleaseResult {
  const program = Object.hasOwn(ctx.state.settings.programs, programId)
    ? ctx.state.settings.programs[programId]!
    : reject('UNKNOWN_PROGRAM', `program ${programId} is not configured`, { programId });
  return releasePool(ctx, poolOf(ctx, programId), program);
}
