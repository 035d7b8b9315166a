/**
 * The use cases: submit an event under an idempotency key, and read the views. A repeat of a key
 * returns the first outcome; the same key with another payload is IDEMPOTENCY_CONFLICT and
 * changes nothing. Rejected events are not remembered: they changed nothing, so a corrected
 * retry under the same key is evaluated afresh.
 */
import { type EventOutcome, applyEvent } from '../domain/engine.ts';
import { complianceReport } from '../domain/compliance.ts';
import { reject } from '../domain/errors.ts';
import type { EngineEvent } from '../domain/events.ts';
import { checkInvariants } from '../domain/invariants.ts';
import { LIMITS } from '../domain/limits.ts';
import { memberView, queueStats, snapshot, strandedQueues } from '../domain/views.ts';
import { parseSubmitted } from './fingerprint.ts';
import type { Clock, RandomSource, Store } from './ports.ts';

export interface Submission {
  outcome: EventOutcome;
  /** True when this key was seen before and the stored outcome is returned. */
  replayed: boolean;
}

export class QrebateService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly random: RandomSource,
  ) {}

  /** Submits one event. `input.at` may be omitted: the service clock then stamps it. */
  submit(idempotencyKey: string, input: unknown): Submission {
    if (typeof idempotencyKey !== 'string' || idempotencyKey.length === 0 || idempotencyKey.length > LIMITS.idLengthMax) {
      reject('INVALID_ID', `the idempotency key must be 1 to ${LIMITS.idLengthMax} characters`, { field: 'idempotencyKey' });
    }
    return this.store.transact((tx) => {
      const { event, print } = parseSubmitted(input, () => Math.max(this.clock.now(), tx.state.now));
      const seen = tx.getIdempotency(idempotencyKey);
      if (seen) {
        if (seen.fingerprint !== print) {
          reject('IDEMPOTENCY_CONFLICT', `idempotency key ${idempotencyKey} was used with a different payload`, { idempotencyKey });
        }
        return { outcome: seen.outcome, replayed: true };
      }
      const outcome = applyEvent(tx.state, this.withSeed(event));
      tx.putIdempotency(idempotencyKey, { fingerprint: print, outcome });
      return { outcome, replayed: false };
    });
  }

  /** A draw without a seed or ratio gets a fresh seed here, recorded in its outcome. */
  private withSeed(event: EngineEvent): EngineEvent {
    if (event.type === 'lotteryDraw' && event.seed === undefined && event.ratioBp === undefined) {
      return { ...event, seed: this.random.nextSeed() >>> 0 };
    }
    return event;
  }

  memberView(memberId: string) {
    return this.store.transact((tx) => memberView(tx.state, memberId, Math.max(this.clock.now(), tx.state.now)));
  }

  queues() {
    return this.store.transact((tx) => queueStats(tx.state));
  }

  stranded() {
    return this.store.transact((tx) => strandedQueues(tx.state, Math.max(this.clock.now(), tx.state.now)));
  }

  snapshot() {
    return this.store.transact((tx) => snapshot(tx.state));
  }

  /** The compliance report of the current settings: it informs, it never blocks. */
  compliance() {
    return this.store.transact((tx) => complianceReport(tx.state.settings));
  }

  verify(): { ok: boolean; violations: string[] } {
    const violations = this.store.transact((tx) => checkInvariants(tx.state));
    return { ok: violations.length === 0, violations };
  }
}
