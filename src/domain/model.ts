/**
 * The engine's entities. Members and queues are objects (there are few); orders, lines and
 * entries live in columns (tables.ts) because millions of them stay in memory, and the classes
 * here are light views over a row, created on demand.
 */
import { AheadIndex } from './ahead-index.ts';
import { Int32List } from './columns.ts';
import { applyBp } from './money.ts';
import type { Channel, LotterySpec } from './settings.ts';
import type { EngineState } from './state.ts';
import { FLAG_REFUNDED, FLAG_SETTLED, FLAG_SETTLE_ON_COMPLETED, STATUSES, STATUS_CODE } from './tables.ts';

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
  /** Rows of completed lines, in completion order, for accumulated-spend tiers. */
  readonly spend: number[] = [];
  /**
   * Entries counted per limit scope ('product:p1', 'store:s1', …), every entry whatever became of
   * it, in the order the scopes were first counted. The first scope's count lives in the member's
   * own fields: one scope per member is the common case, and counting an entry then touches no
   * map and no further object. Later scopes are in `moreLimitCounts`.
   */
  limitScope: string | null = null;
  limitTotal = 0;
  limitDay = -1;
  limitDayCount = 0;
  readonly moreLimitCounts = new Map<string, LimitCount>();

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

  /** Entries counted in `scope` (a copy), or undefined when none ever was. */
  limitCount(scope: string): LimitCount | undefined {
    if (this.limitScope === scope) return { total: this.limitTotal, day: this.limitDay, dayCount: this.limitDayCount };
    return this.moreLimitCounts.get(scope);
  }

  /** Counts one entry in `scope` on the platform day `today`. */
  countLimit(scope: string, today: number): void {
    if (this.limitScope === scope || this.limitScope === null) {
      this.limitScope = scope;
      this.limitTotal++;
      if (this.limitDay !== today) {
        this.limitDay = today;
        this.limitDayCount = 0;
      }
      this.limitDayCount++;
      return;
    }
    let c = this.moreLimitCounts.get(scope);
    if (!c) {
      c = { total: 0, day: -1, dayCount: 0 };
      this.moreLimitCounts.set(scope, c);
    }
    c.total++;
    if (c.day !== today) {
      c.day = today;
      c.dayCount = 0;
    }
    c.dayCount++;
  }

  /** Every scope's count as [scope, count] pairs, in the order the scopes were first counted. */
  limitCounts(): [string, LimitCount][] {
    const out: [string, LimitCount][] = [];
    if (this.limitScope !== null) out.push([this.limitScope, { total: this.limitTotal, day: this.limitDay, dayCount: this.limitDayCount }]);
    for (const entry of this.moreLimitCounts) out.push(entry);
    return out;
  }
}

/** Where a line was bought: interned, shared by every line of the same path. */
export interface LinePath {
  channel: Channel;
  productId: string;
  storeId: string;
  /** Accumulated-spend scope: 'mall' or 'store:<id>'. */
  spendScope: string;
}

/** Rare entry fields, kept beside the row only for entries that need them. */
export interface EntryExtra {
  returnedFen: number;
  forfeitedFen: number;
  convertedUnits: number;
  lottery: LotterySpec | null;
  drawn: boolean;
  drawSeed: number;
}

/**
 * An order, as a light view over the order columns. Views are created on demand and compare
 * by `no`, never by identity.
 */
export class Order {
  constructor(
    private readonly state: EngineState,
    /** 1-based. */
    readonly no: number,
  ) {}

  get id(): string {
    return this.state.orderIds.get(this.no - 1);
  }

  get member(): Member {
    return this.state.memberList[this.state.orderTable.member.get(this.no - 1) - 1]!;
  }

  get paidAt(): number {
    return this.state.orderTable.paidAt.get(this.no - 1);
  }

  get completedAt(): number {
    return this.state.orderTable.completedAt.get(this.no - 1);
  }

  set completedAt(at: number) {
    this.state.orderTable.completedAt.set(this.no - 1, at);
  }

  get completed(): boolean {
    return this.state.orderTable.completedAt.get(this.no - 1) >= 0;
  }

