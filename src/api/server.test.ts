import { describe, expect, it } from 'vitest';
import { DAY, HOUR, T0, harness, k, mallLine } from './test-support.ts';

const SETTINGS = { base: { defaultBp: 10_000, extractBp: 1_000, exchange: { pointsBp: 10_000 } } };

function paid(orderId: string, memberId: string, paidFen = 10_000, productId = 'p1') {
  return { orderId, memberId, lines: [mallLine('l1', productId, paidFen)] };
}

describe('a curl-like walk-through', () => {
  it('settings, members, paid, completed: the member view shows positions and balances', async () => {
    const h = await harness();
    const settings = await h.call('PUT', '/v1/settings', { key: 'settings-1', body: SETTINGS });
    expect(settings.statusCode).toBe(200);
    expect(settings.json()).toMatchObject({ type: 'settings', result: { version: 1 }, at: T0 });

    for (const [id, nickname] of [['A', 'Ann'], ['B', 'Bo'], ['C', 'Cy']]) {
      const res = await h.call('PUT', `/v1/members/${id}`, { key: `member-${id}`, body: { nickname, level: 'gold' } });
      expect(res.json()).toMatchObject({ result: { memberId: id, created: true } });
    }

    // SPEC §3.6 example 1: A is paid 10.00 from her own order, then 10.00 from each next order.
    h.clock.advance(HOUR);
    const first = await h.call('POST', '/v1/orders/paid', { key: 'paid-o1', body: paid('o1', 'A') });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({
      type: 'paid',
      at: T0 + HOUR,
      result: { orderId: 'o1', lines: [{ lineId: 'l1', queue: 'mall', entryId: 1, totalFen: 10_000, extractFen: 1_000, reason: null }] },
      notices: [{ kind: 'entryCreated', memberId: 'A' }, { kind: 'rewardReceived', memberId: 'A', amountFen: 1_000 }],
    });
    await h.call('POST', '/v1/orders/paid', { key: 'paid-o2', body: paid('o2', 'B') });
    await h.call('POST', '/v1/orders/paid', { key: 'paid-o3', body: paid('o3', 'C') });
    const completed = await h.call('POST', '/v1/orders/completed', { key: 'completed-o1', body: { orderId: 'o1' } });
    expect(completed.json()).toMatchObject({ type: 'completed', result: { orderId: 'o1', releasedFen: 3_000 } });

    const a = (await h.call('GET', '/v1/members/A/view')).json();
    expect(a).toMatchObject({
      memberId: 'A',
      nickname: 'Ann',
      balances: { cashFen: 3_000, frozenFen: 0 },
      entries: [{ entryId: 1, status: 'rewarding', queueId: 'mall', position: 0, receivedFen: 3_000, pendingFen: 7_000, canExchange: true }],
    });
    const c = (await h.call('GET', '/v1/members/C/view')).json();
    expect(c.entries).toEqual([expect.objectContaining({ entryId: 3, status: 'waiting', position: 2, receivedFen: 0, pendingFen: 10_000 })]);
    // 3,000 of inflow today: 7,000 + 10,000 + 10,000 ahead and own at 3,000 a week.
    expect(c.entries[0].expectedAt).toBe(T0 + HOUR + Math.floor((27_000 * 7 * DAY) / 3_000));

    const queues = (await h.call('GET', '/v1/queues')).json();
    expect(queues.queues).toEqual([expect.objectContaining({ key: 'mall', entries: 3, activeCount: 3, pendingFen: 27_000, undistributedFen: 0 })]);
    expect((await h.call('GET', '/v1/ledger/balances?account=member:A:cash')).json()).toEqual({ account: 'member:A:cash', balances: { CNY: 3_000, POINTS: 0, LOVE: 0, COUPON: 0 } });
    expect((await h.call('POST', '/v1/verify')).json()).toEqual({ ok: true, violations: [] });
    expect((await h.call('GET', '/v1/settings')).json().base).toMatchObject({ defaultBp: 10_000, extractBp: 1_000 });
  });

  it('pages through ledger transfers in order', async () => {
    const h = await harness();
    await h.call('PUT', '/v1/settings', { key: k(), body: SETTINGS });
    await h.call('PUT', '/v1/members/A', { key: k(), body: {} });
    for (let i = 1; i <= 3; i++) await h.call('POST', '/v1/orders/paid', { key: k(), body: paid(`o${i}`, 'A') });
    const page1 = (await h.call('GET', '/v1/ledger/transfers?limit=4')).json();
    expect(page1.transfers).toHaveLength(4);
    expect(page1.transfers[0]).toMatchObject({ id: 1, debit: 'platform:funding', credit: 'queue:mall', amount: 1_000, unit: 'CNY' });
    expect(page1.nextFrom).toBe(5);
    const page2 = (await h.call('GET', `/v1/ledger/transfers?from=${page1.nextFrom}&limit=100`)).json();
    expect(page2.transfers[0].id).toBe(5);
    expect(page2.nextFrom).toBeNull();
    expect(page1.total).toBe(4 + page2.transfers.length);
    expect((await h.call('GET', '/v1/ledger/transfers?limit=0')).json().code).toBe('VALIDATION_FAILED');
    expect((await h.call('GET', '/v1/ledger/transfers?from=1e3')).json().code).toBe('VALIDATION_FAILED');
    expect((await h.call('GET', '/v1/ledger/transfers?limit=1&limit=2')).json().code).toBe('VALIDATION_FAILED');
    expect((await h.call('GET', '/v1/ledger/balances?account=member:nobody:cash')).statusCode).toBe(404);
    expect((await h.call('GET', '/v1/ledger/balances')).statusCode).toBe(400);
  });
});

