/**
 * `npm run soak`: sustained load against a real `qrebate serve` child process for a fixed time,
 * printing throughput, p99 latency and the server's memory over time, and a verdict on memory
 * growth.
 *
 * The load: SOAK_CLIENTS keep-alive clients on 127.0.0.1 send paid orders (single and in batches
 * of 20), completions, refunds, and reads (queues, ledger balances, metrics). Every
 * SOAK_SAMPLE_SECONDS the server process is sampled: RSS from /proc/<pid>/status, and heap used
 * plus array buffers (the engine's columns are typed arrays) after a full GC from the process itself (the child runs with --expose-gc and a two-line
 * reporter on its IPC channel; the GC pause is part of the measured latency, every sample).
 *
 * The verdict: a least-squares line through the samples of the second half gives the growth of
 * heap (after GC) and of RSS per minute and per accepted event. The engine keeps its state in
 * memory by design (docs/ARCHITECTURE.md: ~130 bytes per pending entry, plus order ids and the
 * ledger's columns), so some growth per event is expected; a leak per request shows as growth far
 * above that. PASS when heap growth per accepted event is at most SOAK_MAX_HEAP_BYTES_PER_EVENT
 * (default 2048) and RSS growth per event at most SOAK_MAX_RSS_BYTES_PER_EVENT (default 8192).
 *
 * Environment: SOAK_SECONDS (60), SOAK_STORE (sqlite | postgres), SOAK_CLIENTS (8),
 * SOAK_SAMPLE_SECONDS (5), SOAK_MAX_REQUESTS (2,000,000: a hard bound besides the time),
 * DATABASE_TEST_URL for PostgreSQL (a database of its own is created there and dropped
 * afterwards). Exits 1 on a FAIL verdict, on any 5xx or lost connection.
 */
import { readFileSync } from 'node:fs';
import { ServerProcess, createStore, httpRequest, makeAgent, prng, serverEnv, sleep } from '../tests/reliability/harness.ts';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 60);
const STORE = (process.env.SOAK_STORE ?? 'sqlite') as 'sqlite' | 'postgres';
const CLIENTS = Number(process.env.SOAK_CLIENTS ?? 8);
const SAMPLE_SECONDS = Number(process.env.SOAK_SAMPLE_SECONDS ?? 5);
const MAX_REQUESTS = Number(process.env.SOAK_MAX_REQUESTS ?? 2_000_000);
const MAX_HEAP_PER_EVENT = Number(process.env.SOAK_MAX_HEAP_BYTES_PER_EVENT ?? 2_048);
const MAX_RSS_PER_EVENT = Number(process.env.SOAK_MAX_RSS_BYTES_PER_EVENT ?? 8_192);
const MEMBERS = 200;
const MB = 1024 * 1024;

if (STORE !== 'sqlite' && STORE !== 'postgres') throw new Error('SOAK_STORE must be sqlite or postgres');
if (!(SECONDS > 0 && SECONDS <= 24 * 3600)) throw new Error('SOAK_SECONDS must be between 1 and 86400');

/** Answers "sample" on the IPC channel with memoryUsage() after a full GC; never keeps the process alive. */
const REPORTER = `if (process.send) {
  process.on('message', (m) => { if (m === 'sample') { globalThis.gc?.(); process.send({ sample: process.memoryUsage() }); } });
  process.channel?.unref();
}`;

interface Sample {
  t: number;
  events: number;
  requests: number;
  rssMb: number;
  /** heapUsed + arrayBuffers after a full GC: the engine's columns are typed arrays, outside the JS heap. */
  heapMb: number;
  externalMb: number;
  engineEvents: number;
  eventsPerSecond: number;
  p99Ms: number;
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
}

/** Least-squares slope of y over x. */
function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  if (n < 2) return 0;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
  return kb * 1024;
}

function heapOf(server: ServerProcess): Promise<NodeJS.MemoryUsage> {
  const child = server.process!;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no memory sample from the server within 10 s')), 10_000);
    child.once('message', (m: { sample: NodeJS.MemoryUsage }) => {
      clearTimeout(timer);
      resolve(m.sample);
    });
    child.send('sample');
  });
}

let running: ServerProcess | null = null;