  get lines(): Line[] {
    const t = this.state.orderTable;
    const first = t.firstLine.get(this.no - 1);
    const lines: Line[] = [];
    for (let i = 0; i < t.lineCount.get(this.no - 1); i++) lines.push(new Line(this.state, first + i));
    return lines;
  }
}

/** An order line, as a view over its row. */
export class Line {
  constructor(
    protected readonly state: EngineState,
    readonly row: number,
  ) {}

  get no(): number {
    return this.row + 1;
  }

  get id(): string {
    return this.state.lineIds.get(this.state.lines.lineId.get(this.row));
  }

  get order(): Order {
    return new Order(this.state, this.state.lines.order.get(this.row) + 1);
  }

  get path(): LinePath {
    return this.state.paths.values[this.state.lines.path.get(this.row)]!;
  }

  get channel(): Channel {
    return this.path.channel;
  }

  get productId(): string {
    return this.path.productId;
  }

  get storeId(): string {
    return this.path.storeId;
  }

  get spendScope(): string {
    return this.path.spendScope;
  }

  get paidFen(): number {
    return this.state.lines.paid.get(this.row);
  }

  /** Net profit the shop reported for the line (product profit, supplier difference, commission). */
  get profitFen(): number {
    return this.state.lineProfit.get(this.row) ?? 0;
  }

  /** null when the line's path is disabled: it takes no part at all. */
  get queue(): Queue | null {
    const no = this.state.lines.queue.get(this.row);
    return no === 0 ? null : this.state.queueList[no - 1]!;
  }

  get extractFen(): number {
    return applyBp(this.paidFen, this.state.lines.extractBp.get(this.row));
  }

  get settleOn(): 'paid' | 'completed' {
    return this.state.lines.hasFlag(this.row, FLAG_SETTLE_ON_COMPLETED) ? 'completed' : 'paid';
  }

  /** True once its extraction went into the queue (结算). */
  get settled(): boolean {
    return this.state.lines.hasFlag(this.row, FLAG_SETTLED);
  }

  markSettled(): void {
    this.state.lines.setFlag(this.row, FLAG_SETTLED);
  }

  get refunded(): boolean {
    return this.state.lines.hasFlag(this.row, FLAG_REFUNDED);
  }

  /** -1 until refunded. */
  get refundedAt(): number {
    return this.state.lineRefundedAt.get(this.row) ?? -1;
  }

  markRefunded(at: number): void {
    this.state.lines.setFlag(this.row, FLAG_REFUNDED);
    this.state.lineRefundedAt.set(this.row, at);
  }

  get reason(): NoEntryReason | null {
    return this.state.lines.reason(this.row);
  }

  get entry(): Entry | null {
    return this.state.lines.entryNo.get(this.row) === 0 ? null : new Entry(this.state, this.row);
  }
}

/** The entry (权益) a line created: the same row seen from the entry's side. */
export class Entry {
  constructor(
    private readonly state: EngineState,
    readonly row: number,
  ) {}

  get no(): number {
    return this.state.lines.entryNo.get(this.row);
  }

  get line(): Line {
    return new Line(this.state, this.row);
  }

  get member(): Member {
    return this.state.memberList[this.state.orderTable.member.get(this.state.lines.order.get(this.row)) - 1]!;
  }

  get createdAt(): number {
    return this.state.orderTable.paidAt.get(this.state.lines.order.get(this.row));
  }

  get status(): EntryStatus {
    return STATUSES[this.state.lines.status.get(this.row)]!;
  }

  set status(status: EntryStatus) {
    this.state.lines.status.set(this.row, STATUS_CODE[status]);
  }

  get queue(): Queue {
    return this.state.queueList[this.state.lines.queue.get(this.row) - 1]!;
  }

  set queue(queue: Queue) {
    this.state.lines.queue.set(this.row, queue.no);
  }

  /** Position by payment time in its queue; 0 for a points entry that never queued. */
  get seq(): number {
    return this.state.lines.seq.get(this.row);
  }

  set seq(seq: number) {
    this.state.lines.seq.set(this.row, seq);
  }

