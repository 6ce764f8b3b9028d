import { randomUUID } from 'node:crypto';
import { Ollama, type ChatRequest, type ChatResponse, type Message, type Tool } from 'ollama';
import { z } from 'zod';
import { ErrorCodes, SmolError } from '../../core/errors.js';
import type { LlmCapabilities, LlmChatChunk, LlmChatRequest, LlmChatResult, LlmMessage, LlmModelInfo, LlmPort, LlmToolCall } from '../../core/llm/llm-port.js';
import { timeoutFetch, transportError, withRetry, type RetryPolicy } from './retry.js';

export interface OllamaLlmOptions {
  /** e.g. http://127.0.0.1:11434 */
  readonly host: string;
  readonly model: string;
  /** How long Ollama keeps the model loaded after a call ('10m', '-1' = forever, '0' = unload). */
  readonly keepAlive: string;
  /** Whole-call timeout (ms), streamed body included. */
  readonly timeoutMs: number;
  readonly retry: RetryPolicy;
  /** Context window to ask for (num_ctx); undefined = the model's default. */
  readonly numCtx?: number;
  readonly fetch?: typeof fetch;
  readonly newId?: () => string;
}

// What we rely on in Ollama's answers; anything else is SMOL_LLM_BAD_OUTPUT.
const WireToolCall = z.object({
  function: z.object({ name: z.string().min(1), arguments: z.union([z.record(z.string(), z.unknown()), z.string()]).optional() }),
  id: z.string().optional(),
});
const WireChat = z.object({
  model: z.string().optional(),
  message: z.object({ role: z.string(), content: z.string().default(''), tool_calls: z.array(WireToolCall).nullish() }).optional(),
  done: z.boolean(),
  done_reason: z.string().optional(),
  prompt_eval_count: z.number().optional(),
  eval_count: z.number().optional(),
  error: z.string().optional(),
});

/** The LLM port over Ollama's /api/chat, through the official `ollama` client. */
export class OllamaLlm implements LlmPort {
  readonly provider = 'ollama';
  readonly model: string;
  private readonly client: Ollama;
  private readonly timedOut: (err: unknown) => boolean;
  private readonly timedFetch: typeof fetch;
  private readonly newId: () => string;
  /** What a model can do, by name: asked once (a model's capabilities do not change under its name often enough to ask per call). */
  private readonly caps = new Map<string, Promise<LlmCapabilities>>();

  constructor(private readonly options: OllamaLlmOptions) {
    this.model = options.model;
    const f = timeoutFetch(options.fetch ?? fetch, options.timeoutMs);
    this.timedOut = f.timedOut;
    this.timedFetch = f.fetch;
    this.client = new Ollama({ host: options.host, fetch: f.fetch });
    this.newId = options.newId ?? (() => `call_${randomUUID().replaceAll('-', '').slice(0, 24)}`);
  }

  /** One answer. Throws SMOL_LLM_UNREACHABLE, SMOL_LLM_TIMEOUT, SMOL_LLM_BAD_OUTPUT. */
  async chat(request: LlmChatRequest): Promise<LlmChatResult> {
    const body = this.request(request);
    const client = this.clientFor(request.signal);
    const raw = await withRetry(this.options.retry, async () => {
      try {
        request.signal?.throwIfAborted();
        return await client.chat({ ...body, stream: false });
      } catch (err) {
        throw transportError(err, `ollama chat (${body.model})`, this.timedOut(err), request.signal);
      }
    });
    const res = parseWire(raw);
    const toolCalls = this.toolCalls(res);
    return {
      model: res.model ?? body.model,
      content: res.message?.content ?? '',
      toolCalls,
      doneReason: toolCalls.length > 0 ? 'tool_calls' : (res.done_reason ?? 'stop'),
      usage: { promptTokens: res.prompt_eval_count ?? 0, completionTokens: res.eval_count ?? 0 },
    };
  }

  /** A streamed answer; retried only until the first chunk arrives. */
  async *chatStream(request: LlmChatRequest): AsyncIterable<LlmChatChunk> {
    const body = this.request(request);
    const what = `ollama chat stream (${body.model})`;
    const client = this.clientFor(request.signal);
    const stream = await withRetry(this.options.retry, async () => {
      try {
        request.signal?.throwIfAborted();
        return await client.chat({ ...body, stream: true });
      } catch (err) {
        throw transportError(err, what, this.timedOut(err), request.signal);
      }
    });
    const abort = () => stream.abort();
    request.signal?.addEventListener('abort', abort, { once: true });
    let sawToolCalls = false;
    try {
      for await (const part of stream) {
        const res = parseWire(part as ChatResponse);
        const toolCalls = this.toolCalls(res);
        sawToolCalls ||= toolCalls.length > 0;
        yield {
          model: res.model ?? body.model,
          contentDelta: res.message?.content ?? '',
          toolCalls,
          done: res.done,
          ...(res.done
            ? { doneReason: sawToolCalls ? 'tool_calls' : (res.done_reason ?? 'stop'), usage: { promptTokens: res.prompt_eval_count ?? 0, completionTokens: res.eval_count ?? 0 } }
            : {}),
        };
        if (res.done) return;
      }
    } catch (err) {
      throw transportError(err, what, this.timedOut(err), request.signal);
    } finally {
      request.signal?.removeEventListener('abort', abort);
    }
    throw new SmolError(ErrorCodes.LLM_BAD_OUTPUT, `${what}: the stream ended without a final message`);
  }

