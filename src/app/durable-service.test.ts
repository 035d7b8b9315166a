import { describe, expect, it } from 'vitest';
import { DomainError } from '../domain/errors.ts';
import { snapshot } from '../domain/views.ts';
import { MemoryEventLog } from '../store/memory/memory-event-log.ts';
import { MemoryStore } from '../store/memory/memory-store.ts';
import { DurableService } from './durable-service.ts';
import { QrebateService } from './service.ts';

const T0 = Date.parse('2026-03-01T10:00:00+08:00');
const DAY = 86_400_000;

function inputs() {
  const settings = { base: { defaultBp: 10_000, extractBp: 1_000, reset: { kind: 'daily', at: '03:00' } } };
  const out: { key: string; input: Record<string, unknown> }[] = [
    { key: 's', input: { type: 'settings', at: T0, settings } },
    { key: 'm-a', input: { type: 'member', at: T0, memberId: 'A' } },
    { key: 'm-b', input: { type: 'member', at: T0, memberId: 'B' } },
  ];
  for (let i = 0; i < 30; i++) {
    const at = T0 + i * 3_600_000;
    out.push({ key: `o${i}`, input: { type: 'paid', at, orderId: `o${i}`, memberId: i % 2 ? 'A' : 'B', lines: [{ lineId: 'l1', channel: 'mall', productId: 'p1', paidFen: 10_000 + i }] } });
    if (i % 3 === 0) out.push({ key: `c${i}`, input: { type: 'completed', at, orderId: `o${i}` } });
  }
  out.push({ key: 'r5', input: { type: 'refunded', at: T0 + 2 * DAY, orderId: 'o5' } });
  return out;
}

function seeds() {
  let s = 99;
  return { nextSeed: () => (s = (s * 1103515245 + 12345) >>> 0) };
}

describe('DurableService over the in-memory event log', () => {
  it('ends in the reference model state and survives a restart by replay', async () => {
    const log = new MemoryEventLog();
    const clock = { now: () => T0 };
    const durable = await DurableService.open(log, clock, seeds());
    for (const { key, input } of inputs()) await durable.submit(key, input);

    const referenceStore = new MemoryStore((await log.open(0)).seed);
    const reference = new QrebateService(referenceStore, clock, seeds());
    for (const { key, input } of inputs()) reference.submit(key, input);
    // The reference's scheduled resets run inside the event that noticed them; the durable log
    // records them as their own ticks, so event numbers differ but balances and entries agree.
    const expected = snapshot(referenceStore.state);
    const restarted = await DurableService.open(log, clock, seeds());
    const actual = snapshot(restarted.engine);
    expect(actual.balances).toEqual(expected.balances);
    expect(actual.entries).toEqual(expected.entries);
    expect(snapshot(durable.engine).balances).toEqual(actual.balances);
  });

  it('returns the stored outcome for a repeated key and rejects a changed payload', async () => {
    const durable = await DurableService.open(new MemoryEventLog(), { now: () => T0 }, seeds());
    const [settings, a, b, order] = inputs();
    for (const x of [settings!, a!, b!, order!]) await durable.submit(x.key, x.input);
    const again = await durable.submit(order!.key, order!.input);
    expect(again.replayed).toBe(true);
    await expect(durable.submit(order!.key, { ...order!.input, orderId: 'other' })).rejects.toMatchObject({ code: 'IDEMPOTENCY_CONFLICT' });
  });

  it('gives each item of a batch its own result and keeps the accepted ones', async () => {
    const log = new MemoryEventLog();
    const durable = await DurableService.open(log, { now: () => T0 }, seeds());
    const [settings, a] = inputs();
    const results = await durable.submitBatch([settings!, a!, { key: 'bad', input: { type: 'paid', at: T0, orderId: 'x', memberId: 'nobody', lines: [{ lineId: 'l', channel: 'mall', productId: 'p', paidFen: 1 }] } }]);
    expect(results.map((r) => r.ok)).toEqual([true, true, false]);
    expect(results[2]!.ok ? null : results[2]!.error).toBeInstanceOf(DomainError);
    expect((await log.readSince(0)).map((e) => e.key)).toEqual(['s', 'm-a']);
  });

  it('two services on one log see each other and never apply an event twice', async () => {
    const log = new MemoryEventLog();
    const clock = { now: () => T0 };
    const one = await DurableService.open(log, clock, seeds());
    const two = await DurableService.open(log, clock, seeds());
    const all = inputs();
    for (const { key, input } of all.slice(0, 3)) await one.submit(key, input);
    // Requests to two servers at once carry no order between them: send independent ones together
    // (all payments, then all completions and the refund), each phase after the last.
    const phase = (type: string) => all.slice(3).filter((x) => (x.input.type === 'paid') === (type === 'paid'));
    for (const type of ['paid', 'after']) {
      await Promise.all(phase(type).map(({ key, input }, i) => (i % 2 ? one : two).submit(key, { ...input, at: undefined })));
    }
    // Retries of every key through the other process are repeats.
    for (const [i, { key, input }] of all.entries()) {
      expect((await (i % 2 ? two : one).submit(key, i < 3 ? input : { ...input, at: undefined })).replayed).toBe(true);
    }
    await one.refresh();
    await two.refresh();
    expect(snapshot(one.engine).balances).toEqual(snapshot(two.engine).balances);
    expect(snapshot(one.engine).ledger.hash).toBe(snapshot(two.engine).ledger.hash);
  });
});

describe('DurableService ticks', () => {
  it('runs a due scheduled reset exactly once across two processes', async () => {
    const log = new MemoryEventLog();
    const clock = { at: T0, now() { return this.at; } };
    const one = await DurableService.open(log, clock, seeds());
    const two = await DurableService.open(log, clock, seeds());
    for (const { key, input } of inputs().slice(0, 4)) await one.submit(key, { ...input, at: undefined });
    expect(await one.tick()).toBeNull();
    clock.at = T0 + DAY;
    const [a, b] = await Promise.all([one.tick(), two.tick()]);
    expect([a, b].filter((x) => x !== null)).toHaveLength(1);
    const ran = (a ?? b)!;
    expect(ran.scheduledResets).toBe(1);
    await one.refresh();
    expect(snapshot(one.engine).entries.map((e) => e.status)).toEqual(['cleared']);
    expect(snapshot(two.engine).ledger.hash).toBe(snapshot(one.engine).ledger.hash);
  });
});

describe('DurableService group commit', () => {
  it('commits concurrent submissions together, each with its own result, in arrival order', async () => {
    const log = new MemoryEventLog();
    const durable = await DurableService.open(log, { now: () => T0 }, seeds());
    let transactions = 0;
    const withWriteLock = log.withWriteLock.bind(log);
    log.withWriteLock = (work) => {
      transactions++;
      return withWriteLock(work);
    };
    const all = inputs();
    const results = await Promise.allSettled(all.map(({ key, input }) => durable.submit(key, input)));
    expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
    expect(transactions).toBeLessThan(all.length / 2);
    expect((await log.readSince(0)).filter((e) => !e.key.startsWith('~')).map((e) => e.key)).toEqual(all.map((x) => x.key));
  });
});
