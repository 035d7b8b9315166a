import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SIGNATURE_TOLERANCE_MS, signWebhook, verifyWebhookSignature } from './webhook-signature.ts';

const SECRET = 'shop-webhook-secret-0123456789';
const T = 1_772_420_400_000;
const BODY = '{"id":1,"kind":"rewardReceived","memberId":"会员A","ref":1,"amountFen":1000,"at":1772420400000}';

describe('webhook signatures', () => {
  it('are v1= and the hex HMAC-SHA256 of timestamp + "." + body', () => {
    const expected = createHmac('sha256', SECRET).update(`${T}.${BODY}`, 'utf8').digest('hex');
    expect(signWebhook(SECRET, String(T), BODY)).toBe(`v1=${expected}`);
  });

  it('verify within the tolerance, either side of now', () => {
    const signature = signWebhook(SECRET, String(T), BODY);
    expect(verifyWebhookSignature(SECRET, String(T), BODY, signature, T)).toEqual({ ok: true });
    expect(verifyWebhookSignature(SECRET, String(T), BODY, signature, T + SIGNATURE_TOLERANCE_MS)).toEqual({ ok: true });
    expect(verifyWebhookSignature(SECRET, String(T), BODY, signature, T - SIGNATURE_TOLERANCE_MS)).toEqual({ ok: true });
  });

  it('refuse a replay with an old timestamp, and one from the future, as stale', () => {
    const signature = signWebhook(SECRET, String(T), BODY);
    expect(verifyWebhookSignature(SECRET, String(T), BODY, signature, T + SIGNATURE_TOLERANCE_MS + 1)).toEqual({ ok: false, reason: 'stale' });
    expect(verifyWebhookSignature(SECRET, String(T), BODY, signature, T - SIGNATURE_TOLERANCE_MS - 1)).toEqual({ ok: false, reason: 'stale' });
    expect(verifyWebhookSignature(SECRET, String(T), BODY, signature, T + 60_000, 30_000)).toEqual({ ok: false, reason: 'stale' });
  });

  it('refuse another body, timestamp or secret as forged', () => {
    const signature = signWebhook(SECRET, String(T), BODY);
    expect(verifyWebhookSignature(SECRET, String(T), BODY.replace('1000', '9000'), signature, T)).toEqual({ ok: false, reason: 'forged' });
    expect(verifyWebhookSignature(SECRET, String(T + 1), BODY, signature, T)).toEqual({ ok: false, reason: 'forged' });
    expect(verifyWebhookSignature('another-secret-0123456789', String(T), BODY, signature, T)).toEqual({ ok: false, reason: 'forged' });
  });

  it('accept any one of several v1 values (a secret being rotated)', () => {
    const old = signWebhook('old-secret-0123456789', String(T), BODY);
    const current = signWebhook(SECRET, String(T), BODY);
    expect(verifyWebhookSignature(SECRET, String(T), BODY, `${old}, ${current}`, T)).toEqual({ ok: true });
    expect(verifyWebhookSignature(SECRET, String(T), BODY, `${old}`, T)).toEqual({ ok: false, reason: 'forged' });
  });

  it('refuse missing or malformed headers', () => {
    const signature = signWebhook(SECRET, String(T), BODY);
    for (const [timestamp, sig] of [
      [undefined, signature],
      [String(T), undefined],
      ['', signature],
      ['1.5e12', signature],
      [`${T}abc`, signature],
      [String(T), ''],
      [String(T), signature.slice(3)],
      [String(T), 'v0=abcd'],
      [String(T), 'v1=zz'],
    ] as const) {
      expect(verifyWebhookSignature(SECRET, timestamp, BODY, sig, T), `${timestamp} ${sig}`).toEqual({ ok: false, reason: 'malformed' });
    }
  });
});
