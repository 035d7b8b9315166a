/**
 * Random plugin settings for the property runs: a model of the settings JSON the operator last
 * saved, changed a few fields at a time (toggles, ratios, lotteries, tiers, windows, limits, reset
 * schedules and the product / store / store-product / cashier layers), plus deliberately broken
 * variants that the engine must reject whole.
 */
import type { TestRng } from './prng.ts';
import { localDate } from './schedule.ts';

export type Json = Record<string, unknown>;

export interface SettingsModel {
  base: Json;
  products: Record<string, Json>;
  stores: Record<string, Json>;
  storeProducts: Record<string, Json>;
  cashiers: Record<string, Json>;
}

export const PRODUCTS = ['p1', 'p2', 'p3', 'p4'] as const;
export const STORES = ['s1', 's2', 's3'] as const;
/** Store online products (门店商品), sold by every store. */
export const STORE_GOODS = ['g1', 'g2', 'g3'] as const;
export const LEVELS = ['default', 'silver', 'gold', 'vip'] as const;

const DAY_MS = 86_400_000;
const WINDOW_TIMES = ['06:00-23:00', '22:00-02:00', '00:00-24:00', '08:00-08:00', '12:00-13:30', '18:00-12:00', '00:00-20:00'];
const RESET_TIMES = ['00:00', '03:30', '12:00', '23:59', '08:15'];

export function initialSettings(): SettingsModel {
  return {
    base: {
      defaultBp: 10_000,
      extractBp: 1_000,
      exchange: { pointsBp: 10_000, loveBp: 5_000, couponBp: 12_000, loveFrozen: false },
    },
    products: {},
    stores: {},
    storeProducts: {},
    cashiers: {},
  };
}

export function cloneSettings(s: SettingsModel): SettingsModel {
  return structuredClone(s);
}

function extractBp(r: TestRng): number {
  if (r.chance(0.05)) return 0;
  return r.chance(0.7) ? r.pick([500, 1_000, 3_000, 6_500, 10_000]) : r.int(1, 10_000);
}

function rewardBp(r: TestRng): number {
  return r.chance(0.7) ? r.pick([0, 5_000, 10_000, 13_000, 20_000]) : r.int(0, 30_000);
}

function levels(r: TestRng): Json {
  const out: Json = {};
  for (const level of LEVELS) if (r.chance(0.5)) out[level] = rewardBp(r);
  if (r.chance(0.2)) out['ghost-level'] = rewardBp(r);
  return out;
}

function tiers(r: TestRng): Json[] {
  const n = r.int(0, 3);
  const out: Json[] = [];
  for (let i = 0; i < n; i++) {
    out.push({ days: r.pick([1, 7, 30, 60]), minFen: r.pick([0, 10_000, 100_000, 500_000, 2_000_000]), bp: rewardBp(r) });
  }
  return out;
}

export function lottery(r: TestRng): Json {
  if (r.chance(0.5)) {
    const n = r.int(1, 4);
    const ratios: number[] = [];
    for (let i = 0; i < n; i++) ratios.push(r.pick([0, 1_000, 2_000, 5_000, 10_000, 15_000]));
    return { kind: 'fixed', ratiosBp: ratios };
  }
  const minBp = r.pick([0, 1_000, 5_000]);
  return { kind: 'range', minBp, maxBp: minBp + r.pick([0, 1, 5_000, 15_000]) };
}

function windows(r: TestRng, now: number): Json {
  const times = r.chance(0.7) ? [r.pick(WINDOW_TIMES)] : [r.pick(WINDOW_TIMES), r.pick(WINDOW_TIMES)];
  const w: Json = { times };
  if (r.chance(0.15)) {
    w.from = localDate(now - r.int(0, 5) * DAY_MS);
    if (r.chance(0.7)) w.to = localDate(now + r.int(0, 5) * DAY_MS);
  }
  return w;
}

export function resetSchedule(r: TestRng, now: number): Json | null {
  const at = r.pick(RESET_TIMES);
  switch (r.chance(0.5) ? 0 : r.int(1, 4)) {
    case 0:
      return null;
    case 1:
      return r.chance(0.3) ? { kind: 'daily' } : { kind: 'daily', at };
    case 2:
      return { kind: 'weekly', weekday: r.int(1, 7), at };
    case 3:
      return { kind: 'monthly', day: r.pick([1, 15, 28, 29, 30, 31, r.int(1, 31)]), at };
    default: {
      const dates: string[] = [];
      for (let i = r.int(1, 3); i > 0; i--) dates.push(localDate(now + r.int(-2, 6) * DAY_MS));
      return { kind: 'dates', dates, at };
    }
  }
}

