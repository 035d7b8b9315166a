/**
 * The HTTP API over a DurableService: JSON only, versioned under /v1, every route declared as
 * data in src/api/routes (route-spec.ts) and documented from the same declarations.
 *
 * A request goes through, in order: routing (unknown path → 404 NOT_FOUND); authentication and
 * authorization (401 / 403, before the body is even read); body reading (a body must be
 * `application/json` → 415, at most the body limit → 413, valid JSON → 400 MALFORMED_JSON); the
 * Idempotency-Key for writes (400 IDEMPOTENCY_KEY_REQUIRED); the body's shape (400
 * VALIDATION_FAILED); then the handler, whose domain rejections map to statuses in error-codes.ts.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { DurableService } from '../app/durable-service.ts';
import type { WebhookStore } from '../app/webhook-store.ts';
import { type Clock, systemClock } from '../app/ports.ts';
import { type AuthConfig, Authenticator, type Principal, type RouteAccess, authorize } from './auth.ts';
import { checkId } from '../domain/events.ts';
import { LIMITS } from '../domain/limits.ts';
import { ApiError, apiError, mapError } from './error-codes.ts';
import { Metrics } from './metrics.ts';
import { type ApiDeps, type RouteSpec, checkBody } from './route-spec.ts';
import { complianceRoutes } from './routes/compliance.ts';
import { dividendRoutes } from './routes/dividends.ts';
import { ledgerRoutes } from './routes/ledger.ts';
import { memberRoutes } from './routes/members.ts';
import { messageRoutes } from './routes/messages.ts';
import { opsRoutes } from './routes/ops.ts';
import { orderRoutes } from './routes/orders.ts';
import { poolRoutes } from './routes/pools.ts';
import { queueRoutes } from './routes/queues.ts';
import { settingsRoutes } from './routes/settings.ts';
import { webhookRoutes } from './routes/webhooks.ts';
import { withdrawalRoutes } from './routes/withdrawals.ts';

export const BODY_LIMIT_BYTES = 1024 * 1024;
const IDEMPOTENCY_HEADER = 'idempotency-key';
/**
 * No body of this API nests more than a few levels; a deeper one is refused before parsing, so
 * the recursive code behind it (canonical JSON for fingerprints, settings validation) never
 * meets a 100,000-level array (it overflowed the stack: a 500 on PUT /v1/settings).
 */
export const JSON_DEPTH_MAX = 64;
/**
 * Path ids longer than fastify's default 100 characters were answered 414 in fastify's own
 * format, so ids of 101 to 128 characters (LIMITS.idLengthMax) could not be used in a path. The
 * router now lets them through and the domain answers an over-long id with INVALID_ID.
 */
const PATH_PARAM_LENGTH_MAX = 16 * LIMITS.idLengthMax;
const KNOWN_SCHEMES = new Set(['bearer', 'member']);

export interface ServerOptions {
  service: DurableService;
  auth: AuthConfig;
  logger?: boolean;
  /** The clock for member-token expiry and view instants; use the service's clock. Default: system. */
  clock?: Clock;
  bodyLimitBytes?: number;
  /** Where log lines go when `logger` is on (default stdout). */
  logStream?: { write(line: string): void };
  /** The webhook store (the event log's `webhooks()`); without it the /v1/webhooks routes are not served. */
  webhooks?: WebhookStore;
}

/** What the request log shows of a request: never the Authorization credential. */
function serializeRequest(req: FastifyRequest) {
  const authorization = req.headers?.authorization;
  // Only a known scheme is shown: a secret sent without one ("Authorization: <key>", or a tab
  // after the scheme) was the first word of the header and went to the log in clear.
  const scheme = typeof authorization === 'string' ? authorization.split(' ')[0]!.toLowerCase() : undefined;
  return {
    method: req.method,
    url: req.url,
    idempotencyKey: req.headers?.[IDEMPOTENCY_HEADER],
    auth: scheme === undefined ? undefined : KNOWN_SCHEMES.has(scheme) ? `${scheme} [redacted]` : '[redacted]',
  };
}

function loggerOptions(options: ServerOptions) {
  if (!options.logger) return false;
  return {
    level: 'info',
    // Belt and braces: the serializer drops the credential, and redaction covers any other path.
    redact: { paths: ['req.headers.authorization', 'headers.authorization', 'authorization'], censor: '[redacted]' },
    serializers: { req: serializeRequest },
    ...(options.logStream && { stream: options.logStream }),
  };
}

function parseJson(_req: FastifyRequest, body: string, done: (err: Error | null, body?: unknown) => void): void {
  if (body.trim() === '') {
    done(null, undefined);
    return;
  }
  if (jsonDepthExceeds(body, JSON_DEPTH_MAX)) {
    done(new ApiError('VALIDATION_FAILED', `the body nests deeper than ${JSON_DEPTH_MAX} levels`, { depthMax: JSON_DEPTH_MAX }));
    return;
  }
  try {
    done(null, JSON.parse(body));
  } catch {
    done(new ApiError('MALFORMED_JSON', 'the body is not valid JSON'));
  }
}

/** Whether brackets nest deeper than `max` outside strings: one pass, no recursion. */
function jsonDepthExceeds(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // a backslash escapes the next character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/** How many Idempotency-Key headers the request carried (node joins repeats with ", "). */
function idempotencyHeaderCount(req: FastifyRequest): number {
  const raw = req.raw.rawHeaders;
  let count = 0;
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.toLowerCase() === IDEMPOTENCY_HEADER) count++;
  return count;
}

