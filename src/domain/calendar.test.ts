import { describe, it, expect } from 'vitest';
import {
  MS_PER_DAY,
  compileWindows,
  makeCalendar,
  nextResetAfter,
  parseTimeOfDay,
  validateResetSchedule,
  windowsContain,
  type ResetSchedule,
} from './calendar.ts';
import { DomainError, type ErrorCode } from './errors.ts';

const utc = (iso: string): number => {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`bad ISO instant in test: ${iso}`);
  return ms;
};

function codeOf(fn: () => unknown): ErrorCode | 'no error' {
  try {
    fn();
  } catch (e) {
    if (e instanceof DomainError) return e.code;
    throw e;
  }
  return 'no error';
}

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof Error) return e.message;
  }
  return '';
}

const shanghai = makeCalendar('Asia/Shanghai');
const newYork = makeCalendar('America/New_York');

describe('makeCalendar', () => {
  it('resolves a valid IANA zone and reuses one calendar per zone', () => {
    expect(shanghai.timeZone).toBe('Asia/Shanghai');
    expect(makeCalendar('Asia/Shanghai')).toBe(shanghai);
    expect(makeCalendar('asia/shanghai').timeZone).toBe('Asia/Shanghai');
  });

  it('rejects unknown, empty and offset-style zone names with INVALID_TIME_ZONE', () => {
    for (const zone of ['Nope/Zone', '', '  ', '+08:00', 'GMT+8']) {
      expect(codeOf(() => makeCalendar(zone))).toBe('INVALID_TIME_ZONE');
    }
    expect(messageOf(() => makeCalendar('Nope/Zone'))).toContain('Nope/Zone');
  });
});

