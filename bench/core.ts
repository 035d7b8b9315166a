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
import type { EngineEvent } from '../src/domain/events.ts';
import { MemoryStore } from '../src/store/memory/memory-store.ts';

const SIZES = (process.env.BENCH_SIZES ?? '1000,100000,1000000').split(',').map(Number);
const TIMED_LINES = Number(process.env.BENCH_LINES ?? 300_000);
const MEMBERS = 10_000;
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

function paid(i: number, at: number): EngineEvent & { type: 'paid' } {
  return {
    type: 'paid',
    at,
    orderId: `o${i}`,
    memberId: `m${i % MEMBERS}`,
    lines: [{ lineId: 'l1', channel: 'mall', productId: 'p1', storeId: '', paidFen: 10_000, deductedFen: 0 }],
  };
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
  const events = Array.from({ length: TIMED_LINES }, (_, k) => paid(s.next + k, s.at));
  const started = process.hrtime.bigint();
  for (const event of events) applyEvent(s.state, event);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const pending = s.state.queues.get('mall')!.activeCount;
  return { linesPerSecond: TIMED_LINES / seconds, bytesPerPending: s.bytesPerPending, pendingAfter: pending };
}

function timeService(size: number) {
  const s = setup(size);
  const service = new QrebateService(s.store, { now: () => s.at }, { nextSeed: () => 7 });
  const inputs = Array.from({ length: TIMED_LINES }, (_, k) => {
    const { type, orderId, memberId, lines } = paid(s.next + k, s.at);
    return { key: `k${k}`, body: { type, at: s.at, orderId, memberId, lines } };
  });
  const started = process.hrtime.bigint();
  for (const input of inputs) service.submit(input.key, input.body);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { linesPerSecond: TIMED_LINES / seconds };
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

const rows: string[] = [];
const results = new Map<number, { engine: number; service: number; bytes: number }>();
for (const size of SIZES) {
  timeEngine(Math.min(size, 1000)); // warm up the JIT on a small queue first
  const engine = timeEngine(size);
  const service = timeService(size);
  results.set(size, { engine: engine.linesPerSecond, service: service.linesPerSecond, bytes: engine.bytesPerPending });
  rows.push(`| ${fmt(size)} | ${fmt(engine.linesPerSecond)} | ${fmt(service.linesPerSecond)} | ${Math.round(engine.bytesPerPending)} | ${fmt(engine.pendingAfter)} |`);
}

const small = results.get(SIZES[0]!)!;
const large = results.get(SIZES[SIZES.length - 1]!)!;
console.log(`qrebate bench:core — ${new Date().toISOString().slice(0, 10)}, ${os.cpus()[0]?.model ?? 'cpu'} ×${os.cpus().length}, node ${process.version}`);
console.log(`timed lines per size: ${fmt(TIMED_LINES)} (single-line paid orders, reward 50%, extract 50%: each completes the head)`);
console.log('');
console.log('| pending entries | engine lines/s | service lines/s | heap bytes / pending entry | pending after |');
console.log('|---|---|---|---|---|');
for (const row of rows) console.log(row);
console.log('');
console.log(`cost ratio largest/smallest queue (engine): ${(small.engine / large.engine).toFixed(2)}×`);
console.log(`cost ratio largest/smallest queue (service): ${(small.service / large.service).toFixed(2)}×`);
