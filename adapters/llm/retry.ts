import { ErrorCodes, SmolError, isSmolError } from '../../core/errors.js';

/** How a transport call is retried: `retries` extra attempts, exponential backoff from `baseMs`, with jitter. */
export interface RetryPolicy {
  readonly retries: number;
  readonly baseMs: number;
  readonly maxMs?: number;
  /** Injected so tests do not wait. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** True for failures worth another attempt: no connection, or the server overloaded or failing. */
export function isRetryable(err: unknown): boolean {
  return isSmolError(err, ErrorCodes.LLM_UNREACHABLE) && err.details?.['retryable'] === true;
}

/** Runs `attempt` until it succeeds, fails with a non-retryable error, or the retries are used up. */
export async function withRetry<T>(policy: RetryPolicy, attempt: (n: number) => Promise<T>): Promise<T> {
  const sleep = policy.sleep ?? realSleep;
  const random = policy.random ?? Math.random;
  for (let n = 0; ; n++) {
    try {
      return await attempt(n);
    } catch (err) {
      if (n >= policy.retries || !isRetryable(err)) throw err;
      const ms = Math.min(policy.maxMs ?? 30_000, policy.baseMs * 2 ** n) * (0.5 + random() / 2);
      await sleep(ms);
    }
  }
}

/**
 * Turns a transport failure into a coded error: the caller's abort → SMOL_LLM_ABORTED (not
 * retried); our timeout → SMOL_LLM_TIMEOUT; refused or reset
 * connections, 5xx and 429 → SMOL_LLM_UNREACHABLE (retryable); other HTTP errors → SMOL_LLM_UNREACHABLE
 * (not retryable: a missing model or a bad request does not get better by asking again).
 */
export function transportError(err: unknown, what: string, timedOut: boolean, signal?: AbortSignal): SmolError {
  if (isSmolError(err)) return err;
  if (signal?.aborted) return new SmolError(ErrorCodes.LLM_ABORTED, `${what}: abandoned by the caller`, { cause: err });
  if (timedOut) return new SmolError(ErrorCodes.LLM_TIMEOUT, `${what}: no answer in time`, { cause: err });
  const status = (err as { status_code?: unknown; status?: unknown })?.status_code ?? (err as { status?: unknown })?.status;
  if (typeof status === 'number') {
    const retryable = status >= 500 || status === 429;
    return new SmolError(ErrorCodes.LLM_UNREACHABLE, `${what}: HTTP ${status}: ${(err as Error).message}`, { cause: err, details: { status, retryable } });
  }
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  const detail = cause?.code ?? cause?.message ?? (err as Error)?.message ?? String(err);
  return new SmolError(ErrorCodes.LLM_UNREACHABLE, `${what}: ${detail}`, { cause: err, details: { retryable: true } });
}

/**
 * A fetch that gives up after `timeoutMs` (for the whole exchange, body included) and also
 * follows the caller's signal. `timedOut()` tells a caught abort apart from the caller's own.
 */
export function timeoutFetch(base: typeof fetch, timeoutMs: number): { fetch: typeof fetch; timedOut: (err: unknown) => boolean } {
  const wrapped: typeof fetch = (input, init) => {
    const timer = AbortSignal.timeout(timeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, timer]) : timer;
    return base(input, { ...init, signal });
  };
  return {
    fetch: wrapped,
    timedOut: (err) => (err as { name?: string })?.name === 'TimeoutError' || ((err as { cause?: { name?: string } })?.cause?.name === 'TimeoutError'),
  };
}
