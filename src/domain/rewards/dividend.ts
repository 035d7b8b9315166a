/**
 * Shareholder dividends (股东分红, SPEC §5): for a closed period of platform days, a share of the
 * completed turnover (or profit) of those days is split among shareholders, equally or by weight,
 * with the largest-remainder method so the parts sum exactly to the dividend. A day pays a
 * dividend once; turnover counts by completion day, and a refund after completion takes its line
 * back out of a day that has not paid yet (a paid day is never reopened).
 */
import type { Context } from '../context.ts';
import { reject } from '../errors.ts';
import { allocate, applyBp } from '../money.ts';
import type { Line } from '../model.ts';
import { rewardFundingAccount } from './distribution.ts';

const DIVIDEND_DAYS_MAX = 366;

export function addTurnover(ctx: Context, line: Line, sign: 1 | -1): void {
  const { state } = ctx;
  const day = state.calendar.dayNumber(line.order.completedAt);
  if (state.dividendDays.has(day)) return;
  const t = state.turnoverByDay.get(day) ?? [0, 0];
  t[0] += sign * line.paidFen;
  t[1] += sign * line.profitFen;
  state.turnoverByDay.set(day, t);
}

export interface DividendResult {
  fromDate: string;
  toDate: string;
  basisFen: number;
  dividendFen: number;
  shares: { memberId: string; amountFen: number }[];
}

export function applyDividend(ctx: Context, fromDate: string, toDate: string): DividendResult {
  const { state } = ctx;
  const rule = state.settings.rewards.dividend ?? reject('DIVIDEND_PERIOD_INVALID', 'no dividend rule is configured', {});
  const cal = state.calendar;
  const dayOf = (date: string): number => {
    try {
      return cal.dayNumber(cal.instantOf(date, 0));
    } catch {
      return reject('DIVIDEND_PERIOD_INVALID', `${date} is not a calendar date`, { fromDate, toDate });
    }
  };
  const from = dayOf(fromDate);
  const to = dayOf(toDate);
  const today = cal.dayNumber(ctx.at);
  if (from > to || to - from + 1 > DIVIDEND_DAYS_MAX) reject('DIVIDEND_PERIOD_INVALID', `the period must run forwards and span at most ${DIVIDEND_DAYS_MAX} days`, { fromDate, toDate });
  if (to >= today) reject('DIVIDEND_PERIOD_INVALID', 'only a closed period (ending before today) pays a dividend', { fromDate, toDate });
  for (let d = from; d <= to; d++) {
    if (state.dividendDays.has(d)) reject('DIVIDEND_PERIOD_INVALID', `a day of ${fromDate}..${toDate} already paid a dividend`, { fromDate, toDate });
  }
  const shareholders = [...state.members.values()].filter((m) => m.shareholderWeight > 0);
  if (shareholders.length === 0) reject('NO_SHAREHOLDERS', 'no member is a shareholder', {});

  // Checks are done: from here on the event applies in full.
  let basisFen = 0;
  for (let d = from; d <= to; d++) {
    const t = state.turnoverByDay.get(d);
    if (t) basisFen += rule.basis === 'paid' ? t[0] : Math.max(0, t[1]);
    state.turnoverByDay.delete(d);
    state.dividendDays.add(d);
  }
  const dividendFen = applyBp(basisFen, rule.bp);
  const parts = allocate(dividendFen, shareholders.map((m) => (rule.split === 'equal' ? 1 : m.shareholderWeight)));
  const funding = rewardFundingAccount(ctx, 'dividend');
  const shares = shareholders.map((member, i) => {
    const amountFen = parts[i]!;
    if (amountFen > 0) {
      state.ledger.transfer(funding, member.cashAccount, amountFen, 'CNY', 'event', ctx.eventNo, ctx.eventNo);
      ctx.notifyMember('dividendPaid', member, ctx.eventNo, amountFen);
    }
    return { memberId: member.id, amountFen };
  });
  return { fromDate, toDate, basisFen, dividendFen, shares };
}
