/** Small statistics helpers shared by the benchmarks in tools/bench. */

/** Nearest-rank percentile (p in 0–100) of a non-empty list. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Median and min–max of repeated measurements, rounded to `digits`. */
export function summary(values: readonly number[], digits = 2): { median: number; min: number; max: number } {
  return {
    median: round(median(values), digits),
    min: round(Math.min(...values), digits),
    max: round(Math.max(...values), digits),
  };
}

export const round = (value: number, digits = 2): number => Number(value.toFixed(digits));

/**
 * Milliseconds since the Unix epoch with sub-millisecond resolution, comparable between processes
 * on the same machine: every process's monotonic clock anchored at its `performance.timeOrigin`.
 */
export const epochMs = (): number => performance.timeOrigin + performance.now();

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => (ms === 0 ? setImmediate(resolve) : setTimeout(resolve, ms)));
