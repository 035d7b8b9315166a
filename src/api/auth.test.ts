import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Authenticator, hashApiKey, signMemberToken, verifyMemberToken } from './auth.ts';
import { AUTH, DAY, SECRETS, T0, harness, k, mallLine, memberAuth } from './test-support.ts';

const SECRET = SECRETS.member;

describe('API keys', () => {
  it('are configured by the SHA-256 hex of the secret', () => {
    expect(hashApiKey('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('authenticate to the key id and scopes, and refuse an unknown secret', () => {
    const auth = new Authenticator(AUTH);
    expect(auth.authenticate(`Bearer ${SECRETS.reader}`, T0)).toMatchObject({ kind: 'apiKey', keyId: 'dashboard' });
    expect(auth.authenticate(`bearer ${SECRETS.admin}`, T0)).toMatchObject({ kind: 'apiKey', keyId: 'shop-admin' });
    expect(() => auth.authenticate('Bearer wrong', T0)).toThrow(expect.objectContaining({ code: 'UNAUTHORIZED' }));
    expect(() => auth.authenticate(undefined, T0)).toThrow(expect.objectContaining({ code: 'UNAUTHORIZED' }));
    expect(() => auth.authenticate('Basic abc', T0)).toThrow(expect.objectContaining({ code: 'UNAUTHORIZED' }));
    expect(() => auth.authenticate('Bearer', T0)).toThrow(expect.objectContaining({ code: 'UNAUTHORIZED' }));
  });

  it('refuse a configuration with a bad hash, a repeated id, an unknown scope or a short member secret', () => {
    const key = { id: 'a', hash: hashApiKey('s'), scopes: ['read' as const] };
    expect(() => new Authenticator({ apiKeys: [{ ...key, hash: 'plain-secret' }] })).toThrow(/hash/);
    expect(() => new Authenticator({ apiKeys: [key, key] })).toThrow(/twice/);
    expect(() => new Authenticator({ apiKeys: [{ ...key, scopes: ['admin' as 'read'] }] })).toThrow(/scope/);
    expect(() => new Authenticator({ apiKeys: [key], memberTokenSecret: 'short' })).toThrow(/memberTokenSecret/);
  });
});

describe('member tokens', () => {
  it('round-trip the member id until they expire', () => {
    const token = signMemberToken(SECRET, 'A', T0 + 1000);
    expect(verifyMemberToken(SECRET, token, T0)).toEqual({ ok: true, memberId: 'A' });
    expect(verifyMemberToken(SECRET, token, T0 + 1000)).toEqual({ ok: false, reason: 'expired' });
  });

  it('are payload.signature in base64url, the signature an HMAC-SHA256 of the payload part', () => {
    const token = signMemberToken(SECRET, 'A', T0);
    const [payload, signature] = token.split('.') as [string, string];
    expect(JSON.parse(Buffer.from(payload, 'base64url').toString())).toEqual({ memberId: 'A', exp: T0 });
    expect(signature).toBe(createHmac('sha256', SECRET).update(payload).digest('base64url'));
  });

  it('are refused when forged, signed with another secret, or malformed', () => {
    const token = signMemberToken(SECRET, 'A', T0 + DAY);
    const [, signature] = token.split('.');
    const otherPayload = Buffer.from(JSON.stringify({ memberId: 'B', exp: T0 + DAY })).toString('base64url');
    expect(verifyMemberToken(SECRET, `${otherPayload}.${signature}`, T0)).toEqual({ ok: false, reason: 'forged' });
    expect(verifyMemberToken(SECRET, signMemberToken('another-secret-0123456789', 'A', T0 + DAY), T0)).toEqual({ ok: false, reason: 'forged' });
    expect(verifyMemberToken(SECRET, 'nodot', T0).ok).toBe(false);
    expect(verifyMemberToken(SECRET, 'a.b.c', T0).ok).toBe(false);
    const notJson = Buffer.from('not json').toString('base64url');
    expect(verifyMemberToken(SECRET, `${notJson}.${createHmac('sha256', SECRET).update(notJson).digest('base64url')}`, T0)).toEqual({ ok: false, reason: 'malformed' });
  });
});

describe('the auth matrix over HTTP', () => {
  async function shop() {
    const h = await harness();
    await h.call('PUT', '/v1/settings', { key: k(), body: { base: { defaultBp: 10_000, extractBp: 1_000, exchange: { pointsBp: 10_000 } } } });
    for (const id of ['A', 'B']) await h.call('PUT', `/v1/members/${id}`, { key: k(), body: {} });
    await h.call('POST', '/v1/orders/paid', { key: k(), body: { orderId: 'oA', memberId: 'A', lines: [mallLine('l1', 'p1', 10_000)] } });
    await h.call('POST', '/v1/orders/paid', { key: k(), body: { orderId: 'oB', memberId: 'B', lines: [mallLine('l1', 'p1', 10_000)] } });
    return h;
  }

  it('answers 401 UNAUTHORIZED without credentials, with a WWW-Authenticate header, and lets /healthz, /openapi.json and /docs through', async () => {
    const h = await harness();
    const res = await h.call('GET', '/v1/queues', { as: 'none' });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ code: 'UNAUTHORIZED' });
    expect(res.headers['www-authenticate']).toContain('Bearer');
    expect((await h.call('POST', '/v1/orders/paid', { as: 'none', key: k(), body: {} })).statusCode).toBe(401);
    expect((await h.call('GET', '/v1/queues', { as: 'Bearer not-a-key' })).statusCode).toBe(401);
    for (const url of ['/healthz', '/openapi.json', '/docs']) expect((await h.call('GET', url, { as: 'none' })).statusCode).toBe(200);
    expect((await h.call('GET', '/metrics', { as: 'none' })).statusCode).toBe(401);
  });

  it('answers 403 FORBIDDEN to a read key on a write and to a write-only key on a read', async () => {
    const h = await harness();
    const write = await h.call('PUT', '/v1/members/A', { as: 'reader', key: k(), body: {} });
    expect(write.statusCode).toBe(403);
    expect(write.json()).toMatchObject({ code: 'FORBIDDEN', details: { scope: 'write' } });
    expect((await h.call('GET', '/v1/queues', { as: 'writer' })).statusCode).toBe(403);
    expect((await h.call('GET', '/v1/queues', { as: 'reader' })).statusCode).toBe(200);
    expect((await h.call('PUT', '/v1/members/A', { as: 'writer', key: k(), body: {} })).statusCode).toBe(200);
  });

  it('checks credentials before reading the body', async () => {
    const h = await harness();
    const res = await h.call('POST', '/v1/orders/paid', { as: 'none', raw: '{not json', headers: { 'content-type': 'text/plain' } });
    expect(res.statusCode).toBe(401);
  });

  it('lets a member token reach its own view and actions, and nothing else', async () => {
    const h = await shop();
    const own = await h.call('GET', '/v1/members/A/view', { as: 'member:A' });
    expect(own.statusCode).toBe(200);
    expect(own.json()).toMatchObject({ memberId: 'A', entries: [{ entryId: 1 }] });

    expect((await h.call('GET', '/v1/members/B/view', { as: 'member:A' })).statusCode).toBe(403);
    expect((await h.call('GET', '/v1/queues', { as: 'member:A' })).statusCode).toBe(403);
    expect((await h.call('GET', '/v1/settings', { as: 'member:A' })).statusCode).toBe(403);
    expect((await h.call('PUT', '/v1/members/A', { as: 'member:A', key: k(), body: { level: 'vip' } })).statusCode).toBe(403);
    expect((await h.call('POST', '/v1/orders/paid', { as: 'member:A', key: k(), body: {} })).statusCode).toBe(403);
    expect((await h.call('POST', '/v1/members/B/points-transfer', { as: 'member:A', key: k(), body: { toMemberId: 'A', points: 1 } })).statusCode).toBe(403);

    // Its own entry, yes; another member's entry through its own path, no.
    const other = await h.call('POST', '/v1/members/A/exchange', { as: 'member:A', key: k(), body: { entryId: 2, target: 'points' } });
    expect(other.statusCode).toBe(403);
    expect(other.json()).toMatchObject({ code: 'FORBIDDEN', details: { entryId: 2 } });
    const mine = await h.call('POST', '/v1/members/A/exchange', { as: 'member:A', key: k(), body: { entryId: 1, target: 'points' } });
    expect(mine.statusCode).toBe(200);
    expect(mine.json()).toMatchObject({ type: 'exchange', result: { entryId: 1, target: 'points' } });
  });

  it('refuses expired and forged member tokens with 401', async () => {
    const h = await shop();
    const expired = await h.call('GET', '/v1/members/A/view', { as: memberAuth('A', T0) });
    expect(expired.statusCode).toBe(401);
    expect(expired.json().message).toMatch(/expired/);
    const token = signMemberToken(SECRET, 'A', T0 + DAY);
    const forgedPayload = Buffer.from(JSON.stringify({ memberId: 'B', exp: T0 + DAY })).toString('base64url');
    const forged = await h.call('GET', '/v1/members/B/view', { as: `Member ${forgedPayload}.${token.split('.')[1]}` });
    expect(forged.statusCode).toBe(401);
    const otherSecret = await h.call('GET', '/v1/members/A/view', { as: `Member ${signMemberToken('guessed-secret-0123456789', 'A', T0 + DAY)}` });
    expect(otherSecret.statusCode).toBe(401);
  });

  it('refuses member tokens on a server configured without a member secret', async () => {
    const h = await harness({ auth: { apiKeys: AUTH.apiKeys } });
    expect((await h.call('GET', '/v1/members/A/view', { as: 'member:A' })).statusCode).toBe(401);
  });

  it('keeps a member’s idempotency keys apart from the shop’s', async () => {
    const h = await shop();
    // The member takes the key the shop will use for its next order: the shop's order still goes through.
    const early = await h.call('POST', '/v1/members/A/points-transfer', { as: 'member:A', key: 'order-next', body: { toMemberId: 'B', points: 1 } });
    expect(early.json().code).toBe('INSUFFICIENT_POINTS');
    await h.call('POST', '/v1/members/A/exchange', { as: 'member:A', key: 'x', body: { entryId: 1, target: 'points' } });
    const transfer = await h.call('POST', '/v1/members/A/points-transfer', { as: 'member:A', key: 'order-next', body: { toMemberId: 'B', points: 1 } });
    expect(transfer.statusCode).toBe(200);
    const order = await h.call('POST', '/v1/orders/paid', { key: 'order-next', body: { orderId: 'oC', memberId: 'B', lines: [mallLine('l1', 'p1', 100)] } });
    expect(order.statusCode).toBe(200);
    expect(order.headers['idempotent-replayed']).toBeUndefined();
  });

  it('never lets a member choose the seed or ratio of a draw', async () => {
    const h = await shop();
    const res = await h.call('POST', '/v1/members/A/lottery-draw', { as: 'member:A', key: k(), body: { entryId: 1, ratioBp: 50_000 } });
    expect(res.statusCode).toBe(403);
  });

  it('keeps secrets out of the request log', async () => {
    const lines: string[] = [];
    const h = await harness({ logger: true, logStream: { write: (line) => void lines.push(line) } });
    const token = signMemberToken(SECRET, 'A', T0 + DAY);
    await h.call('GET', '/v1/queues');
    await h.call('GET', '/v1/members/A/view', { as: `Member ${token}` });
    await h.call('GET', '/v1/queues', { as: 'Bearer some-wrong-secret' });
    const text = lines.join('');
    expect(text).toContain('/v1/queues');
    expect(text).toContain('[redacted]');
    for (const secret of [SECRETS.admin, token, 'some-wrong-secret']) expect(text).not.toContain(secret);
  });
});
