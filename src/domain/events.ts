/**
 * The events the engine accepts, and their validation from untrusted JSON. Validation only reads
 * state; every check an event needs happens here or in its handler's check phase, before any
 * change, so a rejected event changes nothing.
 */
import { reject } from './errors.ts';
import { isPlainText } from './text.ts';
import { LIMITS } from './limits.ts';
import { AMOUNT_MAX_FEN, checkAmount, checkBp } from './money.ts';
import type { Channel } from './settings.ts';

export interface PaidLineInput {
  lineId: string;
  channel: Channel;
  productId: string;
  storeId: string;
  paidFen: number; // 实付
  deductedFen: number; // paid with points / love value
  profitFen?: number;
}

/** A reference to an entry: its number, or the order line that created it. */
export type EntryRef = { entryId: number } | { orderId: string; lineId: string };

export type EngineEvent =
  | { type: 'settings'; at: number; settings: unknown }
  | { type: 'member'; at: number; memberId: string; level?: string; nickname?: string; referrerId?: string | null; teamLevel?: string; shareholderWeight?: number }
  | { type: 'poolRelease'; at: number; programId: string }
  | { type: 'dividend'; at: number; fromDate: string; toDate: string }
  | { type: 'paid'; at: number; orderId: string; memberId: string; lines: PaidLineInput[] }
  | { type: 'completed'; at: number; orderId: string }
  | { type: 'refunded'; at: number; orderId: string; lineIds?: string[] }
  | ({ type: 'lotteryDraw'; at: number; seed?: number; ratioBp?: number } & EntryRef)
  | ({ type: 'exchange'; at: number; target: ExchangeTarget } & EntryRef)
  | { type: 'pointsTransfer'; at: number; fromMemberId: string; toMemberId: string; points: number }
  | { type: 'pause'; at: number; queue?: string }
  | { type: 'resume'; at: number; queue?: string }
  | { type: 'reset'; at: number; queues?: string[] }
  | { type: 'merge'; at: number; sources: string[]; target: string }
  | { type: 'tick'; at: number }
  | { type: 'withdrawalRequested'; at: number; withdrawalId: string; memberId: string; amountFen: number }
  | { type: 'withdrawalPaid'; at: number; withdrawalId: string }
  | { type: 'withdrawalRejected'; at: number; withdrawalId: string };

export type ExchangeTarget = 'points' | 'love' | 'coupon';
export type EventType = EngineEvent['type'];

type Json = Record<string, unknown>;

function bad(message: string, details: Record<string, unknown> = {}): never {
  return reject('INVALID_EVENT', message, details);
}

function obj(x: unknown, what: string): Json {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) bad(`${what} must be an object`);
  return x as Json;
}


export function checkId(x: unknown, field: string): string {
  if (typeof x !== 'string' || x.length === 0 || x.length > LIMITS.idLengthMax || !isPlainText(x)) {
    reject('INVALID_ID', `${field} must be a string of 1 to ${LIMITS.idLengthMax} characters without control characters`, { field, value: x });
  }
  return x;
}

function optionalText(x: unknown, field: string, max: number): string | undefined {
  if (x === undefined) return undefined;
  if (typeof x !== 'string' || x.length > max) bad(`${field} must be a string of at most ${max} characters`, { field });
  return x;
}

function checkInstant(x: unknown): number {
  if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 0) {
    bad('at must be a non-negative integer of milliseconds since the epoch', { field: 'at', value: x });
  }
  return x;
}

const LINE_FIELDS: ReadonlySet<string> = new Set(['lineId', 'channel', 'productId', 'storeId', 'paidFen', 'deductedFen', 'profitFen']);

