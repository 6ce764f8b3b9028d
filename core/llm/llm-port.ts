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

export interface LlmMessage {
  readonly role: LlmRole;
  readonly content: string;
  /** On assistant messages: the tools it called. */
  readonly toolCalls?: readonly LlmToolCall[];
  /** On tool messages: which call this is the result of. */
  readonly toolCallId?: string;
  readonly toolName?: string;
}

/** A tool as the model sees it: a name, what it does, and its parameters as JSON Schema. */
export interface LlmToolSpec {
  readonly name: string;
  readonly description: string;
  readonly parameters: JsonSchema;
}

export interface LlmChatRequest {
  readonly messages: readonly LlmMessage[];
  readonly tools?: readonly LlmToolSpec[];
  /** Structured output: the answer's content must be JSON matching this schema. */
  readonly format?: JsonSchema;
  /** Overrides the adapter's configured model. */
  readonly model?: string;
  readonly temperature?: number;
  readonly maxTokens?: number;
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
}
