/**
 * The durable port: an append-only log of accepted events. The engine is a deterministic state
 * machine, so the log is the source of truth: a process rebuilds its state by replaying the log,
 * and catches up with other processes' writes before each write of its own. Every write happens
 * in one transaction holding the platform's writer lock, which serializes writers across
 * processes; two servers on one database therefore give exactly the reference model's result.
 *
 * Each accepted event is stored as one row: its idempotency key, payload fingerprint and outcome
 * (so a repeat returns the stored outcome) and the ledger transfers it produced (so `verify` can
 * compare the ledger the database holds with the replayed one). The member messages (消息通知)
 * are the notices of the stored outcomes, derived and numbered by message-index.ts rather than
 * written again (docs/ARCHITECTURE.md, "One row per event").
 */
import type { EventOutcome } from '../domain/engine.ts';
import type { EngineEvent } from '../domain/events.ts';
import type { TransferView } from '../domain/ledger.ts';
import type { NoticeKind } from '../domain/context.ts';

export interface LoggedEvent {
  /** 1-based position in the log. */
  seq: number;
  key: string;
  fingerprint: string;
  /** The parsed event with its instant and any seed filled in: replaying it is deterministic. */
  event: EngineEvent;
  outcome: EventOutcome;
  /** Who submitted it (an API key id or a member id), for the settings history and audits; null for the engine's own ticks. */
  actor: string | null;
}

/** A ledger transfer to append: its 1-based position in the ledger, and the event it belongs to. */
export interface StoredTransfer extends TransferView {
  id: number;
  seq: number;
}

/** The transfers stored with one logged event, in ledger order (ids follow on from the previous event's). */
export interface StoredLedgerEvent {
  seq: number;
  transfers: TransferView[];
}

/**
 * 消息通知: one per notice of a logged event (its scheduled steps' notices first). Ids are 1-based
 * and global, numbered over the log in seq order, so they grow in commit order and a reader that
 * remembers the last id it saw never misses a message.
 */
export interface StoredMessage {
  id: number;
  /** The logged event the notice came from. */
  seq: number;
  memberId: string;
  kind: NoticeKind;
  /** The entry number for stream entries; the pool entry, line or event number for the others. */
  ref: number;
  /** Fen, except pointsCredited (points). */
  amountFen: number;
  /** The instant of the step that produced it. */
  at: number;
}

export interface KeyRecord {
  fingerprint: string;
  outcome: EventOutcome;
}

export interface LogTx {
  /** Events after `afterSeq`, in order: what other processes wrote since this one last looked. */
  readSince(afterSeq: number): Promise<LoggedEvent[]>;
  /** The stored records of those of `keys` that were used before (one round trip for a batch). */
  findKeys(keys: readonly string[]): Promise<Map<string, KeyRecord>>;
  /** Appends events (seqs following the log's last) with their transfers (grouped by seq, in id order). */
  append(events: readonly LoggedEvent[], transfers: readonly StoredTransfer[]): Promise<void>;
}

export interface EventLog {
  /** Opens the log (applying migrations) and returns the engine seed, storing `newSeed` on first open. */
  open(newSeed: number): Promise<{ seed: number }>;
  /** Events after `afterSeq`, in order, outside any write transaction (start-up replay). */
  readSince(afterSeq: number): Promise<LoggedEvent[]>;
  /** Runs `work` in one transaction holding the writer lock; a throw rolls everything back. */
  withWriteLock<T>(work: (tx: LogTx) => Promise<T>): Promise<T>;
  /** The stored transfers of the events after `afterSeq`, at most `limit` events (fewer only at the end), in order. */
  readLedger(afterSeq: number, limit: number): Promise<StoredLedgerEvent[]>;
  /** One member's messages with id above `afterId`, oldest first, at most `limit`. */
  readMessages(memberId: string, afterId: number, limit: number): Promise<StoredMessage[]>;
  close(): Promise<void>;
}
