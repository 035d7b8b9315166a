/**
 * An order is paid (SPEC §3.2–§3.4): each line joins its queue in the order given, creating an
 * entry unless a rule says otherwise, and then the order's extractions are paid out, so a buyer
 * at an empty queue is paid from their own order.
 */
import { windowsContain } from '../calendar.ts';
import type { Context } from '../context.ts';
import { assert, reject } from '../errors.ts';
import type { PaidLineInput } from '../events.ts';
import { type LinePlan, compilePlan, planKey } from '../line-plan.ts';
import { applyBp } from '../money.ts';
import { Entry, Line, type Member, type NoEntryReason, type Queue } from '../model.ts';
import { COMPLETED, FLAG_SETTLE_ON_COMPLETED, REASON_SHIFT, STATUS_CODE, WAITING, reasonCode } from '../tables.ts';
import { chooseK, deriveSeed } from '../random.ts';
import { type ResolvedRatio, resolveRatioInto } from '../ratio.ts';
import { joinPrograms } from '../programs/pool.ts';
import { grantLineRewards } from '../rewards/distribution.ts';
import { settleRow } from '../settle.ts';
import type { LotterySpec } from '../settings.ts';
import type { EngineState } from '../state.ts';

export interface PaidLineResult {
  lineId: string;
  queue: string | null;
  entryId: number | null;
  totalFen: number;
  extractFen: number;
  reason: NoEntryReason | null;
}

export interface PaidResult {
  orderId: string;
  lines: PaidLineResult[];
}

/**
 * The cached plan of a line's path; nested maps avoid building a key string per line, and the
 * path of the previous line is checked first (consecutive lines mostly share one).
 */
function planFor(state: EngineState, input: PaidLineInput): LinePlan {
  const last = state.plans.last;
  if (last !== null && last.productId === input.productId && last.storeId === input.storeId && last.channel === input.channel) return last.plan;
  let byStore = state.plans[input.channel].get(input.productId);
  if (!byStore) {
    byStore = new Map();
    state.plans[input.channel].set(input.productId, byStore);
  }
  let plan = byStore.get(input.storeId);
  if (!plan) {
    plan = compileFor(state, input);
    byStore.set(input.storeId, plan);
  }
  if (last === null) state.plans.last = { channel: input.channel, productId: input.productId, storeId: input.storeId, plan };
  else {
    last.channel = input.channel;
    last.productId = input.productId;
    last.storeId = input.storeId;
    last.plan = plan;
  }
  return plan;
}

/**
 * Compiles the plan of a path seen for the first time. A function of its own because its closure
 * captures the input: in planFor, that capture made V8 allocate a context on every call.
 */
function compileFor(state: EngineState, input: PaidLineInput): LinePlan {
  const plan = compilePlan(state.settings, input.channel, input.productId, input.storeId);
  const spendScope = plan.spendScope;
  const key = planKey(input.channel, input.productId, input.storeId);
  plan.path = state.pathOf(key, () => ({ channel: input.channel, productId: input.productId, storeId: input.storeId, spendScope }));
  return plan;
}

/** The plan's queue, looked up once per plan; merges are followed every time. */
function queueOf(state: EngineState, plan: LinePlan): Queue {
  let queue = plan.queue ?? state.queue(plan.queueKey);
  plan.queue = queue;
  while (queue.mergedInto) queue = queue.mergedInto;
  return queue;
}

function noEntryReason(state: EngineState, plan: LinePlan, input: PaidLineInput, member: Member, at: number): NoEntryReason | null {
  if (plan.windows && !windowsContain(plan.windows, state.calendar, at)) return 'outsideWindow';
  if (input.deductedFen > 0 && !state.settings.base.deductionParticipates) return 'deduction';
  if (plan.dailyLimit) {
    const c = member.limitCount(plan.dailyLimit.scope);
    const today = state.calendar.dayNumber(at);
    if (plan.dailyLimit.max === 0 || (c && c.day === today && c.dayCount >= plan.dailyLimit.max)) return 'dailyLimit';
  }
  if (plan.totalLimit) {
    const c = member.limitCount(plan.totalLimit.scope);
    if (plan.totalLimit.max === 0 || (c && c.total >= plan.totalLimit.max)) return 'totalLimit';
  }
  return null;
}

/** Every entry counts, whatever becomes of it, so limits configured later see the true history. */
function countEntry(ctx: Context, member: Member, plan: LinePlan): void {
  const today = ctx.day;
  const scopes = plan.countScopes;
  for (let i = 0; i < scopes.length; i++) member.countLimit(scopes[i]!, today);
}

/** 随机返: whether the next entrant of this queue's current group gets a cash entry. */
function drawsCash(state: EngineState, queue: Queue): boolean {
  const group = state.settings.base.randomReturnGroup!;
  const size = group.cashMembers + group.pointsMembers;
  if (queue.groupPos === 0 || queue.groupSize !== size) {
    queue.groupNo++;
    queue.groupPos = 0;
    queue.groupSize = size;
    queue.groupCash = chooseK(deriveSeed(state.seed, 'randomReturn', queue.key, queue.groupNo), size, group.cashMembers);
  }
  const cash = queue.groupCash.includes(queue.groupPos);
  queue.groupPos = (queue.groupPos + 1) % size;
  return cash;
}

