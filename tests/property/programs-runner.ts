/**
 * Runs program and reward operations through the app service (QrebateService over a MemoryStore,
 * a clock the run advances, a seeded random source) beside the reference model, and checks after
 * every step:
 *
 * - auditor: `checkInvariants(state)` finds nothing;
 * - conservation: every unit's balances sum to zero (`ledger.totals()`), and every CNY account
 *   holds what the model says (pool = inflow − releases + returns, members, platform accounts);
 * - entry bounds: no pool entry received more than its total, its fields match the model;
 * - member balances: none negative;
 * - FIFO full exits and release completeness (checked by the model at each release);
 * - frozen rewards: `member:<id>:rewardFrozen` equals the member's 'frozen' grants in
 *   `state.rewardGrants`; a withdrawal over the cash is INSUFFICIENT_FUNDS;
 * - refunds restore: a line refunded before completion has every grant reversed, the
 *   `platform:reward:<kind>` accounts get exactly those amounts back, its pool entries are
 *   cancelled with nothing frozen left; no refunded line or its entries ever moves money again;
 * - rejected changes nothing: `stateDigest` is the same before and after a rejected operation
 *   (taken after an explicit tick to the same instant, since due scheduled steps run first). The
 *   digest walks the whole state, so by default it is compared for a deterministic sample of the
 *   rejections (see RunOptions.digest) and a cheap glance at counters, sizes, the ledger hash and
 *   the pools' bookkeeping is compared for every one;
 * - the engine accepts exactly what the model accepts, with the model's rejection code; it grants
 *   exactly the model's rewards, creates its pool entries (totals, lock ends, funding), pays its
 *   accelerations and runs its daily releases at their due instants.
 *
 * The stream-queue plugin is off in these runs (base.enabled false in every settings event):
 * tests/property/engine.property.test.ts covers it, and with it off the model can own every CNY
 * balance exactly.
 *
 * The first failure throws a RunFailure naming the seed, the step and the submission.
 */
import type { EventOutcome } from '../../src/domain/engine.ts';
import { QrebateService } from '../../src/app/service.ts';
import { DomainError } from '../../src/domain/errors.ts';
import { checkInvariants } from '../../src/domain/invariants.ts';
import { stateDigest } from '../../src/domain/digest.ts';
import type { EngineState } from '../../src/domain/state.ts';
import type { PoolEntry } from '../../src/domain/programs/pool.ts';
import { MemoryStore } from '../../src/store/memory/memory-store.ts';
import { Generator, type Json, type LogEntry, START_MS } from './programs-gen.ts';
import { type MEntry, Model, PropertyFailure, type SettingsSpec, dateOf, fail, iso } from './programs-model.ts';

export interface RunOptions {
  /** Run every per-step check (off for the determinism rerun, which only needs the hashes). */
  checks: boolean;
  /** Compare every pool entry with the model this often (touched entries are compared every step). */
  fullCompareEvery?: number;
  /**
   * Which rejected operations get the before/after `stateDigest` comparison. The digest walks the
   * whole state, so comparing it for each of a long run's ~800 rejections costs more than the
   * rest of the run: 'sampled' (the default) compares every rejection of the first 300 steps and
   * then the first of each kind (label and code) in every 10,000-step window; 'all' compares each.
   */
  digest?: 'all' | 'sampled' | 'none';
}

const UNITS = ['CNY', 'POINTS', 'LOVE', 'COUPON'] as const;

export interface RunReport {
  seed: number;
  steps: number;
  ledgerHash: string;
  ledgerSize: number;
  digest: string;
  /** 'label result' → count: 'paid:2 ok', 'invalid:withdraw.frozenMoney INSUFFICIENT_FUNDS', … */
  stats: Map<string, number>;
  counters: Record<string, number>;
  /** Every submission the service received, automatic ticks included. */
  transcript: LogEntry[];
}

