/**
 * Distribution rewards on a paid line (SPEC §5): direct (直推), indirect (间推), team level
 * difference (级差) and merchant referral (招商). Every reward is cash from its own named funding
 * account, frozen in the member's reward account until the source order completes, and reversed
 * if its line is refunded before then. Referral walks never go deeper than `maxDepth`.
 */
import type { Context } from '../context.ts';
import { applyBp } from '../money.ts';
import type { Line, Member } from '../model.ts';
import type { RewardBasis } from './reward-settings.ts';

export type RewardKind = 'direct' | 'indirect' | 'teamLevel' | 'merchant' | 'dividend';

export interface Grant {
  kind: RewardKind;
  member: Member;
  amountFen: number;
  fundingAccount: number;
  status: 'frozen' | 'released' | 'reversed';
}

export function rewardFundingAccount(ctx: Context, kind: RewardKind): number {
  return ctx.state.ledger.account(`platform:reward:${kind}`);
}

function basisAmount(line: Line, basis: RewardBasis): number {
  return basis === 'paid' ? line.paidFen : line.profitFen;
}

function grant(ctx: Context, line: Line, kind: RewardKind, member: Member, amountFen: number, grants: Grant[]): void {
  if (amountFen <= 0) return;
  const fundingAccount = rewardFundingAccount(ctx, kind);
  ctx.state.ledger.transfer(fundingAccount, member.rewardFrozenAccount, amountFen, 'CNY', 'line', line.no, ctx.eventNo);
  grants.push({ kind, member, amountFen, fundingAccount, status: 'frozen' });
  ctx.notifyMember('rewardGranted', member, line.no, amountFen);
}

/** The uplines of a buyer, nearest first, at most `depth` of them. */
function uplines(buyer: Member, depth: number): Member[] {
  const out: Member[] = [];
  for (let m = buyer.referrer; m && out.length < depth; m = m.referrer) out.push(m);
  return out;
}

/** Grants every distribution reward a paid line triggers; returns the total granted. */
export function grantLineRewards(ctx: Context, line: Line): number {
  const rewards = ctx.state.settings.rewards;
  if (!rewards.direct && !rewards.indirect && !rewards.teamLevels && !rewards.merchant) return 0;
  const buyer = line.order.member;
  const grants: Grant[] = [];
  const chain = uplines(buyer, rewards.maxDepth);
  if (rewards.direct && chain[0]) grant(ctx, line, 'direct', chain[0], applyBp(basisAmount(line, rewards.direct.basis), rewards.direct.bp), grants);
  if (rewards.indirect && chain[1]) grant(ctx, line, 'indirect', chain[1], applyBp(basisAmount(line, rewards.indirect.basis), rewards.indirect.bp), grants);
  if (rewards.teamLevels) {
    // 级差: each upline earns its level's ratio minus the highest ratio already paid below it.
    const { levelsBp, basis } = rewards.teamLevels;
    const base = basisAmount(line, basis);
    let highestBp = 0;
    for (const upline of chain) {
      const bp = Object.hasOwn(levelsBp, upline.teamLevel) ? levelsBp[upline.teamLevel]! : 0;
      if (bp <= highestBp) continue;
      grant(ctx, line, 'teamLevel', upline, applyBp(base, bp - highestBp), grants);
      highestBp = bp;
    }
  }
  if (rewards.merchant && line.storeId !== '' && Object.hasOwn(rewards.merchant.referrers, line.storeId)) {
    const referrer = ctx.state.members.get(rewards.merchant.referrers[line.storeId]!);
    if (referrer) grant(ctx, line, 'merchant', referrer, applyBp(basisAmount(line, rewards.merchant.basis), rewards.merchant.bp), grants);
  }
  if (grants.length === 0) return 0;
  ctx.state.rewardGrants.set(line.row, grants);
  return grants.reduce((sum, g) => sum + g.amountFen, 0);
}

/** The source order completed: its line's frozen rewards become withdrawable cash. */
export function releaseLineRewards(ctx: Context, line: Line): void {
  const grants = ctx.state.rewardGrants.get(line.row);
  if (!grants) return;
  for (const g of grants) {
    if (g.status !== 'frozen') continue;
    ctx.state.ledger.transfer(g.member.rewardFrozenAccount, g.member.cashAccount, g.amountFen, 'CNY', 'line', line.no, ctx.eventNo);
    g.status = 'released';
  }
}

/** The line was refunded before its order completed: its frozen rewards go back to their funding. */
export function reverseLineRewards(ctx: Context, line: Line): number {
  const grants = ctx.state.rewardGrants.get(line.row);
  if (!grants) return 0;
  let reversed = 0;
  for (const g of grants) {
    if (g.status !== 'frozen') continue;
    ctx.state.ledger.transfer(g.member.rewardFrozenAccount, g.fundingAccount, g.amountFen, 'CNY', 'line', line.no, ctx.eventNo);
    g.status = 'reversed';
    reversed += g.amountFen;
  }
  return reversed;
}

export function lineRewardsTotal(ctx: Context, line: Line): number {
  return (ctx.state.rewardGrants.get(line.row) ?? []).reduce((sum, g) => sum + g.amountFen, 0);
}
