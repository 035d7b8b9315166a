/**
 * Prometheus metrics in the text exposition format (version 0.0.4), without a client library:
 * counters of events by type and outcome, a histogram of request durations, and gauges read from
 * the engine state when scraped. Every label takes values from a closed set (event types, error
 * codes, route templates, status codes, configured program ids), so the number of series stays
 * bounded. Queue gauges are totals over all queues rather than one series per queue: with the
 * 商家队列 toggles off there is a queue per product, and per-queue series would grow without bound
 * (GET /v1/queues lists each queue).
 */
import { queueStats } from '../domain/views.ts';
import { poolStats } from '../domain/programs/pool-views.ts';
import type { EngineState } from '../domain/state.ts';

export type EventOutcomeKind = 'accepted' | 'replayed' | 'rejected';

/** Upper bounds in seconds; the usual Prometheus HTTP buckets. */
export const DURATION_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

interface Histogram {
  counts: number[];
  sum: number;
  count: number;
}

type Labels = Record<string, string | number>;

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function labelText(labels: Labels): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(String(v))}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

/** Keys of label sets joined by a separator that cannot occur in any label value we use. */
const SEP = '\u0000';

function byKey([a]: [string, unknown], [b]: [string, unknown]): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export class Metrics {
  private readonly events = new Map<string, number>();
  private readonly durations = new Map<string, Histogram>();

  countEvent(type: string, outcome: EventOutcomeKind, code = ''): void {
    const key = [type, outcome, code].join(SEP);
    this.events.set(key, (this.events.get(key) ?? 0) + 1);
  }

  observeRequest(method: string, route: string, status: number, seconds: number): void {
    const key = [method, route, String(status)].join(SEP);
    let h = this.durations.get(key);
    if (!h) {
      h = { counts: DURATION_BUCKETS_S.map(() => 0), sum: 0, count: 0 };
      this.durations.set(key, h);
    }
    DURATION_BUCKETS_S.forEach((bound, i) => {
      if (seconds <= bound) h.counts[i]!++;
    });
    h.sum += seconds;
    h.count++;
  }

  render(state: EngineState): string {
    const out: string[] = [];
    this.renderEvents(out);
    this.renderDurations(out);
    renderState(out, state);
    return `${out.join('\n')}\n`;
  }

  private renderEvents(out: string[]): void {
    const families: [EventOutcomeKind, string, string][] = [
      ['accepted', 'qrebate_events_accepted_total', 'Events the engine accepted, by event type.'],
      ['replayed', 'qrebate_events_replayed_total', 'Idempotent repeats answered with the stored outcome, by event type.'],
      ['rejected', 'qrebate_events_rejected_total', 'Events rejected with a stable error code, by event type and code.'],
    ];
    for (const [kind, name, help] of families) {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`);
      for (const [key, value] of [...this.events].sort(byKey)) {
        const [type, outcome, code] = key.split(SEP) as [string, string, string];
        if (outcome !== kind) continue;
        out.push(`${name}${labelText(kind === 'rejected' ? { type, code } : { type })} ${value}`);
      }
    }
  }

  private renderDurations(out: string[]): void {
    const name = 'qrebate_http_request_duration_seconds';
    out.push(`# HELP ${name} HTTP request durations, by method, route template and status.`, `# TYPE ${name} histogram`);
    for (const [key, h] of [...this.durations].sort(byKey)) {
      const [method, route, status] = key.split(SEP) as [string, string, string];
      const labels = { method, route, status };
      DURATION_BUCKETS_S.forEach((bound, i) => out.push(`${name}_bucket${labelText({ ...labels, le: String(bound) })} ${h.counts[i]}`));
      out.push(`${name}_bucket${labelText({ ...labels, le: '+Inf' })} ${h.count}`);
      out.push(`${name}_sum${labelText(labels)} ${h.sum}`, `${name}_count${labelText(labels)} ${h.count}`);
    }
  }
}

function gauge(out: string[], name: string, help: string, samples: [Labels, number][]): void {
  out.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`);
  for (const [labels, value] of samples) out.push(`${name}${labelText(labels)} ${value}`);
}

function renderState(out: string[], state: EngineState): void {
  const queues = queueStats(state).filter((q) => q.mergedInto === null);
  const sum = (pick: (q: (typeof queues)[number]) => number) => queues.reduce((s, q) => s + pick(q), 0);
  gauge(out, 'qrebate_engine_events', 'Events applied by the engine (scheduled steps included).', [[{}, state.eventNo]]);
  gauge(out, 'qrebate_members', 'Known members.', [[{}, state.members.size]]);
  gauge(out, 'qrebate_queues', 'Stream queues that were not merged away.', [[{}, queues.length]]);
  gauge(out, 'qrebate_queues_paused', 'Queues paused on their own (the global pause is qrebate_paused).', [[{}, queues.filter((q) => q.paused).length]]);
  gauge(out, 'qrebate_paused', '1 while every queue is paused (队列奖励暂停).', [[{}, state.isPaused ? 1 : 0]]);
  gauge(out, 'qrebate_queue_pending_fen', 'Unpaid entitlement (待奖励) over all queues, in fen.', [[{}, sum((q) => q.pendingFen)]]);
  gauge(out, 'qrebate_queue_active_entries', 'Waiting or rewarding entries over all queues.', [[{}, sum((q) => q.activeCount)]]);
  gauge(out, 'qrebate_queue_undistributed_fen', 'Money held in queues for the next eligible entries, in fen.', [[{}, sum((q) => q.undistributedFen)]]);
  const pools = poolStats(state);
  gauge(out, 'qrebate_pool_pending_fen', 'Unreleased pool entitlement per program, in fen.', pools.map((p) => [{ program: p.programId }, p.pendingFen]));
  gauge(out, 'qrebate_pool_balance_fen', 'Pool balance per program, in fen.', pools.map((p) => [{ program: p.programId }, p.balanceFen]));
}
