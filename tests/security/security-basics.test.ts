/**
 * Security basics (docs/RELIABILITY.md, Security basics), on the in-memory log, SQLite and
 * PostgreSQL (support.ts, securityStores): secrets never reach the log stream, the responses or
 * the database; API keys exist only as hashes, and the server needs nothing else; every text a
 * client controls travels to SQL as a parameter, so SQL-injection strings round-trip exactly and
 * the log still replays.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DurableService } from '../../src/app/durable-service.ts';
import { type AuthConfig, hashApiKey, signMemberToken } from '../../src/api/auth.ts';
import { AUTH, TestClock, seeds } from '../../src/api/test-support.ts';
import { stateDigest } from '../../src/domain/digest.ts';
import { PostgresEventLog } from '../../src/store/sql/postgres-event-log.ts';
import { SqliteEventLog } from '../../src/store/sql/sqlite-event-log.ts';
import { decodeCompact } from '../../src/store/sql/compact-json.ts';
import { storedTransfers } from '../contract/stores.ts';
import { HOUR, SECRETS, type Shop, WEBHOOK_SECRET, describeStores, errorShapeProblems, mallLine, openShop, securityStores, seedShop, storedRows, storedTables } from './support.ts';

const STORES = await securityStores();

/**
 * What must never be written anywhere but the configuration of the party that owns it. The
 * webhook secret is the one exception for the database, which must keep it to sign deliveries.
 */
function secretsOf(shop: Pick<Shop, 'clock'>) {
  const token = signMemberToken(SECRETS.member, 'A', shop.clock.now() + HOUR);
  const stored = [...Object.values(SECRETS), token, token.split('.')[1]!, ...AUTH.apiKeys.map((k) => k.hash)];
  return { token, stored, all: [...stored, WEBHOOK_SECRET] };
}

/** Requests carrying every credential in every shape a client might get wrong. */
function credentialShapes(token: string): string[] {
  return [
    `Bearer ${SECRETS.admin}`,
    `bearer ${SECRETS.reader}`,
    `BEARER ${SECRETS.writer}`,
    `Bearer  ${SECRETS.admin}`,
    `Bearer\t${SECRETS.admin}`, // a tab instead of the space
    SECRETS.admin, // no scheme at all
    `Token ${SECRETS.admin}`,
    `Bearer ${SECRETS.member}`, // the member secret sent as a key
    `Member ${token}`,
    `member ${token}`,
    `Member\t${token}`,
    token,
    `Member ${token}!`,
    `Member ${signMemberToken(SECRETS.member, 'A', 0)}`, // expired
  ];
}

