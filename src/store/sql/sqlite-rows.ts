/**
 * Integer columns from SQLite to JavaScript numbers, shared by the SQLite event log and webhook
 * store: integers are read as bigint and converted with a range check (writes go through
 * safe-integer.ts), so a value past 2^53 fails loudly instead of rounding.
 */
import type { StoredMessage } from '../../app/event-log.ts';
import type { NoticeKind } from '../../domain/context.ts';

export function safe(value: bigint, column: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new RangeError(`${column} ${value} is beyond the safe integer range`);
  }
  return Number(value);
}

export interface MessageRow {
  id: bigint;
  seq: bigint;
  member_id: string;
  kind: string;
  ref: bigint;
  amount_fen: bigint;
  at: bigint;
}

export function toMessage(row: MessageRow): StoredMessage {
  return {
    id: safe(row.id, 'messages.id'),
    seq: safe(row.seq, 'messages.seq'),
    memberId: row.member_id,
    kind: row.kind as NoticeKind,
    ref: safe(row.ref, 'messages.ref'),
    amountFen: safe(row.amount_fen, 'messages.amount_fen'),
    at: safe(row.at, 'messages.at'),
  };
}
