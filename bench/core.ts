/**
 * `npm run bench:core`: order lines per second of the engine with the in-memory store at queues
 * of 1k, 100k and 1M pending entries, and bytes of heap per pending entry.
 *
 * Method: fill one queue with N entries that extract nothing (extractBp 0), so they stay pending;
 * then switch to extract 50% and time single-line paid orders at reward 50%. Each timed order adds
 * one entry and its extraction completes exactly the head entry, so the queue stays at N pending
 * entries while every order pays out. Every size is filled first, then the sizes are timed in
 * alternating slices (BENCH_ROUNDS rounds, the order rotating): on a shared VM whose speed drifts
 * by ±30% within a minute, sizes timed one after another compared moments more than sizes. Two
 * paths are timed: the engine alone (`applyEvent` on parsed events) and the whole service (parsing,
 * idempotency fingerprint and record, engine). Run with `--expose-gc` for the memory figure.
 */
import os from 'node:os';
import { QrebateService } from '../src/app/service.ts';
import { applyEvent } from '../src/domain/engine.ts';
import type { EngineEvent, PaidLineInput } from '../src/domain/events.ts';
import { MemoryStore } from '../src/store/memory/memory-store.ts';

const SIZES = (process.env.BENCH_SIZES ?? '1000,100000,1000000').split(',').map(Number);
const TIMED_LINES = Number(process.env.BENCH_LINES ?? 1_000_000);
/** Timed lines per size on the service path (BENCH_SERVICE_LINES): it keeps every submission's record in memory. */
const SERVICE_LINES = Number(process.env.BENCH_SERVICE_LINES ?? 300_000);
const MEMBERS = 10_000;
/** Lines per timed order (BENCH_LINES_PER_ORDER); 1 is the conservative figure. */
const LINES_PER_ORDER = Number(process.env.BENCH_LINES_PER_ORDER ?? 1);
/** Which paths to time (BENCH_PATHS): 'engine,service' by default; 'engine' alone for profiling. */
const PATHS = new Set((process.env.BENCH_PATHS ?? 'engine,service').split(','));
/** Rounds of alternating slices (BENCH_ROUNDS): each size gets TIMED_LINES / ROUNDS lines a round. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20);
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

/**
 * The order id of the i-th timed order: its number in base 36 after a `q`. Not in decimal: V8's
 * number-string cache keeps the strings of recent decimal conversions, so with decimal order ids
 * it held the last ~16,000 of them alive and every young-generation collection copied ~400 KB of
 * them (1–1.5 ms a collection, about a tenth of the engine's time at these rates). That is a cost
 * of making ids from numbers, not of the engine: a server's ids come out of JSON.parse, which does
 * not go through the cache. The fill keeps decimal `o` ids (untimed), so bytes per pending entry
 * are measured on the same ids as before; `q` keeps the two kinds from ever colliding.
 */
function timedOrderId(i: number): string {
  return `q${i.toString(36)}`;
}

/** A fresh parsed paid event, as the service's parser makes one per request (arrays of their exact length, as JSON.parse makes them). */
function paid(orderId: string, i: number, at: number, lines = 1): PaidEvent {
  let inputs: PaidLineInput[];
  if (lines === 1) inputs = [line(0)];
  else {
    inputs = [];
    for (let l = 0; l < lines; l++) inputs.push(line(l));
  }
  return { type: 'paid', at, orderId, memberId: `m${i % MEMBERS}`, lines: inputs };
}

function setup(size: number) {
  const store = new MemoryStore(42);
  const state = store.state;
  let at = START;
  applyEvent(state, { type: 'settings', at, settings: { base: { defaultBp: 5_000, extractBp: 0 } } });
  for (let m = 0; m < MEMBERS; m++) applyEvent(state, { type: 'member', at, memberId: `m${m}` });
  const before = heapUsed();
  for (let i = 0; i < size; i++) applyEvent(state, paid(`o${i}`, i, at));
  const bytesPerPending = (heapUsed() - before) / size;
  applyEvent(state, { type: 'settings', at, settings: { base: { defaultBp: 5_000, extractBp: 5_000 } } });
  at += 1;
  return { store, state, at, next: size, bytesPerPending };
}

/** Wall and CPU seconds and lines of one size's timed slices, summed over the rounds. */
interface Tally {
  lines: number;
  wall: number;
  cpu: number;
  /** Lines per wall-second of each round's slice, for the spread. */
  rates: number[];
  /** CPU seconds of each round's slice. */
  cpus: number[];
}

function tally(): Tally {
  return { lines: 0, wall: 0, cpu: 0, rates: [], cpus: [] };
}

function add(t: Tally, lines: number, spent: { wall: number; cpu: number }): void {
  t.lines += lines;
  t.wall += spent.wall;
  t.cpu += spent.cpu;
  t.rates.push(lines / spent.wall);
  t.cpus.push(spent.cpu);
}

/** The median of the rounds' cost ratios, each between two slices of one round (the same minute of machine time). */
function medianRatio(large: Tally, small: Tally): number {
  const ratios = large.cpus.map((cpu, round) => cpu / small.cpus[round]!).sort((a, b) => a - b);
  const mid = ratios.length >> 1;
  return ratios.length % 2 === 1 ? ratios[mid]! : (ratios[mid - 1]! + ratios[mid]!) / 2;
}

