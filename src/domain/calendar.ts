/**
 * Local-calendar arithmetic for the platform time zone: day numbers, minutes of day, reward time
 * windows (奖励时间段) and reset schedules (队列奖励清零).
 *
 * Every instant is an integer count of milliseconds since the Unix epoch (UTC) handed in by the
 * caller, because the domain must replay identically and so never reads the clock. Time-zone rules
 * come from Intl (the platform's ICU tz database), but Intl is slow, so each zone's UTC offset is
 * cached per UTC hour and ordinary calls cost a Map lookup and some integer arithmetic.
 */
import { assert, reject } from './errors.ts';

export const MS_PER_DAY = 86_400_000;
const MS_PER_HOUR = 3_600_000;
const MS_PER_MINUTE = 60_000;
const MINUTES_PER_DAY = 1440;

export interface Calendar {
  readonly timeZone: string;
  /** Whole days since 1970-01-01 of the local date in the platform time zone. */
  dayNumber(atMs: number): number;
  /** Minutes since local midnight, 0..1439. */
  minuteOfDay(atMs: number): number;
  /** Local date as 'YYYY-MM-DD'. */
  localDate(atMs: number): string;
  /** ISO weekday of the local date: 1 = Monday … 7 = Sunday. */
  weekday(atMs: number): number;
  /** Local day of month 1..31. */
  dayOfMonth(atMs: number): number;
  /** The UTC instant of local date + minute of day. For a DST gap pick the first valid instant after; for an overlap the earlier one. */
  instantOf(localDate: string, minuteOfDay: number): number;
}

// ---------------------------------------------------------------------------------------------
// Proleptic Gregorian day arithmetic (Howard Hinnant's algorithms), exact for negative days too.
// ---------------------------------------------------------------------------------------------

interface CivilDate {
  year: number;
  month: number;
  day: number;
}

function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

