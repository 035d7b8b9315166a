/** Shareholder dividends (股东分红, SPEC §5) for a closed period. */
import { type ApiDeps, type RouteSpec, schema } from '../route-spec.ts';
import { answerEvent } from '../submit.ts';

export function dividendRoutes(deps: ApiDeps): RouteSpec[] {
  return [
    {
      method: 'POST',
      url: '/v1/dividends',
      operationId: 'payDividend',
      summary: 'Pay the shareholder dividend of a closed period (both dates inclusive, platform time zone)',
      tag: 'dividends',
      access: 'write',
      idempotent: true,
      body: { properties: { fromDate: schema.date, toDate: schema.date }, required: ['fromDate', 'toDate'] },
      response: { description: 'The event outcome; result is {fromDate, toDate, basisFen, dividendFen, shares}', schema: schema.outcome },
      errors: ['DIVIDEND_PERIOD_INVALID', 'NO_SHAREHOLDERS'],
      handler: ({ idempotencyKey, body }) => answerEvent(deps, idempotencyKey, 'dividend', body),
    },
  ];
}
