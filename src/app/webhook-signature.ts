/**
 * Webhook signatures. Each delivery carries `X-Qrebate-Timestamp: <ms since the epoch>` and
 * `X-Qrebate-Signature: v1=<hex HMAC-SHA256(secret, timestamp + "." + body)>`. Signing the
 * timestamp with the body lets a receiver refuse an old request replayed by someone who
 * captured it: the signature still matches, but the timestamp is outside the tolerance.
 *
 * `verifyWebhookSignature` is exported for shops written in Node; docs/WEBHOOKS.md shows the same
 * check for any language.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'X-Qrebate-Signature';
export const TIMESTAMP_HEADER = 'X-Qrebate-Timestamp';
export const SIGNATURE_VERSION = 'v1';
export const SIGNATURE_TOLERANCE_MS = 5 * 60_000;

function digest(secret: string, timestamp: string, body: string): Buffer {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest();
}

/** The signature header value for a body sent at `timestamp`. */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `${SIGNATURE_VERSION}=${digest(secret, timestamp, body).toString('hex')}`;
}

export type WebhookCheck = { ok: true } | { ok: false; reason: 'malformed' | 'forged' | 'stale' };

/**
 * Checks a delivery as received: `body` is the raw request body (before any JSON parsing),
 * `timestamp` and `signature` the two headers. `nowMs` is the receiver's clock. The signature
 * header may list several `v1=` values separated by commas (a secret being rotated); one match
 * suffices. A timestamp further than `toleranceMs` from now, in either direction, is `stale`.
 */
export function verifyWebhookSignature(
  secret: string,
  timestamp: string | undefined,
  body: string,
  signature: string | undefined,
  nowMs: number,
  toleranceMs: number = SIGNATURE_TOLERANCE_MS,
): WebhookCheck {
  if (typeof timestamp !== 'string' || !/^\d{1,16}$/.test(timestamp) || typeof signature !== 'string') return { ok: false, reason: 'malformed' };
  const candidates = signature
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.startsWith(`${SIGNATURE_VERSION}=`))
    .map((part) => part.slice(SIGNATURE_VERSION.length + 1));
  if (candidates.length === 0 || candidates.some((hex) => !/^[0-9a-f]{64}$/i.test(hex))) return { ok: false, reason: 'malformed' };
  const expected = digest(secret, timestamp, body);
  // Every candidate is compared, matched or not, in constant time.
  let matched = false;
  for (const hex of candidates) matched = timingSafeEqual(Buffer.from(hex, 'hex'), expected) || matched;
  if (!matched) return { ok: false, reason: 'forged' };
  if (Math.abs(nowMs - Number(timestamp)) > toleranceMs) return { ok: false, reason: 'stale' };
  return { ok: true };
}
