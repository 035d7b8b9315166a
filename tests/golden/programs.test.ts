/**
 * Golden scenarios for pool programs (工会排队 / 消费报销, SPEC §4) and distribution rewards
 * (分销奖励, SPEC §5). Each scenario is a readable JSON file under `programs/` that
 * `npx qrebate replay` runs as well; docs/PROGRAMS.md maps every file to its SPEC rule.
 *
 * Every expected number below was worked out by hand from the SPEC and the scenario's
 * description, not copied from engine output. Amounts are fen. A checkpoint (`upTo`) replays the
 * scenario up to and including one step, so the state in the middle of a story can be checked.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type Scenario, runScenario } from '../../src/app/scenario.ts';

type Output = ReturnType<typeof runScenario>;

const DIR = new URL('./programs/', import.meta.url);

function load(file: string): Scenario {
  return JSON.parse(readFileSync(new URL(file, DIR), 'utf8')) as Scenario;
}

function verified(out: Output): Output {
  expect(out.verify).toEqual({ ok: true, violations: [] });
  return out;
}

/** Runs the whole scenario; the ledger auditor must find nothing. */
function run(file: string): Output {
  return verified(runScenario(load(file)));
}

/** Runs the scenario up to and including the step with this key. */
function upTo(file: string, key: string): Output {
  const scenario = load(file);
  const i = scenario.events.findIndex((e) => e.key === key);
  expect(i, `step ${key} exists in ${file}`).toBeGreaterThanOrEqual(0);
  return verified(runScenario({ ...scenario, events: scenario.events.slice(0, i + 1) }));
}

/** Platform-time-zone instants written the way the scenarios write them. */
const at = (iso: string): number => Date.parse(iso);

function balance(out: Output, account: string): number {
  return out.balances.find((b) => b.account === account && b.unit === 'CNY')?.balance ?? 0;
}
const cash = (out: Output, member: string) => balance(out, `member:${member}:cash`);
const frozen = (out: Output, member: string) => balance(out, `member:${member}:frozen`);
const rewardFrozen = (out: Output, member: string) => balance(out, `member:${member}:rewardFrozen`);

function pool(out: Output, programId = 'union') {
  const p = out.pools.find((x) => x.programId === programId);
  expect(p, `pool ${programId}`).toBeDefined();
  return p!;
}

function entriesOf(out: Output, member: string, programId = 'union') {
  return out.poolEntries.filter((e) => e.member === member && e.program === programId);
}

function step(out: Output, key: string) {
  const s = out.steps.find((x) => x.key === key);
  expect(s, `step ${key}`).toBeDefined();
  return s!;
}

/** Everything a scenario ends with except the per-step reports and the member views. */
function finalState(out: Output) {
  const { now, events, entries, poolEntries, balances, queues, pools, ledger, stranded } = out;
  return { now, events, entries, poolEntries, balances, queues, pools, ledger, stranded };
}

function view(out: Output, member: string) {
  const v = out.views[member];
  expect(v, `view of ${member}`).toBeDefined();
  return v!;
}

describe('every program scenario', () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.json'));

  it('is a named JSON scenario whose description names the SPEC rule', () => {
    expect(files.length).toBeGreaterThanOrEqual(20);
    for (const file of files) {
      const s = load(file);
      expect(s.name, file).toBeTruthy();
      expect(s.description, file).toMatch(/SPEC §\d/);
    }
  });

  // A rejected operation changes nothing: the same scenario without its rejected steps ends in
  // exactly the same state. Rejected steps must not move the clock for this to be a fair test.
  for (const file of files.filter((f) => load(f).events.some((e) => e.expectError !== undefined))) {
    it(`${file}: the rejected steps change nothing`, () => {
      const scenario = load(file);
      scenario.events.forEach((e, i) => {
        if (e.expectError === undefined) return;
        expect(e.advance, `${file} step ${e.key} moves the clock`).toBeUndefined();
        if (e.at !== undefined) expect(scenario.events[i + 1]?.at, `the step after ${e.key} sets its own time`).toBeDefined();
      });
      const without = verified(runScenario({ ...scenario, events: scenario.events.filter((e) => e.expectError === undefined) }));
      expect(finalState(run(file))).toEqual(finalState(without));
    });
  }
});

