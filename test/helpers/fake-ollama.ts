import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NgramEmbedder } from '../../core/embeddings/ngram-embedder.js';

/**
 * A scripted server that speaks Ollama's HTTP protocol on 127.0.0.1, so tests drive the real
 * `ollama` client: /api/chat (tools, structured `format`, NDJSON streaming), /api/embed,
 * /api/tags, /api/show, /api/pull (streamed progress), /api/version. It runs no model: each chat
 * answer is the next scripted reply, and a pull only adds the name to the installed models.
 */

export interface ScriptedToolCall {
  readonly name: string;
  /** An object, or a string (some models send JSON text) — sent as given. */
  readonly arguments: Record<string, unknown> | string;
}

export interface ScriptedReply {
  readonly content?: string;
  readonly toolCalls?: readonly ScriptedToolCall[];
  /** Answer with this HTTP status and `{error}` instead. */
  readonly status?: number;
  readonly error?: string;
  /** Wait before answering (ms). */
  readonly delayMs?: number;
  /** Send this body verbatim (non-streaming) to test validation of odd answers. */
  readonly raw?: unknown;
  readonly promptTokens?: number;
  readonly evalTokens?: number;
  /** Streaming: characters per content chunk (default 4). */
  readonly chunkSize?: number;
}

/** What the client sent to /api/chat. */
export interface WireChatRequest {
  model: string;
  messages: Array<{ role: string; content: string; tool_calls?: Array<{ function: { name: string; arguments: unknown } }>; tool_name?: string; images?: string[] }>;
  tools?: Array<{ type: string; function: { name: string; description?: string; parameters?: unknown } }>;
  format?: unknown;
  stream?: boolean;
  keep_alive?: string | number;
  options?: Record<string, unknown>;
}

export type ChatHandler = (request: WireChatRequest, index: number) => ScriptedReply | Promise<ScriptedReply>;

export interface FakeOllamaOptions {
  /** Installed models; a chat or embed for any other is a 404, as in Ollama. */
  readonly models?: readonly string[];
  readonly chat?: ChatHandler;
  /** Embedding function (default: the offline n-gram embedder at 384 dimensions). */
  readonly embed?: (texts: string[], model: string) => number[][] | Promise<number[][]>;
  readonly version?: string;
  /** Models a pull can fetch (default: any name); others fail as Ollama's registry does. */
  readonly pullable?: readonly string[];
  /** Layer size a pull reports, in bytes, and in how many progress steps (default 10 MB in 10). */
  readonly pullBytes?: number;
  readonly pullSteps?: number;
  /**
   * /api/show's `capabilities` per model (default ['completion', 'tools']); null = an older Ollama
   * that sends none. A chat offering tools to a model without 'tools' is refused, as Ollama does.
   */
  readonly capabilities?: Readonly<Record<string, readonly string[] | null>>;
  /** /api/show's `details.families` per model (default ['test']): older Ollama names a vision projector there (clip, mllama). */
  readonly families?: Readonly<Record<string, readonly string[]>>;
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly body: unknown;
}

export class FakeOllama {
  readonly requests: RecordedRequest[] = [];
  private readonly queue: Array<ScriptedReply | ChatHandler> = [];
  private chatCount = 0;
  private failures: Array<{ status: number; error: string }> = [];
  private readonly sockets = new Set<import('node:net').Socket>();
  /** Models added by /api/pull. */
  private readonly pulled: string[] = [];

