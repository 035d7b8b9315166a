/**
 * A valid request for each route the suites know, against the fixture of support.ts: the
 * authorization matrix sends it to prove that an allowed caller gets exactly 200, and the hostile
 * suite starts from it so that each mutation is the one thing wrong with a request. A route not
 * listed here (added after these tests) gets a body built from its OpenAPI schema instead.
 */
import type { LightMyRequestResponse } from 'fastify';
import { type Fixture, FIXTURE_DAY, type RouteInfo, SHOP_SETTINGS, type Shop, WEBHOOK_SECRET, defaultParams, genericBody, mallLine, urlFor } from './support.ts';

export interface RequestParts {
  params: Record<string, string>;
  query?: string;
  body?: unknown;
}

type Known = (fixture: Fixture, n: number) => Omit<RequestParts, 'params'> & { params?: Record<string, string> };

const paid = (n: number, memberId = 'C') => ({ orderId: `valid-${n}`, memberId, lines: [mallLine('l1', 'p0', 100)] });

/** By operationId. Each write here is accepted by a fresh fixture (n keeps new ids apart). */
export const KNOWN_REQUESTS: Readonly<Record<string, Known>> = {
  orderPaid: (_f, n) => ({ body: paid(n) }),
  orderCompleted: () => ({ body: { orderId: 'oA' } }),
  orderRefunded: () => ({ body: { orderId: 'oA2', lineIds: ['l2'] } }),
  orderBatch: (_f, n) => ({ body: { events: [{ type: 'paid', idempotencyKey: `valid-batch-${n}`, ...paid(n) }] } }),
  putSettings: () => ({ body: SHOP_SETTINGS }),
  getSettings: () => ({}),
  getSettingsHistory: () => ({}),
  enableAllProducts: () => ({}),
  putMember: () => ({ body: { nickname: 'Ann', level: 'gold' } }),
  getMemberView: () => ({}),
  lotteryDraw: (f) => ({ body: { entryId: f.lotteryEntry } }),
  exchange: (f) => ({ body: { entryId: f.exchangeEntry, target: 'points' } }),
  pointsTransfer: () => ({ body: { toMemberId: 'B', points: 1 } }),
  listQueues: () => ({}),
  listStrandedQueues: () => ({}),
  mergeQueues: () => ({ body: { sources: ['stores'], target: 'mall' } }),
  pauseQueues: () => ({ body: { queue: 'mall' } }),
  resumeQueues: () => ({ body: { queue: 'mall' } }),
  resetQueues: () => ({ body: { queues: ['mall'] } }),
  listPools: () => ({}),
  releasePool: () => ({}),
  payDividend: () => ({ body: { fromDate: FIXTURE_DAY, toDate: FIXTURE_DAY } }),
  getBalances: () => ({ query: 'account=platform:funding' }),
  listTransfers: () => ({ query: 'from=1&limit=10' }),
  verify: () => ({}),
  getCompliance: () => ({}),
  health: () => ({}),
  metrics: () => ({}),
  openapi: () => ({}),
  docs: () => ({}),
  // Withdrawals, messages and webhooks: the fixture has withdrawal w-1 pending and webhook w-1.
  requestWithdrawal: (_f, n) => ({ body: { withdrawalId: `wd-${n}`, amountFen: 100 } }),
  listWithdrawals: () => ({}),
  confirmWithdrawalPaid: () => ({}),
  rejectWithdrawal: () => ({}),
  listMemberMessages: () => ({}),
  putWebhook: () => ({ body: { url: 'https://shop.example/hooks/qrebate-2', secret: WEBHOOK_SECRET } }),
  listWebhooks: () => ({}),
  deleteWebhook: () => ({}),
  listWebhookDeliveries: () => ({}),
};

export function isKnown(route: RouteInfo): boolean {
  return Object.hasOwn(KNOWN_REQUESTS, route.operationId);
}

let requestNo = 0;

/** The valid request for a route (or the schema-built one for a route not listed above). */
export function validRequest(route: RouteInfo, fixture: Fixture): RequestParts {
  const n = ++requestNo;
  const known = KNOWN_REQUESTS[route.operationId];
  if (!known) {
    const body = genericBody(route);
    const query = route.query.filter((q) => q.required).map((q) => `${q.name}=x1`).join('&');
    return { params: defaultParams(route), ...(body !== undefined && { body }), ...(query !== '' && { query }) };
  }
  const parts = known(fixture, n);
  return { ...parts, params: { ...defaultParams(route), ...parts.params } };
}

let keyNo = 0;

/** Sends a request with this Authorization header (none if undefined), a fresh key on writes. */
export function send(shop: Shop, route: RouteInfo, parts: RequestParts, authorization: string | undefined): Promise<LightMyRequestResponse> {
  const headers: Record<string, string> = {};
  if (authorization !== undefined) headers.authorization = authorization;
  if (route.idempotent) headers['idempotency-key'] = `security-${process.pid}-${++keyNo}`;
  if (parts.body !== undefined) headers['content-type'] = 'application/json';
  const url = urlFor(route, parts.params) + (parts.query ? `?${parts.query}` : '');
  return shop.app.inject({
    method: route.method,
    url,
    headers,
    ...(parts.body !== undefined && { payload: JSON.stringify(parts.body) }),
  });
}
