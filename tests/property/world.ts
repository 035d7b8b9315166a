/**
 * The world of a property run: the app service over a memory store, a clock the test advances,
 * a seeded random source, and the interpretation of abstract operations into the JSON the shop
 * or the operator would submit. Interpretation reads the engine state only to find targets
 * (which orders are open, which entries are drawable), never to decide what the right outcome is.
 */
import { QrebateService } from '../../src/app/service.ts';
import { AMOUNT_MAX_FEN } from '../../src/domain/money.ts';
import type { Clock, RandomSource } from '../../src/app/ports.ts';
import type { EngineState } from '../../src/domain/state.ts';
import { MemoryStore } from '../../src/store/memory/memory-store.ts';
import type { Op } from './ops.ts';
import { TestRng } from './prng.ts';
import { type Entry, type Order, allEntries, drawable, entryByNo, entryCount, orderById, payable } from './probe.ts';
import {
  type Json,
  LEVELS,
  PRODUCTS,
  STORES,
  STORE_GOODS,
  type SettingsModel,
  corruptSettings,
  initialSettings,
  mutateSettings,
} from './settings-gen.ts';

/** 2026-01-01 09:17:23.456 in Asia/Shanghai: deliberately not on a round instant. */
export const START_MS = Date.parse('2026-01-01T09:17:23.456+08:00');

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

export class TestClock implements Clock {
  constructor(public at: number) {}
  now(): number {
    return this.at;
  }
}

export class TestRandom implements RandomSource {
  private readonly rng: TestRng;
  constructor(seed: number) {
    this.rng = new TestRng(seed ^ 0x0d1ce);
  }
  nextSeed(): number {
    return this.rng.u32();
  }
}

/**
 * What the test means a submission to be. `valid` may still be rejected (the interpreter does not
 * model every rule), but `invalid` must be, with one of `codes`; a `replay` must return the first
 * outcome and a `conflict` must be IDEMPOTENCY_CONFLICT.
 */
export type Intent = 'valid' | 'invalid' | 'replay' | 'conflict';

export interface Submission {
  key: string;
  body: unknown;
  intent: Intent;
  /** A short name for statistics and reports: 'paid', 'invalid:paid.negativeAmount', … */
  label: string;
  codes?: readonly string[];
  original?: AcceptedRecord;
}

export interface PlannedOp {
  /** Milliseconds to advance the clock before submitting. */
  advanceMs: number;
  submission: Submission;
}

export interface AcceptedRecord {
  key: string;
  body: unknown;
  type: string;
  /** The outcome as JSON when it was first returned. */
  outcomeJson: string;
}

/** Shuffles object keys, recursively when `deep`: the same JSON payload written another way. */
export function reorderKeys(value: unknown, r: TestRng, deep: boolean): unknown {
  if (Array.isArray(value)) return deep ? value.map((v) => reorderKeys(v, r, deep)) : value;
  if (value === null || typeof value !== 'object') return value;
  const keys = r.shuffle(Object.keys(value));
  const out: Json = {};
  for (const k of keys) {
    const v = (value as Json)[k];
    out[k] = deep ? reorderKeys(v, r, deep) : v;
  }
  return out;
}

export class World {
  readonly store: MemoryStore;
  readonly service: QrebateService;
  readonly clock = new TestClock(START_MS);
  settings: SettingsModel = initialSettings();
  readonly accepted: AcceptedRecord[] = [];
  readonly orderIds: string[] = [];
  /** Withdrawals (提现) as the accepted submissions left them: the tests' own bookkeeping. */
  readonly withdrawals = new Map<string, { memberId: string; amountFen: number; status: 'requested' | 'paid' | 'rejected' }>();
  private withdrawalNo = 0;
  private keyNo = 0;
  private orderNo = 0;
  private memberNo = 0;
  private mergeNo = 0;

  constructor(readonly seed: number) {
    this.store = new MemoryStore(seed);
    this.service = new QrebateService(this.store, this.clock, new TestRandom(seed));
  }

  get state(): EngineState {
    return this.store.state;
  }

  private key(): string {
    return `k${++this.keyNo}`;
  }

