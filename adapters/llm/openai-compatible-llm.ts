import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { ErrorCodes, SmolError } from '../../core/errors.js';
import type { LlmChatChunk, LlmChatRequest, LlmChatResult, LlmMessage, LlmModelInfo, LlmPort, LlmToolCall } from '../../core/llm/llm-port.js';
import { timeoutFetch, transportError, withRetry, type RetryPolicy } from './retry.js';
import { toolArguments } from './ollama-llm.js';

export interface OpenAiCompatibleOptions {
  /** Base URL including /v1, e.g. http://127.0.0.1:8000/v1 */
  readonly baseUrl: string;
  readonly model: string;
  readonly apiKey?: string;
  readonly timeoutMs: number;
  readonly retry: RetryPolicy;
  readonly fetch?: typeof fetch;
}

const WireToolCall = z.object({ id: z.string().optional(), type: z.string().optional(), function: z.object({ name: z.string().min(1), arguments: z.string().default('') }) });
const WireCompletion = z.object({
  model: z.string().optional(),
  choices: z.array(z.object({ message: z.object({ content: z.string().nullish(), tool_calls: z.array(WireToolCall).nullish() }), finish_reason: z.string().nullish() })).min(1),
  usage: z.object({ prompt_tokens: z.number(), completion_tokens: z.number() }).nullish(),
});
const WireChunk = z.object({
  model: z.string().optional(),
  choices: z.array(z.object({
    delta: z.object({
      content: z.string().nullish(),
      tool_calls: z.array(z.object({ index: z.number().int(), id: z.string().optional(), function: z.object({ name: z.string().optional(), arguments: z.string().optional() }).optional() })).nullish(),
    }).default({}),
    finish_reason: z.string().nullish(),
  })).default([]),
  usage: z.object({ prompt_tokens: z.number(), completion_tokens: z.number() }).nullish(),
});

/** The LLM port over an OpenAI-compatible /v1/chat/completions (llama.cpp server, LM Studio, vLLM, or another Smollama node). */
export class OpenAiCompatibleLlm implements LlmPort {
  readonly provider = 'openai-compatible';
  readonly model: string;
  private readonly fetch: typeof fetch;
  private readonly timedOut: (err: unknown) => boolean;

  constructor(private readonly options: OpenAiCompatibleOptions) {
    this.model = options.model;
    const f = timeoutFetch(options.fetch ?? fetch, options.timeoutMs);
    this.fetch = f.fetch;
    this.timedOut = f.timedOut;
  }

  async chat(request: LlmChatRequest): Promise<LlmChatResult> {
    const body = this.body(request, false);
    const json = await this.post('chat/completions', body, request.signal, (r) => r.json());
    const parsed = WireCompletion.safeParse(json);
    if (!parsed.success) throw badOutput(parsed.error);
    const choice = parsed.data.choices[0]!;
    const toolCalls = (choice.message.tool_calls ?? []).map((c) => ({ id: c.id ?? newCallId(), name: c.function.name, arguments: toolArguments(c.function.arguments) }));
    return {
      model: parsed.data.model ?? body.model,
      content: choice.message.content ?? '',
      toolCalls,
      doneReason: toolCalls.length ? 'tool_calls' : (choice.finish_reason ?? 'stop'),
      usage: { promptTokens: parsed.data.usage?.prompt_tokens ?? 0, completionTokens: parsed.data.usage?.completion_tokens ?? 0 },
    };
  }

  async *chatStream(request: LlmChatRequest): AsyncIterable<LlmChatChunk> {
    const body = this.body(request, true);
    const res = await this.post('chat/completions', body, request.signal, async (r) => r);
    if (!res.body) throw new SmolError(ErrorCodes.LLM_BAD_OUTPUT, 'openai-compatible: a stream without a body');
    const calls = new Map<number, { id: string; name: string; args: string }>();
    let model = body.model;
    let finish = 'stop';
    let usage = { promptTokens: 0, completionTokens: 0 };
    try {
      for await (const data of sseData(res.body)) {
        if (data === '[DONE]') break;
        let json: unknown;
        try {
          json = JSON.parse(data);
        } catch {
          throw new SmolError(ErrorCodes.LLM_BAD_OUTPUT, `openai-compatible: a stream event is not JSON: ${data.slice(0, 60)}`);
        }
        const parsed = WireChunk.safeParse(json);
        if (!parsed.success) throw badOutput(parsed.error);
        model = parsed.data.model ?? model;
        if (parsed.data.usage) usage = { promptTokens: parsed.data.usage.prompt_tokens, completionTokens: parsed.data.usage.completion_tokens };
        for (const choice of parsed.data.choices) {
          for (const d of choice.delta.tool_calls ?? []) {
            const c = calls.get(d.index) ?? { id: d.id ?? newCallId(), name: '', args: '' };
            if (d.id) c.id = d.id;
            c.name += d.function?.name ?? '';
            c.args += d.function?.arguments ?? '';
            calls.set(d.index, c);
          }
          if (choice.finish_reason) finish = choice.finish_reason;
          if (choice.delta.content) yield { model, contentDelta: choice.delta.content, toolCalls: [], done: false };
        }
      }
    } catch (err) {
      throw transportError(err, 'openai-compatible chat stream', this.timedOut(err), request.signal);
    }
    const toolCalls: LlmToolCall[] = [...calls.entries()].sort((a, b) => a[0] - b[0]).map(([, c]) => ({ id: c.id, name: c.name, arguments: toolArguments(c.args) }));
    yield { model, contentDelta: '', toolCalls, done: true, doneReason: toolCalls.length ? 'tool_calls' : finish, usage };
  }

