/**
 * Concurrency test: at least 16 concurrent clients send interleaved order events for the same
 * queues (one mall queue, one store queue), in single requests and batches, and now and then the
 * same request (a single event or a whole batch) with the same idempotency keys several times at
 * once. On PostgreSQL two server
 * processes share one database and the clients are spread over both (the copies of one key go to
 * both); on SQLite one server serves them all.
 *
 * At the end: the audit of audit.ts (every acknowledged key in the log exactly once, re-sends
 * replay, the state equals the reference model fed the log's events in order, on every server),
 * the auditor finds nothing (no entry over-paid, conservation), no FIFO violation in the final
 * state, and every key sent several times at once was applied once: one answer applied it and
 * every other one was a replay of the same outcome, or the engine refused every copy.
 *
 * Environment: QREBATE_CONC_EVENTS (4000), QREBATE_CONC_CLIENTS (16), QREBATE_CONC_SEED.
 */
import { describe, expect, it } from 'vitest';
import { auditRun } from './audit.ts';
import { type SnapshotEntry, ServerProcess, createStore, fifoViolations, makeAgent, postgresEnabled, prng, serverEnv } from './harness.ts';
import { type Request, type Sent, ShopWorkload, newStats, send } from './workload.ts';
import { snapshot } from '../../src/domain/views.ts';

const EVENTS = Number(process.env.QREBATE_CONC_EVENTS ?? 4_000);
const CLIENTS = Math.max(16, Number(process.env.QREBATE_CONC_CLIENTS ?? 16));
const SEED = Number(process.env.QREBATE_CONC_SEED ?? 1_603);
const MEMBERS = Array.from({ length: 20 }, (_, i) => `c${i}`);
const TIMEOUT_MS = 10 * 60_000 + EVENTS * 30;

const pgOn = await postgresEnabled();

/** Copies of requests: the workload learns from the original only. */
const copySet = new WeakSet<Sent>();

/** A copy of a request for a burst: the same key and body, its own record of what it was answered. */
function copyOf(req: Request): Request {
  const dup = (s: Sent): Sent => {
    const copy: Sent = { ...s, status: 'pending', failedAttempts: 0 };
    copySet.add(copy);
    return copy;
  };
  return req.kind === 'single' ? { kind: 'single', sent: dup(req.sent) } : { kind: 'batch', items: req.items.map(dup) };
}