  /** The setup every run starts from: settings and four members. */
  setup(): Submission[] {
    const subs: Submission[] = [{ key: this.key(), body: { type: 'settings', settings: this.settings }, intent: 'valid', label: 'settings' }];
    for (let i = 0; i < 4; i++) subs.push(this.newMember(new TestRng(i)));
    return subs;
  }

  /** Called by the runner when a submission was accepted as new. */
  noteAccepted(sub: Submission, outcomeJson: string): void {
    const body = sub.body as Json;
    this.accepted.push({ key: sub.key, body: sub.body, type: String(body.type), outcomeJson });
    if (body.type === 'settings') this.settings = structuredClone(body.settings) as SettingsModel;
    if (body.type === 'paid') this.orderIds.push(String(body.orderId));
    if (body.type === 'withdrawalRequested') {
      this.withdrawals.set(String(body.withdrawalId), { memberId: String(body.memberId), amountFen: Number(body.amountFen), status: 'requested' });
    }
    if (body.type === 'withdrawalPaid' || body.type === 'withdrawalRejected') {
      const w = this.withdrawals.get(String(body.withdrawalId));
      if (w) w.status = body.type === 'withdrawalPaid' ? 'paid' : 'rejected';
    }
  }

  // ----------------------------------------------------------------------------------------------
  // Interpretation

  plan(op: Op): PlannedOp {
    const r = new TestRng(op.seed);
    switch (op.kind) {
      case 'tick':
        return { advanceMs: this.tickAdvance(r), submission: { key: this.key(), body: { type: 'tick' }, intent: 'valid', label: 'tick' } };
      case 'invalid':
        return { advanceMs: 0, submission: this.invalid(r) };
      case 'replay':
        return { advanceMs: 0, submission: this.replay(r) ?? this.invalid(r) };
      case 'conflict':
        return { advanceMs: 0, submission: this.conflict(r) ?? this.invalid(r) };
      default: {
        const advanceMs = r.chance(0.55) ? r.int(1_000, 20 * MINUTE) : 0;
        const submission = this.valid(op.kind, r);
        // Some events carry their instant explicitly; the rest are stamped by the service clock.
        if (r.chance(0.25) && submission.intent === 'valid') {
          submission.body = { ...(submission.body as Json), at: this.clock.at + advanceMs };
        }
        return { advanceMs, submission };
      }
    }
  }

  private tickAdvance(r: TestRng): number {
    return r.weighted<() => number>([
      [() => r.int(1, 59) * MINUTE + r.int(0, 59_999), 1],
      [() => r.int(HOUR, 6 * HOUR), 4],
      [() => r.int(6 * HOUR, 30 * HOUR), 3],
      [() => r.int(DAY, 3 * DAY), 2],
    ])();
  }

  private valid(kind: Op['kind'], r: TestRng): Submission {
    switch (kind) {
      case 'paid':
        return this.paid(r);
      // Without a target an operation becomes a member change: cheap, and it keeps the state's size
      // (which every per-step check scans) driven by the paid operations alone.
      case 'completed':
        return this.completed(r) ?? this.memberChange(r);
      case 'refunded':
        return this.refunded(r) ?? this.memberChange(r);
      case 'draw':
        return this.draw(r) ?? this.memberChange(r);
      case 'exchange':
        return this.exchange(r) ?? this.memberChange(r);
      case 'pointsTransfer':
        return this.pointsTransfer(r) ?? this.newMember(r);
      case 'member':
        return this.state.members.size < 16 && r.chance(0.5) ? this.newMember(r) : this.memberChange(r);
      case 'settings':
        return { key: this.key(), body: { type: 'settings', settings: mutateSettings(this.settings, r, this.clock.at) }, intent: 'valid', label: 'settings' };
      case 'pause':
      case 'resume': {
        // A resume mostly concerns something paused, as an operator's would.
        const paused = this.state.queueList.filter((q) => q.paused && !q.mergedInto).map((q) => q.key);
        const globally = kind === 'pause' ? r.chance(0.2) : this.state.settings.base.paused ? r.chance(0.7) : r.chance(0.2);
        const queue = globally ? null : kind === 'resume' && paused.length > 0 && r.chance(0.8) ? r.pick(paused) : this.liveQueueKey(r);
        return { key: this.key(), body: queue ? { type: kind, queue } : { type: kind }, intent: 'valid', label: queue ? `${kind}:queue` : kind };
      }
      case 'reset': {
        const queues = r.chance(0.5) ? this.liveQueueKeys(r, r.int(1, 2)) : [];
        return { key: this.key(), body: queues.length ? { type: 'reset', queues } : { type: 'reset' }, intent: 'valid', label: 'reset' };
      }
      case 'merge':
        return this.merge(r) ?? this.memberChange(r);
      case 'withdraw':
        return this.withdraw(r) ?? this.memberChange(r);
      default:
        throw new Error(`World.valid: ${kind} is not a valid-operation kind`);
    }
  }

