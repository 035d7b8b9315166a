/**
 * Operations: the health check (no credentials), Prometheus metrics (read scope: they reveal
 * queue totals), and the API's own documentation (public: it describes routes, not data).
 */
import { buildOpenApi, docsHtml } from '../openapi.ts';
import { type ApiDeps, type RouteSpec, readState } from '../route-spec.ts';

/** `routes` is called when the document is served, so it lists every route, these included. */
export function opsRoutes(deps: ApiDeps, routes: () => readonly RouteSpec[]): RouteSpec[] {
  return [
    {
      method: 'GET',
      url: '/healthz',
      operationId: 'health',
      summary: 'Liveness and readiness: 200 when the event log can be read, 503 otherwise',
      tag: 'ops',
      access: 'public',
      response: { description: 'Healthy', schema: { type: 'object', properties: { status: { enum: ['ok'] } } } },
      handler: async ({ req }) => {
        try {
          await deps.service.refresh();
          return { body: { status: 'ok' } };
        } catch (err) {
          req.log.error({ err }, 'health check: the event log cannot be read');
          return { status: 503, body: { status: 'unavailable' } };
        }
      },
    },
    {
      method: 'GET',
      url: '/metrics',
      operationId: 'metrics',
      summary: 'Prometheus metrics: events by type and outcome, queue and pool totals, request durations',
      tag: 'ops',
      access: 'read',
      response: { description: 'Prometheus text format 0.0.4', contentType: 'text/plain; version=0.0.4; charset=utf-8', schema: { type: 'string' } },
      handler: async () => ({ body: deps.metrics.render(await readState(deps)), contentType: 'text/plain; version=0.0.4; charset=utf-8' }),
    },
    {
      method: 'GET',
      url: '/openapi.json',
      operationId: 'openapi',
      summary: 'This API as an OpenAPI 3.1 document',
      tag: 'ops',
      access: 'public',
      response: { description: 'The OpenAPI document', schema: { type: 'object' } },
      handler: () => ({ body: buildOpenApi(routes()) }),
    },
    {
      method: 'GET',
      url: '/docs',
      operationId: 'docs',
      summary: 'A page listing the routes of /openapi.json',
      tag: 'ops',
      access: 'public',
      response: { description: 'HTML', contentType: 'text/html; charset=utf-8', schema: { type: 'string' } },
      handler: () => ({ body: docsHtml(buildOpenApi(routes())), contentType: 'text/html; charset=utf-8' }),
    },
  ];
}
