/**
 * Runs operations through the app service and checks every property after every step:
 * conservation and the auditor, entry and balance bounds, FIFO payout, scheduled resets firing
 * exactly when due, replays returning the first outcome and changing nothing, rejections changing
 * nothing, and the expected rejection for every deliberately invalid operation.
 *
 * "Changes nothing" is checked against a shadow: a second service over its own memory store, fed
 * the same submissions one step behind. When the main service rejects or replays a submission,
 * the main state must still equal, field by field, the shadow's, which has not seen that
 * submission yet; then the shadow takes it too. A before/after digest of the main state would
 * need a full digest after every step just in case the next one is rejected; the shadow needs a
 * comparison only where a step claims to change nothing, names the field that moved, and doubles
 * as a determinism check: after every step both ledgers hash the same.
 *
 * In `throw` mode (fast-check) the first violation throws, so fast-check can shrink the sequence.
 * In `collect` mode (long runs) the first violation of each property is recorded and the run goes
 * on, so that one engine bug does not hide another.
 */
import type { ResetSchedule } from '../../src/domain/calendar.ts';
import type { EventOutcome } from '../../src/domain/engine.ts';
import { DomainError } from '../../src/domain/errors.ts';
import {
  type EntryExpectation,
  type Found,
  type RefundExpectation,
  checkAllNotices,
  checkEntriesAndBalances,
  checkEntryEvent,
  checkHeadTakesAll,
  checkLedgerAndAuditor,
  checkPayouts,
  checkRefund,
  checkSettlement,
  checkTransfers,
  checkWithdrawals,
  expectEntryEvent,
  expectRefund,
} from './checks.ts';
import { locateDifference, statesEqual } from './compare.ts';
import { stateDigest } from './digest.ts';
import type { Op } from './ops.ts';
import { entryByNo, orderById } from './probe.ts';
import { dueInstants, zoneOffsetMs } from './schedule.ts';
import { type Submission, World } from './world.ts';

export interface Violation {
  property: string;
  message: string;
  step: number;
  seed: number;
  submission: string;
  /** How many times the property failed in the run. */
  count: number;
}

export interface LoggedSubmission {
  step: number;
  key: string;
  at: number;
  body: unknown;
  result: string;
}

export interface RunOptions {
  mode: 'throw' | 'collect' | 'unchecked';
  /** Keep the concrete submissions, for reporting a minimal counterexample. */
  log?: boolean;
}

export interface RunResult {
  seed: number;
  steps: number;
  ledgerHash: string;
  ledgerSize: number;
  /** Digest without the lazily advanced read cursors, comparable between checked and unchecked runs. */
  digest: string;
  violations: Violation[];
  /** Submissions by label and result: 'paid ok', 'invalid:paid.noLines INVALID_EVENT', … */
  stats: Map<string, number>;
  log: LoggedSubmission[];
}

export class PropertyViolation extends Error {
  constructor(readonly violation: Violation) {
    super(`[${violation.property}] ${violation.message}\n  at step ${violation.step} (world seed ${violation.seed}): ${violation.submission}`);
    this.name = 'PropertyViolation';
  }
}

function describe(sub: Submission, at: number): string {
  let body: string;
  try {
    body = JSON.stringify(sub.body);
  } catch {
    body = String(sub.body);
  }
  if (body.length > 600) body = `${body.slice(0, 600)}…`;
  return `${sub.label} key=${JSON.stringify(sub.key)} at=${at} ${body}`;
}

function normalized(message: string): string {
  return message.replace(/\d+/g, '#');
}

/** The queues' read cursors in brief: a rejected step must not move them either. */
function pickerSummary(world: World): string {
  let out = '';
  for (const q of world.state.queueList) {
    out += `${q.head},${q.late.length},${q.late[0] ?? -1},${q.completedFirst.length},${q.completedFirst[0] ?? -1};`;
  }
  return out;
}

function idempotencyCount(world: World): number {
  return (world.store as unknown as { idempotency: Map<string, unknown> }).idempotency.size;
}

interface Reply {
  outcome: EventOutcome | null;
  replayed: boolean;
  code: string | null;
}

export class Runner {
  readonly world: World;
  /** The same submissions, one step behind; null in unchecked mode. */
  readonly shadow: World | null;
  readonly violations: Violation[] = [];
  readonly stats = new Map<string, number>();
  readonly log: LoggedSubmission[] = [];
  private readonly seen = new Map<string, Violation>();
  private readonly paidSoFar = new Map<number, number>();
  private readonly settledLines = new Set<number>();
  private readonly absorbedLines = new Set<number>();
  private step = 0;
  /** The store refused further work after an internal error: nothing more can be checked. */
  dead = false;

