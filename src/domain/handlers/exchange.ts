/**
 * 权益兑换 and points transfer. An entry's pending amount converts at the configured ratio into
 * points, love value (可用 or 冻结) or a coupon; the entry leaves the queue. Frozen money it
 * already received keeps waiting for its order as usual.
 */
import type { Context } from '../context.ts';
import { reject } from '../errors.ts';
import type { EntryRef, ExchangeTarget } from '../events.ts';
import type { Unit } from '../ledger.ts';
import { applyBp } from '../money.ts';
import type { Entry } from '../model.ts';
import { endEntry } from '../payout.ts';
import { findEntry } from './entry-ref.ts';

export interface ExchangeResult {
  entryId: number;
  target: ExchangeTarget;
  pendingFen: number;
  units: number;
}

function targetOf(ctx: Context, entry: Entry, target: ExchangeTarget): { bp: number; from: number; to: number; unit: Unit } {
  const { settings, platform } = ctx.state;
  const x = settings.base.exchange;
  const m = entry.member;
  const bp = target === 'points' ? x.pointsBp : target === 'love' ? x.loveBp : x.couponBp;
  if (bp === undefined) reject('EXCHANGE_NOT_CONFIGURED', `exchange to ${target} has no ratio configured`, { target });
  if (target === 'points') return { bp, from: platform.pointsIssued, to: m.pointsAccount, unit: 'POINTS' };
  if (target === 'love') return { bp, from: platform.loveIssued, to: x.loveFrozen ? m.loveFrozenAccount : m.loveAccount, unit: 'LOVE' };
  return { bp, from: platform.couponIssued, to: m.couponAccount, unit: 'COUPON' };
}

export function applyExchange(ctx: Context, ref: EntryRef, target: ExchangeTarget): ExchangeResult {
  const entry = findEntry(ctx.state, ref);
  if (!entry.isActive || entry.totalFen === entry.receivedFen) {
    reject('ENTRY_NOT_EXCHANGEABLE', `entry ${entry.no} has nothing pending to exchange`, { entryId: entry.no, status: entry.status });
  }
  const t = targetOf(ctx, entry, target);

  // Checks are done: from here on the event applies in full.
  const pendingFen = endEntry(ctx, entry, 'exchanged');
  const units = applyBp(pendingFen, t.bp);
  if (units > 0) ctx.state.ledger.transfer(t.from, t.to, units, t.unit, 'entry', entry.no, ctx.eventNo);
  entry.convertedUnits = units;
  ctx.notify('exchanged', entry, pendingFen);
  return { entryId: entry.no, target, pendingFen, units };
}

export interface PointsTransferResult {
  fromMemberId: string;
  toMemberId: string;
  points: number;
}

export function applyPointsTransfer(ctx: Context, fromId: string, toId: string, points: number): PointsTransferResult {
  const { members, ledger } = ctx.state;
  const from = members.get(fromId) ?? reject('UNKNOWN_MEMBER', `member ${fromId} is not known`, { memberId: fromId });
  const to = members.get(toId) ?? reject('UNKNOWN_MEMBER', `member ${toId} is not known`, { memberId: toId });
  if (from === to) reject('INVALID_EVENT', 'a member cannot transfer points to themselves', { memberId: fromId });
  const balance = ledger.balance(from.pointsAccount, 'POINTS');
  if (balance < points) reject('INSUFFICIENT_POINTS', `member ${fromId} has ${balance} points, fewer than ${points}`, { balance, points });

  ledger.transfer(from.pointsAccount, to.pointsAccount, points, 'POINTS', 'transfer', ctx.eventNo, ctx.eventNo);
  return { fromMemberId: fromId, toMemberId: toId, points };
}
