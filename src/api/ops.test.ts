import { describe, expect, it } from 'vitest';
import { harness, k, mallLine } from './test-support.ts';

/** Every route the API promises (docs/API.md), as `METHOD path` in OpenAPI syntax. */
const ROUTES = [
  'POST /v1/orders/paid',
  'POST /v1/orders/completed',
  'POST /v1/orders/refunded',
  'POST /v1/orders/batch',
  'PUT /v1/settings',
  'GET /v1/settings',
  'GET /v1/settings/history',
  'POST /v1/settings/enable-all-products',
  'PUT /v1/members/{id}',
  'GET /v1/members/{id}/view',
  'GET /v1/members/{id}/messages',
  'POST /v1/members/{id}/lottery-draw',
  'POST /v1/members/{id}/exchange',
  'POST /v1/members/{id}/points-transfer',
  'GET /v1/queues',
  'GET /v1/queues/stranded',
  'POST /v1/queues/merge',
  'POST /v1/queues/pause',
  'POST /v1/queues/resume',
  'POST /v1/queues/reset',
  'GET /v1/pools',
  'POST /v1/pools/{programId}/release',
  'POST /v1/dividends',
  'GET /v1/ledger/balances',
  'GET /v1/ledger/transfers',
  'POST /v1/verify',
  'GET /v1/compliance',
  'POST /v1/members/{id}/withdrawals',
  'GET /v1/members/{id}/withdrawals',
  'POST /v1/withdrawals/{id}/paid',
  'POST /v1/withdrawals/{id}/rejected',
  'GET /healthz',
  'GET /metrics',
  'GET /openapi.json',
  'GET /docs',
];

describe('/openapi.json', () => {
  it('is an OpenAPI 3.1 document listing exactly the routes served', async () => {
    const h = await harness();
    const doc = (await h.call('GET', '/openapi.json', { as: 'none' })).json();
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info).toMatchObject({ title: expect.any(String), version: '1' });
    const listed = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    expect(listed.sort()).toEqual([...ROUTES].sort());
    for (const route of ROUTES) {
      const [method, path] = route.split(' ') as [string, string];
      expect(h.app.hasRoute({ method: method as 'GET', url: path.replace(/\{(\w+)\}/g, ':$1') }), route).toBe(true);
    }
  });

  it('documents operations: unique ids, path parameters, Idempotency-Key on writes, security, bodies and error responses', async () => {
    const h = await harness();
    const doc = (await h.call('GET', '/openapi.json', { as: 'none' })).json();
    const ops = Object.entries(doc.paths as Record<string, Record<string, Record<string, unknown>>>).flatMap(([path, byMethod]) => Object.entries(byMethod).map(([method, op]) => ({ path, method, op })));
    expect(new Set(ops.map((o) => o.op.operationId)).size).toBe(ops.length);
    for (const { path, op } of ops) {
      const params = op.parameters as { name: string; in: string }[];
      for (const [, name] of path.matchAll(/\{(\w+)\}/g)) expect(params.some((p) => p.in === 'path' && p.name === name), `${path} ${name}`).toBe(true);
      expect(op.responses).toHaveProperty('200');
      expect(op.responses).toHaveProperty('500');
      expect(op.responses).toHaveProperty('503');
      expect((op.responses as Record<string, unknown>)['503']).toMatchObject({ description: 'STORE_UNAVAILABLE', headers: { 'Retry-After': expect.any(Object) } });
    }
    const paid = doc.paths['/v1/orders/paid'].post;
    expect(paid.parameters).toContainEqual(expect.objectContaining({ name: 'Idempotency-Key', in: 'header', required: true }));
    expect(paid.security).toEqual([{ apiKey: [] }]);
    expect(paid.requestBody.content['application/json'].schema.required).toEqual(['orderId', 'memberId', 'lines']);
    expect(paid.responses['409'].description).toContain('DUPLICATE_ORDER');
    expect(paid.responses['409'].description).toContain('IDEMPOTENCY_CONFLICT');
    expect(paid.responses['415'].description).toContain('UNSUPPORTED_MEDIA_TYPE');
    expect(doc.paths['/v1/members/{id}/view'].get.security).toEqual([{ apiKey: [] }, { memberToken: [] }]);
    expect(doc.paths['/healthz'].get.security).toEqual([]);
    expect(doc.components.schemas.Error.properties.code.enum).toContain('LOTTERY_NOT_AVAILABLE');
    expect(doc.components.securitySchemes.apiKey).toMatchObject({ type: 'http', scheme: 'bearer' });
    // Every $ref points at a component that exists.
    for (const [, name] of JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/(\w+)"/g)) expect(doc.components.schemas).toHaveProperty(name!);
  });
});