  constructor(
    readonly seed: number,
    readonly options: RunOptions,
  ) {
    this.world = new World(seed);
    this.shadow = options.mode === 'unchecked' ? null : new World(seed);
  }

  private get checked(): boolean {
    return this.options.mode !== 'unchecked';
  }

  private report(found: Found[], sub: Submission, at: number): void {
    for (const [property, message] of found) {
      const violation: Violation = { property, message, step: this.step, seed: this.seed, submission: describe(sub, at), count: 1 };
      if (this.options.mode === 'throw') throw new PropertyViolation(violation);
      // One report per property and message shape; past three shapes a property folds into its first.
      const key = `${property}|${normalized(message)}`;
      const shapes = this.violations.filter((v) => v.property === property);
      const first = this.seen.get(key) ?? (shapes.length >= 3 ? shapes[0] : undefined);
      if (first) first.count++;
      else {
        this.seen.set(key, violation);
        this.violations.push(violation);
      }
    }
  }

  private count(label: string): void {
    this.stats.set(label, (this.stats.get(label) ?? 0) + 1);
  }

  start(): void {
    for (const sub of this.world.setup()) this.submit(sub);
  }

  /** Runs one abstract operation: advance the clock, run a due scheduled reset, submit. */
  run(op: Op): void {
    if (this.dead) return;
    const { advanceMs, submission } = this.world.plan(op);
    if (advanceMs > 0) {
      const at = this.world.clock.at + advanceMs;
      const schedule = this.world.state.settings.base.reset;
      const due = schedule ? dueInstants(schedule, this.world.state.now, at, zoneOffsetMs(this.world.state.calendar.timeZone)) : [];
      this.world.clock.at = at;
      // A reset that fell due runs as its own step; this tick makes that step explicit, so that
      // the operation itself is checked against a state in which no reset is pending.
      if (due.length > 0 && submission.label !== 'tick') {
        this.submit({ key: `tick-${this.step}`, body: { type: 'tick' }, intent: 'valid', label: 'tick:dueReset' });
      }
    }
    this.submit(submission);
  }

  runAll(ops: readonly Op[]): void {
    this.start();
    for (const op of ops) this.run(op);
    this.finish();
  }

  finish(): void {
    if (!this.checked || this.dead) return;
    const found: Found[] = [];
    checkAllNotices(this.world.state, this.paidSoFar, found);
    this.report(found, { key: '-', body: null, intent: 'valid', label: 'end of run' }, this.world.state.now);
  }

  private send(world: World, sub: Submission): Reply {
    try {
      const { outcome, replayed } = world.service.submit(sub.key, sub.body);
      return { outcome, replayed, code: null };
    } catch (err) {
      if (err instanceof DomainError) return { outcome: null, replayed: false, code: err.code };
      throw err;
    }
  }

