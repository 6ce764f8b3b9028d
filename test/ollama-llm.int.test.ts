import t, { type Test } from 'tap';
import { OllamaLlm } from '../adapters/llm/ollama-llm.js';
import { OllamaEmbedder } from '../adapters/embeddings/ollama-embedder.js';
import { FallbackEmbedder } from '../core/embeddings/fallback-embedder.js';
import { NgramEmbedder, NGRAM_MODEL } from '../core/embeddings/ngram-embedder.js';
import { dot } from '../core/embeddings/vector-codec.js';
import { FakeOllama } from './helpers/fake-ollama.js';
import { waitFor } from './helpers/wait-for.js';

const noSleep = { retries: 2, baseMs: 1, sleep: async () => undefined };

async function setup(t: Test, extra: Partial<ConstructorParameters<typeof OllamaLlm>[0]> = {}) {
  const fake = await FakeOllama.start();
  t.teardown(() => fake.close());
  const llm = new OllamaLlm({ host: fake.url, model: 'qwen2.5:1.5b', keepAlive: '10m', timeoutMs: 2000, retry: noSleep, ...extra });
  return { fake, llm };
}

t.test('chat sends the model, messages, tools and keep_alive, and returns content and usage', async (t) => {
  const { fake, llm } = await setup(t);
  fake.script({ content: 'It is 48 °C.', promptTokens: 30, evalTokens: 7 });
  const res = await llm.chat({
    messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'how warm?' }],
    tools: [{ name: 'read_source', description: 'read one source', parameters: { type: 'object', properties: { source: { type: 'string' } }, required: ['source'] } }],
  });
  t.equal(res.content, 'It is 48 °C.');
  t.same(res.usage, { promptTokens: 30, completionTokens: 7 });
  t.equal(res.doneReason, 'stop');
  const sent = fake.chatRequests()[0]!;
  t.equal(sent.model, 'qwen2.5:1.5b');
  t.equal(sent.keep_alive, '10m');
  t.equal(sent.stream, false);
  t.equal(sent.tools?.[0]?.function.name, 'read_source');
  t.same(sent.messages.map((m) => m.role), ['system', 'user']);
});

t.test('tool calls come back with ids; string arguments are parsed, unparseable ones kept raw', async (t) => {
  const { fake, llm } = await setup(t);
  fake.script({ toolCalls: [{ name: 'read_source', arguments: { source: 'system.cpu_temp' } }, { name: 'math', arguments: '{"expression":"1+1"}' }, { name: 'math', arguments: '{oops' }] });
  const res = await llm.chat({ messages: [{ role: 'user', content: 'x' }] });
  t.equal(res.doneReason, 'tool_calls');
  t.same(res.toolCalls.map((c) => [c.name, c.arguments]), [
    ['read_source', { source: 'system.cpu_temp' }],
    ['math', { expression: '1+1' }],
    ['math', { _unparsed: '{oops' }],
  ]);
  t.ok(res.toolCalls.every((c) => c.id.length > 0));
  t.equal(new Set(res.toolCalls.map((c) => c.id)).size, 3, 'ids are distinct');
});

t.test('assistant tool calls and tool results are sent back in Ollama form', async (t) => {
  const { fake, llm } = await setup(t);
  fake.script({ content: 'done' });
  await llm.chat({
    messages: [
      { role: 'user', content: 'q' },
      { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'math', arguments: { expression: '2*3' } }] },
      { role: 'tool', content: '{"value":6}', toolCallId: 'c1', toolName: 'math' },
    ],
  });
  const m = fake.chatRequests()[0]!.messages;
  t.same(m[1]!.tool_calls, [{ function: { name: 'math', arguments: { expression: '2*3' } } }]);
  t.equal(m[2]!.tool_name, 'math');
});

t.test('structured output sends the JSON schema as format', async (t) => {
  const { fake, llm } = await setup(t);
  fake.script({ content: '{"observations":[]}' });
  const schema = { type: 'object', properties: { observations: { type: 'array' } }, required: ['observations'] };
  const res = await llm.chat({ messages: [{ role: 'user', content: 'x' }], format: schema, temperature: 0 });
  t.same(fake.chatRequests()[0]!.format, schema);
  t.same(fake.chatRequests()[0]!.options, { temperature: 0 });
  t.same(JSON.parse(res.content), { observations: [] });
});

