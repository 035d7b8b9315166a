/**
 * The event log in memory: the reference the SQL logs must match in the store contract suite.
 * A write transaction works on copies and swaps them in at the end, so a throw rolls back.
 */
import type { EventLog, KeyRecord, LogTx, LoggedEvent, StoredTransfer } from '../../app/event-log.ts';

export class MemoryEventLog implements EventLog {
  private seed: number | null = null;
  private events: LoggedEvent[] = [];
  private keys = new Map<string, KeyRecord>();
  private transfers: StoredTransfer[] = [];
  private locked: Promise<unknown> = Promise.resolve();

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
      const transfers = [...this.transfers];
      const tx: LogTx = {
        readSince: async (afterSeq) => structuredClone(events.slice(afterSeq)),
        findKey: async (key) => keys.get(key) ?? null,
        append: async (appended, rows) => {
          for (const e of appended) {
            if (keys.has(e.key)) throw new Error(`duplicate idempotency key ${e.key}`);
            events.push(structuredClone(e));
            keys.set(e.key, { fingerprint: e.fingerprint, outcome: structuredClone(e.outcome) });
          }
          transfers.push(...rows);
        },
      };
      const result = await work(tx);
      this.events = events;
      this.keys = keys;
      this.transfers = transfers;
      return result;
    };
    const result = this.locked.then(run, run);
    this.locked = result.catch(() => undefined);
    return result;
  }

  async readTransfers(fromId: number, limit: number): Promise<StoredTransfer[]> {
    return this.transfers.slice(fromId - 1, fromId - 1 + limit);
  }

  async close(): Promise<void> {}
}
