import { z } from 'zod';

const embeddingsSection = z
  .object({
    model: z.string().min(1).default('all-minilm').describe('Ollama embedding model (all-minilm: 384 dimensions, 46 MB)'),
    offlineFallback: z
      .boolean()
      .default(true)
      .describe('When the embedding model is unreachable, embed with the offline n-gram embedder (smollama-ngram-v1) instead of failing'),
  })
  .strict()
  .prefault({})
  .describe('Embeddings for observations, memories and recall');

/** `llm`: the chat model the agent and observer use, and the embedding model. */
export const llmSection = z
  .object({
    provider: z.enum(['ollama', 'openai']).default('ollama').describe('ollama, or openai for an OpenAI-compatible server (llama.cpp, LM Studio, vLLM)'),
    host: z.string().url().default('http://127.0.0.1:11434').describe('Ollama address, or the OpenAI-compatible base URL (e.g. http://127.0.0.1:8000/v1)'),
    model: z.string().min(1).default('qwen2.5:1.5b').describe('Chat model; it must support tools (qwen2.5, llama3.2 do)'),
    apiKey: z.string().default('').describe('Bearer token for an OpenAI-compatible server (empty = none)'),
    keepAlive: z.string().default('10m').describe('How long Ollama keeps the model loaded after a call (e.g. 10m, -1 = always)'),
    numCtx: z.number().int().min(0).default(4096).describe('Context window to ask Ollama for (0 = the model default)'),
    timeoutMs: z.number().int().min(100).default(120_000).describe('Give up on one model call after this long (ms); a Pi is slow'),
    retries: z.number().int().min(0).max(10).default(2).describe('Retries of a call that found no server or a busy one'),
    retryBaseMs: z.number().int().min(1).default(500).describe('First retry delay (ms); doubles each time'),
    embeddings: embeddingsSection,
  })
  .strict()
  .prefault({})
  .describe('The local model (Ollama or an OpenAI-compatible server)');
