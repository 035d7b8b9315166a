import { describe, expect, it } from 'vitest';
import { applyEvent } from './engine.ts';
import { parseEvent } from './events.ts';
import { EngineState } from './state.ts';
import { checkInvariants } from './invariants.ts';
import { Entry } from './model.ts';
import { aheadOfAll, memberView } from './views.ts';

const T0 = Date.parse('2026-03-01T10:00:00+08:00');

/** Applies an event; `mayRefuse` lets a generated refund or completion of an unsuitable order be refused (it changes nothing). */
function apply(state: EngineState, input: Record<string, unknown>, mayRefuse = false): void {
  try {
    applyEvent(state, parseEvent({ at: T0, ...input }));
  } catch (err) {
    if (!mayRefuse) throw err;
  }
}

/** The entries of a member found the plain way: every entry, filtered. */
function scanned(state: EngineState, memberId: string): number[] {
  return [...state.allEntries()].filter((e) => e.member.id === memberId).map((e) => e.no);
}

describe('the member view', () => {
  it('lists exactly the member’s entries in entry order, also for entries added after an earlier view', () => {
    const state = new EngineState(1);
    apply(state, { type: 'settings', settings: { base: { defaultBp: 5_000, extractBp: 1_000 } } });
    for (const id of ['A', 'B', 'C']) apply(state, { type: 'member', memberId: id });
    let order = 0;
    const pay = (memberId: string, lines = 1) =>
      apply(state, { type: 'paid', orderId: `o${++order}`, memberId, lines: Array.from({ length: lines }, (_, i) => ({ lineId: `l${i}`, channel: 'mall', productId: 'p1', paidFen: 1_000 + i })) });
    for (const m of ['A', 'B', 'A', 'C', 'A']) pay(m, m === 'C' ? 3 : 1);
    for (const id of ['A', 'B', 'C']) expect(memberView(state, id).entries.map((e) => e.entryId)).toEqual(scanned(state, id));
    expect(memberView(state, 'A').entries).toHaveLength(3);
    // More entries after the first views: the index picks them up.
    for (const m of ['B', 'B', 'A', 'C']) pay(m, 2);
    for (const id of ['A', 'B', 'C']) expect(memberView(state, id).entries.map((e) => e.entryId)).toEqual(scanned(state, id));
    apply(state, { type: 'member', memberId: 'D' });
    expect(memberView(state, 'D').entries).toEqual([]);
  });
});

/** The first definition of "ahead": a walk per entry. aheadOfAll must agree with it for any set of entries. */
function reference(state: EngineState, entry: Entry): { position: number; pendingAheadFen: number } {
  const queue = entry.queue;
  const payable = (e: Entry) => e.isActive && e.totalFen > e.receivedFen;
  let position = 0;
  let pendingAheadFen = 0;
  const end = entry.seq - 1;
  for (let i = Math.min(queue.head, end); i < end; i++) {
    const e = new Entry(state, queue.entries.get(i));
    if (payable(e)) {
      position++;
      pendingAheadFen += e.totalFen - e.receivedFen;
    }
  }
  for (const row of queue.late) {
    const e = new Entry(state, row);
    if (e.seq <= queue.head && e.seq < entry.seq && e.queue === queue && payable(e)) {
      position++;
      pendingAheadFen += e.totalFen - e.receivedFen;
    }
  }
  return { position, pendingAheadFen };
}

describe('entries ahead', () => {
  it('agree with a walk per entry, for every entry and any subset, across queues, refunds, completions, a reset and a merge, over many index blocks', () => {
    const state = new EngineState(7);
    apply(state, { type: 'settings', settings: { base: { defaultBp: 20_000, extractBp: 2_000, allStoresQueue: true } } });
    for (let m = 0; m < 6; m++) apply(state, { type: 'member', memberId: `m${m}` });
    let rng = 12345;
    const next = (n: number) => ((rng = (rng * 1103515245 + 12345) >>> 0) % n);
    // 2,600 orders: the mall queue spans dozens of blocks of the ahead index (64 sequence numbers each).
    for (let o = 0; o < 2_600; o++) {
      if (o === 1_000) apply(state, { type: 'reset', queues: ['stores'] });
      if (o === 1_500) apply(state, { type: 'merge', sources: ['stores'], target: 'mall' });
      const store = next(3) === 0;
      apply(state, {
        type: 'paid', orderId: `o${o}`, memberId: `m${next(6)}`,
        lines: [{ lineId: 'l1', channel: store ? 'store' : 'mall', ...(store && { storeId: 's1' }), productId: 'p1', paidFen: 500 + next(5_000) }],
      });
      if (next(4) === 0) apply(state, { type: 'refunded', orderId: `o${next(o + 1)}` }, true);
      if (next(3) === 0) apply(state, { type: 'completed', orderId: `o${next(o + 1)}` }, true);
    }
    const all = [...state.allEntries()].filter((e) => e.seq > 0);
    const together = aheadOfAll(state, all);
    for (const e of all) expect(together.get(e.no), `entry ${e.no}`).toEqual(reference(state, e));
    const some = all.filter((_, i) => i % 7 === 3);
    const apart = aheadOfAll(state, some);
    for (const e of some) expect(apart.get(e.no)).toEqual(reference(state, e));
    expect(all.some((e) => reference(state, e).position > 0)).toBe(true);
    expect(Math.max(...all.map((e) => e.seq))).toBeGreaterThan(2_048);
    // The index behind it holds what the entries say, block by block (the auditor recomputes it).
    expect(checkInvariants(state)).toEqual([]);
  });
});
