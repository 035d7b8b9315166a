/**
 * Property tests of pool programs (工会排队 / 消费报销, SPEC §4) and distribution rewards (分销奖励,
 * SPEC §5) through the app service: QrebateService over a MemoryStore, a clock the run advances and
 * seeded randomness, with long seeded runs mixing settings changes (1–3 programs, reward rules),
 * members and referral changes (cycles included), paid orders, completions, refunds before and
 * after completion, pool releases, dividends, withdrawals and clock advances. After every step
 * programs-runner.ts checks the auditor, conservation per unit and per account, entry bounds,
 * member balances, FIFO full exits and release completeness, frozen rewards, refund restoration,
 * and that a rejected operation changes nothing; this file adds determinism: each run's exact
 * submissions, sent again to a fresh service built from the same seed, end in the same ledger hash
 * and state digest, and different seeds end in different ledgers.
 *
 * Environment (all optional):
 *   QREBATE_PROGRAM_PROPERTY_OPS    operations per run (default 10000)
 *   QREBATE_PROGRAM_PROPERTY_SEEDS  how many runs (default 3)
 *   QREBATE_PROGRAM_PROPERTY_SEED   the first run's seed (default 20260501); the others follow it
 *   QREBATE_PROGRAM_PROPERTY_DIGEST 'sampled' (default) or 'all': which rejected operations get the
 *                                   before/after stateDigest comparison (see programs-runner.ts)
 * A failure names its seed and step; `npx tsx tests/property/programs-minimize.ts <seed> <ops>`
 * shrinks it to a short list of submissions.
 */
import { describe, expect, it } from 'vitest';
import { type RunReport, coverage, replayTranscript, runSeed } from './programs-runner.ts';

function envInt(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer, not ${JSON.stringify(text)}`);
  return value;
}

const OPS = envInt('QREBATE_PROGRAM_PROPERTY_OPS', 10_000);
const SEED_COUNT = envInt('QREBATE_PROGRAM_PROPERTY_SEEDS', 3);
const FIRST_SEED = envInt('QREBATE_PROGRAM_PROPERTY_SEED', 20_260_501);
const SEEDS = Array.from({ length: SEED_COUNT }, (_, i) => FIRST_SEED + i);
const DIGEST = process.env.QREBATE_PROGRAM_PROPERTY_DIGEST === 'all' ? 'all' : 'sampled';
/** A run takes seconds; the limit only has to survive a slow, loaded machine. */
const TIMEOUT_MS = 600_000;

describe('pool programs and distribution rewards under long seeded runs', () => {
  const reports = new Map<number, RunReport>();

  for (const seed of SEEDS) {
    it(`keep every property after each of ${OPS} operations (seed ${seed})`, () => {
      const report = runSeed(seed, OPS, { checks: true, fullCompareEvery: 250, digest: DIGEST });
      reports.set(seed, report);
      if (OPS >= 10_000) expect(coverage(report), `seed ${seed}: what the run never managed`).toEqual([]);
    }, TIMEOUT_MS);
  }

  it('give the same ledger hash and state digest for the same seed, and other ones for other seeds', () => {
    const hashes = new Set<string>();
    for (const seed of SEEDS) {
      // The checked run's submissions, automatic ticks included, sent again to a fresh service
      // built from the same seed (a run of its own when the checked one was filtered out).
      const first = reports.get(seed) ?? runSeed(seed, OPS, { checks: false });
      const again = replayTranscript(seed, first.transcript);
      expect(again, `seed ${seed}`).toEqual({ ledgerHash: first.ledgerHash, ledgerSize: first.ledgerSize, digest: first.digest });
      hashes.add(first.ledgerHash);
    }
    expect(hashes.size, 'distinct seeds give distinct ledgers').toBe(SEEDS.length);
  }, TIMEOUT_MS);
});
