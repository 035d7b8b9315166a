/**
 * Workloads for running DurableService over every store: a seeded mixed scenario (settings,
 * members, paid / completed / refunded orders, lottery draws with and without seeds, exchanges,
 * points transfers, repeats, rejections, daily resets that fall due as the clock advances), and a
 * workload for two services writing at once in which no event can be rejected whatever the
 * interleaving, so the log's order alone determines the final state.
 */
import type { BatchItem, BatchResult, DurableService } from '../../src/app/durable-service.ts';

export const T0 = Date.parse('2026-03-01T10:00:00+08:00');
const MINUTE = 60_000;

/** An input without `at`: the service stamps it from the clock, which the runner sets to `at`. */
export interface Step {
  at: number;
  key: string;
  input: Record<string, unknown>;
}

export class TestClock {
  constructor(
    public t: number,
    /** Added after every reading: a clock that moves on by itself while services race. */
    private readonly stepMs = 0,
  ) {}
  now(): number {
    const t = this.t;
    this.t += this.stepMs;
    return t;
  }
}

/** The same seed sequence for every service built with the same start. */
export function seeds(start = 99) {
  let s = start;
  return { nextSeed: () => (s = (s * 1103515245 + 12345) >>> 0) };
}

function prng(seed: number) {
  let a = seed >>> 0;
  return (n: number): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) % n);
  };
}

const settings = (extractBp: number) => ({
  base: {
    defaultBp: 10_000,
    extractBp,
    reset: { kind: 'daily', at: '03:00' },
    exchange: { pointsBp: 5_000, loveBp: 20_000, loveFrozen: false, couponBp: 10_000 },
  },
  products: { p1: { lottery: { kind: 'fixed', ratiosBp: [5_000, 15_000, 20_000] } } },
});

const MEMBERS = Array.from({ length: 12 }, (_, i) => `m${i}`);

/** About 300 steps over a week of shop time: several daily resets fall due between events. */
export function mixedScenario(seed = 2026): Step[] {
  const pick = prng(seed);
  let at = T0;
  const steps: Step[] = [{ at, key: 'settings-1', input: { type: 'settings', settings: settings(1_000) } }];
  for (const id of MEMBERS) steps.push({ at, key: `member-${id}`, input: { type: 'member', memberId: id, nickname: `会员 ${id}` } });
  const orders: { id: string; lines: string[] }[] = [];
  // Entries are numbered in order of creation, one per paid line: entryOwners[n - 1] owns entry n.
  const entryOwners: string[] = [];
  const lotteryLines: { orderId: string; lineId: string }[] = [];
  const pointsHolders: string[] = [];
  const recent = <T>(list: T[]): T => list[Math.max(0, list.length - 1 - pick(4))]!;
  for (let i = 0; steps.length < 300; i++) {
    at += (5 + pick(60)) * MINUTE;
    const roll = pick(100);
    const order = orders.length > 0 ? orders[pick(orders.length)]! : undefined;
    if (roll < 48 || !order) {
      const id = `o${i}`;
      const memberId = MEMBERS[pick(MEMBERS.length)]!;
      const lines = Array.from({ length: 1 + pick(3) }, (_, l) => ({
        lineId: `l${l}`,
        channel: l === 2 ? 'store' : 'mall',
        productId: `p${pick(3)}`,
        ...(l === 2 && { storeId: 'shop-1' }),
        // One order of 100 million yuan keeps big amounts on every store's path.
        paidFen: i === 40 ? 10_000_000_000 : 100 + pick(50_000),
      }));
      orders.push({ id, lines: lines.map((l) => l.lineId) });
      for (const line of lines) {
        entryOwners.push(memberId);
        if (line.productId === 'p1') lotteryLines.push({ orderId: id, lineId: line.lineId });
      }
      steps.push({ at, key: `paid-${id}`, input: { type: 'paid', orderId: id, memberId, lines } });
    } else if (roll < 62) {
      steps.push({ at, key: `completed-${order.id}-${i}`, input: { type: 'completed', orderId: order.id } });
    } else if (roll < 69) {
      const input = pick(2) === 0 ? { type: 'refunded', orderId: order.id } : { type: 'refunded', orderId: order.id, lineIds: [order.lines[0]] };
      steps.push({ at, key: `refunded-${order.id}-${i}`, input });
    } else if (roll < 78 && lotteryLines.length > 0) {
      // Draws on recent lottery lines (the entry must not have received money yet).
      const how = pick(3);
      const draw = how === 0 ? { seed: pick(1_000_000) } : how === 1 ? { ratioBp: 15_000 } : {};
      steps.push({ at, key: `draw-${i}`, input: { type: 'lotteryDraw', ...recent(lotteryLines), ...draw } });
    } else if (roll < 86 && entryOwners.length > 0) {
      const entryId = Math.max(1, entryOwners.length - pick(4));
      const target = ['points', 'points', 'love', 'coupon'][pick(4)]!;
      if (target === 'points') pointsHolders.push(entryOwners[entryId - 1]!);
      steps.push({ at, key: `exchange-${i}`, input: { type: 'exchange', entryId, target } });
    } else if (roll < 91 && pointsHolders.length > 0) {
      const from = recent(pointsHolders);
      const to = MEMBERS[(MEMBERS.indexOf(from) + 1 + pick(MEMBERS.length - 1)) % MEMBERS.length];
      steps.push({ at, key: `points-${i}`, input: { type: 'pointsTransfer', fromMemberId: from, toMemberId: to, points: 1 + pick(300) } });
    } else if (roll < 94) {
      steps.push({ at, key: `settings-${i}`, input: { type: 'settings', settings: settings(pick(2) === 0 ? 1_000 : 2_000) } });
    } else if (roll < 96) {
      steps.push({ at, key: `reset-${i}`, input: { type: 'reset' } });
    } else {
      // A retry of an earlier request: a repeat of an accepted one returns its stored outcome.
      const earlier = steps[pick(steps.length)]!;
      steps.push({ ...earlier, at });
    }
  }
  return steps;
}

