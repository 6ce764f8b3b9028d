import type { Logger } from './logger.js';

/** Keys remembered at most (the oldest is forgotten first): a flood of distinct keys cannot grow memory. */
const MAX_KEYS = 1000;

/**
 * A gate for repeated log lines: the first of a key is written at once; more within `windowMs`
 * are only counted; the first after the window is written with how many were held back
 * (`repeated`). `clear(key)` forgets a key once its problem is over, so its next occurrence is
 * written at once again.
 */
export function repeatLimiter(windowMs = 60_000, now: () => number = Date.now) {
  const seen = new Map<string, { at: number; quiet: number }>();
  const limit = (key: string, write: (repeated: number) => void): void => {
    const t = now();
    const last = seen.get(key);
    if (last && t - last.at < windowMs) {
      last.quiet += 1;
      return;
    }
    seen.delete(key);
    if (seen.size >= MAX_KEYS) seen.delete(seen.keys().next().value as string);
    seen.set(key, { at: t, quiet: 0 });
    write(last?.quiet ?? 0);
  };
  return Object.assign(limit, { clear: (key: string) => void seen.delete(key) });
}

/**
 * Logs `msg` under `key` at most once per `windowMs`, then once per window with a count
 * (`repeated`: lines held back since the last one). For failures that repeat every tick or
 * every reconnect: a sensor that cannot be read, a broker that is down.
 */
export function rateLimitedLog(logger: Logger, windowMs = 60_000, now: () => number = Date.now) {
  const limit = repeatLimiter(windowMs, now);
  const log = (level: 'info' | 'warn' | 'error', key: string, fields: Record<string, unknown>, msg: string): void =>
    limit(key, (repeated) => logger[level]({ ...fields, ...(repeated > 0 ? { repeated } : {}) }, repeated > 0 ? `${msg} (${repeated} more like it since)` : msg));
  return Object.assign(log, { clear: limit.clear });
}
