/**
 * Growable typed-array columns. Millions of order lines live in memory at once; as columns they
 * cost a few bytes per field instead of a V8 object each (header, boxed doubles, pointers), and
 * the garbage collector has almost nothing to trace. Capacity grows by a quarter (at least 1,024
 * rows) at a time: unused capacity stays under a quarter of the used size, and each row is copied
 * about four times over the table's life, a memcpy.
 */
type TypedArray = Float64Array | Int32Array | Uint8Array | Uint16Array;
type TypedCtor<T extends TypedArray> = new (length: number) => T;

export function grow<T extends TypedArray>(column: T, capacity: number): T {
  const next = new (column.constructor as TypedCtor<T>)(capacity);
  next.set(column);
  return next;
}

export function nextCapacity(capacity: number, needed: number): number {
  let c = Math.max(capacity, 16);
  while (c < needed) c += Math.max(1024, c >>> 2);
  return c;
}

/** An append-only list of int32 values (e.g. a queue's rows in sequence order). */
export class Int32List {
  data: Int32Array;
  length = 0;

  constructor(capacity = 16) {
    this.data = new Int32Array(capacity);
  }

  push(value: number): void {
    if (this.length === this.data.length) this.data = grow(this.data, nextCapacity(this.data.length, this.length + 1));
    this.data[this.length++] = value;
  }

  get(index: number): number {
    return this.data[index]!;
  }

  set(index: number, value: number): void {
    this.data[index] = value;
  }

  clear(): void {
    this.data = new Int32Array(16);
    this.length = 0;
  }

  toArray(): number[] {
    return Array.from(this.data.subarray(0, this.length));
  }
}
