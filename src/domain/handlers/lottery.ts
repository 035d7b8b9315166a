/**
 * 抽奖: an entry whose ratio came from a lottery may be drawn once, while it has received
 * nothing. The drawn ratio replaces the entry's ratio and total. The outcome derives from a
 * recorded seed, so anyone can re-derive it; the shop may instead pass a ratio it drew itself,
 * which must be one the lottery allows.
 */
import type { Context } from '../context.ts';
import { reject } from '../errors.ts';
import type { EntryRef } from '../events.ts';
import { applyBp } from '../money.ts';
import type { Entry } from '../model.ts';
import { notePayable } from '../queue-order.ts';
import { Prng } from '../random.ts';
import type { LotterySpec } from '../settings.ts';
import { findEntry } from './entry-ref.ts';

export interface LotteryResult {
  entryId: number;
  ratioBp: number;
  totalFen: number;
  seed: number | null;
}

export function drawRatio(lottery: LotterySpec, seed: number): number {
  const prng = new Prng(seed);
  if (lottery.kind === 'fixed') return lottery.ratiosBp[prng.intBelow(lottery.ratiosBp.length)]!;
  return prng.intInRange(lottery.minBp, lottery.maxBp);
}

function allowed(lottery: LotterySpec, bp: number): boolean {
  return lottery.kind === 'fixed' ? lottery.ratiosBp.includes(bp) : bp >= lottery.minBp && bp <= lottery.maxBp;
}

function checkDrawable(ctx: Context, entry: Entry): LotterySpec {
  const id = { entryId: entry.no };
  if (entry.drawn) reject('LOTTERY_ALREADY_DRAWN', `entry ${entry.no} was already drawn`, id);
  if (!entry.lottery) reject('LOTTERY_NOT_AVAILABLE', `entry ${entry.no} has no lottery`, id);
  if (entry.status !== 'waiting' || entry.receivedFen > 0) {
    reject('LOTTERY_NOT_AVAILABLE', `entry ${entry.no} can no longer be drawn: it is ${entry.status} or has received money`, id);
  }
  return entry.lottery;
}

export function applyLotteryDraw(ctx: Context, ref: EntryRef, seed: number | undefined, ratioBp: number | undefined): LotteryResult {
  const entry = findEntry(ctx.state, ref);
  const lottery = checkDrawable(ctx, entry);
  if (ratioBp === undefined && seed === undefined) reject('INVALID_SEED', 'a draw needs a seed or a ratioBp', { entryId: entry.no });
  const bp = ratioBp ?? drawRatio(lottery, seed!);
  if (!allowed(lottery, bp)) reject('LOTTERY_RATIO_NOT_ALLOWED', `ratio ${bp} bp is not one this lottery allows`, { entryId: entry.no, ratioBp: bp });

  // Checks are done: from here on the event applies in full.
  const queue = entry.queue;
  const totalFen = applyBp(entry.line.paidFen, bp);
  // Drawn while waiting with nothing received: it owed its old total and owes the new one.
  queue.ahead.change(entry.seq, entry.totalFen, totalFen);
  queue.pendingFen += totalFen - entry.totalFen;
  ctx.state.entitlementIssuedFen += Math.max(0, totalFen - entry.totalFen);
  entry.ratioBp = bp; // the total follows the ratio
  entry.lottery = null;
  entry.drawn = true;
  entry.drawSeed = ratioBp === undefined ? seed! : -1;
  ctx.notify('lotteryResult', entry, totalFen);
  if (totalFen === 0) {
    entry.status = 'completed';
    queue.activeCount--;
    ctx.notify('entryCompleted', entry, 0);
  } else {
    notePayable(ctx.state, entry.row);
    ctx.touch(queue);
  }
  return { entryId: entry.no, ratioBp: bp, totalFen, seed: entry.drawSeed >= 0 ? entry.drawSeed : null };
}