describe('Asia/Shanghai local dates', () => {
  it('starts local 2026-01-02 at 2026-01-01T16:00:00Z', () => {
    const midnight = utc('2026-01-01T16:00:00Z');
    expect(shanghai.localDate(midnight)).toBe('2026-01-02');
    expect(shanghai.minuteOfDay(midnight)).toBe(0);
    expect(shanghai.dayNumber(midnight)).toBe(Date.UTC(2026, 0, 2) / MS_PER_DAY);
    expect(shanghai.weekday(midnight)).toBe(5); // Friday
    expect(shanghai.dayOfMonth(midnight)).toBe(2);
  });

  it('keeps the last millisecond before local midnight on the previous date', () => {
    const justBefore = utc('2026-01-01T16:00:00Z') - 1;
    expect(shanghai.localDate(justBefore)).toBe('2026-01-01');
    expect(shanghai.minuteOfDay(justBefore)).toBe(1439);
    expect(shanghai.dayNumber(justBefore)).toBe(Date.UTC(2026, 0, 1) / MS_PER_DAY);
    expect(shanghai.weekday(justBefore)).toBe(4); // Thursday
  });

  it('maps a local date and minute back to its UTC instant', () => {
    expect(shanghai.instantOf('2026-01-02', 0)).toBe(utc('2026-01-01T16:00:00Z'));
    expect(shanghai.instantOf('2026-01-02', 9 * 60 + 30)).toBe(utc('2026-01-02T01:30:00Z'));
  });

  it('reports ISO weekdays from Monday 1 to Sunday 7', () => {
    // 2026-01-05 is a Monday.
    const monday = shanghai.instantOf('2026-01-05', 12 * 60);
    expect([0, 1, 2, 3, 4, 5, 6].map((d) => shanghai.weekday(monday + d * MS_PER_DAY))).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('handles instants before 1970 and in leap years', () => {
    expect(shanghai.localDate(utc('1969-12-31T15:59:00Z'))).toBe('1969-12-31');
    expect(shanghai.localDate(utc('1969-12-31T16:00:00Z'))).toBe('1970-01-01');
    expect(shanghai.dayOfMonth(utc('2028-02-29T03:00:00Z'))).toBe(29);
  });

  it('rejects a malformed date or minute given to instantOf', () => {
    expect(codeOf(() => shanghai.instantOf('2026-02-30', 0))).toBe('INVALID_TIME_WINDOW');
    expect(codeOf(() => shanghai.instantOf('2026-1-2', 0))).toBe('INVALID_TIME_WINDOW');
    expect(codeOf(() => shanghai.instantOf('2026-01-02', 1440))).toBe('INVALID_TIME_WINDOW');
    expect(codeOf(() => shanghai.instantOf('2026-01-02', 1.5))).toBe('INVALID_TIME_WINDOW');
  });
});

describe('America/New_York around DST', () => {
  it('maps a wall time inside the March gap to the first valid instant after it', () => {
    // On 2026-03-08 clocks jump from 02:00 EST straight to 03:00 EDT (07:00Z).
    expect(newYork.instantOf('2026-03-08', 1 * 60 + 59)).toBe(utc('2026-03-08T06:59:00Z'));
    expect(newYork.instantOf('2026-03-08', 2 * 60)).toBe(utc('2026-03-08T07:00:00Z'));
    expect(newYork.instantOf('2026-03-08', 2 * 60 + 30)).toBe(utc('2026-03-08T07:00:00Z'));
    expect(newYork.instantOf('2026-03-08', 3 * 60)).toBe(utc('2026-03-08T07:00:00Z'));
    expect(newYork.instantOf('2026-03-08', 3 * 60 + 1)).toBe(utc('2026-03-08T07:01:00Z'));
  });

  it('maps a wall time inside the November overlap to its earlier occurrence', () => {
    // On 2026-11-01 01:00-01:59 happens twice: first in EDT (05:xxZ), then in EST (06:xxZ).
    expect(newYork.instantOf('2026-11-01', 60 + 30)).toBe(utc('2026-11-01T05:30:00Z'));
    expect(newYork.minuteOfDay(utc('2026-11-01T06:30:00Z'))).toBe(90);
    expect(newYork.instantOf('2026-11-01', 2 * 60)).toBe(utc('2026-11-01T07:00:00Z'));
    expect(newYork.instantOf('2026-11-01', 0)).toBe(utc('2026-11-01T04:00:00Z'));
  });

  it('reads local minutes on both sides of each transition', () => {
    expect(newYork.minuteOfDay(utc('2026-03-08T06:59:00Z'))).toBe(119);
    expect(newYork.minuteOfDay(utc('2026-03-08T07:00:00Z'))).toBe(180);
    expect(newYork.minuteOfDay(utc('2026-11-01T05:59:00Z'))).toBe(119);
    expect(newYork.minuteOfDay(utc('2026-11-01T06:00:00Z'))).toBe(60);
  });
});

describe('offset cache', () => {
  const zones = ['Asia/Shanghai', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'Europe/London', 'America/Sao_Paulo'];

  const formats = new Map<string, Intl.DateTimeFormat>();

  function intlWall(zone: string, ms: number): { date: string; minute: number } {
    let format = formats.get(zone);
    if (format === undefined) {
      format = new Intl.DateTimeFormat('en-CA', {
        timeZone: zone,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
      });
      formats.set(zone, format);
    }
    const parts = format.formatToParts(ms);
    const get = (type: string): string => parts.find((p) => p.type === type)?.value ?? '';
    return { date: `${get('year')}-${get('month')}-${get('day')}`, minute: (Number(get('hour')) % 24) * 60 + Number(get('minute')) };
  }

  it('agrees with Intl at every 7-minute step through a year in zones with odd offsets and transitions', () => {
    for (const zone of zones) {
      const calendar = makeCalendar(zone);
      const start = utc('2026-01-01T00:00:00Z');
      const step = 7 * 60_000 * 13 + 17_000; // Coprime with hours so every minute-of-hour is visited.
      for (let ms = start; ms < start + 366 * MS_PER_DAY; ms += step) {
        const expected = intlWall(zone, ms);
        expect({ date: calendar.localDate(ms), minute: calendar.minuteOfDay(ms) }).toEqual(expected);
      }
    }
  });

  it('places a half-hour transition that falls mid-hour at its exact second', () => {
    // Lord Howe Island moves from +10:30 to +11:00 at 02:00 local, which is 15:30Z, mid UTC hour.
    const lordHowe = makeCalendar('Australia/Lord_Howe');
    const t = utc('2026-10-03T15:30:00Z');
    expect(lordHowe.minuteOfDay(t - 1)).toBe(2 * 60 - 1);
    expect(lordHowe.minuteOfDay(t)).toBe(2 * 60 + 30);
    expect(lordHowe.instantOf('2026-10-04', 2 * 60 + 10)).toBe(t);
  });

  it('round-trips every existing wall time through instantOf', () => {
    for (const zone of zones) {
      const calendar = makeCalendar(zone);
      for (let day = Date.UTC(2026, 0, 1) / MS_PER_DAY; day < Date.UTC(2027, 0, 1) / MS_PER_DAY; day += 1) {
        const date = new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
        for (const minute of [0, 59, 60, 90, 120, 150, 179, 180, 1439]) {
          const t = calendar.instantOf(date, minute);
          // A skipped wall time lands on the first instant after the gap; anything else round-trips.
          if (calendar.localDate(t) === date && calendar.minuteOfDay(t) === minute) continue;
          expect(calendar.instantOf(date, minute)).toBe(t);
          expect(calendar.localDate(t) > date || calendar.minuteOfDay(t) > minute).toBe(true);
          expect(calendar.minuteOfDay(t - 1) < minute || calendar.localDate(t - 1) < date).toBe(true);
        }
      }
    }
  });
});

describe('parseTimeOfDay', () => {
  it('parses HH:MM into minutes and allows 24:00 only when asked', () => {
    expect(parseTimeOfDay('00:00', false)).toBe(0);
    expect(parseTimeOfDay('09:05', false)).toBe(545);
    expect(parseTimeOfDay('23:59', false)).toBe(1439);
    expect(parseTimeOfDay('24:00', true)).toBe(1440);
  });

  it('rejects malformed times with INVALID_TIME_WINDOW naming the value', () => {
    for (const bad of ['24:00', '25:00', '12:60', '1200', '9:00', '09:5', ' 09:00', '24:01', '']) {
      expect(codeOf(() => parseTimeOfDay(bad, false))).toBe('INVALID_TIME_WINDOW');
    }
    expect(codeOf(() => parseTimeOfDay('24:01', true))).toBe('INVALID_TIME_WINDOW');
    expect(messageOf(() => parseTimeOfDay('25:00', false))).toContain('25:00');
  });
});

describe('reward windows', () => {
  const at = (date: string, hhmm: string): number => shanghai.instantOf(date, parseTimeOfDay(hhmm, false));
  const inside = (times: string[], date: string, hhmm: string, range: { from?: string; to?: string } = {}): boolean =>
    windowsContain(compileWindows({ times, ...range }), shanghai, at(date, hhmm));

  it('includes the start minute and excludes the end minute', () => {
    expect(inside(['09:00-12:00'], '2026-05-01', '08:59')).toBe(false);
    expect(inside(['09:00-12:00'], '2026-05-01', '09:00')).toBe(true);
    expect(inside(['09:00-12:00'], '2026-05-01', '11:59')).toBe(true);
    expect(inside(['09:00-12:00'], '2026-05-01', '12:00')).toBe(false);
  });

  it('covers both sides of midnight when the start is after the end', () => {
    const w = ['22:00-02:00'];
    expect(inside(w, '2026-05-01', '21:59')).toBe(false);
    expect(inside(w, '2026-05-01', '22:00')).toBe(true);
    expect(inside(w, '2026-05-01', '23:59')).toBe(true);
    expect(inside(w, '2026-05-02', '00:00')).toBe(true);
    expect(inside(w, '2026-05-02', '01:59')).toBe(true);
    expect(inside(w, '2026-05-02', '02:00')).toBe(false);
    expect(inside(w, '2026-05-02', '12:00')).toBe(false);
  });

  it('accepts 24:00 as an end meaning up to midnight', () => {
    expect(inside(['20:00-24:00'], '2026-05-01', '23:59')).toBe(true);
    expect(inside(['20:00-24:00'], '2026-05-01', '00:00')).toBe(false);
    expect(inside(['20:00-24:00'], '2026-05-01', '19:59')).toBe(false);
    expect(inside(['00:00-24:00'], '2026-05-01', '00:00')).toBe(true);
  });

  it('treats a window whose start equals its end as the whole day', () => {
    for (const hhmm of ['00:00', '07:59', '08:00', '12:00', '23:59']) {
      expect(inside(['08:00-08:00'], '2026-05-01', hhmm)).toBe(true);
    }
  });

  it('takes the union of several windows', () => {
    const w = ['09:00-10:00', '14:00-15:00', '09:30-11:00'];
    expect(inside(w, '2026-05-01', '09:15')).toBe(true);
    expect(inside(w, '2026-05-01', '10:30')).toBe(true);
    expect(inside(w, '2026-05-01', '11:00')).toBe(false);
    expect(inside(w, '2026-05-01', '13:59')).toBe(false);
    expect(inside(w, '2026-05-01', '14:30')).toBe(true);
  });

  it('restricts by the inclusive local date range of the instant itself', () => {
    const range = { from: '2026-05-01', to: '2026-05-03' };
    expect(inside(['10:00-11:00'], '2026-04-30', '10:30', range)).toBe(false);
    expect(inside(['10:00-11:00'], '2026-05-01', '10:30', range)).toBe(true);
    expect(inside(['10:00-11:00'], '2026-05-03', '10:30', range)).toBe(true);
    expect(inside(['10:00-11:00'], '2026-05-04', '10:30', range)).toBe(false);
    // The after-midnight part of a window that began on the last date is on a date outside the range.
    expect(inside(['22:00-02:00'], '2026-05-03', '23:00', range)).toBe(true);
    expect(inside(['22:00-02:00'], '2026-05-04', '01:00', range)).toBe(false);
    // And the after-midnight part on the first date is inside, though its window began the day before.
    expect(inside(['22:00-02:00'], '2026-05-01', '01:00', range)).toBe(true);
    expect(inside(['10:00-11:00'], '2026-05-09', '10:30', { from: '2026-05-01' })).toBe(true);
    expect(inside(['10:00-11:00'], '2026-04-09', '10:30', { to: '2026-05-01' })).toBe(true);
  });

  it('uses the local date of the calendar, not UTC', () => {
    // 2026-05-01T17:00Z is already 01:00 on 2026-05-02 in Shanghai.
    const windows = compileWindows({ times: ['00:00-02:00'], from: '2026-05-02', to: '2026-05-02' });
    expect(windowsContain(windows, shanghai, utc('2026-05-01T17:00:00Z'))).toBe(true);
  });

  it('rejects every malformed window with INVALID_TIME_WINDOW naming the bad value', () => {
    const cases: Array<[Parameters<typeof compileWindows>[0], string]> = [
      [{ times: ['25:00-26:00'] }, '25:00'],
      [{ times: ['12:60-13:00'] }, '12:60'],
      [{ times: ['1200-1300'] }, '1200-1300'],
      [{ times: ['24:00-02:00'] }, '24:00'],
      [{ times: ['09:00-24:01'] }, '24:01'],
      [{ times: ['9:00-10:00'] }, '9:00-10:00'],
      [{ times: ['09:00 - 10:00'] }, '09:00 - 10:00'],
      [{ times: ['09:00-10:00', 'soon'] }, 'soon'],
      [{ times: ['09:00-10:00'], from: '2026-02-30' }, '2026-02-30'],
      [{ times: ['09:00-10:00'], to: '2026-13-01' }, '2026-13-01'],
      [{ times: ['09:00-10:00'], from: '2026/05/01' }, '2026/05/01'],
      [{ times: ['09:00-10:00'], from: '2026-05-02', to: '2026-05-01' }, '2026-05-02'],
      [{ times: [] }, 'at least one'],
    ];
    for (const [spec, named] of cases) {
      expect(codeOf(() => compileWindows(spec))).toBe('INVALID_TIME_WINDOW');
      expect(messageOf(() => compileWindows(spec))).toContain(named);
    }
    expect(codeOf(() => compileWindows({ times: [42 as unknown as string] }))).toBe('INVALID_TIME_WINDOW');
    // A nested array joins to the same text as a valid spec, so it must not hit the compile cache.
    compileWindows({ times: ['09:00-10:00'] });
    expect(codeOf(() => compileWindows({ times: [['09:00-10:00'] as unknown as string] }))).toBe('INVALID_TIME_WINDOW');
    expect(codeOf(() => compileWindows({} as unknown as { times: string[] }))).toBe('INVALID_TIME_WINDOW');
    expect(codeOf(() => compileWindows(null as unknown as { times: string[] }))).toBe('INVALID_TIME_WINDOW');
  });

  it('returns the same compiled windows for specs with the same content', () => {
    const a = compileWindows({ times: ['09:00-10:00', '22:00-02:00'], from: '2026-01-01' });
    const b = compileWindows({ times: ['09:00-10:00', '22:00-02:00'], from: '2026-01-01' });
    expect(b).toBe(a);
    expect(compileWindows({ times: ['09:00-10:00', '22:00-02:00'], to: '2026-01-01' })).not.toBe(a);
    expect(a.times).toEqual(['09:00-10:00', '22:00-02:00']);
    expect(a.from).toBe('2026-01-01');
    expect(a.to).toBeUndefined();
  });

  it('accepts a single-day range and a leap day', () => {
    expect(codeOf(() => compileWindows({ times: ['09:00-10:00'], from: '2028-02-29', to: '2028-02-29' }))).toBe('no error');
    expect(codeOf(() => compileWindows({ times: ['09:00-10:00'], from: '2026-02-29' }))).toBe('INVALID_TIME_WINDOW');
  });
});

describe('validateResetSchedule', () => {
  it('accepts each kind and returns a clean copy', () => {
    expect(validateResetSchedule({ kind: 'daily' })).toEqual({ kind: 'daily' });
    expect(validateResetSchedule({ kind: 'daily', at: '04:30' })).toEqual({ kind: 'daily', at: '04:30' });
    expect(validateResetSchedule({ kind: 'weekly', weekday: 7 })).toEqual({ kind: 'weekly', weekday: 7 });
    expect(validateResetSchedule({ kind: 'monthly', day: 31, at: '23:59' })).toEqual({ kind: 'monthly', day: 31, at: '23:59' });
    expect(validateResetSchedule({ kind: 'dates', dates: ['2026-06-18', '2026-06-01', '2026-06-18'] })).toEqual({
      kind: 'dates',
      dates: ['2026-06-01', '2026-06-18'],
    });
  });

  it('rejects every malformed field with INVALID_SCHEDULE and a message naming it', () => {
    const cases: Array<[unknown, string]> = [
      [null, 'object'],
      ['daily', 'object'],
      [[], 'object'],
      [{}, 'kind'],
      [{ kind: 'hourly' }, 'hourly'],
      [{ kind: 'daily', at: '24:00' }, '24:00'],
      [{ kind: 'daily', at: '7:00' }, '7:00'],
      [{ kind: 'daily', at: 700 }, '700'],
      [{ kind: 'daily', weekday: 1 }, 'weekday'],
      [{ kind: 'weekly' }, 'weekday'],
      [{ kind: 'weekly', weekday: 0 }, 'weekday'],
      [{ kind: 'weekly', weekday: 8 }, 'weekday'],
      [{ kind: 'weekly', weekday: 1.5 }, 'weekday'],
      [{ kind: 'weekly', weekday: '1' }, 'weekday'],
      [{ kind: 'monthly' }, 'day of month'],
      [{ kind: 'monthly', day: 0 }, 'day of month'],
      [{ kind: 'monthly', day: 32 }, 'day of month'],
      [{ kind: 'monthly', day: 31, weekday: 2 }, 'weekday'],
      [{ kind: 'dates' }, 'dates'],
      [{ kind: 'dates', dates: [] }, 'dates'],
      [{ kind: 'dates', dates: '2026-06-18' }, 'dates'],
      [{ kind: 'dates', dates: ['2026-06-31'] }, '2026-06-31'],
      [{ kind: 'dates', dates: ['2026-06-18', 20260618] }, '20260618'],
    ];
    for (const [input, named] of cases) {
      expect(codeOf(() => validateResetSchedule(input))).toBe('INVALID_SCHEDULE');
      expect(messageOf(() => validateResetSchedule(input))).toContain(named);
    }
  });
});

describe('nextResetAfter', () => {
  const sh = (date: string, hhmm = '00:00'): number => shanghai.instantOf(date, parseTimeOfDay(hhmm, false));
  const next = (s: ResetSchedule, afterMs: number): number | null => nextResetAfter(s, shanghai, afterMs);

  it('resets daily at local midnight by default', () => {
    expect(next({ kind: 'daily' }, sh('2026-05-01', '10:00'))).toBe(sh('2026-05-02'));
    expect(next({ kind: 'daily' }, sh('2026-05-01', '10:00'))).toBe(utc('2026-05-01T16:00:00Z'));
  });

  it('resets daily at the given time, later the same day when it is still ahead', () => {
    expect(next({ kind: 'daily', at: '04:00' }, sh('2026-05-01', '03:59'))).toBe(sh('2026-05-01', '04:00'));
    expect(next({ kind: 'daily', at: '04:00' }, sh('2026-05-01', '04:01'))).toBe(sh('2026-05-02', '04:00'));
  });

  it('returns the following occurrence when asked at exactly a due instant', () => {
    expect(next({ kind: 'daily' }, sh('2026-05-02'))).toBe(sh('2026-05-03'));
    expect(next({ kind: 'daily' }, sh('2026-05-02') - 1)).toBe(sh('2026-05-02'));
    expect(next({ kind: 'weekly', weekday: 1, at: '09:00' }, sh('2026-05-04', '09:00'))).toBe(sh('2026-05-11', '09:00'));
    expect(next({ kind: 'monthly', day: 15 }, sh('2026-05-15'))).toBe(sh('2026-06-15'));
    expect(next({ kind: 'dates', dates: ['2026-06-01', '2026-06-18'] }, sh('2026-06-01'))).toBe(sh('2026-06-18'));
  });

  it('resets weekly on the given ISO weekday', () => {
    // 2026-05-01 is a Friday.
    expect(next({ kind: 'weekly', weekday: 1 }, sh('2026-05-01', '12:00'))).toBe(sh('2026-05-04'));
    expect(next({ kind: 'weekly', weekday: 7, at: '22:00' }, sh('2026-05-01', '12:00'))).toBe(sh('2026-05-03', '22:00'));
    expect(next({ kind: 'weekly', weekday: 5, at: '13:00' }, sh('2026-05-01', '12:00'))).toBe(sh('2026-05-01', '13:00'));
    expect(next({ kind: 'weekly', weekday: 5, at: '11:00' }, sh('2026-05-01', '12:00'))).toBe(sh('2026-05-08', '11:00'));
  });

  it('resets monthly on the day, or on the last day of a shorter month', () => {
    expect(next({ kind: 'monthly', day: 31 }, sh('2026-01-31', '00:00'))).toBe(sh('2026-02-28'));
    expect(next({ kind: 'monthly', day: 31 }, sh('2028-01-31', '00:00'))).toBe(sh('2028-02-29'));
    expect(next({ kind: 'monthly', day: 31 }, sh('2026-02-28'))).toBe(sh('2026-03-31'));
    expect(next({ kind: 'monthly', day: 31 }, sh('2026-04-01'))).toBe(sh('2026-04-30'));
    expect(next({ kind: 'monthly', day: 30 }, sh('2026-12-31'))).toBe(sh('2027-01-30'));
    expect(next({ kind: 'monthly', day: 1, at: '08:00' }, sh('2026-12-01', '09:00'))).toBe(sh('2027-01-01', '08:00'));
  });

  it('resets on the listed dates and returns null once all are past', () => {
    const s: ResetSchedule = { kind: 'dates', dates: ['2026-11-11', '2026-06-18'], at: '12:00' };
    expect(next(s, sh('2026-01-01'))).toBe(sh('2026-06-18', '12:00'));
    expect(next(s, sh('2026-06-18', '12:00'))).toBe(sh('2026-11-11', '12:00'));
    expect(next(s, sh('2026-11-11', '12:00'))).toBeNull();
  });

  it('fires a reset whose time is skipped by DST at the end of the gap', () => {
    const s: ResetSchedule = { kind: 'daily', at: '02:30' };
    expect(nextResetAfter(s, newYork, utc('2026-03-07T12:00:00Z'))).toBe(utc('2026-03-08T07:00:00Z'));
    expect(nextResetAfter(s, newYork, utc('2026-03-08T07:00:00Z'))).toBe(utc('2026-03-09T06:30:00Z'));
  });

  it('fires a reset whose time repeats in a DST overlap only once, at the first occurrence', () => {
    const s: ResetSchedule = { kind: 'daily', at: '01:30' };
    expect(nextResetAfter(s, newYork, utc('2026-10-31T12:00:00Z'))).toBe(utc('2026-11-01T05:30:00Z'));
    expect(nextResetAfter(s, newYork, utc('2026-11-01T05:30:00Z'))).toBe(utc('2026-11-02T06:30:00Z'));
  });

  it('rejects a schedule that bypassed validation instead of looping', () => {
    expect(codeOf(() => nextResetAfter({ kind: 'weekly', weekday: 9 }, shanghai, 0))).toBe('INVALID_SCHEDULE');
    expect(codeOf(() => nextResetAfter({ kind: 'daily', at: '25:00' }, shanghai, 0))).toBe('INVALID_SCHEDULE');
  });
});
