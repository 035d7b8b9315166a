/**
 * Settings as plain JSON documents, for the settings routes and their history (which is read from
 * the event log: see routes/settings.ts).
 */
import type { Settings } from '../domain/settings.ts';

/** A deep, prototype-plain copy of settings as JSON sees them. */
export function plainSettings(settings: Settings): Settings {
  return JSON.parse(JSON.stringify(settings)) as Settings;
}
