/**
 * `npm run bench:http`: paid orders per second and p50/p99 latency over HTTP (the real server on
 * 127.0.0.1, keep-alive clients) on SQLite and PostgreSQL: single orders from C concurrent
 * clients and from 4× as many (the service commits concurrent requests together), and batches of
 * 100 orders through POST /v1/orders/batch. The clients run in a worker thread (bench/http-load.mjs),
 * so they use the machine's other core instead of the server's event loop. The queue is prefilled with BENCH_PREFILL pending entries first.
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

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
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
async function drive(base: string, perRequest: number, clients: number): Promise<{ ordersPerSecond: number; p50: number; p99: number; errors: number }> {
  const spec: LoadSpec = { base, secret: SECRET, clients, seconds: SECONDS, perRequest, firstOrder: orderNo, members: MEMBERS };
  const result = await new Promise<LoadResult>((resolve, reject) => {
    const worker = new Worker(new URL('./http-load.mjs', import.meta.url), { workerData: spec });
    worker.once('message', (m: LoadResult | { error: string }) => ('error' in m ? reject(new Error(m.error)) : resolve(m)));
    worker.once('error', reject);
  });
  orderNo += result.requests * perRequest + clients * perRequest; // past every order the worker may have numbered
  const latencies = result.latenciesMs.sort((a, b) => a - b);
  return { ordersPerSecond: result.orders / result.seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), errors: result.errors };
}

const rows: string[] = [];
for (const name of STORES) {
  const store = await openStore(name);
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
    const r = await drive(base, perRequest, clients);
    rows.push(`| ${name} | ${perRequest === 1 ? `1 per request, ${clients} clients` : `100 per batch request, ${clients} clients`} | ${Math.round(r.ordersPerSecond).toLocaleString('en-US')} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.errors} |`);
  }
  await app.close();
  await service.close();
  await store.dispose();
}

console.log(`qrebate bench:http — ${new Date().toISOString().slice(0, 10)}, ${os.cpus()[0]?.model ?? 'cpu'} ×${os.cpus().length}, node ${process.version}, load ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
console.log(`prefilled pending entries: ${PREFILL}; ${SECONDS} s per cell`);
console.log('');
console.log('| store | requests | orders/s | p50 ms | p99 ms | non-200 |');
console.log('|---|---|---|---|---|---|');
for (const row of rows) console.log(row);