describe('SPEC §4 worked example: full exits in FIFO order', () => {
  const file = 'spec-4-example-full-exits.json';

  it('keeps 300,000 and 300 entries of 1,100 waiting until the daily release time', () => {
    const out = upTo(file, 'before-20:00');
    expect(out.poolEntries).toHaveLength(300);
    expect(out.poolEntries.every((e) => e.totalFen === 1_100 && e.receivedFen === 0 && e.status === 'waiting')).toBe(true);
    expect(pool(out)).toMatchObject({ entries: 300, activeCount: 300, pendingFen: 330_000, balanceFen: 300_000, releasedTodayFen: 0 });
    expect(balance(out, 'platform:funding')).toBe(-300_000);
  });

  it('releases 272 whole entitlements (299,200) at 20:00 and carries 800 over', () => {
    const out = upTo(file, 'after-20:00');
    const exited = out.poolEntries.filter((e) => e.status === 'completed');
    expect(exited).toHaveLength(272);
    expect(exited.every((e) => e.receivedFen === 1_100)).toBe(true);
    // Sequence order: M1's 100, M2's 100, then M3's first 72; M3's 73rd line is the new head.
    expect(exited.map((e) => e.seq)).toEqual(Array.from({ length: 272 }, (_, i) => i + 1));
    expect(out.poolEntries[272]).toMatchObject({ seq: 273, member: 'M3', order: 'o3', line: 'l073', receivedFen: 0, status: 'waiting' });
    expect([cash(out, 'M1'), cash(out, 'M2'), cash(out, 'M3')]).toEqual([110_000, 110_000, 79_200]);
    expect(pool(out)).toMatchObject({ activeCount: 28, pendingFen: 30_800, balanceFen: 800, releasedTodayFen: 299_200 });
    // The release ran as its own step between the 19:59 and 21:00 ticks.
    expect(upTo(file, 'before-20:00').events).toBe(11);
    expect(out.events).toBe(13);
    // Parts sum back to the whole: paid out + carried = funded.
    expect(cash(out, 'M1') + cash(out, 'M2') + cash(out, 'M3') + pool(out).balanceFen).toBe(300_000);
  });

  it('does not skip the uncovered head at a later release', () => {
    const out = run(file);
    expect(step(out, 'manual-release-next-morning').result).toEqual({ programId: 'union', exits: 0, releasedFen: 0, carriedFen: 800 });
    const m3 = view(out, 'M3').programEntries;
    expect(m3).toHaveLength(100);
    // Jan 1 inflow 300,000 is the trailing week: 1 fen of need takes 7 days / 300,000 = 2,016 ms.
    expect(m3[72]).toMatchObject({ entryId: 273, programName: '工会排队', status: 'waiting', position: 0, aheadFen: 0, pendingFen: 1_100, expectedAt: at('2026-01-02T09:36:57.600+08:00') });
    expect(m3[99]).toMatchObject({ entryId: 300, position: 27, aheadFen: 29_700, expectedAt: at('2026-01-03T02:14:52.800+08:00') });
  });
});

