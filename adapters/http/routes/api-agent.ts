import { z } from 'zod';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCodes, isSmolError } from '../../../core/errors.js';
import type { AgentAnswer, AskOptions } from '../../../core/agent/agent.js';
import { READ_ONLY_TOOLS } from '../../../core/tools/read-only.js';
import type { RouteGroup } from '../app.js';
import { requireScope } from '../auth/guard.js';
import { parseInput } from '../validate.js';
import { abortWhenClientGone } from '../client-gone.js';
import { assertJournalWritable } from '../journal-writable.js';

/** The agent as the dashboard's chat uses it (Agent fits). */
export interface AgentChatPort {
  readonly model: string;
  ask(question: string, options: AskOptions): Promise<AgentAnswer>;
}

const AskBody = z
  .object({
    question: z.string().trim().min(1, 'must not be empty').max(8000),
    /** Earlier turns of this chat, oldest first (the page keeps them; the node keeps nothing but the journal). */
    history: z
      .array(z.object({ role: z.enum(['user', 'assistant']), content: z.string().max(16_000) }).strict())
      .max(40)
      .default([]),
  })
  .strict();

/** Tool results are cut to this many JSON characters for the page (the journal has them whole). */
const MAX_RESULT_CHARS = 2000;

function preview(value: unknown): unknown {
  const json = JSON.stringify(value ?? null);
  return json.length <= MAX_RESULT_CHARS ? value : `${json.slice(0, MAX_RESULT_CHARS)}… (${json.length} characters)`;
}

/**
 * POST /api/agent/ask `{question, history?}` → a server-sent event stream for the dashboard's chat:
 * `start {model, provider?}`, `delta {text}` as the answer is written, `tool {id, name, arguments, ok, result|error}`
 * after each node tool call, then `done {conversationId, answer, model, toolCalls, usage}` or
 * `error {code, message, status?}` (status: the model server's HTTP answer). A read-only caller gets the read-only tools. Closing the request aborts
 * the question. (OpenAI clients use /v1/chat/completions, which does not show the node's tool calls.)
 */
export const apiAgentRoutes: RouteGroup = async (app, { deps }) => {
  const agent = deps.agent;
  if (!agent) return;

  app.post('/api/agent/ask', { onRequest: requireScope('read') }, async (request: FastifyRequest, reply: FastifyReply) => {
    const body = parseInput(AskBody, request.body, 'body');
    assertJournalWritable(deps.journal, true); // the question and its tool calls are journaled
    const admin = request.access?.scope === 'admin';
    const signal = abortWhenClientGone(reply);
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    const send = (event: string, data: unknown) => {
      if (!res.writableEnded) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    // The provider, so the page can say how to fix a model it cannot reach (`ollama pull <model>`).
    send('start', { model: agent.model, ...(deps.openai ? { provider: deps.openai.llm.provider } : {}) });
    try {
      const a = await agent.ask(body.question, {
        via: 'ui',
        history: body.history,
        signal,
        ...(admin ? {} : { allowTool: (n: string) => READ_ONLY_TOOLS.has(n) }),
        onDelta: (text) => send('delta', { text }),
        onToolCall: (call, outcome) =>
          send('tool', { id: call.id, name: call.name, arguments: call.arguments, ok: outcome.ok, ...(outcome.ok ? { result: preview(outcome.result) } : { error: outcome.error }) }),
      });
      send('done', { conversationId: a.conversationId, answer: a.answer, model: a.model, toolCalls: a.toolCalls, usage: a.usage });
    } catch (err) {
      const code = isSmolError(err) ? err.code : ErrorCodes.INTERNAL;
      if (code === ErrorCodes.INTERNAL) request.log.error({ err }, 'agent chat failed');
      // The model server's HTTP status, when it answered (404: the model is not installed).
      const status = isSmolError(err) && typeof err.details?.['status'] === 'number' ? { status: err.details['status'] } : {};
      send('error', { code, message: code === ErrorCodes.INTERNAL ? 'internal error; see the node log' : (err as Error).message, ...status });
    }
    res.end();
  });
};