describe('idempotency', () => {
  it('answers a repeat with the same status and body and Idempotent-Replayed: true', async () => {
    const h = await harness();
    await h.call('PUT', '/v1/settings', { key: k(), body: SETTINGS });
    await h.call('PUT', '/v1/members/A', { key: k(), body: {} });
    const first = await h.call('POST', '/v1/orders/paid', { key: 'order-o1', body: paid('o1', 'A') });
    h.clock.advance(HOUR); // a retry later in time is still a repeat
    const again = await h.call('POST', '/v1/orders/paid', { key: 'order-o1', body: paid('o1', 'A') });
    expect(again.statusCode).toBe(first.statusCode);
    expect(again.body).toBe(first.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(first.headers['idempotent-replayed']).toBeUndefined();
  });

  it('answers 409 IDEMPOTENCY_CONFLICT for the same key with another payload, changing nothing', async () => {
    const h = await harness();
    await h.call('PUT', '/v1/settings', { key: k(), body: SETTINGS });
    await h.call('PUT', '/v1/members/A', { key: k(), body: {} });
    await h.call('POST', '/v1/orders/paid', { key: 'order-o1', body: paid('o1', 'A') });
    const before = (await h.call('GET', '/v1/queues')).body;
    const conflict = await h.call('POST', '/v1/orders/paid', { key: 'order-o1', body: paid('o1', 'A', 20_000) });
    expect(conflict.statusCode).toBe(409);
    expect(conflict.json()).toEqual({ code: 'IDEMPOTENCY_CONFLICT', message: expect.any(String), details: { idempotencyKey: 'order-o1' } });
    // The same key on another route is another payload too.
    expect((await h.call('POST', '/v1/orders/completed', { key: 'order-o1', body: { orderId: 'o1' } })).statusCode).toBe(409);
    expect((await h.call('GET', '/v1/queues')).body).toBe(before);
  });

  it('requires an Idempotency-Key on writes and refuses keys reserved for the engine', async () => {
    const h = await harness();
    const missing = await h.call('PUT', '/v1/members/A', { body: {} });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().code).toBe('IDEMPOTENCY_KEY_REQUIRED');
    expect((await h.call('PUT', '/v1/members/A', { key: '  ', body: {} })).json().code).toBe('IDEMPOTENCY_KEY_REQUIRED');
    expect((await h.call('PUT', '/v1/members/A', { key: '~tick:1', body: {} })).json().code).toBe('INVALID_ID');
    expect((await h.call('PUT', '/v1/members/A', { key: 'x'.repeat(129), body: {} })).json().code).toBe('INVALID_ID');
  });

  it('stamps every event with the server clock and refuses a client at', async () => {
    const h = await harness();
    const res = await h.call('PUT', '/v1/members/A', { key: k(), body: { at: T0 - DAY } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'at' } });
  });
});

