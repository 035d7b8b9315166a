/**
 * Pool programs (工会排队 / 消费报销, SPEC §4): a pool funded from each participating line's
 * profit or sales, releasing whole entitlements in FIFO order once their lock period has passed.
 */
import { parseTimeOfDay } from '../calendar.ts';
import { reject } from '../errors.ts';
import { isPlainText } from '../text.ts';
import { AMOUNT_MAX_FEN, BP_ONE, checkBp } from '../money.ts';
import type { Channel } from '../settings.ts';

export type ProgramRelease = { mode: 'continuous' } | { mode: 'daily'; at: string };

export interface ProgramSettings {
  enabled: boolean;
  name: string;
  /** 工会: share of the line's net profit; 消费报销: share of the paid amount. */
  fundingBasis: 'profit' | 'sales';
  fundingBp: number;
  /** Entitlement ratio: 11000 turns 1,000 paid into 1,100. */
  rewardBp: number;
  /** 锁定周期 in days from payment; products and stores may set their own. */
  lockDays: number;
  lockDaysByProduct: Record<string, number>;
  lockDaysByStore: Record<string, number>;
  /** Participating products and stores; null means all. */
  products: string[] | null;
  stores: string[] | null;
  channels: Channel[];
  release: ProgramRelease;
  /** 控盘: at most this much released per platform day (null: no cap). */
  dailyCapFen: number | null;
  /** 控盘: this share of the pool balance is kept back at every release. */
  reserveBp: number;
  /** 推广加速: share of a referred member's pool inflow paid to the referrer's oldest active entry. */
  accelerationBp: number;
}

export const PROGRAM_DEFAULT_PROFIT_BP = 6_000;
export const LOCK_DAYS_MAX = 3_650;
export const PROGRAMS_MAX = 64;

type Json = Record<string, unknown>;

function fail(code: 'INVALID_SETTINGS' | 'INVALID_RATIO', path: string, message: string, value?: unknown): never {
  return reject(code, `${path}: ${message}`, { path, value });
}

function isObject(x: unknown): x is Json {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function lockDays(x: unknown, path: string): number {
  if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 0 || x > LOCK_DAYS_MAX) {
    fail('INVALID_SETTINGS', path, `must be whole days from 0 to ${LOCK_DAYS_MAX}`, x);
  }
  return x;
}

function lockMap(x: unknown, path: string): Record<string, number> {
  if (x === undefined) return Object.create(null) as Record<string, number>;
  if (!isObject(x)) fail('INVALID_SETTINGS', path, 'must map ids to lock days');
  const out = Object.create(null) as Record<string, number>;
  for (const [id, days] of Object.entries(x)) out[id] = lockDays(days, `${path}.${id}`);
  return out;
}

function idList(x: unknown, path: string): string[] | null {
  if (x === undefined || x === null) return null;
  if (!Array.isArray(x) || x.some((id) => typeof id !== 'string' || id.length === 0)) {
    fail('INVALID_SETTINGS', path, 'must be a list of ids or null');
  }
  return [...(x as string[])];
}

const KEYS = new Set([
  'enabled', 'name', 'fundingBasis', 'fundingBp', 'rewardBp', 'lockDays', 'lockDaysByProduct', 'lockDaysByStore',
  'products', 'stores', 'channels', 'release', 'dailyCapFen', 'reserveBp', 'accelerationBp',
]);

