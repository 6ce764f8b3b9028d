import type { Config } from '../config/schema.js';
import type { LlmPort } from '../../core/llm/llm-port.js';
import type { Embedder } from '../../core/embeddings/embeddings-port.js';
import { FallbackEmbedder } from '../../core/embeddings/fallback-embedder.js';
import { NgramEmbedder } from '../../core/embeddings/ngram-embedder.js';
import { OllamaLlm } from './ollama-llm.js';
import { OpenAiCompatibleLlm } from './openai-compatible-llm.js';
import { OllamaEmbedder } from '../embeddings/ollama-embedder.js';

/** The chat model the config names. */
export function createLlm(llm: Config['llm'], fetchImpl?: typeof fetch): LlmPort {
  const retry = { retries: llm.retries, baseMs: llm.retryBaseMs };
  if (llm.provider === 'openai') {
    return new OpenAiCompatibleLlm({ baseUrl: llm.host, model: llm.model, timeoutMs: llm.timeoutMs, retry, ...(llm.apiKey ? { apiKey: llm.apiKey } : {}), ...(fetchImpl ? { fetch: fetchImpl } : {}) });
  }
  return new OllamaLlm({ host: llm.host, model: llm.model, keepAlive: llm.keepAlive, timeoutMs: llm.timeoutMs, retry, ...(llm.numCtx ? { numCtx: llm.numCtx } : {}), ...(fetchImpl ? { fetch: fetchImpl } : {}) });
}

/**
 * The embedder the config names: Ollama's /api/embed, falling back to the offline n-gram embedder
 * while it is unreachable (when allowed). With the openai provider there is no Ollama, so only the
 * offline embedder is used.
 */
export function createEmbedder(llm: Config['llm'], onFallback?: (err: unknown) => void): { embedder: Embedder; forModel: (model: string) => Embedder | undefined } {
  const offline = new NgramEmbedder();
  if (llm.provider !== 'ollama') return { embedder: offline, forModel: (m) => (m === offline.model ? offline : undefined) };
  // Embedding calls are short: do not wait the chat timeout, and do not retry for long.
  const ollama = new OllamaEmbedder({ host: llm.host, model: llm.embeddings.model, keepAlive: llm.keepAlive, timeoutMs: Math.min(llm.timeoutMs, 30_000), retry: { retries: 1, baseMs: llm.retryBaseMs } });
  if (!llm.embeddings.offlineFallback) return { embedder: ollama, forModel: (m) => (m === ollama.model ? ollama : undefined) };
  const fb = new FallbackEmbedder(ollama, offline, { ...(onFallback ? { onFallback } : {}) });
  return { embedder: fb, forModel: (m) => fb.forModel(m) };
}
