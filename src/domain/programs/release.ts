/**
 * When pools release: on demand (pool release now), at a daily time for `daily` programs, each
 * scheduled occurrence as its own step at its due instant, and after every event for
 * `continuous` programs (see releaseContinuous).
 */
import { nextResetAfter } from '../calendar.ts';
import { Context } from '../context.ts';
import { finish } from '../step.ts';
import { reject } from '../errors.ts';
import type { EngineState } from '../state.ts';
import { type ReleaseResult, poolOf, releasePool } from './pool.ts';

export function applyPoolRelease(ctx: Context, programId: string): ReleaseResult {
  const program = Object.hasOwn(ctx.state.settings.programs, programId)
    ? ctx.state.settings.programs[programId]!
    : reject('UNKNOWN_PROGRAM', `program ${programId} is not configured`, { programId });
  return releasePool(ctx, poolOf(ctx, programId), program);
}

/** Runs every daily release that fell due by `at`, each at its own due instant. */
export function runDueReleases(state: EngineState, at: number): void {
  for (const [id, program] of state.programList) {
    if (program.release.mode !== 'daily' || !program.enabled) continue;
    const pool = state.pools.get(id);
    if (!pool) continue;
    const schedule = { kind: 'daily', at: program.release.at } as const;
    pool.nextReleaseAt ??= nextResetAfter(schedule, state.calendar, state.now);
    while (pool.nextReleaseAt !== null && pool.nextReleaseAt <= at) {
      const due = pool.nextReleaseAt;
      const ctx = new Context(state, state.eventNo + 1, due);
      const result = releasePool(ctx, pool, program);
      pool.nextReleaseAt = nextResetAfter(schedule, state.calendar, due);
      finish(ctx, { type: 'tick', at: due }, result, 0);
    }
  }
}
