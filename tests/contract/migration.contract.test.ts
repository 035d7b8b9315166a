/**
 * Migration 3 ("one row per event") on a database written by the version-2 schema: ledger rows
 * move into their events rows in id order, the messages table goes while every message keeps its
 * id (they are now derived from the stored outcomes), webhook deliveries keep their ids, status
 * and message, and a delivery created afterwards never reuses an old id. Runs on SQLite and on
 * PostgreSQL (skipped with a notice when it is not reachable, unless QREBATE_REQUIRE_PG=1).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { StoredMessage } from '../../src/app/event-log.ts';
import type { EventOutcome } from '../../src/domain/engine.ts';
import { MIGRATIONS, SCHEMA_MIGRATIONS_DDL } from '../../src/store/sql/migrations.ts';
import type { SqlEventLog } from '../../src/store/sql/open-log.ts';
import { type StoreHarness, type StoreKind, PG_SKIP_NOTICE, postgresKind, probePostgres, sqliteKind, storedTransfers } from './stores.ts';

const pgProblem = await probePostgres();
const requirePg = process.env.QREBATE_REQUIRE_PG === '1';
if (pgProblem !== null && !requirePg) console.warn(`${PG_SKIP_NOTICE} [${pgProblem}]`);

const T0 = Date.parse('2026-03-01T10:00:00+08:00');

function outcome(eventNo: number, notices: [string, string, number, number][]): EventOutcome {
  return {
    eventNo, type: 'paid', at: T0 + eventNo, result: {}, scheduledResets: 0, scheduled: [],
    notices: notices.map(([memberId, kind, entryId, amountFen]) => ({ memberId, kind, entryId, amountFen })),
  } as EventOutcome;
}

/** Three events as the version-2 log wrote them: their rows, their ledger rows and their message rows. */
const EVENTS = [
  outcome(1, [['A', 'entryCreated', 1, 5_000], ['A', 'rewardReceived', 1, 500]]),
  outcome(2, []),
  outcome(3, [['B', 'entryCreated', 2, 7_000], ['A', 'entryCompleted', 1, 5_000]]),
];
const TRANSFERS = [
  { seq: 1, debit: 'platform:funding', credit: 'queue:mall', amount: 5_000, unit: 'CNY', causeKind: 'line', causeRef: 1, eventNo: 1 },
  { seq: 1, debit: 'queue:mall', credit: "member:A'; --:frozen", amount: 500, unit: 'CNY', causeKind: 'entry', causeRef: 1, eventNo: 1 },
  { seq: 3, debit: 'platform:funding', credit: 'queue:mall', amount: 9_007_199_254_740_991, unit: 'POINTS', causeKind: 'event', causeRef: 3, eventNo: 3 },
];
const MESSAGES: StoredMessage[] = [
  { id: 1, seq: 1, memberId: 'A', kind: 'entryCreated', ref: 1, amountFen: 5_000, at: T0 + 1 },
  { id: 2, seq: 1, memberId: 'A', kind: 'rewardReceived', ref: 1, amountFen: 500, at: T0 + 1 },
  { id: 3, seq: 3, memberId: 'B', kind: 'entryCreated', ref: 2, amountFen: 7_000, at: T0 + 3 },
  { id: 4, seq: 3, memberId: 'A', kind: 'entryCompleted', ref: 1, amountFen: 5_000, at: T0 + 3 },
];

const quote = (text: string) => `'${text.replace(/'/g, "''")}'`;

