/**
 * Waits until `predicate` holds, checking every `intervalMs`, and fails with `message` once
 * `timeoutMs` has passed. Tests wait with a deadline, never with a fixed sleep or an unbounded poll.
 */
export interface WaitForOptions {
  /** How long to wait before failing (default 10 s). */
  readonly timeoutMs?: number;
  /** What the failure says was being waited for. */
  readonly message?: string;
  /** Time between checks (default 10 ms). */
  readonly intervalMs?: number;
}

export class WaitTimeoutError extends Error {
  override readonly name = 'WaitTimeoutError';
}

export async function waitFor(predicate: () => boolean | Promise<boolean>, options: WaitForOptions = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const intervalMs = options.intervalMs ?? 10;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await predicate()) return;
    const left = deadline - Date.now();
    if (left <= 0) throw new WaitTimeoutError(`timed out after ${timeoutMs} ms waiting for ${options.message ?? 'a condition'}`);
    await new Promise((resolve) => setTimeout(resolve, Math.min(intervalMs, left)));
  }
}

/** Like waitFor, but resolves with the first non-undefined value `probe` returns. */
export async function waitForValue<T>(probe: () => T | undefined | Promise<T | undefined>, options: WaitForOptions = {}): Promise<T> {
  let value: T | undefined;
  await waitFor(async () => (value = await probe()) !== undefined, options);
  return value as T;
}
