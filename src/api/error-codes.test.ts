import { describe, expect, it } from 'vitest';
import type { EventLog, LogTx } from '../app/event-log.ts';
import { DomainError, ERROR_CODES } from '../domain/errors.ts';
import { MemoryEventLog } from '../store/memory/memory-event-log.ts';
import { API_ERROR_CODES, ApiError, HTTP_STATUS, mapError } from './error-codes.ts';
import { harness, k, mallLine } from './test-support.ts';

describe('the error-code table', () => {
  it('gives every domain code a 4xx status: bad input is never a 5xx', () => {
    for (const code of ERROR_CODES) {
      expect(HTTP_STATUS[code], code).toBeGreaterThanOrEqual(400);
      expect(HTTP_STATUS[code], code).toBeLessThan(500);
    }
  });

  it('maps each family of codes to its status', () => {
    const expected: Record<number, string[]> = {
      400: ['INVALID_AMOUNT', 'INVALID_RATIO', 'INVALID_SETTINGS', 'INVALID_TIME_WINDOW', 'INVALID_TIME_ZONE', 'INVALID_SCHEDULE', 'INVALID_EVENT', 'INVALID_ID', 'INVALID_SEED', 'DUPLICATE_LINE', 'MALFORMED_JSON', 'IDEMPOTENCY_KEY_REQUIRED', 'VALIDATION_FAILED'],
      401: ['UNAUTHORIZED'],
      403: ['FORBIDDEN'],
      404: ['UNKNOWN_MEMBER', 'UNKNOWN_ORDER', 'UNKNOWN_LINE', 'UNKNOWN_ENTRY', 'UNKNOWN_QUEUE', 'UNKNOWN_PROGRAM', 'UNKNOWN_WITHDRAWAL', 'NOT_FOUND'],
      409: ['IDEMPOTENCY_CONFLICT', 'DUPLICATE_ORDER', 'DUPLICATE_MEMBER', 'ORDER_ALREADY_COMPLETED', 'ORDER_FULLY_REFUNDED', 'LINE_ALREADY_REFUNDED', 'NOTHING_TO_REFUND', 'LOTTERY_ALREADY_DRAWN', 'CLOCK_WENT_BACKWARDS', 'DUPLICATE_WITHDRAWAL', 'WITHDRAWAL_NOT_PENDING'],
      413: ['PAYLOAD_TOO_LARGE'],
      415: ['UNSUPPORTED_MEDIA_TYPE'],
      422: ['LOTTERY_NOT_AVAILABLE', 'LOTTERY_RATIO_NOT_ALLOWED', 'ENTRY_NOT_EXCHANGEABLE', 'EXCHANGE_NOT_CONFIGURED', 'INSUFFICIENT_POINTS', 'QUEUE_MERGE_INVALID', 'LIMIT_EXCEEDED', 'REFERRAL_CYCLE', 'DIVIDEND_PERIOD_INVALID', 'NO_SHAREHOLDERS', 'INSUFFICIENT_FUNDS'],
      500: ['INTERNAL'],
      503: ['STORE_UNAVAILABLE'],
    };
    const listed = Object.values(expected).flat();
    expect([...listed].sort()).toEqual([...ERROR_CODES, ...API_ERROR_CODES].sort());
    for (const [status, codes] of Object.entries(expected)) for (const code of codes) expect(HTTP_STATUS[code as keyof typeof HTTP_STATUS], code).toBe(Number(status));
  });

  it('turns a domain or API error into {code, message, details}', () => {
    expect(mapError(new DomainError('UNKNOWN_ORDER', 'order o9 is not known', { orderId: 'o9' }))).toEqual({
      status: 404,
      body: { code: 'UNKNOWN_ORDER', message: 'order o9 is not known', details: { orderId: 'o9' } },
      unexpected: false,
    });
    expect(mapError(new ApiError('FORBIDDEN', 'no'))).toMatchObject({ status: 403, body: { code: 'FORBIDDEN', details: {} } });
  });

  it('answers anything unexpected with 500 INTERNAL and nothing of the internals', () => {
    const mapped = mapError(new TypeError("Cannot read properties of undefined (reading 'x') at /srv/qrebate/src/secret.ts:12"));
    expect(mapped).toEqual({ status: 500, body: { code: 'INTERNAL', message: 'internal error', details: {} }, unexpected: true });
    expect(mapError('a string').status).toBe(500);
    expect(mapError(null).status).toBe(500);
  });

  it('answers a busy or unreachable store with 503 STORE_UNAVAILABLE and a Retry-After, and a store bug with 500', () => {
    const unavailable = [
      { code: 'SQLITE_BUSY' }, { code: 'SQLITE_BUSY_SNAPSHOT' }, { code: 'SQLITE_FULL' }, { code: 'SQLITE_IOERR_FSYNC' },
      { code: '57P01' }, { code: '08006' }, { code: '53300' }, { code: '40001' }, { code: 'ECONNREFUSED' },
      new Error('Connection terminated unexpectedly'),
      new Error('duplicate idempotency key k', { cause: Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' }) }),
    ];
    for (const err of unavailable) {
      const thrown = err instanceof Error ? err : Object.assign(new Error('x'), err);
      expect(mapError(thrown), thrown.message + JSON.stringify(err)).toMatchObject({ status: 503, body: { code: 'STORE_UNAVAILABLE' }, unexpected: false, retryAfterSeconds: 1 });
    }
    for (const err of [{ code: 'SQLITE_CONSTRAINT_UNIQUE' }, { code: 'SQLITE_ERROR' }, { code: '23505' }, { code: '42P01' }, { code: 'ENOENT' }, {}]) {
      expect(mapError(Object.assign(new Error('x'), err)), JSON.stringify(err)).toMatchObject({ status: 500, body: { code: 'INTERNAL' }, unexpected: true });
    }
  });

  it('keeps fastify’s request errors in the 4xx range', () => {
    expect(mapError(Object.assign(new Error('x'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 })).body.code).toBe('PAYLOAD_TOO_LARGE');
    expect(mapError(Object.assign(new Error('x'), { code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', statusCode: 415 })).body.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(mapError(Object.assign(new Error('x'), { code: 'FST_ERR_SOMETHING_NEW', statusCode: 400 }))).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
  });
});

describe('each mapping over HTTP', () => {
  async function shop() {
    const h = await harness();
    await h.call('PUT', '/v1/settings', { key: k(), body: { base: { defaultBp: 10_000, extractBp: 1_000 } } });
    await h.call('PUT', '/v1/members/A', { key: k(), body: {} });
    await h.call('POST', '/v1/orders/paid', { key: k(), body: { orderId: 'o1', memberId: 'A', lines: [mallLine('l1', 'p1', 10_000), mallLine('l2', 'p1', 500)] } });
    return h;
  }

  const cases: [string, string, string, unknown, number, string][] = [
    ['invalid amount', 'POST', '/v1/orders/paid', { orderId: 'o2', memberId: 'A', lines: [mallLine('l1', 'p1', -1)] }, 400, 'INVALID_AMOUNT'],
    ['invalid event', 'POST', '/v1/orders/paid', { orderId: 'o2', memberId: 'A', lines: [] }, 400, 'INVALID_EVENT'],
    ['duplicate line', 'POST', '/v1/orders/paid', { orderId: 'o2', memberId: 'A', lines: [mallLine('l1', 'p1', 1), mallLine('l1', 'p1', 1)] }, 400, 'DUPLICATE_LINE'],
    ['unknown member', 'POST', '/v1/orders/paid', { orderId: 'o2', memberId: 'Z', lines: [mallLine('l1', 'p1', 1)] }, 404, 'UNKNOWN_MEMBER'],
    ['duplicate order', 'POST', '/v1/orders/paid', { orderId: 'o1', memberId: 'A', lines: [mallLine('l1', 'p1', 1)] }, 409, 'DUPLICATE_ORDER'],
    ['unknown order', 'POST', '/v1/orders/completed', { orderId: 'o9' }, 404, 'UNKNOWN_ORDER'],
    ['unknown line', 'POST', '/v1/orders/refunded', { orderId: 'o1', lineIds: ['l9'] }, 404, 'UNKNOWN_LINE'],
    ['referral cycle', 'PUT', '/v1/members/A', { referrerId: 'A' }, 422, 'REFERRAL_CYCLE'],
    ['exchange not configured', 'POST', '/v1/members/A/exchange', { entryId: 1, target: 'coupon' }, 422, 'EXCHANGE_NOT_CONFIGURED'],
    ['lottery not available', 'POST', '/v1/members/A/lottery-draw', { entryId: 1 }, 422, 'LOTTERY_NOT_AVAILABLE'],
    ['invalid seed', 'POST', '/v1/members/A/lottery-draw', { entryId: 1, seed: -1 }, 400, 'INVALID_SEED'],
    ['unknown queue', 'POST', '/v1/queues/reset', { queues: ['nope'] }, 404, 'UNKNOWN_QUEUE'],
    ['merge invalid', 'POST', '/v1/queues/merge', { sources: ['mall', 'mall'], target: 'x' }, 422, 'QUEUE_MERGE_INVALID'],
    ['invalid settings', 'PUT', '/v1/settings', { nope: {} }, 400, 'INVALID_SETTINGS'],
    ['invalid time zone', 'PUT', '/v1/settings', { base: { timeZone: 'Mars/Olympus' } }, 400, 'INVALID_TIME_ZONE'],
    ['invalid schedule', 'PUT', '/v1/settings', { base: { reset: { kind: 'daily', at: '25:00' } } }, 400, 'INVALID_SCHEDULE'],
  ];
  for (const [what, method, url, body, status, code] of cases) {
    it(`${what}: ${status} ${code}`, async () => {
      const h = await shop();
      const res = await h.call(method, url, { key: k(), body });
      expect(res.json()).toMatchObject({ code });
      expect(res.statusCode).toBe(status);
      expect(res.json()).toEqual({ code, message: expect.any(String), details: expect.any(Object) });
    });
  }

  it('order completed twice: 409 ORDER_ALREADY_COMPLETED; refunds: LINE_ALREADY_REFUNDED, NOTHING_TO_REFUND, ORDER_FULLY_REFUNDED', async () => {
    const h = await shop();
    await h.call('POST', '/v1/orders/completed', { key: k(), body: { orderId: 'o1' } });
    const again = await h.call('POST', '/v1/orders/completed', { key: k(), body: { orderId: 'o1' } });
    expect([again.statusCode, again.json().code]).toEqual([409, 'ORDER_ALREADY_COMPLETED']);
    await h.call('PUT', '/v1/members/B', { key: k(), body: {} });
    await h.call('POST', '/v1/orders/paid', { key: k(), body: { orderId: 'o2', memberId: 'B', lines: [mallLine('l1', 'p1', 100)] } });
    await h.call('POST', '/v1/orders/refunded', { key: k(), body: { orderId: 'o2', lineIds: ['l1'] } });
    const line = await h.call('POST', '/v1/orders/refunded', { key: k(), body: { orderId: 'o2', lineIds: ['l1'] } });
    expect([line.statusCode, line.json().code]).toEqual([409, 'LINE_ALREADY_REFUNDED']);
    const whole = await h.call('POST', '/v1/orders/refunded', { key: k(), body: { orderId: 'o2' } });
    expect([whole.statusCode, whole.json().code]).toEqual([409, 'NOTHING_TO_REFUND']);
    const complete = await h.call('POST', '/v1/orders/completed', { key: k(), body: { orderId: 'o2' } });
    expect([complete.statusCode, complete.json().code]).toEqual([409, 'ORDER_FULLY_REFUNDED']);
  });
});

/** An event log whose next write fails like a lost database connection. */
class FlakyLog implements EventLog {
  readonly inner = new MemoryEventLog();
  failNext = false;
  open(seed: number) {
    return this.inner.open(seed);
  }
  readSince(afterSeq: number) {
    return this.inner.readSince(afterSeq);
  }
  withWriteLock<T>(work: (tx: LogTx) => Promise<T>): Promise<T> {
    if (this.failNext) {
      this.failNext = false;
      return Promise.reject(new Error('connection to db.internal:5432 lost (password=hunter2)'));
    }
    return this.inner.withWriteLock(work);
  }
  readLedger(afterSeq: number, limit: number) {
    return this.inner.readLedger(afterSeq, limit);
  }
  readMessages(memberId: string, afterId: number, limit: number) {
    return this.inner.readMessages(memberId, afterId, limit);
  }
  close() {
    return this.inner.close();
  }
}

describe('an unexpected failure', () => {
  it('is a 500 INTERNAL that says nothing of the cause, and the next request works', async () => {
    const log = new FlakyLog();
    const h = await harness({ log });
    log.failNext = true;
    const res = await h.call('PUT', '/v1/members/A', { key: 'm-A', body: {} });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({ code: 'INTERNAL', message: 'internal error', details: {} });
    expect(res.body).not.toContain('hunter2');
    const retry = await h.call('PUT', '/v1/members/A', { key: 'm-A', body: {} });
    expect(retry.statusCode).toBe(200);
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
  });
});
