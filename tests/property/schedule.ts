/**
 * An independent reading of reset schedules (队列奖励清零) for a fixed-offset time zone, written
 * with the platform's Date arithmetic rather than src/domain/calendar.ts, so the property tests can
 * say on their own whether a scheduled reset fell due between two instants.
 */
import type { ResetSchedule } from '../../src/domain/calendar.ts';

const MS_PER_DAY = 86_400_000;

/** The property runs use Asia/Shanghai, which has kept UTC+8 without daylight saving since 1991. */
export const SHANGHAI_OFFSET_MS = 8 * 3_600_000;

/** The fixed-offset zones the property runs switch between. */
const OFFSETS_MS: Readonly<Record<string, number>> = { 'Asia/Shanghai': SHANGHAI_OFFSET_MS, UTC: 0, 'Asia/Tokyo': 9 * 3_600_000 };

export function zoneOffsetMs(timeZone: string): number {
  const offset = OFFSETS_MS[timeZone];
  if (offset === undefined) throw new Error(`schedule.ts knows no fixed offset for ${timeZone}`);
  return offset;
}

function minutesOf(at: string | undefined): number {
  if (at === undefined) return 0;
  const [h, m] = at.split(':').map(Number);
  return h! * 60 + m!;
}

function firesOn(s: ResetSchedule, localDay: number): boolean {
  const d = new Date(localDay * MS_PER_DAY);
  switch (s.kind) {
    case 'daily':
      return true;
    case 'weekly':
      return ((d.getUTCDay() + 6) % 7) + 1 === s.weekday;
    case 'monthly': {
      const lastDay = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
      return d.getUTCDate() === Math.min(s.day, lastDay);
    }
    case 'dates':
      return s.dates.includes(d.toISOString().slice(0, 10));
  }
}

/** The scheduled instants in (afterMs, untilMs], in order. */
export function dueInstants(s: ResetSchedule, afterMs: number, untilMs: number, offsetMs = SHANGHAI_OFFSET_MS): number[] {
  const out: number[] = [];
  if (untilMs <= afterMs) return out;
  const minute = minutesOf(s.at);
  const first = Math.floor((afterMs + offsetMs) / MS_PER_DAY);
  const last = Math.floor((untilMs + offsetMs) / MS_PER_DAY);
  for (let day = first; day <= last; day++) {
    if (!firesOn(s, day)) continue;
    const due = day * MS_PER_DAY + minute * 60_000 - offsetMs;
    if (due > afterMs && due <= untilMs) out.push(due);
  }
  return out;
}

/** The local date 'YYYY-MM-DD' of an instant. */
export function localDate(atMs: number, offsetMs = SHANGHAI_OFFSET_MS): string {
  return new Date(atMs + offsetMs).toISOString().slice(0, 10);
}
