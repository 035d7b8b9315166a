/**
 * Service configuration from environment variables (documented in README.md and docs/API.md).
 * `QREBATE_SAMPLE=1` (what `npm start` sets) fills in a documented sample API key and member
 * token secret when none are configured, so a newcomer can follow the README with curl; it is
 * refused when NODE_ENV is `production`.
 */
import { type ApiKeyConfig, type Scope, SCOPES, hashApiKey } from '../api/auth.ts';

export const SAMPLE_API_KEY = 'qrebate-sample-key';
export const SAMPLE_MEMBER_SECRET = 'qrebate-sample-member-token-secret';

export interface ServeConfig {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl?: string;
  apiKeys: ApiKeyConfig[];
  memberTokenSecret?: string;
  sample: boolean;
  log: boolean;
  tickIntervalMs: number;
}

function fail(message: string): never {
  throw new Error(`configuration: ${message}`);
}

/** `id:read+write:<sha256 hex>` entries separated by commas. */
export function parseApiKeys(text: string): ApiKeyConfig[] {
  return text.split(',').map((s) => s.trim()).filter(Boolean).map((entry) => {
    const [id, scopes, hash] = entry.split(':');
    if (!id || !scopes || !hash || !/^[0-9a-f]{64}$/.test(hash)) fail(`QREBATE_API_KEYS entry "${id ?? ''}" must be id:scope+scope:sha256hex`);
    const list = scopes.split('+');
    if (list.some((x) => !SCOPES.includes(x as Scope))) fail(`QREBATE_API_KEYS entry "${id}" has an unknown scope (use read, write)`);
    return { id, hash, scopes: list as Scope[] };
  });
}

export function loadConfig(env: NodeJS.ProcessEnv): ServeConfig {
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) fail('PORT must be a port number');
  const sample = env.QREBATE_SAMPLE === '1';
  if (sample && env.NODE_ENV === 'production') fail('QREBATE_SAMPLE cannot be used with NODE_ENV=production');
  let apiKeys = parseApiKeys(env.QREBATE_API_KEYS ?? '');
  let memberTokenSecret = env.QREBATE_MEMBER_TOKEN_SECRET || undefined;
  if (sample && apiKeys.length === 0) apiKeys = [{ id: 'sample', hash: hashApiKey(SAMPLE_API_KEY), scopes: ['read', 'write'] }];
  if (sample) memberTokenSecret ??= SAMPLE_MEMBER_SECRET;
  if (apiKeys.length === 0) fail('set QREBATE_API_KEYS (id:read+write:sha256hex,...), or QREBATE_SAMPLE=1 for the documented sample key');
  return {
    port,
    host: env.HOST ?? '127.0.0.1',
    dataDir: env.QREBATE_DATA_DIR || './data',
    ...(env.DATABASE_URL ? { databaseUrl: env.DATABASE_URL } : {}),
    apiKeys,
    ...(memberTokenSecret ? { memberTokenSecret } : {}),
    sample,
    log: env.QREBATE_LOG !== '0',
    tickIntervalMs: Number(env.QREBATE_TICK_MS ?? 1000),
  };
}
