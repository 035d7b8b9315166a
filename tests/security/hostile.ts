/**
 * The hostile-request generator (fast-check): each request is one valid request of a write route
 * with exactly one thing made wrong — the credentials, the media type, the JSON, the size, the
 * nesting, the Idempotency-Key, the path, a field's type or value, an unknown or prototype-named
 * field, an order's lines, a batch's items — plus harmless noise (query strings, extra headers)
 * that must not change the answer. Where the API's order of checks fixes the answer (auth before
 * the body, the media type before the JSON, the key before the body's shape), the exact code is
 * expected; a wrong field value may be refused by whichever check meets it first, so there any
 * 4xx with a code from the error table is accepted.
 *
 * Write routes are read from the OpenAPI document. A route the tables below do not know gets
 * every transport-level attack and field attacks derived from its JSON schema.
 */
import fc from 'fast-check';
import type { AnyErrorCode } from '../../src/api/error-codes.ts';
import { AMOUNT_MAX_FEN, BP_MAX } from '../../src/domain/money.ts';
import { CREDENTIALS, expectedAccess } from './credentials.ts';
import { KNOWN_REQUESTS, type RequestParts, validRequest } from './requests.ts';
import { type Fixture, type RouteInfo, SECRETS, SHOP_SETTINGS, type Shop, mallLine, urlFor } from './support.ts';

export interface Hostile {
  /** The attack family, for the tally: "auth", "media type", "field: amount", … */
  family: string;
  /** What exactly was sent wrong, for a failure message. */
  label: string;
  route: RouteInfo;
  method: string;
  url: string;
  headers: Record<string, string | string[]>;
  payload?: string;
  /** The exact code the API must answer, or any 4xx from the error table. */
  expect: AnyErrorCode | 'any4xx';
  /** A batch whose items are all bad: 200, with every item answered by a 4xx. */
  batchItems?: boolean;
}

// ---------------------------------------------------------------------------------------------
// JSON text with values JSON.stringify cannot write (numbers past 2^53, 1e400, own __proto__ keys).

/** A JSON fragment written as is. */
class RawJson {
  constructor(readonly text: string) {}
}

const raw = (text: string) => new RawJson(text);

function toJson(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map(toJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${toJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** An object with `name` as an own key, even "__proto__", first in key order. */
function withOwnKey(obj: Record<string, unknown>, name: string, value: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  Object.defineProperty(out, name, { value, enumerable: true, writable: true, configurable: true });
  for (const key of Object.keys(obj)) if (key !== name) out[key] = obj[key];
  return out;
}

type Path = (string | number)[];

/** A copy of `body` with the value at `path` replaced (or removed when `value` is REMOVE). */
function setAt(body: unknown, path: Path, value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path as [string | number, ...Path];
  const copy = (Array.isArray(body) ? [...body] : { ...(body as Record<string, unknown>) }) as Record<string | number, unknown>;
  if (rest.length === 0 && value === REMOVE) delete copy[head];
  else copy[head] = setAt(copy[head], rest, value);
  return copy;
}

const REMOVE = Symbol('remove');

// ---------------------------------------------------------------------------------------------
// Bad values, by what the field holds.

const MAX_SAFE_PLUS_2 = raw('9007199254740993');
const control = fc.tuple(fc.string({ maxLength: 20 }), fc.integer({ min: 0, max: 0x1f }), fc.string({ maxLength: 20 })).map(([a, c, b]) => `${a}${String.fromCharCode(c)}${b}`);
const loneSurrogate = fc.tuple(fc.string({ maxLength: 10 }), fc.integer({ min: 0xd800, max: 0xdfff })).map(([a, c]) => `${a}${String.fromCharCode(c)}`);
const overLong = fc.integer({ min: 129, max: 400 }).map((n) => 'x'.repeat(n));

/** Never a valid id, whatever the state. */
const badId: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(123, 1.5, true, null, {}, [], ['A'], '', 'x'.repeat(129), 'a\u0000b', '\u0007', 'tab\there', 'new\nline', '\u007f', '\ud800', 'x\udc00'),
  control,
  loneSurrogate,
  overLong,
);

/** Ids of nothing the fixture has: another case, other scripts, look-alikes, SQL, random text. */
const unknownId: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom('nobody', 'a', 'b', '会员甲', '🙂', "A'; DROP TABLE events; --", '" OR 1=1 --', 'A ', ' A', 'A\u200b', 'Ａ', 'x'.repeat(128)),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }).map((s) => `⚠${s}`.slice(0, 128)),
);

const badRef = fc.oneof(badId, unknownId);

