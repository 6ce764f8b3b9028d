import { ApiError, AUTH_REQUIRED_EVENT } from './api.js';

/** One event of the node's chat stream (POST /api/agent/ask, server-sent events). */
export type ChatStreamEvent =
  | { event: 'start'; data: { model: string; provider?: string } }
  | { event: 'delta'; data: { text: string } }
  | { event: 'tool'; data: ToolStep }
  | { event: 'done'; data: { conversationId: string; answer: string; model: string; toolCalls: number } }
  | { event: 'error'; data: { code: string; message: string; status?: number } };

/** A node tool call the agent made, with its result or error. */
export interface ToolStep {
  id: string;
  name: string;
  arguments: Record<string, unknown>;
  ok: boolean;
  result?: unknown;
  error?: { code: string; message: string };
}

/**
 * Asks the node's agent and calls `onEvent` for each event as it arrives. Throws ApiError when the
 * node refuses the question (bad input, no credentials).
 */
export async function askAgent(
  question: string,
  history: ReadonlyArray<{ role: 'user' | 'assistant'; content: string }>,
  onEvent: (e: ChatStreamEvent) => void,
  signal?: AbortSignal,
): Promise<void> {
  const res = await fetch('/api/agent/ask', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ question, history }),
    ...(signal ? { signal } : {}),
  });
  if (!res.ok || !res.body) {
    const body = (await res.json().catch(() => undefined)) as { error?: { code?: string; message?: string } } | undefined;
    if (res.status === 401) window.dispatchEvent(new CustomEvent(AUTH_REQUIRED_EVENT));
    throw new ApiError(res.status, body?.error?.code ?? 'SMOL_HTTP', body?.error?.message ?? `${res.status} ${res.statusText}`);
  }
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let cut: number;
    while ((cut = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (event && data) onEvent({ event, data: JSON.parse(data) } as ChatStreamEvent);
    }
  }
}
