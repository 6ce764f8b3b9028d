/** How long to wait before the next sync round with a peer. */
export interface BackoffPolicy {
  readonly intervalMs: number;
  readonly maxBackoffMs: number;
}

/**
 * After a success: the interval, ±10 % so peers started together drift apart. After `failures`
 * consecutive failures: interval × 2^failures, capped, with "equal jitter" (half fixed, half random)
 * so a hub that comes back is not hit by every edge at the same instant. `random` is in [0, 1).
 */
export function nextDelay(policy: BackoffPolicy, failures: number, random: number): number {
  if (failures <= 0) return Math.round(policy.intervalMs * (0.9 + 0.2 * random));
  const base = Math.min(policy.maxBackoffMs, policy.intervalMs * 2 ** Math.min(failures, 30));
  return Math.round(base / 2 + (base / 2) * random);
}
