/**
 * Pool programs (工会排队 / 消费报销, SPEC §4). Each participating line funds the program's pool
 * and creates an entry of `floor(paid × rewardBp / 10000)`. An entry becomes eligible once its
 * lock period (锁定周期) has passed and its order has completed. A release walks eligible entries
 * in sequence order and pays each its whole pending amount while the pool (less the reserve and
 * within the daily cap) covers it, stopping at the first it cannot cover: full exits, never
 * skipping ahead. What is left carries over.
 */
import { MS_PER_DAY } from '../calendar.ts';
import type { Context } from '../context.ts';
import { applyBp } from '../money.ts';
import type { Line, Member } from '../model.ts';
import { scheduleRelease } from '../scheduler.ts';
import type { ProgramSettings } from './program-settings.ts';

export type PoolEntryStatus = 'waiting' | 'completed' | 'cancelled';

export class PoolEntry {
  status: PoolEntryStatus = 'waiting';
  receivedFen = 0;
  /** Received before the order completed (acceleration), released on completion. */
  frozenFen = 0;
  returnedFen = 0;

  constructor(
    readonly no: number,
    readonly pool: Pool,
    readonly seq: number,
    readonly member: Member,
    readonly line: Line,
    readonly totalFen: number,
    readonly unlockAt: number,
    /** Pool inflow this entry's line contributed, absorbed by the platform if it is refunded. */
    readonly fundingFen: number,
  ) {}

  get pendingFen(): number {
    return this.status === 'waiting' ? this.totalFen - this.receivedFen : 0;
  }
}

export class Pool {
  readonly entries: PoolEntry[] = [];
  /** Eligible entries (unlocked, order completed) as a min-heap by sequence. */
  eligible: PoolEntry[] = [];
  /** Entries still locked, as a min-heap by unlock time. */
  locked: PoolEntry[] = [];
  /** Each member's entries in sequence order, for acceleration to the oldest active one. */
  readonly byMember = new Map<Member, PoolEntry[]>();
  pendingFen = 0;
  activeCount = 0;
  releasedDay = -1;
  releasedTodayFen = 0;
  nextReleaseAt: number | null = null;
  readonly inflowByDay = new Map<number, number>();

  constructor(
    readonly id: string,
    readonly account: number,
  ) {}
}

type Key = (e: PoolEntry) => number;
const bySeq: Key = (e) => e.seq;
const byUnlock: Key = (e) => e.unlockAt;

function less(a: PoolEntry, b: PoolEntry, key: Key): boolean {
  const ka = key(a);
  const kb = key(b);
  return ka < kb || (ka === kb && a.seq < b.seq);
}

function push(heap: PoolEntry[], entry: PoolEntry, key: Key): void {
  heap.push(entry);
  let i = heap.length - 1;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (!less(heap[i]!, heap[parent]!, key)) break;
    [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
    i = parent;
  }
}

function pop(heap: PoolEntry[], key: Key): void {
  const last = heap.pop()!;
  if (heap.length === 0) return;
  heap[0] = last;
  let i = 0;
  for (;;) {
    const l = 2 * i + 1;
    const r = l + 1;
    let m = i;
    if (l < heap.length && less(heap[l]!, heap[m]!, key)) m = l;
    if (r < heap.length && less(heap[r]!, heap[m]!, key)) m = r;
    if (m === i) break;
    [heap[i], heap[m]] = [heap[m]!, heap[i]!];
    i = m;
  }
}

export function poolOf(ctx: Context, id: string): Pool {
  let pool = ctx.state.pools.get(id);
  if (!pool) {
    pool = new Pool(id, ctx.state.ledger.account(`pool:${id}`));
    ctx.state.pools.set(id, pool);
    const program = ctx.state.settings.programs[id];
    if (program) scheduleRelease(ctx.state, pool, program, ctx.at);
  }
  return pool;
}

export function participates(program: ProgramSettings, line: Line): boolean {
  if (!program.enabled || !program.channels.includes(line.channel)) return false;
  if (program.products && line.channel !== 'cashier' && !program.products.includes(line.productId)) return false;
  if (program.stores && line.channel !== 'mall' && !program.stores.includes(line.storeId)) return false;
  return true;
}

function lockDaysFor(program: ProgramSettings, line: Line): number {
  if (line.productId !== '' && Object.hasOwn(program.lockDaysByProduct, line.productId)) return program.lockDaysByProduct[line.productId]!;
  if (line.storeId !== '' && Object.hasOwn(program.lockDaysByStore, line.storeId)) return program.lockDaysByStore[line.storeId]!;
  return program.lockDays;
}