/** The ratio of the line being entered; one object reused for every line. */
const ratio: ResolvedRatio = { bp: 0, lottery: null };

function createEntry(ctx: Context, row: number, member: Member, plan: LinePlan, queue: Queue): void {
  const { state } = ctx;
  const t = state.lines;
  let bp: number;
  let lottery: LotterySpec | null = null;
  if (plan.fixedBp !== null) bp = plan.fixedBp;
  else {
    resolveRatioInto(ratio, state, plan.ratioSteps, member, plan.spendScope, ctx.at);
    bp = ratio.bp;
    lottery = ratio.lottery;
  }
  const totalFen = applyBp(t.paid.get(row), bp);
  const cash = !plan.randomReturn || drawsCash(state, queue);
  state.entryRows.push(row);
  const entryNo = state.entryRows.length;
  t.entryNo.set(row, entryNo);
  t.ratioBp.set(row, bp);
  state.entitlementIssuedFen += totalFen;
  t.queue.set(row, queue.no);
  ctx.notifyRaw('entryCreated', member, entryNo, totalFen);
  if (!cash) {
    // A points member of a random-return group: converted at once and never queued.
    t.status.set(row, STATUS_CODE.points);
    const units = applyBp(totalFen, state.settings.base.exchange.pointsBp ?? 0);
    const entry = new Entry(state, row);
    entry.convertedUnits = units;
    if (units > 0) state.ledger.transfer(state.platform.pointsIssued, member.pointsAccount, units, 'POINTS', 'entry', entryNo, ctx.eventNo);
    ctx.notifyRaw('pointsCredited', member, entryNo, units);
    return;
  }
  queue.entries.push(row);
  t.seq.set(row, queue.entries.length);
  if (lottery) new Entry(state, row).lottery = lottery;
  if (totalFen === 0 && !lottery) {
    t.status.set(row, COMPLETED);
    ctx.notifyRaw('entryCompleted', member, entryNo, 0);
    return;
  }
  t.status.set(row, WAITING);
  queue.ahead.change(queue.entries.length, 0, totalFen);
  queue.pendingFen += totalFen;
  queue.activeCount++;
  ctx.touch(queue);
}

export function applyPaid(ctx: Context, orderId: string, memberId: string, inputs: readonly PaidLineInput[]): PaidResult {
  const { state } = ctx;
  const member = state.memberById(memberId) ?? reject('UNKNOWN_MEMBER', `member ${memberId} is not known`, { memberId });
  // The duplicate check is the last check and also the first change: one probe of the id table.
  const orderIndex = state.orderIds.addIfAbsent(orderId);
  if (orderIndex < 0) reject('DUPLICATE_ORDER', `order ${orderId} was already paid`, { orderId });

  // Checks are done: from here on the event applies in full.
  const orders = state.orderTable;
  const n = inputs.length;
  const t = state.lines;
  const first = t.length;
  assert(orders.add() === orderIndex, 'order ids and order rows are numbered alike');
  orders.member.set(orderIndex, member.no);
  orders.paidAt.set(orderIndex, ctx.at);
  orders.completedAt.set(orderIndex, -1);
  orders.firstLine.set(orderIndex, first);
  orders.lineCount.set(orderIndex, n);
  const settleOn = state.settings.base.settlementEvent;
  const lineFlags = settleOn === 'completed' ? FLAG_SETTLE_ON_COMPLETED : 0;
  // Sized up front: a growing array would allocate room for 17 results for an order of one line.
  const results = new Array<PaidLineResult>(n);
  for (let i = 0; i < n; i++) {
    const input = inputs[i]!;
    const plan = planFor(state, input);
    const queue = plan.enabled ? queueOf(state, plan) : null;
    const row = t.add();
    t.order.set(row, orderIndex);
    t.paid.set(row, input.paidFen);
    t.path.set(row, plan.path);
    t.lineId.set(row, state.lineIds.intern(input.lineId));
    if (input.profitFen) state.lineProfit.set(row, input.profitFen);
    let reason: NoEntryReason | null = 'disabled';
    if (queue) {
      t.queue.set(row, queue.no);
      t.extractBp.set(row, plan.extractBp);
      reason = noEntryReason(state, plan, input, member, ctx.at);
      if (!reason) {
        createEntry(ctx, row, member, plan, queue);
        countEntry(ctx, member, plan);
      }
    }
    t.flags.set(row, lineFlags | (reasonCode(reason) << REASON_SHIFT));
    const entryNo = t.entryNo.get(row);
    results[i] = {
      lineId: input.lineId,
      queue: queue ? queue.key : null,
      entryId: entryNo === 0 ? null : entryNo,
      totalFen: entryNo === 0 ? 0 : state.totalOf(row),
      extractFen: queue ? applyBp(input.paidFen, plan.extractBp) : 0,
      reason,
    };
  }
  if (settleOn === 'paid') for (let i = 0; i < n; i++) settleRow(ctx, first + i);
  if (state.settings.rewards.direct || state.settings.rewards.indirect || state.settings.rewards.teamLevels || state.settings.rewards.merchant || state.programList.length > 0) {
    // Distribution rewards first: a profit-funded pool counts what is left after them.
    for (let i = 0; i < n; i++) {
      const line = new Line(state, first + i);
      joinPrograms(ctx, line, grantLineRewards(ctx, line), inputs[i]!.deductedFen);
    }
  }
  return { orderId, lines: results };
}