t.test('streaming yields content deltas, tool calls and a final chunk with usage', async (t) => {
  const { fake, llm } = await setup(t);
  fake.script({ content: 'The CPU is at 48 degrees.', chunkSize: 5, evalTokens: 9 });
  const chunks = [];
  for await (const c of llm.chatStream({ messages: [{ role: 'user', content: 'x' }] })) chunks.push(c);
  t.equal(chunks.map((c) => c.contentDelta).join(''), 'The CPU is at 48 degrees.');
  t.ok(chunks.length > 3, 'several chunks');
  const last = chunks.at(-1)!;
  t.equal(last.done, true);
  t.equal(last.usage?.completionTokens, 9);
  t.equal(fake.chatRequests()[0]!.stream, true);

  fake.script({ toolCalls: [{ name: 'list_sources', arguments: {} }] });
  const tc = [];
  for await (const c of llm.chatStream({ messages: [{ role: 'user', content: 'x' }] })) tc.push(...c.toolCalls);
  t.same(tc.map((c) => c.name), ['list_sources']);
});

t.test('a busy server is retried with backoff; a missing model is not', async (t) => {
  const { fake, llm } = await setup(t);
  fake.failNext(2, 503).script({ content: 'finally' });
  t.equal((await llm.chat({ messages: [{ role: 'user', content: 'x' }] })).content, 'finally');
  t.equal(fake.chatRequests().length, 3, 'two failures, one success');

  fake.failNext(3, 500);
  await t.rejects(llm.chat({ messages: [{ role: 'user', content: 'x' }] }), { code: 'SMOL_LLM_UNREACHABLE' }, 'gives up after the retries');

  const before = fake.requests.length;
  await t.rejects(llm.chat({ messages: [{ role: 'user', content: 'x' }], model: 'no-such-model' }), { code: 'SMOL_LLM_UNREACHABLE' });
  t.equal(fake.requests.length - before, 1, 'a 404 is not retried');
});

t.test('a slow answer times out with SMOL_LLM_TIMEOUT', async (t) => {
  const { fake, llm } = await setup(t, { timeoutMs: 100 });
  fake.script({ content: 'late', delayMs: 1000 });
  await t.rejects(llm.chat({ messages: [{ role: 'user', content: 'x' }] }), { code: 'SMOL_LLM_TIMEOUT' });
});

t.test('no server at all is SMOL_LLM_UNREACHABLE', async (t) => {
  const fake = await FakeOllama.start();
  const url = fake.url;
  await fake.close();
  const llm = new OllamaLlm({ host: url, model: 'm', keepAlive: '5m', timeoutMs: 1000, retry: noSleep });
  await t.rejects(llm.chat({ messages: [{ role: 'user', content: 'x' }] }), { code: 'SMOL_LLM_UNREACHABLE' });
  await t.rejects(llm.models(), { code: 'SMOL_LLM_UNREACHABLE' });
});

t.test('an answer that breaks the protocol is SMOL_LLM_BAD_OUTPUT', async (t) => {
  const { fake, llm } = await setup(t);
  fake.script({ raw: { model: 'qwen2.5:1.5b', message: { role: 'assistant', content: 42 }, done: true } });
  await t.rejects(llm.chat({ messages: [{ role: 'user', content: 'x' }] }), { code: 'SMOL_LLM_BAD_OUTPUT' });
});

t.test('models lists what the server has', async (t) => {
  const { llm } = await setup(t);
  t.same((await llm.models()).map((m) => m.name), ['qwen2.5:1.5b', 'all-minilm']);
});