/** A layer of product / store / store-product / cashier settings; any field may be unset. */
function layer(r: TestRng, now: number, randomReturnSwitch: boolean): Json {
  const l: Json = {};
  if (r.chance(0.08)) l.enabled = r.chance(0.3);
  if (r.chance(0.5)) l.extractBp = extractBp(r);
  if (r.chance(0.5)) l.defaultBp = rewardBp(r);
  if (r.chance(0.25)) l.levelBp = levels(r);
  if (r.chance(0.2)) l.tiers = tiers(r);
  if (r.chance(0.2)) l.lottery = lottery(r);
  if (r.chance(0.06)) l.windows = windows(r, now);
  if (r.chance(0.15)) l.dailyLimit = r.int(0, 5);
  if (r.chance(0.15)) l.totalLimit = r.int(0, 40);
  if (randomReturnSwitch && r.chance(0.3)) l.randomReturn = r.chance(0.5);
  return l;
}

function toggle(base: Json, key: string): void {
  base[key] = !(base[key] === true);
}

function setOrUnset(base: Json, key: string, r: TestRng, value: () => unknown): void {
  if (r.chance(0.3)) delete base[key];
  else base[key] = value();
}

/** Changes one to four things, the way an operator edits and saves the settings page. */
export function mutateSettings(model: SettingsModel, r: TestRng, now: number): SettingsModel {
  const s = cloneSettings(model);
  const b = s.base;
  const changes = r.int(1, 4);
  for (let i = 0; i < changes; i++) {
    switch (r.below(24)) {
      case 0:
        b.payoutRule = r.chance(0.35) ? 'completedFirst' : 'queue';
        break;
      case 1:
        b.settlementEvent = r.chance(0.3) ? 'completed' : 'paid';
        break;
      case 2:
        toggle(b, 'deductionParticipates');
        break;
      case 3:
        toggle(b, 'clawbackAfterSale');
        break;
      case 4:
        b.mallQueue = !(b.mallQueue ?? true);
        break;
      case 5:
        b.allStoresQueue = !(b.allStoresQueue ?? true);
        break;
      case 6:
        b.allCashiersQueue = !(b.allCashiersQueue ?? true);
        break;
      case 7: {
        if (r.chance(0.6)) {
          b.randomReturnGroup = null;
        } else {
          const cashMembers = r.int(0, 3);
          const pointsMembers = r.int(cashMembers === 0 ? 1 : 0, 3);
          b.randomReturnGroup = { cashMembers, pointsMembers };
          const x = (b.exchange ?? {}) as Json;
          if (x.pointsBp === undefined) x.pointsBp = r.pick([100, 10_000, 25_000]);
          b.exchange = x;
        }
        break;
      }
      case 8: {
        const x: Json = { loveFrozen: r.chance(0.5) };
        if (r.chance(0.8) || (b.randomReturnGroup as Json | null | undefined)) x.pointsBp = r.pick([0, 100, 10_000, 25_000, r.int(0, 50_000)]);
        if (r.chance(0.7)) x.loveBp = r.pick([0, 5_000, 10_000, r.int(0, 50_000)]);
        if (r.chance(0.7)) x.couponBp = r.pick([0, 10_000, 12_000, r.int(0, 50_000)]);
        b.exchange = x;
        break;
      }
      case 9:
        b.defaultBp = rewardBp(r);
        break;
      case 10:
        b.extractBp = extractBp(r);
        break;
      case 11:
        setOrUnset(b, 'levelBp', r, () => levels(r));
        break;
      case 12:
        setOrUnset(b, 'lottery', r, () => lottery(r));
        break;
      case 13:
        setOrUnset(b, 'tiers', r, () => tiers(r));
        break;
      case 14:
        if (r.chance(0.8)) delete b.windows;
        else b.windows = windows(r, now);
        break;
      case 15:
        if (r.chance(0.5)) delete b.dailyLimit;
        else b.dailyLimit = r.int(0, 6);
        if (r.chance(0.5)) delete b.totalLimit;
        else b.totalLimit = r.int(0, 60);
        break;
      case 16:
        b.enabled = r.chance(0.95);
        b.newProductsEnabled = r.chance(0.9);
        break;
      case 17:
        b.reset = resetSchedule(r, now);
        break;
      case 18:
        b.extractBp = extractBp(r);
        b.defaultBp = rewardBp(r);
        break;
      case 19:
        b.paused = r.chance(0.05);
        // Fixed-offset zones only: the tests compute due resets with a fixed offset (schedule.ts).
        if (r.chance(0.3)) b.timeZone = r.pick(['Asia/Shanghai', 'Asia/Shanghai', 'UTC', 'Asia/Tokyo']);
        break;
      case 20:
        changeLayer(s.products, r.pick(PRODUCTS), r, now, false);
        break;
      case 21:
        changeLayer(s.stores, r.pick(STORES), r, now, true);
        break;
      case 22:
        changeLayer(s.storeProducts, `${r.pick(STORES)}/${r.pick(STORE_GOODS)}`, r, now, false);
        break;
      default:
        changeLayer(s.cashiers, r.pick(STORES), r, now, true);
        break;
    }
  }
  return s;
}

