/**
 * The SQL schema of the durable event log, as versioned migrations kept as data. Each adapter
 * applies the pending ones at open, inside one transaction that holds its writer lock, and records
 * each in `schema_migrations`; opening twice applies nothing the second time. A database whose
 * recorded version is newer than the newest migration here was written by a newer qrebate: the
 * adapters refuse to open it rather than guess at a schema they do not know.
 *
 * Why one global `seq`: the engine is one deterministic state machine over all queues (queues
 * merge, settings and resets span queues, pools and rewards move money between them), so one
 * total order of events is what makes a replay give the same state and the same ledger hash
 * everywhere, and one writer lock per database is what lets two servers give the reference
 * model's result. The durable path goes faster by batching orders per transaction, not by
 * parallel writers (`npm run bench:store`).
 *
 * How it would shard later: by queue group, where a group is a set of queues that never exchange
 * money with another group (its own settings, pools and members' entries). Each shard key gets its
 * own engine and its own log with its own seq and writer lock (one advisory lock key, or one
 * database, per shard), and events carry the shard key so a router sends each to its engine.
 * Within a shard everything here stays as it is; only cross-group operations (a merge of queues
 * of two groups, member balances shown across groups) need a coordinator, and the rebate rules
 * do not require them. The tables would gain a `shard` column at the front of every key.
 */

export interface Migration {
  /** Consecutive from 1; never renumbered or edited once released (add a new one instead). */
  version: number;
  name: string;
  sqlite: string[];
  postgres: string[];
}

/** The bookkeeping table itself is created outside the versions, before reading them. */
export const SCHEMA_MIGRATIONS_DDL = {
  sqlite: `CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
  ) STRICT`,
  postgres: `CREATE TABLE IF NOT EXISTS schema_migrations (
    version integer PRIMARY KEY,
    name text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`,
} as const;

