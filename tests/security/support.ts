/**
 * What the security suites share: a shop (server over a DurableService) on each store the suites
 * run against, a fixture with members, entries, points, a pool program and a closed dividend
 * day, the route list read from the server's own OpenAPI document (so a route added later is
 * covered without touching these tests), credentials of every kind, and the state snapshot a
 * rejected request must leave untouched.
 *
 * The suites run on the in-memory log, SQLite and PostgreSQL (`securityStores`, `describeStores`).
 * PostgreSQL comes from DATABASE_TEST_URL (default postgres://postgres@127.0.0.1:5432/postgres),
 * a database of its own per shop. When it cannot be reached the PostgreSQL suites are skipped with
 * a notice, unless QREBATE_REQUIRE_PG=1, which makes them fail instead.
 */
import Database from 'better-sqlite3';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { HTTP_STATUS } from '../../src/api/error-codes.ts';
import { type Harness, DAY, HOUR, SECRETS, harness } from '../../src/api/test-support.ts';
import { signMemberToken } from '../../src/api/auth.ts';
import type { WebhookStore } from '../../src/app/webhook-store.ts';
import { stateDigest } from '../../src/domain/digest.ts';
import { describeEventLog } from '../../src/store/sql/open-log.ts';
import { PostgresEventLog } from '../../src/store/sql/postgres-event-log.ts';
import { SqliteEventLog } from '../../src/store/sql/sqlite-event-log.ts';
import { type StoreHarness, type StoreKind, memoryKind, pgBaseUrl, postgresKind, probePostgres, sqliteKind } from '../contract/stores.ts';

/**
 * The stores that need nothing outside the process: the in-memory reference log first (tests that
 * check something of the API alone use `STORE_KINDS[0]`), then SQLite in a temp file.
 */
export const STORE_KINDS: readonly StoreKind[] = [memoryKind, sqliteKind];

export const PG_SECURITY_NOTICE = 'PostgreSQL not reachable: skipping the PostgreSQL security suites (set QREBATE_REQUIRE_PG=1 to require them)';

export interface SecurityStores {
  /** The stores the suites run on: STORE_KINDS, and PostgreSQL when it answers. */
  run: readonly StoreKind[];
  /** PostgreSQL when it does not answer and nothing requires it: its suites are registered as skipped. */
  skipped: readonly StoreKind[];
  /** PostgreSQL when it does not answer and QREBATE_REQUIRE_PG=1: a failing test stands for each suite. */
  missing: readonly { kind: StoreKind; problem: string }[];
}

let plan: Promise<SecurityStores> | undefined;

/** Probes PostgreSQL once per test file and decides which stores the security suites run on. */
export function securityStores(): Promise<SecurityStores> {
  plan ??= (async () => {
    const problem = await probePostgres();
    if (problem === null) return { run: [...STORE_KINDS, postgresKind], skipped: [], missing: [] };
    if (process.env.QREBATE_REQUIRE_PG === '1') return { run: STORE_KINDS, skipped: [], missing: [{ kind: postgresKind, problem }] };
    console.warn(`${PG_SECURITY_NOTICE} [${problem}]`);
    return { run: STORE_KINDS, skipped: [postgresKind], missing: [] };
  })();
  return plan;
}

/**
 * One `describe(title(kind), () => suite(kind))` per store the suites run on; a skipped
 * describe for a store that cannot be reached, or a failing test when it is required.
 */
export function describeStores(stores: SecurityStores, title: (kind: StoreKind) => string, suite: (kind: StoreKind) => void): void {
  for (const kind of stores.run) describe(title(kind), () => suite(kind));
  for (const kind of stores.skipped) describe.skip(`${title(kind)} (skipped: PostgreSQL not reachable)`, () => suite(kind));
  for (const { kind, problem } of stores.missing) {
    describe(title(kind), () => {
      it('needs PostgreSQL (QREBATE_REQUIRE_PG=1)', () => {
        throw new Error(`PostgreSQL not reachable at ${describeEventLog({ databaseUrl: pgBaseUrl, dataDir: '' })}: ${problem}`);
      });
    });
  }
}

export { DAY, HOUR, SECRETS };

export interface Snapshot {
  /** stateDigest of the engine: every column, queue, member, setting and the ledger hash. */
  digest: string;
  /** Events in the durable log. */
  logLength: number;
  /** Webhooks and their deliveries, which live beside the log and outside the engine. */
  webhooks: string;
}

export interface Shop extends Harness {
  store: StoreHarness;
  /** The log's webhook store, when it has one: the server then serves /v1/webhooks too. */
  webhooks: WebhookStore | undefined;
  snapshot(): Promise<Snapshot>;
  dispose(): Promise<void>;
}

