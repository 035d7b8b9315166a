/**
 * The whole state of one platform's engine. The domain mutates it only after an event has been
 * validated in full, so a rejected event leaves it exactly as it was.
 */
import { type Calendar, makeCalendar, nextResetAfter } from './calendar.ts';
import { Ledger } from './ledger.ts';
import type { LinePlan } from './line-plan.ts';
import { Entry, Line, Member, Order, Queue } from './model.ts';
import type { Pool, PoolEntry } from './programs/pool.ts';
import type { ProgramSettings } from './programs/program-settings.ts';
import type { Seed } from './random.ts';
import type { Grant } from './rewards/distribution.ts';
import { type Settings, defaultSettings } from './settings.ts';

/** Ledger accounts that belong to the platform rather than a member or queue. */
export interface PlatformAccounts {
  funding: number; // 平台/商家让利: where extractions come from
  loss: number; // platform loss: absorbed refunds and clawback shortfalls
  pointsIssued: number;
  loveIssued: number;
  couponIssued: number;
}

export class EngineState {
  settings: Settings = defaultSettings();
  calendar: Calendar = makeCalendar('Asia/Shanghai');
  readonly ledger = new Ledger();
  readonly platform: PlatformAccounts;
  readonly members = new Map<string, Member>();
  readonly orders = new Map<string, Order>();
  readonly entries: Entry[] = [];
  readonly queues = new Map<string, Queue>();
  readonly queueList: Queue[] = [];
  lineCount = 0;
  /** Number of events applied; stamps every ledger transfer. */
  eventNo = 0;
  /** Instant of the latest applied event: time never goes backwards. */
  now = 0;
  nextResetAt: number | null = null;
  /** Distribution rewards granted per line, to release or reverse with it. */
  readonly rewardGrants = new Map<Line, Grant[]>();
  /** Pool programs by id; a program removed from settings keeps its pool and entries. */
  readonly pools = new Map<string, Pool>();
  readonly poolEntriesByLine = new Map<Line, PoolEntry[]>();
  poolEntryCount = 0;
  /** Completed turnover per platform day, for dividends: [paid, profit]. */
  readonly turnoverByDay = new Map<number, [number, number]>();
  /** Platform days whose turnover already paid a dividend. */
  readonly dividendDays = new Set<number>();
  /** Line plans by path, rebuilt whenever settings change. */
  readonly plans = new Map<string, LinePlan>();

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
    for (const pool of this.pools.values()) pool.nextReleaseAt = null;
    if (this.calendar.timeZone !== settings.base.timeZone) this.calendar = makeCalendar(settings.base.timeZone);
    this.plans.clear();
    this.nextResetAt = settings.base.reset ? nextResetAfter(settings.base.reset, this.calendar, this.now) : null;
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
    return member;
  }

  newLine(...args: ConstructorParameters<typeof Line> extends [number, ...infer Rest] ? Rest : never): Line {
    return new Line(++this.lineCount, ...args);
  }

  get isPaused(): boolean {
    return this.settings.base.paused;
  }
}
