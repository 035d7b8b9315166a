/**
 * Read models: the member view (队列进程) with display toggles applied, queue statistics, the
 * stranded-queue report and the full snapshot printed by `qrebate replay`.
 */
import { AHEAD_BLOCK_BITS } from './ahead-index.ts';
import { MS_PER_DAY } from './calendar.ts';
import { reject } from './errors.ts';
import { BP_ONE, mulDivFloor } from './money.ts';
import { Entry, type EntryStatus, type Member, type Queue } from './model.ts';
import { type PoolEntryView, poolEntriesSnapshot, poolEntryViews, poolStats } from './programs/pool-views.ts';
import type { EngineState } from './state.ts';

function payable(entry: Entry): boolean {
  return entry.isActive && entry.totalFen > entry.receivedFen;
}

export interface Ahead {
  position: number;
  pendingAheadFen: number;
}

/**
 * For each entry, the payable entries ahead of it in its queue (active, still owed something,
 * lower sequence number) and what they are owed, keyed by entry number. Whole blocks of 64
 * sequence numbers come from the queue's ahead index (ahead-index.ts); only the entries of the
 * target's own block before it are read. A member's entries in one queue are taken in sequence
 * order, so the block sums are added once per queue, not once per entry.
 */
export function aheadOfAll(state: EngineState, entries: readonly Entry[]): Map<number, Ahead> {
  const out = new Map<number, Ahead>();
  const byQueue = new Map<Queue, Entry[]>();
  for (const entry of entries) {
    let own = byQueue.get(entry.queue);
    if (own === undefined) byQueue.set(entry.queue, (own = []));
    own.push(entry);
  }
  for (const [queue, targets] of byQueue) {
    targets.sort((a, b) => a.seq - b.seq);
    const index = queue.ahead;
    // Sums over the whole blocks before `block`.
    let block = 0;
    let position = 0;
    let pendingAheadFen = 0;
    for (const target of targets) {
      const own = (target.seq - 1) >> AHEAD_BLOCK_BITS;
      for (; block < own; block++) {
        position += index.count(block);
        pendingAheadFen += index.owedFen(block);
      }
      const ahead: Ahead = { position, pendingAheadFen };
      for (let i = own << AHEAD_BLOCK_BITS; i < target.seq - 1; i++) {
        const e = new Entry(state, queue.entries.get(i));
        if (payable(e)) {
          ahead.position++;
          ahead.pendingAheadFen += e.totalFen - e.receivedFen;
        }
      }
      out.set(target.no, ahead);
    }
  }
  return out;
}

/**
 * Each member's entry numbers, per state, built from the append-only entry rows and extended by
 * the rows added since the last view: a member view then costs the member's own entries, not a
 * walk over every entry of every member (1M entries: one view scanned them all). A cache only:
 * an entry's member never changes and entry rows are never removed, so it never goes stale.
 */
interface MemberEntryIndex {
  scanned: number;
  byMember: Map<number, number[]>;
}

const memberEntryIndexes = new WeakMap<EngineState, MemberEntryIndex>();

function entriesOf(state: EngineState, member: Member): Entry[] {
  let index = memberEntryIndexes.get(state);
  // Rows are never removed; if they ever were, start over rather than trust the cache.
  if (index === undefined || index.scanned > state.entryRows.length) memberEntryIndexes.set(state, (index = { scanned: 0, byMember: new Map() }));
  const rows = state.entryRows;
  for (let i = index.scanned; i < rows.length; i++) {
    const memberNo = state.orderTable.member.get(state.lines.order.get(rows.get(i)));
    let own = index.byMember.get(memberNo);
    if (own === undefined) index.byMember.set(memberNo, (own = []));
    own.push(i + 1);
  }
  index.scanned = rows.length;
  return (index.byMember.get(member.no) ?? []).map((no) => state.entry(no)!);
}

/** Extraction over the trailing 7 platform days (today included). */
export function trailingWeekInflow(state: EngineState, queue: Queue, at: number): number {
  const today = state.calendar.dayNumber(at);
  let sum = 0;
  for (const [day, fen] of queue.inflowByDay) if (day > today - 7 && day <= today) sum += fen;
  return sum;
}

/** now + (pending ahead + own pending) ÷ average daily extraction; null means "no estimate". */
export function expectedAt(state: EngineState, entry: Entry, pendingAheadFen: number, at: number): number | null {
  if (!payable(entry)) return null;
  const week = trailingWeekInflow(state, entry.queue, at);
  if (week === 0) return null;
  const need = pendingAheadFen + entry.totalFen - entry.receivedFen;
  return at + mulDivFloor(need, 7 * MS_PER_DAY, week);
}

export interface MemberEntryView {
  entryId: number;
  status: EntryStatus;
  totalFen: number;
  queueId?: string;
  position?: number;
  progressBp?: number;
  receivedFen?: number;
  pendingFen?: number;
  expectedAt: number | null;
  canDraw: boolean;
  canExchange: boolean;
}

export interface MemberView {
  memberId: string;
  nickname?: string;
  pluginName: string;
  exchangeButtonName: string;
  balances: { cashFen: number; frozenFen: number; points: number; love: number; loveFrozen: number; couponFen: number; rewardFrozenFen: number; withdrawingFen: number };
  entries: MemberEntryView[];
  /** Pool program entries (工会排队 / 消费报销). */
  programEntries: PoolEntryView[];
}