/** The version-2 database, written with constant statements (no engine: only the old schema's rows). */
function versionTwo(dialect: 'sqlite' | 'postgres'): string[] {
  const out: string[] = [SCHEMA_MIGRATIONS_DDL[dialect]];
  for (const m of MIGRATIONS.filter((m) => m.version <= 2)) {
    out.push(...m[dialect], `INSERT INTO schema_migrations (version, name) VALUES (${m.version}, ${quote(m.name)})`);
  }
  out.push("INSERT INTO meta (key, value) VALUES ('seed', '7')");
  EVENTS.forEach((o, i) => {
    const seq = i + 1;
    const payload = JSON.stringify({ type: 'tick', at: o.at });
    out.push(`INSERT INTO events (seq, idempotency_key, fingerprint, type, at, payload, outcome, actor) VALUES (${seq}, 'k${seq}', 'f${seq}', 'tick', ${o.at}, ${quote(payload)}, ${quote(JSON.stringify(o))}, NULL)`);
  });
  TRANSFERS.forEach((t, i) => {
    out.push(`INSERT INTO ledger_transfers (id, seq, debit, credit, amount, unit, cause_kind, cause_ref, event_no)
      VALUES (${i + 1}, ${t.seq}, ${quote(t.debit)}, ${quote(t.credit)}, ${t.amount}, '${t.unit}', '${t.causeKind}', ${t.causeRef}, ${t.eventNo})`);
  });
  for (const m of MESSAGES) {
    out.push(`INSERT INTO messages (id, seq, member_id, kind, ref, amount_fen, at) VALUES (${m.id}, ${m.seq}, '${m.memberId}', '${m.kind}', ${m.ref}, ${m.amountFen}, ${m.at})`);
  }
  out.push(`INSERT INTO webhooks (id, url, secret, kinds, enabled, created_at) VALUES ('h', 'https://shop.example/hook', 's', '["*"]', ${dialect === 'sqlite' ? 1 : 'true'}, ${T0})`);
  // Deliveries 1-3 existed; 3 was deleted again, so the next id must be 4, never 3.
  for (const [id, message, status] of [[1, 1, 'delivered'], [2, 3, 'pending'], [3, 4, 'dead']] as const) {
    out.push(`INSERT INTO webhook_deliveries (id, webhook_id, message_id, status, attempts, next_attempt_at) VALUES (${id}, 'h', ${message}, '${status}', 1, ${T0})`);
  }
  out.push('DELETE FROM webhook_deliveries WHERE id = 3');
  out.push("UPDATE meta SET value = '3' WHERE key = 'webhook_cursor'");
  if (dialect === 'postgres') out.push("SELECT setval(pg_get_serial_sequence('webhook_deliveries', 'id'), 3)");
  return out;
}

function contract(kind: StoreKind, dialect: 'sqlite' | 'postgres'): void {
  let current: StoreHarness | null = null;
  afterEach(async () => {
    await current?.dispose();
    current = null;
  });

  it('moves ledger rows into their events, derives the same messages, and keeps deliveries and their ids', async () => {
    const h = (current = await kind.create());
    for (const statement of versionTwo(dialect)) await h.sql!(statement);
    const log = h.connect() as SqlEventLog;
    expect((await log.migrate()).map((m) => m.version)).toEqual(MIGRATIONS.filter((m) => m.version > 2).map((m) => m.version));
    expect(await log.open(1)).toEqual({ seed: 7 });

    expect(await storedTransfers(log)).toEqual(TRANSFERS.map((t, i) => ({ id: i + 1, ...t })));
    expect(await log.readLedger(1, 1)).toEqual([{ seq: 2, transfers: [] }]);
    expect(await log.readMessages('A', 0, 10)).toEqual(MESSAGES.filter((m) => m.memberId === 'A'));
    expect(await log.readMessages('B', 0, 10)).toEqual(MESSAGES.filter((m) => m.memberId === 'B'));

    const webhooks = log.webhooks();
    expect((await webhooks.listDeliveries({ webhookId: 'h', afterId: 0, limit: 10 })).map((d) => [d.id, d.messageId, d.status])).toEqual([[1, 1, 'delivered'], [2, 3, 'pending']]);
    const claimed = await webhooks.claim(T0, T0 + 1, 10);
    expect(claimed.map((c) => [c.delivery.id, c.message])).toEqual([[2, MESSAGES[2]]]);
    // The cursor stood at message 3: message 4 is enqueued now, under a new id above every old one.
    expect(await webhooks.enqueue(T0, 10)).toEqual({ scanned: 1, created: 1 });
    const all = await webhooks.listDeliveries({ webhookId: 'h', afterId: 0, limit: 10 });
    expect(all.map((d) => [d.id, d.messageId])).toEqual([[1, 1], [2, 3], [4, 4]]);
    await log.close();
  });
}

describe(`migration 3 on ${sqliteKind.name}`, () => contract(sqliteKind, 'sqlite'));

if (pgProblem === null) {
  describe(`migration 3 on ${postgresKind.name}`, () => contract(postgresKind, 'postgres'));
} else if (requirePg) {
  describe(`migration 3 on ${postgresKind.name}`, () => {
    it('needs PostgreSQL (QREBATE_REQUIRE_PG=1)', () => {
      throw new Error(`PostgreSQL not reachable: ${pgProblem}`);
    });
  });
} else {
  describe.skip(`migration 3 on ${postgresKind.name} (skipped: PostgreSQL not reachable)`, () => contract(postgresKind, 'postgres'));
}
