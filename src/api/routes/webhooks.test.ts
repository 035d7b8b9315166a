/**
 * The messages route and the webhook routes over app.inject, on the in-memory event log and its
 * webhook store. Delivery itself is tested end to end in tests/contract/webhook-worker.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { WebhookWorker } from '../../app/webhook-worker.ts';
import { MemoryEventLog } from '../../store/memory/memory-event-log.ts';
import { T0, harness, k, mallLine } from '../test-support.ts';

const SECRET = 'shop-webhook-secret-0123456789';

async function withOrders() {
  const log = new MemoryEventLog();
  const h = await harness({ log, webhooks: log.webhooks() });
  await h.call('PUT', '/v1/settings', { key: k(), body: { base: { defaultBp: 10_000, extractBp: 1_000 } } });
  for (const id of ['A', 'B']) await h.call('PUT', `/v1/members/${id}`, { key: k(), body: {} });
  await h.call('POST', '/v1/orders/paid', { key: k(), body: { orderId: 'o1', memberId: 'A', lines: [mallLine('l1', 'p1', 12_345)] } });
  await h.call('POST', '/v1/orders/paid', { key: k(), body: { orderId: 'o2', memberId: 'B', lines: [mallLine('l1', 'p1', 10_000)] } });
  return { h, log };
}

describe('GET /v1/members/:id/messages', () => {
  it('lists the member’s messages oldest first with Chinese and English text', async () => {
    const { h } = await withOrders();
    const res = await h.call('GET', '/v1/members/A/messages', { as: 'member:A' });
    expect(res.statusCode).toBe(200);
    const { messages, nextAfter } = res.json();
    expect(nextAfter).toBeNull();
    expect(messages[0]).toEqual({ id: 1, kind: 'entryCreated', ref: 1, amountFen: 12_345, at: T0, text: { zh: '排队成功，待返 ¥123.45', en: 'Queued, rebate due ¥123.45' } });
    expect(messages[1]).toMatchObject({ kind: 'rewardReceived', amountFen: 1_234, text: { zh: '收到奖励 ¥12.34', en: 'Reward received ¥12.34' } });
    const ids = messages.map((m: { id: number }) => m.id);
    expect(ids).toEqual([...ids].sort((a: number, b: number) => a - b));
    // B's order paid A's entry too: A's messages include it, B's own list has only B's.
    const b = (await h.call('GET', '/v1/members/B/messages', { as: 'reader' })).json().messages;
    expect(b.map((m: { kind: string }) => m.kind)).toEqual(['entryCreated']);
    expect(messages.map((m: { kind: string }) => m.kind)).toEqual(['entryCreated', 'rewardReceived', 'rewardReceived']);
  });

  it('pages with after and limit', async () => {
    const { h } = await withOrders();
    const first = (await h.call('GET', '/v1/members/A/messages?limit=2')).json();
    expect(first.messages).toHaveLength(2);
    const rest = (await h.call('GET', `/v1/members/A/messages?after=${first.nextAfter}&limit=2`)).json();
    expect(rest.messages).toHaveLength(1);
    expect(rest.nextAfter).toBeNull();
    expect(rest.messages[0].id).toBeGreaterThan(first.nextAfter);
  });

  it('reaches a member token for its own id only, refuses bad paging and unknown members', async () => {
    const { h } = await withOrders();
    expect((await h.call('GET', '/v1/members/A/messages', { as: 'member:B' })).statusCode).toBe(403);
    expect((await h.call('GET', '/v1/members/A/messages', { as: 'writer' })).statusCode).toBe(403);
    expect((await h.call('GET', '/v1/members/A/messages', { as: 'none' })).statusCode).toBe(401);
    for (const q of ['limit=0', 'limit=501', 'after=-1', 'after=1e3', 'limit=2&limit=3']) {
      expect((await h.call('GET', `/v1/members/A/messages?${q}`)).json().code, q).toBe('VALIDATION_FAILED');
    }
    const unknown = await h.call('GET', '/v1/members/Z/messages');
    expect([unknown.statusCode, unknown.json().code]).toEqual([404, 'UNKNOWN_MEMBER']);
  });
});

describe('the webhook routes', () => {
  const body = (url = 'https://shop.example/hooks/qrebate') => ({ url, secret: SECRET, kinds: ['rewardReceived', 'entryCreated'] });

  it('create, replace, list and delete webhooks, never answering with the secret', async () => {
    const { h } = await withOrders();
    const created = await h.call('PUT', '/v1/webhooks/shop-1', { body: body() });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toEqual({ created: true, webhook: { id: 'shop-1', url: 'https://shop.example/hooks/qrebate', kinds: ['rewardReceived', 'entryCreated'], enabled: true, createdAt: T0 } });
    const replaced = await h.call('PUT', '/v1/webhooks/shop-1', { body: { url: 'http://127.0.0.1:8080/hook', secret: SECRET, enabled: false } });
    expect(replaced.statusCode).toBe(200);
    expect(replaced.json().webhook).toMatchObject({ kinds: ['*'], enabled: false });
    const listed = await h.call('GET', '/v1/webhooks', { as: 'writer' });
    expect(listed.json().webhooks.map((w: { id: string }) => w.id)).toEqual(['shop-1']);
    for (const res of [created, replaced, listed]) expect(res.body).not.toContain(SECRET);
    expect((await h.call('DELETE', '/v1/webhooks/shop-1')).json()).toEqual({ id: 'shop-1', deleted: true });
    const again = await h.call('DELETE', '/v1/webhooks/shop-1');
    expect([again.statusCode, again.json().code]).toEqual([404, 'NOT_FOUND']);
    expect((await h.call('GET', '/v1/webhooks')).json()).toEqual({ webhooks: [] });
  });

  it('need the write scope, even to read', async () => {
    const { h } = await withOrders();
    for (const [method, url] of [['GET', '/v1/webhooks'], ['PUT', '/v1/webhooks/x'], ['DELETE', '/v1/webhooks/x'], ['GET', '/v1/webhooks/x/deliveries'], ['POST', '/v1/webhooks/deliveries/1/redeliver']] as const) {
      const res = await h.call(method, url, { as: 'reader', ...(method === 'PUT' && { body: body() }) });
      expect(res.statusCode, `${method} ${url}`).toBe(403);
      expect((await h.call(method, url, { as: 'member:A' })).statusCode, `${method} ${url}`).toBe(403);
    }
  });

  it('refuse invalid configuration, changing nothing', async () => {
    const { h } = await withOrders();
    const cases: [string, unknown, string][] = [
      ['/v1/webhooks/shop', { secret: SECRET }, 'url'],
      ['/v1/webhooks/shop', { ...body(), url: 'ftp://shop.example/x' }, 'url'],
      ['/v1/webhooks/shop', { ...body(), url: 'shop.example/x' }, 'url'],
      ['/v1/webhooks/shop', { ...body(), url: 'https://user:pw@shop.example/x' }, 'url'],
      ['/v1/webhooks/shop', { ...body(), url: 'https://shop.example/x\u0000y' }, 'url'],
      ['/v1/webhooks/shop', { ...body(), secret: 'short' }, 'secret'],
      ['/v1/webhooks/shop', { ...body(), secret: `${SECRET}\u0000` }, 'secret'],
      ['/v1/webhooks/shop', { ...body(), kinds: ['rewardReceived', 'nope'] }, 'kinds'],
      ['/v1/webhooks/shop', { ...body(), kinds: ['*', 'rewardReceived'] }, 'kinds'],
      ['/v1/webhooks/shop', { ...body(), kinds: [] }, 'kinds'],
      ['/v1/webhooks/shop', { ...body(), kinds: ['exchanged', 'exchanged'] }, 'kinds'],
      ['/v1/webhooks/shop', { ...body(), enabled: 'yes' }, 'enabled'],
      ['/v1/webhooks/shop', { ...body(), extra: 1 }, 'extra'],
      ['/v1/webhooks/-shop', body(), 'id'],
      [`/v1/webhooks/${'x'.repeat(65)}`, body(), 'id'],
    ];
    for (const [url, payload, field] of cases) {
      const res = await h.call('PUT', url, { body: payload });
      expect([res.statusCode, res.json().code, res.json().details.field], JSON.stringify(payload)).toEqual([400, 'VALIDATION_FAILED', field]);
    }
    expect((await h.call('GET', '/v1/webhooks')).json()).toEqual({ webhooks: [] });
  });

  it('list deliveries by status and redeliver a dead one', async () => {
    const { h, log } = await withOrders();
    await h.call('PUT', '/v1/webhooks/shop', { body: { url: 'http://127.0.0.1:9/never-called', secret: SECRET, kinds: ['rewardReceived'] } });
    // A fetch that always fails: the worker's requests never leave the process.
    const worker = new WebhookWorker(log.webhooks(), { clock: h.clock, fetch: async () => ({ status: 500 }), maxAttempts: 1 });
    expect(await worker.runOnce()).toMatchObject({ dead: 2 });
    const dead = (await h.call('GET', '/v1/webhooks/shop/deliveries?status=dead')).json();
    expect(dead.deliveries).toHaveLength(2);
    expect(dead.deliveries[0]).toMatchObject({ webhookId: 'shop', status: 'dead', attempts: 1, lastError: 'HTTP 500', deliveredAt: null });
    expect((await h.call('GET', '/v1/webhooks/shop/deliveries?status=pending')).json()).toEqual({ deliveries: [], nextAfter: null });
    const page = (await h.call('GET', '/v1/webhooks/shop/deliveries?limit=1')).json();
    expect(page.nextAfter).toBe(page.deliveries[0].id);

    h.clock.advance(5_000);
    const id = dead.deliveries[0].id;
    const redelivered = await h.call('POST', `/v1/webhooks/deliveries/${id}/redeliver`);
    expect(redelivered.json()).toEqual({ redelivered: true, delivery: { ...dead.deliveries[0], status: 'pending', attempts: 0, nextAttemptAt: T0 + 5_000 } });
    expect((await h.call('POST', `/v1/webhooks/deliveries/${id}/redeliver`)).json().redelivered).toBe(false);
    for (const bad of ['999', '0', 'abc']) {
      const res = await h.call('POST', `/v1/webhooks/deliveries/${bad}/redeliver`);
      expect([res.statusCode, res.json().code], bad).toEqual([404, 'NOT_FOUND']);
    }
    expect((await h.call('GET', '/v1/webhooks/shop/deliveries?status=lost')).json().code).toBe('VALIDATION_FAILED');
    expect((await h.call('GET', '/v1/webhooks/other/deliveries')).statusCode).toBe(404);
  });

  it('are documented in /openapi.json when the server has a webhook store, and not served without one', async () => {
    const { h } = await withOrders();
    const doc = (await h.call('GET', '/openapi.json', { as: 'none' })).json();
    expect(Object.keys(doc.paths['/v1/webhooks/{id}']).sort()).toEqual(['delete', 'put']);
    expect(doc.paths['/v1/webhooks/deliveries/{id}/redeliver'].post['x-scope']).toBe('write');
    expect(doc.paths['/v1/members/{id}/messages'].get.security).toEqual([{ apiKey: [] }, { memberToken: [] }]);
    const plain = await harness();
    expect((await plain.call('GET', '/v1/webhooks')).statusCode).toBe(404);
  });
});