function civilFromDays(days: number): CivilDate {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** ISO weekday of a day number; 1970-01-01 (day 0) was a Thursday, ISO weekday 4. */
function weekdayOfDay(days: number): number {
  return ((((days + 3) % 7) + 7) % 7) + 1;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function formatDay(days: number): string {
  const { year, month, day } = civilFromDays(days);
  return `${String(year).padStart(4, '0')}-${pad2(month)}-${pad2(day)}`;
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The day number of a strict 'YYYY-MM-DD' calendar date, or null when it is malformed or does not exist. */
function parseDay(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const m = DATE_RE.exec(value);
  if (m === null) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  return daysFromCivil(year, month, day);
}

const TIME_RE = /^(\d{2}):(\d{2})$/;

/** Minutes of a strict 'HH:MM', or null; '24:00' (1440) only when it may close a range. */
function parseMinutes(value: unknown, allow2400: boolean): number | null {
  if (typeof value !== 'string') return null;
  const m = TIME_RE.exec(value);
  if (m === null) return null;
  const hours = Number(m[1]);
  const minutes = Number(m[2]);
  if (hours === 24 && minutes === 0 && allow2400) return MINUTES_PER_DAY;
  if (hours > 23 || minutes > 59) return null;
  return hours * 60 + minutes;
}

/** Minutes since midnight of 'HH:MM'; '24:00' is accepted only when `allow2400` (a range's end). */
export function parseTimeOfDay(hhmm: string, allow2400: boolean): number {
  const minutes = parseMinutes(hhmm, allow2400);
  if (minutes === null) {
    const expected = allow2400 ? "'HH:MM' from 00:00 to 24:00" : "'HH:MM' from 00:00 to 23:59";
    reject('INVALID_TIME_WINDOW', `Invalid time of day ${JSON.stringify(hhmm)}: expected ${expected}.`, { value: hhmm });
  }
  return minutes;
}

// ---------------------------------------------------------------------------------------------
// Per-zone UTC offsets.
// ---------------------------------------------------------------------------------------------

/** Marks an hour bucket that contains a transition, whose exact instant is kept separately. */
const MIXED = Number.NaN;

/** Bounds the cache so a long-running process fed arbitrary instants cannot grow it forever. */
const MAX_CACHED_HOURS = 100_000;

interface Transition {
  readonly atMs: number;
  readonly before: number;
  readonly after: number;
}

/**
 * Caches a zone's offset per UTC hour. An hour's offset is read at its first and last second; if
 * those agree the whole hour has that offset (zones never change twice and back within one hour),
 * otherwise the transition second is found by bisection once and remembered.
 */
class ZoneOffsets {
  private readonly format: Intl.DateTimeFormat;
  private readonly hours = new Map<number, number>();
  private readonly transitions = new Map<number, Transition>();
  // A one-entry memo, because consecutive calls nearly always fall in the same hour.
  private lastHour = Number.NaN;
  private lastOffset = 0;

  constructor(timeZone: string) {
    this.format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  }

  /** Milliseconds to add to a UTC instant to get the local wall-clock reading (as if it were UTC). */
  offsetAt(ms: number): number {
    const hour = Math.floor(ms / MS_PER_HOUR);
    if (hour === this.lastHour) return this.lastOffset;
    let offset = this.hours.get(hour);
    if (offset === undefined) offset = this.fill(hour);
    if (Number.isNaN(offset)) {
      const t = this.transitions.get(hour);
      assert(t !== undefined, 'a mixed hour bucket has its transition recorded');
      return ms < t.atMs ? t.before : t.after;
    }
    this.lastHour = hour;
    this.lastOffset = offset;
    return offset;
  }

  private fill(hour: number): number {
    if (this.hours.size >= MAX_CACHED_HOURS) {
      this.hours.clear();
      this.transitions.clear();
    }
    const start = hour * MS_PER_HOUR;
    const lastSecond = start + MS_PER_HOUR - 1000;
    const before = this.intlOffset(start);
    const after = this.intlOffset(lastSecond);
    if (before === after) {
      this.hours.set(hour, before);
      return before;
    }
    // Transitions fall on whole seconds, so bisect seconds for the first one showing the new offset.
    let lo = start; // Known to show `before`.
    let hi = lastSecond; // Known to show `after`.
    while (hi - lo > 1000) {
      const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
      if (this.intlOffset(mid) === before) lo = mid;
      else hi = mid;
    }
    this.transitions.set(hour, { atMs: hi, before, after });
    this.hours.set(hour, MIXED);
    return MIXED;
  }

  /** Asks Intl for the wall clock at the instant's whole second and takes the difference. */
  private intlOffset(ms: number): number {
    const second = Math.floor(ms / 1000) * 1000;
    let year = 0;
    let month = 0;
    let day = 0;
    let hour = 0;
    let minute = 0;
    let sec = 0;
    let bc = false;
    for (const part of this.format.formatToParts(second)) {
      switch (part.type) {
        case 'year':
          year = Number(part.value);
          break;
        case 'month':
          month = Number(part.value);
          break;
        case 'day':
          day = Number(part.value);
          break;
        case 'hour':
          // Some ICU versions render midnight as 24 even with h23; it is still hour 0 of that day.
          hour = Number(part.value) % 24;
          break;
        case 'minute':
          minute = Number(part.value);
          break;
        case 'second':
          sec = Number(part.value);
          break;
        case 'era':
          bc = part.value === 'BC' || part.value === 'B';
          break;
        default:
          break;
      }
    }
    // Astronomical year numbering: 1 BC is year 0.
    if (bc) year = 1 - year;
    const wall = daysFromCivil(year, month, day) * MS_PER_DAY + ((hour * 60 + minute) * 60 + sec) * 1000;
    return wall - second;
  }
}

// ---------------------------------------------------------------------------------------------
// Calendars.
// ---------------------------------------------------------------------------------------------

class ZoneCalendar implements Calendar {
  readonly timeZone: string;
  private readonly offsets: ZoneOffsets;

  constructor(timeZone: string) {
    this.timeZone = timeZone;
    this.offsets = new ZoneOffsets(timeZone);
  }

  /** The local wall-clock reading of an instant, in milliseconds as if it were UTC. */
  local(atMs: number): number {
    // The message is built only on failure because this runs on every call.
    if (!Number.isSafeInteger(atMs)) assert(false, `an instant is integer milliseconds, got ${atMs}`);
    return atMs + this.offsets.offsetAt(atMs);
  }

  dayNumber(atMs: number): number {
    return Math.floor(this.local(atMs) / MS_PER_DAY);
  }

  minuteOfDay(atMs: number): number {
    const local = this.local(atMs);
    return Math.floor((local - Math.floor(local / MS_PER_DAY) * MS_PER_DAY) / MS_PER_MINUTE);
  }

  localDate(atMs: number): string {
    return formatDay(this.dayNumber(atMs));
  }

  weekday(atMs: number): number {
    return weekdayOfDay(this.dayNumber(atMs));
  }

  dayOfMonth(atMs: number): number {
    return civilFromDays(this.dayNumber(atMs)).day;
  }

  instantOf(localDate: string, minuteOfDay: number): number {
    const day = parseDay(localDate);
    if (day === null) {
      reject('INVALID_TIME_WINDOW', `Invalid local date ${JSON.stringify(localDate)}: expected an existing 'YYYY-MM-DD' date.`, {
        value: localDate,
      });
    }
    if (!Number.isInteger(minuteOfDay) || minuteOfDay < 0 || minuteOfDay >= MINUTES_PER_DAY) {
      reject('INVALID_TIME_WINDOW', `Invalid minute of day ${minuteOfDay}: expected an integer from 0 to 1439.`, {
        value: minuteOfDay,
      });
    }
    return this.instantOfWall(day * MS_PER_DAY + minuteOfDay * MS_PER_MINUTE);
  }

  /**
   * The UTC instant whose wall clock reads `wall`. Real offsets lie within ±1 day, so the offsets
   * in force a day either side (and the ones they point at) are the only candidates.
   */
  private instantOfWall(wall: number): number {
    const o = this.offsets;
    const earlier = o.offsetAt(wall - MS_PER_DAY);
    const later = o.offsetAt(wall + MS_PER_DAY);
    const candidates = new Set([earlier, later, o.offsetAt(wall), o.offsetAt(wall - earlier), o.offsetAt(wall - later)]);
    let best = Number.POSITIVE_INFINITY;
    for (const offset of candidates) {
      const t = wall - offset;
      // In an overlap two candidates are valid; the earlier instant wins.
      if (o.offsetAt(t) === offset && t < best) best = t;
    }
    if (best !== Number.POSITIVE_INFINITY) return best;

    // A gap: the wall time was skipped, so answer the first instant whose wall clock is past it,
    // which is the transition itself. Before the gap the wall clock is below `wall`, after it above.
    const lowOffset = Math.min(...candidates);
    const highOffset = Math.max(...candidates);
    let lo = wall - highOffset;
    let hi = wall - lowOffset;
    assert(lo + o.offsetAt(lo) < wall && hi + o.offsetAt(hi) > wall, 'a skipped wall time lies inside one gap');
    while (hi - lo > 1) {
      const mid = lo + Math.floor((hi - lo) / 2);
      if (mid + o.offsetAt(mid) < wall) lo = mid;
      else hi = mid;
    }
    return hi;
  }
}

// Calendars are immutable, so one per zone name is shared and its offset cache serves every caller.
const calendars = new Map<string, Calendar>();

/**
 * The calendar of an IANA time zone. Its `timeZone` is the name Intl resolves, so 'asia/shanghai'
 * becomes 'Asia/Shanghai'; unknown names reject with INVALID_TIME_ZONE.
 */
export function makeCalendar(timeZone: string): Calendar {
  const cached = calendars.get(timeZone);
  if (cached !== undefined) return cached;
  if (typeof timeZone !== 'string' || timeZone.trim() === '') {
    reject('INVALID_TIME_ZONE', `Invalid time zone ${JSON.stringify(timeZone)}: expected an IANA name such as 'Asia/Shanghai'.`, {
      timeZone,
    });
  }
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone }).resolvedOptions().timeZone;
  } catch {
    reject('INVALID_TIME_ZONE', `Unknown time zone ${JSON.stringify(timeZone)}: expected an IANA name such as 'Asia/Shanghai'.`, {
      timeZone,
    });
  }
  const calendar = calendars.get(resolved) ?? new ZoneCalendar(resolved);
  calendars.set(resolved, calendar);
  calendars.set(timeZone, calendar);
  return calendar;
}

