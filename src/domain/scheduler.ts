/**
 * Time-driven steps: scheduled resets (队列奖励清零) and daily pool releases. Before an event at
 * instant `at`, every step that fell due by then runs in time order, each at its own due instant
 * and with its own event number: time has passed whether or not the event that noticed it is
 * accepted. Steps due at the same instant run resets first, then releases in program order.
 */
import { nextResetAfter } from './calendar.ts';
import { Context } from './context.ts';
import { clearQueues } from './handlers/admin.ts';
import type { Pool } from './programs/pool.ts';
import { releasePool } from './programs/pool.ts';
import type { ProgramSettings } from './programs/program-settings.ts';
import type { EngineState } from './state.ts';
import { type EventOutcome, finish } from './step.ts';

/** Recomputes every schedule from `at`: when settings change, the new schedules start then. */
export function rescheduleAll(state: EngineState, at: number): void {
  const reset = state.settings.base.reset;
  state.nextResetAt = reset ? nextResetAfter(reset, state.calendar, at) : null;
  for (const [id, program] of state.programList) {
    const pool = state.pools.get(id);
    if (pool) scheduleRelease(state, pool, program, at);
  }
}

/** The pool's next daily release strictly after `after`, or none for a continuous program. */
export function scheduleRelease(state: EngineState, pool: Pool, program: ProgramSettings, after: number): void {
  pool.nextReleaseAt = program.release.mode === 'daily' && program.enabled
    ? nextResetAfter({ kind: 'daily', at: program.release.at }, state.calendar, after)
    : null;
}

type Due = { at: number; run: (ctx: Context) => unknown };

function nextDue(state: EngineState): Due | null {
  let due: Due | null = null;
  const reset = state.settings.base.reset;
  if (reset && state.nextResetAt !== null) {
    due = {
      at: state.nextResetAt,
      run: (ctx) => {
        const cleared = clearQueues(ctx, state.queueList.filter((q) => !q.mergedInto));
        state.nextResetAt = nextResetAfter(reset, state.calendar, ctx.at);
        return { reset: true, cleared };
      },
    };
  }
  for (const [id, program] of state.programList) {
    const pool = state.pools.get(id);
    if (!pool || pool.nextReleaseAt === null || (due && due.at <= pool.nextReleaseAt)) continue;
    due = {
      at: pool.nextReleaseAt,
      run: (ctx) => {
        const result = releasePool(ctx, pool, program);
        scheduleRelease(state, pool, program, ctx.at);
        return result;
      },
    };
  }
  return due;
}

/** Whether any step could be due by `at`, without building the steps (most events find none). */
function anyDueBy(state: EngineState, at: number): boolean {
  if (state.settings.base.reset && state.nextResetAt !== null && state.nextResetAt <= at) return true;
  for (let i = 0; i < state.programList.length; i++) {
    const pool = state.pools.get(state.programList[i]![0]);
    if (pool && pool.nextReleaseAt !== null && pool.nextReleaseAt <= at) return true;
  }
  return false;
}

/** Runs every step due by `at` and returns their outcomes, notices included, in order. */
export function runDueSteps(state: EngineState, at: number): EventOutcome[] {
  const outcomes: EventOutcome[] = [];
  if (!anyDueBy(state, at)) return outcomes;
  for (let due = nextDue(state); due && due.at <= at; due = nextDue(state)) {
    const ctx = new Context(state, state.eventNo + 1, due.at);
    outcomes.push(finish(ctx, { type: 'tick', at: due.at }, due.run(ctx)));
  }
  return outcomes;
}

/** Whether a time-driven step falls due by `at`. */
export function hasDueSteps(state: EngineState, at: number): boolean {
  const due = nextDue(state);
  return due !== null && due.at <= at;
}
