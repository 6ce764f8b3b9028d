import { randomUUID } from 'node:crypto';
import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ErrorCodes, SmolError, isSmolError, type ErrorCode } from '../../../core/errors.js';
import type { Agent, AgentAnswer } from '../../../core/agent/agent.js';
import type { Embedder } from '../../../core/embeddings/embeddings-port.js';
import { assertEmbeddable } from '../../../core/embeddings/embeddable.js';
import type { LlmMessage, LlmPort, LlmToolSpec } from '../../../core/llm/llm-port.js';
import { READ_ONLY_TOOLS } from '../../../core/tools/read-only.js';
import { requireScope } from '../auth/guard.js';
import { abortWhenClientGone } from '../client-gone.js';

/** What the OpenAI-compatible API needs: the agent (chat goes through it), the model, the embedder. */
export interface OpenAiRouteDeps {
  readonly agent: Agent;
  readonly llm: LlmPort;
  readonly embedder: Embedder;
  /** An embedder for a named model (e.g. the offline one), if the node has it. */
  readonly embedderFor?: (model: string) => Embedder | undefined;
  readonly now?: () => number;
}

const Content = z.union([
  z.string(),
  z.null(),
  z.array(z.object({ type: z.string(), text: z.string().optional() }).passthrough()),
]);
const Message = z
  .object({
    role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
    content: Content.optional(),
    name: z.string().optional(),
    tool_call_id: z.string().optional(),
    tool_calls: z.array(z.object({ id: z.string(), type: z.literal('function').default('function'), function: z.object({ name: z.string(), arguments: z.string() }) })).optional(),
  })
  .passthrough();
const ChatBody = z
  .object({
    model: z.string().optional(),
    messages: z.array(Message).min(1),
    stream: z.boolean().optional(),
    stream_options: z.object({ include_usage: z.boolean().optional() }).passthrough().nullish(),
    tools: z.array(z.object({ type: z.literal('function'), function: z.object({ name: z.string().min(1), description: z.string().optional(), parameters: z.record(z.string(), z.unknown()).optional() }) })).optional(),
    temperature: z.number().min(0).max(2).nullish(),
    max_tokens: z.number().int().positive().nullish(),
    max_completion_tokens: z.number().int().positive().nullish(),
    n: z.number().int().min(1).max(1).nullish(),
  })
  .passthrough();
const EmbedBody = z
  .object({
    input: z.union([z.string(), z.array(z.string()).min(1).max(256)]),
    model: z.string().optional(),
    encoding_format: z.enum(['float', 'base64']).optional(),
    dimensions: z.number().int().positive().optional(),
  })
  .passthrough();

/** The OpenAI error envelope: `{ error: { message, type, param, code } }`. */
function openAiError(reply: FastifyReply, status: number, code: string, message: string, param: string | null = null) {
  const type = status === 401 ? 'authentication_error' : status === 403 ? 'permission_error' : status === 404 ? 'not_found_error' : status < 500 ? 'invalid_request_error' : 'api_error';
  return reply.status(status).send({ error: { message, type, param, code } });
}

const STATUS: Partial<Record<ErrorCode, number>> = {
  SMOL_BAD_REQUEST: 400, SMOL_AUTH_REQUIRED: 401, SMOL_AUTH_INVALID: 401, SMOL_FORBIDDEN: 403, SMOL_NOT_FOUND: 404,
  SMOL_LLM_UNREACHABLE: 503, SMOL_LLM_TIMEOUT: 504, SMOL_LLM_BAD_OUTPUT: 502, SMOL_EMBEDDING_FAILED: 502, SMOL_LLM_ABORTED: 499,
  SMOL_EMBEDDING_INPUT_EMPTY: 400, SMOL_BODY_TOO_LARGE: 413, SMOL_HTTP_BUSY: 503,
};

function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const r = schema.safeParse(value ?? {});
  if (r.success) return r.data;
  const i = r.error.issues[0]!;
  throw new SmolError(ErrorCodes.BAD_REQUEST, `${i.path.join('.') || 'body'}: ${i.message}`, { details: { param: i.path.join('.') } });
}

