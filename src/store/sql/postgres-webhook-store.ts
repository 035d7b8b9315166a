/**
 * Webhooks and their deliveries in PostgreSQL, on the event log's pool. Neither `enqueue` nor
 * `claim` takes the log's writer lock, so webhook work never holds up event writes:
 * - `enqueue` locks the cursor row (`SELECT … FOR UPDATE` on meta.webhook_cursor), so two
 *   processes enqueue one after the other and never the same message twice. Message ids follow
 *   the log's seqs, which commit in order under the writer lock, so nothing committed hides below
 *   the cursor. A delivery carries a copy of its message (messages are derived, message-index.ts).
 * - `claim` takes due rows `FOR UPDATE SKIP LOCKED`: processes claiming at once take disjoint
 *   deliveries without waiting for each other, and each claim leases its rows before committing.
 */
import pg from 'pg';
import { inTransaction } from './pg-transaction.ts';
import type { StoredMessage } from '../../app/event-log.ts';
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
import type { NoticeKind } from '../../domain/context.ts';
import { checkSafe } from './safe-integer.ts';

export interface PgMessageRow {
  id: number;
  seq: number;
  member_id: string;
  kind: string;
  ref: number;
  amount_fen: number;
  at: number;
}

/** The log's pool parses int8 with a range check, so these are exact numbers. */
export function toMessage(row: PgMessageRow): StoredMessage {
  return { id: row.id, seq: row.seq, memberId: row.member_id, kind: row.kind as NoticeKind, ref: row.ref, amountFen: row.amount_fen, at: row.at };
}

interface WebhookRow {
  id: string;
  url: string;
  kinds: string;
  enabled: boolean;
  created_at: number;
}

interface DeliveryRow {
  id: number;
  webhook_id: string;
  message_id: number;
  status: string;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  delivered_at: number | null;
}

type ClaimRow = DeliveryRow & { url: string; secret: string; m_seq: number; member_id: string; kind: string; ref: number; amount_fen: number; at: number };

const DELIVERY = 'id, webhook_id, message_id, status, attempts, next_attempt_at, last_error, delivered_at';
const WEBHOOK = 'id, url, kinds, enabled, created_at';
const AS_CLAIMED = "id = $1 AND status = 'pending' AND attempts = $2 AND next_attempt_at = $3";

function toWebhook(row: WebhookRow): Webhook {
  return { id: row.id, url: row.url, kinds: parseKinds(row.kinds), enabled: row.enabled, createdAt: row.created_at };
}

function toDelivery(row: DeliveryRow): WebhookDelivery {
  return {
    id: row.id,
    webhookId: row.webhook_id,
    messageId: row.message_id,
    status: row.status as DeliveryStatus,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    lastError: row.last_error,
    deliveredAt: row.delivered_at,
  };
}

/**
 * PostgreSQL text cannot hold U+0000 ("invalid byte sequence for encoding UTF8: 0x00"), so no
 * stored webhook id contains one. A lookup by such an id finds nothing, as on the other stores,
 * instead of failing its statement: `DELETE /v1/webhooks/%00` and `GET /v1/webhooks/%00/deliveries`
 * answered 500 on PostgreSQL and 404 elsewhere (found by tests/security on PostgreSQL).
 */
function mayBeStored(id: string): boolean {
  return !id.includes('\u0000');
}

function readCursor(rows: { value: string }[]): number {
  const value = Number(rows[0]?.value);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error('the webhook cursor in meta is missing or not an integer');
  return value;
}

export class PostgresWebhookStore implements WebhookStore {
  /** `messagesAfter` reads the log's messages after an id (derived from committed events, so any connection may read them). */
  constructor(
    private readonly pool: pg.Pool,
    private readonly messagesAfter: (afterId: number, limit: number) => Promise<StoredMessage[]>,
  ) {}

