/**
 * The event log in PostgreSQL through `pg`. Writers from any number of processes serialize on one
 * transaction-scoped advisory lock; the hot statements are named (prepared once per connection),
 * and a batch's events and transfers go in as one multi-row INSERT each (`unnest` over array
 * parameters), so a write costs a fixed handful of round trips whatever the batch size.
 *
 * `pg` returns int8 as text. This log parses it with a checked parser on its own pool (not the
 * process-global one), so a value beyond 2^53 - 1 fails loudly instead of rounding.
 */
import pg from 'pg';
import { inTransaction } from './pg-transaction.ts';
import type { EventLog, KeyRecord, LogTx, LoggedEvent, StoredLedgerEvent, StoredMessage, StoredTransfer } from '../../app/event-log.ts';
import { type EventNotices, MessageIndex, type MessageSource } from '../../app/message-index.ts';
import type { EventOutcome } from '../../domain/engine.ts';
import type { EngineEvent } from '../../domain/events.ts';
import { type AppliedMigration, type Migration, SCHEMA_MIGRATIONS_DDL, pendingMigrations } from './migrations.ts';
import { decodeCompact, encodeCompact } from './compact-json.ts';
import { packFor, unpack } from './packed-transfers.ts';
import { PostgresWebhookStore } from './postgres-webhook-store.ts';
import { checkSafe } from './safe-integer.ts';

const INT8_OID = 20;

/** int8 text to a number, refusing anything a JavaScript number cannot hold exactly. */
export function parseInt8Checked(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new RangeError(`int8 value ${text} is beyond Number.MAX_SAFE_INTEGER`);
  return value;
}

const checkedTypes = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary' ? parseInt8Checked : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/**
 * The writer lock: "qrebate" in ASCII as a 64-bit key. It is transaction-scoped, so a crash or a
 * dropped connection releases it with the transaction; it is per database, so shards in separate
 * databases (or test databases) never contend. Written into the SQL text because it is a constant
 * of the platform; no value from outside ever is.
 */
export const WRITER_LOCK_KEY = '31932452136121445';
const BEGIN_LOCKED = 'BEGIN; SELECT pg_advisory_xact_lock(31932452136121445)';

/** Rows per multi-row INSERT: bounds one message's size while keeping round trips few. */
const INSERT_CHUNK_ROWS = 5_000;

const SQL = {
  // Paged with LIMIT (see readSincePaged): the planner then walks the primary key whatever the statistics.
  readSince: 'SELECT seq, idempotency_key, fingerprint, payload, outcome, actor FROM events WHERE seq > $1 ORDER BY seq LIMIT $2',
  findKeys: 'SELECT idempotency_key, fingerprint, outcome FROM events WHERE idempotency_key = ANY($1::text[])',
  insertEvents: `INSERT INTO events (seq, idempotency_key, fingerprint, type, at, payload, outcome, actor, transfers)
    SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::text[], $8::text[], $9::text[])`,
  readLedger: 'SELECT seq, transfers FROM events WHERE seq > $1 ORDER BY seq LIMIT $2',
  outcomesPage: 'SELECT seq, outcome FROM events WHERE seq > $1 ORDER BY seq LIMIT $2',
  outcomesAt: 'SELECT seq, outcome FROM events WHERE seq = ANY($1::bigint[])',
} as const;

/** A named statement: PostgreSQL parses and plans it once per connection. */
function named(name: keyof typeof SQL, values: unknown[]): pg.QueryConfig {
  return { name: `qrebate_${name}`, text: SQL[name], values };
}

interface EventRow {
  seq: number;
  idempotency_key: string;
  fingerprint: string;
  payload: string;
  outcome: string;
  actor: string | null;
}

interface OutcomeRow {
  seq: number;
  outcome: string;
}

function toLogged(row: EventRow): LoggedEvent {
  return {
    seq: row.seq,
    key: row.idempotency_key,
    fingerprint: row.fingerprint,
    event: decodeCompact(row.payload) as EngineEvent,
    outcome: decodeCompact(row.outcome) as EventOutcome,
    actor: row.actor,
  };
}

function toNotices(row: OutcomeRow): EventNotices {
  return { seq: row.seq, outcome: decodeCompact(row.outcome) as EventOutcome };
}

/** Rows per page of readSince. */
const READ_PAGE_ROWS = 10_000;

