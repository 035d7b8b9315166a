import { describe, expect, it } from 'vitest';
import { MemoryEventLog } from '../store/memory/memory-event-log.ts';
import { DurableService } from './durable-service.ts';
import { compareStoredLedger } from './stored-ledger.ts';

const T0 = Date.parse('2026-03-01T10:00:00+08:00');

async function shop() {
  const log = new MemoryEventLog();
  const service = await DurableService.open(log, { now: () => T0 }, { nextSeed: () => 5 });
  await service.submit('s', { type: 'settings', settings: { base: { defaultBp: 10_000, extractBp: 1_000 } } });
  await service.submit('m', { type: 'member', memberId: 'A' });
  for (let i = 0; i < 3; i++) await service.submit(`o${i}`, { type: 'paid', orderId: `o${i}`, memberId: 'A', lines: [{ lineId: '1', channel: 'mall', productId: 'p', paidFen: 10_000 }] });
  return { log, service };
}

describe('compareStoredLedger', () => {
  it('finds nothing when the stored rows are the replayed ledger', async () => {
    const { log, service } = await shop();
    expect(service.engine.ledger.size).toBeGreaterThan(0);
    expect(await compareStoredLedger(log, service.engine.ledger)).toEqual([]);
  });

  it('notices a stored transfer that was lost or altered', async () => {
    const { log, service } = await shop();
    const events = (log as unknown as { ledger: { seq: number; transfers: { amount: number }[] }[] }).ledger;
    const first = events.find((e) => e.transfers.length > 0)!;
    first.transfers[0]!.amount += 1;
    expect(await compareStoredLedger(log, service.engine.ledger)).toEqual([`stored transfer 1 (event ${first.seq}) differs from the replayed ledger`]);
    [...events].reverse().find((e) => e.transfers.length > 0)!.transfers.pop();
    expect((await compareStoredLedger(log, service.engine.ledger)).at(-1)).toMatch(/the store holds \d+ transfers, the replayed ledger \d+/);
  });
});