export class RunFailure extends Error {
  constructor(
    readonly property: string,
    readonly detail: string,
    readonly seed: number,
    readonly step: number,
    readonly entry: LogEntry | null,
    readonly recent: string[],
  ) {
    super(
      `[${property}] ${detail}\n  seed ${seed}, step ${step}: ${entry ? describe(entry) : '(end of run)'}\n  last steps:\n    ${recent.join('\n    ')}\n` +
        `  rerun: QREBATE_PROGRAM_PROPERTY_SEED=${seed} QREBATE_PROGRAM_PROPERTY_SEEDS=1 npx vitest run tests/property/programs.property.test.ts\n` +
        `  shrink: npx tsx tests/property/programs-minimize.ts ${seed} <ops>`,
    );
    this.name = 'RunFailure';
  }
}

export function describe(e: LogEntry): string {
  let body = JSON.stringify(e.body);
  if (body.length > 700) body = `${body.slice(0, 700)}…`;
  return `${e.label} key=${e.key} at=${iso(e.at)} ${body}${e.settingsCode ? ` (expect ${e.settingsCode})` : ''}`;
}

type EngineEntry = PoolEntry;

export class ProgramsRun {
  readonly store: MemoryStore;
  readonly service: QrebateService;
  readonly clock = { at: START_MS };
  readonly model = new Model();
  readonly stats = new Map<string, number>();
  /** Every submission that reached the service, automatic ticks included, for reports. */
  readonly transcript: LogEntry[] = [];
  private readonly digested = new Set<string>();
  /** Engine grants' frozen amounts per line row as last seen, and their sum per member. */
  private readonly grantCache = new Map<number, [string, number][]>();
  private readonly frozenGrants = new Map<string, number>();
  step = 0;
  private autoTicks = 0;
  private ledgerSeen = 0;
  private readonly refundedLineNos = new Set<number>();
  private readonly refundedEntryNos = new Set<number>();
  /** Rejections whose before/after state digest was compared. */
  private rejectedChecked = 0;

  constructor(
    readonly seed: number,
    readonly options: RunOptions,
  ) {
    [this.store, this.service] = makeService(seed, this.clock);
  }

  get state(): EngineState {
    return this.store.state;
  }

  private count(label: string): void {
    this.stats.set(label, (this.stats.get(label) ?? 0) + 1);
  }

  private failure(err: unknown, entry: LogEntry | null): RunFailure {
    const recent = this.transcript.slice(-6).map(describe);
    if (err instanceof RunFailure) return err;
    if (err instanceof PropertyFailure) return new RunFailure(err.property, err.detail, this.seed, this.step, entry, recent);
    const e = err as Error;
    return new RunFailure('engine error', `${e.name}: ${e.message}\n${e.stack ?? ''}`, this.seed, this.step, entry, recent);
  }

  /** Sends one submission and checks every property; throws a RunFailure on the first failure. */
  submit(entry: LogEntry): void {
    this.step++;
    try {
      this.send(entry);
    } catch (err) {
      throw this.failure(err, entry);
    }
  }

  private send(entry: LogEntry): void {
    if (entry.at < this.clock.at) throw new Error(`harness: clock would go back from ${this.clock.at} to ${entry.at}`);
    this.clock.at = entry.at;
    let expected = this.model.predict(entry.body, entry.at, entry.settingsCode);
    // Due scheduled steps run before any event, rejected or not: tick first so that the digest
    // before a rejected operation is taken at its own instant. The tick's releases may pay the
    // member the cash a withdrawal lacked, so the prediction is made again after it.
    if (expected !== null && entry.at > this.model.now) {
      this.send({ at: entry.at, key: `auto-tick-${++this.autoTicks}`, body: { type: 'tick' }, label: 'tick:beforeRejection' });
      expected = this.model.predict(entry.body, entry.at, entry.settingsCode);
    }
    const digestBefore = expected !== null && this.digestWanted(entry, expected) ? stateDigest(this.state) : null;
    const glanceBefore = expected !== null && this.options.checks ? glance(this.state) : null;
    this.model.beginStep();
    this.transcript.push(entry);
    let outcome: EventOutcome | null = null;
    let code: string | null = null;
    let message = '';
    try {
      const sub = this.service.submit(entry.key, entry.body);
      if (sub.replayed) fail('model agreement', `key ${entry.key} was taken for a replay`);
      outcome = sub.outcome;
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      code = err.code;
      message = err.message;
    }
    this.count(`${entry.label} ${code ?? 'ok'}`);
    if (code !== expected) {
      if (expected === null) fail('model agreement', `rejected with ${code} (${message}), but the model accepts it`);
      if (code === null) fail('rejections', `accepted, but it must be rejected with ${expected}`);
      fail('rejections', `rejected with ${code} (${message}), but the code must be ${expected}`);
    }
    if (code !== null) {
      if (glanceBefore !== null) {
        const after = glance(this.state);
        if (after !== glanceBefore) fail('rejected changes nothing', `the ${code} rejection changed the state: before ${glanceBefore}, after ${after}`);
      }
      if (digestBefore !== null) {
        const after = stateDigest(this.state);
        if (after !== digestBefore) fail('rejected changes nothing', `the ${code} rejection changed the state digest from ${digestBefore} to ${after}`);
        this.rejectedChecked++;
      }
      return;
    }
    if (outcome!.at !== entry.at) fail('model agreement', `stamped at ${outcome!.at}, the clock read ${entry.at}`);
    this.model.apply(entry.body, outcome!);
    if (this.options.checks) this.check(entry);
  }

