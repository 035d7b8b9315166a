/**
 * The history of settings changes made through this API (GET /v1/settings/history): when, by
 * which API key, and the settings before and after.
 *
 * The event log is the durable record of every settings event, but the service exposes no way to
 * read it back and an event's payload has a fixed shape with no room for the caller. So this
 * history lives in the process: it lists the settings events this process accepted since it
 * started, at most SETTINGS_HISTORY_MAX of them. It forgets on restart and does not see changes
 * made by other processes or by `pause`/`resume` (which flip `base.paused`). docs/API.md says so.
 */
import type { Settings } from '../domain/settings.ts';

export const SETTINGS_HISTORY_MAX = 1_000;

export interface SettingsChange {
  /** The settings event's number: the `version` in its outcome. */
  version: number;
  at: number;
  /** The API key that made the change. */
  keyId: string;
  action: 'put' | 'enableAllProducts';
  idempotencyKey: string;
  /** What this process held just before the change (see the module comment on other processes). */
  before: Settings;
  after: Settings;
}

export class SettingsHistory {
  private readonly changes: SettingsChange[] = [];
  private tail: Promise<unknown> = Promise.resolve();

  /** Runs this process's settings writes one at a time, so each `before` is what it replaced. */
  serialize<T>(work: () => Promise<T>): Promise<T> {
    const result = this.tail.then(work, work);
    this.tail = result.catch(() => undefined);
    return result;
  }

  record(change: SettingsChange): void {
    this.changes.push(change);
    if (this.changes.length > SETTINGS_HISTORY_MAX) this.changes.shift();
  }

  /** Oldest first. */
  list(): readonly SettingsChange[] {
    return this.changes;
  }
}

/** A deep, prototype-plain copy of settings as JSON sees them. */
export function plainSettings(settings: Settings): Settings {
  return JSON.parse(JSON.stringify(settings)) as Settings;
}