export function validateProgram(x: unknown, path: string, id: string): ProgramSettings {
  if (!isObject(x)) fail('INVALID_SETTINGS', path, 'must be an object');
  for (const key of Object.keys(x)) if (!KEYS.has(key)) fail('INVALID_SETTINGS', `${path}.${key}`, 'is not a program setting');
  const fundingBasis = x.fundingBasis ?? 'profit';
  if (fundingBasis !== 'profit' && fundingBasis !== 'sales') fail('INVALID_SETTINGS', `${path}.fundingBasis`, "must be 'profit' or 'sales'", fundingBasis);
  const fundingBp = x.fundingBp === undefined && fundingBasis === 'profit' ? PROGRAM_DEFAULT_PROFIT_BP : checkBp(x.fundingBp, `${path}.fundingBp`, BP_ONE);
  if (fundingBp === 0) fail('INVALID_SETTINGS', `${path}.fundingBp`, 'a program needs funding: the share must be above 0', fundingBp);
  const rewardBp = checkBp(x.rewardBp, `${path}.rewardBp`);
  if (rewardBp === 0) fail('INVALID_RATIO', `${path}.rewardBp`, 'must be above 0', rewardBp);
  const channels = x.channels ?? ['mall', 'store', 'cashier'];
  if (!Array.isArray(channels) || channels.length === 0 || channels.some((c) => c !== 'mall' && c !== 'store' && c !== 'cashier')) {
    fail('INVALID_SETTINGS', `${path}.channels`, "must list 'mall', 'store' and/or 'cashier'", channels);
  }
  let release: ProgramRelease = { mode: 'continuous' };
  if (x.release !== undefined) {
    const r = x.release;
    if (isObject(r) && r.mode === 'continuous') release = { mode: 'continuous' };
    else if (isObject(r) && r.mode === 'daily' && typeof r.at === 'string') {
      parseTimeOfDay(r.at, false);
      release = { mode: 'daily', at: r.at };
    } else fail('INVALID_SETTINGS', `${path}.release`, "must be {mode:'continuous'} or {mode:'daily', at:'HH:MM'}", r);
  }
  let dailyCapFen: number | null = null;
  if (x.dailyCapFen !== undefined && x.dailyCapFen !== null) {
    const cap = x.dailyCapFen;
    if (typeof cap !== 'number' || !Number.isSafeInteger(cap) || cap <= 0 || cap > AMOUNT_MAX_FEN) {
      fail('INVALID_SETTINGS', `${path}.dailyCapFen`, 'must be a positive integer of fen or null', cap);
    }
    dailyCapFen = cap;
  }
  const name = x.name ?? id;
  if (typeof name !== 'string' || name.length === 0 || name.length > 64) fail('INVALID_SETTINGS', `${path}.name`, 'must be 1 to 64 characters', name);
  return {
    enabled: x.enabled === undefined ? true : x.enabled === true,
    name,
    fundingBasis,
    fundingBp,
    rewardBp,
    lockDays: x.lockDays === undefined ? 0 : lockDays(x.lockDays, `${path}.lockDays`),
    lockDaysByProduct: lockMap(x.lockDaysByProduct, `${path}.lockDaysByProduct`),
    lockDaysByStore: lockMap(x.lockDaysByStore, `${path}.lockDaysByStore`),
    products: idList(x.products, `${path}.products`),
    stores: idList(x.stores, `${path}.stores`),
    channels: channels as Channel[],
    release,
    dailyCapFen,
    reserveBp: x.reserveBp === undefined ? 0 : checkBp(x.reserveBp, `${path}.reserveBp`, BP_ONE),
    accelerationBp: x.accelerationBp === undefined ? 0 : checkBp(x.accelerationBp, `${path}.accelerationBp`, BP_ONE),
  };
}

export function validatePrograms(x: unknown): Record<string, ProgramSettings> {
  const out = Object.create(null) as Record<string, ProgramSettings>;
  if (x === undefined) return out;
  if (!isObject(x)) fail('INVALID_SETTINGS', 'programs', 'must map program ids to settings');
  const ids = Object.keys(x);
  if (ids.length > PROGRAMS_MAX) fail('INVALID_SETTINGS', 'programs', `at most ${PROGRAMS_MAX} programs`);
  for (const id of ids) {
    if (id.length === 0 || id.length > 64 || !isPlainText(id)) fail('INVALID_SETTINGS', 'programs', 'has an empty, over-long or control-character program id', id);
    out[id] = validateProgram(x[id], `programs.${id}`, id);
  }
  return out;
}
