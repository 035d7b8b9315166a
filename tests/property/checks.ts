/**
 * What must hold after every step, computed from the state on its own terms: the tests do not
 * ask src/domain/queue-order.ts who is next, they re-derive it from the entries. Each check
 * returns violations as `[property, message]` pairs so that a long run can report them all.
 */
import type { EventOutcome } from '../../src/domain/engine.ts';
import { checkInvariants } from '../../src/domain/invariants.ts';
import { UNITS } from '../../src/domain/ledger.ts';
import { applyBp } from '../../src/domain/money.ts';
import type { LotterySpec } from '../../src/domain/settings.ts';
import type { EngineState } from '../../src/domain/state.ts';
import { type Queue, allEntries, entryByNo, firstBadEntryAmount, firstPayableInQueue, lineByNo, orderById } from './probe.ts';

export type Found = [property: string, message: string];

/** Ledger conservation and the engine's own auditor. */
export function checkLedgerAndAuditor(state: EngineState, out: Found[]): void {
  const totals = state.ledger.totals();
  for (const unit of UNITS) {
    if (totals[unit].balanceSum !== 0) out.push(['ledger.unitSumsToZero', `${unit} balances sum to ${totals[unit].balanceSum}`]);
  }
  // checkInvariants starts with ledger.checkConservation (the raw history replayed into fresh
  // balances, each unit summing to zero) and reports its failure as a violation.
  for (const v of checkInvariants(state)) out.push(['auditor.checkInvariants', v]);
}

/** No entry over its total, no negative member balance, money only idle when nobody may take it. */
export function checkEntriesAndBalances(state: EngineState, out: Found[]): void {
  const l = state.ledger;
  const bad = firstBadEntryAmount(state);
  if (bad) {
    const property = bad.received > bad.total ? 'entry.notOverTotal' : bad.received < 0 ? 'entry.nonNegative' : 'entry.completedIsPaid';
    out.push([property, `entry ${bad.no} ${bad.completed ? 'completed' : 'holds'} with ${bad.received} received of its total ${bad.total}`]);
  }
  for (const m of state.members.values()) {
    const balances = [
      ['cash', l.balance(m.cashAccount, 'CNY')],
      ['frozen', l.balance(m.frozenAccount, 'CNY')],
      ['points', l.balance(m.pointsAccount, 'POINTS')],
      ['love', l.balance(m.loveAccount, 'LOVE')],
      ['loveFrozen', l.balance(m.loveFrozenAccount, 'LOVE')],
      ['coupon', l.balance(m.couponAccount, 'COUPON')],
    ] as const;
    for (const [name, balance] of balances) {
      if (balance < 0) out.push(['member.nonNegativeBalance', `member ${m.id} ${name} balance is ${balance}`]);
    }
  }
  const rule = state.settings.base.payoutRule;
  for (const q of state.queueList) {
    const balance = l.balance(q.account, 'CNY');
    if (balance < 0) out.push(['queue.nonNegativeBalance', `queue ${q.key} balance is ${balance}`]);
    if (q.mergedInto || balance <= 0 || q.paused || state.settings.base.paused) continue;
    const waiting = firstPayableInQueue(state, q, rule, Number.MAX_SAFE_INTEGER);
    if (waiting) out.push(['payout.noIdleMoney', `queue ${q.key} holds ${balance} while entry ${waiting.no} (seq ${waiting.seq}) may be paid under '${rule}'`]);
  }
}

/**
 * FIFO from the step's notices: within one event each queue pays in increasing sequence order, a
 * paid queue is not paused, under `completedFirst` only entries of completed orders are paid, and
 * no entry is paid while an earlier entry of its queue is still payable after the event.
 */
