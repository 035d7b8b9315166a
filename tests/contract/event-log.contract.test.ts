/**
 * The event-log contract: one suite, run against the in-memory reference log, SQLite (a temp
 * file) and PostgreSQL (a database of its own per test). The first half drives the port directly;
 * the second drives DurableService and compares every store with the in-memory reference.
 *
 * PostgreSQL comes from DATABASE_TEST_URL (default postgres://postgres@127.0.0.1:5432/postgres).
 * When it cannot be reached the PostgreSQL suite is skipped with a notice, unless
 * QREBATE_REQUIRE_PG=1, which makes it fail instead.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { EventLog, LoggedEvent, StoredTransfer } from '../../src/app/event-log.ts';
import { DurableService } from '../../src/app/durable-service.ts';
import type { EventOutcome } from '../../src/domain/engine.ts';
import type { EngineEvent } from '../../src/domain/events.ts';
import { checkInvariants } from '../../src/domain/invariants.ts';
import { snapshot } from '../../src/domain/views.ts';
import { MemoryEventLog } from '../../src/store/memory/memory-event-log.ts';
import type { SqlEventLog } from '../../src/store/sql/open-log.ts';
import { SCHEMA_VERSION } from '../../src/store/sql/migrations.ts';
import { mixedScenario, raceWorkload, runSteps, seeds, T0, TestClock } from './scenario.ts';
import { type StoreHarness, type StoreKind, memoryKind, PG_SKIP_NOTICE, postgresKind, probePostgres, sqliteKind, storedTransfers } from './stores.ts';

const pgProblem = await probePostgres();
const requirePg = process.env.QREBATE_REQUIRE_PG === '1';
if (pgProblem !== null && !requirePg) console.warn(`${PG_SKIP_NOTICE} [${pgProblem}]`);

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** A logged event with awkward text (quotes, backslashes, braces, NULL, CJK) and big numbers. */
function logged(seq: number, key = `k${seq}`, actor: string | null = seq % 2 ? 'NULL' : null): LoggedEvent {
  const event = {
    type: 'paid', at: T0 + seq, orderId: `o"${seq}\\{,}`, memberId: '会员 A', lines: [{ lineId: 'l1', channel: 'mall', productId: 'p1', storeId: '', paidFen: MAX_SAFE, deductedFen: 1e15 }],
  } as EngineEvent;
  const outcome: EventOutcome = {
    eventNo: MAX_SAFE - seq, type: 'paid', at: 8_640_000_000_000_000, result: { entries: [{ totalFen: 1_000_000_000_000_000, note: 'line\nbreak\ttab "q"' }], ratio: 0.5, none: null }, scheduledResets: 0, scheduled: [], notices: [],
  };
  return { seq, key, fingerprint: `fp${seq}`, event, outcome, actor };
}

function transfer(id: number, seq: number, amount = id % 3 === 0 ? MAX_SAFE : id % 3 === 1 ? 1e15 : 1): StoredTransfer {
  return { id, seq, debit: `member:会员${id}:cash`, credit: 'queue:mall', amount, unit: 'CNY', causeKind: 'entry', causeRef: MAX_SAFE - id, eventNo: 1e15 + id };
}

async function appendAll(log: EventLog, events: LoggedEvent[], transfers: StoredTransfer[]): Promise<void> {
  await log.withWriteLock((tx) => tx.append(events, transfers));
}

/** Each test's harness, disposed after it. */
function useStore(kind: StoreKind): () => Promise<StoreHarness> {
  let current: StoreHarness | null = null;
  afterEach(async () => {
    await current?.dispose();
    current = null;
  });
  return async () => (current = await kind.create());
}