describe('SPEC §4 funding bases and entitlement', () => {
  const out = run('funding-profit-and-sales.json');

  it('funds 工会 with 60% of net profit after the line rewards and the points subsidy', () => {
    // o1: floor(60% × (5,000 − 500 − 2,000)) = 1,500; o2 l1: floor(60% × 333) = 199; o2 l2 and o3: 0.
    expect(pool(out, 'union').balanceFen).toBe(1_500 + 199);
  });

  it('funds 消费报销 with a share of the paid amount', () => {
    // 30% of 10,000 + 1,000 + 101 + 1,000, each floored: 3,000 + 300 + 30 + 300.
    expect(pool(out, 'reimburse').balanceFen).toBe(3_630);
  });

  it('gives floor(paid × rewardBp / 10000) in every program: 1,000 → 1,100', () => {
    for (const programId of ['union', 'reimburse']) {
      expect(out.poolEntries.filter((e) => e.program === programId).map((e) => [e.member, e.totalFen])).toEqual([
        ['B', 11_000], ['N', 1_100], ['N', 111], ['B', 1_100],
      ]);
      expect(pool(out, programId)).toMatchObject({ entries: 4, activeCount: 4, pendingFen: 13_311 });
    }
  });

  it('books the funding against platform:funding and the reward against its own account', () => {
    expect(balance(out, 'platform:funding')).toBe(-(1_699 + 3_630));
    expect(rewardFrozen(out, 'R')).toBe(500 + 50);
    expect(balance(out, 'platform:reward:direct')).toBe(-550);
  });
});

describe('SPEC §4 lock period per product and per store', () => {
  const file = 'lock-per-product-and-store.json';

  it('locks each entry from payment by its product, else its store, else the program default', () => {
    const unlock = Object.fromEntries(run(file).poolEntries.map((e) => [e.member, e.unlockAt]));
    expect(unlock).toEqual({
      A: at('2026-01-16T09:00:00+08:00'), // product p15: 15 days
      B: at('2026-01-31T09:01:00+08:00'), // default: 30 days
      C: at('2026-03-02T09:02:00+08:00'), // store s60: 60 days
      D: at('2026-03-02T09:03:00+08:00'), // cashier of store s60: 60 days
      E: at('2026-01-16T09:04:00+08:00'), // product p15
      F: at('2026-01-16T09:05:00+08:00'), // store s60 product p15: the product's lock wins
    });
  });

  it('pays nobody before the lock passes even though the pool covers everyone', () => {
    const out = upTo(file, 'A-still-locked');
    expect(pool(out)).toMatchObject({ balanceFen: 55_000, activeCount: 6 });
    expect(cash(out, 'A')).toBe(0);
  });

  it('pays an entry once its lock has passed and its order completed', () => {
    expect(cash(upTo(file, 'A-unlocks'), 'A')).toBe(1_100);
    const out = upTo(file, 'F-unlocks-E-order-open');
    expect(cash(out, 'F')).toBe(1_100);
    expect(entriesOf(out, 'E')[0]).toMatchObject({ status: 'waiting', receivedFen: 0 });
    expect(pool(out).balanceFen).toBe(55_000 - 2 * 1_100);
  });

  it('makes an entry whose order completes after its lock eligible at completion', () => {
    const out = upTo(file, 'oE-completed-after-lock');
    expect(cash(out, 'E')).toBe(1_100);
    expect(pool(out).balanceFen).toBe(55_000 - 3 * 1_100);
  });

  it('keeps B until the minute its 30 days pass, C 60 days, and D (order open) forever', () => {
    expect(cash(upTo(file, 'B-still-locked'), 'B')).toBe(0);
    expect(cash(upTo(file, 'B-unlocks'), 'B')).toBe(1_100);
    const out = run(file);
    expect(cash(out, 'C')).toBe(1_100);
    expect(entriesOf(out, 'D')[0]).toMatchObject({ totalFen: 55_000, receivedFen: 0, status: 'waiting' });
    expect(pool(out)).toMatchObject({ activeCount: 1, pendingFen: 55_000, balanceFen: 49_500 });
    expect(['A', 'B', 'C', 'E', 'F'].reduce((sum, m) => sum + cash(out, m), 0) + 49_500).toBe(55_000);
  });
});

