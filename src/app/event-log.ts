/**
 * The durable port: an append-only log of accepted events. The engine is a deterministic state
 * machine, so the log is the source of truth: a process rebuilds its state by replaying the log,
 * and catches up with other processes' writes before each write of its own. Every write happens
 * in one transaction holding the platform's writer lock, which serializes writers across
 * processes; two servers on one database therefore give exactly the reference model's result.
 *
 * Each accepted event is stored with its idempotency key, payload fingerprint and outcome (so a
 * repeat returns the stored outcome), the ledger transfers it produced (so ledger queries and
 * `verify` can read the ledger from the database), and the member messages (消息通知) of its
 * outcome, which `append` derives itself (messages.ts) in the same transaction.
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

/** A ledger transfer as stored: its 1-based position in the ledger, and the event it belongs to. */
export interface StoredTransfer extends TransferView {
  id: number;
  seq: number;
}

/**
 * 消息通知 as stored: one row per notice of an appended event (its scheduled steps' notices first).
 * Ids are 1-based and global; they are assigned under the writer lock, so they grow in commit
 * order and a reader that remembers the last id it saw never misses a message.
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
  findKey(key: string): Promise<KeyRecord | null>;
  append(events: readonly LoggedEvent[], transfers: readonly StoredTransfer[]): Promise<void>;
}

export interface EventLog {
  /** Opens the log (applying migrations) and returns the engine seed, storing `newSeed` on first open. */
  open(newSeed: number): Promise<{ seed: number }>;
  /** Events after `afterSeq`, in order, outside any write transaction (start-up replay). */
  readSince(afterSeq: number): Promise<LoggedEvent[]>;
  /** Runs `work` in one transaction holding the writer lock; a throw rolls everything back. */
  withWriteLock<T>(work: (tx: LogTx) => Promise<T>): Promise<T>;
  /** Ledger transfers from id `fromId` (1-based), at most `limit`, in order. */
  readTransfers(fromId: number, limit: number): Promise<StoredTransfer[]>;
  /** One member's messages with id above `afterId`, oldest first, at most `limit`. */
  readMessages(memberId: string, afterId: number, limit: number): Promise<StoredMessage[]>;
  close(): Promise<void>;
}
