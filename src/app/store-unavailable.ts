/**
 * Whether an error means the store cannot serve right now (busy, unreachable, restarting, out of
 * space) rather than that something is wrong with the request or the code. The API answers these
 * with 503 STORE_UNAVAILABLE and Retry-After. The request may or may not have been committed (a
 * connection can drop after COMMIT was sent); either way the service rebuilds its state from the
 * log before the next request, and a retry with the same Idempotency-Key either applies it or
 * returns the stored result: exactly one effect.
 *
 * It reads the drivers' public error codes without importing them: better-sqlite3's SqliteError
 * carries SQLite's extended result code name (`SQLITE_BUSY_SNAPSHOT`), pg's DatabaseError the
 * PostgreSQL SQLSTATE (`57P01`), and Node's socket errors their errno name (`ECONNREFUSED`).
 * Constraint violations and every other code stay unexpected (500): they point at a bug.
 */

/** SQLite primary result codes (an extended code starts with one of these plus `_`). */
const SQLITE_UNAVAILABLE = ['SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_FULL', 'SQLITE_IOERR', 'SQLITE_CANTOPEN', 'SQLITE_PROTOCOL', 'SQLITE_READONLY', 'SQLITE_NOLFS'];

/** PostgreSQL SQLSTATE classes and codes that say "not now". */
const PG_CLASSES = ['08', '53']; // connection exception; insufficient resources (disk full, out of memory, too many connections)
const PG_CODES = new Set([
  '57P01', '57P02', '57P03', // admin shutdown, crash shutdown, cannot connect now (starting up)
  '40001', '40P01', // serialization failure, deadlock detected: the transaction was rolled back
  '55P03', // lock not available (lock_timeout)
  '57014', // query canceled (statement_timeout)
]);

/** Node's socket and name-lookup failures. */
const NET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/** pg's own messages when a connection drops or the pool cannot connect in time (they carry no code). */
const PG_CONNECTION_MESSAGES = ['Connection terminated', 'timeout exceeded when trying to connect', 'Client has encountered a connection error'];

const MAX_CAUSES = 8;

export function isStoreUnavailable(err: unknown): boolean {
  let current = err;
  // A store may wrap the driver's error (`new Error(..., { cause })`): look down a few causes.
  for (let depth = 0; depth < MAX_CAUSES && typeof current === 'object' && current !== null; depth++) {
    if (saysUnavailable(current as { code?: unknown; message?: unknown })) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

function saysUnavailable(err: { code?: unknown; message?: unknown }): boolean {
  const { code, message } = err;
  if (typeof code === 'string') {
    if (code.startsWith('SQLITE_')) return SQLITE_UNAVAILABLE.some((c) => code === c || code.startsWith(`${c}_`));
    if (/^[0-9A-Z]{5}$/.test(code) && (PG_CODES.has(code) || PG_CLASSES.includes(code.slice(0, 2)))) return true;
    if (NET_CODES.has(code)) return true;
  }
  return typeof message === 'string' && PG_CONNECTION_MESSAGES.some((m) => message.startsWith(m));
}