/**
 * SQLite tables are STRICT (a REAL never slips into an integer column) and `seq`/`id` are
 * INTEGER PRIMARY KEY, i.e. the rowid, so appends and range reads walk the table's own b-tree.
 * `payload` and `outcome` are JSON text: the exact text the engine produced, with numbers kept
 * as written (PostgreSQL's jsonb would normalize them). `actor` is who submitted the event (null
 * for the engine's own ticks). Amounts are capped at 2^53 - 1 so every reader can hold them as
 * JavaScript numbers exactly.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'event log, engine seed and ledger transfers',
    sqlite: [
      `CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT`,
      `CREATE TABLE events (
        seq INTEGER PRIMARY KEY CHECK (seq > 0),
        idempotency_key TEXT NOT NULL UNIQUE,
        fingerprint TEXT NOT NULL,
        type TEXT NOT NULL,
        at INTEGER NOT NULL,
        payload TEXT NOT NULL,
        outcome TEXT NOT NULL,
        actor TEXT
      ) STRICT`,
      `CREATE TABLE ledger_transfers (
        id INTEGER PRIMARY KEY CHECK (id > 0),
        seq INTEGER NOT NULL REFERENCES events (seq),
        debit TEXT NOT NULL,
        credit TEXT NOT NULL,
        amount INTEGER NOT NULL CHECK (amount > 0 AND amount <= 9007199254740991),
        unit TEXT NOT NULL,
        cause_kind TEXT NOT NULL,
        cause_ref INTEGER NOT NULL,
        event_no INTEGER NOT NULL
      ) STRICT`,
      'CREATE INDEX ledger_transfers_debit ON ledger_transfers (debit)',
      'CREATE INDEX ledger_transfers_credit ON ledger_transfers (credit)',
      'CREATE INDEX ledger_transfers_seq ON ledger_transfers (seq)',
    ],
    postgres: [
      `CREATE TABLE meta (
        key text PRIMARY KEY,
        value text NOT NULL
      )`,
      `CREATE TABLE events (
        seq bigint PRIMARY KEY CHECK (seq > 0),
        idempotency_key text NOT NULL,
        fingerprint text NOT NULL,
        type text NOT NULL,
        at bigint NOT NULL,
        payload text NOT NULL,
        outcome text NOT NULL,
        actor text,
        CONSTRAINT events_idempotency_key_unique UNIQUE (idempotency_key)
      )`,
      `CREATE TABLE ledger_transfers (
        id bigint PRIMARY KEY CHECK (id > 0),
        seq bigint NOT NULL REFERENCES events (seq),
        debit text NOT NULL,
        credit text NOT NULL,
        amount bigint NOT NULL CHECK (amount > 0 AND amount <= 9007199254740991),
        unit text NOT NULL,
        cause_kind text NOT NULL,
        cause_ref bigint NOT NULL,
        event_no bigint NOT NULL
      )`,
      'CREATE INDEX ledger_transfers_debit ON ledger_transfers (debit)',
      'CREATE INDEX ledger_transfers_credit ON ledger_transfers (credit)',
      'CREATE INDEX ledger_transfers_seq ON ledger_transfers (seq)',
    ],
  },
  {
    // Member messages (消息通知), written with their event; webhooks and their deliveries; the
    // delivery worker's cursor (the id of the last message it scanned) as a row of `meta`.
    // Delivery ids are never reused (AUTOINCREMENT, an identity), even after a webhook is deleted.
    version: 2,
    name: 'member messages, webhooks and webhook deliveries',
    sqlite: [
      `CREATE TABLE messages (
        id INTEGER PRIMARY KEY CHECK (id > 0),
        seq INTEGER NOT NULL REFERENCES events (seq),
        member_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        ref INTEGER NOT NULL,
        amount_fen INTEGER NOT NULL,
        at INTEGER NOT NULL
      ) STRICT`,
      'CREATE INDEX messages_member ON messages (member_id, id)',
      `CREATE TABLE webhooks (
        id TEXT PRIMARY KEY,
        url TEXT NOT NULL,
        secret TEXT NOT NULL,
        kinds TEXT NOT NULL,
        enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),
        created_at INTEGER NOT NULL
      ) STRICT`,
      `CREATE TABLE webhook_deliveries (
        id INTEGER PRIMARY KEY AUTOINCREMENT CHECK (id > 0),
        webhook_id TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
        message_id INTEGER NOT NULL REFERENCES messages (id),
        status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'dead')),
        attempts INTEGER NOT NULL CHECK (attempts >= 0),
        next_attempt_at INTEGER NOT NULL,
        last_error TEXT,
        delivered_at INTEGER,
        UNIQUE (webhook_id, message_id)
      ) STRICT`,
      'CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at)',
      'CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, id)',
      "INSERT INTO meta (key, value) VALUES ('webhook_cursor', '0')",
    ],
    postgres: [
      `CREATE TABLE messages (
        id bigint PRIMARY KEY CHECK (id > 0),
        seq bigint NOT NULL REFERENCES events (seq),
        member_id text NOT NULL,
        kind text NOT NULL,
        ref bigint NOT NULL,
        amount_fen bigint NOT NULL,
        at bigint NOT NULL
      )`,
      'CREATE INDEX messages_member ON messages (member_id, id)',
      `CREATE TABLE webhooks (
        id text PRIMARY KEY,
        url text NOT NULL,
        secret text NOT NULL,
        kinds text NOT NULL,
        enabled boolean NOT NULL,
        created_at bigint NOT NULL
      )`,
      `CREATE TABLE webhook_deliveries (
        id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        webhook_id text NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
        message_id bigint NOT NULL REFERENCES messages (id),
        status text NOT NULL CHECK (status IN ('pending', 'delivered', 'dead')),
        attempts integer NOT NULL CHECK (attempts >= 0),
        next_attempt_at bigint NOT NULL,
        last_error text,
        delivered_at bigint,
        CONSTRAINT webhook_deliveries_once UNIQUE (webhook_id, message_id)
      )`,
      'CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at)',
      'CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, id)',
      "INSERT INTO meta (key, value) VALUES ('webhook_cursor', '0')",
    ],
  },
  {
    // One row per event (docs/ARCHITECTURE.md, "One row per event"): an event's ledger transfers
    // move into a column of its events row, member messages are derived from the stored outcomes
    // instead of written again (their ids are the same numbering the messages table held), and a
    // webhook delivery carries a copy of its message. Delivery ids are still never reused.
    version: 3,
    name: 'one row per event: transfers in the events row, messages derived',
    sqlite: [
      "ALTER TABLE events ADD COLUMN transfers TEXT NOT NULL DEFAULT '[]'",
      `UPDATE events SET transfers = (
         SELECT json_group_array(json_array(t.debit, t.credit, t.amount, t.unit, t.cause_kind, t.cause_ref, t.event_no) ORDER BY t.id)
           FROM ledger_transfers t WHERE t.seq = events.seq)
        WHERE seq IN (SELECT seq FROM ledger_transfers)`,
      'DROP TABLE ledger_transfers',
      `CREATE TABLE webhook_deliveries_v3 (
        id INTEGER PRIMARY KEY AUTOINCREMENT CHECK (id > 0),
        webhook_id TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
        message_id INTEGER NOT NULL CHECK (message_id > 0),
        seq INTEGER NOT NULL,
        member_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        ref INTEGER NOT NULL,
        amount_fen INTEGER NOT NULL,
        at INTEGER NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'dead')),
        attempts INTEGER NOT NULL CHECK (attempts >= 0),
        next_attempt_at INTEGER NOT NULL,
        last_error TEXT,
        delivered_at INTEGER,
        UNIQUE (webhook_id, message_id)
      ) STRICT`,
      `INSERT INTO webhook_deliveries_v3 (id, webhook_id, message_id, seq, member_id, kind, ref, amount_fen, at, status, attempts, next_attempt_at, last_error, delivered_at)
         SELECT d.id, d.webhook_id, d.message_id, m.seq, m.member_id, m.kind, m.ref, m.amount_fen, m.at, d.status, d.attempts, d.next_attempt_at, d.last_error, d.delivered_at
           FROM webhook_deliveries d JOIN messages m ON m.id = d.message_id`,
      // The old table's counter, which is at least every id it ever gave: ids stay unique forever.
      "DELETE FROM sqlite_sequence WHERE name = 'webhook_deliveries_v3'",
      "INSERT INTO sqlite_sequence (name, seq) SELECT 'webhook_deliveries_v3', seq FROM sqlite_sequence WHERE name = 'webhook_deliveries'",
      'DROP TABLE webhook_deliveries',
      'ALTER TABLE webhook_deliveries_v3 RENAME TO webhook_deliveries',
      'CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at)',
      'CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, id)',
      'DROP TABLE messages',
    ],
    postgres: [
      "ALTER TABLE events ADD COLUMN transfers text NOT NULL DEFAULT '[]'",
      `UPDATE events e SET transfers = t.packed
         FROM (SELECT seq, json_agg(json_build_array(debit, credit, amount, unit, cause_kind, cause_ref, event_no) ORDER BY id)::text AS packed
                 FROM ledger_transfers GROUP BY seq) t
        WHERE t.seq = e.seq`,
      'DROP TABLE ledger_transfers',
      'ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_message_id_fkey',
      `ALTER TABLE webhook_deliveries ADD COLUMN seq bigint, ADD COLUMN member_id text, ADD COLUMN kind text,
         ADD COLUMN ref bigint, ADD COLUMN amount_fen bigint, ADD COLUMN at bigint`,
      `UPDATE webhook_deliveries d SET seq = m.seq, member_id = m.member_id, kind = m.kind, ref = m.ref, amount_fen = m.amount_fen, at = m.at
         FROM messages m WHERE m.id = d.message_id`,
      `ALTER TABLE webhook_deliveries ALTER COLUMN seq SET NOT NULL, ALTER COLUMN member_id SET NOT NULL, ALTER COLUMN kind SET NOT NULL,
         ALTER COLUMN ref SET NOT NULL, ALTER COLUMN amount_fen SET NOT NULL, ALTER COLUMN at SET NOT NULL`,
      'DROP TABLE messages',
    ],
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** A database written by a newer qrebate (or by something else): opening it would risk the data. */
export class SchemaVersionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SchemaVersionError';
  }
}

