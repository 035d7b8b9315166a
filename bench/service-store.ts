/**
 * `npm run bench:store`: paid orders per second, and p50/p99 latency of a call, straight through DurableService on SQLite (a file
 * in a temp dir, WAL, synchronous=FULL) and PostgreSQL, at 1 and 100 orders per submitBatch, at a
 * queue prefilled with 1k and 100k pending entries; each beside a raw baseline measured in the
 * same run on the same store.
 *
 * Method (as bench/core.ts): fill one queue with N entries that extract nothing, so they stay
 * pending; then switch to extract 50% and time single-line orders at reward 50%, each of which
 * completes exactly the head entry, so the queue stays at N pending while every order pays out.
 * The raw baseline is the same log's minimal write transaction for the same orders: its writer
 * lock and one append of one events row and the same number of ledger rows per order as the
 * service wrote, with the same batching, and no engine, catch-up read or idempotency lookup.
 *
 * Further cells have BENCH_CLIENTS concurrent clients (16 and 64 by default) each submitting one
 * order at a time (`submit`): the service's group commit then gathers whatever arrived while the
 * previous transaction was in flight into the next one. Its raw baseline uses the average group
 * size the service reached in the same round.
 *
 * Environment: BENCH_STORES (sqlite,postgres), BENCH_PREFILL (1000,100000), BENCH_BATCHES (1,100), BENCH_CLIENTS (16,64; 0 for none),
 * BENCH_SECONDS per cell (2, split into BENCH_ROUNDS alternating slices, 8), BENCH_DATABASE_URL (default DATABASE_TEST_URL, else the local
 * postgres database; a database of its own is created there and dropped afterwards).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { type BatchItem, DurableService } from '../src/app/durable-service.ts';
import type { EventLog } from '../src/app/event-log.ts';
import { PostgresEventLog } from '../src/store/sql/postgres-event-log.ts';
import { SqliteEventLog } from '../src/store/sql/sqlite-event-log.ts';
import { percentile } from './percentile.ts';
import { lastLogged, raw } from './raw-baseline.ts';

const STORES = (process.env.BENCH_STORES ?? 'sqlite,postgres').split(',');
const PREFILLS = (process.env.BENCH_PREFILL ?? '1000,100000').split(',').map(Number);
const BATCHES = (process.env.BENCH_BATCHES ?? '1,100').split(',').map(Number);
const CLIENTS = (process.env.BENCH_CLIENTS ?? '16,64').split(',').map(Number).filter((n) => n > 0);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 8);
const PG_BASE = process.env.BENCH_DATABASE_URL || process.env.DATABASE_TEST_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const PREFILL_BATCH = 1_000;
const MEMBERS = 1_000;
const START = Date.parse('2026-01-01T00:00:00+08:00');

interface Store {
  name: string;
  log: EventLog;
  version: string;
  dispose(): Promise<void>;
}

async function sqliteStore(): Promise<Store> {
  const dir = mkdtempSync(join(os.tmpdir(), 'qrebate-bench-'));
  const log = new SqliteEventLog(join(dir, 'qrebate.db'));
  const probe = new Database(':memory:');
  const version = (probe.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
  probe.close();
  return {
    name: 'SQLite',
    log,
    version: `SQLite ${version} (better-sqlite3, WAL, synchronous=FULL)`,
    async dispose() {
      await log.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function adminQuery(sql: string): Promise<string> {
  const client = new pg.Client({ connectionString: PG_BASE });
  await client.connect();
  try {
    const result = await client.query<Record<string, string>>(sql);
    return Object.values(result.rows[0] ?? {})[0] ?? '';
  } finally {
    await client.end();
  }
}

async function postgresStore(): Promise<Store> {
  // A generated name of digits and letters: safe to place in the statement text.
  const name = `qrebate_bench_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  await adminQuery(`CREATE DATABASE "${name}"`);
  const url = new URL(PG_BASE);
  url.pathname = `/${name}`;
  const log = new PostgresEventLog(url.toString());
  const version = await adminQuery('SHOW server_version');
  return {
    name: 'PostgreSQL',
    log,
    version: `PostgreSQL ${version.split(' ')[0]} (pg ${(await import('pg/package.json', { with: { type: 'json' } })).default.version}, localhost TCP)`,
    async dispose() {
      await log.close();
      await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}

function paid(n: number): BatchItem {
  return {
    key: `order-${n}`,
    input: { type: 'paid', orderId: `o${n}`, memberId: `m${n % MEMBERS}`, lines: [{ lineId: 'l1', channel: 'mall', productId: 'p1', paidFen: 10_000 }] },
  };
}

function settings(extractBp: number): BatchItem {
  return { key: `settings-${extractBp}`, input: { type: 'settings', settings: { base: { defaultBp: 5_000, extractBp } } } };
}

/** Work done in a slice: orders and seconds. */
interface Tally {
  orders: number;
  seconds: number;
  /** Milliseconds of each call: one submitBatch (a whole batch, one transaction) or one order's submit. */
  latenciesMs: number[];
}

