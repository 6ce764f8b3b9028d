import type { Test } from 'tap';
import { createRegistry } from '../../core/events/default-registry.js';
import type { SmolNode } from '../../core/runtime/smol-node.js';
import { FallbackEmbedder } from '../../core/embeddings/fallback-embedder.js';
import { NgramEmbedder } from '../../core/embeddings/ngram-embedder.js';
import { configSchema } from '../../adapters/config/schema.js';
import { OllamaLlm } from '../../adapters/llm/ollama-llm.js';
import { OllamaEmbedder } from '../../adapters/embeddings/ollama-embedder.js';
import { startAgentServices } from '../../adapters/tools/agent-services.js';
import type { AppDeps } from '../../adapters/http/app.js';
import type { FakeOllama } from './fake-ollama.js';

/**
 * The agent side of an httpNode, on the scripted Ollama server: pass the result as httpNode's
 * `extra`, and the app serves the chat (/api/agent/ask), /v1 and /api/tools from that node's agent.
 */
export function nodeAgent(t: Test, fake: FakeOllama): (node: SmolNode) => Promise<Partial<AppDeps>> {
  return async (node) => {
    const config = configSchema.parse({ dataDir: '/nonexistent', node: { name: 'kitchen' }, llm: { host: fake.url } });
    const retry = { retries: 1, baseMs: 1, sleep: async () => undefined };
    const llm = new OllamaLlm({ host: fake.url, model: 'qwen2.5:1.5b', keepAlive: '10m', timeoutMs: 10_000, retry });
    const embedder = new FallbackEmbedder(new OllamaEmbedder({ host: fake.url, model: 'all-minilm', keepAlive: '10m', timeoutMs: 10_000, retry }), new NgramEmbedder());
    const services = await startAgentServices({
      config, node, registry: createRegistry(), observe: false, inMemoryVectors: true, llm,
      embedder: { embedder, forModel: (m) => embedder.forModel(m) },
    });
    t.teardown(() => services.stop());
    return { agent: services.agent, tools: services.tools, openai: { agent: services.agent, llm: services.llm, embedder: services.embedder, embedderFor: services.queryEmbedder } };
  };
}
