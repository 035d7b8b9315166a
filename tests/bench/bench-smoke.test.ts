/**
 * The benchmarks still run and still print what docs/BENCHMARKS.md reads from them, at sizes
 * small enough for CI. No figure is asserted: a unit test never judges a wall-clock time. What is
 * checked is the shape of each table (every size, store and cell present, numbers where numbers
 * belong) and, where a bench checks itself (bench:store verifies the queue still holds the
 * prefilled entries), that it did not fail. PostgreSQL cells run when the PostgreSQL suites do.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { postgresEnabled } from '../reliability/harness.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const pgOn = await postgresEnabled();
const stores = pgOn ? 'sqlite,postgres' : 'sqlite';

/** Runs a bench script with tsx, as its npm script does, and returns its standard output. */
function bench(script: string, env: Record<string, string>, nodeFlags: string[] = []): string {
  const run = spawnSync(process.execPath, [...nodeFlags, '--import', 'tsx', script], {
    cwd: root,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 230_000,
    maxBuffer: 1 << 24,
  });
  expect(run.status, `${script} failed:\n${run.stderr}`).toBe(0);
  return run.stdout;
}

/** The table rows of a markdown table whose first cell is `first`. */
function rows(out: string, first: RegExp): string[][] {
  return out.split('\n').filter((line) => line.startsWith('|')).map((line) => line.split('|').slice(1, -1).map((cell) => cell.trim())).filter((cells) => first.test(cells[0]!));
}

const NUMBER = /^-?[\d,]+(\.\d+)?$/;
/** Each bench takes seconds alone; the whole suite runs files in parallel, so allow for a loaded machine. */
const TIMEOUT_MS = 240_000;

describe('the benchmarks run and print their tables', () => {
  it('bench:core: a row per size with rates, bytes per entry and the cost ratios', () => {
    const out = bench('bench/core.ts', { BENCH_SIZES: '200,2000', BENCH_LINES: '4000', BENCH_SERVICE_LINES: '400', BENCH_ROUNDS: '2' }, ['--expose-gc']);
    const table = rows(out, /^[\d,]+$/);
    expect(table.map((r) => r[0])).toEqual(['200', '2,000']);
    for (const r of table) {
      // Engine rate, its slowest–fastest slices, per CPU-s; service rate and per CPU-s; bytes; pending after.
      for (const i of [1, 3, 4, 5, 6, 7]) expect(r[i], `column ${i} of ${r.join(' | ')}`).toMatch(NUMBER);
      expect(r[2]).toMatch(/^[\d,]+–[\d,]+$/);
    }
    expect(table.map((r) => r[7])).toEqual(['200', '2,000']); // the queue stayed at its size while every order paid out
    expect(out).toMatch(/cost per line, largest\/smallest queue, CPU time \(engine\): [\d.]+× over all rounds, [\d.]+× the median round/);
    expect(out).toMatch(/cost per line, largest\/smallest queue, CPU time \(service\): [\d.]+× over all rounds, [\d.]+× the median round/);
  }, TIMEOUT_MS);

  it(`bench:store: every cell on ${stores}, beside its raw baseline, with latencies`, () => {
    const out = bench('bench/service-store.ts', { BENCH_STORES: stores, BENCH_PREFILL: '200', BENCH_BATCHES: '1,10', BENCH_CLIENTS: '4', BENCH_SECONDS: '0.3', BENCH_ROUNDS: '2' });
    const table = rows(out, /^(SQLite|PostgreSQL)$/);
    expect(table.map((r) => `${r[0]} ${r[2]}`)).toEqual(
      (pgOn ? ['SQLite', 'PostgreSQL'] : ['SQLite']).flatMap((s) => [`${s} 1`, `${s} 10`, expect.stringMatching(new RegExp(`^${s} 4 clients × 1`))]),
    );
    for (const r of table) {
      for (const i of [3, 5, 7, 8, 9]) expect(r[i], `column ${i} of ${r.join(' | ')}`).toMatch(NUMBER);
      for (const i of [4, 6]) expect(r[i]).toMatch(/^[\d.]+ \/ [\d.]+$/);
    }
  }, TIMEOUT_MS);

  it(`bench:http: every cell on ${stores}, no request refused, beside its raw baseline`, () => {
    const out = bench('bench/service-http.ts', { BENCH_STORES: stores, BENCH_PREFILL: '200', BENCH_CLIENTS: '4', BENCH_SECONDS: '0.3' });
    const table = rows(out, /^(sqlite|postgres)$/);
    expect(table).toHaveLength(pgOn ? 6 : 3);
    for (const r of table) {
      for (const i of [2, 3, 4, 6, 7, 8, 9]) expect(r[i], `column ${i} of ${r.join(' | ')}`).toMatch(NUMBER);
      expect(r[5], `non-200 answers in ${r.join(' | ')}`).toBe('0');
    }
  }, TIMEOUT_MS);
});