describe('SPEC §4 release schedule', () => {
  it('daily: nothing moves before the release time even when the pool covers the head', () => {
    const out = upTo('release-daily-at-time.json', 'before-20:00');
    expect(cash(out, 'A')).toBe(0);
    expect(pool(out).balanceFen).toBe(2_000);
  });

  it('daily: the due release runs as its own step before the event that passes it', () => {
    const out = upTo('release-daily-at-time.json', 'C-pays-after-20:00');
    // Released from 2,000 at 20:00; C's 1,000 arrived after, so B (1,100 > 900) had to wait.
    expect([cash(out, 'A'), cash(out, 'B')]).toEqual([1_100, 0]);
    expect(pool(out).balanceFen).toBe(900 + 1_000);
  });

  it('daily: missed days catch up one release at a time', () => {
    const out = run('release-daily-at-time.json');
    expect([cash(out, 'A'), cash(out, 'B'), cash(out, 'C')]).toEqual([1_100, 1_100, 0]);
    expect(pool(out)).toMatchObject({ activeCount: 1, pendingFen: 1_100, balanceFen: 800 });
    // settings + 3 members + 8 events + releases of Jan 1, Jan 2 and Jan 3 at 20:00.
    expect(out.events).toBe(15);
  });

  it('continuous: releases at the end of every event', () => {
    const file = 'release-continuous.json';
    expect(cash(upTo(file, 'oA-completed'), 'A')).toBe(0); // completed, but 1,000 < 1,100
    const afterB = upTo(file, 'B-pays');
    expect(cash(afterB, 'A')).toBe(1_100);
    expect(pool(afterB).balanceFen).toBe(900);
    expect(cash(upTo(file, 'oB-completed'), 'B')).toBe(0); // 900 < 1,100
    const afterC = upTo(file, 'C-pays');
    expect(cash(afterC, 'B')).toBe(1_100);
    expect(pool(afterC).balanceFen).toBe(800);
    const out = run(file);
    expect(cash(out, 'C')).toBe(0);
    expect(out.events).toBe(11); // no scheduled steps
  });

  it('a daily release missed across a settings change still runs when a stream reset is also due', () => {
    const out = run('release-schedule-after-settings-change.json');
    expect(cash(out, 'A')).toBe(1_000);
    expect(pool(out)).toMatchObject({ activeCount: 0, pendingFen: 0, balanceFen: 0 });
  });
});

describe('SPEC §4 strict FIFO full exits', () => {
  const out = run('fifo-big-head-blocks.json');

  it('never skips an uncovered head to pay smaller entries behind it', () => {
    expect(step(out, 'release-1-head-blocks').result).toEqual({ programId: 'union', exits: 0, releasedFen: 0, carriedFen: 6_000 });
  });

  it('pays the head whole once covered, then stops at the next it cannot cover', () => {
    expect(step(out, 'release-2-head-exits').result).toEqual({ programId: 'union', exits: 1, releasedFen: 11_000, carriedFen: 1_000 });
    expect(step(out, 'release-3-B-exits').result).toEqual({ programId: 'union', exits: 1, releasedFen: 1_100, carriedFen: 400 });
    expect([cash(out, 'A'), cash(out, 'B'), cash(out, 'C')]).toEqual([11_000, 1_100, 0]);
    expect(pool(out)).toMatchObject({ activeCount: 3, pendingFen: 1_100 + 13_200 + 1_100, balanceFen: 400 });
    expect(11_000 + 1_100 + 400).toBe(-balance(out, 'platform:funding'));
  });

  it('counts every entry with pending money as ahead, eligible or not', () => {
    // C (1,100) and D (13,200, order open) are ahead of E. Trailing inflow 12,500, need 15,400:
    // 15,400 × 7 days / 12,500 = 745,113,600 ms after 15:00.
    expect(view(out, 'E').programEntries).toEqual([
      expect.objectContaining({ position: 2, aheadFen: 14_300, pendingFen: 1_100, expectedAt: at('2026-01-10T05:58:33.600+08:00') }),
    ]);
  });
});

