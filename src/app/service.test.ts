import { describe, expect, it } from 'vitest';
import { DomainError } from '../domain/errors.ts';
import { MemoryStore } from '../store/memory/memory-store.ts';
import { QrebateService } from './service.ts';

const T0 = Date.parse('2026-03-01T10:00:00+08:00');

function setup(seeds: number[] = [12345]) {
  const clock = { at: T0, now() { return this.at; } };
  const store = new MemoryStore(7);
  const service = new QrebateService(store, clock, { nextSeed: () => seeds.shift() ?? 1 });
  service.submit('s', { type: 'settings', settings: { base: { defaultBp: 10_000, extractBp: 1_000, lottery: { kind: 'fixed', ratiosBp: [1000, 2000, 5000] } } } });
  service.submit('m-a', { type: 'member', memberId: 'A' });
  return { clock, store, service };
}

const order = (orderId: string, paidFen = 10_000) => ({
  type: 'paid', orderId, memberId: 'A', lines: [{ lineId: 'l1', channel: 'mall', productId: 'p1', paidFen }],
});

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    if (err instanceof DomainError) return err.code;
    throw err;
  }
  return 'accepted';
}

describe('QrebateService idempotency', () => {
  it('returns the first outcome when a key repeats with the same payload', () => {
    const { service, store, clock } = setup();
    const first = service.submit('k1', order('o1'));
    clock.at += 60_000;
    const ledgerSize = store.state.ledger.size;
    const again = service.submit('k1', order('o1'));
    expect(again.replayed).toBe(true);
    expect(again.outcome).toBe(first.outcome);
    expect(store.state.ledger.size).toBe(ledgerSize);
  });

  it('rejects the same key with another payload as IDEMPOTENCY_CONFLICT and changes nothing', () => {
    const { service, store } = setup();
    service.submit('k1', order('o1'));
    const hash = store.state.ledger.hash();
    const events = store.state.eventNo;
    expect(codeOf(() => service.submit('k1', order('o1', 20_000)))).toBe('IDEMPOTENCY_CONFLICT');
    expect(store.state.ledger.hash()).toBe(hash);
    expect(store.state.eventNo).toBe(events);
  });

  it('does not remember a rejected event, so a corrected retry under the same key is applied', () => {
    const { service } = setup();
    expect(codeOf(() => service.submit('k1', { ...order('o1'), memberId: 'B' }))).toBe('UNKNOWN_MEMBER');
    service.submit('m-b', { type: 'member', memberId: 'B' });
    expect(service.submit('k1', { ...order('o1'), memberId: 'B' }).replayed).toBe(false);
  });

  it('stamps events without an instant with the service clock', () => {
    const { service } = setup();
    const { outcome } = service.submit('k1', order('o1'));
    expect(outcome.at).toBe(T0);
  });

  it('draws a lottery with a fresh seed from the random source and records it', () => {
    const { service, store } = setup([424242]);
    // No extraction, so the buyer's own order does not pay the entry and end the chance to draw.
    service.submit('s2', { type: 'settings', settings: { base: { defaultBp: 10_000, lottery: { kind: 'fixed', ratiosBp: [1000, 2000, 5000] } } } });
    service.submit('k1', order('o1'));
    const draw = service.submit('d1', { type: 'lotteryDraw', orderId: 'o1', lineId: 'l1' });
    const result = draw.outcome.result as { seed: number; ratioBp: number };
    expect(result.seed).toBe(424242);
    expect([1000, 2000, 5000]).toContain(result.ratioBp);
    expect(store.state.entry(1)!.drawSeed).toBe(424242);
  });

  it('rejects an empty idempotency key', () => {
    const { service } = setup();
    expect(codeOf(() => service.submit('', order('o1')))).toBe('INVALID_ID');
  });
});

describe('QrebateService compliance', () => {
  it('reports the risky rules of the current settings without blocking them', () => {
    const { service } = setup();
    service.submit('risky', { type: 'settings', settings: { base: { defaultBp: 13_000, extractBp: 1_000 }, rewards: { indirect: { bp: 500 } } } });
    const report = service.compliance();
    expect(report.findings.map((f) => [f.pattern, f.rule])).toEqual(expect.arrayContaining([
      ['entitlementAboveFunding', 'base.defaultBp'],
      ['multiLevelCommission', 'rewards.indirect'],
    ]));
    expect(service.submit('o1', order('o1')).replayed).toBe(false);
  });
});
