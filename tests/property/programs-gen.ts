/**
 * Seeded random operations for the program and reward property runs: settings with 1–3 pool
 * programs and reward rules, members and referral changes (cycles included), paid orders of 1–3
 * lines, completions, refunds before and after completion, pool releases, dividends, withdrawals
 * and clock advances, each valid or deliberately invalid. The generator reads the model only to
 * find targets (open orders, a member's cash, pending withdrawals); whether an operation must be
 * accepted is the model's call, except for settings, whose invalid variants carry their code.
 */
import { TestRng } from './prng.ts';
import { type Channel, DAY, HOUR, MINUTE, type Model, type ProgramSpec, type RewardsSpec, type SettingsSpec, dateOf, dayOf } from './programs-model.ts';

export type Json = Record<string, unknown>;

/** One submission as the runner sends it; `at` is the service clock's instant when it is sent. */
export interface LogEntry {
  at: number;
  key: string;
  body: Json;
  /** Settings only: the rejection code the generator built in, or null for valid settings. */
  settingsCode?: string | null;
  /** What the generator meant: 'paid', 'refund:whole:before', 'invalid:completed.unknown', … */
  label: string;
}

/** 2026-01-01 09:17:23.456 in Asia/Shanghai: deliberately not on a round instant. */
export const START_MS = Date.parse('2026-01-01T09:17:23.456+08:00');

export const PROGRAM_IDS = ['union', 'reimb', 'boost'];
export const MALL_PRODUCTS = ['P1', 'P2', 'P3', 'P4'];
export const STORE_GOODS = ['G1', 'G2', 'G3'];
export const STORES = ['S1', 'S2', 'S3'];
export const TEAM_LEVELS = ['bronze', 'silver', 'gold'];

/**
 * The harness's generator (prng.ts, independent of src/), with the inclusive-range draw these
 * runs were tuned with (one u32 per draw whatever the span) and a subset helper.
 */
export class Rng extends TestRng {
  /** Uniform integer in [lo, hi]. */
  override int(lo: number, hi: number): number {
    return lo + Math.floor((this.u32() / 0x1_0000_0000) * (hi - lo + 1));
  }

  subset<T>(items: readonly T[], min = 1): T[] {
    const out = items.filter(() => this.chance(0.5));
    while (out.length < min) {
      const x = this.pick(items);
      if (!out.includes(x)) out.push(x);
    }
    return items.filter((x) => out.includes(x));
  }
}

// ------------------------------------------------------------------------------------------------
// Settings

function lockMap(r: Rng, ids: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  if (r.chance(0.5)) for (const id of ids) if (r.chance(0.4)) out[id] = r.int(0, 3);
  return out;
}

export function genProgram(r: Rng, id: string): ProgramSpec {
  const fundingBasis = r.chance(0.5) ? 'profit' : 'sales';
  const channels: Channel[] = r.chance(0.55) ? ['mall', 'store', 'cashier'] : r.subset<Channel>(['mall', 'store', 'cashier']);
  return {
    id,
    enabled: r.chance(0.93),
    fundingBasis,
    fundingBp: fundingBasis === 'profit' && r.chance(0.4) ? 6_000 : r.weighted([[r.int(1, 3_000), 1], [r.int(5_000, 10_000), 4]] as const),
    rewardBp: r.chance(0.2) ? r.pick([10_000, 11_000, 13_000]) : r.int(10_000, 13_000),
    lockDays: r.chance(0.35) ? 0 : r.int(0, 3),
    lockDaysByProduct: lockMap(r, [...MALL_PRODUCTS, ...STORE_GOODS]),
    lockDaysByStore: lockMap(r, STORES),
    products: r.chance(0.8) ? null : r.subset([...MALL_PRODUCTS, ...STORE_GOODS]),
    stores: r.chance(0.8) ? null : r.subset(STORES),
    channels,
    release: r.chance(0.5) ? { mode: 'continuous' } : { mode: 'daily', at: `${String(r.int(0, 23)).padStart(2, '0')}:${String(r.pick([0, 0, 15, 30, 59])).padStart(2, '0')}` },
    dailyCapFen: r.chance(0.55) ? null : r.weighted([[r.int(1, 2_000), 1], [r.int(2_000, 60_000), 3], [r.int(60_000, 500_000), 2]] as const),
    reserveBp: r.chance(0.5) ? 0 : r.int(0, 3_000),
    accelerationBp: r.chance(0.35) ? 0 : r.int(1, 5_000),
  };
}

