import { Ollama } from 'ollama';
import { ErrorCodes, SmolError, isSmolError } from '../../core/errors.js';
import type { Embedder, Embeddings } from '../../core/embeddings/embeddings-port.js';
import { checkEmbeddings } from '../../core/embeddings/vector-codec.js';
import { timeoutFetch, transportError, withRetry, type RetryPolicy } from '../llm/retry.js';

export interface OllamaEmbedderOptions {
  readonly host: string;
  /** Default all-minilm (384 dimensions). */
  readonly model: string;
  readonly keepAlive: string;
  readonly timeoutMs: number;
  readonly retry: RetryPolicy;
  readonly fetch?: typeof fetch;
}

/** Embeddings from Ollama's /api/embed. Throws SMOL_LLM_UNREACHABLE, SMOL_LLM_TIMEOUT, SMOL_EMBEDDING_FAILED. */
export class OllamaEmbedder implements Embedder {
  readonly model: string;
  private readonly client: Ollama;
  private readonly timedOut: (err: unknown) => boolean;

  constructor(private readonly options: OllamaEmbedderOptions) {
    this.model = options.model;
    const f = timeoutFetch(options.fetch ?? fetch, options.timeoutMs);
    this.timedOut = f.timedOut;
    this.client = new Ollama({ host: options.host, fetch: f.fetch });
  }

  async embed(texts: readonly string[]): Promise<Embeddings> {
    if (texts.length === 0) return { model: this.model, dim: 0, vectors: [] };
    const res = await withRetry(this.options.retry, async () => {
      try {
        return await this.client.embed({ model: this.model, input: [...texts], keep_alive: this.options.keepAlive });
      } catch (err) {
        const e = transportError(err, `ollama embed (${this.model})`, this.timedOut(err));
        // The server answered, but not with embeddings (e.g. a chat-only model): that is the embedding failing.
        if (isSmolError(e, ErrorCodes.LLM_UNREACHABLE) && e.details?.['status'] === 400) {
          throw new SmolError(ErrorCodes.EMBEDDING_FAILED, e.message, { cause: err });
        }
        throw e;
      }
    });
    return checkEmbeddings(this.model, (res as { embeddings?: unknown }).embeddings, texts.length);
  }
}