async function concurrencyRun(kind: 'sqlite' | 'postgres') {
  const store = await createStore(kind);
  const servers = kind === 'postgres' ? [new ServerProcess(serverEnv(store)), new ServerProcess(serverEnv(store))] : [new ServerProcess(serverEnv(store))];
  const agent = makeAgent(CLIENTS * 2);
  const rng = prng(SEED);
  const workload = new ShopWorkload(prng(SEED + 1), MEMBERS, '');
  const stats = newStats();
  /** Events each server applied itself (acknowledged, not a replay). */
  const appliedBy = servers.map(() => 0);
  const options = (server: ServerProcess) => ({
    agent,
    base: () => server.whenUp(),
    stats,
    rng,
    abandonRate: 0,
    timeoutMs: 60_000,
    onDone: (s: Sent) => {
      if (s.status === 'acked' && !s.ackReplayed) appliedBy[servers.indexOf(server)]!++;
      if (!copySet.has(s)) workload.learn(s);
    },
  });
  try {
    // Both servers start on the empty database at once: migrations and the seed race too.
    await Promise.all(servers.map((s) => s.start()));
    for (const req of workload.setup()) await send(req, options(servers[0]!));

    const bursts: Sent[][] = [];
    const copies: Sent[] = [];
    let issued = 0;
    let burstNo = 0;
    await Promise.all(Array.from({ length: CLIENTS }, async (_, client) => {
      const mine = servers[client % servers.length]!;
      while (issued < EVENTS) {
        const req = workload.next();
        issued += req.kind === 'single' ? 1 : req.items.length;
        if (rng.int(6) === 0) {
          // The same request 3–5 times at once, spread over the servers: single events and batches.
          const n = 3 + rng.int(3);
          const group = [req, ...Array.from({ length: n - 1 }, () => copyOf(req))];
          const offset = burstNo++;
          await Promise.all(group.map((r, i) => send(r, options(servers[(offset + i) % servers.length]!))));
          const perKey = group.map((r) => (r.kind === 'single' ? [r.sent] : r.items));
          for (let k = 0; k < perKey[0]!.length; k++) bursts.push(perKey.map((items) => items[k]!));
          for (const items of perKey.slice(1)) copies.push(...items);
        } else {
          await send(req, options(mine));
        }
      }
    }));

    // The copies share their key with the original: the audit counts each key once.
    const originals = workload.sent;
    const { report, ref } = await auditRun({
      sent: originals,
      store,
      agent,
      base: () => servers[0]!.whenUp(),
      bases: () => Promise.all(servers.map((s) => s.whenUp())),
      members: MEMBERS.slice(0, 3),
    });

    // Each key sent several times at once: applied by exactly one answer, replayed by the others.
    const burstProblems: string[] = [];
    let burstApplied = 0;
    let burstRefused = 0;
    for (const group of bursts) {
      const applied = group.filter((s) => s.status === 'acked' && !s.ackReplayed);
      const replays = group.filter((s) => s.status === 'acked' && s.ackReplayed);
      const refused = group.filter((s) => s.status === 'rejected');
      if (refused.length === group.length) {
        burstRefused++;
        continue;
      }
      if (applied.length !== 1 || replays.length !== group.length - 1) {
        burstProblems.push(`${group[0]!.key}: ${applied.length} applied, ${replays.length} replays, ${refused.length} refused of ${group.length}`);
        continue;
      }
      burstApplied++;
      const body = JSON.stringify(applied[0]!.ackBody);
      if (replays.some((s) => JSON.stringify(s.ackBody) !== body)) burstProblems.push(`${group[0]!.key}: a replay answered another outcome`);
    }

    const entries = snapshot(ref.store.state).entries as SnapshotEntry[];
    const fifo = fifoViolations(entries, (e) => workload.lotteryLines.has(`${e.order}/${e.line}`));
    const queues = new Set(entries.map((e) => e.queue));

    const summary = {
      store: kind,
      servers: servers.length,
      appliedByServer: appliedBy,
      clients: CLIENTS,
      eventsDriven: report.driven,
      copiesSent: copies.length,
      bursts: bursts.length,
      burstApplied,
      burstRefused,
      queues: [...queues],
      entries: entries.length,
      acked: report.acked,
      rejected: report.rejected,
      lost: report.lost,
      duplicated: report.duplicated,
      fifoViolations: fifo.length,
      logEvents: report.logEvents,
      ledgerTransfers: report.transfers,
      requests: stats.requests,
      auditSeconds: report.phases,
    };
    console.log(`concurrency test ${JSON.stringify(summary)}`);

    expect(report.problems).toEqual([]);
    expect(burstProblems).toEqual([]);
    expect(fifo).toEqual([]);
    expect(report.lost).toBe(0);
    expect(report.duplicated).toBe(0);
    expect(stats.serverErrors).toBe(0);
    expect(report.driven).toBeGreaterThanOrEqual(EVENTS);
    expect(burstApplied).toBeGreaterThan(0);
    // On PostgreSQL both processes wrote: the writer lock really was contended across processes.
    for (const n of appliedBy) expect(n).toBeGreaterThan(0);
    // Entries interleave in the same two queues.
    expect(queues.size).toBeLessThanOrEqual(2);
    // Every copy got an answer.
    expect(copies.filter((s) => s.status !== 'acked' && s.status !== 'rejected')).toEqual([]);
  } finally {
    for (const s of servers) await s.stop('SIGKILL').catch(() => undefined);
    agent.destroy();
    await store.dispose();
  }
}

describe('the FIFO check from a final state', () => {
  const entry = (id: number, seq: number, totalFen: number, receivedFen: number, status = receivedFen === 0 ? 'waiting' : receivedFen === totalFen ? 'completed' : 'rewarding'): SnapshotEntry =>
    ({ id, queue: 'mall', seq, order: `o${id}`, line: 'l0', totalFen, receivedFen, status });
  it('accepts a queue paid from its head, partly paid head included', () => {
    expect(fifoViolations([entry(1, 1, 100, 100), entry(2, 2, 100, 40), entry(3, 3, 100, 0)], () => false)).toEqual([]);
  });
  it('finds an entry paid while one ahead of it waits, unless that one is a lottery entry or inactive', () => {
    const state = [entry(1, 1, 100, 100), entry(2, 2, 100, 0), entry(3, 3, 100, 10)];
    expect(fifoViolations(state, () => false)).toHaveLength(1);
    expect(fifoViolations(state, (e) => e.id === 2)).toEqual([]);
    expect(fifoViolations([entry(1, 1, 100, 0, 'exchanged'), entry(2, 2, 100, 10)], () => false)).toEqual([]);
  });
});

describe(`concurrency: ${CLIENTS} clients, the same queues, the same keys at once`, () => {
  it('SQLite, one server', () => concurrencyRun('sqlite'), TIMEOUT_MS);
  it.skipIf(!pgOn)('PostgreSQL, two server processes on one database', () => concurrencyRun('postgres'), TIMEOUT_MS);
});
