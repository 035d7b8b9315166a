/**
 * The durable batched write path for `bench:instructions`: a DurableService on SQLite in a temp
 * file, 1,000 members, 1,000 warm-up orders, then BATCHES batches of 100 single-line paid orders
 * (reward 50%, extract 50%: each order completes the head entry), as bench:store's batched cell.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { DurableService, type BatchItem } from '../../src/app/durable-service.ts';
import { SqliteEventLog } from '../../src/store/sql/sqlite-event-log.ts';

const BATCHES = Number(process.env.BENCH_UNITS ?? 10) / 100;
const MEMBERS = 1_000;
const T0 = Date.parse('2026-01-01T00:00:00+08:00');

function paid(n: number): BatchItem {
  return { key: `order-${n}`, input: { type: 'paid', orderId: `o${n}`, memberId: `m${n % MEMBERS}`, lines: [{ lineId: 'l1', channel: 'mall', productId: 'p1', paidFen: 10_000 }] } };
}

function settings(extractBp: number): BatchItem {
  return { key: `settings-${extractBp}`, input: { type: 'settings', settings: { base: { defaultBp: 5_000, extractBp } } } };
}

async function submit(service: DurableService, items: BatchItem[]): Promise<void> {
  const results = await service.submitBatch(items);
  if (!results.every((r) => r.ok)) throw new Error('a workload event was rejected');
}

const dir = mkdtempSync(join(os.tmpdir(), 'qrebate-instructions-'));
const log = new SqliteEventLog(join(dir, 'qrebate.db'));
try {
  const service = await DurableService.open(log, { now: () => T0 }, { nextSeed: () => 7 });
  await submit(service, [settings(0)]);
  await submit(service, Array.from({ length: MEMBERS }, (_, i) => ({ key: `member-${i}`, input: { type: 'member', memberId: `m${i}` } })));
  let n = 0;
  for (let b = 0; b < 10; b++) await submit(service, Array.from({ length: 100 }, () => paid(n++)));
  await submit(service, [settings(5_000)]);
  for (let b = 0; b < BATCHES; b++) await submit(service, Array.from({ length: 100 }, () => paid(n++)));
} finally {
  await log.close();
  rmSync(dir, { recursive: true, force: true });
}