  private memberIds(): string[] {
    return [...this.state.members.keys()];
  }

  private newMember(r: TestRng): Submission {
    const memberId = `m${++this.memberNo}`;
    const body: Json = { type: 'member', memberId, level: r.pick(LEVELS) };
    if (r.chance(0.3)) body.nickname = `会员${this.memberNo}`;
    return { key: this.key(), body, intent: 'valid', label: 'member:create' };
  }

  private memberChange(r: TestRng): Submission {
    const ids = this.memberIds();
    if (ids.length === 0) return this.newMember(r);
    const body: Json = { type: 'member', memberId: r.pick(ids), level: r.pick([...LEVELS, 'ghost-level']) };
    if (r.chance(0.2)) body.nickname = r.pick(['', 'A', '小明']);
    return { key: this.key(), body, intent: 'valid', label: 'member:level' };
  }

  private amount(r: TestRng): number {
    return r.weighted<() => number>([
      [() => r.int(100, 50_000), 60],
      [() => r.int(1, 99), 12],
      [() => 0, 4],
      [() => r.int(50_000, 2_000_000), 20],
      [() => r.int(10_000_000, Math.min(1_000_000_000, AMOUNT_MAX_FEN)), 3],
      [() => AMOUNT_MAX_FEN, 1],
    ])();
  }

  private line(r: TestRng, lineId: string): Json {
    const channel = r.weighted([['mall', 5], ['store', 3], ['cashier', 2]] as const);
    const line: Json = { lineId, channel };
    if (channel === 'mall') line.productId = r.pick(PRODUCTS);
    if (channel === 'store') {
      line.storeId = r.pick(STORES);
      line.productId = r.pick(STORE_GOODS);
    }
    if (channel === 'cashier') line.storeId = r.pick(STORES);
    const paid = this.amount(r);
    line.paidFen = paid;
    if (r.chance(0.25)) line.deductedFen = r.int(1, Math.max(1, Math.min(paid, 1_000_000)));
    else if (r.chance(0.1)) line.deductedFen = 0;
    if (r.chance(0.1)) line.profitFen = r.int(0, paid);
    return line;
  }

  private paid(r: TestRng): Submission {
    const ids = this.memberIds();
    if (ids.length === 0) return this.newMember(r);
    const n = r.weighted([[1, 65], [2, 25], [3, 10]] as const);
    const lines: Json[] = [];
    for (let i = 1; i <= n; i++) lines.push(this.line(r, `l${i}`));
    const orderId = `o${++this.orderNo}`;
    return { key: this.key(), body: { type: 'paid', orderId, memberId: r.pickRecent(ids, 6, 0.3), lines }, intent: 'valid', label: 'paid' };
  }

  private orders(filter: (o: Order) => boolean, r: TestRng): Order | null {
    // Mostly recent orders, as in a shop; sometimes anything from the history.
    const ids = this.orderIds;
    for (let tries = 0; tries < 12 && ids.length > 0; tries++) {
      const order = orderById(this.state, r.pickRecent(ids, 40, 0.75));
      if (order && filter(order)) return order;
    }
    const all = ids.map((id) => orderById(this.state, id)!).filter(filter);
    return all.length > 0 ? r.pick(all) : null;
  }

  private completed(r: TestRng): Submission | null {
    const order = this.orders((o) => !o.completed && o.lines.some((l) => !l.refunded), r);
    if (!order) return null;
    return { key: this.key(), body: { type: 'completed', orderId: order.id }, intent: 'valid', label: 'completed' };
  }

