/**
 * The property tests' own reference model of pool programs (工会排队 / 消费报销, SPEC §4),
 * distribution rewards (分销奖励, SPEC §5), dividends and withdrawals (SPEC §6), written from the
 * SPEC and docs/PROGRAMS.md without importing any engine code.
 *
 * The model follows the engine step by step. It predicts whether an event is accepted (and the
 * rejection code), and for an accepted event it predicts every reward grant, pool entry, funding
 * and acceleration exactly. Releases are checked as properties rather than replayed blindly: at
 * each release the model recomputes which entries are eligible (waiting, unlocked, order
 * completed) and what the pool may release (balance minus reserve, within the day's cap), then
 * checks the engine's `poolReleased` notices against that: the lowest-seq eligible entry is paid
 * its whole pending amount, one after the other, and the release stops only at an entry the pool
 * cannot cover. The model keeps every CNY ledger account it knows of, so the runner can compare
 * each balance with the engine's after every step.
 *
 * The stream-queue plugin is switched off in every settings event of these runs (base.enabled
 * false), so every CNY movement belongs to programs, rewards, dividends or withdrawals.
 */

export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;
/** Asia/Shanghai has had no daylight saving time since 1991: a fixed +08:00. */
const ZONE_OFFSET = 8 * HOUR;

export const dayOf = (at: number): number => Math.floor((at + ZONE_OFFSET) / DAY);
export const dateOf = (day: number): string => new Date(day * DAY).toISOString().slice(0, 10);
export const iso = (at: number): string => new Date(at + ZONE_OFFSET).toISOString().replace('Z', '+08:00');

/** floor(amount × bp / 10000) with integer arithmetic (amounts here stay far below 2^53 / 10^6). */
export function bpOf(amount: number, bp: number): number {
  const p = amount * bp;
  return (p - (p % 10_000)) / 10_000;
}

/** The first instant strictly after `after` whose platform wall clock reads `hhmm`. */
export function nextDaily(hhmm: string, after: number): number {
  const minute = Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
  for (let d = dayOf(after) - 1; ; d++) {
    const due = d * DAY + minute * MINUTE - ZONE_OFFSET;
    if (due > after) return due;
  }
}

// ------------------------------------------------------------------------------------------------
// Settings as the model understands them

export type Channel = 'mall' | 'store' | 'cashier';
export type Basis = 'paid' | 'profit';

export interface ProgramSpec {
  id: string;
  enabled: boolean;
  fundingBasis: 'profit' | 'sales';
  fundingBp: number;
  rewardBp: number;
  lockDays: number;
  lockDaysByProduct: Record<string, number>;
  lockDaysByStore: Record<string, number>;
  products: string[] | null;
  stores: string[] | null;
  channels: Channel[];
  release: { mode: 'continuous' } | { mode: 'daily'; at: string };
  dailyCapFen: number | null;
  reserveBp: number;
  accelerationBp: number;
}

export interface RuleSpec {
  bp: number;
  basis: Basis;
}

export interface RewardsSpec {
  maxDepth: number;
  direct: RuleSpec | null;
  indirect: RuleSpec | null;
  teamLevels: { basis: Basis; levelsBp: Record<string, number> } | null;
  dividend: (RuleSpec & { split: 'equal' | 'weight' }) | null;
  merchant: (RuleSpec & { referrers: Record<string, string> }) | null;
}

export interface SettingsSpec {
  clawbackAfterSale: boolean;
  programs: ProgramSpec[];
  rewards: RewardsSpec;
}

type Json = Record<string, unknown>;

const isObj = (x: unknown): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x);

function rule(x: unknown): RuleSpec | null {
  if (!isObj(x)) return null;
  return { bp: x.bp as number, basis: (x.basis as Basis | undefined) ?? 'paid' };
}

/**
 * Reads settings JSON that the generator meant to be valid, applying the documented defaults
 * (docs/PROGRAMS.md and the SPEC): profit basis at 60%, lock 0, all channels, continuous release,
 * no cap, no reserve, no acceleration, maxDepth 3, basis 'paid', split 'equal'.
 */
export function specFromJson(settings: unknown): SettingsSpec {
  const s = settings as Json;
  const base = (s.base ?? {}) as Json;
  const programs: ProgramSpec[] = [];
  for (const [id, raw] of Object.entries((s.programs ?? {}) as Json)) {
    const p = raw as Json;
    const fundingBasis = (p.fundingBasis as 'profit' | 'sales' | undefined) ?? 'profit';
    programs.push({
      id,
      enabled: p.enabled === undefined ? true : p.enabled === true,
      fundingBasis,
      fundingBp: (p.fundingBp as number | undefined) ?? 6_000,
      rewardBp: p.rewardBp as number,
      lockDays: (p.lockDays as number | undefined) ?? 0,
      lockDaysByProduct: { ...((p.lockDaysByProduct ?? {}) as Record<string, number>) },
      lockDaysByStore: { ...((p.lockDaysByStore ?? {}) as Record<string, number>) },
      products: (p.products as string[] | null | undefined) ?? null,
      stores: (p.stores as string[] | null | undefined) ?? null,
      channels: (p.channels as Channel[] | undefined) ?? ['mall', 'store', 'cashier'],
      release: (p.release as ProgramSpec['release'] | undefined) ?? { mode: 'continuous' },
      dailyCapFen: (p.dailyCapFen as number | null | undefined) ?? null,
      reserveBp: (p.reserveBp as number | undefined) ?? 0,
      accelerationBp: (p.accelerationBp as number | undefined) ?? 0,
    });
  }
  const r = (s.rewards ?? {}) as Json;
  const t = r.teamLevels;
  const d = r.dividend;
  const m = r.merchant;
  return {
    clawbackAfterSale: base.clawbackAfterSale === true,
    programs,
    rewards: {
      maxDepth: (r.maxDepth as number | undefined) ?? 3,
      direct: rule(r.direct),
      indirect: rule(r.indirect),
      teamLevels: isObj(t) ? { basis: (t.basis as Basis | undefined) ?? 'paid', levelsBp: { ...(t.levelsBp as Record<string, number>) } } : null,
      dividend: isObj(d) ? { ...rule(d)!, split: (d.split as 'equal' | 'weight' | undefined) ?? 'equal' } : null,
      merchant: isObj(m) ? { ...rule(m)!, referrers: { ...((m.referrers ?? {}) as Record<string, string>) } } : null,
    },
  };
}