const badAmount: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    -1, -100, 1.5, 0.1, -0.5, 1e20, AMOUNT_MAX_FEN + 1, Number.MAX_SAFE_INTEGER, MAX_SAFE_PLUS_2, raw('1e400'), raw('-1e400'), raw('1.5e0'),
    '100', 'NaN', 'Infinity', '-Infinity', '1e3', '0x10', '', ' 100', '١٠٠', null, true, [], {}, [100], { fen: 100 },
  ),
  fc.double({ noNaN: true, noDefaultInfinity: true }).filter((x) => !Number.isSafeInteger(x) || x < 0 || x > AMOUNT_MAX_FEN),
  fc.integer({ max: -1 }),
  fc.string({ maxLength: 12 }),
);

const badBp: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(-1, 1.5, '100', 'NaN', 1e20, BP_MAX + 1, MAX_SAFE_PLUS_2, null, true, [], {}),
  fc.double({ noNaN: true, noDefaultInfinity: true }).filter((x) => !Number.isInteger(x)),
  fc.integer({ max: -1 }),
);

const badEntryId: fc.Arbitrary<unknown> = fc.constantFrom<unknown>(0, -1, 1.5, '1', null, true, [], {}, 1e20, MAX_SAFE_PLUS_2, 999_999);
const badSeed: fc.Arbitrary<unknown> = fc.constantFrom<unknown>(-1, 2 ** 32, 1.5, '7', null, true, [], 1e20);
const badPoints: fc.Arbitrary<unknown> = fc.constantFrom<unknown>(0, -1, 1.5, '1', null, true, [], 1e20, AMOUNT_MAX_FEN + 1, 999_999_999);
const badTarget: fc.Arbitrary<unknown> = fc.constantFrom<unknown>('cash', 'POINTS', 'Points', '', 'points ', 1, null, true, [], {}, ['points']);
const badChannel: fc.Arbitrary<unknown> = fc.constantFrom<unknown>('online', 'MALL', '', 1, null, [], {}, 'cashier', 'store');
const badText64: fc.Arbitrary<unknown> = fc.oneof(fc.constantFrom<unknown>(1, true, null, {}, [], ['Ann']), fc.integer({ min: 65, max: 2_000 }).map((n) => 'x'.repeat(n)));
const badWeight: fc.Arbitrary<unknown> = fc.constantFrom<unknown>(-1, 1.5, 1_000_001, '1', null, true, 1e20);
const badDate: fc.Arbitrary<unknown> = fc.constantFrom<unknown>(
  '2026-13-01', '2026-02-30', '2026-3-2', '26-03-02', 'yesterday', '', '2026-03-02T00:00:00Z', 20260302, null, true, [], {}, '2999-01-01', '2026-03-03', '2026-03-01x',
);
const badList = (item: fc.Arbitrary<unknown>, existing: string): fc.Arbitrary<unknown> =>
  fc.oneof(
    fc.constantFrom<unknown>([], existing, null, {}, 1, [existing, existing], Array.from({ length: 1_001 }, (_, i) => `q${i}`)),
    item.map((x) => [x]),
    item.map((x) => [existing, x]),
  );

const lineUnknownField = fc.oneof(
  fc.constantFrom('deductedfen', 'paidfen', 'PaidFen', 'paid_fen', 'amountFen', 'at', 'type', '__proto__', 'constructor', 'prototype', 'toString'),
  fc.string({ minLength: 1, maxLength: 12 }).filter((s) => !['lineId', 'channel', 'productId', 'storeId', 'paidFen', 'deductedFen', 'profitFen'].includes(s)),
);

const badLines: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>([], {}, 'lines', null, 1, [1], [null], [[]], ['l1'], [mallLine('l1', 'p0', 100), mallLine('l1', 'p0', 200)]),
  fc.constant(Array.from({ length: 1_001 }, (_, i) => mallLine(`l${i}`, 'p0', 1))),
  fc.tuple(lineUnknownField, fc.jsonValue({ maxDepth: 2 })).map(([name, value]) => [withOwnKey(mallLine('l1', 'p0', 100), name, value)]),
  fc.constantFrom('lineId', 'channel', 'paidFen').map((field) => [setAt(mallLine('l1', 'p0', 100), [field], REMOVE)]),
  fc.constant([{ lineId: 'l1', channel: 'store', productId: 'p0', paidFen: 100 }]), // a store line without its store
);

type FieldKind =
  | 'badId' | 'badRef' | 'amount' | 'bp' | 'entryId' | 'seed' | 'points' | 'target' | 'channel' | 'text64' | 'weight' | 'date' | 'lines' | 'refList' | 'queueList'
  | 'url' | 'secret' | 'kinds' | 'bool' | 'referrer';

