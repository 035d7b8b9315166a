/**
 * Every kind of caller the authorization matrix tries, and what docs/API.md (Authentication and
 * access) says each may do. Forged tokens cover the usual attacks on signed tokens: another key,
 * a payload changed under a kept signature, `alg: none` and a JWT signed with the shared secret
 * (format confusion), a bare hash without the key, and a signature re-encoded to a different
 * text of the same bytes.
 */
import { createHash, createHmac } from 'node:crypto';
import { SECRETS, type RouteInfo, type Shop } from './support.ts';
import { HOUR } from '../../src/api/test-support.ts';
import { signMemberToken } from '../../src/api/auth.ts';

export type Expected = 'allowed' | 401 | 403;

export interface Credential {
  name: string;
  kind: 'anonymous' | 'invalid' | 'apiKey' | 'member';
  /** API keys only. */
  scopes?: readonly ('read' | 'write')[];
  /** Member tokens only: whose token it is. */
  memberId?: string;
  /** The Authorization header for a request at the shop's current clock; undefined: none sent. */
  header(shop: Pick<Shop, 'clock'>): string | undefined;
}

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
const hmac = (secret: string, text: string) => createHmac('sha256', secret).update(text).digest('base64url');

/** A token of the documented format, signed with `secret` over any payload text. */
function signedPayload(payload: string, secret = SECRETS.member): string {
  const part = b64(payload);
  return `${part}.${hmac(secret, part)}`;
}

function jwt(header: object, payload: object, sign: (input: string) => string): string {
  const input = `${b64(JSON.stringify(header))}.${b64(JSON.stringify(payload))}`;
  return `${input}.${sign(input)}`;
}

const hour = (shop: Pick<Shop, 'clock'>) => shop.clock.now() + HOUR;

/** The member whose routes the matrix calls: every {id} of a member route is this one. */
export const PATH_MEMBER = 'A';

export const CREDENTIALS: readonly Credential[] = [
  { name: 'no credentials', kind: 'anonymous', header: () => undefined },
  { name: 'wrong bearer key', kind: 'invalid', header: () => 'Bearer not-a-key-0123456789' },
  { name: 'bearer without a key', kind: 'invalid', header: () => 'Bearer ' },
  { name: 'API key without a scheme', kind: 'invalid', header: () => SECRETS.admin },
  { name: 'basic auth', kind: 'invalid', header: () => `Basic ${Buffer.from(`shop:${SECRETS.admin}`).toString('base64')}` },
  { name: 'read-only key', kind: 'apiKey', scopes: ['read'], header: () => `Bearer ${SECRETS.reader}` },
  { name: 'write-only key', kind: 'apiKey', scopes: ['write'], header: () => `Bearer ${SECRETS.writer}` },
  { name: 'read+write key', kind: 'apiKey', scopes: ['read', 'write'], header: () => `Bearer ${SECRETS.admin}` },
  { name: 'member token, own id', kind: 'member', memberId: PATH_MEMBER, header: (s) => `Member ${signMemberToken(SECRETS.member, PATH_MEMBER, hour(s))}` },
  { name: 'member token, another member', kind: 'member', memberId: 'B', header: (s) => `Member ${signMemberToken(SECRETS.member, 'B', hour(s))}` },
  { name: 'member token, expired', kind: 'invalid', header: (s) => `Member ${signMemberToken(SECRETS.member, PATH_MEMBER, s.clock.now() - 1)}` },
  { name: 'member token, expiring this instant', kind: 'invalid', header: (s) => `Member ${signMemberToken(SECRETS.member, PATH_MEMBER, s.clock.now())}` },
  { name: 'member token, signed with another secret', kind: 'invalid', header: (s) => `Member ${signMemberToken('guessed-secret-0123456789', PATH_MEMBER, hour(s))}` },
  {
    name: 'member token, payload changed under the signature',
    kind: 'invalid',
    header: (s) => {
      const [, signature] = signMemberToken(SECRETS.member, 'B', hour(s)).split('.');
      return `Member ${b64(JSON.stringify({ memberId: PATH_MEMBER, exp: hour(s) }))}.${signature}`;
    },
  },
  {
    name: 'member token, expiry extended under the signature',
    kind: 'invalid',
    header: (s) => {
      const [, signature] = signMemberToken(SECRETS.member, PATH_MEMBER, s.clock.now() - 1).split('.');
      return `Member ${b64(JSON.stringify({ memberId: PATH_MEMBER, exp: hour(s) }))}.${signature}`;
    },
  },
  { name: 'member token, JWT alg none', kind: 'invalid', header: (s) => `Member ${jwt({ alg: 'none', typ: 'JWT' }, { memberId: PATH_MEMBER, exp: hour(s) }, () => '')}` },
  {
    name: 'member token, HS256 JWT signed with the shared secret',
    kind: 'invalid',
    header: (s) => `Member ${jwt({ alg: 'HS256', typ: 'JWT' }, { memberId: PATH_MEMBER, exp: hour(s) }, (input) => hmac(SECRETS.member, input))}`,
  },
  {
    name: 'member token, SHA-256 of the payload without the key',
    kind: 'invalid',
    header: (s) => {
      const part = b64(JSON.stringify({ memberId: PATH_MEMBER, exp: hour(s) }));
      return `Member ${part}.${createHash('sha256').update(part).digest('base64url')}`;
    },
  },
  { name: 'member token, signature re-encoded (trailing character)', kind: 'invalid', header: (s) => `Member ${signMemberToken(SECRETS.member, PATH_MEMBER, hour(s))}!` },
  { name: 'member token, signed payload without exp', kind: 'invalid', header: () => `Member ${signedPayload(JSON.stringify({ memberId: PATH_MEMBER }))}` },
  { name: 'member token, signed payload with exp as text', kind: 'invalid', header: (s) => `Member ${signedPayload(JSON.stringify({ memberId: PATH_MEMBER, exp: String(hour(s)) }))}` },
  { name: 'member token, signed payload that is not JSON', kind: 'invalid', header: () => `Member ${signedPayload('A')}` },
  { name: 'member token, malformed (no dot)', kind: 'invalid', header: () => 'Member abcdef' },
  { name: 'member token, malformed (three parts)', kind: 'invalid', header: () => 'Member a.b.c' },
  { name: 'member token, malformed (empty)', kind: 'invalid', header: () => 'Member ' },
  { name: 'member token, malformed (3,000 characters)', kind: 'invalid', header: () => `Member ${'a'.repeat(1_500)}.${'b'.repeat(1_500)}` },
];

/** What docs/API.md promises for this caller on this route (with every member path on PATH_MEMBER). */
export function expectedAccess(route: RouteInfo, credential: Credential): Expected {
  if (route.scope === 'public') return 'allowed';
  if (credential.kind === 'anonymous' || credential.kind === 'invalid') return 401;
  if (credential.kind === 'apiKey') return credential.scopes!.includes(route.scope) ? 'allowed' : 403;
  return route.memberSelf && credential.memberId === PATH_MEMBER ? 'allowed' : 403;
}