  private digestWanted(entry: LogEntry, expected: string): boolean {
    const policy = this.options.digest ?? 'sampled';
    if (!this.options.checks || policy === 'none') return false;
    if (policy === 'all' || this.step <= 300) return true;
    const kind = `${Math.floor(this.step / 10_000)} ${entry.label} ${expected}`;
    if (this.digested.has(kind)) return false;
    this.digested.add(kind);
    return true;
  }

  // ----------------------------------------------------------------------------------------------
  // The per-step checks

  private check(entry: LogEntry): void {
    const state = this.state;
    const model = this.model;

    const violations = checkInvariants(state);
    if (violations.length > 0) fail('auditor', `checkInvariants: ${violations.slice(0, 6).join('; ')}`);

    const totals = state.ledger.totals();
    for (const [unit, t] of Object.entries(totals)) {
      if (t.balanceSum !== 0) fail('conservation', `${unit} balances sum to ${t.balanceSum}, not 0`);
    }

    // Balances change only through transfers: each step compares every account that this step's
    // transfers or the model's moved, and every hundred steps every account in every unit.
    const ledger = state.ledger;
    const moved = new Set(model.touchedAccounts);
    for (let i = this.ledgerSeen; i < ledger.size; i++) {
      const t = ledger.get(i);
      moved.add(t.debit);
      moved.add(t.credit);
    }
    const diffs: string[] = [];
    const compare = (account: string, id: number | undefined): void => {
      const balance = id === undefined ? 0 : ledger.balance(id, 'CNY');
      if (balance < 0 && account.startsWith('member:')) fail('member balances', `${account} is ${balance}`);
      if ((model.accounts.get(account) ?? 0) !== balance) diffs.push(`${account}: engine ${balance}, model ${model.accounts.get(account) ?? 0}`);
    };
    if (this.step % 100 === 0) {
      for (let id = 0; id < ledger.accountCount; id++) {
        const account = ledger.accountName(id);
        for (const unit of UNITS) {
          const balance = ledger.balance(id, unit);
          if (balance < 0 && account.startsWith('member:')) fail('member balances', `${account} ${unit} is ${balance}`);
          if (balance !== 0 && unit !== 'CNY') fail('model agreement', `${account} holds ${balance} ${unit} although only CNY moves in these runs`);
        }
        compare(account, id);
      }
      for (const account of model.accounts.keys()) if (ledger.findAccount(account) === undefined) compare(account, undefined);
    } else {
      for (const account of moved) compare(account, ledger.findAccount(account));
    }
    if (diffs.length > 0) fail('balances', `CNY balances differ from the model: ${diffs.slice(0, 8).join('; ')}`);

    this.checkPools(this.options.fullCompareEvery !== undefined && this.step % this.options.fullCompareEvery === 0);
    this.checkGrants(this.step % 100 === 0);
    this.checkRefunds();
    this.checkNothingFurther();
    if (entry.body.type === 'settings') this.checkSettings(model.settings);
    if (entry.body.type === 'completed' || entry.body.type === 'refunded' || entry.body.type === 'dividend') this.checkTurnover(entry.body.type === 'dividend');
  }