const FIELD_VALUES: Record<FieldKind, fc.Arbitrary<unknown>> = {
  badId,
  badRef,
  amount: badAmount,
  bp: badBp,
  entryId: badEntryId,
  seed: badSeed,
  points: badPoints,
  target: badTarget,
  channel: badChannel,
  text64: badText64,
  weight: badWeight,
  date: badDate,
  lines: badLines,
  refList: badList(badRef, 'l2'),
  queueList: badList(badRef, 'mall'),
  url: fc.constantFrom<unknown>('ftp://shop.example/x', 'not a url', '/relative', 'https://user:pass@shop.example/', 'javascript:alert(1)', '', `https://x.example/${'x'.repeat(2_048)}`, 'https://shop.example/a\u0000b', 'https://shop.example/\u0007', 1, null, [], {}),
  secret: fc.constantFrom<unknown>('', 'short', 'x'.repeat(257), `${'s'.repeat(32)}\u0000`, `\u001b${'s'.repeat(32)}`, 1, null, [], {}),
  kinds: fc.constantFrom<unknown>([], 'x', ['nope'], ['*', '*'], ['*', 'rewardReceived'], [1], null, {}),
  bool: fc.constantFrom<unknown>('true', 1, 0, null, [], {}),
  referrer: badRef.filter((v) => v !== null), // null clears the referrer: valid
};

/**
 * Each field of the known write bodies and what a bad value of it is. `badId`: ids the request
 * creates (any well-formed new id would be accepted, so only malformed ones); `badRef`: ids of
 * things that must exist (also unknown ones).
 */
const ORDER_FIELDS: [Path, FieldKind][] = [
  [['orderId'], 'badId'],
  [['memberId'], 'badRef'],
  [['lines'], 'lines'],
  [['lines', 0, 'lineId'], 'badId'],
  [['lines', 0, 'channel'], 'channel'],
  [['lines', 0, 'productId'], 'badId'],
  [['lines', 0, 'paidFen'], 'amount'],
  [['lines', 0, 'deductedFen'], 'amount'],
  [['lines', 0, 'profitFen'], 'amount'],
];

const FIELDS: Readonly<Record<string, [Path, FieldKind][]>> = {
  orderPaid: ORDER_FIELDS,
  orderCompleted: [[['orderId'], 'badRef']],
  orderRefunded: [[['orderId'], 'badRef'], [['lineIds'], 'refList']],
  putMember: [[['nickname'], 'text64'], [['level'], 'text64'], [['teamLevel'], 'text64'], [['referrerId'], 'referrer'], [['shareholderWeight'], 'weight']],
  lotteryDraw: [[['entryId'], 'entryId'], [['seed'], 'seed'], [['ratioBp'], 'bp']],
  exchange: [[['entryId'], 'entryId'], [['target'], 'target']],
  pointsTransfer: [[['toMemberId'], 'badRef'], [['points'], 'points']],
  mergeQueues: [[['sources'], 'queueList'], [['target'], 'badId']],
  pauseQueues: [[['queue'], 'badRef']],
  resumeQueues: [[['queue'], 'badRef']],
  resetQueues: [[['queues'], 'queueList']],
  payDividend: [[['fromDate'], 'date'], [['toDate'], 'date']],
  requestWithdrawal: [[['withdrawalId'], 'badId'], [['amountFen'], 'amount']],
  putWebhook: [[['url'], 'url'], [['secret'], 'secret'], [['kinds'], 'kinds'], [['enabled'], 'bool']],
};