describe('SPEC §4 control (控盘)', () => {
  const cap = 'control-daily-cap.json';

  it('stops the walk at the daily cap', () => {
    const out = upTo(cap, 'after-first-release');
    expect([cash(out, 'A'), cash(out, 'B'), cash(out, 'C')]).toEqual([1_100, 1_100, 0]);
    expect(pool(out)).toMatchObject({ balanceFen: 12_800, releasedTodayFen: 2_200 });
  });

  it('counts manual releases against the same day cap', () => {
    expect(step(run(cap), 'manual-release-same-day').result).toEqual({ programId: 'union', exits: 0, releasedFen: 0, carriedFen: 12_800 });
  });

  it('resumes with a fresh cap the next day, catching up missed days', () => {
    const out = run(cap);
    expect(['A', 'B', 'C', 'D', 'E'].map((m) => cash(out, m))).toEqual([1_100, 1_100, 1_100, 1_100, 1_100]);
    expect(entriesOf(out, 'F')[0]).toMatchObject({ totalFen: 11_000, status: 'waiting' });
    expect(pool(out)).toMatchObject({ activeCount: 1, pendingFen: 11_000, balanceFen: 9_500, releasedTodayFen: 1_100 });
    expect(out.events).toBe(24);
  });

  it('keeps the reserve share of the current balance back at every release', () => {
    const out = run('control-reserve-ratio.json');
    expect(step(out, 'release-1').result).toEqual({ programId: 'union', exits: 2, releasedFen: 2_200, carriedFen: 1_800 });
    expect(step(out, 'release-2').result).toEqual({ programId: 'union', exits: 1, releasedFen: 1_100, carriedFen: 700 });
    expect(step(out, 'release-3').result).toEqual({ programId: 'union', exits: 0, releasedFen: 0, carriedFen: 700 });
    expect(['A', 'B', 'C', 'D'].map((m) => cash(out, m))).toEqual([1_100, 1_100, 1_100, 0]);
  });
});

describe('SPEC §4 dynamic acceleration (推广加速)', () => {
  const file = 'acceleration.json';

  it("pays a share of the referee's inflow to the referrer's oldest active entry, frozen while its order is open", () => {
    const out = upTo(file, 'X-pays-4000');
    expect(entriesOf(out, 'R').map((e) => [e.totalFen, e.receivedFen, e.status])).toEqual([[1_100, 400, 'waiting'], [2_200, 0, 'waiting']]);
    expect([frozen(out, 'R'), cash(out, 'R')]).toEqual([400, 0]);
    expect(pool(out).balanceFen).toBe(500 + 1_000 + 2_000 - 400);
  });

  it("releases the frozen acceleration when the entry's order completes, lock or no lock", () => {
    const out = upTo(file, 'oR1-completed');
    expect([frozen(out, 'R'), cash(out, 'R')]).toEqual([0, 400]);
  });

  it('completes the entry when the share covers it and leaves the rest in the pool', () => {
    const out = upTo(file, 'X-pays-20000');
    expect(entriesOf(out, 'R')[0]).toMatchObject({ receivedFen: 1_100, status: 'completed' });
    expect(cash(out, 'R')).toBe(1_100);
    expect(pool(out).balanceFen).toBe(3_100 + 10_000 - 700);
  });

  it('moves on to the next oldest entry, and pays nothing for a referrer without an entry', () => {
    const out = run(file);
    expect(entriesOf(out, 'R').map((e) => [e.receivedFen, e.status])).toEqual([[1_100, 'completed'], [100, 'waiting']]);
    expect([cash(out, 'R'), frozen(out, 'R')]).toEqual([1_100, 100]);
    expect(pool(out)).toMatchObject({ balanceFen: 13_300, activeCount: 5, pendingFen: 2_100 + 4_400 + 22_000 + 1_100 + 1_100 });
    expect(13_300 + 1_100 + 100).toBe(-balance(out, 'platform:funding'));
    expect(view(out, 'R').balances).toMatchObject({ cashFen: 1_100, frozenFen: 100 });
    expect(view(out, 'R').programEntries[1]).toMatchObject({ status: 'waiting', receivedFen: 100, pendingFen: 2_100, position: 0, aheadFen: 0 });
  });
});