  /**
   * Dividend turnover by completion day, and the days already paid, as the model has them: the
   * days a completion or refund touched, and the whole table when a dividend pays.
   */
  private checkTurnover(full: boolean): void {
    const state = this.state;
    const days = full ? [...new Set([...state.turnoverByDay.keys(), ...this.model.turnover.keys()])] : this.model.touchedDays;
    for (const day of days) {
      const theirs = JSON.stringify(state.turnoverByDay.get(day) ?? null);
      const mine = JSON.stringify(this.model.turnover.get(day) ?? null);
      if (theirs !== mine) fail('dividends', `turnover of ${dateOf(day)} [paid, profit]: engine ${theirs}, model ${mine}`);
    }
    if (state.turnoverByDay.size !== this.model.turnover.size) fail('dividends', `the engine keeps turnover for ${state.turnoverByDay.size} days, the model for ${this.model.turnover.size}`);
    if (state.dividendDays.size !== this.model.dividendDays.size || [...this.model.dividendDays].some((d) => !state.dividendDays.has(d))) {
      fail('dividends', `paid days: engine ${[...state.dividendDays].sort((a, b) => a - b).map(dateOf).join()}, model ${[...this.model.dividendDays].sort((a, b) => a - b).map(dateOf).join()}`);
    }
  }

  private engineEntry(e: MEntry): EngineEntry | undefined {
    return this.state.pools.get(e.pool.id)?.entries[e.seq - 1];
  }

  private compareEntry(e: MEntry): void {
    const x = this.engineEntry(e);
    if (!x) return fail('pool entries', `${e.pool.id} entry #${e.seq} (no ${e.no}) is missing from the engine`);
    if (x.receivedFen > x.totalFen) fail('entry bounds', `${e.pool.id} entry #${x.seq} received ${x.receivedFen} over its total ${x.totalFen}`);
    if (x.receivedFen < 0 || x.frozenFen < 0 || x.frozenFen > x.receivedFen) fail('entry bounds', `${e.pool.id} entry #${x.seq} received ${x.receivedFen}, frozen ${x.frozenFen}`);
    const mine = [e.no, e.seq, e.status, e.memberId, e.line.row, e.total, e.received, e.frozen, e.returned, e.unlockAt, e.funding];
    const theirs = [x.no, x.seq, x.status, x.member.id, x.line.row, x.totalFen, x.receivedFen, x.frozenFen, x.returnedFen, x.unlockAt, x.fundingFen];
    if (mine.some((v, i) => v !== theirs[i])) {
      fail('pool entries', `${e.pool.id} entry #${e.seq} [no, seq, status, member, row, total, received, frozen, returned, unlockAt, funding]: engine ${JSON.stringify(theirs)}, model ${JSON.stringify(mine)} (line ${e.line.order.id}/${e.line.id})`);
    }
  }

  private checkPools(full: boolean): void {
    const state = this.state;
    if (state.pools.size !== this.model.pools.size) fail('pool entries', `the engine has pools ${[...state.pools.keys()].join()}, the model ${[...this.model.pools.keys()].join()}`);
    for (const pool of this.model.pools.values()) {
      const x = state.pools.get(pool.id);
      if (!x) return fail('pool entries', `pool ${pool.id} is missing from the engine`);
      const mine = [pool.entries.length, pool.pending, pool.active];
      const theirs = [x.entries.length, x.pendingFen, x.activeCount];
      if (mine.some((v, i) => v !== theirs[i])) fail('pool entries', `pool ${pool.id} [entries, pending, active]: engine ${JSON.stringify(theirs)}, model ${JSON.stringify(mine)}`);
      if (full) for (const e of pool.entries) this.compareEntry(e);
    }
    for (const e of this.model.touchedEntries) this.compareEntry(e);
  }