describe('the batch route', () => {
  it('applies valid items in one transaction and answers each item with its own status and body', async () => {
    const h = await harness();
    await h.call('PUT', '/v1/settings', { key: k(), body: SETTINGS });
    await h.call('PUT', '/v1/members/A', { key: k(), body: {} });
    await h.call('POST', '/v1/orders/paid', { key: 'p0', body: paid('o0', 'A') });
    const res = await h.call('POST', '/v1/orders/batch', {
      body: {
        events: [
          { type: 'paid', idempotencyKey: 'p1', ...paid('o1', 'A') },
          { type: 'completed', idempotencyKey: 'c1', orderId: 'o1' },
          { type: 'paid', idempotencyKey: 'p2', ...paid('o2', 'nobody') },
          { type: 'refunded', idempotencyKey: 'r9', orderId: 'o9' },
          { type: 'tick', idempotencyKey: 't1' },
          { type: 'paid', ...paid('o3', 'A') },
          { type: 'paid', idempotencyKey: 'p3', at: T0, ...paid('o3', 'A') },
          { type: 'paid', idempotencyKey: 'p0', ...paid('o0', 'A') },
          { type: 'paid', idempotencyKey: 'p0', ...paid('o0', 'A', 5) },
          { type: 'paid', idempotencyKey: 'p4', ...paid('o1', 'A') },
          'not an object',
        ],
      },
    });
    expect(res.statusCode).toBe(200);
    const results = res.json().results as { status: number; body: { code?: string; type?: string }; replayed?: boolean }[];
    expect(results.map((r) => [r.status, r.body.code ?? r.body.type])).toEqual([
      [200, 'paid'],
      [200, 'completed'],
      [404, 'UNKNOWN_MEMBER'],
      [404, 'UNKNOWN_ORDER'],
      [400, 'VALIDATION_FAILED'],
      [400, 'IDEMPOTENCY_KEY_REQUIRED'],
      [400, 'VALIDATION_FAILED'],
      [200, 'paid'],
      [409, 'IDEMPOTENCY_CONFLICT'],
      [409, 'DUPLICATE_ORDER'],
      [400, 'VALIDATION_FAILED'],
    ]);
    expect(results[7]!.replayed).toBe(true);
    // The accepted items are there: o1 paid and completed.
    const view = (await h.call('GET', '/v1/members/A/view')).json();
    expect(view.entries).toHaveLength(2);
    // A retry of the whole batch is a repeat item by item.
    const again = await h.call('POST', '/v1/orders/batch', { body: { events: [{ type: 'paid', idempotencyKey: 'p1', ...paid('o1', 'A') }] } });
    expect(again.json().results[0]).toMatchObject({ status: 200, replayed: true });
  });

  it('refuses an empty or oversized batch', async () => {
    const h = await harness();
    expect((await h.call('POST', '/v1/orders/batch', { body: { events: [] } })).json().code).toBe('VALIDATION_FAILED');
    const big = Array.from({ length: 1_001 }, (_, i) => ({ type: 'completed', idempotencyKey: `c${i}`, orderId: 'o' }));
    expect((await h.call('POST', '/v1/orders/batch', { body: { events: big } })).json().code).toBe('VALIDATION_FAILED');
    expect((await h.call('POST', '/v1/orders/batch', { body: {} })).json().code).toBe('VALIDATION_FAILED');
  });
});

