/**
 * The LLM port: a chat model that can call tools and answer against a JSON schema. Adapters
 * (Ollama, an OpenAI-compatible upstream) implement it; core never imports them.
 *
 * Errors: SMOL_LLM_UNREACHABLE (no connection, or the server said the model is missing),
 * SMOL_LLM_TIMEOUT, SMOL_LLM_BAD_OUTPUT (an answer that is not what the protocol promises).
 */

/** A JSON Schema object, as produced by `z.toJSONSchema`. */
export type JsonSchema = Record<string, unknown>;

/** One tool call the model asked for. `id` is ours when the upstream does not give one. */
export interface LlmToolCall {
  readonly id: string;
  readonly name: string;
  readonly arguments: Record<string, unknown>;
}

export type LlmRole = 'system' | 'user' | 'assistant' | 'tool';

/** An image a user message carries (checked at the edge: a JPEG, PNG or WebP whose bytes are these). */
export interface LlmImage {
  readonly mediaType: 'image/jpeg' | 'image/png' | 'image/webp';
  /** The image bytes, base64 (no data: prefix). */
  readonly base64: string;
  /** OpenAI's `detail` hint ('low', 'high', 'auto'), passed on to upstreams that take it. */
  readonly detail?: string;
}

export interface LlmMessage {
  readonly role: LlmRole;
  readonly content: string;
  /** On assistant messages: the tools it called. */
  readonly toolCalls?: readonly LlmToolCall[];
  /** On tool messages: which call this is the result of. */
  readonly toolCallId?: string;
  readonly toolName?: string;
  /** On user messages: images for a vision model (Ollama's `images`, OpenAI's image_url parts). */
  readonly images?: readonly LlmImage[];
}

/** A tool as the model sees it: a name, what it does, and its parameters as JSON Schema. */
export interface LlmToolSpec {
  readonly name: string;
  readonly description: string;
  readonly parameters: JsonSchema;
}

/**
 * How the model may use the tools it is offered (OpenAI's `tool_choice`): 'auto' (its choice),
 * 'none' (answer in text), 'required' (call at least one), or call the named tool.
 */
export type LlmToolChoice = 'auto' | 'none' | 'required' | { readonly name: string };

/** Structured output: 'json' = the answer is a JSON object; a schema = JSON matching it. */
export type LlmFormat = 'json' | JsonSchema;

/** Sampling settings passed to the model as given; absent = the model's defaults. */
export interface LlmSampling {
  readonly temperature?: number;
  readonly maxTokens?: number;
  readonly topP?: number;
  /** Sequences that end the answer (not included in it). */
  readonly stop?: readonly string[];
  /** Same seed, same settings, same prompt: the same answer, where the upstream supports it. */
  readonly seed?: number;
}

export interface LlmChatRequest extends LlmSampling {
  readonly messages: readonly LlmMessage[];
  readonly tools?: readonly LlmToolSpec[];
  /**
   * Ollama has no tool_choice: callers enforce it by what they offer (agent.ts). An
   * OpenAI-compatible upstream gets it as is.
   */
  readonly toolChoice?: LlmToolChoice;
  /** Structured output: the answer's content must be JSON (matching the schema, if one is given). */
  readonly format?: LlmFormat;
  /** The schema's name and strictness, for upstreams that take them (OpenAI's json_schema); default 'answer', strict. */
  readonly formatName?: string;
  readonly formatStrict?: boolean;
  /** Overrides the adapter's configured model. */
  readonly model?: string;
  readonly signal?: AbortSignal;
}

export interface LlmUsage {
  readonly promptTokens: number;
  readonly completionTokens: number;
}

export interface LlmChatResult {
  readonly model: string;
  readonly content: string;
  readonly toolCalls: readonly LlmToolCall[];
  /** 'stop', 'length', 'tool_calls', … as the upstream reports it. */
  readonly doneReason: string;
  readonly usage: LlmUsage;
}

/** A piece of a streamed answer. The last chunk has `done` and the usage. */
export interface LlmChatChunk {
  readonly contentDelta: string;
  /** Tool calls completed in this chunk (Ollama sends each call whole). */
  readonly toolCalls: readonly LlmToolCall[];
  readonly done: boolean;
  readonly model: string;
  readonly doneReason?: string;
  readonly usage?: LlmUsage;
}

export interface LlmModelInfo {
  readonly name: string;
  readonly modifiedAt?: string;
  readonly sizeBytes?: number;
}

/** What a model can do: take images (a vision model), call tools. */
export interface LlmCapabilities {
  readonly vision?: boolean;
  readonly tools?: boolean;
}

/** A chat model. */
export interface LlmPort {
  /** 'ollama', 'openai-compatible', … */
  readonly provider: string;
  /** The model used when a request names none. */
  readonly model: string;
  chat(request: LlmChatRequest): Promise<LlmChatResult>;
  chatStream(request: LlmChatRequest): AsyncIterable<LlmChatChunk>;
  /** Models the upstream has. Throws SMOL_LLM_UNREACHABLE. */
  models(): Promise<LlmModelInfo[]>;
  /**
   * What `model` (default: the configured one) can do, as far as the upstream says; absent (or a
   * field left out) = cannot say, and the upstream decides when asked.
   * Throws SMOL_LLM_UNREACHABLE (also for a model the server does not have).
   */
  capabilities?(model?: string): Promise<LlmCapabilities>;
}