export interface AppliedMigration {
  version: number;
  name: string;
}

/**
 * The migrations still to apply, given the rows of `schema_migrations`. Refuses a database whose
 * version is newer than this code knows, and one whose recorded history differs from ours.
 */
export function pendingMigrations(recorded: readonly AppliedMigration[], known: readonly Migration[] = MIGRATIONS): Migration[] {
  const newest = known.length === 0 ? 0 : known[known.length - 1]!.version;
  const current = recorded.reduce((max, m) => Math.max(max, m.version), 0);
  if (current > newest) {
    throw new SchemaVersionError(
      `the database schema is at version ${current}, newer than this qrebate knows (${newest}): ` +
        'it was migrated by a newer release; upgrade qrebate instead of opening it with this one',
    );
  }
  const byVersion = new Map(recorded.map((m) => [m.version, m.name]));
  for (const m of known) {
    if (m.version > current) break;
    const name = byVersion.get(m.version);
    if (name !== m.name) {
      throw new SchemaVersionError(
        name === undefined
          ? `the database records schema version ${current} but not version ${m.version}: its migration history is incomplete`
          : `the database records schema version ${m.version} as "${name}", but this qrebate knows it as "${m.name}": not a qrebate database of this lineage`,
      );
    }
  }
  return known.filter((m) => m.version > current);
}

/** Checks the list itself at module load: versions consecutive from 1, statements for both dialects. */
export function checkMigrationList(list: readonly Migration[]): void {
  list.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration ${m.name} has version ${m.version}, expected ${i + 1}`);
    if (m.sqlite.length === 0 || m.postgres.length === 0) throw new Error(`migration ${m.version} lacks statements for a dialect`);
  });
}

checkMigrationList(MIGRATIONS);
