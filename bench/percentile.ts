/** The p-th percentile of ascending `sorted` (nearest rank, the sample at floor(n·p/100)); NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
}
