/**
 * Withdrawals (提现): a member (or the shop for them) asks to take cash out; the shop pays it
 * and confirms, or rejects it. The amount leaves the member's cash at the request, so it can
 * never exceed the balance or be withdrawn twice.
 */
import { reject } from '../../domain/errors.ts';
import { type ApiDeps, type RouteSpec, readState, schema } from '../route-spec.ts';
import { answerEvent } from '../submit.ts';

export function withdrawalRoutes(deps: ApiDeps): RouteSpec[] {
  return [
    {
      method: 'POST',
      url: '/v1/members/:id/withdrawals',
      operationId: 'requestWithdrawal',
      summary: 'Request a withdrawal of the member’s cash; it is held until the shop pays or rejects it',
      tag: 'withdrawals',
      access: 'write',
      memberSelf: true,
      idempotent: true,
      body: { properties: { withdrawalId: schema.id, amountFen: schema.fen }, required: ['withdrawalId', 'amountFen'] },
      response: { description: 'The event outcome; result is {withdrawalId, memberId, amountFen, status}', schema: schema.outcome },
      errors: ['INVALID_ID', 'INVALID_AMOUNT', 'UNKNOWN_MEMBER', 'DUPLICATE_WITHDRAWAL', 'INSUFFICIENT_FUNDS'],
      handler: ({ params, idempotencyKey, body }) => answerEvent(deps, idempotencyKey, 'withdrawalRequested', { ...body, memberId: params.id }),
    },
    {
      method: 'GET',
      url: '/v1/members/:id/withdrawals',
      operationId: 'listWithdrawals',
      summary: 'The member’s withdrawals, oldest first',
      tag: 'withdrawals',
      access: 'read',
      memberSelf: true,
      response: { description: '{withdrawals: [{withdrawalId, amountFen, status, requestedAt, decidedAt}]}' },
      errors: ['UNKNOWN_MEMBER'],
      handler: async ({ params }) => {
        const state = await readState(deps);
        if (!state.members.has(params.id!)) reject('UNKNOWN_MEMBER', `member ${params.id} is not known`, { memberId: params.id });
        const withdrawals = [...state.withdrawals.values()]
          .filter((w) => w.member.id === params.id)
          .map((w) => ({ withdrawalId: w.id, amountFen: w.amountFen, status: w.status, requestedAt: w.requestedAt, decidedAt: w.decidedAt >= 0 ? w.decidedAt : null }));
        return { body: { withdrawals } };
      },
    },
    {
      method: 'POST',
      url: '/v1/withdrawals/:id/paid',
      operationId: 'confirmWithdrawalPaid',
      summary: 'The shop paid the withdrawal out: the money leaves the platform (platform:payouts)',
      tag: 'withdrawals',
      access: 'write',
      idempotent: true,
      response: { description: 'The event outcome; result is {withdrawalId, memberId, amountFen, status}', schema: schema.outcome },
      errors: ['INVALID_ID', 'UNKNOWN_WITHDRAWAL', 'WITHDRAWAL_NOT_PENDING'],
      handler: ({ params, idempotencyKey }) => answerEvent(deps, idempotencyKey, 'withdrawalPaid', { withdrawalId: params.id }),
    },
    {
      method: 'POST',
      url: '/v1/withdrawals/:id/rejected',
      operationId: 'rejectWithdrawal',
      summary: 'The shop refused the withdrawal: the money returns to the member’s cash',
      tag: 'withdrawals',
      access: 'write',
      idempotent: true,
      response: { description: 'The event outcome; result is {withdrawalId, memberId, amountFen, status}', schema: schema.outcome },
      errors: ['INVALID_ID', 'UNKNOWN_WITHDRAWAL', 'WITHDRAWAL_NOT_PENDING'],
      handler: ({ params, idempotencyKey }) => answerEvent(deps, idempotencyKey, 'withdrawalRejected', { withdrawalId: params.id }),
    },
  ];
}