describe('request bodies', () => {
  it('answers 400 MALFORMED_JSON for invalid JSON', async () => {
    const h = await harness();
    const res = await h.call('PUT', '/v1/members/A', { key: k(), raw: '{"level": ', headers: { 'content-type': 'application/json' } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ code: 'MALFORMED_JSON', message: expect.any(String), details: {} });
  });

  it('answers 415 UNSUPPORTED_MEDIA_TYPE for a body that is not application/json', async () => {
    const h = await harness();
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) {
      const res = await h.call('PUT', '/v1/members/A', { key: k(), raw: '{}', headers: { 'content-type': type } });
      expect(res.statusCode).toBe(415);
      expect(res.json().code).toBe('UNSUPPORTED_MEDIA_TYPE');
    }
    expect((await h.call('PUT', '/v1/members/A', { key: k(), raw: '{}' })).statusCode).toBe(415);
    expect((await h.call('PUT', '/v1/members/A', { key: k(), raw: '{}', headers: { 'content-type': 'application/json; charset=utf-8' } })).statusCode).toBe(200);
  });

  it('answers 413 PAYLOAD_TOO_LARGE past the body limit', async () => {
    const h = await harness();
    const res = await h.call('PUT', '/v1/members/A', { key: k(), body: { nickname: 'x'.repeat(1024 * 1024) } });
    expect(res.statusCode).toBe(413);
    expect(res.json().code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('accepts a command without any body, and refuses a body that is not an object or has unknown fields', async () => {
    const h = await harness();
    await h.call('PUT', '/v1/settings', { key: k(), body: SETTINGS });
    await h.call('PUT', '/v1/members/A', { key: k(), body: {} });
    await h.call('POST', '/v1/orders/paid', { key: k(), body: paid('o1', 'A') });
    const pause = await h.call('POST', '/v1/queues/pause', { key: k() });
    expect(pause.json()).toMatchObject({ type: 'pause', result: { queue: null, paused: true } });
    expect((await h.call('POST', '/v1/queues/resume', { key: k(), raw: '', headers: { 'content-type': 'application/json' } })).statusCode).toBe(200);
    expect((await h.call('PUT', '/v1/members/A', { key: k(), body: [1, 2] })).json().code).toBe('VALIDATION_FAILED');
    const unknown = await h.call('PUT', '/v1/members/A', { key: k(), body: { level: 'x', memberId: 'B' } });
    expect(unknown.json()).toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'memberId' } });
    expect((await h.call('POST', '/v1/orders/completed', { key: k(), body: {} })).json()).toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'orderId' } });
  });

  it('never coerces strings into money', async () => {
    const h = await harness();
    await h.call('PUT', '/v1/settings', { key: k(), body: SETTINGS });
    await h.call('PUT', '/v1/members/A', { key: k(), body: {} });
    const res = await h.call('POST', '/v1/orders/paid', { key: k(), body: { orderId: 'o1', memberId: 'A', lines: [{ lineId: 'l1', channel: 'mall', productId: 'p1', paidFen: '100' }] } });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('INVALID_AMOUNT');
  });

  it('answers 404 NOT_FOUND as JSON for an unknown route', async () => {
    const h = await harness();
    const res = await h.call('GET', '/v1/nothing-here');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: 'NOT_FOUND' });
    expect((await h.call('GET', '/v2/queues')).statusCode).toBe(404);
  });
});

