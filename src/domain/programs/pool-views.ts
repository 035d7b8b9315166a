/**
 * What members and operators see of pool programs: each waiting entry's position, the amount
 * ahead of it and an expected release date from the trailing 7-day inflow ("no estimate", null,
 * when the pool had no inflow).
 */
import { MS_PER_DAY } from '../calendar.ts';
import { mulDivFloor } from '../money.ts';
import type { Member } from '../model.ts';
import type { EngineState } from '../state.ts';
import type { Pool, PoolEntry } from './pool.ts';

export interface PoolEntryView {
  entryId: number;
  programId: string;
  programName: string;
  status: PoolEntry['status'];
  totalFen: number;
  receivedFen: number;
  pendingFen: number;
  unlockAt: number;
  position: number;
  aheadFen: number;
  expectedAt: number | null;
}

function weekInflow(state: EngineState, pool: Pool, at: number): number {
  const today = state.calendar.dayNumber(at);
  let sum = 0;
  for (const [day, fen] of pool.inflowByDay) if (day > today - 7 && day <= today) sum += fen;
  return sum;
}

/** Entries ahead with pending > 0 and their pending sum; a query-time scan of the pool. */
function ahead(entry: PoolEntry): { position: number; aheadFen: number } {
  let position = 0;
  let aheadFen = 0;
  for (const e of entry.pool.entries) {
    if (e.seq >= entry.seq) break;
    if (e.pendingFen > 0) {
      position++;
      aheadFen += e.pendingFen;
    }
  }
  return { position, aheadFen };
}

export function poolEntryViews(state: EngineState, member: Member, at: number): PoolEntryView[] {
  const out: PoolEntryView[] = [];
  for (const pool of state.pools.values()) {
    const program = Object.hasOwn(state.settings.programs, pool.id) ? state.settings.programs[pool.id]! : null;
    for (const entry of pool.byMember.get(member) ?? []) {
      const { position, aheadFen } = entry.status === 'waiting' ? ahead(entry) : { position: 0, aheadFen: 0 };
      const week = weekInflow(state, pool, at);
      const need = aheadFen + entry.pendingFen;
      const expectedAt = entry.status === 'waiting' && week > 0 ? Math.max(entry.unlockAt, at + mulDivFloor(need, 7 * MS_PER_DAY, week)) : null;
      out.push({
        entryId: entry.no,
        programId: pool.id,
        programName: program?.name ?? pool.id,
        status: entry.status,
        totalFen: entry.totalFen,
        receivedFen: entry.receivedFen,
        pendingFen: entry.pendingFen,
        unlockAt: entry.unlockAt,
        position,
        aheadFen,
        expectedAt,
      });
    }
  }
  return out;
}

export function poolStats(state: EngineState) {
  return [...state.pools.values()].map((pool) => ({
    programId: pool.id,
    entries: pool.entries.length,
    activeCount: pool.activeCount,
    pendingFen: pool.pendingFen,
    balanceFen: state.ledger.balance(pool.account, 'CNY'),
    releasedTodayFen: pool.releasedTodayFen,
  }));
}

export function poolEntriesSnapshot(state: EngineState) {
  return [...state.pools.values()].flatMap((pool) =>
    pool.entries.map((e) => ({
      id: e.no,
      program: pool.id,
      seq: e.seq,
      member: e.member.id,
      order: e.line.order.id,
      line: e.line.id,
      totalFen: e.totalFen,
      receivedFen: e.receivedFen,
      status: e.status,
      unlockAt: e.unlockAt,
    })),
  );
}