// ---------------------------------------------------------------------------------------------
// Reward time windows (奖励时间段).
// ---------------------------------------------------------------------------------------------

/** Reward time windows 奖励时间段: a list of 'HH:MM-HH:MM' time-of-day ranges, optional date range. */
export interface RewardWindowsSpec {
  times: string[];
  from?: string;
  to?: string;
}

/** Compiled windows: one flag per minute of the local day plus the inclusive local day-number range. */
export interface RewardWindows {
  readonly times: readonly string[];
  readonly from?: string;
  readonly to?: string;
  /** 1 where the local minute of day is inside some window. */
  readonly minutes: Uint8Array;
  readonly fromDay: number;
  readonly toDay: number;
}

const WINDOW_RE = /^(\d{2}:\d{2})-(\d{2}:\d{2})$/;

function badWindow(message: string, details: Record<string, unknown>): never {
  return reject('INVALID_TIME_WINDOW', message, details);
}

/**
 * Compiled windows keyed by their content, because line plans compile the same few specs for every
 * order line and compiling costs microseconds. Only successful compilations are stored, and the
 * cache is emptied when full so arbitrary input cannot grow it without bound.
 */
const compiledWindows = new Map<string, RewardWindows>();
const MAX_COMPILED_WINDOWS = 1024;