// ------------------------------------------------------------------------------------------------
// The model's records

export interface MMember {
  id: string;
  no: number;
  referrer: string | null;
  teamLevel: string;
  weight: number;
}

export interface MGrant {
  kind: 'direct' | 'indirect' | 'teamLevel' | 'merchant';
  memberId: string;
  amount: number;
  status: 'frozen' | 'released' | 'reversed';
}

export interface MOrder {
  id: string;
  memberId: string;
  paidAt: number;
  completedAt: number | null;
  lines: MLine[];
}

export interface MLine {
  row: number;
  id: string;
  order: MOrder;
  channel: Channel;
  productId: string;
  storeId: string;
  paid: number;
  deducted: number;
  profit: number;
  refundedAt: number | null;
  grants: MGrant[];
  entries: MEntry[];
}

export interface MEntry {
  no: number;
  pool: MPool;
  seq: number;
  memberId: string;
  line: MLine;
  total: number;
  received: number;
  frozen: number;
  returned: number;
  status: 'waiting' | 'completed' | 'cancelled';
  unlockAt: number;
  funding: number;
}

export class MPool {
  readonly entries: MEntry[] = [];
  /** Entries that were created waiting, in sequence order; left ones are skipped and compacted. */
  waiting: MEntry[] = [];
  private gone = 0;
  readonly byMember = new Map<string, MEntry[]>();
  nextReleaseAt: number | null = null;
  readonly releasedByDay = new Map<number, number>();
  pending = 0;
  active = 0;

  constructor(readonly id: string) {}

  get account(): string {
    return `pool:${this.id}`;
  }

  /** An entry stopped waiting: count it out and compact the waiting list now and then. */
  left(): void {
    this.gone++;
    if (this.gone > 64 && this.gone * 2 > this.waiting.length) {
      this.waiting = this.waiting.filter((e) => e.status === 'waiting');
      this.gone = 0;
    }
  }
}

export interface MWithdrawal {
  id: string;
  memberId: string;
  amount: number;
  status: 'requested' | 'paid' | 'rejected';
}

/** A property the engine broke, or a disagreement between the engine and the model. */
export class PropertyFailure extends Error {
  constructor(
    readonly property: string,
    readonly detail: string,
  ) {
    super(`[${property}] ${detail}`);
    this.name = 'PropertyFailure';
  }
}

export function fail(property: string, detail: string): never {
  throw new PropertyFailure(property, detail);
}

/** What the engine reports for a notice (the runner passes the engine's notices through). */
export interface NoticeLike {
  kind: string;
  memberId: string;
  entryId: number;
  amountFen: number;
}

/** The outcome fields the model reads. */
export interface OutcomeLike {
  eventNo: number;
  type: string;
  at: number;
  result: unknown;
  scheduled: OutcomeLike[];
  notices: NoticeLike[];
}

export const PROGRAM_NOTICES = new Set(['rewardGranted', 'poolEntryCreated', 'poolReleased', 'dividendPaid']);

class Cursor {
  i = 0;
  constructor(
    readonly notices: readonly NoticeLike[],
    readonly where: string,
  ) {}

  peek(): NoticeLike | undefined {
    return this.notices[this.i];
  }

  take(): NoticeLike {
    return this.notices[this.i++]!;
  }

  done(): boolean {
    return this.i >= this.notices.length;
  }
}

const show = (n: NoticeLike | undefined): string => (n ? `${n.kind}(member ${n.memberId}, ref ${n.entryId}, ${n.amountFen})` : 'nothing');

/** Facts the runner checks once a refund step is through (SPEC §5 reversal, §4 cancellation). */
export interface RefundRecord {
  order: MOrder;
  lines: MLine[];
  beforeCompletion: boolean;
  wholeOrder: boolean;
  /** Reward funding accounts' balances before the step and the amounts that must come back. */
  fundingBefore: Map<string, number>;
  fundingBack: Map<string, number>;
}

export class Model {
  now = 0;
  eventNo = 0;
  settings: SettingsSpec = {
    clawbackAfterSale: false,
    programs: [],
    rewards: { maxDepth: 3, direct: null, indirect: null, teamLevels: null, dividend: null, merchant: null },
  };
  /** The engine starts with the stream plugin on; the first settings event turns it off. */
  streamOff = false;
  readonly members = new Map<string, MMember>();
  readonly memberList: MMember[] = [];
  readonly orders = new Map<string, MOrder>();
  readonly orderList: MOrder[] = [];
  readonly lines: MLine[] = [];
  readonly pools = new Map<string, MPool>();
  readonly entries: MEntry[] = [];
  readonly withdrawals = new Map<string, MWithdrawal>();
  readonly withdrawalList: MWithdrawal[] = [];
  readonly turnover = new Map<number, [number, number]>();
  readonly dividendDays = new Set<number>();
  /** CNY balances by ledger account name. */
  readonly accounts = new Map<string, number>();

