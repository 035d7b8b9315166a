import { describe, expect, it } from 'vitest';
import { applyEvent } from './engine.ts';
import { parseEvent } from './events.ts';
import { EngineState } from './state.ts';
import { memberView } from './views.ts';

const T0 = Date.parse('2026-03-01T10:00:00+08:00');

function apply(state: EngineState, input: Record<string, unknown>): void {
  applyEvent(state, parseEvent({ at: T0, ...input }));
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
