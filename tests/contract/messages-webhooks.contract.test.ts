/**
 * The contract of member messages (消息通知) and the webhook tables, run against the in-memory
 * reference, SQLite (a temp file) and PostgreSQL (a database of its own per test), like the
 * event-log contract: messages written with their events in one transaction, read per member;
 * webhooks, deliveries, the worker's cursor, claims and their leases.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { EventLog, LoggedEvent, StoredMessage } from '../../src/app/event-log.ts';
import { DurableService } from '../../src/app/durable-service.ts';
import { messagesOf } from '../../src/app/messages.ts';
import type { WebhookStore, WebhookWithSecret } from '../../src/app/webhook-store.ts';
import type { Notice } from '../../src/domain/context.ts';
import type { EventOutcome } from '../../src/domain/engine.ts';
import type { EngineEvent } from '../../src/domain/events.ts';
import { MemoryEventLog } from '../../src/store/memory/memory-event-log.ts';
import type { SqlEventLog } from '../../src/store/sql/open-log.ts';
import { mixedScenario, runSteps, seeds, T0, TestClock } from './scenario.ts';
import { type StoreHarness, type StoreKind, memoryKind, PG_SKIP_NOTICE, postgresKind, probePostgres, sqliteKind } from './stores.ts';

const pgProblem = await probePostgres();
const requirePg = process.env.QREBATE_REQUIRE_PG === '1';
if (pgProblem !== null && !requirePg) console.warn(`${PG_SKIP_NOTICE} [${pgProblem}]`);

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

function outcome(at: number, notices: Notice[], scheduled: EventOutcome[] = []): EventOutcome {
  return { eventNo: 1, type: 'paid', at, result: null, scheduledResets: 0, scheduled, notices };
}

/** An event whose outcome carries `notices`, and a scheduled step before it with `stepNotices`. */
function logged(seq: number, notices: Notice[], stepNotices: Notice[] = []): LoggedEvent {
  const scheduled = stepNotices.length > 0 ? [outcome(T0 + seq * 10 - 5, stepNotices)] : [];
  return { seq, key: `k${seq}`, fingerprint: `fp${seq}`, event: { type: 'tick', at: T0 + seq * 10 } as EngineEvent, outcome: outcome(T0 + seq * 10, notices, scheduled), actor: null };
}

const notice = (memberId: string, kind: Notice['kind'], entryId: number, amountFen: number): Notice => ({ kind, memberId, entryId, amountFen });

function webhooksOf(log: EventLog): WebhookStore {
  return (log as MemoryEventLog | SqlEventLog).webhooks();
}

function hook(id: string, overrides: Partial<WebhookWithSecret> = {}): WebhookWithSecret {
  return { id, url: `http://127.0.0.1:9/${id}`, secret: `secret-of-${id}-0123456789`, kinds: ['*'], enabled: true, createdAt: T0, ...overrides };
}

function useStore(kind: StoreKind): () => Promise<StoreHarness> {
  let current: StoreHarness | null = null;
  afterEach(async () => {
    await current?.dispose();
    current = null;
  });
  return async () => (current = await kind.create());
}

/** An opened log with events 1..3 appended: messages 1..6 for members A (1, 2, 4, 6) and B (3, 5). */
async function withMessages(h: StoreHarness): Promise<EventLog> {
  const log = h.connect();
  await log.open(1);
  await log.withWriteLock((tx) =>
    tx.append(
      [
        logged(1, [notice('A', 'entryCreated', 1, 10_000), notice('A', 'rewardReceived', 1, 1_000)]),
        logged(2, [notice('A', 'rewardReceived', 1, MAX_SAFE)], [notice('B', 'poolReleased', 7, 5)]),
      ],
      [],
    ),
  );
  await log.withWriteLock((tx) => tx.append([logged(3, [notice('B', 'entryCleared', 2, 0), notice('A', 'entryCompleted', 1, 11_000)])], []));
  return log;
}