function checkLine(x: unknown, i: number): PaidLineInput {
  const l = obj(x, `lines[${i}]`);
  // An unknown field is refused, not ignored: a misspelt optional amount ("deductedfen") would
  // otherwise be read as 0 and the line booked with the wrong money.
  for (const key of Object.keys(l)) {
    if (!LINE_FIELDS.has(key)) bad(`lines[${i}].${key} is not a field of an order line`, { field: `lines[${i}].${key}` });
  }
  const channel = l.channel;
  if (channel !== 'mall' && channel !== 'store' && channel !== 'cashier') {
    bad(`lines[${i}].channel must be 'mall', 'store' or 'cashier'`, { field: `lines[${i}].channel`, value: channel });
  }
  const productId = channel === 'cashier' ? '' : checkId(l.productId, `lines[${i}].productId`);
  const storeId = channel === 'mall' ? '' : checkId(l.storeId, `lines[${i}].storeId`);
  const line: PaidLineInput = {
    lineId: checkId(l.lineId, `lines[${i}].lineId`),
    channel,
    productId,
    storeId,
    paidFen: checkAmount(l.paidFen, `lines[${i}].paidFen`),
    deductedFen: l.deductedFen === undefined ? 0 : checkAmount(l.deductedFen, `lines[${i}].deductedFen`),
  };
  if (l.profitFen !== undefined) line.profitFen = checkAmount(l.profitFen, `lines[${i}].profitFen`);
  return line;
}

function entryRef(e: Json): EntryRef {
  if (e.entryId !== undefined) {
    if (typeof e.entryId !== 'number' || !Number.isSafeInteger(e.entryId) || e.entryId < 1) {
      reject('INVALID_ID', 'entryId must be a positive integer', { field: 'entryId', value: e.entryId });
    }
    return { entryId: e.entryId };
  }
  return { orderId: checkId(e.orderId, 'orderId'), lineId: checkId(e.lineId, 'lineId') };
}

function idList(x: unknown, field: string, max: number, duplicate: 'DUPLICATE_LINE' | 'QUEUE_MERGE_INVALID' | 'INVALID_EVENT'): string[] {
  if (!Array.isArray(x) || x.length === 0 || x.length > max) bad(`${field} must list 1 to ${max} ids`, { field });
  const ids = x.map((id, i) => checkId(id, `${field}[${i}]`));
  if (new Set(ids).size !== ids.length) reject(duplicate, `${field} lists an id twice`, { field });
  return ids;
}