/**
 * Pool inflow of a line: a share of its paid amount (sales), or of its net profit after the
 * distribution rewards it triggered and the points/love-value subsidy (the deducted amount).
 */
export function fundingOf(program: ProgramSettings, line: Line, rewardsFen: number, deductedFen: number): number {
  if (program.fundingBasis === 'sales') return applyBp(line.paidFen, program.fundingBp);
  return applyBp(Math.max(0, line.profitFen - rewardsFen - deductedFen), program.fundingBp);
}

function payEntry(ctx: Context, entry: PoolEntry, amountFen: number): void {
  const member = entry.member;
  const completed = entry.line.order.completed;
  ctx.state.ledger.transfer(entry.pool.account, completed ? member.cashAccount : member.frozenAccount, amountFen, 'CNY', 'entry', entry.no, ctx.eventNo);
  entry.receivedFen += amountFen;
  if (!completed) entry.frozenFen += amountFen;
  entry.pool.pendingFen -= amountFen;
  ctx.notifyMember('poolReleased', member, entry.no, amountFen);
  if (entry.receivedFen === entry.totalFen) {
    entry.status = 'completed';
    entry.pool.activeCount--;
  }
}

/** 推广加速: a share of a referred member's inflow goes to the referrer's oldest active entry. */
function accelerate(ctx: Context, pool: Pool, program: ProgramSettings, buyer: Member, inflowFen: number): void {
  const referrer = buyer.referrer;
  if (!referrer || program.accelerationBp === 0) return;
  const share = applyBp(inflowFen, program.accelerationBp);
  const oldest = pool.byMember.get(referrer)?.find((e) => e.status === 'waiting');
  if (share === 0 || !oldest) return;
  payEntry(ctx, oldest, Math.min(share, oldest.pendingFen));
}

/** A paid line joins every program it participates in. */
export function joinPrograms(ctx: Context, line: Line, rewardsFen: number, deductedFen: number): void {
  const { state } = ctx;
  for (const [id, program] of state.programList) {
    if (!participates(program, line)) continue;
    const pool = poolOf(ctx, id);
    const fundingFen = fundingOf(program, line, rewardsFen, deductedFen);
    if (fundingFen > 0) {
      state.ledger.transfer(state.platform.funding, pool.account, fundingFen, 'CNY', 'line', line.no, ctx.eventNo);
      const day = state.calendar.dayNumber(ctx.at);
      pool.inflowByDay.set(day, (pool.inflowByDay.get(day) ?? 0) + fundingFen);
      if (pool.inflowByDay.size > 8) pool.inflowByDay.delete(pool.inflowByDay.keys().next().value!);
    }
    const member = line.order.member;
    const entry = new PoolEntry(state.poolEntryCount + 1, pool, pool.entries.length + 1, member, line, applyBp(line.paidFen, program.rewardBp), ctx.at + lockDaysFor(program, line) * MS_PER_DAY, fundingFen);
    state.poolEntryCount++;
    state.entitlementIssuedFen += entry.totalFen;
    pool.entries.push(entry);
    const mine = pool.byMember.get(member);
    if (mine) mine.push(entry);
    else pool.byMember.set(member, [entry]);
    if (entry.totalFen === 0) {
      // Nothing to pay (a line paid only with points): complete at once, like a stream entry.
      entry.status = 'completed';
    } else {
      pool.pendingFen += entry.totalFen;
      pool.activeCount++;
      push(pool.locked, entry, byUnlock);
    }
    state.poolEntriesByLine.set(line.row, [...(state.poolEntriesByLine.get(line.row) ?? []), entry]);
    ctx.notifyMember('poolEntryCreated', member, entry.no, entry.totalFen);
    if (fundingFen > 0) accelerate(ctx, pool, program, member, fundingFen);
  }
}

/** Moves entries whose lock has passed (and whose order completed) into the eligible heap. */
function unlock(pool: Pool, at: number): void {
  while (pool.locked.length > 0 && pool.locked[0]!.unlockAt <= at) {
    const entry = pool.locked[0]!;
    pop(pool.locked, byUnlock);
    // An entry whose order is still open waits: completion pushes it once its lock has passed.
    if (entry.status === 'waiting' && entry.line.order.completed) push(pool.eligible, entry, bySeq);
  }
}