export function compileWindows(spec: RewardWindowsSpec): RewardWindows {
  if (typeof spec !== 'object' || spec === null) badWindow('Reward windows must be an object with a times list.', {});
  const { times, from, to } = spec;
  if (!Array.isArray(times) || times.length === 0) {
    badWindow("Reward windows need at least one 'HH:MM-HH:MM' time range.", { times });
  }
  // Only all-string specs are keyed, so that join's coercion cannot make an invalid spec (a nested
  // array, say) collide with a valid cached one.
  const key =
    times.every((t) => typeof t === 'string') &&
    (from === undefined || typeof from === 'string') &&
    (to === undefined || typeof to === 'string')
      ? `${times.join('\u0000')}\u0001${from ?? ''}\u0001${to ?? ''}`
      : null;
  const cached = key === null ? undefined : compiledWindows.get(key);
  if (cached !== undefined) return cached;
  const compiled = compileUncached(times, from, to);
  if (key !== null) {
    if (compiledWindows.size >= MAX_COMPILED_WINDOWS) compiledWindows.clear();
    compiledWindows.set(key, compiled);
  }
  return compiled;
}

function compileUncached(times: readonly unknown[], from: string | undefined, to: string | undefined): RewardWindows {
  const minutes = new Uint8Array(MINUTES_PER_DAY);
  for (const range of times) {
    const m = typeof range === 'string' ? WINDOW_RE.exec(range) : null;
    if (m === null) badWindow(`Invalid time window ${JSON.stringify(range)}: expected 'HH:MM-HH:MM'.`, { value: range });
    const start = parseMinutes(m[1], false);
    const end = parseMinutes(m[2], true);
    if (start === null || end === null) {
      const bad = start === null ? m[1] : m[2];
      badWindow(`Invalid time window ${JSON.stringify(range)}: ${JSON.stringify(bad)} is not a valid ${start === null ? 'start' : 'end'} time.`, {
        value: range,
      });
    }
    // Start inclusive, end exclusive; an end before the start crosses midnight, and start = end
    // (including 00:00-24:00) covers the whole day.
    if (start < end) minutes.fill(1, start, end);
    else if (start > end) {
      minutes.fill(1, start, MINUTES_PER_DAY);
      minutes.fill(1, 0, end);
    } else minutes.fill(1);
  }
  const fromDay = from === undefined ? Number.NEGATIVE_INFINITY : parseDay(from);
  const toDay = to === undefined ? Number.POSITIVE_INFINITY : parseDay(to);
  if (fromDay === null) badWindow(`Invalid window start date ${JSON.stringify(from)}: expected an existing 'YYYY-MM-DD' date.`, { from });
  if (toDay === null) badWindow(`Invalid window end date ${JSON.stringify(to)}: expected an existing 'YYYY-MM-DD' date.`, { to });
  if (fromDay > toDay) badWindow(`Window date range is reversed: from ${from} is after to ${to}.`, { from, to });
  const compiled: RewardWindows = { times: Object.freeze([...(times as string[])]), minutes, fromDay, toDay };
  return Object.freeze({ ...compiled, ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) });
}