async function main(): Promise<number> {
  const store = await createStore(STORE);
  const server = new ServerProcess(serverEnv(store), [], ['--expose-gc', '--import', `data:text/javascript,${encodeURIComponent(REPORTER)}`]);
  running = server;
  const agent = makeAgent(CLIENTS * 2);
  const rng = prng(7);
  let failures = 0;
  try {
    const base = await server.start();
    const post = (path: string, key: string | null, body: unknown, method = 'POST') => httpRequest(agent, base, method, path, body, key ? { 'idempotency-key': key } : {}, 30_000);
    await post('/v1/settings', 'soak-settings', { base: { defaultBp: 10_000, extractBp: 1_000 } }, 'PUT');
    for (let i = 0; i < MEMBERS; i++) await post(`/v1/members/s${i}`, `soak-member-${i}`, { nickname: `soak ${i}` }, 'PUT');

    let orderNo = 0;
    const paidOrders: string[] = [];
    let events = 0;
    let requests = 0;
    let serverErrors = 0;
    let latencies: number[] = [];
    const allLatencies: number[] = [];
    const paid = () => {
      const id = `so${++orderNo}`;
      return { orderId: id, memberId: `s${rng.int(MEMBERS)}`, lines: [{ lineId: 'l1', channel: 'mall', productId: `p${rng.int(5)}`, paidFen: 100 + rng.int(20_000) }] };
    };
    const one = async (): Promise<void> => {
      const roll = rng.int(100);
      const t0 = performance.now();
      let status: number;
      let counted = 0;
      if (roll < 60) {
        const body = paid();
        status = (await post('/v1/orders/paid', `paid:${body.orderId}`, body)).status;
        if (status === 200) paidOrders.push(body.orderId);
        counted = 1;
      } else if (roll < 70 && paidOrders.length > 0) {
        const orderId = paidOrders[paidOrders.length - 1 - rng.int(Math.min(1_000, paidOrders.length))]!;
        status = (await post('/v1/orders/completed', `completed:${orderId}:${orderNo}`, { orderId })).status;
        counted = 1;
      } else if (roll < 74 && paidOrders.length > 0) {
        const orderId = paidOrders[rng.int(paidOrders.length)]!;
        status = (await post('/v1/orders/refunded', `refunded:${orderId}:${orderNo}`, { orderId })).status;
        counted = 1;
      } else if (roll < 80) {
        const items = Array.from({ length: 20 }, () => {
          const body = paid();
          return { type: 'paid', idempotencyKey: `paid:${body.orderId}`, ...body };
        });
        status = (await post('/v1/orders/batch', null, { events: items })).status;
        counted = items.length;
      } else if (roll < 90) {
        status = (await httpRequest(agent, base, 'GET', '/v1/queues', undefined, {}, 30_000)).status;
      } else if (roll < 98) {
        status = (await httpRequest(agent, base, 'GET', `/v1/ledger/balances?account=${encodeURIComponent(`member:s${rng.int(MEMBERS)}:frozen`)}`, undefined, {}, 30_000)).status;
        if (status === 404) status = 200; // a member who was never paid has no account yet
      } else {
        status = (await httpRequest(agent, base, 'GET', '/metrics', undefined, {}, 30_000)).status;
      }
      const ms = performance.now() - t0;
      latencies.push(ms);
      allLatencies.push(ms);
      requests++;
      if (status >= 500) serverErrors++;
      // Completing twice or refunding a refunded order is refused (409): part of the load, not an error.
      else if (status === 200) events += counted;
    };

    const samples: Sample[] = [];
    const started = performance.now();
    const deadline = started + SECONDS * 1000;
    let stop = false;
    let lastEvents = 0;
    let lastT = 0;
    const sampler = (async () => {
      process.stdout.write(`soak: ${STORE}, ${CLIENTS} clients, ${SECONDS} s, server pid ${server.pid}, ${base}\n`);
      process.stdout.write('   t s | events | events/s | p99 ms |  RSS MB | heap+buffers MB (after GC) | engine events\n');
      while (!stop) {
        const t = (performance.now() - started) / 1000;
        const pid = server.pid!;
        const mem = await heapOf(server);
        const metrics = await httpRequest(agent, base, 'GET', '/metrics', undefined, {}, 30_000);
        const engineEvents = Number(/^qrebate_engine_events (\d+)/m.exec(metrics.text)?.[1] ?? NaN);
        const sample: Sample = {
          t,
          events,
          requests,
          rssMb: rssOf(pid) / MB,
          heapMb: (mem.heapUsed + mem.arrayBuffers) / MB,
          externalMb: mem.external / MB,
          engineEvents,
          eventsPerSecond: samples.length > 0 && t > lastT ? (events - lastEvents) / (t - lastT) : 0,
          p99Ms: percentile(latencies, 99),
        };
        latencies = [];
        lastEvents = events;
        lastT = t;
        samples.push(sample);
        process.stdout.write(`${t.toFixed(0).padStart(6)} | ${String(events).padStart(6)} | ${sample.eventsPerSecond.toFixed(0).padStart(8)} | ${sample.p99Ms.toFixed(0).padStart(6)} | ${sample.rssMb.toFixed(1).padStart(7)} | ${sample.heapMb.toFixed(1).padStart(26)} | ${engineEvents}\n`);
        const wait = Math.min(SAMPLE_SECONDS * 1000, deadline - performance.now());
        if (wait <= 0) break;
        await sleep(wait);
      }
    })();
    await Promise.all(Array.from({ length: CLIENTS }, async () => {
      while (performance.now() < deadline && requests < MAX_REQUESTS) {
        try {
          await one();
        } catch (err) {
          failures++;
          process.stderr.write(`request failed: ${err instanceof Error ? err.message : String(err)}\n`);
          if (failures > 10) throw err;
        }
      }
    }));
    stop = true;
    await sampler;

    const seconds = (performance.now() - started) / 1000;
    const second = samples.filter((s) => s.t >= seconds / 2);
    const minutes = second.map((s) => s.t / 60);
    const heapSlope = slope(minutes, second.map((s) => s.heapMb)); // MB per minute
    const rssSlope = slope(minutes, second.map((s) => s.rssMb));
    const eventSlope = slope(minutes, second.map((s) => s.events)); // events per minute
    const heapPerEvent = eventSlope > 0 ? (heapSlope * MB) / eventSlope : 0;
    const rssPerEvent = eventSlope > 0 ? (rssSlope * MB) / eventSlope : 0;
    const verdictOk = second.length >= 3 && heapPerEvent <= MAX_HEAP_PER_EVENT && rssPerEvent <= MAX_RSS_PER_EVENT;
    const summary = {
      store: STORE,
      clients: CLIENTS,
      seconds: Math.round(seconds),
      requests,
      eventsAccepted: events,
      eventsPerSecond: Math.round(events / seconds),
      requestsPerSecond: Math.round(requests / seconds),
      p50Ms: Math.round(percentile(allLatencies, 50) * 10) / 10,
      p99Ms: Math.round(percentile(allLatencies, 99) * 10) / 10,
      serverErrors,
      failures,
      rssMb: { first: round(samples[0]?.rssMb), last: round(samples.at(-1)?.rssMb), max: round(Math.max(...samples.map((s) => s.rssMb))) },
      heapMb: { first: round(samples[0]?.heapMb), last: round(samples.at(-1)?.heapMb) },
      secondHalf: {
        samples: second.length,
        heapMbPerMinute: round(heapSlope),
        rssMbPerMinute: round(rssSlope),
        heapBytesPerEvent: Math.round(heapPerEvent),
        rssBytesPerEvent: Math.round(rssPerEvent),
      },
      verdict: verdictOk ? 'PASS' : 'FAIL',
      thresholds: { heapBytesPerEvent: MAX_HEAP_PER_EVENT, rssBytesPerEvent: MAX_RSS_PER_EVENT },
    };
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    process.stdout.write(
      `verdict: ${summary.verdict} — second half: heap+buffers ${summary.secondHalf.heapMbPerMinute} MB/min (${summary.secondHalf.heapBytesPerEvent} B per accepted event, limit ${MAX_HEAP_PER_EVENT}), ` +
        `RSS ${summary.secondHalf.rssMbPerMinute} MB/min (${summary.secondHalf.rssBytesPerEvent} B per event, limit ${MAX_RSS_PER_EVENT})\n`,
    );
    return verdictOk && serverErrors === 0 && failures === 0 ? 0 : 1;
  } finally {
    await server.stop('SIGTERM').catch(() => server.stop('SIGKILL'));
    agent.destroy();
    await store.dispose();
  }
}

function round(x: number | undefined): number | null {
  return x === undefined ? null : Math.round(x * 10) / 10;
}

// A hard bound besides the clients' own deadline: never run much past the chosen duration.
const guard = setTimeout(() => {
  process.stderr.write('soak: over time, stopping\n');
  running?.process?.kill('SIGKILL');
  process.exit(2);
}, (SECONDS + 120) * 1000);
guard.unref();
process.exitCode = await main();
