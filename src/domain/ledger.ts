/**
 * The double-entry ledger (SPEC §6). Every movement of value is one transfer from a debit account
 * to a credit account, in one unit, for a positive integer amount, tagged with what caused it and
 * the event that recorded it. An account's balance in a unit is its credits minus its debits, so
 * the balances of every unit sum to zero by construction: value is only ever moved, never created
 * or destroyed, and `checkConservation` proves it from the raw history.
 *
 * Storage is columnar (one chunked typed-array column per field, columns.ts) because the ledger is
 * append-only, holds millions of transfers, and is written on the hot path: a transfer costs 26
 * bytes and no allocation, growing copies nothing, and scans touch only the columns they need.
 */
import { Float64Column, Int32Column, Uint8Column, nextChunkedCapacity } from './columns.ts';
import { assert } from './errors.ts';

export const UNITS = ['CNY', 'POINTS', 'LOVE', 'COUPON'] as const;
export type Unit = (typeof UNITS)[number];

export const CAUSE_KINDS = ['line', 'entry', 'order', 'event', 'transfer'] as const;
export type CauseKind = (typeof CAUSE_KINDS)[number];

/** A transfer as a plain object, with account names resolved; for reports, tests and export. */
export interface TransferView {
  debit: string;
  credit: string;
  amount: number;
  unit: Unit;
  causeKind: CauseKind;
  causeRef: number;
  eventNo: number;
}

export interface UnitTotals {
  /** The number of transfers in the unit. */
  transfers: number;
  /** The sum of the amounts of those transfers. */
  volume: number;
  /** The sum of all account balances in the unit, which conservation requires to be zero. */
  balanceSum: number;
}

export interface AccountBalance {
  account: string;
  unit: Unit;
  balance: number;
}

const UNIT_COUNT = UNITS.length;
const INT32_MAX = 0x7fffffff;
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

// Switches rather than object lookups: the key varies per call, and a switch over a handful of
// string constants compiles to a few comparisons with no megamorphic property access.
function unitCode(unit: Unit): number {
  switch (unit) {
    case 'CNY':
      return 0;
    case 'POINTS':
      return 1;
    case 'LOVE':
      return 2;
    case 'COUPON':
      return 3;
    default:
      return -1;
  }
}

function causeCode(kind: CauseKind): number {
  switch (kind) {
    case 'line':
      return 0;
    case 'entry':
      return 1;
    case 'order':
      return 2;
    case 'event':
      return 3;
    case 'transfer':
      return 4;
    default:
      return -1;
  }
}

/** A non-negative integer that fits the Int32Array columns. */
function isIndex(x: number): boolean {
  return (x | 0) === x && x >= 0;
}

// Hashing. Two 32-bit lanes with different mixing functions and seeds are combined into a 64-bit
// digest; the lanes are not cryptographic, they only need to make accidental collisions between
// two diverging histories vanishingly unlikely.

