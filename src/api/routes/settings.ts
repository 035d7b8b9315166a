/**
 * Settings (基础设置 and the per-product, store, store-product and cashier layers). A PUT replaces
 * the whole document, validated in full by the domain; one-click enable (一键开启) builds the new
 * document from the current one. The settings history is read from the event log, where every
 * settings event is stored with the API key that submitted it.
 */
import { validateSettings, type Settings } from '../../domain/settings.ts';
import type { EngineState } from '../../domain/state.ts';
import type { Principal } from '../auth.ts';
import { type ApiDeps, type RouteResult, type RouteSpec, readState, schema } from '../route-spec.ts';
import { plainSettings } from '../settings-history.ts';
import { submitEvent } from '../submit.ts';

const SETTINGS_DOCUMENT = {
  type: 'object',
  description: 'The complete settings document (src/domain/settings.ts, validateSettings); unset fields take their defaults.',
  properties: {
    base: schema.anyObject,
    products: schema.anyObject,
    stores: schema.anyObject,
    storeProducts: { type: 'object', description: 'keyed <storeId>/<productId>' },
    cashiers: { type: 'object', description: 'keyed by store id' },
    programs: schema.anyObject,
    rewards: schema.anyObject,
  },
  additionalProperties: false,
};

/**
 * 一键开启: `enabled: true` on every product layer the platform knows — every entry of `products`
 * and `storeProducts`, and every mall or store product that was ever sold — leaving
 * `newProductsEnabled` and everything else as it is. The result is the validated (canonical)
 * form, so a retry under the same key, once the first attempt applied, sends the same payload and
 * is a repeat rather than a conflict.
 */
export function enableAllProducts(state: EngineState): Settings {
  const doc = plainSettings(state.settings);
  // Prototype-free maps: a shop id such as "__proto__" is a plain key here too.
  doc.products = Object.assign(Object.create(null) as Settings['products'], doc.products);
  doc.storeProducts = Object.assign(Object.create(null) as Settings['storeProducts'], doc.storeProducts);
  const enable = (layers: Record<string, unknown>, id: string) => {
    layers[id] = { ...(Object.hasOwn(layers, id) ? (layers[id] as object) : {}), enabled: true };
  };
  for (const id of Object.keys(doc.products)) enable(doc.products, id);
  for (const id of Object.keys(doc.storeProducts)) enable(doc.storeProducts, id);
  for (const path of state.paths.values) {
    if (path.channel === 'mall') enable(doc.products, path.productId);
    if (path.channel === 'store') enable(doc.storeProducts, `${path.storeId}/${path.productId}`);
  }
  return plainSettings(validateSettings(doc));
}

function keyIdOf(principal: Principal | null): string {
  return principal?.kind === 'apiKey' ? principal.keyId : 'unknown';
}

/** Submits a settings document, recording the API key that made the change beside the event. */
async function writeSettings(deps: ApiDeps, principal: Principal | null, key: string, build: (state: EngineState) => unknown): Promise<RouteResult> {
  const document = build(await readState(deps));
  return (await submitEvent(deps, key, 'settings', { settings: document }, keyIdOf(principal))).response;
}

/** Every accepted settings change from the event log, with the settings before and after it. */
async function settingsChanges(deps: ApiDeps) {
  let before = plainSettings(validateSettings({}));
  return (await deps.service.settingsHistory()).map((change) => {
    const after = plainSettings(validateSettings(change.settings));
    const entry = { version: change.version, at: change.at, keyId: change.actor ?? 'unknown', idempotencyKey: change.key, before, after };
    before = after;
    return entry;
  });
}

export function settingsRoutes(deps: ApiDeps): RouteSpec[] {
  return [
    {
      method: 'PUT',
      url: '/v1/settings',
      operationId: 'putSettings',
      summary: 'Replace the whole settings document',
      description: 'The body is the settings document itself. Pause (base.paused) is part of it: a document without `paused: true` resumes.',
      tag: 'settings',
      access: 'write',
      idempotent: true,
      body: { properties: {}, document: SETTINGS_DOCUMENT },
      response: { description: 'The event outcome; result.version is the settings version', schema: schema.outcome },
      errors: ['INVALID_SETTINGS', 'INVALID_RATIO', 'INVALID_TIME_WINDOW', 'INVALID_TIME_ZONE', 'INVALID_SCHEDULE'],
      handler: ({ principal, idempotencyKey, body }) => writeSettings(deps, principal, idempotencyKey, () => body),
    },
    {
      method: 'GET',
      url: '/v1/settings',
      operationId: 'getSettings',
      summary: 'The current settings, with every default filled in',
      tag: 'settings',
      access: 'read',
      response: { description: 'The settings document', schema: SETTINGS_DOCUMENT },
      handler: async () => ({ body: (await readState(deps)).settings }),
    },
    {
      method: 'GET',
      url: '/v1/settings/history',
      operationId: 'getSettingsHistory',
      summary: 'Every accepted settings change, oldest first, with the API key that made it and the settings before and after',
      description: 'Read from the event log: complete across restarts and server processes.',
      tag: 'settings',
      access: 'read',
      response: {
        description: 'The changes',
        schema: {
          type: 'object',
          properties: {
            changes: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  version: { type: 'integer' },
                  at: { type: 'integer' },
                  keyId: { type: 'string' },
                  idempotencyKey: { type: 'string' },
                  before: SETTINGS_DOCUMENT,
                  after: SETTINGS_DOCUMENT,
                },
              },
            },
          },
        },
      },
      handler: async () => ({ body: { changes: await settingsChanges(deps) } }),
    },
    {
      method: 'POST',
      url: '/v1/settings/enable-all-products',
      operationId: 'enableAllProducts',
      summary: 'One-click enable (一键开启): enabled: true on every known product and store product, as one settings event',
      tag: 'settings',
      access: 'write',
      idempotent: true,
      body: { properties: {} },
      response: { description: 'The event outcome', schema: schema.outcome },
      handler: ({ principal, idempotencyKey }) => writeSettings(deps, principal, idempotencyKey, enableAllProducts),
    },
  ];
}