  /**
   * The client for one call: the shared one, or with the caller's signal on every fetch, so a call
   * is abandoned when the caller gives up, also before the first byte of the answer.
   */
  private clientFor(signal: AbortSignal | undefined): Ollama {
    if (!signal) return this.client;
    const timed = this.timedFetch;
    return new Ollama({ host: this.options.host, fetch: (input, init) => timed(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, signal]) : signal }) });
  }

  async models(): Promise<LlmModelInfo[]> {
    const list = await withRetry(this.options.retry, async () => {
      try {
        return await this.client.list();
      } catch (err) {
        throw transportError(err, 'ollama list', this.timedOut(err));
      }
    });
    return list.models.map((m) => ({ name: m.name, modifiedAt: new Date(m.modified_at).toISOString(), sizeBytes: m.size }));
  }

  /**
   * What the model can do, from Ollama's /api/show: `capabilities` lists "vision" and "tools"
   * (Ollama 0.6.4+); older servers: a vision model has a projector (`projector_info`, or
   * `clip`/`mllama` among the families), tools unknown. Cached per model. Throws
   * SMOL_LLM_UNREACHABLE (down, or no such model; not cached).
   */
  async capabilities(model: string = this.model): Promise<LlmCapabilities> {
    let known = this.caps.get(model);
    if (!known) {
      known = withRetry(this.options.retry, async () => {
        try {
          return capabilitiesFromShow(await this.client.show({ model }));
        } catch (err) {
          throw transportError(err, `ollama show (${model})`, this.timedOut(err));
        }
      });
      this.caps.set(model, known);
      known.catch(() => this.caps.delete(model));
    }
    return known;
  }

  private request(r: LlmChatRequest): ChatRequest & { model: string } {
    // Ollama's names for the sampling settings (its Modelfile parameters).
    const options: Record<string, number | string[]> = {};
    if (r.temperature !== undefined) options['temperature'] = r.temperature;
    if (r.maxTokens !== undefined) options['num_predict'] = r.maxTokens;
    if (r.topP !== undefined) options['top_p'] = r.topP;
    if (r.stop?.length) options['stop'] = [...r.stop];
    if (r.seed !== undefined) options['seed'] = r.seed;
    if (this.options.numCtx !== undefined) options['num_ctx'] = this.options.numCtx;
    return {
      model: r.model ?? this.model,
      messages: r.messages.map(toWireMessage),
      keep_alive: this.options.keepAlive,
      ...(r.tools?.length ? { tools: r.tools.map((t): Tool => ({ type: 'function', function: { name: t.name, description: t.description, parameters: t.parameters as Tool['function']['parameters'] } })) } : {}),
      ...(r.format ? { format: r.format } : {}),
      ...(Object.keys(options).length ? { options } : {}),
    };
  }

  private toolCalls(res: z.infer<typeof WireChat>): LlmToolCall[] {
    return (res.message?.tool_calls ?? []).map((c) => ({ id: c.id ?? this.newId(), name: c.function.name, arguments: toolArguments(c.function.arguments) }));
  }
}

function parseWire(raw: unknown): z.infer<typeof WireChat> {
  const parsed = WireChat.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new SmolError(ErrorCodes.LLM_BAD_OUTPUT, `ollama chat: unexpected answer at ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
  }
  if (parsed.data.error) throw new SmolError(ErrorCodes.LLM_BAD_OUTPUT, `ollama chat: ${parsed.data.error}`);
  return parsed.data;
}

/** Tool arguments as an object. Some models send a JSON string; one that does not parse is kept raw, so the tool rejects it and the model hears why. */
export function toolArguments(args: Record<string, unknown> | string | undefined): Record<string, unknown> {
  if (args === undefined) return {};
  if (typeof args !== 'string') return args;
  if (args.trim() === '') return {};
  try {
    const v: unknown = JSON.parse(args);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : { _unparsed: args };
  } catch {
    return { _unparsed: args };
  }
}

/** What /api/show says a model can do (see OllamaLlm.capabilities). */
export function capabilitiesFromShow(show: { capabilities?: unknown; details?: { families?: unknown } | null; projector_info?: unknown }): LlmCapabilities {
  if (Array.isArray(show.capabilities)) return { vision: show.capabilities.includes('vision'), tools: show.capabilities.includes('tools') };
  const families = Array.isArray(show.details?.families) ? (show.details.families as unknown[]) : [];
  const projector = show.projector_info != null && typeof show.projector_info === 'object' && Object.keys(show.projector_info).length > 0;
  return { vision: projector || families.includes('clip') || families.includes('mllama') };
}

function toWireMessage(m: LlmMessage): Message {
  const out: Message = { role: m.role, content: m.content };
  // Ollama takes images as base64 strings on the message.
  if (m.images?.length) out.images = m.images.map((i) => i.base64);
  if (m.toolCalls?.length) out.tool_calls = m.toolCalls.map((c) => ({ function: { name: c.name, arguments: c.arguments } }));
  if (m.role === 'tool' && m.toolName) out.tool_name = m.toolName;
  return out;
}
