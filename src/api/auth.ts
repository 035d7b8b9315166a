/**
 * Who may call what. Two kinds of callers:
 *
 * - The shop backend, with admin API keys: `Authorization: Bearer <secret>`. The server stores
 *   only the SHA-256 of each secret (hashApiKey) and compares digests in constant time, so the
 *   configuration file holds nothing an attacker could replay. A key has scopes: `read` for GETs,
 *   `write` for everything that records an event.
 * - Members, with short-lived tokens the shop signs for them: `Authorization: Member <token>`,
 *   token = base64url(JSON {memberId, exp}) + '.' + base64url(HMAC-SHA256(secret, first part)).
 *   A member token reaches only the member's own routes (`/v1/members/<its id>/…`).
 *
 * Secrets never reach the logs: the server redacts the Authorization header.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { apiError } from './error-codes.ts';

export type Scope = 'read' | 'write';
export const SCOPES: readonly Scope[] = ['read', 'write'];

export interface ApiKeyConfig {
  /** Names the key in logs and the settings history; never the secret. */
  id: string;
  /** hashApiKey(secret): lowercase SHA-256 hex of the secret. */
  hash: string;
  scopes: Scope[];
}

export interface AuthConfig {
  apiKeys: ApiKeyConfig[];
  /** The HMAC secret shared with the shop for member tokens; without it member tokens are refused. */
  memberTokenSecret?: string;
}

export type Principal = { kind: 'apiKey'; keyId: string; scopes: ReadonlySet<Scope> } | { kind: 'member'; memberId: string };

/** What a route lets in: nobody needs credentials (`public`), or a key with this scope. */
export type Access = 'public' | Scope;

export const MEMBER_SECRET_LENGTH_MIN = 16;
const TOKEN_LENGTH_MAX = 2_048;
const HASH_PATTERN = /^[0-9a-f]{64}$/;

