/**
 * Stream queues (排队返利 / 共享链): statistics, the stranded-queue report, the order-preserving
 * merge, pause (队列奖励暂停) / resume and an operator's reset now (队列奖励清零).
 */
import { queueStats, strandedQueues } from '../../domain/views.ts';
import { type ApiDeps, type RouteSpec, readState, schema, viewInstant } from '../route-spec.ts';
import { answerEvent } from '../submit.ts';

const queueKey = { ...schema.id, description: 'mall, stores, cashiers, product:<id>, store:<id> or cashier:<storeId>' };

export function queueRoutes(deps: ApiDeps): RouteSpec[] {
  const pauseOrResume = (type: 'pause' | 'resume'): RouteSpec => ({
    method: 'POST',
    url: `/v1/queues/${type}`,
    operationId: `${type}Queues`,
    summary: type === 'pause' ? 'Pause payouts (队列奖励暂停) of one queue, or of every queue' : 'Resume payouts of one queue, or of every queue',
    description: 'Without `queue` this sets base.paused; a global resume does not resume a queue paused on its own.',
    tag: 'queues',
    access: 'write',
    idempotent: true,
    body: { properties: { queue: queueKey } },
    response: { description: 'The event outcome; result is {queue, paused}', schema: schema.outcome },
    errors: ['INVALID_ID', 'UNKNOWN_QUEUE'],
    handler: ({ idempotencyKey, body }) => answerEvent(deps, idempotencyKey, type, body),
  });
  return [
    {
      method: 'GET',
      url: '/v1/queues',
      operationId: 'listQueues',
      summary: 'Every queue: entries, active count, pending, undistributed balance, pause, last inflow, merge target',
      tag: 'queues',
      access: 'read',
      response: { description: 'The queues', schema: { type: 'object', properties: { queues: { type: 'array', items: { type: 'object' } } } } },
      handler: async () => ({ body: { queues: queueStats(await readState(deps)) } }),
    },
    {
      method: 'GET',
      url: '/v1/queues/stranded',
      operationId: 'listStrandedQueues',
      summary: 'Queues with unpaid entitlement whose product is off sale or that had no inflow for strandedAfterDays',
      tag: 'queues',
      access: 'read',
      response: { description: 'The stranded queues', schema: { type: 'object', properties: { stranded: { type: 'array', items: { type: 'object' } } } } },
      handler: async () => {
        const state = await readState(deps);
        return { body: { stranded: strandedQueues(state, viewInstant(deps, state)) } };
      },
    },
    {
      method: 'POST',
      url: '/v1/queues/merge',
      operationId: 'mergeQueues',
      summary: 'Merge queues into a target; entries keep their relative order by original entry time',
      tag: 'queues',
      access: 'write',
      idempotent: true,
      body: { properties: { sources: { type: 'array', minItems: 1, items: queueKey }, target: queueKey }, required: ['sources', 'target'] },
      response: { description: 'The event outcome; result is {target, entries}', schema: schema.outcome },
      errors: ['INVALID_ID', 'INVALID_EVENT', 'UNKNOWN_QUEUE', 'QUEUE_MERGE_INVALID'],
      handler: ({ idempotencyKey, body }) => answerEvent(deps, idempotencyKey, 'merge', body),
    },
    pauseOrResume('pause'),
    pauseOrResume('resume'),
    {
      method: 'POST',
      url: '/v1/queues/reset',
      operationId: 'resetQueues',
      summary: 'Reset now (队列奖励清零): clear every waiting or rewarding entry of the queues named, or of every queue',
      tag: 'queues',
      access: 'write',
      idempotent: true,
      body: { properties: { queues: { type: 'array', minItems: 1, items: queueKey } } },
      response: { description: 'The event outcome; result is {cleared}', schema: schema.outcome },
      errors: ['INVALID_ID', 'INVALID_EVENT', 'UNKNOWN_QUEUE'],
      handler: ({ idempotencyKey, body }) => answerEvent(deps, idempotencyKey, 'reset', body),
    },
  ];
}