function tally(): Tally {
  return { orders: 0, seconds: 0, latenciesMs: [] };
}

function sinceMs(started: bigint): number {
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/** The p-th percentile of the tally's call latencies, in ms. */
function latencyMs(t: Tally, p: number): number {
  return percentile([...t.latenciesMs].sort((a, b) => a - b), p);
}

/** Runs batches of `size` for `seconds`, adding to `tally`. */
async function slice(size: number, seconds: number, tally: Tally, submit: (size: number) => Promise<void>): Promise<void> {
  const started = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < seconds) {
    const call = process.hrtime.bigint();
    await submit(size);
    tally.latenciesMs.push(sinceMs(call));
    tally.orders += size;
    elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  }
  tally.seconds += elapsed;
}

interface Row {
  store: string;
  pending: number;
  /** Orders per submitBatch; for the concurrent cell, the average group the service committed. */
  batch: number;
  clients: number;
  service: number;
  raw: number;
  /** p50 and p99 of a call's latency, ms: one submitBatch, or one order's submit in the concurrent cells. */
  serviceMs: [number, number];
  rawMs: [number, number];
  transfersPerOrder: number;
  prefillPerSecond: number;
}

async function measure(makeStore: () => Promise<Store>, pending: number): Promise<{ rows: Row[]; version: string }> {
  const store = await makeStore();
  try {
    const durable = await DurableService.open(store.log, { now: () => START }, { nextSeed: () => 7 });
    await durable.submitBatch([settings(0)]);
    for (let m = 0; m < MEMBERS; m += PREFILL_BATCH) {
      await durable.submitBatch(Array.from({ length: Math.min(PREFILL_BATCH, MEMBERS - m) }, (_, i) => ({ key: `member-${m + i}`, input: { type: 'member', memberId: `m${m + i}` } })));
    }
    let next = 0;
    const prefillStarted = process.hrtime.bigint();
    while (next < pending) {
      const size = Math.min(PREFILL_BATCH, pending - next);
      const results = await durable.submitBatch(Array.from({ length: size }, (_, i) => paid(next + i)));
      if (!results.every((r) => r.ok)) throw new Error('a prefill order was rejected');
      next += size;
    }
    const prefillPerSecond = pending / (Number(process.hrtime.bigint() - prefillStarted) / 1e9);
    await durable.submitBatch([settings(5_000)]);

    // Service and raw slices alternate, so both see the same machine load and the same database.
    let seq = 2 + MEMBERS + next; // logged so far: two settings, the members, every order (no ticks)
    const rows: Row[] = [];
    let transactions = 0;
    const withWriteLock = store.log.withWriteLock.bind(store.log);
    store.log.withWriteLock = (work) => {
      transactions++;
      return withWriteLock(work);
    };
    const cells = [...BATCHES.map((batch) => ({ batch, clients: 0 })), ...CLIENTS.map((clients) => ({ batch: 1, clients }))];
    for (const { batch: cellBatch, clients } of cells) {
      let batch = cellBatch;
      const serviceTally = tally();
      const rawTally = tally();
      const ledgerBefore = durable.engine.ledger.size;
      let transfersPerOrder = 0;
      let groupedOrders = 0;
      let groupedTransactions = 0;
      for (let round = 0; round < ROUNDS; round++) {
        const transactionsBefore = transactions;
        const ordersBefore = serviceTally.orders;
        if (clients === 0) {
          await slice(batch, SECONDS / ROUNDS, serviceTally, async (size) => {
            const results = await durable.submitBatch(Array.from({ length: size }, (_, i) => paid(next + i)));
            if (!results.every((r) => r.ok)) throw new Error('a timed order was rejected');
            next += size;
            seq += size;
          });
        } else {
          await concurrentSlice(clients, SECONDS / ROUNDS, serviceTally, async () => {
            const order = paid(next++);
            seq++;
            await durable.submit(order.key, order.input);
          });
          groupedOrders += serviceTally.orders - ordersBefore;
          groupedTransactions += transactions - transactionsBefore;
          batch = Math.max(1, Math.round(groupedOrders / groupedTransactions));
        }
        const sample = await lastLogged(store.log, seq, `order-${next - 1}`);
        transfersPerOrder = Math.round((durable.engine.ledger.size - ledgerBefore) / serviceTally.orders);
        const transfers = Array.from({ length: transfersPerOrder }, (_, i) => durable.engine.ledger.get(durable.engine.ledger.size - transfersPerOrder + i));
        await slice(batch, SECONDS / ROUNDS, rawTally, async (size) => {
          await raw(store.log, seq, size, sample, transfers);
          seq += size;
        });
        await durable.refresh(); // replays the raw ticks outside the timed slices
      }
      const active = durable.engine.queues.get('mall')?.activeCount;
      if (active !== pending) throw new Error(`the queue holds ${active} pending entries, expected ${pending}`);
      rows.push({
        store: store.name, pending, batch, clients, prefillPerSecond, transfersPerOrder,
        service: serviceTally.orders / serviceTally.seconds, raw: rawTally.orders / rawTally.seconds,
        serviceMs: [latencyMs(serviceTally, 50), latencyMs(serviceTally, 99)], rawMs: [latencyMs(rawTally, 50), latencyMs(rawTally, 99)],
      });
    }
    return { rows, version: store.version };
  } finally {
    await store.dispose();
  }
}

