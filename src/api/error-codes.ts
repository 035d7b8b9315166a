/**
 * The one place where error codes meet HTTP: every domain ErrorCode and every API-level code has
 * exactly one status here (Formance style). `Record<…, number>` over the closed union makes the
 * compiler refuse a new domain code until someone decides its status. Bad input is always a 4xx;
 * only an unexpected error is a 500, and its body says nothing about the internals.
 */
import { DomainError, type ErrorCode } from '../domain/errors.ts';
import { isStoreUnavailable } from '../app/store-unavailable.ts';

export const API_ERROR_CODES = [
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  'MALFORMED_JSON',
  'UNSUPPORTED_MEDIA_TYPE',
  'PAYLOAD_TOO_LARGE',
  'IDEMPOTENCY_KEY_REQUIRED',
  'VALIDATION_FAILED',
  'INTERNAL',
  'STORE_UNAVAILABLE',
] as const;

export type ApiErrorCode = (typeof API_ERROR_CODES)[number];
export type AnyErrorCode = ErrorCode | ApiErrorCode;

export const HTTP_STATUS: Readonly<Record<AnyErrorCode, number>> = {
  // Invalid input: the request itself is wrong, whatever the state.
  INVALID_AMOUNT: 400,
  INVALID_RATIO: 400,
  INVALID_SETTINGS: 400,
  INVALID_TIME_WINDOW: 400,
  INVALID_TIME_ZONE: 400,
  INVALID_SCHEDULE: 400,
  INVALID_EVENT: 400,
  INVALID_ID: 400,
  INVALID_SEED: 400,
  DUPLICATE_LINE: 400, // one request lists a line id twice
  // Unknown ids.
  UNKNOWN_MEMBER: 404,
  UNKNOWN_ORDER: 404,
  UNKNOWN_LINE: 404,
  UNKNOWN_ENTRY: 404,
  UNKNOWN_QUEUE: 404,
  UNKNOWN_PROGRAM: 404,
  // Conflicts with what already happened: retrying the same request cannot succeed.
  CLOCK_WENT_BACKWARDS: 409,
  DUPLICATE_ORDER: 409,
  DUPLICATE_MEMBER: 409,
  ORDER_ALREADY_COMPLETED: 409,
  ORDER_FULLY_REFUNDED: 409,
  LINE_ALREADY_REFUNDED: 409,
  NOTHING_TO_REFUND: 409,
  LOTTERY_ALREADY_DRAWN: 409,
  IDEMPOTENCY_CONFLICT: 409,
  // Well-formed requests that a business rule refuses.
  LOTTERY_NOT_AVAILABLE: 422,
  LOTTERY_RATIO_NOT_ALLOWED: 422,
  ENTRY_NOT_EXCHANGEABLE: 422,
  EXCHANGE_NOT_CONFIGURED: 422,
  INSUFFICIENT_POINTS: 422,
  INSUFFICIENT_FUNDS: 422,
  WITHDRAWAL_NOT_PENDING: 409,
  DUPLICATE_WITHDRAWAL: 409,
  UNKNOWN_WITHDRAWAL: 404,
  QUEUE_MERGE_INVALID: 422,
  LIMIT_EXCEEDED: 422,
  REFERRAL_CYCLE: 422,
  DIVIDEND_PERIOD_INVALID: 422, // mostly "already paid", "not closed yet", "no rule configured"
  NO_SHAREHOLDERS: 422,
  // API level.
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  MALFORMED_JSON: 400,
  UNSUPPORTED_MEDIA_TYPE: 415,
  PAYLOAD_TOO_LARGE: 413,
  IDEMPOTENCY_KEY_REQUIRED: 400,
  VALIDATION_FAILED: 400,
  INTERNAL: 500,
  STORE_UNAVAILABLE: 503, // busy, unreachable or restarting: retry with the same key
};

export interface ErrorBody {
  code: AnyErrorCode;
  message: string;
  details: Record<string, unknown>;
}

/** A rejection decided by the API layer itself (auth, media type, request shape). */
export class ApiError extends Error {
  readonly code: ApiErrorCode;
  readonly details: Record<string, unknown>;

  constructor(code: ApiErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.details = details;
  }
}

export function apiError(code: ApiErrorCode, message: string, details: Record<string, unknown> = {}): never {
  throw new ApiError(code, message, details);
}

/** Fastify's own rejections of a request, by their error code. */
const FASTIFY_CODES: Readonly<Record<string, ApiErrorCode>> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VALIDATION_FAILED',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'MALFORMED_JSON',
};

const FASTIFY_MESSAGES: Partial<Record<ApiErrorCode, string>> = {
  UNSUPPORTED_MEDIA_TYPE: 'requests with a body must send Content-Type: application/json',
  PAYLOAD_TOO_LARGE: 'the request body is larger than the server accepts',
};

export interface MappedError {
  status: number;
  body: ErrorBody;
  /** True for a 500: the caller logs the original error, the client sees nothing of it. */
  unexpected: boolean;
  /** For a 503: the Retry-After the client gets (the caller logs the cause as a warning). */
  retryAfterSeconds?: number;
}

/** How long a client should wait before retrying when the store is unavailable. */
const STORE_RETRY_AFTER_SECONDS = 1;

/** Maps anything thrown while serving a request to its status and JSON body. */
export function mapError(err: unknown): MappedError {
  if (err instanceof DomainError || err instanceof ApiError) {
    return { status: HTTP_STATUS[err.code], body: { code: err.code, message: err.message, details: { ...err.details } }, unexpected: false };
  }
  const fastifyCode = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  const statusCode = typeof err === 'object' && err !== null ? (err as { statusCode?: unknown }).statusCode : undefined;
  const known = typeof fastifyCode === 'string' ? FASTIFY_CODES[fastifyCode] : undefined;
  if (known) {
    const message = FASTIFY_MESSAGES[known] ?? (err as Error).message;
    return { status: HTTP_STATUS[known], body: { code: known, message, details: {} }, unexpected: false };
  }
  // Any other client error fastify raised while reading the request is still the client's.
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    return { status: 400, body: { code: 'VALIDATION_FAILED', message: 'the request could not be read', details: {} }, unexpected: false };
  }
  if (isStoreUnavailable(err)) {
    const message = 'the store is busy or unreachable; retry with the same Idempotency-Key, which never applies a request twice';
    return { status: 503, body: { code: 'STORE_UNAVAILABLE', message, details: {} }, unexpected: false, retryAfterSeconds: STORE_RETRY_AFTER_SECONDS };
  }
  return { status: 500, body: { code: 'INTERNAL', message: 'internal error', details: {} }, unexpected: true };
}
