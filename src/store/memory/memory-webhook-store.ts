/**
 * Webhooks and their deliveries in memory: the reference for the SQL stores in the contract
 * suite. Every operation runs synchronously between awaits, so each is atomic, which is what the
 * SQL stores get from their locks.
 */
import type { StoredMessage } from '../../app/event-log.ts';
import {
  type ClaimedDelivery,
  type DeliveryQuery,
  type DeliveryResult,
  type Webhook,
  type WebhookDelivery,
  type WebhookStore,
  type WebhookWithSecret,
  plannedDeliveries,
} from '../../app/webhook-store.ts';

function publicView({ secret: _secret, ...webhook }: WebhookWithSecret): Webhook {
  return structuredClone(webhook);
}

export class MemoryWebhookStore implements WebhookStore {
  private readonly hooks = new Map<string, WebhookWithSecret>();
  /** Deletions leave holes: delivery id n is at index n - 1 while it exists. */
  private readonly deliveries: (WebhookDelivery | undefined)[] = [];
  private scanned = 0;

  /** `messagesAfter` reads the committed messages with id above an id, in order. */
  constructor(private readonly messagesAfter: (afterId: number, limit: number) => readonly StoredMessage[]) {}

  async putWebhook(webhook: WebhookWithSecret): Promise<{ webhook: Webhook; created: boolean }> {
    const existing = this.hooks.get(webhook.id);
    const stored = { ...structuredClone(webhook), createdAt: existing?.createdAt ?? webhook.createdAt };
    this.hooks.set(webhook.id, stored);
    return { webhook: publicView(stored), created: existing === undefined };
  }

  async getWebhook(id: string): Promise<Webhook | null> {
    const hook = this.hooks.get(id);
    return hook ? publicView(hook) : null;
  }

  async listWebhooks(): Promise<Webhook[]> {
    return [...this.hooks.values()].sort((a, b) => (a.id < b.id ? -1 : 1)).map(publicView);
  }

  async deleteWebhook(id: string): Promise<boolean> {
    if (!this.hooks.delete(id)) return false;
    this.deliveries.forEach((d, i) => {
      if (d?.webhookId === id) this.deliveries[i] = undefined;
    });
    return true;
  }

  async listDeliveries(query: DeliveryQuery): Promise<WebhookDelivery[]> {
    const out: WebhookDelivery[] = [];
    for (let i = query.afterId; i < this.deliveries.length && out.length < query.limit; i++) {
      const d = this.deliveries[i];
      if (d && d.webhookId === query.webhookId && (query.status === undefined || d.status === query.status)) out.push({ ...d });
    }
    return out;
  }

  async getDelivery(id: number): Promise<WebhookDelivery | null> {
    const d = this.deliveries[id - 1];
    return d ? { ...d } : null;
  }

  async redeliver(id: number, now: number): Promise<{ delivery: WebhookDelivery; redelivered: boolean } | null> {
    const d = this.deliveries[id - 1];
    if (!d) return null;
    if (d.status === 'pending') return { delivery: { ...d }, redelivered: false };
    Object.assign(d, { status: 'pending', attempts: 0, nextAttemptAt: now, deliveredAt: null });
    return { delivery: { ...d }, redelivered: true };
  }

  async enqueue(now: number, limit: number): Promise<{ scanned: number; created: number }> {
    const messages = this.messagesAfter(this.scanned, limit);
    const planned = plannedDeliveries(messages, [...this.hooks.values()]);
    for (const p of planned) {
      this.deliveries.push({ id: this.deliveries.length + 1, webhookId: p.webhookId, messageId: p.message.id, status: 'pending', attempts: 0, nextAttemptAt: now, lastError: null, deliveredAt: null });
    }
    if (messages.length > 0) this.scanned = messages[messages.length - 1]!.id;
    return { scanned: messages.length, created: planned.length };
  }

  async claim(now: number, leaseUntil: number, limit: number): Promise<ClaimedDelivery[]> {
    const due = this.deliveries
      .filter((d): d is WebhookDelivery => d !== undefined && d.status === 'pending' && d.nextAttemptAt <= now && this.hooks.get(d.webhookId)!.enabled)
      .sort((a, b) => a.nextAttemptAt - b.nextAttemptAt || a.id - b.id)
      .slice(0, limit);
    return due.map((d) => {
      d.attempts += 1;
      d.nextAttemptAt = leaseUntil;
      const hook = this.hooks.get(d.webhookId)!;
      return { delivery: { ...d }, url: hook.url, secret: hook.secret, message: { ...this.messagesAfter(d.messageId - 1, 1)[0]! } };
    });
  }

  async finish(claimed: WebhookDelivery, result: DeliveryResult): Promise<boolean> {
    const d = this.deliveries[claimed.id - 1];
    if (!d || d.status !== 'pending' || d.attempts !== claimed.attempts || d.nextAttemptAt !== claimed.nextAttemptAt) return false;
    if (result.status === 'delivered') Object.assign(d, { status: 'delivered', deliveredAt: result.at, lastError: null });
    else if (result.status === 'dead') Object.assign(d, { status: 'dead', lastError: result.error });
    else Object.assign(d, { lastError: result.error, nextAttemptAt: result.nextAttemptAt });
    return true;
  }

  async cursor(): Promise<number> {
    return this.scanned;
  }
}