/**
 * Whether the instant falls in the windows. The date range is checked against the local date of
 * the instant itself, so for a window crossing midnight the minutes after midnight belong to the
 * next date: with to = D, 23:00 on D is inside but 01:00 on D+1 is not, even though both lie in the
 * same 22:00-02:00 window that began on D.
 */
export function windowsContain(windows: RewardWindows, calendar: Calendar, atMs: number): boolean {
  // Our own calendars give the wall clock in one offset lookup instead of two; any other Calendar
  // implementation (a test double, say) goes through the interface.
  let day: number;
  let minute: number;
  if (calendar instanceof ZoneCalendar) {
    const local = calendar.local(atMs);
    day = Math.floor(local / MS_PER_DAY);
    minute = Math.floor((local - day * MS_PER_DAY) / MS_PER_MINUTE);
  } else {
    day = calendar.dayNumber(atMs);
    minute = calendar.minuteOfDay(atMs);
  }
  if (day < windows.fromDay || day > windows.toDay) return false;
  return windows.minutes[minute] === 1;
}

// ---------------------------------------------------------------------------------------------
// Reset schedules (队列奖励清零).
// ---------------------------------------------------------------------------------------------

/** Reset schedule 队列奖励清零. */
export type ResetSchedule =
  | { kind: 'daily'; at?: string } // at 'HH:MM', default '00:00'
  | { kind: 'weekly'; weekday: number; at?: string } // ISO weekday 1..7
  | { kind: 'monthly'; day: number; at?: string } // 1..31; in a shorter month it falls on the month's last day
  | { kind: 'dates'; dates: string[]; at?: string }; // explicit local dates 'YYYY-MM-DD'

const SCHEDULE_FIELDS: Readonly<Record<ResetSchedule['kind'], readonly string[]>> = {
  daily: ['kind', 'at'],
  weekly: ['kind', 'weekday', 'at'],
  monthly: ['kind', 'day', 'at'],
  dates: ['kind', 'dates', 'at'],
};

function badSchedule(message: string, details: Record<string, unknown> = {}): never {
  return reject('INVALID_SCHEDULE', message, details);
}

function isKind(value: unknown): value is ResetSchedule['kind'] {
  return typeof value === 'string' && Object.hasOwn(SCHEDULE_FIELDS, value);
}

/**
 * Checks an untrusted schedule and returns a fresh copy holding only its known fields. Unknown
 * fields are rejected rather than dropped, because a misspelt one ('weekDay') would otherwise
 * silently change when queues are cleared.
 */
