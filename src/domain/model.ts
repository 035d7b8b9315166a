/**
 * The engine's entities. They are mutable classes with numeric fields because millions of them
 * live in memory at once: a fixed shape keeps V8 objects small and property access fast.
 */
import type { Channel, LotterySpec } from './settings.ts';

/** 权益 status. `waiting` has received nothing yet; the last four are terminal. */
export type EntryStatus = 'waiting' | 'rewarding' | 'completed' | 'exchanged' | 'cleared' | 'cancelled' | 'points';

/** Why an enabled line created no entry, in the order the SPEC reports them. */
export type NoEntryReason = 'disabled' | 'outsideWindow' | 'deduction' | 'dailyLimit' | 'totalLimit';

/** Entries a member created in one limit scope: in total and on one platform day. */
export interface LimitCount {
  total: number;
  day: number;
  dayCount: number;
}

export class Member {
  level: string;
  nickname: string;
  /** 推荐人: the member who referred this one; never forms a cycle. */
  referrer: Member | null = null;
  /** Team level for 级差. */
  teamLevel = '';
  /** Shareholder weight for 股东分红; 0 means not a shareholder. */
  shareholderWeight = 0;
  /** Completed lines, in completion order, for accumulated-spend tiers. */
  readonly spend: Line[] = [];
  /** Per limit scope (e.g. 'product:p1'), counted for every entry whatever became of it. */
  readonly limitCounts = new Map<string, LimitCount>();

  constructor(
    readonly no: number,
    readonly id: string,
    level: string,
    nickname: string,
    readonly cashAccount: number,
    readonly frozenAccount: number,
    readonly pointsAccount: number,
    readonly loveAccount: number,
    readonly loveFrozenAccount: number,
    readonly couponAccount: number,
    /** Distribution rewards wait here until their source order completes. */
    readonly rewardFrozenAccount: number,
  ) {
    this.level = level;
    this.nickname = nickname;
  }
}

export class Order {
  completedAt = -1;
  readonly lines: Line[] = [];

  constructor(
    readonly no: number,
    readonly id: string,
    readonly member: Member,
    readonly paidAt: number,
  ) {}

  get completed(): boolean {
    return this.completedAt >= 0;
  }
}

export class Line {
  /** -1 until refunded. */
  refundedAt = -1;
  /** True once its extraction went into the queue (结算). */
  settled = false;
  entry: Entry | null = null;
  reason: NoEntryReason | null = null;
  /** Net profit the shop reported for the line (product profit, supplier difference, commission). */
  profitFen = 0;

  constructor(
    readonly no: number,
    readonly id: string,
    readonly order: Order,
    readonly channel: Channel,
    readonly productId: string,
    readonly storeId: string,
    readonly paidFen: number,
    readonly deductedFen: number,
    /** null when the line's path is disabled: it takes no part at all. */
    readonly queue: Queue | null,
    readonly extractFen: number,
    readonly settleOn: 'paid' | 'completed',
    /** Accumulated-spend scope: 'mall' or the store id. */
    readonly spendScope: string,
  ) {}

  get refunded(): boolean {
    return this.refundedAt >= 0;
  }
}

export class Entry {
  status: EntryStatus = 'waiting';
  totalFen: number;
  receivedFen = 0;
  /** Received money still frozen until the order completes (part of receivedFen). */
  frozenFen = 0;
  /** Received money that went back to the queue on refund (frozen return or clawback). */
  returnedFen = 0;
  /** Pending amount ended without payment: cleared, cancelled or exchanged. */
  forfeitedFen = 0;
  /** Units of points, love value or coupon fen credited when the entry was exchanged or drawn to points. */
  convertedUnits = 0;
  ratioBp: number;
  queue: Queue;
  seq: number;
  /** Set when the winning ratio source was a lottery and no draw has happened yet. */
  lottery: LotterySpec | null;
  /** A lottery draw happened; the seed is -1 when the shop supplied the ratio itself. */
  drawn = false;
  drawSeed = -1;

  constructor(
    readonly no: number,
    readonly line: Line,
    readonly member: Member,
    queue: Queue,
    seq: number,
    readonly createdAt: number,
    ratioBp: number,
    totalFen: number,
    lottery: LotterySpec | null,
  ) {
    this.queue = queue;
    this.seq = seq;
    this.ratioBp = ratioBp;
    this.totalFen = totalFen;
    this.lottery = lottery;
  }

  get pendingFen(): number {
    return this.isActive ? this.totalFen - this.receivedFen : 0;
  }

  get isActive(): boolean {
    return this.status === 'waiting' || this.status === 'rewarding';
  }
}

/** A stream queue (排队返利 / 共享链). Entries are held in sequence order; `head` only moves forward. */
export class Queue {
  /** Every entry ever placed here, in sequence order (seq = index + 1). */
  entries: Entry[] = [];
  /** Index of the first entry that may still be eligible under the `queue` rule. */
  head = 0;
  /** Entries that became payable after `head` passed them (a lottery draw), min-first by seq. */
  late: Entry[] = [];
  /** Entries whose order completed, min-first by seq: the candidates under `completedFirst`. */
  completedFirst: Entry[] = [];
  paused = false;
  /** Sum of pending over active entries, kept so stats never scan. */
  pendingFen = 0;
  activeCount = 0;
  lastInflowAt = -1;
  /** Extraction per platform day for the trailing-7-day forecast: day number → fen. */
  readonly inflowByDay = new Map<number, number>();
  /** Random return (随机返) grouping in arrival order. */
  groupNo = 0;
  groupPos = 0;
  groupSize = 0;
  groupCash: number[] = [];
  mergedInto: Queue | null = null;
  /** The last event that marked this queue for an offer (see Context.touch). */
  touchedBy = 0;

  constructor(
    readonly no: number,
    readonly key: string,
    readonly account: number,
  ) {}
}
