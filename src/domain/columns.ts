/**
 * Growable typed-array columns. Millions of order lines live in memory at once; as columns they
 * cost a few bytes per field instead of a V8 object each (header, boxed doubles, pointers), and
 * the garbage collector has almost nothing to trace.
 *
 * A column is a list of fixed-size chunks (CHUNK_ROWS = 16,384 rows each) read as
 * `chunks[row >>> CHUNK_BITS][row & CHUNK_MASK]`. Growing appends a chunk and copies nothing:
 * a flat array regrown by a quarter at a time copied every row about four times over its life,
 * and each copy allocated a new buffer outside the V8 heap, whose external-memory accounting
 * triggered full collections (together ~12% of the engine's time at 1M pending entries). Only
 * the first chunk grows by copying, by a quarter at a time up to CHUNK_ROWS, so that a small
 * state (tests make thousands) stays small; unused capacity is then under one chunk per column.
 *
 * One class per element type, so every `get`/`set` sees a single typed-array kind and inlines to
 * two loads and a typed-array access.
 */
type TypedArray = Float64Array | Int32Array | Uint8Array | Uint16Array;
type TypedCtor<T extends TypedArray> = new (length: number) => T;

export const CHUNK_BITS = 14;
export const CHUNK_ROWS = 1 << CHUNK_BITS;
export const CHUNK_MASK = CHUNK_ROWS - 1;

function grow<T extends TypedArray>(column: T, capacity: number): T {
  const next = new (column.constructor as TypedCtor<T>)(capacity);
  next.set(column);
  return next;
}

function nextCapacity(capacity: number, needed: number): number {
  let c = Math.max(capacity, 16);
  while (c < needed) c += Math.max(1024, c >>> 2);
  return c;
}

/** The capacity of chunked columns after `capacity` once a row more is needed. */
export function nextChunkedCapacity(capacity: number): number {
  return capacity < CHUNK_ROWS ? Math.min(CHUNK_ROWS, nextCapacity(capacity, capacity + 1)) : capacity + CHUNK_ROWS;
}

/** Makes room for `capacity` rows: the first chunk regrows while it is small, later chunks are added whole. */
function reserve<T extends TypedArray>(chunks: T[], capacity: number): void {
  const first = chunks[0]!;
  if (capacity <= CHUNK_ROWS) {
    if (capacity > first.length) chunks[0] = grow(first, capacity);
    return;
  }
  if (first.length < CHUNK_ROWS) chunks[0] = grow(first, CHUNK_ROWS);
  const Ctor = first.constructor as TypedCtor<T>;
  while (chunks.length * CHUNK_ROWS < capacity) chunks.push(new Ctor(CHUNK_ROWS));
}

export class Float64Column {
  readonly chunks: Float64Array[] = [new Float64Array(0)];

  get(row: number): number {
    return this.chunks[row >>> CHUNK_BITS]![row & CHUNK_MASK]!;
  }

  set(row: number, value: number): void {
    this.chunks[row >>> CHUNK_BITS]![row & CHUNK_MASK] = value;
  }

  reserve(capacity: number): void {
    reserve(this.chunks, capacity);
  }
}

export class Int32Column {
  readonly chunks: Int32Array[] = [new Int32Array(0)];

  get(row: number): number {
    return this.chunks[row >>> CHUNK_BITS]![row & CHUNK_MASK]!;
  }

  set(row: number, value: number): void {
    this.chunks[row >>> CHUNK_BITS]![row & CHUNK_MASK] = value;
  }

  reserve(capacity: number): void {
    reserve(this.chunks, capacity);
  }
}

export class Uint16Column {
  readonly chunks: Uint16Array[] = [new Uint16Array(0)];

  get(row: number): number {
    return this.chunks[row >>> CHUNK_BITS]![row & CHUNK_MASK]!;
  }

  set(row: number, value: number): void {
    this.chunks[row >>> CHUNK_BITS]![row & CHUNK_MASK] = value;
  }

  reserve(capacity: number): void {
    reserve(this.chunks, capacity);
  }
}

export class Uint8Column {
  readonly chunks: Uint8Array[] = [new Uint8Array(0)];

  get(row: number): number {
    return this.chunks[row >>> CHUNK_BITS]![row & CHUNK_MASK]!;
  }

  set(row: number, value: number): void {
    this.chunks[row >>> CHUNK_BITS]![row & CHUNK_MASK] = value;
  }

  reserve(capacity: number): void {
    reserve(this.chunks, capacity);
  }
}

/** An append-only list of int32 values (e.g. a queue's rows in sequence order), chunked like the columns. */
export class Int32List {
  private values = new Int32Column();
  private capacity = 0;
  length = 0;

  push(value: number): void {
    if (this.length === this.capacity) {
      this.capacity = nextChunkedCapacity(this.capacity);
      this.values.reserve(this.capacity);
    }
    this.values.set(this.length++, value);
  }

  get(index: number): number {
    return this.values.get(index);
  }

  set(index: number, value: number): void {
    this.values.set(index, value);
  }

  clear(): void {
    this.values = new Int32Column();
    this.capacity = 0;
    this.length = 0;
  }

  toArray(): number[] {
    const out = new Array<number>(this.length);
    for (let i = 0; i < this.length; i++) out[i] = this.values.get(i);
    return out;
  }
}