  async putWebhook(webhook: WebhookWithSecret): Promise<{ webhook: Webhook; created: boolean }> {
    // xmax = 0 only for a row this statement inserted: the usual way to tell insert from update.
    const { rows } = await this.pool.query<WebhookRow & { created: boolean }>(
      `INSERT INTO webhooks (id, url, secret, kinds, enabled, created_at) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (id) DO UPDATE SET url = excluded.url, secret = excluded.secret, kinds = excluded.kinds, enabled = excluded.enabled
       RETURNING ${WEBHOOK}, (xmax = 0) AS created`,
      [webhook.id, webhook.url, webhook.secret, JSON.stringify(webhook.kinds), webhook.enabled, checkSafe(webhook.createdAt, 'createdAt')],
    );
    return { webhook: toWebhook(rows[0]!), created: rows[0]!.created };
  }

  async getWebhook(id: string): Promise<Webhook | null> {
    if (!mayBeStored(id)) return null;
    const { rows } = await this.pool.query<WebhookRow>(`SELECT ${WEBHOOK} FROM webhooks WHERE id = $1`, [id]);
    return rows[0] ? toWebhook(rows[0]) : null;
  }

  async listWebhooks(): Promise<Webhook[]> {
    const { rows } = await this.pool.query<WebhookRow>(`SELECT ${WEBHOOK} FROM webhooks ORDER BY id COLLATE "C"`);
    return rows.map(toWebhook);
  }

  async deleteWebhook(id: string): Promise<boolean> {
    if (!mayBeStored(id)) return false;
    // The deliveries go with it (ON DELETE CASCADE).
    const { rowCount } = await this.pool.query('DELETE FROM webhooks WHERE id = $1', [id]);
    return (rowCount ?? 0) > 0;
  }

  async listDeliveries(query: DeliveryQuery): Promise<WebhookDelivery[]> {
    if (!mayBeStored(query.webhookId)) return [];
    const { rows } = await this.pool.query<DeliveryRow>(
      `SELECT ${DELIVERY} FROM webhook_deliveries WHERE webhook_id = $1 AND id > $2 AND ($3::text IS NULL OR status = $3) ORDER BY id LIMIT $4`,
      [query.webhookId, checkSafe(query.afterId, 'afterId'), query.status ?? null, checkSafe(query.limit, 'limit')],
    );
    return rows.map(toDelivery);
  }

  async getDelivery(id: number): Promise<WebhookDelivery | null> {
    const { rows } = await this.pool.query<DeliveryRow>(`SELECT ${DELIVERY} FROM webhook_deliveries WHERE id = $1`, [checkSafe(id, 'id')]);
    return rows[0] ? toDelivery(rows[0]) : null;
  }

  async redeliver(id: number, now: number): Promise<{ delivery: WebhookDelivery; redelivered: boolean } | null> {
    const { rows } = await this.pool.query<DeliveryRow>(
      `UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_attempt_at = $2, delivered_at = NULL
        WHERE id = $1 AND status <> 'pending' RETURNING ${DELIVERY}`,
      [checkSafe(id, 'id'), checkSafe(now, 'now')],
    );
    if (rows[0]) return { delivery: toDelivery(rows[0]), redelivered: true };
    const current = await this.getDelivery(id);
    return current ? { delivery: current, redelivered: false } : null;
  }

