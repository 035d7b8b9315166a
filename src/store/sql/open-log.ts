/**
 * Chooses the durable event log from configuration: PostgreSQL when a database URL is given
 * (production, several processes), otherwise an embedded SQLite file in the data directory.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PostgresEventLog } from './postgres-event-log.ts';
import { SqliteEventLog } from './sqlite-event-log.ts';

export interface EventLogConfig {
  /** A PostgreSQL connection string (`postgres://user@host:5432/db`); empty means unset. */
  databaseUrl?: string;
  /** Where the embedded database lives when no URL is set: `<dataDir>/qrebate.db`. */
  dataDir: string;
}

export type SqlEventLog = PostgresEventLog | SqliteEventLog;

export const SQLITE_FILE_NAME = 'qrebate.db';

/** Constructs the log; `open` (or `migrate`) then applies the schema. */
export function openEventLog(config: EventLogConfig): SqlEventLog {
  if (config.databaseUrl) return new PostgresEventLog(config.databaseUrl);
  mkdirSync(config.dataDir, { recursive: true });
  return new SqliteEventLog(join(config.dataDir, SQLITE_FILE_NAME));
}

/** Where a log lives, for messages: the URL without its password, or the file. */
export function describeEventLog(config: EventLogConfig): string {
  if (!config.databaseUrl) return join(config.dataDir, SQLITE_FILE_NAME);
  try {
    const url = new URL(config.databaseUrl);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return 'PostgreSQL (unparsable URL)';
  }
}
