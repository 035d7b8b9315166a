/**
 * Everything the settings decide about a line's path (channel + product + store), compiled once
 * per path and cached until the settings change, so the per-line hot path does no chain walking
 * beyond the member-dependent ratio sources.
 */
import { type RewardWindows, compileWindows } from './calendar.ts';
import { ENABLED_PATH, type Layer, RATIO_CHAINS, type RatioSource, SPECIFIC_FIRST } from './chains.ts';
import type { Queue } from './model.ts';
import type { Channel, LayerSettings, Settings } from './settings.ts';
import { storeProductKey } from './settings.ts';

export interface LimitRule {
  max: number;
  /** The scope the limit counts in: the layer that set it decides (SPEC §3.5). */
  scope: string;
}

export interface RatioStep {
  layer: Layer;
  source: RatioSource;
  settings: LayerSettings;
}

export interface LinePlan {
  /** The interned path index (state.pathOf); set by the engine when it caches the plan. */
  path: number;
  /** The queue of `queueKey`, filled in by the engine on first use. */
  queue?: Queue;
  enabled: boolean;
  queueKey: string;
  extractBp: number;
  windows: RewardWindows | null;
  dailyLimit: LimitRule | null;
  totalLimit: LimitRule | null;
  /** Only the steps whose layer exists on this path; members decide the rest. */
  ratioSteps: RatioStep[];
  /**
   * The ratio every entry on this path gets when no level map, tier list or lottery is
   * configured before the first default in `ratioSteps` (what resolveRatio would return for any
   * member); null when the member or a lottery decides.
   */
  fixedBp: number | null;
  randomReturn: boolean;
  /** Every scope a limit could count this line in, whichever layer sets a limit later. */
  countScopes: string[];
  /** Accumulated-spend scope of the tiers on this path: 'mall' or 'store:<id>'. */
  spendScope: string;
}

export function planKey(channel: Channel, productId: string, storeId: string): string {
  return `${channel}|${productId}|${storeId}`;
}

/**
 * The layer set for an id, own keys only: ids come from the shop, and an id such as "toString"
 * would otherwise find a function on Object.prototype and count as a configured, enabled layer
 * (a product with no settings would escape `newProductsEnabled: false`).
 */
function own(map: Record<string, LayerSettings>, id: string): LayerSettings | undefined {
  return Object.hasOwn(map, id) ? map[id] : undefined;
}

function layersOf(settings: Settings, channel: Channel, productId: string, storeId: string) {
  const layers: Partial<Record<Layer, LayerSettings>> = { base: settings.base };
  if (channel === 'mall') {
    layers.product = own(settings.products, productId) ?? (settings.base.newProductsEnabled ? undefined : { enabled: false });
  } else if (channel === 'store') {
    layers.store = own(settings.stores, storeId);
    layers.storeProduct = own(settings.storeProducts, storeProductKey(storeId, productId));
  } else {
    layers.cashier = own(settings.cashiers, storeId);
  }
  return layers;
}

function queueKeyOf(settings: Settings, channel: Channel, productId: string, storeId: string): string {
  const base = settings.base;
  if (channel === 'mall') return base.mallQueue ? 'mall' : `product:${productId}`;
  if (channel === 'store') return base.allStoresQueue ? 'stores' : `store:${storeId}`;
  return base.allCashiersQueue ? 'cashiers' : `cashier:${storeId}`;
}

function limitScope(layer: Layer, channel: Channel, productId: string, storeId: string): string {
  switch (layer) {
    case 'product':
      return `product:${productId}`;
    case 'store':
      return `store:${storeId}`;
    case 'storeProduct':
      return `storeProduct:${storeProductKey(storeId, productId)}`;
    case 'cashier':
      return `cashier:${storeId}`;
    case 'base':
      if (channel === 'mall') return `product:${productId}`;
      return channel === 'store' ? `store:${storeId}` : `cashier:${storeId}`;
  }
}

export function compilePlan(settings: Settings, channel: Channel, productId: string, storeId: string): LinePlan {
  const layers = layersOf(settings, channel, productId, storeId);
  const enabled = ENABLED_PATH[channel].every((layer) => layers[layer]?.enabled !== false);
  const specific = SPECIFIC_FIRST[channel].flatMap((layer) => {
    const s = layers[layer];
    return s ? [[layer, s] as const] : [];
  });
  const first = <K extends keyof LayerSettings>(field: K) => specific.find(([, s]) => s[field] !== undefined);

  const windowsAt = first('windows');
  const dailyAt = first('dailyLimit');
  const totalAt = first('totalLimit');
  const ratioSteps: RatioStep[] = [];
  for (const [layer, source] of RATIO_CHAINS[channel]) {
    const s = layers[layer];
    if (s) ratioSteps.push({ layer, source, settings: s });
  }
  let fixedBp: number | null = 0;
  for (const { source, settings: layer } of ratioSteps) {
    if (source === 'level') {
      if (layer.levelBp) fixedBp = null;
    } else if (source === 'tiers') {
      if (layer.tiers && layer.tiers.length > 0) fixedBp = null;
    } else if (source === 'lottery') {
      if (layer.lottery) fixedBp = null;
    } else if (layer.defaultBp !== undefined) {
      fixedBp = layer.defaultBp;
      break;
    }
    if (fixedBp === null) break;
  }
  const randomSwitch = channel === 'store' ? layers.store?.randomReturn : channel === 'cashier' ? layers.cashier?.randomReturn : undefined;
  const group = settings.base.randomReturnGroup;
  return {
    path: -1,
    enabled,
    queueKey: queueKeyOf(settings, channel, productId, storeId),
    extractBp: first('extractBp')?.[1].extractBp ?? 0,
    windows: windowsAt ? compileWindows(windowsAt[1].windows!) : null,
    dailyLimit: dailyAt ? { max: dailyAt[1].dailyLimit!, scope: limitScope(dailyAt[0], channel, productId, storeId) } : null,
    totalLimit: totalAt ? { max: totalAt[1].totalLimit!, scope: limitScope(totalAt[0], channel, productId, storeId) } : null,
    ratioSteps,
    fixedBp,
    randomReturn: group !== null && (randomSwitch ?? true),
    countScopes:
      channel === 'mall' ? [`product:${productId}`]
      : channel === 'cashier' ? [`cashier:${storeId}`]
      : [`store:${storeId}`, `storeProduct:${storeProductKey(storeId, productId)}`],
    spendScope: channel === 'mall' ? 'mall' : `store:${storeId}`,
  };
}
