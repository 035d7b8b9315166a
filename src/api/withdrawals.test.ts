import { describe, expect, it } from 'vitest';
import { harness, k, mallLine } from './test-support.ts';

/** A pays 100.00 at reward 100% / extract 50%: her own order pays her 50.00, released on completion. */
async function memberWithCash() {
  const h = await harness();
  await h.call('PUT', '/v1/settings', { key: k(), body: { base: { defaultBp: 10_000, extractBp: 5_000 } } });
  await h.call('PUT', '/v1/members/A', { key: k(), body: {} });
  await h.call('PUT', '/v1/members/B', { key: k(), body: {} });
  await h.call('POST', '/v1/orders/paid', { key: k(), body: { orderId: 'o1', memberId: 'A', lines: [mallLine('1', 'p1', 10_000)] } });
  await h.call('POST', '/v1/orders/completed', { key: k(), body: { orderId: 'o1' } });
  return h;
}

const balances = async (h: Awaited<ReturnType<typeof harness>>, id: string) =>
  (await h.call('GET', `/v1/members/${id}/view`)).json().balances as { cashFen: number; withdrawingFen: number };

describe('withdrawals', () => {
  it('holds the amount at the request and lets the shop pay it out', async () => {
    const h = await memberWithCash();
    expect((await balances(h, 'A')).cashFen).toBe(5_000);
    const req = await h.call('POST', '/v1/members/A/withdrawals', { key: 'w1', as: 'member:A', body: { withdrawalId: 'w1', amountFen: 3_000 } });
    expect(req.statusCode).toBe(200);
    expect(await balances(h, 'A')).toMatchObject({ cashFen: 2_000, withdrawingFen: 3_000 });
    const paid = await h.call('POST', '/v1/withdrawals/w1/paid', { key: k() });
    expect(paid.json().result).toMatchObject({ withdrawalId: 'w1', status: 'paid', amountFen: 3_000 });
    expect(await balances(h, 'A')).toMatchObject({ cashFen: 2_000, withdrawingFen: 0 });
    expect((await h.call('POST', '/v1/verify', { key: k() })).json().ok).toBe(true);
  });

  it('returns a rejected withdrawal to cash and refuses to decide it twice', async () => {
    const h = await memberWithCash();
    await h.call('POST', '/v1/members/A/withdrawals', { key: k(), body: { withdrawalId: 'w1', amountFen: 5_000 } });
    expect((await h.call('POST', '/v1/withdrawals/w1/rejected', { key: k() })).statusCode).toBe(200);
    expect(await balances(h, 'A')).toMatchObject({ cashFen: 5_000, withdrawingFen: 0 });
    const again = await h.call('POST', '/v1/withdrawals/w1/paid', { key: k() });
    expect([again.statusCode, again.json().code]).toEqual([409, 'WITHDRAWAL_NOT_PENDING']);
  });

  it('never lets a withdrawal exceed the cash balance, nor reach another member', async () => {
    const h = await memberWithCash();
    const over = await h.call('POST', '/v1/members/A/withdrawals', { key: k(), body: { withdrawalId: 'w1', amountFen: 5_001 } });
    expect([over.statusCode, over.json().code]).toEqual([422, 'INSUFFICIENT_FUNDS']);
    const other = await h.call('POST', '/v1/members/A/withdrawals', { key: k(), as: 'member:B', body: { withdrawalId: 'w2', amountFen: 1 } });
    expect(other.statusCode).toBe(403);
    const list = await h.call('GET', '/v1/members/A/withdrawals', { as: 'member:A' });
    expect(list.json()).toEqual({ withdrawals: [] });
  });
});
