/**
 * Members (会员) and what a member does with their entries: the member view (队列进程), a lottery
 * draw (抽奖), an exchange (权益兑换) and a points transfer. A member token reaches these for its own
 * id only; the entry named must belong to the member in the path.
 */
import { reject } from '../../domain/errors.ts';
import type { EngineState } from '../../domain/state.ts';
import { memberView } from '../../domain/views.ts';
import { apiError } from '../error-codes.ts';
import { type ApiDeps, type RouteSpec, readState, schema, viewInstant } from '../route-spec.ts';
import { answerEvent } from '../submit.ts';

/** The member in the path must exist, and the entry (when it is an entry id) must be theirs. */
function checkOwnEntry(state: EngineState, memberId: string, entryId: unknown): void {
  if (!state.members.has(memberId)) reject('UNKNOWN_MEMBER', `member ${memberId} is not known`, { memberId });
  // A malformed id is left to the domain, which rejects it with INVALID_ID.
  if (typeof entryId !== 'number' || !Number.isSafeInteger(entryId) || entryId < 1) return;
  const entry = state.entry(entryId) ?? reject('UNKNOWN_ENTRY', `entry ${entryId} is not known`, { entryId });
  if (entry.member.id !== memberId) apiError('FORBIDDEN', `entry ${entryId} does not belong to member ${memberId}`, { entryId });
}

const MEMBER_VIEW_SCHEMA = {
  type: 'object',
  description: 'memberView (src/domain/views.ts): display toggles decide which entry fields appear',
  properties: {
    memberId: { type: 'string' },
    nickname: { type: 'string' },
    pluginName: { type: 'string' },
    exchangeButtonName: { type: 'string' },
    balances: { type: 'object' },
    entries: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          entryId: { type: 'integer' },
          status: { type: 'string' },
          totalFen: { type: 'integer' },
          queueId: { type: 'string' },
          position: { type: 'integer' },
          progressBp: { type: 'integer' },
          receivedFen: { type: 'integer' },
          pendingFen: { type: 'integer' },
          expectedAt: { type: ['integer', 'null'] },
          canDraw: { type: 'boolean' },
          canExchange: { type: 'boolean' },
        },
      },
    },
    programEntries: { type: 'array', items: { type: 'object' } },
  },
};

export function memberRoutes(deps: ApiDeps): RouteSpec[] {
  return [
    {
      method: 'PUT',
      url: '/v1/members/:id',
      operationId: 'putMember',
      summary: 'Create or update a member (level, nickname, referrer, team level, shareholder weight)',
      tag: 'members',
      access: 'write',
      idempotent: true,
      body: {
        properties: {
          level: { type: 'string', maxLength: 64, description: '会员等级; default "default" for a new member' },
          nickname: { type: 'string', maxLength: 64 },
          referrerId: { type: ['string', 'null'], description: '推荐人; null clears' },
          teamLevel: { type: 'string', maxLength: 64 },
          shareholderWeight: { type: 'integer', minimum: 0, maximum: 1_000_000 },
        },
      },
      response: { description: 'The event outcome; result is {memberId, created}', schema: schema.outcome },
      errors: ['INVALID_ID', 'INVALID_EVENT', 'UNKNOWN_MEMBER', 'REFERRAL_CYCLE'],
      handler: ({ params, idempotencyKey, body }) => answerEvent(deps, idempotencyKey, 'member', { ...body, memberId: params.id }),
    },
    {
      method: 'GET',
      url: '/v1/members/:id/view',
      operationId: 'getMemberView',
      summary: 'The member view (队列进程): entries with positions, expected dates, pool-program entries and balances',
      tag: 'members',
      access: 'read',
      memberSelf: true,
      response: { description: 'The member view, display toggles applied', schema: MEMBER_VIEW_SCHEMA },
      errors: ['UNKNOWN_MEMBER'],
      handler: async ({ params }) => {
        const state = await readState(deps);
        return { body: memberView(state, params.id!, viewInstant(deps, state)) };
      },
    },
    {
      method: 'POST',
      url: '/v1/members/:id/lottery-draw',
      operationId: 'lotteryDraw',
      summary: 'Draw the lottery (抽奖) of one of the member’s entries',
      description: 'The server draws with a recorded seed. Only an API key may pass `seed` or a `ratioBp` the shop drew itself.',
      tag: 'members',
      access: 'write',
      memberSelf: true,
      idempotent: true,
      body: {
        properties: { entryId: schema.entryId, seed: { type: 'integer', minimum: 0, maximum: 4294967295 }, ratioBp: schema.bp },
        required: ['entryId'],
      },
      response: { description: 'The event outcome; result is {entryId, ratioBp, totalFen, seed}', schema: schema.outcome },
      errors: ['INVALID_ID', 'INVALID_SEED', 'UNKNOWN_MEMBER', 'UNKNOWN_ENTRY', 'LOTTERY_NOT_AVAILABLE', 'LOTTERY_ALREADY_DRAWN', 'LOTTERY_RATIO_NOT_ALLOWED'],
      handler: async ({ principal, params, idempotencyKey, body }) => {
        if (principal?.kind === 'member' && (body.seed !== undefined || body.ratioBp !== undefined)) {
          apiError('FORBIDDEN', 'only the shop may choose a seed or ratio for a draw');
        }
        checkOwnEntry(await readState(deps), params.id!, body.entryId);
        return answerEvent(deps, idempotencyKey, 'lotteryDraw', body);
      },
    },
    {
      method: 'POST',
      url: '/v1/members/:id/exchange',
      operationId: 'exchange',
      summary: 'Exchange (权益兑换) an entry’s pending amount into points, love value or a coupon',
      tag: 'members',
      access: 'write',
      memberSelf: true,
      idempotent: true,
      body: { properties: { entryId: schema.entryId, target: { enum: ['points', 'love', 'coupon'] } }, required: ['entryId', 'target'] },
      response: { description: 'The event outcome; result is {entryId, target, pendingFen, units}', schema: schema.outcome },
      errors: ['INVALID_ID', 'INVALID_EVENT', 'UNKNOWN_MEMBER', 'UNKNOWN_ENTRY', 'ENTRY_NOT_EXCHANGEABLE', 'EXCHANGE_NOT_CONFIGURED'],
      handler: async ({ params, idempotencyKey, body }) => {
        checkOwnEntry(await readState(deps), params.id!, body.entryId);
        return answerEvent(deps, idempotencyKey, 'exchange', body);
      },
    },
    {
      method: 'POST',
      url: '/v1/members/:id/points-transfer',
      operationId: 'pointsTransfer',
      summary: 'Transfer points (积分) from this member to another',
      tag: 'members',
      access: 'write',
      memberSelf: true,
      idempotent: true,
      body: { properties: { toMemberId: schema.id, points: { type: 'integer', minimum: 1 } }, required: ['toMemberId', 'points'] },
      response: { description: 'The event outcome; result is {fromMemberId, toMemberId, points}', schema: schema.outcome },
      errors: ['INVALID_ID', 'INVALID_AMOUNT', 'UNKNOWN_MEMBER', 'INSUFFICIENT_POINTS'],
      handler: ({ params, idempotencyKey, body }) => answerEvent(deps, idempotencyKey, 'pointsTransfer', { ...body, fromMemberId: params.id }),
    },
  ];
}
