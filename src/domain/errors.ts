/**
 * Expected rejections are a closed set of stable codes (TigerBeetle's "results", not exceptions
 * of surprise). The API maps each code to an HTTP status in one place; programmer errors are
 * assertions (`assert`) and never carry one of these codes.
 */
export const ERROR_CODES = [
  'INVALID_AMOUNT',
  'INVALID_RATIO',
  'INVALID_SETTINGS',
  'INVALID_TIME_WINDOW',
  'INVALID_TIME_ZONE',
  'INVALID_SCHEDULE',
  'INVALID_EVENT',
  'INVALID_ID',
  'INVALID_SEED',
  'CLOCK_WENT_BACKWARDS',
  'UNKNOWN_MEMBER',
  'UNKNOWN_ORDER',
  'UNKNOWN_LINE',
  'UNKNOWN_ENTRY',
  'UNKNOWN_QUEUE',
  'DUPLICATE_ORDER',
  'DUPLICATE_LINE',
  'DUPLICATE_MEMBER',
  'ORDER_ALREADY_COMPLETED',
  'ORDER_FULLY_REFUNDED',
  'LINE_ALREADY_REFUNDED',
  'NOTHING_TO_REFUND',
  'LOTTERY_NOT_AVAILABLE',
  'LOTTERY_ALREADY_DRAWN',
  'LOTTERY_RATIO_NOT_ALLOWED',
  'ENTRY_NOT_EXCHANGEABLE',
  'EXCHANGE_NOT_CONFIGURED',
  'INSUFFICIENT_POINTS',
  'QUEUE_MERGE_INVALID',
  'IDEMPOTENCY_CONFLICT',
  'LIMIT_EXCEEDED',
  'REFERRAL_CYCLE',
  'UNKNOWN_PROGRAM',
  'DIVIDEND_PERIOD_INVALID',
  'NO_SHAREHOLDERS',
  'UNKNOWN_WITHDRAWAL',
  'DUPLICATE_WITHDRAWAL',
  'WITHDRAWAL_NOT_PENDING',
  'INSUFFICIENT_FUNDS',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export class DomainError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'DomainError';
    this.code = code;
    this.details = details;
  }
}

export function reject(code: ErrorCode, message: string, details: Record<string, unknown> = {}): never {
  throw new DomainError(code, message, details);
}

/** An impossible state: a bug in qrebate, never a user's mistake. */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`qrebate invariant violated: ${message}`);
}
