/**
 * Webhooks and their deliveries in the SQLite file, on the event log's connection and behind its
 * lock (sqlite-event-log.ts explains why every operation of a connection is serialized). `enqueue`
 * and `claim` run in `BEGIN IMMEDIATE` transactions: the database's write lock is the claim lock,
 * so across processes a delivery is claimed by one at a time. Each is short (no network inside).
 */
import type Database from 'better-sqlite3';
import {
  type ClaimedDelivery,
  type DeliveryQuery,
  type DeliveryResult,
  type DeliveryStatus,
  type Webhook,
  type WebhookDelivery,
  type WebhookStore,
  type WebhookWithSecret,
  parseKinds,
  plannedDeliveries,
} from '../../app/webhook-store.ts';
import type { StoredMessage } from '../../app/event-log.ts';
import { checkSafe } from './safe-integer.ts';
import { safe, toMessage } from './sqlite-rows.ts';

interface WebhookRow {
  id: string;
  url: string;
  kinds: string;
  enabled: bigint;
  created_at: bigint;
}

interface DeliveryRow {
  id: bigint;
  webhook_id: string;
  message_id: bigint;
  status: string;
  attempts: bigint;
  next_attempt_at: bigint;
  last_error: string | null;
  delivered_at: bigint | null;
}

/** A due delivery with its endpoint and the copy of its message it carries. */
type ClaimRow = DeliveryRow & { url: string; secret: string } & { seq: bigint; member_id: string; kind: string; ref: bigint; amount_fen: bigint; at: bigint };

const DELIVERY = 'id, webhook_id, message_id, status, attempts, next_attempt_at, last_error, delivered_at';
const WEBHOOK = 'id, url, kinds, enabled, created_at';
const AS_CLAIMED = 'id = ? AND status = \'pending\' AND attempts = ? AND next_attempt_at = ?';

function toWebhook(row: WebhookRow): Webhook {
  return { id: row.id, url: row.url, kinds: parseKinds(row.kinds), enabled: row.enabled === 1n, createdAt: safe(row.created_at, 'webhooks.created_at') };
}

function toDelivery(row: DeliveryRow): WebhookDelivery {
  return {
    id: safe(row.id, 'webhook_deliveries.id'),
    webhookId: row.webhook_id,
    messageId: safe(row.message_id, 'webhook_deliveries.message_id'),
    status: row.status as DeliveryStatus,
    attempts: safe(row.attempts, 'webhook_deliveries.attempts'),
    nextAttemptAt: safe(row.next_attempt_at, 'webhook_deliveries.next_attempt_at'),
    lastError: row.last_error,
    deliveredAt: row.delivered_at === null ? null : safe(row.delivered_at, 'webhook_deliveries.delivered_at'),
  };
}

function prepare(db: Database.Database) {
  const q = <P extends unknown[], R>(sql: string) => db.prepare<P, R>(sql).safeIntegers(true);
  return {
    begin: db.prepare('BEGIN IMMEDIATE'),
    commit: db.prepare('COMMIT'),
    rollback: db.prepare('ROLLBACK'),
    getWebhook: q<[string], WebhookRow>(`SELECT ${WEBHOOK} FROM webhooks WHERE id = ?`),
    listWebhooks: q<[], WebhookRow>(`SELECT ${WEBHOOK} FROM webhooks ORDER BY id`),
    insertWebhook: db.prepare('INSERT INTO webhooks (id, url, secret, kinds, enabled, created_at) VALUES (?, ?, ?, ?, ?, ?)'),
    updateWebhook: db.prepare('UPDATE webhooks SET url = ?, secret = ?, kinds = ?, enabled = ? WHERE id = ?'),
    deleteWebhook: db.prepare('DELETE FROM webhooks WHERE id = ?'),
    listDeliveries: q<[string, number, string | null, string | null, number], DeliveryRow>(
      `SELECT ${DELIVERY} FROM webhook_deliveries WHERE webhook_id = ? AND id > ? AND (? IS NULL OR status = ?) ORDER BY id LIMIT ?`,
    ),
    getDelivery: q<[number], DeliveryRow>(`SELECT ${DELIVERY} FROM webhook_deliveries WHERE id = ?`),
    redeliver: db.prepare("UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_attempt_at = ?, delivered_at = NULL WHERE id = ? AND status <> 'pending'"),
    cursor: db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'webhook_cursor'"),
    setCursor: db.prepare("UPDATE meta SET value = ? WHERE key = 'webhook_cursor'"),
    insertDelivery: db.prepare(
      "INSERT INTO webhook_deliveries (webhook_id, message_id, seq, member_id, kind, ref, amount_fen, at, status, attempts, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?)",
    ),
    due: q<[number, number], ClaimRow>(
      `SELECT d.id, d.webhook_id, d.message_id, d.status, d.attempts, d.next_attempt_at, d.last_error, d.delivered_at, w.url, w.secret,
              d.seq, d.member_id, d.kind, d.ref, d.amount_fen, d.at
         FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
        WHERE d.status = 'pending' AND d.next_attempt_at <= ? AND w.enabled = 1
        ORDER BY d.next_attempt_at, d.id LIMIT ?`,
    ),
    lease: db.prepare('UPDATE webhook_deliveries SET attempts = attempts + 1, next_attempt_at = ? WHERE id = ?'),
    delivered: db.prepare(`UPDATE webhook_deliveries SET status = 'delivered', delivered_at = ?, last_error = NULL WHERE ${AS_CLAIMED}`),
    retry: db.prepare(`UPDATE webhook_deliveries SET last_error = ?, next_attempt_at = ? WHERE ${AS_CLAIMED}`),
    dead: db.prepare(`UPDATE webhook_deliveries SET status = 'dead', last_error = ? WHERE ${AS_CLAIMED}`),
  };
}

