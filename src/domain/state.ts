/**
 * The whole state of one platform's engine. The domain mutates it only after an event has been
 * validated in full, so a rejected event leaves it exactly as it was.
 */
import { type Calendar, makeCalendar } from './calendar.ts';
import { Ledger } from './ledger.ts';
import type { LinePlan } from './line-plan.ts';
import { Int32List } from './columns.ts';
import { applyBp } from './money.ts';
import { Entry, type EntryExtra, type LinePath, Member, Order, Queue } from './model.ts';
import type { Pool, PoolEntry } from './programs/pool.ts';
import type { ProgramSettings } from './programs/program-settings.ts';
import type { Seed } from './random.ts';
import type { Withdrawal } from './handlers/withdrawals.ts';
import type { Grant } from './rewards/distribution.ts';
import { type Channel, type Settings, defaultSettings } from './settings.ts';
import { StringTable } from './string-table.ts';
import { LineTable, OrderTable } from './tables.ts';

/** Ledger accounts that belong to the platform rather than a member or queue. */
export interface PlatformAccounts {
  funding: number; // 平台/商家让利: where extractions come from
  loss: number; // platform loss: absorbed refunds and clawback shortfalls
  pointsIssued: number;
  loveIssued: number;
  couponIssued: number;
}

/** The compiled line plans: channel → product → store → plan, and the last path looked up. */
export type PlanCache = Record<Channel, Map<string, Map<string, LinePlan>>> & {
  last: { channel: Channel; productId: string; storeId: string; plan: LinePlan } | null;
};

export class EngineState {
  settings: Settings = defaultSettings();
  calendar: Calendar = makeCalendar('Asia/Shanghai');
  readonly ledger = new Ledger();
  readonly platform: PlatformAccounts;
  readonly members = new Map<string, Member>();
  readonly memberList: Member[] = [];
  /**
   * Member ids numbered as `memberList` (index = member.no − 1), for the paid order's lookup: a
   * probe of typed arrays by a hash computed inline, where `members.get` of a freshly parsed id
   * string left V8 computing and comparing the string's hash out of line (bench:core).
   */
  readonly memberIds = new StringTable();
  /** The shop's order ids; an order's index is its id's index here. */
  readonly orderIds = new StringTable();
  readonly orderTable = new OrderTable();
  readonly lines = new LineTable();
  /** Entry number − 1 → line row. */
  readonly entryRows = new Int32List();
  /** The shop's line ids, shared by every line that reuses one (such as "1", "2"). */
  readonly lineIds = new StringTable();
  readonly paths: { readonly values: LinePath[]; readonly index: Map<string, number> } = { values: [], index: new Map() };
  readonly lineProfit = new Map<number, number>();
  readonly lineRefundedAt = new Map<number, number>();
  readonly entryExtras = new Map<number, EntryExtra>();
  readonly queues = new Map<string, Queue>();
  readonly queueList: Queue[] = [];
  /** Number of events applied; stamps every ledger transfer. */
  eventNo = 0;
  /** Instant of the latest applied event: time never goes backwards. */
  now = 0;
  nextResetAt: number | null = null;
  /** Distribution rewards granted per line, to release or reverse with it. */
  readonly rewardGrants = new Map<number, Grant[]>();
  /** Pool programs by id; a program removed from settings keeps its pool and entries. */
  readonly pools = new Map<string, Pool>();
  readonly poolEntriesByLine = new Map<number, PoolEntry[]>();
  poolEntryCount = 0;
  /** Completed turnover per platform day, for dividends: [paid, profit]. */
  readonly turnoverByDay = new Map<number, [number, number]>();
  /** Platform days whose turnover already paid a dividend. */
  readonly dividendDays = new Set<number>();
  /** Every entitlement ever issued (stream and pool entries, lottery increases): the exact-arithmetic guard. */
  entitlementIssuedFen = 0;
  /** Withdrawal requests by the shop's id. */
  readonly withdrawals = new Map<string, Withdrawal>();
  /** Line plans by path, rebuilt whenever settings change; `last` is the path the previous line took. */
  readonly plans: PlanCache = { mall: new Map(), store: new Map(), cashier: new Map(), last: null };

  constructor(readonly seed: Seed) {
    const l = this.ledger;
    this.platform = {
      funding: l.account('platform:funding'),
      loss: l.account('platform:loss'),
      pointsIssued: l.account('platform:points'),
      loveIssued: l.account('platform:love'),
      couponIssued: l.account('platform:coupon'),
    };
  }

  /** The configured programs as a list, so per-line code does not rebuild it. */
  programList: [string, ProgramSettings][] = [];

  applySettings(settings: Settings): void {
    this.settings = settings;
    this.programList = Object.entries(settings.programs);
    if (this.calendar.timeZone !== settings.base.timeZone) this.calendar = makeCalendar(settings.base.timeZone);
    this.plans.mall.clear();
    this.plans.store.clear();
    this.plans.cashier.clear();
    this.plans.last = null;
  }

  queue(key: string): Queue {
    let queue = this.queues.get(key);
    if (!queue) {
      queue = new Queue(this.queueList.length + 1, key, this.ledger.account(`queue:${key}`));
      this.queues.set(key, queue);
      this.queueList.push(queue);
    }
    while (queue.mergedInto) queue = queue.mergedInto;
    return queue;
  }

  addMember(id: string, level: string, nickname: string): Member {
    const l = this.ledger;
    const member = new Member(
      this.members.size + 1,
      id,
      level,
      nickname,
      l.account(`member:${id}:cash`),
      l.account(`member:${id}:frozen`),
      l.account(`member:${id}:points`),
      l.account(`member:${id}:love`),
      l.account(`member:${id}:loveFrozen`),
      l.account(`member:${id}:coupon`),
      l.account(`member:${id}:rewardFrozen`),
    );
    this.members.set(id, member);
    this.memberList.push(member);
    this.memberIds.add(id);
    return member;
  }

  /** An entry's total: floor(paid × ratioBp / 10000), derived rather than stored. */
  totalOf(row: number): number {
    return applyBp(this.lines.paid.get(row), this.lines.ratioBp.get(row));
  }

  /** The member with this id, looked up through `memberIds`; undefined when unknown. */
  memberById(id: string): Member | undefined {
    const index = this.memberIds.find(id);
    return index < 0 ? undefined : this.memberList[index];
  }

  order(id: string): Order | undefined {
    const index = this.orderIds.find(id);
    return index < 0 ? undefined : new Order(this, index + 1);
  }

  get entryCount(): number {
    return this.entryRows.length;
  }

  entry(no: number): Entry | undefined {
    return no >= 1 && no <= this.entryRows.length ? new Entry(this, this.entryRows.get(no - 1)) : undefined;
  }

  *allEntries(): Generator<Entry> {
    for (let i = 0; i < this.entryRows.length; i++) yield new Entry(this, this.entryRows.get(i));
  }

  /** The interned path of a line (channel, product, store), shared by every line bought there. */
  pathOf(key: string, make: () => LinePath): number {
    let index = this.paths.index.get(key);
    if (index === undefined) {
      index = this.paths.values.length;
      this.paths.values.push(make());
      this.paths.index.set(key, index);
    }
    return index;
  }

  get isPaused(): boolean {
    return this.settings.base.paused;
  }
}