describe('SPEC §4 member view', () => {
  const file = 'member-view-position-and-estimate.json';

  it('shows position, amount ahead and the date from the trailing 7-day inflow, never before unlock', () => {
    const out = upTo(file, 'C-pays');
    const entry = (m: string) => view(out, m).programEntries[0];
    expect(entry('Z')).toMatchObject({ status: 'cancelled', pendingFen: 0, position: 0, aheadFen: 0, expectedAt: null });
    expect(entry('A')).toMatchObject({ programName: '工会排队', position: 0, aheadFen: 0, pendingFen: 1_100, expectedAt: at('2026-01-11T09:00:00+08:00') });
    expect(entry('B')).toMatchObject({ position: 1, aheadFen: 1_100, pendingFen: 2_200, expectedAt: at('2026-01-12T14:45:36+08:00') });
    expect(entry('C')).toMatchObject({ position: 2, aheadFen: 3_300, pendingFen: 1_100, expectedAt: at('2026-01-15T16:40:48+08:00') });
  });

  it('has no estimate when the trailing 7 days saw no inflow', () => {
    const out = run(file);
    for (const [m, position] of [['A', 0], ['B', 1], ['C', 2]] as const) {
      expect(view(out, m).programEntries[0]).toMatchObject({ status: 'waiting', position, expectedAt: null });
    }
  });
});

describe('SPEC §4 refunds before release', () => {
  const file = 'refunds-before-release.json';

  it('sets up a reward, an acceleration and two waiting entries', () => {
    const out = upTo(file, 'X-pays');
    expect([frozen(out, 'R'), rewardFrozen(out, 'R')]).toEqual([1_000, 1_000]);
    expect(pool(out).balanceFen).toBe(4_500);
    expect(balance(out, 'platform:funding')).toBe(-5_500);
    expect(balance(out, 'platform:reward:direct')).toBe(-1_000);
  });

  it("cancels the referee's entry, reverses the reward and lets the platform absorb its funding", () => {
    const out = upTo(file, 'X-refunded');
    expect(entriesOf(out, 'X')[0]).toMatchObject({ status: 'cancelled', receivedFen: 0 });
    expect(rewardFrozen(out, 'R')).toBe(0);
    expect(balance(out, 'platform:reward:direct')).toBe(0);
    expect(balance(out, 'platform:funding')).toBe(-500);
    expect(balance(out, 'platform:loss')).toBe(-5_000);
    // The acceleration R1 received is R1's: the platform bears it, as with paid-out extractions.
    expect(frozen(out, 'R')).toBe(1_000);
    expect(pool(out)).toMatchObject({ balanceFen: 4_500, activeCount: 1, pendingFen: 100 });
  });

  it('returns frozen money to the pool and restores every member and funding balance', () => {
    const out = run(file);
    expect(out.poolEntries.map((e) => e.status)).toEqual(['cancelled', 'cancelled']);
    expect(pool(out)).toMatchObject({ activeCount: 0, pendingFen: 0, balanceFen: 5_500 });
    expect(out.balances).toEqual([
      { account: 'platform:loss', unit: 'CNY', balance: -5_500 },
      { account: 'pool:union', unit: 'CNY', balance: 5_500 },
    ]);
  });
});

describe('SPEC §4 zero entitlements', () => {
  it('completes an entry of a line paid only with points at once and never pays it 0', () => {
    const out = run('zero-entitlement-entry.json');
    expect(entriesOf(out, 'A')).toEqual([expect.objectContaining({ totalFen: 0, receivedFen: 0, status: 'completed' })]);
    expect(entriesOf(out, 'X')).toEqual([expect.objectContaining({ totalFen: 1_100, receivedFen: 0, status: 'waiting' })]);
    expect(pool(out)).toMatchObject({ activeCount: 1, pendingFen: 1_100, balanceFen: 500 });
  });
});

