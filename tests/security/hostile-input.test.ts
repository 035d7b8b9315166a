/**
 * Hostile input (docs/RELIABILITY.md, Hostile input): thousands of generated invalid requests
 * against every write route the server documents, on the in-memory log, SQLite and PostgreSQL
 * (support.ts, securityStores). Every answer must be a 4xx with a code from the error table (never
 * a 5xx), and the state digest and the event log must be exactly what they were: the requests run
 * in chunks, each chunk between two snapshots, with a valid write after each chunk so the next
 * one meets a changed state.
 *
 * Reproduce or widen a run: QREBATE_HOSTILE_SEED=<n> QREBATE_HOSTILE_RUNS=<n> npx vitest run
 * tests/security/hostile-input.test.ts (defaults below). A failure names the seed, the request's
 * index in the run, its route, family and what was wrong with it.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DurableService } from '../../src/app/durable-service.ts';
import { TestClock, seeds } from '../../src/api/test-support.ts';
import { stateDigest } from '../../src/domain/digest.ts';
import { type Hostile, hostileRequests, judgeHostile, sendHostile, setHostileClock } from './hostile.ts';
import { ERROR_TABLE, type Fixture, type RouteInfo, type Shop, describeStores, envInt, mallLine, openShop, readRoutes, routeName, securityStores, seedShop } from './support.ts';

const STORES = await securityStores();

const SEED = envInt('QREBATE_HOSTILE_SEED', 20_260_302);
const RUNS = envInt('QREBATE_HOSTILE_RUNS', 5_000);
const CHUNK = 250;

interface Tally {
  sent: number;
  byStatus: Map<number, number>;
  byFamily: Map<string, number>;
  byRoute: Map<string, number>;
  codes: Set<string>;
}

const bump = <K>(map: Map<K, number>, key: K) => map.set(key, (map.get(key) ?? 0) + 1);

function summary(kind: string, t: Tally): string {
  const statuses = [...t.byStatus].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(' ');
  const families = [...t.byFamily].sort(([, a], [, b]) => b - a).map(([f, n]) => `${f} ${n}`).join(', ');
  const fiveXx = [...t.byStatus].filter(([s]) => s >= 500).reduce((sum, [, n]) => sum + n, 0);
  return (
    `[hostile input, ${kind}] seed ${SEED}: ${t.sent} requests over ${t.byRoute.size} write routes, 5xx seen: ${fiveXx}; ` +
    `statuses ${statuses}; ${t.codes.size} distinct codes; families: ${families}`
  );
}

describeStores(STORES, (kind) => `hostile input on ${kind.name}`, (kind) => {
  let shop: Shop;
  let fixture: Fixture;
  let routes: RouteInfo[];

  beforeAll(async () => {
    shop = await openShop(kind);
    fixture = await seedShop(shop);
    routes = await readRoutes(shop.app);
    setHostileClock(shop.clock.now());
  });
  afterAll(async () => {
    await shop.dispose();
  });

  it(`answers ${RUNS} generated invalid requests with a 4xx from the error table and changes nothing`, async () => {
    const requests: Hostile[] = fc.sample(hostileRequests(routes, fixture), { seed: SEED, numRuns: RUNS });
    const tally: Tally = { sent: 0, byStatus: new Map(), byFamily: new Map(), byRoute: new Map(), codes: new Set() };
    const failures: string[] = [];
    const stateChanges: string[] = [];

    for (let start = 0, chunkNo = 0; start < requests.length; start += CHUNK, chunkNo++) {
      const before = await shop.snapshot();
      for (const [offset, h] of requests.slice(start, start + CHUNK).entries()) {
        const res = await sendHostile(shop, h);
        tally.sent++;
        bump(tally.byStatus, res.statusCode);
        bump(tally.byFamily, h.family);
        bump(tally.byRoute, routeName(h.route));
        try {
          tally.codes.add((res.json() as { code?: string }).code ?? `${res.statusCode}`);
        } catch {
          // judged below
        }
        const problem = judgeHostile(h, res.statusCode, res.body, res.headers, ERROR_TABLE);
        if (problem) failures.push(`#${start + offset} ${routeName(h.route)} [${h.family}] ${h.label}: ${problem}`);
      }
      const after = await shop.snapshot();
      for (const field of ['digest', 'logLength', 'webhooks'] as const) {
        if (after[field] !== before[field]) stateChanges.push(`requests #${start}..#${start + CHUNK - 1} changed ${field}`);
      }

      // A valid write between chunks: the next chunk meets a state that moved on.
      const member = `V${chunkNo}`;
      const put = await shop.call('PUT', `/v1/members/${member}`, { key: `valid-member-${member}`, body: { nickname: member } });
      const order = await shop.call('POST', '/v1/orders/paid', { key: `valid-paid-${member}`, body: { orderId: `ov-${member}`, memberId: member, lines: [mallLine('l1', 'p0', 1_000 + chunkNo)] } });
      expect([put.statusCode, order.statusCode]).toEqual([200, 200]);
    }

    if (process.env.QREBATE_HOSTILE_DUMP) console.info(failures.map((f) => f.replace(/^#\d+ /, '').replace(/ \(noise:[^)]*\)/, '').slice(0, 180)).sort().join('\n'));
    expect(failures.slice(0, 20), `seed ${SEED}: ${failures.length} of ${tally.sent} answers were wrong`).toEqual([]);
    expect(stateChanges).toEqual([]);
    expect(tally.byRoute.size).toBe(routes.filter((r) => r.method !== 'GET').length);
    expect(Object.prototype).not.toHaveProperty('polluted');
    console.info(summary(kind.name, tally));
  }, Math.max(120_000, RUNS * 20)); // room for big runs on a busy machine: 20 ms a request

  it('leaves a log that replays to the same state, and the auditor finds nothing', async () => {
    const live = stateDigest(shop.service.engine);
    const reopened = await DurableService.open(shop.store.connect(), new TestClock(shop.clock.now()), seeds());
    expect(stateDigest(reopened.engine)).toBe(live);
    const verify = await shop.call('POST', '/v1/verify');
    expect(verify.json()).toEqual({ ok: true, violations: [] });
  });
});