function laneA(h: number, k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function laneB(h: number, k: number): number {
  k ^= k >>> 16;
  k = Math.imul(k, 0x7feb352d);
  k ^= k >>> 15;
  k = Math.imul(k, 0x846ca68b);
  h = Math.imul(h ^ k, 0x01000193);
  return (h ^ (h >>> 15)) | 0;
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const SEED_A = 0x2545f491;
const SEED_B = 0x9e3779b9 | 0;

function hex32(x: number): string {
  return (x >>> 0).toString(16).padStart(8, '0');
}

export class Ledger {
  // Interned accounts. Ids are dense and assigned in order of first use, so they index the
  // per-account arrays directly.
  private readonly ids: Map<string, number>;
  private readonly names: string[];
  /** Two hash words per account, computed once at interning so that hashing never rereads names. */
  private nameHashes: Uint32Array;
  /**
   * Balances for account `a` in unit `u` live at index u * accountCapacity + a: unit-major, so the
   * cash balances that every payout touches sit together (8 bytes an account rather than 32), and
   * more of the members' balances stay in the cache.
   */
  private balances: Float64Array;
  /** Running sum of transfer amounts per unit: while it stays below 2^53 every balance is exact. */
  private readonly volumes = new Float64Array(4);
  /** The largest of `volumes`, kept by every transfer: the engine reads it before every event. */
  private volumeMaxFen = 0;
  private accountCapacity: number;

  // Transfer columns; only the first `count` rows are meaningful.
  private readonly debits = new Int32Column();
  private readonly credits = new Int32Column();
  private readonly causeRefs = new Int32Column();
  private readonly eventNos = new Int32Column();
  private readonly amounts = new Float64Column();
  private readonly unitCodes = new Uint8Column();
  private readonly causeCodes = new Uint8Column();
  private capacity = 0;
  private count = 0;

  // The digest is a stream over transfers, so it is resumed from the last computed prefix
  // instead of rescanning the whole history each time; `truncate` rewinds the prefix.
  private hashedUpTo = 0;
  private hashA = SEED_A;
  private hashB = SEED_B;

  constructor(initialCapacity = 1024, initialAccounts = 64) {
    assert(Number.isSafeInteger(initialCapacity) && initialCapacity >= 1, 'Ledger: initialCapacity must be positive');
    assert(Number.isSafeInteger(initialAccounts) && initialAccounts >= 1, 'Ledger: initialAccounts must be positive');
    this.ids = new Map();
    this.names = [];
    this.accountCapacity = initialAccounts;
    this.nameHashes = new Uint32Array(initialAccounts * 2);
    this.balances = new Float64Array(initialAccounts * UNIT_COUNT);
    this.reserveTransfers(initialCapacity);
  }

  /** The number of transfers recorded. */
  get size(): number {
    return this.count;
  }

  /** The number of interned accounts. */
  get accountCount(): number {
    return this.names.length;
  }

  /** The id of the named account, interning the name on first use. Ids are never reused. */
  account(name: string): number {
    const id = this.ids.get(name);
    if (id !== undefined) return id;
    return this.intern(name);
  }

  /** The id of the named account, or undefined if it was never interned; never interns. */
  findAccount(name: string): number | undefined {
    return this.ids.get(name);
  }

  accountName(id: number): string {
    const name = this.names[id];
    assert(name !== undefined, 'Ledger.accountName: unknown account id');
    return name;
  }

  private intern(name: string): number {
    assert(typeof name === 'string' && name.length > 0, 'Ledger.account: name must be a non-empty string');
    const id = this.names.length;
    assert(id < INT32_MAX, 'Ledger.account: too many accounts');
    if (id === this.accountCapacity) this.growAccounts();
    this.names.push(name);
    this.ids.set(name, id);
    let a = SEED_A ^ name.length;
    let b = SEED_B ^ name.length;
    for (let i = 0; i < name.length; i++) {
      const c = name.charCodeAt(i);
      a = laneA(a, c);
      b = laneB(b, c);
    }
    this.nameHashes[2 * id] = fmix32(a);
    this.nameHashes[2 * id + 1] = fmix32(b);
    return id;
  }

  private growAccounts(): void {
    const cap = this.accountCapacity * 2;
    const hashes = new Uint32Array(cap * 2);
    hashes.set(this.nameHashes);
    this.nameHashes = hashes;
    const balances = new Float64Array(cap * UNIT_COUNT);
    const old = this.accountCapacity;
    for (let u = 0; u < UNIT_COUNT; u++) balances.set(this.balances.subarray(u * old, (u + 1) * old), u * cap);
    this.balances = balances;
    this.accountCapacity = cap;
  }

  private reserveTransfers(capacity: number): void {
    this.capacity = capacity;
    this.debits.reserve(capacity);
    this.credits.reserve(capacity);
    this.causeRefs.reserve(capacity);
    this.eventNos.reserve(capacity);
    this.amounts.reserve(capacity);
    this.unitCodes.reserve(capacity);
    this.causeCodes.reserve(capacity);
  }

  /**
   * Moves `amount` of `unit` from `debit` to `credit`. Every argument is the engine's own
   * computation, so a bad one is a bug and fails an assertion instead of being rejected. The
   * assertion messages are constant strings so that the happy path builds no string.
   */
  transfer(
    debit: number,
    credit: number,
    amount: number,
    unit: Unit,
    causeKind: CauseKind,
    causeRef: number,
    eventNo: number,
  ): void {
    assert(Number.isSafeInteger(amount) && amount > 0, 'Ledger.transfer: amount must be a positive safe integer');
    assert(debit !== credit, 'Ledger.transfer: debit and credit must differ');
    const accounts = this.names.length;
    assert(isIndex(debit) && debit < accounts, 'Ledger.transfer: unknown debit account');
    assert(isIndex(credit) && credit < accounts, 'Ledger.transfer: unknown credit account');
    const u = unitCode(unit);
    assert(u >= 0, 'Ledger.transfer: unknown unit');
    const k = causeCode(causeKind);
    assert(k >= 0, 'Ledger.transfer: unknown cause kind');
    assert(isIndex(causeRef), 'Ledger.transfer: causeRef must be a non-negative 32-bit integer');
    assert(isIndex(eventNo), 'Ledger.transfer: eventNo must be a non-negative 32-bit integer');

    // Balances must stay exact integers; checking before writing keeps the ledger untouched when
    // the assertion fires.
    const bal = this.balances;
    const base = u * this.accountCapacity;
    const di = base + debit;
    const ci = base + credit;
    const newDebit = (bal[di] as number) - amount;
    const newCredit = (bal[ci] as number) + amount;
    assert(newDebit >= -MAX_SAFE && newCredit <= MAX_SAFE, 'Ledger.transfer: balance leaves the safe integer range');

    const i = this.count;
    if (i === this.capacity) this.reserveTransfers(nextChunkedCapacity(this.capacity));
    this.debits.set(i, debit);
    this.credits.set(i, credit);
    this.amounts.set(i, amount);
    this.unitCodes.set(i, u);
    this.causeCodes.set(i, k);
    this.causeRefs.set(i, causeRef);
    this.eventNos.set(i, eventNo);
    this.count = i + 1;
    bal[di] = newDebit;
    bal[ci] = newCredit;
    const volume = this.volumes[u]! + amount;
    this.volumes[u] = volume;
    if (volume > this.volumeMaxFen) this.volumeMaxFen = volume;
  }

  /** Credits minus debits of `account` in `unit`. */
  balance(account: number, unit: Unit): number {
    assert(isIndex(account) && account < this.names.length, 'Ledger.balance: unknown account');
    const u = unitCode(unit);
    assert(u >= 0, 'Ledger.balance: unknown unit');
    return this.balances[u * this.accountCapacity + account] as number;
  }

  /** The i-th transfer, 0-based in recording order. */
  get(i: number): TransferView {
    assert(isIndex(i) && i < this.count, 'Ledger.get: index out of range');
    return {
      debit: this.names[this.debits.get(i)] as string,
      credit: this.names[this.credits.get(i)] as string,
      amount: this.amounts.get(i),
      unit: UNITS[this.unitCodes.get(i)] as Unit,
      causeKind: CAUSE_KINDS[this.causeCodes.get(i)] as CauseKind,
      causeRef: this.causeRefs.get(i),
      eventNo: this.eventNos.get(i),
    };
  }

  /** Every transfer in recording order. */
  *entries(): IterableIterator<TransferView> {
    for (let i = 0; i < this.count; i++) yield this.get(i);
  }

  /** The largest running transfer volume over all units (see `volumes`). */
  get volumeMax(): number {
    return this.volumeMaxFen;
  }

  totals(): Record<Unit, UnitTotals> {
    const transfers = [0, 0, 0, 0];
    const volume = [0, 0, 0, 0];
    for (let i = 0; i < this.count; i++) {
      const u = this.unitCodes.get(i);
      transfers[u] = (transfers[u] as number) + 1;
      volume[u] = (volume[u] as number) + this.amounts.get(i);
    }
    const sums = this.balanceSums(this.balances);
    const result = {} as Record<Unit, UnitTotals>;
    for (let u = 0; u < UNIT_COUNT; u++) {
      result[UNITS[u] as Unit] = {
        transfers: transfers[u] as number,
        volume: volume[u] as number,
        balanceSum: sums[u] as number,
      };
    }
    return result;
  }

  private balanceSums(balances: Float64Array): number[] {
    const sums = [0, 0, 0, 0];
    const accounts = this.names.length;
    for (let a = 0; a < accounts; a++) {
      for (let u = 0; u < UNIT_COUNT; u++) {
        sums[u] = (sums[u] as number) + (balances[u * this.accountCapacity + a] as number);
      }
    }
    // Adding zero keeps a sum of zero from being reported as -0.
    return sums.map((s) => s + 0);
  }

  /** Every non-zero balance, ordered by account name (code-unit order) and then by unit. */
  nonZeroBalances(): AccountBalance[] {
    const order: number[] = [];
    for (let a = 0; a < this.names.length; a++) order.push(a);
    const names = this.names;
    order.sort((x, y) => {
      const nx = names[x] as string;
      const ny = names[y] as string;
      return nx < ny ? -1 : nx > ny ? 1 : 0;
    });
    const out: AccountBalance[] = [];
    for (const a of order) {
      for (let u = 0; u < UNIT_COUNT; u++) {
        const balance = this.balances[u * this.accountCapacity + a] as number;
        if (balance !== 0) out.push({ account: names[a] as string, unit: UNITS[u] as Unit, balance });
      }
    }
    return out;
  }

  /**
   * A 16-hex-digit digest of the history: every transfer's fields in order, with accounts
   * identified by name rather than id. Two ledgers that recorded the same transfers therefore
   * hash equal even if they interned their accounts in a different order or interned accounts
   * that were never used, and any difference in any field almost surely changes the digest.
   */
  hash(): string {
    let a = this.hashA;
    let b = this.hashB;
    const nh = this.nameHashes;
    for (let i = this.hashedUpTo; i < this.count; i++) {
      const d = 2 * this.debits.get(i);
      const c = 2 * this.credits.get(i);
      const amount = this.amounts.get(i);
      // Amounts are safe integers, so splitting into two 32-bit halves by arithmetic is exact.
      const lo = amount % 0x1_0000_0000;
      const hi = (amount - lo) / 0x1_0000_0000;
      const tag = this.unitCodes.get(i) | (this.causeCodes.get(i) << 8);
      const ref = this.causeRefs.get(i);
      const ev = this.eventNos.get(i);
      const d0 = nh[d] as number;
      const d1 = nh[d + 1] as number;
      const c0 = nh[c] as number;
      const c1 = nh[c + 1] as number;
      a = laneA(laneA(laneA(laneA(laneA(laneA(laneA(laneA(laneA(a, d0), d1), c0), c1), lo), hi), tag), ref), ev);
      b = laneB(laneB(laneB(laneB(laneB(laneB(laneB(laneB(laneB(b, d1), d0), c1), c0), lo), hi), tag), ref), ev);
    }
    this.hashA = a;
    this.hashB = b;
    this.hashedUpTo = this.count;
    // The count is folded in at the end so that histories of different lengths never share a
    // digest merely because their lane states happened to coincide.
    const n = this.count;
    const nLo = n % 0x1_0000_0000;
    const nHi = (n - nLo) / 0x1_0000_0000;
    return hex32(fmix32(a ^ nLo ^ Math.imul(nHi, 0x9e3779b1))) + hex32(fmix32(b ^ Math.imul(nLo, 0x85ebca6b) ^ nHi));
  }

  private resetHash(): void {
    this.hashedUpTo = 0;
    this.hashA = SEED_A;
    this.hashB = SEED_B;
  }

  /**
   * Replays the raw columns into fresh balances, asserts that they match the running balances
   * exactly and that every unit sums to zero. It is O(transfers + accounts) and meant for tests,
   * audits and startup checks rather than for every event.
   */
  checkConservation(): void {
    const replayed = new Float64Array(this.balances.length);
    for (let i = 0; i < this.count; i++) {
      const u = this.unitCodes.get(i);
      const amount = this.amounts.get(i);
      assert(Number.isSafeInteger(amount) && amount > 0, 'Ledger.checkConservation: stored amount is not positive');
      const di = u * this.accountCapacity + this.debits.get(i);
      const ci = u * this.accountCapacity + this.credits.get(i);
      replayed[di] = (replayed[di] as number) - amount;
      replayed[ci] = (replayed[ci] as number) + amount;
    }
    for (let j = 0; j < replayed.length; j++) {
      assert(replayed[j] === this.balances[j], 'Ledger.checkConservation: running balance differs from replay');
    }
    const sums = this.balanceSums(replayed);
    for (let u = 0; u < UNIT_COUNT; u++) {
      assert(sums[u] === 0, 'Ledger.checkConservation: balances of a unit do not sum to zero');
    }
  }

  /**
   * Rolls back to the first `size` transfers, undoing the balance changes of the later ones in
   * reverse order; used to undo an event that failed halfway. Balances are integers well inside
   * the safe range, so subtraction restores them exactly (and x - x is +0, never -0). Accounts
   * interned since stay interned with zero balances, which leaves the digest unaffected.
   */
  truncate(size: number): void {
    assert(isIndex(size) && size <= this.count, 'Ledger.truncate: size must be between 0 and the current size');
    const bal = this.balances;
    for (let i = this.count - 1; i >= size; i--) {
      const u = this.unitCodes.get(i);
      const amount = this.amounts.get(i);
      const di = u * this.accountCapacity + this.debits.get(i);
      const ci = u * this.accountCapacity + this.credits.get(i);
      bal[di] = (bal[di] as number) + amount;
      bal[ci] = (bal[ci] as number) - amount;
      this.volumes[u]! -= amount;
    }
    this.count = size;
    this.volumeMaxFen = Math.max(...this.volumes);
    // A digest prefix that reached into the removed transfers is no longer a prefix of the history.
    if (this.hashedUpTo > size) this.resetHash();
  }

  /** An independent deep copy. */
  clone(): Ledger {
    const copy = new Ledger(this.capacity, this.accountCapacity);
    for (const name of this.names) copy.intern(name);
    copy.balances.set(this.balances);
    copy.volumes.set(this.volumes);
    copy.volumeMaxFen = this.volumeMaxFen;
    for (let i = 0; i < this.count; i++) {
      copy.debits.set(i, this.debits.get(i));
      copy.credits.set(i, this.credits.get(i));
      copy.causeRefs.set(i, this.causeRefs.get(i));
      copy.eventNos.set(i, this.eventNos.get(i));
      copy.amounts.set(i, this.amounts.get(i));
      copy.unitCodes.set(i, this.unitCodes.get(i));
      copy.causeCodes.set(i, this.causeCodes.get(i));
    }
    copy.count = this.count;
    copy.hashedUpTo = this.hashedUpTo;
    copy.hashA = this.hashA;
    copy.hashB = this.hashB;
    return copy;
  }
}
