/**
 * Plugin settings (基础设置) and the per-product, store, store-product and cashier layers.
 * Everything here is plain data so that the console can render it and the ratio chains can walk
 * it; `validateSettings` turns untrusted input into this shape or rejects it whole.
 */
import type { ResetSchedule, RewardWindowsSpec } from './calendar.ts';
import { compileWindows, makeCalendar, validateResetSchedule } from './calendar.ts';
import { reject } from './errors.ts';
import { AMOUNT_MAX_FEN, BP_MAX, checkBp } from './money.ts';
import { isPlainText } from './text.ts';
import { LIMITS } from './limits.ts';
import { type ProgramSettings, validatePrograms } from './programs/program-settings.ts';
import { type RewardSettings, defaultRewards, validateRewards } from './rewards/reward-settings.ts';

export type Channel = 'mall' | 'store' | 'cashier';
export const CHANNELS: readonly Channel[] = ['mall', 'store', 'cashier'];

/** 抽奖: a fixed list of ratios, or a uniform ratio in [minBp, maxBp]. */
export type LotterySpec = { kind: 'fixed'; ratiosBp: number[] } | { kind: 'range'; minBp: number; maxBp: number };

/** 累计消费阶梯: completed spending in the last `days` days reaching `minFen` earns `bp`. */
export interface Tier {
  days: number;
  minFen: number;
  bp: number;
}

/** Fields every layer may set; an unset field falls through to the next layer of its chain. */
export interface LayerSettings {
  enabled?: boolean;
  extractBp?: number; // 提取比例
  defaultBp?: number; // 独立/默认奖励权益比例
  levelBp?: Record<string, number>; // 会员等级奖励比例
  tiers?: Tier[];
  lottery?: LotterySpec;
  windows?: RewardWindowsSpec; // 奖励时间段
  dailyLimit?: number; // 每人每天权益数
  totalLimit?: number; // 每人总权益数
  /** Store and cashier layers switch 随机返 on or off for their lines; unset follows the base. */
  randomReturn?: boolean;
}

export interface ExchangeSettings {
  pointsBp?: number; // 积分兑换比例
  loveBp?: number; // 爱心值兑换比例
  loveFrozen: boolean; // love value credited 冻结 instead of 可用
  couponBp?: number; // 购物券兑换比例
}

/** 列表显示: which parts of the member view are shown. */
export interface DisplaySettings {
  queueId: boolean;
  progress: boolean;
  received: boolean;
  pending: boolean;
  pendingAmount: boolean;
  avatar: boolean;
  nickname: boolean;
}

export interface BaseSettings extends LayerSettings {
  enabled: boolean; // 开启排队返利
  defaultBp: number; // always present so every ratio chain ends somewhere
  timeZone: string;
  newProductsEnabled: boolean; // 新商品默认开启
  deductionParticipates: boolean; // 抵扣订单开关
  settlementEvent: 'paid' | 'completed'; // 结算事件
  payoutRule: 'queue' | 'completedFirst'; // 待奖励队列奖励规则
  mallQueue: boolean; // 商家队列
  allStoresQueue: boolean; // 所有门店队列
  allCashiersQueue: boolean; // 所有收银台队列
  randomReturnGroup: { cashMembers: number; pointsMembers: number } | null; // 随机返
  exchange: ExchangeSettings;
  reset: ResetSchedule | null; // 队列奖励清零
  paused: boolean; // 队列奖励暂停
  clawbackAfterSale: boolean;
  strandedAfterDays: number;
  pluginName: string; // 自定义名称
  exchangeButtonName: string;
  display: DisplaySettings;
}

export interface Settings {
  base: BaseSettings;
  products: Record<string, LayerSettings>;
  stores: Record<string, LayerSettings>;
  /** Keyed `${storeId}/${productId}`. */
  storeProducts: Record<string, LayerSettings>;
  /** Keyed by store id: one cashier (收银台) per store. */
  cashiers: Record<string, LayerSettings>;
  /** Pool programs (工会排队 / 消费报销) by program id. */
  programs: Record<string, ProgramSettings>;
  rewards: RewardSettings;
}

export function storeProductKey(storeId: string, productId: string): string {
  return `${storeId}/${productId}`;
}