/** `clients` loops each submitting one order at a time for `seconds`, adding to `tally`. */
async function concurrentSlice(clients: number, seconds: number, tally: Tally, submitOne: () => Promise<void>): Promise<void> {
  const started = process.hrtime.bigint();
  const elapsed = () => Number(process.hrtime.bigint() - started) / 1e9;
  await Promise.all(Array.from({ length: clients }, async () => {
    while (elapsed() < seconds) {
      const call = process.hrtime.bigint();
      await submitOne();
      tally.latenciesMs.push(sinceMs(call));
      tally.orders++;
    }
  }));
  tally.seconds += elapsed();
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

const makers: Record<string, () => Promise<Store>> = { sqlite: sqliteStore, postgres: postgresStore };
const rows: Row[] = [];
const versions = new Set<string>();
for (const name of STORES) {
  const make = makers[name];
  if (!make) throw new Error(`unknown store ${name}; use sqlite or postgres`);
  for (const pending of PREFILLS) {
    const result = await measure(make, pending);
    rows.push(...result.rows);
    versions.add(result.version);
  }
}

console.log(`qrebate bench:store — ${new Date().toISOString().slice(0, 10)}, ${os.cpus()[0]?.model ?? 'cpu'} ×${os.cpus().length}, node ${process.version}, ${os.platform()} ${os.release()}`);
for (const v of versions) console.log(`- ${v}`);
console.log(`load average at the end ${os.loadavg().map((l) => l.toFixed(1)).join(' / ')} (1 / 5 / 15 min): other work on the machine skews absolute figures; compare service with raw, which alternate in ${ROUNDS} slices`);
console.log(`${SECONDS} s per cell; single-line paid orders, reward 50%, extract 50% (each completes the head entry); prefill in batches of ${PREFILL_BATCH}`);
console.log('');
console.log('latency: of one call, submitBatch (the whole batch, one transaction) or, in the concurrent cells, one order\'s submit (waiting for its group\'s commit)');
console.log('');
console.log('| store | pending entries | orders per transaction | service orders/s | service p50 / p99 ms | raw baseline orders/s | raw p50 / p99 ms | service / raw | ledger rows / order | prefill orders/s (batches of 1000) |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  const perTransaction = r.clients === 0 ? String(r.batch) : `${r.clients} clients × 1 (group commit, ~${r.batch} per transaction)`;
  const ms = ([p50, p99]: [number, number]) => `${p50.toFixed(2)} / ${p99.toFixed(2)}`;
  console.log(`| ${r.store} | ${fmt(r.pending)} | ${perTransaction} | ${fmt(r.service)} | ${ms(r.serviceMs)} | ${fmt(r.raw)} | ${ms(r.rawMs)} | ${(r.service / r.raw).toFixed(2)} | ${r.transfersPerOrder} | ${fmt(r.prefillPerSecond)} |`);
}
