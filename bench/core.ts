/**
 * `npm run bench:core`: order lines per second of the engine with the in-memory store at queues
 * of 1k, 100k and 1M pending entries, and bytes of heap per pending entry.
 *
 * Method: fill one queue with N entries that extract nothing (extractBp 0), so they stay pending;
 * then switch to extract 50% and time single-line paid orders at reward 50%. Each timed order adds
 * one entry and its extraction completes exactly the head entry, so the queue stays at N pending
 * entries while every order pays out. Two paths are
 * timed: the engine alone (`applyEvent` on parsed events) and the whole service (parsing,
 * idempotency fingerprint and record, engine). Run with `--expose-gc` for the memory figure.
 */
import os from 'node:os';
import { QrebateService } from '../src/app/service.ts';
import { applyEvent } from '../src/domain/engine.ts';
import type { EngineEvent, PaidLineInput } from '../src/domain/events.ts';
import { MemoryStore } from '../src/store/memory/memory-store.ts';

const SIZES = (process.env.BENCH_SIZES ?? '1000,100000,1000000').split(',').map(Number);
const TIMED_LINES = Number(process.env.BENCH_LINES ?? 300_000);
const MEMBERS = 10_000;
/** Lines per timed order (BENCH_LINES_PER_ORDER); 1 is the conservative figure. */
const LINES_PER_ORDER = Number(process.env.BENCH_LINES_PER_ORDER ?? 1);
/** Which paths to time (BENCH_PATHS): 'engine,service' by default; 'engine' alone for profiling. */
const PATHS = new Set((process.env.BENCH_PATHS ?? 'engine,service').split(','));
const START = Date.parse('2026-01-01T00:00:00+08:00');

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** V8 heap plus typed-array backing stores, which live outside the heap. */
function heapUsed(): number {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/**
 * Seconds of wall time and of this process's CPU time. On an idle machine they agree; when other
 * processes compete for the two cores, CPU time still measures what the engine costs.
 */
function timed(work: () => void): { wall: number; cpu: number } {
  const cpu0 = process.cpuUsage();
  const wall0 = process.hrtime.bigint();
  work();
  const wall = Number(process.hrtime.bigint() - wall0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  return { wall, cpu: (cpu.user + cpu.system) / 1e6 };
}

const LINE_IDS = ['1', '2', '3', '4', '5', '6', '7', '8'];

type PaidEvent = EngineEvent & { type: 'paid' };

function line(l: number): PaidLineInput {
  return { lineId: LINE_IDS[l % 8]!, channel: 'mall', productId: 'p1', storeId: '', paidFen: 10_000, deductedFen: 0 };
}

/** A fresh parsed paid event, as the service's parser makes one per request (arrays of their exact length, as JSON.parse makes them). */
function paid(i: number, at: number, lines = 1): PaidEvent {
  let inputs: PaidLineInput[];
  if (lines === 1) inputs = [line(0)];
  else {
    inputs = [];
    for (let l = 0; l < lines; l++) inputs.push(line(l));
  }
  return { type: 'paid', at, orderId: `o${i}`, memberId: `m${i % MEMBERS}`, lines: inputs };
}

function setup(size: number) {
  const store = new MemoryStore(42);
  const state = store.state;
  let at = START;
  applyEvent(state, { type: 'settings', at, settings: { base: { defaultBp: 5_000, extractBp: 0 } } });
  for (let m = 0; m < MEMBERS; m++) applyEvent(state, { type: 'member', at, memberId: `m${m}` });
  const before = heapUsed();
  for (let i = 0; i < size; i++) applyEvent(state, paid(i, at));
  const bytesPerPending = (heapUsed() - before) / size;
  applyEvent(state, { type: 'settings', at, settings: { base: { defaultBp: 5_000, extractBp: 5_000 } } });
  at += 1;
  return { store, state, at, next: size, bytesPerPending };
}

function timeEngine(size: number) {
  const s = setup(size);
  // Events are made inside the loop, as a server parses each request into fresh objects:
  // holding hundreds of thousands of them in an array would make the GC mark them all.
  const t = timed(() => {
    for (let k = 0; k < TIMED_LINES / LINES_PER_ORDER; k++) applyEvent(s.state, paid(s.next + k, s.at, LINES_PER_ORDER));
  });
  const pending = s.state.queues.get('mall')!.activeCount;
  return { linesPerSecond: TIMED_LINES / t.wall, linesPerCpuSecond: TIMED_LINES / t.cpu, bytesPerPending: s.bytesPerPending, pendingAfter: pending };
}

function timeService(size: number) {
  const s = setup(size);
  const service = new QrebateService(s.store, { now: () => s.at }, { nextSeed: () => 7 });
  const t = timed(() => {
    for (let k = 0; k < TIMED_LINES; k++) {
      const { type, orderId, memberId, lines } = paid(s.next + k, s.at);
      service.submit(`k${k}`, { type, at: s.at, orderId, memberId, lines });
    }
  });
  return { linesPerSecond: TIMED_LINES / t.wall, linesPerCpuSecond: TIMED_LINES / t.cpu };
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

const rows: string[] = [];
const results = new Map<number, { engine: number; service: number; bytes: number }>();
for (const size of SIZES) {
  timeEngine(Math.min(size, 1000)); // warm up the JIT on a small queue first
  const engine = timeEngine(size);
  const service = PATHS.has('service') ? timeService(size) : { linesPerSecond: NaN, linesPerCpuSecond: NaN };
  results.set(size, { engine: engine.linesPerCpuSecond, service: service.linesPerCpuSecond, bytes: engine.bytesPerPending });
  rows.push(
    `| ${fmt(size)} | ${fmt(engine.linesPerSecond)} | ${fmt(engine.linesPerCpuSecond)} | ${fmt(service.linesPerSecond)} | ${fmt(service.linesPerCpuSecond)} | ${Math.round(engine.bytesPerPending)} | ${fmt(engine.pendingAfter)} |`,
  );
}

const small = results.get(SIZES[0]!)!;
const large = results.get(SIZES[SIZES.length - 1]!)!;
console.log(`qrebate bench:core — ${new Date().toISOString().slice(0, 10)}, ${os.cpus()[0]?.model ?? 'cpu'} ×${os.cpus().length}, node ${process.version}`);
console.log(`timed lines per size: ${fmt(TIMED_LINES)} in paid orders of ${LINES_PER_ORDER} line(s), reward 50%, extract 50%: each line completes the head entry`);
console.log('');
console.log(`load average at start: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
console.log('');
console.log('| pending entries | engine lines/s (wall) | engine lines per CPU-s | service lines/s (wall) | service lines per CPU-s | bytes / pending entry | pending after |');
console.log('|---|---|---|---|---|---|---|');
for (const row of rows) console.log(row);
console.log('');
console.log(`cost per line, largest/smallest queue, CPU time (engine): ${(small.engine / large.engine).toFixed(2)}×`);
console.log(`cost per line, largest/smallest queue, CPU time (service): ${(small.service / large.service).toFixed(2)}×`);
console.log('bytes / pending entry = growth of V8 heap + typed-array buffers while filling the queue, after full GC');
