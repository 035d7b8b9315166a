/**
 * Submitting one event on behalf of a request: the server clock stamps `at` (the service does it
 * when `at` is absent), a repeat answers with the stored outcome and `Idempotent-Replayed: true`,
 * and every outcome is counted for /metrics. A rejection is rethrown for the error handler.
 */
import type { Submission } from '../app/service.ts';
import { DomainError } from '../domain/errors.ts';
import type { EventType } from '../domain/events.ts';
import type { ApiDeps, RouteResult } from './route-spec.ts';

export const REPLAYED_HEADER = 'idempotent-replayed';

export interface Submitted {
  response: RouteResult;
  submission: Submission;
}

export function submissionResponse(submission: Submission): RouteResult {
  return { status: 200, body: submission.outcome, headers: submission.replayed ? { [REPLAYED_HEADER]: 'true' } : {} };
}

/** `actor` (an API key id) is recorded in the event log beside the event, e.g. for the settings history. */
export async function submitEvent(deps: ApiDeps, key: string, type: EventType, fields: Record<string, unknown>, actor?: string): Promise<Submitted> {
  try {
    const submission = await deps.service.submit(key, { ...fields, type }, actor);
    deps.metrics.countEvent(type, submission.replayed ? 'replayed' : 'accepted');
    return { response: submissionResponse(submission), submission };
  } catch (err) {
    if (err instanceof DomainError) deps.metrics.countEvent(type, 'rejected', err.code);
    throw err;
  }
}

/** The common case: submit and answer. */
export async function answerEvent(deps: ApiDeps, key: string, type: EventType, fields: Record<string, unknown>): Promise<RouteResult> {
  return (await submitEvent(deps, key, type, fields)).response;
}
