/** A failed API call: the HTTP status and the node's stable error code. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Fired on window when the node wants credentials; the shell shows the login form. */
export const AUTH_REQUIRED_EVENT = 'smol-auth-required';

/** Calls the node's JSON API. Throws ApiError with the node's code. */
export async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const res = await fetch(path, {
    method: init.method ?? 'GET',
    credentials: 'same-origin',
    headers: init.body === undefined ? {} : { 'content-type': 'application/json' },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const error = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
    if (res.status === 401) window.dispatchEvent(new CustomEvent(AUTH_REQUIRED_EVENT));
    throw new ApiError(res.status, error?.code ?? 'SMOL_HTTP', error?.message ?? `${res.status} ${res.statusText}`);
  }
  return json as T;
}

/** Query string from an object, skipping undefined and empty values. */
export function query(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
