import t, { type Test } from 'tap';
import Fastify from 'fastify';
import type { AddressInfo } from 'node:net';
import type { LlmPort } from '../core/llm/llm-port.js';
import type { Embedder } from '../core/embeddings/embeddings-port.js';
import { NgramEmbedder } from '../core/embeddings/ngram-embedder.js';
import { FallbackEmbedder } from '../core/embeddings/fallback-embedder.js';
import { dot } from '../core/embeddings/vector-codec.js';
import { OllamaLlm } from '../adapters/llm/ollama-llm.js';
import { OllamaEmbedder } from '../adapters/embeddings/ollama-embedder.js';
import { OpenAiCompatibleLlm } from '../adapters/llm/openai-compatible-llm.js';
import { openaiRoutes } from '../adapters/http/routes/openai.js';
import { FakeOllama } from './helpers/fake-ollama.js';
import { fakeOllamaWorld } from './helpers/fake-ollama-world.js';

/**
 * The LLM port's contract, run against every implementation: the Ollama adapter (on the scripted
 * Ollama server) and the OpenAI-compatible adapter (on a node's /v1, itself on that server).
 */
type Setup = (t: Test) => Promise<{ llm: LlmPort; fake: FakeOllama; down: () => Promise<LlmPort> }>;
const retry = { retries: 0, baseMs: 1 };

const implementations: Record<string, Setup> = {
  ollama: async (t) => {
    const fake = await FakeOllama.start();
    t.teardown(() => fake.close().catch(() => undefined));
    return {
      fake,
      llm: new OllamaLlm({ host: fake.url, model: 'qwen2.5:1.5b', keepAlive: '5m', timeoutMs: 5000, retry }),
      down: async () => {
        const url = fake.url;
        await fake.close();
        return new OllamaLlm({ host: url, model: 'qwen2.5:1.5b', keepAlive: '5m', timeoutMs: 1000, retry });
      },
    };
  },
  'openai-compatible': async (t) => {
    const w = await fakeOllamaWorld(t);
    const s = await w.services({ agent: { maxIterations: 1 } });
    const app = Fastify();
    app.decorateRequest('access', null as never);
    app.addHook('onRequest', async (request) => void (request.access = { scope: 'admin', via: 'loopback' }));
    await app.register(openaiRoutes, { deps: { openai: { agent: s.agent, llm: s.llm, embedder: s.embedder } } });
    await app.listen({ host: '127.0.0.1', port: 0 });
    t.teardown(() => app.close());
    const baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/v1`;
    return {
      fake: w.fake,
      llm: new OpenAiCompatibleLlm({ baseUrl, model: 'qwen2.5:1.5b', timeoutMs: 5000, retry }),
      down: async () => {
        await app.close();
        return new OpenAiCompatibleLlm({ baseUrl, model: 'qwen2.5:1.5b', timeoutMs: 1000, retry });
      },
    };
  },
};

for (const [name, setup] of Object.entries(implementations)) {
  t.test(`LLM port contract: ${name}`, async (t) => {
    t.test('chat returns the content, the model and token usage', async (t) => {
      const { llm, fake } = await setup(t);
      fake.script({ content: 'hello there', promptTokens: 11, evalTokens: 3 });
      const r = await llm.chat({ messages: [{ role: 'user', content: 'hi' }] });
      t.equal(r.content, 'hello there');
      t.equal(r.model, 'qwen2.5:1.5b');
      t.equal(r.doneReason, 'stop');
      t.ok(r.usage.promptTokens >= 11 && r.usage.completionTokens >= 3);
    });
    t.test('tool calls come back with ids, names and object arguments', async (t) => {
      const { llm, fake } = await setup(t);
      fake.script({ toolCalls: [{ name: 'lookup', arguments: { key: 'a' } }] });
      const r = await llm.chat({ messages: [{ role: 'user', content: 'x' }], tools: [{ name: 'lookup', description: 'd', parameters: { type: 'object', properties: { key: { type: 'string' } } } }] });
      t.equal(r.doneReason, 'tool_calls');
      t.equal(r.toolCalls.length, 1);
      t.match(r.toolCalls[0], { id: /\S/, name: 'lookup', arguments: { key: 'a' } });
    });
    t.test('a stream yields the content in pieces and ends with one done chunk', async (t) => {
      const { llm, fake } = await setup(t);
      fake.script({ content: 'one two three four', chunkSize: 3 });
      const chunks = [];
      for await (const c of llm.chatStream({ messages: [{ role: 'user', content: 'x' }] })) chunks.push(c);
      t.equal(chunks.map((c) => c.contentDelta).join(''), 'one two three four');
      t.equal(chunks.filter((c) => c.done).length, 1);
      t.equal(chunks.at(-1)!.done, true);
    });
    t.test('models lists at least the configured model', async (t) => {
      const { llm } = await setup(t);
      t.ok((await llm.models()).some((m) => m.name === 'qwen2.5:1.5b'));
    });
    t.test('no server is SMOL_LLM_UNREACHABLE', async (t) => {
      const { down } = await setup(t);
      const llm = await down();
      await t.rejects(llm.chat({ messages: [{ role: 'user', content: 'x' }] }), { code: 'SMOL_LLM_UNREACHABLE' });
    });
  });
}

/** The embeddings port's contract: Ollama's /api/embed, the offline n-gram embedder, and the fallback. */
const embedders: Record<string, (t: Test) => Promise<Embedder>> = {
  ollama: async (t) => {
    const fake = await FakeOllama.start();
    t.teardown(() => fake.close());
    return new OllamaEmbedder({ host: fake.url, model: 'all-minilm', keepAlive: '5m', timeoutMs: 5000, retry });
  },
  'offline n-gram': async () => new NgramEmbedder(),
  'fallback (primary down)': async () => new FallbackEmbedder(new OllamaEmbedder({ host: 'http://127.0.0.1:9', model: 'all-minilm', keepAlive: '5m', timeoutMs: 1000, retry }), new NgramEmbedder()),
};

for (const [name, make] of Object.entries(embedders)) {
  t.test(`embeddings port contract: ${name}`, async (t) => {
    const e = await make(t);
    const r = await e.embed(['the greenhouse is humid', 'the greenhouse is very humid', 'invoice number 42']);
    t.ok(r.model.length > 0);
    t.equal(r.vectors.length, 3);
    t.ok(r.vectors.every((v) => v.length === r.dim && v.every(Number.isFinite)), 'dim finite numbers');
    t.ok(r.vectors.every((v) => Math.abs(dot(v, v) - 1) < 1e-6), 'unit length');
    t.ok(dot(r.vectors[0]!, r.vectors[1]!) > dot(r.vectors[0]!, r.vectors[2]!), 'similar texts are closer');
    const again = await e.embed(['the greenhouse is humid']);
    t.same(again.vectors[0], r.vectors[0], 'deterministic');
  });
}

t.test('the offline embedder refuses text with nothing to embed', async (t) => {
  await t.rejects(new NgramEmbedder().embed(['  ...  ']), { code: 'SMOL_EMBEDDING_INPUT_EMPTY' });
});
