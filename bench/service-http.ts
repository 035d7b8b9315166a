/**
 * `npm run bench:http`: paid orders per second and p50/p99 latency over HTTP (the real server on
 * 127.0.0.1, keep-alive clients) on SQLite and PostgreSQL: single orders from C concurrent
 * clients and from 4× as many (the service commits concurrent requests together), and batches of
 * 100 orders through POST /v1/orders/batch. The clients run in a worker thread (bench/http-load.mjs),
 * so they use the machine's other core instead of the server's event loop. After each cell, its raw
 * baseline runs on the same log (raw-baseline.ts) with as many orders per transaction as the
 * server committed together in the cell. The queue is prefilled with BENCH_PREFILL pending entries first.
 *
 * Environment: BENCH_STORES (sqlite,postgres), BENCH_PREFILL (1000), BENCH_CLIENTS (16),
 * BENCH_SECONDS per cell (3), BENCH_DATABASE_URL (default the local postgres database; a database
 * of its own is created there and dropped afterwards). Traffic goes to loopback only.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import pg from 'pg';
import { hashApiKey } from '../src/api/auth.ts';
import { buildServer } from '../src/api/server.ts';
import { DurableService } from '../src/app/durable-service.ts';
import type { EventLog } from '../src/app/event-log.ts';
import { PostgresEventLog } from '../src/store/sql/postgres-event-log.ts';
import { SqliteEventLog } from '../src/store/sql/sqlite-event-log.ts';
import { percentile } from './percentile.ts';
import { lastLogged, raw } from './raw-baseline.ts';

const STORES = (process.env.BENCH_STORES ?? 'sqlite,postgres').split(',');
const PREFILL = Number(process.env.BENCH_PREFILL ?? 1_000);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 16);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const PG_BASE = process.env.BENCH_DATABASE_URL || process.env.DATABASE_TEST_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const SECRET = 'bench-key';
const MEMBERS = 1_000;

async function openStore(name: string): Promise<{ log: EventLog; dispose: () => Promise<void> }> {
  if (name === 'sqlite') {
    const dir = mkdtempSync(join(os.tmpdir(), 'qrebate-http-'));
    return { log: new SqliteEventLog(join(dir, 'qrebate.db')), dispose: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const db = `qrebate_bench_http_${process.pid}`;
  const admin = new pg.Client({ connectionString: PG_BASE });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${db}`);
  await admin.query(`CREATE DATABASE ${db}`);
  const url = new URL(PG_BASE);
  url.pathname = `/${db}`;
  return {
    log: new PostgresEventLog(url.toString()),
    dispose: async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${db}`);
      await admin.end();
    },
  };
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

let orderNo = 0;
const order = () => {
  const i = orderNo++;
  return { orderId: `o${i}`, memberId: `m${i % MEMBERS}`, lines: [{ lineId: '1', channel: 'mall', productId: 'p1', paidFen: 10_000 }] };
};

/** Setup requests from this thread (untimed). */
async function put(base: string, path: string, key: string, body: unknown): Promise<void> {
  const res = await fetch(base + path, { method: 'PUT', headers: { authorization: `Bearer ${SECRET}`, 'content-type': 'application/json', 'idempotency-key': key }, body: JSON.stringify(body) });
  await res.arrayBuffer();
  if (res.status !== 200 && res.status !== 201) throw new Error(`${path} answered ${res.status}`);
}

/** What bench/http-load.mjs takes and answers. */
interface LoadSpec {
  base: string;
  secret: string;
  clients: number;
  seconds: number;
  perRequest: number;
  firstOrder: number;
  members: number;
}

interface LoadResult {
  orders: number;
  requests: number;
  errors: number;
  seconds: number;
  latenciesMs: number[];
}

/** Timed load from a worker thread (bench/http-load.mjs), so the clients do not share the server's event loop. */
async function drive(base: string, perRequest: number, clients: number): Promise<{ orders: number; ordersPerSecond: number; p50: number; p99: number; errors: number }> {
  const spec: LoadSpec = { base, secret: SECRET, clients, seconds: SECONDS, perRequest, firstOrder: orderNo, members: MEMBERS };
  const result = await new Promise<LoadResult>((resolve, reject) => {
    const worker = new Worker(new URL('./http-load.mjs', import.meta.url), { workerData: spec });
    worker.once('message', (m: LoadResult | { error: string }) => ('error' in m ? reject(new Error(m.error)) : resolve(m)));
    worker.once('error', reject);
  });
  orderNo += result.requests * perRequest + clients * perRequest; // past every order the worker may have numbered
  const latencies = result.latenciesMs.sort((a, b) => a - b);
  return { orders: result.orders, ordersPerSecond: result.orders / result.seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), errors: result.errors };
}

