/**
 * One check of `smollama doctor`: what it found, and when it is not ok, what to do about it.
 * `warn` is something to know that does not stop a node (exit 0); `fail` stops one (exit 1).
 */
export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface CheckResult {
  readonly name: string;
  readonly status: CheckStatus;
  readonly message: string;
  /** What to run or change; present on warn and fail. */
  readonly remedy?: string;
  /** The stable SMOL_ code behind a failure, when there is one. */
  readonly code?: string;
}

const RANK: Record<CheckStatus, number> = { ok: 0, warn: 1, fail: 2 };

/** The worst status of a list (ok for none). */
export function worstOf(checks: readonly CheckResult[]): CheckStatus {
  return checks.reduce<CheckStatus>((w, c) => (RANK[c.status] > RANK[w] ? c.status : w), 'ok');
}

export const ok = (name: string, message: string): CheckResult => ({ name, status: 'ok', message });
export const warn = (name: string, message: string, remedy: string, code?: string): CheckResult => ({ name, status: 'warn', message, remedy, ...(code ? { code } : {}) });
export const fail = (name: string, message: string, remedy: string, code?: string): CheckResult => ({ name, status: 'fail', message, remedy, ...(code ? { code } : {}) });

/** A short reason from any thrown value: its message (and errno code), never a stack. */
export function reason(err: unknown): string {
  const e = err as { message?: unknown; code?: unknown; cause?: { code?: unknown; message?: unknown } } | undefined;
  const code = typeof e?.code === 'string' ? e.code : typeof e?.cause?.code === 'string' ? e.cause.code : undefined;
  const message = typeof e?.message === 'string' ? e.message : String(err);
  const cause = typeof e?.cause?.message === 'string' && e.cause.message !== message ? `: ${e.cause.message}` : '';
  return `${message}${cause}${code && !message.includes(code) && !cause.includes(code) ? ` (${code})` : ''}`;
}

/** Runs `work`, turning a throw into a `fail` of `name`, so one broken check never ends the doctor. */
export async function guarded(name: string, work: () => Promise<CheckResult | CheckResult[]>): Promise<CheckResult[]> {
  try {
    const r = await work();
    return Array.isArray(r) ? r : [r];
  } catch (err) {
    const code = typeof (err as { code?: unknown })?.code === 'string' && String((err as { code: string }).code).startsWith('SMOL_') ? (err as { code: string }).code : undefined;
    return [fail(name, `the check itself failed: ${reason(err)}`, 'report this with the output of smollama doctor --json', code)];
  }
}

/** A fetch that gives up after `ms`. */
export function fetchWithin(url: string, ms: number, init: RequestInit = {}): Promise<Response> {
  return fetch(url, { ...init, signal: AbortSignal.timeout(ms) });
}