describe('/docs', () => {
  it('is a self-contained HTML page listing every route', async () => {
    const h = await harness();
    const res = await h.call('GET', '/docs', { as: 'none' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    for (const route of ROUTES) expect(res.body).toContain(`<code>${route.split(' ')[1]}</code>`);
    expect(res.body).not.toMatch(/<script|https?:\/\//);
  });
});

describe('/healthz', () => {
  it('answers ok without credentials', async () => {
    const h = await harness();
    const res = await h.call('GET', '/healthz', { as: 'none' });
    expect(res.json()).toEqual({ status: 'ok' });
  });
});

describe('/metrics', () => {
  it('exposes event counters, queue totals and a request-duration histogram in Prometheus text format', async () => {
    const h = await harness();
    await h.call('PUT', '/v1/settings', { key: k(), body: { base: { defaultBp: 10_000, extractBp: 1_000 } } });
    await h.call('PUT', '/v1/members/A', { key: k(), body: {} });
    await h.call('POST', '/v1/orders/paid', { key: 'o1', body: { orderId: 'o1', memberId: 'A', lines: [mallLine('l1', 'p1', 10_000)] } });
    await h.call('POST', '/v1/orders/paid', { key: 'o1', body: { orderId: 'o1', memberId: 'A', lines: [mallLine('l1', 'p1', 10_000)] } });
    await h.call('POST', '/v1/orders/completed', { key: k(), body: { orderId: 'nope' } });
    await h.call('POST', '/v1/orders/batch', { body: { events: [{ type: 'completed', idempotencyKey: 'c1', orderId: 'o1' }] } });

    const res = await h.call('GET', '/metrics', { as: 'reader' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = res.body;
    expect(text).toContain('# TYPE qrebate_events_accepted_total counter');
    expect(text).toContain('qrebate_events_accepted_total{type="paid"} 1');
    expect(text).toContain('qrebate_events_accepted_total{type="completed"} 1');
    expect(text).toContain('qrebate_events_replayed_total{type="paid"} 1');
    expect(text).toContain('qrebate_events_rejected_total{type="completed",code="UNKNOWN_ORDER"} 1');
    expect(text).toContain('qrebate_queue_pending_fen 9000');
    expect(text).toContain('qrebate_queue_active_entries 1');
    expect(text).toContain('# TYPE qrebate_http_request_duration_seconds histogram');
    expect(text).toMatch(/qrebate_http_request_duration_seconds_bucket\{method="POST",route="\/v1\/orders\/paid",status="200",le="\+Inf"\} 2/);
    expect(text).toMatch(/qrebate_http_request_duration_seconds_count\{method="POST",route="\/v1\/orders\/paid",status="200"\} 2/);
    // Every line is a comment or `name{labels} number`.
    for (const line of text.trimEnd().split('\n')) expect(line).toMatch(/^(# (HELP|TYPE) \w+ .+|\w+(\{[^}]*\})? -?[0-9.e+-]+|\w+(\{[^}]*\})? \+Inf)$/);
    // Buckets are cumulative.
    const buckets = [...text.matchAll(/route="\/v1\/orders\/paid",status="200",le="[^"]+"\} (\d+)/g)].map((m) => Number(m[1]));
    expect(buckets).toEqual([...buckets].sort((a, b) => a - b));
  });
});
