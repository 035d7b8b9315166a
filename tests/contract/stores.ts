/**
 * The stores the event-log contract suite runs against, behind one small harness: each test gets a
 * fresh store, opens as many connections to it as it likes (`connect`), and `dispose` closes them
 * and deletes the data. PostgreSQL gets a database of its own per test, created through the
 * `postgres` database of DATABASE_TEST_URL and dropped afterwards.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import type { EventLog, StoredTransfer } from '../../src/app/event-log.ts';
import { MemoryEventLog } from '../../src/store/memory/memory-event-log.ts';
import { PostgresEventLog } from '../../src/store/sql/postgres-event-log.ts';
import { SqliteEventLog } from '../../src/store/sql/sqlite-event-log.ts';

export interface StoreHarness {
  /** A new connection to this store's data (the one shared instance for the in-memory log). */
  connect(): EventLog;
  /** Runs a constant statement behind the adapter's back (SQL stores only). */
  sql?(statement: string): Promise<void>;
  dispose(): Promise<void>;
}

export interface StoreKind {
  name: string;
  /** Whether the data outlives a closed connection (false only for the in-memory log). */
  durable: boolean;
  sql: boolean;
  create(): Promise<StoreHarness>;
}

export const PG_SKIP_NOTICE = 'PostgreSQL not reachable: skipping PostgreSQL contract suites (set QREBATE_REQUIRE_PG=1 to require them)';

export const pgBaseUrl = process.env.DATABASE_TEST_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

/** Null when PostgreSQL answers at the base URL, else why not. */
export async function probePostgres(url = pgBaseUrl): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  } finally {
    await client.end().catch(() => undefined);
  }
}

function tracked(make: () => EventLog) {
  const opened: EventLog[] = [];
  return {
    connect(): EventLog {
      const log = make();
      opened.push(log);
      return log;
    },
    async closeAll(): Promise<void> {
      for (const log of opened) await log.close().catch(() => undefined);
    },
  };
}

export const memoryKind: StoreKind = {
  name: 'MemoryEventLog',
  durable: false,
  sql: false,
  async create() {
    const log = new MemoryEventLog();
    return { connect: () => log, dispose: async () => undefined };
  },
};

export const sqliteKind: StoreKind = {
  name: 'SqliteEventLog (temp file)',
  durable: true,
  sql: true,
  async create() {
    const dir = mkdtempSync(join(tmpdir(), 'qrebate-contract-'));
    const file = join(dir, 'qrebate.db');
    const logs = tracked(() => new SqliteEventLog(file));
    return {
      connect: logs.connect,
      async sql(statement) {
        const db = new Database(file);
        try {
          db.exec(statement);
        } finally {
          db.close();
        }
      },
      async dispose() {
        await logs.closeAll();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

let databases = 0;

export function databaseUrl(name: string): string {
  const url = new URL(pgBaseUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Runs one statement on the base database; database names cannot be parameters, so they are checked. */
export async function admin(sql: string, name: string): Promise<void> {
  if (!/^qrebate_test_[0-9a-z_]+$/.test(name)) throw new Error(`refusing database name ${name}`);
  const client = new pg.Client({ connectionString: pgBaseUrl });
  await client.connect();
  try {
    await client.query(sql.replace('$db', `"${name}"`));
  } finally {
    await client.end();
  }
}

export const postgresKind: StoreKind = {
  name: 'PostgresEventLog',
  durable: true,
  sql: true,
  async create() {
    const name = `qrebate_test_${process.pid}_${Math.random().toString(36).slice(2, 8)}_${++databases}`;
    await admin('CREATE DATABASE $db', name);
    const url = databaseUrl(name);
    const logs = tracked(() => new PostgresEventLog(url));
    return {
      connect: logs.connect,
      async sql(statement) {
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        try {
          await client.query(statement);
        } finally {
          await client.end();
        }
      },
      async dispose() {
        await logs.closeAll();
        await admin('DROP DATABASE IF EXISTS $db WITH (FORCE)', name);
      },
    };
  },
};

/** Every stored ledger transfer, read from the database in pages of events and numbered in log order. */
export async function storedTransfers(log: EventLog): Promise<StoredTransfer[]> {
  const out: StoredTransfer[] = [];
  for (let afterSeq = 0; ;) {
    const page = await log.readLedger(afterSeq, 10_000);
    for (const event of page) for (const t of event.transfers) out.push({ id: out.length + 1, seq: event.seq, ...t });
    if (page.length < 10_000) return out;
    afterSeq = page[page.length - 1]!.seq;
  }
}