export const DEFAULT_DISPLAY: DisplaySettings = {
  queueId: true,
  progress: true,
  received: true,
  pending: true,
  pendingAmount: true,
  avatar: true,
  nickname: true,
};

export function defaultSettings(): Settings {
  return {
    base: {
      enabled: true,
      defaultBp: 0,
      extractBp: 0,
      timeZone: 'Asia/Shanghai',
      newProductsEnabled: true,
      deductionParticipates: false,
      settlementEvent: 'paid',
      payoutRule: 'queue',
      mallQueue: true,
      allStoresQueue: true,
      allCashiersQueue: true,
      randomReturnGroup: null,
      exchange: { loveFrozen: false },
      reset: null,
      paused: false,
      clawbackAfterSale: false,
      strandedAfterDays: 30,
      pluginName: '排队返利',
      exchangeButtonName: '兑换',
      display: { ...DEFAULT_DISPLAY },
    },
    products: {},
    stores: {},
    storeProducts: {},
    cashiers: {},
    programs: Object.create(null) as Record<string, ProgramSettings>,
    rewards: defaultRewards(),
  };
}

type Json = Record<string, unknown>;

function isObject(x: unknown): x is Json {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function fail(path: string, message: string, value?: unknown): never {
  return reject('INVALID_SETTINGS', `${path}: ${message}`, { path, value });
}

function bool(x: unknown, path: string): boolean {
  if (typeof x !== 'boolean') fail(path, 'must be true or false', x);
  return x;
}

function count(x: unknown, path: string, max: number): number {
  if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 0 || x > max) {
    fail(path, `must be an integer from 0 to ${max}`, x);
  }
  return x;
}

function text(x: unknown, path: string, maxLength: number): string {
  if (typeof x !== 'string' || x.length === 0 || x.length > maxLength) {
    fail(path, `must be a non-empty string of at most ${maxLength} characters`, x);
  }
  return x;
}

function validateLottery(x: unknown, path: string): LotterySpec {
  if (!isObject(x)) fail(path, 'must be an object');
  if (x.kind === 'fixed') {
    const list = x.ratiosBp;
    if (!Array.isArray(list) || list.length === 0 || list.length > LIMITS.lotteryRatiosMax) {
      fail(`${path}.ratiosBp`, `must list 1 to ${LIMITS.lotteryRatiosMax} ratios`, list);
    }
    return { kind: 'fixed', ratiosBp: list.map((bp, i) => checkBp(bp, `${path}.ratiosBp[${i}]`)) };
  }
  if (x.kind === 'range') {
    const minBp = checkBp(x.minBp, `${path}.minBp`);
    const maxBp = checkBp(x.maxBp, `${path}.maxBp`);
    if (minBp > maxBp) reject('INVALID_RATIO', `${path}: minBp exceeds maxBp`, { path, minBp, maxBp });
    return { kind: 'range', minBp, maxBp };
  }
  return fail(`${path}.kind`, "must be 'fixed' or 'range'", x.kind);
}

function validateTiers(x: unknown, path: string): Tier[] {
  if (!Array.isArray(x) || x.length > LIMITS.tiersMax) fail(path, `must be a list of at most ${LIMITS.tiersMax} tiers`);
  return x.map((tier: unknown, i) => {
    const at = `${path}[${i}]`;
    if (!isObject(tier)) fail(at, 'must be an object');
    const days = count(tier.days, `${at}.days`, LIMITS.tierDaysMax);
    if (days === 0) fail(`${at}.days`, 'must be at least 1', days);
    return { days, minFen: count(tier.minFen, `${at}.minFen`, AMOUNT_MAX_FEN), bp: checkBp(tier.bp, `${at}.bp`) };
  });
}

function validateLevels(x: unknown, path: string): Record<string, number> {
  if (!isObject(x)) fail(path, 'must map member levels to ratios');
  const out = Object.create(null) as Record<string, number>;
  for (const [level, bp] of Object.entries(x)) out[level] = checkBp(bp, `${path}.${level}`);
  return out;
}