export async function openShop(kind: StoreKind, options: Parameters<typeof harness>[0] = {}): Promise<Shop> {
  const store = await kind.create();
  const log = store.connect();
  const webhooks = (log as { webhooks?: () => WebhookStore }).webhooks?.();
  let h: Harness;
  try {
    h = await harness({ ...(webhooks && { webhooks }), ...options, log });
  } catch (err) {
    // A server that refuses to start (a test of its configuration) leaves no database or temp dir behind.
    await store.dispose();
    throw err;
  }
  return {
    ...h,
    store,
    webhooks,
    async snapshot() {
      await h.service.refresh();
      const hooks = webhooks ? await webhooks.listWebhooks() : [];
      const deliveries = await Promise.all(hooks.map((w) => webhooks!.listDeliveries({ webhookId: w.id, afterId: 0, limit: 10_000 })));
      return { digest: stateDigest(h.service.engine), logLength: (await h.log.readSince(0)).length, webhooks: JSON.stringify([hooks, deliveries]) };
    },
    async dispose() {
      await h.app.close();
      await store.dispose();
    },
  };
}

/**
 * The rows a read-only query finds in a SQL shop's own database, for the checks that look behind
 * the adapter (tables, row counts, stored text). SQLite: the file, opened read-only. PostgreSQL:
 * the store harness runs statements but returns no rows, so the query runs inside a DO block that
 * raises its rows as JSON; no private part of the adapter is touched. Write the query in the SQL
 * both stores speak, or branch on `shop.log`.
 */
export async function storedRows(shop: Shop, query: string): Promise<Record<string, unknown>[]> {
  if (shop.log instanceof SqliteEventLog) {
    const db = new Database(shop.log.path, { readonly: true });
    try {
      return db.prepare(query).all() as Record<string, unknown>[];
    } finally {
      db.close();
    }
  }
  if (!(shop.log instanceof PostgresEventLog) || !shop.store.sql) throw new Error('storedRows needs a SQL store');
  const tag = '$qrebate_rows$';
  const prefix = 'qrebate rows: ';
  if (query.includes(tag)) throw new Error(`a query for storedRows may not hold ${tag}`);
  try {
    await shop.store.sql(`DO ${tag} BEGIN RAISE EXCEPTION USING MESSAGE = ${pg.escapeLiteral(prefix)} || coalesce((SELECT json_agg(q)::text FROM (${query}) AS q), '[]'); END ${tag}`);
  } catch (err) {
    const message = err instanceof Error ? err.message : '';
    if (message.startsWith(prefix)) return JSON.parse(message.slice(prefix.length)) as Record<string, unknown>[];
    throw err;
  }
  throw new Error('the DO block returned without its rows');
}

/** The names of a SQL shop's tables, sorted. */
export async function storedTables(shop: Shop): Promise<string[]> {
  const query = shop.log instanceof SqliteEventLog
    ? "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
    : 'SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename';
  return (await storedRows(shop, query)).map((r) => r.name as string);
}

/** A header value for a member token valid for an hour from the shop's clock (or until `expMs`). */
export function memberHeader(shop: Pick<Shop, 'clock'>, memberId: string, expMs = shop.clock.now() + HOUR): string {
  return `Member ${signMemberToken(SECRETS.member, memberId, expMs)}`;
}

// ---------------------------------------------------------------------------------------------
// The fixture.

export const SHOP_SETTINGS = {
  base: { defaultBp: 10_000, extractBp: 1_000, exchange: { pointsBp: 10_000 } },
  products: { plot: { lottery: { kind: 'fixed', ratiosBp: [5_000, 15_000, 20_000] } } },
  programs: { union: { fundingBasis: 'sales', fundingBp: 5_000, rewardBp: 11_000, products: ['punion'] } },
  rewards: { dividend: { bp: 1_000, basis: 'paid', split: 'equal' } },
};

/** The day the fixture's orders completed on (platform time zone), closed once the fixture ends. */
export const FIXTURE_DAY = '2026-03-02';

/** The fixture's webhook secret: write-only, never in an answer or a log line. */
export const WEBHOOK_SECRET = 'shop-webhook-secret-0123456789';

/** The id of the fixture's webhook and of its pending withdrawal (every non-member {id} of a path). */
export const OTHER_ID = 'w-1';

export interface Fixture {
  /** A's entry whose product has a lottery, not drawn yet. */
  lotteryEntry: number;
  /** A's waiting entry, not exchanged yet. */
  exchangeEntry: number;
  /** B's entry. */
  otherEntry: number;
}