export function checkPayouts(state: EngineState, outcome: EventOutcome, paidSoFar: Map<number, number>, out: Found[]): void {
  const rule = state.settings.base.payoutRule;
  const lastSeq = new Map<Queue, number>();
  for (const n of outcome.notices) {
    if (n.kind !== 'rewardReceived') continue;
    const e = entryByNo(state, n.entryId);
    if (!e) {
      out.push(['notices.knownEntry', `rewardReceived for unknown entry ${n.entryId}`]);
      continue;
    }
    paidSoFar.set(e.no, (paidSoFar.get(e.no) ?? 0) + n.amountFen);
    if (n.amountFen <= 0) out.push(['payout.positive', `entry ${e.no} received ${n.amountFen}`]);
    if (n.memberId !== e.member.id) out.push(['notices.member', `entry ${e.no} belongs to ${e.member.id}, notice says ${n.memberId}`]);
    const q = e.queue;
    if (e.seq <= 0) out.push(['payout.onlyQueuedEntries', `entry ${e.no} with status ${e.status} is not queued but was paid`]);
    if (e.seq <= (lastSeq.get(q) ?? 0)) out.push(['fifo.increasingWithinEvent', `queue ${q.key} paid seq ${e.seq} after seq ${lastSeq.get(q)} in one event`]);
    lastSeq.set(q, Math.max(e.seq, lastSeq.get(q) ?? 0));
    if (q.paused || state.settings.base.paused) out.push(['pause.noPayout', `paused queue ${q.key} paid entry ${e.no}`]);
    if (rule === 'completedFirst' && !e.line.order.completed) {
      out.push(['fifo.completedFirstOnlyCompleted', `entry ${e.no} of open order ${e.line.order.id} was paid under completedFirst`]);
    }
  }
  for (const [q, maxSeq] of lastSeq) {
    const f = firstPayableInQueue(state, q, rule, maxSeq - 1);
    if (f) {
      out.push(['fifo.noOvertaking', `queue ${q.key} paid seq ${maxSeq} while seq ${f.seq} (entry ${f.no}, pending ${f.totalFen - f.receivedFen}) is still payable under '${rule}'`]);
    }
  }
  for (const entryNo of new Set(outcome.notices.filter((n) => n.kind === 'rewardReceived').map((n) => n.entryId))) {
    const e = entryByNo(state, entryNo);
    if (e && e.receivedFen !== paidSoFar.get(entryNo)) {
      out.push(['notices.sumToReceived', `entry ${entryNo} received ${e.receivedFen} but its notices sum to ${paidSoFar.get(entryNo)}`]);
    }
  }
}

/** At the end of a run: every entry's received amount is exactly what its notices announced. */
export function checkAllNotices(state: EngineState, paidSoFar: Map<number, number>, out: Found[]): void {
  for (const e of allEntries(state)) {
    if (e.receivedFen !== (paidSoFar.get(e.no) ?? 0)) {
      out.push(['notices.sumToReceived', `entry ${e.no} received ${e.receivedFen} but its notices sum to ${paidSoFar.get(e.no) ?? 0}`]);
    }
  }
}

/**
 * Within one event, each queue pays its head in full before the next entry gets anything
 * (SPEC §3.4: the head takes min(pending, left); when its pending reaches 0 the next is paid
 * from what is left), so every paid entry but the last of its queue ends the event fully paid.
 */
export function checkHeadTakesAll(state: EngineState, outcome: EventOutcome, out: Found[]): void {
  const last = new Map<Queue, number>();
  const paid: number[] = [];
  for (const n of outcome.notices) {
    if (n.kind !== 'rewardReceived') continue;
    const e = entryByNo(state, n.entryId);
    if (!e) continue;
    last.set(e.queue, e.no);
    paid.push(e.no);
  }
  for (const no of paid) {
    const e = entryByNo(state, no)!;
    if (last.get(e.queue) !== no && e.receivedFen !== e.totalFen && e.status !== 'cancelled') {
      out.push(['payout.headTakesAll', `queue ${e.queue.key} paid a later entry while entry ${no} kept ${e.totalFen - e.receivedFen} pending`]);
    }
  }
}

type AccountKind =
  | 'cash' | 'frozen' | 'points' | 'love' | 'loveFrozen' | 'coupon' | 'rewardFrozen' | 'withdrawing'
  | 'queue' | 'funding' | 'loss' | 'pointsIssued' | 'loveIssued' | 'couponIssued' | 'payouts' | 'other';

function accountKind(name: string): { kind: AccountKind; owner: string } {
  if (name.startsWith('queue:')) return { kind: 'queue', owner: name.slice(6) };
  if (name.startsWith('member:')) {
    const cut = name.lastIndexOf(':');
    return { kind: name.slice(cut + 1) as AccountKind, owner: name.slice(7, cut) };
  }
  switch (name) {
    case 'platform:funding':
      return { kind: 'funding', owner: '' };
    case 'platform:loss':
      return { kind: 'loss', owner: '' };
    case 'platform:points':
      return { kind: 'pointsIssued', owner: '' };
    case 'platform:love':
      return { kind: 'loveIssued', owner: '' };
    case 'platform:coupon':
      return { kind: 'couponIssued', owner: '' };
    case 'platform:payouts':
      return { kind: 'payouts', owner: '' };
    default:
      return { kind: 'other', owner: name };
  }
}

function isMemberKind(kind: AccountKind): boolean {
  return kind === 'cash' || kind === 'frozen' || kind === 'points' || kind === 'love' || kind === 'loveFrozen' || kind === 'coupon' || kind === 'rewardFrozen' || kind === 'withdrawing';
}