export function genRewards(r: Rng, memberIds: readonly string[]): RewardsSpec {
  const basis = () => (r.chance(0.5) ? 'paid' : 'profit') as 'paid' | 'profit';
  const maxDepth = r.int(1, 4);
  const levelsBp: Record<string, number> = {};
  let bp = 0;
  for (const level of TEAM_LEVELS) if (r.chance(0.85)) levelsBp[level] = bp = r.int(bp, bp + 800);
  const referrers: Record<string, string> = {};
  for (const store of STORES) if (r.chance(0.5)) referrers[store] = r.chance(0.85) && memberIds.length > 0 ? r.pick(memberIds) : `m${r.int(1, 60)}`;
  return {
    maxDepth,
    direct: r.chance(0.75) ? { bp: r.int(0, 2_000), basis: basis() } : null,
    indirect: maxDepth >= 2 && r.chance(0.55) ? { bp: r.int(0, 1_000), basis: basis() } : null,
    teamLevels: r.chance(0.45) ? { basis: basis(), levelsBp } : null,
    dividend: r.chance(0.75) ? { bp: r.int(1, 3_000), basis: basis(), split: r.chance(0.5) ? 'equal' : 'weight' } : null,
    merchant: r.chance(0.45) ? { bp: r.int(0, 1_500), basis: basis(), referrers } : null,
  };
}

export function genSettings(r: Rng, model: Model): SettingsSpec {
  // Mostly keep the programs that exist (their pools go on), sometimes add or drop one.
  let ids = model.settings.programs.map((p) => p.id);
  if (ids.length === 0 || r.chance(0.25)) ids = r.subset(PROGRAM_IDS);
  else if (r.chance(0.2)) {
    const missing = PROGRAM_IDS.filter((id) => !ids.includes(id));
    if (missing.length > 0 && (ids.length === 1 || r.chance(0.5))) ids.push(r.pick(missing));
    else if (ids.length > 1) ids.splice(r.int(0, ids.length - 1), 1);
  }
  if (r.chance(0.3)) ids.reverse();
  return {
    clawbackAfterSale: r.chance(0.4),
    programs: ids.map((id) => genProgram(r, id)),
    rewards: genRewards(r, model.memberList.map((m) => m.id)),
  };
}