/** The key the event is recorded under; a member's keys live in their own namespace. */
function idempotencyKeyOf(req: FastifyRequest, principal: Principal | null): string {
  // Two headers arrived as one key "a, b": a retry carrying only "a" was then a new event.
  if (idempotencyHeaderCount(req) > 1) {
    apiError('VALIDATION_FAILED', 'send one Idempotency-Key header', { field: 'Idempotency-Key' });
  }
  const key = req.headers[IDEMPOTENCY_HEADER];
  if (typeof key !== 'string' || key.trim() === '') {
    apiError('IDEMPOTENCY_KEY_REQUIRED', 'writes need an Idempotency-Key header');
  }
  checkId(key, 'idempotencyKey'); // the key is stored and compared in the log like an id
  // A member must not be able to take a key the shop will use later, nor replay the shop's outcomes.
  return principal?.kind === 'member' ? `member:${principal.memberId}:${key}` : key;
}

/** Query parameters as single strings: a parameter given twice is ambiguous and refused. */
function singleQuery(query: unknown): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries((query ?? {}) as Record<string, unknown>)) {
    if (typeof value !== 'string') apiError('VALIDATION_FAILED', `${name} is given more than once`, { field: name });
    out[name] = value;
  }
  return out;
}

function register(app: FastifyInstance, spec: RouteSpec, principals: WeakMap<FastifyRequest, Principal>): void {
  const config: RouteAccess = { access: spec.access, memberSelf: spec.memberSelf === true };
  app.route({
    method: spec.method,
    url: spec.url,
    config,
    handler: async (req: FastifyRequest, reply: FastifyReply) => {
      const principal = principals.get(req) ?? null;
      const idempotencyKey = spec.idempotent ? idempotencyKeyOf(req, principal) : '';
      const body = spec.method === 'GET' ? {} : checkBody(spec.body, req.body);
      const params = req.params as Record<string, string>;
      const result = await spec.handler({ req, principal, params, query: singleQuery(req.query), body, idempotencyKey });
      reply.status(result.status ?? 200);
      for (const [name, value] of Object.entries(result.headers ?? {})) reply.header(name, value);
      reply.type(result.contentType ?? 'application/json; charset=utf-8');
      return result.body;
    },
  });
}

/** Every error answer: the stable code, its one status, and the cause logged only if unexpected. */
function replyWithError(err: unknown, req: FastifyRequest, reply: FastifyReply) {
  const mapped = mapError(err);
  if (mapped.unexpected) req.log.error({ err }, 'unexpected error');
  if (mapped.retryAfterSeconds !== undefined) {
    req.log.warn({ err }, 'store unavailable');
    reply.header('retry-after', String(mapped.retryAfterSeconds));
  }
  if (mapped.status === 401) reply.header('www-authenticate', 'Bearer realm="qrebate", Member realm="qrebate"');
  return reply.status(mapped.status).type('application/json; charset=utf-8').send(mapped.body);
}

export function buildServer(options: ServerOptions): FastifyInstance {
  const clock = options.clock ?? systemClock;
  const authenticator = new Authenticator(options.auth);
  const deps: ApiDeps = { service: options.service, clock, metrics: new Metrics() };
  const app = Fastify({
    logger: loggerOptions(options),
    bodyLimit: options.bodyLimitBytes ?? BODY_LIMIT_BYTES,
    routerOptions: { maxParamLength: PATH_PARAM_LENGTH_MAX },
    // A path that is not valid percent-encoding (or an id past the length above) was answered in
    // fastify's own format, with a code outside the error table; it now gets the table's code.
    frameworkErrors: replyWithError,
  });

  // JSON only: without a parser for any other type, fastify answers 415 for them.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, parseJson);

  const principals = new WeakMap<FastifyRequest, Principal>();
  app.addHook('onRequest', async (req) => {
    const route = req.routeOptions.config as Partial<RouteAccess>;
    if (route.access === undefined || route.access === 'public') return; // unknown paths answer 404
    const principal = authenticator.authenticate(req.headers.authorization, clock.now());
    authorize(principal, { access: route.access, memberSelf: route.memberSelf === true }, req.params as Record<string, string>);
    principals.set(req, principal);
  });
  app.addHook('onResponse', async (req, reply) => {
    deps.metrics.observeRequest(req.method, req.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
  });

  app.setErrorHandler(replyWithError);
  app.setNotFoundHandler((req, reply) =>
    reply.status(404).type('application/json; charset=utf-8').send({ code: 'NOT_FOUND', message: `no route ${req.method} ${req.url.split('?')[0]}`, details: {} }),
  );

  const routes: RouteSpec[] = [];
  routes.push(
    ...orderRoutes(deps),
    ...settingsRoutes(deps),
    ...memberRoutes(deps),
    ...messageRoutes(deps),
    ...queueRoutes(deps),
    ...poolRoutes(deps),
    ...dividendRoutes(deps),
    ...ledgerRoutes(deps),
    ...complianceRoutes(deps),
    ...withdrawalRoutes(deps),
    ...(options.webhooks ? webhookRoutes(deps, options.webhooks) : []),
    ...opsRoutes(deps, () => routes),
  );
  for (const spec of routes) register(app, spec, principals);
  return app;
}