  private submit(sub: Submission): void {
    this.step++;
    const w = this.world;
    const state = w.state;
    const body = sub.body as Record<string, unknown> | null;
    const explicitAt = body !== null && typeof body === 'object' && typeof body.at === 'number' ? body.at : null;
    const at = explicitAt ?? Math.max(w.clock.at, state.now);
    const prevNow = state.now;
    const prevEventNo = state.eventNo;
    const prevTransfers = state.ledger.size;
    const schedule: ResetSchedule | null = state.settings.base.reset;
    const offset = zoneOffsetMs(state.calendar.timeZone);
    const pickersBefore = this.checked ? pickerSummary(w) : '';
    const isObject = body !== null && typeof body === 'object' && !Array.isArray(body);
    const refund: RefundExpectation | null = this.checked && isObject && body.type === 'refunded' ? expectRefund(state, body) : null;
    const entryEvent: EntryExpectation | null = this.checked && isObject ? expectEntryEvent(state, body) : null;

    let reply: Reply;
    try {
      reply = this.send(w, sub);
    } catch (err) {
      this.dead = true;
      if (!this.checked) throw err;
      this.count(`${sub.label} CRASH`);
      this.report([['engine.noInternalError', err instanceof Error ? (err.stack ?? err.message) : String(err)]], sub, at);
      return;
    }
    const { outcome, replayed, code } = reply;
    const result = code ?? (replayed ? 'replayed' : 'ok');
    this.count(`${sub.label} ${result}`);
    if (this.options.log) this.log.push({ step: this.step, key: sub.key, at, body: sub.body, result });
    const outcomeJson = outcome && !replayed ? JSON.stringify(outcome) : null;
    if (outcomeJson !== null) {
      w.noteAccepted(sub, outcomeJson);
      for (const n of outcome!.notices) this.count(`notice:${n.kind}`);
      for (const step of (outcome as { scheduled?: EventOutcome[] }).scheduled ?? []) this.count(`scheduled:${JSON.stringify(step.result).slice(0, 12)}`);
      const r = outcome!.result as { returnedFen?: number; absorbedFen?: number } | null;
      if (r && typeof r.returnedFen === 'number' && r.returnedFen > 0) this.count('refund:returnedToQueue');
      if (r && typeof r.absorbedFen === 'number' && r.absorbedFen > 0) this.count('refund:absorbedByPlatform');
    }
    if (!this.checked) return;

    const found: Found[] = [];
    const fresh = outcome !== null && !replayed;
    const jump = state.eventNo - prevEventNo;
    const steps = fresh ? jump - 1 : jump;
    const due = schedule ? dueInstants(schedule, prevNow, at, offset) : [];
    const resetRan = steps > 0;

    // Scheduled resets (队列奖励清零): every occurrence that fell due since the previous event runs
    // as its own step before the event, and none other. A rejected event may stop before them.
    const span = `(${new Date(prevNow).toISOString()}, ${new Date(at).toISOString()}]`;
    if (steps < 0) found.push(['engine.eventNumbers', `eventNo went from ${prevEventNo} to ${state.eventNo}`]);
    else if (steps > due.length) {
      found.push(['reset.onlyWhenDue', `${steps} scheduled step(s) ran before the event at ${new Date(at).toISOString()}, but ${due.length} occurrence(s) of ${JSON.stringify(schedule)} fell in ${span}`]);
    } else if (fresh && steps < due.length) {
      found.push(['reset.whenDue', `${steps} scheduled step(s) ran, but ${due.length} occurrence(s) of ${JSON.stringify(schedule)} fell in ${span}: ${due.map((d) => new Date(d).toISOString()).join(', ')}`]);
    } else if (!fresh && steps !== 0 && steps !== due.length) {
      found.push(['reset.whenDue', `a rejected event ran ${steps} of ${due.length} due scheduled step(s)`]);
    }
    if (fresh && state.now !== at) found.push(['engine.timeIsEventTime', `engine time ${state.now} after an event at ${at}`]);

    // What the submission was meant to be.
    if (sub.intent === 'invalid' && code === null) found.push(['invalid.rejected', `a deliberately invalid operation was ${replayed ? 'replayed' : 'accepted'}`]);
    if (sub.intent === 'invalid' && code !== null && sub.codes && !sub.codes.includes(code)) {
      found.push(['invalid.code', `rejected with ${code}, expected ${sub.codes.join(' or ')}`]);
    }
    if (sub.intent === 'conflict' && code !== 'IDEMPOTENCY_CONFLICT') found.push(['idempotency.conflict', `a changed payload under a used key gave ${result}`]);
    if (sub.intent === 'replay') {
      const property = sub.label === 'replay' ? 'idempotency.replay' : `idempotency.${sub.label.replace(':', '.')}`;
      if (!replayed) found.push([property, `repeating key ${sub.key} with the same payload gave ${result}`]);
      else if (JSON.stringify(outcome) !== sub.original!.outcomeJson) found.push(['idempotency.firstOutcome', 'the replay returned another outcome than the first']);
    }
    if ((sub.intent === 'valid' || sub.intent === 'invalid') && replayed) found.push(['idempotency.freshKey', 'a fresh key was treated as a replay']);

    // Nothing changes unless an event was applied (a scheduled reset step aside, checked above):
    // the state must equal the shadow's, which has not seen this submission yet.
    const shadow = this.shadow!;
    let unchanged = false;
    if (!fresh && state.ledger.size !== prevTransfers && !resetRan) found.push(['rejection.changesNothing', 'an unapplied submission recorded ledger transfers']);
    if (!fresh && !resetRan) {
      const property = replayed ? 'idempotency.replayChangesNothing' : 'rejection.changesNothing';
      const what = replayed ? 'a replay' : `a rejected operation (${code})`;
      const remembered = idempotencyCount(w) !== idempotencyCount(shadow);
      if (remembered || !statesEqual(state, shadow.state, { pickers: false })) {
        const where = remembered ? 'the service remembered it under its key' : (locateDifference(state, shadow.state, { pickers: false }) ?? 'the states differ');
        found.push([property, `${what} changed the state: ${where}`]);
      } else if (pickerSummary(w) !== pickersBefore) {
        found.push([property, `${what} moved a queue's read cursor`]);
      } else {
        unchanged = true;
      }
    } else if (fresh) {
      const scheduled = (outcome as { scheduled?: EventOutcome[] }).scheduled ?? [];
      for (const step of scheduled) checkPayouts(state, step, this.paidSoFar, found);
      checkPayouts(state, outcome!, this.paidSoFar, found);
      checkHeadTakesAll(state, outcome!, found);
      checkTransfers(state, outcome!, prevTransfers, prevEventNo, this.owners(sub.body), found);
      checkSettlement(state, prevTransfers, this.settledLines, this.absorbedLines, found);
      if (entryEvent) checkEntryEvent(state, outcome!, prevTransfers, entryEvent, found);
      if (refund) {
        checkRefund(state, outcome!, prevTransfers, refund, found);
        if (refund.frozenFen > 0) this.count('refund:frozenReturned');
        if (refund.clawbackFromCashFen > 0) this.count('refund:clawbackFromCash');
        if (refund.clawbackShortfallFen > 0) this.count('refund:clawbackShortfall');
      }
      const open = new Map<string, number>();
      for (const x of w.withdrawals.values()) if (x.status === 'requested') open.set(x.memberId, (open.get(x.memberId) ?? 0) + x.amountFen);
      checkWithdrawals(state, open, found);
    }

    // The shadow takes the same submission and must answer the same.
    shadow.clock.at = w.clock.at;
    const echo = this.send(shadow, sub);
    const echoJson = echo.outcome && !echo.replayed ? JSON.stringify(echo.outcome) : null;
    if (echo.code !== code || echo.replayed !== replayed || echoJson !== outcomeJson) {
      found.push(['determinism.sameAnswer', `the same submission gave ${result} once and ${echo.code ?? (echo.replayed ? 'replayed' : 'ok')} the second time${echoJson !== outcomeJson ? ' (outcomes differ)' : ''}`]);
    }
    if (echoJson !== null) shadow.noteAccepted(sub, echoJson);
    if (shadow.state.ledger.hash() !== state.ledger.hash()) found.push(['determinism.ledgerHash', 'the same submissions gave two ledger hashes']);

    // A state proven equal to the previous step's, which passed these checks, passes them again:
    // they are functions of the state. Skipping them there changes no verdict and saves a sixth
    // of the run.
    if (!unchanged) {
      checkLedgerAndAuditor(state, found);
      checkEntriesAndBalances(state, found);
    }
    this.report(found, sub, at);
  }

