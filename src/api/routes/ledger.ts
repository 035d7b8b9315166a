/**
 * The ledger (SPEC §6), read from the in-memory engine: an account's balances, the transfers in
 * order, and the auditor's verdict (checkInvariants).
 */
import { UNITS, type Unit } from '../../domain/ledger.ts';
import { checkInvariants } from '../../domain/invariants.ts';
import { apiError } from '../error-codes.ts';
import { type ApiDeps, type RouteSpec, intQuery, readState } from '../route-spec.ts';

export const TRANSFERS_PAGE_MAX = 1_000;
const TRANSFERS_PAGE_DEFAULT = 100;

export function ledgerRoutes(deps: ApiDeps): RouteSpec[] {
  return [
    {
      method: 'GET',
      url: '/v1/ledger/balances',
      operationId: 'getBalances',
      summary: 'The balances of one ledger account in every unit',
      description: 'Accounts: member:<id>:cash|frozen|points|love|loveFrozen|coupon|rewardFrozen, queue:<key>, pool:<program>, platform:funding|loss|points|love|coupon, platform:reward:<kind>.',
      tag: 'ledger',
      access: 'read',
      query: { account: { schema: { type: 'string' }, description: 'the account name, e.g. member:A:cash', required: true } },
      response: {
        description: 'The balances',
        schema: { type: 'object', properties: { account: { type: 'string' }, balances: { type: 'object', properties: Object.fromEntries(UNITS.map((u) => [u, { type: 'integer' }])) } } },
      },
      errors: ['VALIDATION_FAILED', 'NOT_FOUND'],
      handler: async ({ query }) => {
        const account = query.account;
        if (account === undefined || account === '') apiError('VALIDATION_FAILED', 'account is required', { field: 'account' });
        const { ledger } = await readState(deps);
        const id = ledger.findAccount(account) ?? apiError('NOT_FOUND', `account ${account} is not known`, { account });
        const balances = Object.fromEntries(UNITS.map((unit) => [unit, ledger.balance(id, unit)])) as Record<Unit, number>;
        return { body: { account, balances } };
      },
    },
    {
      method: 'GET',
      url: '/v1/ledger/transfers',
      operationId: 'listTransfers',
      summary: 'Ledger transfers in order, from a 1-based id, one page at a time',
      tag: 'ledger',
      access: 'read',
      query: {
        from: { schema: { type: 'integer', minimum: 1 }, description: 'first transfer id (1-based); default 1' },
        limit: { schema: { type: 'integer', minimum: 1, maximum: TRANSFERS_PAGE_MAX }, description: `page size; default ${TRANSFERS_PAGE_DEFAULT}` },
      },
      response: {
        description: 'A page of transfers; nextFrom is null on the last page',
        schema: { type: 'object', properties: { transfers: { type: 'array', items: { type: 'object' } }, nextFrom: { type: ['integer', 'null'] }, total: { type: 'integer' } } },
      },
      errors: ['VALIDATION_FAILED'],
      handler: async ({ query }) => {
        const from = intQuery(query.from, 'from', 1, 1, Number.MAX_SAFE_INTEGER);
        const limit = intQuery(query.limit, 'limit', TRANSFERS_PAGE_DEFAULT, 1, TRANSFERS_PAGE_MAX);
        const { ledger } = await readState(deps);
        const end = Math.min(ledger.size, from - 1 + limit);
        const transfers = [];
        for (let i = from - 1; i < end; i++) transfers.push({ id: i + 1, ...ledger.get(i) });
        return { body: { transfers, nextFrom: end < ledger.size ? end + 1 : null, total: ledger.size } };
      },
    },
    {
      method: 'POST',
      url: '/v1/verify',
      operationId: 'verify',
      summary: 'Run the auditor: conservation, balances, entries and queues re-derived from the ledger',
      description: 'Reads only, so the read scope suffices and no Idempotency-Key is needed. It scans every entry: expect it to take a while on a large platform.',
      tag: 'ledger',
      access: 'read',
      body: { properties: {} },
      response: { description: 'The verdict', schema: { type: 'object', properties: { ok: { type: 'boolean' }, violations: { type: 'array', items: { type: 'string' } } } } },
      handler: async () => {
        const violations = checkInvariants(await readState(deps));
        return { body: { ok: violations.length === 0, violations } };
      },
    },
  ];
}