export function hashApiKey(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

function hmac(secret: string, payloadPart: string): Buffer {
  return createHmac('sha256', secret).update(payloadPart, 'utf8').digest();
}

/** A member token valid until `expMs` (milliseconds since the epoch). */
export function signMemberToken(secret: string, memberId: string, expMs: number): string {
  const payloadPart = Buffer.from(JSON.stringify({ memberId, exp: expMs }), 'utf8').toString('base64url');
  return `${payloadPart}.${hmac(secret, payloadPart).toString('base64url')}`;
}

export type TokenCheck = { ok: true; memberId: string } | { ok: false; reason: 'malformed' | 'forged' | 'expired' };

export function verifyMemberToken(secret: string, token: string, nowMs: number): TokenCheck {
  if (token.length > TOKEN_LENGTH_MAX) return { ok: false, reason: 'malformed' };
  const parts = token.split('.');
  if (parts.length !== 2 || parts[0] === '' || parts[1] === '') return { ok: false, reason: 'malformed' };
  const [payloadPart, signaturePart] = parts as [string, string];
  const expected = hmac(secret, payloadPart);
  const given = Buffer.from(signaturePart, 'base64url');
  // Only the canonical base64url text of a signature is accepted: the decoder skips characters
  // outside the alphabet and the unused bits of the last one, so `<token>!`, `<token>=` or a
  // changed last character verified as the same token (malleable tokens defeat deny-lists).
  if (given.toString('base64url') !== signaturePart) return { ok: false, reason: 'forged' };
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'forged' };
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(payloadPart, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const { memberId, exp } = (typeof payload === 'object' && payload !== null ? payload : {}) as Record<string, unknown>;
  if (typeof memberId !== 'string' || memberId.length === 0 || typeof exp !== 'number' || !Number.isFinite(exp)) {
    return { ok: false, reason: 'malformed' };
  }
  if (exp <= nowMs) return { ok: false, reason: 'expired' };
  return { ok: true, memberId };
}

function checkConfig(config: AuthConfig): void {
  const ids = new Set<string>();
  for (const key of config.apiKeys) {
    if (typeof key.id !== 'string' || key.id.length === 0) throw new Error('auth: every API key needs an id');
    if (ids.has(key.id)) throw new Error(`auth: API key id ${key.id} is listed twice`);
    ids.add(key.id);
    if (!HASH_PATTERN.test(key.hash)) throw new Error(`auth: API key ${key.id} needs hash = hashApiKey(secret), 64 lowercase hex digits`);
    if (!Array.isArray(key.scopes) || key.scopes.some((s) => !SCOPES.includes(s))) throw new Error(`auth: API key ${key.id} has an unknown scope`);
  }
  const secret = config.memberTokenSecret;
  if (secret !== undefined && secret.length < MEMBER_SECRET_LENGTH_MIN) {
    throw new Error(`auth: memberTokenSecret needs at least ${MEMBER_SECRET_LENGTH_MIN} characters`);
  }
}

const UNAUTHORIZED_MESSAGE = 'send Authorization: Bearer <api key> or Authorization: Member <token>';

export class Authenticator {
  private readonly keys: { id: string; digest: Buffer; scopes: ReadonlySet<Scope> }[];
  private readonly memberSecret: string | undefined;

  constructor(config: AuthConfig) {
    checkConfig(config);
    this.keys = config.apiKeys.map((k) => ({ id: k.id, digest: Buffer.from(k.hash, 'hex'), scopes: new Set(k.scopes) }));
    this.memberSecret = config.memberTokenSecret;
  }

  /** The caller behind an Authorization header, or UNAUTHORIZED. */
  authenticate(header: string | undefined, nowMs: number): Principal {
    if (header === undefined) apiError('UNAUTHORIZED', UNAUTHORIZED_MESSAGE);
    const space = header.indexOf(' ');
    const scheme = space < 0 ? header : header.slice(0, space);
    const credential = space < 0 ? '' : header.slice(space + 1).trim();
    if (credential === '') apiError('UNAUTHORIZED', UNAUTHORIZED_MESSAGE);
    switch (scheme.toLowerCase()) {
      case 'bearer':
        return this.apiKey(credential);
      case 'member':
        return this.member(credential, nowMs);
      default:
        return apiError('UNAUTHORIZED', UNAUTHORIZED_MESSAGE);
    }
  }

  /** Compares against every key, matched or not, so timing says nothing about which matched. */
  private apiKey(secret: string): Principal {
    const digest = createHash('sha256').update(secret, 'utf8').digest();
    let found: (typeof this.keys)[number] | undefined;
    for (const key of this.keys) if (timingSafeEqual(key.digest, digest) && !found) found = key;
    if (!found) apiError('UNAUTHORIZED', 'the API key is not valid');
    return { kind: 'apiKey', keyId: found.id, scopes: found.scopes };
  }

  private member(token: string, nowMs: number): Principal {
    if (this.memberSecret === undefined) apiError('UNAUTHORIZED', 'member tokens are not enabled on this server');
    const check = verifyMemberToken(this.memberSecret, token, nowMs);
    if (!check.ok) apiError('UNAUTHORIZED', check.reason === 'expired' ? 'the member token has expired' : 'the member token is not valid');
    return { kind: 'member', memberId: check.memberId };
  }
}

export interface RouteAccess {
  access: Access;
  /** A member token may call this route for its own `:id`. */
  memberSelf: boolean;
}

/** Throws FORBIDDEN unless the principal may call the route with these path parameters. */
export function authorize(principal: Principal, route: RouteAccess, params: Readonly<Record<string, string>>): void {
  if (route.access === 'public') return;
  if (principal.kind === 'apiKey') {
    if (!principal.scopes.has(route.access)) apiError('FORBIDDEN', `this API key lacks the ${route.access} scope`, { scope: route.access });
    return;
  }
  if (!route.memberSelf || params.id !== principal.memberId) {
    apiError('FORBIDDEN', 'a member token reaches only its own member routes');
  }
}

export function principalLabel(principal: Principal): string {
  return principal.kind === 'apiKey' ? `key:${principal.keyId}` : `member:${principal.memberId}`;
}
