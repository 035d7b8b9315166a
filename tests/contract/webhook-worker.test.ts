/**
 * The webhook delivery worker end to end on every store: a real HTTP receiver on 127.0.0.1 (an
 * ephemeral port) that checks every request with verifyWebhookSignature, as a shop would, and
 * answers what each test scripts. Time is the injected clock, so retries and their backoff are
 * driven exactly; requests go through the real fetch, wrapped to count them. Loopback only.
 */
import { type IncomingHttpHeaders, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DurableService } from '../../src/app/durable-service.ts';
import type { EventLog } from '../../src/app/event-log.ts';
import { verifyWebhookSignature } from '../../src/app/webhook-signature.ts';
import type { WebhookStore } from '../../src/app/webhook-store.ts';
import { type WebhookFetch, WebhookWorker, type WebhookWorkerOptions } from '../../src/app/webhook-worker.ts';
import type { MemoryEventLog } from '../../src/store/memory/memory-event-log.ts';
import type { SqlEventLog } from '../../src/store/sql/open-log.ts';
import { seeds, T0, TestClock } from './scenario.ts';
import { type StoreHarness, type StoreKind, memoryKind, PG_SKIP_NOTICE, postgresKind, probePostgres, sqliteKind } from './stores.ts';

const pgProblem = await probePostgres();
const requirePg = process.env.QREBATE_REQUIRE_PG === '1';
if (pgProblem !== null && !requirePg) console.warn(`${PG_SKIP_NOTICE} [${pgProblem}]`);

const SECRET = 'shop-webhook-secret-0123456789';
const FIVE_MINUTES = 5 * 60_000;

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  /** The receiver's verdict on the signature: 'ok' or why it refused. */
  check: string;
  status: number;
}

/** A shop's webhook endpoint: verifies, records, and answers `script(n)` for the n-th valid request. */
class Receiver {
  readonly received: Received[] = [];
  script: (n: number, body: string) => number | 'hang' = () => 200;
  private valid = 0;
  private server: Server | null = null;
  url = '';

