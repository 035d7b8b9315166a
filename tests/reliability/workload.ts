/**
 * The order workload the reliability suites drive over HTTP, and the client that sends it.
 *
 * Every event is a `Sent` record: its idempotency key, the exact request (route and body, or a
 * batch item), and what the client finally learned: acknowledged (a 2xx, with its body and
 * whether it was a replay), rejected (a 4xx, which changes nothing), or abandoned (the client gave
 * up after a connection error or timeout without an answer: it may or may not have been applied).
 * A retry after a connection error re-sends the very same request with the same key.
 *
 * The generator only refers to what was acknowledged (orders, entries), as a shop would.
 */
import type http from 'node:http';
import { type HttpResponse, type Prng, httpRequest, sleep } from './harness.ts';

export type EventKind = 'settings' | 'member' | 'paid' | 'completed' | 'refunded' | 'lotteryDraw' | 'exchange';

export interface Sent {
  key: string;
  kind: EventKind;
  via: 'single' | 'batch';
  method: 'POST' | 'PUT';
  path: string;
  /** The single route's body, or the batch item (with type and idempotencyKey). */
  body: Record<string, unknown>;
  status: 'pending' | 'acked' | 'rejected' | 'abandoned';
  ackBody?: unknown;
  /** The acknowledgement was a replay (an earlier attempt had been applied). */
  ackReplayed?: boolean;
  rejectCode?: string;
  /** Attempts that ended without an answer (connection error, timeout, cut-short response, 5xx). */
  failedAttempts: number;
}

export type Request = { kind: 'single'; sent: Sent } | { kind: 'batch'; items: Sent[] };

/** Product p1 carries a lottery; exchange to points, love value and coupons is configured. */
export const SETTINGS = {
  base: {
    defaultBp: 10_000,
    extractBp: 1_000,
    exchange: { pointsBp: 5_000, loveBp: 20_000, loveFrozen: false, couponBp: 10_000 },
  },
  products: { p1: { lottery: { kind: 'fixed', ratiosBp: [5_000, 15_000, 20_000] } } },
};
export const PRODUCTS = ['p0', 'p1', 'p2', 'p3'];
export const LOTTERY_PRODUCT = 'p1';

export function single(key: string, kind: EventKind, method: 'POST' | 'PUT', path: string, body: Record<string, unknown>): Sent {
  return { key, kind, via: 'single', method, path, body, status: 'pending', failedAttempts: 0 };
}

export function batchItem(key: string, kind: 'paid' | 'completed' | 'refunded', fields: Record<string, unknown>): Sent {
  return { key, kind, via: 'batch', method: 'POST', path: '/v1/orders/batch', body: { type: kind, idempotencyKey: key, ...fields }, status: 'pending', failedAttempts: 0 };
}

interface KnownOrder {
  orderId: string;
  memberId: string;
  lines: string[];
  completeSent: boolean;
  refundSent: boolean;
}

interface KnownEntry {
  entryId: number;
  memberId: string;
}

interface PaidResultLine {
  lineId: string;
  entryId: number | null;
  totalFen: number;
}

/**
 * A seeded shop: paid orders (1–3 lines, mall and store channels, the lottery product among
 * them), completions, whole and partial refunds, lottery draws (server-drawn and shop-seeded),
 * exchanges to points / love / coupons, some of them in batches, and a few requests the engine
 * must refuse (completing twice, refunding twice).
 */
export class ShopWorkload {
  readonly sent: Sent[] = [];
  private orderNo = 0;
  private keyNo = 0;
  private readonly orders: KnownOrder[] = [];
  private readonly drawable: KnownEntry[] = [];
  private readonly entries: KnownEntry[] = [];
  readonly lotteryLines = new Set<string>();

  constructor(
    private readonly rng: Prng,
    readonly members: readonly string[],
    private readonly prefix: string,
  ) {}

  setup(): Request[] {
    const reqs: Request[] = [{ kind: 'single', sent: this.track(single(`${this.prefix}settings-1`, 'settings', 'PUT', '/v1/settings', SETTINGS)) }];
    for (const m of this.members) reqs.push({ kind: 'single', sent: this.track(single(`${this.prefix}member-${m}`, 'member', 'PUT', `/v1/members/${m}`, { nickname: `会员 ${m}` })) });
    return reqs;
  }

  private track(s: Sent): Sent {
    this.sent.push(s);
    return s;
  }