/**
 * Fix (found by the reliability tests, tests/reliability): `WHERE seq > $1 ORDER BY seq` without a
 * LIMIT was planned as a sequential scan and sort of the whole events table whenever the table
 * had no statistics (autovacuum off, as on the CI machines' PostgreSQL, or before the first
 * ANALYZE): the planner assumes a third of the rows match. Every write transaction and every
 * read's catch-up runs this query, so each cost O(log length): 45 ms at 97k events instead of
 * 0.07 ms. With a LIMIT the primary-key index scan is always the cheaper plan; pages follow each
 * other by seq (seqs are gapless and commit in order under the writer lock, so pages read outside
 * a transaction still join into a prefix of the log).
 */
async function readSincePaged(query: (afterSeq: number, limit: number) => Promise<EventRow[]>, afterSeq: number): Promise<LoggedEvent[]> {
  const out: LoggedEvent[] = [];
  let after = checkSafe(afterSeq, 'afterSeq');
  for (;;) {
    const rows = await query(after, READ_PAGE_ROWS);
    for (const row of rows) out.push(toLogged(row));
    if (rows.length < READ_PAGE_ROWS) return out;
    after = rows[rows.length - 1]!.seq;
  }
}

function chunks<T>(rows: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += INSERT_CHUNK_ROWS) out.push(rows.slice(i, i + INSERT_CHUNK_ROWS));
  return out;
}

/** The columns of one multi-row events INSERT; `packed` holds each event's transfers column. */
function eventColumns(events: readonly LoggedEvent[], packed: ReadonlyMap<number, string>): unknown[] {
  return [
    events.map((e) => checkSafe(e.seq, 'seq')),
    events.map((e) => e.key),
    events.map((e) => e.fingerprint),
    events.map((e) => e.event.type),
    events.map((e) => checkSafe(e.event.at, 'at')),
    events.map((e) => encodeCompact(e.event)),
    events.map((e) => encodeCompact(e.outcome)),
    events.map((e) => e.actor),
    events.map((e) => packed.get(e.seq)!),
  ];
}

/** A unique violation on the idempotency key becomes the same error the in-memory log raises. */
function duplicateKeyError(err: unknown): Error | null {
  const e = err as { code?: string; constraint?: string; detail?: string };
  if (e.code !== '23505' || e.constraint !== 'events_idempotency_key_unique') return null;
  const key = /=\((.*)\) already exists/.exec(e.detail ?? '')?.[1] ?? '(unknown)';
  return new Error(`duplicate idempotency key ${key}`, { cause: err });
}

export interface PostgresEventLogOptions {
  /** Connections in the pool; one is held per write transaction, others serve reads. */
  poolSize?: number;
}

export class PostgresEventLog implements EventLog {
  private readonly pool: pg.Pool;
  private closed = false;
  /** Member messages derived from the events this log has seen (message-index.ts). */
  private readonly messages = new MessageIndex();
  private readonly messageSource: MessageSource = {
    readPage: async (afterSeq, limit) => (await this.pool.query<OutcomeRow>(named('outcomesPage', [checkSafe(afterSeq, 'afterSeq'), checkSafe(limit, 'limit')]))).rows.map(toNotices),
    readAt: async (seqs) => (await this.pool.query<OutcomeRow>(named('outcomesAt', [seqs.map((seq) => checkSafe(seq, 'seq'))]))).rows.map(toNotices),
  };

  constructor(connectionString: string, options: PostgresEventLogOptions = {}) {
    // Named statements are parsed once per connection but planned for their parameters every time
    // (plan_cache_mode): a generic plan, which PostgreSQL settles on after five executions, was
    // made while the events table was small and kept after it grew. Measured (bench:http): after a
    // thousand single-event transactions, a batch of 100 took 30-44 ms instead of 7-10.
    this.pool = new pg.Pool({ connectionString, max: options.poolSize ?? 4, types: checkedTypes, options: '-c plan_cache_mode=force_custom_plan' });
    // An idle client that loses its connection is dropped by the pool; without a listener the
    // error would be thrown as an uncaught exception and end the process.
    this.pool.on('error', () => undefined);
  }