  // What the current step touched, for the runner's comparisons.
  touchedEntries = new Set<MEntry>();
  touchedLines = new Set<MLine>();
  touchedAccounts = new Set<string>();
  touchedDays: number[] = [];
  refunds: RefundRecord[] = [];
  /** What the run did, for the coverage requirements. */
  readonly counts: Record<string, number> = {
    releases: 0, exits: 0, accelerations: 0, scheduledReleases: 0, dividendsPaid: 0, fullRefundsBeforeCompletion: 0,
    refundsAfterCompletion: 0, reversedGrants: 0, frozenReturned: 0, clawbacks: 0, clawbackShortfalls: 0,
  };

  balance(account: string): number {
    return this.accounts.get(account) ?? 0;
  }

  private move(from: string, to: string, amount: number): void {
    if (!Number.isSafeInteger(amount) || amount <= 0) throw new Error(`model transfer of ${amount}`);
    this.accounts.set(from, this.balance(from) - amount);
    this.accounts.set(to, this.balance(to) + amount);
    this.touchedAccounts.add(from);
    this.touchedAccounts.add(to);
  }

  programOf(id: string): ProgramSpec | undefined {
    return this.settings.programs.find((p) => p.id === id);
  }

  cash(memberId: string): number {
    return this.balance(`member:${memberId}:cash`);
  }

  beginStep(): void {
    this.touchedEntries = new Set();
    this.touchedLines = new Set();
    this.touchedAccounts = new Set();
    this.touchedDays = [];
    this.refunds = [];
  }

  // ----------------------------------------------------------------------------------------------
  // Prediction: will the engine accept this event, and if not, with which code?

  /** Rejection code the engine must answer, or null. `settingsCode` is the generator's intent. */
  predict(body: Json, at: number, settingsCode: string | null | undefined): string | null {
    switch (body.type) {
      case 'tick':
        return null;
      case 'settings':
        return settingsCode ?? null;
      case 'member':
        return this.predictMember(body);
      case 'paid':
        return this.predictPaid(body);
      case 'completed': {
        const order = this.orders.get(body.orderId as string);
        if (!order) return 'UNKNOWN_ORDER';
        if (order.completedAt !== null) return 'ORDER_ALREADY_COMPLETED';
        if (order.lines.every((l) => l.refundedAt !== null)) return 'ORDER_FULLY_REFUNDED';
        return null;
      }
      case 'refunded': {
        const ids = body.lineIds as string[] | undefined;
        if (ids && new Set(ids).size !== ids.length) return 'DUPLICATE_LINE';
        const order = this.orders.get(body.orderId as string);
        if (!order) return 'UNKNOWN_ORDER';
        if (!ids) return order.lines.some((l) => l.refundedAt === null) ? null : 'NOTHING_TO_REFUND';
        for (const id of ids) {
          const line = order.lines.find((l) => l.id === id);
          if (!line) return 'UNKNOWN_LINE';
          if (line.refundedAt !== null) return 'LINE_ALREADY_REFUNDED';
        }
        return null;
      }
      case 'poolRelease':
        return this.programOf(body.programId as string) ? null : 'UNKNOWN_PROGRAM';
      case 'dividend':
        return this.predictDividend(body, at);
      case 'withdrawalRequested': {
        const amount = body.amountFen as number;
        if (!Number.isSafeInteger(amount) || amount < 0) return 'INVALID_AMOUNT';
        if (!this.members.has(body.memberId as string)) return 'UNKNOWN_MEMBER';
        if (this.withdrawals.has(body.withdrawalId as string)) return 'DUPLICATE_WITHDRAWAL';
        if (amount <= 0) return 'INVALID_AMOUNT';
        if (amount > this.cash(body.memberId as string)) return 'INSUFFICIENT_FUNDS';
        return null;
      }
      case 'withdrawalPaid':
      case 'withdrawalRejected': {
        const w = this.withdrawals.get(body.withdrawalId as string);
        if (!w) return 'UNKNOWN_WITHDRAWAL';
        return w.status === 'requested' ? null : 'WITHDRAWAL_NOT_PENDING';
      }
      default:
        throw new Error(`the model does not know event type ${String(body.type)}`);
    }
  }

  private predictMember(body: Json): string | null {
    const w = body.shareholderWeight;
    if (w !== undefined && (typeof w !== 'number' || !Number.isSafeInteger(w) || w < 0 || w > 1_000_000)) return 'INVALID_EVENT';
    const referrerId = body.referrerId as string | null | undefined;
    if (referrerId) {
      const referrer = this.members.get(referrerId);
      if (!referrer) return 'UNKNOWN_MEMBER';
      for (let m: MMember | undefined = referrer; m; m = m.referrer === null ? undefined : this.members.get(m.referrer)) {
        if (m.id === body.memberId) return 'REFERRAL_CYCLE';
      }
    }
    return null;
  }

  private predictPaid(body: Json): string | null {
    const lines = body.lines as Json[];
    for (const l of lines) {
      for (const f of ['paidFen', 'deductedFen', 'profitFen']) {
        const v = l[f];
        if (v !== undefined && (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 || v > 1_000_000_000_000)) return 'INVALID_AMOUNT';
      }
    }
    if (new Set(lines.map((l) => l.lineId)).size !== lines.length) return 'DUPLICATE_LINE';
    if (!this.members.has(body.memberId as string)) return 'UNKNOWN_MEMBER';
    if (this.orders.has(body.orderId as string)) return 'DUPLICATE_ORDER';
    return null;
  }

