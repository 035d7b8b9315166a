/**
 * The OpenAPI 3.1 document and the /docs page, both generated from the route list the server
 * registers (route-spec.ts), so every served route is documented with its access, body, query
 * parameters and the error codes it can answer with.
 */
import { ERROR_CODES } from '../domain/errors.ts';
import { API_ERROR_CODES, type AnyErrorCode, HTTP_STATUS } from './error-codes.ts';
import type { JsonSchema, RouteSpec } from './route-spec.ts';

export const API_VERSION = '1';

export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, JsonSchema>; schemas: Record<string, JsonSchema> };
}

interface Operation {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  security: Record<string, string[]>[];
  'x-scope': string;
  parameters: JsonSchema[];
  requestBody?: JsonSchema;
  responses: Record<string, JsonSchema>;
}

const ERROR_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['code', 'message', 'details'],
  properties: {
    code: { enum: [...ERROR_CODES, ...API_ERROR_CODES] },
    message: { type: 'string' },
    details: { type: 'object' },
  },
};

const OUTCOME_SCHEMA: JsonSchema = {
  type: 'object',
  description: 'The outcome of an accepted event; a repeat of its Idempotency-Key answers the same outcome with Idempotent-Replayed: true.',
  properties: {
    eventNo: { type: 'integer', description: 'the event number in the engine' },
    type: { type: 'string' },
    at: { type: 'integer', description: 'the server-clock instant, ms since the epoch' },
    result: { description: 'the event result (docs/SCENARIOS.md, Events)' },
    scheduledResets: { type: 'integer' },
    scheduled: { type: 'array', items: { type: 'object' }, description: 'time-driven steps that ran before the event' },
    notices: {
      type: 'array',
      description: '消息通知 produced by the event',
      items: { type: 'object', properties: { kind: { type: 'string' }, memberId: { type: 'string' }, entryId: { type: 'integer' }, amountFen: { type: 'integer' } } },
    },
  },
};

/** `/v1/members/:id/view` → `/v1/members/{id}/view`. */
export function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function pathParams(url: string): string[] {
  return [...url.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]!);
}

function hasBody(route: RouteSpec): boolean {
  return route.method !== 'GET';
}

/** Every code a route can answer with. */
export function routeErrorCodes(route: RouteSpec): AnyErrorCode[] {
  const codes = new Set<AnyErrorCode>();
  if (route.access !== 'public') ['UNAUTHORIZED', 'FORBIDDEN'].forEach((c) => codes.add(c as AnyErrorCode));
  if (hasBody(route)) ['MALFORMED_JSON', 'UNSUPPORTED_MEDIA_TYPE', 'PAYLOAD_TOO_LARGE', 'VALIDATION_FAILED'].forEach((c) => codes.add(c as AnyErrorCode));
  if (route.idempotent) ['IDEMPOTENCY_KEY_REQUIRED', 'IDEMPOTENCY_CONFLICT', 'INVALID_ID'].forEach((c) => codes.add(c as AnyErrorCode));
  for (const c of route.errors ?? []) codes.add(c);
  codes.add('INTERNAL');
  codes.add('STORE_UNAVAILABLE'); // any route may meet a busy or unreachable store
  return [...codes];
}

function security(route: RouteSpec): Record<string, string[]>[] {
  if (route.access === 'public') return [];
  return route.memberSelf ? [{ apiKey: [] }, { memberToken: [] }] : [{ apiKey: [] }];
}

