/**
 * The authorization matrix (docs/RELIABILITY.md, Authorization matrix): every route the server
 * documents × every kind of caller, each answer checked against docs/API.md. An allowed caller
 * sends a valid request and must get exactly 200 (a write runs on a fresh fixture of its own);
 * a refused caller must get exactly 401 or 403 with the table's code, and all the refused calls
 * together change nothing. Then the member-isolation cases: a member token never reaches another
 * member's data, whatever the path, entry or body says.
 */
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREDENTIALS, type Credential, type Expected, PATH_MEMBER, expectedAccess } from './credentials.ts';
import { isKnown, send, validRequest } from './requests.ts';
import { type Fixture, type RouteInfo, type Shop, describeStores, errorShapeProblems, memberHeader, openShop, readRoutes, routeName, securityStores, seedShop } from './support.ts';

const STORES = await securityStores();

/**
 * Each allowed write (159 at the time of writing) gets a shop of its own; on PostgreSQL that is a
 * database created and dropped per cell: 8 s on a quiet VM, 30 s at load average 3. Room for CI
 * under heavy load, above vitest's default of 120 s.
 */
const MATRIX_TIMEOUT_MS = 300_000;

interface Cell {
  route: string;
  credential: string;
  expected: Expected;
  status: number;
  problem: string | null;
}

/** Null when the answer is what the matrix expects, else what is wrong with it. */
function judge(route: RouteInfo, expected: Expected, res: LightMyRequestResponse): string | null {
  if (expected === 'allowed') {
    // A route these tests know gets its valid request: a 2xx (201 for a created webhook). A route
    // added later gets a body built from its schema, which may be refused, but never by auth.
    if (isKnown(route)) return res.statusCode === 200 || res.statusCode === 201 ? null : `expected 2xx, got ${res.statusCode} ${res.body.slice(0, 160)}`;
    return res.statusCode === 401 || res.statusCode === 403 || res.statusCode >= 500 ? `expected to pass auth, got ${res.statusCode} ${res.body.slice(0, 160)}` : null;
  }
  if (res.statusCode !== expected) return `expected ${expected}, got ${res.statusCode} ${res.body.slice(0, 160)}`;
  const code = (res.json() as { code?: string }).code;
  const wanted = expected === 401 ? 'UNAUTHORIZED' : 'FORBIDDEN';
  if (code !== wanted) return `expected ${wanted}, got ${code}`;
  const shape = errorShapeProblems(res);
  return shape.length > 0 ? shape.join('; ') : null;
}