  /** Whose money an event may move besides payouts: the member it concerns (null: anyone, or none). */
  private owners(body: unknown): { debit: string | null; credit: string | null } {
    const b = body as Record<string, unknown>;
    const state = this.world.state;
    const orderMember = (id: unknown) => (typeof id === 'string' ? (orderById(state, id)?.member.id ?? null) : null);
    switch (b.type) {
      case 'paid':
      case 'completed':
      case 'refunded': {
        const m = orderMember(b.orderId);
        return { debit: m, credit: m };
      }
      case 'exchange': {
        const e = typeof b.entryId === 'number' ? entryByNo(state, b.entryId) : undefined;
        const m = e ? e.member.id : orderMember(b.orderId);
        return { debit: m, credit: m };
      }
      case 'pointsTransfer':
        return { debit: String(b.fromMemberId), credit: String(b.toMemberId) };
      case 'withdrawalRequested':
        return { debit: String(b.memberId), credit: String(b.memberId) };
      case 'withdrawalPaid':
      case 'withdrawalRejected': {
        const m = this.world.withdrawals.get(String(b.withdrawalId))?.memberId ?? null;
        return { debit: m, credit: m };
      }
      default:
        return { debit: null, credit: null };
    }
  }

  result(): RunResult {
    const state = this.world.state;
    return {
      seed: this.seed,
      steps: this.step,
      ledgerHash: state.ledger.hash(),
      ledgerSize: state.ledger.size,
      digest: stateDigest(state, { pickers: false }),
      violations: this.violations,
      stats: this.stats,
      log: this.log,
    };
  }
}

export function runOps(seed: number, ops: readonly Op[], options: RunOptions): RunResult {
  const runner = new Runner(seed, options);
  runner.runAll(ops);
  return runner.result();
}