  /**
   * Frozen rewards are never withdrawable: each member's rewardFrozen account holds exactly their
   * grants with status 'frozen' in `state.rewardGrants`. Grants change only on the lines a step
   * pays, completes or refunds, so the sums are updated from those lines every step and rebuilt
   * from every grant every hundred steps (and at the end of the run).
   */
  private checkGrants(full: boolean): void {
    const state = this.state;
    const rows = full ? [...state.rewardGrants.keys()] : [...this.model.touchedLines].map((l) => l.row);
    if (full) {
      this.grantCache.clear();
      this.frozenGrants.clear();
    }
    for (const row of rows) {
      for (const [member, amount] of this.grantCache.get(row) ?? []) this.frozenGrants.set(member, this.frozenGrants.get(member)! - amount);
      const now: [string, number][] = [];
      for (const g of state.rewardGrants.get(row) ?? []) {
        if (!Number.isSafeInteger(g.amountFen) || g.amountFen <= 0) fail('frozen rewards', `a grant of ${g.amountFen} to ${g.member.id}`);
        if (g.status === 'frozen') now.push([g.member.id, g.amountFen]);
      }
      for (const [member, amount] of now) this.frozenGrants.set(member, (this.frozenGrants.get(member) ?? 0) + amount);
      this.grantCache.set(row, now);
    }
    for (const m of state.memberList) {
      const balance = state.ledger.balance(m.rewardFrozenAccount, 'CNY');
      const frozen = this.frozenGrants.get(m.id) ?? 0;
      if (balance !== frozen) fail('frozen rewards', `member:${m.id}:rewardFrozen is ${balance}, but the member's frozen grants in state.rewardGrants sum to ${frozen}`);
    }
    for (const line of this.model.touchedLines) {
      const theirs = (state.rewardGrants.get(line.row) ?? []).map((g) => [g.kind, g.member.id, g.amountFen, state.ledger.accountName(g.fundingAccount), g.status]);
      const mine = line.grants.map((g) => [g.kind, g.memberId, g.amount, `platform:reward:${g.kind}`, g.status]);
      if (JSON.stringify(theirs) !== JSON.stringify(mine)) fail('rewards', `grants of line ${line.order.id}/${line.id}: engine ${JSON.stringify(theirs)}, model ${JSON.stringify(mine)}`);
    }
  }

  /** Refunds restore every balance they touched (SPEC §5 reversal, §4/§3.4 cancellation). */
  private checkRefunds(): void {
    const state = this.state;
    for (const rec of this.model.refunds) {
      const where = `refund of ${rec.lines.map((l) => l.id).join(',')} of order ${rec.order.id} ${rec.beforeCompletion ? 'before' : 'after'} completion`;
      for (const line of rec.lines) {
        for (const g of state.rewardGrants.get(line.row) ?? []) {
          const want = rec.beforeCompletion ? 'reversed' : 'released';
          if (g.status !== want) fail('refunds restore', `${where}: the ${g.kind} grant of ${g.amountFen} to ${g.member.id} is ${g.status}, not ${want}`);
        }
        for (const e of line.entries) {
          const x = this.engineEntry(e)!;
          if (x.status !== 'cancelled') fail('refunds restore', `${where}: ${e.pool.id} entry #${e.seq} is ${x.status}, not cancelled`);
          if (x.frozenFen !== 0) fail('refunds restore', `${where}: ${e.pool.id} entry #${e.seq} still holds ${x.frozenFen} frozen`);
          // Before completion everything it received was frozen and goes back to the pool; after
          // completion the released money goes back only under clawbackAfterSale.
          if (rec.beforeCompletion && x.returnedFen !== x.receivedFen) fail('refunds restore', `${where}: ${e.pool.id} entry #${e.seq} received ${x.receivedFen} but returned ${x.returnedFen}`);
        }
      }
      for (const [account, before] of rec.fundingBefore) {
        const id = state.ledger.findAccount(account);
        const now = id === undefined ? 0 : state.ledger.balance(id, 'CNY');
        const back = rec.fundingBack.get(account) ?? 0;
        const engineBack = rec.lines.flatMap((l) => state.rewardGrants.get(l.row) ?? []).filter((g) => rec.beforeCompletion && `platform:reward:${g.kind}` === account).reduce((s, g) => s + g.amountFen, 0);
        if (now - before !== back || back !== engineBack) fail('refunds restore', `${where}: ${account} got ${now - before} back, its reversed grants amount to ${engineBack} (model ${back})`);
      }
    }
  }