  private paidFields(): Record<string, unknown> {
    const r = this.rng;
    const orderId = `${this.prefix}o${++this.orderNo}`;
    const lines = Array.from({ length: 1 + r.int(3) }, (_, i) => {
      const productId = r.pick(PRODUCTS);
      const store = r.int(5) === 0;
      if (productId === LOTTERY_PRODUCT) this.lotteryLines.add(`${orderId}/l${i}`);
      return { lineId: `l${i}`, channel: store ? 'store' : 'mall', productId, ...(store && { storeId: 's1' }), paidFen: 100 + r.int(50_000) };
    });
    return { orderId, memberId: r.pick(this.members), lines };
  }

  /** An acknowledged order to complete or refund (recent ones more often); null when none fits. */
  private knownOrder(use: 'complete' | 'refund'): KnownOrder | null {
    if (this.orders.length === 0) return null;
    const r = this.rng;
    for (let tries = 0; tries < 4; tries++) {
      const i = r.int(2) === 0 ? this.orders.length - 1 - r.int(Math.min(50, this.orders.length)) : r.int(this.orders.length);
      const o = this.orders[i]!;
      // One in twenty is sent again on purpose under a new key: the engine must refuse it.
      if (use === 'complete' && (!o.completeSent || r.int(20) === 0)) return o;
      if (use === 'refund' && (!o.refundSent || r.int(20) === 0)) return o;
    }
    return null;
  }

  private orderEvent(via: 'single' | 'batch'): Sent {
    const r = this.rng;
    const roll = r.int(100);
    const make = (kind: 'paid' | 'completed' | 'refunded', fields: Record<string, unknown>): Sent => {
      const key = `${this.prefix}${kind}:${String(fields.orderId)}:${++this.keyNo}`;
      return this.track(via === 'batch' ? batchItem(key, kind, fields) : single(key, kind, 'POST', `/v1/orders/${kind}`, fields));
    };
    if (roll < 25) {
      const o = this.knownOrder('complete');
      if (o) {
        o.completeSent = true;
        return make('completed', { orderId: o.orderId });
      }
    } else if (roll < 38) {
      const o = this.knownOrder('refund');
      if (o) {
        o.refundSent = true;
        return make('refunded', r.int(2) === 0 || o.lines.length === 1 ? { orderId: o.orderId } : { orderId: o.orderId, lineIds: [r.pick(o.lines)] });
      }
    }
    return make('paid', this.paidFields());
  }

  /** The next request; `events` of them count towards the total. */
  next(): Request {
    const r = this.rng;
    const roll = r.int(100);
    if (roll < 12) return { kind: 'batch', items: Array.from({ length: 5 + r.int(50) }, () => this.orderEvent('batch')) };
    if (roll < 18 && this.drawable.length > 0) {
      const e = this.drawable.splice(r.int(this.drawable.length), 1)[0]!;
      const body = r.int(3) === 0 ? { entryId: e.entryId, seed: r.int(2 ** 32) } : { entryId: e.entryId };
      return { kind: 'single', sent: this.track(single(`${this.prefix}draw:${e.entryId}:${++this.keyNo}`, 'lotteryDraw', 'POST', `/v1/members/${e.memberId}/lottery-draw`, body)) };
    }
    if (roll < 28 && this.entries.length > 0) {
      const i = this.entries.length - 1 - r.int(Math.min(300, this.entries.length));
      const e = this.entries.splice(i, 1)[0]!;
      const target = r.pick(['points', 'love', 'coupon']);
      return { kind: 'single', sent: this.track(single(`${this.prefix}exchange:${e.entryId}:${++this.keyNo}`, 'exchange', 'POST', `/v1/members/${e.memberId}/exchange`, { entryId: e.entryId, target })) };
    }
    return { kind: 'single', sent: this.orderEvent('single') };
  }