const LAYER_KEYS = new Set([
  'enabled', 'extractBp', 'defaultBp', 'levelBp', 'tiers', 'lottery', 'windows', 'dailyLimit', 'totalLimit', 'randomReturn',
]);

function validateLayer(x: unknown, path: string, extraKeys: ReadonlySet<string> = new Set()): LayerSettings {
  if (!isObject(x)) fail(path, 'must be an object');
  for (const key of Object.keys(x)) {
    if (!LAYER_KEYS.has(key) && !extraKeys.has(key)) fail(`${path}.${key}`, 'is not a known setting');
  }
  const layer: LayerSettings = {};
  if (x.enabled !== undefined) layer.enabled = bool(x.enabled, `${path}.enabled`);
  if (x.extractBp !== undefined) layer.extractBp = checkBp(x.extractBp, `${path}.extractBp`, 10_000);
  if (x.defaultBp !== undefined) layer.defaultBp = checkBp(x.defaultBp, `${path}.defaultBp`);
  if (x.levelBp !== undefined) layer.levelBp = validateLevels(x.levelBp, `${path}.levelBp`);
  if (x.tiers !== undefined) layer.tiers = validateTiers(x.tiers, `${path}.tiers`);
  if (x.lottery !== undefined) layer.lottery = validateLottery(x.lottery, `${path}.lottery`);
  if (x.windows !== undefined) {
    compileWindows(x.windows as RewardWindowsSpec); // rejects a malformed window with its own code
    layer.windows = structuredClone(x.windows as RewardWindowsSpec);
  }
  if (x.dailyLimit !== undefined) layer.dailyLimit = count(x.dailyLimit, `${path}.dailyLimit`, LIMITS.entryLimitMax);
  if (x.totalLimit !== undefined) layer.totalLimit = count(x.totalLimit, `${path}.totalLimit`, LIMITS.entryLimitMax);
  if (x.randomReturn !== undefined) layer.randomReturn = bool(x.randomReturn, `${path}.randomReturn`);
  return layer;
}

function validateLayerMap(x: unknown, path: string): Record<string, LayerSettings> {
  if (x === undefined) return {};
  if (!isObject(x)) fail(path, 'must map ids to settings');
  // A prototype-free map: shop ids such as "__proto__" or "toString" are plain keys here.
  const out = Object.create(null) as Record<string, LayerSettings>;
  const keys = Object.keys(x);
  if (keys.length > LIMITS.layerEntriesMax) fail(path, `holds more than ${LIMITS.layerEntriesMax} entries`);
  for (const id of keys) {
    if (id.length === 0 || id.length > LIMITS.idLengthMax || !isPlainText(id)) fail(path, 'has an empty, over-long or control-character id', id);
    out[id] = validateLayer(x[id], `${path}.${id}`);
  }
  return out;
}

const BASE_ONLY_KEYS = new Set([
  'timeZone', 'newProductsEnabled', 'deductionParticipates', 'settlementEvent', 'payoutRule', 'mallQueue',
  'allStoresQueue', 'allCashiersQueue', 'randomReturnGroup', 'exchange', 'reset', 'paused', 'clawbackAfterSale',
  'strandedAfterDays', 'pluginName', 'exchangeButtonName', 'display',
]);