  /** The closed-period rules of docs/PROGRAMS.md, in the order the handler checks them. */
  private predictDividend(body: Json, at: number): string | null {
    const re = /^\d{4}-\d{2}-\d{2}$/;
    const from = body.fromDate as string;
    const to = body.toDate as string;
    if (!re.test(from) || !re.test(to)) return 'DIVIDEND_PERIOD_INVALID';
    if (!this.settings.rewards.dividend) return 'DIVIDEND_PERIOD_INVALID';
    const f = dayOfDate(from);
    const t = dayOfDate(to);
    if (f === null || t === null) return 'DIVIDEND_PERIOD_INVALID';
    if (f > t || t - f + 1 > 366) return 'DIVIDEND_PERIOD_INVALID';
    if (t >= dayOf(at)) return 'DIVIDEND_PERIOD_INVALID';
    for (let d = f; d <= t; d++) if (this.dividendDays.has(d)) return 'DIVIDEND_PERIOD_INVALID';
    if (!this.memberList.some((m) => m.weight > 0)) return 'NO_SHAREHOLDERS';
    return null;
  }

  // ----------------------------------------------------------------------------------------------
  // Time-driven steps

  /** The next daily release due (earliest; ties go to the earlier program), or null. */
  nextDue(): { at: number; pool: MPool; program: ProgramSpec } | null {
    let due: { at: number; pool: MPool; program: ProgramSpec } | null = null;
    for (const program of this.settings.programs) {
      const pool = this.pools.get(program.id);
      if (!pool || pool.nextReleaseAt === null) continue;
      if (!due || pool.nextReleaseAt < due.at) due = { at: pool.nextReleaseAt, pool, program };
    }
    return due;
  }

  private schedule(pool: MPool, program: ProgramSpec, after: number): void {
    pool.nextReleaseAt = program.release.mode === 'daily' && program.enabled ? nextDaily(program.release.at, after) : null;
  }

  private poolOf(program: ProgramSpec, at: number): MPool {
    let pool = this.pools.get(program.id);
    if (!pool) {
      pool = new MPool(program.id);
      this.pools.set(program.id, pool);
      this.schedule(pool, program, at);
    }
    return pool;
  }

  // ----------------------------------------------------------------------------------------------
  // Applying an accepted event

  apply(body: Json, outcome: OutcomeLike): void {
    const at = outcome.at;
    // 1. Every daily release that fell due runs first, each as its own step at its due instant.
    const scheduled = outcome.scheduled;
    let k = 0;
    for (let due = this.nextDue(); due && due.at <= at; due = this.nextDue(), k++) {
      const step = scheduled[k];
      if (!step || step.at !== due.at || (step.result as { programId?: string }).programId !== due.pool.id) {
        fail('scheduled releases', `expected the daily release of ${due.pool.id} due ${iso(due.at)} as scheduled step ${k + 1} before the event at ${iso(at)}; the engine ran ${step ? `${JSON.stringify(step.result)} at ${iso(step.at)}` : 'nothing'} (${scheduled.length} scheduled steps in all)`);
      }
      this.eventNo++;
      this.counts.scheduledReleases!++;
      if (step.eventNo !== this.eventNo) fail('scheduled releases', `scheduled step numbered ${step.eventNo}, expected ${this.eventNo}`);
      const cur = new Cursor(programNotices(step.notices), `scheduled release of ${due.pool.id} at ${iso(due.at)}`);
      this.release(due.pool, due.program, due.at, cur, 'scheduled', step.result);
      this.schedule(due.pool, due.program, due.at);
      this.finishReleases(due.at, cur);
      this.now = due.at;
    }
    if (k !== scheduled.length) fail('scheduled releases', `the engine ran ${scheduled.length} scheduled steps before the event at ${iso(at)}, the model expected ${k}: ${JSON.stringify(scheduled.map((s) => [iso(s.at), s.result]))}`);

    // 2. The event itself.
    this.eventNo++;
    if (outcome.eventNo !== this.eventNo) fail('model agreement', `event numbered ${outcome.eventNo}, expected ${this.eventNo}`);
    if (this.streamOff && outcome.notices.some((n) => !PROGRAM_NOTICES.has(n.kind))) {
      fail('model agreement', `stream notices although the stream plugin is off: ${outcome.notices.filter((n) => !PROGRAM_NOTICES.has(n.kind)).map(show).join(', ')}`);
    }
    const cur = new Cursor(programNotices(outcome.notices), `${String(body.type)} at ${iso(at)}`);
    switch (body.type) {
      case 'tick':
        break;
      case 'settings':
        this.applySettings(body, at);
        break;
      case 'member':
        this.applyMember(body);
        break;
      case 'paid':
        this.applyPaid(body, at, cur);
        break;
      case 'completed':
        this.applyCompleted(body.orderId as string, at);
        break;
      case 'refunded':
        this.applyRefunded(body, at);
        break;
      case 'poolRelease': {
        const program = this.programOf(body.programId as string)!;
        this.release(this.poolOf(program, at), program, at, cur, 'manual', outcome.result);
        break;
      }
      case 'dividend':
        this.applyDividend(body, at, outcome, cur);
        break;
      case 'withdrawalRequested': {
        const w: MWithdrawal = { id: body.withdrawalId as string, memberId: body.memberId as string, amount: body.amountFen as number, status: 'requested' };
        this.withdrawals.set(w.id, w);
        this.withdrawalList.push(w);
        this.move(`member:${w.memberId}:cash`, `member:${w.memberId}:withdrawing`, w.amount);
        break;
      }
      case 'withdrawalPaid':
      case 'withdrawalRejected': {
        const w = this.withdrawals.get(body.withdrawalId as string)!;
        const paid = body.type === 'withdrawalPaid';
        w.status = paid ? 'paid' : 'rejected';
        this.move(`member:${w.memberId}:withdrawing`, paid ? 'platform:payouts' : `member:${w.memberId}:cash`, w.amount);
        break;
      }
      default:
        throw new Error(`the model does not apply ${String(body.type)}`);
    }
    // 3. The end of the step: continuous programs release.
    this.finishReleases(at, cur);
    this.now = at;
  }

