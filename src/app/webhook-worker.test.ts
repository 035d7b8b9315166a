import { describe, expect, it } from 'vitest';
import { backoffMs, webhookWorkerEnv } from './webhook-worker.ts';

describe('the retry schedule', () => {
  it('doubles from the base and stops at the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => backoffMs(n, 1_000, 3_600_000))).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 64_000]);
    expect(backoffMs(13, 1_000, 3_600_000)).toBe(3_600_000);
    expect(backoffMs(10_000, 1_000, 3_600_000)).toBe(3_600_000);
  });
});

describe('webhookWorkerEnv', () => {
  it('reads the interval, the attempt limit and the off switch', () => {
    expect(webhookWorkerEnv({})).toEqual({ intervalMs: 1_000, enabled: true });
    expect(webhookWorkerEnv({ QREBATE_WEBHOOK_MS: '250', QREBATE_WEBHOOK_ATTEMPTS: '12', QREBATE_WEBHOOKS: '0' })).toEqual({ intervalMs: 250, maxAttempts: 12, enabled: false });
  });

  it('refuses what is not a positive integer', () => {
    for (const bad of ['0', '-1', '1.5', 'ten', '1e3']) expect(() => webhookWorkerEnv({ QREBATE_WEBHOOK_ATTEMPTS: bad }), bad).toThrow(/QREBATE_WEBHOOK_ATTEMPTS/);
  });
});
