/* global console, process */
/**
 * `npm run bench:instructions`: instructions per unit of work, counted by valgrind (callgrind),
 * for comparing two versions of the code on a machine whose timings are noisy. Instruction counts
 * do not move with the load of a shared VM (the same build gives the same count within ~1%);
 * they are not a speed (cache misses and fsyncs cost time, not instructions), so the timing
 * benchmarks remain the measure of the targets.
 *
 * Each workload runs twice, with a small and a large number of units, and the difference divided
 * by the difference in units is reported, so start-up, module loading and the warm-up cancel out.
 * Workloads (BENCH_WORKLOADS, comma-separated):
 *   engine  — bench/core.ts's engine path at 100k pending entries; unit: one order line;
 *   durable — the durable batched write path on SQLite, 100 orders per transaction; unit: one order.
 * The code is bundled with esbuild first (valgrind makes tsx's on-the-fly transform very slow), and
 * node runs with --single-threaded so compilation happens on the counted thread in a fixed order.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const WORKLOADS = {
  engine: { entry: 'bench/core.ts', env: { BENCH_PATHS: 'engine', BENCH_SIZES: '100000', BENCH_ROUNDS: '1' }, unitsVar: 'BENCH_LINES', small: 50_000, large: 250_000, unit: 'order line' },
  durable: { entry: 'bench/instructions/durable-workload.ts', env: {}, unitsVar: 'BENCH_UNITS', small: 2_000, large: 8_000, unit: 'order' },
};

try {
  execFileSync('valgrind', ['--version'], { stdio: 'ignore' });
} catch {
  console.error('bench:instructions needs valgrind (Debian package valgrind)');
  process.exit(2);
}

const names = (process.env.BENCH_WORKLOADS ?? 'engine,durable').split(',');
// Bundles go under node_modules so that the external better-sqlite3 resolves from them.
const cache = join(root, 'node_modules', '.cache');
mkdirSync(cache, { recursive: true });
const out = mkdtempSync(join(cache, 'qrebate-instructions-'));
try {
  for (const name of names) {
    const w = WORKLOADS[name];
    if (!w) throw new Error(`unknown workload ${name}; use ${Object.keys(WORKLOADS).join(', ')}`);
    const bundle = join(out, `${name}.mjs`);
    await build({ entryPoints: [join(root, w.entry)], bundle: true, platform: 'node', format: 'esm', outfile: bundle, external: ['better-sqlite3'], logLevel: 'error' });
    const count = (units) => {
      const args = ['--tool=callgrind', '--callgrind-out-file=/dev/null', process.execPath, '--single-threaded', '--expose-gc', bundle];
      const env = { ...process.env, ...w.env, [w.unitsVar]: String(units) };
      // valgrind reports on stderr; the workload's own output is not needed.
      const run = spawnSync('valgrind', args, { env, cwd: root, encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 26 });
      const refs = /I\s+refs:\s+([\d,]+)/.exec(run.stderr ?? '');
      if (run.status !== 0 || !refs) throw new Error(`the ${name} workload failed under valgrind (exit ${run.status}):\n${(run.stderr ?? '').slice(-2000)}`);
      return Number(refs[1].replaceAll(',', ''));
    };
    const small = count(w.small);
    const large = count(w.large);
    console.log(`${name}: ${Math.round((large - small) / (w.large - w.small)).toLocaleString('en-US')} instructions per ${w.unit} (${w.small.toLocaleString('en-US')} and ${w.large.toLocaleString('en-US')} units: ${small.toLocaleString('en-US')} and ${large.toLocaleString('en-US')})`);
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}
