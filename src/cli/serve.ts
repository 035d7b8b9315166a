/**
 * `qrebate serve`: opens the durable store (SQLite in the data directory, or PostgreSQL when
 * DATABASE_URL is set), replays it, serves the HTTP API, and ticks the scheduler so resets and
 * daily pool releases run on time even when no request arrives, and runs the webhook delivery
 * worker (docs/WEBHOOKS.md; QREBATE_WEBHOOKS=0 turns it off, QREBATE_WEBHOOK_MS sets its interval,
 * QREBATE_WEBHOOK_ATTEMPTS the attempts before a dead letter). Stops cleanly on SIGINT/SIGTERM.
 */
import { randomInt } from 'node:crypto';
import { DurableService } from '../app/durable-service.ts';
import { systemClock } from '../app/ports.ts';
import { WebhookWorker, webhookWorkerEnv } from '../app/webhook-worker.ts';
import { buildServer } from '../api/server.ts';
import { describeEventLog, openEventLog } from '../store/sql/open-log.ts';
import { SAMPLE_API_KEY, loadConfig } from './config.ts';

export async function serve(): Promise<number> {
  const config = loadConfig(process.env);
  const webhookConfig = webhookWorkerEnv(process.env);
  const log = openEventLog(config);
  const random = { nextSeed: () => randomInt(0, 2 ** 32) };
  const service = await DurableService.open(log, systemClock, random);
  const webhooks = log.webhooks();
  const app = buildServer({ service, auth: config, logger: config.log, clock: systemClock, webhooks });
  const timer = setInterval(() => {
    service.tick().catch((err: unknown) => app.log.error({ err }, 'scheduled tick failed'));
  }, config.tickIntervalMs);
  timer.unref();
  const worker = new WebhookWorker(webhooks, {
    clock: systemClock,
    ...(webhookConfig.maxAttempts !== undefined && { maxAttempts: webhookConfig.maxAttempts }),
    onError: (err) => app.log.error({ err }, 'webhook delivery run failed'),
  });
  if (webhookConfig.enabled) worker.start(webhookConfig.intervalMs);
  const address = await app.listen({ port: config.port, host: config.host });
  process.stderr.write(`qrebate serving ${address} on ${describeEventLog(config)}\n`);
  if (config.sample) {
    process.stderr.write(`sample configuration: API key "${SAMPLE_API_KEY}" (read, write). Never use it in production.\n`);
  }
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  clearInterval(timer);
  await worker.stop();
  await app.close();
  await service.close();
  return 0;
}