/** The order completed: frozen acceleration money is released and unlocked entries become eligible. */
export function completePoolEntries(ctx: Context, line: Line): void {
  for (const entry of ctx.state.poolEntriesByLine.get(line.row) ?? []) {
    if (entry.frozenFen > 0) {
      ctx.state.ledger.transfer(entry.member.frozenAccount, entry.member.cashAccount, entry.frozenFen, 'CNY', 'entry', entry.no, ctx.eventNo);
      entry.frozenFen = 0;
    }
    if (entry.status === 'waiting' && entry.unlockAt <= ctx.at) push(entry.pool.eligible, entry, bySeq);
  }
}

export interface ReleaseResult {
  programId: string;
  exits: number;
  releasedFen: number;
  carriedFen: number;
}

/** One release: full exits in sequence order while the pool, less reserve and cap, covers them. */
export function releasePool(ctx: Context, pool: Pool, program: ProgramSettings): ReleaseResult {
  const { state } = ctx;
  unlock(pool, ctx.at);
  const balance = state.ledger.balance(pool.account, 'CNY');
  let available = balance - applyBp(balance, program.reserveBp);
  const today = state.calendar.dayNumber(ctx.at);
  if (pool.releasedDay !== today) {
    pool.releasedDay = today;
    pool.releasedTodayFen = 0;
  }
  if (program.dailyCapFen !== null) available = Math.min(available, program.dailyCapFen - pool.releasedTodayFen);
  let exits = 0;
  let releasedFen = 0;
  while (pool.eligible.length > 0) {
    const entry = pool.eligible[0]!;
    if (entry.status !== 'waiting') {
      pop(pool.eligible, bySeq);
      continue;
    }
    const pending = entry.pendingFen;
    if (pending > available) break; // never skip ahead: the next release starts here again
    pop(pool.eligible, bySeq);
    payEntry(ctx, entry, pending);
    available -= pending;
    releasedFen += pending;
    exits++;
  }
  pool.releasedTodayFen += releasedFen;
  return { programId: pool.id, exits, releasedFen, carriedFen: state.ledger.balance(pool.account, 'CNY') };
}

/**
 * A refunded line's pool entries are cancelled: money they received while frozen goes back to the
 * pool (released money too under `clawbackAfterSale`), and the line's contribution, already in
 * the pool for everybody, is absorbed by the platform.
 */
export function refundPoolEntries(ctx: Context, line: Line): number {
  const { ledger, platform, settings } = ctx.state;
  let returnedFen = 0;
  for (const entry of ctx.state.poolEntriesByLine.get(line.row) ?? []) {
    const pool = entry.pool;
    if (entry.status === 'waiting') {
      pool.pendingFen -= entry.totalFen - entry.receivedFen;
      pool.activeCount--;
    }
    entry.status = 'cancelled';
    const member = entry.member;
    const released = entry.receivedFen - entry.frozenFen - entry.returnedFen;
    if (entry.frozenFen > 0) {
      ledger.transfer(member.frozenAccount, pool.account, entry.frozenFen, 'CNY', 'entry', entry.no, ctx.eventNo);
      entry.returnedFen += entry.frozenFen;
      returnedFen += entry.frozenFen;
      entry.frozenFen = 0;
    }
    if (settings.base.clawbackAfterSale && released > 0) {
      const fromCash = Math.min(released, ledger.balance(member.cashAccount, 'CNY'));
      if (fromCash > 0) ledger.transfer(member.cashAccount, pool.account, fromCash, 'CNY', 'entry', entry.no, ctx.eventNo);
      if (released > fromCash) ledger.transfer(platform.loss, pool.account, released - fromCash, 'CNY', 'entry', entry.no, ctx.eventNo);
      entry.returnedFen += released;
      returnedFen += released;
    }
    if (entry.fundingFen > 0) ledger.transfer(platform.loss, platform.funding, entry.fundingFen, 'CNY', 'line', line.no, ctx.eventNo);
  }
  return returnedFen;
}

/** Continuous programs release at the end of every event; daily ones when their time comes. */
export function releaseContinuous(ctx: Context): void {
  for (const [id, program] of ctx.state.programList) {
    if (program.release.mode !== 'continuous' || !program.enabled) continue;
    const pool = ctx.state.pools.get(id);
    if (pool && pool.activeCount > 0) releasePool(ctx, pool, program);
  }
}
