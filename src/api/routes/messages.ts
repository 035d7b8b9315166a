/**
 * Member messages (消息通知): what happened to a member's entries and rewards, oldest first, each
 * with plain Chinese and English text. They are read from the log's messages table, written in
 * the same transaction as the events that produced them.
 */
import { messageText } from '../../app/messages.ts';
import { reject } from '../../domain/errors.ts';
import { type ApiDeps, type RouteSpec, intQuery, readState } from '../route-spec.ts';

export const MESSAGES_PAGE_MAX = 500;
const MESSAGES_PAGE_DEFAULT = 50;

const MESSAGE_SCHEMA = {
  type: 'object',
  properties: {
    id: { type: 'integer', description: 'global message id; ids grow with time' },
    kind: { type: 'string', description: 'entryCreated, rewardReceived, entryCompleted, entryCleared, entryCancelled, lotteryResult, exchanged, pointsCredited, rewardGranted, poolEntryCreated, poolReleased, dividendPaid' },
    ref: { type: 'integer', description: 'the entry id; for pool kinds the pool entry, for rewardGranted the line, for dividendPaid the event number' },
    amountFen: { type: 'integer', description: 'fen; points for pointsCredited' },
    at: { type: 'integer', description: 'ms since the epoch' },
    text: { type: 'object', properties: { zh: { type: 'string' }, en: { type: 'string' } } },
  },
};

export function messageRoutes(deps: ApiDeps): RouteSpec[] {
  return [
    {
      method: 'GET',
      url: '/v1/members/:id/messages',
      operationId: 'listMemberMessages',
      summary: 'The member’s messages (消息通知), oldest first, one page at a time',
      description: 'Page with `after` = the last id seen (nextAfter); newest last. docs/WEBHOOKS.md describes the kinds.',
      tag: 'members',
      access: 'read',
      memberSelf: true,
      query: {
        after: { schema: { type: 'integer', minimum: 0 }, description: 'only messages with a larger id; default 0 (from the first)' },
        limit: { schema: { type: 'integer', minimum: 1, maximum: MESSAGES_PAGE_MAX }, description: `page size; default ${MESSAGES_PAGE_DEFAULT}` },
      },
      response: {
        description: 'A page of messages; nextAfter is null on the last page',
        schema: { type: 'object', properties: { messages: { type: 'array', items: MESSAGE_SCHEMA }, nextAfter: { type: ['integer', 'null'] } } },
      },
      errors: ['VALIDATION_FAILED', 'UNKNOWN_MEMBER'],
      handler: async ({ params, query }) => {
        const memberId = params.id!;
        const after = intQuery(query.after, 'after', 0, 0, Number.MAX_SAFE_INTEGER);
        const limit = intQuery(query.limit, 'limit', MESSAGES_PAGE_DEFAULT, 1, MESSAGES_PAGE_MAX);
        if (!(await readState(deps)).members.has(memberId)) reject('UNKNOWN_MEMBER', `member ${memberId} is not known`, { memberId });
        const rows = await deps.service.readMessages(memberId, after, limit);
        const messages = rows.map((m) => ({ id: m.id, kind: m.kind, ref: m.ref, amountFen: m.amountFen, at: m.at, text: messageText(m.kind, m.amountFen) }));
        return { body: { messages, nextAfter: rows.length === limit ? rows[rows.length - 1]!.id : null } };
      },
    },
  ];
}