  /** A refunded line, and its pool entries, never move money again after their refund step. */
  private checkNothingFurther(): void {
    const ledger = this.state.ledger;
    for (let i = this.ledgerSeen; i < ledger.size; i++) {
      const t = ledger.get(i);
      if ((t.causeKind === 'line' && this.refundedLineNos.has(t.causeRef)) || (t.causeKind === 'entry' && this.refundedEntryNos.has(t.causeRef))) {
        const what = t.causeKind === 'line' ? `line no ${t.causeRef}` : `pool entry no ${t.causeRef}`;
        fail('refunds restore', `${what} was refunded in an earlier step, yet event ${t.eventNo} moved ${t.amount} from ${t.debit} to ${t.credit} for it`);
      }
    }
    this.ledgerSeen = ledger.size;
    for (const rec of this.model.refunds) {
      for (const line of rec.lines) {
        this.refundedLineNos.add(line.row + 1);
        for (const e of line.entries) this.refundedEntryNos.add(e.no);
      }
    }
  }

  /** The engine read the settings as the model did (defaults included). */
  private checkSettings(spec: SettingsSpec): void {
    const s = this.state.settings;
    const without = (x: object, key: string) => Object.fromEntries(Object.entries(x).filter(([k]) => k !== key));
    const mine = spec.programs.map((p) => [p.id, without(p, 'id')]);
    const theirs = Object.entries(s.programs).map(([id, p]) => [id, { ...without(p, 'name'), lockDaysByProduct: { ...p.lockDaysByProduct }, lockDaysByStore: { ...p.lockDaysByStore } }]);
    if (canonical(mine) !== canonical(theirs)) fail('model agreement', `programs read as ${JSON.stringify(theirs)}, the model expects ${JSON.stringify(mine)}`);
    const rewards = { ...s.rewards, teamLevels: s.rewards.teamLevels && { ...s.rewards.teamLevels, levelsBp: { ...s.rewards.teamLevels.levelsBp } }, merchant: s.rewards.merchant && { ...s.rewards.merchant, referrers: { ...s.rewards.merchant.referrers } } };
    if (canonical(rewards) !== canonical(spec.rewards)) fail('model agreement', `rewards read as ${JSON.stringify(rewards)}, the model expects ${JSON.stringify(spec.rewards)}`);
    if (s.base.clawbackAfterSale !== spec.clawbackAfterSale || s.base.enabled) fail('model agreement', 'base settings differ');
  }

  /** The end of a run: every entry once more. */
  finish(): void {
    if (!this.options.checks) return;
    try {
      this.checkPools(true);
      this.checkGrants(true);
    } catch (err) {
      throw this.failure(err, null);
    }
  }

  report(): RunReport {
    const m = this.model;
    return {
      seed: this.seed,
      steps: this.step,
      ledgerHash: this.state.ledger.hash(),
      ledgerSize: this.state.ledger.size,
      digest: stateDigest(this.state),
      stats: this.stats,
      transcript: this.transcript,
      counters: { ...m.counts, rejectedChecked: this.rejectedChecked, poolEntries: m.entries.length, orders: m.orderList.length, members: m.memberList.length, days: Math.round((this.clock.at - START_MS) / 86_400_000) },
    };
  }
}

/**
 * A cheap look at everything a rejected event could have touched (counters, sizes, the ledger's
 * hash, each pool's bookkeeping), compared for every rejection; the full `stateDigest` is
 * compared for the sampled ones.
 */
function glance(state: EngineState): string {
  const pools = [...state.pools.values()].map((p) => [p.id, p.entries.length, p.pendingFen, p.activeCount, p.nextReleaseAt, p.releasedDay, p.releasedTodayFen, p.eligible.length, p.locked.length]);
  return JSON.stringify([
    state.eventNo, state.now, state.nextResetAt, state.ledger.size, state.ledger.hash(), state.members.size, state.orderIds.size, state.lines.length,
    state.poolEntryCount, state.rewardGrants.size, state.turnoverByDay.size, state.dividendDays.size, state.withdrawals.size, state.lineRefundedAt.size, pools,
  ]);
}

function canonical(x: unknown): string {
  return JSON.stringify(x, (_k, v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Json).sort(([a], [b]) => (a < b ? -1 : 1))) : v));
}