t.test('the Ollama embedder returns unit vectors of the model dimension', async (t) => {
  const fake = await FakeOllama.start();
  t.teardown(() => fake.close());
  const e = new OllamaEmbedder({ host: fake.url, model: 'all-minilm', keepAlive: '10m', timeoutMs: 2000, retry: noSleep });
  const res = await e.embed(['the kitchen is warm', 'the kitchen is warm today', 'disk almost full']);
  t.equal(res.model, 'all-minilm');
  t.equal(res.dim, 384);
  t.equal(res.vectors.length, 3);
  t.ok(Math.abs(dot(res.vectors[0]!, res.vectors[0]!) - 1) < 1e-9, 'unit length');
  t.ok(dot(res.vectors[0]!, res.vectors[1]!) > dot(res.vectors[0]!, res.vectors[2]!), 'similar texts are closer');
  t.same(fake.requests.at(-1)?.body, { model: 'all-minilm', input: ['the kitchen is warm', 'the kitchen is warm today', 'disk almost full'], keep_alive: '10m' });
});

t.test('a zero, short or non-finite embedding is SMOL_EMBEDDING_FAILED, never stored', async (t) => {
  for (const bad of [[[0, 0, 0]], [], [[1, 2], [1]]]) {
    const fake = await FakeOllama.start({ embed: () => bad });
    const e = new OllamaEmbedder({ host: fake.url, model: 'all-minilm', keepAlive: '1m', timeoutMs: 2000, retry: noSleep });
    await t.rejects(e.embed(bad.length === 2 ? ['a', 'b'] : ['a']), { code: 'SMOL_EMBEDDING_FAILED' }, JSON.stringify(bad));
    await fake.close();
  }
});

t.test('the fallback embedder uses the offline n-gram model while Ollama is down, and says so', async (t) => {
  const fake = await FakeOllama.start();
  const url = fake.url;
  await fake.close();
  let now = 0;
  const fell: unknown[] = [];
  const e = new FallbackEmbedder(
    new OllamaEmbedder({ host: url, model: 'all-minilm', keepAlive: '1m', timeoutMs: 500, retry: { retries: 0, baseMs: 1 } }),
    new NgramEmbedder(),
    { coolDownMs: 1000, now: () => now, onFallback: (err) => fell.push(err) },
  );
  const res = await e.embed(['hello world']);
  t.equal(res.model, NGRAM_MODEL);
  t.equal(fell.length, 1);
  t.equal(e.model, NGRAM_MODEL, 'while cooling down the primary is not asked');
  now = 2000;
  t.equal(e.model, 'all-minilm');
});

t.test('a caller that gives up abandons the call: SMOL_LLM_ABORTED, no retry', async (t) => {
  const { fake, llm } = await setup(t, { timeoutMs: 20_000 });
  const waitForRequests = (n: number) => waitFor(() => fake.chatRequests().length >= n, { timeoutMs: 10_000, intervalMs: 5, message: `${n} chat requests at the fake server` });

  fake.script({ content: 'late', delayMs: 10_000 });
  const controller = new AbortController();
  const pending = llm.chat({ messages: [{ role: 'user', content: 'x' }], signal: controller.signal });
  await waitForRequests(1);
  controller.abort();
  // Had it waited for the answer (10 s away), the call would have resolved with it instead.
  await t.rejects(pending, { code: 'SMOL_LLM_ABORTED' }, 'a non-streamed answer still being generated');
  t.equal(fake.chatRequests().length, 1, 'not retried');

  fake.script({ content: 'late', delayMs: 10_000 });
  const streamController = new AbortController();
  const stream = llm.chatStream({ messages: [{ role: 'user', content: 'x' }], signal: streamController.signal });
  const first = stream[Symbol.asyncIterator]().next();
  await waitForRequests(2);
  streamController.abort();
  await t.rejects(first, { code: 'SMOL_LLM_ABORTED' }, 'a stream before its first chunk');
  t.equal(fake.chatRequests().length, 2, 'not retried');

  await t.rejects(llm.chat({ messages: [{ role: 'user', content: 'x' }], signal: AbortSignal.abort() }), { code: 'SMOL_LLM_ABORTED' }, 'already aborted');
  t.equal(fake.chatRequests().length, 2, 'nothing sent for a call given up before it started');
});
