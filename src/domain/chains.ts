/**
 * The ratio priority chains (奖励权益比例优先级) as data. The first *configured* source wins;
 * see `resolveRatio` in ratio.ts for what "configured" means per source kind.
 */
import type { Channel } from './settings.ts';

export type Layer = 'base' | 'product' | 'store' | 'storeProduct' | 'cashier';
export type RatioSource = 'level' | 'tiers' | 'lottery' | 'default';

export const RATIO_CHAINS: Readonly<Record<Channel, readonly (readonly [Layer, RatioSource])[]>> = {
  mall: [
    ['product', 'level'], ['base', 'level'],
    ['product', 'tiers'],
    ['product', 'lottery'], ['base', 'lottery'],
    ['product', 'default'], ['base', 'default'],
  ],
  cashier: [
    ['cashier', 'level'], ['base', 'level'],
    ['cashier', 'tiers'],
    ['cashier', 'lottery'], ['base', 'lottery'],
    ['cashier', 'default'], ['base', 'default'],
  ],
  store: [
    ['storeProduct', 'level'], ['store', 'level'], ['base', 'level'],
    ['storeProduct', 'tiers'], ['store', 'tiers'],
    ['storeProduct', 'lottery'], ['store', 'lottery'], ['base', 'lottery'],
    ['storeProduct', 'default'], ['store', 'default'], ['base', 'default'],
  ],
};

/**
 * Most-specific-first layers for the extraction ratio (提取比例), reward time windows and
 * per-member limits: the first layer that sets a field wins.
 */
export const SPECIFIC_FIRST: Readonly<Record<Channel, readonly Layer[]>> = {
  mall: ['product', 'base'],
  store: ['storeProduct', 'store', 'base'],
  cashier: ['cashier', 'base'],
};

/** Every layer on a line's path must be enabled (unset means enabled) for it to take part. */
export const ENABLED_PATH: Readonly<Record<Channel, readonly Layer[]>> = {
  mall: ['product', 'base'],
  store: ['storeProduct', 'store', 'base'],
  cashier: ['cashier', 'base'],
};