  get ratioBp(): number {
    return this.state.lines.ratioBp.get(this.row);
  }

  /** Changing the ratio (a lottery draw) changes the total with it. */
  set ratioBp(bp: number) {
    this.state.lines.ratioBp.set(this.row, bp);
  }

  get totalFen(): number {
    return applyBp(this.state.lines.paid.get(this.row), this.state.lines.ratioBp.get(this.row));
  }

  get receivedFen(): number {
    return this.state.lines.received.get(this.row);
  }

  set receivedFen(fen: number) {
    this.state.lines.received.set(this.row, fen);
  }

  /**
   * Received money still frozen: everything paid to an entry before its order completes is
   * frozen, released in full at completion and returned in full by a refund before it, so the
   * frozen part is the whole received amount until then and nothing after.
   */
  get frozenFen(): number {
    const t = this.state.lines;
    const open = this.state.orderTable.completedAt.get(t.order.get(this.row)) < 0 && !t.hasFlag(this.row, FLAG_REFUNDED);
    return open ? t.received.get(this.row) : 0;
  }

  get pendingFen(): number {
    return this.isActive ? this.totalFen - this.receivedFen : 0;
  }

  get isActive(): boolean {
    return this.state.lines.isActive(this.row);
  }

  private get extra(): EntryExtra {
    let extra = this.state.entryExtras.get(this.row);
    if (!extra) {
      extra = { returnedFen: 0, forfeitedFen: 0, convertedUnits: 0, lottery: null, drawn: false, drawSeed: -1 };
      this.state.entryExtras.set(this.row, extra);
    }
    return extra;
  }

  /** Received money that went back to the queue on refund (frozen return or clawback). */
  get returnedFen(): number {
    return this.state.entryExtras.get(this.row)?.returnedFen ?? 0;
  }

  set returnedFen(fen: number) {
    this.extra.returnedFen = fen;
  }

  /** Pending amount ended without payment: cleared or cancelled. */
  get forfeitedFen(): number {
    return this.state.entryExtras.get(this.row)?.forfeitedFen ?? 0;
  }

  set forfeitedFen(fen: number) {
    this.extra.forfeitedFen = fen;
  }

  /** Units of points, love value or coupon fen credited on exchange or as a random-return points member. */
  get convertedUnits(): number {
    return this.state.entryExtras.get(this.row)?.convertedUnits ?? 0;
  }

  set convertedUnits(units: number) {
    this.extra.convertedUnits = units;
  }

  /** Set when the winning ratio source was a lottery and no draw has happened yet. */
  get lottery(): LotterySpec | null {
    return this.state.entryExtras.get(this.row)?.lottery ?? null;
  }

  set lottery(lottery: LotterySpec | null) {
    if (lottery || this.state.entryExtras.has(this.row)) this.extra.lottery = lottery;
  }

  /** A lottery draw happened; the seed is -1 when the shop supplied the ratio itself. */
  get drawn(): boolean {
    return this.state.entryExtras.get(this.row)?.drawn ?? false;
  }

  set drawn(drawn: boolean) {
    this.extra.drawn = drawn;
  }

  get drawSeed(): number {
    return this.state.entryExtras.get(this.row)?.drawSeed ?? -1;
  }

  set drawSeed(seed: number) {
    this.extra.drawSeed = seed;
  }
}

/** A stream queue (排队返利 / 共享链). Entries are held in sequence order; `head` only moves forward. */
export class Queue {
  /** The row of every entry ever placed here, in sequence order (seq = index + 1). */
  entries = new Int32List();
  /** Index of the first entry that may still be eligible under the `queue` rule. */
  head = 0;
  /** Rows of entries that became payable after `head` passed them (a lottery draw), min-first by seq. */
  late: number[] = [];
  /** Rows of entries whose order completed, min-first by seq: the candidates under `completedFirst`. */
  completedFirst: number[] = [];
  paused = false;
  /** Sum of pending over active entries, kept so stats never scan. */
  pendingFen = 0;
  /** Payable entries and what they are owed, per block of sequence numbers (member views' positions). */
  readonly ahead = new AheadIndex();
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
