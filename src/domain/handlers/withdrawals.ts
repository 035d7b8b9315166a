/**
 * Withdrawals (提现, SPEC §6): a member asks to take cash out; the amount moves from their cash
 * into a withdrawing account at once, so it can never be withdrawn twice or exceed the balance.
 * The shop pays it out and confirms (to platform:payouts), or rejects it (back to cash).
 */
import type { Context } from '../context.ts';
import { reject } from '../errors.ts';
import type { Member } from '../model.ts';

export type WithdrawalStatus = 'requested' | 'paid' | 'rejected';

export class Withdrawal {
  status: WithdrawalStatus = 'requested';
  decidedAt = -1;

  constructor(
    readonly id: string,
    readonly member: Member,
    readonly amountFen: number,
    readonly requestedAt: number,
  ) {}
}

export interface WithdrawalResult {
  withdrawalId: string;
  memberId: string;
  amountFen: number;
  status: WithdrawalStatus;
}

function result(w: Withdrawal): WithdrawalResult {
  return { withdrawalId: w.id, memberId: w.member.id, amountFen: w.amountFen, status: w.status };
}

function withdrawingAccount(ctx: Context, member: Member): number {
  return ctx.state.ledger.account(`member:${member.id}:withdrawing`);
}

export function applyWithdrawalRequest(ctx: Context, withdrawalId: string, memberId: string, amountFen: number): WithdrawalResult {
  const { state } = ctx;
  const member = state.members.get(memberId) ?? reject('UNKNOWN_MEMBER', `member ${memberId} is not known`, { memberId });
  if (state.withdrawals.has(withdrawalId)) reject('DUPLICATE_WITHDRAWAL', `withdrawal ${withdrawalId} already exists`, { withdrawalId });
  if (amountFen <= 0) reject('INVALID_AMOUNT', 'a withdrawal must be at least 1 fen', { field: 'amountFen', value: amountFen });
  const cash = state.ledger.balance(member.cashAccount, 'CNY');
  if (amountFen > cash) reject('INSUFFICIENT_FUNDS', `member ${memberId} has ${cash} fen of cash, less than ${amountFen}`, { cashFen: cash, amountFen });

  const withdrawal = new Withdrawal(withdrawalId, member, amountFen, ctx.at);
  state.withdrawals.set(withdrawalId, withdrawal);
  state.ledger.transfer(member.cashAccount, withdrawingAccount(ctx, member), amountFen, 'CNY', 'event', ctx.eventNo, ctx.eventNo);
  return result(withdrawal);
}

function pending(ctx: Context, withdrawalId: string): Withdrawal {
  const w = ctx.state.withdrawals.get(withdrawalId) ?? reject('UNKNOWN_WITHDRAWAL', `withdrawal ${withdrawalId} is not known`, { withdrawalId });
  if (w.status !== 'requested') reject('WITHDRAWAL_NOT_PENDING', `withdrawal ${withdrawalId} was already ${w.status}`, { withdrawalId, status: w.status });
  return w;
}

/** The shop paid the member: the money leaves the platform's books. */
export function applyWithdrawalPaid(ctx: Context, withdrawalId: string): WithdrawalResult {
  const w = pending(ctx, withdrawalId);
  const payouts = ctx.state.ledger.account('platform:payouts');
  ctx.state.ledger.transfer(withdrawingAccount(ctx, w.member), payouts, w.amountFen, 'CNY', 'event', ctx.eventNo, ctx.eventNo);
  w.status = 'paid';
  w.decidedAt = ctx.at;
  return result(w);
}

/** The shop refused: the money goes back to the member's cash. */
export function applyWithdrawalRejected(ctx: Context, withdrawalId: string): WithdrawalResult {
  const w = pending(ctx, withdrawalId);
  ctx.state.ledger.transfer(withdrawingAccount(ctx, w.member), w.member.cashAccount, w.amountFen, 'CNY', 'event', ctx.eventNo, ctx.eventNo);
  w.status = 'rejected';
  w.decidedAt = ctx.at;
  return result(w);
}
