/**
 * The in-memory store: the reference model that the embedded and PostgreSQL stores must match.
 * The domain checks every event in full before changing anything, so a rejected event needs no
 * rollback here. A failed assertion (a bug) leaves the state suspect: the store then refuses all
 * further work rather than serve money from a state it cannot vouch for.
 */
import type { IdempotencyRecord, Store, StoreTx } from '../../app/ports.ts';
import { DomainError } from '../../domain/errors.ts';
import { EngineState } from '../../domain/state.ts';

export class MemoryStore implements Store {
  readonly state: EngineState;
  private readonly idempotency = new Map<string, IdempotencyRecord>();
  private poisoned: Error | null = null;
  private readonly tx: StoreTx;

  constructor(seed: number) {
    this.state = new EngineState(seed);
    const records = this.idempotency;
    this.tx = {
      state: this.state,
      getIdempotency: (key) => records.get(key),
      putIdempotency: (key, record) => void records.set(key, record),
    };
  }

  transact<T>(work: (tx: StoreTx) => T): T {
    if (this.poisoned) throw new Error(`memory store stopped after an internal error: ${this.poisoned.message}`);
    try {
      return work(this.tx);
    } catch (err) {
      if (!(err instanceof DomainError)) this.poisoned = err instanceof Error ? err : new Error(String(err));
      throw err;
    }
  }
}
