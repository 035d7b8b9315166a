/**
 * Webhook configuration and deliveries (docs/WEBHOOKS.md). Every route needs the write scope: a
 * webhook's URL and its deliveries are the shop's integration, not data for dashboards. The
 * secret is write-only: no answer ever contains it.
 */
import { isPlainText } from '../../domain/text.ts';
import { isMessageKind } from '../../app/messages.ts';
import { DELIVERY_STATUSES, type DeliveryStatus, type WebhookKinds, type WebhookStore } from '../../app/webhook-store.ts';
import { apiError } from '../error-codes.ts';
import { type ApiDeps, type RouteSpec, intQuery } from '../route-spec.ts';

export const WEBHOOK_SECRET_LENGTH_MIN = 16;
const WEBHOOK_SECRET_LENGTH_MAX = 256;
const URL_LENGTH_MAX = 2_048;
const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
export const DELIVERIES_PAGE_MAX = 500;
const DELIVERIES_PAGE_DEFAULT = 100;

const WEBHOOK_SCHEMA = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    url: { type: 'string' },
    kinds: { type: 'array', items: { type: 'string' } },
    enabled: { type: 'boolean' },
    createdAt: { type: 'integer' },
  },
};

const DELIVERY_SCHEMA = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    webhookId: { type: 'string' },
    messageId: { type: 'integer' },
    status: { enum: DELIVERY_STATUSES },
    attempts: { type: 'integer' },
    nextAttemptAt: { type: 'integer' },
    lastError: { type: ['string', 'null'] },
    deliveredAt: { type: ['integer', 'null'] },
  },
};

function checkId(id: string): string {
  if (!ID_PATTERN.test(id)) apiError('VALIDATION_FAILED', 'a webhook id is 1 to 64 letters, digits, _ . or -, starting with a letter or digit', { field: 'id' });
  return id;
}

function checkUrl(raw: unknown): string {
  if (typeof raw !== 'string' || raw.length > URL_LENGTH_MAX) apiError('VALIDATION_FAILED', `url must be a string of at most ${URL_LENGTH_MAX} characters`, { field: 'url' });
  // Control characters (NUL above all, which PostgreSQL text cannot hold) have no place in a URL we call.
  if (!isPlainText(raw)) apiError('VALIDATION_FAILED', 'url must not contain control characters', { field: 'url' });
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return apiError('VALIDATION_FAILED', 'url must be an absolute URL', { field: 'url' });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') apiError('VALIDATION_FAILED', 'url must be http or https', { field: 'url' });
  // Credentials in a URL end up in logs and listings; the signature is the authentication.
  if (url.username !== '' || url.password !== '') apiError('VALIDATION_FAILED', 'url must not contain credentials', { field: 'url' });
  return raw;
}

function checkSecret(raw: unknown): string {
  if (typeof raw !== 'string' || raw.length < WEBHOOK_SECRET_LENGTH_MIN || raw.length > WEBHOOK_SECRET_LENGTH_MAX) {
    apiError('VALIDATION_FAILED', `secret must be ${WEBHOOK_SECRET_LENGTH_MIN} to ${WEBHOOK_SECRET_LENGTH_MAX} characters`, { field: 'secret' });
  }
  if (!isPlainText(raw)) apiError('VALIDATION_FAILED', 'secret must not contain control characters', { field: 'secret' });
  return raw;
}

function checkKinds(raw: unknown): WebhookKinds {
  if (raw === undefined) return ['*'];
  if (!Array.isArray(raw) || raw.length === 0) apiError('VALIDATION_FAILED', 'kinds must be a non-empty list of message kinds, or ["*"]', { field: 'kinds' });
  if (raw.length === 1 && raw[0] === '*') return ['*'];
  const bad = raw.find((k) => !isMessageKind(k));
  if (bad !== undefined) apiError('VALIDATION_FAILED', `kinds lists ${JSON.stringify(bad)}, which is not a message kind (or "*" alone)`, { field: 'kinds' });
  if (new Set(raw).size !== raw.length) apiError('VALIDATION_FAILED', 'kinds lists a kind twice', { field: 'kinds' });
  return raw as WebhookKinds;
}

function checkEnabled(raw: unknown): boolean {
  if (raw === undefined) return true;
  if (typeof raw !== 'boolean') apiError('VALIDATION_FAILED', 'enabled must be true or false', { field: 'enabled' });
  return raw;
}

function checkStatus(raw: string | undefined): DeliveryStatus | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (!DELIVERY_STATUSES.includes(raw as DeliveryStatus)) apiError('VALIDATION_FAILED', `status must be one of ${DELIVERY_STATUSES.join(', ')}`, { field: 'status' });
  return raw as DeliveryStatus;
}