  async models(): Promise<LlmModelInfo[]> {
    const json = await withRetry(this.options.retry, async () => {
      try {
        const r = await this.fetch(`${this.base()}/models`, { headers: this.headers() });
        if (!r.ok) throw Object.assign(new Error(await r.text()), { status: r.status });
        return (await r.json()) as { data?: Array<{ id: string; created?: number }> };
      } catch (err) {
        throw transportError(err, 'openai-compatible models', this.timedOut(err));
      }
    });
    return (json.data ?? []).map((m) => ({ name: m.id, ...(m.created ? { modifiedAt: new Date(m.created * 1000).toISOString() } : {}) }));
  }

  private base(): string {
    return this.options.baseUrl.replace(/\/+$/, '');
  }

  private headers(): Record<string, string> {
    return { 'content-type': 'application/json', ...(this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {}) };
  }

  private async post<T>(path: string, body: unknown, signal: AbortSignal | undefined, read: (r: Response) => Promise<T>): Promise<T> {
    return withRetry(this.options.retry, async () => {
      try {
        const r = await this.fetch(`${this.base()}/${path}`, { method: 'POST', headers: this.headers(), body: JSON.stringify(body), ...(signal ? { signal } : {}) });
        if (!r.ok) throw Object.assign(new Error((await r.text()).slice(0, 300)), { status: r.status });
        return await read(r);
      } catch (err) {
        throw transportError(err, `openai-compatible ${path}`, this.timedOut(err), signal);
      }
    });
  }

  private body(r: LlmChatRequest, stream: boolean) {
    return {
      model: r.model ?? this.model,
      messages: r.messages.map(toWire),
      stream,
      ...(stream ? { stream_options: { include_usage: true } } : {}),
      ...(r.tools?.length ? { tools: r.tools.map((t) => ({ type: 'function', function: { name: t.name, description: t.description, parameters: t.parameters } })) } : {}),
      ...(r.toolChoice && r.tools?.length ? { tool_choice: typeof r.toolChoice === 'string' ? r.toolChoice : { type: 'function', function: { name: r.toolChoice.name } } } : {}),
      ...(r.format === 'json' ? { response_format: { type: 'json_object' } } : {}),
      ...(r.format && r.format !== 'json' ? { response_format: { type: 'json_schema', json_schema: { name: r.formatName ?? 'answer', schema: r.format, strict: r.formatStrict ?? true } } } : {}),
      ...(r.temperature !== undefined ? { temperature: r.temperature } : {}),
      ...(r.maxTokens !== undefined ? { max_tokens: r.maxTokens } : {}),
      ...(r.topP !== undefined ? { top_p: r.topP } : {}),
      ...(r.stop?.length ? { stop: [...r.stop] } : {}),
      ...(r.seed !== undefined ? { seed: r.seed } : {}),
    };
  }
}

function toWire(m: LlmMessage): Record<string, unknown> {
  if (m.role === 'tool') return { role: 'tool', tool_call_id: m.toolCallId ?? '', content: m.content };
  if (m.role === 'assistant' && m.toolCalls?.length) {
    return { role: 'assistant', content: m.content || null, tool_calls: m.toolCalls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: JSON.stringify(c.arguments) } })) };
  }
  // Images go on as OpenAI content parts (a data: URL each, with the client's detail hint).
  if (m.images?.length) {
    return {
      role: m.role,
      content: [
        ...(m.content ? [{ type: 'text', text: m.content }] : []),
        ...m.images.map((i) => ({ type: 'image_url', image_url: { url: `data:${i.mediaType};base64,${i.base64}`, ...(i.detail ? { detail: i.detail } : {}) } })),
      ],
    };
  }
  return { role: m.role, content: m.content };
}

function newCallId(): string {
  return `call_${randomUUID().replaceAll('-', '').slice(0, 24)}`;
}

function badOutput(error: z.ZodError): SmolError {
  const issue = error.issues[0];
  return new SmolError(ErrorCodes.LLM_BAD_OUTPUT, `openai-compatible: unexpected answer at ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
}

/** The `data:` payloads of a server-sent event stream. */
async function* sseData(body: ReadableStream<Uint8Array>): AsyncIterable<string> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let cut: number;
    while ((cut = buffer.indexOf('\n\n')) >= 0) {
      const event = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const data = event.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trimStart()).join('\n');
      if (data) yield data;
    }
  }
}