describeStores(STORES, (kind) => `the authorization matrix on ${kind.name}`, (kind) => {
  let shop: Shop;
  let fixture: Fixture;
  let routes: RouteInfo[];

  beforeAll(async () => {
    shop = await openShop(kind);
    fixture = await seedShop(shop);
    routes = await readRoutes(shop.app);
  });
  afterAll(async () => {
    await shop.dispose();
  });

  it('answers every route × credential as docs/API.md says, and the refused calls change nothing', async () => {
    const before = await shop.snapshot();
    const cells: Cell[] = [];
    for (const route of routes) {
      for (const credential of CREDENTIALS) {
        const expected = expectedAccess(route, credential);
        // An allowed write changes the state: it gets a fresh fixture, so every allowed write
        // meets the same state and the shared shop sees only reads and refusals.
        const fresh = expected === 'allowed' && route.scope === 'write';
        const target = fresh ? await openShop(kind) : shop;
        try {
          const targetFixture = fresh ? await seedShop(target) : fixture;
          const res = await send(target, route, validRequest(route, targetFixture), credential.header(target));
          cells.push({ route: routeName(route), credential: credential.name, expected, status: res.statusCode, problem: judge(route, expected, res) });
        } finally {
          if (fresh) await target.dispose();
        }
      }
    }
    const wrong = cells.filter((c) => c.problem !== null).map((c) => `${c.route} as ${c.credential}: ${c.problem}`);
    expect(wrong).toEqual([]);
    expect(await shop.snapshot()).toEqual(before);

    const count = (e: Expected) => cells.filter((c) => c.expected === e).length;
    console.info(
      `[authorization matrix, ${kind.name}] ${routes.length} routes × ${CREDENTIALS.length} credentials = ${cells.length} cells: ` +
        `${count('allowed')} allowed (2xx), ${count(401)} × 401, ${count(403)} × 403; 5xx seen: ${cells.filter((c) => c.status >= 500).length}`,
    );
  }, MATRIX_TIMEOUT_MS);

  it('covers every route the server documents, public ones included', () => {
    const scopes = new Set(routes.map((r) => r.scope));
    expect(scopes).toEqual(new Set(['public', 'read', 'write']));
    expect(routes.filter((r) => r.memberSelf).length).toBeGreaterThanOrEqual(4);
  });

  describe('a member never reaches another member’s data', () => {
    const asA = () => memberHeader(shop, PATH_MEMBER);

    it('through any member route naming another member', async () => {
      for (const route of routes.filter((r) => r.params.includes('id') && r.path.startsWith('/v1/members/'))) {
        const parts = validRequest(route, fixture);
        const res = await send(shop, route, { ...parts, params: { ...parts.params, id: 'B' } }, asA());
        expect([routeName(route), res.statusCode, res.json().code]).toEqual([routeName(route), 403, 'FORBIDDEN']);
        expect(res.body).not.toContain('Bo'); // B's nickname
      }
    });

    it('a valid token for a member the shop never registered: 404 on its own routes, 403 on anyone else’s', async () => {
      const stranger = memberHeader(shop, 'Z');
      for (const route of routes.filter((r) => r.memberSelf && r.method === 'GET')) {
        const own = await send(shop, route, { params: { id: 'Z' } }, stranger);
        expect([routeName(route), own.statusCode, own.json().code]).toEqual([routeName(route), 404, 'UNKNOWN_MEMBER']);
        const other = await send(shop, route, { params: { id: PATH_MEMBER } }, stranger);
        expect([routeName(route), other.statusCode]).toEqual([routeName(route), 403]);
      }
    });

    it('through path tricks: encoding, case, dot segments, doubled slashes, trailing slash, query', async () => {
      const before = await shop.snapshot();
      const paths = [
        '/v1/members/%42/view', // "B" percent-encoded decodes to B
        '/v1/members/b/view', // ids are case-sensitive: another (unknown) member
        '/v1/members/A%2F..%2FB/view',
        '/v1/members/A/../B/view',
        '/v1/members/A/view/../../B/view',
        '//v1/members/B/view',
        '/v1/members/B/view/',
        '/v1/members/B/view?id=A',
        '/v1/members/B/view?memberId=A',
        '/V1/members/B/view',
        '/v1/members/%20B/view',
        '/v1/members/B%00/view',
      ];
      for (const url of paths) {
        const res = await shop.app.inject({ method: 'GET', url, headers: { authorization: asA() } });
        expect([url, res.statusCode >= 400 && res.statusCode < 500]).toEqual([url, true]);
        expect(errorShapeProblems(res), url).toEqual([]);
        expect(res.body, url).not.toContain('Bo');
      }
      expect(await shop.snapshot()).toEqual(before);
    });

    it('through another member’s entry named on its own path', async () => {
      const before = await shop.snapshot();
      for (const [action, body] of [
        ['lottery-draw', { entryId: fixture.otherEntry }],
        ['exchange', { entryId: fixture.otherEntry, target: 'points' }],
      ] as const) {
        const res = await shop.app.inject({
          method: 'POST',
          url: `/v1/members/A/${action}`,
          headers: { authorization: asA(), 'content-type': 'application/json', 'idempotency-key': `steal-${action}` },
          payload: JSON.stringify(body),
        });
        expect([action, res.statusCode, res.json().code]).toEqual([action, 403, 'FORBIDDEN']);
      }
      expect(await shop.snapshot()).toEqual(before);
    });

    it('through body fields: a points transfer cannot name the member it comes from', async () => {
      const res = await shop.app.inject({
        method: 'POST',
        url: '/v1/members/A/points-transfer',
        headers: { authorization: asA(), 'content-type': 'application/json', 'idempotency-key': 'steal-points' },
        payload: JSON.stringify({ fromMemberId: 'B', toMemberId: 'A', points: 1 }),
      });
      expect([res.statusCode, res.json()]).toEqual([400, expect.objectContaining({ code: 'VALIDATION_FAILED', details: { field: 'fromMemberId' } })]);
    });

    it('through idempotency keys: a member repeating the shop’s key gets a new event, never the shop’s outcome', async () => {
      const shopKey = 'paid:oB'; // as the shop would have used it; the fixture used its own keys
      const first = await shop.app.inject({
        method: 'POST',
        url: '/v1/orders/paid',
        headers: { authorization: 'Bearer admin-secret-0123456789', 'content-type': 'application/json', 'idempotency-key': shopKey },
        payload: JSON.stringify({ orderId: 'oSecret', memberId: 'B', lines: [{ lineId: 'l1', channel: 'mall', productId: 'p0', paidFen: 100 }] }),
      });
      expect(first.statusCode).toBe(200);
      const member = await shop.app.inject({
        method: 'POST',
        url: '/v1/members/A/points-transfer',
        headers: { authorization: asA(), 'content-type': 'application/json', 'idempotency-key': shopKey },
        payload: JSON.stringify({ toMemberId: 'C', points: 1 }),
      });
      expect(member.statusCode).toBe(200);
      expect(member.headers['idempotent-replayed']).toBeUndefined();
      expect(member.body).not.toContain('oSecret');
    });
  });
});

/** Keeps the credential list honest: every kind appears, so no column of the matrix is empty. */
describe('the credential list', () => {
  it('holds anonymous, invalid, API-key and member callers', () => {
    const kinds = new Set(CREDENTIALS.map((c: Credential) => c.kind));
    expect(kinds).toEqual(new Set(['anonymous', 'invalid', 'apiKey', 'member']));
  });
});
