/**
 * Order events from the shop (SPEC §2): paid, completed (确认收货), refunded, and a batch of them in
 * one transaction. Each body is the event's fields without `type` and `at`.
 */
import { BATCH_MAX, type BatchItem } from '../../app/durable-service.ts';
import { DomainError } from '../../domain/errors.ts';
import { type EventType, checkId } from '../../domain/events.ts';
import { ApiError, apiError, mapError } from '../error-codes.ts';
import { type ApiDeps, type BodySpec, type RouteSpec, checkBody, schema } from '../route-spec.ts';
import { answerEvent, submissionResponse } from '../submit.ts';

const line = {
  type: 'object',
  required: ['lineId', 'channel', 'paidFen'],
  properties: {
    lineId: schema.id,
    channel: { enum: ['mall', 'store', 'cashier'] },
    productId: { ...schema.id, description: 'not for cashier lines' },
    storeId: { ...schema.id, description: 'not for mall lines' },
    paidFen: { ...schema.fen, description: '实付: cash paid, in fen' },
    deductedFen: { ...schema.fen, description: 'paid with points / love value, in fen' },
    profitFen: { ...schema.fen, description: 'profit for pool programs, in fen' },
  },
};

export const ORDER_BODIES = {
  paid: {
    properties: { orderId: schema.id, memberId: schema.id, lines: { type: 'array', minItems: 1, maxItems: 1000, items: line } },
    required: ['orderId', 'memberId', 'lines'],
  },
  completed: { properties: { orderId: schema.id }, required: ['orderId'] },
  refunded: {
    properties: { orderId: schema.id, lineIds: { type: 'array', items: schema.id, description: 'omitted: every line not yet refunded' } },
    required: ['orderId'],
  },
} as const satisfies Record<string, BodySpec>;

type OrderEventType = keyof typeof ORDER_BODIES;

function isOrderEventType(x: unknown): x is OrderEventType {
  return typeof x === 'string' && Object.hasOwn(ORDER_BODIES, x);
}

const ORDER_ERRORS = {
  paid: ['INVALID_EVENT', 'INVALID_ID', 'INVALID_AMOUNT', 'DUPLICATE_LINE', 'UNKNOWN_MEMBER', 'DUPLICATE_ORDER'],
  completed: ['INVALID_ID', 'UNKNOWN_ORDER', 'ORDER_ALREADY_COMPLETED', 'ORDER_FULLY_REFUNDED'],
  refunded: ['INVALID_ID', 'DUPLICATE_LINE', 'UNKNOWN_ORDER', 'UNKNOWN_LINE', 'LINE_ALREADY_REFUNDED', 'NOTHING_TO_REFUND'],
} as const;

const SUMMARIES: Record<OrderEventType, string> = {
  paid: 'An order was paid: each eligible line creates an entry and its extraction is paid out',
  completed: 'An order completed (确认收货): frozen rewards become cash',
  refunded: 'An order, or some of its lines, was refunded',
};

interface BatchItemResult {
  status: number;
  body: unknown;
  replayed?: boolean;
}

/** Checks one batch item's shape; a bad item gets its own error result and is not submitted. */
function prepareItem(raw: unknown): BatchItem & { type: OrderEventType } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) apiError('VALIDATION_FAILED', 'a batch item must be an object');
  const { type, idempotencyKey, ...fields } = raw as Record<string, unknown>;
  if (!isOrderEventType(type)) apiError('VALIDATION_FAILED', "type must be 'paid', 'completed' or 'refunded'", { field: 'type', value: type });
  if (typeof idempotencyKey !== 'string' || idempotencyKey === '') {
    apiError('IDEMPOTENCY_KEY_REQUIRED', 'every batch item needs an idempotencyKey');
  }
  // A key with a NUL failed the PostgreSQL insert (a 500 for the whole batch); keys are ids.
  checkId(idempotencyKey, 'idempotencyKey');
  checkBody(ORDER_BODIES[type], fields);
  return { key: idempotencyKey, input: { ...fields, type }, type };
}

async function runBatch(deps: ApiDeps, events: unknown[]): Promise<BatchItemResult[]> {
  const results: (BatchItemResult | null)[] = [];
  const items: (BatchItem & { type: OrderEventType; index: number })[] = [];
  events.forEach((raw, index) => {
    try {
      items.push({ ...prepareItem(raw), index });
      results.push(null);
    } catch (err) {
      if (!(err instanceof ApiError) && !(err instanceof DomainError)) throw err;
      const { status, body } = mapError(err);
      results.push({ status, body });
    }
  });
  if (items.length > 0) {
    const outcomes = await deps.service.submitBatch(items.map(({ key, input }) => ({ key, input })));
    outcomes.forEach((outcome, i) => {
      const item = items[i]!;
      if (outcome.ok) {
        deps.metrics.countEvent(item.type, outcome.submission.replayed ? 'replayed' : 'accepted');
        const { status = 200, body } = submissionResponse(outcome.submission);
        results[item.index] = { status, body, ...(outcome.submission.replayed && { replayed: true }) };
      } else {
        deps.metrics.countEvent(item.type, 'rejected', outcome.error.code);
        const { status, body } = mapError(outcome.error);
        results[item.index] = { status, body };
      }
    });
  }
  return results as BatchItemResult[];
}

export function orderRoutes(deps: ApiDeps): RouteSpec[] {
  const single = (['paid', 'completed', 'refunded'] as const).map(
    (type): RouteSpec => ({
      method: 'POST',
      url: `/v1/orders/${type}`,
      operationId: `order${type[0]!.toUpperCase()}${type.slice(1)}`,
      summary: SUMMARIES[type],
      tag: 'orders',
      access: 'write',
      idempotent: true,
      body: ORDER_BODIES[type],
      response: { description: 'The event outcome', schema: schema.outcome },
      errors: [...ORDER_ERRORS[type]],
      handler: ({ idempotencyKey, body }) => answerEvent(deps, idempotencyKey, type satisfies EventType, body),
    }),
  );
  const batch: RouteSpec = {
    method: 'POST',
    url: '/v1/orders/batch',
    operationId: 'orderBatch',
    summary: `Up to ${BATCH_MAX} order events in one transaction, each with its own idempotency key and result`,
    description:
      'Each item is `{type, idempotencyKey, ...fields}` with type paid, completed or refunded. Items are applied in order; ' +
      'a rejected item changes nothing and the others still apply. The answer lists `{status, body}` per item, ' +
      'the status and body the single-event route would have answered; repeats carry `replayed: true`. ' +
      'The Idempotency-Key header is not used: the items carry their keys.',
    tag: 'orders',
    access: 'write',
    body: {
      properties: {
        events: { type: 'array', minItems: 1, maxItems: BATCH_MAX, items: { type: 'object', required: ['type', 'idempotencyKey'] } },
      },
      required: ['events'],
    },
    response: {
      description: 'One result per item, in order',
      schema: {
        type: 'object',
        properties: { results: { type: 'array', items: { type: 'object', properties: { status: { type: 'integer' }, body: {}, replayed: { type: 'boolean' } } } } },
      },
    },
    handler: async ({ body }) => {
      const events = body.events;
      if (!Array.isArray(events) || events.length === 0 || events.length > BATCH_MAX) {
        apiError('VALIDATION_FAILED', `events must list 1 to ${BATCH_MAX} order events`, { field: 'events' });
      }
      return { body: { results: await runBatch(deps, events) } };
    },
  };
  return [...single, batch];
}
