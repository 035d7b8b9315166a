/**
 * The ledger transfers of one event as one column of its events row: a JSON array of
 * `[debit, credit, amount, unit, causeKind, causeRef, eventNo]`. One row per event instead of a
 * row per transfer (docs/ARCHITECTURE.md, "One row per event"). Reading checks every field, so a
 * row altered behind the engine's back fails loudly or shows up in `verify`, never as a silently
 * wrong number.
 */
import type { StoredLedgerEvent, StoredTransfer } from '../../app/event-log.ts';
import { CAUSE_KINDS, type CauseKind, type TransferView, UNITS, type Unit } from '../../domain/ledger.ts';
import { checkSafe } from './safe-integer.ts';
import { jsonString } from '../../app/json-string.ts';

type Packed = [string, string, number, string, string, number, number];

/**
 * The packed column of each appended event, keyed by its seq (`[]` for an event without
 * transfers); transfers arrive grouped by seq in id order, and one of an event outside the append
 * is refused before anything is written.
 */
export function packFor(seqs: readonly number[], transfers: readonly StoredTransfer[]): Map<number, string> {
  const packed = new Map<number, string>();
  for (const t of transfers) {
    checkSafe(t.amount, 'transfer amount');
    // What a CHECK constraint held when transfers had a table of their own: a transfer moves something.
    if (!(t.amount > 0)) throw new RangeError(`transfer amount must be positive, got ${t.amount}`);
    // Units and cause kinds are closed lists of plain words (checked, so they need no escaping); account names are JSON strings.
    if (!(UNITS as readonly string[]).includes(t.unit) || !(CAUSE_KINDS as readonly string[]).includes(t.causeKind)) throw new RangeError(`transfer unit ${t.unit} or cause ${t.causeKind} is not known`);
    const row = `[${jsonString(t.debit)},${jsonString(t.credit)},${t.amount},"${t.unit}","${t.causeKind}",${checkSafe(t.causeRef, 'causeRef')},${checkSafe(t.eventNo, 'eventNo')}]`;
    const before = packed.get(t.seq);
    packed.set(t.seq, before === undefined ? row : `${before},${row}`);
  }
  const appended = new Set(seqs);
  const stray = [...packed.keys()].filter((seq) => !appended.has(seq));
  if (stray.length > 0) throw new Error(`transfers of events ${stray.join(', ')}, which are not in this append`);
  for (const seq of seqs) packed.set(seq, `[${packed.get(seq) ?? ''}]`);
  return packed;
}

const isSafe = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);

/** The transfers of one stored events row. */
export function unpack(seq: number, column: string): StoredLedgerEvent {
  const rows: unknown = JSON.parse(column);
  if (!Array.isArray(rows)) throw new Error(`the transfers of event ${seq} are not a list`);
  const transfers = rows.map((row: unknown, i): TransferView => {
    const ok = Array.isArray(row) && row.length === 7 && typeof row[0] === 'string' && typeof row[1] === 'string' && isSafe(row[2])
      && (UNITS as readonly unknown[]).includes(row[3]) && (CAUSE_KINDS as readonly unknown[]).includes(row[4]) && isSafe(row[5]) && isSafe(row[6]);
    if (!ok) throw new Error(`transfer ${i + 1} of event ${seq} is malformed`);
    const [debit, credit, amount, unit, causeKind, causeRef, eventNo] = row as Packed;
    return { debit, credit, amount, unit: unit as Unit, causeKind: causeKind as CauseKind, causeRef, eventNo };
  });
  return { seq, transfers };
}
