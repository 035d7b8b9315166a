/**
 * Every integer a SQL store writes is checked to be a safe integer first, so a value past 2^53
 * fails loudly instead of being stored rounded. One check for both stores.
 */
export function checkSafe(value: number, column: string): number {
  if (!Number.isSafeInteger(value)) throw new RangeError(`${column} must be a safe integer, got ${value}`);
  return value;
}