/** The JSON an operator would send, with defaults left out now and then. */
export function settingsJson(spec: SettingsSpec, r: Rng): Json {
  const programs: Json = {};
  for (const p of spec.programs) {
    const x: Json = {};
    if (!p.enabled || r.chance(0.5)) x.enabled = p.enabled;
    if (r.chance(0.3)) x.name = `${p.id} 工会`;
    if (p.fundingBasis === 'sales' || r.chance(0.5)) x.fundingBasis = p.fundingBasis;
    if (!(p.fundingBasis === 'profit' && p.fundingBp === 6_000) || r.chance(0.5)) x.fundingBp = p.fundingBp;
    x.rewardBp = p.rewardBp;
    if (p.lockDays !== 0 || r.chance(0.5)) x.lockDays = p.lockDays;
    if (Object.keys(p.lockDaysByProduct).length > 0 || r.chance(0.3)) x.lockDaysByProduct = { ...p.lockDaysByProduct };
    if (Object.keys(p.lockDaysByStore).length > 0 || r.chance(0.3)) x.lockDaysByStore = { ...p.lockDaysByStore };
    if (p.products !== null || r.chance(0.3)) x.products = p.products;
    if (p.stores !== null || r.chance(0.3)) x.stores = p.stores;
    if (p.channels.join() !== 'mall,store,cashier' || r.chance(0.3)) x.channels = [...p.channels];
    if (p.release.mode !== 'continuous' || r.chance(0.5)) x.release = { ...p.release };
    if (p.dailyCapFen !== null || r.chance(0.3)) x.dailyCapFen = p.dailyCapFen;
    if (p.reserveBp !== 0 || r.chance(0.3)) x.reserveBp = p.reserveBp;
    if (p.accelerationBp !== 0 || r.chance(0.3)) x.accelerationBp = p.accelerationBp;
    programs[p.id] = x;
  }
  const rule = (x: { bp: number; basis: string } | null, extra: Json = {}): Json | null => {
    if (!x) return null;
    const out: Json = { bp: x.bp, ...extra };
    if (x.basis !== 'paid' || r.chance(0.5)) out.basis = x.basis;
    return out;
  };
  const rw = spec.rewards;
  const rewards: Json = {};
  if (rw.maxDepth !== 3 || r.chance(0.5)) rewards.maxDepth = rw.maxDepth;
  for (const [key, value] of [
    ['direct', rule(rw.direct)],
    ['indirect', rule(rw.indirect)],
    ['teamLevels', rw.teamLevels && { basis: rw.teamLevels.basis, levelsBp: { ...rw.teamLevels.levelsBp } }],
    ['dividend', rw.dividend && rule(rw.dividend, rw.dividend.split !== 'equal' || r.chance(0.5) ? { split: rw.dividend.split } : {})],
    ['merchant', rw.merchant && rule(rw.merchant, { referrers: { ...rw.merchant.referrers } })],
  ] as const) {
    if (value !== null || r.chance(0.3)) rewards[key] = value;
  }
  // The stream-queue plugin stays off: only programs and rewards move money in these runs.
  return { base: { enabled: false, clawbackAfterSale: spec.clawbackAfterSale }, programs, rewards };
}

/** A settings payload with exactly one defect, and the code that defect must be rejected with. */
function corruptSettings(r: Rng, json: Json): [string, string] {
  const programs = json.programs as Record<string, Json>;
  const p = programs[r.pick(Object.keys(programs))]!;
  const rewards = json.rewards as Json;
  const defects: [string, string, () => void][] = [
    ['rewardBp0', 'INVALID_RATIO', () => void (p.rewardBp = 0)],
    ['rewardBpHuge', 'INVALID_RATIO', () => void (p.rewardBp = 1_000_001)],
    ['rewardBpFraction', 'INVALID_RATIO', () => void (p.rewardBp = 10_000.5)],
    ['fundingBp0', 'INVALID_SETTINGS', () => void (p.fundingBp = 0)],
    ['fundingBpOver', 'INVALID_RATIO', () => void (p.fundingBp = 10_001)],
    ['lockNegative', 'INVALID_SETTINGS', () => void (p.lockDays = -1)],
    ['lockTooLong', 'INVALID_SETTINGS', () => void (p.lockDays = 3_651)],
    ['lockProductFraction', 'INVALID_SETTINGS', () => void (p.lockDaysByProduct = { P1: 1.5 })],
    ['lockStoreNegative', 'INVALID_SETTINGS', () => void (p.lockDaysByStore = { S2: -3 })],
    ['cap0', 'INVALID_SETTINGS', () => void (p.dailyCapFen = 0)],
    ['capNegative', 'INVALID_SETTINGS', () => void (p.dailyCapFen = -100)],
    ['releaseWeekly', 'INVALID_SETTINGS', () => void (p.release = { mode: 'weekly', at: '20:00' })],
    ['release2400', 'INVALID_TIME_WINDOW', () => void (p.release = { mode: 'daily', at: '24:00' })],
    ['release2561', 'INVALID_TIME_WINDOW', () => void (p.release = { mode: 'daily', at: '25:61' })],
    ['reserveOver', 'INVALID_RATIO', () => void (p.reserveBp = 10_001)],
    ['accelerationNegative', 'INVALID_RATIO', () => void (p.accelerationBp = -1)],
    ['unknownProgramKey', 'INVALID_SETTINGS', () => void (p.speed = 2)],
    ['noChannels', 'INVALID_SETTINGS', () => void (p.channels = [])],
    ['badChannel', 'INVALID_SETTINGS', () => void (p.channels = ['online'])],
    ['badBasis', 'INVALID_SETTINGS', () => void (p.fundingBasis = 'revenue')],
    ['maxDepth0', 'INVALID_SETTINGS', () => void (rewards.maxDepth = 0)],
    ['maxDepth11', 'INVALID_SETTINGS', () => void (rewards.maxDepth = 11)],
    ['indirectDepth1', 'INVALID_SETTINGS', () => void Object.assign(rewards, { maxDepth: 1, indirect: { bp: 100 } })],
    ['directOver', 'INVALID_RATIO', () => void (rewards.direct = { bp: 10_001 })],
    ['badSplit', 'INVALID_SETTINGS', () => void (rewards.dividend = { bp: 100, split: 'random' })],
    ['levelNegative', 'INVALID_RATIO', () => void (rewards.teamLevels = { levelsBp: { gold: -5 } })],
    ['emptyReferrer', 'INVALID_SETTINGS', () => void (rewards.merchant = { bp: 100, referrers: { S1: '' } })],
  ];
  const [name, code, apply] = r.pick(defects);
  apply();
  return [name, code];
}