/** Settings documents that validateSettings must refuse. */
const badSettings: fc.Arbitrary<[string, unknown]> = (() => {
  const doc = SHOP_SETTINGS as Record<string, unknown>;
  const at = (path: Path, value: fc.Arbitrary<unknown>, label: string) => value.map((v): [string, unknown] => [label, setAt(doc, path, v)]);
  const notBool = fc.constantFrom<unknown>(1, 'true', null, [], {});
  const sectionName = fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'at', 'version', 'Base', 'limits');
  return fc.oneof(
    at(['base', 'defaultBp'], badBp, 'base.defaultBp'),
    at(['base', 'extractBp'], fc.oneof(badBp, fc.constant(10_001)), 'base.extractBp'),
    at(['base', 'exchange', 'pointsBp'], badBp, 'base.exchange.pointsBp'),
    fc.constantFrom('enabled', 'paused', 'mallQueue', 'newProductsEnabled', 'clawbackAfterSale').chain((k) => at(['base', k], notBool, `base.${k}`)),
    at(['base', 'timeZone'], fc.constantFrom<unknown>('Mars/Olympus', '', 'x'.repeat(65), 1, null, 'UTC+25'), 'base.timeZone'),
    at(['base', 'pluginName'], fc.constantFrom<unknown>('', 'x'.repeat(33), 1, null), 'base.pluginName'),
    at(['base', 'settlementEvent'], fc.constantFrom<unknown>('shipped', '', 1), 'base.settlementEvent'),
    at(['base', 'strandedAfterDays'], fc.constantFrom<unknown>(-1, 3_651, 1.5, '30'), 'base.strandedAfterDays'),
    at(['base', 'reset'], fc.constantFrom<unknown>({ kind: 'daily', at: '25:00' }, { kind: 'hourly' }, 'daily', 1, { kind: 'daily', at: '01:00', extra: 1 }), 'base.reset'),
    at(['base', 'display'], fc.constantFrom<unknown>('yes', { queueId: 'yes' }, { unknownToggle: true }, []), 'base.display'),
    sectionName.map((name): [string, unknown] => [`base.display.${name}`, setAt(doc, ['base', 'display'], withOwnKey({}, name, true))]),
    // Bad ids as settings keys: program ids are at most 64 characters, other ids 128.
    fc.oneof(badId.filter((id): id is string => typeof id === 'string'), fc.constant('x'.repeat(65))).chain((id) =>
      fc.constantFrom(...(id.length === 65 ? ['programs'] : ['programs', 'products', 'stores'])).map((section): [string, unknown] => {
        const layer = section === 'programs' ? { fundingBasis: 'sales', fundingBp: 1_000, rewardBp: 10_000 } : { enabled: true };
        return [`${section} id ${JSON.stringify(id).slice(0, 30)}`, setAt(doc, [section], withOwnKey({}, id, layer))];
      }),
    ),
    at(['base', 'windows'], fc.constantFrom<unknown>([], 'always', { x: 1 }), 'base.windows'),
    at(['base'], fc.constantFrom<unknown>([], 'x', 1, true), 'base'),
    sectionName.map((name): [string, unknown] => [`base.${name}`, setAt(doc, ['base'], withOwnKey(doc.base as Record<string, unknown>, name, { defaultBp: 1 }))]),
    sectionName.map((name): [string, unknown] => [`section ${name}`, withOwnKey(doc, name, { base: { paused: true } })]),
    at(['products'], fc.constantFrom<unknown>('x', [], { p: 'x' }, { p: { lottery: { kind: 'fixed', ratiosBp: [] } } }, { p: { lottery: { kind: 'range', minBp: 2, maxBp: 1 } } }, { '': {} }, { ['x'.repeat(129)]: {} }, { p: { tiers: 'x' } }, { p: { unknown: 1 } }, { p: { extractBp: 10_001 } }), 'products'),
    at(['products'], fc.constant(withOwnKey({}, '__proto__', 1)), 'products.__proto__'),
    at(['programs', 'union'], fc.constantFrom<unknown>({ rewardBp: 0 }, { fundingBasis: 'sales', fundingBp: 0, rewardBp: 1 }, { rewardBp: 1, channels: [] }, { rewardBp: 1, release: { mode: 'daily', at: '99:99' } }, { rewardBp: 1, unknown: 1 }, 'x'), 'programs.union'),
    at(['rewards'], fc.constantFrom<unknown>({ dividend: { bp: -1, basis: 'paid', split: 'equal' } }, { dividend: { bp: 1, basis: 'paid', split: 'random' } }, { unknown: {} }, withOwnKey({}, 'constructor', {})), 'rewards'),
  );
})();

