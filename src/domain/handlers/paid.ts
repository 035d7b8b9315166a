/**
 * An order is paid (SPEC §3.2–§3.4): each line joins its queue in the order given, creating an
 * entry unless a rule says otherwise, and then the order's extractions are paid out, so a buyer
 * at an empty queue is paid from their own order.
 */
import { windowsContain } from '../calendar.ts';
import type { Context } from '../context.ts';
import { reject } from '../errors.ts';
import type { PaidLineInput } from '../events.ts';
import { type LinePlan, compilePlan, planKey } from '../line-plan.ts';
import { applyBp } from '../money.ts';
import { Entry, type Line, type LimitCount, type Member, type NoEntryReason, Order, type Queue } from '../model.ts';
import { chooseK, deriveSeed } from '../random.ts';
import { resolveRatio } from '../ratio.ts';
import { joinPrograms } from '../programs/pool.ts';
import { grantLineRewards } from '../rewards/distribution.ts';
import { settleLine } from '../settle.ts';
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

function planFor(state: EngineState, input: PaidLineInput): LinePlan {
  const key = planKey(input.channel, input.productId, input.storeId);
  let plan = state.plans.get(key);
  if (!plan) {
    plan = compilePlan(state.settings, input.channel, input.productId, input.storeId);
    state.plans.set(key, plan);
  }
  return plan;
}

function counter(member: Member, scope: string): LimitCount {
  let c = member.limitCounts.get(scope);
  if (!c) {
    c = { total: 0, day: -1, dayCount: 0 };
    member.limitCounts.set(scope, c);
  }
  return c;
}

function noEntryReason(state: EngineState, plan: LinePlan, input: PaidLineInput, member: Member, at: number): NoEntryReason | null {
  if (plan.windows && !windowsContain(plan.windows, state.calendar, at)) return 'outsideWindow';
  if (input.deductedFen > 0 && !state.settings.base.deductionParticipates) return 'deduction';
  if (plan.dailyLimit) {
    const c = member.limitCounts.get(plan.dailyLimit.scope);
    const today = state.calendar.dayNumber(at);
    if (plan.dailyLimit.max === 0 || (c && c.day === today && c.dayCount >= plan.dailyLimit.max)) return 'dailyLimit';
  }
  if (plan.totalLimit) {
    const c = member.limitCounts.get(plan.totalLimit.scope);
    if (plan.totalLimit.max === 0 || (c && c.total >= plan.totalLimit.max)) return 'totalLimit';
  }
  return null;
}

/** Every entry counts, whatever becomes of it, so limits configured later see the true history. */
function countEntry(state: EngineState, member: Member, plan: LinePlan, at: number): void {
  const today = state.calendar.dayNumber(at);
  for (const scope of plan.countScopes) {
    const c = counter(member, scope);
    c.total++;
    if (c.day !== today) {
      c.day = today;
      c.dayCount = 0;
    }
    c.dayCount++;
  }
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

function createEntry(ctx: Context, line: Line, plan: LinePlan, queue: Queue): Entry {
  const { state } = ctx;
  const member = line.order.member;
  const ratio = resolveRatio(plan.ratioSteps, member, plan.spendScope, ctx.at);
  const totalFen = applyBp(line.paidFen, ratio.bp);
  const cash = !plan.randomReturn || drawsCash(state, queue);
  const entry = new Entry(state.entries.length + 1, line, member, queue, cash ? queue.entries.length + 1 : 0, ctx.at, ratio.bp, totalFen, ratio.lottery);
  state.entries.push(entry);
  line.entry = entry;
  ctx.notify('entryCreated', entry, totalFen);
  if (!cash) {
    // A points member of a random-return group: converted at once and never queued.
    entry.status = 'points';
    entry.lottery = null;
    entry.convertedUnits = applyBp(totalFen, state.settings.base.exchange.pointsBp ?? 0);
    if (entry.convertedUnits > 0) {
      state.ledger.transfer(state.platform.pointsIssued, member.pointsAccount, entry.convertedUnits, 'POINTS', 'entry', entry.no, ctx.eventNo);
    }
    ctx.notify('pointsCredited', entry, entry.convertedUnits);
    return entry;
  }
  queue.entries.push(entry);
  if (totalFen === 0 && !ratio.lottery) {
    entry.status = 'completed';
    ctx.notify('entryCompleted', entry, 0);
    return entry;
  }
  queue.pendingFen += totalFen;
  queue.activeCount++;
  ctx.touch(queue);
  return entry;
}

export function applyPaid(ctx: Context, orderId: string, memberId: string, inputs: readonly PaidLineInput[]): PaidResult {
  const { state } = ctx;
  if (state.orders.has(orderId)) reject('DUPLICATE_ORDER', `order ${orderId} was already paid`, { orderId });
  const member = state.members.get(memberId) ?? reject('UNKNOWN_MEMBER', `member ${memberId} is not known`, { memberId });

  // Checks are done: from here on the event applies in full.
  const order = new Order(state.orders.size + 1, orderId, member, ctx.at);
  state.orders.set(orderId, order);
  const settleOn = state.settings.base.settlementEvent;
  const results: PaidLineResult[] = [];
  for (const input of inputs) {
    const plan = planFor(state, input);
    const queue = plan.enabled ? state.queue(plan.queueKey) : null;
    const extractFen = queue ? applyBp(input.paidFen, plan.extractBp) : 0;
    const line = state.newLine(
      input.lineId, order, input.channel, input.productId, input.storeId, input.paidFen, input.deductedFen,
      queue, extractFen, settleOn, plan.spendScope,
    );
    line.profitFen = input.profitFen ?? 0;
    order.lines.push(line);
    if (queue) {
      line.reason = noEntryReason(state, plan, input, member, ctx.at);
      if (!line.reason) {
        createEntry(ctx, line, plan, queue);
        countEntry(state, member, plan, ctx.at);
      }
    } else {
      line.reason = 'disabled';
    }
    results.push({
      lineId: line.id,
      queue: queue?.key ?? null,
      entryId: line.entry?.no ?? null,
      totalFen: line.entry?.totalFen ?? 0,
      extractFen,
      reason: line.reason,
    });
  }
  if (settleOn === 'paid') for (const line of order.lines) settleLine(ctx, line);
  // Distribution rewards first: a profit-funded pool counts what is left after them.
  for (const line of order.lines) joinPrograms(ctx, line, grantLineRewards(ctx, line));
  return { orderId, lines: results };
}