/** One filled state per size, timed by `run(state, lines)`: a warm-up slice each, then alternating slices. */
function alternate<S>(states: S[], lines: number, run: (state: S, lines: number) => void): Tally[] {
  const tallies = states.map(() => tally());
  const perSlice = Math.max(1, Math.round(lines / ROUNDS));
  for (const state of states) run(state, Math.min(perSlice, 20_000)); // warm-up, untimed
  for (let round = 0; round < ROUNDS; round++) {
    // The order rotates, so no size always runs first (after the collector's quiet moment) or last.
    for (let k = 0; k < states.length; k++) {
      const i = (k + round) % states.length;
      add(tallies[i]!, perSlice, timed(() => run(states[i]!, perSlice)));
    }
  }
  return tallies;
}

type Filled = ReturnType<typeof setup>;

function runEngine(s: Filled, lines: number): void {
  // Events are made inside the loop, as a server parses each request into fresh objects:
  // holding hundreds of thousands of them in an array would make the GC mark them all.
  const orders = Math.round(lines / LINES_PER_ORDER);
  for (let k = 0; k < orders; k++) applyEvent(s.state, paid(timedOrderId(s.next + k), s.next + k, s.at, LINES_PER_ORDER));
  s.next += orders;
}

function serviceFor(s: Filled) {
  return { s, service: new QrebateService(s.store, { now: () => s.at }, { nextSeed: () => 7 }), keys: 0 };
}

function runService(x: ReturnType<typeof serviceFor>, lines: number): void {
  for (let k = 0; k < lines; k++) {
    const { type, orderId, memberId, lines: inputs } = paid(timedOrderId(x.s.next + k), x.s.next + k, x.s.at);
    x.service.submit(`k${x.keys++}`, { type, at: x.s.at, orderId, memberId, lines: inputs });
  }
  x.s.next += lines;
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

const loadAtStart = os.loadavg();
// JIT warm-up on a small queue of its own first, so the first size's slices are not the ones compiling.
runEngine(setup(1000), 20_000);
const engineStates = SIZES.map(setup);
const engine = alternate(engineStates, TIMED_LINES, runEngine);
const pendingAfter = engineStates.map((s) => s.state.queues.get('mall')!.activeCount);
const service = PATHS.has('service') ? alternate(SIZES.map((size) => serviceFor(setup(size))), SERVICE_LINES, runService) : null;

const perSecond = (t: Tally | undefined, clock: 'wall' | 'cpu') => (t ? t.lines / t[clock] : NaN);
const spread = (t: Tally) => `${fmt(Math.min(...t.rates))}–${fmt(Math.max(...t.rates))}`;
const rows = SIZES.map((size, i) => {
  const e = engine[i]!;
  const sv = service?.[i];
  return `| ${fmt(size)} | ${fmt(perSecond(e, 'wall'))} | ${spread(e)} | ${fmt(perSecond(e, 'cpu'))} | ${fmt(perSecond(sv, 'wall'))} | ${fmt(perSecond(sv, 'cpu'))} | ${Math.round(engineStates[i]!.bytesPerPending)} | ${fmt(pendingAfter[i]!)} |`;
});
/** Cost per line at the largest queue against the smallest, CPU time: over all rounds, and in the median round. */
function costRatio(tallies: Tally[]): string {
  const small = tallies[0]!;
  const large = tallies[tallies.length - 1]!;
  return `${(perSecond(small, 'cpu') / perSecond(large, 'cpu')).toFixed(2)}× over all rounds, ${medianRatio(large, small).toFixed(2)}× the median round`;
}
console.log(`qrebate bench:core — ${new Date().toISOString().slice(0, 10)}, ${os.cpus()[0]?.model ?? 'cpu'} ×${os.cpus().length}, node ${process.version}`);
console.log(`timed lines per size: ${fmt(TIMED_LINES)} (service path: ${fmt(SERVICE_LINES)}) in paid orders of ${LINES_PER_ORDER} line(s), reward 50%, extract 50%: each line completes the head entry`);
console.log('');
console.log(`sizes timed in ${ROUNDS} rounds of alternating slices, so every size sees the same machine load`);
console.log(`load average at start: ${loadAtStart.map((x) => x.toFixed(2)).join(' ')}, at the end: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
console.log('');
console.log('| pending entries | engine lines/s (wall) | engine, slowest–fastest slice | engine lines per CPU-s | service lines/s (wall) | service lines per CPU-s | bytes / pending entry | pending after |');
console.log('|---|---|---|---|---|---|---|---|');
for (const row of rows) console.log(row);
console.log('');
console.log(`cost per line, largest/smallest queue, CPU time (engine): ${costRatio(engine)}`);
if (service) console.log(`cost per line, largest/smallest queue, CPU time (service): ${costRatio(service)}`);
console.log('bytes / pending entry = growth of V8 heap + typed-array buffers while filling the queue, after full GC');