  private applySettings(body: Json, at: number): void {
    this.settings = specFromJson(body.settings);
    const base = ((body.settings as Json).base ?? {}) as Json;
    this.streamOff = base.enabled === false;
    // A settings change restarts every schedule from its own instant.
    for (const program of this.settings.programs) {
      const pool = this.pools.get(program.id);
      if (pool) this.schedule(pool, program, at);
    }
  }

  private applyMember(body: Json): void {
    const id = body.memberId as string;
    let m = this.members.get(id);
    if (!m) {
      m = { id, no: this.memberList.length + 1, referrer: null, teamLevel: '', weight: 0 };
      this.members.set(id, m);
      this.memberList.push(m);
    }
    if (body.teamLevel !== undefined) m.teamLevel = body.teamLevel as string;
    if (body.shareholderWeight !== undefined) m.weight = body.shareholderWeight as number;
    if (body.referrerId !== undefined) m.referrer = (body.referrerId as string | null) || null;
  }

  private applyPaid(body: Json, at: number, cur: Cursor): void {
    const order: MOrder = { id: body.orderId as string, memberId: body.memberId as string, paidAt: at, completedAt: null, lines: [] };
    this.orders.set(order.id, order);
    this.orderList.push(order);
    for (const l of body.lines as Json[]) {
      const channel = l.channel as Channel;
      const line: MLine = {
        row: this.lines.length,
        id: l.lineId as string,
        order,
        channel,
        productId: channel === 'cashier' ? '' : (l.productId as string),
        storeId: channel === 'mall' ? '' : (l.storeId as string),
        paid: l.paidFen as number,
        deducted: (l.deductedFen as number | undefined) ?? 0,
        profit: (l.profitFen as number | undefined) ?? 0,
        refundedAt: null,
        grants: [],
        entries: [],
      };
      this.lines.push(line);
      order.lines.push(line);
      this.touchedLines.add(line);
    }
    const r = this.settings.rewards;
    if (!(r.direct || r.indirect || r.teamLevels || r.merchant) && this.settings.programs.length === 0) return;
    for (const line of order.lines) {
      const rewards = this.grantRewards(line, cur);
      this.joinPrograms(line, rewards, at, cur);
    }
  }

  private expect(cur: Cursor, kind: string, memberId: string, ref: number, amount: number, what: string, property = 'model agreement'): void {
    const n = cur.peek();
    if (!n || n.kind !== kind || n.memberId !== memberId || n.entryId !== ref || n.amountFen !== amount) {
      fail(property, `${cur.where}: expected ${what}: ${kind}(member ${memberId}, ref ${ref}, ${amount}); the engine's next notice is ${show(n)}`);
    }
    cur.take();
  }

  /** 直推, 间推, 级差 and 招商 for one line, in the engine's documented order; returns their sum. */
  private grantRewards(line: MLine, cur: Cursor): number {
    const r = this.settings.rewards;
    const buyer = this.members.get(line.order.memberId)!;
    const chain: MMember[] = [];
    for (let m = buyer.referrer === null ? undefined : this.members.get(buyer.referrer); m && chain.length < r.maxDepth; m = m.referrer === null ? undefined : this.members.get(m.referrer)) chain.push(m);
    const basis = (b: Basis): number => (b === 'paid' ? line.paid : line.profit);
    const planned: [MGrant['kind'], string, number][] = [];
    if (r.direct && chain[0]) planned.push(['direct', chain[0].id, bpOf(basis(r.direct.basis), r.direct.bp)]);
    if (r.indirect && chain[1]) planned.push(['indirect', chain[1].id, bpOf(basis(r.indirect.basis), r.indirect.bp)]);
    if (r.teamLevels) {
      let highest = 0;
      for (const up of chain) {
        const bp = Object.hasOwn(r.teamLevels.levelsBp, up.teamLevel) ? r.teamLevels.levelsBp[up.teamLevel]! : 0;
        if (bp <= highest) continue;
        planned.push(['teamLevel', up.id, bpOf(basis(r.teamLevels.basis), bp - highest)]);
        highest = bp;
      }
    }
    if (r.merchant && line.storeId !== '' && Object.hasOwn(r.merchant.referrers, line.storeId) && this.members.has(r.merchant.referrers[line.storeId]!)) {
      planned.push(['merchant', r.merchant.referrers[line.storeId]!, bpOf(basis(r.merchant.basis), r.merchant.bp)]);
    }
    let sum = 0;
    for (const [kind, memberId, amount] of planned) {
      if (amount <= 0) continue;
      this.expect(cur, 'rewardGranted', memberId, line.row + 1, amount, `the ${kind} reward of line ${line.order.id}/${line.id}`, 'rewards');
      this.move(`platform:reward:${kind}`, `member:${memberId}:rewardFrozen`, amount);
      line.grants.push({ kind, memberId, amount, status: 'frozen' });
      sum += amount;
    }
    return sum;
  }