  private refunded(r: TestRng): Submission | null {
    const order = this.orders((o) => o.lines.some((l) => !l.refunded), r);
    if (!order) return null;
    const open = order.lines.filter((l) => !l.refunded).map((l) => l.id);
    const afterSale = order.completed ? ':afterSale' : '';
    if (r.chance(0.5)) return { key: this.key(), body: { type: 'refunded', orderId: order.id }, intent: 'valid', label: `refunded:whole${afterSale}` };
    const lineIds = r.shuffle([...open]).slice(0, r.int(1, open.length));
    return { key: this.key(), body: { type: 'refunded', orderId: order.id, lineIds }, intent: 'valid', label: `refunded:lines${afterSale}` };
  }

  private entryRef(e: Entry, r: TestRng): Json {
    return r.chance(0.5) ? { entryId: e.no } : { orderId: e.line.order.id, lineId: e.line.id };
  }

  private findEntry(filter: (e: Entry) => boolean, r: TestRng): Entry | null {
    // Mostly recent entries; sometimes anything.
    const n = entryCount(this.state);
    for (let tries = 0; tries < 12 && n > 0; tries++) {
      const no = n > 60 && r.chance(0.6) ? n - r.below(60) : 1 + r.below(n);
      const e = entryByNo(this.state, no)!;
      if (filter(e)) return e;
    }
    const all = [...allEntries(this.state)].filter(filter);
    return all.length > 0 ? r.pick(all) : null;
  }

  private draw(r: TestRng): Submission | null {
    const e = this.findEntry(drawable, r);
    if (!e) return null;
    const body: Json = { type: 'lotteryDraw', ...this.entryRef(e, r) };
    const how = r.below(4);
    const spec = e.lottery!;
    if (how === 0 || how === 1) body.seed = r.u32();
    else if (how === 2) body.ratioBp = spec.kind === 'fixed' ? r.pick(spec.ratiosBp) : r.int(spec.minBp, spec.maxBp);
    return { key: this.key(), body, intent: 'valid', label: how === 2 ? 'draw:ratio' : how === 3 ? 'draw:serviceSeed' : 'draw:seed' };
  }

  private exchange(r: TestRng): Submission | null {
    const e = this.findEntry(payable, r);
    if (!e) return null;
    const target = r.pick(['points', 'love', 'coupon']);
    return { key: this.key(), body: { type: 'exchange', target, ...this.entryRef(e, r) }, intent: 'valid', label: `exchange:${target}` };
  }

  private points(memberId: string): number {
    const m = this.state.members.get(memberId);
    return m ? this.state.ledger.balance(m.pointsAccount, 'POINTS') : 0;
  }

  private pointsTransfer(r: TestRng): Submission | null {
    const ids = this.memberIds();
    const rich = ids.filter((id) => this.points(id) > 0);
    if (rich.length === 0 || ids.length < 2) return null;
    const from = r.pick(rich);
    const to = r.pick(ids.filter((id) => id !== from));
    const points = r.chance(0.2) ? this.points(from) : r.int(1, this.points(from));
    return { key: this.key(), body: { type: 'pointsTransfer', fromMemberId: from, toMemberId: to, points }, intent: 'valid', label: 'pointsTransfer' };
  }

  private liveQueues(): string[] {
    return this.state.queueList.filter((q) => !q.mergedInto).map((q) => q.key);
  }

  private liveQueueKey(r: TestRng): string | null {
    const keys = this.liveQueues();
    return keys.length > 0 ? r.pick(keys) : null;
  }

  private liveQueueKeys(r: TestRng, n: number): string[] {
    return r.shuffle(this.liveQueues()).slice(0, n);
  }

  private merge(r: TestRng): Submission | null {
    const keys = r.shuffle(this.liveQueues());
    // Merging the last few queues would leave one queue for the rest of the run.
    if (keys.length < 4 || this.mergeNo >= 12) return null;
    const sources = keys.slice(0, keys.length > 2 && r.chance(0.3) ? 2 : 1);
    const target = r.chance(0.25) ? `merged${this.mergeNo + 1}` : keys[sources.length]!;
    this.mergeNo++;
    return { key: this.key(), body: { type: 'merge', sources, target }, intent: 'valid', label: 'merge' };
  }

  private cash(memberId: string): number {
    const m = this.state.members.get(memberId);
    return m ? this.state.ledger.balance(m.cashAccount, 'CNY') : 0;
  }

