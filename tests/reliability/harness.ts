/**
 * What the reliability suites share: a qrebate server as a real child process
 * (`node bin/qrebate.mjs serve`) on a store of its own (a SQLite file in a temp dir, or a
 * PostgreSQL database created for the run and dropped afterwards), a small HTTP client on
 * loopback with keep-alive and hard timeouts, the reference model (QrebateService over
 * MemoryStore) fed from the durable event log, and the comparisons between the two.
 *
 * PostgreSQL comes from DATABASE_TEST_URL (default postgres://postgres@127.0.0.1:5432/postgres).
 * When it cannot be reached the PostgreSQL variants are skipped with a notice, unless
 * QREBATE_REQUIRE_PG=1, which makes them fail instead.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hashApiKey } from '../../src/api/auth.ts';
import type { EventLog, LoggedEvent } from '../../src/app/event-log.ts';
import { QrebateService } from '../../src/app/service.ts';
import type { EventOutcome } from '../../src/domain/engine.ts';
import { checkInvariants } from '../../src/domain/invariants.ts';
import type { TransferView } from '../../src/domain/ledger.ts';
import { type MemberView, memberView, queueStats } from '../../src/domain/views.ts';
import { MemoryStore } from '../../src/store/memory/memory-store.ts';
import { PostgresEventLog } from '../../src/store/sql/postgres-event-log.ts';
import { SqliteEventLog } from '../../src/store/sql/sqlite-event-log.ts';
import { admin, databaseUrl, probePostgres, storedTransfers } from '../contract/stores.ts';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const API_SECRET = 'reliability-test-key';
export const API_KEYS_ENV = `reliability:read+write:${hashApiKey(API_SECRET)}`;

export const PG_RELIABILITY_NOTICE = 'PostgreSQL not reachable: skipping the PostgreSQL reliability tests (set QREBATE_REQUIRE_PG=1 to require them)';

/** Whether the PostgreSQL variants run: they do when PostgreSQL answers or QREBATE_REQUIRE_PG=1 (then they fail if it does not). */
export async function postgresEnabled(): Promise<boolean> {
  const problem = await probePostgres();
  if (problem === null) return true;
  if (process.env.QREBATE_REQUIRE_PG === '1') return true;
  console.warn(`${PG_RELIABILITY_NOTICE} [${problem}]`);
  return false;
}

// ---------------------------------------------------------------------------------------------
// Seeded randomness

/** mulberry32: a small seeded PRNG, so a failing run can be repeated with its seed. */
export function prng(seed: number) {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  return {
    next,
    int: (n: number): number => Math.floor(next() * n),
    pick: <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!,
  };
}
export type Prng = ReturnType<typeof prng>;

// ---------------------------------------------------------------------------------------------
// Stores

export interface TestStore {
  kind: 'sqlite' | 'postgres';
  /** The environment that points a server (or `qrebate verify`) at this store. */
  env: Record<string, string>;
  /** A new connection to the store from the test process. */
  connect(): EventLog;
  dispose(): Promise<void>;
}

let databases = 0;