type Statements = ReturnType<typeof prepare>;

function readCursor(s: Statements): number {
  const value = Number(s.cursor.get()?.value);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error('the webhook cursor in meta is missing or not an integer');
  return value;
}

export class SqliteWebhookStore implements WebhookStore {
  private statements: Statements | null = null;

  /**
   * `exclusive` is the event log's lock: nothing else uses the connection meanwhile.
   * `messagesAfter` reads the log's messages after an id, on this connection, inside that lock.
   */
  constructor(
    private readonly db: Database.Database,
    private readonly exclusive: <T>(work: () => Promise<T>) => Promise<T>,
    private readonly messagesAfter: (afterId: number, limit: number) => Promise<StoredMessage[]>,
  ) {}

  /**
   * Runs `work` in the lock; `transaction` wraps it in BEGIN IMMEDIATE … COMMIT. `work` may await
   * this connection's own reads (the lock keeps every other caller off the connection meanwhile).
   */
  private run<T>(work: (s: Statements) => T | Promise<T>, transaction = false): Promise<T> {
    return this.exclusive(async () => {
      const s = (this.statements ??= prepare(this.db));
      if (!transaction) return work(s);
      s.begin.run();
      try {
        const result = await work(s);
        s.commit.run();
        return result;
      } catch (err) {
        if (this.db.inTransaction) s.rollback.run();
        throw err;
      }
    });
  }

  putWebhook(webhook: WebhookWithSecret): Promise<{ webhook: Webhook; created: boolean }> {
    return this.run((s) => {
      const kinds = JSON.stringify(webhook.kinds);
      const enabled = webhook.enabled ? 1 : 0;
      const created = s.getWebhook.get(webhook.id) === undefined;
      if (created) s.insertWebhook.run(webhook.id, webhook.url, webhook.secret, kinds, enabled, checkSafe(webhook.createdAt, 'createdAt'));
      else s.updateWebhook.run(webhook.url, webhook.secret, kinds, enabled, webhook.id);
      return { webhook: toWebhook(s.getWebhook.get(webhook.id)!), created };
    }, true);
  }

  getWebhook(id: string): Promise<Webhook | null> {
    return this.run((s) => {
      const row = s.getWebhook.get(id);
      return row ? toWebhook(row) : null;
    });
  }

  listWebhooks(): Promise<Webhook[]> {
    return this.run((s) => s.listWebhooks.all().map(toWebhook));
  }

  deleteWebhook(id: string): Promise<boolean> {
    // The deliveries go with it (ON DELETE CASCADE; the log turns foreign keys on).
    return this.run((s) => s.deleteWebhook.run(id).changes > 0, true);
  }

  listDeliveries(query: DeliveryQuery): Promise<WebhookDelivery[]> {
    const status = query.status ?? null;
    return this.run((s) => s.listDeliveries.all(query.webhookId, checkSafe(query.afterId, 'afterId'), status, status, checkSafe(query.limit, 'limit')).map(toDelivery));
  }

  getDelivery(id: number): Promise<WebhookDelivery | null> {
    return this.run((s) => {
      const row = s.getDelivery.get(checkSafe(id, 'id'));
      return row ? toDelivery(row) : null;
    });
  }

  redeliver(id: number, now: number): Promise<{ delivery: WebhookDelivery; redelivered: boolean } | null> {
    return this.run((s) => {
      const redelivered = s.redeliver.run(checkSafe(now, 'now'), checkSafe(id, 'id')).changes > 0;
      const row = s.getDelivery.get(id);
      return row ? { delivery: toDelivery(row), redelivered } : null;
    }, true);
  }

  enqueue(now: number, limit: number): Promise<{ scanned: number; created: number }> {
    return this.run(async (s) => {
      const messages = await this.messagesAfter(readCursor(s), checkSafe(limit, 'limit'));
      if (messages.length === 0) return { scanned: 0, created: 0 };
      const planned = plannedDeliveries(messages, s.listWebhooks.all().map(toWebhook));
      for (const { webhookId, message: m } of planned) {
        s.insertDelivery.run(webhookId, m.id, m.seq, m.memberId, m.kind, m.ref, m.amountFen, m.at, checkSafe(now, 'now'));
      }
      s.setCursor.run(String(messages[messages.length - 1]!.id));
      return { scanned: messages.length, created: planned.length };
    }, true);
  }

  claim(now: number, leaseUntil: number, limit: number): Promise<ClaimedDelivery[]> {
    return this.run((s) => {
      const rows = s.due.all(checkSafe(now, 'now'), checkSafe(limit, 'limit'));
      return rows.map((row) => {
        s.lease.run(checkSafe(leaseUntil, 'leaseUntil'), row.id);
        const delivery = { ...toDelivery(row), attempts: safe(row.attempts, 'attempts') + 1, nextAttemptAt: leaseUntil };
        const message = toMessage({ id: row.message_id, seq: row.seq, member_id: row.member_id, kind: row.kind, ref: row.ref, amount_fen: row.amount_fen, at: row.at });
        return { delivery, url: row.url, secret: row.secret, message };
      });
    }, true);
  }

  finish(claimed: WebhookDelivery, result: DeliveryResult): Promise<boolean> {
    return this.run((s) => {
      const where = [claimed.id, claimed.attempts, claimed.nextAttemptAt] as const;
      const info =
        result.status === 'delivered'
          ? s.delivered.run(checkSafe(result.at, 'at'), ...where)
          : result.status === 'dead'
            ? s.dead.run(result.error, ...where)
            : s.retry.run(result.error, checkSafe(result.nextAttemptAt, 'nextAttemptAt'), ...where);
      return info.changes > 0;
    });
  }

  cursor(): Promise<number> {
    return this.run((s) => readCursor(s));
  }
}
