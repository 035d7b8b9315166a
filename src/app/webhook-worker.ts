/**
 * The webhook delivery worker. Each run enqueues deliveries for the messages after the persisted
 * cursor, claims the due ones and POSTs them, signed (webhook-signature.ts):
 *
 *   POST <url>
 *   Content-Type: application/json
 *   X-Qrebate-Timestamp: <ms since the epoch>
 *   X-Qrebate-Signature: v1=<hex HMAC-SHA256(secret, timestamp + "." + body)>
 *   X-Qrebate-Delivery: <delivery id>
 *
 *   {"id":<message id>,"kind":"rewardReceived","memberId":"A","ref":1,"amountFen":1000,"at":<ms>}
 *
 * A 2xx answer is delivered. Anything else (another status, a redirect, a network error, no answer
 * within `timeoutMs`) is retried after `backoffBaseMs × 2^(attempts − 1)`, capped at
 * `backoffMaxMs`; after `maxAttempts` attempts the delivery is dead (a dead letter) until someone
 * redelivers it. Delivery is at least once: a receiver deduplicates on the message `id`.
 *
 * Any number of server processes may run a worker on one database: the store's claim lock and
 * lease make each delivery be sent by one process at a time (webhook-store.ts). Time comes from an
 * injected clock and requests go through an injected fetch, so tests drive retries exactly.
 */
import type { Clock } from './ports.ts';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, signWebhook } from './webhook-signature.ts';
import type { ClaimedDelivery, DeliveryResult, WebhookStore } from './webhook-store.ts';

export interface WebhookRequest {
  method: 'POST';
  headers: Record<string, string>;
  body: string;
  redirect: 'manual';
  signal: AbortSignal;
}

/** The part of `fetch` the worker uses; the global fetch fits. */
export type WebhookFetch = (url: string, init: WebhookRequest) => Promise<{ status: number; body?: { cancel(): Promise<void> } | null }>;

export interface WebhookWorkerOptions {
  clock: Clock;
  fetch?: WebhookFetch;
  /** Attempts before a delivery is dead. Default 8. */
  maxAttempts?: number;
  /** The first retry's delay; each later one doubles. Default 1 s. */
  backoffBaseMs?: number;
  /** The longest delay between attempts. Default 1 h. */
  backoffMaxMs?: number;
  /** How long one request may take. Default 10 s. */
  timeoutMs?: number;
  /** Deliveries claimed and sent at once. Default 20. */
  batchSize?: number;
  /** Messages scanned per enqueue transaction. Default 500. */
  scanLimit?: number;
  /** Told about a run that failed (the store unreachable); the next run tries again. */
  onError?: (err: unknown) => void;
}

export interface RunSummary {
  enqueued: number;
  delivered: number;
  retrying: number;
  dead: number;
}

/** Enqueue and claim rounds per run: a run ends even while messages keep arriving. */
const ROUNDS_MAX = 20;
/** A claim's lease outlasts the request's timeout by this much. */
const LEASE_MARGIN_MS = 5_000;
const ERROR_LENGTH_MAX = 500;
export const USER_AGENT = 'qrebate-webhooks/1';

function positive(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`webhook worker: ${name} must be a positive integer, got ${value}`);
  return value;
}

/** The delay before the attempt after `attempts` failed ones: base, 2 × base, 4 × base, … capped. */
export function backoffMs(attempts: number, baseMs: number, maxMs: number): number {
  const exponent = Math.min(Math.max(attempts - 1, 0), 52);
  return Math.min(baseMs * 2 ** exponent, maxMs);
}

/** The JSON body of a delivery: the message, nothing of the delivery itself. */
export function deliveryBody(claimed: ClaimedDelivery): string {
  const m = claimed.message;
  return JSON.stringify({ id: m.id, kind: m.kind, memberId: m.memberId, ref: m.ref, amountFen: m.amountFen, at: m.at });
}

function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return 'timed out';
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ? `${err.message} (${cause.code})` : err.message;
}

export class WebhookWorker {
  private readonly clock: Clock;
  private readonly fetch: WebhookFetch;
  readonly maxAttempts: number;
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;
  private readonly timeoutMs: number;
  private readonly batchSize: number;
  private readonly scanLimit: number;
  private readonly onError: (err: unknown) => void;
  private timer: ReturnType<typeof setInterval> | null = null;
  private running: Promise<unknown> | null = null;

