/**
 * A digest of the whole engine state: every column, side map, queue, pool, member, counter and
 * setting, plus the ledger's own hash. Two states with equal digests are equal for every purpose
 * of the engine; property tests use it to prove that a rejected or repeated event changed nothing.
 */
import type { EngineState } from './state.ts';

class Hasher {
  private a = 0x811c9dc5;
  private b = 0x9747b28c;

  num(x: number): void {
    // Integers up to 2^53 as two 32-bit halves; -1 sentinels and fractions would differ too.
    const hi = Math.floor(x / 0x1_0000_0000);
    this.word(x >>> 0);
    this.word(hi | 0);
  }

  word(w: number): void {
    this.a = Math.imul(this.a ^ w, 0x01000193);
    this.b = Math.imul(this.b ^ w, 0x5bd1e995);
    this.b ^= this.b >>> 13;
  }

  str(s: string): void {
    this.word(s.length);
    for (let i = 0; i < s.length; i++) this.word(s.charCodeAt(i));
  }

  column(values: { get(row: number): number }, length: number): void {
    this.word(length);
    for (let i = 0; i < length; i++) this.num(values.get(i));
  }

  json(value: unknown): void {
    this.str(JSON.stringify(value, (_key, v: unknown) => (v instanceof Map ? [...v.entries()] : v instanceof Set ? [...v] : v)) ?? 'undefined');
  }

  hex(): string {
    return (this.a >>> 0).toString(16).padStart(8, '0') + (this.b >>> 0).toString(16).padStart(8, '0');
  }
}

export function stateDigest(state: EngineState): string {
  const h = new Hasher();
  const l = state.ledger;
  h.str(l.hash());
  h.num(l.size);
  h.num(state.eventNo);
  h.num(state.now);
  h.num(state.nextResetAt ?? -1);
  h.num(state.entitlementIssuedFen);
  h.json(state.settings);

  const t = state.lines;
  for (const col of [t.order, t.paid, t.extractBp, t.path, t.queue, t.flags, t.lineId, t.entryNo, t.status, t.seq, t.ratioBp, t.received]) {
    h.column(col, t.length);
  }
  const o = state.orderTable;
  for (const col of [o.member, o.paidAt, o.completedAt, o.firstLine, o.lineCount]) h.column(col, o.length);
  h.column(state.entryRows, state.entryRows.length);
  h.num(state.orderIds.size);
  h.num(state.lineIds.size);
  h.json([...state.lineProfit]);
  h.json([...state.lineRefundedAt]);
  h.json([...state.entryExtras]);

  for (const m of state.memberList) {
    h.str(m.id);
    h.json([m.level, m.nickname, m.teamLevel, m.shareholderWeight, m.referrer?.id ?? null, m.spend, m.limitCounts()]);
  }
  for (const q of state.queueList) {
    h.str(q.key);
    h.column(q.entries, q.entries.length);
    h.json([q.head, q.late, q.completedFirst, q.paused, q.pendingFen, q.activeCount, q.lastInflowAt, [...q.inflowByDay]]);
    h.json([q.groupNo, q.groupPos, q.groupSize, q.groupCash, q.mergedInto?.key ?? null]);
  }
  for (const pool of state.pools.values()) {
    h.str(pool.id);
    h.json([pool.pendingFen, pool.activeCount, pool.releasedDay, pool.releasedTodayFen, pool.nextReleaseAt, [...pool.inflowByDay]]);
    for (const e of pool.entries) h.json([e.no, e.seq, e.status, e.member.id, e.line.row, e.totalFen, e.receivedFen, e.frozenFen, e.returnedFen, e.unlockAt, e.fundingFen]);
    h.json([pool.eligible.map((e) => e.no), pool.locked.map((e) => e.no)]);
  }
  h.json([...state.rewardGrants].map(([row, grants]) => [row, grants.map((g) => [g.kind, g.member.id, g.amountFen, g.fundingAccount, g.status])]));
  h.json([...state.turnoverByDay]);
  h.json([...state.dividendDays]);
  h.json([...state.withdrawals.values()].map((w) => [w.id, w.member.id, w.amountFen, w.status, w.requestedAt, w.decidedAt]));
  return h.hex();
}
