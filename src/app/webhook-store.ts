/**
 * The webhook port: the shop's webhook endpoints, the deliveries of member messages to them, and
 * the delivery worker's cursor, all kept in the database beside the event log (each SQL log hands
 * one out with `webhooks()`, bound to its own connection).
 *
 * The worker (webhook-worker.ts) uses it in three steps, each a short transaction:
 * - `enqueue`: under a lock on the cursor, read the messages after it, create one pending
 *   delivery per matching enabled webhook, and move the cursor past them. Two processes never
 *   enqueue the same message twice, and a restart resumes where the cursor stands.
 * - `claim`: under a lock (SQLite: the write lock; PostgreSQL: `FOR UPDATE SKIP LOCKED`), take
 *   due pending deliveries of enabled webhooks, count the attempt and lease each until
 *   `leaseUntil` by moving its `nextAttemptAt` there. Nobody else claims a leased delivery, so
 *   each is sent by one process at a time; one whose sender died is due again when its lease ends.
 * - `finish`: record the result, only if the delivery is still exactly as claimed (same attempt,
 *   same lease): a sender that outlived its lease cannot overwrite a newer attempt.
 */
import type { NoticeKind } from '../domain/context.ts';
import type { StoredMessage } from './event-log.ts';

/** The message kinds a webhook receives: `['*']` for every kind. */
export type WebhookKinds = readonly ['*'] | readonly NoticeKind[];

export interface Webhook {
  id: string;
  url: string;
  kinds: WebhookKinds;
  enabled: boolean;
  createdAt: number;
}

/** The secret is stored (the worker signs with it) but never leaves the store through the API. */
export interface WebhookWithSecret extends Webhook {
  secret: string;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'dead';
export const DELIVERY_STATUSES: readonly DeliveryStatus[] = ['pending', 'delivered', 'dead'];

export interface WebhookDelivery {
  id: number;
  webhookId: string;
  messageId: number;
  status: DeliveryStatus;
  /** Attempts started (a claim counts one, so a sender that crashed mid-request counts too). */
  attempts: number;
  /** When it is next due; while claimed, the end of the claim's lease. */
  nextAttemptAt: number;
  lastError: string | null;
  deliveredAt: number | null;
}

/** A claimed delivery with what sending it needs. */
export interface ClaimedDelivery {
  delivery: WebhookDelivery;
  url: string;
  secret: string;
  message: StoredMessage;
}

export type DeliveryResult =
  | { status: 'delivered'; at: number }
  | { status: 'pending'; error: string; nextAttemptAt: number }
  | { status: 'dead'; error: string };

export interface DeliveryQuery {
  webhookId: string;
  status?: DeliveryStatus;
  /** Deliveries with a larger id, oldest first. */
  afterId: number;
  limit: number;
}

export interface WebhookStore {
  /** Creates or replaces a webhook; `createdAt` of an existing one is kept. */
  putWebhook(webhook: WebhookWithSecret): Promise<{ webhook: Webhook; created: boolean }>;
  getWebhook(id: string): Promise<Webhook | null>;
  /** Every webhook, by id, without secrets. */
  listWebhooks(): Promise<Webhook[]>;
  /** Deletes the webhook and its deliveries; false when there was none. */
  deleteWebhook(id: string): Promise<boolean>;
  listDeliveries(query: DeliveryQuery): Promise<WebhookDelivery[]>;
  getDelivery(id: number): Promise<WebhookDelivery | null>;
  /**
   * Makes a delivered or dead delivery pending again, due at `now`, with its attempts reset.
   * A pending one is left as it is (`redelivered: false`); an unknown one is null.
   */
  redeliver(id: number, now: number): Promise<{ delivery: WebhookDelivery; redelivered: boolean } | null>;
  /** Scans at most `limit` messages after the cursor; see the module comment. */
  enqueue(now: number, limit: number): Promise<{ scanned: number; created: number }>;
  claim(now: number, leaseUntil: number, limit: number): Promise<ClaimedDelivery[]>;
  /** Records the result of a claim; false when the delivery changed since (lease lost, deleted). */
  finish(claimed: WebhookDelivery, result: DeliveryResult): Promise<boolean>;
  /** The id of the last message the worker has scanned. */
  cursor(): Promise<number>;
}

/** Whether a webhook receives messages of this kind. */
export function wantsKind(kinds: WebhookKinds, kind: NoticeKind): boolean {
  return kinds[0] === '*' || (kinds as readonly NoticeKind[]).includes(kind);
}

/**
 * The deliveries to create for scanned messages: per message in id order, per webhook in id order.
 * Each carries its message, which the delivery row keeps a copy of.
 */
export function plannedDeliveries(messages: readonly StoredMessage[], webhooks: readonly Webhook[]): { webhookId: string; message: StoredMessage }[] {
  const enabled = webhooks.filter((w) => w.enabled).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const out: { webhookId: string; message: StoredMessage }[] = [];
  for (const m of messages) for (const w of enabled) if (wantsKind(w.kinds, m.kind)) out.push({ webhookId: w.id, message: m });
  return out;
}

/** Parses the stored JSON list of kinds; the store wrote it, so anything else is corruption. */
export function parseKinds(text: string): WebhookKinds {
  const kinds = JSON.parse(text) as unknown;
  if (!Array.isArray(kinds) || kinds.some((k) => typeof k !== 'string')) throw new Error(`stored webhook kinds ${text} are not a list of strings`);
  return kinds as WebhookKinds;
}