  constructor(private readonly clock: TestClock) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const verdict = verifyWebhookSignature(SECRET, req.headers['x-qrebate-timestamp'] as string | undefined, body, req.headers['x-qrebate-signature'] as string | undefined, this.clock.t);
        const answer = verdict.ok ? this.script(++this.valid, body) : 400;
        if (answer === 'hang') return;
        this.received.push({ headers: req.headers, body, check: verdict.ok ? 'ok' : verdict.reason, status: answer });
        res.writeHead(answer, answer === 302 ? { location: 'http://127.0.0.1:1/elsewhere' } : {}).end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks/qrebate`;
  }

  /** Message ids of the requests answered 2xx. */
  delivered(): number[] {
    return this.received.filter((r) => r.check === 'ok' && r.status < 300).map((r) => (JSON.parse(r.body) as { id: number }).id);
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

function webhooksOf(log: EventLog): WebhookStore {
  return (log as MemoryEventLog | SqlEventLog).webhooks();
}

const settings = { base: { defaultBp: 10_000, extractBp: 1_000 } };

/** A paid order of `paidFen` for member `memberId`: entryCreated, and rewardReceived from its own extraction. */
function order(n: number, memberId = 'A', paidFen = 10_000) {
  return { type: 'paid', orderId: `o${n}`, memberId, lines: [{ lineId: 'l1', channel: 'mall', productId: 'p1', paidFen }] };
}

interface World {
  h: StoreHarness;
  clock: TestClock;
  receiver: Receiver;
  service: DurableService;
  store: WebhookStore;
  sent: string[];
  worker(options?: Partial<WebhookWorkerOptions>, store?: WebhookStore): WebhookWorker;
}

function contract(kind: StoreKind): void {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const clean of cleanups.splice(0).reverse()) await clean();
  });

  async function world(): Promise<World> {
    const h = await kind.create();
    cleanups.push(() => h.dispose());
    const clock = new TestClock(T0);
    const receiver = new Receiver(clock);
    await receiver.start();
    cleanups.push(() => receiver.stop());
    const service = await DurableService.open(h.connect(), clock, seeds());
    await service.submit('settings', { type: 'settings', settings });
    await service.submit('member-A', { type: 'member', memberId: 'A' });
    await service.submit('member-B', { type: 'member', memberId: 'B' });
    const store = webhooksOf(await opened(h));
    const sent: string[] = [];
    const fetch: WebhookFetch = (url, init) => {
      sent.push(init.body);
      return globalThis.fetch(url, init);
    };
    return { h, clock, receiver, service, store, sent, worker: (options = {}, other) => new WebhookWorker(other ?? store, { clock, fetch, ...options }) };
  }

  async function opened(h: StoreHarness): Promise<EventLog> {
    const log = h.connect();
    await log.open(0);
    return log;
  }

  it('posts each message once, signed, with the documented body and headers', async () => {
    const w = await world();
    await w.store.putWebhook({ id: 'shop', url: w.receiver.url, secret: SECRET, kinds: ['*'], enabled: true, createdAt: T0 });
    await w.service.submit('paid-1', order(1));
    const worker = w.worker();
    expect(await worker.runOnce()).toEqual({ enqueued: 2, delivered: 2, retrying: 0, dead: 0 });
    expect(w.receiver.received.map((r) => r.check)).toEqual(['ok', 'ok']);
    const bodies = w.receiver.received.map((r) => JSON.parse(r.body) as Record<string, unknown>).sort((a, b) => (a.id as number) - (b.id as number));
    expect(bodies).toEqual([
      { id: 1, kind: 'entryCreated', memberId: 'A', ref: 1, amountFen: 10_000, at: T0 },
      { id: 2, kind: 'rewardReceived', memberId: 'A', ref: 1, amountFen: 1_000, at: T0 },
    ]);
    const first = w.receiver.received[0]!;
    expect(first.headers['content-type']).toBe('application/json');
    expect(first.headers['x-qrebate-timestamp']).toBe(String(T0));
    expect(first.headers['x-qrebate-signature']).toMatch(/^v1=[0-9a-f]{64}$/);
    expect(first.headers['x-qrebate-delivery']).toMatch(/^\d+$/);
    const deliveries = await w.store.listDeliveries({ webhookId: 'shop', afterId: 0, limit: 10 });
    expect(deliveries.map((d) => [d.status, d.attempts, d.deliveredAt])).toEqual([['delivered', 1, T0], ['delivered', 1, T0]]);
    // Nothing new: nothing sent.
    expect(await worker.runOnce()).toEqual({ enqueued: 0, delivered: 0, retrying: 0, dead: 0 });
    expect(w.sent).toHaveLength(2);
  });

  it('is refused by the receiver when a captured request is replayed after the tolerance, or altered', async () => {
    const w = await world();
    await w.store.putWebhook({ id: 'shop', url: w.receiver.url, secret: SECRET, kinds: ['entryCreated'], enabled: true, createdAt: T0 });
    await w.service.submit('paid-1', order(1));
    await w.worker().runOnce();
    const captured = w.receiver.received[0]!;
    const replay = (body: string) =>
      fetch(w.receiver.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-qrebate-timestamp': captured.headers['x-qrebate-timestamp'] as string, 'x-qrebate-signature': captured.headers['x-qrebate-signature'] as string },
        body,
      });
    // Within the tolerance the copy passes the signature check (receivers deduplicate on id)...
    w.clock.t = T0 + FIVE_MINUTES;
    expect((await replay(captured.body)).status).toBe(200);
    // ...after it, the same bytes are refused as stale, and altered ones as forged.
    w.clock.t = T0 + FIVE_MINUTES + 1;
    expect((await replay(captured.body)).status).toBe(400);
    expect((await replay(captured.body.replace('10000', '99999'))).status).toBe(400);
    expect(w.receiver.received.map((r) => r.check)).toEqual(['ok', 'ok', 'stale', 'forged']);
  });

  it('retries a receiver answering 500 twice after 1 s and 2 s, then delivers', async () => {
    const w = await world();
    await w.store.putWebhook({ id: 'shop', url: w.receiver.url, secret: SECRET, kinds: ['rewardReceived'], enabled: true, createdAt: T0 });
    await w.service.submit('paid-1', order(1));
    w.receiver.script = (n) => (n <= 2 ? 500 : 200);
    const worker = w.worker();
    const delivery = async () => (await w.store.listDeliveries({ webhookId: 'shop', afterId: 0, limit: 10 }))[0]!;

    expect(await worker.runOnce()).toMatchObject({ retrying: 1 });
    expect(await delivery()).toMatchObject({ status: 'pending', attempts: 1, nextAttemptAt: T0 + 1_000, lastError: 'HTTP 500' });
    w.clock.t = T0 + 999;
    expect(await worker.runOnce()).toEqual({ enqueued: 0, delivered: 0, retrying: 0, dead: 0 });
    w.clock.t = T0 + 1_000;
    expect(await worker.runOnce()).toMatchObject({ retrying: 1 });
    expect(await delivery()).toMatchObject({ status: 'pending', attempts: 2, nextAttemptAt: T0 + 3_000 });
    w.clock.t = T0 + 2_999;
    await worker.runOnce();
    expect(w.sent).toHaveLength(2);
    w.clock.t = T0 + 3_000;
    expect(await worker.runOnce()).toMatchObject({ delivered: 1 });
    expect(await delivery()).toMatchObject({ status: 'delivered', attempts: 3, deliveredAt: T0 + 3_000, lastError: null });
    expect(w.receiver.received.map((r) => [r.check, r.status, r.headers['x-qrebate-timestamp']])).toEqual([
      ['ok', 500, String(T0)],
      ['ok', 500, String(T0 + 1_000)],
      ['ok', 200, String(T0 + 3_000)],
    ]);
  });

  it('dead-letters a delivery after the attempt limit, and sends it again when redelivered', async () => {
    const w = await world();
    await w.store.putWebhook({ id: 'shop', url: w.receiver.url, secret: SECRET, kinds: ['entryCreated'], enabled: true, createdAt: T0 });
    await w.service.submit('paid-1', order(1));
    w.receiver.script = () => 503;
    const worker = w.worker({ maxAttempts: 4, backoffBaseMs: 1_000, backoffMaxMs: 3_000 });
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      await worker.runOnce();
      const [d] = await w.store.listDeliveries({ webhookId: 'shop', afterId: 0, limit: 1 });
      if (d!.status === 'pending') delays.push(d!.nextAttemptAt - w.clock.t);
      w.clock.t = d!.nextAttemptAt;
    }
    // 1 s, 2 s, then capped at 3 s; the fourth failure is the last.
    expect(delays).toEqual([1_000, 2_000, 3_000]);
    const [dead] = await w.store.listDeliveries({ webhookId: 'shop', status: 'dead', afterId: 0, limit: 10 });
    expect(dead).toMatchObject({ attempts: 4, lastError: 'HTTP 503', deliveredAt: null });
    w.clock.t += 86_400_000;
    await worker.runOnce();
    expect(w.sent).toHaveLength(4);

    w.receiver.script = () => 204;
    expect(await w.store.redeliver(dead!.id, w.clock.t)).toMatchObject({ redelivered: true, delivery: { status: 'pending', attempts: 0 } });
    expect(await worker.runOnce()).toMatchObject({ delivered: 1 });
    expect(await w.store.getDelivery(dead!.id)).toMatchObject({ status: 'delivered', attempts: 1, deliveredAt: w.clock.t });
    // A delivered one can be sent again too.
    await w.store.redeliver(dead!.id, w.clock.t);
    await worker.runOnce();
    expect(w.receiver.delivered()).toEqual([1, 1]);
  });

  it('counts a refused connection, a redirect and a receiver that never answers as failed attempts', async () => {
    const w = await world();
    const closed = new Receiver(w.clock);
    await closed.start();
    const closedUrl = closed.url;
    await closed.stop();
    await w.store.putWebhook({ id: 'a-refused', url: closedUrl, secret: SECRET, kinds: ['entryCreated'], enabled: true, createdAt: T0 });
    await w.store.putWebhook({ id: 'b-redirect', url: `${w.receiver.url}?redirect`, secret: SECRET, kinds: ['entryCreated'], enabled: true, createdAt: T0 });
    await w.store.putWebhook({ id: 'c-hang', url: `${w.receiver.url}?hang`, secret: SECRET, kinds: ['entryCreated'], enabled: true, createdAt: T0 });
    w.receiver.script = (n) => (n === 1 ? 302 : 'hang');
    await w.service.submit('paid-1', order(1));
    // One claim at a time, so the receiver sees the redirect request before the hanging one.
    const worker = w.worker({ timeoutMs: 300, batchSize: 1 });
    expect(await worker.runOnce()).toMatchObject({ retrying: 3 });
    const lastError = async (id: string) => (await w.store.listDeliveries({ webhookId: id, afterId: 0, limit: 1 }))[0]!.lastError;
    expect(await lastError('a-refused')).toMatch(/ECONNREFUSED/);
    expect(await lastError('b-redirect')).toBe('HTTP 302');
    expect(await lastError('c-hang')).toBe('timed out');
  });

  it('resumes after a restart from the persisted cursor and pending deliveries, sending nothing twice', async () => {
    const w = await world();
    await w.store.putWebhook({ id: 'shop', url: w.receiver.url, secret: SECRET, kinds: ['*'], enabled: true, createdAt: T0 });
    await w.service.submit('paid-1', order(1));
    await w.service.submit('paid-2', order(2));
    // The second valid request fails: it stays pending, due in 1 s.
    w.receiver.script = (n) => (n === 2 ? 500 : 200);
    const first = w.worker();
    await first.runOnce();
    await first.stop();
    expect(w.receiver.delivered().sort()).toEqual([1, 3, 4]);
    expect(await w.store.cursor()).toBe(4);

    // The process goes away; events keep coming; a new process starts on the same database.
    await w.service.submit('paid-3', order(3));
    await w.service.close();
    const log = await opened(w.h);
    const restarted = await DurableService.open(log, w.clock, seeds());
    await restarted.submit('paid-4', order(4));
    const second = w.worker({}, webhooksOf(log));
    await second.runOnce();
    expect(w.receiver.delivered().sort((a, b) => a - b)).toEqual([1, 3, 4, 5, 6, 7, 8]);
    w.clock.t += 1_000;
    await second.runOnce();
    expect(w.receiver.delivered().sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(await webhooksOf(log).cursor()).toBe(8);
    await restarted.close();
  });

  it('sends each delivery once when two workers on two connections run at the same time', async () => {
    const w = await world();
    await w.store.putWebhook({ id: 'shop', url: w.receiver.url, secret: SECRET, kinds: ['*'], enabled: true, createdAt: T0 });
    await w.store.putWebhook({ id: 'rewards', url: `${w.receiver.url}?rewards`, secret: SECRET, kinds: ['rewardReceived'], enabled: true, createdAt: T0 });
    for (let i = 1; i <= 15; i++) await w.service.submit(`paid-${i}`, order(i, i % 2 ? 'A' : 'B', 1_000 + i));
    const one = w.worker({ batchSize: 3, scanLimit: 4 });
    const two = w.worker({ batchSize: 2, scanLimit: 3 }, webhooksOf(await opened(w.h)));
    await Promise.all([one.runOnce(), two.runOnce(), one.runOnce(), two.runOnce()]);
    await Promise.all([one.runOnce(), two.runOnce()]);
    const deliveries = await w.store.listDeliveries({ webhookId: 'shop', afterId: 0, limit: 1_000 });
    const rewards = await w.store.listDeliveries({ webhookId: 'rewards', afterId: 0, limit: 1_000 });
    expect(deliveries).toHaveLength(await w.store.cursor());
    expect(rewards.length).toBeGreaterThanOrEqual(15);
    expect(deliveries.every((d) => d.status === 'delivered' && d.attempts === 1)).toBe(true);
    expect(rewards.every((d) => d.status === 'delivered' && d.attempts === 1)).toBe(true);
    expect(w.sent).toHaveLength(deliveries.length + rewards.length);
    expect(w.receiver.received).toHaveLength(w.sent.length);
  });
}

describe(`webhook worker: ${memoryKind.name}`, () => contract(memoryKind));
describe(`webhook worker: ${sqliteKind.name}`, () => contract(sqliteKind));

if (pgProblem === null) {
  describe(`webhook worker: ${postgresKind.name}`, () => contract(postgresKind));
} else if (requirePg) {
  describe(`webhook worker: ${postgresKind.name}`, () => {
    it('needs PostgreSQL (QREBATE_REQUIRE_PG=1)', () => {
      throw new Error(`PostgreSQL not reachable at ${process.env.DATABASE_TEST_URL || 'the default test URL'}: ${pgProblem}`);
    });
  });
} else {
  describe.skip(`webhook worker: ${postgresKind.name} (skipped: PostgreSQL not reachable)`, () => contract(postgresKind));
}