/** Money movements each event type may make (SPEC §3.4, §6), as `debit>credit`. */
const PAYOUTS = ['queue>cash', 'queue>frozen'];
const FLOWS: Readonly<Record<string, readonly string[]>> = {
  paid: [...PAYOUTS, 'funding>queue', 'pointsIssued>points'],
  completed: [...PAYOUTS, 'frozen>cash', 'funding>queue'],
  refunded: [...PAYOUTS, 'frozen>queue', 'cash>queue', 'loss>queue', 'loss>funding'],
  exchange: [...PAYOUTS, 'pointsIssued>points', 'loveIssued>love', 'loveIssued>loveFrozen', 'couponIssued>coupon'],
  pointsTransfer: ['points>points'],
  merge: [...PAYOUTS, 'queue>queue'],
  settings: PAYOUTS,
  pause: PAYOUTS,
  resume: PAYOUTS,
  reset: PAYOUTS,
  lotteryDraw: PAYOUTS,
  member: [],
  tick: [],
  withdrawalRequested: ['cash>withdrawing'],
  withdrawalPaid: ['withdrawing>payouts'],
  withdrawalRejected: ['withdrawing>cash'],
  scheduled: PAYOUTS,
};

/**
 * Every ledger transfer a step recorded: stamped with the step's event number, and one of the
 * movements its event type may make (a member's own frozen money to their own cash; clawback
 * from the refunded member's cash; points from one member to another). Payouts in the ledger
 * add up to the `rewardReceived` notices.
 */
export function checkTransfers(
  state: EngineState,
  outcome: EventOutcome,
  fromTransfer: number,
  prevEventNo: number,
  owners: { debit: string | null; credit: string | null },
  out: Found[],
): void {
  const ledger = state.ledger;
  const eventNo = outcome.eventNo;
  let paidOut = 0;
  for (let i = fromTransfer; i < ledger.size; i++) {
    const t = ledger.get(i);
    if (t.eventNo <= prevEventNo || t.eventNo > eventNo) {
      out.push(['ledger.stampedWithEvent', `transfer ${i} carries event ${t.eventNo}, outside this step's ${prevEventNo + 1}..${eventNo}`]);
    }
    const type = t.eventNo === eventNo ? outcome.type : 'scheduled';
    const d = accountKind(t.debit);
    const c = accountKind(t.credit);
    const flow = `${d.kind}>${c.kind}`;
    const unit = d.kind === 'points' || c.kind === 'points' ? 'POINTS' : c.kind === 'love' || c.kind === 'loveFrozen' ? 'LOVE' : c.kind === 'coupon' ? 'COUPON' : 'CNY';
    if (!(FLOWS[type] ?? []).includes(flow) || t.unit !== unit) {
      out.push(['ledger.allowedFlows', `a ${type} event moved ${t.amount} ${t.unit} from ${t.debit} to ${t.credit}`]);
    }
    // Outside payouts and merges (money leaving a queue), a member's money moves only for the
    // member the event concerns: the buyer of the order, the entry's owner, the requester.
    if (t.eventNo === eventNo && d.kind !== 'queue') {
      if (isMemberKind(d.kind) && owners.debit !== null && d.owner !== owners.debit) out.push(['ledger.rightMember', `a ${type} event for ${owners.debit} moved ${t.amount} out of ${t.debit}`]);
      if (isMemberKind(c.kind) && owners.credit !== null && c.owner !== owners.credit) out.push(['ledger.rightMember', `a ${type} event for ${owners.credit} moved ${t.amount} into ${t.credit}`]);
    }
    if (t.eventNo === eventNo && c.kind !== 'queue' && d.kind === 'queue') paidOut += t.amount;
  }
  const announced = outcome.notices.filter((n) => n.kind === 'rewardReceived').reduce((sum, n) => sum + n.amountFen, 0);
  if (announced !== paidOut) out.push(['notices.matchLedger', `queues paid ${paidOut} in the ledger, the notices announce ${announced}`]);
}

/**
 * Withdrawals (SPEC §6: they never exceed a member's cash): what each member has asked to
 * withdraw and the shop has not yet paid or rejected sits in their withdrawing account, by the
 * tests' own record of the accepted requests.
 */
export function checkWithdrawals(state: EngineState, open: ReadonlyMap<string, number>, out: Found[]): void {
  for (const m of state.members.values()) {
    const account = state.ledger.findAccount(`member:${m.id}:withdrawing`);
    const balance = account === undefined ? 0 : state.ledger.balance(account, 'CNY');
    if (balance !== (open.get(m.id) ?? 0)) out.push(['withdrawal.heldUntilDecided', `member ${m.id} has ${balance} withdrawing, open requests total ${open.get(m.id) ?? 0}`]);
  }
}

