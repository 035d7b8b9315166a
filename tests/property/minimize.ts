/**
 * Shrinks a failing long run to a short event sequence for a bug report:
 *
 *   npx tsx tests/property/minimize.ts <seed> [ops=10000] [property]
 *
 * It runs the seed's operations, takes the first violation (of `property`, when given), then
 * removes operations (delta debugging) as long as the shortened sequence still violates that
 * property, and prints the shortest sequence found as the JSON the service was given: one
 * `{ key, at, event }` per submission, in order, replayable against a fresh MemoryStore with
 * the same world seed.
 */
import { randomOps, type Op } from './ops.ts';
import { PropertyViolation, Runner, type Violation } from './runner.ts';

/** The first violation of `property` (or any) when running `ops`, or null. */
export function firstViolation(seed: number, ops: readonly Op[], property?: string): Violation | null {
  const runner = new Runner(seed, { mode: 'collect' });
  runner.runAll(ops);
  return runner.violations.find((v) => property === undefined || v.property === property) ?? null;
}

/** Delta debugging (ddmin) over the operation list: a 1-minimal failing subsequence. */
export function shrink(seed: number, ops: readonly Op[], fails: (ops: readonly Op[]) => boolean): Op[] {
  let current = [...ops];
  let chunks = 2;
  while (current.length >= 2) {
    const size = Math.ceil(current.length / chunks);
    let reduced = false;
    for (let start = 0; start < current.length; start += size) {
      const candidate = [...current.slice(0, start), ...current.slice(start + size)];
      if (candidate.length > 0 && fails(candidate)) {
        current = candidate;
        chunks = Math.max(chunks - 1, 2);
        reduced = true;
        break;
      }
    }
    if (!reduced) {
      if (size === 1) break;
      chunks = Math.min(chunks * 2, current.length);
    }
  }
  return current;
}

/** The concrete submissions of a run, as a report would quote them. */
export function submissions(seed: number, ops: readonly Op[]): { key: string; at: number; event: unknown; result: string }[] {
  const runner = new Runner(seed, { mode: 'unchecked', log: true });
  try {
    runner.runAll(ops);
  } catch {
    // An internal error ends the run; the log holds everything up to it.
  }
  return runner.log.map((s) => ({ key: s.key, at: s.at, event: s.body, result: s.result }));
}

function main(): void {
  const [seedText, opsText, property] = process.argv.slice(2);
  if (seedText === undefined) {
    console.error('usage: npx tsx tests/property/minimize.ts <seed> [ops=10000] [property]');
    process.exit(2);
  }
  const seed = Number(seedText);
  const all = randomOps(seed, Number(opsText ?? 10_000));
  const first = firstViolation(seed, all, property);
  if (!first) {
    console.log(`seed ${seed}: no violation${property ? ` of ${property}` : ''}`);
    return;
  }
  console.log(`seed ${seed}: [${first.property}] ${first.message}\n  first at step ${first.step}`);
  const fails = (ops: readonly Op[]) => {
    try {
      new Runner(seed, { mode: 'throw' }).runAll(ops);
      return false;
    } catch (err) {
      return err instanceof PropertyViolation && err.violation.property === first.property;
    }
  };
  // The violation happened by the first.step-th submission, so no later operation is needed.
  const prefix = all.slice(0, first.step);
  const minimal = shrink(seed, fails(prefix) ? prefix : all, fails);
  console.log(`\n${minimal.length} operation(s): ${JSON.stringify(minimal)}\n`);
  try {
    new Runner(seed, { mode: 'throw' }).runAll(minimal);
  } catch (err) {
    console.log(String(err instanceof Error ? err.message : err));
  }
  console.log('\nsubmissions (world seed ' + seed + '):');
  for (const s of submissions(seed, minimal)) console.log(JSON.stringify(s));
}

if (process.argv[1]?.endsWith('minimize.ts')) main();
