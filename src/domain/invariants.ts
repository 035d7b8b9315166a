/**
 * The auditor: re-derives what must hold from the state and the ledger, independently of the
 * incremental bookkeeping the handlers do. Property tests run it after every event; `verify`
 * runs it over a stored ledger. It returns violations instead of throwing so a report can list
 * them all.
 */
import { AHEAD_BLOCK_BITS, owedBy } from './ahead-index.ts';
import { Entry } from './model.ts';
import { nextPayable } from './queue-order.ts';
import type { EngineState } from './state.ts';

function memberAccountsNonNegative(state: EngineState, out: string[]): void {
  const l = state.ledger;
  for (const m of state.members.values()) {
    const checks = [
      ['cash', l.balance(m.cashAccount, 'CNY')],
      ['frozen', l.balance(m.frozenAccount, 'CNY')],
      ['points', l.balance(m.pointsAccount, 'POINTS')],
      ['love', l.balance(m.loveAccount, 'LOVE')],
      ['loveFrozen', l.balance(m.loveFrozenAccount, 'LOVE')],
      ['coupon', l.balance(m.couponAccount, 'COUPON')],
      ['rewardFrozen', l.balance(m.rewardFrozenAccount, 'CNY')],
    ] as const;
    for (const [name, balance] of checks) if (balance < 0) out.push(`member ${m.id} ${name} balance is negative: ${balance}`);
  }
}

function entriesConsistent(state: EngineState, out: string[]): void {
  const frozenByMember = new Map<string, number>();
  for (const e of state.allEntries()) {
    const id = `entry ${e.no}`;
    if (e.receivedFen > e.totalFen) out.push(`${id} received ${e.receivedFen} over its total ${e.totalFen}`);
    if (e.frozenFen < 0 || e.frozenFen > e.receivedFen) out.push(`${id} frozen ${e.frozenFen} outside 0..received`);
    if (e.status === 'waiting' && e.receivedFen !== 0) out.push(`${id} is waiting but received ${e.receivedFen}`);
    if (e.status === 'completed' && e.receivedFen !== e.totalFen) out.push(`${id} is completed but not fully paid`);
    if (e.frozenFen > 0 && e.line.order.completed) out.push(`${id} holds frozen money of a completed order`);
    frozenByMember.set(e.member.id, (frozenByMember.get(e.member.id) ?? 0) + e.frozenFen);
  }
  // Pool entries hold frozen acceleration money in the same member account.
  for (const pool of state.pools.values()) {
    for (const e of pool.entries) {
      if (e.receivedFen > e.totalFen) out.push(`pool entry ${e.no} received ${e.receivedFen} over its total ${e.totalFen}`);
      if (e.status === 'completed' && e.receivedFen !== e.totalFen) out.push(`pool entry ${e.no} is completed but not fully paid`);
      frozenByMember.set(e.member.id, (frozenByMember.get(e.member.id) ?? 0) + e.frozenFen);
    }
    const balance = state.ledger.balance(pool.account, 'CNY');
    if (balance < 0) out.push(`pool ${pool.id} balance is negative: ${balance}`);
  }
  for (const m of state.members.values()) {
    const frozen = state.ledger.balance(m.frozenAccount, 'CNY');
    if (frozen !== (frozenByMember.get(m.id) ?? 0)) out.push(`member ${m.id} frozen balance ${frozen} differs from entries' frozen ${frozenByMember.get(m.id) ?? 0}`);
  }
}

function queuesConsistent(state: EngineState, out: string[]): void {
  const rule = state.settings.base.payoutRule;
  for (const q of state.queueList) {
    const balance = state.ledger.balance(q.account, 'CNY');
    if (balance < 0) out.push(`queue ${q.key} balance is negative: ${balance}`);
    if (q.mergedInto) {
      if (balance !== 0 || q.entries.length > 0) out.push(`merged queue ${q.key} still holds money or entries`);
      continue;
    }
    let pending = 0;
    let active = 0;
    const counts: number[] = [];
    const owed: number[] = [];
    for (let i = 0; i < q.entries.length; i++) {
      const e = new Entry(state, q.entries.get(i));
      if (e.queue !== q || e.seq !== i + 1) out.push(`queue ${q.key} entry ${e.no} is out of place`);
      if (e.isActive) {
        active++;
        pending += e.totalFen - e.receivedFen;
      }
      const block = i >> AHEAD_BLOCK_BITS;
      const fen = owedBy(e.isActive, e.totalFen, e.receivedFen);
      counts[block] = (counts[block] ?? 0) + (fen > 0 ? 1 : 0);
      owed[block] = (owed[block] ?? 0) + fen;
    }
    for (let b = 0; b < Math.max(counts.length, q.ahead.blocks); b++) {
      if (q.ahead.count(b) !== (counts[b] ?? 0) || q.ahead.owedFen(b) !== (owed[b] ?? 0)) {
        out.push(`queue ${q.key} ahead index block ${b} holds ${q.ahead.count(b)} entries owed ${q.ahead.owedFen(b)}, the entries say ${counts[b] ?? 0} owed ${owed[b] ?? 0}`);
      }
    }
    if (pending !== q.pendingFen) out.push(`queue ${q.key} pending ${q.pendingFen} differs from its entries' ${pending}`);
    if (active !== q.activeCount) out.push(`queue ${q.key} active count ${q.activeCount} differs from ${active}`);
    // Every event ends by offering the balance: money may only wait when nobody can take it.
    if (balance > 0 && !state.isPaused && !q.paused && nextPayable(state, q, rule) >= 0) {
      out.push(`queue ${q.key} holds ${balance} while an entry could be paid`);
    }
  }
}

/** Withdrawals never exceed what was there: each member's withdrawing balance is their open requests. */
function withdrawalsConsistent(state: EngineState, out: string[]): void {
  const open = new Map<string, number>();
  for (const w of state.withdrawals.values()) if (w.status === 'requested') open.set(w.member.id, (open.get(w.member.id) ?? 0) + w.amountFen);
  for (const m of state.members.values()) {
    const account = state.ledger.findAccount(`member:${m.id}:withdrawing`);
    const balance = account === undefined ? 0 : state.ledger.balance(account, 'CNY');
    if (balance !== (open.get(m.id) ?? 0)) out.push(`member ${m.id} withdrawing balance ${balance} differs from open withdrawals ${open.get(m.id) ?? 0}`);
  }
}

export function checkInvariants(state: EngineState): string[] {
  const out: string[] = [];
  try {
    state.ledger.checkConservation();
  } catch (err) {
    out.push(String(err));
  }
  memberAccountsNonNegative(state, out);
  entriesConsistent(state, out);
  queuesConsistent(state, out);
  withdrawalsConsistent(state, out);
  return out;
}