export function mallLine(lineId: string, productId: string, paidFen: number) {
  return { lineId, channel: 'mall', productId, paidFen };
}

let fixtureKeys = 0;
function fixtureKey(): string {
  return `fixture-${++fixtureKeys}`;
}

async function ok(res: Promise<LightMyRequestResponse>): Promise<Record<string, unknown>> {
  const r = await res;
  expect(r.statusCode, r.body).toBe(200);
  return r.json();
}

function firstEntry(outcome: Record<string, unknown>): number {
  return (outcome.result as { lines: { entryId: number }[] }).lines[0]!.entryId;
}

/**
 * Members A (a shareholder at the head of the mall queue, with cash, points and a pending
 * withdrawal), B and C; queues mall and stores; pool program union; a webhook; the clock one day
 * past the orders, so their day is closed and its dividend can be paid.
 */
export async function seedShop(shop: Shop): Promise<Fixture> {
  const call = (method: string, url: string, body: unknown) => ok(shop.call(method, url, { key: fixtureKey(), body }));
  await call('PUT', '/v1/settings', SHOP_SETTINGS);
  await call('PUT', '/v1/members/A', { nickname: 'Ann', level: 'gold', shareholderWeight: 1 });
  await call('PUT', '/v1/members/B', { nickname: 'Bo' });
  await call('PUT', '/v1/members/C', {});
  // A's first entry heads the mall queue and takes every extraction after it.
  await call('POST', '/v1/orders/paid', { orderId: 'oA0', memberId: 'A', lines: [mallLine('l1', 'p0', 10_000)] });
  const otherEntry = firstEntry(await call('POST', '/v1/orders/paid', { orderId: 'oB', memberId: 'B', lines: [mallLine('l1', 'p0', 10_000)] }));
  await call('POST', '/v1/orders/paid', { orderId: 'oStore', memberId: 'C', lines: [{ lineId: 'l1', channel: 'store', storeId: 's1', productId: 'p0', paidFen: 1_000 }] });
  const lotteryEntry = firstEntry(await call('POST', '/v1/orders/paid', { orderId: 'oA', memberId: 'A', lines: [mallLine('l1', 'plot', 10_000)] }));
  await call('POST', '/v1/orders/paid', { orderId: 'oA2', memberId: 'A', lines: [mallLine('l1', 'p0', 10_000), mallLine('l2', 'p0', 500)] });
  const pointsEntry = firstEntry(await call('POST', '/v1/orders/paid', { orderId: 'oA3', memberId: 'A', lines: [mallLine('l1', 'p0', 5_000)] }));
  await call('POST', '/v1/members/A/exchange', { entryId: pointsEntry, target: 'points' });
  const exchangeEntry = firstEntry(await call('POST', '/v1/orders/paid', { orderId: 'oA4', memberId: 'A', lines: [mallLine('l1', 'p0', 3_000)] }));
  await call('POST', '/v1/orders/completed', { orderId: 'oA0' });
  if (shop.app.hasRoute({ method: 'POST', url: '/v1/members/:id/withdrawals' })) {
    await call('POST', '/v1/members/A/withdrawals', { withdrawalId: OTHER_ID, amountFen: 100 });
  }
  if (shop.webhooks) {
    const res = await shop.app.inject({
      method: 'PUT',
      url: `/v1/webhooks/${OTHER_ID}`,
      headers: { authorization: `Bearer ${SECRETS.admin}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ url: 'https://shop.example/hooks/qrebate', secret: WEBHOOK_SECRET }),
    });
    expect(res.statusCode, res.body).toBe(201);
  }
  shop.clock.advance(DAY);
  return { lotteryEntry, exchangeEntry, otherEntry };
}

// ---------------------------------------------------------------------------------------------
// Routes, from the server's OpenAPI document.

export type JsonSchema = Record<string, unknown>;

export interface RouteInfo {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** OpenAPI syntax: /v1/members/{id}/view. */
  path: string;
  operationId: string;
  scope: 'public' | 'read' | 'write';
  /** A member token may call it for its own {id}. */
  memberSelf: boolean;
  /** Records an event: Idempotency-Key required. */
  idempotent: boolean;
  params: string[];
  /** Top-level body fields, or null when the route takes no body. */
  bodyProperties: Record<string, JsonSchema> | null;
  bodyRequired: string[];
  query: { name: string; required: boolean }[];
}

interface OpenApiOperation {
  operationId: string;
  security: Record<string, string[]>[];
  'x-scope': RouteInfo['scope'];
  parameters: { name: string; in: string; required?: boolean }[];
  requestBody?: { content: Record<string, { schema: { properties?: Record<string, JsonSchema>; required?: string[] } }> };
}

/** Every route the server documents, which is every route it serves (src/api/ops.test.ts). */
export async function readRoutes(app: FastifyInstance): Promise<RouteInfo[]> {
  const res = await app.inject({ method: 'GET', url: '/openapi.json' });
  expect(res.statusCode).toBe(200);
  const doc = res.json() as { paths: Record<string, Record<string, OpenApiOperation>> };
  const routes: RouteInfo[] = [];
  for (const [path, byMethod] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(byMethod)) {
      const schema = op.requestBody?.content['application/json']?.schema;
      routes.push({
        method: method.toUpperCase() as RouteInfo['method'],
        path,
        operationId: op.operationId,
        scope: op['x-scope'],
        memberSelf: op.security.some((s) => 'memberToken' in s),
        idempotent: op.parameters.some((p) => p.in === 'header' && p.name.toLowerCase() === 'idempotency-key'),
        params: op.parameters.filter((p) => p.in === 'path').map((p) => p.name),
        bodyProperties: schema ? (schema.properties ?? {}) : null,
        bodyRequired: schema?.required ?? [],
        query: op.parameters.filter((p) => p.in === 'query').map((p) => ({ name: p.name, required: p.required === true })),
      });
    }
  }
  return routes;
}

export function routeName(route: Pick<RouteInfo, 'method' | 'path'>): string {
  return `${route.method} ${route.path}`;
}

/** Path parameters of the fixture: member A, program union; any other {id} the fixture's w-1. */
export function defaultParams(route: RouteInfo): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of route.params) {
    if (name === 'id' && route.path.startsWith('/v1/members/')) out[name] = 'A';
    else if (name === 'programId') out[name] = 'union';
    else out[name] = OTHER_ID;
  }
  return out;
}

/** The URL with each parameter filled in; `raw` values are used as they are (already encoded). */
export function urlFor(route: RouteInfo, params: Record<string, string>, raw: Record<string, string> = {}): string {
  return route.path.replace(/\{(\w+)\}/g, (_m, name: string) => raw[name] ?? encodeURIComponent(params[name] ?? OTHER_ID));
}

// ---------------------------------------------------------------------------------------------
// Answers.

export const ERROR_TABLE: Readonly<Record<string, number>> = HTTP_STATUS;

/** Problems with an error answer: a code outside the table, or a status that is not its code's. */
export function errorShapeProblems(res: LightMyRequestResponse): string[] {
  let body: unknown;
  try {
    body = res.json();
  } catch {
    return [`the body is not JSON: ${res.body.slice(0, 80)}`];
  }
  const { code, message, details } = (body ?? {}) as { code?: unknown; message?: unknown; details?: unknown };
  const problems: string[] = [];
  if (typeof code !== 'string' || !Object.hasOwn(ERROR_TABLE, code)) problems.push(`code ${String(code)} is not in the error table`);
  else if (ERROR_TABLE[code] !== res.statusCode) problems.push(`code ${code} answers ${ERROR_TABLE[code]}, not ${res.statusCode}`);
  if (typeof message !== 'string') problems.push('no message');
  if (typeof details !== 'object' || details === null) problems.push('no details object');
  if (res.statusCode === 401 && !res.headers['www-authenticate']) problems.push('401 without WWW-Authenticate');
  return problems;
}

/** Reproducible knobs: a fixed default, overridden from the environment. */
export function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n)) throw new Error(`${name} must be an integer, got ${raw}`);
  return n;
}

/** A plausible value for a schema: what a client that read only the OpenAPI document would send. */
export function exampleOf(schema: JsonSchema | undefined): unknown {
  const s = schema ?? {};
  if (Array.isArray(s.enum)) return s.enum[0];
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type) {
    case 'integer':
    case 'number':
      return typeof s.minimum === 'number' ? Math.max(1, s.minimum) : 1;
    case 'boolean':
      return true;
    case 'array':
      return [exampleOf(s.items as JsonSchema | undefined)];
    case 'object': {
      const props = (s.properties ?? {}) as Record<string, JsonSchema>;
      return Object.fromEntries(((s.required ?? []) as string[]).map((name) => [name, exampleOf(props[name])]));
    }
    case 'string':
      return typeof s.pattern === 'string' && s.pattern.includes('\\d{4}') ? FIXTURE_DAY : 'x1';
    default:
      return 'x1';
  }
}

/** The body of a route the suites have no hand-written request for: its required fields. */
export function genericBody(route: RouteInfo): Record<string, unknown> | undefined {
  if (route.bodyProperties === null) return undefined;
  return Object.fromEntries(route.bodyRequired.map((name) => [name, exampleOf(route.bodyProperties![name])]));
}
