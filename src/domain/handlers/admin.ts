/**
 * Operator events: settings, members, pause/resume (队列奖励暂停), reset (队列奖励清零) and
 * the order-preserving merge of stranded queues.
 */
import { owedBy } from '../ahead-index.ts';
import { rescheduleAll } from '../scheduler.ts';
import type { Context } from '../context.ts';
import { reject } from '../errors.ts';
import { Entry, type Member, type Queue } from '../model.ts';
import { endEntry } from '../payout.ts';
import { rebuildPickers } from '../queue-order.ts';
import { validateSettings } from '../settings.ts';

export function applySettings(ctx: Context, input: unknown): { version: number } {
  const settings = validateSettings(input);
  ctx.state.applySettings(settings);
  // Schedules start when the settings do: a due time between the previous event and this one
  // belongs to no schedule that existed then.
  rescheduleAll(ctx.state, ctx.at);
  // The payout rule and pause are read when money moves: give every queue its chance now.
  for (const queue of ctx.state.queueList) ctx.touch(queue);
  return { version: ctx.eventNo };
}

export interface MemberChange {
  memberId: string;
  level?: string;
  nickname?: string;
  referrerId?: string | null;
  teamLevel?: string;
  shareholderWeight?: number;
}

/** Walking up from the new referrer must never reach the member: a cycle is rejected. */
function checkReferrer(ctx: Context, memberId: string, referrerId: string): Member {
  const referrer = ctx.state.members.get(referrerId) ?? reject('UNKNOWN_MEMBER', `referrer ${referrerId} is not known`, { referrerId });
  for (let m: Member | null = referrer; m; m = m.referrer) {
    if (m.id === memberId) reject('REFERRAL_CYCLE', `${referrerId} cannot refer ${memberId}: the referral chain would loop`, { memberId, referrerId });
  }
  return referrer;
}

export function applyMember(ctx: Context, change: MemberChange) {
  const { memberId } = change;
  const referrer = change.referrerId ? checkReferrer(ctx, memberId, change.referrerId) : null;

  // Checks are done: from here on the event applies in full.
  let member = ctx.state.members.get(memberId);
  const created = !member;
  member ??= ctx.state.addMember(memberId, change.level ?? 'default', change.nickname ?? '');
  if (change.level !== undefined) member.level = change.level;
  if (change.nickname !== undefined) member.nickname = change.nickname;
  if (change.teamLevel !== undefined) member.teamLevel = change.teamLevel;
  if (change.shareholderWeight !== undefined) member.shareholderWeight = change.shareholderWeight;
  if (change.referrerId !== undefined) member.referrer = referrer;
  return { memberId, created };
}

function knownQueue(ctx: Context, key: string): Queue {
  const queue = ctx.state.queues.get(key) ?? reject('UNKNOWN_QUEUE', `queue ${key} is not known`, { queue: key });
  if (queue.mergedInto) reject('UNKNOWN_QUEUE', `queue ${key} was merged into ${queue.mergedInto.key}`, { queue: key });
  return queue;
}

export function applyPause(ctx: Context, paused: boolean, key: string | undefined) {
  if (key === undefined) {
    ctx.state.settings.base.paused = paused;
    for (const queue of ctx.state.queueList) ctx.touch(queue);
  } else {
    const queue = knownQueue(ctx, key);
    queue.paused = paused;
    ctx.touch(queue);
  }
  return { queue: key ?? null, paused };
}

/** Clears every waiting/rewarding entry; undistributed balances stay for later entries. */
export function clearQueues(ctx: Context, queues: readonly Queue[]): number {
  let cleared = 0;
  for (const queue of queues) {
    if (queue.activeCount === 0) continue;
    // Scan from the start: an undrawn zero-total lottery entry can sit behind the head.
    for (let i = 0; i < queue.entries.length; i++) {
      const entry = new Entry(ctx.state, queue.entries.get(i));
      if (!entry.isActive) continue;
      endEntry(ctx, entry, 'cleared');
      ctx.notify('entryCleared', entry, entry.forfeitedFen);
      cleared++;
    }
  }
  return cleared;
}

export function applyReset(ctx: Context, keys: readonly string[] | undefined) {
  const queues = keys ? keys.map((key) => knownQueue(ctx, key)) : ctx.state.queueList.filter((q) => !q.mergedInto);
  return { cleared: clearQueues(ctx, queues) };
}

export function applyMerge(ctx: Context, sourceKeys: readonly string[], targetKey: string) {
  const { state } = ctx;
  if (sourceKeys.includes(targetKey)) reject('QUEUE_MERGE_INVALID', 'a queue cannot be merged into itself', { target: targetKey });
  const sources = sourceKeys.map((key) => knownQueue(ctx, key));
  const existing = state.queues.get(targetKey);
  if (existing?.mergedInto) reject('QUEUE_MERGE_INVALID', `target ${targetKey} was itself merged away`, { target: targetKey });

  // Checks are done: from here on the event applies in full.
  const target = state.queue(targetKey);
  const all = [target, ...sources];
  // Entries keep their relative order by original entry time; ties keep queue and sequence order.
  const merged = all
    .flatMap((queue, rank) => queue.entries.toArray().map((row) => ({ entry: new Entry(state, row), rank })))
    .sort((a, b) => a.entry.createdAt - b.entry.createdAt || a.rank - b.rank || a.entry.seq - b.entry.seq)
    .map(({ entry }) => entry);
  target.entries.clear();
  target.ahead.clear();
  merged.forEach((entry, i) => {
    entry.queue = target;
    entry.seq = i + 1;
    target.entries.push(entry.row);
    target.ahead.change(entry.seq, 0, owedBy(entry.isActive, entry.totalFen, entry.receivedFen));
  });
  for (const source of sources) {
    const balance = state.ledger.balance(source.account, 'CNY');
    if (balance > 0) state.ledger.transfer(source.account, target.account, balance, 'CNY', 'event', ctx.eventNo, ctx.eventNo);
    target.pendingFen += source.pendingFen;
    target.activeCount += source.activeCount;
    for (const [day, fen] of source.inflowByDay) target.inflowByDay.set(day, (target.inflowByDay.get(day) ?? 0) + fen);
    target.lastInflowAt = Math.max(target.lastInflowAt, source.lastInflowAt);
    source.entries.clear();
    source.ahead.clear();
    source.pendingFen = 0;
    source.activeCount = 0;
    source.mergedInto = target;
    rebuildPickers(state, source);
  }
  rebuildPickers(state, target);
  ctx.touch(target);
  return { target: targetKey, entries: merged.length };
}