export async function createStore(kind: 'sqlite' | 'postgres'): Promise<TestStore> {
  const opened: EventLog[] = [];
  const track = (log: EventLog): EventLog => {
    opened.push(log);
    return log;
  };
  const closeAll = async () => {
    for (const log of opened) await log.close().catch(() => undefined);
  };
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'qrebate-reliability-'));
    return {
      kind,
      env: { QREBATE_DATA_DIR: dir },
      connect: () => track(new SqliteEventLog(join(dir, 'qrebate.db'))),
      async dispose() {
        await closeAll();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const name = `qrebate_test_rel_${process.pid}_${Math.random().toString(36).slice(2, 8)}_${++databases}`;
  await admin('CREATE DATABASE $db', name);
  const url = databaseUrl(name);
  return {
    kind,
    env: { DATABASE_URL: url },
    connect: () => track(new PostgresEventLog(url, { poolSize: 2 })),
    async dispose() {
      await closeAll();
      await admin('DROP DATABASE IF EXISTS $db WITH (FORCE)', name);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The server as a child process

export function serverEnv(store: TestStore, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // Nothing from the caller's environment may point the child at another store or key set.
  for (const name of ['DATABASE_URL', 'QREBATE_DATA_DIR', 'QREBATE_API_KEYS', 'QREBATE_SAMPLE', 'QREBATE_MEMBER_TOKEN_SECRET', 'NODE_OPTIONS']) delete env[name];
  return {
    ...env,
    PORT: '0',
    HOST: '127.0.0.1',
    QREBATE_API_KEYS: API_KEYS_ENV,
    QREBATE_LOG: '0',
    QREBATE_WEBHOOKS: '0',
    ...store.env,
    ...extra,
  };
}

/**
 * One `qrebate serve` process at a time, restartable. PORT=0: each start gets a free port, read
 * from the server's "qrebate serving http://127.0.0.1:<port>" line. `whenUp()` resolves with the
 * base URL once the current process serves, so clients wait through a restart.
 */
export class ServerProcess {
  private child: ChildProcess | null = null;
  private base: string | null = null;
  private upWaiters: ((base: string) => void)[] = [];
  private stderrTail = '';
  private stopping = false;
  /** Set when the process exited without being stopped: waiting clients fail instead of hanging. */
  private died: Error | null = null;
  private deathWaiters: ((err: Error) => void)[] = [];
  starts = 0;
  startMs: number[] = [];

  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly args: string[] = [],
    private readonly nodeArgs: string[] = [],
  ) {}

  get url(): string | null {
    return this.base;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  whenUp(): Promise<string> {
    if (this.died) return Promise.reject(this.died);
    if (this.base) return Promise.resolve(this.base);
    return new Promise((resolve, reject) => {
      this.upWaiters.push(resolve);
      this.deathWaiters.push(reject);
    });
  }

  async start(timeoutMs = 60_000): Promise<string> {
    if (this.child) throw new Error('the server is already running');
    const t0 = performance.now();
    const child = spawn(process.execPath, [...this.nodeArgs, join(REPO_ROOT, 'bin/qrebate.mjs'), 'serve', ...this.args], {
      cwd: REPO_ROOT,
      env: this.env,
      stdio: ['ignore', 'ignore', 'pipe', ...(this.nodeArgs.length > 0 ? ['ipc' as const] : [])],
    });
    this.child = child;
    this.starts++;
    const base = await new Promise<string>((resolve, reject) => {
      let text = '';
      const timer = setTimeout(() => reject(new Error(`the server did not start within ${timeoutMs} ms: ${this.stderrTail}`)), timeoutMs);
      child.stderr!.setEncoding('utf8');
      child.stderr!.on('data', (chunk: string) => {
        this.stderrTail = (this.stderrTail + chunk).slice(-4_000);
        text += chunk;
        const m = /qrebate serving (http:\/\/127\.0\.0\.1:\d+)/.exec(text);
        if (m) {
          clearTimeout(timer);
          text = '';
          resolve(m[1]!);
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`the server exited at start (code ${code}, signal ${signal}): ${this.stderrTail}`));
      });
    });
    this.startMs.push(performance.now() - t0);
    child.once('exit', (code, signal) => {
      if (this.stopping) return;
      this.base = null;
      this.died = new Error(`the server exited by itself (code ${code}, signal ${signal}): ${this.stderrTail}`);
      for (const w of this.deathWaiters.splice(0)) w(this.died);
    });
    this.base = base;
    this.deathWaiters = [];
    for (const w of this.upWaiters.splice(0)) w(base);
    return base;
  }

  /** The child process itself (for IPC or stats). */
  get process(): ChildProcess | null {
    return this.child;
  }

  /** Sends `signal` and waits for the process to be gone. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 30_000): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.base = null;
    this.stopping = true;
    if (child.exitCode === null && child.signalCode === null) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`the server did not stop on ${signal} within ${timeoutMs} ms`));
        }, timeoutMs);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill(signal);
      });
    }
    this.child = null;
    this.stopping = false;
  }

  get lastStderr(): string {
    return this.stderrTail;
  }
}

/** Runs `node bin/qrebate.mjs verify` against the store; returns its exit code and parsed report. */
export async function runVerify(store: TestStore): Promise<{ code: number | null; report: { ok: boolean; events: number; transfers: number; ledgerHash: string; violations: string[] } | null; stderr: string }> {
  const env = serverEnv(store);
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin/qrebate.mjs'), 'verify'], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
  const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));
  let report = null;
  try {
    report = JSON.parse(out);
  } catch {
    // Not JSON: the caller sees report null, the exit code and stderr.
  }
  return { code, report, stderr: err };
}

// ---------------------------------------------------------------------------------------------
// HTTP on loopback

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

export function makeAgent(maxSockets = 64): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets });
}

/**
 * One request with a hard overall timeout. Rejects on connection errors, timeouts and responses
 * cut short (a killed server): the caller decides whether to retry with the same key.
 */