/** Cash on its way out: withdrawals requested and not yet paid or rejected. */
function withdrawingFen(state: EngineState, memberId: string): number {
  const account = state.ledger.findAccount(`member:${memberId}:withdrawing`);
  return account === undefined ? 0 : state.ledger.balance(account, 'CNY');
}

export function memberView(state: EngineState, memberId: string, at: number = state.now): MemberView {
  const member = state.members.get(memberId) ?? reject('UNKNOWN_MEMBER', `member ${memberId} is not known`, { memberId });
  const { base } = state.settings;
  const d = base.display;
  const l = state.ledger;
  const own = entriesOf(state, member);
  const aheads = aheadOfAll(state, own.filter((entry) => entry.seq > 0 && payable(entry)));
  const entries = own.map((entry): MemberEntryView => {
    const ahead = aheads.get(entry.no) ?? { position: 0, pendingAheadFen: 0 };
    const view: MemberEntryView = {
      entryId: entry.no,
      status: entry.status,
      totalFen: entry.totalFen,
      expectedAt: expectedAt(state, entry, ahead.pendingAheadFen, at),
      canDraw: entry.lottery !== null && !entry.drawn && entry.status === 'waiting' && entry.receivedFen === 0,
      canExchange: payable(entry) && (base.exchange.pointsBp !== undefined || base.exchange.loveBp !== undefined || base.exchange.couponBp !== undefined),
    };
    if (d.queueId) {
      view.queueId = entry.queue.key;
      view.position = ahead.position;
    }
    if (d.progress) view.progressBp = entry.totalFen === 0 ? BP_ONE : Math.floor((entry.receivedFen * BP_ONE) / entry.totalFen);
    if (d.received) view.receivedFen = entry.receivedFen;
    if (d.pending && d.pendingAmount) view.pendingFen = entry.pendingFen;
    return view;
  });
  return {
    memberId,
    ...(d.nickname && { nickname: member.nickname }),
    pluginName: base.pluginName,
    exchangeButtonName: base.exchangeButtonName,
    balances: {
      cashFen: l.balance(member.cashAccount, 'CNY'),
      frozenFen: l.balance(member.frozenAccount, 'CNY'),
      points: l.balance(member.pointsAccount, 'POINTS'),
      love: l.balance(member.loveAccount, 'LOVE'),
      loveFrozen: l.balance(member.loveFrozenAccount, 'LOVE'),
      couponFen: l.balance(member.couponAccount, 'COUPON'),
      rewardFrozenFen: l.balance(member.rewardFrozenAccount, 'CNY'),
      withdrawingFen: withdrawingFen(state, member.id),
    },
    entries,
    programEntries: poolEntryViews(state, member, at),
  };
}

export interface QueueStats {
  key: string;
  entries: number;
  activeCount: number;
  pendingFen: number;
  undistributedFen: number;
  paused: boolean;
  lastInflowAt: number | null;
  mergedInto: string | null;
}

export function queueStats(state: EngineState): QueueStats[] {
  return state.queueList.map((q) => ({
    key: q.key,
    entries: q.entries.length,
    activeCount: q.activeCount,
    pendingFen: q.pendingFen,
    undistributedFen: state.ledger.balance(q.account, 'CNY'),
    paused: q.paused,
    lastInflowAt: q.lastInflowAt >= 0 ? q.lastInflowAt : null,
    mergedInto: q.mergedInto?.key ?? null,
  }));
}

/** Queues with unpaid entitlement and no inflow for `strandedAfterDays`, or whose product is off. */
export function strandedQueues(state: EngineState, at: number = state.now) {
  const { base, products } = state.settings;
  const quietSince = at - base.strandedAfterDays * MS_PER_DAY;
  return state.queueList
    .filter((q) => !q.mergedInto && q.pendingFen > 0)
    .flatMap((q) => {
      const productOff = q.key.startsWith('product:') && products[q.key.slice('product:'.length)]?.enabled === false;
      const quiet = q.lastInflowAt < quietSince;
      if (!productOff && !quiet) return [];
      return [{ queue: q.key, pendingFen: q.pendingFen, activeCount: q.activeCount, lastInflowAt: q.lastInflowAt >= 0 ? q.lastInflowAt : null, reason: productOff ? 'productDisabled' : 'noInflow' }];
    });
}

export function snapshot(state: EngineState) {
  return {
    now: state.now,
    events: state.eventNo,
    entries: [...state.allEntries()].map((e) => ({
      id: e.no,
      queue: e.queue.key,
      seq: e.seq,
      member: e.member.id,
      order: e.line.order.id,
      line: e.line.id,
      ratioBp: e.ratioBp,
      totalFen: e.totalFen,
      receivedFen: e.receivedFen,
      frozenFen: e.frozenFen,
      status: e.status,
    })),
    poolEntries: poolEntriesSnapshot(state),
    balances: state.ledger.nonZeroBalances(),
    queues: queueStats(state),
    pools: poolStats(state),
    ledger: { totals: state.ledger.totals(), hash: state.ledger.hash() },
  };
}
