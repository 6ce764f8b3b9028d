import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCodes, SmolError, isSmolError } from '../../../core/errors.js';
import type { Agent, AgentAnswer } from '../../../core/agent/agent.js';
import type { Embedder } from '../../../core/embeddings/embeddings-port.js';
import { assertEmbeddable } from '../../../core/embeddings/embeddable.js';
import type { LlmPort } from '../../../core/llm/llm-port.js';
import { READ_ONLY_TOOLS } from '../../../core/tools/read-only.js';
import { requireScope } from '../auth/guard.js';
import { abortWhenClientGone } from '../client-gone.js';
import { openAiError, v1ErrorHandler } from './openai-envelope.js';
import { ChatBody, EmbedBody, clientTools, conversation, modelSettings, parse } from './openai-request.js';

/** What the OpenAI-compatible API needs: the agent (chat goes through it), the model, the embedder. */
export interface OpenAiRouteDeps {
  readonly agent: Agent;
  readonly llm: LlmPort;
  readonly embedder: Embedder;
  /** An embedder for a named model (e.g. the offline one), if the node has it. */
  readonly embedderFor?: (model: string) => Embedder | undefined;
  readonly now?: () => number;
}

/** A model name without Ollama's implied `:latest`, so `all-minilm` and `all-minilm:latest` are one model. */
function modelKey(name: string): string {
  return name.endsWith(':latest') ? name.slice(0, -':latest'.length) : name;
}

/** SMOL_LLM_NO_VISION for `model`, saying which models can see. */
function noVision(model: string): SmolError {
  return new SmolError(ErrorCodes.LLM_NO_VISION, `model: ${model} does not take images; use a vision model (\`ollama pull moondream\`, or llava, gemma3) and name it as the request's model`, { details: { param: 'model' } });
}

/** Names, each model once, in the spelling first seen. */
function distinctModels(names: readonly string[]): string[] {
  const seen = new Map<string, string>();
  for (const n of names) if (!seen.has(modelKey(n))) seen.set(modelKey(n), n);
  return [...seen.values()];
}

/**
 * OpenAI-compatible API: GET /v1/models, GET /v1/models/{id}, POST /v1/chat/completions (plain and
 * SSE streaming, tool calls, tool_choice, response_format, sampling settings, inline images for a
 * vision model: openai-images.ts, docs/vision-llm.md), POST /v1/embeddings.
 * Chat goes through the agent, so the node's own tools answer; tools the client sends are offered
 * too, and calls to them come back as `tool_calls` for the client to run (a client tool may not
 * take a node tool's name: 400). A read-only token gets the read-only tools. Every /v1 answer that
 * is an error — unknown paths, refused credentials, bodies too large — uses OpenAI's envelope, with
 * our code as `code`.
 */
export const openaiRoutes: FastifyPluginAsync<{ deps: { readonly openai?: OpenAiRouteDeps } }> = async (app, { deps }) => {
  const api = deps.openai;
  if (!api) return;
  // Its own prefix, so /v1 gets its own 404 handler (the app's answers in the node's shape).
  await app.register(async (v1) => v1Routes(v1, api), { prefix: '/v1' });
};

async function v1Routes(app: FastifyInstance, api: OpenAiRouteDeps): Promise<void> {
  const now = () => Math.floor((api.now ?? Date.now)() / 1000);
  app.setErrorHandler(v1ErrorHandler);
  app.addHook('onRequest', requireScope('read'));
  app.setNotFoundHandler((request, reply) => openAiError(reply, 404, ErrorCodes.NOT_FOUND, `no route ${request.method} ${request.url.split('?')[0]}`));

  let modelCache: { at: number; names: string[] } | undefined;
  const chatModels = async (): Promise<string[]> => {
    if (modelCache && Date.now() - modelCache.at < 60_000) return modelCache.names;
    let names = [api.llm.model];
    try {
      names = distinctModels([api.llm.model, ...(await api.llm.models()).map((m) => m.name)]);
    } catch {
      /* the model server is down: offer the configured model */
    }
    modelCache = { at: Date.now(), names };
    return names;
  };
  // The configured names first: they are the spelling the node's config and answers use.
  const allModels = async () => distinctModels([api.llm.model, api.embedder.model, ...(await chatModels())]);
  const modelObject = (id: string) => ({ id, object: 'model' as const, created: 0, owned_by: 'smollama' });

  app.get('/models', async () => ({ object: 'list', data: (await allModels()).map(modelObject) }));

  // Ollama names may hold slashes (hf.co/user/model:tag), hence the wildcard.
  app.get('/models/*', async (request) => {
    const id = decodeURIComponent((request.params as { '*': string })['*']);
    const found = (await allModels()).find((m) => modelKey(m) === modelKey(id));
    if (!found) throw new SmolError(ErrorCodes.NOT_FOUND, `model: no model "${id}" on this node (GET /v1/models lists them)`, { details: { param: 'model' } });
    return modelObject(found);
  });

  app.post('/chat/completions', async (request: FastifyRequest, reply: FastifyReply) => {
    const body = parse(ChatBody, request.body);
    const { history, question, images, imageCount } = conversation(body.messages);
    // A model the node has is used; anything else (gpt-4o, …) means "the node's model".
    const known = (await chatModels()).find((m) => body.model !== undefined && modelKey(m) === modelKey(body.model));
    const model = known ?? api.llm.model;
    // Refused before anything is journaled or streamed: a model that cannot see would answer as if no image were there.
    const caps = imageCount > 0 ? await api.llm.capabilities?.(model) : undefined;
    if (caps?.vision === false) throw noVision(model);
    // Most vision models (moondream, llava, gemma3) take no tools, and Ollama refuses a request that offers them.
    const noTools = caps?.tools === false && !body.tools?.length && body.tool_choice == null;
    const admin = request.access?.scope === 'admin';
    const id = `chatcmpl-${randomUUID().replaceAll('-', '')}`;
    const created = now();
    const signal = abortWhenClientGone(reply);
    const options = {
      via: 'api' as const, history, clientTools: clientTools(body), model, signal, ...(images.length ? { images } : {}),
      ...(admin ? {} : { allowTool: (n: string) => READ_ONLY_TOOLS.has(n) }),
      ...modelSettings(body),
      ...(noTools ? { toolChoice: 'none' as const } : {}),
    };
    // Refused here, before a stream has answered 200 (a client tool named like a node tool, an unknown tool_choice).
    api.agent.check(options);
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

  app.post('/embeddings', async (request) => {
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
}