  constructor(
    private readonly store: WebhookStore,
    options: WebhookWorkerOptions,
  ) {
    this.clock = options.clock;
    this.fetch = options.fetch ?? ((url, init) => globalThis.fetch(url, init));
    this.maxAttempts = positive(options.maxAttempts ?? 8, 'maxAttempts');
    this.backoffBaseMs = positive(options.backoffBaseMs ?? 1_000, 'backoffBaseMs');
    this.backoffMaxMs = positive(options.backoffMaxMs ?? 3_600_000, 'backoffMaxMs');
    this.timeoutMs = positive(options.timeoutMs ?? 10_000, 'timeoutMs');
    this.batchSize = positive(options.batchSize ?? 20, 'batchSize');
    this.scanLimit = positive(options.scanLimit ?? 500, 'scanLimit');
    this.onError = options.onError ?? (() => undefined);
  }

  /** Runs every `intervalMs` until `stop`; a run still going when the next is due is not doubled. */
  start(intervalMs: number): void {
    positive(intervalMs, 'intervalMs');
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.running) return;
      this.runOnce().catch((err: unknown) => this.onError(err));
    }, intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for the run in progress, so the store can be closed after it. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
  }

  /** One run: enqueue what is new, then send what is due. */
  runOnce(): Promise<RunSummary> {
    const run = this.run().finally(() => {
      if (this.running === run) this.running = null;
    });
    this.running = run;
    return run;
  }

  private async run(): Promise<RunSummary> {
    const summary: RunSummary = { enqueued: 0, delivered: 0, retrying: 0, dead: 0 };
    for (let round = 0; round < ROUNDS_MAX; round++) {
      const { scanned, created } = await this.store.enqueue(this.clock.now(), this.scanLimit);
      summary.enqueued += created;
      if (scanned < this.scanLimit) break;
    }
    for (let round = 0; round < ROUNDS_MAX; round++) {
      const now = this.clock.now();
      const claimed = await this.store.claim(now, now + this.timeoutMs + LEASE_MARGIN_MS, this.batchSize);
      const results = await Promise.all(claimed.map((c) => this.deliver(c)));
      for (const r of results) summary[r === 'pending' ? 'retrying' : r] += 1;
      if (claimed.length < this.batchSize) break;
    }
    return summary;
  }

  /** Sends one claimed delivery and records the result. */
  private async deliver(claimed: ClaimedDelivery): Promise<DeliveryResult['status']> {
    const body = deliveryBody(claimed);
    const timestamp = String(this.clock.now());
    let failure: string | null;
    try {
      const response = await this.fetch(claimed.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': USER_AGENT,
          [TIMESTAMP_HEADER.toLowerCase()]: timestamp,
          [SIGNATURE_HEADER.toLowerCase()]: signWebhook(claimed.secret, timestamp, body),
          'x-qrebate-delivery': String(claimed.delivery.id),
        },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      // The answer's body is not read: drop it so the connection can be reused.
      await response.body?.cancel().catch(() => undefined);
      failure = response.status >= 200 && response.status < 300 ? null : `HTTP ${response.status}`;
    } catch (err) {
      failure = describeError(err);
    }
    const result = this.resultOf(claimed.delivery.attempts, failure);
    await this.store.finish(claimed.delivery, result);
    return result.status;
  }

  private resultOf(attempts: number, failure: string | null): DeliveryResult {
    const now = this.clock.now();
    if (failure === null) return { status: 'delivered', at: now };
    const error = failure.slice(0, ERROR_LENGTH_MAX);
    if (attempts >= this.maxAttempts) return { status: 'dead', error };
    return { status: 'pending', error, nextAttemptAt: now + backoffMs(attempts, this.backoffBaseMs, this.backoffMaxMs) };
  }
}

/** Worker settings from the environment (`qrebate serve`); unset ones keep their defaults. */
export function webhookWorkerEnv(env: NodeJS.ProcessEnv): { intervalMs: number; maxAttempts?: number; enabled: boolean } {
  const number = (name: string): number | undefined => {
    const text = env[name];
    if (text === undefined || text === '') return undefined;
    if (!/^\d{1,9}$/.test(text) || Number(text) < 1) throw new Error(`configuration: ${name} must be a positive integer`);
    return Number(text);
  };
  const maxAttempts = number('QREBATE_WEBHOOK_ATTEMPTS');
  return {
    intervalMs: number('QREBATE_WEBHOOK_MS') ?? 1_000,
    ...(maxAttempts !== undefined && { maxAttempts }),
    enabled: env.QREBATE_WEBHOOKS !== '0',
  };
}