/** Parses untrusted JSON into an event of known shape; semantic checks happen in the handlers. */
export function parseEvent(input: unknown, defaultAt?: number): EngineEvent {
  const e = obj(input, 'event');
  // `defaultAt`: the instant a caller stamps on an event sent without one (the service's clock), without copying the input.
  const at = checkInstant(e.at === undefined && defaultAt !== undefined ? defaultAt : e.at);
  switch (e.type) {
    case 'settings':
      return { type: 'settings', at, settings: e.settings };
    case 'member': {
      const level = optionalText(e.level, 'level', LIMITS.levelLengthMax);
      const nickname = optionalText(e.nickname, 'nickname', 64);
      const teamLevel = optionalText(e.teamLevel, 'teamLevel', LIMITS.levelLengthMax);
      const member: EngineEvent = {
        type: 'member', at, memberId: checkId(e.memberId, 'memberId'),
        ...(level !== undefined && { level }), ...(nickname !== undefined && { nickname }), ...(teamLevel !== undefined && { teamLevel }),
      };
      if (e.referrerId !== undefined) member.referrerId = e.referrerId === null ? null : checkId(e.referrerId, 'referrerId');
      if (e.shareholderWeight !== undefined) {
        const w = e.shareholderWeight;
        if (typeof w !== 'number' || !Number.isSafeInteger(w) || w < 0 || w > 1_000_000) {
          bad('shareholderWeight must be an integer from 0 to 1000000', { field: 'shareholderWeight', value: w });
        }
        member.shareholderWeight = w;
      }
      return member;
    }
    case 'poolRelease':
      return { type: 'poolRelease', at, programId: checkId(e.programId, 'programId') };
    case 'dividend': {
      const date = /^\d{4}-\d{2}-\d{2}$/;
      if (typeof e.fromDate !== 'string' || !date.test(e.fromDate) || typeof e.toDate !== 'string' || !date.test(e.toDate)) {
        reject('DIVIDEND_PERIOD_INVALID', 'fromDate and toDate must be local dates YYYY-MM-DD', { fromDate: e.fromDate, toDate: e.toDate });
      }
      return { type: 'dividend', at, fromDate: e.fromDate, toDate: e.toDate };
    }
    case 'paid': {
      if (!Array.isArray(e.lines) || e.lines.length === 0 || e.lines.length > LIMITS.linesPerOrderMax) {
        bad(`lines must list 1 to ${LIMITS.linesPerOrderMax} order lines`, { field: 'lines' });
      }
      const lines = e.lines.map(checkLine);
      if (new Set(lines.map((l) => l.lineId)).size !== lines.length) {
        reject('DUPLICATE_LINE', 'an order lists the same lineId twice', { field: 'lines' });
      }
      return { type: 'paid', at, orderId: checkId(e.orderId, 'orderId'), memberId: checkId(e.memberId, 'memberId'), lines };
    }
    case 'completed':
      return { type: 'completed', at, orderId: checkId(e.orderId, 'orderId') };
    case 'refunded': {
      const orderId = checkId(e.orderId, 'orderId');
      if (e.lineIds === undefined) return { type: 'refunded', at, orderId };
      return { type: 'refunded', at, orderId, lineIds: idList(e.lineIds, 'lineIds', LIMITS.lineIdsPerRefundMax, 'DUPLICATE_LINE') };
    }
    case 'lotteryDraw': {
      const draw: EngineEvent = { type: 'lotteryDraw', at, ...entryRef(e) };
      if (e.seed !== undefined) {
        if (typeof e.seed !== 'number' || !Number.isInteger(e.seed) || e.seed < 0 || e.seed > 0xffffffff) {
          reject('INVALID_SEED', 'seed must be an unsigned 32-bit integer', { value: e.seed });
        }
        draw.seed = e.seed;
      }
      if (e.ratioBp !== undefined) draw.ratioBp = checkBp(e.ratioBp, 'ratioBp');
      return draw;
    }
    case 'exchange': {
      if (e.target !== 'points' && e.target !== 'love' && e.target !== 'coupon') {
        bad("target must be 'points', 'love' or 'coupon'", { field: 'target', value: e.target });
      }
      return { type: 'exchange', at, target: e.target, ...entryRef(e) };
    }
    case 'pointsTransfer': {
      const points = e.points;
      if (typeof points !== 'number' || !Number.isSafeInteger(points) || points <= 0 || points > AMOUNT_MAX_FEN) {
        reject('INVALID_AMOUNT', `points must be a whole number of points from 1 to ${AMOUNT_MAX_FEN}`, { field: 'points', value: points });
      }
      return {
        type: 'pointsTransfer', at, points,
        fromMemberId: checkId(e.fromMemberId, 'fromMemberId'),
        toMemberId: checkId(e.toMemberId, 'toMemberId'),
      };
    }
    case 'pause':
    case 'resume':
      return e.queue === undefined ? { type: e.type, at } : { type: e.type, at, queue: checkId(e.queue, 'queue') };
    case 'reset':
      return e.queues === undefined ? { type: 'reset', at } : { type: 'reset', at, queues: idList(e.queues, 'queues', LIMITS.queuesPerMergeMax, 'INVALID_EVENT') };
    case 'merge':
      return { type: 'merge', at, sources: idList(e.sources, 'sources', LIMITS.queuesPerMergeMax, 'QUEUE_MERGE_INVALID'), target: checkId(e.target, 'target') };
    case 'tick':
      return { type: 'tick', at };
    case 'withdrawalRequested':
      return {
        type: 'withdrawalRequested', at,
        withdrawalId: checkId(e.withdrawalId, 'withdrawalId'),
        memberId: checkId(e.memberId, 'memberId'),
        amountFen: checkAmount(e.amountFen, 'amountFen'),
      };
    case 'withdrawalPaid':
    case 'withdrawalRejected':
      return { type: e.type, at, withdrawalId: checkId(e.withdrawalId, 'withdrawalId') };
    default:
      return bad('type is not a known event type', { field: 'type', value: e.type });
  }
}