  private participates(p: ProgramSpec, line: MLine): boolean {
    if (!p.enabled || !p.channels.includes(line.channel)) return false;
    if (p.products && line.channel !== 'cashier' && !p.products.includes(line.productId)) return false;
    if (p.stores && line.channel !== 'mall' && !p.stores.includes(line.storeId)) return false;
    return true;
  }

  private joinPrograms(line: MLine, rewards: number, at: number, cur: Cursor): void {
    for (const program of this.settings.programs) {
      if (!this.participates(program, line)) continue;
      const pool = this.poolOf(program, at);
      const funding = program.fundingBasis === 'sales'
        ? bpOf(line.paid, program.fundingBp)
        : bpOf(Math.max(0, line.profit - rewards - line.deducted), program.fundingBp);
      if (funding > 0) this.move('platform:funding', pool.account, funding);
      let lock = program.lockDays;
      if (line.productId !== '' && Object.hasOwn(program.lockDaysByProduct, line.productId)) lock = program.lockDaysByProduct[line.productId]!;
      else if (line.storeId !== '' && Object.hasOwn(program.lockDaysByStore, line.storeId)) lock = program.lockDaysByStore[line.storeId]!;
      const total = bpOf(line.paid, program.rewardBp);
      const entry: MEntry = {
        no: this.entries.length + 1, pool, seq: pool.entries.length + 1, memberId: line.order.memberId, line, total,
        received: 0, frozen: 0, returned: 0, status: total === 0 ? 'completed' : 'waiting', unlockAt: at + lock * DAY, funding,
      };
      this.entries.push(entry);
      pool.entries.push(entry);
      const mine = pool.byMember.get(entry.memberId);
      if (mine) mine.push(entry);
      else pool.byMember.set(entry.memberId, [entry]);
      if (entry.status === 'waiting') {
        pool.waiting.push(entry);
        pool.pending += total;
        pool.active++;
      }
      line.entries.push(entry);
      this.touchedEntries.add(entry);
      this.expect(cur, 'poolEntryCreated', entry.memberId, entry.no, total, `the ${program.id} entry of line ${line.order.id}/${line.id}`, 'pool entries');
      if (funding > 0) this.accelerate(pool, program, entry.memberId, funding, cur);
    }
  }

  /** 推广加速: a share of the inflow to the referrer's oldest waiting entry, at most its pending. */
  private accelerate(pool: MPool, program: ProgramSpec, buyerId: string, inflow: number, cur: Cursor): void {
    const referrer = this.members.get(buyerId)!.referrer;
    if (referrer === null || program.accelerationBp === 0) return;
    const share = bpOf(inflow, program.accelerationBp);
    const oldest = pool.byMember.get(referrer)?.find((e) => e.status === 'waiting');
    if (share === 0 || !oldest) return;
    const amount = Math.min(share, oldest.total - oldest.received);
    this.expect(cur, 'poolReleased', referrer, oldest.no, amount, `acceleration of ${share} (${program.accelerationBp} bp of ${inflow}) to ${referrer}'s oldest waiting ${pool.id} entry #${oldest.seq}`, 'acceleration');
    this.pay(oldest, amount);
    this.counts.accelerations!++;
  }

  private pay(e: MEntry, amount: number): void {
    const completed = e.line.order.completedAt !== null;
    this.move(e.pool.account, completed ? `member:${e.memberId}:cash` : `member:${e.memberId}:frozen`, amount);
    e.received += amount;
    if (!completed) e.frozen += amount;
    e.pool.pending -= amount;
    if (e.received === e.total) {
      e.status = 'completed';
      e.pool.active--;
      e.pool.left();
    }
    this.touchedEntries.add(e);
  }

  /** Eligible for a release at `at`: waiting, unlocked and its order completed. */
  eligible(e: MEntry, at: number): boolean {
    return e.status === 'waiting' && e.total > e.received && e.unlockAt <= at && e.line.order.completedAt !== null;
  }