function text(content: z.infer<typeof Content> | undefined): string {
  if (content == null) return '';
  if (typeof content === 'string') return content;
  return content.map((p) => (p.type === 'text' ? (p.text ?? '') : '')).join('');
}

/** The conversation in the agent's terms: history, and the question (the last user message; empty after tool results). */
function conversation(messages: z.infer<typeof Message>[]): { history: LlmMessage[]; question: string } {
  const names = new Map<string, string>();
  const out: LlmMessage[] = messages.map((m) => {
    if (m.role === 'assistant') {
      const toolCalls = (m.tool_calls ?? []).map((c) => {
        names.set(c.id, c.function.name);
        let args: Record<string, unknown> = {};
        try {
          const v: unknown = JSON.parse(c.function.arguments || '{}');
          if (v && typeof v === 'object' && !Array.isArray(v)) args = v as Record<string, unknown>;
        } catch {
          /* keep {} — the client's own history */
        }
        return { id: c.id, name: c.function.name, arguments: args };
      });
      return { role: 'assistant', content: text(m.content), ...(toolCalls.length ? { toolCalls } : {}) };
    }
    if (m.role === 'tool') return { role: 'tool', content: text(m.content), ...(m.tool_call_id ? { toolCallId: m.tool_call_id, toolName: names.get(m.tool_call_id) ?? m.name ?? '' } : {}) };
    return { role: m.role === 'developer' ? 'system' : m.role, content: text(m.content) };
  });
  const last = out.at(-1)!;
  return last.role === 'user' ? { history: out.slice(0, -1), question: last.content } : { history: out, question: '' };
}

/**
 * OpenAI-compatible API: GET /v1/models, POST /v1/chat/completions (plain and SSE streaming, tool
 * calls), POST /v1/embeddings. Chat goes through the agent, so the node's own tools answer; tools the
 * client sends are offered too, and calls to them come back as `tool_calls` for the client to run.
 * A read-only token gets the read-only tools. Errors use OpenAI's envelope, with our code as `code`.
 */