describe('SPEC §5 direct and indirect rewards', () => {
  const file = 'rewards-direct-indirect.json';

  it('freezes direct (paid basis) and indirect (profit basis) rewards until the order completes', () => {
    const out = upTo(file, 'B-pays-o3');
    expect([rewardFrozen(out, 'B'), rewardFrozen(out, 'A')]).toEqual([1_000 + 300, 200 + 50 + 200]);
    expect([cash(out, 'A'), cash(out, 'B')]).toEqual([0, 0]);
    expect(balance(out, 'platform:reward:direct')).toBe(-1_500);
    expect(balance(out, 'platform:reward:indirect')).toBe(-250);
  });

  it('turns rewards into cash on completion', () => {
    const out = upTo(file, 'o1-completed');
    expect([cash(out, 'B'), cash(out, 'A')]).toEqual([1_000, 200]);
    expect([rewardFrozen(out, 'B'), rewardFrozen(out, 'A')]).toEqual([300, 250]);
  });

  it('reverses rewards to their funding accounts on a refund before completion, and keeps them after', () => {
    const refunded = upTo(file, 'o2-refunded-before-completion');
    expect([rewardFrozen(refunded, 'B'), rewardFrozen(refunded, 'A')]).toEqual([0, 200]);
    const out = run(file);
    expect(out.balances).toEqual([
      { account: 'member:A:cash', unit: 'CNY', balance: 400 },
      { account: 'member:B:cash', unit: 'CNY', balance: 1_000 },
      { account: 'platform:reward:direct', unit: 'CNY', balance: -1_200 },
      { account: 'platform:reward:indirect', unit: 'CNY', balance: -200 },
    ]);
    expect(view(out, 'A').balances).toMatchObject({ cashFen: 400, rewardFrozenFen: 0 });
  });
});

describe('SPEC §5 team level difference (级差)', () => {
  it('pays the full bp, nothing, or the difference as levels rise and fall up the chain', () => {
    const out = run('rewards-team-level-difference.json');
    // A: 180 (o1, released) + 100 (o2, frozen); B: 60 (o2); C: 300 (o1, released) + 50 (o3); D: none.
    expect(out.balances).toEqual([
      { account: 'member:A:cash', unit: 'CNY', balance: 180 },
      { account: 'member:A:rewardFrozen', unit: 'CNY', balance: 100 },
      { account: 'member:B:rewardFrozen', unit: 'CNY', balance: 60 },
      { account: 'member:C:cash', unit: 'CNY', balance: 300 },
      { account: 'member:C:rewardFrozen', unit: 'CNY', balance: 50 },
      { account: 'platform:reward:teamLevel', unit: 'CNY', balance: -690 },
    ]);
  });

  it('walks no further than maxDepth', () => {
    const file = 'rewards-max-depth.json';
    const depth3 = upTo(file, 'D-pays-depth-3');
    expect(['C', 'B', 'A', 'E'].map((m) => rewardFrozen(depth3, m))).toEqual([200, 200, 200, 0]);
    const out = run(file);
    expect(['C', 'B', 'A', 'E'].map((m) => rewardFrozen(out, m))).toEqual([400, 400, 400, 300]);
    expect(balance(out, 'platform:reward:teamLevel')).toBe(-1_500);
  });
});

describe('SPEC §5 merchant referral (招商)', () => {
  it("pays a share of the referred store's turnover, frozen until each order completes", () => {
    const out = run('rewards-merchant-referral.json');
    expect([cash(out, 'M'), rewardFrozen(out, 'M')]).toEqual([1_000, 246]);
    expect(balance(out, 'platform:reward:merchant')).toBe(-1_246);
    expect(cash(out, 'U') + rewardFrozen(out, 'U')).toBe(0);
  });
});