// ------------------------------------------------------------------------------------------------
// Operations

export class Generator {
  readonly r: Rng;
  private keyNo = 0;
  private orderNo = 0;
  private memberNo = 0;
  private withdrawalNo = 0;
  /** Orders that may still be open; stale ones are dropped when met. */
  private open: string[] = [];
  private completed: string[] = [];

  constructor(readonly seed: number) {
    this.r = new Rng(seed);
  }

  private entry(at: number, body: Json, label: string, settingsCode?: string | null): LogEntry {
    const e: LogEntry = { at, key: `k${++this.keyNo}`, body, label };
    if (settingsCode !== undefined) e.settingsCode = settingsCode;
    return e;
  }

  /** Settings and six members, one after the other. */
  setup(model: Model, at: number): LogEntry[] {
    const out = [this.entry(at, { type: 'settings', settings: settingsJson(genSettings(this.r, model), this.r) }, 'settings', null)];
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const id = `m${++this.memberNo}`;
      // No shareholders yet: early dividends meet NO_SHAREHOLDERS.
      const body: Json = { type: 'member', memberId: id, teamLevel: this.r.pick(TEAM_LEVELS) };
      if (ids.length > 0 && this.r.chance(0.8)) body.referrerId = this.r.pick(ids);
      ids.push(id);
      out.push(this.entry(at, body, 'member:new'));
    }
    return out;
  }

  next(model: Model, clockAt: number): LogEntry {
    const r = this.r;
    // Shareholders retire at a rate that grows with their number: now and then there are none.
    const shareholders = model.memberList.filter((m) => m.weight > 0).length;
    const kind = r.weighted([
      ['settings', 2.5], ['settings:invalid', 1.5], ['member:retire', 0.5 * shareholders],
      ['member:new', 2.5], ['member:change', 3], ['member:cycle', 1.2], ['member:unknownReferrer', 0.4],
      ['paid', 17], ['paid:invalid', 1.5],
      ['completed', 11], ['completed:invalid', 1.2],
      ['refund:before', 4.5], ['refund:after', 2], ['refund:invalid', 1.2],
      ['poolRelease', 3], ['poolRelease:unknown', 0.6],
      ['dividend', 1.2], ['dividend:invalid', 1.3],
      ['withdraw', 4], ['withdraw:overCash', 2.5], ['withdraw:invalid', 0.6],
      ['withdraw:decide', 3.5], ['withdraw:decide:invalid', 0.6],
      ['tick', 5], ['tick:atDue', 1], ['tick:atUnlock', 1],
    ] as const);
    let at = clockAt;
    if (kind === 'tick') {
      at += r.weighted([[r.int(HOUR, 6 * HOUR), 10], [r.int(6 * HOUR, 30 * HOUR), 7], [r.int(DAY, 3 * DAY), 3]] as const);
      return this.entry(at, { type: 'tick' }, 'tick');
    }
    if (kind === 'tick:atDue') {
      // An event at exactly a daily release's instant: the release runs first, as its own step.
      const due = model.nextDue();
      if (due && due.at > at && due.at - at <= 3 * DAY) {
        const e = this.op(r.pick(['paid', 'completed', 'poolRelease', 'withdraw']), model, due.at) ?? this.entry(due.at, { type: 'tick' }, 'tick');
        return { ...e, label: `${e.label}@due` };
      }
    }
    if (kind === 'tick:atUnlock') {
      // A tick at exactly the instant a waiting entry's lock passes: it is eligible from then on.
      let unlock = Infinity;
      for (const pool of model.pools.values()) for (const e of pool.waiting) if (e.status === 'waiting' && e.unlockAt > at && e.unlockAt < unlock) unlock = e.unlockAt;
      if (unlock - at <= 3 * DAY) return this.entry(unlock, { type: 'tick' }, 'tick@unlock');
    }
    if (r.chance(0.5)) at += r.int(1_000, 20 * MINUTE);
    return this.op(kind, model, at) ?? this.paid(model, at);
  }

  private op(kind: string, model: Model, at: number): LogEntry | null {
    const r = this.r;
    switch (kind) {
      case 'settings':
        return this.entry(at, { type: 'settings', settings: settingsJson(genSettings(r, model), r) }, 'settings', null);
      case 'settings:invalid': {
        const json = settingsJson(genSettings(r, model), r);
        const [name, code] = corruptSettings(r, json);
        return this.entry(at, { type: 'settings', settings: json }, `invalid:settings.${name}`, code);
      }
      case 'member:new': {
        if (model.memberList.length >= 30) return this.memberChange(model, at);
        const body: Json = { type: 'member', memberId: `m${++this.memberNo}` };
        if (r.chance(0.75)) body.referrerId = r.pick(model.memberList).id;
        if (r.chance(0.6)) body.teamLevel = r.pick([...TEAM_LEVELS, 'none']);
        if (r.chance(0.2)) body.shareholderWeight = r.int(0, 10);
        return this.entry(at, body, 'member:new');
      }
      case 'member:change':
        return this.memberChange(model, at);
      case 'member:retire':
        return this.entry(at, { type: 'member', memberId: r.pick(model.memberList.filter((m) => m.weight > 0)).id, shareholderWeight: 0 }, 'member:retire');
      case 'member:cycle': {
        // Refer a member to itself or to someone below it: the chain would loop.
        const m = r.pick(model.memberList);
        const below = model.descendantsOf(m.id);
        return this.entry(at, { type: 'member', memberId: m.id, referrerId: r.pick(below).id }, below.length > 1 ? 'invalid:member.cycle' : 'invalid:member.selfReferral');
      }
      case 'member:unknownReferrer': {
        // An unknown referrer, for an existing member or a new one (a new member referring itself
        // refers to a member that does not exist yet): the new member must not be created.
        const fresh = `m${this.memberNo + 1}`;
        return r.weighted<LogEntry>([
          [this.entry(at, { type: 'member', memberId: r.pick(model.memberList).id, referrerId: 'ghost' }, 'invalid:member.unknownReferrer'), 2],
          [this.entry(at, { type: 'member', memberId: fresh, referrerId: 'ghost', shareholderWeight: 3 }, 'invalid:member.newWithUnknownReferrer'), 1],
          [this.entry(at, { type: 'member', memberId: fresh, referrerId: fresh }, 'invalid:member.newReferringItself'), 1],
        ]);
      }
      case 'paid':
        return this.paid(model, at);
      case 'paid:invalid':
        return this.invalidPaid(model, at);
      case 'completed': {
        const order = this.openOrder(model);
        return order ? this.entry(at, { type: 'completed', orderId: order.id }, 'completed') : null;
      }
      case 'completed:invalid':
        return this.invalidCompleted(model, at);
      case 'refund:before': {
        const order = this.openOrder(model);
        return order ? this.refund(order, at, 'before') : null;
      }
      case 'refund:after': {
        const order = this.completedOrder(model);
        return order ? this.refund(order, at, 'after') : null;
      }
      case 'refund:invalid':
        return this.invalidRefund(model, at);
      case 'poolRelease': {
        if (model.settings.programs.length === 0) return null;
        return this.entry(at, { type: 'poolRelease', programId: r.pick(model.settings.programs).id }, 'poolRelease');
      }
      case 'poolRelease:unknown': {
        const gone = PROGRAM_IDS.filter((id) => !model.programOf(id));
        const id = gone.length > 0 && r.chance(0.7) ? r.pick(gone) : 'nope';
        return this.entry(at, { type: 'poolRelease', programId: id }, model.pools.has(id) ? 'invalid:poolRelease.removedProgram' : 'invalid:poolRelease.unknown');
      }
      case 'dividend':
        return this.dividend(model, at);
      case 'dividend:invalid':
        return this.invalidDividend(model, at);
      case 'withdraw': {
        const rich = model.memberList.filter((m) => model.cash(m.id) > 0);
        if (rich.length === 0) return null;
        const m = r.pick(rich);
        const cash = model.cash(m.id);
        const amount = r.chance(0.2) ? cash : r.int(1, cash);
        return this.entry(at, { type: 'withdrawalRequested', withdrawalId: `w${++this.withdrawalNo}`, memberId: m.id, amountFen: amount }, 'withdraw');
      }
      case 'withdraw:overCash': {
        // More than the cash: frozen acceleration money and frozen rewards are not withdrawable.
        const locked = (id: string) => model.balance(`member:${id}:frozen`) + model.balance(`member:${id}:rewardFrozen`);
        const holding = model.memberList.filter((m) => locked(m.id) > 0);
        const m = holding.length > 0 && r.chance(0.8) ? r.pick(holding) : r.pick(model.memberList);
        const amount = model.cash(m.id) + r.int(1, Math.max(1, locked(m.id)));
        return this.entry(at, { type: 'withdrawalRequested', withdrawalId: `w${++this.withdrawalNo}`, memberId: m.id, amountFen: amount }, holding.includes(m) ? 'invalid:withdraw.frozenMoney' : 'invalid:withdraw.overCash');
      }
      case 'withdraw:invalid': {
        const m = r.pick(model.memberList);
        return r.weighted<LogEntry>([
          [this.entry(at, { type: 'withdrawalRequested', withdrawalId: `w${++this.withdrawalNo}`, memberId: m.id, amountFen: 0 }, 'invalid:withdraw.zero'), 1],
          [this.entry(at, { type: 'withdrawalRequested', withdrawalId: `w${++this.withdrawalNo}`, memberId: 'ghost', amountFen: 1 }, 'invalid:withdraw.unknownMember'), 1],
          [this.entry(at, { type: 'withdrawalRequested', withdrawalId: model.withdrawalList.length > 0 ? r.pick(model.withdrawalList).id : 'w0', memberId: m.id, amountFen: 1 }, 'invalid:withdraw.duplicate'), 1],
        ]);
      }
      case 'withdraw:decide': {
        const pending = model.withdrawalList.filter((w) => w.status === 'requested');
        if (pending.length === 0) return null;
        const paid = r.chance(0.6);
        return this.entry(at, { type: paid ? 'withdrawalPaid' : 'withdrawalRejected', withdrawalId: r.pick(pending).id }, paid ? 'withdraw:paid' : 'withdraw:rejected');
      }
      case 'withdraw:decide:invalid': {
        const decided = model.withdrawalList.filter((w) => w.status !== 'requested');
        const type = r.chance(0.5) ? 'withdrawalPaid' : 'withdrawalRejected';
        if (decided.length > 0 && r.chance(0.7)) return this.entry(at, { type, withdrawalId: r.pick(decided).id }, 'invalid:withdraw.notPending');
        return this.entry(at, { type, withdrawalId: 'w-none' }, 'invalid:withdraw.unknown');
      }
      default:
        return null;
    }
  }

  private memberChange(model: Model, at: number): LogEntry {
    const r = this.r;
    const m = r.pick(model.memberList);
    const body: Json = { type: 'member', memberId: m.id };
    if (r.chance(0.6)) {
      const below = new Set(model.descendantsOf(m.id).map((x) => x.id));
      const allowed = model.memberList.filter((x) => !below.has(x.id));
      body.referrerId = allowed.length > 0 && r.chance(0.85) ? r.pick(allowed).id : null;
    }
    if (r.chance(0.5)) body.teamLevel = r.pick([...TEAM_LEVELS, '', 'none']);
    if (r.chance(0.25)) body.shareholderWeight = r.chance(0.3) ? 0 : r.int(1, 10);
    return this.entry(at, body, 'member:change');
  }

  private line(lineId: string): Json {
    const r = this.r;
    const channel = r.weighted<Channel>([['mall', 45], ['store', 35], ['cashier', 20]]);
    const paid = r.weighted([[0, 2], [r.int(1, 99), 8], [r.int(100, 5_000), 60], [r.int(5_000, 60_000), 30]] as const);
    const line: Json = { lineId, channel, paidFen: paid };
    if (channel === 'mall') line.productId = r.pick(MALL_PRODUCTS);
    if (channel === 'store') line.productId = r.pick(STORE_GOODS);
    if (channel !== 'mall') line.storeId = r.pick(STORES);
    const deducted = r.weighted([['some', 20], ['zero', 16], ['absent', 64]] as const);
    if (deducted === 'some') line.deductedFen = r.int(1, Math.max(1, paid >> 1));
    if (deducted === 'zero') line.deductedFen = 0;
    if (r.chance(0.7)) line.profitFen = r.chance(0.1) ? 0 : r.int(0, paid);
    return line;
  }

  paid(model: Model, at: number): LogEntry {
    const r = this.r;
    const n = r.weighted([[1, 60], [2, 30], [3, 10]] as const);
    const ids = r.chance(0.5) ? ['1', '2', '3'] : ['a', 'b', 'c'];
    const id = `o${++this.orderNo}`;
    this.open.push(id);
    const member = r.pick(model.memberList);
    return this.entry(at, { type: 'paid', orderId: id, memberId: member.id, lines: ids.slice(0, n).map((lineId) => this.line(lineId)) }, `paid:${n}`);
  }

  private invalidPaid(model: Model, at: number): LogEntry {
    const r = this.r;
    const good = this.paid(model, at);
    this.open.pop();
    const body = good.body;
    const lines = body.lines as Json[];
    const kind = r.pick(['unknownMember', 'duplicateOrder', 'duplicateLine', 'negativeAmount', 'fractionalAmount']);
    if (kind === 'unknownMember') body.memberId = 'ghost';
    if (kind === 'duplicateOrder') body.orderId = model.orderList.length > 0 ? r.pick(model.orderList).id : body.orderId;
    if (kind === 'duplicateLine') lines.push({ ...lines[0]! });
    if (kind === 'negativeAmount') lines[0]!.paidFen = -1 - r.int(0, 500);
    if (kind === 'fractionalAmount') lines[0]!.deductedFen = 10.5;
    return { ...good, label: `invalid:paid.${kind}` };
  }

  private openOrder(model: Model) {
    while (this.open.length > 0) {
      const i = this.r.int(0, this.open.length - 1);
      const order = model.orders.get(this.open[i]!);
      if (order && order.completedAt === null && order.lines.some((l) => l.refundedAt === null)) return order;
      if (order && order.completedAt !== null) this.completed.push(order.id);
      this.open.splice(i, 1);
    }
    return undefined;
  }

  private completedOrder(model: Model) {
    for (let tries = 0; tries < 4 && this.completed.length > 0; tries++) {
      const i = this.r.int(0, this.completed.length - 1);
      const order = model.orders.get(this.completed[i]!);
      if (order && order.lines.some((l) => l.refundedAt === null)) return order;
      this.completed.splice(i, 1);
    }
    return undefined;
  }

  private refund(order: { id: string; lines: { id: string; refundedAt: number | null }[] }, at: number, when: 'before' | 'after'): LogEntry {
    const r = this.r;
    const left = order.lines.filter((l) => l.refundedAt === null).map((l) => l.id);
    if (r.chance(0.5)) return this.entry(at, { type: 'refunded', orderId: order.id }, `refund:whole:${when}`);
    const ids = r.subset(left);
    if (r.chance(0.3)) ids.reverse();
    return this.entry(at, { type: 'refunded', orderId: order.id, lineIds: ids }, `refund:lines:${when}`);
  }

  private invalidCompleted(model: Model, at: number): LogEntry {
    const r = this.r;
    const done = model.orderList.filter((o) => o.completedAt !== null);
    const refunded = model.orderList.filter((o) => o.completedAt === null && o.lines.every((l) => l.refundedAt !== null));
    if (refunded.length > 0 && r.chance(0.4)) return this.entry(at, { type: 'completed', orderId: r.pick(refunded).id }, 'invalid:completed.fullyRefunded');
    if (done.length > 0 && r.chance(0.7)) return this.entry(at, { type: 'completed', orderId: r.pick(done).id }, 'invalid:completed.alreadyCompleted');
    return this.entry(at, { type: 'completed', orderId: 'o-none' }, 'invalid:completed.unknown');
  }

  private invalidRefund(model: Model, at: number): LogEntry {
    const r = this.r;
    const all = model.orderList;
    if (all.length === 0) return this.entry(at, { type: 'refunded', orderId: 'o-none' }, 'invalid:refund.unknownOrder');
    const full = all.filter((o) => o.lines.every((l) => l.refundedAt !== null));
    const partly = all.filter((o) => o.lines.some((l) => l.refundedAt !== null));
    const kind = r.pick(['nothingLeft', 'lineAgain', 'unknownLine', 'unknownOrder', 'duplicateLine']);
    if (kind === 'nothingLeft' && full.length > 0) return this.entry(at, { type: 'refunded', orderId: r.pick(full).id }, 'invalid:refund.nothingLeft');
    if (kind === 'lineAgain' && partly.length > 0) {
      const o = r.pick(partly);
      return this.entry(at, { type: 'refunded', orderId: o.id, lineIds: [o.lines.find((l) => l.refundedAt !== null)!.id] }, 'invalid:refund.lineAgain');
    }
    const o = r.pick(all);
    if (kind === 'unknownLine') return this.entry(at, { type: 'refunded', orderId: o.id, lineIds: [o.lines[0]!.id, 'zz'] }, 'invalid:refund.unknownLine');
    if (kind === 'duplicateLine') return this.entry(at, { type: 'refunded', orderId: o.id, lineIds: [o.lines[0]!.id, o.lines[0]!.id] }, 'invalid:refund.duplicateLine');
    return this.entry(at, { type: 'refunded', orderId: `${o.id}x` }, 'invalid:refund.unknownOrder');
  }

  private lastPaidDay(model: Model): number {
    let last = -1;
    for (const d of model.dividendDays) last = Math.max(last, d);
    return last;
  }

  private dividend(model: Model, at: number): LogEntry {
    const r = this.r;
    const today = dayOf(at);
    const to = today - 1 - r.weighted([[0, 5], [r.int(1, 3), 3]] as const);
    const last = this.lastPaidDay(model);
    const from = Math.max(last + 1, to - r.int(0, 12));
    if (from > to) return this.invalidDividend(model, at);
    return this.entry(at, { type: 'dividend', fromDate: dateOf(from), toDate: dateOf(to) }, 'dividend');
  }

  private invalidDividend(model: Model, at: number): LogEntry {
    const r = this.r;
    const today = dayOf(at);
    const last = this.lastPaidDay(model);
    const options: [string, string, string][] = [
      ['openPeriod', dateOf(today - r.int(0, 3)), dateOf(today)],
      ['future', dateOf(today + 1), dateOf(today + 2)],
      ['backwards', dateOf(today - 2), dateOf(today - 5)],
      ['tooLong', dateOf(today - 400), dateOf(today - 33)],
      ['malformed', '2026-1-05', dateOf(today - 1)],
      ['notADate', '2026-02-30', '2026-02-31'],
    ];
    if (last >= 0) options.push(['paidDay', dateOf(last - r.int(0, 2)), dateOf(Math.min(last + r.int(0, 2), today - 1))]);
    const [name, from, to] = r.pick(options);
    return this.entry(at, { type: 'dividend', fromDate: from, toDate: to }, `invalid:dividend.${name}`);
  }
}