/** What a long run must have exercised, as 'label result' prefixes (see programs-gen.ts). */
const MUST_HAPPEN = [
  'settings ok', 'member:new ok', 'member:change ok', 'invalid:member.cycle REFERRAL_CYCLE', 'invalid:member.selfReferral REFERRAL_CYCLE',
  'invalid:member.unknownReferrer UNKNOWN_MEMBER', 'invalid:member.newWithUnknownReferrer UNKNOWN_MEMBER',
  'invalid:member.newReferringItself UNKNOWN_MEMBER', 'dividend NO_SHAREHOLDERS', 'paid:1 ok', 'paid:2 ok', 'paid:3 ok', 'completed ok',
  'refund:whole:before ok', 'refund:lines:before ok', 'refund:whole:after ok', 'refund:lines:after ok',
  'poolRelease ok', 'invalid:poolRelease.unknown UNKNOWN_PROGRAM', 'dividend ok', 'invalid:dividend.openPeriod DIVIDEND_PERIOD_INVALID',
  'withdraw ok', 'withdraw:paid ok', 'withdraw:rejected ok', 'invalid:withdraw.frozenMoney INSUFFICIENT_FUNDS',
  'invalid:withdraw.overCash INSUFFICIENT_FUNDS', 'invalid:completed.fullyRefunded ORDER_FULLY_REFUNDED', 'tick ok', 'tick:beforeRejection ok', 'tick@unlock ok',
];

/** Counters that must be above zero, so that a green run means the properties were exercised. */
const MUST_COUNT = [
  'exits', 'accelerations', 'scheduledReleases', 'fullRefundsBeforeCompletion', 'refundsAfterCompletion', 'reversedGrants',
  'frozenReturned', 'clawbacks', 'clawbackShortfalls', 'dividendsPaid', 'rejectedChecked',
];

/** What a long run never exercised (empty when it covered everything it must). */
export function coverage(report: RunReport): string[] {
  const seen = [...report.stats.keys()];
  const missing = MUST_HAPPEN.filter((label) => !seen.some((s) => s.startsWith(label)));
  for (const c of MUST_COUNT) if (!(report.counters[c]! > 0)) missing.push(`counter ${c}`);
  if (seen.filter((s) => s.startsWith('invalid:') && !s.endsWith(' ok')).length < 30) missing.push('at least 30 kinds of rejected operation');
  return missing;
}

/** A service over a fresh memory store, reading `clock`, with randomness seeded by `seed`. */
function makeService(seed: number, clock: { at: number }): [MemoryStore, QrebateService] {
  const store = new MemoryStore(seed);
  let next = 0;
  return [store, new QrebateService(store, { now: () => clock.at }, { nextSeed: () => (next = (Math.imul(next + seed, 0x9e3779b1) + 1) >>> 0) })];
}

/**
 * Sends a run's transcript, as it is, to a fresh service built from the same seed and returns the
 * ledger hash, the ledger size and the state digest it ends with: the same seed and submissions
 * must end in the same state.
 */
export function replayTranscript(seed: number, transcript: readonly LogEntry[]): { ledgerHash: string; ledgerSize: number; digest: string } {
  const clock = { at: START_MS };
  const [store, service] = makeService(seed, clock);
  for (const e of transcript) {
    clock.at = e.at;
    try {
      service.submit(e.key, e.body);
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
    }
  }
  return { ledgerHash: store.state.ledger.hash(), ledgerSize: store.state.ledger.size, digest: stateDigest(store.state) };
}

/** Generates and runs `ops` operations for `seed`; `onEntry` sees every generated submission. */
export function runSeed(seed: number, ops: number, options: RunOptions, onEntry?: (e: LogEntry) => void): RunReport {
  const run = new ProgramsRun(seed, options);
  const gen = new Generator(seed);
  for (const e of gen.setup(run.model, run.clock.at)) {
    onEntry?.(e);
    run.submit(e);
  }
  for (let i = 0; i < ops; i++) {
    const e = gen.next(run.model, run.clock.at);
    onEntry?.(e);
    run.submit(e);
  }
  run.finish();
  return run.report();
}

/** Replays recorded submissions (a failing run's, or a shrunk subset of them). */
export function replay(seed: number, entries: readonly LogEntry[], options: RunOptions = { checks: true, fullCompareEvery: 1 }): ProgramsRun {
  const run = new ProgramsRun(seed, options);
  for (const e of entries) run.submit(e);
  run.finish();
  return run;
}