  private withdraw(r: TestRng): Submission | null {
    const open = [...this.withdrawals].filter(([, w]) => w.status === 'requested').map(([id]) => id);
    if (open.length > 0 && r.chance(0.5)) {
      const type = r.chance(0.6) ? 'withdrawalPaid' : 'withdrawalRejected';
      return { key: this.key(), body: { type, withdrawalId: r.pick(open) }, intent: 'valid', label: type };
    }
    const rich = this.memberIds().filter((id) => this.cash(id) > 0);
    if (rich.length === 0) return null;
    const memberId = r.pick(rich);
    const amountFen = r.chance(0.2) ? this.cash(memberId) : r.int(1, this.cash(memberId));
    return { key: this.key(), body: { type: 'withdrawalRequested', withdrawalId: `w${++this.withdrawalNo}`, memberId, amountFen }, intent: 'valid', label: 'withdrawalRequested' };
  }

  // ----------------------------------------------------------------------------------------------
  // Repeats of earlier keys

  private replay(r: TestRng): Submission | null {
    if (this.accepted.length === 0) return null;
    const original = r.pickRecent(this.accepted, 50, 0.5);
    const how = r.below(3);
    // The same payload: verbatim, with its top-level keys reordered, or reordered all the way down.
    const body = how === 0 ? structuredClone(original.body) : reorderKeys(original.body, r, how === 2);
    return { key: original.key, body, intent: 'replay', label: how === 2 ? 'replay:reorderedDeep' : 'replay', original };
  }

  private conflict(r: TestRng): Submission | null {
    if (this.accepted.length === 0) return null;
    const original = r.pickRecent(this.accepted, 50, 0.5);
    const body = structuredClone(original.body) as Json;
    const changed = this.changePayload(body, r);
    if (!changed) {
      // Every payload differs once its instant does: stamped (at: null) versus explicit.
      if (body.at === undefined) body.at = this.state.now;
      else delete body.at;
    }
    return { key: original.key, body, intent: 'conflict', label: `conflict:${String(body.type)}`, original, codes: ['IDEMPOTENCY_CONFLICT'] };
  }

  private changePayload(body: Json, r: TestRng): boolean {
    if (!r.chance(0.6)) return false;
    switch (body.type) {
      case 'paid': {
        const line = (body.lines as Json[])[0]!;
        line.paidFen = (line.paidFen as number) > 0 ? (line.paidFen as number) - 1 : 1;
        return true;
      }
      case 'member':
        body.level = `${String(body.level ?? 'default')}-x`;
        return true;
      case 'pointsTransfer':
        body.points = (body.points as number) + 1;
        return true;
      case 'exchange':
        body.target = body.target === 'points' ? 'coupon' : 'points';
        return true;
      case 'refunded':
        if (body.lineIds) delete body.lineIds;
        else body.lineIds = ['l1'];
        return true;
      default:
        return false;
    }
  }

  // ----------------------------------------------------------------------------------------------
  // Deliberately invalid operations

  /** The engine's own time, so that a rejected event cannot run a due scheduled reset first. */
  private nowFields(): Json {
    return this.clock.at > this.state.now ? { at: this.state.now } : {};
  }

  private bad(label: string, body: Json, codes: readonly string[], key?: string): Submission {
    return { key: key ?? this.key(), body: { ...body, ...this.nowFields() }, intent: 'invalid', label: `invalid:${label}`, codes };
  }

  private invalid(r: TestRng): Submission {
    for (let tries = 0; tries < 8; tries++) {
      const sub = this.invalidVariant(r.below(56), r);
      if (sub) return sub;
    }
    return this.bad('completed.unknownOrder', { type: 'completed', orderId: 'no-such-order' }, ['UNKNOWN_ORDER']);
  }