/** What a caller saw: the outcome of each accepted item, or the code of its rejection. */
export type Seen = { ok: true; replayed: boolean; outcome: unknown } | { ok: false; code: string };

function seen(result: BatchResult): Seen {
  return result.ok ? { ok: true, replayed: result.submission.replayed, outcome: result.submission.outcome } : { ok: false, code: result.error.code };
}

/** Batch sizes cycle through these, so single submits and batches both run. */
const BATCH_SIZES = [1, 1, 2, 1, 5, 1, 3, 8, 1, 13];

/** Submits the steps in batches; each batch is stamped with its first step's instant. */
export async function runSteps(service: DurableService, clock: TestClock, steps: readonly Step[]): Promise<Seen[]> {
  const out: Seen[] = [];
  for (let i = 0, b = 0; i < steps.length; b++) {
    const batch = steps.slice(i, i + BATCH_SIZES[b % BATCH_SIZES.length]!);
    clock.t = batch[0]!.at;
    const items: BatchItem[] = batch.map((s) => ({ key: s.key, input: s.input, actor: 'contract-suite' }));
    for (const r of await service.submitBatch(items)) out.push(seen(r));
    i += batch.length;
  }
  return out;
}

/**
 * Two services racing: a prelude of settings, members and 60 paid orders, then concurrent items
 * that succeed in any order (new orders; each earlier order completed or refunded once).
 */
export function raceWorkload(): { prelude: BatchItem[]; race: BatchItem[] } {
  const prelude: BatchItem[] = [{ key: 'race-settings', input: { type: 'settings', settings: settings(1_000) } }];
  for (const id of MEMBERS) prelude.push({ key: `race-member-${id}`, input: { type: 'member', memberId: id } });
  const paid = (n: number): BatchItem => ({
    key: `race-paid-${n}`,
    input: { type: 'paid', orderId: `r${n}`, memberId: MEMBERS[n % MEMBERS.length], lines: [{ lineId: 'l1', channel: 'mall', productId: `p${n % 3}`, paidFen: 1_000 + 37 * n }] },
  });
  for (let n = 0; n < 60; n++) prelude.push(paid(n));
  const race: BatchItem[] = [];
  for (let n = 0; n < 60; n++) {
    race.push(paid(60 + n));
    race.push(n % 4 === 3 ? { key: `race-refund-${n}`, input: { type: 'refunded', orderId: `r${n}` } } : { key: `race-complete-${n}`, input: { type: 'completed', orderId: `r${n}` } });
  }
  return { prelude, race };
}