function validateBase(x: unknown): BaseSettings {
  const base = defaultSettings().base;
  if (x === undefined) return base;
  if (!isObject(x)) fail('base', 'must be an object');
  const layer = validateLayer(x, 'base', BASE_ONLY_KEYS);
  if (layer.randomReturn !== undefined) fail('base.randomReturn', 'is set by randomReturnGroup on the base layer');
  const out: BaseSettings = { ...base, ...layer, defaultBp: layer.defaultBp ?? 0 };
  if (x.timeZone !== undefined) {
    out.timeZone = text(x.timeZone, 'base.timeZone', 64);
    makeCalendar(out.timeZone);
  }
  for (const key of [
    'newProductsEnabled', 'deductionParticipates', 'mallQueue', 'allStoresQueue', 'allCashiersQueue', 'paused',
    'clawbackAfterSale',
  ] as const) {
    if (x[key] !== undefined) out[key] = bool(x[key], `base.${key}`);
  }
  if (x.settlementEvent !== undefined) {
    if (x.settlementEvent !== 'paid' && x.settlementEvent !== 'completed') {
      fail('base.settlementEvent', "must be 'paid' or 'completed'", x.settlementEvent);
    }
    out.settlementEvent = x.settlementEvent;
  }
  if (x.payoutRule !== undefined) {
    if (x.payoutRule !== 'queue' && x.payoutRule !== 'completedFirst') {
      fail('base.payoutRule', "must be 'queue' or 'completedFirst'", x.payoutRule);
    }
    out.payoutRule = x.payoutRule;
  }
  if (x.randomReturnGroup !== undefined && x.randomReturnGroup !== null) {
    const g = x.randomReturnGroup;
    if (!isObject(g)) fail('base.randomReturnGroup', 'must be an object or null');
    const cashMembers = count(g.cashMembers, 'base.randomReturnGroup.cashMembers', LIMITS.randomGroupMax);
    const pointsMembers = count(g.pointsMembers, 'base.randomReturnGroup.pointsMembers', LIMITS.randomGroupMax);
    if (cashMembers + pointsMembers === 0) fail('base.randomReturnGroup', 'needs at least one member per group');
    out.randomReturnGroup = { cashMembers, pointsMembers };
  }
  if (x.exchange !== undefined) out.exchange = validateExchange(x.exchange);
  if (out.randomReturnGroup && out.randomReturnGroup.pointsMembers > 0 && out.exchange.pointsBp === undefined) {
    fail('base.exchange.pointsBp', 'is needed: random return converts points members at the points exchange ratio');
  }
  if (x.reset !== undefined && x.reset !== null) out.reset = validateResetSchedule(x.reset);
  if (x.strandedAfterDays !== undefined) out.strandedAfterDays = count(x.strandedAfterDays, 'base.strandedAfterDays', 3650);
  if (x.pluginName !== undefined) out.pluginName = text(x.pluginName, 'base.pluginName', 32);
  if (x.exchangeButtonName !== undefined) out.exchangeButtonName = text(x.exchangeButtonName, 'base.exchangeButtonName', 32);
  if (x.display !== undefined) out.display = validateDisplay(x.display);
  return out;
}

function validateExchange(x: unknown): ExchangeSettings {
  if (!isObject(x)) fail('base.exchange', 'must be an object');
  const out: ExchangeSettings = { loveFrozen: false };
  if (x.pointsBp !== undefined) out.pointsBp = checkBp(x.pointsBp, 'base.exchange.pointsBp', BP_MAX);
  if (x.loveBp !== undefined) out.loveBp = checkBp(x.loveBp, 'base.exchange.loveBp', BP_MAX);
  if (x.couponBp !== undefined) out.couponBp = checkBp(x.couponBp, 'base.exchange.couponBp', BP_MAX);
  if (x.loveFrozen !== undefined) out.loveFrozen = bool(x.loveFrozen, 'base.exchange.loveFrozen');
  return out;
}

function validateDisplay(x: unknown): DisplaySettings {
  if (!isObject(x)) fail('base.display', 'must be an object');
  const out = { ...DEFAULT_DISPLAY };
  for (const key of Object.keys(x)) {
    if (!Object.hasOwn(out, key)) fail(`base.display.${key}`, 'is not a display toggle');
    out[key as keyof DisplaySettings] = bool(x[key], `base.display.${key}`);
  }
  return out;
}

/** Turns untrusted input into complete settings, or rejects it with the path of the first bad field. */
export function validateSettings(input: unknown): Settings {
  if (!isObject(input)) fail('settings', 'must be an object');
  for (const key of Object.keys(input)) {
    if (!['base', 'products', 'stores', 'storeProducts', 'cashiers', 'programs', 'rewards'].includes(key)) fail(key, 'is not a settings section');
  }
  return {
    base: validateBase(input.base),
    products: validateLayerMap(input.products, 'products'),
    stores: validateLayerMap(input.stores, 'stores'),
    storeProducts: validateLayerMap(input.storeProducts, 'storeProducts'),
    cashiers: validateLayerMap(input.cashiers, 'cashiers'),
    programs: validatePrograms(input.programs),
    rewards: validateRewards(input.rewards),
  };
}
