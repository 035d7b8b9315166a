/**
 * Distribution rewards (分销奖励, SPEC §5): direct and indirect referral rewards, team level
 * difference (级差), shareholder dividends (股东分红) and merchant referral (招商). Each rule's
 * basis is the paid amount or the line's profit. Referral depth is bounded: default 3, never more
 * than REFERRAL_DEPTH_HARD_MAX.
 */
import { reject } from '../errors.ts';
import { BP_ONE, checkBp } from '../money.ts';

export const REFERRAL_DEPTH_DEFAULT = 3;
export const REFERRAL_DEPTH_HARD_MAX = 10;

export type RewardBasis = 'paid' | 'profit';

export interface RewardRule {
  bp: number;
  basis: RewardBasis;
}

export interface TeamLevelRule {
  basis: RewardBasis;
  /** Team level → bp; each upline earns its level's bp minus the highest already paid below it. */
  levelsBp: Record<string, number>;
}

export interface DividendRule extends RewardRule {
  split: 'equal' | 'weight';
}

export interface MerchantRule extends RewardRule {
  /** Store id → the member who brought the store in. */
  referrers: Record<string, string>;
}

export interface RewardSettings {
  maxDepth: number;
  direct: RewardRule | null; // 直推
  indirect: RewardRule | null; // 间推
  teamLevels: TeamLevelRule | null; // 级差
  dividend: DividendRule | null; // 股东分红
  merchant: MerchantRule | null; // 招商
}

export function defaultRewards(): RewardSettings {
  return { maxDepth: REFERRAL_DEPTH_DEFAULT, direct: null, indirect: null, teamLevels: null, dividend: null, merchant: null };
}

type Json = Record<string, unknown>;

function isObject(x: unknown): x is Json {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function fail(path: string, message: string, value?: unknown): never {
  return reject('INVALID_SETTINGS', `${path}: ${message}`, { path, value });
}

function basis(x: unknown, path: string): RewardBasis {
  if (x === undefined) return 'paid';
  if (x !== 'paid' && x !== 'profit') fail(path, "must be 'paid' or 'profit'", x);
  return x;
}

function rule(x: unknown, path: string): RewardRule | null {
  if (x === undefined || x === null) return null;
  if (!isObject(x)) fail(path, 'must be an object or null');
  return { bp: checkBp(x.bp, `${path}.bp`, BP_ONE), basis: basis(x.basis, `${path}.basis`) };
}

function stringMap(x: unknown, path: string): Record<string, string> {
  if (!isObject(x)) fail(path, 'must map store ids to member ids');
  const out = Object.create(null) as Record<string, string>;
  for (const [k, v] of Object.entries(x)) {
    if (typeof v !== 'string' || v.length === 0) fail(`${path}.${k}`, 'must be a member id', v);
    out[k] = v;
  }
  return out;
}

export function validateRewards(x: unknown): RewardSettings {
  const out = defaultRewards();
  if (x === undefined) return out;
  if (!isObject(x)) fail('rewards', 'must be an object');
  for (const key of Object.keys(x)) {
    if (!['maxDepth', 'direct', 'indirect', 'teamLevels', 'dividend', 'merchant'].includes(key)) fail(`rewards.${key}`, 'is not a reward setting');
  }
  if (x.maxDepth !== undefined) {
    const d = x.maxDepth;
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 1 || d > REFERRAL_DEPTH_HARD_MAX) {
      reject('INVALID_SETTINGS', `rewards.maxDepth: must be 1 to ${REFERRAL_DEPTH_HARD_MAX} (the hard maximum)`, { path: 'rewards.maxDepth', value: d });
    }
    out.maxDepth = d;
  }
  out.direct = rule(x.direct, 'rewards.direct');
  out.indirect = rule(x.indirect, 'rewards.indirect');
  if (out.indirect && out.maxDepth < 2) fail('rewards.indirect', 'needs maxDepth of at least 2');
  if (x.teamLevels !== undefined && x.teamLevels !== null) {
    const t = x.teamLevels;
    if (!isObject(t) || !isObject(t.levelsBp)) fail('rewards.teamLevels', 'must be {basis, levelsBp: {level: bp}}');
    const levelsBp = Object.create(null) as Record<string, number>;
    for (const [level, bp] of Object.entries(t.levelsBp)) levelsBp[level] = checkBp(bp, `rewards.teamLevels.levelsBp.${level}`, BP_ONE);
    out.teamLevels = { basis: basis(t.basis, 'rewards.teamLevels.basis'), levelsBp };
  }
  if (x.dividend !== undefined && x.dividend !== null) {
    const d = x.dividend;
    if (!isObject(d)) fail('rewards.dividend', 'must be an object or null');
    const split = d.split ?? 'equal';
    if (split !== 'equal' && split !== 'weight') fail('rewards.dividend.split', "must be 'equal' or 'weight'", split);
    out.dividend = { ...rule(d, 'rewards.dividend')!, split };
  }
  if (x.merchant !== undefined && x.merchant !== null) {
    const m = x.merchant;
    if (!isObject(m)) fail('rewards.merchant', 'must be an object or null');
    out.merchant = { ...rule({ bp: m.bp, basis: m.basis }, 'rewards.merchant')!, referrers: stringMap(m.referrers ?? {}, 'rewards.merchant.referrers') };
  }
  return out;
}