export function webhookRoutes(deps: ApiDeps, store: WebhookStore): RouteSpec[] {
  return [
    {
      method: 'PUT',
      url: '/v1/webhooks/:id',
      operationId: 'putWebhook',
      summary: 'Create or replace a webhook: where member messages (消息通知) are POSTed, signed with its secret',
      description: 'Answers 201 when created, 200 when replaced. Deliveries already pending go to the new URL with the new secret. The secret is never returned.',
      tag: 'webhooks',
      access: 'write',
      body: {
        properties: {
          url: { type: 'string', format: 'uri', maxLength: URL_LENGTH_MAX, description: 'http or https' },
          secret: { type: 'string', minLength: WEBHOOK_SECRET_LENGTH_MIN, maxLength: WEBHOOK_SECRET_LENGTH_MAX, description: 'the HMAC-SHA256 key of X-Qrebate-Signature' },
          kinds: { type: 'array', items: { type: 'string' }, description: 'message kinds to receive; default ["*"], every kind' },
          enabled: { type: 'boolean', description: 'default true; a disabled webhook gets no new deliveries and its pending ones wait' },
        },
        required: ['url', 'secret'],
      },
      response: { description: 'The webhook, without its secret', schema: { type: 'object', properties: { webhook: WEBHOOK_SCHEMA, created: { type: 'boolean' } } } },
      handler: async ({ params, body }) => {
        const id = checkId(params.id!);
        const webhook = { id, url: checkUrl(body.url), secret: checkSecret(body.secret), kinds: checkKinds(body.kinds), enabled: checkEnabled(body.enabled), createdAt: deps.clock.now() };
        const result = await store.putWebhook(webhook);
        return { status: result.created ? 201 : 200, body: result };
      },
    },
    {
      method: 'GET',
      url: '/v1/webhooks',
      operationId: 'listWebhooks',
      summary: 'Every webhook, without secrets',
      tag: 'webhooks',
      access: 'write',
      response: { description: 'The webhooks by id', schema: { type: 'object', properties: { webhooks: { type: 'array', items: WEBHOOK_SCHEMA } } } },
      handler: async () => ({ body: { webhooks: await store.listWebhooks() } }),
    },
    {
      method: 'DELETE',
      url: '/v1/webhooks/:id',
      operationId: 'deleteWebhook',
      summary: 'Delete a webhook and its deliveries (pending ones are not sent)',
      tag: 'webhooks',
      access: 'write',
      response: { description: 'Deleted', schema: { type: 'object', properties: { id: { type: 'string' }, deleted: { enum: [true] } } } },
      errors: ['NOT_FOUND'],
      handler: async ({ params }) => {
        const id = params.id!;
        if (!(await store.deleteWebhook(id))) apiError('NOT_FOUND', `webhook ${id} is not known`, { webhookId: id });
        return { body: { id, deleted: true } };
      },
    },
    {
      method: 'GET',
      url: '/v1/webhooks/:id/deliveries',
      operationId: 'listWebhookDeliveries',
      summary: 'A webhook’s deliveries, oldest first, optionally by status (dead letters: status=dead)',
      tag: 'webhooks',
      access: 'write',
      query: {
        status: { schema: { enum: DELIVERY_STATUSES }, description: 'pending, delivered or dead; default all' },
        after: { schema: { type: 'integer', minimum: 0 }, description: 'only deliveries with a larger id; default 0' },
        limit: { schema: { type: 'integer', minimum: 1, maximum: DELIVERIES_PAGE_MAX }, description: `page size; default ${DELIVERIES_PAGE_DEFAULT}` },
      },
      response: {
        description: 'A page of deliveries; nextAfter is null on the last page',
        schema: { type: 'object', properties: { deliveries: { type: 'array', items: DELIVERY_SCHEMA }, nextAfter: { type: ['integer', 'null'] } } },
      },
      errors: ['VALIDATION_FAILED', 'NOT_FOUND'],
      handler: async ({ params, query }) => {
        const webhookId = params.id!;
        const status = checkStatus(query.status);
        const afterId = intQuery(query.after, 'after', 0, 0, Number.MAX_SAFE_INTEGER);
        const limit = intQuery(query.limit, 'limit', DELIVERIES_PAGE_DEFAULT, 1, DELIVERIES_PAGE_MAX);
        if ((await store.getWebhook(webhookId)) === null) apiError('NOT_FOUND', `webhook ${webhookId} is not known`, { webhookId });
        const deliveries = await store.listDeliveries({ webhookId, afterId, limit, ...(status && { status }) });
        return { body: { deliveries, nextAfter: deliveries.length === limit ? deliveries[deliveries.length - 1]!.id : null } };
      },
    },
    {
      method: 'POST',
      url: '/v1/webhooks/deliveries/:id/redeliver',
      operationId: 'redeliverWebhookDelivery',
      summary: 'Send a dead or delivered delivery again: it becomes pending, due now, with its attempts reset',
      description: 'A delivery still pending is left as it is (redelivered: false). No Idempotency-Key: a repeat is harmless, receivers deduplicate on the message id.',
      tag: 'webhooks',
      access: 'write',
      body: { properties: {} },
      response: { description: 'The delivery after the request', schema: { type: 'object', properties: { delivery: DELIVERY_SCHEMA, redelivered: { type: 'boolean' } } } },
      errors: ['NOT_FOUND'],
      handler: async ({ params }) => {
        const raw = params.id!;
        const id = /^[1-9]\d{0,14}$/.test(raw) ? Number(raw) : apiError('NOT_FOUND', `delivery ${raw} is not known`, { deliveryId: raw });
        const result = (await store.redeliver(id, deps.clock.now())) ?? apiError('NOT_FOUND', `delivery ${id} is not known`, { deliveryId: id });
        return { body: result };
      },
    },
  ];
}