function operation(route: RouteSpec): Operation {
  const parameters: JsonSchema[] = pathParams(route.url).map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } }));
  for (const [name, q] of Object.entries(route.query ?? {})) {
    parameters.push({ name, in: 'query', required: q.required === true, description: q.description, schema: q.schema });
  }
  if (route.idempotent) {
    parameters.push({
      name: 'Idempotency-Key',
      in: 'header',
      required: true,
      description: 'At most 128 characters. A repeat with the same body answers the first outcome; another body is IDEMPOTENCY_CONFLICT.',
      schema: { type: 'string', minLength: 1, maxLength: 128 },
    });
  }
  const responses: Record<string, JsonSchema> = {
    200: {
      description: route.response.description,
      content: { [route.response.contentType ?? 'application/json']: { schema: route.response.schema ?? {} } },
      ...(route.idempotent && { headers: { 'Idempotent-Replayed': { description: 'true when the stored outcome of a repeat is answered', schema: { type: 'string' } } } }),
    },
  };
  const byStatus = new Map<number, AnyErrorCode[]>();
  for (const code of routeErrorCodes(route)) byStatus.set(HTTP_STATUS[code], [...(byStatus.get(HTTP_STATUS[code]) ?? []), code]);
  for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) {
    responses[status] = {
      description: codes.join(', '),
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      ...(status === 503 && { headers: { 'Retry-After': { description: 'seconds to wait before retrying with the same Idempotency-Key', schema: { type: 'string' } } } }),
    };
  }
  const op: Operation = {
    operationId: route.operationId,
    summary: route.summary,
    tags: [route.tag],
    security: security(route),
    'x-scope': route.access,
    parameters,
    responses,
  };
  if (route.description) op.description = route.description;
  if (route.body) {
    const bodySchema = route.body.document ?? {
      type: 'object',
      properties: route.body.properties,
      additionalProperties: false,
      ...(route.body.required && { required: route.body.required }),
    };
    const required = (route.body.required?.length ?? 0) > 0 || route.body.document !== undefined;
    op.requestBody = { required, content: { 'application/json': { schema: bodySchema } } };
  }
  return op;
}

export function buildOpenApi(routes: readonly RouteSpec[]): OpenApiDocument {
  const paths: OpenApiDocument['paths'] = {};
  for (const route of routes) {
    const path = openApiPath(route.url);
    paths[path] = { ...paths[path], [route.method.toLowerCase()]: operation(route) };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'qrebate API',
      version: API_VERSION,
      description:
        'Queue-rebate engine (排队返利 / 工会排队). JSON only; amounts are integer fen, ratios integer basis points. ' +
        'Writes need Content-Type: application/json and an Idempotency-Key; the server clock stamps every event. See docs/API.md.',
    },
    paths,
    components: {
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: 'Admin API key of the shop backend: Authorization: Bearer <secret>. Scopes read (GET) and write.' },
        memberToken: {
          type: 'apiKey',
          in: 'header',
          name: 'Authorization',
          description: 'Authorization: Member <token>, token = base64url(JSON {memberId, exp}) + "." + base64url(HMAC-SHA256(secret, first part)). Own member routes only.',
        },
      },
      schemas: { Error: ERROR_SCHEMA, Outcome: OUTCOME_SCHEMA },
    },
  };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A small self-contained page listing the routes of the OpenAPI document; no scripts, no CDN. */
export function docsHtml(doc: OpenApiDocument): string {
  const rows: string[] = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const body = op.requestBody ? Object.keys(((op.requestBody.content as Record<string, { schema: JsonSchema }>)['application/json']!.schema.properties ?? {}) as object).join(', ') : '';
      const errors = Object.entries(op.responses)
        .filter(([status]) => status !== '200')
        .map(([status, r]) => `${status}: ${escapeHtml(String(r.description))}`)
        .join('<br>');
      rows.push(
        `<tr><td><code>${method.toUpperCase()}</code></td><td><code>${escapeHtml(path)}</code></td><td>${escapeHtml(op['x-scope'])}</td>` +
          `<td>${escapeHtml(op.summary)}${op.description ? `<br><small>${escapeHtml(op.description)}</small>` : ''}</td>` +
          `<td><small>${escapeHtml(body)}</small></td><td><small>${errors}</small></td></tr>`,
      );
    }
  }
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(doc.info.title)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3rem .5rem;vertical-align:top;text-align:left}code{white-space:nowrap}</style>
</head><body>
<h1>${escapeHtml(doc.info.title)} v${escapeHtml(doc.info.version)}</h1>
<p>${escapeHtml(doc.info.description)} The machine-readable document is <a href="/openapi.json">/openapi.json</a>.</p>
<table><thead><tr><th>method</th><th>path</th><th>access</th><th>what it does</th><th>body fields</th><th>errors</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody></table>
</body></html>
`;
}
