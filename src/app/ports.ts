/**
 * Ports the use cases need, declared by the code that uses them (Formance style). The domain
 * never sees a clock or a random source directly: the app fills instants and seeds into events.
 */
import type { EventOutcome } from '../domain/engine.ts';
import type { EngineState } from '../domain/state.ts';

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export interface RandomSource {
  /** An unsigned 32-bit seed; every draw records the seed it used. */
  nextSeed(): number;
}

/** What an idempotency key remembers: the payload's fingerprint and the first outcome. */
export interface IdempotencyRecord {
  fingerprint: string;
  outcome: EventOutcome;
}

export interface StoreTx {
  readonly state: EngineState;
  getIdempotency(key: string): IdempotencyRecord | undefined;
  putIdempotency(key: string, record: IdempotencyRecord): void;
}

export interface Store {
  /**
   * Runs `work` atomically: either everything it changed is kept, or (when it throws) nothing.
   * Read-only callers use it too, to see a consistent state.
   */
  transact<T>(work: (tx: StoreTx) => T): T;
}

export const systemClock: Clock = { now: () => Date.now() };