function changeLayer(map: Record<string, Json>, id: string, r: TestRng, now: number, randomReturnSwitch: boolean): void {
  if (r.chance(0.25)) delete map[id];
  else map[id] = layer(r, now, randomReturnSwitch);
}

export interface BrokenSettings {
  name: string;
  settings: unknown;
  codes: readonly string[];
}

/** A copy of the model with one field broken; the whole save must be rejected. */
export function corruptSettings(model: SettingsModel, r: TestRng): BrokenSettings {
  const s = cloneSettings(model);
  const b = s.base;
  const variant = r.below(16);
  const ratio = ['INVALID_RATIO'];
  switch (variant) {
    case 0:
      b.extractBp = 10_001;
      return { name: 'extractOver100', settings: s, codes: ratio };
    case 1:
      b.defaultBp = -1;
      return { name: 'negativeRatio', settings: s, codes: ratio };
    case 2:
      b.defaultBp = 12.5;
      return { name: 'fractionalRatio', settings: s, codes: ratio };
    case 3:
      s.products.p1 = { ...(s.products.p1 ?? {}), colour: 'red' };
      return { name: 'unknownLayerKey', settings: s, codes: ['INVALID_SETTINGS'] };
    case 4:
      b.lottery = { kind: 'range', minBp: 5_000, maxBp: 1_000 };
      return { name: 'lotteryMinOverMax', settings: s, codes: ratio };
    case 5:
      s.stores.s1 = { lottery: { kind: 'fixed', ratiosBp: [] } };
      return { name: 'lotteryEmpty', settings: s, codes: ['INVALID_SETTINGS'] };
    case 6:
      s.cashiers.s2 = { windows: { times: ['25:00-26:00'] } };
      return { name: 'badWindow', settings: s, codes: ['INVALID_TIME_WINDOW'] };
    case 7:
      b.reset = { kind: 'hourly' };
      return { name: 'badScheduleKind', settings: s, codes: ['INVALID_SCHEDULE'] };
    case 8:
      b.reset = { kind: 'weekly', weekday: 8, at: '00:00' };
      return { name: 'badWeekday', settings: s, codes: ['INVALID_SCHEDULE'] };
    case 9:
      b.randomReturnGroup = { cashMembers: 1, pointsMembers: 2 };
      b.exchange = { loveBp: 100 };
      return { name: 'randomReturnWithoutPointsRatio', settings: s, codes: ['INVALID_SETTINGS'] };
    case 10:
      b.timeZone = 'Mars/Olympus_Mons';
      return { name: 'badTimeZone', settings: s, codes: ['INVALID_TIME_ZONE'] };
    case 11:
      s.storeProducts['s1/g1'] = { tiers: [{ days: 0, minFen: 0, bp: 100 }] };
      return { name: 'tierZeroDays', settings: s, codes: ['INVALID_SETTINGS'] };
    case 12:
      b.payoutRule = 'lifo';
      return { name: 'badPayoutRule', settings: s, codes: ['INVALID_SETTINGS'] };
    case 13:
      return { name: 'notAnObject', settings: r.pick(['x', 42, null, [1, 2]]), codes: ['INVALID_SETTINGS'] };
    case 14:
      b.dailyLimit = -1;
      return { name: 'negativeLimit', settings: s, codes: ['INVALID_SETTINGS'] };
    default:
      s.products.p2 = { levelBp: { gold: '5000' } };
      return { name: 'ratioAsString', settings: s, codes: ratio };
  }
}