  /**
   * One release of `pool` at `at`, checked against the engine's notices: the engine must pay the
   * lowest-seq eligible entry its whole pending amount, again and again, while what the pool may
   * release (balance − reserve of that balance, within what is left of the day's cap) covers it,
   * and stop at the first entry it cannot cover.
   */
  private release(pool: MPool, program: ProgramSpec, at: number, cur: Cursor, kind: 'scheduled' | 'manual' | 'continuous', result?: unknown): void {
    this.counts.releases!++;
    const balance = this.balance(pool.account);
    const reserve = bpOf(balance, program.reserveBp);
    const day = dayOf(at);
    const today = pool.releasedByDay.get(day) ?? 0;
    let available = balance - reserve;
    if (program.dailyCapFen !== null) available = Math.min(available, program.dailyCapFen - today);
    const context = () => `${kind} release of ${pool.id} at ${iso(at)} (balance ${balance}, reserve ${reserve} at ${program.reserveBp} bp, cap ${program.dailyCapFen ?? 'none'} with ${today} released earlier that day: ${available} releasable)`;
    let released = 0;
    let exits = 0;
    let i = 0;
    const waiting = pool.waiting;
    const nextPayment = (): MEntry | undefined => {
      const n = cur.peek();
      const e = n && n.kind === 'poolReleased' ? this.entries[n.entryId - 1] : undefined;
      return e && e.pool === pool ? e : undefined;
    };
    let head: MEntry | undefined;
    for (;;) {
      while (i < waiting.length && !this.eligible(waiting[i]!, at)) i++;
      head = waiting[i];
      if (!head || head.total - head.received > available - released) break;
      const pending = head.total - head.received;
      const payment = nextPayment();
      if (!payment) {
        fail('release completeness', `${context()}: stopped after ${exits} exits before eligible entry #${head.seq} (member ${head.memberId}, pending ${pending}) although ${available - released} was still releasable; next notice: ${show(cur.peek())}`);
      }
      if (payment !== head) this.outOfTurn(payment, head, at, context());
      const n = cur.take();
      if (n.amountFen !== pending || n.memberId !== head.memberId) {
        fail('FIFO full exits', `${context()}: paid entry #${head.seq} ${n.amountFen} to ${n.memberId}, not its whole pending ${pending} to ${head.memberId}: not a full exit`);
      }
      this.pay(head, pending);
      released += pending;
      exits++;
      i++;
    }
    // The release must stop here. Another payment of this pool right after it is a skip ahead,
    // unless a manual release of a continuous program is followed by the end-of-step release.
    const more = nextPayment();
    const claimed = kind === 'manual' ? (result as { exits: number }).exits : exits;
    if (more && (kind !== 'manual' || claimed > exits)) {
      if (head) {
        fail('FIFO full exits', `${context()}: after ${exits} exits paid #${more.seq} (pending ${more.total - more.received}) although eligible #${head.seq} (pending ${head.total - head.received}, member ${head.memberId}) comes first and was not covered by the ${available - released} left: skipped ahead`);
      }
      this.outOfTurn(more, undefined, at, `${context()}: after ${exits} exits with no eligible entry left`);
    }
    if (released > 0) pool.releasedByDay.set(day, today + released);
    this.counts.exits! += exits;
    if (kind !== 'continuous') {
      const res = result as { programId: string; exits: number; releasedFen: number; carriedFen: number };
      const expected = { programId: pool.id, exits, releasedFen: released, carriedFen: this.balance(pool.account) };
      if (res.programId !== expected.programId || res.exits !== exits || res.releasedFen !== released || res.carriedFen !== expected.carriedFen) {
        fail(kind === 'manual' ? 'release completeness' : 'scheduled releases', `${context()}: the result ${JSON.stringify(res)} differs from the model's ${JSON.stringify(expected)}`);
      }
    }
  }