describe('settings', () => {
  it('serves back what a PUT set, defaults filled in, and a PUT of that document is valid', async () => {
    const h = await harness();
    const doc = {
      base: { defaultBp: 5_000, extractBp: 2_000, reset: { kind: 'daily', at: '03:00' }, randomReturnGroup: { cashMembers: 1, pointsMembers: 1 }, exchange: { pointsBp: 10_000 } },
      products: { p1: { levelBp: { gold: 12_000 }, lottery: { kind: 'range', minBp: 1_000, maxBp: 5_000 }, tiers: [{ days: 30, minFen: 1_000, bp: 100 }] } },
      stores: { s1: { windows: { times: ['09:00-21:00'], from: '2026-01-01' } } },
      programs: { union: { fundingBasis: 'sales', fundingBp: 5_000, rewardBp: 11_000, lockDaysByStore: { s1: 15 }, release: { mode: 'daily', at: '23:00' } } },
      rewards: { direct: { bp: 500, basis: 'paid' } },
    };
    expect((await h.call('PUT', '/v1/settings', { key: k(), body: doc })).statusCode).toBe(200);
    const served = (await h.call('GET', '/v1/settings')).json();
    expect(served.base).toMatchObject({ defaultBp: 5_000, extractBp: 2_000, timeZone: 'Asia/Shanghai', payoutRule: 'queue' });
    expect(served.products.p1.levelBp).toEqual({ gold: 12_000 });
    const round = await h.call('PUT', '/v1/settings', { key: k(), body: served });
    expect(round.statusCode).toBe(200);
    expect((await h.call('GET', '/v1/settings')).json()).toEqual(served);
    // A PUT without a body would reset everything to defaults: it is refused.
    const empty = await h.call('PUT', '/v1/settings', { key: k() });
    expect(empty.json()).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect((await h.call('GET', '/v1/settings')).json()).toEqual(served);
  });

  it('rejects invalid settings with 400 and the path of the bad field, changing nothing', async () => {
    const h = await harness();
    await h.call('PUT', '/v1/settings', { key: k(), body: SETTINGS });
    const before = (await h.call('GET', '/v1/settings')).body;
    const res = await h.call('PUT', '/v1/settings', { key: k(), body: { base: { extractBp: 20_000 } } });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('INVALID_RATIO');
    const bad = await h.call('PUT', '/v1/settings', { key: k(), body: { base: { payoutRule: 'random' } } });
    expect(bad.json()).toMatchObject({ code: 'INVALID_SETTINGS', details: { path: 'base.payoutRule' } });
    expect((await h.call('GET', '/v1/settings')).body).toBe(before);
  });

  it('keeps a history of accepted changes with the API key id, before and after', async () => {
    const h = await harness();
    await h.call('PUT', '/v1/settings', { key: 's1', body: SETTINGS });
    await h.call('PUT', '/v1/settings', { key: 's1', body: SETTINGS }); // a repeat is not a change
    await h.call('PUT', '/v1/settings', { key: 's-bad', body: { base: { defaultBp: -1 } } });
    h.clock.advance(HOUR);
    await h.call('PUT', '/v1/settings', { key: 's2', as: 'writer', body: { base: { ...SETTINGS.base, defaultBp: 13_000 } } });
    const { changes } = (await h.call('GET', '/v1/settings/history')).json();
    expect(changes).toHaveLength(2);
    expect(changes[0]).toMatchObject({ version: 1, at: T0, keyId: 'shop-admin', idempotencyKey: 's1', before: { base: { defaultBp: 0 } }, after: { base: { defaultBp: 10_000 } } });
    expect(changes[1]).toMatchObject({ at: T0 + HOUR, keyId: 'writer-only', before: { base: { defaultBp: 10_000 } }, after: { base: { defaultBp: 13_000 } } });
  });

  it('enables every known product in one settings event and leaves newProductsEnabled alone', async () => {
    const h = await harness();
    const doc = {
      base: { ...SETTINGS.base, newProductsEnabled: false },
      products: { p1: { enabled: false, defaultBp: 5_000 }, p2: {} },
      storeProducts: { 's1/q1': { enabled: false } },
    };
    await h.call('PUT', '/v1/settings', { key: k(), body: doc });
    await h.call('PUT', '/v1/members/A', { key: k(), body: {} });
    // p9 has no settings and new products are off: it was sold but took no part.
    const sold = await h.call('POST', '/v1/orders/paid', { key: k(), body: paid('o1', 'A', 10_000, 'p9') });
    expect(sold.json().result.lines[0].reason).toBe('disabled');

    const res = await h.call('POST', '/v1/settings/enable-all-products', { key: 'enable-1' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ type: 'settings' });
    const settings = (await h.call('GET', '/v1/settings')).json();
    expect(settings.base.newProductsEnabled).toBe(false);
    expect(settings.products).toEqual({ p1: { enabled: true, defaultBp: 5_000 }, p2: { enabled: true }, p9: { enabled: true } });
    expect(settings.storeProducts).toEqual({ 's1/q1': { enabled: true } });
    // A retry is a repeat, not a conflict.
    const again = await h.call('POST', '/v1/settings/enable-all-products', { key: 'enable-1' });
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect((await h.call('GET', '/v1/settings/history')).json().changes.at(-1)).toMatchObject({ idempotencyKey: 'enable-1', keyId: 'shop-admin' });
    // p9 now takes part.
    const next = await h.call('POST', '/v1/orders/paid', { key: k(), body: paid('o2', 'A', 10_000, 'p9') });
    expect(next.json().result.lines[0].reason).toBeNull();
  });
});

