/**
 * One plain test per bug the security runs found, so each stays fixed whatever a random seed
 * happens to draw: the API fixes of commit 37962ad, the settings gaps fixed in f7a33ff, and the
 * webhook lookups by an id PostgreSQL cannot hold.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signMemberToken, verifyMemberToken } from '../../src/api/auth.ts';
import { HOUR, SECRETS, STORE_KINDS, type Shop, describeStores, errorShapeProblems, mallLine, openShop, securityStores, seedShop } from './support.ts';

const STORES = await securityStores();

const ADMIN = `Bearer ${SECRETS.admin}`;

describeStores(STORES, (kind) => `regressions on ${kind.name}`, (kind) => {
  let shop: Shop;
  beforeAll(async () => {
    shop = await openShop(kind);
    await seedShop(shop);
  });
  afterAll(async () => {
    await shop.dispose();
  });

  const json = (method: 'POST' | 'PUT', url: string, payload: string, headers: Record<string, string | string[]> = {}) =>
    shop.app.inject({ method, url, headers: { authorization: ADMIN, 'content-type': 'application/json', 'idempotency-key': `r-${Math.random()}`, ...headers } as Record<string, string>, payload });

  it('a settings document nested 100,000 levels deep is 400 VALIDATION_FAILED, not a 500 from a stack overflow', async () => {
    for (const deep of ['['.repeat(100_000) + ']'.repeat(100_000), '{"a":'.repeat(65) + '1' + '}'.repeat(65)]) {
      const res = await json('PUT', '/v1/settings', `{"base":{"windows":${deep}}}`);
      expect([res.statusCode, res.json().code]).toEqual([400, 'VALIDATION_FAILED']);
    }
    // 64 levels are fine as far as nesting goes (the settings then refuse the content).
    const shallow = await json('PUT', '/v1/settings', `{"base":{"windows":${'['.repeat(62)}${']'.repeat(62)}}}`);
    expect(shallow.json().code).not.toBe('VALIDATION_FAILED');
    // Brackets inside strings do not count.
    const inString = await json('PUT', '/v1/members/A', JSON.stringify({ nickname: '['.repeat(60) }));
    expect(inString.statusCode).toBe(200);
  });

  it('a path that is not valid percent-encoding gets a code from the error table, without credentials too', async () => {
    for (const url of ['/v1/members/%ZZ/view', '/v1/members/%E0%A4%A/view', '/v1/members/%ED%A0%80/view']) {
      for (const authorization of [ADMIN, undefined]) {
        const res = await shop.app.inject({ method: 'GET', url, headers: authorization ? { authorization } : {} });
        expect([url, res.statusCode, res.json().code]).toEqual([url, 400, 'VALIDATION_FAILED']);
        expect(errorShapeProblems(res)).toEqual([]);
      }
    }
  });

  it('member ids of 101 to 128 characters work in paths; longer ones are INVALID_ID, far longer VALIDATION_FAILED', async () => {
    const id = 'm'.repeat(128);
    expect((await json('PUT', `/v1/members/${id}`, '{}')).statusCode).toBe(200);
    expect((await shop.app.inject({ method: 'GET', url: `/v1/members/${id}/view`, headers: { authorization: ADMIN } })).json().memberId).toBe(id);
    expect((await json('PUT', `/v1/members/${'m'.repeat(129)}`, '{}')).json().code).toBe('INVALID_ID');
    expect((await json('PUT', `/v1/members/${'m'.repeat(5_000)}`, '{}')).json().code).toBe('VALIDATION_FAILED');
  });

  it('two Idempotency-Key headers are 400, not one key "a, b"', async () => {
    const before = await shop.snapshot();
    const res = await json('PUT', '/v1/members/D', '{}', { 'idempotency-key': ['a', 'b'] });
    expect([res.statusCode, res.json()]).toEqual([400, expect.objectContaining({ code: 'VALIDATION_FAILED', details: { field: 'Idempotency-Key' } })]);
    expect(await shop.snapshot()).toEqual(before);
  });

  it('ids and idempotency keys with control characters or lone surrogates are INVALID_ID, per batch item too', async () => {
    const before = await shop.snapshot();
    for (const bad of ['A\u0000B', 'tab\tid', 'x\u007f', 'x\ud800', '\udc00x']) {
      const order = await json('POST', '/v1/orders/paid', JSON.stringify({ orderId: bad, memberId: 'A', lines: [mallLine('l1', 'p0', 100)] }));
      expect([JSON.stringify(bad), order.json().code]).toEqual([JSON.stringify(bad), 'INVALID_ID']);
      const batch = await json('POST', '/v1/orders/batch', JSON.stringify({ events: [{ type: 'completed', idempotencyKey: bad, orderId: 'oA' }] }));
      expect(batch.json().results[0]).toMatchObject({ status: 400, body: { code: 'INVALID_ID', details: { field: 'idempotencyKey' } } });
      // Two keys: SQLite looks a batch's keys up as one JSON array, which must not fail on them either.
      const pair = await json('POST', '/v1/orders/batch', JSON.stringify({ events: [{ type: 'completed', idempotencyKey: bad, orderId: 'oA' }, { type: 'completed', idempotencyKey: `${bad}2`, orderId: 'oA' }] }));
      expect(pair.json().results).toMatchObject([{ status: 400, body: { code: 'INVALID_ID' } }, { status: 400, body: { code: 'INVALID_ID' } }]);
    }
    const header = await json('PUT', '/v1/members/D', '{}', { 'idempotency-key': 'k\u0001' });
    expect(header.json().code).toBe('INVALID_ID');
    expect(await shop.snapshot()).toEqual(before);
    // Other scripts and emoji are ordinary ids.
    expect((await json('PUT', `/v1/members/${encodeURIComponent('会员🙂')}`, '{}')).statusCode).toBe(200);
  });

  // PostgreSQL text cannot hold U+0000: the lookup failed its statement, a 500 on PostgreSQL only.
  it('a webhook id with a NUL is 404 NOT_FOUND for DELETE and for its deliveries, on every store', async () => {
    const before = await shop.snapshot();
    for (const [method, url] of [['DELETE', '/v1/webhooks/%00'], ['DELETE', '/v1/webhooks/w%00-1'], ['GET', '/v1/webhooks/%00/deliveries'], ['GET', '/v1/webhooks/w-1%00/deliveries']] as const) {
      const res = await shop.app.inject({ method, url, headers: { authorization: ADMIN } });
      expect([method, url, res.statusCode, res.json().code]).toEqual([method, url, 404, 'NOT_FOUND']);
      expect(errorShapeProblems(res)).toEqual([]);
    }
    expect(await shop.snapshot()).toEqual(before);
  });

  it('an unknown field in an order line is INVALID_EVENT, not a silently ignored amount', async () => {
    const before = await shop.snapshot();
    const res = await json('POST', '/v1/orders/paid', JSON.stringify({ orderId: 'typo', memberId: 'A', lines: [{ ...mallLine('l1', 'p0', 100), deductedfen: 50 }] }));
    expect([res.statusCode, res.json()]).toEqual([400, expect.objectContaining({ code: 'INVALID_EVENT', details: { field: 'lines[0].deductedfen' } })]);
    expect(await shop.snapshot()).toEqual(before);
  });
});

describe('member tokens', () => {
  it('verify only in their canonical text: no trailing characters, padding or changed spare bits', () => {
    const now = 1_772_420_400_000;
    const token = signMemberToken(SECRETS.member, 'A', now + HOUR);
    expect(verifyMemberToken(SECRETS.member, token, now)).toEqual({ ok: true, memberId: 'A' });
    const [payload, signature] = token.split('.') as [string, string];
    // 32 bytes in 43 characters: the last character carries 2 spare bits, so 4 texts decode alike.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(signature.at(-1)!);
    const sameBytes = [1, 2, 3].map((d) => `${signature.slice(0, -1)}${alphabet[(last & ~3) | ((last + d) & 3)]}`);
    for (const variant of [`${signature}!`, `${signature}=`, `${signature}A`, ` ${signature}`, ...sameBytes]) {
      expect(verifyMemberToken(SECRETS.member, `${payload}.${variant}`, now).ok, variant).toBe(false);
    }
  });
});

describe('settings ids and keys', () => {
  // validateDisplay checked `key in out`, which walks the prototype: "hasOwnProperty", "toString"
  // or "constructor" passed as display toggles and were stored in the settings.
  it('PUT /v1/settings refuses prototype names as display toggles', async () => {
    const shop = await openShop(STORE_KINDS[0]!);
    try {
      for (const name of ['hasOwnProperty', 'toString', 'constructor']) {
        const res = await shop.app.inject({
          method: 'PUT',
          url: '/v1/settings',
          headers: { authorization: ADMIN, 'content-type': 'application/json', 'idempotency-key': `display-${name}` },
          payload: JSON.stringify({ base: { display: { [name]: true } } }),
        });
        expect([name, res.statusCode]).toEqual([name, 400]);
      }
    } finally {
      await shop.dispose();
    }
  });

  // Program ids are settings keys and were not checked like ids: a NUL in one was stored, and
  // every order of the program's products then failed on PostgreSQL (a text column cannot hold
  // U+0000 and the pool account is pool:<id>), a 500 for each.
  it('PUT /v1/settings refuses a program id with a control character', async () => {
    const shop = await openShop(STORE_KINDS[0]!);
    try {
      const res = await shop.app.inject({
        method: 'PUT',
        url: '/v1/settings',
        headers: { authorization: ADMIN, 'content-type': 'application/json', 'idempotency-key': 'program-nul' },
        payload: JSON.stringify({ programs: { 'g\u0000': { fundingBasis: 'sales', fundingBp: 1_000, rewardBp: 10_000 } } }),
      });
      expect(res.statusCode).toBe(400);
    } finally {
      await shop.dispose();
    }
  });
});