  private constructor(
    private readonly server: Server,
    private readonly options: FakeOllamaOptions,
  ) {
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  static async start(options: FakeOllamaOptions = {}): Promise<FakeOllama> {
    let fake: FakeOllama | undefined;
    const server = createServer((req, res) => void fake!.handle(req, res));
    fake = new FakeOllama(server, options);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  get models(): readonly string[] {
    return [...(this.options.models ?? ['qwen2.5:1.5b', 'all-minilm']), ...this.pulled];
  }

  /** Queues chat answers (replies or handlers), used in order before `options.chat`. */
  script(...replies: Array<ScriptedReply | ChatHandler>): this {
    this.queue.push(...replies);
    return this;
  }

  /** The next `count` requests of any kind fail with `status`. */
  failNext(count: number, status = 503, error = 'server busy'): this {
    for (let i = 0; i < count; i++) this.failures.push({ status, error });
    return this;
  }

  /** Bodies of the /api/chat requests so far. */
  chatRequests(): WireChatRequest[] {
    return this.requests.filter((r) => r.path === '/api/chat').map((r) => r.body as WireChatRequest);
  }

  pending(): number {
    return this.queue.length;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const text = Buffer.concat(chunks).toString('utf8');
      const body: unknown = text ? JSON.parse(text) : undefined;
      const path = (req.url ?? '/').split('?')[0]!;
      this.requests.push({ method: req.method ?? 'GET', path, body });
      const fail = this.failures.shift();
      if (fail) return json(res, fail.status, { error: fail.error });
      if (req.method === 'GET' && path === '/api/version') return json(res, 200, { version: this.options.version ?? '0.9.0' });
      if (req.method === 'GET' && path === '/api/tags') return json(res, 200, { models: this.models.map(modelEntry) });
      if (req.method === 'POST' && path === '/api/show') return this.show(res, body as { model?: string; name?: string });
      if (req.method === 'POST' && path === '/api/pull') return await this.pull(res, body as { model?: string; name?: string; stream?: boolean });
      if (req.method === 'POST' && path === '/api/embed') return await this.embed(res, body as { model: string; input: string | string[] });
      if (req.method === 'POST' && path === '/api/chat') return await this.chat(res, body as WireChatRequest);
      json(res, 404, { error: `404 page not found` });
    } catch (err) {
      if (!res.headersSent) json(res, 500, { error: String(err) });
      else res.destroy();
    }
  }

  private show(res: ServerResponse, body: { model?: string; name?: string }): void {
    const name = body.model ?? body.name ?? '';
    if (!this.hasModel(name)) return json(res, 404, { error: `model '${name}' not found` });
    const entry = modelEntry(name);
    const families = this.options.families?.[name];
    const capabilities = this.capabilitiesOf(name);
    json(res, 200, {
      license: '', modelfile: `FROM ${name}`, parameters: '', template: '{{ .Prompt }}', details: { ...entry.details, ...(families ? { families } : {}) }, model_info: {},
      ...(capabilities ? { capabilities } : {}), modified_at: entry.modified_at,
    });
  }

  private capabilitiesOf(name: string): readonly string[] | null {
    const caps = this.options.capabilities;
    const own = caps?.[name] !== undefined ? caps[name] : caps?.[name.replace(/:latest$/, '')];
    return own === undefined ? ['completion', 'tools'] : own;
  }

  /** Ollama's pull: NDJSON status lines (manifest, a layer's download in steps, verify, success). */
  private async pull(res: ServerResponse, body: { model?: string; name?: string; stream?: boolean }): Promise<void> {
    const name = body.model ?? body.name ?? '';
    if (this.options.pullable && !this.options.pullable.includes(name)) return json(res, 500, { error: 'pull model manifest: file does not exist' });
    const total = this.options.pullBytes ?? 10_000_000;
    const steps = this.options.pullSteps ?? 10;
    const digest = 'sha256:' + '1'.repeat(64);
    const lines: unknown[] = [{ status: 'pulling manifest' }];
    for (let i = 0; i <= steps; i++) lines.push({ status: `pulling ${digest.slice(7, 19)}`, digest, total, completed: Math.round((total * i) / steps) });
    lines.push({ status: 'verifying sha256 digest' }, { status: 'writing manifest' }, { status: 'success' });
    if (!this.hasModel(name)) this.pulled.push(name);
    if (body.stream === false) return json(res, 200, { status: 'success' });
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    for (const l of lines) {
      res.write(JSON.stringify(l) + '\n');
      await new Promise((r) => setImmediate(r));
    }
    res.end();
  }

  private async embed(res: ServerResponse, body: { model: string; input: string | string[] }): Promise<void> {
    if (!this.hasModel(body.model)) return json(res, 404, { error: `model "${body.model}" not found, try pulling it first` });
    const input = Array.isArray(body.input) ? body.input : [body.input];
    const ngram = new NgramEmbedder(384);
    const embeddings = this.options.embed ? await this.options.embed(input, body.model) : input.map((t) => ngram.embedOne(t));
    json(res, 200, { model: body.model, embeddings, total_duration: 1000, load_duration: 10, prompt_eval_count: input.length * 8 });
  }

  private async chat(res: ServerResponse, body: WireChatRequest): Promise<void> {
    if (!this.hasModel(body.model)) return json(res, 404, { error: `model "${body.model}" not found, try pulling it first` });
    const caps = this.capabilitiesOf(body.model);
    if (body.tools?.length && caps && !caps.includes('tools')) return json(res, 400, { error: `registry.ollama.ai/library/${body.model} does not support tools` });
    const index = this.chatCount++;
    const next = this.queue.shift() ?? this.options.chat;
    if (!next) return json(res, 500, { error: 'fake ollama: no scripted reply left' });
    const reply = typeof next === 'function' ? await next(body, index) : next;
    // The scripted delay is the scenario (a model that is slow to answer), not a wait for anything.
    if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
    if (res.destroyed) return;
    if (reply.status) return json(res, reply.status, { error: reply.error ?? 'scripted failure' });
    if (reply.raw !== undefined) return json(res, 200, reply.raw);
    const created_at = new Date().toISOString();
    const tool_calls = reply.toolCalls?.map((c) => ({ function: { name: c.name, arguments: c.arguments } }));
    const final = {
      model: body.model,
      created_at,
      done: true,
      done_reason: 'stop',
      total_duration: 5_000_000,
      load_duration: 1_000,
      prompt_eval_count: reply.promptTokens ?? 20,
      prompt_eval_duration: 1000,
      eval_count: reply.evalTokens ?? 10,
      eval_duration: 1000,
    };
    if (body.stream === false) {
      return json(res, 200, { ...final, message: { role: 'assistant', content: reply.content ?? '', ...(tool_calls ? { tool_calls } : {}) } });
    }
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    const line = (o: unknown) => res.write(JSON.stringify(o) + '\n');
    const content = reply.content ?? '';
    const size = reply.chunkSize ?? 4;
    for (let i = 0; i < content.length; i += size) {
      line({ model: body.model, created_at, message: { role: 'assistant', content: content.slice(i, i + size) }, done: false });
      await new Promise((r) => setImmediate(r));
    }
    if (tool_calls) line({ model: body.model, created_at, message: { role: 'assistant', content: '', tool_calls }, done: false });
    line({ ...final, message: { role: 'assistant', content: '' } });
    res.end();
  }

  private hasModel(name: string): boolean {
    return this.models.some((m) => m === name || m === `${name}:latest` || `${m}:latest` === name);
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function modelEntry(name: string) {
  return {
    name,
    model: name,
    modified_at: '2025-01-01T00:00:00Z',
    size: 1_000_000,
    digest: 'sha256:' + '0'.repeat(64),
    details: { parent_model: '', format: 'gguf', family: 'test', families: ['test'], parameter_size: '1B', quantization_level: 'Q4_K_M' },
  };
}