  private outOfTurn(payment: MEntry, head: MEntry | undefined, at: number, context: string): never {
    if (payment.status !== 'waiting') fail('FIFO full exits', `${context}: paid entry #${payment.seq} of member ${payment.memberId} whose status is ${payment.status}`);
    if (!this.eligible(payment, at)) {
      fail('FIFO full exits', `${context}: paid entry #${payment.seq} that is not eligible (unlocks ${iso(payment.unlockAt)}, order ${payment.line.order.id} ${payment.line.order.completedAt === null ? 'open' : 'completed'})${head ? ` while eligible #${head.seq} waits` : ''}`);
    }
    return fail('FIFO full exits', `${context}: paid #${payment.seq} while eligible #${head?.seq} (lower seq, pending ${head ? head.total - head.received : 0}, member ${head?.memberId}) was still waiting: a skip`);
  }

  /** Continuous programs release at the end of every step, in program order. */
  private finishReleases(at: number, cur: Cursor): void {
    for (const program of this.settings.programs) {
      if (program.release.mode !== 'continuous' || !program.enabled) continue;
      const pool = this.pools.get(program.id);
      if (pool && pool.active > 0) this.release(pool, program, at, cur, 'continuous');
    }
    if (!cur.done()) {
      const n = cur.peek()!;
      const e = n.kind === 'poolReleased' ? this.entries[n.entryId - 1] : undefined;
      const detail = e ? ` (entry #${e.seq} of ${e.pool.id}, ${e.status}, pending ${e.total - e.received}, unlocks ${iso(e.unlockAt)}, order ${e.line.order.completedAt === null ? 'open' : 'completed'})` : '';
      fail(e ? 'FIFO full exits' : 'model agreement', `${cur.where}: unexpected notice ${show(n)}${detail}: a payment beyond what the pool could release, out of turn, or a notice the model did not predict`);
    }
  }

  private applyCompleted(orderId: string, at: number): void {
    const order = this.orders.get(orderId)!;
    order.completedAt = at;
    for (const line of order.lines) {
      if (line.refundedAt !== null) continue;
      this.touchedLines.add(line);
      for (const g of line.grants) {
        if (g.status !== 'frozen') continue;
        this.move(`member:${g.memberId}:rewardFrozen`, `member:${g.memberId}:cash`, g.amount);
        g.status = 'released';
      }
      for (const e of line.entries) {
        if (e.frozen > 0) this.move(`member:${e.memberId}:frozen`, `member:${e.memberId}:cash`, e.frozen);
        e.frozen = 0;
        this.touchedEntries.add(e);
      }
      const day = dayOf(at);
      this.touchedDays.push(day);
      if (!this.dividendDays.has(day)) {
        const t = this.turnover.get(day) ?? [0, 0];
        t[0] += line.paid;
        t[1] += line.profit;
        this.turnover.set(day, t);
      }
    }
  }

  private applyRefunded(body: Json, at: number): void {
    const order = this.orders.get(body.orderId as string)!;
    const ids = body.lineIds as string[] | undefined;
    const lines = ids ? ids.map((id) => order.lines.find((l) => l.id === id)!) : order.lines.filter((l) => l.refundedAt === null);
    const beforeCompletion = order.completedAt === null;
    const record: RefundRecord = {
      order, lines, beforeCompletion, wholeOrder: order.lines.every((l) => l.refundedAt !== null || lines.includes(l)),
      fundingBefore: new Map(), fundingBack: new Map(),
    };
    for (const kind of ['direct', 'indirect', 'teamLevel', 'merchant']) record.fundingBefore.set(`platform:reward:${kind}`, this.balance(`platform:reward:${kind}`));
    for (const line of lines) line.refundedAt = at;
    for (const line of lines) {
      this.touchedLines.add(line);
      if (order.completedAt !== null) {
        const day = dayOf(order.completedAt);
        this.touchedDays.push(day);
        if (!this.dividendDays.has(day)) {
          const t = this.turnover.get(day) ?? [0, 0];
          t[0] -= line.paid;
          t[1] -= line.profit;
          this.turnover.set(day, t);
        }
      } else {
        for (const g of line.grants) {
          if (g.status !== 'frozen') continue;
          const account = `platform:reward:${g.kind}`;
          this.move(`member:${g.memberId}:rewardFrozen`, account, g.amount);
          g.status = 'reversed';
          this.counts.reversedGrants!++;
          record.fundingBack.set(account, (record.fundingBack.get(account) ?? 0) + g.amount);
        }
      }
      for (const e of line.entries) {
        const pool = e.pool;
        if (e.status === 'waiting') {
          pool.pending -= e.total - e.received;
          pool.active--;
          pool.left();
        }
        e.status = 'cancelled';
        this.touchedEntries.add(e);
        const released = e.received - e.frozen - e.returned;
        if (e.frozen > 0) {
          this.move(`member:${e.memberId}:frozen`, pool.account, e.frozen);
          e.returned += e.frozen;
          e.frozen = 0;
          this.counts.frozenReturned!++;
        }
        if (this.settings.clawbackAfterSale && released > 0) {
          this.counts.clawbacks!++;
          const fromCash = Math.min(released, this.cash(e.memberId));
          if (fromCash > 0) this.move(`member:${e.memberId}:cash`, pool.account, fromCash);
          if (released > fromCash) {
            this.move('platform:loss', pool.account, released - fromCash);
            this.counts.clawbackShortfalls!++;
          }
          e.returned += released;
        }
        if (e.funding > 0) this.move('platform:loss', 'platform:funding', e.funding);
      }
    }
    if (beforeCompletion && record.wholeOrder) this.counts.fullRefundsBeforeCompletion!++;
    if (!beforeCompletion) this.counts.refundsAfterCompletion!++;
    this.refunds.push(record);
  }

  private applyDividend(body: Json, at: number, outcome: OutcomeLike, cur: Cursor): void {
    const rule = this.settings.rewards.dividend!;
    const from = dayOfDate(body.fromDate as string)!;
    const to = dayOfDate(body.toDate as string)!;
    let basis = 0;
    for (let d = from; d <= to; d++) {
      const t = this.turnover.get(d);
      if (t) basis += rule.basis === 'paid' ? t[0] : Math.max(0, t[1]);
      this.turnover.delete(d);
      this.dividendDays.add(d);
    }
    const dividend = bpOf(basis, rule.bp);
    const holders = this.memberList.filter((m) => m.weight > 0);
    const parts = largestRemainder(dividend, holders.map((m) => (rule.split === 'equal' ? 1 : m.weight)));
    const shares = holders.map((m, i) => ({ memberId: m.id, amountFen: parts[i]! }));
    const res = outcome.result as { basisFen: number; dividendFen: number; shares: { memberId: string; amountFen: number }[] };
    const expected = { basisFen: basis, dividendFen: dividend, shares };
    const actual = { basisFen: res.basisFen, dividendFen: res.dividendFen, shares: res.shares };
    if (JSON.stringify(actual) !== JSON.stringify(expected)) {
      fail('dividends', `dividend ${String(body.fromDate)}..${String(body.toDate)} at ${iso(at)} (${rule.split}, ${rule.bp} bp of ${rule.basis}): engine ${JSON.stringify(actual)}, model ${JSON.stringify(expected)}`);
    }
    this.counts.dividendsPaid!++;
    for (const s of shares) {
      if (s.amountFen <= 0) continue;
      this.expect(cur, 'dividendPaid', s.memberId, outcome.eventNo, s.amountFen, `the dividend share of ${s.memberId}`, 'dividends');
      this.move('platform:reward:dividend', `member:${s.memberId}:cash`, s.amountFen);
    }
  }

  // ----------------------------------------------------------------------------------------------
  // Views for the generator

  /** Members whose referral chain reaches `id` (including `id`): referring `id` to one loops. */
  descendantsOf(id: string): MMember[] {
    return this.memberList.filter((m) => {
      for (let x: MMember | undefined = m; x; x = x.referrer === null ? undefined : this.members.get(x.referrer)) if (x.id === id) return true;
      return false;
    });
  }
}

function programNotices(notices: readonly NoticeLike[]): NoticeLike[] {
  return notices.filter((n) => PROGRAM_NOTICES.has(n.kind));
}

/** Days since the epoch of a real calendar date 'YYYY-MM-DD', or null (2026-02-30). */
export function dayOfDate(date: string): number | null {
  const ms = Date.parse(`${date}T00:00:00Z`);
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== date) return null;
  return ms / DAY;
}

/** Largest remainder: floor shares, then one more fen to the largest remainders, earlier first. */
export function largestRemainder(total: number, weights: number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  if (total === 0 || sum === 0) return weights.map(() => 0);
  const parts = weights.map((w) => Math.floor((total * w) / sum));
  const rems = weights.map((w, i) => total * w - parts[i]! * sum);
  let left = total - parts.reduce((a, b) => a + b, 0);
  const order = weights.map((_, i) => i).sort((a, b) => rems[b]! - rems[a]! || a - b);
  for (const i of order) {
    if (left === 0) break;
    parts[i]!++;
    left--;
  }
  return parts;
}
