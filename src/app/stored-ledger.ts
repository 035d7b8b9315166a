/**
 * Compares the ledger rows a durable store holds with the ledger rebuilt by replaying its events:
 * `verify` must notice a stored transfer that was lost, altered or added behind the engine's back,
 * not only audit the rebuilt state.
 */
import type { Ledger } from '../domain/ledger.ts';
import type { EventLog } from './event-log.ts';

const PAGE = 10_000;
const REPORT_MAX = 20;

export async function compareStoredLedger(log: EventLog, ledger: Ledger): Promise<string[]> {
  const out: string[] = [];
  let id = 1;
  for (;;) {
    const rows = await log.readTransfers(id, PAGE);
    for (const row of rows) {
      if (row.id !== id) out.push(`stored transfer ${id} is missing (next stored id is ${row.id})`);
      if (row.id > ledger.size) {
        out.push(`stored transfer ${row.id} has no counterpart in the replayed ledger`);
      } else {
        const t = ledger.get(row.id - 1);
        const same = t.debit === row.debit && t.credit === row.credit && t.amount === row.amount && t.unit === row.unit
          && t.causeKind === row.causeKind && t.causeRef === row.causeRef && t.eventNo === row.eventNo;
        if (!same) out.push(`stored transfer ${row.id} differs from the replayed ledger`);
      }
      id = row.id + 1;
      if (out.length >= REPORT_MAX) return out;
    }
    if (rows.length < PAGE) break;
  }
  if (id - 1 < ledger.size) out.push(`the store holds ${id - 1} transfers, the replayed ledger ${ledger.size}`);
  return out;
}
