/**
 * The end-of-run audit both reliability suites share: exactly-once for every acknowledged event,
 * nothing half-applied for the unacknowledged ones, and the final state equal to the reference
 * model fed the log's events in log order.
 *
 * 1. Read the log. Every acknowledged key is in it exactly once, with the outcome the client was
 *    given; no rejected key is in it.
 * 2. Re-send every acknowledged event with its key: each answer is a replay
 *    (`Idempotent-Replayed: true`, or `replayed: true` in a batch) with the same body.
 * 3. Re-send every abandoned event: one that is in the log is replayed with its logged outcome;
 *    one that is not is applied now (or refused): it was absent, never half there.
 * 4. Read the log again and feed it to the reference model; compare outcomes, the served state
 *    (queues, member views, ledger over HTTP, POST /v1/verify), the ledger rows the server wrote,
 *    and a fresh replay of the store (DurableService) with the reference, digest included.
 */
import type http from 'node:http';
import { DurableService } from '../../src/app/durable-service.ts';
import { stateDigest } from '../../src/domain/digest.ts';
import { snapshot } from '../../src/domain/views.ts';
import { type Reference, type TestStore, compareServerWithReference, httpRequest, referenceFromLog } from './harness.ts';
import { type Sent, pool } from './workload.ts';

export interface AuditReport {
  /** Events the clients drove (distinct idempotency keys). */
  driven: number;
  acked: number;
  rejected: number;
  abandoned: number;
  /** Acknowledged after at least one attempt without an answer (the same key re-sent). */
  ackedAfterRetry: number;
  /** ...of which the first attempt had been applied: the retry was answered as a replay. */
  ackedAsReplay: number;
  /** Abandoned events found applied (the attempt without an answer had committed). */
  abandonedApplied: number;
  abandonedAbsent: number;
  /** Abandoned and absent events that the final re-send applied, or the engine refused. */
  abandonedResentApplied: number;
  abandonedResentRefused: number;
  /** Acknowledged events missing from the log or logged with another outcome. */
  lost: number;
  /** Keys logged more than once, re-sends of acknowledged keys that were applied again, orders paid twice. */
  duplicated: number;
  rejectedButLogged: number;
  logEvents: number;
  transfers: number;
  /** Seconds each audit phase took. */
  phases: Record<string, number>;
  problems: string[];
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export async function auditRun(opts: {
  sent: readonly Sent[];
  store: TestStore;
  agent: http.Agent;
  base: () => Promise<string>;
  /** Members whose views (队列进程) are compared: a view costs a walk of the queue ahead of each entry, so a few. */
  members: readonly string[];
  /** Several servers on one store: each must serve the reference state. */
  bases?: () => Promise<string[]>;
}): Promise<{ report: AuditReport; ref: Reference }> {
  const { sent, store, agent } = opts;
  const problems: string[] = [];
  const phases: Record<string, number> = {};
  let mark = performance.now();
  const phase = (name: string) => {
    const now = performance.now();
    phases[name] = Math.round((now - mark) / 100) / 10;
    mark = now;
  };
  const log = store.connect();
  await log.open(0);

  // 1. The log as the run left it.
  const before = await log.readSince(0);
  const logged = new Map<string, (typeof before)[number]>();
  let duplicated = 0;
  for (const e of before) {
    if (logged.has(e.key)) duplicated++;
    logged.set(e.key, e);
  }
  let lost = 0;
  let rejectedButLogged = 0;
  for (const s of sent) {
    const entry = logged.get(s.key);
    if (s.status === 'acked') {
      if (!entry) {
        lost++;
        if (problems.length < 20) problems.push(`acknowledged ${s.key} is not in the log`);
      } else if (!same(entry.outcome, s.ackBody)) {
        lost++;
        if (problems.length < 20) problems.push(`acknowledged ${s.key} is logged with another outcome`);
      }
    } else if (s.status === 'rejected' && entry) {
      rejectedButLogged++;
      if (problems.length < 20) problems.push(`rejected ${s.key} (${s.rejectCode}) is in the log`);
    }
  }
  const abandoned = sent.filter((s) => s.status === 'abandoned');
  const abandonedApplied = abandoned.filter((s) => logged.has(s.key)).length;

  phase('readLog');

  // 2 and 3. Re-send acknowledged and abandoned events with their keys.
  let abandonedResentApplied = 0;
  let abandonedResentRefused = 0;
  const expectFor = (s: Sent): { replay: boolean; body: unknown } | null => {
    if (s.status === 'acked') return { replay: true, body: s.ackBody };
    const entry = logged.get(s.key);
    return entry ? { replay: true, body: entry.outcome } : null;
  };
  const check = (s: Sent, status: number, replayed: boolean, body: unknown) => {
    const want = expectFor(s);
    if (want) {
      if (status !== 200 || !replayed || !same(body, want.body)) {
        if (status === 200 && !replayed) duplicated++;
        if (problems.length < 40) problems.push(`re-sent ${s.key} (${s.status}): ${status}, replayed ${replayed}, same body ${same(body, want.body)}`);
      }
    } else if (status === 200 && !replayed) abandonedResentApplied++;
    else if (status >= 400 && status < 500) abandonedResentRefused++;
    else if (problems.length < 40) problems.push(`re-sent absent ${s.key}: ${status}, replayed ${replayed}`);
  };
  const resend = sent.filter((s) => s.status === 'acked' || s.status === 'abandoned');
  const singles = resend.filter((s) => s.via === 'single');
  const batched = resend.filter((s) => s.via === 'batch');
  const batches: Sent[][] = [];
  for (let i = 0; i < batched.length; i += 250) batches.push(batched.slice(i, i + 250));
  await pool(singles, 16, async (s) => {
    const res = await httpRequest(agent, await opts.base(), s.method, s.path, s.body, { 'idempotency-key': s.key }, 60_000);
    check(s, res.status, res.headers['idempotent-replayed'] === 'true', res.status < 300 ? (JSON.parse(res.text) as unknown) : null);
  });
  await pool(batches, 4, async (items) => {
    const res = await httpRequest(agent, await opts.base(), 'POST', '/v1/orders/batch', { events: items.map((s) => s.body) }, {}, 60_000);
    if (res.status !== 200) {
      problems.push(`a batch re-send of ${items.length} events was answered ${res.status}: ${res.text.slice(0, 200)}`);
      return;
    }
    const { results } = JSON.parse(res.text) as { results: { status: number; body: unknown; replayed?: boolean }[] };
    items.forEach((s, i) => check(s, results[i]!.status, results[i]!.replayed === true, results[i]!.body));
  });

  phase('resend');

  // 4. The final log, the reference model, and the comparison.
  const ref = await referenceFromLog(log);
  phase('reference');
  problems.push(...ref.outcomeMismatches.slice(0, 20));
  const keys = new Set<string>();
  const paidOrders = new Set<string>();
  for (const e of ref.log) {
    if (keys.has(e.key)) duplicated++;
    keys.add(e.key);
    if (e.event.type === 'paid') {
      if (paidOrders.has(e.event.orderId)) duplicated++;
      paidOrders.add(e.event.orderId);
    }
  }
  for (const s of sent) if (s.status === 'acked' && !keys.has(s.key)) problems.push(`acknowledged ${s.key} vanished from the log`);

  const bases = opts.bases ? await opts.bases() : [await opts.base()];
  let transfers = 0;
  for (const base of bases) {
    const cmp = await compareServerWithReference(agent, base, ref, log, opts.members);
    transfers = cmp.transfers;
    problems.push(...cmp.problems.map((p) => `${base}: ${p}`));
  }

  phase('compareServed');
  const replayed = await DurableService.open(store.connect(), { now: () => ref.store.state.now }, { nextSeed: () => 0 });
  try {
    if (stateDigest(replayed.engine) !== stateDigest(ref.store.state)) problems.push('a fresh replay of the store has another state digest than the reference');
    if (!same(snapshot(replayed.engine), snapshot(ref.store.state))) problems.push('a fresh replay of the store has another snapshot than the reference');
  } finally {
    await replayed.close();
  }

  phase('replay');
  const acked = sent.filter((s) => s.status === 'acked');
  if (lost > 0 || duplicated > 0 || rejectedButLogged > 0) problems.unshift(`lost ${lost}, duplicated ${duplicated}, rejected but logged ${rejectedButLogged}`);
  return {
    ref,
    report: {
      driven: sent.length,
      acked: acked.length,
      rejected: sent.filter((s) => s.status === 'rejected').length,
      abandoned: abandoned.length,
      ackedAfterRetry: acked.filter((s) => s.failedAttempts > 0).length,
      ackedAsReplay: acked.filter((s) => s.ackReplayed).length,
      abandonedApplied,
      abandonedAbsent: abandoned.length - abandonedApplied,
      abandonedResentApplied,
      abandonedResentRefused,
      lost,
      duplicated,
      rejectedButLogged,
      logEvents: ref.log.length,
      transfers,
      phases,
      problems,
    },
  };
}