/** Field attacks for a route the tables do not know, from its JSON schema alone. */
function schemaFieldAttacks(route: RouteInfo): fc.Arbitrary<[string, Path, unknown]>[] {
  const out: fc.Arbitrary<[string, Path, unknown]>[] = [];
  for (const [name, s] of Object.entries(route.bodyProperties ?? {})) {
    const type = Array.isArray(s.type) ? s.type : [s.type];
    const values: unknown[] = [];
    if (Array.isArray(s.enum)) values.push('not-in-the-enum', 1, [], {});
    else if (type.includes('integer')) {
      values.push('1', 1.5, true, [], {}, 1e20, MAX_SAFE_PLUS_2, raw('1e400'));
      if (typeof s.minimum === 'number') values.push(s.minimum - 1);
      if (typeof s.maximum === 'number') values.push(s.maximum + 1);
    } else if (type.includes('string')) {
      values.push(1, true, [], {});
      if (typeof s.maxLength === 'number') values.push('x'.repeat(s.maxLength + 1));
      if (s.maxLength === 128) values.push('', 'a\u0000b', '\ud800'); // an id (schema.id)
    } else if (type.includes('array')) values.push('x', {}, 1);
    if (!type.includes('null') && !Array.isArray(s.enum)) values.push(null);
    if (values.length > 0) out.push(fc.constantFrom(...values).map((v): [string, Path, unknown] => [`field ${name}`, [name], v]));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Assembling requests.

let keyNo = 0;
const freshKey = () => `hostile-${++keyNo}`;

interface Base {
  route: RouteInfo;
  parts: RequestParts;
}

function request(base: Base, family: string, label: string, expect: Hostile['expect'], change: Partial<Hostile> = {}): Hostile {
  const { route, parts } = base;
  const headers: Record<string, string | string[]> = { authorization: `Bearer ${SECRETS.admin}` };
  if (route.idempotent) headers['idempotency-key'] = freshKey();
  const payload = parts.body === undefined ? undefined : toJson(parts.body);
  if (payload !== undefined) headers['content-type'] = 'application/json';
  return {
    family,
    label,
    route,
    method: route.method,
    url: urlFor(route, parts.params) + (parts.query ? `?${parts.query}` : ''),
    headers,
    ...(payload !== undefined && { payload }),
    expect,
    ...change,
  };
}

const withBody = (base: Base, body: unknown): Base => ({ ...base, parts: { ...base.parts, body } });
/** The document route (settings) refuses a bad shape with its own domain codes. */
const shapeCode = (route: RouteInfo): Hostile['expect'] => (route.operationId === 'putSettings' ? 'any4xx' : 'VALIDATION_FAILED');

function authAttacks(base: Base): fc.Arbitrary<Hostile> {
  const refused = CREDENTIALS.filter((c) => expectedAccess(base.route, c) !== 'allowed');
  return fc.constantFrom(...refused).map((c) => {
    const h = request(base, 'auth', c.name, expectedAccess(base.route, c) === 401 ? 'UNAUTHORIZED' : 'FORBIDDEN');
    const header = c.header({ clock: { now: () => NOW } as Shop['clock'] });
    if (header === undefined) delete h.headers.authorization;
    else h.headers.authorization = header;
    return h;
  });
}

/** The shop's clock during the hostile run, for the member tokens above (set by the suite). */
let NOW = 0;
export function setHostileClock(now: number): void {
  NOW = now;
}

function mediaTypeAttacks(base: Base): fc.Arbitrary<Hostile> {
  const body = base.parts.body ?? {};
  const types = fc.oneof(
    fc.constantFrom(
      'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'text/json',
      'application/json-patch+json', 'application/jsonx', 'application/vnd.api+json', 'text/html', 'application/json, text/plain', '(none)',
    ),
    fc.stringMatching(/^[a-z]{1,10}\/[a-z0-9.+-]{1,16}$/).filter((t) => t !== 'application/json'),
  );
  return types.map((type) => {
    const h = request(withBody(base, body), 'media type', type, 'UNSUPPORTED_MEDIA_TYPE');
    if (type === '(none)') delete h.headers['content-type'];
    else h.headers['content-type'] = type;
    return h;
  });
}

function malformedJsonAttacks(base: Base): fc.Arbitrary<Hostile> {
  const text = toJson(base.parts.body ?? {});
  const fixed = fc.constantFrom('{', '{"a":}', '[1,]', "{'a':1}", '{"a":1}}', 'NaN', 'undefined', '{"a":01}', '\uFEFF{}', '{"a":"\\x"}', '{"a":1,}', '{"a" 1}', '{"a":"\u0000"', 'nul', '{"a":tru}');
  const truncated = fc.integer({ min: 1, max: Math.max(1, text.length - 1) }).map((n) => text.slice(0, n));
  const trailing = fc.constantFrom('x', ',', '}', ']', '{}').map((s) => text + s);
  return fc.oneof(fixed, truncated, trailing).map((payload) => {
    const h = request(base, 'malformed JSON', JSON.stringify(payload.slice(0, 40)), 'MALFORMED_JSON', { payload });
    h.headers['content-type'] = 'application/json';
    return h;
  });
}

function nonObjectAttacks(base: Base): fc.Arbitrary<Hostile> {
  return fc.constantFrom('[]', '[{}]', '1', '"x"', 'true', 'null', '-0', '1e400', `[${toJson(base.parts.body ?? {})}]`).map((payload) => {
    const h = request(withBody(base, {}), 'non-object body', payload.slice(0, 40), 'VALIDATION_FAILED', { payload });
    h.headers['content-type'] = 'application/json';
    return h;
  });
}

function oversizeAttacks(base: Base): fc.Arbitrary<Hostile> {
  return fc.integer({ min: 1, max: 64 * 1024 }).map((extra) => {
    const pad = 'x'.repeat(1024 * 1024 + extra);
    return request(withBody(base, { ...(base.parts.body as object), pad }), 'oversized body', `${1024 * 1024 + extra} bytes of padding`, 'PAYLOAD_TOO_LARGE');
  });
}

function deepAttacks(base: Base): fc.Arbitrary<Hostile> {
  const field = Object.keys(base.route.bodyProperties ?? {})[0] ?? 'x';
  // At most 100,000 levels of objects (6 bytes each) so the body stays under the size limit.
  return fc.tuple(fc.integer({ min: 65, max: 100_000 }), fc.boolean()).map(([depth, arrays]) => {
    const deep = arrays ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
    const text = toJson(base.parts.body ?? {});
    const payload = text === '{}' ? `{${JSON.stringify(field)}:${deep}}` : `{${JSON.stringify(field)}:${deep},${text.slice(1)}`;
    return request(withBody(base, {}), 'deep nesting', `${depth} levels of ${arrays ? 'arrays' : 'objects'} in ${field}`, 'VALIDATION_FAILED', { payload });
  });
}

function keyAttacks(base: Base): fc.Arbitrary<Hostile> {
  const cases: fc.Arbitrary<[string, string | string[] | undefined, AnyErrorCode]> = fc.oneof(
    fc.constantFrom<[string, string | string[] | undefined, AnyErrorCode]>(
      ['missing', undefined, 'IDEMPOTENCY_KEY_REQUIRED'],
      ['empty', '', 'IDEMPOTENCY_KEY_REQUIRED'],
      ['blank', '   ', 'IDEMPOTENCY_KEY_REQUIRED'],
      ['a tab', '\t', 'IDEMPOTENCY_KEY_REQUIRED'],
      ['two headers', ['k-1', 'k-2'], 'VALIDATION_FAILED'],
      ['two equal headers', ['k-1', 'k-1'], 'VALIDATION_FAILED'],
      ['reserved for the engine', '~tick:1', 'INVALID_ID'],
      ['a control character', 'k\u0001', 'INVALID_ID'],
      ['DEL', 'k\u007f', 'INVALID_ID'],
    ),
    fc.integer({ min: 129, max: 4_000 }).map((n): [string, string, AnyErrorCode] => [`${n} characters`, 'k'.repeat(n), 'INVALID_ID']),
  );
  return cases.map(([label, key, code]) => {
    const h = request(base, 'idempotency key', label, code);
    if (key === undefined) delete h.headers['idempotency-key'];
    else h.headers['idempotency-key'] = key;
    return h;
  });
}

function unknownFieldAttacks(base: Base): fc.Arbitrary<Hostile> {
  const known = Object.keys(base.route.bodyProperties ?? {});
  const names = fc.oneof(
    fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'at', 'type', 'idempotencyKey', 'memberid', 'extra'),
    fc.string({ minLength: 1, maxLength: 16 }),
  ).filter((n) => !known.includes(n));
  return fc.tuple(names, fc.jsonValue({ maxDepth: 3 })).map(([name, value]) => {
    const body = withOwnKey((base.parts.body ?? {}) as Record<string, unknown>, name, value);
    return request(withBody(base, body), 'unknown field', JSON.stringify(name), shapeCode(base.route));
  });
}

function missingFieldAttacks(base: Base): fc.Arbitrary<Hostile> | null {
  const required = base.route.bodyRequired.filter((f) => base.parts.body !== undefined && Object.hasOwn(base.parts.body as object, f));
  if (required.length === 0 || base.route.operationId === 'putSettings') return null;
  return fc.constantFrom(...required).map((field) => request(withBody(base, setAt(base.parts.body, [field], REMOVE)), 'missing field', field, 'VALIDATION_FAILED'));
}

function fieldAttacks(base: Base): fc.Arbitrary<Hostile> | null {
  const op = base.route.operationId;
  if (op === 'putSettings') {
    return badSettings.map(([label, doc]) => request(withBody(base, doc), 'settings', label, 'any4xx'));
  }
  const known = FIELDS[op];
  if (known) {
    return fc.constantFrom(...known).chain(([path, kind]) =>
      FIELD_VALUES[kind].map((value) => request(withBody(base, setAt(base.parts.body, path, value)), `field: ${kind}`, `${path.join('.')} = ${toJson(value).slice(0, 60)}`, 'any4xx')),
    );
  }
  if (Object.hasOwn(KNOWN_REQUESTS, op)) return null; // known, and takes no fields
  const generic = schemaFieldAttacks(base.route);
  if (generic.length === 0) return null;
  return fc.oneof(...generic).map(([label, path, value]) => request(withBody(base, setAt(base.parts.body ?? {}, path, value)), 'field: from schema', `${label} = ${toJson(value).slice(0, 60)}`, 'any4xx'));
}

function pathAttacks(base: Base): fc.Arbitrary<Hostile> | null {
  const { route } = base;
  if (route.params.length === 0) return null;
  // Member actions and pool releases name something that must exist; PUT /v1/members/{id} and
  // routes these tests do not know may create it, so they get only malformed ids.
  const references = route.method === 'POST' && (route.path.startsWith('/v1/members/') || route.operationId === 'releasePool');
  const encoded = fc.oneof(
    fc.constantFrom('%00', 'a%01b', '%1F', '%7F', 'a%0Ab', '%ED%A0%80', '%', '%Z', '%E0%A4%A', 'a%2'),
    fc.integer({ min: 129, max: 2_048 }).map((n) => 'p'.repeat(n)),
    fc.integer({ min: 2_049, max: 6_000 }).map((n) => 'p'.repeat(n)),
    references ? unknownId.map((id) => encodeURIComponent(String(id))) : fc.constant('%00'),
  );
  return fc.tuple(fc.constantFrom(...route.params), encoded).map(([param, value]) => {
    const h = request(base, 'path', `${param} = ${value.slice(0, 40)}`, 'any4xx');
    h.url = urlFor(route, base.parts.params, { [param]: value }) + (base.parts.query ? `?${base.parts.query}` : '');
    return h;
  });
}

function methodAttacks(base: Base, routes: readonly RouteInfo[]): fc.Arbitrary<Hostile> {
  const served = new Set(routes.filter((r) => r.path === base.route.path).map((r) => r.method as string));
  const others = ['PATCH', 'DELETE', 'PUT', 'POST'].filter((m) => !served.has(m));
  return fc.constantFrom(...others).map((method) => {
    const h = request(base, 'method', method, 'NOT_FOUND');
    h.method = method;
    return h;
  });
}

/** Batch items that are each refused: the batch answers 200 with a 4xx per item. */
function batchAttacks(base: Base, fixture: Fixture): fc.Arbitrary<Hostile> {
  const paid = KNOWN_REQUESTS.orderPaid!(fixture, 0).body as Record<string, unknown>;
  const item = (over: Record<string, unknown>) => ({ type: 'paid', idempotencyKey: freshKey(), ...paid, ...over });
  const badItem: fc.Arbitrary<unknown> = fc.oneof(
    fc.constantFrom(...ORDER_FIELDS).chain(([path, kind]) => FIELD_VALUES[kind].map((v) => setAt(item({}), path, v))),
    fc.constantFrom<unknown>(1, 'x', null, [], true),
    badId.map((key) => item({ idempotencyKey: key })),
    fc.constant(setAt(item({}), ['idempotencyKey'], REMOVE)),
    fc.constantFrom<unknown>('tick', 'settings', 'member', 'PAID', 'pointsTransfer', 1, null).map((type) => item({ type })),
    fc.constant(setAt(item({}), ['type'], REMOVE)),
    fc.constantFrom(0, 1_772_420_400_000).map((at) => item({ at })),
    fc.tuple(lineUnknownField.filter((n) => !['at', 'type'].includes(n)), fc.jsonValue({ maxDepth: 2 })).map(([name, v]) => withOwnKey(item({}), name, v)),
    fc.constant(item({ type: 'completed', orderId: 'nobody', memberId: undefined, lines: undefined })),
    fc.constant({ type: 'refunded', idempotencyKey: freshKey(), orderId: 'oA2', lineIds: ['l9'] }),
  );
  const items = fc.array(badItem, { minLength: 1, maxLength: 6 }).map((list) =>
    request(withBody(base, { events: list }), 'batch items', `${list.length} bad items`, 'any4xx', { batchItems: true }),
  );
  const whole = fc
    .constantFrom<unknown>([], {}, 'events', null, 1, Array.from({ length: 1_001 }, () => item({})))
    .map((events) => request(withBody(base, { events }), 'batch shape', Array.isArray(events) ? `${events.length} items` : toJson(events), 'VALIDATION_FAILED'));
  return fc.oneof({ arbitrary: items, weight: 4 }, { arbitrary: whole, weight: 1 });
}

/** Query strings and headers that must change nothing in the answer. */
const noise = fc.record({
  query: fc.constantFrom('', 'x=1', 'at=0&memberId=B', '__proto__[polluted]=1', 'constructor[prototype][polluted]=1', 'a=%00'),
  header: fc.constantFrom<[string, string] | null>(null, ['x-forwarded-for', '127.0.0.1'], ['accept', 'text/html'], ['x-http-method-override', 'GET'], ['accept-encoding', 'gzip'], ['x-real-ip', '10.0.0.1']),
});

/** The shop's busiest doors get more of the traffic: orders, batches and settings. */
const ROUTE_WEIGHTS: Readonly<Record<string, number>> = { orderPaid: 4, orderBatch: 3, putSettings: 3, putMember: 2 };

export function hostileRequests(routes: readonly RouteInfo[], fixture: Fixture): fc.Arbitrary<Hostile> {
  const writes = routes.filter((r) => r.method !== 'GET');
  const perRoute = writes.map((route) => {
    const base: Base = { route, parts: validRequest(route, fixture) };
    const families: { arbitrary: fc.Arbitrary<Hostile>; weight: number }[] = [
      { arbitrary: authAttacks(base), weight: 6 },
      { arbitrary: mediaTypeAttacks(base), weight: 3 },
      { arbitrary: malformedJsonAttacks(base), weight: 3 },
      { arbitrary: nonObjectAttacks(base), weight: 2 },
      { arbitrary: oversizeAttacks(base), weight: 1 },
      { arbitrary: deepAttacks(base), weight: 1 },
      { arbitrary: unknownFieldAttacks(base), weight: 4 },
      { arbitrary: methodAttacks(base, routes), weight: 1 },
    ];
    if (route.idempotent) families.push({ arbitrary: keyAttacks(base), weight: 4 });
    const optional: [fc.Arbitrary<Hostile> | null, number][] = [[missingFieldAttacks(base), 2], [fieldAttacks(base), 14], [pathAttacks(base), 3]];
    for (const [arbitrary, weight] of optional) if (arbitrary) families.push({ arbitrary, weight });
    if (route.operationId === 'orderBatch') families.push({ arbitrary: batchAttacks(base, fixture), weight: 14 });
    return { arbitrary: fc.oneof(...families), weight: ROUTE_WEIGHTS[route.operationId] ?? 1 };
  });
  return fc.tuple(fc.oneof(...perRoute), noise).map(([h, n]) => {
    const headers = { ...h.headers, ...(n.header && { [n.header[0]]: n.header[1] }) };
    const url = n.query === '' ? h.url : `${h.url}${h.url.includes('?') ? '&' : '?'}${n.query}`;
    return { ...h, headers, url, label: n.query || n.header ? `${h.label} (noise: ${[n.query, n.header?.join(': ')].filter(Boolean).join(', ')})` : h.label };
  });
}

/** Null when the answer is what a hostile request must get, else what is wrong with it. */
export function judgeHostile(h: Hostile, status: number, body: string, headers: Record<string, unknown>, table: Readonly<Record<string, number>>): string | null {
  if (status >= 500) return `${status}: ${body.slice(0, 200)}`;
  const check = (s: number, b: unknown, expect: Hostile['expect']): string | null => {
    if (s < 400 || s >= 500) return `status ${s}, not a 4xx: ${JSON.stringify(b).slice(0, 200)}`;
    const { code, message, details } = (b ?? {}) as { code?: unknown; message?: unknown; details?: unknown };
    if (typeof code !== 'string' || !Object.hasOwn(table, code)) return `code ${String(code)} is not in the error table`;
    if (table[code] !== s) return `code ${code} answers ${table[code]}, got ${s}`;
    if (typeof message !== 'string' || typeof details !== 'object' || details === null) return 'not {code, message, details}';
    if (expect !== 'any4xx' && code !== expect) return `expected ${expect}, got ${code}: ${String(message)}`;
    return null;
  };
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return `status ${status}, body not JSON: ${body.slice(0, 100)}`;
  }
  if (status === 401 && !headers['www-authenticate']) return '401 without WWW-Authenticate';
  if (h.batchItems && status === 200) {
    const results = (parsed as { results?: { status: number; body: unknown }[] }).results ?? [];
    for (const [i, r] of results.entries()) {
      const problem = check(r.status, r.body, 'any4xx');
      if (problem) return `batch item ${i}: ${problem}`;
    }
    return results.length > 0 ? null : 'a batch answered 200 without results';
  }
  return check(status, parsed, h.expect);
}

/** Sends one hostile request. */
export function sendHostile(shop: Shop, h: Hostile) {
  return shop.app.inject({
    method: h.method as 'POST',
    url: h.url,
    headers: h.headers as Record<string, string>,
    ...(h.payload !== undefined && { payload: h.payload }),
  });
}
