/**
 * Shrinks a failing program property run to a short list of submissions:
 *
 *   npx tsx tests/property/programs-minimize.ts <seed> [ops] [property]
 *
 * It regenerates the run for `seed` (ops defaults to 10000), stops at the first failure, and then
 * removes chunks of submissions (delta debugging, then one at a time) as long as the replay still
 * fails with the same property. It prints the failure and the remaining submissions, and writes
 * them to /tmp/qrebate-programs-<seed>.json. Replays send the recorded bodies at their recorded
 * instants; an automatic tick still precedes each rejection expected at a later instant.
 */
import { writeFileSync } from 'node:fs';
import type { LogEntry } from './programs-gen.ts';
import { iso } from './programs-model.ts';
import { type RunOptions, RunFailure, replay, runSeed } from './programs-runner.ts';

function fails(seed: number, entries: readonly LogEntry[], property: string, options: RunOptions): RunFailure | null {
  try {
    replay(seed, entries, options);
    return null;
  } catch (err) {
    if (err instanceof RunFailure && err.property === property) return err;
    return null;
  }
}

/** Delta debugging over complements, then single removals until nothing more can go. */
export function minimize(seed: number, entries: readonly LogEntry[], property: string, options: RunOptions, log = console.log): LogEntry[] {
  let current = [...entries];
  let n = 2;
  while (current.length >= 2) {
    const size = Math.ceil(current.length / n);
    let removed = false;
    for (let start = 0; start < current.length; start += size) {
      const candidate = [...current.slice(0, start), ...current.slice(start + size)];
      if (candidate.length > 0 && fails(seed, candidate, property, options)) {
        current = candidate;
        n = Math.max(n - 1, 2);
        removed = true;
        log(`  ${current.length} submissions`);
        break;
      }
    }
    if (!removed) {
      if (size === 1) break;
      n = Math.min(n * 2, current.length);
    }
  }
  for (let i = current.length - 1; i >= 0; i--) {
    const candidate = [...current.slice(0, i), ...current.slice(i + 1)];
    if (candidate.length > 0 && fails(seed, candidate, property, options)) current = candidate;
  }
  return current;
}

function main(): void {
  const [seedText, opsText, wanted] = process.argv.slice(2);
  const seed = Number(seedText);
  const ops = Number(opsText ?? 10_000);
  if (!Number.isSafeInteger(seed)) throw new Error('usage: npx tsx tests/property/programs-minimize.ts <seed> [ops] [property]');
  const entries: LogEntry[] = [];
  let failure: RunFailure | null = null;
  try {
    runSeed(seed, ops, { checks: true, fullCompareEvery: 250, digest: 'sampled' }, (e) => entries.push(e));
  } catch (err) {
    if (!(err instanceof RunFailure)) throw err;
    failure = err;
  }
  if (!failure) {
    console.log(`seed ${seed} with ${ops} operations keeps every property`);
    return;
  }
  const property = wanted ?? failure.property;
  console.log(`seed ${seed} fails at step ${failure.step}:\n${failure.message}\n\nshrinking (${property})…`);
  const prefix = entries.slice(0, failure.step);
  const options: RunOptions = { checks: true, fullCompareEvery: 1, digest: property === 'rejected changes nothing' ? 'all' : 'none' };
  const small = minimize(seed, prefix, property, options);
  const last = fails(seed, small, property, options);
  console.log(`\n${small.length} submissions still fail:\n${last?.message ?? '(no longer fails?)'}\n`);
  for (const e of small) console.log(`${iso(e.at)}  ${JSON.stringify(e.body)}${e.settingsCode ? `  (expect ${e.settingsCode})` : ''}`);
  const file = `/tmp/qrebate-programs-${seed}.json`;
  writeFileSync(file, JSON.stringify({ seed, property, failure: last?.message, entries: small }, null, 1));
  console.log(`\nwritten to ${file}`);
}

if (import.meta.url === `file://${process.argv[1]}`) main();