function contract(kind: StoreKind): void {
  const store = useStore(kind);

  describe('the port', () => {
    it('returns the seed stored at first open on every later open, from any connection', async () => {
      const h = await store();
      const log = h.connect();
      expect(await log.open(7)).toEqual({ seed: 7 });
      expect(await log.open(9)).toEqual({ seed: 7 });
      expect(await h.connect().open(0xffffffff)).toEqual({ seed: 7 });
    });

    it('reads back appended events, outcomes and transfers exactly, big numbers and awkward text included', async () => {
      const h = await store();
      const log = h.connect();
      await log.open(1);
      const events = [logged(1), logged(2, 'NULL'), logged(3, 'key with "quotes", \\backslash\\ and {braces}')];
      const transfers = [transfer(1, 1), transfer(2, 1), transfer(3, 3), transfer(4, 3)];
      await appendAll(log, events, transfers);
      await appendAll(log, [logged(4)], [transfer(5, 4)]);
      expect(await log.readSince(0)).toEqual([...events, logged(4)]);
      expect(await log.readSince(2)).toEqual([events[2], logged(4)]);
      expect(await log.readSince(4)).toEqual([]);
      expect(await storedTransfers(log)).toEqual([...transfers, transfer(5, 4)]);
      const inside = await log.withWriteLock((tx) => tx.readSince(3));
      expect(inside).toEqual([logged(4)]);
    });

    it('finds keys with their fingerprints and outcomes in one call, including keys appended earlier in the same transaction', async () => {
      const h = await store();
      const log = h.connect();
      await log.open(1);
      // Quotes, a backslash and non-ASCII text survive however a store passes the keys (SQLite: one JSON array).
      const odd = 'key with "quotes", a \\ backslash, 排队 and 😀';
      await appendAll(log, [logged(1), logged(2, odd)], []);
      await log.withWriteLock(async (tx) => {
        expect(await tx.findKeys(['k1', 'k2', odd, 'k1'])).toEqual(new Map([
          ['k1', { fingerprint: 'fp1', outcome: logged(1).outcome }],
          [odd, { fingerprint: 'fp2', outcome: logged(2).outcome }],
        ]));
        expect(await tx.findKeys([])).toEqual(new Map());
        await tx.append([logged(3)], []);
        expect(await tx.findKeys(['k3'])).toEqual(new Map([['k3', { fingerprint: 'fp3', outcome: logged(3).outcome }]]));
      });
    });

    it('rejects a duplicate idempotency key and rolls the whole transaction back', async () => {
      const h = await store();
      const log = h.connect();
      await log.open(1);
      await appendAll(log, [logged(1)], [transfer(1, 1)]);
      const again = log.withWriteLock(async (tx) => {
        await tx.append([logged(2)], [transfer(2, 2)]);
        await tx.append([logged(3), logged(4, 'k1')], [transfer(3, 3)]);
      });
      await expect(again).rejects.toThrow(/duplicate idempotency key k1/);
      const inOneAppend = appendAll(log, [logged(2, 'twice'), logged(3, 'twice')], []);
      await expect(inOneAppend).rejects.toThrow(/duplicate idempotency key twice/);
      expect(await log.readSince(0)).toEqual([logged(1)]);
      expect(await storedTransfers(log)).toEqual([transfer(1, 1)]);
      // The log stays usable after a failed transaction.
      await appendAll(log, [logged(2)], [transfer(2, 2)]);
      expect((await log.readSince(0)).map((e) => e.seq)).toEqual([1, 2]);
    });

    it('rolls back everything when the work throws, and returns the work result when it does not', async () => {
      const h = await store();
      const log = h.connect();
      await log.open(1);
      const failed = log.withWriteLock(async (tx) => {
        await tx.append([logged(1)], [transfer(1, 1)]);
        throw new Error('boom');
      });
      await expect(failed).rejects.toThrow('boom');
      expect(await log.readSince(0)).toEqual([]);
      expect(await storedTransfers(log)).toEqual([]);
      expect(await log.withWriteLock(async (tx) => (await tx.readSince(0)).length + 41)).toBe(41);
    });

    it('pages through the stored ledger by event, each event with its transfers in id order', async () => {
      const h = await store();
      const log = h.connect();
      await log.open(1);
      // Events 1-5 hold 5 transfers each; event 6 holds none.
      const transfers = Array.from({ length: 25 }, (_, i) => transfer(i + 1, 1 + Math.floor(i / 5)));
      await appendAll(log, [1, 2, 3, 4, 5, 6].map((seq) => logged(seq)), transfers);
      const view = ({ id: _id, seq: _seq, ...t }: StoredTransfer) => t;
      expect(await log.readLedger(0, 2)).toEqual([
        { seq: 1, transfers: transfers.slice(0, 5).map(view) },
        { seq: 2, transfers: transfers.slice(5, 10).map(view) },
      ]);
      expect(await log.readLedger(4, 10)).toEqual([{ seq: 5, transfers: transfers.slice(20).map(view) }, { seq: 6, transfers: [] }]);
      expect(await log.readLedger(6, 10)).toEqual([]);
      expect(await storedTransfers(log)).toEqual(transfers);
    });

    it('keeps everything across close and reopen', async () => {
      const h = await store();
      const first = h.connect();
      await first.open(5);
      await appendAll(first, [logged(1), logged(2)], [transfer(1, 2)]);
      await first.close();
      const second = h.connect();
      expect(await second.open(6)).toEqual({ seed: 5 });
      expect(await second.readSince(0)).toEqual([logged(1), logged(2)]);
      expect(await storedTransfers(second)).toEqual([transfer(1, 2)]);
    });
  });

  describe('through DurableService', () => {
    it('runs the mixed scenario to the reference state, keeps it across a restart, and verifies clean', async () => {
      const steps = mixedScenario();
      const referenceClock = new TestClock(T0);
      const reference = await DurableService.open(new MemoryEventLog(), referenceClock, seeds());
      const expectedSeen = await runSteps(reference, referenceClock, steps);
      const expected = snapshot(reference.engine);

      const h = await store();
      const clock = new TestClock(T0);
      const service = await DurableService.open(h.connect(), clock, seeds());
      expect(await runSteps(service, clock, steps)).toEqual(expectedSeen);
      expect(snapshot(service.engine)).toEqual(expected);
      expect(checkInvariants(service.engine)).toEqual([]);

      // The scenario exercises what it claims to.
      const kinds = new Set(expectedSeen.flatMap((s) => (s.ok ? [(s.outcome as EventOutcome).type] : [])));
      for (const type of ['settings', 'member', 'paid', 'completed', 'refunded', 'lotteryDraw', 'exchange', 'pointsTransfer', 'reset']) expect(kinds).toContain(type);
      expect(expectedSeen.some((s) => s.ok && s.replayed)).toBe(true);
      expect(expectedSeen.some((s) => !s.ok)).toBe(true);
      const log = await h.connect().readSince(0);
      expect(log.some((e) => e.event.type === 'tick')).toBe(true);
      expect(expected.entries.length).toBeGreaterThan(200);

      // Restart: a new connection (a new pool for PostgreSQL) replays to the same state.
      await service.close();
      const restarted = await DurableService.open(h.connect(), new TestClock(T0), seeds(7));
      expect(snapshot(restarted.engine)).toEqual(expected);
      expect(checkInvariants(restarted.engine)).toEqual([]);

      // The stored ledger is the engine's ledger, transfer for transfer.
      const ledger = restarted.engine.ledger;
      const stored = await storedTransfers(h.connect());
      expect(stored.length).toBe(ledger.size);
      expect(stored.map(({ id: _id, seq: _seq, ...view }) => view)).toEqual(Array.from({ length: ledger.size }, (_, i) => ledger.get(i)));
      await restarted.close();
    });

    it('gives two services writing at once the state of one service applying the log in order, each key once', async () => {
      const h = await store();
      const clock = new TestClock(T0, 7 * 60_000);
      const one = await DurableService.open(h.connect(), clock, seeds());
      const two = await DurableService.open(h.connect(), clock, seeds());
      const { prelude, race } = raceWorkload();
      for (const item of prelude) await one.submit(item.key, item.input);

      const submissions: Promise<unknown>[] = [];
      const firsts = new Map<string, boolean[]>();
      race.forEach((item, i) => {
        const services = i % 5 === 0 ? [one, two] : [i % 2 ? one : two];
        for (const service of services) {
          const sub = i % 3 === 0 ? service.submitBatch([item]).then(([r]) => (r!.ok ? r!.submission : Promise.reject(r!.error))) : service.submit(item.key, item.input);
          submissions.push(sub.then((s) => (firsts.get(item.key) ?? firsts.set(item.key, []).get(item.key)!).push(!s.replayed)));
        }
      });
      await Promise.all(submissions);
      // Each key was applied by exactly one of the services that raced for it.
      for (const [key, applied] of firsts) expect(applied.filter(Boolean), key).toHaveLength(1);
      for (const item of [...prelude, ...race]) expect((await two.submit(item.key, item.input)).replayed).toBe(true);

      const log = await h.connect().readSince(0);
      const userKeys = log.filter((e) => !e.key.startsWith('~')).map((e) => e.key);
      expect(new Set(userKeys).size).toBe(userKeys.length);
      expect(userKeys.length).toBe(prelude.length + race.length);
      expect(log.some((e) => e.event.type === 'tick')).toBe(true);

      // One service fed the same events in the log's order reproduces the log and the state.
      const referenceLog = new MemoryEventLog();
      const reference = await DurableService.open(referenceLog, new TestClock(T0), seeds());
      for (const e of log.filter((x) => !x.key.startsWith('~'))) await reference.submit(e.key, e.event);
      expect((await referenceLog.readSince(0)).map((e) => [e.key, e.event.type])).toEqual(log.map((e) => [e.key, e.event.type]));
      await one.refresh();
      await two.refresh();
      const expected = snapshot(reference.engine);
      expect(snapshot(one.engine)).toEqual(expected);
      expect(snapshot(two.engine)).toEqual(expected);
      expect(checkInvariants(one.engine)).toEqual([]);
      await one.close();
      await two.close();
    });
  });

  if (kind.sql) {
    describe('the schema', () => {
      it('applies the migrations once and then nothing, recording the version', async () => {
        const h = await store();
        const log = h.connect() as SqlEventLog;
        expect((await log.migrate()).map((m) => m.version)).toEqual(Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1));
        expect(await log.migrate()).toEqual([]);
        expect(await h.connect().open(3)).toEqual({ seed: 3 });
        expect(await (h.connect() as SqlEventLog).migrate()).toEqual([]);
      });

      it('refuses to open a database whose schema is newer than this code knows', async () => {
        const h = await store();
        await h.connect().open(3);
        await h.sql!(`INSERT INTO schema_migrations (version, name) VALUES (${SCHEMA_VERSION + 1}, 'from the future')`);
        await expect(h.connect().open(3)).rejects.toThrow(`schema is at version ${SCHEMA_VERSION + 1}, newer than this qrebate knows (${SCHEMA_VERSION})`);
      });

      it('refuses numbers a JavaScript number cannot hold, changing nothing', async () => {
        const h = await store();
        const log = h.connect();
        await log.open(1);
        await expect(appendAll(log, [logged(1)], [transfer(1, 1, MAX_SAFE + 1)])).rejects.toThrow(/safe integer/);
        await expect(appendAll(log, [logged(1)], [transfer(1, 1, 0)])).rejects.toThrow();
        expect(await log.readSince(0)).toEqual([]);
      });

      it('fails loudly when reading an integer beyond 2^53 - 1 written behind its back, instead of rounding it', async () => {
        const h = await store();
        const log = h.connect();
        await log.open(1);
        await h.sql!(`INSERT INTO events (seq, idempotency_key, fingerprint, type, at, payload, outcome, actor) VALUES (9007199254740993, 'big', 'f', 'tick', 0, '{"type":"tick","at":0}', '{}', NULL)`);
        await expect(log.readSince(0)).rejects.toThrow(/9007199254740993 is beyond/);
        // The connection stays usable.
        expect(await log.readLedger(0, 0)).toEqual([]);
      });
    });
  }
}

describe(`event log contract: ${memoryKind.name}`, () => contract(memoryKind));
describe(`event log contract: ${sqliteKind.name}`, () => contract(sqliteKind));

if (pgProblem === null) {
  describe(`event log contract: ${postgresKind.name}`, () => contract(postgresKind));
} else if (requirePg) {
  describe(`event log contract: ${postgresKind.name}`, () => {
    it('needs PostgreSQL (QREBATE_REQUIRE_PG=1)', () => {
      throw new Error(`PostgreSQL not reachable at ${process.env.DATABASE_TEST_URL || 'the default test URL'}: ${pgProblem}`);
    });
  });
} else {
  describe.skip(`event log contract: ${postgresKind.name} (skipped: PostgreSQL not reachable)`, () => contract(postgresKind));
}
