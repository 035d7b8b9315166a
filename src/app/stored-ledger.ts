/**
 * Compares the ledger rows a durable store holds with the ledger rebuilt by replaying its events:
 * `verify` must notice a stored transfer that was lost, altered or added behind the engine's back,
 * not only audit the rebuilt state. Stored transfers are numbered in log order from 1, as the
 * replayed ledger numbers its own.
 */
import type { Ledger } from '../domain/ledger.ts';
import type { EventLog } from './event-log.ts';

const PAGE = 10_000;
const REPORT_MAX = 20;

export async function compareStoredLedger(log: EventLog, ledger: Ledger): Promise<string[]> {
  const out: string[] = [];
  let id = 0;
  let afterSeq = 0;
  for (;;) {
    const events = await log.readLedger(afterSeq, PAGE);
    for (const event of events) {
      for (const row of event.transfers) {
        id++;
        if (id > ledger.size) {
          out.push(`stored transfer ${id} (event ${event.seq}) has no counterpart in the replayed ledger`);
        } else {
          const t = ledger.get(id - 1);
          const same = t.debit === row.debit && t.credit === row.credit && t.amount === row.amount && t.unit === row.unit
            && t.causeKind === row.causeKind && t.causeRef === row.causeRef && t.eventNo === row.eventNo;
          if (!same) out.push(`stored transfer ${id} (event ${event.seq}) differs from the replayed ledger`);
        }
        if (out.length >= REPORT_MAX) return out;
      }
      afterSeq = event.seq;
    }
    if (events.length < PAGE) break;
  }
  if (id < ledger.size) out.push(`the store holds ${id} transfers, the replayed ledger ${ledger.size}`);
  return out;
}