/**
 * The raw baseline of a cell, in the same run on the same log: raw-baseline.ts's minimal write
 * transaction, `perTransaction` orders each (the average the server committed together in the
 * cell), from one caller, for SECONDS; rows copied from the service's last logged order.
 */
async function rawCell(log: EventLog, service: DurableService, perTransaction: number, transfersPerOrder: number): Promise<{ ordersPerSecond: number; p50: number; p99: number }> {
  await service.refresh();
  let seq = service.seq;
  const sample = await lastLogged(log, seq);
  const ledger = service.engine.ledger;
  const transfers = Array.from({ length: transfersPerOrder }, (_, i) => ledger.get(ledger.size - transfersPerOrder + i));
  const latencies: number[] = [];
  let orders = 0;
  const started = process.hrtime.bigint();
  let seconds = 0;
  while (seconds < SECONDS) {
    const call = process.hrtime.bigint();
    await raw(log, seq, perTransaction, sample, transfers);
    latencies.push(Number(process.hrtime.bigint() - call) / 1e6);
    seq += perTransaction;
    orders += perTransaction;
    seconds = Number(process.hrtime.bigint() - started) / 1e9;
  }
  await service.refresh(); // replays the raw ticks outside the timing
  latencies.sort((a, b) => a - b);
  return { ordersPerSecond: orders / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

const rows: string[] = [];
for (const name of STORES) {
  const store = await openStore(name);
  // Transactions are counted, so that each cell's raw baseline commits as many orders together as the server did.
  let transactions = 0;
  const withWriteLock = store.log.withWriteLock.bind(store.log);
  store.log.withWriteLock = (work) => {
    transactions++;
    return withWriteLock(work);
  };
  const service = await DurableService.open(store.log, { now: () => Date.now() }, { nextSeed: () => 7 });
  const app = buildServer({ service, auth: { apiKeys: [{ id: 'bench', hash: hashApiKey(SECRET), scopes: ['read', 'write'] }] } });
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  await put(base, '/v1/settings', 'settings-1', { base: { defaultBp: 5_000, extractBp: 0 } });
  // Setup goes straight through the service; only the timed orders go over HTTP.
  for (let m = 0; m < MEMBERS; m++) await service.submit(`member-m${m}`, { type: 'member', memberId: `m${m}` });
  for (let done = 0; done < PREFILL; done += 1_000) {
    await service.submitBatch(Array.from({ length: Math.min(1_000, PREFILL - done) }, () => {
      const o = order();
      return { key: `paid:${o.orderId}`, input: { type: 'paid', ...o } };
    }));
  }
  await put(base, '/v1/settings', 'settings-2', { base: { defaultBp: 5_000, extractBp: 5_000 } });
  for (const [perRequest, clients] of [[1, CLIENTS], [1, CLIENTS * 4], [100, Math.max(1, CLIENTS / 4)]] as const) {
    const transactionsBefore = transactions;
    const ledgerBefore = service.engine.ledger.size;
    const r = await drive(base, perRequest, clients);
    const perTransaction = Math.max(1, Math.round(r.orders / Math.max(1, transactions - transactionsBefore)));
    const transfersPerOrder = Math.round((service.engine.ledger.size - ledgerBefore) / Math.max(1, r.orders));
    const b = await rawCell(store.log, service, perTransaction, transfersPerOrder);
    const requests = perRequest === 1 ? `1 per request, ${clients} clients` : `100 per batch request, ${clients} clients`;
    rows.push(`| ${name} | ${requests} | ${fmt(r.ordersPerSecond)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.errors} | ${perTransaction} | ${fmt(b.ordersPerSecond)} | ${b.p50.toFixed(2)} | ${b.p99.toFixed(2)} |`);
  }
  await app.close();
  await service.close();
  await store.dispose();
}

console.log(`qrebate bench:http — ${new Date().toISOString().slice(0, 10)}, ${os.cpus()[0]?.model ?? 'cpu'} ×${os.cpus().length}, node ${process.version}, load ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
console.log(`prefilled pending entries: ${PREFILL}; ${SECONDS} s per cell`);
console.log('');
console.log('raw baseline: the same log\'s minimal write transaction of as many orders as the server committed together on average in the cell (no HTTP, engine or lookup), one caller; its latency is per transaction');
console.log('');
console.log('| store | requests | orders/s | p50 ms | p99 ms | non-200 | orders per transaction | raw baseline orders/s | raw p50 ms | raw p99 ms |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const row of rows) console.log(row);