function contract(kind: StoreKind): void {
  const store = useStore(kind);

  describe('member messages', () => {
    it('stores every notice of an appended event, scheduled steps first, numbered in order, read per member', async () => {
      const h = await store();
      const log = await withMessages(h);
      const a = await log.readMessages('A', 0, 100);
      expect(a).toEqual<StoredMessage[]>([
        { id: 1, seq: 1, memberId: 'A', kind: 'entryCreated', ref: 1, amountFen: 10_000, at: T0 + 10 },
        { id: 2, seq: 1, memberId: 'A', kind: 'rewardReceived', ref: 1, amountFen: 1_000, at: T0 + 10 },
        { id: 4, seq: 2, memberId: 'A', kind: 'rewardReceived', ref: 1, amountFen: MAX_SAFE, at: T0 + 20 },
        { id: 6, seq: 3, memberId: 'A', kind: 'entryCompleted', ref: 1, amountFen: 11_000, at: T0 + 30 },
      ]);
      // The scheduled step's notice comes before its event's own, at the step's instant.
      expect(await log.readMessages('B', 0, 100)).toEqual([
        { id: 3, seq: 2, memberId: 'B', kind: 'poolReleased', ref: 7, amountFen: 5, at: T0 + 15 },
        { id: 5, seq: 3, memberId: 'B', kind: 'entryCleared', ref: 2, amountFen: 0, at: T0 + 30 },
      ]);
      expect(await log.readMessages('nobody', 0, 100)).toEqual([]);
    });

    it('pages by the last id seen', async () => {
      const h = await store();
      const log = await withMessages(h);
      expect((await log.readMessages('A', 0, 2)).map((m) => m.id)).toEqual([1, 2]);
      expect((await log.readMessages('A', 2, 2)).map((m) => m.id)).toEqual([4, 6]);
      expect((await log.readMessages('A', 3, 1)).map((m) => m.id)).toEqual([4]);
      expect(await log.readMessages('A', 6, 2)).toEqual([]);
    });

    it('writes no message of a transaction that rolls back, and numbers the next ones without a gap', async () => {
      const h = await store();
      const log = await withMessages(h);
      const failed = log.withWriteLock(async (tx) => {
        await tx.append([logged(4, [notice('A', 'exchanged', 1, 3)])], []);
        throw new Error('boom');
      });
      await expect(failed).rejects.toThrow('boom');
      const duplicate = log.withWriteLock((tx) => tx.append([logged(4, [notice('A', 'exchanged', 1, 3)]), { ...logged(5, []), key: 'k1' }], []));
      await expect(duplicate).rejects.toThrow(/duplicate idempotency key k1/);
      expect((await log.readMessages('A', 0, 100)).map((m) => m.id)).toEqual([1, 2, 4, 6]);
      await log.withWriteLock((tx) => tx.append([logged(4, [notice('A', 'exchanged', 1, 3)])], []));
      expect((await log.readMessages('A', 6, 100))).toEqual([{ id: 7, seq: 4, memberId: 'A', kind: 'exchanged', ref: 1, amountFen: 3, at: T0 + 40 }]);
    });

    it('holds the messages of the mixed scenario: the notices of every logged event, the same on every store', async () => {
      const clock = new TestClock(T0);
      const h = await store();
      const service = await DurableService.open(h.connect(), clock, seeds());
      await runSteps(service, clock, mixedScenario());
      const log = h.connect();
      await log.open(0);
      const expected = messagesOf(await log.readSince(0)).map((m, i) => ({ id: i + 1, ...m }));
      expect(expected.length).toBeGreaterThan(300);
      expect(new Set(expected.map((m) => m.kind))).toEqual(new Set(['entryCreated', 'rewardReceived', 'entryCompleted', 'entryCleared', 'entryCancelled', 'lotteryResult', 'exchanged']));
      const members = [...new Set(expected.map((m) => m.memberId))];
      const read: StoredMessage[] = [];
      for (const id of members) read.push(...(await service.readMessages(id, 0, 100_000)));
      expect(read.sort((x, y) => x.id - y.id)).toEqual(expected);

      const referenceClock = new TestClock(T0);
      const referenceLog = new MemoryEventLog();
      await runSteps(await DurableService.open(referenceLog, referenceClock, seeds()), referenceClock, mixedScenario());
      for (const id of members) expect(await service.readMessages(id, 0, 100_000)).toEqual(await referenceLog.readMessages(id, 0, 100_000));
      await service.close();
    });

    if (kind.durable) {
      it('keeps the messages across close and reopen', async () => {
        const h = await store();
        const log = await withMessages(h);
        await log.close();
        const again = h.connect();
        await again.open(1);
        expect((await again.readMessages('A', 0, 100)).map((m) => m.id)).toEqual([1, 2, 4, 6]);
      });
    }
  });

  describe('webhook tables', () => {
    it('creates, replaces (keeping createdAt), lists by id and deletes webhooks, never giving out the secret', async () => {
      const h = await store();
      const log = h.connect();
      await log.open(1);
      const store_ = webhooksOf(log);
      const first = await store_.putWebhook(hook('shop-b', { kinds: ['rewardReceived', 'entryCreated'] }));
      expect(first).toEqual({ created: true, webhook: { id: 'shop-b', url: 'http://127.0.0.1:9/shop-b', kinds: ['rewardReceived', 'entryCreated'], enabled: true, createdAt: T0 } });
      await store_.putWebhook(hook('shop-a'));
      const replaced = await store_.putWebhook(hook('shop-b', { url: 'https://example.test/hook', enabled: false, createdAt: T0 + 999 }));
      expect(replaced).toEqual({ created: false, webhook: { id: 'shop-b', url: 'https://example.test/hook', kinds: ['*'], enabled: false, createdAt: T0 } });
      const listed = await store_.listWebhooks();
      expect(listed.map((w) => w.id)).toEqual(['shop-a', 'shop-b']);
      expect(JSON.stringify(listed)).not.toContain('secret');
      expect(JSON.stringify(await store_.getWebhook('shop-a'))).not.toContain('secret');
      expect(await store_.getWebhook('nope')).toBeNull();
      expect(await store_.deleteWebhook('shop-a')).toBe(true);
      expect(await store_.deleteWebhook('shop-a')).toBe(false);
      expect((await store_.listWebhooks()).map((w) => w.id)).toEqual(['shop-b']);
    });

    it('enqueues one delivery per message and matching enabled webhook, moving the cursor past what it scanned', async () => {
      const h = await store();
      const log = await withMessages(h);
      const hooks = webhooksOf(log);
      await hooks.putWebhook(hook('all'));
      await hooks.putWebhook(hook('rewards', { kinds: ['rewardReceived'] }));
      await hooks.putWebhook(hook('off', { enabled: false }));
      expect(await hooks.cursor()).toBe(0);
      expect(await hooks.enqueue(T0, 4)).toEqual({ scanned: 4, created: 6 });
      expect(await hooks.cursor()).toBe(4);
      expect(await hooks.enqueue(T0 + 1, 4)).toEqual({ scanned: 2, created: 2 });
      expect(await hooks.enqueue(T0 + 2, 4)).toEqual({ scanned: 0, created: 0 });
      expect(await hooks.cursor()).toBe(6);
      const all = await hooks.listDeliveries({ webhookId: 'all', afterId: 0, limit: 100 });
      expect(all.map((d) => d.messageId)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(all[0]).toEqual({ id: all[0]!.id, webhookId: 'all', messageId: 1, status: 'pending', attempts: 0, nextAttemptAt: T0, lastError: null, deliveredAt: null });
      expect((await hooks.listDeliveries({ webhookId: 'rewards', afterId: 0, limit: 100 })).map((d) => d.messageId)).toEqual([2, 4]);
      expect(await hooks.listDeliveries({ webhookId: 'off', afterId: 0, limit: 100 })).toEqual([]);
      // Ids are unique and grow; pages follow them.
      const ids = (await hooks.listDeliveries({ webhookId: 'all', afterId: 0, limit: 3 })).map((d) => d.id);
      expect((await hooks.listDeliveries({ webhookId: 'all', afterId: ids[2]!, limit: 3 })).map((d) => d.messageId)).toEqual([4, 5, 6]);
    });

    it('claims due deliveries of enabled webhooks once, leased; records results only for the claim still current', async () => {
      const h = await store();
      const log = await withMessages(h);
      const hooks = webhooksOf(log);
      await hooks.putWebhook(hook('w', { kinds: ['entryCreated', 'entryCompleted'] }));
      await hooks.enqueue(T0, 100);
      const [first, second, ...none] = await hooks.claim(T0, T0 + 15_000, 10);
      expect(none).toEqual([]);
      expect(first!.delivery).toMatchObject({ messageId: 1, attempts: 1, nextAttemptAt: T0 + 15_000, status: 'pending' });
      expect(first!.message).toEqual({ id: 1, seq: 1, memberId: 'A', kind: 'entryCreated', ref: 1, amountFen: 10_000, at: T0 + 10 });
      expect(first!).toMatchObject({ url: 'http://127.0.0.1:9/w', secret: 'secret-of-w-0123456789' });
      // Leased: nobody claims them again before the lease ends.
      expect(await hooks.claim(T0 + 14_999, T0 + 30_000, 10)).toEqual([]);

      expect(await hooks.finish(first!.delivery, { status: 'pending', error: 'HTTP 500', nextAttemptAt: T0 + 1_000 })).toBe(true);
      expect(await hooks.finish(second!.delivery, { status: 'delivered', at: T0 + 5 })).toBe(true);
      expect(await hooks.getDelivery(second!.delivery.id)).toMatchObject({ status: 'delivered', attempts: 1, deliveredAt: T0 + 5, lastError: null });
      // A second result for the same claim changes nothing.
      expect(await hooks.finish(second!.delivery, { status: 'dead', error: 'late' })).toBe(false);

      const [again] = await hooks.claim(T0 + 1_000, T0 + 16_000, 10);
      expect(again!.delivery).toMatchObject({ id: first!.delivery.id, attempts: 2, lastError: 'HTTP 500' });
      // The first claim's lease is over: its sender cannot overwrite the newer attempt.
      expect(await hooks.finish(first!.delivery, { status: 'delivered', at: T0 + 2_000 })).toBe(false);
      expect(await hooks.finish(again!.delivery, { status: 'dead', error: 'HTTP 410' })).toBe(true);
      expect(await hooks.getDelivery(first!.delivery.id)).toMatchObject({ status: 'dead', attempts: 2, lastError: 'HTTP 410', deliveredAt: null });
      expect(await hooks.listDeliveries({ webhookId: 'w', status: 'dead', afterId: 0, limit: 10 })).toHaveLength(1);
      expect(await hooks.listDeliveries({ webhookId: 'w', status: 'pending', afterId: 0, limit: 10 })).toEqual([]);
      expect(await hooks.claim(T0 + 100_000, T0 + 200_000, 10)).toEqual([]);
    });

    it('holds the deliveries of a disabled webhook until it is enabled again', async () => {
      const h = await store();
      const log = await withMessages(h);
      const hooks = webhooksOf(log);
      await hooks.putWebhook(hook('w', { kinds: ['entryCreated'] }));
      await hooks.enqueue(T0, 100);
      await hooks.putWebhook(hook('w', { kinds: ['entryCreated'], enabled: false }));
      expect(await hooks.claim(T0, T0 + 1, 10)).toEqual([]);
      await hooks.putWebhook(hook('w', { kinds: ['entryCreated'], url: 'http://127.0.0.1:9/new' }));
      const [claimed] = await hooks.claim(T0, T0 + 1, 10);
      expect(claimed).toMatchObject({ url: 'http://127.0.0.1:9/new', delivery: { messageId: 1 } });
    });

    it('redelivers a dead or delivered delivery from scratch and leaves a pending one as it is', async () => {
      const h = await store();
      const log = await withMessages(h);
      const hooks = webhooksOf(log);
      await hooks.putWebhook(hook('w', { kinds: ['entryCreated'] }));
      await hooks.enqueue(T0, 100);
      const [claimed] = await hooks.claim(T0, T0 + 10, 10);
      const id = claimed!.delivery.id;
      expect(await hooks.redeliver(id, T0 + 1)).toEqual({ delivery: { ...claimed!.delivery }, redelivered: false });
      await hooks.finish(claimed!.delivery, { status: 'dead', error: 'HTTP 503' });
      expect(await hooks.redeliver(id, T0 + 50)).toEqual({
        delivery: { id, webhookId: 'w', messageId: 1, status: 'pending', attempts: 0, nextAttemptAt: T0 + 50, lastError: 'HTTP 503', deliveredAt: null },
        redelivered: true,
      });
      const [next] = await hooks.claim(T0 + 50, T0 + 60, 10);
      await hooks.finish(next!.delivery, { status: 'delivered', at: T0 + 55 });
      expect((await hooks.redeliver(id, T0 + 70))!.delivery).toMatchObject({ status: 'pending', attempts: 0, deliveredAt: null, nextAttemptAt: T0 + 70 });
      expect(await hooks.redeliver(id + 1_000, T0)).toBeNull();
    });

    it('deletes a webhook with its deliveries, and never reuses a delivery id', async () => {
      const h = await store();
      const log = await withMessages(h);
      const hooks = webhooksOf(log);
      await hooks.putWebhook(hook('w'));
      await hooks.enqueue(T0, 3);
      const before = await hooks.listDeliveries({ webhookId: 'w', afterId: 0, limit: 10 });
      const [claimed] = await hooks.claim(T0, T0 + 10, 1);
      await hooks.deleteWebhook('w');
      expect(await hooks.getDelivery(before[0]!.id)).toBeNull();
      expect(await hooks.finish(claimed!.delivery, { status: 'delivered', at: T0 })).toBe(false);
      await hooks.putWebhook(hook('w'));
      expect(await hooks.listDeliveries({ webhookId: 'w', afterId: 0, limit: 10 })).toEqual([]);
      await hooks.enqueue(T0, 10);
      const after = await hooks.listDeliveries({ webhookId: 'w', afterId: 0, limit: 10 });
      expect(after.map((d) => d.messageId)).toEqual([4, 5, 6]);
      expect(Math.min(...after.map((d) => d.id))).toBeGreaterThan(Math.max(...before.map((d) => d.id)));
    });

    if (kind.durable) {
      it('keeps webhooks, deliveries and the cursor across close and reopen', async () => {
        const h = await store();
        const log = await withMessages(h);
        await webhooksOf(log).putWebhook(hook('w'));
        await webhooksOf(log).enqueue(T0, 4);
        await log.close();
        const again = h.connect();
        await again.open(1);
        const hooks = webhooksOf(again);
        expect(await hooks.cursor()).toBe(4);
        expect((await hooks.listWebhooks()).map((w) => w.id)).toEqual(['w']);
        expect(await hooks.listDeliveries({ webhookId: 'w', afterId: 0, limit: 10 })).toHaveLength(4);
        expect(await hooks.enqueue(T0, 10)).toEqual({ scanned: 2, created: 2 });
      });

      it('lets two connections enqueue and claim at once without enqueueing or claiming anything twice', async () => {
        const h = await store();
        const log = await withMessages(h);
        for (let i = 4; i <= 40; i++) await log.withWriteLock((tx) => tx.append([logged(i, [notice('C', 'rewardReceived', i, i)])], []));
        const one = webhooksOf(log);
        const otherLog = h.connect();
        await otherLog.open(1);
        const two = webhooksOf(otherLog);
        await one.putWebhook(hook('w'));
        await Promise.all([one.enqueue(T0, 5), two.enqueue(T0, 5), one.enqueue(T0, 7), two.enqueue(T0, 3), one.enqueue(T0, 100), two.enqueue(T0, 100)]);
        const deliveries = await one.listDeliveries({ webhookId: 'w', afterId: 0, limit: 1_000 });
        expect(deliveries.map((d) => d.messageId)).toEqual(Array.from({ length: 43 }, (_, i) => i + 1));
        const claims = await Promise.all([one.claim(T0, T0 + 9, 4), two.claim(T0, T0 + 9, 4), one.claim(T0, T0 + 9, 4), two.claim(T0, T0 + 9, 4)]);
        const claimedIds = claims.flat().map((c) => c.delivery.id);
        expect(claimedIds).toHaveLength(16);
        expect(new Set(claimedIds).size).toBe(16);
      });
    }
  });
}

describe(`messages and webhooks contract: ${memoryKind.name}`, () => contract(memoryKind));
describe(`messages and webhooks contract: ${sqliteKind.name}`, () => contract(sqliteKind));

if (pgProblem === null) {
  describe(`messages and webhooks contract: ${postgresKind.name}`, () => contract(postgresKind));
} else if (requirePg) {
  describe(`messages and webhooks contract: ${postgresKind.name}`, () => {
    it('needs PostgreSQL (QREBATE_REQUIRE_PG=1)', () => {
      throw new Error(`PostgreSQL not reachable at ${process.env.DATABASE_TEST_URL || 'the default test URL'}: ${pgProblem}`);
    });
  });
} else {
  describe.skip(`messages and webhooks contract: ${postgresKind.name} (skipped: PostgreSQL not reachable)`, () => contract(postgresKind));
}
