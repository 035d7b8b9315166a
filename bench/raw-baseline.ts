/**
 * The raw baseline of the durable benchmarks (bench:store and bench:http): the same log's minimal
 * write transaction for the same orders, with no engine, catch-up read, idempotency lookup or
 * HTTP. Each order is one events row and the same ledger rows as the service wrote, copied from
 * its last logged order.
 */
import type { EventLog, LoggedEvent, StoredTransfer } from '../src/app/event-log.ts';
import type { EngineEvent } from '../src/domain/events.ts';
import type { TransferView } from '../src/domain/ledger.ts';

/** Raw transfers take ids far above the service's: nothing reads them back. */
let rawTransferId = 1e12;

/** The event logged at `seq`, which must be the log's last and carry `key` (when given). */
export async function lastLogged(log: EventLog, seq: number, key?: string): Promise<LoggedEvent> {
  const [last, ...more] = await log.readSince(seq - 1);
  if (last === undefined || (key !== undefined && last.key !== key) || more.length > 0) throw new Error(`expected ${key ?? 'the last event'} at seq ${seq}, found ${last?.key}`);
  return last;
}

/**
 * One raw transaction of `size` orders after `lastSeq`. The events are logged as ticks (the
 * payload keeps the order's fields, which a tick ignores, so the row is as large), so the service
 * replays them harmlessly when it next catches up with the log.
 */
export async function raw(log: EventLog, lastSeq: number, size: number, sample: LoggedEvent, sampleTransfers: readonly TransferView[]): Promise<void> {
  const events: LoggedEvent[] = [];
  const transfers: StoredTransfer[] = [];
  for (let i = 0; i < size; i++) {
    const seq = lastSeq + 1 + i;
    events.push({ ...sample, seq, key: `raw-${seq}`, event: { ...sample.event, type: 'tick' } as EngineEvent });
    for (const t of sampleTransfers) transfers.push({ ...t, id: rawTransferId++, seq });
  }
  await log.withWriteLock((tx) => tx.append(events, transfers));
}