  enqueue(now: number, limit: number): Promise<{ scanned: number; created: number }> {
    return this.transaction(async (client) => {
      const cursor = readCursor((await client.query<{ value: string }>("SELECT value FROM meta WHERE key = 'webhook_cursor' FOR UPDATE")).rows);
      const messages = await this.messagesAfter(cursor, checkSafe(limit, 'limit'));
      if (messages.length === 0) return { scanned: 0, created: 0 };
      const webhooks = (await client.query<WebhookRow>(`SELECT ${WEBHOOK} FROM webhooks WHERE enabled`)).rows.map(toWebhook);
      const planned = plannedDeliveries(messages, webhooks);
      if (planned.length > 0) {
        const carried = planned.map((p) => p.message);
        await client.query(
          `INSERT INTO webhook_deliveries (webhook_id, message_id, seq, member_id, kind, ref, amount_fen, at, status, attempts, next_attempt_at)
           SELECT w, m, seq, member_id, kind, ref, amount_fen, at, 'pending', 0, $9
             FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::bigint[], $7::bigint[], $8::bigint[])
                  WITH ORDINALITY AS p (w, m, seq, member_id, kind, ref, amount_fen, at, n)
            ORDER BY n`,
          [
            planned.map((p) => p.webhookId), carried.map((m) => m.id), carried.map((m) => m.seq), carried.map((m) => m.memberId),
            carried.map((m) => m.kind), carried.map((m) => m.ref), carried.map((m) => m.amountFen), carried.map((m) => m.at), checkSafe(now, 'now'),
          ],
        );
      }
      await client.query("UPDATE meta SET value = $1 WHERE key = 'webhook_cursor'", [String(messages[messages.length - 1]!.id)]);
      return { scanned: messages.length, created: planned.length };
    });
  }

  claim(now: number, leaseUntil: number, limit: number): Promise<ClaimedDelivery[]> {
    return this.transaction(async (client) => {
      const { rows } = await client.query<ClaimRow>(
        `SELECT d.id, d.webhook_id, d.message_id, d.status, d.attempts, d.next_attempt_at, d.last_error, d.delivered_at, w.url, w.secret,
                d.seq AS m_seq, d.member_id, d.kind, d.ref, d.amount_fen, d.at
           FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
          WHERE d.status = 'pending' AND d.next_attempt_at <= $1 AND w.enabled
          ORDER BY d.next_attempt_at, d.id LIMIT $2
          FOR UPDATE OF d SKIP LOCKED`,
        [checkSafe(now, 'now'), checkSafe(limit, 'limit')],
      );
      if (rows.length === 0) return [];
      await client.query('UPDATE webhook_deliveries SET attempts = attempts + 1, next_attempt_at = $1 WHERE id = ANY($2::bigint[])', [checkSafe(leaseUntil, 'leaseUntil'), rows.map((r) => r.id)]);
      return rows.map((row) => ({
        delivery: { ...toDelivery(row), attempts: row.attempts + 1, nextAttemptAt: leaseUntil },
        url: row.url,
        secret: row.secret,
        message: toMessage({ id: row.message_id, seq: row.m_seq, member_id: row.member_id, kind: row.kind, ref: row.ref, amount_fen: row.amount_fen, at: row.at }),
      }));
    });
  }

  async finish(claimed: WebhookDelivery, result: DeliveryResult): Promise<boolean> {
    const where = [claimed.id, claimed.attempts, claimed.nextAttemptAt];
    const { rowCount } =
      result.status === 'delivered'
        ? await this.pool.query(`UPDATE webhook_deliveries SET status = 'delivered', delivered_at = $4, last_error = NULL WHERE ${AS_CLAIMED}`, [...where, checkSafe(result.at, 'at')])
        : result.status === 'dead'
          ? await this.pool.query(`UPDATE webhook_deliveries SET status = 'dead', last_error = $4 WHERE ${AS_CLAIMED}`, [...where, result.error])
          : await this.pool.query(`UPDATE webhook_deliveries SET last_error = $4, next_attempt_at = $5 WHERE ${AS_CLAIMED}`, [...where, result.error, checkSafe(result.nextAttemptAt, 'nextAttemptAt')]);
    return (rowCount ?? 0) > 0;
  }

  async cursor(): Promise<number> {
    return readCursor((await this.pool.query<{ value: string }>("SELECT value FROM meta WHERE key = 'webhook_cursor'")).rows);
  }

  /** A plain transaction (no writer lock); ROLLBACK on a throw, and a client whose ROLLBACK failed is discarded. */
  private transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, 'BEGIN', 'webhook', work);
  }

}
