/**
 * Test helpers for the API suites: a server over a DurableService on the in-memory event log, a
 * settable clock, credentials of every kind, and a small request helper around `app.inject`.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { DurableService } from '../app/durable-service.ts';
import type { EventLog } from '../app/event-log.ts';
import { MemoryEventLog } from '../store/memory/memory-event-log.ts';
import { type AuthConfig, hashApiKey, signMemberToken } from './auth.ts';
import { buildServer, type ServerOptions } from './server.ts';

export const T0 = Date.parse('2026-03-02T10:00:00+08:00');
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

export const SECRETS = {
  admin: 'admin-secret-0123456789',
  reader: 'reader-secret-0123456789',
  writer: 'writer-secret-0123456789',
  member: 'member-token-secret-0123456789',
} as const;

export const AUTH: AuthConfig = {
  apiKeys: [
    { id: 'shop-admin', hash: hashApiKey(SECRETS.admin), scopes: ['read', 'write'] },
    { id: 'dashboard', hash: hashApiKey(SECRETS.reader), scopes: ['read'] },
    { id: 'writer-only', hash: hashApiKey(SECRETS.writer), scopes: ['write'] },
  ],
  memberTokenSecret: SECRETS.member,
};

export class TestClock {
  constructor(public t = T0) {}
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

export function seeds() {
  let s = 7;
  return { nextSeed: () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) };
}

export interface Harness {
  app: FastifyInstance;
  service: DurableService;
  clock: TestClock;
  log: EventLog;
  call(method: string, url: string, options?: CallOptions): Promise<LightMyRequestResponse>;
}

export interface CallOptions {
  body?: unknown;
  /** Raw payload, sent as is (with the content type given, if any). */
  raw?: string | Buffer;
  key?: string;
  /** 'admin' (default), 'reader', 'writer', 'none', a member id as `member:<id>`, or a whole header. */
  as?: string;
  headers?: Record<string, string>;
}

export function memberAuth(memberId: string, expMs = T0 + DAY): string {
  return `Member ${signMemberToken(SECRETS.member, memberId, expMs)}`;
}

function authorization(as: string): string | undefined {
  if (as === 'none') return undefined;
  if (as === 'admin' || as === 'reader' || as === 'writer') return `Bearer ${SECRETS[as]}`;
  if (as.startsWith('member:')) return memberAuth(as.slice('member:'.length));
  return as;
}

export async function harness(options: Partial<Omit<ServerOptions, 'service'>> & { log?: EventLog } = {}): Promise<Harness> {
  const clock = new TestClock();
  const log = options.log ?? new MemoryEventLog();
  const service = await DurableService.open(log, clock, seeds());
  const app = buildServer({ auth: AUTH, clock, ...options, service });
  const call = (method: string, url: string, o: CallOptions = {}) => {
    const headers: Record<string, string> = {};
    const auth = authorization(o.as ?? 'admin');
    if (auth !== undefined) headers.authorization = auth;
    if (o.key !== undefined) headers['idempotency-key'] = o.key;
    let payload: string | Buffer | undefined;
    if (o.raw !== undefined) payload = o.raw;
    else if (o.body !== undefined) {
      payload = JSON.stringify(o.body);
      headers['content-type'] = 'application/json';
    }
    Object.assign(headers, o.headers);
    return app.inject({ method: method as 'GET', url, headers, ...(payload !== undefined && { payload }) });
  };
  return { app, service, clock, log, call };
}

let keyNo = 0;
/** A fresh idempotency key. */
export function k(prefix = 'k'): string {
  return `${prefix}-${++keyNo}`;
}

export function mallLine(lineId: string, productId: string, paidFen: number) {
  return { lineId, channel: 'mall', productId, paidFen };
}