describe('member actions', () => {
  async function withLottery() {
    const h = await harness();
    await h.call('PUT', '/v1/settings', {
      key: k(),
      body: { base: { defaultBp: 10_000, extractBp: 1_000, lottery: { kind: 'fixed', ratiosBp: [12_000, 15_000] }, exchange: { pointsBp: 10_000 } } },
    });
    for (const id of ['A', 'B']) await h.call('PUT', `/v1/members/${id}`, { key: k(), body: {} });
    await h.call('POST', '/v1/orders/paid', { key: k(), body: paid('oA', 'A') });
    await h.call('POST', '/v1/orders/paid', { key: k(), body: paid('oB', 'B') });
    return h;
  }

  it('draws the lottery of the member’s own entry with a recorded seed', async () => {
    const h = await withLottery();
    expect((await h.call('GET', '/v1/members/B/view', { as: 'member:B' })).json().entries[0].canDraw).toBe(true);
    const res = await h.call('POST', '/v1/members/B/lottery-draw', { as: 'member:B', key: 'draw-1', body: { entryId: 2 } });
    expect(res.statusCode).toBe(200);
    const { result } = res.json();
    expect([12_000, 15_000]).toContain(result.ratioBp);
    expect(result.seed).toEqual(expect.any(Number));
    expect((await h.call('POST', '/v1/members/B/lottery-draw', { as: 'member:B', key: 'draw-1', body: { entryId: 2 } })).headers['idempotent-replayed']).toBe('true');
    const twice = await h.call('POST', '/v1/members/B/lottery-draw', { as: 'member:B', key: 'draw-2', body: { entryId: 2 } });
    expect(twice.statusCode).toBe(409);
    expect(twice.json().code).toBe('LOTTERY_ALREADY_DRAWN');
    // A's entry received money from its own order: the chance to draw is gone.
    const late = await h.call('POST', '/v1/members/A/lottery-draw', { key: k(), body: { entryId: 1, ratioBp: 12_000 } });
    expect(late.statusCode).toBe(422);
    expect(late.json().code).toBe('LOTTERY_NOT_AVAILABLE');
  });

  it('answers 404 for an unknown member or entry and 403 for another member’s entry', async () => {
    const h = await withLottery();
    expect((await h.call('POST', '/v1/members/A/exchange', { key: k(), body: { entryId: 99, target: 'points' } })).json().code).toBe('UNKNOWN_ENTRY');
    expect((await h.call('POST', '/v1/members/Z/exchange', { key: k(), body: { entryId: 1, target: 'points' } })).statusCode).toBe(404);
    expect((await h.call('POST', '/v1/members/A/lottery-draw', { key: k(), body: { entryId: 2 } })).statusCode).toBe(403);
    expect((await h.call('GET', '/v1/members/Z/view')).json().code).toBe('UNKNOWN_MEMBER');
    expect((await h.call('POST', '/v1/members/A/exchange', { key: k(), body: { entryId: 'one', target: 'points' } })).json().code).toBe('INVALID_ID');
  });

  it('exchanges an entry into points and transfers points to another member', async () => {
    const h = await withLottery();
    const exchanged = await h.call('POST', '/v1/members/A/exchange', { as: 'member:A', key: k(), body: { entryId: 1, target: 'points' } });
    expect(exchanged.json().result).toMatchObject({ entryId: 1, target: 'points', units: exchanged.json().result.pendingFen });
    const points = exchanged.json().result.units as number;
    const transfer = await h.call('POST', '/v1/members/A/points-transfer', { as: 'member:A', key: k(), body: { toMemberId: 'B', points } });
    expect(transfer.json().result).toEqual({ fromMemberId: 'A', toMemberId: 'B', points });
    const broke = await h.call('POST', '/v1/members/A/points-transfer', { as: 'member:A', key: k(), body: { toMemberId: 'B', points: 1 } });
    expect(broke.statusCode).toBe(422);
    expect(broke.json().code).toBe('INSUFFICIENT_POINTS');
    expect((await h.call('GET', '/v1/members/B/view', { as: 'member:B' })).json().balances.points).toBe(points);
  });
});