export const openaiRoutes: FastifyPluginAsync<{ deps: { readonly openai?: OpenAiRouteDeps } }> = async (app, { deps }) => {
  const api = deps.openai;
  if (!api) return;
  const now = () => Math.floor((api.now ?? Date.now)() / 1000);

  app.setErrorHandler((error: FastifyError | Error, request, reply) => {
    if (isSmolError(error)) {
      const status = STATUS[error.code] ?? 500;
      if (status >= 500) request.log.error({ err: error }, 'v1 request failed');
      return openAiError(reply, status, error.code, error.message, (error.details?.['param'] as string | undefined) ?? null);
    }
    const status = (error as FastifyError).statusCode;
    if (status !== undefined && status >= 400 && status < 500) return openAiError(reply, status, status === 413 ? ErrorCodes.BODY_TOO_LARGE : ErrorCodes.BAD_REQUEST, error.message);
    request.log.error({ err: error }, 'v1 request failed');
    return openAiError(reply, 500, 'SMOL_INTERNAL', 'internal error; see the node log');
  });
  app.addHook('onRequest', requireScope('read'));

  let modelCache: { at: number; names: string[] } | undefined;
  const chatModels = async (): Promise<string[]> => {
    if (modelCache && Date.now() - modelCache.at < 60_000) return modelCache.names;
    let names = [api.llm.model];
    try {
      names = [...new Set([api.llm.model, ...(await api.llm.models()).map((m) => m.name)])];
    } catch {
      /* the model server is down: offer the configured model */
    }
    modelCache = { at: Date.now(), names };
    return names;
  };

  app.get('/v1/models', async () => {
    const names = [...new Set([...(await chatModels()), api.embedder.model])];
    return { object: 'list', data: names.map((id) => ({ id, object: 'model', created: 0, owned_by: 'smollama' })) };
  });

  app.post('/v1/chat/completions', async (request: FastifyRequest, reply: FastifyReply) => {
    const body = parse(ChatBody, request.body);
    const { history, question } = conversation(body.messages);
    // A model the node has is used; anything else (gpt-4o, …) means "the node's model".
    const known = await chatModels();
    const model = body.model && known.includes(body.model) ? body.model : api.llm.model;
    const clientTools: LlmToolSpec[] = (body.tools ?? []).map((t) => ({ name: t.function.name, description: t.function.description ?? '', parameters: t.function.parameters ?? { type: 'object', properties: {} } }));
    const admin = request.access?.scope === 'admin';
    const maxTokens = body.max_completion_tokens ?? body.max_tokens ?? undefined;
    const id = `chatcmpl-${randomUUID().replaceAll('-', '')}`;
    const created = now();
    const signal = abortWhenClientGone(reply);
    const options = {
      via: 'api' as const, history, clientTools, model, signal,
      ...(admin ? {} : { allowTool: (n: string) => READ_ONLY_TOOLS.has(n) }),
      ...(body.temperature != null ? { temperature: body.temperature } : {}),
      ...(maxTokens ? { maxTokens } : {}),
    };
    const toolCalls = (a: AgentAnswer) => a.clientToolCalls.map((c, index) => ({ index, id: c.id, type: 'function' as const, function: { name: c.name, arguments: JSON.stringify(c.arguments) } }));
    const usage = (a: AgentAnswer) => ({ prompt_tokens: a.usage.promptTokens, completion_tokens: a.usage.completionTokens, total_tokens: a.usage.promptTokens + a.usage.completionTokens });

    if (!body.stream) {
      const a = await api.agent.ask(question, options);
      const calls = toolCalls(a).map(({ index: _index, ...c }) => c);
      return {
        id, object: 'chat.completion', created, model: a.model,
        choices: [{ index: 0, message: { role: 'assistant', content: a.answer || (calls.length ? null : ''), ...(calls.length ? { tool_calls: calls } : {}), refusal: null }, finish_reason: a.finishReason, logprobs: null }],
        usage: usage(a),
      };
    }

    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    const send = (o: unknown) => res.write(`data: ${JSON.stringify(o)}\n\n`);
    const chunk = (delta: Record<string, unknown>, finish: string | null, m = model) => send({ id, object: 'chat.completion.chunk', created, model: m, choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }] });
    chunk({ role: 'assistant', content: '' }, null);
    try {
      const a = await api.agent.ask(question, { ...options, onDelta: (d) => chunk({ content: d }, null) });
      const calls = toolCalls(a);
      if (calls.length) chunk({ tool_calls: calls }, null, a.model);
      chunk({}, a.finishReason, a.model);
      if (body.stream_options?.include_usage) send({ id, object: 'chat.completion.chunk', created, model: a.model, choices: [], usage: usage(a) });
    } catch (err) {
      const code = isSmolError(err) ? err.code : 'SMOL_INTERNAL';
      send({ error: { message: (err as Error).message, type: 'api_error', param: null, code } });
    }
    res.end('data: [DONE]\n\n');
  });

  app.post('/v1/embeddings', async (request) => {
    const body = parse(EmbedBody, request.body);
    const input = typeof body.input === 'string' ? [body.input] : body.input;
    assertEmbeddable(input, 'input');
    const embedder = body.model && body.model !== api.embedder.model ? api.embedderFor?.(body.model) : api.embedder;
    if (!embedder) throw new SmolError(ErrorCodes.NOT_FOUND, `model: no embedding model "${body.model}" on this node (have ${api.embedder.model})`, { details: { param: 'model' } });
    const e = await embedder.embed(input);
    if (body.dimensions !== undefined && body.dimensions !== e.dim) {
      throw new SmolError(ErrorCodes.BAD_REQUEST, `dimensions: ${e.model} gives ${e.dim} dimensions, not ${body.dimensions}`, { details: { param: 'dimensions' } });
    }
    const tokens = input.reduce((n, s) => n + Math.ceil(s.length / 4), 0);
    return {
      object: 'list', model: e.model,
      data: e.vectors.map((v, index) => ({
        object: 'embedding', index,
        embedding: body.encoding_format === 'base64' ? Buffer.from(new Float32Array(v).buffer).toString('base64') : v,
      })),
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    };
  });
};