/**
 * Settlement (结算, SPEC §3.4): a line's extraction enters a queue once, in full, only while the
 * line is not refunded; a refund after settlement is absorbed by the platform once, for the same
 * amount; a refund before settlement absorbs nothing. `settled` and `absorbed` are the run's
 * record of line numbers so far.
 */
export function checkSettlement(state: EngineState, fromTransfer: number, settled: Set<number>, absorbed: Set<number>, out: Found[]): void {
  const ledger = state.ledger;
  for (let i = fromTransfer; i < ledger.size; i++) {
    const t = ledger.get(i);
    const flow = `${accountKind(t.debit).kind}>${accountKind(t.credit).kind}`;
    if (flow !== 'funding>queue' && flow !== 'loss>funding') continue;
    const line = t.causeKind === 'line' ? lineByNo(state, t.causeRef) : undefined;
    if (!line) {
      out.push(['settlement.perLine', `${flow} of ${t.amount} is not caused by a known line (${t.causeKind} ${t.causeRef})`]);
      continue;
    }
    if (t.amount !== line.extractFen) out.push(['settlement.perLine', `${flow} of ${t.amount} for line ${line.no} whose extraction is ${line.extractFen}`]);
    if (flow === 'funding>queue') {
      if (settled.has(line.no)) out.push(['settlement.once', `line ${line.no} was settled twice`]);
      if (line.refunded) out.push(['settlement.notAfterRefund', `line ${line.no} was settled although refunded`]);
      settled.add(line.no);
    } else {
      if (!settled.has(line.no)) out.push(['settlement.absorbOnlySettled', `the platform absorbed line ${line.no} whose extraction never entered a queue`]);
      if (absorbed.has(line.no)) out.push(['settlement.once', `line ${line.no} was absorbed twice`]);
      absorbed.add(line.no);
    }
  }
}

/** What a refund must move, worked out from the state before it (SPEC §3.4 Refund, §3.5). */
export interface RefundExpectation {
  memberId: string;
  entryNos: number[];
  /** Entries of the refunded lines that must end cancelled (they were active or completed). */
  cancelled: number[];
  frozenFen: number;
  clawbackFromCashFen: number;
  clawbackShortfallFen: number;
}

export function expectRefund(state: EngineState, body: Record<string, unknown>): RefundExpectation | null {
  const order = typeof body.orderId === 'string' ? orderById(state, body.orderId) : undefined;
  if (!order) return null;
  const all = order.lines;
  const ids = Array.isArray(body.lineIds) ? (body.lineIds as string[]) : null;
  const lines = ids ? all.filter((l) => ids.includes(l.id)) : all.filter((l) => !l.refunded);
  if (lines.some((l) => l.refunded) || (ids && lines.length !== ids.length) || lines.length === 0) return null;
  const member = order.member;
  let frozen = 0;
  let released = 0;
  const entryNos: number[] = [];
  const cancelled: number[] = [];
  for (const line of lines) {
    const e = line.entry;
    if (!e) continue;
    entryNos.push(e.no);
    if (e.status === 'waiting' || e.status === 'rewarding' || e.status === 'completed') cancelled.push(e.no);
    if (e.seq <= 0) continue;
    frozen += e.frozenFen;
    released += e.receivedFen - e.frozenFen - e.returnedFen;
  }
  const clawback = state.settings.base.clawbackAfterSale;
  const cash = state.ledger.balance(member.cashAccount, 'CNY');
  const fromCash = clawback ? Math.min(cash, released) : 0;
  return {
    memberId: member.id,
    entryNos,
    cancelled,
    frozenFen: frozen,
    clawbackFromCashFen: fromCash,
    clawbackShortfallFen: clawback ? released - fromCash : 0,
  };
}