export function validateResetSchedule(s: unknown): ResetSchedule {
  if (typeof s !== 'object' || s === null || Array.isArray(s)) badSchedule('A reset schedule must be an object.');
  const o = s as Record<string, unknown>;
  const kind = o.kind;
  if (!isKind(kind)) {
    badSchedule(`Invalid reset schedule kind ${JSON.stringify(kind)}: expected 'daily', 'weekly', 'monthly' or 'dates'.`, { kind });
  }
  for (const key of Object.keys(o)) {
    if (!SCHEDULE_FIELDS[kind].includes(key)) {
      badSchedule(`Unknown field ${JSON.stringify(key)} in a ${kind} reset schedule.`, { field: key });
    }
  }
  const at = o.at;
  if (at !== undefined && parseMinutes(at, false) === null) {
    badSchedule(`Invalid reset time ${JSON.stringify(at)}: expected 'HH:MM' from 00:00 to 23:59.`, { at });
  }
  const atPart = at === undefined ? {} : { at: at as string };
  switch (kind) {
    case 'daily':
      return { kind, ...atPart };
    case 'weekly': {
      const weekday = o.weekday;
      if (typeof weekday !== 'number' || !Number.isInteger(weekday) || weekday < 1 || weekday > 7) {
        badSchedule(`Invalid reset weekday ${JSON.stringify(weekday)}: expected an ISO weekday 1 (Monday) to 7 (Sunday).`, { weekday });
      }
      return { kind, weekday, ...atPart };
    }
    case 'monthly': {
      const day = o.day;
      if (typeof day !== 'number' || !Number.isInteger(day) || day < 1 || day > 31) {
        badSchedule(`Invalid reset day of month ${JSON.stringify(day)}: expected an integer 1 to 31.`, { day });
      }
      return { kind, day, ...atPart };
    }
    case 'dates': {
      const dates = o.dates;
      if (!Array.isArray(dates) || dates.length === 0) {
        badSchedule("A dates reset schedule needs a non-empty list of 'YYYY-MM-DD' dates.", { dates });
      }
      for (const date of dates) {
        if (parseDay(date) === null) {
          badSchedule(`Invalid reset date ${JSON.stringify(date)}: expected an existing 'YYYY-MM-DD' date.`, { date });
        }
      }
      // Sorted and deduplicated so stored schedules compare equal whatever order they were typed in.
      const sorted = [...new Set(dates as string[])].sort();
      return { kind, dates: sorted, ...atPart };
    }
  }
}

/**
 * The first due instant strictly after `afterMs`, or null if none (dates all past). Each due
 * instant is `calendar.instantOf(date, at)`, so a reset inside a DST gap fires when the gap ends
 * and one inside an overlap fires at its first occurrence. Searching starts a day before the local
 * date of `afterMs` because a zone that falls back at midnight can put the next due instant on the
 * previous local date.
 */
export function nextResetAfter(s: ResetSchedule, calendar: Calendar, afterMs: number): number | null {
  const at = s.at === undefined ? 0 : parseMinutes(s.at, false);
  if (at === null) badSchedule(`Invalid reset time ${JSON.stringify(s.at)}: expected 'HH:MM' from 00:00 to 23:59.`, { at: s.at });
  const first = calendar.dayNumber(afterMs) - 1;
  const dueOn = (day: number): number => calendar.instantOf(formatDay(day), at);
  // Each loop is bounded by the longest possible wait (plus the day searched behind), so a schedule
  // that bypassed validation fails loudly instead of spinning forever.
  switch (s.kind) {
    case 'daily':
      for (let day = first; day <= first + 3; day++) {
        const due = dueOn(day);
        if (due > afterMs) return due;
      }
      break;
    case 'weekly':
      for (let day = first; day <= first + 9; day++) {
        if (weekdayOfDay(day) !== s.weekday) continue;
        const due = dueOn(day);
        if (due > afterMs) return due;
      }
      break;
    case 'monthly': {
      let { year, month } = civilFromDays(first);
      for (let i = 0; i < 3; i++) {
        const day = daysFromCivil(year, month, Math.min(s.day, daysInMonth(year, month)));
        if (day >= first) {
          const due = dueOn(day);
          if (due > afterMs) return due;
        }
        month += 1;
        if (month > 12) {
          month = 1;
          year += 1;
        }
      }
      break;
    }
    case 'dates': {
      let best: number | null = null;
      for (const date of s.dates) {
        const due = calendar.instantOf(date, at);
        if (due > afterMs && (best === null || due < best)) best = due;
      }
      return best;
    }
  }
  return badSchedule(`Reset schedule ${JSON.stringify(s)} never comes due; validate it with validateResetSchedule.`, { schedule: s });
}
