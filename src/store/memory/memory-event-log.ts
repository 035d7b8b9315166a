/**
 * The event log in memory: the reference the SQL logs must match in the store contract suite.
 * A write transaction works on copies and swaps them in at the end, so a throw rolls back.
 */
import type { EventLog, KeyRecord, LogTx, LoggedEvent, StoredLedgerEvent, StoredMessage } from '../../app/event-log.ts';
import { messagesOf } from '../../app/messages.ts';
import { MemoryWebhookStore } from './memory-webhook-store.ts';

export class MemoryEventLog implements EventLog {
  private seed: number | null = null;
  private events: LoggedEvent[] = [];
  private keys = new Map<string, KeyRecord>();
  /** ledger[seq - 1]: the transfers stored with event seq. */
  private ledger: StoredLedgerEvent[] = [];
  /** Every message; message id n is at index n - 1. */
  private readonly messages: StoredMessage[] = [];
  private readonly messagesByMember = new Map<string, StoredMessage[]>();
  private locked: Promise<unknown> = Promise.resolve();
  private webhookStore: MemoryWebhookStore | null = null;

  async open(newSeed: number): Promise<{ seed: number }> {
    this.seed ??= newSeed;
    return { seed: this.seed };
  }

  async readSince(afterSeq: number): Promise<LoggedEvent[]> {
    return structuredClone(this.events.slice(afterSeq));
  }

  withWriteLock<T>(work: (tx: LogTx) => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      const events = [...this.events];
      const keys = new Map(this.keys);
      const ledger = [...this.ledger];
      const messages: StoredMessage[] = [];
      const tx: LogTx = {
        readSince: async (afterSeq) => structuredClone(events.slice(afterSeq)),
        findKeys: async (wanted) => {
          const found = new Map<string, KeyRecord>();
          for (const key of wanted) {
            const record = keys.get(key);
            if (record) found.set(key, structuredClone(record));
          }
          return found;
        },
        append: async (appended, rows) => {
          for (const e of appended) {
            if (keys.has(e.key)) throw new Error(`duplicate idempotency key ${e.key}`);
            if (e.seq !== events.length + 1) throw new Error(`event seq ${e.seq} does not follow the log's last (${events.length})`);
            events.push(structuredClone(e));
            keys.set(e.key, { fingerprint: e.fingerprint, outcome: structuredClone(e.outcome) });
            ledger.push({ seq: e.seq, transfers: [] });
          }
          for (const t of rows) {
            const own = ledger[t.seq - 1];
            if (own === undefined || t.seq <= this.events.length) throw new Error(`transfer of event ${t.seq}, which is not appended in this transaction`);
            own.transfers.push({ debit: t.debit, credit: t.credit, amount: t.amount, unit: t.unit, causeKind: t.causeKind, causeRef: t.causeRef, eventNo: t.eventNo });
          }
          for (const row of messagesOf(appended)) messages.push({ id: this.messages.length + messages.length + 1, ...row });
        },
      };
      const result = await work(tx);
      this.events = events;
      this.keys = keys;
      this.ledger = ledger;
      for (const m of messages) {
        this.messages.push(m);
        const own = this.messagesByMember.get(m.memberId) ?? this.messagesByMember.set(m.memberId, []).get(m.memberId)!;
        own.push(m);
      }
      return result;
    };
    const result = this.locked.then(run, run);
    this.locked = result.catch(() => undefined);
    return result;
  }

  async readLedger(afterSeq: number, limit: number): Promise<StoredLedgerEvent[]> {
    return structuredClone(this.ledger.slice(afterSeq, afterSeq + limit));
  }

  async readMessages(memberId: string, afterId: number, limit: number): Promise<StoredMessage[]> {
    const own = this.messagesByMember.get(memberId) ?? [];
    // Ids grow along the list: binary search for the first one after `afterId`.
    let lo = 0;
    let hi = own.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (own[mid]!.id <= afterId) lo = mid + 1;
      else hi = mid;
    }
    return structuredClone(own.slice(lo, lo + limit));
  }

  /** The webhook store over this log's messages (one per log, like one database). */
  webhooks(): MemoryWebhookStore {
    this.webhookStore ??= new MemoryWebhookStore((afterId, limit) => this.messages.slice(afterId, afterId + limit));
    return this.webhookStore;
  }

  async close(): Promise<void> {}
}