export function httpRequest(agent: http.Agent, base: string, method: string, path: string, body: unknown, headers: Record<string, string> = {}, timeoutMs = 15_000): Promise<HttpResponse> {
  const url = new URL(path, base);
  if (url.hostname !== '127.0.0.1') return Promise.reject(new Error(`loopback only, not ${url.hostname}`));
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    let settled = false;
    const done = (err: Error | null, res?: HttpResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(res!);
    };
    const req = http.request(url, {
      method,
      agent,
      headers: {
        authorization: `Bearer ${API_SECRET}`,
        ...(payload !== undefined && { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) }),
        ...headers,
      },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        if (!res.complete) done(new Error('response cut short'));
        else done(null, { status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', (e) => done(e));
      res.on('close', () => {
        if (!res.complete) done(new Error('response cut short'));
      });
    });
    const timer = setTimeout(() => {
      req.destroy(new Error('timeout'));
      done(new Error('timeout'));
    }, timeoutMs);
    req.on('error', (e) => done(e));
    req.end(payload);
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// ---------------------------------------------------------------------------------------------
// The reference model

export interface Reference {
  seed: number;
  service: QrebateService;
  store: MemoryStore;
  log: LoggedEvent[];
  /** The reference outcome of each logged key. */
  outcomes: Map<string, EventOutcome>;
  /** Logged events whose stored outcome differs from the reference's (should be none). */
  outcomeMismatches: string[];
}

/**
 * Reads the engine seed (the store's meta) and every logged event, and feeds them in log order
 * to a QrebateService over a MemoryStore. Instants and draw seeds are in the logged events, so
 * the reference needs neither a clock nor randomness of its own.
 */
export async function referenceFromLog(log: EventLog): Promise<Reference> {
  const { seed } = await log.open(0);
  const events = await log.readSince(0);
  const store = new MemoryStore(seed);
  let now = 0;
  const service = new QrebateService(store, { now: () => now }, {
    nextSeed: () => {
      throw new Error('the reference model never draws a seed: every logged draw carries its own');
    },
  });
  const outcomes = new Map<string, EventOutcome>();
  const outcomeMismatches: string[] = [];
  for (const logged of events) {
    now = logged.event.at;
    const { outcome, replayed } = service.submit(logged.key, logged.event);
    if (replayed) outcomeMismatches.push(`${logged.key}: logged twice`);
    outcomes.set(logged.key, outcome);
    if (JSON.stringify(outcome) !== JSON.stringify(logged.outcome)) outcomeMismatches.push(`${logged.key}: stored outcome differs from the reference`);
  }
  return { seed, service, store, log: events, outcomes, outcomeMismatches };
}

/** The reference ledger as the database stores it (1-based ids). */
export function referenceTransfers(ref: Reference): (TransferView & { id: number })[] {
  const ledger = ref.store.state.ledger;
  const out: (TransferView & { id: number })[] = [];
  for (let i = 0; i < ledger.size; i++) out.push({ id: i + 1, ...ledger.get(i) });
  return out;
}


/** Reads the whole ledger through GET /v1/ledger/transfers. */
export async function httpTransfers(agent: http.Agent, base: string): Promise<unknown[]> {
  const out: unknown[] = [];
  let from = 1;
  for (;;) {
    const res = await httpRequest(agent, base, 'GET', `/v1/ledger/transfers?from=${from}&limit=1000`, undefined);
    if (res.status !== 200) throw new Error(`ledger transfers: ${res.status} ${res.text}`);
    const body = JSON.parse(res.text) as { transfers: unknown[]; nextFrom: number | null };
    out.push(...body.transfers);
    if (body.transfers.length < 1000 || body.nextFrom === null) return out;
    from = body.nextFrom;
  }
}

export interface StateComparison {
  problems: string[];
  transfers: number;
  logEvents: number;
}

/**
 * Compares what a server holds with the reference: queue statistics and the whole ledger over
 * HTTP, the auditor's verdict over HTTP, each member's balances, and the ledger transfers the
 * server wrote to the database at commit time (ids, amounts, causes, event numbers).
 */
export async function compareServerWithReference(agent: http.Agent, base: string, ref: Reference, log: EventLog, members: readonly string[]): Promise<StateComparison> {
  const problems: string[] = [];
  const state = ref.store.state;
  const json = (x: unknown) => JSON.parse(JSON.stringify(x)) as unknown;
  const eq = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

  const queues = await httpRequest(agent, base, 'GET', '/v1/queues', undefined);
  if (!eq(JSON.parse(queues.text), { queues: json(queueStats(state)) })) problems.push(`GET /v1/queues differs from the reference: ${queues.text.slice(0, 500)}`);

  const verify = await httpRequest(agent, base, 'POST', '/v1/verify', undefined);
  const verdict = JSON.parse(verify.text) as { ok: boolean; violations: string[] };
  if (verify.status !== 200 || !verdict.ok) problems.push(`POST /v1/verify: ${verify.status} ${verify.text.slice(0, 500)}`);

  const expected = referenceTransfers(ref);
  const overHttp = await httpTransfers(agent, base);
  if (overHttp.length !== expected.length) problems.push(`the server's ledger holds ${overHttp.length} transfers, the reference ${expected.length}`);
  else if (!eq(overHttp, expected)) problems.push('the ledger over HTTP differs from the reference');

  const stored = await storedTransfers(log);
  if (stored.length !== expected.length) problems.push(`the database holds ${stored.length} ledger transfers, the reference ${expected.length}`);
  else {
    // The stored rows carry the log seq too; the reference knows transfers by event number only.
    const firstDiff = stored.findIndex((t, i) => !eq({ ...t, seq: undefined }, expected[i]));
    if (firstDiff >= 0) problems.push(`stored transfer ${firstDiff + 1} differs: ${JSON.stringify(stored[firstDiff])} vs ${JSON.stringify(expected[firstDiff])}`);
    // ...and each row belongs to the logged event that produced it (its own step or a scheduled one).
    const seqByEventNo = new Map<number, number>();
    for (const e of ref.log) {
      seqByEventNo.set(e.outcome.eventNo, e.seq);
      for (const step of e.outcome.scheduled) seqByEventNo.set(step.eventNo, e.seq);
    }
    const misplaced = stored.filter((t) => seqByEventNo.get(t.eventNo) !== t.seq);
    if (misplaced.length > 0) problems.push(`${misplaced.length} stored transfers point at another logged event than the one that made them, e.g. ${JSON.stringify(misplaced[0])}`);
  }

  // Member views (队列进程) as the server answers them: everything but the time estimates.
  const withoutEstimates = (view: MemberView) => ({ ...view, entries: view.entries.map(({ expectedAt: _e, ...rest }) => rest) });
  for (const m of members) {
    const res = await httpRequest(agent, base, 'GET', `/v1/members/${encodeURIComponent(m)}/view`, undefined);
    if (res.status !== 200) {
      problems.push(`member ${m} view: ${res.status}`);
      continue;
    }
    const served = withoutEstimates(JSON.parse(res.text) as MemberView);
    const wanted = withoutEstimates(memberView(state, m));
    if (!eq(served, wanted)) problems.push(`member ${m} view differs from the reference: ${JSON.stringify(served).slice(0, 300)} vs ${JSON.stringify(wanted).slice(0, 300)}`);
  }

  const violations = checkInvariants(state);
  if (violations.length > 0) problems.push(`the reference's auditor: ${violations.slice(0, 5).join('; ')}`);
  return { problems, transfers: expected.length, logEvents: ref.log.length };
}

// ---------------------------------------------------------------------------------------------
// FIFO

export interface SnapshotEntry {
  id: number;
  queue: string;
  seq: number;
  order: string;
  line: string;
  totalFen: number;
  receivedFen: number;
  status: string;
}

const ACTIVE = new Set(['waiting', 'rewarding']);

/**
 * FIFO from the final state alone (payout rule `queue`, no merges, resets or pauses): an entry
 * whose total was fixed when it was created (not a lottery entry, whose total a later draw sets)
 * was payable from its creation on, so while it still waits for money no entry behind it in its
 * queue may have received any. Returns the violations.
 */
export function fifoViolations(entries: readonly SnapshotEntry[], isLottery: (e: SnapshotEntry) => boolean): string[] {
  const byQueue = new Map<string, SnapshotEntry[]>();
  for (const e of entries) {
    const list = byQueue.get(e.queue) ?? [];
    list.push(e);
    byQueue.set(e.queue, list);
  }
  const out: string[] = [];
  for (const [queue, list] of byQueue) {
    list.sort((a, b) => a.seq - b.seq);
    let starved: SnapshotEntry | null = null;
    for (const e of list) {
      if (starved && e.receivedFen > 0) out.push(`queue ${queue}: entry ${e.id} (seq ${e.seq}) received ${e.receivedFen} while entry ${starved.id} (seq ${starved.seq}) ahead of it still waits for ${starved.totalFen - starved.receivedFen}`);
      if (!starved && ACTIVE.has(e.status) && e.receivedFen < e.totalFen && !isLottery(e)) starved = e;
    }
  }
  return out;
}