  /** Applies pending migrations under the writer lock, so concurrent openers apply each once. */
  async migrate(): Promise<Migration[]> {
    return this.transaction(async (client) => {
      await client.query(SCHEMA_MIGRATIONS_DDL.postgres);
      const recorded = (await client.query<AppliedMigration>('SELECT version, name FROM schema_migrations ORDER BY version')).rows;
      const pending = pendingMigrations(recorded);
      for (const m of pending) {
        for (const sql of m.postgres) await client.query(sql);
        await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      }
      return pending;
    });
  }

  async open(newSeed: number): Promise<{ seed: number }> {
    checkSafe(newSeed, 'seed');
    await this.migrate();
    await this.pool.query("INSERT INTO meta (key, value) VALUES ('seed', $1) ON CONFLICT (key) DO NOTHING", [String(newSeed)]);
    const { rows } = await this.pool.query<{ value: string }>("SELECT value FROM meta WHERE key = 'seed'");
    const seed = Number(rows[0]?.value);
    if (!Number.isSafeInteger(seed)) throw new Error(`the stored engine seed ${rows[0]?.value} is not an integer`);
    return { seed };
  }

  async readSince(afterSeq: number): Promise<LoggedEvent[]> {
    return this.observed(await readSincePaged(async (after, limit) => (await this.pool.query<EventRow>(named('readSince', [after, limit]))).rows, afterSeq));
  }

  /** Events this log read, fed to its message index on the way out. */
  private observed(events: LoggedEvent[]): LoggedEvent[] {
    this.messages.observe(events);
    return events;
  }

  async withWriteLock<T>(work: (tx: LogTx) => Promise<T>): Promise<T> {
    const appended: LoggedEvent[] = [];
    const result = await this.transaction(async (client) => {
      let active = true;
      const live = (): pg.PoolClient => {
        if (!active) throw new Error('the log transaction was used after it ended');
        return client;
      };
      const tx: LogTx = {
        readSince: async (afterSeq) =>
          this.observed(await readSincePaged(async (after, limit) => (await live().query<EventRow>(named('readSince', [after, limit]))).rows, afterSeq)),
        findKeys: async (keys) => {
          const found = new Map<string, KeyRecord>();
          if (keys.length === 0) return found;
          const { rows } = await live().query<{ idempotency_key: string; fingerprint: string; outcome: string }>(named('findKeys', [keys]));
          for (const row of rows) found.set(row.idempotency_key, { fingerprint: row.fingerprint, outcome: decodeCompact(row.outcome) as EventOutcome });
          return found;
        },
        append: async (events, transfers) => {
          await this.append(live(), events, transfers);
          appended.push(...events);
        },
      };
      try {
        return await work(tx);
      } finally {
        active = false;
      }
    });
    this.messages.observe(appended); // committed: now they are the log's
    return result;
  }

  /** One row per event, its transfers packed into it, one multi-row INSERT per chunk (docs/ARCHITECTURE.md, "One row per event"). */
  private async append(client: pg.PoolClient, events: readonly LoggedEvent[], transfers: readonly StoredTransfer[]): Promise<void> {
    const packed = packFor(events.map((e) => e.seq), transfers);
    for (const chunk of chunks(events)) {
      try {
        await client.query(named('insertEvents', eventColumns(chunk, packed)));
      } catch (err) {
        throw duplicateKeyError(err) ?? err;
      }
    }
  }

  async readLedger(afterSeq: number, limit: number): Promise<StoredLedgerEvent[]> {
    const { rows } = await this.pool.query<{ seq: number; transfers: string }>(named('readLedger', [checkSafe(afterSeq, 'afterSeq'), checkSafe(limit, 'limit')]));
    return rows.map((row) => unpack(row.seq, row.transfers));
  }

  readMessages(memberId: string, afterId: number, limit: number): Promise<StoredMessage[]> {
    return this.messages.forMember(this.messageSource, memberId, checkSafe(afterId, 'afterId'), checkSafe(limit, 'limit'));
  }

  /** The webhook store on this log's pool, reading this log's messages (open or migrate the log first). */
  webhooks(): PostgresWebhookStore {
    return new PostgresWebhookStore(this.pool, (afterId, limit) => this.messages.after(this.messageSource, afterId, limit));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  /**
   * One client, BEGIN and the writer lock in one round trip, `work`, COMMIT (pg-transaction.ts).
   */
  private transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, BEGIN_LOCKED, 'write', work);
  }

}