export function checkRefund(state: EngineState, outcome: EventOutcome, fromTransfer: number, x: RefundExpectation, out: Found[]): void {
  let frozen = 0;
  let fromCash = 0;
  let shortfall = 0;
  for (let i = fromTransfer; i < state.ledger.size; i++) {
    const t = state.ledger.get(i);
    if (t.eventNo !== outcome.eventNo) continue;
    const flow = `${accountKind(t.debit).kind}>${accountKind(t.credit).kind}`;
    if (flow === 'frozen>queue') frozen += t.amount;
    if (flow === 'cash>queue') fromCash += t.amount;
    if (flow === 'loss>queue') shortfall += t.amount;
  }
  const got = { frozenFen: frozen, clawbackFromCashFen: fromCash, clawbackShortfallFen: shortfall };
  const want = { frozenFen: x.frozenFen, clawbackFromCashFen: x.clawbackFromCashFen, clawbackShortfallFen: x.clawbackShortfallFen };
  if (JSON.stringify(got) !== JSON.stringify(want)) out.push(['refund.returnsTheRightMoney', `refund of member ${x.memberId}'s entries ${x.entryNos.join(',')} moved ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`]);
  for (const no of x.cancelled) {
    const e = entryByNo(state, no);
    if (e && e.status !== 'cancelled') out.push(['refund.cancelsEntries', `entry ${no} of a refunded line is ${e.status}`]);
  }
  for (const n of outcome.notices) {
    if (n.kind === 'rewardReceived' && x.entryNos.includes(n.entryId)) out.push(['refund.refundedNotPaid', `refunded entry ${n.entryId} was paid ${n.amountFen} in its own refund`]);
  }
}

/** What a lottery draw or an exchange must do, worked out from the entry before it. */
export interface EntryExpectation {
  type: 'lotteryDraw' | 'exchange';
  entryNo: number;
  pendingFen: number;
  paidFen: number;
  lottery: LotterySpec | null;
  ratioBp: number | null;
  /** Exchange: the ratio of the target (points, love or coupon) in force. */
  targetBp: number | null;
}

function entryOf(state: EngineState, body: Record<string, unknown>) {
  if (typeof body.entryId === 'number') return entryByNo(state, body.entryId);
  const order = typeof body.orderId === 'string' ? orderById(state, body.orderId) : undefined;
  return order?.lines.find((l) => l.id === body.lineId)?.entry ?? undefined;
}

export function expectEntryEvent(state: EngineState, body: Record<string, unknown>): EntryExpectation | null {
  if (body.type !== 'lotteryDraw' && body.type !== 'exchange') return null;
  const e = entryOf(state, body);
  if (!e) return null;
  const x = state.settings.base.exchange;
  const targetBp = body.target === 'points' ? x.pointsBp : body.target === 'love' ? x.loveBp : body.target === 'coupon' ? x.couponBp : undefined;
  return {
    type: body.type,
    entryNo: e.no,
    pendingFen: e.totalFen - e.receivedFen,
    paidFen: e.line.paidFen,
    lottery: e.lottery,
    ratioBp: typeof body.ratioBp === 'number' ? body.ratioBp : null,
    targetBp: targetBp ?? null,
  };
}

/** 抽奖 replaces the ratio and total with an allowed ratio, once; 权益兑换 converts the pending amount at the target's ratio. */
export function checkEntryEvent(state: EngineState, outcome: EventOutcome, fromTransfer: number, x: EntryExpectation, out: Found[]): void {
  const e = entryByNo(state, x.entryNo)!;
  if (x.type === 'lotteryDraw') {
    const l = x.lottery;
    const allowed = l === null ? false : l.kind === 'fixed' ? l.ratiosBp.includes(e.ratioBp) : e.ratioBp >= l.minBp && e.ratioBp <= l.maxBp;
    if (!allowed) out.push(['lottery.allowedRatio', `entry ${e.no} drew ${e.ratioBp} bp from ${JSON.stringify(l)}`]);
    if (x.ratioBp !== null && e.ratioBp !== x.ratioBp) out.push(['lottery.givenRatio', `entry ${e.no} was given ${x.ratioBp} bp and holds ${e.ratioBp}`]);
    if (e.totalFen !== applyBp(x.paidFen, e.ratioBp)) out.push(['lottery.newTotal', `entry ${e.no} total ${e.totalFen} is not ${x.paidFen} × ${e.ratioBp} bp`]);
    if (!e.drawn || e.lottery !== null) out.push(['lottery.once', `entry ${e.no} can still be drawn after its draw`]);
    return;
  }
  const units = x.targetBp === null ? 0 : applyBp(x.pendingFen, x.targetBp);
  let credited = 0;
  for (let i = fromTransfer; i < state.ledger.size; i++) {
    const t = state.ledger.get(i);
    if (t.eventNo !== outcome.eventNo) continue;
    const kind = accountKind(t.debit).kind;
    if (kind === 'pointsIssued' || kind === 'loveIssued' || kind === 'couponIssued') credited += t.amount;
  }
  if (credited !== units) out.push(['exchange.convertsPending', `entry ${e.no} exchanged ${x.pendingFen} pending at ${x.targetBp} bp for ${credited} units, expected ${units}`]);
  if (e.status !== 'exchanged') out.push(['exchange.endsEntry', `entry ${e.no} is ${e.status} after its exchange`]);
}