  private invalidVariant(variant: number, r: TestRng): Submission | null {
    const members = this.memberIds();
    const member = members.length > 0 ? r.pick(members) : 'm1';
    const goodLine = (): Json => this.line(r, 'l1');
    const paid = (lines: unknown, orderId = `bad-o${this.keyNo}`, memberId = member) => ({ type: 'paid', orderId, memberId, lines });
    const amountCodes = ['INVALID_AMOUNT'];
    switch (variant) {
      case 0:
        return this.bad('paid.negativeAmount', paid([{ ...goodLine(), paidFen: -r.int(1, 1_000_000) }]), amountCodes);
      case 1:
        return this.bad('paid.fractionalAmount', paid([{ ...goodLine(), paidFen: r.int(1, 10_000) + 0.5 }]), amountCodes);
      case 2:
        return this.bad('paid.hugeAmount', paid([goodLine(), { ...goodLine(), lineId: 'l2', paidFen: r.pick([AMOUNT_MAX_FEN + 1, 2 ** 53, 1e20]) }]), amountCodes);
      case 3:
        return this.bad('paid.negativeDeduction', paid([{ ...goodLine(), deductedFen: -1 }]), amountCodes);
      case 4:
        return this.bad('paid.amountAsString', paid([{ ...goodLine(), paidFen: '100' }]), amountCodes);
      case 5:
        return this.bad('paid.unknownMember', paid([goodLine()], undefined, 'ghost-member'), ['UNKNOWN_MEMBER']);
      case 6: {
        if (this.orderIds.length === 0) return null;
        return this.bad('paid.duplicateOrder', paid([goodLine()], r.pick(this.orderIds)), ['DUPLICATE_ORDER']);
      }
      case 7:
        return this.bad('paid.duplicateLine', paid([goodLine(), goodLine()]), ['DUPLICATE_LINE']);
      case 8:
        return this.bad('paid.noLines', paid(r.pick([[], 'l1', null])), ['INVALID_EVENT']);
      case 9:
        return this.bad('paid.badChannel', paid([{ ...goodLine(), channel: 'warehouse' }]), ['INVALID_EVENT']);
      case 10:
        return this.bad('paid.missingProduct', paid([{ lineId: 'l1', channel: 'mall', paidFen: 100 }]), ['INVALID_ID']);
      case 11:
        return this.bad('completed.unknownOrder', { type: 'completed', orderId: `ghost-${r.u32()}` }, ['UNKNOWN_ORDER']);
      case 12: {
        const o = this.orders((x) => x.completed, r);
        return o && this.bad('completed.twice', { type: 'completed', orderId: o.id }, ['ORDER_ALREADY_COMPLETED']);
      }
      case 13: {
        const o = this.orders((x) => !x.completed && x.lines.every((l) => l.refunded), r);
        return o && this.bad('completed.fullyRefunded', { type: 'completed', orderId: o.id }, ['ORDER_FULLY_REFUNDED']);
      }
      case 14:
        return this.bad('refunded.unknownOrder', { type: 'refunded', orderId: 'ghost-order' }, ['UNKNOWN_ORDER']);
      case 15: {
        const o = this.orders((x) => x.lines.every((l) => l.refunded), r);
        return o && this.bad('refunded.twice', { type: 'refunded', orderId: o.id }, ['NOTHING_TO_REFUND']);
      }
      case 16: {
        const o = this.orders((x) => x.lines.some((l) => l.refunded), r);
        if (!o) return null;
        const line = o.lines.find((l) => l.refunded)!;
        return this.bad('refunded.lineTwice', { type: 'refunded', orderId: o.id, lineIds: [line.id] }, ['LINE_ALREADY_REFUNDED']);
      }
      case 17: {
        const o = this.orders(() => true, r);
        return o && this.bad('refunded.unknownLine', { type: 'refunded', orderId: o.id, lineIds: ['l9'] }, ['UNKNOWN_LINE']);
      }
      case 18: {
        const o = this.orders(() => true, r);
        return o && this.bad('refunded.duplicateLineIds', { type: 'refunded', orderId: o.id, lineIds: ['l1', 'l1'] }, ['DUPLICATE_LINE']);
      }
      case 19:
        return this.bad('draw.unknownEntry', { type: 'lotteryDraw', entryId: entryCount(this.state) + r.int(1, 9), seed: 1 }, ['UNKNOWN_ENTRY']);
      case 20: {
        const e = this.findEntry((x) => x.lottery === null && !x.drawn, r);
        return e && this.bad('draw.notLottery', { type: 'lotteryDraw', ...this.entryRef(e, r), seed: r.u32() }, ['LOTTERY_NOT_AVAILABLE']);
      }
      case 21: {
        const e = this.findEntry((x) => x.drawn, r);
        return e && this.bad('draw.twice', { type: 'lotteryDraw', ...this.entryRef(e, r), seed: r.u32() }, ['LOTTERY_ALREADY_DRAWN']);
      }
      case 22: {
        const e = this.findEntry(drawable, r);
        if (!e) return null;
        const spec = e.lottery!;
        const bp = spec.kind === 'fixed' ? Math.max(...spec.ratiosBp) + r.int(1, 500) : r.chance(0.5) && spec.minBp > 0 ? spec.minBp - 1 : spec.maxBp + 1;
        return this.bad('draw.ratioOutOfRange', { type: 'lotteryDraw', ...this.entryRef(e, r), ratioBp: bp }, ['LOTTERY_RATIO_NOT_ALLOWED']);
      }
      case 23:
        return this.bad('draw.badRatio', { type: 'lotteryDraw', entryId: 1, ratioBp: r.pick([-5, 1.5, 1_000_001, '100']) }, ['INVALID_RATIO']);
      case 24:
        return this.bad('draw.badSeed', { type: 'lotteryDraw', entryId: 1, seed: r.pick([-1, 2 ** 32, 1.5]) }, ['INVALID_SEED']);
      case 25:
        return this.bad('draw.zeroEntryId', { type: 'lotteryDraw', entryId: r.pick([0, -3, 2.5]), seed: 1 }, ['INVALID_ID']);
      case 26: {
        const o = this.orders(() => true, r);
        return o && this.bad('draw.unknownLine', { type: 'lotteryDraw', orderId: o.id, lineId: 'l9', seed: 1 }, ['UNKNOWN_LINE']);
      }
      case 27: {
        const e = this.findEntry((x) => !payable(x), r);
        return e && this.bad('exchange.nothingPending', { type: 'exchange', target: r.pick(['points', 'love', 'coupon']), ...this.entryRef(e, r) }, ['ENTRY_NOT_EXCHANGEABLE']);
      }
      case 28:
        return this.bad('exchange.badTarget', { type: 'exchange', target: 'gold', entryId: 1 }, ['INVALID_EVENT']);
      case 29:
        return this.bad('exchange.unknownEntry', { type: 'exchange', target: 'points', entryId: entryCount(this.state) + 1 }, ['UNKNOWN_ENTRY']);
      case 30: {
        const x = (this.state.settings.base.exchange ?? {}) as unknown as Json;
        const unset = (['points', 'love', 'coupon'] as const).filter((t) => x[`${t}Bp`] === undefined);
        const e = unset.length > 0 ? this.findEntry(payable, r) : null;
        return e && this.bad('exchange.notConfigured', { type: 'exchange', target: r.pick(unset), ...this.entryRef(e, r) }, ['EXCHANGE_NOT_CONFIGURED']);
      }
      case 31: {
        if (members.length < 2) return null;
        const from = r.pick(members);
        const to = r.pick(members.filter((m) => m !== from));
        const points = this.points(from) + r.int(1, 1000);
        const codes = points > AMOUNT_MAX_FEN ? ['INVALID_AMOUNT'] : ['INSUFFICIENT_POINTS'];
        return this.bad('transfer.insufficient', { type: 'pointsTransfer', fromMemberId: from, toMemberId: to, points }, codes);
      }
      case 32:
        return this.bad('transfer.toSelf', { type: 'pointsTransfer', fromMemberId: member, toMemberId: member, points: 1 }, ['INVALID_EVENT']);
      case 33:
        return this.bad('transfer.unknownMember', { type: 'pointsTransfer', fromMemberId: member, toMemberId: 'ghost', points: 1 }, ['UNKNOWN_MEMBER']);
      case 34:
        return this.bad('transfer.badPoints', { type: 'pointsTransfer', fromMemberId: member, toMemberId: 'm1', points: r.pick([0, -1, 1.5, AMOUNT_MAX_FEN + 1]) }, amountCodes);
      case 35:
        return this.bad('pause.unknownQueue', { type: r.pick(['pause', 'resume']), queue: 'no-such-queue' }, ['UNKNOWN_QUEUE']);
      case 36:
        return this.bad('reset.unknownQueue', { type: 'reset', queues: [...this.liveQueueKeys(r, 1), 'no-such-queue'] }, ['UNKNOWN_QUEUE']);
      case 37: {
        const q = this.liveQueueKey(r);
        return q === null ? null : this.bad('merge.intoItself', { type: 'merge', sources: [q], target: q }, ['QUEUE_MERGE_INVALID']);
      }
      case 38: {
        const merged = this.state.queueList.filter((q) => q.mergedInto).map((q) => q.key);
        const live = this.liveQueueKey(r);
        if (merged.length === 0 || !live) return null;
        if (r.chance(0.5)) return this.bad('merge.mergedSource', { type: 'merge', sources: [r.pick(merged)], target: live }, ['UNKNOWN_QUEUE']);
        return this.bad('merge.mergedTarget', { type: 'merge', sources: [live], target: r.pick(merged) }, ['QUEUE_MERGE_INVALID']);
      }
      case 39:
        return this.bad('merge.unknownSource', { type: 'merge', sources: ['no-such-queue'], target: 'mall' }, ['UNKNOWN_QUEUE']);
      case 40:
        return this.bad('event.unknownType', { type: r.pick(['withdraw', 'PAID', '']) }, ['INVALID_EVENT']);
      case 41: {
        if (this.state.now <= 0) return null;
        const sub = this.bad('event.clockBackwards', { type: 'tick' }, ['CLOCK_WENT_BACKWARDS']);
        (sub.body as Json).at = this.state.now - r.int(1, 3 * HOUR);
        return sub;
      }
      case 42: {
        const sub = this.bad('event.badInstant', { type: 'tick' }, ['INVALID_EVENT']);
        (sub.body as Json).at = r.pick([-1, 1.5, '2026-01-01', null]);
        return sub;
      }
      case 43:
        return r.chance(0.5)
          ? this.bad('member.longId', { type: 'member', memberId: 'x'.repeat(129) }, ['INVALID_ID'])
          : this.bad('member.longLevel', { type: 'member', memberId: member, level: 'L'.repeat(65) }, ['INVALID_EVENT']);
      case 44:
        return this.bad('key.invalid', { type: 'tick' }, ['INVALID_ID'], r.pick(['', 'k'.repeat(129)]));
      case 45:
        return { key: this.key(), body: r.pick([null, 'paid', [1, 2]]), intent: 'invalid', label: 'invalid:event.notAnObject', codes: ['INVALID_EVENT'] };
      case 46: {
        const cash = this.cash(member);
        const amountFen = cash + r.int(1, 1_000);
        const codes = amountFen > AMOUNT_MAX_FEN ? ['INVALID_AMOUNT'] : ['INSUFFICIENT_FUNDS'];
        return this.bad('withdraw.overCash', { type: 'withdrawalRequested', withdrawalId: `bad-w${this.keyNo}`, memberId: member, amountFen }, codes);
      }
      case 47:
        return r.chance(0.5)
          ? this.bad('withdraw.zero', { type: 'withdrawalRequested', withdrawalId: `bad-w${this.keyNo}`, memberId: member, amountFen: r.pick([0, -5, 1.5]) }, ['INVALID_AMOUNT'])
          : this.bad('withdraw.unknownMember', { type: 'withdrawalRequested', withdrawalId: `bad-w${this.keyNo}`, memberId: 'ghost', amountFen: 1 }, ['UNKNOWN_MEMBER']);
      case 48: {
        const decided = [...this.withdrawals].filter(([, w]) => w.status !== 'requested').map(([id]) => id);
        if (decided.length > 0 && r.chance(0.7)) {
          return this.bad('withdraw.decideTwice', { type: r.pick(['withdrawalPaid', 'withdrawalRejected']), withdrawalId: r.pick(decided) }, ['WITHDRAWAL_NOT_PENDING']);
        }
        return this.bad('withdraw.unknown', { type: r.pick(['withdrawalPaid', 'withdrawalRejected']), withdrawalId: 'ghost-w' }, ['UNKNOWN_WITHDRAWAL']);
      }
      case 49: {
        const ids = [...this.withdrawals.keys()];
        if (ids.length === 0) return null;
        return this.bad('withdraw.duplicateId', { type: 'withdrawalRequested', withdrawalId: r.pick(ids), memberId: member, amountFen: 1 }, ['DUPLICATE_WITHDRAWAL']);
      }
      default: {
        const broken = corruptSettings(this.settings, r);
        return this.bad(`settings.${broken.name}`, { type: 'settings', settings: broken.settings }, broken.codes);
      }
    }
  }
}