describe('SPEC §5 shareholder dividends (股东分红)', () => {
  const out = run('dividend-equal-and-weight.json');

  it('rejects a period that has not closed yet', () => {
    expect(step(out, 'open-period-rejected').error?.code).toBe('DIVIDEND_PERIOD_INVALID');
  });

  it('splits equally with the remainder to the largest remainders, summing exactly', () => {
    expect(step(out, 'equal-split-jan-1').result).toEqual({
      fromDate: '2026-01-01', toDate: '2026-01-01', basisFen: 11_001, dividendFen: 1_100,
      shares: [{ memberId: 'S1', amountFen: 367 }, { memberId: 'S2', amountFen: 367 }, { memberId: 'S3', amountFen: 366 }],
    });
  });

  it('pays a day once', () => {
    expect(step(out, 'overlapping-period-rejected').error?.code).toBe('DIVIDEND_PERIOD_INVALID');
  });

  it('splits by weight, leaving out a line refunded after completion from its unpaid day', () => {
    expect(step(out, 'weighted-split-jan-2-3').result).toEqual({
      fromDate: '2026-01-02', toDate: '2026-01-03', basisFen: 21_000, dividendFen: 2_100,
      shares: [{ memberId: 'S1', amountFen: 1_167 }, { memberId: 'S2', amountFen: 700 }, { memberId: 'S3', amountFen: 233 }],
    });
    expect(['S1', 'S2', 'S3'].map((m) => cash(out, m))).toEqual([1_534, 1_067, 599]);
    expect(balance(out, 'platform:reward:dividend')).toBe(-(1_100 + 2_100));
  });

  it('rejects a dividend without shareholders with NO_SHAREHOLDERS and leaves the period payable', () => {
    const none = run('dividend-no-shareholders.json');
    expect(step(none, 'no-shareholders').error?.code).toBe('NO_SHAREHOLDERS');
    expect(step(none, 'dividend-jan-1').result).toMatchObject({ basisFen: 5_000, dividendFen: 500, shares: [{ memberId: 'S', amountFen: 500 }] });
    expect(cash(none, 'S')).toBe(500);
  });
});

describe('invalid configurations (SPEC §1, §4, §5)', () => {
  const out = run('invalid-configurations.json');

  it('rejects each with its stable code', () => {
    const codes = Object.fromEntries(out.steps.filter((s) => s.error).map((s) => [s.key, s.error!.code]));
    expect(codes).toEqual({
      'program-rewardBp-negative': 'INVALID_RATIO',
      'program-rewardBp-zero': 'INVALID_RATIO',
      'program-fundingBp-over-100%': 'INVALID_RATIO',
      'program-reserveBp-over-100%': 'INVALID_RATIO',
      'program-accelerationBp-over-100%': 'INVALID_RATIO',
      'direct-bp-over-100%': 'INVALID_RATIO',
      'team-level-bp-not-an-integer': 'INVALID_RATIO',
      'program-no-funding': 'INVALID_SETTINGS',
      'program-negative-lock': 'INVALID_SETTINGS',
      'program-negative-product-lock': 'INVALID_SETTINGS',
      'program-zero-daily-cap': 'INVALID_SETTINGS',
      'program-unknown-release-mode': 'INVALID_SETTINGS',
      'maxDepth-over-hard-maximum': 'INVALID_SETTINGS',
      'maxDepth-zero': 'INVALID_SETTINGS',
      'indirect-needs-maxDepth-2': 'INVALID_SETTINGS',
      'referral-cycle': 'REFERRAL_CYCLE',
      'self-referral': 'REFERRAL_CYCLE',
      'unknown-program': 'UNKNOWN_PROGRAM',
      'dividend-without-rule': 'DIVIDEND_PERIOD_INVALID',
    });
  });

  it('keeps the original settings and referral chain in force', () => {
    // C's 10,000: B (C's referrer) gets 10% direct; A, untouched by the rejected cycle, nothing.
    expect(rewardFrozen(out, 'B')).toBe(1_000);
    expect(rewardFrozen(out, 'A')).toBe(0);
    expect(out.poolEntries).toEqual([expect.objectContaining({ member: 'C', totalFen: 11_000, status: 'waiting' })]);
    expect(pool(out).balanceFen).toBe(5_000);
    expect(out.events).toBe(5); // settings, 3 members, the payment: rejected events are not numbered
  });
});