describe('queues, pools, dividends, compliance', () => {
  it('lists stranded queues, merges them, pauses, resets', async () => {
    const h = await harness();
    await h.call('PUT', '/v1/settings', { key: k(), body: { base: { ...SETTINGS.base, mallQueue: false } } });
    await h.call('PUT', '/v1/members/A', { key: k(), body: {} });
    await h.call('POST', '/v1/orders/paid', { key: k(), body: paid('o1', 'A', 10_000, 'p1') });
    await h.call('POST', '/v1/orders/paid', { key: k(), body: paid('o2', 'A', 10_000, 'p2') });
    await h.call('PUT', '/v1/settings', { key: k(), body: { base: { ...SETTINGS.base, mallQueue: false }, products: { p1: { enabled: false } } } });
    const stranded = (await h.call('GET', '/v1/queues/stranded')).json().stranded;
    expect(stranded).toEqual([expect.objectContaining({ queue: 'product:p1', reason: 'productDisabled' })]);
    const merged = await h.call('POST', '/v1/queues/merge', { key: k(), body: { sources: ['product:p1'], target: 'product:p2' } });
    expect(merged.json().result).toMatchObject({ target: 'product:p2', entries: 2 });
    expect((await h.call('POST', '/v1/queues/merge', { key: k(), body: { sources: ['product:p2'], target: 'product:p2' } })).statusCode).toBe(422);
    expect((await h.call('POST', '/v1/queues/pause', { key: k(), body: { queue: 'product:zz' } })).statusCode).toBe(404);
    expect((await h.call('POST', '/v1/queues/pause', { key: k(), body: { queue: 'product:p2' } })).json().result).toEqual({ queue: 'product:p2', paused: true });
    const reset = await h.call('POST', '/v1/queues/reset', { key: k(), body: { queues: ['product:p2'] } });
    expect(reset.json().result).toEqual({ cleared: 2 });
  });

  it('releases a pool program and reports pools; unknown programs are 404', async () => {
    const h = await harness();
    await h.call('PUT', '/v1/settings', { key: k(), body: { programs: { union: { fundingBasis: 'sales', fundingBp: 5_000, rewardBp: 11_000, lockDays: 0, release: { mode: 'daily', at: '23:00' } } } } });
    await h.call('PUT', '/v1/members/A', { key: k(), body: {} });
    await h.call('POST', '/v1/orders/paid', { key: k(), body: paid('o1', 'A', 100_000) });
    await h.call('POST', '/v1/orders/completed', { key: k(), body: { orderId: 'o1' } });
    expect((await h.call('GET', '/v1/pools')).json().pools).toEqual([expect.objectContaining({ programId: 'union', entries: 1, balanceFen: 50_000 })]);
    const release = await h.call('POST', '/v1/pools/union/release', { key: k() });
    expect(release.statusCode).toBe(200);
    expect(release.json().type).toBe('poolRelease');
    expect((await h.call('POST', '/v1/pools/nothing/release', { key: k() })).json().code).toBe('UNKNOWN_PROGRAM');
  });

  it('refuses a dividend without a rule with 422 and serves the compliance report', async () => {
    const h = await harness();
    const res = await h.call('POST', '/v1/dividends', { key: k(), body: { fromDate: '2026-02-01', toDate: '2026-02-28' } });
    expect(res.statusCode).toBe(422);
    expect(res.json().code).toBe('DIVIDEND_PERIOD_INVALID');
    await h.call('PUT', '/v1/settings', { key: k(), body: { rewards: { direct: { bp: 5_000, basis: 'paid' } } } });
    const report = (await h.call('GET', '/v1/compliance')).json();
    expect(report.summary.risks).toBeGreaterThan(0);
    expect(report.findings[0]).toMatchObject({ pattern: expect.any(String), explanation: { zh: expect.any(String), en: expect.any(String) } });
  });
});
