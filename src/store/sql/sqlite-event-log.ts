/**
 * The event log in an embedded SQLite file through better-sqlite3: WAL, synchronous=FULL (an
 * acknowledged commit survives power loss), statements prepared once at open.
 *
 * better-sqlite3 is synchronous, and `withWriteLock` runs async work between `BEGIN IMMEDIATE`
 * and `COMMIT`. Two things follow. (1) One connection must serve one caller at a time, or a
 * second caller's statements would land inside the first one's transaction: every operation of
 * this log goes through a mutex. (2) Two connections to the same file in the same process must
 * not both try to write: the second `BEGIN IMMEDIATE` would block the whole thread in
 * busy_timeout while the first transaction, which needs that thread to finish, waits. So the
 * mutex is shared by every connection of this process to the same file; `busy_timeout` then only
 * ever waits for other processes, which make progress on their own.
 */
import { resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { EventLog, KeyRecord, LogTx, LoggedEvent, StoredLedgerEvent, StoredMessage, StoredTransfer } from '../../app/event-log.ts';
import { type EventNotices, MessageIndex, type MessageSource } from '../../app/message-index.ts';
import type { EventOutcome } from '../../domain/engine.ts';
import type { EngineEvent } from '../../domain/events.ts';
import { type AppliedMigration, type Migration, SCHEMA_MIGRATIONS_DDL, pendingMigrations } from './migrations.ts';
import { decodeCompact, encodeCompact } from './compact-json.ts';
import { packFor, unpack } from './packed-transfers.ts';
import { checkSafe } from './safe-integer.ts';
import { safe } from './sqlite-rows.ts';
import { SqliteWebhookStore } from './sqlite-webhook-store.ts';
import { Mutex } from '../../app/mutex.ts';

export interface SqliteEventLogOptions {
  /** How long a writer waits for another process's write transaction before failing. */
  busyTimeoutMs?: number;
}

/** One mutex per database file in this process, counted so that it goes away with its last connection. */
const fileLocks = new Map<string, { mutex: Mutex; users: number }>();

function acquireFileLock(path: string): { mutex: Mutex; release: () => void } {
  if (path === ':memory:' || path === '') return { mutex: new Mutex(), release: () => undefined };
  const key = resolve(path);
  const entry = fileLocks.get(key) ?? { mutex: new Mutex(), users: 0 };
  entry.users++;
  fileLocks.set(key, entry);
  return {
    mutex: entry.mutex,
    release: () => {
      if (--entry.users === 0) fileLocks.delete(key);
    },
  };
}

interface EventRow {
  seq: bigint;
  idempotency_key: string;
  fingerprint: string;
  payload: string;
  outcome: string;
  actor: string | null;
}

interface OutcomeRow {
  seq: bigint;
  outcome: string;
}

function toLogged(row: EventRow): LoggedEvent {
  return {
    seq: safe(row.seq, 'events.seq'),
    key: row.idempotency_key,
    fingerprint: row.fingerprint,
    event: decodeCompact(row.payload) as EngineEvent,
    outcome: decodeCompact(row.outcome) as EventOutcome,
    actor: row.actor,
  };
}

function toNotices(row: OutcomeRow): EventNotices {
  return { seq: safe(row.seq, 'events.seq'), outcome: decodeCompact(row.outcome) as EventOutcome };
}

function prepareStatements(db: Database.Database) {
  return {
    begin: db.prepare('BEGIN IMMEDIATE'),
    commit: db.prepare('COMMIT'),
    rollback: db.prepare('ROLLBACK'),
    readSince: db.prepare<[number], EventRow>('SELECT seq, idempotency_key, fingerprint, payload, outcome, actor FROM events WHERE seq > ? ORDER BY seq').safeIntegers(true),
    findKey: db.prepare<[string], { fingerprint: string; outcome: string }>('SELECT fingerprint, outcome FROM events WHERE idempotency_key = ?'),
    findKeys: db.prepare<[string], { idempotency_key: string; fingerprint: string; outcome: string }>(
      'SELECT idempotency_key, fingerprint, outcome FROM events WHERE idempotency_key IN (SELECT value FROM json_each(?))',
    ),
    insertEvent: db.prepare('INSERT INTO events (seq, idempotency_key, fingerprint, type, at, payload, outcome, actor, transfers) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)'),
    readLedger: db.prepare<[number, number], { seq: bigint; transfers: string }>('SELECT seq, transfers FROM events WHERE seq > ? ORDER BY seq LIMIT ?').safeIntegers(true),
    outcomesPage: db.prepare<[number, number], OutcomeRow>('SELECT seq, outcome FROM events WHERE seq > ? ORDER BY seq LIMIT ?').safeIntegers(true),
    outcomesAt: db.prepare<[string], OutcomeRow>('SELECT seq, outcome FROM events WHERE seq IN (SELECT value FROM json_each(?))').safeIntegers(true),
  };
}

type Statements = ReturnType<typeof prepareStatements>;

function isUniqueKeyViolation(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return e.code === 'SQLITE_CONSTRAINT_UNIQUE' && (e.message ?? '').includes('events.idempotency_key');
}

export class SqliteEventLog implements EventLog {
  private readonly db: Database.Database;
  private readonly lock: { mutex: Mutex; release: () => void };
  private statements: Statements | null = null;
  private closed = false;
  /** Member messages derived from the events this connection has seen (message-index.ts). */
  private readonly messages = new MessageIndex();
  /** The index's view of the events table, on this connection's statements (call inside the lock). */
  private readonly messageSource: MessageSource = {
    readPage: async (afterSeq, limit) => this.prepared().outcomesPage.all(checkSafe(afterSeq, 'afterSeq'), checkSafe(limit, 'limit')).map(toNotices),
    readAt: async (seqs) => this.prepared().outcomesAt.all(JSON.stringify(seqs.map((seq) => checkSafe(seq, 'seq')))).map(toNotices),
  };

  /** Opens (or creates) the file at `path`; `:memory:` gives a private in-memory database. */
  constructor(
    readonly path: string,
    options: SqliteEventLogOptions = {},
  ) {
    const busyTimeoutMs = options.busyTimeoutMs ?? 5_000;
    checkSafe(busyTimeoutMs, 'busyTimeoutMs');
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    this.db.pragma('foreign_keys = ON');
    this.lock = acquireFileLock(path);
  }

  /** Applies pending migrations and returns them; the statements are prepared afterwards, once. */
  migrate(): Promise<Migration[]> {
    return this.exclusive(async () => {
      const applied = this.migrateNow();
      this.statements ??= prepareStatements(this.db);
      return applied;
    });
  }

  private migrateNow(): Migration[] {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      this.db.exec(SCHEMA_MIGRATIONS_DDL.sqlite);
      const recorded = this.db.prepare<[], AppliedMigration>('SELECT version, name FROM schema_migrations ORDER BY version').all();
      const pending = pendingMigrations(recorded);
      const record = this.db.prepare('INSERT INTO schema_migrations (version, name) VALUES (?, ?)');
      for (const m of pending) {
        for (const sql of m.sqlite) this.db.exec(sql);
        record.run(m.version, m.name);
      }
      this.db.exec('COMMIT');
      return pending;
    } catch (err) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      throw err;
    }
  }

  async open(newSeed: number): Promise<{ seed: number }> {
    checkSafe(newSeed, 'seed');
    await this.migrate();
    return this.exclusive(async () => {
      this.db.prepare("INSERT INTO meta (key, value) VALUES ('seed', ?) ON CONFLICT (key) DO NOTHING").run(String(newSeed));
      const row = this.db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'seed'").get();
      const seed = Number(row?.value);
      if (!Number.isSafeInteger(seed)) throw new Error(`the stored engine seed ${row?.value} is not an integer`);
      return { seed };
    });
  }

  readSince(afterSeq: number): Promise<LoggedEvent[]> {
    return this.exclusive(async () => this.observed(this.prepared().readSince.all(checkSafe(afterSeq, 'afterSeq')).map(toLogged)));
  }

  /** Events this connection read, fed to its message index on the way out. */
  private observed(events: LoggedEvent[]): LoggedEvent[] {
    this.messages.observe(events);
    return events;
  }

  withWriteLock<T>(work: (tx: LogTx) => Promise<T>): Promise<T> {
    return this.exclusive(async () => {
      const s = this.prepared();
      let active = true;
      const live = (): Statements => {
        if (!active) throw new Error('the log transaction was used after it ended');
        return s;
      };
      const appended: LoggedEvent[] = [];
      const tx: LogTx = {
        readSince: async (afterSeq) => this.observed(live().readSince.all(checkSafe(afterSeq, 'afterSeq')).map(toLogged)),
        findKeys: async (keys) => {
          const found = new Map<string, KeyRecord>();
          if (keys.length === 1) {
            const row = live().findKey.get(keys[0]!);
            if (row) found.set(keys[0]!, { fingerprint: row.fingerprint, outcome: decodeCompact(row.outcome) as EventOutcome });
            return found;
          }
          // One statement for the batch: a call per key cost more than SQLite's index lookups.
          for (const row of live().findKeys.all(JSON.stringify(keys))) {
            found.set(row.idempotency_key, { fingerprint: row.fingerprint, outcome: decodeCompact(row.outcome) as EventOutcome });
          }
          return found;
        },
        append: async (events, transfers) => {
          this.append(live(), events, transfers);
          appended.push(...events);
        },
      };
      s.begin.run();
      try {
        const result = await work(tx);
        s.commit.run();
        this.messages.observe(appended); // committed: now they are the log's
        return result;
      } catch (err) {
        if (this.db.inTransaction) s.rollback.run();
        throw err;
      } finally {
        active = false;
      }
    });
  }

  /** One row per event, its transfers packed into it (docs/ARCHITECTURE.md, "One row per event"). */
  private append(s: Statements, events: readonly LoggedEvent[], transfers: readonly StoredTransfer[]): void {
    const packed = packFor(events.map((e) => e.seq), transfers);
    for (const e of events) {
      try {
        s.insertEvent.run(
          checkSafe(e.seq, 'seq'), e.key, e.fingerprint, e.event.type, checkSafe(e.event.at, 'at'),
          encodeCompact(e.event), encodeCompact(e.outcome), e.actor, packed.get(e.seq)!,
        );
      } catch (err) {
        if (isUniqueKeyViolation(err)) throw new Error(`duplicate idempotency key ${e.key}`, { cause: err });
        throw err;
      }
    }
  }

  readLedger(afterSeq: number, limit: number): Promise<StoredLedgerEvent[]> {
    return this.exclusive(async () =>
      this.prepared().readLedger.all(checkSafe(afterSeq, 'afterSeq'), checkSafe(limit, 'limit')).map((row) => unpack(safe(row.seq, 'events.seq'), row.transfers)));
  }

  readMessages(memberId: string, afterId: number, limit: number): Promise<StoredMessage[]> {
    return this.exclusive(() => this.messages.forMember(this.messageSource, memberId, checkSafe(afterId, 'afterId'), checkSafe(limit, 'limit')));
  }

  /** The webhook store on this connection, sharing its lock and reading this log's messages (open or migrate the log first). */
  webhooks(): SqliteWebhookStore {
    return new SqliteWebhookStore(this.db, (work) => this.exclusive(work), (afterId, limit) => this.messages.after(this.messageSource, afterId, limit));
  }

  close(): Promise<void> {
    return this.exclusive(async () => {
      if (this.closed) return;
      this.closed = true;
      this.db.close();
      this.lock.release();
    }, true);
  }

  private exclusive<T>(work: () => Promise<T>, closing = false): Promise<T> {
    return this.lock.mutex.run(() => {
      if (this.closed && !closing) return Promise.reject(new Error(`the event log ${this.path} is closed`));
      return work();
    });
  }

  /** The statements, prepared on first use once the schema exists (`open` or `migrate` creates it). */
  private prepared(): Statements {
    this.statements ??= prepareStatements(this.db);
    return this.statements;
  }
}
