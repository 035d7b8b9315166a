/** Pool programs (工会排队 / 消费报销, SPEC §4): statistics and a release now. */
import { poolStats } from '../../domain/programs/pool-views.ts';
import { type ApiDeps, type RouteSpec, readState, schema } from '../route-spec.ts';
import { answerEvent } from '../submit.ts';

export function poolRoutes(deps: ApiDeps): RouteSpec[] {
  return [
    {
      method: 'GET',
      url: '/v1/pools',
      operationId: 'listPools',
      summary: 'Every pool: entries, active count, pending, balance, released today',
      tag: 'pools',
      access: 'read',
      response: { description: 'The pools', schema: { type: 'object', properties: { pools: { type: 'array', items: { type: 'object' } } } } },
      handler: async () => ({ body: { pools: poolStats(await readState(deps)) } }),
    },
    {
      method: 'POST',
      url: '/v1/pools/:programId/release',
      operationId: 'releasePool',
      summary: 'Release the pool now: pay eligible entries in order while the pool covers each in full',
      tag: 'pools',
      access: 'write',
      idempotent: true,
      body: { properties: {} },
      response: { description: 'The event outcome', schema: schema.outcome },
      errors: ['INVALID_ID', 'UNKNOWN_PROGRAM'],
      handler: ({ params, idempotencyKey }) => answerEvent(deps, idempotencyKey, 'poolRelease', { programId: params.programId }),
    },
  ];
}
