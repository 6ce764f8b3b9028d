import type { HistoryPoint } from './types.js';

/** A source is stale once it has been silent for more than this many of its sampling intervals. */
export const STALE_INTERVALS = 3;

/**
 * A source's sampling interval (ms) estimated from its recent buckets: the time they cover over the
 * readings they hold. Undefined with fewer than two readings (nothing to tell it by).
 */
export function estimateIntervalMs(points: HistoryPoint[], bucketMs = 60_000): number | undefined {
  const count = points.reduce((a, p) => a + p.count, 0);
  if (points.length === 0 || count < 2) return undefined;
  const span = points[points.length - 1]!.start + bucketMs - points[0]!.start;
  // Gaps longer than the buckets count as one bucket: a source that paused is not a slow source.
  const covered = Math.min(span, points.length * bucketMs);
  return Math.max(1000, covered / count);
}

/** Since when a value seen at `at` is stale (ms), or undefined while it is fresh. */
export function staleSince(at: number, intervalMs: number | undefined, now: number, nodeDownSince?: number): number | undefined {
  if (nodeDownSince !== undefined) return nodeDownSince;
  if (intervalMs === undefined) return undefined;
  return now - at > STALE_INTERVALS * intervalMs ? at : undefined;
}