describeStores(STORES, (kind) => `security basics on ${kind.name}`, (kind) => {
  describe('secrets are never logged, answered or stored', () => {
    const lines: string[] = [];
    let shop: Shop;
    beforeAll(async () => {
      shop = await openShop(kind, { logger: true, logStream: { write: (line: string) => void lines.push(line) } });
      await seedShop(shop);
    });
    afterAll(async () => {
      await shop.dispose();
    });

    it('keeps API keys, member tokens, the member-token secret, key hashes and webhook secrets out of the log stream and the answers', async () => {
      const { token, all } = secretsOf(shop);
      const answers: string[] = [];
      const requests: { method: 'GET' | 'POST' | 'PUT'; url: string; body?: unknown }[] = [
        { method: 'GET', url: '/v1/queues' },
        { method: 'GET', url: '/v1/members/A/view' },
        { method: 'GET', url: '/metrics' },
        { method: 'GET', url: '/v1/settings/history' },
        { method: 'POST', url: '/v1/members/A/exchange', body: { entryId: 999, target: 'points' } },
        { method: 'PUT', url: '/v1/members/A', body: { nickname: 'Ann' } },
        { method: 'GET', url: '/v1/members/%ZZ/view' }, // a framework error, logged by fastify
        { method: 'GET', url: '/nowhere' },
        ...(shop.webhooks
          ? [
              { method: 'PUT' as const, url: '/v1/webhooks/w-2', body: { url: 'https://shop.example/hook', secret: WEBHOOK_SECRET } },
              { method: 'GET' as const, url: '/v1/webhooks' },
            ]
          : []),
      ];
      let n = 0;
      for (const authorization of credentialShapes(token)) {
        for (const r of requests) {
          const res = await shop.app.inject({
            method: r.method,
            url: r.url,
            headers: {
              authorization,
              'idempotency-key': `log-${++n}`,
              ...(r.body !== undefined && { 'content-type': 'application/json' }),
            },
            ...(r.body !== undefined && { payload: JSON.stringify(r.body) }),
          });
          answers.push(res.body, JSON.stringify(res.headers));
        }
      }
      const log = lines.join('');
      expect(log).toContain('[redacted]'); // the stream did capture the request lines
      expect(lines.length).toBeGreaterThan(credentialShapes(token).length * requests.length);
      for (const secret of all) {
        expect(log.includes(secret), `the log holds ${secret.slice(0, 12)}…`).toBe(false);
        expect(answers.some((a) => a.includes(secret)), `an answer holds ${secret.slice(0, 12)}…`).toBe(false);
      }
    });

    it('keeps them out of the event log, and out of the database: SQLite files byte for byte, every PostgreSQL row', async () => {
      const { stored: secrets } = secretsOf(shop);
      const stored = JSON.stringify(await shop.log.readSince(0));
      for (const secret of secrets) expect(stored.includes(secret)).toBe(false);
      if (shop.log instanceof SqliteEventLog) {
        const dir = dirname(shop.log.path);
        const bytes = readdirSync(dir).map((f) => readFileSync(join(dir, f)).toString('latin1')).join('');
        expect(bytes.length).toBeGreaterThan(0);
        for (const secret of secrets) expect(bytes.includes(secret), secret.slice(0, 12)).toBe(false);
      }
      if (shop.log instanceof PostgresEventLog) {
        const tables = await storedTables(shop);
        expect(tables).toEqual(expect.arrayContaining(['events', 'meta', 'webhooks', 'webhook_deliveries']));
        const rows: string[] = [];
        for (const table of tables) rows.push(...(await storedRows(shop, `SELECT t::text AS row FROM ${pg.escapeIdentifier(table)} AS t`)).map((r) => r.row as string));
        expect(rows.length).toBeGreaterThan((await shop.log.readSince(0)).length);
        const text = rows.join('\n');
        for (const secret of secrets) expect(text.includes(secret), secret.slice(0, 12)).toBe(false);
      }
    });
  });

  describe('API keys are stored hashed', () => {
    it('the shared test configuration holds only SHA-256 hashes, never a secret', () => {
      const config = JSON.stringify(AUTH.apiKeys);
      for (const key of AUTH.apiKeys) expect(key.hash).toMatch(/^[0-9a-f]{64}$/);
      for (const secret of [SECRETS.admin, SECRETS.reader, SECRETS.writer]) expect(config).not.toContain(secret);
    });

    it('a server configured with nothing but hashes accepts the secrets, and refuses the hashes themselves', async () => {
      // Written down once, as an operator would: sha256 of "correct horse battery staple 0123"
      // and of "read only dashboard secret 0123". No secret appears in this configuration.
      const auth: AuthConfig = {
        apiKeys: [
          { id: 'shop', hash: 'c21c3a535ef5668185064591210e757725b1541fcae5a83959e0698c140f90ed', scopes: ['read', 'write'] },
          { id: 'dashboard', hash: '81c63cfa4c0d9b575e8772f5362b8fea5a056983f3ef33b36427b53927da36b6', scopes: ['read'] },
        ],
      };
      const shop = await openShop(kind, { auth });
      try {
        const as = (authorization: string) => ({ authorization, 'content-type': 'application/json', 'idempotency-key': `hash-${authorization.length}` });
        const write = await shop.app.inject({ method: 'PUT', url: '/v1/members/A', headers: as('Bearer correct horse battery staple 0123'), payload: '{}' });
        expect(write.statusCode).toBe(200);
        const read = await shop.app.inject({ method: 'GET', url: '/v1/members/A/view', headers: { authorization: 'Bearer read only dashboard secret 0123' } });
        expect(read.statusCode).toBe(200);
        for (const key of auth.apiKeys) {
          const byHash = await shop.app.inject({ method: 'GET', url: '/v1/queues', headers: { authorization: `Bearer ${key.hash}` } });
          expect(byHash.statusCode, 'a stolen configuration file must not be a credential').toBe(401);
          expect(errorShapeProblems(byHash)).toEqual([]);
        }
        // Member tokens are off without a member secret, whatever they carry.
        const member = await shop.app.inject({ method: 'GET', url: '/v1/members/A/view', headers: { authorization: `Member ${signMemberToken(SECRETS.member, 'A', shop.clock.now() + HOUR)}` } });
        expect(member.statusCode).toBe(401);
      } finally {
        await shop.dispose();
      }
    });

    it('a configuration holding a secret where the hash belongs is refused at start', async () => {
      await expect(openShop(kind, { auth: { apiKeys: [{ id: 'oops', hash: SECRETS.admin, scopes: ['read'] }] } })).rejects.toThrow(/hash/);
      expect(hashApiKey(SECRETS.admin)).toMatch(/^[0-9a-f]{64}$/);
    });

    it('the settings history names the key by its id, never by secret or hash', async () => {
      const shop = await openShop(kind);
      try {
        await seedShop(shop);
        const history = (await shop.call('GET', '/v1/settings/history')).body;
        expect(history).toContain('"keyId":"shop-admin"');
        for (const secret of secretsOf(shop).all) expect(history).not.toContain(secret);
      } finally {
        await shop.dispose();
      }
    });
  });

  describe('SQL is built only with parameters', () => {
    let shop: Shop;
    beforeAll(async () => {
      shop = await openShop(kind);
    });
    afterAll(async () => {
      await shop.dispose();
    });

    /** Each at most 64 characters (a nickname's limit), none with a control character. */
    const INJECTIONS = [
      "'; DROP TABLE events; --",
      '" OR 1=1 --',
      "\\'",
      '$1',
      '?',
      '?1',
      ':key',
      '@p',
      '\\',
      "\\\\'; DELETE FROM ledger_transfers; --",
      "' OR '1'='1",
      "Robert'); DROP TABLE ledger_transfers;--",
      '%',
      '_',
      "x' UNION SELECT seq, payload FROM events --",
      "会员'; --",
      '🙂"; --',
      '/* */',
      '-- ',
      '\u2028\u2029',
      'ＤＲＯＰ ＴＡＢＬＥ',
      '0x27',
      "' || (SELECT sqlite_version()) || '",
      '$$; DROP TABLE meta; $$',
    ];
    const ascii = (s: string) => /^[\x20-\x7e]*$/.test(s);

    it('round-trips injection strings through every text field: ids, nicknames, levels, lines, products, stores, queues, programs, webhooks and idempotency keys', async () => {
      const programs = Object.fromEntries(INJECTIONS.slice(0, 8).map((s, i) => [`g${i}${s}`, { fundingBasis: 'sales', fundingBp: 1_000, rewardBp: 10_000, products: [`p${s}`] }]));
      // mallQueue off: every product gets its own queue, product:<id>, so product ids become queue keys.
      const settings = await shop.call('PUT', '/v1/settings', { key: 'settings-injection', body: { base: { defaultBp: 10_000, extractBp: 1_000, mallQueue: false, exchange: { pointsBp: 10_000 } }, programs } });
      expect(settings.statusCode, settings.body).toBe(200);

      const sentKeys: string[] = ['settings-injection'];
      let previous: string | null = null;
      for (const [i, s] of INJECTIONS.entries()) {
        const member = `m${i}${s}`;
        const memberKey = ascii(s) ? `member ${s}` : `member-${i}`;
        const put = await shop.call('PUT', `/v1/members/${encodeURIComponent(member)}`, {
          key: memberKey,
          body: { nickname: s, level: s, teamLevel: s, ...(previous !== null && { referrerId: previous }) },
        });
        expect(put.statusCode, `${s}: ${put.body}`).toBe(200);
        sentKeys.push(memberKey);

        const order = { orderId: `o${i}${s}`, memberId: member, lines: [mallLine(`l${s}`, `p${s}`, 1_000 + i), { lineId: `s${s}`, channel: 'store', storeId: `st${s}`, productId: `p${s}`, paidFen: 500 }] };
        const paidKey = ascii(s) ? `paid:${s}` : `paid-${i}`;
        const paid = await shop.call('POST', '/v1/orders/paid', { key: paidKey, body: order });
        expect(paid.statusCode, `${s}: ${paid.body}`).toBe(200);
        sentKeys.push(paidKey);
        const again = await shop.call('POST', '/v1/orders/paid', { key: paidKey, body: order });
        expect([again.statusCode, again.headers['idempotent-replayed'], again.body]).toEqual([200, 'true', paid.body]);

        const batchKey = `batch:${s}`; // any text: the key travels in the JSON body
        const batch = await shop.call('POST', '/v1/orders/batch', { body: { events: [{ type: 'refunded', idempotencyKey: batchKey, orderId: order.orderId, lineIds: [`s${s}`] }] } });
        expect(batch.json().results[0].status, `${s}: ${batch.body}`).toBe(200);
        sentKeys.push(batchKey);

        const view = await shop.call('GET', `/v1/members/${encodeURIComponent(member)}/view`);
        expect(view.json()).toMatchObject({ memberId: member, nickname: s });
        const cash = await shop.call('GET', `/v1/ledger/balances?account=${encodeURIComponent(`member:${member}:cash`)}`);
        expect([200, 404]).toContain(cash.statusCode);
        previous = member;
      }

      for (const [i, s] of INJECTIONS.entries()) {
        const queue = `product:p${s}`;
        const key = `pause-${i}`;
        const pause = await shop.call('POST', '/v1/queues/pause', { key, body: { queue } });
        expect(pause.statusCode, `${s}: ${pause.body}`).toBe(200);
        sentKeys.push(key);
      }
      const queues = (await shop.call('GET', '/v1/queues')).json().queues as { key: string; paused: boolean }[];
      for (const s of INJECTIONS) expect(queues.find((q) => q.key === `product:p${s}`), s).toMatchObject({ paused: true });
      for (const [i, s] of INJECTIONS.slice(0, 8).entries()) {
        const release = await shop.call('POST', `/v1/pools/${encodeURIComponent(`g${i}${s}`)}/release`, { key: `release-${i}` });
        expect(release.statusCode, `${s}: ${release.body}`).toBe(200);
        sentKeys.push(`release-${i}`);
      }
      const pools = (await shop.call('GET', '/v1/pools')).json().pools as { programId: string }[];
      expect(pools.map((p) => p.programId).sort()).toEqual(Object.keys(programs).sort());

      // Webhooks (ids are [A-Za-z0-9_.-] only): the URL and the secret are free text.
      if (shop.webhooks) {
        const hooks = INJECTIONS.map((s, i) => ({ id: `inj-${i}`, url: `https://shop.example/hook?q=${s}`, secret: `secret ${s}`.padEnd(16, '.') }));
        for (const hook of hooks) {
          const res = await shop.call('PUT', `/v1/webhooks/${hook.id}`, { body: { url: hook.url, secret: hook.secret } });
          expect(res.statusCode, `${hook.url}: ${res.body}`).toBe(201);
        }
        const listed = (await shop.call('GET', '/v1/webhooks')).json().webhooks as { id: string; url: string }[];
        for (const hook of hooks) expect(listed.find((w) => w.id === hook.id)?.url).toBe(hook.url);
        if (kind.sql) {
          const secrets = new Map((await storedRows(shop, 'SELECT id, secret FROM webhooks')).map((r) => [r.id, r.secret]));
          for (const hook of hooks) expect(secrets.get(hook.id), hook.id).toBe(hook.secret);
        }
      }

      // The log holds each key exactly as sent, and every event replays to the same state.
      const logged = await shop.log.readSince(0);
      const keys = new Set(logged.map((e) => e.key));
      for (const key of sentKeys) expect(keys.has(key), key).toBe(true);
      expect((await shop.call('POST', '/v1/verify')).json()).toEqual({ ok: true, violations: [] });
      const reopened = await DurableService.open(shop.store.connect(), new TestClock(shop.clock.now()), seeds());
      expect(stateDigest(reopened.engine)).toBe(stateDigest(shop.service.engine));
      expect(reopened.engine.members.get(`m0${INJECTIONS[0]}`)?.nickname).toBe(INJECTIONS[0]);

      // The stored ledger (what readLedger serves) names the same accounts as the engine's.
      const ledger = shop.service.engine.ledger;
      const stored = await storedTransfers(shop.log);
      expect(stored.map((t) => [t.debit, t.credit, t.amount])).toEqual(Array.from({ length: ledger.size }, (_, i) => [ledger.get(i).debit, ledger.get(i).credit, ledger.get(i).amount]));
      expect(stored.some((t) => t.debit.includes(INJECTIONS[0]!) || t.credit.includes(INJECTIONS[0]!))).toBe(true);
    });

    it.runIf(kind.sql)('leaves every table in place, each row where the log says', async () => {
      expect(await storedTables(shop)).toEqual(expect.arrayContaining(['events', 'meta', 'schema_migrations', 'webhooks', 'webhook_deliveries']));
      const [counts] = await storedRows(shop, 'SELECT count(*) AS events FROM events');
      expect(counts).toEqual({ events: (await shop.log.readSince(0)).length });
      expect((await storedTransfers(shop.log)).length).toBe(shop.service.engine.ledger.size);
      const [member] = await storedRows(shop, "SELECT payload FROM events WHERE type = 'member' ORDER BY seq LIMIT 1");
      expect((decodeCompact(member!.payload as string) as { nickname: string }).nickname).toBe(INJECTIONS[0]);
    });
  });
});
