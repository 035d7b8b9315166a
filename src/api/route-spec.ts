/**
 * Routes are data: each one states its method, path, who may call it, the body fields it takes
 * and the errors it can answer with, next to its handler. The server registers them, and the
 * OpenAPI document and the /docs page are generated from the same list, so the documentation
 * cannot drift from what is served.
 *
 * Bodies get only a shape check here (an object, known top-level fields, required fields present,
 * no client `at`); values are checked by the domain, which answers with its own stable codes.
 * Fastify's schema validation is not used on purpose: it coerces "100" into 100, and money must
 * never be guessed from a string.
 */
import type { FastifyRequest } from 'fastify';
import type { DurableService } from '../app/durable-service.ts';
import type { Clock } from '../app/ports.ts';
import type { EngineState } from '../domain/state.ts';
import type { Access, Principal } from './auth.ts';
import { type AnyErrorCode, apiError } from './error-codes.ts';
import type { Metrics } from './metrics.ts';

export type JsonSchema = Record<string, unknown>;

export interface BodySpec {
  /** Top-level fields as JSON Schema, for the documentation. */
  properties: Record<string, JsonSchema>;
  required?: string[];
  /** The body is a whole document (settings) that the domain validates field by field. */
  document?: JsonSchema;
}

export interface QueryParam {
  schema: JsonSchema;
  description: string;
  required?: boolean;
}

export interface RouteResult {
  status?: number;
  body: unknown;
  headers?: Record<string, string>;
  /** Default application/json. */
  contentType?: string;
}

export interface HandlerContext {
  req: FastifyRequest;
  /** Null on public routes. */
  principal: Principal | null;
  params: Record<string, string>;
  query: Record<string, string | undefined>;
  /** The shape-checked body; `{}` when the request had none. */
  body: Record<string, unknown>;
  /** The Idempotency-Key to record the event under (namespaced for member tokens); '' if none. */
  idempotencyKey: string;
}

export interface RouteSpec {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Fastify syntax: `/v1/members/:id/view`. */
  url: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  access: Access;
  /** A member token may call the route for its own `:id`. */
  memberSelf?: boolean;
  /** Records an event: the Idempotency-Key header is required. */
  idempotent?: boolean;
  body?: BodySpec;
  query?: Record<string, QueryParam>;
  response: { description: string; schema?: JsonSchema; contentType?: string };
  /** Domain and API codes this route answers with, besides auth, body and idempotency errors. */
  errors?: AnyErrorCode[];
  handler(ctx: HandlerContext): Promise<RouteResult> | RouteResult;
}

/** What the route modules share. */
export interface ApiDeps {
  service: DurableService;
  clock: Clock;
  metrics: Metrics;
}

/** The engine state brought up to date with other processes' writes; read it before any await. */
export async function readState(deps: ApiDeps): Promise<EngineState> {
  await deps.service.refresh();
  return deps.service.engine;
}

/** The instant views are computed for: the clock, never before the engine's last event. */
export function viewInstant(deps: ApiDeps, state: EngineState): number {
  return Math.max(deps.clock.now(), state.now);
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** The shape check every write body gets; see the module comment. */
export function checkBody(spec: BodySpec | undefined, raw: unknown): Record<string, unknown> {
  // A whole document replaces what is there: sending none by mistake must not reset everything.
  if (raw === undefined && spec?.document) apiError('VALIDATION_FAILED', 'the body must be the whole document');
  if (raw === undefined) raw = {};
  if (!isObject(raw)) apiError('VALIDATION_FAILED', 'the body must be a JSON object');
  if (spec?.document) return raw;
  if (Object.hasOwn(raw, 'at')) {
    apiError('VALIDATION_FAILED', 'at is stamped by the server clock; do not send it', { field: 'at' });
  }
  const known = spec?.properties ?? {};
  for (const field of Object.keys(raw)) {
    if (!Object.hasOwn(known, field)) apiError('VALIDATION_FAILED', `${field} is not a field of this request`, { field });
  }
  for (const field of spec?.required ?? []) {
    if (raw[field] === undefined) apiError('VALIDATION_FAILED', `${field} is required`, { field });
  }
  return raw;
}

/** A strict non-negative integer query parameter (no "1e3", no "12abc"). */
export function intQuery(value: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined || value === '') return fallback;
  if (!/^\d{1,15}$/.test(value)) apiError('VALIDATION_FAILED', `${name} must be an integer`, { field: name, value });
  const n = Number(value);
  if (n < min || n > max) apiError('VALIDATION_FAILED', `${name} must be from ${min} to ${max}`, { field: name, value });
  return n;
}

/** JSON Schema pieces the route modules share. */
export const schema = {
  id: { type: 'string', minLength: 1, maxLength: 128 },
  fen: { type: 'integer', minimum: 0, description: 'integer fen (分); 100 fen = 1 yuan' },
  bp: { type: 'integer', minimum: 0, description: 'basis points; 10000 bp = 100%' },
  date: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'a platform-time-zone date YYYY-MM-DD' },
  entryId: { type: 'integer', minimum: 1 },
  outcome: { $ref: '#/components/schemas/Outcome' },
  anyObject: { type: 'object' },
} as const satisfies Record<string, JsonSchema>;