  /** Learns from an acknowledged event what later events may refer to. */
  learn(s: Sent): void {
    if (s.kind !== 'paid' || s.status !== 'acked') return;
    const fields = s.via === 'batch' ? s.body : s.body;
    const orderId = String(fields.orderId);
    const memberId = String(fields.memberId);
    const lines = (fields.lines as { lineId: string; productId: string }[]);
    this.orders.push({ orderId, memberId, lines: lines.map((l) => l.lineId), completeSent: false, refundSent: false });
    const result = (s.ackBody as { result?: { lines?: PaidResultLine[] } }).result;
    for (const line of result?.lines ?? []) {
      if (line.entryId === null || line.entryId === undefined) continue;
      const entry = { entryId: line.entryId, memberId };
      if (this.lotteryLines.has(`${orderId}/${line.lineId}`)) this.drawable.push(entry);
      else this.entries.push(entry);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Sending with retries

export interface SendStats {
  requests: number;
  failedAttempts: number;
  /** Attempts the client itself gave up on after a short timeout (the server may have applied them). */
  timeouts: number;
  serverErrors: number;
  latenciesMs: number[];
}

export function newStats(): SendStats {
  return { requests: 0, failedAttempts: 0, timeouts: 0, serverErrors: 0, latenciesMs: [] };
}

function codeOf(res: HttpResponse): string {
  try {
    return String((JSON.parse(res.text) as { code?: unknown }).code);
  } catch {
    return `HTTP ${res.status}`;
  }
}

export interface SendOptions {
  agent: http.Agent;
  /** Resolves with the base URL of a serving process (waits through restarts). */
  base: () => Promise<string>;
  stats: SendStats;
  rng: Prng;
  /** After an attempt without an answer, the chance that the client gives the event up. */
  abandonRate: number;
  timeoutMs: number;
  /** The share of attempts sent with an impatient timeout of 1–30 ms (a client that hangs up early). */
  shortTimeoutRate?: number;
  onDone?: (s: Sent) => void;
}

function settle(s: Sent, status: number, body: unknown, replayed: boolean, code: string): void {
  if (status >= 200 && status < 300) {
    s.status = 'acked';
    s.ackBody = body;
    s.ackReplayed = replayed;
  } else {
    s.status = 'rejected';
    s.rejectCode = code;
  }
}

/**
 * Sends one request until it gets an answer (2xx or 4xx), re-sending the same key after every
 * connection error, timeout or 5xx (a timed-out attempt is cut off: its connection is destroyed); after each such failure the client may give up
 * (`abandonRate`), leaving the event unacknowledged.
 */
export async function send(req: Request, o: SendOptions): Promise<void> {
  const items = req.kind === 'single' ? [req.sent] : req.items;
  for (;;) {
    const base = await o.base();
    const t0 = performance.now();
    const impatient = o.rng.next() < (o.shortTimeoutRate ?? 0);
    const timeoutMs = impatient ? 1 + o.rng.int(30) : o.timeoutMs;
    try {
      o.stats.requests++;
      let res: HttpResponse;
      if (req.kind === 'single') {
        const s = req.sent;
        res = await httpRequest(o.agent, base, s.method, s.path, s.body, { 'idempotency-key': s.key }, timeoutMs);
      } else {
        res = await httpRequest(o.agent, base, 'POST', '/v1/orders/batch', { events: req.items.map((s) => s.body) }, {}, timeoutMs);
      }
      if (res.status >= 500) {
        o.stats.serverErrors++;
        throw new Error(`server error ${res.status}: ${res.text.slice(0, 200)}`);
      }
      o.stats.latenciesMs.push(performance.now() - t0);
      if (req.kind === 'single') {
        settle(req.sent, res.status, res.status < 300 ? JSON.parse(res.text) : null, res.headers['idempotent-replayed'] === 'true', codeOf(res));
      } else if (res.status !== 200) {
        for (const s of req.items) settle(s, res.status, null, false, codeOf(res));
      } else {
        const { results } = JSON.parse(res.text) as { results: { status: number; body: { code?: string }; replayed?: boolean }[] };
        req.items.forEach((s, i) => settle(s, results[i]!.status, results[i]!.body, results[i]!.replayed === true, String(results[i]!.body?.code)));
      }
      for (const s of items) o.onDone?.(s);
      return;
    } catch (err) {
      if (err instanceof Error && err.message === 'timeout') o.stats.timeouts++;
      o.stats.failedAttempts++;
      for (const s of items) s.failedAttempts++;
      if (o.rng.next() < o.abandonRate) {
        for (const s of items) s.status = 'abandoned';
        return;
      }
      await sleep(10 + o.rng.int(50));
    }
  }
}

/** Runs `work` over `tasks` with `width` workers. */
export async function pool<T>(tasks: readonly T[], width: number, work: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < tasks.length) await work(tasks[next++]!);
  }));
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
}
