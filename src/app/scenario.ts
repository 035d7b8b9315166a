/**
 * Scenario replay: a JSON file of settings, members and timestamped events run through the
 * service against a fresh in-memory store, printing the final state. Golden tests and
 * `qrebate replay` both use it; docs/SCENARIOS.md documents the format.
 */
import { DomainError } from '../domain/errors.ts';
import { snapshot } from '../domain/views.ts';
import { MemoryStore } from '../store/memory/memory-store.ts';
import type { Clock, RandomSource } from './ports.ts';
import { QrebateService } from './service.ts';

export interface ScenarioStep {
  /** Idempotency key; defaults to `step-<index>`. Reusing a key replays or conflicts. */
  key?: string;
  /** ISO-8601 instant, or milliseconds; defaults to the scenario clock. */
  at?: string | number;
  /** Advance the scenario clock before the step: e.g. "90s", "15m", "36h", "2d". */
  advance?: string;
  /** The engine event, without `at`; omit for a pure clock advance. */
  type?: string;
  /** The error code this step is expected to be rejected with. */
  expectError?: string;
  [field: string]: unknown;
}

export interface Scenario {
  name?: string;
  description?: string;
  seed?: number;
  start?: string | number;
  settings?: unknown;
  /** Members in order; a referrer must be listed before the members it refers. */
  members?: { id: string; level?: string; nickname?: string; referrerId?: string; teamLevel?: string; shareholderWeight?: number }[];
  events: ScenarioStep[];
  /** Member ids whose member view is included in the output. */
  views?: string[];
}

export interface StepReport {
  step: number;
  key: string;
  type: string;
  at: number;
  replayed?: boolean;
  result?: unknown;
  error?: { code: string; message: string };
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseDuration(text: string): number {
  const match = /^(\d+)(ms|s|m|h|d)$/.exec(text);
  if (!match) throw new Error(`scenario: bad duration ${JSON.stringify(text)} (use e.g. 90s, 15m, 36h, 2d)`);
  return Number(match[1]) * UNIT_MS[match[2]!]!;
}

export function parseInstant(value: string | number): number {
  if (typeof value === 'number') return value;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new Error(`scenario: bad instant ${JSON.stringify(value)}`);
  return ms;
}

class ScenarioClock implements Clock {
  constructor(public at: number) {}
  now(): number {
    return this.at;
  }
}

/** A seeded source of draw seeds so a scenario replays identically. */
class ScenarioRandom implements RandomSource {
  constructor(private state: number) {}
  nextSeed(): number {
    this.state = (Math.imul(this.state ^ (this.state >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0;
    return this.state;
  }
}

export function runScenario(scenario: Scenario) {
  const seed = scenario.seed ?? 1;
  const store = new MemoryStore(seed);
  const clock = new ScenarioClock(parseInstant(scenario.start ?? '2026-01-01T00:00:00+08:00'));
  const service = new QrebateService(store, clock, new ScenarioRandom(seed));
  const steps: StepReport[] = [];
  const run = (key: string, type: string, body: Record<string, unknown>, expectError?: string, at?: number) => {
    const report: StepReport = { step: steps.length, key, type, at: clock.at };
    try {
      // A step without its own `at` is an event arriving now: the service stamps it from the
      // scenario clock and leaves the instant out of the idempotency fingerprint, so a retry of
      // the same event later is a replay, not IDEMPOTENCY_CONFLICT. An explicit `at` is part of
      // the payload, as when the shop sends the instant itself.
      const { outcome, replayed } = service.submit(key, { ...body, type, ...(at !== undefined && { at }) });
      report.result = outcome.result;
      if (replayed) report.replayed = true;
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      report.error = { code: err.code, message: err.message };
    }
    if ((report.error?.code ?? undefined) !== expectError) {
      throw new Error(`scenario step ${report.step} (${type}): expected ${expectError ?? 'success'}, got ${report.error?.code ?? 'success'}${report.error ? `: ${report.error.message}` : ''}`);
    }
    steps.push(report);
  };

  if (scenario.settings !== undefined) run('settings', 'settings', { settings: scenario.settings });
  for (const { id, ...fields } of scenario.members ?? []) run(`member-${id}`, 'member', { memberId: id, ...fields });
  scenario.events.forEach((step, i) => {
    const { key, at, advance, type, expectError, ...body } = step;
    if (advance !== undefined) clock.at += parseDuration(advance);
    if (at !== undefined) clock.at = parseInstant(at);
    run(key ?? `step-${i}`, type ?? 'tick', body, expectError, at === undefined ? undefined : clock.at);
  });

  const state = snapshot(store.state);
  const views = Object.fromEntries((scenario.views ?? []).map((id) => [id, service.memberView(id)]));
  // The stranded-queue report (SPEC §3.1) is part of the output so that a scenario can prove it.
  return { name: scenario.name ?? null, ...state, steps, views, stranded: service.stranded(), verify: service.verify() };
}
